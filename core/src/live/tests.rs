//! The folding is checked against the truth: for every teaching scenario, a viewer that got
//! a snapshot part-way and then every event (through JSON, as on the WebSocket) must know
//! the same offsets, groups, members, assignments and committed offsets as a snapshot taken
//! at the end. If it does not, an event is missing a fact.

use super::*;
use crate::event::{Event, RemovalReason};
use crate::record::{Millis, Offset};
use crate::sim::scenarios;
use crate::sim::WorldEventKind;
use crate::Broker;

fn via_json(message: &LiveMessage) -> LiveMessage {
    let text = serde_json::to_string(message).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// What a viewer must agree on, from a state.
fn facts_of_state(s: &LiveState) -> (Vec<String>, Vec<String>) {
    let topics = s
        .topics
        .iter()
        .flat_map(|(name, parts)| {
            parts.iter().map(move |p| {
                format!(
                    "{name}-{} start {} hw {} end {} lso {:?} txn batches {:?}",
                    p.partition,
                    p.log_start_offset,
                    p.high_watermark,
                    p.log_end_offset,
                    p.last_stable_offset,
                    p.txn_batches
                )
            })
        })
        .collect();
    let groups = s
        .groups
        .iter()
        .map(|(id, g)| {
            let members: Vec<String> = g
                .members
                .values()
                .map(|m| format!("{}={}:{:?}", m.member_id, m.client_id, m.partitions()))
                .collect();
            format!(
                "{id} {:?} gen {} leader {:?} members {members:?} committed {:?} epochs {:?}",
                g.state, g.generation, g.leader, g.committed, g.epochs
            )
        })
        .collect();
    (topics, groups)
}

fn facts_of_snapshot(s: Snapshot) -> (Vec<String>, Vec<String>) {
    let mut state = LiveState::default();
    state.apply(LiveMessage::Snapshot(s));
    facts_of_state(&state)
}

#[test]
fn a_snapshot_plus_every_later_event_equals_a_snapshot_at_the_end() {
    for scenario in scenarios::all() {
        for cut in [0, scenario.duration / 3, scenario.duration * 2 / 3] {
            let mut world = scenario.world(7);
            let mut viewer = LiveState::default();
            let mut snapshot_taken = false;
            let mut events = 0;
            // What `serve` does after each step: send the consumer-protocol epochs that changed.
            let mut epochs = EpochsSent::default();
            let script = scenario.script.clone();
            let mut steps: Vec<(Millis, Option<crate::sim::Command>)> =
                script.into_iter().map(|(at, c)| (at, Some(c))).collect();
            steps.push((cut, None));
            steps.push((scenario.duration, None));
            steps.sort_by_key(|(at, c)| (*at, c.is_some()));
            for (at, command) in steps {
                world.run_until(at);
                if !snapshot_taken && at >= cut {
                    // The viewer connects here: what happened before is in the snapshot.
                    world.take_events();
                    viewer.apply(via_json(&LiveMessage::Snapshot(Snapshot::of(
                        &world.broker,
                        world.now(),
                    ))));
                    epochs.changes(epochs_of(&world.broker));
                    snapshot_taken = true;
                }
                if let Some(command) = command {
                    world.apply(command);
                }
                if snapshot_taken {
                    for e in world.take_events() {
                        if let WorldEventKind::Broker { event } = e.kind {
                            events += 1;
                            viewer.apply(via_json(&LiveMessage::Event { event }));
                        }
                    }
                    for m in epochs.changes(epochs_of(&world.broker)) {
                        viewer.apply(via_json(&m));
                    }
                }
            }
            let truth = facts_of_snapshot(Snapshot::of(&world.broker, world.now()));
            let seen = facts_of_state(&viewer);
            if scenario.id == "S12" || scenario.id == "S13" {
                // The transactional scenarios: the viewer must have markers to draw (so this
                // comparison is not two empty lists agreeing).
                assert!(
                    truth.0.iter().any(|t| t.contains("marker: Some(Commit)")),
                    "{} {truth:?}",
                    scenario.id
                );
            }
            if scenario.id == "S14" {
                // A consumer-protocol group: its member epochs must reach the viewer.
                assert!(
                    truth
                        .1
                        .iter()
                        .any(|g| g.contains("epochs Some(GroupEpochs")),
                    "{truth:?}"
                );
            }
            assert_eq!(
                seen, truth,
                "{} cut at {cut} ms, {events} events folded",
                scenario.id
            );
        }
    }
}

#[test]
fn a_removed_member_is_shown_dead_for_a_while_then_forgotten() {
    let mut s = LiveState::default();
    let joined = Event::MemberJoined {
        at: 1_000,
        group: "g".into(),
        member_id: "m-1".into(),
        group_instance_id: None,
        client_id: "consumer-a".into(),
        client_host: "/127.0.0.1".into(),
        session_timeout_ms: 6_000,
        rebalance_timeout_ms: 30_000,
    };
    s.apply(LiveMessage::Event { event: joined });
    s.apply(LiveMessage::Event {
        event: Event::Heartbeat {
            at: 2_000,
            group: "g".into(),
            member_id: "m-1".into(),
            error: None,
        },
    });
    assert_eq!(s.groups["g"].members["m-1"].session_expires_at, Some(8_000));
    s.apply(LiveMessage::Event {
        event: Event::MemberRemoved {
            at: 8_000,
            group: "g".into(),
            member_id: "m-1".into(),
            reason: RemovalReason::SessionTimeout,
        },
    });
    assert!(s.groups["g"].members.is_empty());
    assert_eq!(s.groups["g"].departed.len(), 1);
    s.tick(8_000 + DEPARTED_SHOWN_MS);
    assert_eq!(s.groups["g"].departed.len(), 1);
    s.tick(8_001 + DEPARTED_SHOWN_MS);
    assert!(s.groups["g"].departed.is_empty());
}

#[test]
fn producers_are_known_by_client_id_with_a_rate_and_consumers_by_their_fetches() {
    let mut s = LiveState::default();
    s.apply(LiveMessage::Event {
        event: Event::TopicCreated {
            at: 0,
            topic: "t".into(),
            partitions: 2,
        },
    });
    for i in 0..10 {
        s.apply(LiveMessage::Event {
            event: Event::RecordsAppended {
                at: i * 1_000,
                topic: "t".into(),
                partition: (i % 2) as i32,
                base_offset: i / 2 * 100,
                count: 100,
                log_end_offset: (i / 2 + 1) * 100,
                client_id: Some("producer-1".into()),
                txn: None,
                last_stable_offset: None,
            },
        });
    }
    let p = &s.producers["producer-1"];
    assert_eq!(p.records, 1_000);
    // 6 appends of 100 within the last 5 s (4 s .. 9 s): 600 records / 5 s.
    assert_eq!(p.rate(9_000), 120);
    assert_eq!(p.rate(100_000), 0);
    assert_eq!(s.topics["t"][1].high_watermark, 500);
    s.apply(LiveMessage::Event {
        event: Event::FetchServed {
            at: 10_000,
            topic: "t".into(),
            partition: 1,
            fetch_offset: 300,
            records: 200,
            high_watermark: 500,
            client_id: Some("consumer-a".into()),
        },
    });
    assert_eq!(s.position("consumer-a", "t", 1), Some(300));
    // Nothing committed yet: lag counts from the log start.
    s.apply(LiveMessage::Event {
        event: Event::OffsetCommitted {
            at: 10_000,
            group: "g".into(),
            topic: "t".into(),
            partition: 1,
            offset: 300,
            member_id: "m".into(),
            generation: 1,
        },
    });
    assert_eq!(
        s.lag("g"),
        vec![(("t".into(), 0), 500), (("t".into(), 1), 200)]
    );
}

#[test]
fn missed_events_are_counted_and_the_next_snapshot_replaces_the_state() {
    let mut s = LiveState::default();
    s.apply(LiveMessage::Event {
        event: Event::TopicCreated {
            at: 0,
            topic: "old".into(),
            partitions: 1,
        },
    });
    let text = r#"{"type":"missed","count":42}"#;
    s.apply(serde_json::from_str(text).unwrap());
    assert_eq!(s.missed, 42);
    let snapshot = r#"{"type":"snapshot","at":5000,"topics":[{"name":"new","partitions":[
        {"partition":0,"log_start_offset":0,"high_watermark":7,"log_end_offset":7,"size_bytes":10}]}],
        "groups":[{"group_id":"g","state":"Stable","protocol_type":"consumer","protocol":"range",
        "generation":3,"leader":"m","members":[{"member_id":"m","group_instance_id":null,
        "client_id":"c","client_host":"/127.0.0.1","assignment":[{"topic":"new","partitions":[0]}]}],
        "committed":[{"topic":"new","partition":0,"offset":5}]}]}"#;
    s.apply(serde_json::from_str(snapshot).unwrap());
    assert_eq!(s.snapshots, 1);
    assert!(!s.topics.contains_key("old"));
    assert_eq!(s.groups["g"].generation, 3);
    assert_eq!(
        s.groups["g"].members["m"].partitions(),
        vec![("new".into(), 0)]
    );
    assert_eq!(s.lag("g"), vec![(("new".into(), 0), 2)]);
    assert_eq!(s.default_group(), Some("g"));
}

mod admin {
    use super::*;
    use crate::record::{Record, RecordBatch};
    use crate::BrokerConfig;

    fn broker_with_records() -> Broker {
        let mut b = Broker::new(BrokerConfig::default(), 0);
        b.create_topic("t", 2, None, 0).unwrap();
        for p in 0..2 {
            let records = (0..10)
                .map(|i| Record::from_value(format!("v{i}"), 0))
                .collect();
            b.produce("t", p, RecordBatch::from_records(records).unwrap(), None, 0)
                .unwrap();
        }
        b.delete_records("t", 1, 4, 0).unwrap();
        b
    }

    fn committed(b: &Broker, group: &str) -> Vec<(String, i32, Offset)> {
        b.offsets()
            .fetch_group(group)
            .into_iter()
            .map(|(t, p, o)| (t.to_string(), p, o.offset))
            .collect()
    }

    #[test]
    fn requests_read_as_json_the_way_the_page_sends_them() {
        let r: AdminRequest = serde_json::from_str(
            r#"{"action":"reset_offsets","group":"g","topic":"t","to":{"offset":7}}"#,
        )
        .unwrap();
        assert_eq!(
            r,
            AdminRequest::ResetOffsets {
                group: "g".into(),
                topic: "t".into(),
                to: ResetTo::Offset(7)
            }
        );
        let r: AdminRequest = serde_json::from_str(
            r#"{"action":"reset_offsets","group":"g","topic":"t","to":"earliest"}"#,
        )
        .unwrap();
        assert!(matches!(
            r,
            AdminRequest::ResetOffsets {
                to: ResetTo::Earliest,
                ..
            }
        ));
        assert!(serde_json::from_str::<AdminRequest>(r#"{"action":"drop_everything"}"#).is_err());
    }

    #[test]
    fn reset_moves_every_partition_and_clamps_to_what_each_holds() {
        let mut b = broker_with_records();
        let reset = |to| AdminRequest::ResetOffsets {
            group: "g".into(),
            topic: "t".into(),
            to,
        };
        apply_admin(&mut b, &reset(ResetTo::Earliest), 1).unwrap();
        assert_eq!(
            committed(&b, "g"),
            vec![("t".into(), 0, 0), ("t".into(), 1, 4)]
        );
        apply_admin(&mut b, &reset(ResetTo::Latest), 2).unwrap();
        assert_eq!(
            committed(&b, "g"),
            vec![("t".into(), 0, 10), ("t".into(), 1, 10)]
        );
        let said = apply_admin(&mut b, &reset(ResetTo::Offset(2)), 3).unwrap();
        assert_eq!(
            committed(&b, "g"),
            vec![("t".into(), 0, 2), ("t".into(), 1, 4)]
        );
        assert_eq!(said, "group g: committed t-0 = 2, t-1 = 4");
        let err = apply_admin(
            &mut b,
            &AdminRequest::ResetOffsets {
                group: "g".into(),
                topic: "nope".into(),
                to: ResetTo::Latest,
            },
            4,
        )
        .unwrap_err();
        assert!(err.contains("nope"), "{err}");
        // The commits are ordinary events: a viewer sees them like any other commit.
        let events: Vec<Event> = std::iter::from_fn(|| b.poll_event()).collect();
        assert!(events
            .iter()
            .any(|e| matches!(e, Event::OffsetCommitted { offset: 2, .. })));
    }

    #[test]
    fn a_group_with_members_is_not_reset_and_a_topic_can_be_deleted() {
        let mut world = scenarios::by_id("S1").unwrap().run(1);
        let now = world.now();
        let err = apply_admin(
            &mut world.broker,
            &AdminRequest::ResetOffsets {
                group: "group-1".into(),
                topic: "user-events".into(),
                to: ResetTo::Earliest,
            },
            now,
        )
        .unwrap_err();
        assert!(err.contains("1 member(s)"), "{err}");
        let done = apply_admin(
            &mut world.broker,
            &AdminRequest::DeleteTopic {
                topic: "user-events".into(),
            },
            now,
        )
        .unwrap();
        assert!(done.contains("deleted"));
        assert!(world.broker.describe_topic("user-events").is_err());
        let again = apply_admin(
            &mut world.broker,
            &AdminRequest::DeleteTopic {
                topic: "user-events".into(),
            },
            now,
        );
        assert!(again.unwrap_err().contains("user-events"));
    }
}
