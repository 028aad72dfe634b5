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

use kafka_protocol::messages::offset_fetch_response::{
    OffsetFetchResponsePartition, OffsetFetchResponseTopic,
};
use kafka_protocol::messages::{OffsetFetchRequest, OffsetFetchResponse, ResponseKind, TopicName};
use kafka_protocol::protocol::VersionRange;

use super::{code, text, Ctx, Reply};
use crate::log::StorageProvider;

/// v1..v7: v1 is the oldest the crate decodes, v2 allows "all topics", v6 is the first
/// flexible version. v8 (several groups in one request) is not served.
pub const VERSIONS: VersionRange = VersionRange { min: 1, max: 7 };

pub(super) fn handle<P: StorageProvider>(
    ctx: &mut Ctx<'_, P>,
    request: OffsetFetchRequest,
    _version: i16,
) -> Reply {
    let wanted: Option<Vec<(String, i32)>> = request.topics.map(|topics| {
        topics
            .iter()
            .flat_map(|t| t.partition_indexes.iter().map(|p| (t.name.to_string(), *p)))
            .collect()
    });
    let group = request.group_id.to_string();
    let found = ctx
        .broker
        .fetch_offsets_stable(&group, wanted.as_deref(), request.require_stable);
    let mut topics: Vec<OffsetFetchResponseTopic> = Vec::new();
    for (topic, partition, committed) in found {
        let error = code(&committed);
        let committed = committed.ok().flatten();
        let answer = OffsetFetchResponsePartition::default()
            .with_error_code(error)
            .with_partition_index(partition)
            .with_committed_offset(committed.as_ref().map_or(-1, |c| c.offset))
            .with_committed_leader_epoch(
                committed
                    .as_ref()
                    .and_then(|c| c.leader_epoch)
                    .unwrap_or(-1),
            )
            .with_metadata(Some(text(
                committed.as_ref().map_or("", |c| c.metadata.as_str()),
            )));
        match topics.iter_mut().find(|t| t.name.as_str() == topic) {
            Some(t) => t.partitions.push(answer),
            None => topics.push(
                OffsetFetchResponseTopic::default()
                    .with_name(TopicName(text(&topic)))
                    .with_partitions(vec![answer]),
            ),
        }
    }
    Reply::Now(ResponseKind::OffsetFetch(
        OffsetFetchResponse::default().with_topics(topics),
    ))
}
