//! JoinGroup: how a member gets into a generation.
//!
//! A JoinGroup is usually *not* answered at once. The coordinator parks it until every
//! member of the group has sent one (or the rebalance timeout passes), because the answer
//! names the new generation, and a generation is only meaningful once everybody is in it.
//! Parked answers come out of [`GroupCoordinator::poll_output`].

use crate::error::KafkaError;
use crate::event::{Event, RebalanceReason};
use crate::group::api::{JoinGroupRequest, JoinGroupResponse};
use crate::group::coordinator::{
    current_join_response, prepare_rebalance, try_complete_join, GroupCoordinator, RequestId, Sinks,
};
use crate::group::group_metadata::{Group, JoinWait};
use crate::group::member::MemberMetadata;
use crate::group::CoordinatorConfig;
use crate::group_state::GroupState;
use crate::record::Millis;

impl GroupCoordinator {
    /// Handle a JoinGroup. Returns the answer if it is known now (an error, or a member
    /// rejoining a settled group with nothing new to say); returns `None` if the request is
    /// parked, in which case its answer, tagged with `request`, comes out of
    /// [`GroupCoordinator::poll_output`] later.
    pub fn join_group(
        &mut self,
        request: RequestId,
        req: JoinGroupRequest,
        now: Millis,
    ) -> Option<JoinGroupResponse> {
        self.join_group_inner(request, req, now)
    }

    fn join_group_inner(
        &mut self,
        request: RequestId,
        mut req: JoinGroupRequest,
        now: Millis,
    ) -> Option<JoinGroupResponse> {
        let fail =
            |error: KafkaError, member_id: &str| Some(JoinGroupResponse::error(error, member_id));
        if req.group_id.is_empty() {
            return fail(KafkaError::InvalidGroupId, &req.member_id);
        }
        // The broker bounds session timeouts: too short floods it with heartbeats, too long
        // lets a dead consumer sit on its partitions.
        if req.session_timeout_ms < self.config.group_min_session_timeout_ms
            || req.session_timeout_ms > self.config.group_max_session_timeout_ms
        {
            return fail(KafkaError::InvalidSessionTimeout, &req.member_id);
        }
        // JoinGroup v0 had no rebalance timeout: it was the session timeout.
        if req.rebalance_timeout_ms <= 0 {
            req.rebalance_timeout_ms = req.session_timeout_ms;
        }
        if req.protocol_type.is_empty() || req.protocols.is_empty() {
            return fail(KafkaError::InconsistentGroupProtocol, &req.member_id);
        }

        let Self {
            config,
            groups,
            sinks,
            member_ids,
        } = self;
        let group = match groups.get_mut(&req.group_id) {
            Some(group) => group,
            // Only a member joining for the first time may create a group.
            None if req.member_id.is_empty() => groups
                .entry(req.group_id.clone())
                .or_insert_with(|| Group::new(req.group_id.clone())),
            None => return fail(KafkaError::UnknownMemberId, &req.member_id),
        };
        if group.is(GroupState::Dead) {
            return fail(KafkaError::CoordinatorNotAvailable, &req.member_id);
        }
        let names: Vec<String> = req.protocols.iter().map(|p| p.name.clone()).collect();
        if !group.supports_protocols(&req.protocol_type, &names) {
            return fail(KafkaError::InconsistentGroupProtocol, &req.member_id);
        }

        if req.member_id.is_empty() {
            join_unknown_member(group, request, req, now, config, sinks, member_ids)
        } else {
            join_known_member(group, request, req, now, config, sinks)
        }
    }
}

/// A member with no member id: a new consumer, or a static member coming back.
fn join_unknown_member(
    group: &mut Group,
    request: RequestId,
    req: JoinGroupRequest,
    now: Millis,
    config: &CoordinatorConfig,
    sinks: &mut Sinks,
    member_ids: &mut crate::group::coordinator::MemberIds,
) -> Option<JoinGroupResponse> {
    if let Some(max) = config.group_max_size {
        let known_static = req
            .group_instance_id
            .as_ref()
            .is_some_and(|i| group.static_members.contains_key(i));
        if !known_static && group.members.len() + group.pending_members.len() >= max {
            return Some(JoinGroupResponse::error(
                KafkaError::GroupMaxSizeReached,
                "",
            ));
        }
    }
    let new_member_id = member_ids.next(&req.client_id);
    match &req.group_instance_id {
        Some(instance) => match group.static_members.get(instance).cloned() {
            Some(old_member_id) => replace_static_member(
                group,
                &old_member_id,
                new_member_id,
                request,
                req,
                now,
                config,
                sinks,
            ),
            // A static member is trusted to be unique by its instance id, so it joins at
            // once, without the MEMBER_ID_REQUIRED round trip.
            None => {
                add_member_and_rebalance(group, new_member_id, request, req, now, config, sinks)
            }
        },
        None if req.require_known_member_id => {
            // KIP-394: hand out an id and make the client come back with it. If it never
            // does (it crashed), the id is forgotten after the session timeout and no
            // ghost member ever held up a rebalance.
            group.pending_members.insert(
                new_member_id.clone(),
                now + Millis::from(req.session_timeout_ms),
            );
            Some(JoinGroupResponse::error(
                KafkaError::MemberIdRequired,
                new_member_id,
            ))
        }
        None => add_member_and_rebalance(group, new_member_id, request, req, now, config, sinks),
    }
}

/// A member that already has a member id.
fn join_known_member(
    group: &mut Group,
    request: RequestId,
    req: JoinGroupRequest,
    now: Millis,
    config: &CoordinatorConfig,
    sinks: &mut Sinks,
) -> Option<JoinGroupResponse> {
    let member_id = req.member_id.clone();
    if group.pending_members.contains_key(&member_id) {
        // The second half of the MEMBER_ID_REQUIRED round trip.
        return add_member_and_rebalance(group, member_id, request, req, now, config, sinks);
    }
    if let Some(instance) = &req.group_instance_id {
        if let Some(owner) = group.static_members.get(instance) {
            if *owner != member_id {
                // Another process with the same group.instance.id took over this slot.
                return Some(JoinGroupResponse::error(
                    KafkaError::FencedInstanceId,
                    member_id,
                ));
            }
        }
    }
    let Some(member) = group.members.get(&member_id) else {
        return Some(JoinGroupResponse::error(
            KafkaError::UnknownMemberId,
            member_id,
        ));
    };
    let same_metadata = member.protocols == req.protocols;
    match group.state {
        GroupState::PreparingRebalance => {
            update_member(group, request, &req, now, sinks);
            try_complete_join(group, now, sinks);
            None
        }
        GroupState::CompletingRebalance if same_metadata => {
            // It probably lost our JoinGroup answer: send it again.
            Some(current_join_response(group, &member_id, false))
        }
        GroupState::Stable if same_metadata && !group.is_leader(&member_id) => {
            // A follower that rejoins with nothing new: nothing to rebalance for.
            Some(current_join_response(group, &member_id, false))
        }
        GroupState::CompletingRebalance | GroupState::Stable => {
            // New metadata (say, a new subscription), or the leader asking for a rebalance:
            // everybody must rejoin.
            let reason = if same_metadata {
                RebalanceReason::MemberJoined {
                    member_id: member_id.clone(),
                }
            } else {
                RebalanceReason::MemberMetadataChanged {
                    member_id: member_id.clone(),
                }
            };
            update_member(group, request, &req, now, sinks);
            prepare_rebalance(group, reason, now, config, sinks);
            try_complete_join(group, now, sinks);
            None
        }
        GroupState::Empty | GroupState::Dead => Some(JoinGroupResponse::error(
            KafkaError::UnknownMemberId,
            member_id,
        )),
    }
}

/// Refresh a known member from its JoinGroup and park the request.
fn update_member(
    group: &mut Group,
    request: RequestId,
    req: &JoinGroupRequest,
    now: Millis,
    sinks: &mut Sinks,
) {
    let Some(member) = group.members.get_mut(&req.member_id) else {
        return;
    };
    member.protocols = req.protocols.clone();
    member.session_timeout_ms = req.session_timeout_ms;
    member.rebalance_timeout_ms = req.rebalance_timeout_ms;
    member.session_deadline = now + Millis::from(req.session_timeout_ms);
    // A client has one JoinGroup in flight; if an older one is still parked, its
    // connection gave up on it. Answer it so nobody waits forever.
    if let Some(old) = member.awaiting_join.replace(request) {
        sinks.join_response(
            old,
            JoinGroupResponse::error(KafkaError::RebalanceInProgress, &req.member_id),
        );
    }
}

/// Add a new member, park its JoinGroup, and start a rebalance unless one is under way.
fn add_member_and_rebalance(
    group: &mut Group,
    member_id: String,
    request: RequestId,
    req: JoinGroupRequest,
    now: Millis,
    config: &CoordinatorConfig,
    sinks: &mut Sinks,
) -> Option<JoinGroupResponse> {
    group.pending_members.remove(&member_id);
    if group.members.is_empty() {
        group.protocol_type = Some(req.protocol_type.clone());
    }
    if let Some(instance) = &req.group_instance_id {
        group
            .static_members
            .insert(instance.clone(), member_id.clone());
    }
    let member = MemberMetadata {
        member_id: member_id.clone(),
        group_instance_id: req.group_instance_id.clone(),
        client_id: req.client_id.clone(),
        client_host: req.client_host.clone(),
        session_timeout_ms: req.session_timeout_ms,
        rebalance_timeout_ms: req.rebalance_timeout_ms,
        protocols: req.protocols,
        assignment: bytes::Bytes::new(),
        join_seq: group.next_join_seq,
        awaiting_join: Some(request),
        awaiting_sync: None,
        session_deadline: now + Millis::from(req.session_timeout_ms),
    };
    group.next_join_seq += 1;
    group.members.insert(member_id.clone(), member);
    sinks.event(Event::MemberJoined {
        at: now,
        group: group.group_id.clone(),
        member_id: member_id.clone(),
        group_instance_id: req.group_instance_id,
        client_id: req.client_id,
        client_host: req.client_host,
        session_timeout_ms: req.session_timeout_ms,
        rebalance_timeout_ms: req.rebalance_timeout_ms,
    });
    if let Some(JoinWait::Initial {
        new_member_added, ..
    }) = &mut group.join_wait
    {
        *new_member_added = true;
    }
    if matches!(
        group.state,
        GroupState::Empty | GroupState::Stable | GroupState::CompletingRebalance
    ) {
        prepare_rebalance(
            group,
            RebalanceReason::MemberJoined { member_id },
            now,
            config,
            sinks,
        );
    }
    try_complete_join(group, now, sinks);
    None
}

/// KIP-345: a static member came back (a restarted pod, say) before its session expired.
/// It takes over the old member's slot and assignment under a new member id; the old id is
/// fenced so that a zombie of the previous process cannot commit or heartbeat.
#[allow(clippy::too_many_arguments)]
fn replace_static_member(
    group: &mut Group,
    old_member_id: &str,
    new_member_id: String,
    request: RequestId,
    req: JoinGroupRequest,
    now: Millis,
    config: &CoordinatorConfig,
    sinks: &mut Sinks,
) -> Option<JoinGroupResponse> {
    let Some(mut member) = group.members.remove(old_member_id) else {
        return Some(JoinGroupResponse::error(KafkaError::UnknownMemberId, ""));
    };
    let instance = req.group_instance_id.clone().unwrap_or_default();
    if let Some(old) = member.awaiting_join.take() {
        sinks.join_response(
            old,
            JoinGroupResponse::error(KafkaError::FencedInstanceId, old_member_id),
        );
    }
    if let Some(old) = member.awaiting_sync.take() {
        sinks.sync_response(
            old,
            crate::group::SyncGroupResponse::error(KafkaError::FencedInstanceId),
        );
    }
    member.protocols = req.protocols.clone();
    member.member_id = new_member_id.clone();
    member.client_id = req.client_id.clone();
    member.client_host = req.client_host.clone();
    member.session_timeout_ms = req.session_timeout_ms;
    member.rebalance_timeout_ms = req.rebalance_timeout_ms;
    member.session_deadline = now + Millis::from(req.session_timeout_ms);
    group.members.insert(new_member_id.clone(), member);
    group
        .static_members
        .insert(instance.clone(), new_member_id.clone());
    if group.pending_sync.remove(old_member_id) {
        group.pending_sync.insert(new_member_id.clone());
    }
    if group.is_leader(old_member_id) {
        group.leader_id = Some(new_member_id.clone());
    }
    sinks.event(Event::StaticMemberReplaced {
        at: now,
        group: group.group_id.clone(),
        group_instance_id: instance,
        old_member_id: old_member_id.to_string(),
        new_member_id: new_member_id.clone(),
    });

    match group.state {
        GroupState::Stable => {
            // Kafka only asks whether the group would now pick another protocol. The
            // metadata bytes themselves usually differ (a restarted consumer owns nothing
            // yet and reports generation -1), and comparing them would turn every restart
            // into the rebalance static membership exists to avoid.
            if group.select_protocol() == group.protocol_name {
                // No rebalance. The member syncs and gets its old assignment back. A
                // leader is told not to compute a new one (KIP-814).
                let is_leader = group.is_leader(&new_member_id);
                Some(current_join_response(group, &new_member_id, is_leader))
            } else {
                let reason = RebalanceReason::StaticMemberChanged {
                    member_id: new_member_id.clone(),
                };
                park_and_rebalance(group, &new_member_id, request, reason, now, config, sinks)
            }
        }
        GroupState::CompletingRebalance => {
            // The leader is computing an assignment that names the *old* member id; handed
            // out now, the restarted member would get nothing and its partitions nobody.
            // Kafka rebalances so that every member learns the new id.
            let reason = RebalanceReason::StaticMemberRestarted {
                member_id: new_member_id.clone(),
            };
            park_and_rebalance(group, &new_member_id, request, reason, now, config, sinks)
        }
        GroupState::PreparingRebalance | GroupState::Empty | GroupState::Dead => {
            if let Some(m) = group.members.get_mut(&new_member_id) {
                m.awaiting_join = Some(request);
            }
            try_complete_join(group, now, sinks);
            None
        }
    }
}

/// Park a member's JoinGroup and start a rebalance for `reason`.
fn park_and_rebalance(
    group: &mut Group,
    member_id: &str,
    request: RequestId,
    reason: RebalanceReason,
    now: Millis,
    config: &CoordinatorConfig,
    sinks: &mut Sinks,
) -> Option<JoinGroupResponse> {
    if let Some(m) = group.members.get_mut(member_id) {
        m.awaiting_join = Some(request);
    }
    prepare_rebalance(group, reason, now, config, sinks);
    try_complete_join(group, now, sinks);
    None
}
