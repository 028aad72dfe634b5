//! OffsetFetch (key 9): where did this group get to?
//!
//! A member asks after every rebalance for the partitions it was given, and starts reading
//! at the committed offset. Offset -1 means "nothing committed": the consumer then applies
//! `auto.offset.reset` (earliest or latest) with ListOffsets. A null topic list (v2+) asks
//! for every partition the group committed (admin tools, `minikafka groups describe`).
//!
//! v7 adds `require_stable` (KIP-447): a consumer taking over partitions asks for stable
//! offsets only, and a partition whose offset an open transaction has staged answers
//! `UNSTABLE_OFFSET_COMMIT`; the consumer retries until the transaction ends, so it never
//! resumes from an offset that a commit is about to replace.
//!
//! v8 (KIP-709) asks for several groups in one request: a `groups` array, each with its own
//! topics, and an error code per group in the answer instead of the one top-level code.
//!
//! v9 (KIP-848) adds `member_id` and `member_epoch` to each group: a member of a
//! consumer-protocol group says who it is, and the coordinator checks it as it checks a
//! commit. An unknown member is `UNKNOWN_MEMBER_ID`, another epoch than the member's is
//! `STALE_MEMBER_EPOCH` (the member catches up on its next heartbeat, then asks again).
//! No member id and epoch -1 is a fetch from outside the group, never checked; that is
//! what admin tools send, and what librdkafka 2.12 sends even from a consumer-protocol
//! member. A group-level error comes with no topics, as in Kafka.

use kafka_protocol::messages::offset_fetch_response::{
    OffsetFetchResponseGroup, OffsetFetchResponsePartition, OffsetFetchResponsePartitions,
    OffsetFetchResponseTopic, OffsetFetchResponseTopics,
};
use kafka_protocol::messages::{
    GroupId, OffsetFetchRequest, OffsetFetchResponse, ResponseKind, TopicName,
};
use kafka_protocol::protocol::VersionRange;

use super::{code, text, Ctx, Reply};
use crate::error::KafkaError;
use crate::log::StorageProvider;
use crate::offsets::OffsetAndMetadata;

/// v1..v9: v1 is the oldest the crate decodes, v2 allows "all topics", v6 is the first
/// flexible version, v8 batches groups, v9 brings the member epoch.
pub const VERSIONS: VersionRange = VersionRange { min: 1, max: 9 };

/// One partition's answer: its committed offset (`None`: nothing committed) or an error.
type Committed = Result<Option<OffsetAndMetadata>, KafkaError>;

/// One group's question, the same for every version.
struct GroupFetch {
    group_id: String,
    /// `None` and a negative epoch: not a member's request (all versions before 9).
    member_id: Option<String>,
    member_epoch: i32,
    /// `None`: every partition the group committed.
    wanted: Option<Vec<(String, i32)>>,
}

pub(super) fn handle<P: StorageProvider>(
    ctx: &mut Ctx<'_, P>,
    request: OffsetFetchRequest,
    version: i16,
) -> Reply {
    let require_stable = request.require_stable;
    if version < 8 {
        let one = GroupFetch {
            group_id: request.group_id.to_string(),
            member_id: None,
            member_epoch: -1,
            wanted: request.topics.map(|topics| {
                topics
                    .iter()
                    .flat_map(|t| t.partition_indexes.iter().map(|p| (t.name.to_string(), *p)))
                    .collect()
            }),
        };
        let response = match fetch(ctx, &one, require_stable) {
            Ok(found) => OffsetFetchResponse::default().with_topics(
                by_topic(found)
                    .into_iter()
                    .map(|(topic, partitions)| {
                        OffsetFetchResponseTopic::default()
                            .with_name(TopicName(text(&topic)))
                            .with_partitions(partitions.iter().map(partition_v1).collect())
                    })
                    .collect(),
            ),
            Err(error) => OffsetFetchResponse::default().with_error_code(error.code()),
        };
        return Reply::Now(ResponseKind::OffsetFetch(response));
    }
    let groups = request
        .groups
        .into_iter()
        .map(|g| {
            let one = GroupFetch {
                group_id: g.group_id.to_string(),
                member_id: g.member_id.map(|m| m.to_string()),
                member_epoch: g.member_epoch,
                wanted: g.topics.map(|topics| {
                    topics
                        .iter()
                        .flat_map(|t| t.partition_indexes.iter().map(|p| (t.name.to_string(), *p)))
                        .collect()
                }),
            };
            let answer =
                OffsetFetchResponseGroup::default().with_group_id(GroupId(text(&one.group_id)));
            match fetch(ctx, &one, require_stable) {
                Ok(found) => answer.with_topics(
                    by_topic(found)
                        .into_iter()
                        .map(|(topic, partitions)| {
                            OffsetFetchResponseTopics::default()
                                .with_name(TopicName(text(&topic)))
                                .with_partitions(partitions.iter().map(partition_v8).collect())
                        })
                        .collect(),
                ),
                Err(error) => answer.with_error_code(error.code()),
            }
        })
        .collect();
    Reply::Now(ResponseKind::OffsetFetch(
        OffsetFetchResponse::default().with_groups(groups),
    ))
}

/// The member check (v9), then the offsets.
fn fetch<P: StorageProvider>(
    ctx: &mut Ctx<'_, P>,
    g: &GroupFetch,
    require_stable: bool,
) -> Result<Vec<(String, i32, Committed)>, KafkaError> {
    ctx.broker
        .validate_offset_fetch(&g.group_id, g.member_id.as_deref(), g.member_epoch)?;
    Ok(ctx
        .broker
        .fetch_offsets_stable(&g.group_id, g.wanted.as_deref(), require_stable))
}

/// The answers grouped by topic, topics in the order they first appear.
fn by_topic(found: Vec<(String, i32, Committed)>) -> Vec<(String, Vec<(i32, Committed)>)> {
    let mut topics: Vec<(String, Vec<(i32, Committed)>)> = Vec::new();
    for (topic, partition, committed) in found {
        match topics.iter_mut().find(|(t, _)| *t == topic) {
            Some((_, partitions)) => partitions.push((partition, committed)),
            None => topics.push((topic, vec![(partition, committed)])),
        }
    }
    topics
}

/// The four fields every version answers per partition: offset (-1: none), leader epoch
/// (-1: unknown), metadata and error code.
fn fields(committed: &Committed) -> (i64, i32, &str, i16) {
    let error = code(committed);
    let c = committed.as_ref().ok().and_then(|c| c.as_ref());
    (
        c.map_or(-1, |c| c.offset),
        c.and_then(|c| c.leader_epoch).unwrap_or(-1),
        c.map_or("", |c| c.metadata.as_str()),
        error,
    )
}

fn partition_v1((partition, committed): &(i32, Committed)) -> OffsetFetchResponsePartition {
    let (offset, leader_epoch, metadata, error) = fields(committed);
    OffsetFetchResponsePartition::default()
        .with_partition_index(*partition)
        .with_committed_offset(offset)
        .with_committed_leader_epoch(leader_epoch)
        .with_metadata(Some(text(metadata)))
        .with_error_code(error)
}

fn partition_v8((partition, committed): &(i32, Committed)) -> OffsetFetchResponsePartitions {
    let (offset, leader_epoch, metadata, error) = fields(committed);
    OffsetFetchResponsePartitions::default()
        .with_partition_index(*partition)
        .with_committed_offset(offset)
        .with_committed_leader_epoch(leader_epoch)
        .with_metadata(Some(text(metadata)))
        .with_error_code(error)
}
