//! TxnOffsetCommit: the consumed offsets, staged inside the transaction.
//!
//! The offsets are not committed yet: they wait beside the transaction, invisible to
//! OffsetFetch, and become the group's committed offsets only when EndTxn commits (or
//! vanish when it aborts). A consumer of the group that asks with `require_stable` is
//! told `UNSTABLE_OFFSET_COMMIT` meanwhile, rather than resume from an offset about to
//! change.
//!
//! The order of the checks is the point of this file. Everything about the *request* is
//! validated before anything is staged:
//! 1. the producer: its id maps to the transactional id (`INVALID_PRODUCER_ID_MAPPING`)
//!    and its epoch is current (`INVALID_PRODUCER_EPOCH`: Kafka fences it where the
//!    offsets are written, in `__consumer_offsets`, hence the partition-level code);
//! 2. the transaction: it is `Ongoing` and AddOffsetsToTxn named this group
//!    (`INVALID_TXN_STATE`), and is not being completed (`CONCURRENT_TRANSACTIONS`);
//! 3. the group (v3, KIP-447): the generation and member id the producer got from its
//!    consumer's `consumer_group_metadata()` are current, so a zombie whose consumer was
//!    kicked out of the group cannot commit over the new owner of the partition
//!    (`ILLEGAL_GENERATION`, `UNKNOWN_MEMBER_ID`, `FENCED_INSTANCE_ID`).
//!
//! A zombie whose offsets were staged first and refused after would leave them behind, to
//! be committed by whichever transaction ends next. Then each partition is checked on its
//! own (does it exist, is the metadata short enough) and staged. Staging the same
//! partition again (a retry, or a later batch of the loop) replaces the earlier offset:
//! the latest staged offset wins.

use serde::{Deserialize, Serialize};

use crate::error::KafkaError;
use crate::group::GroupCoordinator;
use crate::log::LogStorage;
use crate::offsets::{OffsetAndMetadata, OffsetKey, MAX_METADATA_BYTES};
use crate::record::{Millis, Offset};
use crate::txn::coordinator::TransactionCoordinator;
use crate::txn::state::TxnState;

/// One partition's offset in a TxnOffsetCommit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TxnOffsetCommit {
    /// Topic the consumed partition belongs to.
    pub topic: String,
    /// Partition index within the topic.
    pub partition: i32,
    /// The next offset the group should read.
    pub offset: Offset,
    /// The leader epoch the consumer saw, if any.
    pub leader_epoch: Option<i32>,
    /// Free-form metadata (at most 4096 bytes).
    pub metadata: String,
}

/// TxnOffsetCommit (v0..v3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TxnOffsetCommitRequest {
    /// The producer's `transactional.id`.
    pub transactional_id: String,
    /// The consumer group.
    pub group_id: String,
    /// The producer id.
    pub producer_id: i64,
    /// Its epoch.
    pub producer_epoch: i16,
    /// v3: the consumer's generation, -1 when unknown (v0..v2).
    pub generation_id: i32,
    /// v3: the consumer's member id, empty when unknown.
    pub member_id: String,
    /// v3: the consumer's `group.instance.id`.
    pub group_instance_id: Option<String>,
    /// The offsets.
    pub offsets: Vec<TxnOffsetCommit>,
}

impl<S: LogStorage> TransactionCoordinator<S> {
    /// Handle TxnOffsetCommit: one answer per partition, in request order.
    /// `partition_exists` answers for the broker's topics.
    pub fn txn_offset_commit(
        &mut self,
        req: TxnOffsetCommitRequest,
        groups: &mut GroupCoordinator,
        partition_exists: &dyn Fn(&str, i32) -> bool,
        now: Millis,
    ) -> Vec<(String, i32, Result<(), KafkaError>)> {
        let everyone = |req: TxnOffsetCommitRequest, error: KafkaError| {
            req.offsets
                .into_iter()
                .map(|o| (o.topic, o.partition, Err(error)))
                .collect()
        };
        // 1..3: the whole request, before anything is staged.
        if let Err(error) = self.validate_txn_offset_commit(&req, groups) {
            return everyone(req, error);
        }
        let Some(current) = self.transactions.get(&req.transactional_id) else {
            return everyone(req, KafkaError::InvalidProducerIdMapping);
        };
        // 4: each partition, then stage what passed.
        let mut next = current.clone();
        let mut results = Vec::with_capacity(req.offsets.len());
        for o in req.offsets {
            let result = if !partition_exists(&o.topic, o.partition) {
                Err(KafkaError::UnknownTopicOrPartition)
            } else if o.metadata.len() > MAX_METADATA_BYTES {
                Err(KafkaError::OffsetMetadataTooLarge)
            } else {
                let key = OffsetKey::new(req.group_id.clone(), o.topic.clone(), o.partition);
                let value = OffsetAndMetadata {
                    offset: o.offset,
                    leader_epoch: o.leader_epoch.filter(|e| *e >= 0),
                    metadata: o.metadata.clone(),
                    commit_timestamp: now,
                };
                next.pending_offsets.insert(key, value); // the latest wins
                Ok(())
            };
            results.push((o.topic, o.partition, result));
        }
        if next.pending_offsets != current.pending_offsets {
            next.last_update_timestamp = now;
            if let Err(error) = self.write(next, now) {
                for (_, _, result) in &mut results {
                    if result.is_ok() {
                        *result = Err(error);
                    }
                }
            }
        }
        results
    }

    /// Checks 1..3 of the module documentation.
    fn validate_txn_offset_commit(
        &self,
        req: &TxnOffsetCommitRequest,
        groups: &mut GroupCoordinator,
    ) -> Result<(), KafkaError> {
        let current = self.checked(
            &req.transactional_id,
            req.producer_id,
            req.producer_epoch,
            KafkaError::InvalidProducerEpoch,
        )?;
        match current.state {
            TxnState::Ongoing if current.groups.contains(&req.group_id) => {}
            TxnState::PrepareCommit | TxnState::PrepareAbort | TxnState::PrepareEpochFence => {
                return Err(KafkaError::ConcurrentTransactions)
            }
            _ => return Err(KafkaError::InvalidTxnState),
        }
        groups.validate_txn_offset_commit(
            &req.group_id,
            &req.member_id,
            req.group_instance_id.as_deref(),
            req.generation_id,
        )
    }
}
