//! Partition logs: the heart of Kafka.
//!
//! A partition is an append-only log of record batches. Every record gets an *offset*, its
//! position in the log, and three offsets describe the log at any moment:
//!
//! ```text
//!   log start offset        high watermark == log end offset
//!          |                                |
//!          v                                v
//!   [ deleted ... | 40 41 42 ... 97 98 99 ] (100: the next record's offset)
//! ```
//!
//! - the **log start offset**: the first offset still readable. Retention (by time or by
//!   size) and DeleteRecords raise it; nothing ever lowers it.
//! - the **log end offset**: the offset the next appended record will get.
//! - the **high watermark**: the last offset consumers may read up to. With replication it
//!   trails the log end until followers catch up; minikafka has a single replica, so the
//!   two are equal (see [`PartitionLog::high_watermark`]).
//!
//! On disk Kafka cuts a partition into *segments*: files named after their first offset
//! (`00000000000000000040.log`). Only the newest, *active* segment receives appends; the
//! others are closed and immutable, and retention deletes closed segments whole. That is
//! why a record can outlive its retention time: it waits until its segment is closed and
//! every record in it is old enough.
//!
//! The module is split so that the rules and the bytes live apart:
//! - `storage.rs`: the [`LogStorage`] trait, where segments are kept, and [`SegmentInfo`].
//! - `memory.rs`: [`MemoryStorage`], segments as vectors (simulation, browser, tests).
//! - `provider.rs`: [`StorageProvider`], which opens the storage of every log (memory or files)
//!   and remembers the topics across restarts.
//! - `partition.rs`: [`PartitionLog`], Kafka's rules (offsets, reads, rolling, retention)
//!   on top of any storage.
//! - `transactions.rs`: [`TransactionIndex`], the open and aborted transactions of a log,
//!   from which come the **last stable offset** and `read_committed` reads.

mod memory;
mod partition;
mod provider;
mod storage;
mod transactions;

#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

pub use memory::MemoryStorage;
pub use partition::{LogConfig, LogError, PartitionLog, ReadResult, RetentionOutcome};
pub use provider::{MemoryProvider, StorageProvider, TopicManifest};
pub use storage::{check_roll, LogStorage, SegmentInfo, StorageError};
pub use transactions::{AbortedTransaction, TransactionIndex};

/// Why the log start offset moved. Defined here, where it happens; [`crate::event`]
/// re-exports it for its `LogStartMoved` event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogStartReason {
    /// `retention.ms`: segments older than the retention time were deleted.
    RetentionTime,
    /// `retention.bytes`: the log was bigger than the retention size.
    RetentionSize,
    /// A DeleteRecords request.
    DeleteRecords,
}

/// What a consumer may read (its `isolation.level`), sent with every Fetch and ListOffsets.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IsolationLevel {
    /// Kafka's 0, the default: everything up to the high watermark, including records of
    /// transactions that are still open or were aborted.
    #[default]
    ReadUncommitted,
    /// Kafka's 1: only up to the last stable offset, and the records of aborted
    /// transactions are dropped by the consumer (the fetch says which).
    ReadCommitted,
}

impl IsolationLevel {
    /// The level for Kafka's `isolation_level` byte: 1 is `read_committed`, anything else
    /// `read_uncommitted`.
    pub fn from_kafka(level: i8) -> IsolationLevel {
        if level == 1 {
            IsolationLevel::ReadCommitted
        } else {
            IsolationLevel::ReadUncommitted
        }
    }
}
