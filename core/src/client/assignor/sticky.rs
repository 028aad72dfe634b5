//! The sticky assignor (`sticky`, KIP-54), Kafka's `AbstractStickyAssignor` as used by
//! `StickyAssignor`.
//!
//! Two goals, in this order:
//! 1. **Balance**: no member could take a partition from one with at least two more; with
//!    equal subscriptions, the counts differ by at most one.
//! 2. **Stickiness**: keep every partition where it is unless balance needs it elsewhere.
//!    A consumer that keeps a partition keeps its caches and state stores warm, and (with
//!    the cooperative protocol) does not even pause it.
//!
//! "Where it is" comes from each member's `owned_partitions`. Claims are checked first: a
//! partition two members claim goes to the one with the newer generation (the other one
//! missed a rebalance and is a zombie); if both claim it in the *same* generation neither
//! keeps it, as in Java, because one of them must be wrong. A claim on a partition that no
//! longer exists, or of a topic its owner no longer subscribes to, is dropped.
//!
//! Like Java, there are two algorithms:
//! - `constrained`: every member subscribes to the same topics (the common case). With
//!   `n` partitions and `m` members everybody gets `n / m`, and `n % m` members one more.
//!   Each member keeps what it owns up to that quota; the rest is dealt round-robin to the
//!   members under `n / m`, then one each to members at `n / m` until the extras run out.
//!   This keeps the most partitions any balanced assignment can keep.
//! - `general`: subscriptions differ. Keep every valid claim, give each free partition
//!   (the ones fewest members can take first) to the least loaded member that can take it,
//!   then balance: while some member could end up with one more partition and another
//!   with one less, by passing partitions along a chain of members who can take them, do
//!   it. Chains matter: A may be unable to take anything from the busy C directly, yet
//!   take one from B, which takes one from C.

use crate::collections::{BTreeMap, BTreeSet};
use std::collections::VecDeque;

use super::{partitions_of, subscribed_topics, Flat, MemberSubscription, Tp};
use crate::sort::{map_of, set_of, sort, sort_by, sort_by_key};

/// Sticky-assign: see the module documentation.
pub(crate) fn assign<'a>(
    partitions_per_topic: &'a BTreeMap<String, i32>,
    members: &'a [MemberSubscription],
) -> Flat<'a> {
    // Members in member id order: Java sorts by member id wherever order matters here.
    let mut ordered: Vec<&'a MemberSubscription> = members.iter().collect();
    sort_by(&mut ordered, |a, b| a.member_id.cmp(&b.member_id));
    if ordered.is_empty() {
        return Flat::new();
    }
    let topics: Vec<BTreeSet<&'a str>> = ordered
        .iter()
        .map(|m| subscribed_topics(partitions_per_topic, m))
        .collect();
    let owners = previous_owners(partitions_per_topic, &ordered, &topics);

    let assignment = if topics.iter().all(|t| *t == topics[0]) {
        let all: Vec<Tp<'a>> = topics[0]
            .iter()
            .flat_map(|t| partitions_of(partitions_per_topic, t))
            .collect();
        let mut owned = vec![Vec::new(); ordered.len()];
        for (tp, i) in owners {
            owned[i].push(tp);
        }
        constrained(all, owned)
    } else {
        general(partitions_per_topic, &topics, owners)
    };
    map_of(
        ordered
            .iter()
            .zip(assignment)
            .map(|(m, partitions)| (m.member_id.as_str(), partitions)),
    )
}

/// Who owns each partition now, as far as the assignment should respect it: index into
/// `members` (see the module documentation for how claims are checked).
fn previous_owners<'a>(
    partitions_per_topic: &'a BTreeMap<String, i32>,
    members: &[&MemberSubscription],
    topics: &[BTreeSet<&'a str>],
) -> BTreeMap<Tp<'a>, usize> {
    // The newest claim on each partition: its generation, and its member unless two
    // members claimed it in that generation.
    let mut claims: BTreeMap<Tp<'a>, (i32, Option<usize>)> = BTreeMap::new();
    for (i, member) in members.iter().enumerate() {
        let mut owned = BTreeSet::new();
        for tps in &member.owned_partitions {
            let Some((topic, &n)) = partitions_per_topic.get_key_value(&tps.topic) else {
                continue; // the topic is gone
            };
            for &p in &tps.partitions {
                if (0..n).contains(&p) {
                    owned.insert((topic.as_str(), p));
                }
            }
        }
        let generation = member.generation_id;
        for tp in owned {
            let claim = claims.entry(tp).or_insert((generation, Some(i)));
            if generation > claim.0 {
                *claim = (generation, Some(i));
            } else if generation == claim.0 && claim.1 != Some(i) {
                claim.1 = None;
            }
        }
    }
    map_of(
        claims
            .into_iter()
            .filter_map(|(tp, (_, owner))| owner.map(|i| (tp, i)))
            .filter(|&(tp, i)| topics[i].contains(tp.0)),
    )
}

/// Equal subscriptions: `all` is every partition, sorted; `owned[i]` what member `i`
/// validly owns. Returns what each member gets.
fn constrained<'a>(all: Vec<Tp<'a>>, owned: Vec<Vec<Tp<'a>>>) -> Vec<BTreeSet<Tp<'a>>> {
    let members = owned.len();
    let min_quota = all.len() / members;
    // How many members get `min_quota + 1`.
    let extra_slots = all.len() % members;
    let mut over_min = 0;

    let mut given: Vec<BTreeSet<Tp<'a>>> = vec![BTreeSet::new(); members];
    // Members below `min_quota`, and members at it that may still get one more.
    let mut under_min: Vec<usize> = Vec::new();
    let mut at_min: VecDeque<usize> = VecDeque::new();

    // 1. Keep owned partitions, up to the quota. Like Java, the ones with the lowest
    //    partition numbers are kept, whatever their topic.
    for (i, mut mine) in owned.into_iter().enumerate() {
        sort_by_key(&mut mine, |&(topic, p)| (p, topic));
        let keep = if mine.len() < min_quota {
            under_min.push(i);
            mine.len()
        } else if mine.len() > min_quota && over_min < extra_slots {
            over_min += 1;
            if over_min == extra_slots {
                at_min.clear(); // no extras left for anybody else
            }
            min_quota + 1
        } else {
            if over_min < extra_slots {
                at_min.push_back(i);
            }
            min_quota
        };
        given[i].extend(mine.into_iter().take(keep));
    }

    // 2. Deal the rest: round-robin over the members below the minimum quota, then one
    //    each to members at it, while there are extras.
    let kept: BTreeSet<Tp<'a>> = set_of(given.iter().flatten().copied());
    let mut cursor = 0;
    for tp in all.into_iter().filter(|tp| !kept.contains(tp)) {
        if !under_min.is_empty() {
            if cursor >= under_min.len() {
                cursor = 0;
            }
            let i = under_min[cursor];
            given[i].insert(tp);
            if given[i].len() == min_quota {
                under_min.remove(cursor);
                at_min.push_back(i);
            } else {
                cursor += 1;
            }
        } else if let Some(i) = at_min.pop_front() {
            given[i].insert(tp);
        } else {
            // The quotas add up to the partition count, so this cannot happen; if it did,
            // an unbalanced assignment beats a lost partition.
            debug_assert!(false, "constrained sticky assignment ran out of members");
            if let Some(i) = (0..members).min_by_key(|&i| given[i].len()) {
                given[i].insert(tp);
            }
        }
    }
    given
}

/// Unequal subscriptions: `topics[i]` is what member `i` subscribes to, `owners` the valid
/// previous owners. Returns what each member gets.
fn general<'a>(
    partitions_per_topic: &'a BTreeMap<String, i32>,
    topics: &[BTreeSet<&'a str>],
    owners: BTreeMap<Tp<'a>, usize>,
) -> Vec<BTreeSet<Tp<'a>>> {
    let mut subscribers: BTreeMap<&'a str, Vec<usize>> = BTreeMap::new();
    for (i, mine) in topics.iter().enumerate() {
        for &topic in mine {
            subscribers.entry(topic).or_default().push(i);
        }
    }
    let mut given: Vec<BTreeSet<Tp<'a>>> = vec![BTreeSet::new(); topics.len()];
    for (&tp, &i) in &owners {
        given[i].insert(tp);
    }
    let mut owner = owners;

    // Free partitions, the hardest to place (fewest possible members) first.
    let mut free: Vec<(usize, Tp<'a>)> = subscribers
        .iter()
        .flat_map(|(&topic, subs)| {
            partitions_of(partitions_per_topic, topic).map(move |tp| (subs.len(), tp))
        })
        .filter(|(_, tp)| !owner.contains_key(tp))
        .collect();
    sort(&mut free);
    for (_, tp) in free {
        let least_loaded = subscribers[tp.0]
            .iter()
            .copied()
            .min_by_key(|&i| (given[i].len(), i));
        if let Some(i) = least_loaded {
            given[i].insert(tp);
            owner.insert(tp, i);
        }
    }

    // Balance, one chain at a time. Each chain lowers the sum of squared counts, so this
    // ends.
    loop {
        let mut by_load: Vec<usize> = (0..topics.len()).collect();
        sort_by_key(&mut by_load, |&i| (given[i].len(), i));
        let chain = by_load
            .into_iter()
            .find_map(|start| improving_chain(start, partitions_per_topic, topics, &given, &owner));
        let Some(chain) = chain else {
            return given;
        };
        for (tp, from, to) in chain {
            given[from].remove(&tp);
            given[to].insert(tp);
            owner.insert(tp, to);
        }
    }
}

/// A shortest chain of moves `(partition, from, to)` that gives `start` one partition more
/// and some member with at least two more than `start` one less, everybody in between
/// passing one on; `None` if there is none. Breadth-first over "could take a partition
/// from".
fn improving_chain<'a>(
    start: usize,
    partitions_per_topic: &'a BTreeMap<String, i32>,
    topics: &[BTreeSet<&'a str>],
    given: &[BTreeSet<Tp<'a>>],
    owner: &BTreeMap<Tp<'a>, usize>,
) -> Option<Vec<(Tp<'a>, usize, usize)>> {
    let enough = given[start].len() + 2;
    let mut came_from: Vec<Option<(usize, Tp<'a>)>> = vec![None; topics.len()];
    let mut seen = vec![false; topics.len()];
    seen[start] = true;
    let mut queue = VecDeque::from([start]);
    while let Some(taker) = queue.pop_front() {
        for &topic in &topics[taker] {
            for tp in partitions_of(partitions_per_topic, topic) {
                let Some(&holder) = owner.get(&tp) else {
                    continue;
                };
                if seen[holder] {
                    continue;
                }
                seen[holder] = true;
                came_from[holder] = Some((taker, tp));
                if given[holder].len() >= enough {
                    let mut chain = Vec::new();
                    let mut from = holder;
                    while let Some((to, tp)) = came_from[from] {
                        chain.push((tp, from, to));
                        from = to;
                    }
                    return Some(chain);
                }
                queue.push_back(holder);
            }
        }
    }
    None
}
