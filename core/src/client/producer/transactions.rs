//! The transactional producer: Java's `TransactionManager`, as the producer's third half.
//!
//! With a `transactional.id` the producer writes in **transactions**: the records sent
//! between `begin_transaction()` and `commit_transaction()`, and the consumer offsets given
//! to `send_offsets_to_transaction()`, become visible together or not at all. The
//! application's calls only change the local state; the requests go out from
//! [`Producer::poll_transmit`], one transactional request at a time and in this order:
//!
//! 1. `init_transactions()`: **InitProducerId** with the transactional id. The coordinator
//!    bumps the epoch, which fences any older instance, and aborts what it left open
//!    (the answer is then `CONCURRENT_TRANSACTIONS`: retry after `retry.backoff.ms`).
//! 2. `send()` inside a transaction: before the first batch to a partition goes out,
//!    **AddPartitionsToTxn** (the partition's batches are held back until it is answered).
//! 3. `send_offsets_to_transaction()`: **AddOffsetsToTxn** with the group, then
//!    **TxnOffsetCommit** with the offsets and the consumer's generation and member id.
//! 4. `commit_transaction()`: flush, wait until every batch is answered, then **EndTxn**
//!    (commit). `abort_transaction()`: drop what was not sent, wait for what was, then
//!    EndTxn (abort). A transaction that never reached the coordinator ends locally.
//!
//! Errors sort into three kinds, as in the Java client:
//! - **retriable** (`CONCURRENT_TRANSACTIONS`, coordinator moving): the same request again
//!   after `retry.backoff.ms`;
//! - **abortable** (a batch refused, offsets of a member the group has replaced): the
//!   transaction cannot commit; the application must call `abort_transaction()` and may go
//!   on with a new one;
//! - **fatal** (`PRODUCER_FENCED`, `INVALID_PRODUCER_EPOCH`: a newer instance with the same
//!   transactional id exists, or the coordinator timed this transaction out and bumped the
//!   epoch; `INVALID_TXN_STATE`): the producer is useless and must be closed.
//!
//! The outcome of every call comes back as a [`TransactionEvent`].

use crate::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::client::consumer::GroupMetadata;
use crate::client::producer::{Producer, ProducerEvent};
use crate::client::{Request, Response, TopicPartition};
use crate::error::KafkaError;
use crate::record::{Millis, Offset};
use crate::txn::{
    AddOffsetsToTxnRequest, AddPartitionsToTxnRequest, EndTxnRequest, InitProducerIdRequest,
    TxnOffsetCommit, TxnOffsetCommitRequest,
};

/// Where a transactional producer is (Java's `TransactionManager.State`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TransactionState {
    /// `init_transactions()` not called yet.
    Uninitialized,
    /// InitProducerId on its way.
    Initializing,
    /// No transaction open: `begin_transaction()` may be called.
    Ready,
    /// A transaction is open: `send()` and `send_offsets_to_transaction()` add to it.
    InTransaction,
    /// `commit_transaction()` called: flushing, then EndTxn.
    Committing,
    /// `abort_transaction()` called: waiting for in-flight batches, then EndTxn.
    Aborting,
    /// The transaction cannot commit any more: the application must abort it.
    AbortableError(Option<KafkaError>),
    /// The producer is fenced or broken: it must be closed.
    Fatal(KafkaError),
}

/// The outcome of a transactional call, polled with [`Producer::poll_transaction_event`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum TransactionEvent {
    /// `init_transactions()` done: the producer id and epoch to write with.
    Initialized {
        /// Producer id.
        producer_id: i64,
        /// Producer epoch; a higher epoch for the same `transactional.id` fences older producers.
        epoch: i16,
    },
    /// The transaction committed: its records and offsets are visible.
    Committed,
    /// The transaction aborted: its records will never be read by `read_committed`.
    Aborted,
    /// The transaction cannot commit (`fatal: false`: abort it) or the producer is dead
    /// (`fatal: true`: close it). `None`: a batch expired.
    Failed {
        /// The error that failed it (e.g. `PRODUCER_FENCED`).
        error: Option<KafkaError>,
        /// Whether the producer must be closed.
        fatal: bool,
    },
}

/// A misuse of the transactional calls (Java throws `IllegalStateException`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransactionError {
    /// The producer has no `transactional.id`.
    #[error("the producer has no transactional.id")]
    NotTransactional,
    /// The call is not allowed now.
    #[error("{call} is not allowed in state {state:?}")]
    IllegalState {
        /// The call.
        call: &'static str,
        /// The state the producer is in.
        state: TransactionState,
    },
}

/// Which transactional request is in flight.
#[derive(Debug, Clone, PartialEq)]
enum Call {
    Init,
    AddPartitions(Vec<TopicPartition>),
    AddOffsets,
    OffsetCommit,
    End(bool),
}

/// Offsets given to `send_offsets_to_transaction`, not yet staged at the coordinator.
#[derive(Debug, Clone)]
struct PendingOffsets {
    group: GroupMetadata,
    offsets: Vec<(TopicPartition, Offset)>,
    /// AddOffsetsToTxn answered: TxnOffsetCommit is next.
    group_added: bool,
}

/// The transactional half of a producer.
#[derive(Debug, Clone)]
pub(crate) struct TransactionManager {
    transactional_id: String,
    timeout_ms: i32,
    producer_id: i64,
    epoch: i16,
    state: TransactionState,
    /// Partitions the coordinator knows are in the current transaction.
    added: BTreeSet<TopicPartition>,
    /// Partitions written to and not added yet (their batches are held).
    new_partitions: BTreeSet<TopicPartition>,
    offsets: Option<PendingOffsets>,
    /// The coordinator has begun the current transaction (something was added to it).
    started: bool,
    in_flight: Option<(u64, Call)>,
    retry_at: Millis,
    events: std::collections::VecDeque<TransactionEvent>,
}

impl TransactionManager {
    pub(crate) fn new(transactional_id: String, timeout_ms: i32) -> TransactionManager {
        TransactionManager {
            transactional_id,
            timeout_ms,
            producer_id: -1,
            epoch: -1,
            state: TransactionState::Uninitialized,
            added: BTreeSet::new(),
            new_partitions: BTreeSet::new(),
            offsets: None,
            started: false,
            in_flight: None,
            retry_at: Millis::MIN,
            events: std::collections::VecDeque::new(),
        }
    }

    /// The producer id and epoch batches are written with.
    pub(crate) fn producer(&self) -> (i64, i16) {
        (self.producer_id, self.epoch)
    }

    /// Whether `correlation_id` is the transactional request in flight.
    pub(crate) fn awaits(&self, correlation_id: u64) -> bool {
        matches!(&self.in_flight, Some((id, _)) if *id == correlation_id)
    }

    /// A record is going to `tp`: `true` if the partition is new to the transaction (its
    /// batches must wait for AddPartitionsToTxn).
    pub(crate) fn track_partition(&mut self, tp: &TopicPartition) -> bool {
        if self.added.contains(tp) || self.new_partitions.contains(tp) {
            return false;
        }
        self.new_partitions.insert(tp.clone());
        true
    }

    fn fail(&mut self, error: KafkaError) {
        if !matches!(self.state, TransactionState::Fatal(_)) {
            self.state = TransactionState::Fatal(error);
            self.events.push_back(TransactionEvent::Failed {
                error: Some(error),
                fatal: true,
            });
        }
    }

    /// A batch of the transaction was refused or expired: the transaction cannot commit.
    pub(crate) fn batch_failed(&mut self, error: Option<KafkaError>) {
        match error {
            // Java turns INVALID_PRODUCER_EPOCH into ProducerFencedException.
            Some(KafkaError::ProducerFenced | KafkaError::InvalidProducerEpoch) => {
                self.fail(KafkaError::ProducerFenced)
            }
            _ => self.abortable(error),
        }
    }

    fn abortable(&mut self, error: Option<KafkaError>) {
        if matches!(
            self.state,
            TransactionState::InTransaction | TransactionState::Committing
        ) {
            self.state = TransactionState::AbortableError(error);
            self.events.push_back(TransactionEvent::Failed {
                error,
                fatal: false,
            });
        }
    }

    fn end(&mut self, committed: bool) {
        self.state = TransactionState::Ready;
        self.added.clear();
        self.new_partitions.clear();
        self.offsets = None;
        self.started = false;
        self.events.push_back(if committed {
            TransactionEvent::Committed
        } else {
            TransactionEvent::Aborted
        });
    }
}

/// Errors after which the same request is sent again.
fn retriable(error: KafkaError) -> bool {
    matches!(
        error,
        KafkaError::ConcurrentTransactions
            | KafkaError::CoordinatorNotAvailable
            | KafkaError::UnknownTopicOrPartition
    )
}

/// Errors that fence the producer for good.
fn fatal(error: KafkaError) -> bool {
    matches!(
        error,
        KafkaError::ProducerFenced
            | KafkaError::InvalidProducerEpoch
            | KafkaError::InvalidTxnState
            | KafkaError::InvalidTransactionTimeout
    )
}

impl Producer {
    fn txn_mut(&mut self) -> Result<&mut TransactionManager, TransactionError> {
        self.txn.as_mut().ok_or(TransactionError::NotTransactional)
    }

    fn expect_state(
        &mut self,
        call: &'static str,
        allowed: &[TransactionState],
    ) -> Result<&mut TransactionManager, TransactionError> {
        let txn = self.txn_mut()?;
        if allowed.contains(&txn.state) {
            Ok(txn)
        } else {
            Err(TransactionError::IllegalState {
                call,
                state: txn.state,
            })
        }
    }

    /// `initTransactions()`: get the producer id and epoch for the `transactional.id`,
    /// fencing any older instance. Done at [`TransactionEvent::Initialized`].
    pub fn init_transactions(&mut self) -> Result<(), TransactionError> {
        let txn = self.expect_state("init_transactions", &[TransactionState::Uninitialized])?;
        txn.state = TransactionState::Initializing;
        Ok(())
    }

    /// `beginTransaction()`: local only; the coordinator hears of the transaction with its
    /// first AddPartitionsToTxn or AddOffsetsToTxn.
    pub fn begin_transaction(&mut self) -> Result<(), TransactionError> {
        let txn = self.expect_state("begin_transaction", &[TransactionState::Ready])?;
        txn.state = TransactionState::InTransaction;
        Ok(())
    }

    /// `sendOffsetsToTransaction(offsets, groupMetadata)`: commit these consumed offsets
    /// (the next offset to read, per partition) with the transaction. `group` comes from
    /// [`crate::client::consumer::Consumer::group_metadata`].
    pub fn send_offsets_to_transaction(
        &mut self,
        offsets: Vec<(TopicPartition, Offset)>,
        group: GroupMetadata,
    ) -> Result<(), TransactionError> {
        let txn = self.expect_state(
            "send_offsets_to_transaction",
            &[TransactionState::InTransaction],
        )?;
        if offsets.is_empty() {
            return Ok(());
        }
        txn.offsets = Some(PendingOffsets {
            group,
            offsets,
            group_added: false,
        });
        Ok(())
    }

    /// `commitTransaction()`: flush, then commit once every batch is answered. Done at
    /// [`TransactionEvent::Committed`] (or `Failed`: then abort).
    pub fn commit_transaction(&mut self) -> Result<(), TransactionError> {
        let txn = self.expect_state("commit_transaction", &[TransactionState::InTransaction])?;
        txn.state = TransactionState::Committing;
        self.flush();
        Ok(())
    }

    /// `abortTransaction()`: records not sent yet fail at once (`OPERATION_NOT_ATTEMPTED`,
    /// Java's `TransactionAbortedException`); the abort goes out once the batches in
    /// flight are answered. Done at [`TransactionEvent::Aborted`].
    pub fn abort_transaction(&mut self) -> Result<(), TransactionError> {
        let state = self.txn_mut()?.state;
        let allowed = matches!(
            state,
            TransactionState::InTransaction | TransactionState::AbortableError(_)
        );
        if !allowed {
            return Err(TransactionError::IllegalState {
                call: "abort_transaction",
                state,
            });
        }
        if let Some(txn) = self.txn.as_mut() {
            txn.state = TransactionState::Aborting;
            txn.new_partitions.clear();
            txn.offsets = None;
        }
        self.fail_unsent(KafkaError::OperationNotAttempted);
        Ok(())
    }

    /// Where the transactional producer is; `None` without a `transactional.id`.
    pub fn transaction_state(&self) -> Option<TransactionState> {
        self.txn.as_ref().map(|t| t.state)
    }

    /// The producer id and epoch of a transactional producer (`(-1, -1)` before
    /// `init_transactions` completes).
    pub fn producer_id_and_epoch(&self) -> Option<(i64, i16)> {
        self.txn.as_ref().map(TransactionManager::producer)
    }

    /// The partitions the coordinator knows are in the open transaction.
    pub fn transaction_partitions(&self) -> Vec<TopicPartition> {
        self.txn
            .as_ref()
            .map_or_else(Vec::new, |t| t.added.iter().cloned().collect())
    }

    /// The next outcome of a transactional call.
    pub fn poll_transaction_event(&mut self) -> Option<TransactionEvent> {
        self.txn.as_mut()?.events.pop_front()
    }

    /// Every record not sent yet fails with `error`.
    pub(super) fn fail_unsent(&mut self, error: KafkaError) {
        for batch in self.accumulator.take_all() {
            for (id, _) in &batch.records {
                self.events.push_back(ProducerEvent::Failed {
                    id: *id,
                    tp: batch.tp.clone(),
                    error,
                });
            }
        }
        for (topic, queue) in std::mem::take(&mut self.waiting) {
            for w in queue {
                self.events.push_back(ProducerEvent::Failed {
                    id: w.id,
                    tp: TopicPartition::new(topic.clone(), -1),
                    error,
                });
            }
        }
    }

    /// When the transaction manager next has something to send, if it is waiting for a
    /// retry backoff.
    pub(super) fn transaction_timeout(&self) -> Option<Millis> {
        let txn = self.txn.as_ref()?;
        (txn.in_flight.is_none() && txn.retry_at > Millis::MIN).then_some(txn.retry_at)
    }

    /// The next transactional request due, if any (one at a time, before any Produce).
    pub(super) fn transaction_request(&mut self, now: Millis) -> Option<(u64, Request)> {
        // Commit once every record is answered; abort once those in flight are (the rest
        // were failed by `abort_transaction`).
        let unanswered = self.pending_records();
        let in_flight = unanswered - self.buffered_records();
        let txn = self.txn.as_mut()?;
        if txn.in_flight.is_some() || now < txn.retry_at {
            return None;
        }
        let (id, epoch) = (txn.producer_id, txn.epoch);
        let tid = txn.transactional_id.clone();
        let (call, request) = match txn.state {
            TransactionState::Initializing => (
                Call::Init,
                Request::InitProducerId(InitProducerIdRequest {
                    transactional_id: tid,
                    transaction_timeout_ms: txn.timeout_ms,
                    producer_id: -1,
                    producer_epoch: -1,
                }),
            ),
            TransactionState::InTransaction | TransactionState::Committing
                if !txn.new_partitions.is_empty() =>
            {
                let partitions: Vec<TopicPartition> = txn.new_partitions.iter().cloned().collect();
                let request = Request::AddPartitionsToTxn(AddPartitionsToTxnRequest {
                    transactional_id: tid,
                    producer_id: id,
                    producer_epoch: epoch,
                    partitions: partitions
                        .iter()
                        .map(|tp| (tp.topic.clone(), tp.partition))
                        .collect(),
                });
                (Call::AddPartitions(partitions), request)
            }
            TransactionState::InTransaction | TransactionState::Committing
                if txn.offsets.is_some() =>
            {
                let pending = txn.offsets.as_ref()?;
                if !pending.group_added {
                    let request = Request::AddOffsetsToTxn(AddOffsetsToTxnRequest {
                        transactional_id: tid,
                        producer_id: id,
                        producer_epoch: epoch,
                        group_id: pending.group.group_id.clone(),
                    });
                    (Call::AddOffsets, request)
                } else {
                    let request = Request::TxnOffsetCommit(TxnOffsetCommitRequest {
                        transactional_id: tid,
                        group_id: pending.group.group_id.clone(),
                        producer_id: id,
                        producer_epoch: epoch,
                        generation_id: pending.group.generation_id,
                        member_id: pending.group.member_id.clone(),
                        group_instance_id: pending.group.group_instance_id.clone(),
                        offsets: pending
                            .offsets
                            .iter()
                            .map(|(tp, offset)| TxnOffsetCommit {
                                topic: tp.topic.clone(),
                                partition: tp.partition,
                                offset: *offset,
                                leader_epoch: None,
                                metadata: String::new(),
                            })
                            .collect(),
                    });
                    (Call::OffsetCommit, request)
                }
            }
            TransactionState::Committing | TransactionState::Aborting => {
                let commit = txn.state == TransactionState::Committing;
                let waiting = if commit { unanswered } else { in_flight };
                if waiting > 0 {
                    return None;
                }
                if !txn.started {
                    txn.end(commit); // the coordinator never heard of it
                    return None;
                }
                let request = Request::EndTxn(EndTxnRequest {
                    transactional_id: tid,
                    producer_id: id,
                    producer_epoch: epoch,
                    commit,
                });
                (Call::End(commit), request)
            }
            _ => return None,
        };
        let correlation_id = self.next_correlation_id();
        if let Some(txn) = self.txn.as_mut() {
            txn.in_flight = Some((correlation_id, call));
            txn.retry_at = Millis::MIN;
        }
        Some((correlation_id, request))
    }

    /// The answer to the transactional request in flight.
    pub(super) fn handle_transaction_response(&mut self, response: Response, now: Millis) {
        let backoff = self.config.retry_backoff_ms;
        let Some(txn) = self.txn.as_mut() else {
            return;
        };
        let call = txn.in_flight.take().map(|(_, c)| c);
        let first_error = |results: &[(TopicPartition, Result<(), KafkaError>)]| {
            results.iter().find_map(|(_, r)| r.err())
        };
        let outcome: Result<(), KafkaError> = match (call, response) {
            (Some(Call::Init), Response::InitProducerId(r)) => r.map(|(id, epoch)| {
                txn.producer_id = id;
                txn.epoch = epoch;
                txn.state = TransactionState::Ready;
                txn.events.push_back(TransactionEvent::Initialized {
                    producer_id: id,
                    epoch,
                });
            }),
            (Some(Call::AddPartitions(partitions)), Response::AddPartitionsToTxn(r)) => {
                match first_error(&r) {
                    Some(error) => Err(error),
                    None => {
                        for tp in partitions {
                            txn.new_partitions.remove(&tp);
                            self.accumulator.release(&tp);
                            txn.added.insert(tp);
                        }
                        txn.started = true;
                        Ok(())
                    }
                }
            }
            (Some(Call::AddOffsets), Response::AddOffsetsToTxn(r)) => r.map(|()| {
                txn.started = true;
                if let Some(pending) = txn.offsets.as_mut() {
                    pending.group_added = true;
                }
            }),
            (Some(Call::OffsetCommit), Response::TxnOffsetCommit(r)) => match first_error(&r) {
                Some(error) => Err(error),
                None => {
                    txn.offsets = None;
                    Ok(())
                }
            },
            (Some(Call::End(commit)), Response::EndTxn(r)) => r.map(|()| txn.end(commit)),
            _ => Err(KafkaError::UnknownServerError),
        };
        match outcome {
            Ok(()) => txn.retry_at = Millis::MIN,
            Err(error) if retriable(error) => txn.retry_at = now + backoff,
            Err(error) if fatal(error) || txn.state == TransactionState::Initializing => {
                let error = match error {
                    KafkaError::InvalidProducerEpoch => KafkaError::ProducerFenced,
                    e => e,
                };
                txn.fail(error);
                self.fail_unsent(error);
            }
            // UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION, FENCED_INSTANCE_ID (the group moved
            // on: Java's CommitFailedException), a refused partition...: abort this one.
            Err(error) if txn.state == TransactionState::Aborting => txn.fail(error),
            Err(error) => txn.abortable(Some(error)),
        }
    }
}
