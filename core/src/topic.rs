//! Topics: named sets of partitions.
//!
//! A topic is only a name, a configuration and a list of partitions; each partition is an
//! independent [`PartitionLog`]. Ordering exists only *within* a partition, which is why
//! producers send all records of one key to one partition.
//!
//! Kafka can add partitions to a topic but never remove them: records already written
//! would lose their place, and the key-to-partition mapping changes for new records (a
//! classic surprise this project lets you watch).

use serde::{Deserialize, Serialize};

use crate::error::KafkaError;
use crate::log::{LogConfig, LogStorage, MemoryStorage, PartitionLog, SegmentInfo, TopicManifest};
use crate::record::{Millis, Offset};

/// Kafka's limit on topic name length (249: the partition directory name
/// `<topic>-<partition>` must fit in 255 bytes).
pub const MAX_TOPIC_NAME_LEN: usize = 249;

/// The most partitions minikafka accepts for one topic; more is almost surely a typo, and
/// the browser would not draw it anyway.
pub const MAX_PARTITIONS: i32 = 10_000;

/// Is `name` a legal topic name? Kafka allows ASCII letters, digits, `.`, `_` and `-`, at
/// most 249 characters, and not `.` or `..`.
pub fn validate_topic_name(name: &str) -> Result<(), KafkaError> {
    let legal = |c: char| c.is_ascii_alphanumeric() || c == '.' || c == '_' || c == '-';
    if name.is_empty()
        || name.len() > MAX_TOPIC_NAME_LEN
        || name == "."
        || name == ".."
        || !name.chars().all(legal)
    {
        return Err(KafkaError::InvalidTopic);
    }
    Ok(())
}

/// A topic and its partition logs.
#[derive(Debug, Clone)]
pub struct Topic<S: LogStorage = MemoryStorage> {
    /// The name.
    pub name: String,
    /// Kafka's topic id (a UUID since KIP-516); issued deterministically here.
    pub topic_id: [u8; 16],
    /// Configuration of every partition's log.
    pub config: LogConfig,
    /// When it was created.
    pub created_at: Millis,
    /// The partitions, by index.
    pub partitions: Vec<PartitionLog<S>>,
}

impl Topic<MemoryStorage> {
    /// A topic with `partitions` empty partitions in memory. The caller validated name and
    /// count.
    pub fn new(
        name: String,
        topic_id: [u8; 16],
        partitions: i32,
        config: LogConfig,
        now: Millis,
    ) -> Topic {
        let logs = (0..partitions)
            .map(|_| PartitionLog::new(config.clone()))
            .collect();
        Topic::from_logs(name, topic_id, config, now, logs)
    }
}

impl<S: LogStorage> Topic<S> {
    /// A topic over logs opened elsewhere (from files, at a restart).
    pub fn from_logs(
        name: String,
        topic_id: [u8; 16],
        config: LogConfig,
        created_at: Millis,
        partitions: Vec<PartitionLog<S>>,
    ) -> Topic<S> {
        Topic {
            name,
            topic_id,
            config,
            created_at,
            partitions,
        }
    }

    /// What a storage provider must remember about the topic.
    pub fn manifest(&self) -> TopicManifest {
        TopicManifest {
            name: self.name.clone(),
            topic_id: self.topic_id,
            partitions: self.partition_count(),
            config: self.config.clone(),
            created_at: self.created_at,
        }
    }

    /// Number of partitions.
    pub fn partition_count(&self) -> i32 {
        self.partitions.len() as i32
    }

    /// One partition's log.
    pub fn partition(&self, partition: i32) -> Result<&PartitionLog<S>, KafkaError> {
        usize::try_from(partition)
            .ok()
            .and_then(|p| self.partitions.get(p))
            .ok_or(KafkaError::UnknownTopicOrPartition)
    }

    /// One partition's log, mutably.
    pub fn partition_mut(&mut self, partition: i32) -> Result<&mut PartitionLog<S>, KafkaError> {
        usize::try_from(partition)
            .ok()
            .and_then(|p| self.partitions.get_mut(p))
            .ok_or(KafkaError::UnknownTopicOrPartition)
    }

    /// Grow to `total` partitions, opening each new log with `open(index)`. Shrinking is
    /// `INVALID_PARTITIONS`, as in Kafka.
    pub fn add_partitions(
        &mut self,
        total: i32,
        mut open: impl FnMut(i32) -> Result<PartitionLog<S>, KafkaError>,
    ) -> Result<(), KafkaError> {
        if total <= self.partition_count() || total > MAX_PARTITIONS {
            return Err(KafkaError::InvalidPartitions);
        }
        while self.partition_count() < total {
            let log = open(self.partition_count())?;
            self.partitions.push(log);
        }
        Ok(())
    }

    /// The topic as `kafka-topics.sh --describe` would show it, plus offsets.
    pub fn describe(&self) -> TopicDescription {
        TopicDescription {
            name: self.name.clone(),
            topic_id: self.topic_id,
            config: self.config.clone(),
            partitions: self
                .partitions
                .iter()
                .enumerate()
                .map(|(i, log)| PartitionDescription {
                    partition: i as i32,
                    log_start_offset: log.log_start_offset(),
                    high_watermark: log.high_watermark(),
                    log_end_offset: log.log_end_offset(),
                    size_bytes: log.size_bytes(),
                    segments: log.segments().to_vec(),
                })
                .collect(),
        }
    }
}

/// A topic, described.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopicDescription {
    /// Topic name.
    pub name: String,
    /// Topic id.
    pub topic_id: [u8; 16],
    /// Log configuration.
    pub config: LogConfig,
    /// Partitions, by index.
    pub partitions: Vec<PartitionDescription>,
}

/// One partition, described.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartitionDescription {
    /// Partition index, 0-based within the topic.
    pub partition: i32,
    /// First readable offset.
    pub log_start_offset: Offset,
    /// Last offset consumers may read up to (exclusive).
    pub high_watermark: Offset,
    /// Next offset to be written.
    pub log_end_offset: Offset,
    /// Bytes stored.
    pub size_bytes: u64,
    /// Segments, oldest first; the last is the active one.
    pub segments: Vec<SegmentInfo>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topic_names_follow_kafka_rules() {
        assert!(validate_topic_name("orders").is_ok());
        assert!(validate_topic_name("orders.v2_eu-west").is_ok());
        assert!(validate_topic_name(&"a".repeat(249)).is_ok());
        for bad in [
            "",
            ".",
            "..",
            "has space",
            "slash/",
            "ünïcode",
            &"a".repeat(250),
        ] {
            assert_eq!(
                validate_topic_name(bad),
                Err(KafkaError::InvalidTopic),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn partitions_can_grow_never_shrink() {
        let mut t = Topic::new("t".into(), [0; 16], 2, LogConfig::default(), 0);
        let open = |_| Ok(PartitionLog::new(LogConfig::default()));
        assert_eq!(
            t.add_partitions(2, open),
            Err(KafkaError::InvalidPartitions)
        );
        assert_eq!(
            t.add_partitions(1, open),
            Err(KafkaError::InvalidPartitions)
        );
        t.add_partitions(5, open).unwrap();
        assert_eq!(t.partition_count(), 5);
        assert!(t.partition(4).is_ok());
        assert_eq!(
            t.partition(5).err(),
            Some(KafkaError::UnknownTopicOrPartition)
        );
        assert_eq!(
            t.partition(-1).err(),
            Some(KafkaError::UnknownTopicOrPartition)
        );
        assert_eq!(t.describe().partitions.len(), 5);
    }
}
