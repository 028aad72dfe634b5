//! The coordinator itself: the groups, what it owes to clients, and the rebalance machinery
//! that every API shares (start a rebalance, complete the join phase, remove a member).
//!
//! The four group APIs live in their own files ([`super::join`], [`super::sync`],
//! [`super::heartbeat`], [`super::leave`]); timers are in `timeouts.rs`.

use crate::collections::BTreeMap;
use std::collections::VecDeque;

use crate::error::KafkaError;
use crate::event::{Event, MemberAssignment, RebalanceReason, RemovalReason};
use crate::group::api::{JoinGroupResponse, JoinGroupResponseMember, SyncGroupResponse};
use crate::group::config::CoordinatorConfig;
use crate::group::consumer_protocol::decode_assignment;
use crate::group::group_metadata::{Group, JoinWait};
use crate::group::member::MemberMetadata;
use crate::group_state::GroupState;
use crate::record::Millis;
use crate::rng::{uuid_string, SplitMix64};
use crate::sort::set_of;

pub use crate::group::request::RequestId;

/// A response the coordinator owes to a request it parked earlier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupOutput {
    /// The answer to a parked JoinGroup.
    Join {
        /// The token given with the request.
        request: RequestId,
        /// The answer.
        response: JoinGroupResponse,
    },
    /// The answer to a parked SyncGroup.
    Sync {
        /// The token given with the request.
        request: RequestId,
        /// The answer.
        response: SyncGroupResponse,
    },
}

/// Where the coordinator puts what it has to say: parked responses that are now ready, and
/// events. Kept apart from the groups so that rebalance code can hold `&mut Group` and
/// still report.
#[derive(Debug, Clone, Default)]
pub(crate) struct Sinks {
    pub outputs: VecDeque<GroupOutput>,
    pub events: VecDeque<Event>,
}

impl Sinks {
    pub fn event(&mut self, event: Event) {
        self.events.push_back(event);
    }

    pub fn join_response(&mut self, request: RequestId, response: JoinGroupResponse) {
        self.outputs
            .push_back(GroupOutput::Join { request, response });
    }

    pub fn sync_response(&mut self, request: RequestId, response: SyncGroupResponse) {
        self.outputs
            .push_back(GroupOutput::Sync { request, response });
    }
}

/// Issues member ids: `<client.id>-<uuid>`, like Kafka, but the "uuid" comes from a seeded
/// generator so runs are reproducible.
#[derive(Debug, Clone)]
pub(crate) struct MemberIds {
    rng: SplitMix64,
}

impl MemberIds {
    pub fn new(seed: u64) -> MemberIds {
        MemberIds {
            rng: SplitMix64::new(seed),
        }
    }

    pub fn next(&mut self, client_id: &str) -> String {
        format!("{}-{}", client_id, uuid_string(&self.rng.next_uuid()))
    }
}

/// The group coordinator: every consumer group on this broker.
#[derive(Debug, Clone)]
pub struct GroupCoordinator {
    pub(crate) config: CoordinatorConfig,
    pub(crate) groups: BTreeMap<String, Group>,
    pub(crate) sinks: Sinks,
    pub(crate) member_ids: MemberIds,
}

impl GroupCoordinator {
    /// A coordinator with no groups.
    pub fn new(config: CoordinatorConfig) -> GroupCoordinator {
        let member_ids = MemberIds::new(config.member_id_seed);
        GroupCoordinator {
            config,
            groups: BTreeMap::new(),
            sinks: Sinks::default(),
            member_ids,
        }
    }

    /// The settings.
    pub fn config(&self) -> &CoordinatorConfig {
        &self.config
    }

    /// The next parked response that is ready to be sent.
    pub fn poll_output(&mut self) -> Option<GroupOutput> {
        self.sinks.outputs.pop_front()
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.sinks.events.pop_front()
    }

    /// A group's state, `None` if the coordinator does not know the group.
    pub fn group_state(&self, group_id: &str) -> Option<GroupState> {
        self.groups.get(group_id).map(|g| g.state)
    }

    /// A group's current generation.
    pub fn generation(&self, group_id: &str) -> Option<i32> {
        self.groups.get(group_id).map(|g| g.generation_id)
    }

    /// A group's leader.
    pub fn leader(&self, group_id: &str) -> Option<&str> {
        self.groups.get(group_id)?.leader_id.as_deref()
    }

    /// A group's members, ordered by member id.
    pub fn members(&self, group_id: &str) -> Vec<&MemberMetadata> {
        self.groups
            .get(group_id)
            .map(|g| g.members.values().collect())
            .unwrap_or_default()
    }

    /// Every known group id.
    pub fn group_ids(&self) -> Vec<&str> {
        self.groups.keys().map(String::as_str).collect()
    }
}

// ---------------------------------------------------------------------------------------
// The rebalance machinery, shared by every API. Free functions over one `Group` so that
// the callers can borrow the group and the sinks at the same time.
// ---------------------------------------------------------------------------------------

/// Move the group to `to`, and say so.
pub(crate) fn transition(group: &mut Group, to: GroupState, now: Millis, sinks: &mut Sinks) {
    let from = group.state;
    if from == to {
        return;
    }
    group.state = to;
    sinks.event(Event::GroupStateChanged {
        at: now,
        group: group.group_id.clone(),
        from,
        to,
    });
}

/// Start a rebalance: from now on heartbeats answer `REBALANCE_IN_PROGRESS`, which tells
/// every member to send JoinGroup again. The coordinator waits for them until the longest
/// rebalance timeout among members.
pub(crate) fn prepare_rebalance(
    group: &mut Group,
    reason: RebalanceReason,
    now: Millis,
    config: &CoordinatorConfig,
    sinks: &mut Sinks,
) {
    // Members parked in SyncGroup will never get this generation's assignment now: tell
    // them to rejoin.
    if group.is(GroupState::CompletingRebalance) {
        for member in group.members.values_mut() {
            member.assignment = bytes::Bytes::new();
            if let Some(request) = member.awaiting_sync.take() {
                sinks.sync_response(
                    request,
                    SyncGroupResponse::error(KafkaError::RebalanceInProgress),
                );
            }
        }
    }
    group.pending_sync.clear();
    group.sync_deadline = None;

    let timeout = group.rebalance_timeout_ms();
    let delay = config.group_initial_rebalance_delay_ms;
    group.join_wait = Some(if group.is(GroupState::Empty) && delay > 0 {
        let first = delay.min(timeout).max(0);
        JoinWait::Initial {
            deadline: now + first,
            remaining: (timeout - first).max(0),
            new_member_added: false,
        }
    } else {
        JoinWait::Normal {
            deadline: now + timeout,
        }
    });
    sinks.event(Event::RebalanceStarted {
        at: now,
        group: group.group_id.clone(),
        generation: group.generation_id,
        reason,
    });
    transition(group, GroupState::PreparingRebalance, now, sinks);
}

/// Complete the join phase if everybody is in. Only the normal wait completes early; the
/// initial delay always runs its course (that is its point).
pub(crate) fn try_complete_join(group: &mut Group, now: Millis, sinks: &mut Sinks) {
    if group.is(GroupState::PreparingRebalance)
        && matches!(group.join_wait, Some(JoinWait::Normal { .. }))
        && group.has_all_members_joined()
    {
        complete_join(group, now, sinks);
    }
}

/// The join phase is over (everybody rejoined, or time is up). Members that did not rejoin
/// are dropped, except static ones (KIP-345: a static member keeps its place until its
/// session times out, so a restart costs no second rebalance). Then a new generation
/// starts: pick the protocol and the leader, and answer every parked JoinGroup. Only the
/// leader learns the other members; it must now send the assignment with SyncGroup.
pub(crate) fn complete_join(group: &mut Group, now: Millis, sinks: &mut Sinks) {
    let not_rejoined: Vec<String> = group
        .members
        .values()
        .filter(|m| m.awaiting_join.is_none() && !m.is_static())
        .map(|m| m.member_id.clone())
        .collect();
    for member_id in not_rejoined {
        remove_member(
            group,
            &member_id,
            RemovalReason::RebalanceTimeout,
            now,
            sinks,
        );
    }
    group.join_wait = None;
    group.generation_id += 1;

    if group.members.is_empty() {
        // Everybody is gone: the group is Empty, but the generation still moves on so that
        // a late commit from the old generation is rejected.
        group.protocol_name = None;
        group.leader_id = None;
        transition(group, GroupState::Empty, now, sinks);
        sinks.event(Event::GenerationStarted {
            at: now,
            group: group.group_id.clone(),
            generation: group.generation_id,
            protocol: None,
            leader: None,
            members: Vec::new(),
        });
        return;
    }

    group.protocol_name = group.select_protocol();
    if !group
        .leader_id
        .as_ref()
        .is_some_and(|l| group.members.contains_key(l))
    {
        group.leader_id = group.first_member().map(str::to_string);
    }
    transition(group, GroupState::CompletingRebalance, now, sinks);
    sinks.event(Event::GenerationStarted {
        at: now,
        group: group.group_id.clone(),
        generation: group.generation_id,
        protocol: group.protocol_name.clone(),
        leader: group.leader_id.clone(),
        members: group.members.keys().cloned().collect(),
    });

    let parked: Vec<(String, RequestId)> = group
        .members
        .values_mut()
        .filter_map(|m| m.awaiting_join.take().map(|r| (m.member_id.clone(), r)))
        .collect();
    for (member_id, request) in parked {
        let response = current_join_response(group, &member_id, false);
        sinks.join_response(request, response);
    }
    // Every member's session starts afresh with the new generation, including static
    // members that have not rejoined yet (they may be restarting).
    for member in group.members.values_mut() {
        member.session_deadline = now + Millis::from(member.session_timeout_ms);
    }

    // Every member must now send SyncGroup within the rebalance timeout, or be removed.
    group.pending_sync = set_of(group.members.keys().cloned());
    group.sync_deadline = Some(now + group.rebalance_timeout_ms());
}

/// The JoinGroup answer describing the current generation, for `member_id`. The leader gets
/// every member's metadata for the selected protocol.
pub(crate) fn current_join_response(
    group: &Group,
    member_id: &str,
    skip_assignment: bool,
) -> JoinGroupResponse {
    let protocol = group.protocol_name.clone();
    let members = if group.is_leader(member_id) {
        let name = protocol.as_deref().unwrap_or_default();
        group
            .members
            .values()
            .map(|m| JoinGroupResponseMember {
                member_id: m.member_id.clone(),
                group_instance_id: m.group_instance_id.clone(),
                metadata: m.metadata_for(name).cloned().unwrap_or_default(),
            })
            .collect()
    } else {
        Vec::new()
    };
    JoinGroupResponse {
        error: None,
        generation_id: group.generation_id,
        protocol_type: group.protocol_type.clone(),
        protocol_name: protocol,
        leader: group.leader_id.clone().unwrap_or_default(),
        skip_assignment,
        member_id: member_id.to_string(),
        members,
    }
}

/// Take a member out of the group. A request it has parked here is answered with
/// `UNKNOWN_MEMBER_ID`: it is not a member any more and must join from scratch.
pub(crate) fn remove_member(
    group: &mut Group,
    member_id: &str,
    reason: RemovalReason,
    now: Millis,
    sinks: &mut Sinks,
) {
    let Some(member) = group.members.remove(member_id) else {
        return;
    };
    if let Some(request) = member.awaiting_join {
        sinks.join_response(
            request,
            JoinGroupResponse::error(KafkaError::UnknownMemberId, member_id),
        );
    }
    if let Some(request) = member.awaiting_sync {
        sinks.sync_response(
            request,
            SyncGroupResponse::error(KafkaError::UnknownMemberId),
        );
    }
    if let Some(instance) = &member.group_instance_id {
        if group.static_members.get(instance).map(String::as_str) == Some(member_id) {
            group.static_members.remove(instance);
        }
    }
    group.pending_sync.remove(member_id);
    if group.is_leader(member_id) {
        group.leader_id = group.first_member().map(str::to_string);
    }
    sinks.event(Event::MemberRemoved {
        at: now,
        group: group.group_id.clone(),
        member_id: member_id.to_string(),
        reason,
    });
}

/// After a member went away: a settled group must rebalance; a group already rebalancing
/// may now have everybody it waits for.
pub(crate) fn rebalance_after_removal(
    group: &mut Group,
    reason: RebalanceReason,
    now: Millis,
    config: &CoordinatorConfig,
    sinks: &mut Sinks,
) {
    match group.state {
        GroupState::Stable | GroupState::CompletingRebalance => {
            prepare_rebalance(group, reason, now, config, sinks);
            try_complete_join(group, now, sinks);
        }
        GroupState::PreparingRebalance => try_complete_join(group, now, sinks),
        GroupState::Empty | GroupState::Dead => {}
    }
}

/// What each member got, decoded for events and describe.
pub(crate) fn member_assignment(group: &Group, member: &MemberMetadata) -> MemberAssignment {
    let partitions = if group.protocol_type.as_deref() == Some("consumer") {
        decode_assignment(&member.assignment)
            .ok()
            .map(|a| a.partitions)
    } else {
        None
    };
    MemberAssignment {
        member_id: member.member_id.clone(),
        group_instance_id: member.group_instance_id.clone(),
        client_id: member.client_id.clone(),
        partitions,
    }
}
