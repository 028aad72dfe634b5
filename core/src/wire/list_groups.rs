//! ListGroups (key 16): every group this coordinator knows, optionally filtered by state.

use kafka_protocol::messages::list_groups_response::ListedGroup;
use kafka_protocol::messages::{GroupId, ListGroupsRequest, ListGroupsResponse, ResponseKind};
use kafka_protocol::protocol::VersionRange;

use super::{text, Ctx, Reply};
use crate::group::GroupState;
use crate::log::StorageProvider;
use crate::KafkaError;

/// v0..v4: v3 is the first flexible version, v4 filters by state.
pub const VERSIONS: VersionRange = VersionRange { min: 0, max: 4 };

pub(super) fn handle<P: StorageProvider>(
    ctx: &mut Ctx<'_, P>,
    request: ListGroupsRequest,
    _version: i16,
) -> Reply {
    let mut states = Vec::new();
    for name in &request.states_filter {
        // Kafka matches state names case-insensitively, and so does `from_name`.
        match GroupState::from_name(name.as_str()) {
            Some(state) => states.push(state),
            None => {
                return Reply::Now(ResponseKind::ListGroups(
                    ListGroupsResponse::default()
                        .with_error_code(KafkaError::InvalidRequest.code()),
                ))
            }
        }
    }
    let groups = ctx
        .broker
        .list_groups(&states)
        .into_iter()
        .map(|g| {
            ListedGroup::default()
                .with_group_id(GroupId(text(&g.group_id)))
                .with_protocol_type(text(&g.protocol_type))
                .with_group_state(text(g.state.name()))
        })
        .collect();
    Reply::Now(ResponseKind::ListGroups(
        ListGroupsResponse::default().with_groups(groups),
    ))
}
