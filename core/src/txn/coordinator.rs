//! The coordinator itself: the transactions by transactional id, their log, and what every
//! API shares (write a state change, end a transaction, finish it once its markers are
//! written, rebuild from the log).
//!
//! The five APIs live in their own files; timers are in `timeouts.rs`.

use crate::collections::BTreeMap;
use std::collections::VecDeque;

use crate::error::KafkaError;
use crate::log::{LogStorage, MemoryStorage, PartitionLog};
use crate::offsets::{OffsetAndMetadata, OffsetKey, OffsetStore, RebuildError};
use crate::record::{BatchRecords, ControlType, Millis, Record, RecordBatch};
use crate::txn::config::TxnConfig;
use crate::txn::state::{TransactionMetadata, TxnState};
use crate::txn::txn_log;

/// The coordinator epoch written in every marker. Kafka bumps it when another broker takes
/// over a partition of `__transaction_state`, so that partitions can ignore markers from a
/// coordinator that lost its job; minikafka has one broker that never hands its log over.
pub const COORDINATOR_EPOCH: i32 = 0;

/// A transaction's decision, to be written as markers (Kafka's WriteTxnMarkers request,
/// which the coordinator sends to the leader of every partition in the transaction).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkerRequest {
    /// Whose transaction.
    pub transactional_id: String,
    /// The producer id the markers carry.
    pub producer_id: i64,
    /// The epoch the markers carry: after a fence, the new one, so the zombie's late
    /// writes to those partitions are refused too.
    pub producer_epoch: i16,
    /// [`COORDINATOR_EPOCH`].
    pub coordinator_epoch: i32,
    /// COMMIT or ABORT.
    pub result: ControlType,
    /// Every partition of the transaction: each gets a marker, written to or not.
    pub partitions: Vec<(String, i32)>,
    /// The staged offsets, to commit (COMMIT) or drop (ABORT).
    pub offsets: Vec<(OffsetKey, OffsetAndMetadata)>,
}

/// One state change, as it happened. The broker drains these today; the visualiser will
/// draw them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxnTransition {
    /// Broker time of the change (ms).
    pub at: Millis,
    /// The `transactional.id` whose state changed.
    pub transactional_id: String,
    /// The producer id after the change.
    pub producer_id: i64,
    /// The epoch after the change.
    pub producer_epoch: i16,
    /// State before.
    pub from: TxnState,
    /// State after.
    pub to: TxnState,
}

/// The transaction coordinator. `S` is where its log lives (memory, or files in the native
/// server), as for the offset store.
#[derive(Debug, Clone)]
pub struct TransactionCoordinator<S: LogStorage = MemoryStorage> {
    pub(crate) config: TxnConfig,
    pub(crate) transactions: BTreeMap<String, TransactionMetadata>,
    /// Producer id -> transactional id, for checks on the produce path.
    pub(crate) by_producer: BTreeMap<i64, String>,
    pub(crate) log: PartitionLog<S>,
    pub(crate) markers: VecDeque<MarkerRequest>,
    pub(crate) transitions: VecDeque<TxnTransition>,
}

impl TransactionCoordinator {
    /// A coordinator with no transactional ids and an empty log in memory.
    pub fn new(config: TxnConfig) -> TransactionCoordinator {
        TransactionCoordinator::with_log(config, PartitionLog::new(OffsetStore::log_config()))
    }
}

impl<S: LogStorage> TransactionCoordinator<S> {
    fn with_log(config: TxnConfig, log: PartitionLog<S>) -> TransactionCoordinator<S> {
        TransactionCoordinator {
            config,
            transactions: BTreeMap::new(),
            by_producer: BTreeMap::new(),
            log,
            markers: VecDeque::new(),
            transitions: VecDeque::new(),
        }
    }

    /// Rebuild a coordinator by replaying its log, as Kafka does when it loads a partition
    /// of `__transaction_state`: the last record per transactional id wins, a tombstone
    /// forgets it. A transaction caught in `PrepareCommit` or `PrepareAbort` had its
    /// decision written but maybe not all its markers: its [`MarkerRequest`] is queued
    /// again. An `Ongoing` one stays open (its producer may still be alive and commit); its
    /// timeout, counted from when it began, aborts it otherwise.
    pub fn rebuild(
        config: TxnConfig,
        log: PartitionLog<S>,
    ) -> Result<TransactionCoordinator<S>, RebuildError> {
        let mut coordinator = TransactionCoordinator::with_log(config, log);
        let mut position = coordinator.log.log_start_offset();
        while position < coordinator.log.log_end_offset() {
            let read = coordinator.log.read(position, 1 << 20, u32::MAX)?;
            for batch in &read.batches {
                let BatchRecords::Decoded(records) = &batch.records else {
                    return Err(RebuildError::EncodedBatch {
                        base_offset: batch.info.base_offset,
                    });
                };
                for (offset, record) in (batch.info.base_offset..).zip(records.iter()) {
                    if offset >= position {
                        coordinator.replay(offset, record)?;
                        position = offset + 1;
                    }
                }
            }
        }
        let preparing: Vec<String> = coordinator
            .transactions
            .values()
            .filter(|m| matches!(m.state, TxnState::PrepareCommit | TxnState::PrepareAbort))
            .map(|m| m.transactional_id.clone())
            .collect();
        for id in preparing {
            coordinator.queue_markers(&id);
        }
        Ok(coordinator)
    }

    fn replay(&mut self, offset: i64, record: &Record) -> Result<(), RebuildError> {
        let codec = |source| RebuildError::Codec { offset, source };
        let key = record
            .key
            .as_ref()
            .ok_or(RebuildError::MissingKey { offset })?;
        let id = txn_log::decode_key(key).map_err(codec)?;
        if let Some(old) = self.transactions.remove(&id) {
            self.by_producer.remove(&old.producer_id);
        }
        if let Some(value) = &record.value {
            let metadata = txn_log::decode_value(&id, value).map_err(codec)?;
            self.by_producer.insert(metadata.producer_id, id.clone());
            self.transactions.insert(id, metadata);
        }
        Ok(())
    }

    /// The settings.
    pub fn config(&self) -> &TxnConfig {
        &self.config
    }

    /// What the coordinator knows about `transactional_id`.
    pub fn transaction(&self, transactional_id: &str) -> Option<&TransactionMetadata> {
        self.transactions.get(transactional_id)
    }

    /// Every transactional id, sorted.
    pub fn transactions(&self) -> impl Iterator<Item = &TransactionMetadata> {
        self.transactions.values()
    }

    /// The transaction log, the coordinator's `__transaction_state` partition.
    pub fn log(&self) -> &PartitionLog<S> {
        &self.log
    }

    /// The next transaction whose markers must be written. The broker writes them, then
    /// calls [`markers_written`](Self::markers_written).
    pub fn poll_markers(&mut self) -> Option<MarkerRequest> {
        self.markers.pop_front()
    }

    /// The next state change that happened.
    pub fn poll_transition(&mut self) -> Option<TxnTransition> {
        self.transitions.pop_front()
    }

    /// Whether a transaction that has not ended yet staged an offset for this partition of
    /// this group: OffsetFetch with `require_stable` must then say `UNSTABLE_OFFSET_COMMIT`
    /// rather than hand out an offset that is about to change.
    pub fn has_pending_offset(&self, group: &str, topic: &str, partition: i32) -> bool {
        let key = OffsetKey::new(group, topic, partition);
        self.transactions
            .values()
            .any(|m| !m.state.is_idle() && m.pending_offsets.contains_key(&key))
    }

    /// May `producer_id` at `producer_epoch` append a transactional batch to this partition
    /// now? Only inside an ongoing transaction that added the partition. Kafka's brokers
    /// ask their coordinator the same since KIP-890 (part 1): without the check, a batch
    /// sent after its transaction ended, or to a partition never added, would open a
    /// transaction that no marker ever closes, and hold the last stable offset back for
    /// ever (a "hanging transaction").
    pub fn verify_partition(
        &self,
        producer_id: i64,
        producer_epoch: i16,
        topic: &str,
        partition: i32,
    ) -> Result<(), KafkaError> {
        let metadata = self
            .by_producer
            .get(&producer_id)
            .and_then(|id| self.transactions.get(id))
            .ok_or(KafkaError::InvalidProducerIdMapping)?;
        if producer_epoch < metadata.producer_epoch {
            return Err(KafkaError::InvalidProducerEpoch);
        }
        let in_transaction = metadata.state == TxnState::Ongoing
            && producer_epoch == metadata.producer_epoch
            && metadata
                .partitions
                .contains(&(topic.to_string(), partition));
        if in_transaction {
            Ok(())
        } else {
            Err(KafkaError::InvalidTxnState)
        }
    }

    /// The broker wrote every marker of the transaction that `transactional_id` is
    /// preparing, and committed or dropped its offsets: it is complete.
    pub fn markers_written(&mut self, transactional_id: &str, now: Millis) {
        let Some(metadata) = self.transactions.get(transactional_id) else {
            return;
        };
        let to = match metadata.state {
            TxnState::PrepareCommit => TxnState::CompleteCommit,
            TxnState::PrepareAbort => TxnState::CompleteAbort,
            _ => return,
        };
        let mut next = metadata.clone();
        next.state = to;
        next.pending_offsets.clear();
        next.last_update_timestamp = now;
        // Kafka retries a failed write; in memory it cannot fail, and on disk a failure
        // leaves the transaction in Prepare*, which a restart completes.
        let _ = self.write(next, now);
    }

    /// End the current transaction of `transactional_id`: write the decision (`PrepareCommit`
    /// or `PrepareAbort`) and queue its markers. The caller checked that it is `Ongoing`
    /// (or being fenced).
    pub(crate) fn end_transaction(
        &mut self,
        mut next: TransactionMetadata,
        result: ControlType,
        now: Millis,
    ) -> Result<(), KafkaError> {
        next.state = if result == ControlType::Commit {
            TxnState::PrepareCommit
        } else {
            TxnState::PrepareAbort
        };
        next.last_update_timestamp = now;
        let id = next.transactional_id.clone();
        self.write(next, now)?;
        self.queue_markers(&id);
        Ok(())
    }

    /// Fence the producer of an ongoing transaction and abort it (InitProducerId from a
    /// new instance, or the timeout): the epoch is bumped first (`PrepareEpochFence`), so
    /// the abort markers carry the new epoch and the zombie is refused everywhere.
    pub(crate) fn fence_and_abort(
        &mut self,
        transactional_id: &str,
        now: Millis,
    ) -> Result<(), KafkaError> {
        let Some(current) = self.transactions.get(transactional_id) else {
            return Ok(());
        };
        if current.state != TxnState::Ongoing {
            return Ok(());
        }
        let previous = current.clone();
        let mut fenced = current.clone();
        // Kafka: bump unless the epoch is already at its maximum (then abort with it).
        fenced.producer_epoch = fenced.producer_epoch.saturating_add(1);
        fenced.last_producer_epoch = -1;
        fenced.state = TxnState::PrepareEpochFence;
        // Held in memory only, as Kafka's pending state: the log gets `PrepareAbort` with
        // the new epoch next.
        self.transition(&fenced, TxnState::Ongoing, TxnState::PrepareEpochFence, now);
        self.transactions
            .insert(transactional_id.to_string(), fenced.clone());
        let result = self.end_transaction(fenced, ControlType::Abort, now);
        if result.is_err() {
            self.transactions
                .insert(transactional_id.to_string(), previous);
        }
        result
    }

    /// Queue the markers of the transaction `transactional_id` is preparing.
    fn queue_markers(&mut self, transactional_id: &str) {
        let Some(m) = self.transactions.get(transactional_id) else {
            return;
        };
        let result = match m.state {
            TxnState::PrepareCommit => ControlType::Commit,
            TxnState::PrepareAbort => ControlType::Abort,
            _ => return,
        };
        self.markers.push_back(MarkerRequest {
            transactional_id: m.transactional_id.clone(),
            producer_id: m.producer_id,
            producer_epoch: m.producer_epoch,
            coordinator_epoch: COORDINATOR_EPOCH,
            result,
            partitions: m.partitions.iter().cloned().collect(),
            offsets: m
                .pending_offsets
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        });
    }

    /// Write `next` to the log, then make it the transaction's metadata: the log first, so
    /// that nothing is acted on that a restart would not know. Checks the transition
    /// against Kafka's table of valid previous states.
    pub(crate) fn write(
        &mut self,
        next: TransactionMetadata,
        now: Millis,
    ) -> Result<(), KafkaError> {
        let id = next.transactional_id.clone();
        let from = self.transactions.get(&id).map(|m| m.state);
        if let Some(from) = from {
            if !next.state.valid_previous_states().contains(&from) {
                return Err(KafkaError::InvalidTxnState);
            }
        }
        let key = txn_log::encode_key(&id).map_err(|_| KafkaError::InvalidRequest)?;
        let value = if next.state == TxnState::Dead {
            None
        } else {
            Some(txn_log::encode_value(&next).map_err(|_| KafkaError::InvalidRequest)?)
        };
        let record = Record {
            key: Some(key),
            value,
            headers: Vec::new(),
            timestamp: now,
        };
        let batch = RecordBatch::from_records(vec![record]).ok_or(KafkaError::InvalidRequest)?;
        self.log.append(batch, now).map_err(|e| e.kafka_error())?;

        self.transition(&next, from.unwrap_or(TxnState::Empty), next.state, now);
        if let Some(old) = self.transactions.remove(&id) {
            self.by_producer.remove(&old.producer_id);
        }
        if next.state != TxnState::Dead {
            self.by_producer.insert(next.producer_id, id.clone());
            self.transactions.insert(id, next);
        }
        Ok(())
    }

    fn transition(&mut self, m: &TransactionMetadata, from: TxnState, to: TxnState, now: Millis) {
        if from != to {
            self.transitions.push_back(TxnTransition {
                at: now,
                transactional_id: m.transactional_id.clone(),
                producer_id: m.producer_id,
                producer_epoch: m.producer_epoch,
                from,
                to,
            });
        }
    }

    /// The metadata of `transactional_id` for a request from `producer_id` at
    /// `producer_epoch`, checked as every transactional API after InitProducerId checks
    /// it: an unknown id or another producer id is `INVALID_PRODUCER_ID_MAPPING` (this
    /// producer must call InitProducerId), another epoch is `fenced` (a newer instance
    /// took over: the coordinator's APIs answer `PRODUCER_FENCED`).
    pub(crate) fn checked(
        &self,
        transactional_id: &str,
        producer_id: i64,
        producer_epoch: i16,
        fenced: KafkaError,
    ) -> Result<&TransactionMetadata, KafkaError> {
        let metadata = self
            .transactions
            .get(transactional_id)
            .ok_or(KafkaError::InvalidProducerIdMapping)?;
        if metadata.producer_id != producer_id {
            return Err(KafkaError::InvalidProducerIdMapping);
        }
        if metadata.producer_epoch != producer_epoch {
            return Err(fenced);
        }
        Ok(metadata)
    }
}
