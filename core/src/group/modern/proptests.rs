//! Properties of the consumer protocol under random joins, heartbeats, leaves, silences
//! and topic growth.

use proptest::prelude::*;

use crate::group::modern::tests::{request, Bench};
use crate::group::modern::{Assignment, ConsumerGroupState};

#[derive(Debug, Clone)]
enum Op {
    Join(usize, bool),
    Beat(usize),
    /// A heartbeat that still claims everything it was asked to revoke.
    Stubborn(usize),
    Leave(usize),
    Wait(u16),
    Grow(u8),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..4usize, any::<bool>()).prop_map(|(m, both)| Op::Join(m, both)),
        (0..4usize).prop_map(Op::Beat),
        (0..4usize).prop_map(Op::Beat),
        (0..4usize).prop_map(Op::Stubborn),
        (0..4usize).prop_map(Op::Leave),
        (0..20_000u16).prop_map(Op::Wait),
        (0..3u8).prop_map(Op::Grow),
    ]
}

const NAMES: [&str; 4] = ["m0", "m1", "m2", "m3"];

/// No partition is held (assigned or not yet revoked) by two members at once: the
/// guarantee that no two consumers read the same partition.
fn assert_exclusive(b: &Bench) {
    let Some(g) = b.c.group("g") else { return };
    let mut seen = Assignment::new();
    for m in g.members.values() {
        let held = m.held();
        assert!(
            seen.intersect(&held).is_empty(),
            "partition held twice: {:?}",
            g.members
        );
        seen = seen.union(&held);
    }
}

fn step(b: &mut Bench, op: &Op) {
    let member = |i: usize| NAMES[i];
    let known = |b: &Bench, m: &str| b.c.group("g").is_some_and(|g| g.members.contains_key(m));
    match op {
        Op::Join(i, both) => {
            if !known(b, member(*i)) {
                let topics: &[&str] = if *both { &["a", "b"] } else { &["a"] };
                b.join(member(*i), topics);
            }
        }
        Op::Beat(i) => {
            if known(b, member(*i)) {
                b.beat(member(*i));
            }
        }
        Op::Stubborn(i) => {
            if known(b, member(*i)) {
                let m = b.member(member(*i));
                let mut r = request(member(*i), m.member_epoch);
                r.owned = Some(m.held());
                b.send(r);
            }
        }
        Op::Leave(i) => {
            if known(b, member(*i)) {
                b.send(request(member(*i), -1));
            }
        }
        Op::Wait(ms) => b.advance(i64::from(*ms)),
        Op::Grow(t) => {
            let name = ["a", "b", "a"][usize::from(*t)];
            *b.topics.get_mut(name).expect("topic") += 1;
        }
    }
}

proptest! {
    #[test]
    fn a_partition_is_never_held_by_two_members(ops in prop::collection::vec(op(), 1..80)) {
        let mut b = Bench::new(&[("a", 3), ("b", 2)]);
        for op in &ops {
            step(&mut b, op);
            assert_exclusive(&b);
        }
    }

    /// Once members stop changing and heartbeat like well-behaved clients, the group
    /// becomes Stable and every subscribed partition is assigned to exactly one member.
    #[test]
    fn stable_members_converge_to_a_full_assignment(ops in prop::collection::vec(op(), 1..60)) {
        let mut b = Bench::new(&[("a", 3), ("b", 2)]);
        for op in &ops {
            step(&mut b, op);
        }
        let members: Vec<String> = b
            .c
            .group("g")
            .map(|g| g.members.keys().cloned().collect())
            .unwrap_or_default();
        if members.is_empty() {
            return Ok(());
        }
        for _ in 0..6 {
            for m in &members {
                b.beat(m);
                assert_exclusive(&b);
            }
        }
        let g = b.c.group("g").unwrap();
        prop_assert_eq!(g.state(), ConsumerGroupState::Stable);
        let mut all = Assignment::new();
        for m in g.members.values() {
            all = all.union(&m.assigned);
        }
        let mut expected = 0;
        for t in g.subscribed_topics() {
            expected += usize::try_from(b.topics[&t]).unwrap();
        }
        prop_assert_eq!(all.len(), expected);
    }
}
