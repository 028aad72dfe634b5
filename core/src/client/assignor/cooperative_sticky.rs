//! The cooperative sticky assignor (`cooperative-sticky`, KIP-429), Kafka's
//! `CooperativeStickyAssignor`.
//!
//! With the eager protocol every member revokes everything before it rejoins, so the
//! leader may hand any partition to anybody. With the cooperative protocol members keep
//! consuming what they own while the group rebalances; if the leader gave a partition
//! owned by A straight to C, both would read it for a while. So the rebalance takes two
//! rounds:
//!
//! 1. The leader computes the [`sticky`] target, then *removes* every
//!    partition that some other member still claims. A sees the partition missing from its
//!    assignment, revokes it (committing its offsets), and rejoins at once because it gave
//!    something up.
//! 2. In that follow-up rebalance nobody claims the partition any more, and it goes to its
//!    new owner.
//!
//! Because the target is sticky, only the partitions that really move pause; everything
//! else is consumed straight through both rounds.
//!
//! We withhold a partition if *any* other member claims it, whatever its generation: the
//! safe reading, since a stale claimant that still reads the partition would otherwise
//! share it. It revokes the partition after this round, so the next round completes.

use crate::collections::{BTreeMap, BTreeSet};

use super::{sticky, Flat, MemberSubscription};

/// Cooperative-sticky-assign: see the module documentation.
pub(crate) fn assign<'a>(
    partitions_per_topic: &'a BTreeMap<String, i32>,
    members: &'a [MemberSubscription],
) -> Flat<'a> {
    let mut target = sticky::assign(partitions_per_topic, members);
    let mut claimants: BTreeMap<(&str, i32), BTreeSet<&str>> = BTreeMap::new();
    for member in members {
        for tps in &member.owned_partitions {
            for &p in &tps.partitions {
                claimants
                    .entry((tps.topic.as_str(), p))
                    .or_default()
                    .insert(member.member_id.as_str());
            }
        }
    }
    for (member, partitions) in target.iter_mut() {
        partitions.retain(|tp| {
            claimants
                .get(tp)
                .is_none_or(|owners| owners.iter().all(|owner| owner == member))
        });
    }
    target
}
