//! A consumer-protocol group: its epochs and its members (Kafka's `ConsumerGroup` and
//! `ConsumerGroupMember`).
//!
//! Three kinds of epoch, all counting up:
//! - the **group epoch** moves each time something that changes the *wanted* assignment
//!   happens: a member joins or leaves, a subscription or the assignor changes, a
//!   subscribed topic gets more partitions;
//! - the **target assignment epoch** is the group epoch the current target assignment was
//!   computed for. When it is behind the group epoch, the coordinator runs the assignor;
//! - each **member epoch** says up to which target assignment that member has
//!   *reconciled*. A member at the target assignment epoch holds what the target gives it
//!   (or waits for partitions that others have not released yet).
//!
//! Special member epochs: 0 in a request means "I am joining", -1 "I am leaving",
//! -2 "I am a static member leaving for a moment, keep my place".

use crate::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::group::modern::assignment::Assignment;
use crate::record::Millis;

/// The member epoch a member sends to join.
pub const JOIN_EPOCH: i32 = 0;
/// The member epoch a member sends to leave the group for good.
pub const LEAVE_EPOCH: i32 = -1;
/// The member epoch a static member sends when it shuts down but will be back: the
/// coordinator keeps its place (and its partitions, unread) until its session expires.
pub const STATIC_LEAVE_EPOCH: i32 = -2;

/// Where a member is in its reconciliation (Kafka's `MemberState`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MemberState {
    /// It holds exactly what the target assignment at its epoch gives it.
    Stable,
    /// It must give partitions up first: its epoch does not move until a heartbeat shows
    /// (in `topic_partitions`) that it no longer owns them.
    UnrevokedPartitions,
    /// It is at the new epoch, but some partitions the target gives it are still owned by
    /// other members that have not revoked them yet; it gets them once they are released.
    UnreleasedPartitions,
}

impl MemberState {
    /// Kafka's name, as ConsumerGroupDescribe would show in logs.
    pub fn name(self) -> &'static str {
        match self {
            MemberState::Stable => "STABLE",
            MemberState::UnrevokedPartitions => "UNREVOKED_PARTITIONS",
            MemberState::UnreleasedPartitions => "UNRELEASED_PARTITIONS",
        }
    }
}

/// One member as the coordinator keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsumerMember {
    /// Member id: issued by the coordinator (v0) or chosen by the client (v1, KIP-1082).
    pub member_id: String,
    /// `group.instance.id` of a static member.
    pub instance_id: Option<String>,
    /// `client.rack`.
    pub rack_id: Option<String>,
    /// `client.id`.
    pub client_id: String,
    /// The client's host.
    pub client_host: String,
    /// `max.poll.interval.ms`: how long it may take to revoke partitions.
    pub rebalance_timeout_ms: i32,
    /// The topics it subscribes to by name, sorted.
    pub subscribed_topics: Vec<String>,
    /// The regular expression it subscribes with (`subscribed_topic_regex`, v1), if any.
    #[serde(default)]
    pub subscribed_regex: Option<String>,
    /// The existing topics that regex matches, sorted: resolved by the coordinator at each
    /// heartbeat, since topics come and go.
    #[serde(default)]
    pub regex_topics: Vec<String>,
    /// The server-side assignor it asked for, if any.
    pub server_assignor: Option<String>,
    /// Its member epoch (see the module docs); -2 while a static member is away.
    pub member_epoch: i32,
    /// The epoch before the last bump: a heartbeat with this epoch is accepted once, in case
    /// the response that carried the new epoch was lost.
    pub previous_member_epoch: i32,
    /// Reconciliation state.
    pub state: MemberState,
    /// What it may read now (what the last response gave it).
    pub assigned: Assignment,
    /// What it must give up before it moves to the next epoch.
    pub pending_revocation: Assignment,
    /// Its session ends at this time unless it heartbeats.
    pub session_deadline: Millis,
    /// While it is revoking: it is fenced if it has not finished by then.
    pub rebalance_deadline: Option<Millis>,
}

impl ConsumerMember {
    /// Every topic it subscribes to: by name, and through its regex.
    pub fn all_topics(&self) -> Vec<String> {
        let mut all: Vec<String> = self
            .subscribed_topics
            .iter()
            .chain(&self.regex_topics)
            .cloned()
            .collect();
        crate::sort::sort(&mut all);
        all.dedup();
        all
    }

    /// Every partition this member may still be reading: assigned ones and those it was
    /// asked to revoke but has not confirmed yet. Nobody else may get these.
    pub fn held(&self) -> Assignment {
        self.assigned.union(&self.pending_revocation)
    }

    /// Is it a static member that left for a moment (member epoch -2)?
    pub fn is_away(&self) -> bool {
        self.member_epoch == STATIC_LEAVE_EPOCH
    }
}

/// The state ConsumerGroupDescribe and ListGroups show (Kafka's `ConsumerGroupState`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ConsumerGroupState {
    /// No members.
    Empty,
    /// The group epoch is ahead of the target assignment (never seen from outside here:
    /// the assignor runs at once, inside the heartbeat).
    Assigning,
    /// Some member is not yet at the target assignment epoch, or is still revoking or
    /// waiting for partitions.
    Reconciling,
    /// Every member holds its target assignment.
    Stable,
    /// Deleted.
    Dead,
}

impl ConsumerGroupState {
    /// Kafka's name (`Stable`, `Reconciling`...).
    pub fn name(self) -> &'static str {
        match self {
            ConsumerGroupState::Empty => "Empty",
            ConsumerGroupState::Assigning => "Assigning",
            ConsumerGroupState::Reconciling => "Reconciling",
            ConsumerGroupState::Stable => "Stable",
            ConsumerGroupState::Dead => "Dead",
        }
    }
}

/// A consumer-protocol group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsumerGroup {
    /// `group.id`.
    pub group_id: String,
    /// See the module docs.
    pub group_epoch: i32,
    /// The group epoch of the current target assignment.
    pub assignment_epoch: i32,
    /// Members by member id.
    pub members: BTreeMap<String, ConsumerMember>,
    /// The target assignment: what each member should end up with.
    pub target: BTreeMap<String, Assignment>,
    /// Static members: `group.instance.id` to member id.
    pub static_members: BTreeMap<String, String>,
    /// The assignor the target was last computed with.
    pub assignor: String,
    /// Partition counts of the subscribed topics when the target was last computed: a
    /// change (new partitions, a deleted topic) bumps the group epoch.
    pub topic_partitions: BTreeMap<String, i32>,
}

impl ConsumerGroup {
    /// A new, empty group.
    pub fn new(group_id: String, assignor: &str) -> ConsumerGroup {
        ConsumerGroup {
            group_id,
            group_epoch: 0,
            assignment_epoch: 0,
            members: BTreeMap::new(),
            target: BTreeMap::new(),
            static_members: BTreeMap::new(),
            assignor: assignor.to_string(),
            topic_partitions: BTreeMap::new(),
        }
    }

    /// The state, as Kafka derives it.
    pub fn state(&self) -> ConsumerGroupState {
        if self.members.is_empty() {
            ConsumerGroupState::Empty
        } else if self.group_epoch > self.assignment_epoch {
            ConsumerGroupState::Assigning
        } else if self.members.values().any(|m| {
            !m.is_away()
                && (m.member_epoch != self.assignment_epoch || m.state != MemberState::Stable)
        }) {
            ConsumerGroupState::Reconciling
        } else {
            ConsumerGroupState::Stable
        }
    }

    /// Every topic some member subscribes to.
    pub fn subscribed_topics(&self) -> Vec<String> {
        let mut topics: Vec<String> = self.members.values().flat_map(|m| m.all_topics()).collect();
        crate::sort::sort(&mut topics);
        topics.dedup();
        topics
    }

    /// Does a member other than `member_id` still hold `topic`-`partition`?
    pub fn held_by_other(&self, member_id: &str, topic: &str, partition: i32) -> bool {
        self.members.values().any(|m| {
            m.member_id != member_id
                && (m.assigned.contains(topic, partition)
                    || m.pending_revocation.contains(topic, partition))
        })
    }
}
