//! AddOffsetsToTxn: "this transaction will commit offsets of this group".
//!
//! The read-process-write loop commits its input position inside the transaction
//! (`send_offsets_to_transaction`). The producer first names the group here, so that the
//! coordinator knows the transaction carries offsets (in Kafka: that the group's partition
//! of `__consumer_offsets` gets a marker), then sends the offsets themselves with
//! TxnOffsetCommit.
//!
//! Like AddPartitionsToTxn it **begins** the transaction. A transaction may hold offsets
//! and no records at all (a consumer that filtered out every input record still has to
//! move its position forward); if AddOffsetsToTxn did not begin it, EndTxn would find an
//! `Empty` transaction and refuse, and the offsets would never be committed.

use serde::{Deserialize, Serialize};

use crate::error::KafkaError;
use crate::log::LogStorage;
use crate::record::Millis;
use crate::txn::add_partitions_to_txn::ready_to_add;
use crate::txn::coordinator::TransactionCoordinator;
use crate::txn::state::TxnState;

/// AddOffsetsToTxn: add a consumer group's offsets to the transaction, before
/// TxnOffsetCommit stages them (`sendOffsetsToTransaction`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddOffsetsToTxnRequest {
    /// The producer's `transactional.id`.
    pub transactional_id: String,
    /// The producer id InitProducerId gave it.
    pub producer_id: i64,
    /// Its epoch.
    pub producer_epoch: i16,
    /// The consumer group whose offsets the transaction will commit.
    pub group_id: String,
}

impl<S: LogStorage> TransactionCoordinator<S> {
    /// Handle AddOffsetsToTxn.
    pub fn add_offsets_to_txn(
        &mut self,
        req: AddOffsetsToTxnRequest,
        now: Millis,
    ) -> Result<(), KafkaError> {
        let current = self.checked(
            &req.transactional_id,
            req.producer_id,
            req.producer_epoch,
            KafkaError::ProducerFenced,
        )?;
        ready_to_add(current.state)?;
        if req.group_id.is_empty() {
            return Err(KafkaError::InvalidGroupId);
        }
        if current.state == TxnState::Ongoing && current.groups.contains(&req.group_id) {
            return Ok(());
        }
        let mut next = current.clone();
        next.begin(now);
        next.groups.insert(req.group_id);
        next.last_update_timestamp = now;
        self.write(next, now)
    }
}
