//! Client-side partition assignors: what the group *leader* runs between JoinGroup and
//! SyncGroup.
//!
//! The group coordinator never decides who reads which partition (see [`crate::group`]):
//! it picks one protocol every member supports, hands the leader everybody's subscription,
//! and forwards whatever the leader computed. That computation is an *assignor*, Kafka's
//! `ConsumerPartitionAssignor`, and the protocol names the members advertise in JoinGroup
//! are the assignors' names. This module implements Kafka's four built-in ones, with the
//! Java client's algorithms so that a minikafka leader and a Java leader hand out the same
//! partitions for the same group:
//!
//! - [`AssignorKind::Range`] ([`range`]): per topic, contiguous ranges. Simple and
//!   *co-partitioning*: partition `i` of every topic goes to the same member, which is
//!   what joins over equally partitioned topics want. Unbalanced across many topics.
//! - [`AssignorKind::RoundRobin`] ([`roundrobin`]): all partitions of all topics dealt out
//!   one by one. Balanced, but forgets who had what: one member leaving moves almost
//!   everything.
//! - [`AssignorKind::Sticky`] ([`sticky`], KIP-54): balanced *and* sticky: it starts from
//!   what every member owns now and moves as few partitions as balance allows.
//! - [`AssignorKind::CooperativeSticky`] ([`cooperative_sticky`], KIP-429): the sticky
//!   result, minus the partitions that change owner; those are handed out in a second
//!   rebalance, after their old owner gave them up. Nobody stops consuming the partitions
//!   it keeps.
//!
//! Everything here is a pure function of its input: members are put in a canonical order
//! first, so the same group gives the same assignment however the members are listed.

use crate::collections::{BTreeMap, BTreeSet};
use std::cmp::Ordering;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::event::TopicPartitions;
use crate::sort::{map_of, set_of};

pub mod cooperative_sticky;
pub mod range;
pub mod roundrobin;
pub mod sticky;

#[cfg(test)]
mod tests;

/// Which assignor; the name is the protocol name sent in JoinGroup.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum AssignorKind {
    /// `range`: contiguous ranges of each topic (Kafka's default before 3.0, still the
    /// first in the Java client's default `partition.assignment.strategy`).
    Range,
    /// `roundrobin`: every partition of every topic, dealt out in turn.
    RoundRobin,
    /// `sticky`: balanced, keeping as many owned partitions as possible (eager protocol).
    Sticky,
    /// `cooperative-sticky`: sticky, but a partition that moves is first only revoked
    /// (cooperative protocol).
    CooperativeSticky,
}

impl AssignorKind {
    /// Every assignor, in the order of Kafka's documentation.
    pub const ALL: [AssignorKind; 4] = [
        AssignorKind::Range,
        AssignorKind::RoundRobin,
        AssignorKind::Sticky,
        AssignorKind::CooperativeSticky,
    ];

    /// The protocol name a consumer puts in JoinGroup, as the Java client spells it.
    pub fn name(self) -> &'static str {
        match self {
            AssignorKind::Range => "range",
            AssignorKind::RoundRobin => "roundrobin",
            AssignorKind::Sticky => "sticky",
            AssignorKind::CooperativeSticky => "cooperative-sticky",
        }
    }

    /// The assignor a protocol name stands for; `None` for custom assignors we do not know.
    pub fn from_name(name: &str) -> Option<AssignorKind> {
        AssignorKind::ALL
            .into_iter()
            .find(|kind| kind.name() == name)
    }

    /// The rebalance protocols this assignor can be used with. Only an assignor that
    /// withholds moving partitions (cooperative-sticky) is safe with the cooperative
    /// protocol: the others could hand a partition to a new owner while the old one, which
    /// did not revoke it, still reads it.
    pub fn supported_protocols(self) -> &'static [RebalanceProtocol] {
        match self {
            AssignorKind::CooperativeSticky => {
                &[RebalanceProtocol::Cooperative, RebalanceProtocol::Eager]
            }
            _ => &[RebalanceProtocol::Eager],
        }
    }

    /// Whether [`RebalanceProtocol::Cooperative`] is among
    /// [`supported_protocols`](Self::supported_protocols).
    pub fn supports_cooperative(self) -> bool {
        self.supported_protocols()
            .contains(&RebalanceProtocol::Cooperative)
    }
}

impl fmt::Display for AssignorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How members give partitions up during a rebalance (Kafka's `RebalanceProtocol`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum RebalanceProtocol {
    /// Every member revokes *all* its partitions before it rejoins, and the whole group
    /// stops consuming until the new assignment arrives ("stop the world").
    Eager,
    /// KIP-429: members keep their partitions while rejoining and revoke only the ones
    /// the new assignment takes away; those reach their new owner in a second rebalance.
    Cooperative,
}

/// One member as the leader sees it (from its JoinGroup metadata, see
/// [`crate::group::consumer_protocol::Subscription`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberSubscription {
    /// Member id issued by the coordinator.
    pub member_id: String,
    /// `group.instance.id` of a static member; range and roundrobin order members by it,
    /// so a static member keeps its place (and partitions) across restarts.
    pub group_instance_id: Option<String>,
    /// Topics the member subscribes to.
    pub topics: Vec<String>,
    /// Partitions it owns now; the sticky assignors start from these. (With the eager
    /// protocol a member has revoked everything before it rejoins, so Java's `sticky`
    /// carries the previous assignment in the subscription's user data instead; here the
    /// caller puts it in this field either way.)
    pub owned_partitions: Vec<TopicPartitions>,
    /// The generation in which it owned them (-1 if unknown): when two members claim the
    /// same partition, the newer claim wins.
    pub generation_id: i32,
}

/// Compute the assignment: member id to partitions, grouped by topic, sorted by topic and
/// partition. Every member gets an entry; an empty one makes it a standby member.
///
/// Topics nobody subscribes to are ignored, and so are subscribed topics missing from
/// `partitions_per_topic` (the leader has no metadata for them, as when a topic does not
/// exist yet).
pub fn assign(
    kind: AssignorKind,
    partitions_per_topic: &BTreeMap<String, i32>,
    members: &[MemberSubscription],
) -> BTreeMap<String, Vec<TopicPartitions>> {
    let flat = match kind {
        AssignorKind::Range => range::assign(partitions_per_topic, members),
        AssignorKind::RoundRobin => roundrobin::assign(partitions_per_topic, members),
        AssignorKind::Sticky => sticky::assign(partitions_per_topic, members),
        AssignorKind::CooperativeSticky => {
            cooperative_sticky::assign(partitions_per_topic, members)
        }
    };
    let mut out: BTreeMap<String, Vec<TopicPartitions>> =
        map_of(members.iter().map(|m| (m.member_id.clone(), Vec::new())));
    for (member, partitions) in flat {
        out.insert(member.to_string(), group_by_topic(partitions));
    }
    out
}

/// How many partitions changed owner from `before` to `after`: a partition counts if it
/// had an owner before and has a different one after, or none. (Partitions that had no
/// owner before are not moves: in a cooperative rebalance the withheld partitions are
/// counted once, in the round that takes them away.)
pub fn moved_partitions(
    before: &BTreeMap<String, Vec<TopicPartitions>>,
    after: &BTreeMap<String, Vec<TopicPartitions>>,
) -> usize {
    let owners_before = owners(before);
    let owners_after = owners(after);
    owners_before
        .iter()
        .filter(|(tp, owner)| owners_after.get(*tp) != Some(*owner))
        .count()
}

/// One partition of one topic, borrowed from the input; ordered by topic, then partition.
pub(crate) type Tp<'a> = (&'a str, i32);

/// An assignor's raw result: member id to the partitions it gets.
pub(crate) type Flat<'a> = BTreeMap<&'a str, BTreeSet<Tp<'a>>>;

/// Partition to owner, from an assignment.
fn owners(assignment: &BTreeMap<String, Vec<TopicPartitions>>) -> BTreeMap<(&str, i32), &str> {
    let mut map = BTreeMap::new();
    for (member, tps) in assignment {
        for tp in tps {
            for &p in &tp.partitions {
                map.insert((tp.topic.as_str(), p), member.as_str());
            }
        }
    }
    map
}

/// Group sorted partitions by topic, the wire shape.
fn group_by_topic(partitions: BTreeSet<Tp<'_>>) -> Vec<TopicPartitions> {
    let mut out: Vec<TopicPartitions> = Vec::new();
    for (topic, p) in partitions {
        match out.last_mut() {
            Some(last) if last.topic == topic => last.partitions.push(p),
            _ => out.push(TopicPartitions {
                topic: topic.to_string(),
                partitions: vec![p],
            }),
        }
    }
    out
}

/// The partitions of `topic`, `0..n`; a topic we have no metadata for has none.
pub(crate) fn partitions_of<'a>(
    partitions_per_topic: &'a BTreeMap<String, i32>,
    topic: &str,
) -> impl Iterator<Item = Tp<'a>> {
    let entry = partitions_per_topic.get_key_value(topic);
    let n = entry.map_or(0, |(_, n)| (*n).max(0));
    let name = entry.map_or("", |(t, _)| t.as_str());
    (0..n).map(move |p| (name, p))
}

/// The topics `member` subscribes to that exist, sorted, borrowed from the metadata.
pub(crate) fn subscribed_topics<'a>(
    partitions_per_topic: &'a BTreeMap<String, i32>,
    member: &MemberSubscription,
) -> BTreeSet<&'a str> {
    set_of(
        member
            .topics
            .iter()
            .filter_map(|t| partitions_per_topic.get_key_value(t.as_str()))
            .map(|(t, _)| t.as_str()),
    )
}

/// The order range and roundrobin hand out partitions in, Java's `MemberInfo.compareTo`:
/// static members first, by `group.instance.id` (which survives restarts, unlike the
/// member id), then dynamic members by member id.
pub(crate) fn java_member_order(a: &MemberSubscription, b: &MemberSubscription) -> Ordering {
    match (&a.group_instance_id, &b.group_instance_id) {
        (Some(x), Some(y)) => x.cmp(y).then_with(|| a.member_id.cmp(&b.member_id)),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => a.member_id.cmp(&b.member_id),
    }
}
