//! Membership with `group.protocol=consumer` (KIP-848): one ConsumerGroupHeartbeat instead
//! of JoinGroup, SyncGroup, Heartbeat and LeaveGroup.
//!
//! The member never waits for the rest of the group. It sends its subscription, and the
//! coordinator answers with its member epoch and, when it changed, the partitions it may
//! own now. The member then *reconciles* towards them, in Kafka's order:
//! 1. **revoke first**: commit what was consumed of the partitions it loses (auto-commit),
//!    stop fetching them, and only once the commit is answered acknowledge with a
//!    heartbeat that no longer lists them. Until then the coordinator gives them to nobody,
//!    so two members never read one partition, and the new owner starts at the offset
//!    the old one committed;
//! 2. **then take what is new**: the coordinator hands out a moved partition only after
//!    its previous owner released it;
//! 3. **never touch what it keeps**: the partitions in both its old and its new assignment
//!    are fetched throughout. That is why there is no stop-the-world.
//!
//! The reconciliation runs inside `poll` (the application thread), like Java's new
//! consumer runs the rebalance callbacks there: a member busy on a slow batch delays only
//! the release of its *own* revoked partitions. The heartbeats themselves run from
//! `handle_timeout` (the background thread), every `group.consumer.heartbeat.interval.ms`
//! as the coordinator says, and at once when there is something to acknowledge.
//!
//! The member epoch is kept in `Consumer::generation`: OffsetCommit carries it in the same
//! field (`generationIdOrMemberEpoch`), and the coordinator refuses a commit from an epoch
//! it moved past.

use crate::collections::BTreeSet;

use crate::client::consumer::{
    CommitId, Consumer, ConsumerEvent, GroupProtocol, InFlight, MemberState,
};
use crate::client::protocol::{Request, TopicPartition};
use crate::error::KafkaError;
use crate::group::modern::{
    Assignment, HeartbeatRequest, HeartbeatResponse, JOIN_EPOCH, LEAVE_EPOCH, STATIC_LEAVE_EPOCH,
};
use crate::record::Millis;
use crate::sort::set_of;

fn to_assignment<'a>(tps: impl IntoIterator<Item = &'a TopicPartition>) -> Assignment {
    let mut a = Assignment::new();
    for tp in tps {
        a.insert(&tp.topic, tp.partition);
    }
    a
}

fn from_assignment(a: &Assignment) -> BTreeSet<TopicPartition> {
    set_of(a.iter().map(|(t, p)| TopicPartition::new(t, p)))
}

impl Consumer {
    /// Is this consumer in a `consumer`-protocol group?
    pub(crate) fn speaks_kip848(&self) -> bool {
        self.config.group_protocol == GroupProtocol::Consumer
    }

    /// The member epoch (`consumer` protocol): up to which target assignment this member
    /// has reconciled. -1 when not a member.
    pub fn member_epoch(&self) -> i32 {
        self.generation
    }

    /// Partitions revoked whose commit is still in flight: fetching has stopped, but the
    /// heartbeats still report them owned until the commit is answered.
    pub fn revoking(&self) -> Vec<TopicPartition> {
        self.kip848.revoking.iter().cloned().collect()
    }

    /// Called from `poll`: join with member epoch 0 when not a member.
    pub(crate) fn maybe_join_kip848(&mut self) {
        if self.manual
            || self.subscription.is_empty()
            || self.group_id().is_none()
            || !self.rejoin_needed
        {
            return;
        }
        self.rejoin_needed = false;
        if self.state != MemberState::Unjoined {
            // Already a member: a new subscription goes out with the next heartbeat.
            return;
        }
        // Not a member any more (fenced, or past max.poll.interval.ms): whatever is still
        // held may already be someone else's.
        self.lose_partitions();
        self.state = MemberState::Joining;
        self.send_group_heartbeat(JOIN_EPOCH);
    }

    /// The background heartbeat of the consumer protocol.
    pub(crate) fn heartbeat_kip848(&mut self) {
        let epoch = self.generation;
        self.send_group_heartbeat(epoch);
    }

    /// Leave: epoch -1, or -2 for a static member (the coordinator keeps its place and
    /// partitions until its session runs out, so a quick restart moves nothing).
    pub(crate) fn leave_kip848(&mut self) {
        if self.member_id.is_empty() || self.generation < 0 {
            return;
        }
        let epoch = if self.config.group_instance_id.is_some() {
            STATIC_LEAVE_EPOCH
        } else {
            LEAVE_EPOCH
        };
        let request = self.group_heartbeat(epoch);
        self.send(Request::ConsumerGroupHeartbeat(request), InFlight::Leave);
    }

    fn group_heartbeat(&self, member_epoch: i32) -> HeartbeatRequest {
        let joining = member_epoch == JOIN_EPOCH;
        // What it owns: its partitions, and those being revoked until their commit is
        // answered (the coordinator must not hand them over before that). A (re-)join owns
        // nothing by definition: Kafka refuses one that lists partitions.
        let owned = if joining {
            Assignment::new()
        } else {
            to_assignment(self.partitions.keys().chain(&self.kip848.revoking))
        };
        HeartbeatRequest {
            group_id: self.group_id().unwrap_or_default().to_string(),
            member_id: self.member_id.clone(),
            member_epoch,
            instance_id: self.config.group_instance_id.clone(),
            rack_id: None,
            rebalance_timeout_ms: if joining {
                self.config.max_poll_interval_ms
            } else {
                -1
            },
            // Sent in full every time: simpler than tracking changes, and the coordinator
            // bumps the group epoch only when the subscription really differs.
            subscribed_topic_names: Some(self.subscription.iter().cloned().collect()),
            subscribed_topic_regex: None,
            server_assignor: self.config.group_remote_assignor.clone(),
            owned: Some(owned),
            client_id: self.config.client_id.clone(),
            client_host: self.config.client_host.clone(),
        }
    }

    fn send_group_heartbeat(&mut self, member_epoch: i32) {
        self.heartbeat_in_flight = true;
        let request = self.group_heartbeat(member_epoch);
        self.send(
            Request::ConsumerGroupHeartbeat(request),
            InFlight::GroupHeartbeat,
        );
    }

    /// Heartbeat now rather than at the next interval: there is something to acknowledge.
    fn heartbeat_soon(&mut self) {
        if self.heartbeat_in_flight {
            self.kip848.heartbeat_now = true;
        } else {
            self.next_heartbeat = Millis::MIN;
        }
    }

    pub(crate) fn on_group_heartbeat(&mut self, r: HeartbeatResponse, now: Millis) {
        self.heartbeat_in_flight = false;
        if self.state == MemberState::Closed {
            return;
        }
        let interval = if r.heartbeat_interval_ms > 0 {
            Millis::from(r.heartbeat_interval_ms)
        } else {
            self.config.heartbeat_interval_ms
        };
        match r.error {
            None => {}
            Some(KafkaError::FencedMemberEpoch) => {
                // Our epoch is not the coordinator's: give up everything (nothing may be
                // committed for it) and join again under the same member id.
                self.lose_partitions();
                self.generation = -1;
                self.state = MemberState::Unjoined;
                self.rejoin_needed = true;
                return;
            }
            Some(KafkaError::UnknownMemberId) => {
                self.lose_partitions();
                self.reset_membership();
                self.rejoin_needed = true;
                return;
            }
            Some(KafkaError::CoordinatorNotAvailable) => {
                self.next_heartbeat = now + self.config.retry_backoff_ms;
                if self.state == MemberState::Joining {
                    self.state = MemberState::Unjoined;
                    self.rejoin_needed = true;
                }
                return;
            }
            Some(fatal) => {
                self.fail(fatal);
                return;
            }
        }
        let joined = self.state == MemberState::Joining;
        self.member_id = r.member_id.clone();
        self.generation = r.member_epoch;
        self.state = MemberState::Stable;
        self.next_heartbeat = if std::mem::take(&mut self.kip848.heartbeat_now) {
            now
        } else {
            now + interval
        };
        if joined {
            self.events.push_back(ConsumerEvent::JoinedGroup {
                generation: r.member_epoch,
                member_id: r.member_id.clone(),
                leader: false,
                protocol: self
                    .config
                    .group_remote_assignor
                    .clone()
                    .unwrap_or_else(|| "uniform".into()),
            });
        }
        if let Some(assignment) = &r.assignment {
            let target = from_assignment(assignment);
            self.events.push_back(ConsumerEvent::AssignmentReceived {
                member_epoch: r.member_epoch,
                partitions: target.iter().cloned().collect(),
            });
            self.kip848.target = Some(target);
        }
    }

    /// Called from `poll`: move towards the latest assignment the coordinator sent.
    pub(crate) fn maybe_reconcile(&mut self, now: Millis) {
        if self.kip848.ack_after_commit.is_some() || self.state != MemberState::Stable {
            return;
        }
        let Some(target) = self.kip848.target.take() else {
            return;
        };
        let owned: BTreeSet<TopicPartition> = set_of(self.partitions.keys().cloned());
        let revoked: Vec<TopicPartition> = owned.difference(&target).cloned().collect();
        let added: Vec<TopicPartition> = target.difference(&owned).cloned().collect();
        if !revoked.is_empty() {
            // 1. Commit what was consumed of them, and stop fetching them now.
            let offsets: Vec<_> = self
                .consumed_offsets()
                .into_iter()
                .filter(|(tp, _)| revoked.contains(tp))
                .collect();
            for tp in &revoked {
                self.partitions.remove(tp);
            }
            self.events
                .push_back(ConsumerEvent::PartitionsRevoked(revoked.clone()));
            if self.config.enable_auto_commit && !offsets.is_empty() {
                let id = self.send_commit(offsets, now);
                self.kip848.ack_after_commit = Some(id);
                self.kip848.revoking = set_of(revoked.iter().cloned());
            }
        }
        if !added.is_empty() {
            // 2. New partitions: the coordinator sent them only once they were free.
            for tp in &added {
                self.partitions.entry(tp.clone()).or_default();
            }
            self.events
                .push_back(ConsumerEvent::PartitionsAssigned(added.clone()));
        }
        if (!revoked.is_empty() || !added.is_empty()) && self.kip848.ack_after_commit.is_none() {
            self.heartbeat_soon();
        }
    }

    /// A commit was answered: if it was the revocation's, acknowledge the release now.
    pub(crate) fn on_revocation_commit(&mut self, id: CommitId) {
        if self.kip848.ack_after_commit == Some(id) {
            self.kip848.ack_after_commit = None;
            self.kip848.revoking.clear();
            self.heartbeat_soon();
        }
    }
}

/// What the consumer protocol adds to a consumer's state.
#[derive(Debug, Clone, Default)]
pub(crate) struct Kip848State {
    /// The latest assignment from the coordinator, not reconciled yet.
    pub target: Option<BTreeSet<TopicPartition>>,
    /// The commit that must be answered before the revocation is acknowledged.
    pub ack_after_commit: Option<CommitId>,
    /// Partitions revoked, reported as owned until that commit is answered.
    pub revoking: BTreeSet<TopicPartition>,
    /// Heartbeat as soon as the one in flight is answered.
    pub heartbeat_now: bool,
}
