//! The sender's side of an answer: acknowledge, retry, split or fail each batch.
//!
//! Every batch that was sent comes back here exactly once, through its partition's result
//! in a Produce answer or through a request timeout, and leaves either as events (one per
//! record) or back in the accumulator for another attempt.

use crate::broker::ProduceResult;
use crate::client::producer::accumulator::ProducerBatch;
use crate::client::producer::{Producer, ProducerEvent};
use crate::error::KafkaError;
use crate::record::{Millis, Offset};

impl Producer {
    /// Whether a failed batch may be sent again.
    pub(super) fn can_retry(&self, batch: &ProducerBatch, now: Millis) -> bool {
        batch.retries < self.config.retries
            && now < batch.created_at + self.config.delivery_timeout_ms
    }

    /// Act on one partition's result.
    pub(super) fn complete(
        &mut self,
        mut batch: ProducerBatch,
        result: Result<ProduceResult, KafkaError>,
        now: Millis,
    ) {
        match result {
            Ok(produced) => self.acked(&batch, produced.base_offset),
            // Too large for the broker: send it again in two halves (Java's
            // `splitAndReenqueue`); a single record that is too large fails.
            Err(KafkaError::MessageTooLarge) if batch.records.len() > 1 => {
                if let Some((first, second)) = batch.split() {
                    self.accumulator.reenqueue(second, None);
                    self.accumulator.reenqueue(first, None);
                }
            }
            Err(error) if is_retriable(error) && self.can_retry(&batch, now) => {
                if error == KafkaError::UnknownTopicOrPartition {
                    self.metadata.stale = true;
                }
                batch.retries += 1;
                batch.last_error = Some(error);
                let retry_at = now + self.config.retry_backoff_ms;
                self.accumulator.reenqueue(batch, Some(retry_at));
            }
            Err(error) => {
                if let Some(txn) = self.txn.as_mut() {
                    txn.batch_failed(Some(error));
                }
                for (id, _) in &batch.records {
                    self.events.push_back(ProducerEvent::Failed {
                        id: *id,
                        tp: batch.tp.clone(),
                        error,
                    });
                }
            }
        }
    }

    pub(super) fn acked(&mut self, batch: &ProducerBatch, base_offset: Offset) {
        for (i, (id, record)) in batch.records.iter().enumerate() {
            let offset = if base_offset < 0 {
                -1
            } else {
                base_offset + i as i64
            };
            self.events.push_back(ProducerEvent::Acked {
                id: *id,
                tp: batch.tp.clone(),
                offset,
                timestamp: record.timestamp,
            });
        }
    }

    pub(super) fn expired(&mut self, batch: &ProducerBatch) {
        if let Some(txn) = self.txn.as_mut() {
            txn.batch_failed(batch.last_error);
        }
        for (id, _) in &batch.records {
            self.events.push_back(ProducerEvent::Expired {
                id: *id,
                tp: batch.tp.clone(),
                last_error: batch.last_error,
            });
        }
    }
}

/// Whether sending the same batch again can succeed, following the Java exception
/// hierarchy (`RetriableException`). `UNKNOWN_TOPIC_OR_PARTITION` is stale metadata or a
/// topic still being created; `CORRUPT_MESSAGE` is damage in transit, and the producer
/// still holds an intact copy. Everything else (`MESSAGE_TOO_LARGE`, `INVALID_TOPIC`,
/// `INVALID_RECORD`, ...) would fail the same way again.
pub fn is_retriable(error: KafkaError) -> bool {
    matches!(
        error,
        KafkaError::UnknownTopicOrPartition
            | KafkaError::CorruptMessage
            | KafkaError::CoordinatorNotAvailable
    )
}
