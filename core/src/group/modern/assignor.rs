//! Server-side assignors. In the consumer protocol the *coordinator* computes the target
//! assignment (KIP-848); consumers only say which topics they want and, optionally, which
//! assignor (`group.remote.assignor`). Kafka ships two, and so do we:
//!
//! - **`uniform`** (the default): spread every subscribed partition evenly over the members
//!   that subscribe to its topic, whatever the topic;
//! - **`range`**: per topic, give each member a range-like share of that topic's
//!   partitions, so that members of the same rank get the same partition numbers of
//!   co-partitioned topics (for joins).
//!
//! Both are *sticky*: a partition stays with the member that had it in the previous target
//! assignment as long as that keeps the result balanced. That is the whole point of the
//! incremental protocol: a new member takes only its share from the others, and nobody
//! else stops reading anything.
//!
//! Both are deterministic (members and partitions are visited in sorted order), so a replay
//! gives the same answer.

use crate::collections::BTreeMap;

use crate::group::modern::assignment::Assignment;

/// The default assignor's name.
pub const UNIFORM: &str = "uniform";
/// The range assignor's name.
pub const RANGE: &str = "range";

/// Does this broker know the assignor `name`? Anything else is `UNSUPPORTED_ASSIGNOR`.
pub fn is_supported(name: &str) -> bool {
    name == UNIFORM || name == RANGE
}

/// What an assignor needs to know about a member.
#[derive(Debug, Clone)]
pub struct AssignorMember {
    /// Member id.
    pub member_id: String,
    /// Topics it subscribes to.
    pub subscribed: Vec<String>,
}

/// Compute a target assignment with assignor `name` (which must be supported).
/// `topics` gives the partition count of every existing subscribed topic; topics that do
/// not exist are skipped. `previous` is the previous target, for stickiness. Every member
/// appears in the result, possibly with nothing.
pub fn assign(
    name: &str,
    members: &[AssignorMember],
    topics: &BTreeMap<String, i32>,
    previous: &BTreeMap<String, Assignment>,
) -> BTreeMap<String, Assignment> {
    let mut members: Vec<&AssignorMember> = members.iter().collect();
    crate::sort::sort_by(&mut members, |a, b| a.member_id.cmp(&b.member_id));
    if name == RANGE {
        range(&members, topics, previous)
    } else {
        uniform(&members, topics, previous)
    }
}

fn subscribes(m: &AssignorMember, topic: &str) -> bool {
    m.subscribed.iter().any(|t| t == topic)
}

/// The uniform assignor: sticky within a quota, then the rest to the least loaded member,
/// then moves from the most to the least loaded member until no move helps.
fn uniform(
    members: &[&AssignorMember],
    topics: &BTreeMap<String, i32>,
    previous: &BTreeMap<String, Assignment>,
) -> BTreeMap<String, Assignment> {
    let mut out: BTreeMap<String, Assignment> = crate::sort::map_of(
        members
            .iter()
            .map(|m| (m.member_id.clone(), Assignment::new())),
    );
    let partitions: Vec<(String, i32)> = topics
        .iter()
        .filter(|(t, _)| members.iter().any(|m| subscribes(m, t)))
        .flat_map(|(t, n)| (0..*n).map(move |p| (t.clone(), p)))
        .collect();
    let active = members.iter().filter(|m| !m.subscribed.is_empty()).count();
    if active == 0 {
        return out;
    }
    let quota = partitions.len().div_ceil(active);
    let mut taken = Assignment::new();

    // 1. Stickiness: keep what one had, up to the quota.
    for m in members {
        let Some(before) = previous.get(&m.member_id) else {
            continue;
        };
        for (t, p) in before.iter() {
            let exists = topics.get(t).is_some_and(|n| p < *n);
            let mine = out.get_mut(&m.member_id).expect("every member is in out");
            if exists && subscribes(m, t) && !taken.contains(t, p) && mine.len() < quota {
                mine.insert(t, p);
                taken.insert(t, p);
            }
        }
    }
    // 2. Everything else goes to the eligible member with the fewest partitions.
    for (t, p) in &partitions {
        if taken.contains(t, *p) {
            continue;
        }
        let best = members
            .iter()
            .filter(|m| subscribes(m, t))
            .min_by_key(|m| (out[&m.member_id].len(), m.member_id.clone()));
        if let Some(m) = best {
            out.get_mut(&m.member_id)
                .expect("every member is in out")
                .insert(t, *p);
            taken.insert(t, *p);
        }
    }
    // 3. Balance: with different subscriptions, step 1 can leave someone short. Move one
    //    partition at a time from a member with two more than an eligible taker.
    for _ in 0..partitions.len() * members.len() + 1 {
        let mut moved = false;
        'search: for from in members.iter().rev() {
            let from_len = out[&from.member_id].len();
            for to in members {
                if out[&to.member_id].len() + 1 >= from_len {
                    continue;
                }
                let candidate = out[&from.member_id]
                    .iter()
                    .filter(|(t, _)| subscribes(to, t))
                    .last()
                    .map(|(t, p)| (t.to_string(), p));
                if let Some((t, p)) = candidate {
                    out.get_mut(&from.member_id)
                        .expect("member")
                        .0
                        .get_mut(&t)
                        .expect("topic")
                        .remove(&p);
                    out.get_mut(&to.member_id).expect("member").insert(&t, p);
                    moved = true;
                    break 'search;
                }
            }
        }
        if !moved {
            break;
        }
    }
    for a in out.values_mut() {
        a.0.retain(|_, ps| !ps.is_empty());
    }
    out
}

/// The range assignor, sticky: per topic, the subscribed members in member-id order get
/// `n / m` partitions each and the first `n % m` one more; a member keeps the partitions it
/// had up to its share, and the rest are handed out in partition order.
fn range(
    members: &[&AssignorMember],
    topics: &BTreeMap<String, i32>,
    previous: &BTreeMap<String, Assignment>,
) -> BTreeMap<String, Assignment> {
    let mut out: BTreeMap<String, Assignment> = crate::sort::map_of(
        members
            .iter()
            .map(|m| (m.member_id.clone(), Assignment::new())),
    );
    for (topic, count) in topics {
        let eligible: Vec<&&AssignorMember> =
            members.iter().filter(|m| subscribes(m, topic)).collect();
        if eligible.is_empty() {
            continue;
        }
        let n = usize::try_from(*count).unwrap_or(0);
        let (base, extra) = (n / eligible.len(), n % eligible.len());
        let quota = |i: usize| base + usize::from(i < extra);
        let mut share = vec![0usize; eligible.len()];
        let mut taken = vec![false; n];
        for (i, m) in eligible.iter().enumerate() {
            let Some(before) = previous.get(&m.member_id).and_then(|a| a.0.get(topic)) else {
                continue;
            };
            for p in before {
                let Ok(idx) = usize::try_from(*p) else {
                    continue;
                };
                if idx < n && !taken[idx] && share[i] < quota(i) {
                    taken[idx] = true;
                    share[i] += 1;
                    out.get_mut(&m.member_id).expect("member").insert(topic, *p);
                }
            }
        }
        let mut i = 0;
        for (idx, was_taken) in taken.iter().enumerate() {
            if *was_taken {
                continue;
            }
            while share[i] >= quota(i) {
                i += 1;
            }
            share[i] += 1;
            let p = i32::try_from(idx).expect("partition index fits i32");
            out.get_mut(&eligible[i].member_id)
                .expect("member")
                .insert(topic, p);
        }
    }
    out
}
