//! OffsetCommit (key 8): remember how far a group has processed each partition.
//!
//! The committed offset is the offset of the *next* record to process. It is what a
//! member resumes from after a restart or a rebalance; everything processed after the last
//! commit is processed again (the seed's "re-reads 95..100"). The coordinator first checks
//! that the member and generation are current: a member that missed a rebalance gets
//! `ILLEGAL_GENERATION` or `UNKNOWN_MEMBER_ID` and must not overwrite the new owner's
//! progress. A client that assigned partitions by hand commits with generation -1 and no
//! member id, which is accepted while the group has no members.

use kafka_protocol::messages::offset_commit_response::{
    OffsetCommitResponsePartition, OffsetCommitResponseTopic,
};
use kafka_protocol::messages::{
    OffsetCommitRequest, OffsetCommitResponse, ResponseKind, TopicName,
};
use kafka_protocol::protocol::VersionRange;

use super::{code, text, Ctx, Reply};
use crate::broker::{OffsetCommit, OffsetCommitRequest as CoreCommit};
use crate::error::KafkaError;
use crate::log::StorageProvider;

/// v2..v9: v2 is the oldest the crate decodes, v7 adds `group.instance.id`, v8 is the first
/// flexible version. v9 (KIP-848) has the same fields; for a consumer-protocol group its
/// `generation_id_or_member_epoch` is the member epoch, checked against the member's
/// (`STALE_MEMBER_EPOCH`). A member of a consumer-protocol group must commit at v9 or
/// later: an older version is `UNSUPPORTED_VERSION`, as in Kafka 4 (an older client
/// would mean a generation by that field).
pub const VERSIONS: VersionRange = VersionRange { min: 2, max: 9 };

/// The first OffsetCommit version a consumer-protocol member may commit with.
const KIP848_MIN_VERSION: i16 = 9;

pub(super) fn handle<P: StorageProvider>(
    ctx: &mut Ctx<'_, P>,
    request: OffsetCommitRequest,
    version: i16,
) -> Reply {
    let offsets: Vec<OffsetCommit> = request
        .topics
        .iter()
        .flat_map(|t| {
            t.partitions.iter().map(|p| OffsetCommit {
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
    let member_of_consumer_group = ctx
        .broker
        .consumer_groups()
        .group(request.group_id.as_str())
        .is_some_and(|g| g.members.contains_key(request.member_id.as_str()));
    let results: Vec<(String, i32, Result<(), KafkaError>)> =
        if version < KIP848_MIN_VERSION && member_of_consumer_group {
            offsets
                .into_iter()
                .map(|o| (o.topic, o.partition, Err(KafkaError::UnsupportedVersion)))
                .collect()
        } else {
            ctx.broker.commit_offsets(
                CoreCommit {
                    group_id: request.group_id.to_string(),
                    generation_id: request.generation_id_or_member_epoch,
                    member_id: request.member_id.to_string(),
                    group_instance_id: request.group_instance_id.map(|s| s.to_string()),
                    offsets,
                },
                ctx.now,
            )
        };
    // Results come back in request order; regroup them by topic.
    let mut topics: Vec<OffsetCommitResponseTopic> = Vec::new();
    for (topic, partition, result) in results {
        let answer = OffsetCommitResponsePartition::default()
            .with_partition_index(partition)
            .with_error_code(code(&result));
        match topics.last_mut() {
            Some(t) if t.name.as_str() == topic => t.partitions.push(answer),
            _ => topics.push(
                OffsetCommitResponseTopic::default()
                    .with_name(TopicName(text(&topic)))
                    .with_partitions(vec![answer]),
            ),
        }
    }
    Reply::Now(ResponseKind::OffsetCommit(
        OffsetCommitResponse::default().with_topics(topics),
    ))
}
