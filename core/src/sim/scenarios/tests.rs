//! Every scenario's stated outcome, for several seeds.

use super::*;
use crate::client::TopicPartition;
use crate::event::Event;
use crate::sim::world::WorldEventKind;

const SEEDS: [u64; 5] = [0, 1, 7, 42, 9_999];

fn committed(world: &World, group: &str, topic: &str, partition: i32) -> Option<i64> {
    world
        .broker
        .offsets()
        .fetch(group, topic, partition)
        .map(|o| o.offset)
}

#[test]
fn s1_pod_restart_rereads_95_to_100() {
    let s = by_id("S1").unwrap();
    for seed in SEEDS {
        let mut world = s.world(seed);
        let mut events = Vec::new();
        for (at, command) in &s.script {
            world.run_until(*at);
            world.apply(command.clone());
        }
        world.run_until(s.duration);
        events.extend(world.take_events());
        let tp = TopicPartition::new("user-events", 0);
        // B is assigned partition 0 only after the session timeout (crash at 12 s + 30 s).
        let assigned_to_b = events
            .iter()
            .find(|e| matches!(&e.kind, WorldEventKind::Consumer { name, event: crate::client::consumer::ConsumerEvent::PartitionsAssigned(p) } if name == "B" && p.contains(&tp)))
            .map(|e| e.at)
            .expect("B gets partition 0");
        assert!(
            assigned_to_b >= 12_000 + 30_000 - 3_000,
            "seed {seed}: at {assigned_to_b}"
        );
        // B starts at 95: its first processed offset.
        let first_b = events
            .iter()
            .find_map(|e| match &e.kind {
                WorldEventKind::Processed { name, offset, .. } if name == "B" => Some(*offset),
                _ => None,
            })
            .expect("B processes");
        assert_eq!(first_b, 95, "seed {seed}");
        for offset in 95..=100 {
            assert_eq!(
                world.tracker.times_processed("group-1", &tp, offset),
                2,
                "seed {seed} offset {offset}"
            );
        }
        assert_eq!(world.duplicates(), 6, "seed {seed}");
        assert_eq!(world.lost(), 0, "seed {seed}");
        assert!(events.iter().any(|e| matches!(
            &e.kind,
            WorldEventKind::Broker {
                event: Event::MemberRemoved {
                    reason: crate::event::RemovalReason::SessionTimeout,
                    ..
                }
            }
        )));
    }
}

#[test]
fn s1b_graceful_restart_has_no_duplicates_and_rebalances_at_once() {
    let s = by_id("S1b").unwrap();
    for seed in SEEDS {
        let mut world = s.run(seed);
        let events = world.take_events();
        let tp = TopicPartition::new("user-events", 0);
        let rebalance = events
            .iter()
            .find(|e| {
                e.at >= 12_000
                    && matches!(
                        &e.kind,
                        WorldEventKind::Broker {
                            event: Event::RebalanceStarted { .. }
                        }
                    )
            })
            .map(|e| e.at)
            .expect("a rebalance after the stop");
        assert!(
            rebalance < 12_000 + 1_000,
            "seed {seed}: rebalance at {rebalance}"
        );
        assert_eq!(world.duplicates(), 0, "seed {seed}");
        assert_eq!(world.lost(), 0, "seed {seed}");
        assert_eq!(
            committed(&world, "group-1", "user-events", 0),
            Some(101),
            "seed {seed}"
        );
        let b = world.consumer("B").unwrap();
        assert_eq!(b.consumer.assignment(), vec![tp]);
    }
}

#[test]
fn scenarios_have_narration_in_both_languages() {
    for s in all() {
        assert!(!s.narration.is_empty(), "{}", s.id);
        for n in &s.narration {
            assert!(!n.en.is_empty() && !n.zh.is_empty(), "{}", s.id);
            assert!(n.at <= s.duration, "{}", s.id);
        }
    }
}
