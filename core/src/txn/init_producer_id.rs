//! InitProducerId with a `transactional.id`: who am I, and fence whoever I replace.
//!
//! A transactional producer calls it once at start (`init_transactions()`). The coordinator
//! maps the transactional id to a producer id (a new one the first time) and **bumps the
//! epoch**. Every later request carries the epoch, and an older one is refused: that is
//! how a zombie (the previous instance, paused by a GC or a network split, that comes back
//! after its replacement started) is fenced off. If the previous instance left a
//! transaction open, it is aborted first and the caller is told `CONCURRENT_TRANSACTIONS`:
//! it retries, and the retry bumps the epoch once more.
//!
//! **KIP-360.** A producer that hit an abortable error (a timed-out transaction, say) may
//! send the producer id and epoch it has, to get a bumped epoch *without* a new producer id;
//! if its response was lost and it asks again with the same pair, it gets the same answer
//! instead of being fenced by its own retry (`last_producer_epoch` remembers it). Any
//! other pair is a fenced instance: `PRODUCER_FENCED`.
//!
//! **Epoch exhaustion.** The epoch is an `i16`. Once it reaches `i16::MAX - 1` it cannot
//! be bumped: the transactional id gets a new producer id at epoch 0 (the old id is kept
//! as `last_producer_id`, so a retry is still recognised).

use serde::{Deserialize, Serialize};

use crate::error::KafkaError;
use crate::log::LogStorage;
use crate::record::Millis;
use crate::txn::coordinator::TransactionCoordinator;
use crate::txn::state::{TransactionMetadata, TxnState};

/// InitProducerId from a transactional producer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InitProducerIdRequest {
    /// The producer's `transactional.id` (not empty).
    pub transactional_id: String,
    /// Its `transaction.timeout.ms`: an open transaction older than this is aborted.
    pub transaction_timeout_ms: i32,
    /// KIP-360 (v3+): the producer id it has, or -1.
    pub producer_id: i64,
    /// KIP-360: the epoch it has, or -1.
    pub producer_epoch: i16,
}

impl<S: LogStorage> TransactionCoordinator<S> {
    /// Handle InitProducerId: the producer id and epoch to use from now on. New producer
    /// ids come from `next_producer_id` (the broker's, shared with idempotent producers).
    pub fn init_producer_id(
        &mut self,
        req: InitProducerIdRequest,
        now: Millis,
        next_producer_id: &mut dyn FnMut() -> i64,
    ) -> Result<(i64, i16), KafkaError> {
        if req.transactional_id.is_empty() {
            return Err(KafkaError::InvalidRequest);
        }
        if req.transaction_timeout_ms <= 0
            || req.transaction_timeout_ms > self.config.transaction_max_timeout_ms
        {
            return Err(KafkaError::InvalidTransactionTimeout);
        }
        let expected = match (req.producer_id, req.producer_epoch) {
            (-1, -1) => None,
            (id, epoch) if id >= 0 && epoch >= 0 => Some((id, epoch)),
            _ => return Err(KafkaError::InvalidRequest),
        };
        let current = match self.transactions.get(&req.transactional_id) {
            Some(m) => m.clone(),
            None => TransactionMetadata::new(
                req.transactional_id.clone(),
                next_producer_id(),
                req.transaction_timeout_ms,
                now,
            ),
        };
        if let Some(expected) = expected {
            if !is_valid_producer_id(&current, expected) {
                return Err(KafkaError::ProducerFenced);
            }
        }
        match current.state {
            TxnState::Empty | TxnState::CompleteCommit | TxnState::CompleteAbort => {
                let next = next_epoch(current, &req, expected, now, next_producer_id)?;
                let answer = (next.producer_id, next.producer_epoch);
                self.write(next, now)?;
                Ok(answer)
            }
            TxnState::Ongoing => {
                // The previous instance left a transaction open: abort it under a new
                // epoch, and let the caller retry once the markers are written.
                self.fence_and_abort(&req.transactional_id, now)?;
                Err(KafkaError::ConcurrentTransactions)
            }
            TxnState::PrepareCommit
            | TxnState::PrepareAbort
            | TxnState::PrepareEpochFence
            | TxnState::Dead => Err(KafkaError::ConcurrentTransactions),
        }
    }
}

/// Kafka's `isValidProducerId`: a producer that presents an id may go on if the id is
/// brand new here, is the current one (its epoch is checked next), or is the previous one
/// and its epoch was exhausted (a retry after the id rotated).
fn is_valid_producer_id(current: &TransactionMetadata, (id, epoch): (i64, i16)) -> bool {
    current.producer_epoch == -1
        || id == current.producer_id
        || (id == current.last_producer_id && epoch >= crate::txn::state::EXHAUSTED_EPOCH)
}

/// The metadata after a successful InitProducerId: state Empty, with the epoch bumped (or
/// the same answer again for a retry, or a new producer id when the epochs ran out).
fn next_epoch(
    current: TransactionMetadata,
    req: &InitProducerIdRequest,
    expected: Option<(i64, i16)>,
    now: Millis,
    next_producer_id: &mut dyn FnMut() -> i64,
) -> Result<TransactionMetadata, KafkaError> {
    let mut next = current.clone();
    next.state = TxnState::Empty;
    next.timeout_ms = req.transaction_timeout_ms;
    next.partitions.clear();
    next.groups.clear();
    next.pending_offsets.clear();
    next.start_timestamp = -1;
    next.last_update_timestamp = now;
    let bump = match expected {
        None => true,
        Some((_, epoch)) if current.producer_epoch == -1 || epoch == current.producer_epoch => true,
        // A retry of a call that already bumped: the same answer, no second bump.
        Some((_, epoch)) if epoch == current.last_producer_epoch => false,
        Some(_) => return Err(KafkaError::ProducerFenced),
    };
    if !bump {
        return Ok(next);
    }
    if current.is_epoch_exhausted() {
        next.producer_id = next_producer_id();
        next.producer_epoch = 0;
        next.last_producer_id = current.producer_id;
        next.last_producer_epoch = if expected.is_some() {
            current.producer_epoch
        } else {
            -1
        };
    } else {
        next.producer_epoch = current.producer_epoch + 1;
        next.last_producer_epoch = if expected.is_some() {
            current.producer_epoch
        } else {
            -1
        };
    }
    Ok(next)
}
