//! SyncGroup: how members get their assignment.
//!
//! After the join phase every member sends SyncGroup. Followers send nothing but their
//! identity; the leader also sends the assignment of every member, computed by the
//! assignor the group selected. Followers that arrive first are parked until the leader's
//! assignment is in; then everybody is answered and the group is `Stable`.

use bytes::Bytes;

use crate::error::KafkaError;
use crate::event::Event;
use crate::group::api::{SyncGroupRequest, SyncGroupResponse};
use crate::group::coordinator::{member_assignment, transition, GroupCoordinator, RequestId};
use crate::group_state::GroupState;
use crate::record::Millis;

impl GroupCoordinator {
    /// Handle a SyncGroup. Returns the answer if it is known now; `None` if the request is
    /// parked until the leader's assignment arrives (the answer then comes out of
    /// [`GroupCoordinator::poll_output`] tagged with `request`).
    pub fn sync_group(
        &mut self,
        request: RequestId,
        req: SyncGroupRequest,
        now: Millis,
    ) -> Option<SyncGroupResponse> {
        let fail = |error: KafkaError| Some(SyncGroupResponse::error(error));
        let Self { groups, sinks, .. } = self;
        let Some(group) = groups.get_mut(&req.group_id) else {
            return fail(KafkaError::UnknownMemberId);
        };
        if group.is(GroupState::Dead) {
            return fail(KafkaError::CoordinatorNotAvailable);
        }
        if let Err(error) = group.validate_member(&req.member_id, req.group_instance_id.as_deref())
        {
            return fail(error);
        }
        if req.generation_id != group.generation_id {
            return fail(KafkaError::IllegalGeneration);
        }
        if req.protocol_type.is_some() && req.protocol_type != group.protocol_type
            || req.protocol_name.is_some() && req.protocol_name != group.protocol_name
        {
            return fail(KafkaError::InconsistentGroupProtocol);
        }

        match group.state {
            GroupState::Empty | GroupState::Dead => fail(KafkaError::UnknownMemberId),
            GroupState::PreparingRebalance => fail(KafkaError::RebalanceInProgress),
            GroupState::Stable => {
                // Already settled (this member was late, or rejoined a stable group): hand
                // out what the leader gave it.
                group.pending_sync.remove(&req.member_id);
                let member = group.members.get_mut(&req.member_id)?;
                member.session_deadline = now + Millis::from(member.session_timeout_ms);
                Some(SyncGroupResponse {
                    error: None,
                    protocol_type: group.protocol_type.clone(),
                    protocol_name: group.protocol_name.clone(),
                    assignment: member.assignment.clone(),
                })
            }
            GroupState::CompletingRebalance => {
                group.pending_sync.remove(&req.member_id);
                let is_leader = group.is_leader(&req.member_id);
                let member = group.members.get_mut(&req.member_id)?;
                member.session_deadline = now + Millis::from(member.session_timeout_ms);
                if !is_leader {
                    if let Some(old) = member.awaiting_sync.replace(request) {
                        sinks.sync_response(
                            old,
                            SyncGroupResponse::error(KafkaError::RebalanceInProgress),
                        );
                    }
                    return None;
                }
                // The leader's assignment: store it for every member (members it left out
                // get empty bytes: standby), answer everybody parked, and settle.
                for member in group.members.values_mut() {
                    member.assignment = req
                        .assignments
                        .iter()
                        .find(|(id, _)| *id == member.member_id)
                        .map(|(_, a)| a.clone())
                        .unwrap_or_else(Bytes::new);
                }
                transition(group, GroupState::Stable, now, sinks);
                let assignment = group
                    .members
                    .values()
                    .map(|m| member_assignment(group, m))
                    .collect();
                sinks.event(Event::AssignmentCompleted {
                    at: now,
                    group: group.group_id.clone(),
                    generation: group.generation_id,
                    assignment,
                });
                let protocol_type = group.protocol_type.clone();
                let protocol_name = group.protocol_name.clone();
                for member in group.members.values_mut() {
                    if let Some(parked) = member.awaiting_sync.take() {
                        sinks.sync_response(
                            parked,
                            SyncGroupResponse {
                                error: None,
                                protocol_type: protocol_type.clone(),
                                protocol_name: protocol_name.clone(),
                                assignment: member.assignment.clone(),
                            },
                        );
                    }
                }
                let leader = group.members.get(&req.member_id)?;
                Some(SyncGroupResponse {
                    error: None,
                    protocol_type,
                    protocol_name,
                    assignment: leader.assignment.clone(),
                })
            }
        }
    }
}
