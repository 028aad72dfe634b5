//! ListGroups (key 16): every group this coordinator knows, optionally filtered by state
//! and (v5, KIP-848) by type: `classic` groups and `consumer` (KIP-848) groups. The state
//! names differ between the two (a consumer group is `Reconciling`, never
//! `PreparingRebalance`); the filter matches either, case-insensitively, as Kafka does.

use kafka_protocol::messages::list_groups_response::ListedGroup;
use kafka_protocol::messages::{GroupId, ListGroupsRequest, ListGroupsResponse, ResponseKind};
use kafka_protocol::protocol::VersionRange;

use super::{text, Ctx, Reply};
use crate::group::GroupState;
use crate::log::StorageProvider;
use crate::KafkaError;

/// v0..v5: v3 is the first flexible version, v4 filters by state, v5 by type and says
/// each group's type.
pub const VERSIONS: VersionRange = VersionRange { min: 0, max: 5 };

/// The consumer-group state names Kafka accepts in the filter.
const CONSUMER_STATES: &[&str] = &["empty", "assigning", "reconciling", "stable", "dead"];

pub(super) fn handle<P: StorageProvider>(
    ctx: &mut Ctx<'_, P>,
    request: ListGroupsRequest,
    _version: i16,
) -> Reply {
    let mut states = Vec::new();
    let mut consumer_states = Vec::new();
    for name in &request.states_filter {
        let lower = name.to_ascii_lowercase();
        let classic = GroupState::from_name(name.as_str());
        let consumer = CONSUMER_STATES.contains(&lower.as_str());
        if consumer {
            consumer_states.push(lower);
        }
        // Kafka matches state names case-insensitively, and so does `from_name`.
        match classic {
            Some(state) => states.push(state),
            None if consumer => {}
            None => {
                return Reply::Now(ResponseKind::ListGroups(
                    ListGroupsResponse::default()
                        .with_error_code(KafkaError::InvalidRequest.code()),
                ))
            }
        }
    }
    let types: Vec<String> = request
        .types_filter
        .iter()
        .map(|t| t.to_ascii_lowercase())
        .collect();
    let wants = |kind: &str| types.is_empty() || types.iter().any(|t| t == kind);
    let mut groups: Vec<ListedGroup> = Vec::new();
    // A state filter made only of consumer-group states selects no classic group.
    if wants("classic") && (request.states_filter.is_empty() || !states.is_empty()) {
        groups.extend(ctx.broker.list_groups(&states).into_iter().map(|g| {
            ListedGroup::default()
                .with_group_id(GroupId(text(&g.group_id)))
                .with_protocol_type(text(&g.protocol_type))
                .with_group_state(text(g.state.name()))
                .with_group_type(text("classic"))
        }));
    }
    if wants("consumer") {
        for (group_id, state) in ctx.broker.list_consumer_groups() {
            let name = state.name();
            if request.states_filter.is_empty()
                || consumer_states.contains(&name.to_ascii_lowercase())
            {
                groups.push(
                    ListedGroup::default()
                        .with_group_id(GroupId(text(&group_id)))
                        .with_protocol_type(text("consumer"))
                        .with_group_state(text(name))
                        .with_group_type(text("consumer")),
                );
            }
        }
    }
    Reply::Now(ResponseKind::ListGroups(
        ListGroupsResponse::default().with_groups(groups),
    ))
}
