//! TxnOffsetCommit (key 28): the consumed offsets, committed *inside* the transaction.
//!
//! The offsets are staged: OffsetFetch does not see them (or answers
//! `UNSTABLE_OFFSET_COMMIT` when asked with `require_stable`) until EndTxn commits them, and
//! an abort drops them. The request is checked (producer epoch, transaction state, and from
//! v3 the group member and generation, KIP-447) before anything is staged; a retry stages
//! again and the latest offset wins.

use kafka_protocol::messages::txn_offset_commit_response::{
    TxnOffsetCommitResponsePartition, TxnOffsetCommitResponseTopic,
};
use kafka_protocol::messages::{
    ResponseKind, TopicName, TxnOffsetCommitRequest, TxnOffsetCommitResponse,
};
use kafka_protocol::protocol::VersionRange;

use super::{fenced_before, text, Ctx, Reply};
use crate::log::StorageProvider;
use crate::txn::{TxnOffsetCommit, TxnOffsetCommitRequest as CoreRequest};

/// v0..v3: librdkafka and kafka-python send v3 (the group's generation and member id,
/// flexible), kafkajs v1. v4 adds KIP-890's `TRANSACTION_ABORTABLE`: not served.
pub const VERSIONS: VersionRange = VersionRange { min: 0, max: 3 };

pub(super) fn handle<P: StorageProvider>(
    ctx: &mut Ctx<'_, P>,
    request: TxnOffsetCommitRequest,
    version: i16,
) -> Reply {
    let offsets = request
        .topics
        .iter()
        .flat_map(|t| {
            t.partitions.iter().map(|p| TxnOffsetCommit {
                topic: t.name.to_string(),
                partition: p.partition_index,
                offset: p.committed_offset,
                leader_epoch: (p.committed_leader_epoch >= 0).then_some(p.committed_leader_epoch),
                metadata: p
                    .committed_metadata
                    .as_ref()
                    .map(|m| m.to_string())
                    .unwrap_or_default(),
            })
        })
        .collect();
    // Before v3 there is no member: generation -1 and no member id skip the member check.
    let results = ctx.broker.txn_offset_commit(
        CoreRequest {
            transactional_id: request.transactional_id.to_string(),
            group_id: request.group_id.to_string(),
            producer_id: request.producer_id.0,
            producer_epoch: request.producer_epoch,
            generation_id: if version >= 3 {
                request.generation_id
            } else {
                -1
            },
            member_id: if version >= 3 {
                request.member_id.to_string()
            } else {
                String::new()
            },
            group_instance_id: request.group_instance_id.map(|s| s.to_string()),
            offsets,
        },
        ctx.now,
    );
    let mut topics: Vec<TxnOffsetCommitResponseTopic> = Vec::new();
    for (topic, partition, result) in results {
        // No version of this API knows PRODUCER_FENCED: the fenced hear INVALID_PRODUCER_EPOCH.
        let answer = TxnOffsetCommitResponsePartition::default()
            .with_partition_index(partition)
            .with_error_code(fenced_before(i16::MAX, version, &result));
        match topics.iter_mut().find(|t| t.name.as_str() == topic) {
            Some(t) => t.partitions.push(answer),
            None => topics.push(
                TxnOffsetCommitResponseTopic::default()
                    .with_name(TopicName(text(&topic)))
                    .with_partitions(vec![answer]),
            ),
        }
    }
    Reply::Now(ResponseKind::TxnOffsetCommit(
        TxnOffsetCommitResponse::default().with_topics(topics),
    ))
}
