//! Known outputs of the Java client for the classic examples, the scale-out and scale-in
//! scenarios, the two cooperative rounds, and properties over random groups.

use crate::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;

use super::*;

/// Topic name to partition count.
fn topics(spec: &[(&str, i32)]) -> BTreeMap<String, i32> {
    spec.iter().map(|(t, n)| (t.to_string(), *n)).collect()
}

/// A dynamic member owning nothing.
fn member(id: &str, subscribed: &[&str]) -> MemberSubscription {
    MemberSubscription {
        member_id: id.into(),
        group_instance_id: None,
        topics: subscribed.iter().map(|t| t.to_string()).collect(),
        owned_partitions: Vec::new(),
        generation_id: -1,
    }
}

/// `member` that owns `owned` (as written by [`show`]) since `generation`.
fn owning(id: &str, subscribed: &[&str], owned: &str, generation: i32) -> MemberSubscription {
    MemberSubscription {
        owned_partitions: parse(owned),
        generation_id: generation,
        ..member(id, subscribed)
    }
}

/// "t0p0 t0p1 t1p0" to topic partitions.
fn parse(s: &str) -> Vec<TopicPartitions> {
    let flat: BTreeSet<(&str, i32)> = s
        .split_whitespace()
        .map(|tp| {
            let at = tp.rfind('p').expect("topic p partition");
            (&tp[..at], tp[at + 1..].parse().expect("partition"))
        })
        .collect();
    group_by_topic(flat)
}

/// An assignment as "member: t0p0 t0p1" strings, easy to compare with Java's docs.
fn show(assignment: &BTreeMap<String, Vec<TopicPartitions>>) -> BTreeMap<String, String> {
    assignment
        .iter()
        .map(|(m, tps)| {
            let parts: Vec<String> = tps
                .iter()
                .flat_map(|tp| {
                    tp.partitions
                        .iter()
                        .map(move |p| format!("{}p{p}", tp.topic))
                })
                .collect();
            (m.clone(), parts.join(" "))
        })
        .collect()
}

fn expect(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(m, s)| (m.to_string(), s.to_string()))
        .collect()
}

fn counts(assignment: &BTreeMap<String, Vec<TopicPartitions>>) -> Vec<usize> {
    assignment
        .values()
        .map(|tps| tps.iter().map(|tp| tp.partitions.len()).sum())
        .collect()
}

/// The next generation's members: everyone owns what `assignment` gave them.
fn rejoin(
    members: &[MemberSubscription],
    assignment: &BTreeMap<String, Vec<TopicPartitions>>,
    generation: i32,
) -> Vec<MemberSubscription> {
    members
        .iter()
        .map(|m| MemberSubscription {
            owned_partitions: assignment.get(&m.member_id).cloned().unwrap_or_default(),
            generation_id: generation,
            ..m.clone()
        })
        .collect()
}

#[test]
fn names_are_the_java_protocol_names() {
    let names: Vec<&str> = AssignorKind::ALL.iter().map(|k| k.name()).collect();
    assert_eq!(
        names,
        ["range", "roundrobin", "sticky", "cooperative-sticky"]
    );
    for kind in AssignorKind::ALL {
        assert_eq!(AssignorKind::from_name(kind.name()), Some(kind));
        assert_eq!(kind.to_string(), kind.name());
    }
    assert_eq!(AssignorKind::from_name("my-custom-assignor"), None);
    assert!(AssignorKind::CooperativeSticky.supports_cooperative());
    assert!(!AssignorKind::Sticky.supports_cooperative());
    assert_eq!(
        AssignorKind::Range.supported_protocols(),
        [RebalanceProtocol::Eager]
    );
}

#[test]
fn range_classic_two_members_two_topics() {
    let t = topics(&[("t0", 3), ("t1", 3)]);
    let members = [member("C0", &["t0", "t1"]), member("C1", &["t0", "t1"])];
    let a = assign(AssignorKind::Range, &t, &members);
    assert_eq!(
        show(&a),
        expect(&[("C0", "t0p0 t0p1 t1p0 t1p1"), ("C1", "t0p2 t1p2")])
    );
}

#[test]
fn roundrobin_classic_two_members_two_topics() {
    let t = topics(&[("t0", 3), ("t1", 3)]);
    let members = [member("C0", &["t0", "t1"]), member("C1", &["t0", "t1"])];
    let a = assign(AssignorKind::RoundRobin, &t, &members);
    assert_eq!(
        show(&a),
        expect(&[("C0", "t0p0 t0p2 t1p1"), ("C1", "t0p1 t1p0 t1p2")])
    );
}

/// The unequal-subscriptions example of the `RoundRobinAssignor` and `StickyAssignor`
/// Javadoc: t0 (1 partition), t1 (2), t2 (3); C0 subscribes to t0, C1 to t0 and t1, C2 to
/// all three.
#[test]
fn unequal_subscriptions_javadoc_example() {
    let t = topics(&[("t0", 1), ("t1", 2), ("t2", 3)]);
    let members = [
        member("C0", &["t0"]),
        member("C1", &["t0", "t1"]),
        member("C2", &["t0", "t1", "t2"]),
    ];
    assert_eq!(
        show(&assign(AssignorKind::RoundRobin, &t, &members)),
        expect(&[
            ("C0", "t0p0"),
            ("C1", "t1p0"),
            ("C2", "t1p1 t2p0 t2p1 t2p2")
        ])
    );
    let sticky = assign(AssignorKind::Sticky, &t, &members);
    assert_eq!(
        show(&sticky),
        expect(&[
            ("C0", "t0p0"),
            ("C1", "t1p0 t1p1"),
            ("C2", "t2p0 t2p1 t2p2")
        ])
    );
    // C0 leaves: sticky moves only its partition.
    let after = assign(AssignorKind::Sticky, &t, &rejoin(&members[1..], &sticky, 1));
    assert_eq!(
        show(&after),
        expect(&[("C1", "t0p0 t1p0 t1p1"), ("C2", "t2p0 t2p1 t2p2")])
    );
    assert_eq!(moved_partitions(&sticky, &after), 1);
}

/// The equal-subscriptions example of the `StickyAssignor` Javadoc: three members, four
/// topics of two partitions.
#[test]
fn sticky_javadoc_example_and_a_member_leaving() {
    let t = topics(&[("t0", 2), ("t1", 2), ("t2", 2), ("t3", 2)]);
    let all = ["t0", "t1", "t2", "t3"];
    let members = [member("C0", &all), member("C1", &all), member("C2", &all)];
    let expected = expect(&[
        ("C0", "t0p0 t1p1 t3p0"),
        ("C1", "t0p1 t2p0 t3p1"),
        ("C2", "t1p0 t2p1"),
    ]);
    let round_robin = assign(AssignorKind::RoundRobin, &t, &members);
    let sticky = assign(AssignorKind::Sticky, &t, &members);
    assert_eq!(show(&round_robin), expected);
    assert_eq!(show(&sticky), expected);

    // C1 leaves. Sticky moves only C1's three partitions (the output is the one of Java's
    // current constrained algorithm, which deals them round-robin in member id order; the
    // old Javadoc shows another, equally sticky, answer).
    let survivors = [members[0].clone(), members[2].clone()];
    let sticky_after = assign(AssignorKind::Sticky, &t, &rejoin(&survivors, &sticky, 1));
    assert_eq!(
        show(&sticky_after),
        expect(&[("C0", "t0p0 t0p1 t1p1 t3p0"), ("C2", "t1p0 t2p0 t2p1 t3p1")])
    );
    assert_eq!(moved_partitions(&sticky, &sticky_after), 3);

    // Round robin starts over and moves more.
    let rr_after = assign(AssignorKind::RoundRobin, &t, &survivors);
    assert_eq!(
        show(&rr_after),
        expect(&[("C0", "t0p0 t1p0 t2p0 t3p0"), ("C2", "t0p1 t1p1 t2p1 t3p1")])
    );
    assert_eq!(moved_partitions(&round_robin, &rr_after), 5);
}

/// S6: one topic of four partitions, one to five members.
#[test]
fn scale_out_four_partitions_one_to_five_members() {
    let t = topics(&[("orders", 4)]);
    let expected: [&[usize]; 5] = [&[4], &[2, 2], &[2, 1, 1], &[1, 1, 1, 1], &[1, 1, 1, 1, 0]];
    for kind in AssignorKind::ALL {
        for (n, want) in expected.iter().enumerate() {
            let members: Vec<_> = (0..=n)
                .map(|i| member(&format!("consumer-{i}"), &["orders"]))
                .collect();
            let a = assign(kind, &t, &members);
            assert_eq!(counts(&a), *want, "{kind} with {} members", n + 1);
            if n == 4 {
                assert!(
                    a["consumer-4"].is_empty(),
                    "{kind}: the fifth member is standby"
                );
            }
        }
    }
}

#[test]
fn range_orders_static_members_by_instance_id_before_dynamic_ones() {
    let t = topics(&[("t", 3)]);
    let mut a = member("a-dynamic", &["t"]);
    a.group_instance_id = None;
    let mut z = member("z-static", &["t"]);
    z.group_instance_id = Some("instance-1".into());
    let mut y = member("y-static", &["t"]);
    y.group_instance_id = Some("instance-2".into());
    let members = [a, y, z];
    assert_eq!(
        show(&assign(AssignorKind::Range, &t, &members)),
        expect(&[
            ("z-static", "tp0"),
            ("y-static", "tp1"),
            ("a-dynamic", "tp2")
        ])
    );
}

#[test]
fn unknown_topics_are_ignored_and_every_member_gets_an_entry() {
    let t = topics(&[("t0", 2)]);
    let members = [member("C0", &["t0", "ghost"]), member("C1", &["ghost"])];
    for kind in AssignorKind::ALL {
        assert_eq!(
            show(&assign(kind, &t, &members)),
            expect(&[("C0", "t0p0 t0p1"), ("C1", "")]),
            "{kind}"
        );
    }
}

#[test]
fn sticky_newer_generation_wins_a_doubly_claimed_partition() {
    let t = topics(&[("t", 2)]);
    // A zombie (generation 3) and the current owner (generation 4) both claim tp0.
    let members = [owning("A", &["t"], "tp0", 3), owning("B", &["t"], "tp0", 4)];
    let a = assign(AssignorKind::Sticky, &t, &members);
    assert_eq!(show(&a), expect(&[("A", "tp1"), ("B", "tp0")]));
}

#[test]
fn sticky_ignores_a_partition_claimed_twice_in_the_same_generation() {
    let t = topics(&[("t", 2)]);
    // One of them is wrong and we cannot tell which: tp1 is treated as unowned (a fresh
    // deal would give A tp0 and B tp1; keeping A's claim would give A tp1).
    let members = [owning("A", &["t"], "tp1", 2), owning("B", &["t"], "tp1", 2)];
    let a = assign(AssignorKind::Sticky, &t, &members);
    assert_eq!(show(&a), expect(&[("A", "tp0"), ("B", "tp1")]));
    // Cooperatively, B gets tp1 only once A no longer claims it.
    let a = assign(AssignorKind::CooperativeSticky, &t, &members);
    assert_eq!(show(&a), expect(&[("A", "tp0"), ("B", "")]));
}

#[test]
fn sticky_drops_claims_on_unsubscribed_topics_and_missing_partitions() {
    let t = topics(&[("t0", 2), ("t1", 2)]);
    let members = [
        // A owned t0p1, t1p0 and a partition that is gone, but now reads only t1.
        owning("A", &["t1"], "t0p1 t1p0 t1p7", 1),
        owning("B", &["t0", "t1"], "t1p1", 1),
    ];
    let a = assign(AssignorKind::Sticky, &t, &members);
    // A keeps t1p0 and loses t0p1 to B. Balance (one goal above stickiness) then moves
    // t1p1 from B, at 3, to A, at 1: A is the only other member that can take it.
    assert_eq!(show(&a), expect(&[("A", "t1p0 t1p1"), ("B", "t0p0 t0p1")]));
}

/// KIP-429: C joins A and B, who own everything. Round one only takes partitions away;
/// round two hands them to C.
#[test]
fn cooperative_sticky_takes_two_rounds() {
    let t = topics(&[("t", 6)]);
    let members = [
        owning("A", &["t"], "tp0 tp1 tp2", 1),
        owning("B", &["t"], "tp3 tp4 tp5", 1),
        member("C", &["t"]),
    ];
    let before: BTreeMap<String, Vec<TopicPartitions>> = members
        .iter()
        .map(|m| (m.member_id.clone(), m.owned_partitions.clone()))
        .collect();

    let target = assign(AssignorKind::Sticky, &t, &members);
    assert_eq!(
        show(&target),
        expect(&[("A", "tp0 tp1"), ("B", "tp3 tp4"), ("C", "tp2 tp5")])
    );

    let round1 = assign(AssignorKind::CooperativeSticky, &t, &members);
    assert_eq!(
        show(&round1),
        expect(&[("A", "tp0 tp1"), ("B", "tp3 tp4"), ("C", "")]),
        "tp2 and tp5 are withheld until A and B revoke them"
    );
    assert_eq!(moved_partitions(&before, &round1), 2);

    let round2 = assign(
        AssignorKind::CooperativeSticky,
        &t,
        &rejoin(&members, &round1, 2),
    );
    assert_eq!(round2, target);
    assert_eq!(moved_partitions(&round1, &round2), 0);
}

#[test]
fn moved_partitions_counts_changed_and_lost_owners_only() {
    let before = BTreeMap::from([
        ("A".to_string(), parse("tp0 tp1")),
        ("B".to_string(), parse("tp2")),
    ]);
    let after = BTreeMap::from([
        ("A".to_string(), parse("tp0 tp3")), // tp1 unassigned: moved; tp3 new: not
        ("B".to_string(), Vec::new()),
        ("C".to_string(), parse("tp2")), // moved
    ]);
    assert_eq!(moved_partitions(&before, &after), 2);
    assert_eq!(moved_partitions(&before, &before), 0);
}

// ---- properties ----

/// A random group: up to 4 topics of 0..6 partitions, 1..6 members subscribing to random
/// topics (sometimes one that does not exist, sometimes all the same), owning random
/// (possibly conflicting, possibly invalid) partitions in random generations; some static.
fn group() -> impl Strategy<Value = (BTreeMap<String, i32>, Vec<MemberSubscription>)> {
    (
        prop::collection::vec(0..6i32, 1..4),
        1..6usize,
        any::<bool>(),
    )
        .prop_flat_map(|(partition_counts, n_members, equal)| {
            let n_topics = partition_counts.len();
            let one = (
                prop::collection::vec(any::<bool>(), n_topics + 1),
                prop::collection::vec((0..=n_topics, -1..7i32), 0..6),
                -1..3i32,
                prop::option::of(0..4u8),
            );
            (
                Just(partition_counts),
                prop::collection::vec(one, n_members),
                Just(equal),
            )
        })
        .prop_map(|(partition_counts, raw, equal)| {
            let name = |i: usize| {
                if i < partition_counts.len() {
                    format!("t{i}")
                } else {
                    "ghost".to_string()
                }
            };
            let t: BTreeMap<String, i32> = partition_counts
                .iter()
                .enumerate()
                .map(|(i, &n)| (name(i), n))
                .collect();
            let first_mask = raw[0].0.clone();
            let members = raw
                .into_iter()
                .enumerate()
                .map(|(i, (mask, owned, generation, instance))| {
                    let mask = if equal { first_mask.clone() } else { mask };
                    let owned: Vec<(usize, i32)> = owned;
                    let flat: BTreeSet<(String, i32)> =
                        owned.into_iter().map(|(t, p)| (name(t), p)).collect();
                    let flat: BTreeSet<(&str, i32)> =
                        flat.iter().map(|(t, p)| (t.as_str(), *p)).collect();
                    MemberSubscription {
                        member_id: format!("m{i}"),
                        group_instance_id: instance.map(|k| format!("i{k}-{i}")),
                        topics: (0..mask.len()).filter(|&k| mask[k]).map(name).collect(),
                        owned_partitions: group_by_topic(flat),
                        generation_id: generation,
                    }
                })
                .collect();
            (t, members)
        })
}

/// Partition to the members it was given to.
fn holders(a: &BTreeMap<String, Vec<TopicPartitions>>) -> BTreeMap<(String, i32), Vec<String>> {
    let mut map: BTreeMap<(String, i32), Vec<String>> = BTreeMap::new();
    for (m, tps) in a {
        for tp in tps {
            for &p in &tp.partitions {
                map.entry((tp.topic.clone(), p))
                    .or_default()
                    .push(m.clone());
            }
        }
    }
    map
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn assignments_are_valid((t, members) in group()) {
        let by_id: BTreeMap<&str, &MemberSubscription> =
            members.iter().map(|m| (m.member_id.as_str(), m)).collect();
        let sticky = assign(AssignorKind::Sticky, &t, &members);
        for kind in AssignorKind::ALL {
            let a = assign(kind, &t, &members);
            let ids: BTreeSet<&str> = a.keys().map(String::as_str).collect();
            prop_assert_eq!(&ids, &by_id.keys().copied().collect(), "every member has an entry");
            for (m, tps) in &a {
                let mut sorted = tps.clone();
                sorted.sort();
                prop_assert_eq!(&sorted, tps, "topics sorted");
                for tp in tps {
                    prop_assert!(by_id[m.as_str()].topics.contains(&tp.topic), "{} not subscribed to {}", m, tp.topic);
                    prop_assert!(!tp.partitions.is_empty());
                    prop_assert!(tp.partitions.windows(2).all(|w| w[0] < w[1]), "partitions ascending");
                }
            }
            let held = holders(&a);
            for ((topic, p), owners) in &held {
                prop_assert_eq!(owners.len(), 1, "{}p{} given to {:?} by {}", topic, p, owners, kind);
            }
            // Every partition of a topic somebody subscribes to is assigned (cooperative
            // may withhold, but only what another member still claims).
            for (topic, &n) in &t {
                if !members.iter().any(|m| m.topics.contains(topic)) {
                    continue;
                }
                for p in 0..n {
                    let key = (topic.clone(), p);
                    if kind == AssignorKind::CooperativeSticky && !held.contains_key(&key) {
                        let target = &holders(&sticky)[&key][0];
                        let claimed_by_other = members.iter().any(|m| &m.member_id != target
                            && m.owned_partitions.iter().any(|tp| &tp.topic == topic && tp.partitions.contains(&p)));
                        prop_assert!(claimed_by_other, "{}p{} withheld for no reason", topic, p);
                    } else {
                        prop_assert!(held.contains_key(&key), "{}p{} unassigned by {}", topic, p, kind);
                    }
                }
            }
        }
    }

    #[test]
    fn output_does_not_depend_on_member_order((t, members) in group(), rotate in 0..6usize) {
        let mut shuffled = members.clone();
        shuffled.reverse();
        let len = shuffled.len();
        shuffled.rotate_left(rotate % len);
        for kind in AssignorKind::ALL {
            prop_assert_eq!(assign(kind, &t, &members), assign(kind, &t, &shuffled), "{}", kind);
        }
    }

    #[test]
    fn sticky_is_balanced((t, members) in group()) {
        let a = assign(AssignorKind::Sticky, &t, &members);
        let count = |m: &str| -> usize { a[m].iter().map(|tp| tp.partitions.len()).sum() };
        let subscribed = |m: &MemberSubscription| -> BTreeSet<String> {
            m.topics.iter().filter(|x| t.contains_key(*x)).cloned().collect()
        };
        let first = subscribed(&members[0]);
        if members.iter().all(|m| subscribed(m) == first) {
            let c = counts(&a);
            prop_assert!(c.iter().max().unwrap() - c.iter().min().unwrap() <= 1, "{:?}", c);
        }
        // In general: nobody could take a partition from a member with two more.
        for (m, tps) in &a {
            for tp in tps {
                for p in &tp.partitions {
                    for other in &members {
                        if other.topics.contains(&tp.topic) {
                            prop_assert!(count(&other.member_id) + 2 > count(m),
                                "{}p{} could move from {} to {}", tp.topic, p, m, other.member_id);
                        }
                    }
                }
            }
        }
    }

    /// With equal subscriptions, a member leaving a sticky group moves only its own
    /// partitions, and a cooperative rebalance completes in two rounds.
    #[test]
    fn sticky_scale_in_moves_only_the_leavers_partitions(
        n in 0..20i32, members_n in 2..6usize, leaver in 0..6usize, joiners in 1..3usize,
    ) {
        let t = topics(&[("a", n), ("b", n / 2)]);
        let members: Vec<_> = (0..members_n).map(|i| member(&format!("m{i}"), &["a", "b"])).collect();
        let before = assign(AssignorKind::Sticky, &t, &members);
        let leaver = &members[leaver % members_n].member_id;
        let survivors: Vec<_> = rejoin(&members, &before, 1).into_iter().filter(|m| &m.member_id != leaver).collect();
        let after = assign(AssignorKind::Sticky, &t, &survivors);
        let leavers_count: usize = before[leaver].iter().map(|tp| tp.partitions.len()).sum();
        prop_assert_eq!(moved_partitions(&before, &after), leavers_count);

        // Scale out cooperatively: round one only revokes, round two completes.
        let mut grown = rejoin(&members, &before, 1);
        grown.extend((0..joiners).map(|i| member(&format!("new{i}"), &["a", "b"])));
        let target = assign(AssignorKind::Sticky, &t, &grown);
        let round1 = assign(AssignorKind::CooperativeSticky, &t, &grown);
        for (m, tps) in &round1 {
            let owned: BTreeSet<_> = holders(&BTreeMap::from([(m.clone(), tps.clone())])).into_keys().collect();
            let was: BTreeSet<_> = holders(&BTreeMap::from([(m.clone(), before.get(m).cloned().unwrap_or_default())])).into_keys().collect();
            prop_assert!(owned.is_subset(&was), "round one gives {} nothing new", m);
        }
        let round2 = assign(AssignorKind::CooperativeSticky, &t, &rejoin(&grown, &round1, 2));
        prop_assert_eq!(&round2, &target);
        prop_assert_eq!(moved_partitions(&round1, &round2), 0);
    }
}
