//! DescribeGroups (key 15): a group's state, protocol, members and their assignments.
//!
//! This is what `kafka-consumer-groups --describe` and `minikafka groups describe` show.
//! An unknown group is described as `Dead` with no members, as Kafka does.

use kafka_protocol::messages::describe_groups_response::{DescribedGroup, DescribedGroupMember};
use kafka_protocol::messages::{
    DescribeGroupsRequest, DescribeGroupsResponse, GroupId, ResponseKind,
};
use kafka_protocol::protocol::VersionRange;

use super::{text, Ctx, Reply};
use crate::log::StorageProvider;

/// v0..v5: v4 adds `group.instance.id`, v5 is the first flexible version.
pub const VERSIONS: VersionRange = VersionRange { min: 0, max: 5 };

pub(super) fn handle<P: StorageProvider>(
    ctx: &mut Ctx<'_, P>,
    request: DescribeGroupsRequest,
    _version: i16,
) -> Reply {
    let groups = request
        .groups
        .iter()
        .map(|id| {
            let d = ctx.broker.describe_group(id.as_str());
            DescribedGroup::default()
                .with_error_code(d.error.map_or(0, |e| e.code()))
                .with_group_id(GroupId(text(&d.group_id)))
                .with_group_state(text(d.state.name()))
                .with_protocol_type(text(&d.protocol_type))
                .with_protocol_data(text(&d.protocol))
                .with_members(
                    d.members
                        .into_iter()
                        .map(|m| {
                            DescribedGroupMember::default()
                                .with_member_id(text(&m.member_id))
                                .with_group_instance_id(m.group_instance_id.map(|s| text(&s)))
                                .with_client_id(text(&m.client_id))
                                .with_client_host(text(&m.client_host))
                                .with_member_metadata(m.metadata)
                                .with_member_assignment(m.assignment)
                        })
                        .collect(),
                )
        })
        .collect();
    Reply::Now(ResponseKind::DescribeGroups(
        DescribeGroupsResponse::default().with_groups(groups),
    ))
}
