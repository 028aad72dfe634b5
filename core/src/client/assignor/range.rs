//! The range assignor (`range`), Kafka's `RangeAssignor`.
//!
//! Each topic is handled on its own: its subscribers are put in order (static members
//! first, by `group.instance.id`, then the others by member id) and the partitions cut
//! into contiguous ranges, one per subscriber; with `n` partitions and `m` subscribers the
//! first `n % m` members get one extra. Two members, two topics of three partitions:
//!
//! ```text
//!   C0: t0p0 t0p1 t1p0 t1p1     C1: t0p2 t1p2
//! ```
//!
//! The same member gets partition `i` of every topic it shares with the others, which is
//! what a consumer joining two co-partitioned topics wants. The price: the extras always go
//! to the first members, so with many topics C0 ends up with far more than C1.

use crate::collections::BTreeMap;

use super::{java_member_order, partitions_of, Flat, MemberSubscription};
use crate::sort::sort_by;

/// Range-assign: see the module documentation.
pub(crate) fn assign<'a>(
    partitions_per_topic: &'a BTreeMap<String, i32>,
    members: &'a [MemberSubscription],
) -> Flat<'a> {
    let mut out = Flat::new();
    for topic in partitions_per_topic.keys() {
        let mut subscribers: Vec<&MemberSubscription> = members
            .iter()
            .filter(|m| m.topics.iter().any(|t| t == topic))
            .collect();
        if subscribers.is_empty() {
            continue;
        }
        sort_by(&mut subscribers, |a, b| java_member_order(a, b));
        let partitions: Vec<_> = partitions_of(partitions_per_topic, topic).collect();
        let per_member = partitions.len() / subscribers.len();
        let with_extra = partitions.len() % subscribers.len();
        for (i, member) in subscribers.iter().enumerate() {
            let start = per_member * i + i.min(with_extra);
            let len = per_member + usize::from(i < with_extra);
            out.entry(member.member_id.as_str())
                .or_default()
                .extend(partitions[start..start + len].iter().copied());
        }
    }
    out
}
