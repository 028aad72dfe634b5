//! `group.protocol=consumer` (KIP-848) against the real broker, time passed in by the test.

use crate::collections::{BTreeMap, BTreeSet};

use super::tests::{config, World};
use super::*;

fn consumer_protocol(name: &str) -> ConsumerConfig {
    ConsumerConfig {
        group_protocol: GroupProtocol::Consumer,
        ..config(name)
    }
}

fn owned(w: &World, i: usize) -> BTreeSet<i32> {
    w.consumers[i]
        .assignment()
        .iter()
        .map(|t| t.partition)
        .collect()
}

/// Run `ms` in 100 ms ticks with every consumer polling; fail if two consumers ever own
/// (or still fetch) one partition at once. Returns every record polled, per consumer.
fn run_checked(w: &mut World, ms: Millis) -> Vec<Vec<PolledRecord>> {
    let all: Vec<usize> = (0..w.consumers.len()).collect();
    let mut got = vec![Vec::new(); w.consumers.len()];
    for _ in 0..ms / 100 {
        for (i, records) in w.run(100, &all).into_iter().enumerate() {
            got[i].extend(records);
        }
        let mut seen: BTreeMap<i32, usize> = BTreeMap::new();
        for i in (0..w.consumers.len()).filter(|i| !w.dead[*i]) {
            for p in owned(w, i) {
                if let Some(other) = seen.insert(p, i) {
                    panic!("at {} partition {p} is owned by {other} and {i}", w.now);
                }
            }
        }
    }
    got
}

#[test]
fn a_member_joins_with_epoch_0_gets_an_epoch_and_reads_everything() {
    let mut w = World::new(3);
    for p in 0..3 {
        w.produce(p, 5);
    }
    let a = w.add(consumer_protocol("a"));
    w.consumers[a].subscribe(&[super::tests::TOPIC]);
    let got = run_checked(&mut w, 1_000);
    assert_eq!(got[a].len(), 15);
    assert_eq!(owned(&w, a), BTreeSet::from([0, 1, 2]));
    assert_eq!(w.consumers[a].member_state(), MemberState::Stable);
    assert!(w.consumers[a].member_epoch() >= 1);
    assert!(!w.consumers[a].member_id().is_empty());
    assert!(w.events[a]
        .iter()
        .any(|e| matches!(e, ConsumerEvent::JoinedGroup { leader: false, .. })));
    // The coordinator knows it as a consumer-protocol member at the same epoch.
    let group = w.broker.consumer_groups().group("g").unwrap();
    let member = group.members.values().next().unwrap();
    assert_eq!(member.member_epoch, w.consumers[a].member_epoch());
}

#[test]
fn a_newcomer_takes_only_the_partitions_that_move_and_nobody_stops_the_rest() {
    let mut w = World::new(6);
    let a = w.add(consumer_protocol("a"));
    let b = w.add(consumer_protocol("b"));
    w.consumers[a].subscribe(&[super::tests::TOPIC]);
    w.consumers[b].subscribe(&[super::tests::TOPIC]);
    run_checked(&mut w, 12_000);
    let before = (owned(&w, a), owned(&w, b));
    assert_eq!(before.0.len() + before.1.len(), 6);
    assert_eq!((before.0.len(), before.1.len()), (3, 3));
    let epoch_before = w.consumers[a].member_epoch();
    for p in 0..6 {
        w.produce(p, 10);
    }
    for events in w.events.iter_mut() {
        events.clear();
    }
    let c = w.add(consumer_protocol("c"));
    w.consumers[c].subscribe(&[super::tests::TOPIC]);
    // Until c has its share, sample every tick which partitions a and b still own.
    let mut kept_throughout = (before.0.clone(), before.1.clone());
    let mut got = vec![Vec::new(); 3];
    for _ in 0..150 {
        for (i, r) in run_checked(&mut w, 100).into_iter().enumerate() {
            got[i].extend(r);
        }
        kept_throughout.0.retain(|p| owned(&w, a).contains(p));
        kept_throughout.1.retain(|p| owned(&w, b).contains(p));
    }
    let after = (owned(&w, a), owned(&w, b), owned(&w, c));
    assert_eq!((after.0.len(), after.1.len(), after.2.len()), (2, 2, 2));
    // What a and b keep, they never stopped owning: no stop-the-world.
    assert_eq!(kept_throughout.0, after.0);
    assert_eq!(kept_throughout.1, after.1);
    assert!(after.0.is_subset(&before.0) && after.1.is_subset(&before.1));
    // Revocations name only the partitions that moved; nothing was lost.
    for i in [a, b] {
        for e in &w.events[i] {
            if let ConsumerEvent::PartitionsRevoked(tps) = e {
                assert!(tps.iter().all(|t| after.2.contains(&t.partition)), "{e:?}");
            }
            assert!(!matches!(e, ConsumerEvent::PartitionsLost(_)), "{e:?}");
        }
    }
    assert!(w.consumers[a].member_epoch() > epoch_before);
    // The revoking member committed before it acknowledged: c started where it stopped,
    // so every record was read once.
    let mut reads: BTreeMap<(i32, Offset), usize> = BTreeMap::new();
    for r in got.iter().flatten() {
        *reads.entry((r.tp.partition, r.offset)).or_default() += 1;
    }
    assert_eq!(reads.len(), 60);
    assert!(reads.values().all(|n| *n == 1), "{reads:?}");
}

#[test]
fn a_crashed_member_is_replaced_after_the_session_timeout_and_a_closed_one_at_once() {
    let mut w = World::new(4);
    let a = w.add(consumer_protocol("a"));
    let b = w.add(consumer_protocol("b"));
    w.consumers[a].subscribe(&[super::tests::TOPIC]);
    w.consumers[b].subscribe(&[super::tests::TOPIC]);
    run_checked(&mut w, 12_000);
    assert_eq!(owned(&w, a).len(), 2);
    // A crash says nothing: the coordinator waits out its session (45 s by default).
    w.dead[b] = true;
    run_checked(&mut w, 40_000);
    assert_eq!(owned(&w, a).len(), 2, "still waiting for b's session");
    run_checked(&mut w, 12_000);
    assert_eq!(owned(&w, a).len(), 4, "b's session ran out");

    // A clean close leaves with epoch -1: the partitions move at the next heartbeat.
    let c = w.add(consumer_protocol("c"));
    w.consumers[c].subscribe(&[super::tests::TOPIC]);
    run_checked(&mut w, 12_000);
    assert_eq!(owned(&w, c).len(), 2);
    let now = w.now;
    w.consumers[a].close(now);
    run_checked(&mut w, 6_000);
    assert_eq!(owned(&w, c).len(), 4);
}
