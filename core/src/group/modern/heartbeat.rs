//! ConsumerGroupHeartbeat: join, heartbeat, reconcile and leave, all in one request
//! (Kafka's `GroupMetadataManager.consumerGroupHeartbeat`).
//!
//! Each heartbeat goes through the same steps:
//! 1. check the request, and the member's epoch (a member that is behind or ahead of what
//!    the coordinator knows is *fenced*: it must drop its partitions and join again);
//! 2. apply what changed (a new member, a new subscription or assignor, more partitions in
//!    a subscribed topic): any such change bumps the **group epoch**;
//! 3. if the group epoch is ahead of the target assignment, run the assignor: a new
//!    **target assignment** at the group epoch;
//! 4. reconcile this member toward its target (see `reconcile.rs`), which may advance its
//!    **member epoch**;
//! 5. answer with its epoch and, if it changed, its assignment.
//!
//! Nothing waits: unlike JoinGroup, no request is parked until the others arrive. Each
//! member moves at its own heartbeats.

use crate::collections::BTreeMap;

use crate::error::KafkaError;
use crate::event::{Event, RemovalReason};
use crate::group::modern::api::{HeartbeatRequest, HeartbeatResponse};
use crate::group::modern::assignment::Assignment;
use crate::group::modern::assignor::{self, AssignorMember};
use crate::group::modern::coordinator::ConsumerGroupCoordinator;
use crate::group::modern::group::{
    ConsumerGroup, ConsumerMember, MemberState, JOIN_EPOCH, LEAVE_EPOCH, STATIC_LEAVE_EPOCH,
};
use crate::group::modern::reconcile::reconcile;
use crate::record::Millis;

fn invalid(message: &str) -> HeartbeatResponse {
    HeartbeatResponse::error(KafkaError::InvalidRequest, message)
}

impl ConsumerGroupCoordinator {
    /// Handle a ConsumerGroupHeartbeat. `topics` gives the partition count of every
    /// existing topic (the broker's metadata image; the coordinator keeps none of its own).
    /// `version` is the request's version: v0 joins with an empty member id and gets one
    /// issued, v1 (KIP-1082) must bring its own.
    pub fn heartbeat(
        &mut self,
        req: HeartbeatRequest,
        version: i16,
        topics: &BTreeMap<String, i32>,
        now: Millis,
    ) -> HeartbeatResponse {
        if let Err(response) = self.validate(&req, version) {
            return response;
        }
        match req.member_epoch {
            LEAVE_EPOCH | STATIC_LEAVE_EPOCH => self.leave(&req, now),
            _ => self.join_or_heartbeat(req, topics, now),
        }
    }

    /// The checks of Kafka's `throwIfConsumerGroupHeartbeatRequestIsInvalid`.
    fn validate(&self, req: &HeartbeatRequest, version: i16) -> Result<(), HeartbeatResponse> {
        if req.group_id.is_empty() {
            return Err(invalid("GroupId can't be empty."));
        }
        if req.instance_id.as_deref() == Some("") {
            return Err(invalid("InstanceId can't be empty."));
        }
        if req.member_epoch < STATIC_LEAVE_EPOCH {
            return Err(invalid("MemberEpoch is invalid."));
        }
        if (version >= 1 || req.member_epoch != JOIN_EPOCH) && req.member_id.is_empty() {
            return Err(invalid("MemberId can't be empty."));
        }
        if req.member_epoch == JOIN_EPOCH {
            if req.rebalance_timeout_ms <= 0 {
                return Err(invalid(
                    "RebalanceTimeoutMs must be provided in first request.",
                ));
            }
            // Joining, or joining again after being fenced: whatever it held is gone, and a
            // list of owned partitions would let it claim some back without the
            // coordinator's say.
            if !req.owned.as_ref().is_some_and(Assignment::is_empty) {
                return Err(invalid("TopicPartitions must be empty when (re-)joining."));
            }
            if req.subscribed_topic_names.is_none() && req.subscribed_topic_regex.is_none() {
                return Err(invalid(
                    "SubscribedTopicNames must be set in first request.",
                ));
            }
        }
        if req.member_epoch == STATIC_LEAVE_EPOCH && req.instance_id.is_none() {
            return Err(invalid(
                "InstanceId can't be null when leaving with epoch -2.",
            ));
        }
        if let Some(name) = &req.server_assignor {
            if !assignor::is_supported(name) {
                return Err(HeartbeatResponse::error(
                    KafkaError::UnsupportedAssignor,
                    format!("ServerAssignor {name} is not supported. Supported assignors: uniform, range."),
                ));
            }
        }
        Ok(())
    }

    /// Epoch -1: the member leaves for good; its partitions go to the others. Epoch -2: a
    /// static member goes away for a moment (a rolling restart); it keeps its place and
    /// its partitions, unread, until it comes back or its session expires.
    fn leave(&mut self, req: &HeartbeatRequest, now: Millis) -> HeartbeatResponse {
        let Some(group) = self.groups.get_mut(&req.group_id) else {
            return HeartbeatResponse::error(KafkaError::GroupIdNotFound, "unknown group");
        };
        let member_id = match (&req.instance_id, group.members.contains_key(&req.member_id)) {
            (_, true) => req.member_id.clone(),
            (Some(instance), false) => match group.static_members.get(instance) {
                Some(id) => id.clone(),
                None => {
                    return HeartbeatResponse::error(KafkaError::UnknownMemberId, "unknown member")
                }
            },
            (None, false) => {
                return HeartbeatResponse::error(KafkaError::UnknownMemberId, "unknown member")
            }
        };
        if req.member_epoch == STATIC_LEAVE_EPOCH {
            let member = group.members.get_mut(&member_id).expect("checked above");
            if !member.is_away() {
                // Remember where it was: the next incarnation resumes at this epoch.
                member.previous_member_epoch = member.member_epoch;
            }
            member.member_epoch = STATIC_LEAVE_EPOCH;
            member.rebalance_deadline = None;
        } else {
            self.remove_member(&req.group_id, &member_id, RemovalReason::LeaveGroup, now);
        }
        HeartbeatResponse {
            error: None,
            error_message: None,
            member_id: req.member_id.clone(),
            member_epoch: req.member_epoch,
            heartbeat_interval_ms: 0,
            assignment: None,
        }
    }

    fn join_or_heartbeat(
        &mut self,
        req: HeartbeatRequest,
        topics: &BTreeMap<String, i32>,
        now: Millis,
    ) -> HeartbeatResponse {
        let session = Millis::from(self.config.session_timeout_ms);
        let default_assignor = self.config.default_assignor.clone();
        let joining = req.member_epoch == JOIN_EPOCH;
        if !joining && !self.groups.contains_key(&req.group_id) {
            return HeartbeatResponse::error(
                KafkaError::UnknownMemberId,
                format!("Group {} not found.", req.group_id),
            );
        }
        let mut member_id = req.member_id.clone();
        if member_id.is_empty() {
            member_id = self.new_member_id();
        }
        if let Some(response) = self.invalid_regex(&req, &member_id) {
            return response;
        }
        let max_size = self.config.max_size;
        let regex_matcher = self.regex_matcher;
        let group = self
            .groups
            .entry(req.group_id.clone())
            .or_insert_with(|| ConsumerGroup::new(req.group_id.clone(), &default_assignor));

        // 1. Who is it, and is its epoch right?
        let mut replaced_static: Option<String> = None;
        let mut rejoined_fresh = false;
        let previous = if joining {
            if let Some(instance) = &req.instance_id {
                match group.static_members.get(instance).cloned() {
                    Some(old) if old != member_id => {
                        let away = group.members.get(&old).is_some_and(|m| m.is_away());
                        if !away {
                            return HeartbeatResponse::error(
                                KafkaError::UnreleasedInstanceId,
                                format!("Static member {old} with instance id {instance} is not released yet."),
                            );
                        }
                        replaced_static = Some(old);
                    }
                    _ => {}
                }
            }
            if let Some(old) = &replaced_static {
                // KIP-345 in the new protocol: the new incarnation takes the old one's
                // place, epoch and partitions, so nobody else notices the restart.
                let mut m = group.members.remove(old).expect("static member exists");
                let target = group.target.remove(old).unwrap_or_default();
                group.target.insert(member_id.clone(), target);
                m.member_id = member_id.clone();
                m.member_epoch = m.previous_member_epoch.max(0);
                Some(m)
            } else if let Some(m) = group.members.get(&member_id) {
                // Rejoining with epoch 0 under the same id (it was fenced, or lost its
                // state): it starts over, owning nothing.
                rejoined_fresh = true;
                let mut m = m.clone();
                m.assigned = Assignment::new();
                m.pending_revocation = Assignment::new();
                m.state = MemberState::Stable;
                m.member_epoch = JOIN_EPOCH;
                Some(m)
            } else {
                if max_size.is_some_and(|max| group.members.len() >= max) {
                    return HeartbeatResponse::error(
                        KafkaError::GroupMaxSizeReached,
                        "The consumer group has reached its maximum number of members.",
                    );
                }
                None
            }
        } else {
            let Some(m) = group.members.get(&member_id) else {
                return HeartbeatResponse::error(
                    KafkaError::UnknownMemberId,
                    format!(
                        "Member {member_id} is not a member of group {}.",
                        req.group_id
                    ),
                );
            };
            if let Err(e) = check_epoch(m, req.member_epoch, req.owned.as_ref()) {
                return e;
            }
            Some(m.clone())
        };

        // 2. Apply what changed; anything that changes the wanted assignment bumps the
        //    group epoch.
        let is_new = previous.is_none();
        let mut member = previous.clone().unwrap_or_else(|| ConsumerMember {
            member_id: member_id.clone(),
            instance_id: req.instance_id.clone(),
            rack_id: None,
            client_id: req.client_id.clone(),
            client_host: req.client_host.clone(),
            rebalance_timeout_ms: req.rebalance_timeout_ms,
            subscribed_topics: Vec::new(),
            subscribed_regex: None,
            regex_topics: Vec::new(),
            server_assignor: None,
            member_epoch: JOIN_EPOCH,
            previous_member_epoch: JOIN_EPOCH,
            state: MemberState::Stable,
            assigned: Assignment::new(),
            pending_revocation: Assignment::new(),
            session_deadline: now + session,
            rebalance_deadline: None,
        });
        let mut bump = is_new || rejoined_fresh;
        if let Some(mut topics) = req.subscribed_topic_names.clone() {
            crate::sort::sort(&mut topics);
            topics.dedup();
            if topics != member.subscribed_topics {
                member.subscribed_topics = topics;
                bump = true;
            }
        }
        let mut regex_changed = false;
        if let Some(regex) = &req.subscribed_topic_regex {
            let regex = (!regex.is_empty()).then(|| regex.clone());
            if regex != member.subscribed_regex {
                member.subscribed_regex = regex;
                member.regex_topics = Vec::new();
                regex_changed = true;
                bump = true;
            }
        }
        if req.server_assignor.is_some() && req.server_assignor != member.server_assignor {
            member.server_assignor = req.server_assignor.clone();
            bump = true;
        }
        if req.rebalance_timeout_ms > 0 {
            member.rebalance_timeout_ms = req.rebalance_timeout_ms;
        }
        if req.rack_id.is_some() {
            member.rack_id = req.rack_id.clone();
        }
        member.session_deadline = now + session;
        if let Some(instance) = &req.instance_id {
            group
                .static_members
                .insert(instance.clone(), member_id.clone());
        }
        group.members.insert(member_id.clone(), member.clone());

        // Regex subscriptions are resolved against the topics that exist now, at every
        // heartbeat of the group: a topic created later joins the subscription then. Like
        // Kafka 4, which resolves a new regex asynchronously, a regex is first resolved at
        // the heartbeat *after* the one that brought it: the member gets its literal
        // topics first, its regex matches one heartbeat later (librdkafka's tests expect
        // exactly that).
        for m in group.members.values_mut() {
            if regex_changed && m.member_id == member_id {
                continue;
            }
            let resolved: Vec<String> = match (&m.subscribed_regex, regex_matcher) {
                (Some(pattern), Some(matches)) => topics
                    .keys()
                    .filter(|t| matches(pattern, t) == Ok(true))
                    .cloned()
                    .collect(),
                _ => Vec::new(),
            };
            if resolved != m.regex_topics {
                m.regex_topics = resolved;
                bump = true;
            }
        }

        // Metadata: did a subscribed topic appear, vanish or grow?
        let subscribed: BTreeMap<String, i32> = crate::sort::map_of(
            group
                .subscribed_topics()
                .into_iter()
                .filter_map(|t| topics.get(&t).map(|n| (t, *n))),
        );
        if subscribed != group.topic_partitions {
            group.topic_partitions = subscribed;
            bump = true;
        }
        let wanted_assignor = self::group_assignor(group, &default_assignor);
        if wanted_assignor != group.assignor {
            group.assignor = wanted_assignor;
            bump = true;
        }
        if bump {
            group.group_epoch += 1;
        }

        // 3. A new target assignment, if the group epoch moved.
        let mut new_target = false;
        if group.group_epoch > group.assignment_epoch {
            let members: Vec<AssignorMember> = group
                .members
                .values()
                .map(|m| AssignorMember {
                    member_id: m.member_id.clone(),
                    subscribed: m.all_topics(),
                })
                .collect();
            group.target = assignor::assign(
                &group.assignor,
                &members,
                &group.topic_partitions,
                &group.target,
            );
            group.assignment_epoch = group.group_epoch;
            new_target = true;
        }

        // 4. Reconcile this member.
        let target = group.target.get(&member_id).cloned().unwrap_or_default();
        let before = group.members[&member_id].clone();
        let mut after = reconcile(
            group,
            &before,
            &target,
            group.assignment_epoch,
            req.owned.as_ref(),
        );
        if after.state == MemberState::UnrevokedPartitions {
            if before.state != MemberState::UnrevokedPartitions
                || after.rebalance_deadline.is_none()
            {
                after.rebalance_deadline = Some(now + Millis::from(after.rebalance_timeout_ms));
            }
        } else {
            after.rebalance_deadline = None;
        }
        let changed =
            after.assigned != before.assigned || after.member_epoch != before.member_epoch;
        group.members.insert(member_id.clone(), after.clone());

        let group_id = req.group_id.clone();
        if is_new {
            self.events.push_back(Event::MemberJoined {
                at: now,
                group: group_id.clone(),
                member_id: member_id.clone(),
                group_instance_id: req.instance_id.clone(),
                client_id: req.client_id.clone(),
                client_host: req.client_host.clone(),
                session_timeout_ms: self.config.session_timeout_ms,
                rebalance_timeout_ms: req.rebalance_timeout_ms,
            });
        }
        if let (Some(old), Some(instance)) = (&replaced_static, &req.instance_id) {
            self.events.push_back(Event::StaticMemberReplaced {
                at: now,
                group: group_id.clone(),
                group_instance_id: instance.clone(),
                old_member_id: old.clone(),
                new_member_id: member_id.clone(),
            });
        }
        if new_target {
            self.target_event(&group_id, now);
        }

        // 5. Answer. The assignment goes out when it changed, on a join, or when what the
        //    member says it owns is not what it was given, or it is behind (it missed a
        //    response).
        let owned_differs = req.owned.as_ref().is_some_and(|o| *o != after.assigned);
        let behind = req.member_epoch != after.member_epoch;
        let send = changed || joining || owned_differs || behind;
        HeartbeatResponse {
            error: None,
            error_message: None,
            member_id,
            member_epoch: after.member_epoch,
            heartbeat_interval_ms: self.config.heartbeat_interval_ms,
            assignment: send.then(|| after.assigned.clone()),
        }
    }
}

/// The assignor the group uses: the one most members ask for (ties: by name), else the
/// broker's default. Kafka picks the most popular one too.
fn group_assignor(group: &ConsumerGroup, default: &str) -> String {
    let mut votes: BTreeMap<&str, usize> = BTreeMap::new();
    for m in group.members.values() {
        if let Some(a) = &m.server_assignor {
            *votes.entry(a.as_str()).or_default() += 1;
        }
    }
    votes
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)))
        .map(|(name, _)| name.to_string())
        .unwrap_or_else(|| default.to_string())
}

impl ConsumerGroupCoordinator {
    /// A new `subscribed_topic_regex` must compile, or the heartbeat fails with
    /// `INVALID_REGULAR_EXPRESSION` and Kafka's message, before anything is written: a
    /// joining member is not admitted, a member keeps its old subscription. Kafka compiles
    /// the regex only when it differs from the member's current one
    /// (`throwIfRegularExpressionIsInvalid`), after the checks of the member and its epoch,
    /// whose errors therefore come first. Without a regex engine (the browser build) there
    /// is nothing to compile with, and a regex matches nothing.
    fn invalid_regex(&self, req: &HeartbeatRequest, member_id: &str) -> Option<HeartbeatResponse> {
        let pattern = req
            .subscribed_topic_regex
            .as_deref()
            .filter(|p| !p.is_empty())?;
        let matcher = self.regex_matcher?;
        let known = self
            .groups
            .get(&req.group_id)
            .and_then(|g| g.members.get(member_id));
        if req.member_epoch != JOIN_EPOCH {
            let member = known?;
            check_epoch(member, req.member_epoch, req.owned.as_ref()).ok()?;
        }
        if known.and_then(|m| m.subscribed_regex.as_deref()) == Some(pattern) {
            return None;
        }
        let description = matcher(pattern, "").err()?;
        Some(HeartbeatResponse::error(
            KafkaError::InvalidRegularExpression,
            format!("SubscribedTopicRegex `{pattern}` is not a valid regular expression: {description}."),
        ))
    }
}

/// Kafka's `throwIfMemberEpochIsInvalid`. A member ahead of us is fenced. A member one step
/// behind is accepted if the response that moved it on was lost and it owns nothing it
/// should not (it will get the response again). Anything else is fenced too: it must give
/// up everything and join again with epoch 0.
fn check_epoch(
    member: &ConsumerMember,
    received: i32,
    owned: Option<&Assignment>,
) -> Result<(), HeartbeatResponse> {
    let fenced = || {
        Err(HeartbeatResponse::error(
            KafkaError::FencedMemberEpoch,
            format!(
                "The consumer group member has a greater or smaller member epoch ({received}) than the one known by the group coordinator ({}).",
                member.member_epoch
            ),
        ))
    };
    if received > member.member_epoch {
        return fenced();
    }
    if received < member.member_epoch {
        let owns_only_assigned = owned.is_some_and(|o| o.minus(&member.assigned).is_empty());
        if received != member.previous_member_epoch || !owns_only_assigned {
            return fenced();
        }
    }
    Ok(())
}
