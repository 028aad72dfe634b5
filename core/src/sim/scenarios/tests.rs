//! Every scenario's stated outcome, for several seeds.

use crate::collections::BTreeMap;

use super::*;
use crate::client::assignor::{assign, moved_partitions, AssignorKind, MemberSubscription};
use crate::client::consumer::{AutoOffsetReset, ConsumerEvent};
use crate::client::TopicPartition;
use crate::event::{Event, RemovalReason, TopicPartitions};
use crate::sim::world::{WorldEvent, WorldEventKind};

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

// --- helpers -----------------------------------------------------------------------------

/// Run `s` with `seed`; at each time in `probes` (ascending), after the commands of that
/// moment, call `probe`. Returns the world at the end and every event of the run.
fn run_probing(
    s: &Scenario,
    seed: u64,
    probes: &[Millis],
    mut probe: impl FnMut(Millis, &World),
) -> (World, Vec<WorldEvent>) {
    let mut world = s.world(seed);
    let mut commands = s.script.iter().peekable();
    for &p in probes {
        while let Some((at, command)) = commands.next_if(|(at, _)| *at <= p) {
            world.run_until(*at);
            world.apply(command.clone());
        }
        world.run_until(p);
        probe(p, &world);
    }
    for (at, command) in commands {
        world.run_until(*at);
        world.apply(command.clone());
    }
    world.run_until(s.duration);
    let events = world.take_events();
    (world, events)
}

fn run(s: &Scenario, seed: u64) -> (World, Vec<WorldEvent>) {
    run_probing(s, seed, &[], |_, _| {})
}

/// `(time, event)` of consumer `name`.
fn consumer_events<'a>(
    events: &'a [WorldEvent],
    name: &'a str,
) -> impl Iterator<Item = (Millis, &'a ConsumerEvent)> + 'a {
    events.iter().filter_map(move |e| match &e.kind {
        WorldEventKind::Consumer { name: n, event } if n == name => Some((e.at, event)),
        _ => None,
    })
}

fn broker_events(events: &[WorldEvent]) -> impl Iterator<Item = &Event> {
    events.iter().filter_map(|e| match &e.kind {
        WorldEventKind::Broker { event } => Some(event),
        _ => None,
    })
}

/// `(time, offset)` of every record consumer `name` processed in `tp`.
fn processed(events: &[WorldEvent], name: &str, tp: &TopicPartition) -> Vec<(Millis, i64)> {
    events
        .iter()
        .filter_map(|e| match &e.kind {
            WorldEventKind::Processed {
                name: n,
                tp: t,
                offset,
                ..
            } if n == name && t == tp => Some((e.at, *offset)),
            _ => None,
        })
        .collect()
}

fn commits_of(events: &[WorldEvent], group: &str) -> usize {
    broker_events(events)
        .filter(|e| matches!(e, Event::OffsetCommitted { group: g, .. } if g == group))
        .count()
}

fn rebalances_after(events: &[WorldEvent], group: &str, after: Millis) -> usize {
    broker_events(events)
        .filter(|e| {
            matches!(e, Event::RebalanceStarted { group: g, at, .. } if g == group && *at >= after)
        })
        .count()
}

fn generations_after(events: &[WorldEvent], group: &str, after: Millis) -> usize {
    broker_events(events)
        .filter(|e| {
            matches!(e, Event::GenerationStarted { group: g, at, .. } if g == group && *at >= after)
        })
        .count()
}

fn assignment(world: &World, name: &str) -> Vec<TopicPartition> {
    world.consumer(name).unwrap().consumer.assignment()
}

/// The scenario with consumer `name`'s spec changed by `change`.
fn with_consumer(
    s: &Scenario,
    name: &str,
    change: impl Fn(&mut crate::sim::ConsumerSpec),
) -> Scenario {
    let mut s = s.clone();
    for (_, command) in s.script.iter_mut() {
        if let Command::AddConsumer(spec) = command {
            if spec.name == name {
                change(spec);
            }
        }
    }
    s
}

// --- S2 ----------------------------------------------------------------------------------

#[test]
fn s2_seek_moves_only_the_consumer_position() {
    use super::s02_seek::*;
    let s = by_id("S2").unwrap();
    let tp1 = TopicPartition::new(S2_TOPIC, 1);
    for seed in SEEDS {
        let mut seen = Vec::new();
        let probes = [
            S2_SEEK_BACK_AT - 1,
            S2_SEEK_BACK_AT,
            S2_SEEK_PAST_END_AT - 1,
            S2_SEEK_PAST_END_AT,
        ];
        let (world, events) = run_probing(&s, seed, &probes, |_, w| {
            let c = &w.consumer("C").unwrap().consumer;
            seen.push((committed(w, S2_GROUP, S2_TOPIC, 1), c.position(&tp1)));
        });
        let log_end = world
            .broker
            .topic(S2_TOPIC)
            .unwrap()
            .partition(1)
            .unwrap()
            .log_end_offset();
        assert!(
            log_end > 10,
            "seed {seed}: partition 1 has {log_end} records"
        );
        // Before the seek, everything of partition 1 was processed and committed.
        assert_eq!(seen[0], (Some(log_end), Some(log_end)), "seed {seed}");
        // The seek moved the position to 10 and left the broker's committed offset alone.
        assert_eq!(seen[1], (Some(log_end), Some(10)), "seed {seed}");
        // Seeking past the end: the same (with no network delay, the fetch, its
        // OFFSET_OUT_OF_RANGE and the reset all happen at the moment of the seek).
        assert_eq!(seen[2].0, Some(log_end), "seed {seed}");
        assert_eq!(seen[3].0, Some(log_end), "seed {seed}");
        // The next fetch asks for 10 and the next processed record of partition 1 is 10.
        let next_fetch = broker_events(&events)
            .find_map(|e| match e {
                Event::FetchServed {
                    at,
                    topic,
                    partition: 1,
                    fetch_offset,
                    ..
                } if *at >= S2_SEEK_BACK_AT && topic == S2_TOPIC => Some(*fetch_offset),
                _ => None,
            })
            .expect("a fetch after the seek");
        assert_eq!(next_fetch, 10, "seed {seed}");
        let next = processed(&events, "C", &tp1)
            .into_iter()
            .find(|(at, _)| *at >= S2_SEEK_BACK_AT)
            .map(|(_, o)| o);
        assert_eq!(next, Some(10), "seed {seed}");
        // Past the end: OFFSET_OUT_OF_RANGE at the broker, then auto.offset.reset=earliest.
        assert!(broker_events(&events).any(|e| matches!(
            e,
            Event::FetchOutOfRange { partition: 1, fetch_offset, .. } if *fetch_offset == S2_PAST_END
        )));
        let reset = consumer_events(&events, "C").find_map(|(_, e)| match e {
            ConsumerEvent::PositionReset {
                tp,
                from,
                to,
                out_of_range: true,
            } if *tp == tp1 => Some((*from, *to)),
            _ => None,
        });
        assert_eq!(reset, Some((Some(S2_PAST_END), 0)), "seed {seed}");
        assert_eq!(world.lost(), 0, "seed {seed}");
    }
    // The other two policies, same script.
    for (reset, seed) in [(AutoOffsetReset::Latest, 1), (AutoOffsetReset::None, 42)] {
        let s = with_consumer(&s, "C", |spec| spec.auto_offset_reset = reset);
        let (world, events) = run(&s, seed);
        let log_end = world
            .broker
            .topic(S2_TOPIC)
            .unwrap()
            .partition(1)
            .unwrap()
            .log_end_offset();
        let resets: Vec<_> = consumer_events(&events, "C")
            .filter_map(|(_, e)| match e {
                ConsumerEvent::PositionReset {
                    tp,
                    to,
                    out_of_range: true,
                    ..
                } if *tp == tp1 => Some(*to),
                _ => None,
            })
            .collect();
        let stuck = consumer_events(&events, "C").any(|(_, e)| {
            matches!(e, ConsumerEvent::OffsetOutOfRange { tp, offset } if *tp == tp1 && *offset == S2_PAST_END)
        });
        match reset {
            AutoOffsetReset::Latest => {
                assert_eq!(resets, vec![log_end]);
                assert!(!stuck);
            }
            _ => {
                assert!(resets.is_empty());
                assert!(stuck);
                let c = &world.consumer("C").unwrap().consumer;
                assert_eq!(c.position(&tp1), Some(S2_PAST_END));
            }
        }
        assert_eq!(committed(&world, S2_GROUP, S2_TOPIC, 1), Some(log_end));
    }
}

// --- S3 ----------------------------------------------------------------------------------

#[test]
fn s3_five_offsets_differ_and_are_ordered() {
    use super::s03_three_layers::*;
    let s = by_id("S3").unwrap();
    let tp = TopicPartition::new(S3_TOPIC, 0);
    for seed in SEEDS {
        let mut checked = false;
        run_probing(&s, seed, &[S3_LOOK_AT], |_, w| {
            let layers = w.consumer("C").unwrap().consumer.offsets(&tp).unwrap();
            let (Some(log_start), Some(committed_), Some(processed_), Some(position), Some(hw)) = (
                layers.log_start,
                layers.committed,
                layers.processed,
                layers.position,
                layers.high_watermark,
            ) else {
                panic!("seed {seed}: a layer is missing: {layers:?}");
            };
            assert!(
                0 < log_start
                    && log_start < committed_
                    && committed_ < processed_
                    && processed_ < position
                    && position < hw,
                "seed {seed}: {layers:?}"
            );
            // The consumer's numbers are the broker's: its log bounds as of the last
            // fetch, and the committed offset it stored.
            let log = w.broker.topic(S3_TOPIC).unwrap().partition(0).unwrap();
            assert_eq!(log_start, log.log_start_offset(), "seed {seed}");
            assert_eq!(hw, log.high_watermark(), "seed {seed}");
            assert_eq!(Some(committed_), committed(w, S3_GROUP, S3_TOPIC, 0));
            // The numbers the narration quotes.
            assert_eq!(
                (log_start, committed_, processed_, position, hw),
                (150, 285, 300, 310, 315),
                "seed {seed}: update S3's narration"
            );
            checked = true;
        });
        assert!(checked);
    }
}

// --- S4, S5 ------------------------------------------------------------------------------

#[test]
fn s4_commit_strategies_trade_commits_for_duplicates() {
    use super::s04_commit_strategies::*;
    let s = by_id("S4").unwrap();
    for seed in SEEDS {
        let (world, events) = run(&s, seed);
        let [per_record, per_batch, auto] = S4_GROUPS;
        let dups = |g| world.duplicates_in(g);
        assert_eq!(dups(per_record), 0, "seed {seed}");
        assert!(
            dups(per_batch) > 0 && dups(per_batch) <= BATCH,
            "seed {seed}: {}",
            dups(per_batch)
        );
        // Up to 5 s of records (10 ms each), the auto-commit firing at the next poll.
        assert!(
            dups(auto) > dups(per_batch) && dups(auto) <= 5_000 / 10 + BATCH,
            "seed {seed}: {}",
            dups(auto)
        );
        let commits: Vec<usize> = S4_GROUPS.iter().map(|g| commits_of(&events, g)).collect();
        assert!(
            commits[0] > commits[1] && commits[1] > commits[2],
            "seed {seed}: {commits:?}"
        );
        assert!(commits[0] >= 1_000, "seed {seed}: {commits:?}");
        for g in S4_GROUPS {
            assert_eq!(world.lost_in(g), 0, "seed {seed} {g}");
            // Everything was processed in the end.
            let tp = TopicPartition::new(S4_TOPIC, 0);
            assert_eq!(
                world.tracker.times_processed(g, &tp, 999),
                1,
                "seed {seed} {g}"
            );
        }
    }
}

#[test]
fn s5_at_most_once_loses_the_rest_of_the_batch_at_least_once_repeats_it() {
    use super::{s04_commit_strategies::*, s05_at_most_once::*};
    let s = by_id("S5").unwrap();
    for seed in SEEDS {
        let (world, _) = run(&s, seed);
        let lost = world.lost_in(AT_MOST_ONCE);
        let dups = world.duplicates_in(AT_LEAST_ONCE);
        assert_eq!(world.duplicates_in(AT_MOST_ONCE), 0, "seed {seed}");
        assert!(lost > 0 && lost <= BATCH, "seed {seed}: {lost}");
        assert_eq!(world.lost_in(AT_LEAST_ONCE), 0, "seed {seed}");
        assert!(dups > 0 && dups <= BATCH, "seed {seed}: {dups}");
        // They crashed at the same record: what one skipped plus what the other repeated
        // is exactly the batch.
        assert_eq!(lost + dups, BATCH, "seed {seed}");
        assert_eq!(world.lost(), lost, "seed {seed}");
        assert_eq!(world.duplicates(), dups, "seed {seed}");
    }
}

// --- S6, S7 ------------------------------------------------------------------------------

#[test]
fn s6_scale_out_4_then_2_2_then_2_1_1_then_1_each_then_a_standby() {
    use super::s06_scale_out::*;
    let s = by_id("S6").unwrap();
    let probes: Vec<Millis> = (1..=5).map(|k| k * S6_STEP - 1_000).collect();
    let expected: [&[usize]; 5] = [&[4], &[2, 2], &[2, 1, 1], &[1, 1, 1, 1], &[1, 1, 1, 1, 0]];
    for seed in SEEDS {
        let mut sizes = Vec::new();
        let (world, events) = run_probing(&s, seed, &probes, |_, w| {
            sizes.push(
                w.consumers
                    .iter()
                    .map(|c| c.consumer.assignment().len())
                    .collect::<Vec<_>>(),
            );
        });
        for (got, want) in sizes.iter().zip(expected) {
            // Range gives the extra partitions to the first members by member id, and
            // member ids start with the client id: c1, c2...
            assert_eq!(got.as_slice(), want, "seed {seed}: {sizes:?}");
        }
        let c5 = world.consumer("c5").unwrap();
        assert!(c5.consumer.assignment().is_empty());
        assert_eq!(
            c5.consumer.member_state(),
            crate::client::consumer::MemberState::Stable
        );
        let last = broker_events(&events)
            .filter_map(|e| match e {
                Event::AssignmentCompleted { assignment, .. } => Some(assignment),
                _ => None,
            })
            .last()
            .unwrap();
        assert_eq!(last.len(), 5);
        let standby: Vec<&str> = last
            .iter()
            .filter(|m| m.is_standby())
            .map(|m| m.client_id.as_str())
            .collect();
        assert_eq!(standby, vec!["c5"], "seed {seed}");
    }
}

#[test]
fn s7_eager_revokes_everything_cooperative_only_what_moves_in_two_rounds() {
    use super::s07_eager_vs_cooperative::*;
    let s = by_id("S7").unwrap();
    for seed in SEEDS {
        let mut before = BTreeMap::new();
        let (world, events) = run_probing(&s, seed, &[S7_JOIN_AT - 1], |_, w| {
            for c in &w.consumers {
                before.insert(c.spec.name.clone(), c.consumer.assignment());
            }
        });
        for group in [EAGER, COOPERATIVE] {
            for i in 1..=2 {
                let name = format!("{group}-{i}");
                let owned = &before[&name];
                assert_eq!(owned.len(), 3, "seed {seed} {name}");
                let revoked: Vec<&Vec<TopicPartition>> = consumer_events(&events, &name)
                    .filter_map(|(at, e)| match e {
                        ConsumerEvent::PartitionsRevoked(p) if at >= S7_JOIN_AT => Some(p),
                        _ => None,
                    })
                    .collect();
                assert_eq!(revoked.len(), 1, "seed {seed} {name}: {revoked:?}");
                if group == EAGER {
                    // Everything it owned, although it gets 2 of them back.
                    assert_eq!(revoked[0], owned, "seed {seed} {name}");
                } else {
                    // Only the partition that moves.
                    assert_eq!(revoked[0].len(), 1, "seed {seed} {name}");
                    assert!(owned.contains(&revoked[0][0]));
                }
                // Both end up keeping 2 of their 3 (the same sticky target).
                let now = assignment(&world, &name);
                assert_eq!(now.len(), 2, "seed {seed} {name}");
                assert!(now.iter().all(|p| owned.contains(p)), "seed {seed} {name}");
            }
            assert_eq!(
                assignment(&world, &format!("{group}-3")).len(),
                2,
                "seed {seed} {group}"
            );
        }
        assert_eq!(
            generations_after(&events, EAGER, S7_JOIN_AT),
            1,
            "seed {seed}"
        );
        assert_eq!(
            generations_after(&events, COOPERATIVE, S7_JOIN_AT),
            2,
            "seed {seed}"
        );
    }
}

#[test]
fn s7_while_the_group_waits_for_its_slow_member_only_the_cooperative_one_keeps_reading() {
    use super::s07_eager_vs_cooperative::*;
    let s = by_id("S7").unwrap();
    for seed in SEEDS {
        let (_, events) = run_probing(&s, seed, &[], |_, _| {});
        // The window: from member 1's revocation (eager) until its new assignment.
        let revoked_at = consumer_events(&events, "eager-1")
            .find_map(|(at, e)| {
                matches!(e, ConsumerEvent::PartitionsRevoked(_) if at >= S7_JOIN_AT).then_some(at)
            })
            .unwrap();
        let assigned_at = consumer_events(&events, "eager-1")
            .find_map(|(at, e)| {
                matches!(e, ConsumerEvent::PartitionsAssigned(_) if at > revoked_at).then_some(at)
            })
            .unwrap();
        // The rebalance waited for the slow member 2: a visible pause, not a blink.
        assert!(
            assigned_at - revoked_at >= 1_000,
            "seed {seed}: {revoked_at}..{assigned_at}"
        );
        let processed = |name: &str| {
            events
                .iter()
                .filter(|e| e.at > revoked_at && e.at < assigned_at)
                .filter(
                    |e| matches!(&e.kind, WorldEventKind::Processed { name: n, .. } if n == name),
                )
                .count()
        };
        assert_eq!(
            processed("eager-1"),
            0,
            "seed {seed}: eager stops the world"
        );
        assert!(
            processed("cooperative-1") > 10,
            "seed {seed}: cooperative keeps reading"
        );
    }
}

// --- S8, S9 ------------------------------------------------------------------------------

#[test]
fn s8_a_static_member_restarting_within_the_session_timeout_causes_no_rebalance() {
    use super::s08_static_membership::*;
    let s = by_id("S8").unwrap();
    for seed in SEEDS {
        let mut before = BTreeMap::new();
        let (world, events) = run_probing(&s, seed, &[S8_STOP_AT - 1], |_, w| {
            for c in &w.consumers {
                before.insert(c.spec.name.clone(), c.consumer.assignment());
            }
        });
        assert_eq!(before["pod-1"].len(), 2, "seed {seed}");
        assert_eq!(
            rebalances_after(&events, STATIC_GROUP, S8_STOP_AT),
            0,
            "seed {seed}"
        );
        assert!(
            broker_events(&events).any(|e| matches!(
                e,
                Event::StaticMemberReplaced { group, group_instance_id, at, .. }
                    if group == STATIC_GROUP && group_instance_id == "pod-1" && *at >= S8_RESTART_AT
            )),
            "seed {seed}"
        );
        // Same assignment back; pod-2 never noticed.
        assert_eq!(assignment(&world, "pod-1"), before["pod-1"], "seed {seed}");
        assert_eq!(assignment(&world, "pod-2"), before["pod-2"], "seed {seed}");
        assert!(
            !consumer_events(&events, "pod-2").any(|(at, e)| at >= S8_STOP_AT
                && matches!(
                    e,
                    ConsumerEvent::PartitionsRevoked(_) | ConsumerEvent::PartitionsLost(_)
                ))
        );
        // The dynamic group paid two rebalances for the same restart.
        assert!(
            rebalances_after(&events, DYNAMIC_GROUP, S8_STOP_AT) >= 2,
            "seed {seed}"
        );
        assert_eq!(world.duplicates(), 0, "seed {seed}");
        assert_eq!(world.lost(), 0, "seed {seed}");
    }
}

#[test]
fn s9_a_consumer_that_stops_polling_is_evicted_although_it_heartbeats() {
    use super::s09_slow_consumer::*;
    let s = by_id("S9").unwrap();
    for seed in SEEDS {
        let (world, events) = run(&s, seed);
        let slow_id = consumer_events(&events, "slow")
            .find_map(|(_, e)| match e {
                ConsumerEvent::JoinedGroup { member_id, .. } => Some(member_id.clone()),
                _ => None,
            })
            .unwrap();
        let left_at = consumer_events(&events, "slow")
            .find_map(|(at, e)| match e {
                ConsumerEvent::LeftGroup { reason } if reason.contains("max.poll.interval.ms") => {
                    Some(at)
                }
                _ => None,
            })
            .expect("slow leaves by itself");
        let max_poll = Millis::from(S9_MAX_POLL_MS);
        assert!(
            left_at > S9_SLOW_AT + max_poll && left_at < S9_SLOW_AT + max_poll + 1_000,
            "seed {seed}: left at {left_at}"
        );
        // Its heartbeats went on, answered without error, while it was stuck.
        let heartbeats = broker_events(&events)
            .filter(|e| {
                matches!(e, Event::Heartbeat { member_id, at, error: None, .. }
                if *member_id == slow_id && *at > S9_SLOW_AT && *at < left_at)
            })
            .count();
        assert!(heartbeats >= 3, "seed {seed}: {heartbeats}");
        assert!(broker_events(&events).any(|e| matches!(e,
            Event::MemberRemoved { member_id, reason: RemovalReason::LeaveGroup, .. } if *member_id == slow_id)));
        // The next assignment gives both partitions to fast.
        let next = broker_events(&events)
            .find_map(|e| match e {
                Event::AssignmentCompleted { at, assignment, .. } if *at >= left_at => {
                    Some(assignment.clone())
                }
                _ => None,
            })
            .unwrap();
        assert_eq!(next.len(), 1, "seed {seed}");
        assert_eq!(next[0].client_id, "fast");
        let both: usize = next[0]
            .partitions
            .as_ref()
            .unwrap()
            .iter()
            .map(|t| t.partitions.len())
            .sum();
        assert_eq!(both, 2, "seed {seed}");
        // fast really took over slow's partition while slow was still stuck.
        let slow_tp = TopicPartition::new(S9_TOPIC, 1);
        assert!(processed(&events, "fast", &slow_tp)
            .iter()
            .any(|(at, _)| *at > left_at && *at < S9_SLOW_AT + S9_SLOW_MS));
        // Once unstuck, slow rejoined and the group is balanced again.
        assert_eq!(assignment(&world, "slow"), vec![slow_tp], "seed {seed}");
        assert_eq!(world.lost(), 0, "seed {seed}");
    }
}

// --- S10 ---------------------------------------------------------------------------------

#[test]
fn s10_retention_overtakes_a_lagging_group_and_the_skipped_records_are_lost() {
    use super::s10_retention::*;
    let s = by_id("S10").unwrap();
    let tp = TopicPartition::new(S10_TOPIC, 0);
    let probes: Vec<Millis> = (1..60).map(|k| k * 500).collect();
    for seed in SEEDS {
        let mut passed_committed = false;
        let (world, events) = run_probing(&s, seed, &probes, |_, w| {
            let log_start = w
                .broker
                .topic(S10_TOPIC)
                .unwrap()
                .partition(0)
                .unwrap()
                .log_start_offset();
            if let Some(c) = committed(w, S10_GROUP, S10_TOPIC, 0) {
                passed_committed |= log_start > c;
            }
        });
        assert!(passed_committed, "seed {seed}");
        assert!(broker_events(&events).any(|e| matches!(e,
            Event::FetchOutOfRange { topic, fetch_offset, log_start_offset, .. }
                if topic == S10_TOPIC && fetch_offset < log_start_offset)));
        let resets: Vec<(i64, i64)> = consumer_events(&events, "laggard")
            .filter_map(|(_, e)| match e {
                ConsumerEvent::PositionReset {
                    from: Some(from),
                    to,
                    out_of_range: true,
                    ..
                } => Some((*from, *to)),
                _ => None,
            })
            .collect();
        assert!(!resets.is_empty(), "seed {seed}");
        // The numbers the narration quotes.
        assert_eq!(resets[0], (60, 96), "seed {seed}: update S10's narration");
        let mut skipped = 0;
        for (from, to) in &resets {
            assert!(to > from, "seed {seed}: {resets:?}");
            for o in *from..*to {
                assert_eq!(world.tracker.times_processed(S10_GROUP, &tp, o), 0);
            }
            skipped += (to - from) as usize;
        }
        assert_eq!(world.lost(), skipped, "seed {seed}");
        assert_eq!(world.duplicates(), 0, "seed {seed}");
    }
}

// --- S11 ---------------------------------------------------------------------------------

/// The assignment as a map partition -> consumer name.
fn owners(world: &World, names: &[String]) -> BTreeMap<TopicPartition, String> {
    let mut map = BTreeMap::new();
    for name in names {
        for tp in assignment(world, name) {
            assert!(
                map.insert(tp, name.clone()).is_none(),
                "a partition owned twice"
            );
        }
    }
    map
}

/// (sizes with members a and b, moves when c leaves a, b, c) by `assign` alone.
fn s11_by_the_assignor(kind: AssignorKind) -> (Vec<usize>, usize) {
    use super::s11_assignors::S11_TOPICS;
    let counts: BTreeMap<String, i32> = S11_TOPICS.iter().map(|t| (t.to_string(), 3)).collect();
    let member = |id: &str, owned: Vec<TopicPartitions>, generation_id| MemberSubscription {
        member_id: id.into(),
        group_instance_id: None,
        topics: S11_TOPICS.iter().map(|t| t.to_string()).collect(),
        owned_partitions: owned,
        generation_id,
    };
    let size = |tps: &Vec<TopicPartitions>| tps.iter().map(|t| t.partitions.len()).sum::<usize>();
    let two = assign(
        kind,
        &counts,
        &[member("a", vec![], -1), member("b", vec![], -1)],
    );
    let sizes = two.values().map(size).collect();
    let three = assign(
        kind,
        &counts,
        &[
            member("a", two["a"].clone(), 1),
            member("b", two["b"].clone(), 1),
            member("c", vec![], -1),
        ],
    );
    // (cooperative-sticky withholds c's partitions in the first round; the second round
    // gives them to c.)
    let three = if kind == AssignorKind::CooperativeSticky {
        assign(
            kind,
            &counts,
            &[
                member("a", three["a"].clone(), 2),
                member("b", three["b"].clone(), 2),
                member("c", three["c"].clone(), 2),
            ],
        )
    } else {
        three
    };
    let after = assign(
        kind,
        &counts,
        &[
            member("a", three["a"].clone(), 3),
            member("b", three["b"].clone(), 3),
        ],
    );
    (sizes, moved_partitions(&three, &after))
}

#[test]
fn s11_assignors_side_by_side_and_what_they_move_when_a_member_leaves() {
    use super::s11_assignors::*;
    let expected = [
        (AssignorKind::Range, vec![4, 2], 4),
        (AssignorKind::RoundRobin, vec![3, 3], 4),
        (AssignorKind::Sticky, vec![3, 3], 2),
        (AssignorKind::CooperativeSticky, vec![3, 3], 2),
    ];
    for (kind, sizes, moves) in &expected {
        assert_eq!(
            s11_by_the_assignor(*kind),
            (sizes.clone(), *moves),
            "{kind}"
        );
    }
    let s = by_id("S11").unwrap();
    for seed in SEEDS {
        let mut snapshots: Vec<BTreeMap<String, Vec<TopicPartition>>> = Vec::new();
        let (world, _) = run_probing(&s, seed, &[S11_JOIN_AT - 1, S11_LEAVE_AT - 1], |_, w| {
            snapshots.push(
                w.consumers
                    .iter()
                    .map(|c| (c.spec.name.clone(), c.consumer.assignment()))
                    .collect(),
            );
        });
        for (kind, sizes, moves) in &expected {
            let name = |m| consumer_of(*kind, m);
            let two: Vec<usize> = ["a", "b"]
                .iter()
                .map(|m| snapshots[0][&name(m)].len())
                .collect();
            assert_eq!(&two, sizes, "seed {seed} {kind}");
            for m in ["a", "b", "c"] {
                assert_eq!(snapshots[1][&name(m)].len(), 2, "seed {seed} {kind} {m}");
            }
            let mut before = BTreeMap::new();
            for m in ["a", "b", "c"] {
                for tp in &snapshots[1][&name(m)] {
                    before.insert(tp.clone(), name(m));
                }
            }
            let after = owners(&world, &[name("a"), name("b")]);
            assert_eq!(after.len(), 6, "seed {seed} {kind}");
            let moved = before
                .iter()
                .filter(|(tp, o)| after.get(*tp) != Some(*o))
                .count();
            assert_eq!(moved, *moves, "seed {seed} {kind}");
        }
        assert_eq!(world.lost(), 0, "seed {seed}");
    }
}

/// S12: a read_committed reader of the transactional output sees every order exactly
/// once; read_uncommitted sees the aborted copies; at-least-once duplicates.
#[test]
fn s12_exactly_once_has_neither_duplicates_nor_losses_under_read_committed() {
    let s = by_id("S12").unwrap();
    for seed in SEEDS {
        let world = s.run(seed);
        let eos = crate::sim::summary::EosSummary::of(&world).unwrap();
        assert_eq!(eos.read_committed.duplicates, 0, "seed {seed}");
        assert_eq!(eos.read_committed.lost, Some(0), "seed {seed}");
        assert!(eos.read_uncommitted.duplicates > 0, "seed {seed}: {eos:?}");
        assert!(eos.aborted_transactions >= 1, "seed {seed}: {eos:?}");
        assert_eq!(eos.committed_transactions, 15, "seed {seed}");
        let expected = world.committed_inputs(s12_exactly_once::INVOICES);
        assert_eq!(expected.len(), 300, "seed {seed}");
        let alo = world
            .tracker
            .output_count(s12_exactly_once::READ_ALO, &expected);
        assert!(alo.duplicates > 0, "seed {seed}: at-least-once repeats");
        assert_eq!(alo.lost, 0, "seed {seed}");
        // No read_committed consumer was ever handed an aborted record.
        let rc = world
            .tracker
            .output_count(s12_exactly_once::READ_COMMITTED, &expected);
        assert_eq!(rc.aborted, 0, "seed {seed}");
        // read_uncommitted read the copies while their transaction was still open (the
        // abort came later), so they are counted as duplicates, not as aborted reads.
        let ru = world
            .tracker
            .output_count(s12_exactly_once::READ_UNCOMMITTED, &expected);
        assert!(
            ru.aborted as usize <= eos.read_uncommitted.duplicates,
            "seed {seed}"
        );
        assert_eq!(world.lost(), 0, "seed {seed}");
    }
}

/// S13: the paused instance comes back after its replacement and is fenced; its last
/// transaction was aborted, and read_committed still sees each order once.
#[test]
fn s13_a_zombie_is_fenced_and_its_writes_aborted() {
    let s = by_id("S13").unwrap();
    for seed in SEEDS {
        let world = s.run(seed);
        let zombie = world.consumer(s13_zombie_fencing::ZOMBIE).unwrap();
        let p = zombie.pipeline.as_ref().unwrap();
        assert!(p.fenced, "seed {seed}");
        assert_eq!(
            p.last_error,
            Some(crate::error::KafkaError::ProducerFenced),
            "seed {seed}"
        );
        let eos = crate::sim::summary::EosSummary::of(&world).unwrap();
        assert!(eos.fenced);
        assert_eq!(eos.read_committed.duplicates, 0, "seed {seed}");
        assert_eq!(eos.read_committed.lost, Some(0), "seed {seed}");
        assert!(eos.aborted_transactions >= 1, "seed {seed}");
        assert!(eos.read_uncommitted.duplicates > 0, "seed {seed}");
        let expected = world.committed_inputs(s12_exactly_once::INVOICES);
        let rc = world
            .tracker
            .output_count(s12_exactly_once::READ_COMMITTED, &expected);
        assert_eq!(rc.aborted, 0, "seed {seed}");
    }
}

// --- S14 ---------------------------------------------------------------------------------

#[test]
fn s14_classic_stops_the_world_the_consumer_protocol_moves_only_what_changes() {
    use super::s14_consumer_protocol::*;
    let s = by_id("S14").unwrap();
    for seed in SEEDS {
        let mut before = BTreeMap::new();
        let mut twice_before_the_crash = None;
        let probes = [S14_JOIN_AT - 1, S14_CRASH_AT - 1];
        let (world, events) = run_probing(&s, seed, &probes, |t, w| {
            if t == S14_JOIN_AT - 1 {
                for c in &w.consumers {
                    before.insert(c.spec.name.clone(), c.consumer.assignment());
                }
            } else {
                twice_before_the_crash = Some(w.duplicates_in(CONSUMER));
            }
        });
        let join_window = |at: Millis| (S14_JOIN_AT..S14_CRASH_AT).contains(&at);
        for letter in ['A', 'B'] {
            // Classic (eager): a member revokes everything it owned when C joins.
            let name = member(CLASSIC, letter);
            let revoked: Vec<&Vec<TopicPartition>> = consumer_events(&events, &name)
                .filter_map(|(at, e)| match e {
                    ConsumerEvent::PartitionsRevoked(p) if join_window(at) => Some(p),
                    _ => None,
                })
                .collect();
            assert_eq!(revoked, vec![&before[&name]], "seed {seed} {name}");
            // Consumer protocol: only the partition that moves, and what it keeps it
            // never stops owning.
            let name = member(CONSUMER, letter);
            let owned = &before[&name];
            assert_eq!(owned.len(), 3, "seed {seed} {name}");
            let revoked: Vec<&Vec<TopicPartition>> = consumer_events(&events, &name)
                .filter_map(|(at, e)| match e {
                    ConsumerEvent::PartitionsRevoked(p) if join_window(at) => Some(p),
                    _ => None,
                })
                .collect();
            assert_eq!(revoked.len(), 1, "seed {seed} {name}: {revoked:?}");
            assert_eq!(revoked[0].len(), 1, "seed {seed} {name}");
            assert!(owned.contains(&revoked[0][0]), "seed {seed} {name}");
            assert!(
                !consumer_events(&events, &name)
                    .any(|(_, e)| matches!(e, ConsumerEvent::PartitionsLost(_))),
                "seed {seed} {name}"
            );
        }
        // The classic group needed a new generation for each change; every member
        // joined it. The consumer group never had one.
        let generations = generations_after(&events, CLASSIC, S14_JOIN_AT);
        assert_eq!(generations, 2, "seed {seed}");
        assert_eq!(generations_after(&events, CONSUMER, 0), 0, "seed {seed}");
        // After the crash: B and C own everything, 3 each, in both groups.
        for group in [CLASSIC, CONSUMER] {
            let b = assignment(&world, &member(group, 'B'));
            let c = assignment(&world, &member(group, 'C'));
            assert_eq!((b.len(), c.len()), (3, 3), "seed {seed} {group}");
        }
        // Consumer protocol: B's member epoch moved on with each target it reconciled to.
        let b = world.consumer(&member(CONSUMER, 'B')).unwrap();
        assert!(b.consumer.member_epoch() >= 4, "seed {seed}");
        // Nothing processed twice in the consumer group before the crash: every revocation
        // committed before it released the partition. (The crash re-delivers in both.)
        assert_eq!(twice_before_the_crash, Some(0), "seed {seed}");
        assert_eq!(world.lost(), 0, "seed {seed}");
        // The numbers of `minikafka scenario S14 --json`, counted from C's join on: strictly
        // fewer paused partition-seconds under the consumer protocol, in all and in each
        // phase; every classic member that was reading stopped at each change, no
        // consumer-protocol member ever did; eager stopped all 6 partitions each time, the
        // consumer protocol only the 2 that moved.
        let summary = crate::sim::summary::RunSummary::of(&world, Some("S14"));
        let p = summary
            .protocols
            .clone()
            .expect("S14 reports the protocols");
        eprintln!("seed {seed}: {p:?}");
        let names: Vec<&str> = p.phases.iter().map(|ph| ph.name.as_str()).collect();
        assert_eq!(names, ["join", "crash"]);
        assert_eq!(p.phases[0].from, S14_JOIN_AT);
        assert!(
            p.consumer.paused_partition_seconds < p.classic.paused_partition_seconds,
            "seed {seed}: {p:?}"
        );
        for phase in ["join", "crash"] {
            let (classic, consumer) = (&p.classic.phases[phase], &p.consumer.phases[phase]);
            assert!(
                consumer.paused_partition_seconds < classic.paused_partition_seconds,
                "seed {seed} {phase}: {p:?}"
            );
            assert_eq!(
                (classic.members_stopped, consumer.members_stopped),
                (2, 0),
                "seed {seed} {phase}"
            );
            assert_eq!(
                (classic.partitions_stopped, consumer.partitions_stopped),
                (6, 2),
                "seed {seed} {phase}"
            );
            assert_eq!((classic.rebalances, consumer.rebalances), (1, 1));
        }
        // The join is where the protocols differ most: classic waits for the slow B with
        // A's partitions stopped; the consumer protocol moves 2 partitions, a heartbeat each.
        let join = (&p.classic.phases["join"], &p.consumer.phases["join"]);
        assert!(
            join.0.paused_partition_seconds > 3.0 * join.1.paused_partition_seconds,
            "seed {seed}: {join:?}"
        );
        let sum: f64 = p
            .classic
            .phases
            .values()
            .map(|x| x.paused_partition_seconds)
            .sum();
        assert!((sum - p.classic.paused_partition_seconds).abs() < 1e-6);
        let json = serde_json::to_value(&summary).unwrap();
        for protocol in ["classic", "consumer"] {
            let block = &json["protocols"][protocol];
            assert!(block["paused_partition_seconds"].is_f64(), "{json}");
            assert!(block["rebalances"].is_u64(), "{json}");
            assert!(block["members_stopped"].is_u64(), "{json}");
            for phase in ["join", "crash"] {
                assert!(
                    block["phases"][phase]["paused_partition_seconds"].is_f64(),
                    "{json}"
                );
            }
        }
        assert_eq!(json["protocols"]["phases"][1]["name"], "crash");
    }
}

#[test]
fn s14_summary_has_no_protocols_block_without_a_consumer_protocol_group() {
    let s = by_id("S7").unwrap();
    let world = s.run(1);
    let summary = crate::sim::summary::RunSummary::of(&world, Some("S7"));
    assert!(summary.protocols.is_none());
    let json = serde_json::to_value(&summary).unwrap();
    assert!(json.get("protocols").is_none());
}
