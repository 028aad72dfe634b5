//! ConsumerGroupDescribe (key 69): a consumer-protocol group with its epochs, assignor,
//! and per member its epoch, subscription, current and target assignment. A classic group
//! (or an unknown id) answers `GROUP_ID_NOT_FOUND`, as in Kafka.

use kafka_protocol::messages::consumer_group_describe_response::{
    Assignment as WireAssignment, DescribedGroup, Member, TopicPartitions,
};
use kafka_protocol::messages::{
    ConsumerGroupDescribeRequest, ConsumerGroupDescribeResponse, GroupId, ResponseKind, TopicName,
};
use kafka_protocol::protocol::VersionRange;

use super::consumer_group_heartbeat::topic_ids;
use super::{text, Ctx, Reply};
use crate::group::modern::Assignment;
use crate::log::StorageProvider;

/// v0..v1: v1 adds the member type (always 1 here: every member speaks the consumer
/// protocol; 0 would be a classic member of a migrated group).
pub const VERSIONS: VersionRange = VersionRange { min: 0, max: 1 };

pub(super) fn handle<P: StorageProvider>(
    ctx: &mut Ctx<'_, P>,
    request: ConsumerGroupDescribeRequest,
    _version: i16,
) -> Reply {
    let ids = topic_ids(ctx);
    let wire = |a: &Assignment| {
        WireAssignment::default().with_topic_partitions(
            a.0.iter()
                .filter(|(_, ps)| !ps.is_empty())
                .filter_map(|(name, ps)| {
                    let id = ids.iter().find(|(n, _)| n == name)?.1;
                    Some(
                        TopicPartitions::default()
                            .with_topic_id(id)
                            .with_topic_name(TopicName(text(name)))
                            .with_partitions(ps.iter().copied().collect()),
                    )
                })
                .collect(),
        )
    };
    let groups = request
        .group_ids
        .iter()
        .map(|id| {
            let d = ctx.broker.consumer_group_describe(id.as_str());
            DescribedGroup::default()
                .with_error_code(d.error.map_or(0, |e| e.code()))
                .with_error_message(d.error.map(|e| text(&e.to_string())))
                .with_group_id(GroupId(text(&d.group_id)))
                .with_group_state(text(d.state.name()))
                .with_group_epoch(d.group_epoch)
                .with_assignment_epoch(d.assignment_epoch)
                .with_assignor_name(text(&d.assignor))
                .with_authorized_operations(i32::MIN)
                .with_members(
                    d.members
                        .iter()
                        .map(|m| {
                            Member::default()
                                .with_member_id(text(&m.member_id))
                                .with_instance_id(m.instance_id.as_deref().map(text))
                                .with_rack_id(m.rack_id.as_deref().map(text))
                                .with_member_epoch(m.member_epoch)
                                .with_client_id(text(&m.client_id))
                                .with_client_host(text(&m.client_host))
                                .with_subscribed_topic_names(
                                    m.subscribed_topics
                                        .iter()
                                        .map(|t| TopicName(text(t)))
                                        .collect(),
                                )
                                .with_subscribed_topic_regex(
                                    m.subscribed_regex.as_deref().map(text),
                                )
                                .with_assignment(wire(&m.assignment))
                                .with_target_assignment(wire(&m.target_assignment))
                                .with_member_type(1)
                        })
                        .collect(),
                )
        })
        .collect();
    Reply::Now(ResponseKind::ConsumerGroupDescribe(
        ConsumerGroupDescribeResponse::default().with_groups(groups),
    ))
}
