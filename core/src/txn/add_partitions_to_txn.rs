//! AddPartitionsToTxn: "I am about to write to these partitions".
//!
//! The coordinator cannot see what a producer writes: the batches go straight to the
//! partitions. So before its first batch to a partition in a transaction, the producer
//! registers the partition here, and at the end the coordinator knows where to put a
//! marker. The first partition (or group, see [`super::add_offsets_to_txn`]) *begins*
//! the transaction: state `Ongoing`, and its timeout starts.
//!
//! While the previous transaction is still being completed (`PrepareCommit` or
//! `PrepareAbort`: its markers are being written) the answer is
//! `CONCURRENT_TRANSACTIONS`, and the producer retries: a new transaction must not begin
//! before the last one's markers are in every partition.

use serde::{Deserialize, Serialize};

use crate::error::KafkaError;
use crate::log::LogStorage;
use crate::record::Millis;
use crate::txn::coordinator::TransactionCoordinator;
use crate::txn::state::TxnState;

/// AddPartitionsToTxn (v0..v3: one transaction per request).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddPartitionsToTxnRequest {
    /// The producer's `transactional.id`.
    pub transactional_id: String,
    /// The producer id InitProducerId gave it.
    pub producer_id: i64,
    /// Its epoch.
    pub producer_epoch: i16,
    /// (topic, partition) pairs. The broker has checked that they exist.
    pub partitions: Vec<(String, i32)>,
}

impl<S: LogStorage> TransactionCoordinator<S> {
    /// Handle AddPartitionsToTxn; one answer for every partition of the request.
    pub fn add_partitions_to_txn(
        &mut self,
        req: AddPartitionsToTxnRequest,
        now: Millis,
    ) -> Result<(), KafkaError> {
        let current = self.checked(
            &req.transactional_id,
            req.producer_id,
            req.producer_epoch,
            KafkaError::ProducerFenced,
        )?;
        ready_to_add(current.state)?;
        let known = current.state == TxnState::Ongoing
            && req
                .partitions
                .iter()
                .all(|p| current.partitions.contains(p));
        if known {
            return Ok(()); // nothing new: no need to write
        }
        let mut next = current.clone();
        next.begin(now);
        next.partitions.extend(req.partitions);
        next.last_update_timestamp = now;
        self.write(next, now)
    }
}

/// May a transaction take a new partition or group in this state? Shared with
/// AddOffsetsToTxn.
pub(crate) fn ready_to_add(state: TxnState) -> Result<(), KafkaError> {
    match state {
        TxnState::Empty
        | TxnState::Ongoing
        | TxnState::CompleteCommit
        | TxnState::CompleteAbort => Ok(()),
        TxnState::PrepareCommit | TxnState::PrepareAbort | TxnState::PrepareEpochFence => {
            Err(KafkaError::ConcurrentTransactions)
        }
        TxnState::Dead => Err(KafkaError::InvalidProducerIdMapping),
    }
}
