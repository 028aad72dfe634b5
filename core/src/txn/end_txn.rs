//! EndTxn: commit or abort.
//!
//! The decision is written to the coordinator's log first (`PrepareCommit` or
//! `PrepareAbort`). From that moment the outcome is fixed: if the broker crashes now, the
//! restarted coordinator reads the decision back and finishes the job. Then a marker goes
//! to every partition of the transaction (a [`super::MarkerRequest`] for the broker), the
//! staged offsets are committed or dropped, and the state becomes `CompleteCommit` or
//! `CompleteAbort`.
//!
//! A retried EndTxn (the producer did not get the answer) finds the transaction complete
//! with the same result and succeeds again; the opposite result is `INVALID_TXN_STATE`, as
//! is ending a transaction that never began (`Empty`). While markers are still being
//! written the answer is `CONCURRENT_TRANSACTIONS`.

use serde::{Deserialize, Serialize};

use crate::error::KafkaError;
use crate::log::LogStorage;
use crate::record::{ControlType, Millis};
use crate::txn::coordinator::TransactionCoordinator;
use crate::txn::state::TxnState;

/// EndTxn: commit or abort the producer's open transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndTxnRequest {
    /// The producer's `transactional.id`.
    pub transactional_id: String,
    /// The producer id.
    pub producer_id: i64,
    /// Its epoch.
    pub producer_epoch: i16,
    /// `true` to commit, `false` to abort.
    pub commit: bool,
}

impl<S: LogStorage> TransactionCoordinator<S> {
    /// Handle EndTxn. On success the markers are queued ([`Self::poll_markers`]).
    pub fn end_txn(&mut self, req: EndTxnRequest, now: Millis) -> Result<(), KafkaError> {
        let current = self.checked(
            &req.transactional_id,
            req.producer_id,
            req.producer_epoch,
            KafkaError::ProducerFenced,
        )?;
        let result = if req.commit {
            ControlType::Commit
        } else {
            ControlType::Abort
        };
        match (current.state, req.commit) {
            (TxnState::Ongoing, _) => {
                let next = current.clone();
                self.end_transaction(next, result, now)
            }
            (TxnState::CompleteCommit, true) | (TxnState::CompleteAbort, false) => Ok(()),
            (TxnState::PrepareCommit, true) | (TxnState::PrepareAbort, false) => {
                Err(KafkaError::ConcurrentTransactions)
            }
            (TxnState::PrepareEpochFence, _) => Err(KafkaError::ConcurrentTransactions),
            _ => Err(KafkaError::InvalidTxnState),
        }
    }
}
