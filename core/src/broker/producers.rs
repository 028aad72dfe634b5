//! Idempotent producers (KIP-98): why a retried batch is not written twice.
//!
//! A producer that times out waiting for an acknowledgement cannot know whether its batch
//! was written; it sends it again. Without help the log would hold it twice. So an
//! *idempotent* producer first asks the broker for a producer id (InitProducerId), and
//! numbers its batches per partition: `baseSequence` counts records from 0. The broker
//! remembers, per producer and partition, the sequence numbers of the last five batches:
//!
//! - a batch it has already written (same sequence range) is a **duplicate**: it is not
//!   appended again, and the producer gets the original offset back, as if it were new;
//! - a batch that continues the sequence is appended;
//! - a gap in the sequence (a batch was lost on the way) is `OUT_OF_ORDER_SEQUENCE_NUMBER`,
//!   and the producer retries in order;
//! - an older epoch than the one the broker knows is a fenced producer:
//!   `INVALID_PRODUCER_EPOCH`.
//!
//! The state lives in memory, and is rebuilt from the log when a broker opens its storage,
//! as Kafka does: every stored batch keeps its producer id, epoch and base sequence in its
//! header. Only the tail of each partition is read ([`REBUILD_WINDOW_RECORDS`]): a retry
//! that straddles a restart is a retry of one of the producer's last in-flight batches,
//! which are at the end of the log (Kafka reads from its last producer snapshot instead).
//! Transactional batches are checked here too (sequence and epoch), and, on top, by the
//! transaction coordinator (see `transactions.rs`).

use crate::collections::BTreeMap;
use std::collections::VecDeque;

use crate::error::KafkaError;
use crate::log::{LogError, LogStorage, PartitionLog, StorageError};
use crate::record::{BatchRecords, Offset, RecordBatch};

/// Records read back from the end of each partition when a broker opens its storage, to
/// rebuild producer state (about 20 MB of 100-byte records).
pub const REBUILD_WINDOW_RECORDS: i64 = 200_000;

/// How many recent batches are remembered per producer and partition (Kafka: 5, the
/// largest `max.in.flight.requests.per.connection` that keeps idempotence).
const REMEMBERED_BATCHES: usize = 5;

/// The sequence facts of one batch, from its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProducerBatch {
    /// `producerId`; -1 for a producer that is not idempotent.
    pub producer_id: i64,
    /// `producerEpoch`.
    pub producer_epoch: i16,
    /// `baseSequence`: the sequence number of the batch's first record.
    pub base_sequence: i32,
    /// Records in the batch.
    pub record_count: u32,
}

impl ProducerBatch {
    /// The producer facts of a stored wire batch, from its v2 header: producer id (bytes
    /// 43..51), epoch (51..53), base sequence (53..57). `None` for batches without them
    /// (decoded batches of the simulation, batches of plain producers).
    pub fn of_stored(batch: &RecordBatch) -> Option<ProducerBatch> {
        let bytes = match &batch.records {
            BatchRecords::Encoded(bytes) => bytes,
            BatchRecords::Stored(stored) => &stored.header,
            BatchRecords::Decoded(_) => return None,
        };
        let field = |from: usize, to: usize| bytes.get(from..to);
        let producer_id = i64::from_be_bytes(field(43, 51)?.try_into().ok()?);
        let producer_epoch = i16::from_be_bytes(field(51, 53)?.try_into().ok()?);
        let base_sequence = i32::from_be_bytes(field(53, 57)?.try_into().ok()?);
        (producer_id >= 0).then_some(ProducerBatch {
            producer_id,
            producer_epoch,
            base_sequence,
            record_count: batch.info.record_count,
        })
    }

    fn last_sequence(&self) -> i32 {
        // Sequences wrap around at i32::MAX, as in Kafka.
        let span = self.record_count.saturating_sub(1) as i64;
        ((i64::from(self.base_sequence) + span) % (i64::from(i32::MAX) + 1)) as i32
    }
}

/// What to do with a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SequenceCheck {
    /// Append it.
    Append,
    /// Already written at this base offset: answer that, append nothing.
    Duplicate(Offset),
}

#[derive(Debug, Clone, Default)]
struct PartitionState {
    epoch: i16,
    /// `(first sequence, last sequence, base offset)` of the latest batches, oldest first.
    batches: VecDeque<(i32, i32, Offset)>,
}

/// Producer ids and the sequence state of every idempotent producer.
#[derive(Debug, Clone)]
pub struct ProducerStates {
    next_id: i64,
    partitions: BTreeMap<(i64, String, i32), PartitionState>,
}

impl ProducerStates {
    /// Ids start at `first_id` (a restarted broker starts elsewhere, so that it does not
    /// hand out an id a live producer still uses).
    pub fn new(first_id: i64) -> ProducerStates {
        ProducerStates {
            next_id: first_id.max(0),
            partitions: BTreeMap::new(),
        }
    }

    /// InitProducerId: a new id at epoch 0, or (KIP-360) the same id with its epoch bumped
    /// when the producer presents the id and epoch it had.
    pub fn init(&mut self, existing: Option<(i64, i16)>) -> (i64, i16) {
        match existing {
            Some((id, epoch)) if id >= 0 && id < self.next_id && epoch < i16::MAX => {
                (id, epoch + 1)
            }
            _ => {
                let id = self.next_id;
                self.next_id += 1;
                (id, 0)
            }
        }
    }

    /// A fresh producer id, never handed out before by this broker: for a transactional id
    /// seen for the first time, or one whose epochs ran out.
    pub fn allocate_id(&mut self) -> i64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// A transaction marker of `producer_id` at `producer_epoch` was written to
    /// `topic`/`partition`. A marker written after a fence carries the new epoch: from now
    /// on the partition refuses the zombie's batches (`INVALID_PRODUCER_EPOCH`), and the
    /// new instance starts its sequence numbers again at 0.
    pub fn marker_written(
        &mut self,
        topic: &str,
        partition: i32,
        producer_id: i64,
        producer_epoch: i16,
    ) {
        let state = self
            .partitions
            .entry((producer_id, topic.to_string(), partition))
            .or_insert_with(|| PartitionState {
                epoch: producer_epoch,
                batches: VecDeque::new(),
            });
        if producer_epoch > state.epoch {
            state.epoch = producer_epoch;
            state.batches.clear();
        }
    }

    /// Check a batch for `topic`/`partition` before it is appended.
    pub fn check(
        &self,
        topic: &str,
        partition: i32,
        batch: &ProducerBatch,
    ) -> Result<SequenceCheck, KafkaError> {
        if batch.producer_id < 0 {
            return Ok(SequenceCheck::Append);
        }
        let Some(state) = self
            .partitions
            .get(&(batch.producer_id, topic.to_string(), partition))
        else {
            return Ok(SequenceCheck::Append);
        };
        if batch.producer_epoch < state.epoch {
            return Err(KafkaError::InvalidProducerEpoch);
        }
        if batch.producer_epoch > state.epoch {
            return Ok(SequenceCheck::Append); // a new epoch starts its sequences again
        }
        let (first, last) = (batch.base_sequence, batch.last_sequence());
        if let Some((_, _, offset)) = state
            .batches
            .iter()
            .find(|(f, l, _)| *f == first && *l == last)
        {
            return Ok(SequenceCheck::Duplicate(*offset));
        }
        let expected = state
            .batches
            .back()
            .map_or(0, |(_, l, _)| if *l == i32::MAX { 0 } else { l + 1 });
        if first == expected {
            Ok(SequenceCheck::Append)
        } else {
            Err(KafkaError::OutOfOrderSequenceNumber)
        }
    }

    /// Remember a batch that was appended at `base_offset`.
    pub fn appended(
        &mut self,
        topic: &str,
        partition: i32,
        batch: &ProducerBatch,
        base_offset: Offset,
    ) {
        if batch.producer_id < 0 {
            return;
        }
        let state = self
            .partitions
            .entry((batch.producer_id, topic.to_string(), partition))
            .or_default();
        if batch.producer_epoch != state.epoch {
            state.epoch = batch.producer_epoch;
            state.batches.clear();
        }
        state
            .batches
            .push_back((batch.base_sequence, batch.last_sequence(), base_offset));
        while state.batches.len() > REMEMBERED_BATCHES {
            state.batches.pop_front();
        }
    }

    /// Rebuild the state of `topic`/`partition` from the last [`REBUILD_WINDOW_RECORDS`]
    /// of its log, oldest first, as if those batches had just been appended.
    pub fn rebuild_from<S: LogStorage>(
        &mut self,
        topic: &str,
        partition: i32,
        log: &PartitionLog<S>,
    ) -> Result<(), StorageError> {
        let end = log.log_end_offset();
        let mut position = (end - REBUILD_WINDOW_RECORDS).max(log.log_start_offset());
        while position < end {
            let read = match log.read(position, 1 << 20, u32::MAX) {
                Ok(read) => read,
                Err(LogError::Storage(e)) => return Err(e),
                Err(_) => return Ok(()),
            };
            let Some(last) = read.batches.last() else {
                return Ok(());
            };
            let next = last.info.next_offset();
            for batch in &read.batches {
                if let Some(producer) = ProducerBatch::of_stored(batch) {
                    self.appended(topic, partition, &producer, batch.info.base_offset);
                }
            }
            position = next;
        }
        Ok(())
    }

    /// Forget a deleted topic's producer state.
    pub fn topic_deleted(&mut self, topic: &str) {
        self.partitions.retain(|(_, t, _), _| t != topic);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(seq: i32, count: u32, epoch: i16) -> ProducerBatch {
        ProducerBatch {
            producer_id: 7,
            producer_epoch: epoch,
            base_sequence: seq,
            record_count: count,
        }
    }

    #[test]
    fn a_retried_batch_is_answered_with_its_first_offset() {
        let mut p = ProducerStates::new(7);
        assert_eq!(p.init(None), (7, 0));
        assert_eq!(p.check("t", 0, &b(0, 3, 0)), Ok(SequenceCheck::Append));
        p.appended("t", 0, &b(0, 3, 0), 100);
        assert_eq!(p.check("t", 0, &b(3, 2, 0)), Ok(SequenceCheck::Append));
        p.appended("t", 0, &b(3, 2, 0), 103);
        assert_eq!(
            p.check("t", 0, &b(0, 3, 0)),
            Ok(SequenceCheck::Duplicate(100))
        );
        assert_eq!(
            p.check("t", 0, &b(3, 2, 0)),
            Ok(SequenceCheck::Duplicate(103))
        );
        // Another partition has its own sequence.
        assert_eq!(p.check("t", 1, &b(0, 1, 0)), Ok(SequenceCheck::Append));
    }

    #[test]
    fn gaps_and_old_epochs_are_refused() {
        let mut p = ProducerStates::new(7);
        assert_eq!(p.init(None), (7, 0));
        p.appended("t", 0, &b(0, 3, 1), 0);
        assert_eq!(
            p.check("t", 0, &b(5, 1, 1)),
            Err(KafkaError::OutOfOrderSequenceNumber)
        );
        assert_eq!(
            p.check("t", 0, &b(3, 1, 0)),
            Err(KafkaError::InvalidProducerEpoch)
        );
        assert_eq!(
            p.check("t", 0, &b(0, 1, 2)),
            Ok(SequenceCheck::Append),
            "new epoch"
        );
        assert_eq!(p.init(Some((7, 1))), (7, 2), "KIP-360 epoch bump");
        assert_eq!(
            p.init(Some((99, 0))),
            (8, 0),
            "an id never issued gets a new one"
        );
    }

    #[test]
    fn stored_batches_tell_their_producer_only_when_encoded_by_an_idempotent_one() {
        use crate::record::Record;
        let decoded = RecordBatch::from_records(vec![Record::from_value("v", 0)]).unwrap();
        assert_eq!(ProducerBatch::of_stored(&decoded), None);
        let mut bytes = vec![0u8; 61];
        bytes[43..51].copy_from_slice(&42i64.to_be_bytes());
        bytes[51..53].copy_from_slice(&3i16.to_be_bytes());
        bytes[53..57].copy_from_slice(&10i32.to_be_bytes());
        let encoded = RecordBatch::from_encoded(bytes.clone().into(), 2, 0, 0);
        assert_eq!(
            ProducerBatch::of_stored(&encoded),
            Some(ProducerBatch {
                producer_id: 42,
                producer_epoch: 3,
                base_sequence: 10,
                record_count: 2
            })
        );
        bytes[43..51].copy_from_slice(&(-1i64).to_be_bytes());
        let plain = RecordBatch::from_encoded(bytes.into(), 2, 0, 0);
        assert_eq!(ProducerBatch::of_stored(&plain), None, "not idempotent");
        let short = RecordBatch::from_encoded(vec![0u8; 20].into(), 1, 0, 0);
        assert_eq!(ProducerBatch::of_stored(&short), None, "never a panic");
    }

    #[test]
    fn only_the_last_five_batches_are_remembered() {
        let mut p = ProducerStates::new(7);
        for i in 0..7 {
            p.appended("t", 0, &b(i, 1, 0), i64::from(i));
        }
        assert_eq!(
            p.check("t", 0, &b(6, 1, 0)),
            Ok(SequenceCheck::Duplicate(6))
        );
        assert_eq!(
            p.check("t", 0, &b(0, 1, 0)),
            Err(KafkaError::OutOfOrderSequenceNumber)
        );
        // Non-idempotent producers are never checked.
        let plain = ProducerBatch {
            producer_id: -1,
            ..b(0, 1, 0)
        };
        assert_eq!(p.check("t", 0, &plain), Ok(SequenceCheck::Append));
    }
}
