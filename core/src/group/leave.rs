//! LeaveGroup: a graceful goodbye.
//!
//! A consumer that closes cleanly sends LeaveGroup, so the group rebalances at once instead
//! of waiting `session.timeout.ms` for the member to be declared dead. Static members
//! usually do *not* leave on shutdown (that is the point of static membership); an admin
//! can still remove them by `group.instance.id`.

use crate::error::KafkaError;
use crate::event::{RebalanceReason, RemovalReason};
use crate::group::api::{LeaveGroupRequest, LeaveGroupResponse, MemberIdentity};
use crate::group::coordinator::{
    rebalance_after_removal, remove_member, try_complete_join, GroupCoordinator,
};
use crate::group::group_metadata::Group;
use crate::group_state::GroupState;
use crate::record::Millis;

impl GroupCoordinator {
    /// Handle a LeaveGroup for one or more members.
    pub fn leave_group(&mut self, req: LeaveGroupRequest, now: Millis) -> LeaveGroupResponse {
        let Self {
            config,
            groups,
            sinks,
            ..
        } = self;
        let fail = |error| LeaveGroupResponse {
            error: Some(error),
            members: Vec::new(),
        };
        let Some(group) = groups.get_mut(&req.group_id) else {
            return fail(KafkaError::UnknownMemberId);
        };
        if group.is(GroupState::Dead) {
            return fail(KafkaError::CoordinatorNotAvailable);
        }
        let mut results = Vec::with_capacity(req.members.len());
        for identity in req.members {
            match leaving_member(group, &identity) {
                Ok(Some(member_id)) => {
                    remove_member(group, &member_id, RemovalReason::LeaveGroup, now, sinks);
                    rebalance_after_removal(
                        group,
                        RebalanceReason::MemberLeft { member_id },
                        now,
                        config,
                        sinks,
                    );
                    results.push((identity, None));
                }
                Ok(None) => {
                    try_complete_join(group, now, sinks);
                    results.push((identity, None));
                }
                Err(error) => results.push((identity, Some(error))),
            }
        }
        LeaveGroupResponse {
            error: None,
            members: results,
        }
    }
}

/// Which member leaves: `Ok(Some(id))` for a member, `Ok(None)` for a pending member id
/// (forgotten on the spot), or the error for this identity.
fn leaving_member(
    group: &mut Group,
    identity: &MemberIdentity,
) -> Result<Option<String>, KafkaError> {
    if let Some(instance) = &identity.group_instance_id {
        let owner = group
            .static_members
            .get(instance)
            .ok_or(KafkaError::UnknownMemberId)?;
        if !identity.member_id.is_empty() && *owner != identity.member_id {
            return Err(KafkaError::FencedInstanceId);
        }
        return Ok(Some(owner.clone()));
    }
    if group.pending_members.remove(&identity.member_id).is_some() {
        return Ok(None);
    }
    if group.members.contains_key(&identity.member_id) {
        Ok(Some(identity.member_id.clone()))
    } else {
        Err(KafkaError::UnknownMemberId)
    }
}
