//! Group membership: join, lead, sync, heartbeat, leave.
//!
//! The Java consumer splits this between `poll()` (joining happens only there) and a
//! background heartbeat thread (here: `handle_timeout`). The split is the lesson of the
//! slow-consumer scenario: heartbeats prove the *process* is alive, `poll` proves the
//! *application* is making progress, and a rebalance needs the latter.

use crate::collections::{BTreeMap, BTreeSet};

use crate::broker::MetadataResponse;
use crate::client::assignor::{assign, AssignorKind, MemberSubscription, RebalanceProtocol};
use crate::client::consumer::{Consumer, ConsumerEvent, InFlight, MemberState};
use crate::client::protocol::{Request, TopicPartition};
use crate::error::KafkaError;
use crate::event::TopicPartitions;
use crate::group::consumer_protocol::{
    decode_assignment, decode_subscription, encode_assignment, encode_subscription, Assignment,
    Subscription,
};
use crate::group::{
    HeartbeatRequest, JoinGroupRequest, JoinGroupResponse, JoinProtocol, LeaveGroupRequest,
    MemberIdentity, SyncGroupRequest, SyncGroupResponse,
};
use crate::record::Millis;
use crate::sort::{map_of, set_of, sort};

/// Group partitions by topic, the shape the consumer protocol uses.
pub(crate) fn by_topic(tps: &[TopicPartition]) -> Vec<TopicPartitions> {
    let mut map: BTreeMap<&str, Vec<i32>> = BTreeMap::new();
    for tp in tps {
        map.entry(tp.topic.as_str()).or_default().push(tp.partition);
    }
    map.into_iter()
        .map(|(topic, mut partitions)| {
            sort(&mut partitions);
            TopicPartitions {
                topic: topic.to_string(),
                partitions,
            }
        })
        .collect()
}

fn flatten(tps: &[TopicPartitions]) -> BTreeSet<TopicPartition> {
    set_of(tps.iter().flat_map(|t| {
        t.partitions
            .iter()
            .map(|p| TopicPartition::new(t.topic.clone(), *p))
    }))
}

impl Consumer {
    // --- metadata ---------------------------------------------------------------------

    pub(crate) fn maybe_refresh_metadata(&mut self, now: Millis) {
        if self.subscription.is_empty() || self.metadata_in_flight || now < self.next_metadata {
            return;
        }
        self.metadata_in_flight = true;
        self.next_metadata = now + self.config.metadata_max_age_ms;
        let topics = self.subscription.iter().cloned().collect();
        self.send(
            Request::Metadata {
                topics,
                allow_auto_create: false,
            },
            InFlight::Metadata,
        );
    }

    pub(crate) fn on_metadata(&mut self, m: MetadataResponse, _now: Millis) {
        self.metadata_in_flight = false;
        for t in m.topics {
            if t.error.is_none() {
                self.metadata.insert(t.name, t.partitions);
            } else {
                self.metadata.remove(&t.name);
            }
        }
        // The leader assigned from a snapshot of the partition counts; if they changed
        // (partitions were added), the assignment is stale and it asks for a rebalance.
        if self.leader && self.state == MemberState::Stable {
            let now_counts: BTreeMap<String, i32> = map_of(
                self.metadata
                    .iter()
                    .filter(|(t, _)| self.assigned_snapshot.contains_key(*t))
                    .map(|(t, n)| (t.clone(), *n)),
            );
            if now_counts != self.assigned_snapshot {
                self.rejoin_needed = true;
            }
        }
    }

    // --- joining ----------------------------------------------------------------------

    /// Called from `poll`: start a (re)join if one is needed. With the eager protocol the
    /// consumer first gives up everything it owns (committing it if auto-commit is on);
    /// with the cooperative protocol it keeps consuming and says what it owns instead.
    pub(crate) fn maybe_join(&mut self, now: Millis) {
        if self.manual
            || self.subscription.is_empty()
            || !self.rejoin_needed
            || self.group_id().is_none()
            || matches!(self.state, MemberState::Joining | MemberState::Syncing)
            || self.join_after_commit.is_some()
            || self.metadata.is_empty()
        {
            return;
        }
        self.rejoin_needed = false;
        // Without a generation we are no longer a member: partitions we still hold are
        // lost (Java's onJoinPrepare calls onPartitionsLost then). Keeping them, a
        // cooperative member would claim them in its subscription and could commit stale
        // positions for them on revoke.
        if self.generation < 0 {
            self.lose_partitions();
        }
        self.state = MemberState::Joining;
        if self.rebalance_protocol() == RebalanceProtocol::Eager && !self.partitions.is_empty() {
            // onJoinPrepare: commit what was consumed, then revoke everything.
            let offsets = self.consumed_offsets();
            let revoked = self.assignment();
            if self.config.enable_auto_commit && !offsets.is_empty() && self.generation >= 0 {
                let id = self.send_commit(offsets, now);
                self.join_after_commit = Some(id);
            }
            self.partitions.clear();
            self.events
                .push_back(ConsumerEvent::PartitionsRevoked(revoked));
            if self.join_after_commit.is_some() {
                return; // JoinGroup goes out when the commit is answered
            }
        }
        self.send_join();
    }

    /// Called from `poll`: send again a JoinGroup that failed (REBALANCE_IN_PROGRESS,
    /// COORDINATOR_NOT_AVAILABLE, or UNKNOWN_MEMBER_ID: we had been removed), once
    /// `retry.backoff.ms` has passed. Only from `poll`, never from the background timer,
    /// as Java's consumer joins only inside `poll` (`joinGroupIfNeeded`): whatever the
    /// application polled before the membership was lost is then processed, and its
    /// commits refused (no generation), before the member can be in a new generation. A
    /// background retry could put it in one while the application still processes those
    /// records; their commits would then carry a valid generation and be accepted (the
    /// coordinator does not check who owns a partition), rewinding the progress of the
    /// partition's new owner (campaign seed 30002144).
    pub(crate) fn maybe_retry_join(&mut self, now: Millis) {
        if self.retry_join_at.is_some_and(|at| now >= at) {
            self.retry_join_at = None;
            self.send_join();
        }
    }

    pub(crate) fn send_join(&mut self) {
        let Some(group_id) = self.group_id().map(str::to_string) else {
            return;
        };
        self.state = MemberState::Joining;
        let owned = self.assignment();
        // Java's `StickyAssignor` user data: under the eager protocol `owned` is empty (all
        // was revoked), so the previous assignment travels here for the leader to use.
        let user_data = (self.rebalance_protocol() == RebalanceProtocol::Eager
            && self.config.assignors.contains(&AssignorKind::Sticky)
            && !self.previous_assignment.is_empty())
        .then(|| {
            encode_assignment(&Assignment {
                partitions: by_topic(&self.previous_assignment),
                user_data: None,
            })
        });
        let subscription = Subscription {
            topics: self.subscription.iter().cloned().collect(),
            user_data,
            owned_partitions: by_topic(&owned),
            generation_id: self.generation,
            rack_id: None,
        };
        let metadata = encode_subscription(&subscription);
        let protocols = self
            .config
            .assignors
            .iter()
            .map(|a| JoinProtocol {
                name: a.name().to_string(),
                metadata: metadata.clone(),
            })
            .collect();
        let request = JoinGroupRequest {
            group_id,
            session_timeout_ms: self.config.session_timeout_ms,
            rebalance_timeout_ms: self.config.max_poll_interval_ms,
            member_id: self.member_id.clone(),
            group_instance_id: self.config.group_instance_id.clone(),
            protocol_type: "consumer".into(),
            protocols,
            client_id: self.config.client_id.clone(),
            client_host: self.config.client_host.clone(),
            require_known_member_id: true,
        };
        self.send(Request::JoinGroup(request), InFlight::Join);
    }

    pub(crate) fn on_join(&mut self, r: JoinGroupResponse, now: Millis) {
        if self.state != MemberState::Joining {
            return;
        }
        match r.error {
            None => {}
            Some(KafkaError::MemberIdRequired) => {
                self.member_id = r.member_id;
                self.send_join();
                return;
            }
            Some(KafkaError::UnknownMemberId) | Some(KafkaError::IllegalGeneration) => {
                // We are not who we thought: whatever we own may already be someone
                // else's. Lost, not revoked: nothing may be committed for it.
                self.lose_partitions();
                self.reset_membership();
                self.retry_join_at = Some(now + self.config.retry_backoff_ms);
                return;
            }
            Some(KafkaError::RebalanceInProgress) | Some(KafkaError::CoordinatorNotAvailable) => {
                self.retry_join_at = Some(now + self.config.retry_backoff_ms);
                return;
            }
            Some(fatal) => {
                self.fail(fatal);
                return;
            }
        }
        self.member_id = r.member_id.clone();
        self.generation = r.generation_id;
        self.protocol = r.protocol_name.clone();
        self.leader = r.leader == r.member_id;
        self.events.push_back(ConsumerEvent::JoinedGroup {
            generation: r.generation_id,
            member_id: r.member_id.clone(),
            leader: self.leader,
            protocol: r.protocol_name.clone().unwrap_or_default(),
        });
        let assignments = if self.leader && !r.skip_assignment {
            self.lead(&r)
        } else {
            if self.leader {
                // A static leader that came back without a rebalance keeps the existing
                // assignment; it still has to notice later partition changes, so it takes
                // the current metadata as the snapshot (Java: assignmentSnapshot =
                // metadataSnapshot).
                self.assigned_snapshot = map_of(
                    self.metadata
                        .iter()
                        .filter(|(t, _)| self.subscription.contains(*t))
                        .map(|(t, n)| (t.clone(), *n)),
                );
            }
            Vec::new()
        };
        self.state = MemberState::Syncing;
        let request = SyncGroupRequest {
            group_id: self.group_id().unwrap_or_default().to_string(),
            generation_id: self.generation,
            member_id: self.member_id.clone(),
            group_instance_id: self.config.group_instance_id.clone(),
            protocol_type: Some("consumer".into()),
            protocol_name: r.protocol_name,
            assignments,
        };
        self.send(Request::SyncGroup(request), InFlight::Sync);
    }

    /// The leader's job: decode every member's subscription, run the selected assignor,
    /// encode the result. The coordinator never looks inside.
    fn lead(&mut self, r: &JoinGroupResponse) -> Vec<(String, bytes::Bytes)> {
        let kind = r
            .protocol_name
            .as_deref()
            .and_then(AssignorKind::from_name)
            .unwrap_or(AssignorKind::Range);
        let members: Vec<MemberSubscription> = r
            .members
            .iter()
            .map(|m| {
                let s = decode_subscription(&m.metadata).unwrap_or_default();
                let mut owned_partitions = s.owned_partitions;
                // An eager `sticky` member revoked everything; its user data says what it
                // had (see `send_join`).
                if kind == AssignorKind::Sticky && owned_partitions.is_empty() {
                    if let Some(previous) = s
                        .user_data
                        .as_deref()
                        .and_then(|b| decode_assignment(b).ok())
                    {
                        owned_partitions = previous.partitions;
                    }
                }
                MemberSubscription {
                    member_id: m.member_id.clone(),
                    group_instance_id: m.group_instance_id.clone(),
                    topics: s.topics,
                    owned_partitions,
                    generation_id: s.generation_id,
                }
            })
            .collect();
        let topics: BTreeSet<&String> = set_of(members.iter().flat_map(|m| m.topics.iter()));
        let counts: BTreeMap<String, i32> = map_of(
            topics
                .into_iter()
                .filter_map(|t| self.metadata.get(t).map(|n| (t.clone(), *n))),
        );
        self.assigned_snapshot = counts.clone();
        assign(kind, &counts, &members)
            .into_iter()
            .map(|(member, partitions)| {
                let bytes = encode_assignment(&Assignment {
                    partitions,
                    user_data: None,
                });
                (member, bytes)
            })
            .collect()
    }

    pub(crate) fn on_sync(&mut self, r: SyncGroupResponse, now: Millis) {
        if self.state != MemberState::Syncing {
            return;
        }
        match r.error {
            None => {}
            Some(KafkaError::RebalanceInProgress) => {
                self.state = MemberState::Unjoined;
                self.rejoin_needed = true;
                return;
            }
            Some(KafkaError::UnknownMemberId) | Some(KafkaError::IllegalGeneration) => {
                self.lose_partitions();
                self.reset_membership();
                self.rejoin_needed = true;
                return;
            }
            Some(fatal) => {
                self.fail(fatal);
                return;
            }
        }
        let assigned = flatten(
            &decode_assignment(&r.assignment)
                .map(|a| a.partitions)
                .unwrap_or_default(),
        );
        let owned: BTreeSet<TopicPartition> = set_of(self.partitions.keys().cloned());
        // Cooperative: what we own but were not given must be revoked, and then the group
        // needs a second round so someone else can take it.
        let revoked: Vec<TopicPartition> = owned.difference(&assigned).cloned().collect();
        if !revoked.is_empty() {
            if self.config.enable_auto_commit {
                let offsets: Vec<_> = self
                    .consumed_offsets()
                    .into_iter()
                    .filter(|(tp, _)| revoked.contains(tp))
                    .collect();
                if !offsets.is_empty() {
                    self.send_commit(offsets, now);
                }
            }
            for tp in &revoked {
                self.partitions.remove(tp);
            }
            self.events
                .push_back(ConsumerEvent::PartitionsRevoked(revoked));
            self.rejoin_needed = true;
        }
        self.previous_assignment = assigned.iter().cloned().collect();
        let added: Vec<TopicPartition> = assigned.difference(&owned).cloned().collect();
        for tp in &added {
            self.partitions.entry(tp.clone()).or_default();
        }
        self.state = MemberState::Stable;
        self.next_heartbeat = now + self.config.heartbeat_interval_ms;
        self.events
            .push_back(ConsumerEvent::PartitionsAssigned(added));
    }

    // --- heartbeats and the poll timer ------------------------------------------------

    pub(crate) fn maybe_heartbeat(&mut self, now: Millis) {
        if self.state != MemberState::Stable
            || self.heartbeat_in_flight
            || now < self.next_heartbeat
        {
            return;
        }
        if self.speaks_kip848() {
            self.heartbeat_kip848();
            return;
        }
        self.heartbeat_in_flight = true;
        let request = HeartbeatRequest {
            group_id: self.group_id().unwrap_or_default().to_string(),
            generation_id: self.generation,
            member_id: self.member_id.clone(),
            group_instance_id: self.config.group_instance_id.clone(),
        };
        self.send(Request::Heartbeat(request), InFlight::Heartbeat);
    }

    pub(crate) fn on_heartbeat(&mut self, r: Result<(), KafkaError>, now: Millis) {
        self.heartbeat_in_flight = false;
        self.next_heartbeat = now + self.config.heartbeat_interval_ms;
        match r {
            Ok(()) => {}
            // The coordinator's only way to say "rebalance": rejoin at the next poll.
            Err(KafkaError::RebalanceInProgress) => self.rejoin_needed = true,
            Err(KafkaError::IllegalGeneration) | Err(KafkaError::UnknownMemberId) => {
                if self.state == MemberState::Stable {
                    self.lose_partitions();
                    self.reset_membership();
                    self.rejoin_needed = true;
                }
            }
            Err(KafkaError::FencedInstanceId) => self.fail(KafkaError::FencedInstanceId),
            Err(_) => {}
        }
    }

    /// Java's heartbeat thread checks `max.poll.interval.ms`: if the application has not
    /// called `poll` for that long, the consumer leaves the group on its own so its
    /// partitions go to someone who is making progress.
    pub(crate) fn check_poll_interval(&mut self, now: Millis) {
        let member = matches!(
            self.state,
            MemberState::Stable | MemberState::Joining | MemberState::Syncing
        );
        if member && now - self.last_poll > Millis::from(self.config.max_poll_interval_ms) {
            let owned = self.assignment();
            if !owned.is_empty() {
                self.events.push_back(ConsumerEvent::PartitionsLost(owned));
            }
            self.partitions.clear();
            self.leave_group("max.poll.interval.ms expired between two polls");
            self.rejoin_needed = true;
        }
    }

    /// Leave the group (LeaveGroup for dynamic members only) and forget the membership.
    pub(crate) fn leave_group(&mut self, reason: &str) {
        if self.speaks_kip848() {
            self.leave_kip848();
        } else if self.config.group_instance_id.is_none() && !self.member_id.is_empty() {
            let request = LeaveGroupRequest {
                group_id: self.group_id().unwrap_or_default().to_string(),
                members: vec![MemberIdentity {
                    member_id: self.member_id.clone(),
                    group_instance_id: None,
                }],
            };
            self.send(Request::LeaveGroup(request), InFlight::Leave);
        }
        self.events.push_back(ConsumerEvent::LeftGroup {
            reason: reason.to_string(),
        });
        self.reset_membership();
    }

    /// Forget the member id and generation: the next join starts from scratch (a static
    /// member keeps its `group.instance.id`, which is what brings its place back).
    ///
    /// The JoinGroup, SyncGroup and Heartbeat still in flight belong to the membership
    /// given up: their answers are forgotten too. Otherwise the answer to a JoinGroup sent
    /// before leaving is taken for the answer to the next one, and the member syncs under
    /// a member id the coordinator may have expired; a static member is then fenced by its
    /// own new member id (campaign seed 528026041). Java never has two rounds in flight
    /// (one `joinFuture`) and drops an answer that arrives once the state moved on.
    pub(crate) fn reset_membership(&mut self) {
        self.in_flight.retain(|_, what| {
            !matches!(what, InFlight::Join | InFlight::Sync | InFlight::Heartbeat)
        });
        self.member_id.clear();
        self.previous_assignment.clear();
        self.generation = -1;
        self.leader = false;
        self.heartbeat_in_flight = false;
        self.kip848 = Default::default();
        if self.state != MemberState::Closed {
            self.state = MemberState::Unjoined;
        }
    }

    /// `onPartitionsLost`: no commit is possible, the partitions are simply gone.
    pub(crate) fn lose_partitions(&mut self) {
        if self.manual {
            return;
        }
        let lost = self.assignment();
        self.partitions.clear();
        self.kip848 = Default::default();
        if !lost.is_empty() {
            self.events.push_back(ConsumerEvent::PartitionsLost(lost));
        }
    }

    pub(crate) fn fail(&mut self, error: KafkaError) {
        self.partitions.clear();
        self.state = MemberState::Closed;
        self.events.push_back(ConsumerEvent::Fatal(error));
    }
}
