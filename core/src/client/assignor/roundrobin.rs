//! The round-robin assignor (`roundrobin`), Kafka's `RoundRobinAssignor`.
//!
//! All partitions of all subscribed topics, sorted by topic and partition, are dealt out
//! like cards to the members in order (static members first, by `group.instance.id`, then
//! the others by member id).
//! A member not subscribed to a partition's topic is skipped, and the deal goes on from
//! the member after the one that took it. Two members, two topics of three partitions:
//!
//! ```text
//!   C0: t0p0 t0p2 t1p1     C1: t0p1 t1p0 t1p2
//! ```
//!
//! With equal subscriptions the counts differ by at most one. But the deal ignores who had
//! what: when a member leaves, nearly every partition changes hands (see the sticky
//! assignors for the fix).

use crate::collections::{BTreeMap, BTreeSet};

use super::{java_member_order, partitions_of, subscribed_topics, Flat, MemberSubscription};
use crate::sort::{set_of, sort_by};

/// Round-robin-assign: see the module documentation.
pub(crate) fn assign<'a>(
    partitions_per_topic: &'a BTreeMap<String, i32>,
    members: &'a [MemberSubscription],
) -> Flat<'a> {
    let mut ordered: Vec<&MemberSubscription> = members.iter().collect();
    sort_by(&mut ordered, |a, b| java_member_order(a, b));
    let topics_of: Vec<BTreeSet<&str>> = ordered
        .iter()
        .map(|m| subscribed_topics(partitions_per_topic, m))
        .collect();
    let all_topics: BTreeSet<&str> = set_of(topics_of.iter().flatten().copied());

    let mut out = Flat::new();
    let mut next = 0;
    for topic in all_topics {
        for tp in partitions_of(partitions_per_topic, topic) {
            // Somebody subscribes to `topic` (that is how it got here), so this ends.
            while !topics_of[next].contains(topic) {
                next = (next + 1) % ordered.len();
            }
            out.entry(ordered[next].member_id.as_str())
                .or_default()
                .insert(tp);
            next = (next + 1) % ordered.len();
        }
    }
    out
}
