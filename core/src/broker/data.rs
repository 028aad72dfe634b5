//! The data path: Produce, Fetch, ListOffsets, DeleteRecords, and retention.

use serde::{Deserialize, Serialize};

use crate::broker::{Broker, ProducerBatch, SequenceCheck};
use crate::error::KafkaError;
use crate::event::{Event, TxnAppend};
use crate::log::StorageProvider;
use crate::log::{AbortedTransaction, IsolationLevel, LogError, RetentionOutcome};
use crate::record::{Millis, Offset, RecordBatch};

/// What a successful Produce returns for one partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProduceResult {
    /// Offset of the batch's first record.
    pub base_offset: Offset,
    /// The partition's log start offset after the append.
    pub log_start_offset: Offset,
}

/// What Fetch returns for one partition.
#[derive(Debug, Clone, PartialEq)]
pub struct FetchPartition {
    /// Whole batches starting with the one that holds the fetch offset; the consumer skips
    /// records below the offset it asked for.
    pub batches: Vec<RecordBatch>,
    /// The high watermark: how far the consumer could read.
    pub high_watermark: Offset,
    /// The log start offset: where `auto.offset.reset=earliest` would go.
    pub log_start_offset: Offset,
    /// The last stable offset: how far a `read_committed` consumer could read.
    pub last_stable_offset: Offset,
    /// `read_committed` only: the aborted transactions overlapping the returned batches,
    /// whose records the consumer must drop. `None` for `read_uncommitted`.
    pub aborted_transactions: Option<Vec<AbortedTransaction>>,
}

/// ListOffsets: which offset to look up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum OffsetSpec {
    /// The log start offset (Kafka's timestamp -2, `auto.offset.reset=earliest`).
    Earliest,
    /// The log end offset (timestamp -1, `auto.offset.reset=latest`).
    Latest,
    /// The first offset whose record timestamp is at or after this time (`offsetsForTimes`).
    Timestamp(Millis),
    /// The record with the largest timestamp, the first of them on a tie (timestamp -3,
    /// KIP-734, ListOffsets v7: `OffsetSpec.maxTimestamp()` in Java's admin client).
    MaxTimestamp,
}

impl OffsetSpec {
    /// Kafka's encoding in ListOffsets: -2 earliest, -1 latest, else a timestamp.
    pub fn from_kafka(timestamp: i64) -> Result<OffsetSpec, KafkaError> {
        match timestamp {
            -2 => Ok(OffsetSpec::Earliest),
            -1 => Ok(OffsetSpec::Latest),
            -3 => Ok(OffsetSpec::MaxTimestamp),
            t if t >= 0 => Ok(OffsetSpec::Timestamp(t)),
            // The KIP-1005 specials (-4 earliest local, -5 latest tiered) are not served.
            _ => Err(KafkaError::UnsupportedVersion),
        }
    }
}

impl<P: StorageProvider> Broker<P> {
    /// Produce one batch to one partition; returns its base offset. The broker assigns
    /// offsets: whatever base offset the producer wrote is replaced.
    pub fn produce(
        &mut self,
        topic: &str,
        partition: i32,
        batch: RecordBatch,
        client_id: Option<&str>,
        now: Millis,
    ) -> Result<ProduceResult, KafkaError> {
        // The topic's `max.message.bytes` overrides the broker's `message.max.bytes`.
        let max_bytes = self
            .topics
            .get(topic)
            .and_then(|t| t.config.max_message_bytes)
            .unwrap_or(self.config.message_max_bytes);
        if batch.info.size_bytes > max_bytes {
            return Err(KafkaError::MessageTooLarge);
        }
        // A compacted topic keeps the latest record per key: a record without a key has no
        // place in it, and Kafka refuses its whole batch.
        let compacted = self
            .topics
            .get(topic)
            .is_some_and(|t| t.config.cleanup_compact);
        if compacted && !batch.keyless_records().is_empty() {
            return Err(KafkaError::InvalidRecord);
        }
        let producer = batch.info.producer;
        if producer.control.is_some() {
            // Markers are the coordinator's to write, never a producer's.
            return Err(KafkaError::InvalidRecord);
        }
        if producer.transactional {
            self.transactions.verify_partition(
                producer.producer_id,
                producer.producer_epoch,
                topic,
                partition,
            )?;
        }
        let count = batch.info.record_count;
        let log = self
            .topics
            .get_mut(topic)
            .ok_or(KafkaError::UnknownTopicOrPartition)?
            .partition_mut(partition)?;
        let base_offset = log.append(batch, now).map_err(|e| e.kafka_error())?;
        let result = ProduceResult {
            base_offset,
            log_start_offset: log.log_start_offset(),
        };
        let log_end_offset = log.log_end_offset();
        let last_stable_offset = Some(log.last_stable_offset()).filter(|o| *o < log_end_offset);
        self.events.push_back(Event::RecordsAppended {
            at: now,
            topic: topic.to_string(),
            partition,
            base_offset,
            count,
            log_end_offset,
            client_id: client_id.map(str::to_string),
            txn: producer.transactional.then_some(TxnAppend {
                producer_id: producer.producer_id,
                marker: None,
            }),
            last_stable_offset,
        });
        Ok(result)
    }

    /// Produce a batch from a possibly idempotent producer: a retried batch is answered
    /// with its original offset instead of being written twice (see `producers.rs`).
    pub fn produce_idempotent(
        &mut self,
        topic: &str,
        partition: i32,
        batch: RecordBatch,
        producer: &ProducerBatch,
        client_id: Option<&str>,
        now: Millis,
    ) -> Result<ProduceResult, KafkaError> {
        match self.producers.check(topic, partition, producer)? {
            SequenceCheck::Duplicate(base_offset) => {
                let log_start_offset = self
                    .topics
                    .get(topic)
                    .ok_or(KafkaError::UnknownTopicOrPartition)?
                    .partition(partition)?
                    .log_start_offset();
                Ok(ProduceResult {
                    base_offset,
                    log_start_offset,
                })
            }
            SequenceCheck::Append => {
                let result = self.produce(topic, partition, batch, client_id, now)?;
                self.producers
                    .appended(topic, partition, producer, result.base_offset);
                Ok(result)
            }
        }
    }

    /// InitProducerId: a producer id and epoch for an idempotent producer.
    pub fn init_producer_id(&mut self, existing: Option<(i64, i16)>) -> (i64, i16) {
        self.producers.init(existing)
    }

    /// Fetch from one partition starting at `offset`, up to `max_bytes` (at least one
    /// batch is always returned if there is one, so a consumer can never get stuck behind
    /// a big batch). An offset outside `[log start, log end]` is `OFFSET_OUT_OF_RANGE`:
    /// the consumer then applies its `auto.offset.reset`. This is `read_uncommitted`.
    pub fn fetch(
        &mut self,
        topic: &str,
        partition: i32,
        offset: Offset,
        max_bytes: u32,
        client_id: Option<&str>,
        now: Millis,
    ) -> Result<FetchPartition, KafkaError> {
        let isolation = IsolationLevel::ReadUncommitted;
        self.fetch_isolated(
            topic, partition, offset, max_bytes, isolation, client_id, now,
        )
    }

    /// [`fetch`](Self::fetch) at an isolation level. `read_committed` returns batches
    /// below the last stable offset only, with the aborted transactions among them; a
    /// fetch at the LSO (below the high watermark) waits like one at the log end.
    #[allow(clippy::too_many_arguments)]
    pub fn fetch_isolated(
        &mut self,
        topic: &str,
        partition: i32,
        offset: Offset,
        max_bytes: u32,
        isolation: IsolationLevel,
        client_id: Option<&str>,
        now: Millis,
    ) -> Result<FetchPartition, KafkaError> {
        let log = self
            .topics
            .get(topic)
            .ok_or(KafkaError::UnknownTopicOrPartition)?
            .partition(partition)?;
        match log.read_isolated(offset, max_bytes, u32::MAX, isolation) {
            Ok(read) => {
                let records = read
                    .batches
                    .iter()
                    .map(|b| b.info.record_count)
                    .sum::<u32>();
                self.events.push_back(Event::FetchServed {
                    at: now,
                    topic: topic.to_string(),
                    partition,
                    fetch_offset: offset,
                    records,
                    high_watermark: read.high_watermark,
                    client_id: client_id.map(str::to_string),
                });
                Ok(FetchPartition {
                    batches: read.batches,
                    high_watermark: read.high_watermark,
                    log_start_offset: read.log_start_offset,
                    last_stable_offset: read.last_stable_offset,
                    aborted_transactions: read.aborted_transactions,
                })
            }
            Err(LogError::OffsetOutOfRange {
                log_start_offset,
                log_end_offset,
                ..
            }) => {
                self.events.push_back(Event::FetchOutOfRange {
                    at: now,
                    topic: topic.to_string(),
                    partition,
                    fetch_offset: offset,
                    log_start_offset,
                    log_end_offset,
                    client_id: client_id.map(str::to_string),
                });
                Err(KafkaError::OffsetOutOfRange)
            }
            Err(other) => Err(other.kafka_error()),
        }
    }

    /// ListOffsets for one partition: `(offset, timestamp)`. For a timestamp with no record
    /// at or after it, Kafka answers offset -1, timestamp -1.
    pub fn list_offset(
        &self,
        topic: &str,
        partition: i32,
        spec: OffsetSpec,
    ) -> Result<(Offset, Millis), KafkaError> {
        self.list_offset_isolated(topic, partition, spec, IsolationLevel::ReadUncommitted)
    }

    /// ListOffsets at an isolation level: `latest` for a `read_committed` consumer is the
    /// last stable offset, where it would stop reading, not the log end.
    pub fn list_offset_isolated(
        &self,
        topic: &str,
        partition: i32,
        spec: OffsetSpec,
        isolation: IsolationLevel,
    ) -> Result<(Offset, Millis), KafkaError> {
        let log = self
            .topics
            .get(topic)
            .ok_or(KafkaError::UnknownTopicOrPartition)?
            .partition(partition)?;
        match spec {
            OffsetSpec::Earliest => Ok((log.log_start_offset(), -1)),
            OffsetSpec::Latest => match isolation {
                IsolationLevel::ReadUncommitted => Ok((log.log_end_offset(), -1)),
                IsolationLevel::ReadCommitted => Ok((log.last_stable_offset(), -1)),
            },
            OffsetSpec::Timestamp(ts) => Ok(log
                .offset_for_timestamp(ts)
                .map_err(|e| e.kafka_error())?
                .unwrap_or((-1, -1))),
            OffsetSpec::MaxTimestamp => Ok(log
                .max_timestamp_offset()
                .map_err(|e| e.kafka_error())?
                .unwrap_or((-1, -1))),
        }
    }

    /// DeleteRecords: raise a partition's log start to `offset` (-1: the high watermark).
    /// Returns the new log start (Kafka's "low watermark").
    pub fn delete_records(
        &mut self,
        topic: &str,
        partition: i32,
        offset: Offset,
        now: Millis,
    ) -> Result<Offset, KafkaError> {
        let log = self
            .topics
            .get_mut(topic)
            .ok_or(KafkaError::UnknownTopicOrPartition)?
            .partition_mut(partition)?;
        let target = if offset == -1 {
            log.high_watermark()
        } else {
            offset
        };
        let outcome = log
            .delete_records_before(target)
            .map_err(|e| e.kafka_error())?;
        let low_watermark = log.log_start_offset();
        if let Some(outcome) = outcome {
            self.log_start_moved(topic, partition, outcome, now);
        }
        Ok(low_watermark)
    }

    /// Run retention on every partition now (the periodic check calls this).
    pub fn apply_retention(&mut self, now: Millis) {
        let mut moved = Vec::new();
        for (name, topic) in &mut self.topics {
            for (i, log) in topic.partitions.iter_mut().enumerate() {
                // A storage error leaves that partition as it was; the next check retries.
                if let Ok(Some(outcome)) = log.apply_retention(now) {
                    moved.push((name.clone(), i as i32, outcome));
                }
            }
        }
        for (topic, partition, outcome) in moved {
            self.log_start_moved(&topic, partition, outcome, now);
        }
    }

    fn log_start_moved(
        &mut self,
        topic: &str,
        partition: i32,
        outcome: RetentionOutcome,
        now: Millis,
    ) {
        self.events.push_back(Event::LogStartMoved {
            at: now,
            topic: topic.to_string(),
            partition,
            from: outcome.from,
            to: outcome.to,
            reason: outcome.reason,
        });
    }
}
