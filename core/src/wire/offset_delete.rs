//! OffsetDelete (key 47, KIP-496): delete some of a group's committed offsets
//! (`kafka-consumer-groups.sh --delete-offsets`, librdkafka's
//! `DeleteConsumerGroupOffsets`).
//!
//! The rules are the broker's (`Broker::delete_offsets`): a group that does not exist is
//! `GROUP_ID_NOT_FOUND` and a non-consumer group with members `NON_EMPTY_GROUP`, both for
//! the whole request (then, as in Kafka, no per-partition results); otherwise each
//! partition is deleted, or refused with `GROUP_SUBSCRIBED_TO_TOPIC` (a live member
//! subscribes to its topic) or `UNKNOWN_TOPIC_OR_PARTITION`.

use kafka_protocol::messages::offset_delete_response::{
    OffsetDeleteResponsePartition, OffsetDeleteResponseTopic,
};
use kafka_protocol::messages::{OffsetDeleteRequest, OffsetDeleteResponse, ResponseKind};
use kafka_protocol::protocol::VersionRange;

use super::{code, Ctx, Reply};
use crate::log::StorageProvider;

/// v0, the only version there is (not flexible).
pub const VERSIONS: VersionRange = VersionRange { min: 0, max: 0 };

pub(super) fn handle<P: StorageProvider>(
    ctx: &mut Ctx<'_, P>,
    request: OffsetDeleteRequest,
    _version: i16,
) -> Reply {
    let partitions: Vec<(String, i32)> = request
        .topics
        .iter()
        .flat_map(|t| {
            t.partitions
                .iter()
                .map(|p| (t.name.to_string(), p.partition_index))
        })
        .collect();
    let response = match ctx
        .broker
        .delete_offsets(request.group_id.as_str(), &partitions, ctx.now)
    {
        Err(error) => OffsetDeleteResponse::default().with_error_code(error.code()),
        Ok(results) => {
            let mut results = results.into_iter();
            let topics = request
                .topics
                .into_iter()
                .map(|t| {
                    let partitions = t
                        .partitions
                        .iter()
                        .map(|p| {
                            let result = results.next().unwrap_or(Ok(()));
                            OffsetDeleteResponsePartition::default()
                                .with_partition_index(p.partition_index)
                                .with_error_code(code(&result))
                        })
                        .collect();
                    OffsetDeleteResponseTopic::default()
                        .with_name(t.name)
                        .with_partitions(partitions)
                })
                .collect();
            OffsetDeleteResponse::default().with_topics(topics)
        }
    };
    Reply::Now(ResponseKind::OffsetDelete(response))
}
