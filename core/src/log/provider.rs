//! Where a broker gets the storage of its logs.
//!
//! The broker's rules are the same whether records live in memory (the browser, the
//! simulation, fast tests) or in segment files (the native server). A [`StorageProvider`]
//! is the one place that differs: it opens the storage of each partition log, of the
//! committed-offsets log and of the transaction log, and remembers which topics exist, so that a restarted broker
//! finds its topics, records and committed offsets again.

use serde::{Deserialize, Serialize};

use super::{LogConfig, LogStorage, MemoryStorage, StorageError};
use crate::record::Millis;

/// What must survive a restart about a topic besides its records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopicManifest {
    /// The topic's name.
    pub name: String,
    /// Its id (a UUID).
    pub topic_id: [u8; 16],
    /// How many partitions it has.
    pub partitions: i32,
    /// Its log settings.
    pub config: LogConfig,
    /// When it was created.
    pub created_at: Millis,
}

/// Opens log storage and remembers topics. See the module documentation.
pub trait StorageProvider {
    /// The storage of one log.
    type Storage: LogStorage;

    /// The storage of `partition` of `topic`: empty for a new partition, or whatever a
    /// previous run left (recovered, with any torn tail cut off).
    fn open_partition(
        &mut self,
        topic: &TopicManifest,
        partition: i32,
    ) -> Result<Self::Storage, StorageError>;

    /// The storage of the committed-offsets log (Kafka's `__consumer_offsets`).
    fn open_offsets_log(&mut self) -> Result<Self::Storage, StorageError>;

    /// The storage of the transaction coordinator's log (Kafka's `__transaction_state`).
    fn open_transaction_log(&mut self) -> Result<Self::Storage, StorageError>;

    /// A topic was created or grew: remember it.
    fn save_topic(&mut self, topic: &TopicManifest) -> Result<(), StorageError>;

    /// A topic was deleted: forget it and drop its logs.
    fn delete_topic(&mut self, name: &str) -> Result<(), StorageError>;

    /// The topics a previous run saved, to open at startup.
    fn saved_topics(&mut self) -> Result<Vec<TopicManifest>, StorageError>;
}

/// Everything in memory: nothing survives the process, which is what the browser and the
/// simulation want.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MemoryProvider;

impl StorageProvider for MemoryProvider {
    type Storage = MemoryStorage;

    fn open_partition(&mut self, _: &TopicManifest, _: i32) -> Result<MemoryStorage, StorageError> {
        Ok(MemoryStorage::new())
    }

    fn open_offsets_log(&mut self) -> Result<MemoryStorage, StorageError> {
        Ok(MemoryStorage::new())
    }

    fn open_transaction_log(&mut self) -> Result<MemoryStorage, StorageError> {
        Ok(MemoryStorage::new())
    }

    fn save_topic(&mut self, _: &TopicManifest) -> Result<(), StorageError> {
        Ok(())
    }

    fn delete_topic(&mut self, _: &str) -> Result<(), StorageError> {
        Ok(())
    }

    fn saved_topics(&mut self) -> Result<Vec<TopicManifest>, StorageError> {
        Ok(Vec::new())
    }
}
