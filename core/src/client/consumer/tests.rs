//! Consumer tests against a real broker, connected with zero network delay.

use crate::collections::BTreeMap;

use super::*;
use crate::broker::{Broker, BrokerConfig};
use crate::client::assignor::AssignorKind;
use crate::client::protocol::{dispatch, output_response};
use crate::group::RequestId;
use crate::record::{Record, RecordBatch};

pub(super) const TOPIC: &str = "t";

/// A tiny world: a broker, consumers, a clock, an in-process network.
pub(super) struct World {
    pub(super) broker: Broker,
    pub(super) consumers: Vec<Consumer>,
    /// Consumers the test has "crashed": nobody drives them any more.
    pub(super) dead: Vec<bool>,
    pub(super) now: Millis,
    next_request: RequestId,
    parked: BTreeMap<RequestId, (usize, u64)>,
    pub(super) events: Vec<Vec<ConsumerEvent>>,
}

pub(super) fn tp(p: i32) -> TopicPartition {
    TopicPartition::new(TOPIC, p)
}

pub(super) fn config(name: &str) -> ConsumerConfig {
    ConsumerConfig {
        client_id: name.into(),
        group_id: Some("g".into()),
        session_timeout_ms: 10_000,
        auto_offset_reset: AutoOffsetReset::Earliest,
        ..ConsumerConfig::default()
    }
}

impl World {
    pub(super) fn new(partitions: i32) -> World {
        let mut broker = Broker::new(BrokerConfig::default(), 0);
        broker.create_topic(TOPIC, partitions, None, 0).unwrap();
        World {
            broker,
            consumers: Vec::new(),
            dead: Vec::new(),
            now: 0,
            next_request: 0,
            parked: BTreeMap::new(),
            events: Vec::new(),
        }
    }

    pub(super) fn add(&mut self, config: ConsumerConfig) -> usize {
        self.consumers.push(Consumer::new(config, self.now));
        self.dead.push(false);
        self.events.push(Vec::new());
        self.consumers.len() - 1
    }

    pub(super) fn produce(&mut self, partition: i32, n: usize) {
        let records = (0..n)
            .map(|i| Record::from_value(format!("r{i}"), self.now))
            .collect();
        let batch = RecordBatch::from_records(records).unwrap();
        self.broker
            .produce(TOPIC, partition, batch, None, self.now)
            .unwrap();
    }

    /// Move every message until nothing moves.
    pub(super) fn pump(&mut self) {
        for _ in 0..1_000 {
            let mut moved = false;
            for i in 0..self.consumers.len() {
                if self.dead[i] {
                    continue;
                }
                while let Some((correlation, request)) = self.consumers[i].poll_transmit(self.now) {
                    moved = true;
                    self.next_request += 1;
                    let id = self.next_request;
                    let client = self.consumers[i].config().client_id.clone();
                    match dispatch(&mut self.broker, id, &client, request, self.now) {
                        Some(response) => {
                            self.consumers[i].handle_response(correlation, response, self.now)
                        }
                        None => {
                            self.parked.insert(id, (i, correlation));
                        }
                    }
                }
                while let Some(event) = self.consumers[i].poll_event() {
                    self.events[i].push(event);
                }
            }
            while let Some(output) = self.broker.poll_output() {
                moved = true;
                let (id, response) = output_response(output);
                if let Some((i, correlation)) = self.parked.remove(&id) {
                    if !self.dead[i] {
                        self.consumers[i].handle_response(correlation, response, self.now);
                    }
                }
            }
            if !moved {
                return;
            }
        }
        panic!("the network never settled");
    }

    /// Advance time in 100 ms ticks; every live consumer in `polling` calls poll each tick.
    #[allow(clippy::needless_range_loop)] // consumers and their records side by side
    pub(super) fn run(&mut self, ms: Millis, polling: &[usize]) -> Vec<Vec<PolledRecord>> {
        let mut got = vec![Vec::new(); self.consumers.len()];
        let end = self.now + ms;
        while self.now < end {
            self.now += 100;
            self.broker.handle_timeout(self.now);
            for i in 0..self.consumers.len() {
                if self.dead[i] {
                    continue;
                }
                self.consumers[i].handle_timeout(self.now);
                if polling.contains(&i) {
                    let records = self.consumers[i].poll(self.now);
                    got[i].extend(records);
                }
            }
            self.pump();
        }
        got
    }

    pub(super) fn offsets_at_broker(&self, partition: i32) -> Option<Offset> {
        self.broker
            .offsets()
            .fetch("g", TOPIC, partition)
            .map(|o| o.offset)
    }
}

#[test]
fn a_subscribed_consumer_joins_reads_everything_and_auto_commits() {
    let mut w = World::new(1);
    w.produce(0, 10);
    let a = w.add(config("a"));
    w.consumers[a].subscribe(&[TOPIC]);
    let got = w.run(4_000, &[a]);
    assert_eq!(
        got[a].iter().map(|r| r.offset).collect::<Vec<_>>(),
        (0..10).collect::<Vec<_>>()
    );
    assert_eq!(w.consumers[a].position(&tp(0)), Some(10));
    assert_eq!(w.consumers[a].member_state(), MemberState::Stable);
    assert!(w.consumers[a].is_leader());
    assert_eq!(
        w.offsets_at_broker(0),
        None,
        "auto-commit has not fired yet"
    );
    w.run(2_000, &[a]);
    assert_eq!(w.offsets_at_broker(0), Some(10), "auto-commit after 5 s");
    assert_eq!(w.consumers[a].committed(&tp(0)), Some(10));
    assert!(w.events[a]
        .iter()
        .any(|e| matches!(e, ConsumerEvent::PartitionsAssigned(p) if p == &vec![tp(0)])));
}

#[test]
fn seek_moves_only_the_local_position_and_out_of_range_applies_auto_offset_reset() {
    let mut w = World::new(3);
    w.produce(1, 20);
    let mut cfg = config("a");
    cfg.enable_auto_commit = false;
    let a = w.add(cfg);
    w.consumers[a].assign(&[tp(1)]);
    w.consumers[a].seek(&tp(1), 10).unwrap();
    let got = w.run(200, &[a]);
    assert_eq!(
        got[a].first().map(|r| r.offset),
        Some(10),
        "the next fetch starts at 10"
    );
    assert_eq!(
        w.offsets_at_broker(1),
        None,
        "a seek never touches the broker's committed offset"
    );

    // Past the end: the broker answers OFFSET_OUT_OF_RANGE, auto.offset.reset=earliest.
    w.consumers[a].seek(&tp(1), 500).unwrap();
    let got = w.run(300, &[a]);
    assert_eq!(got[a].first().map(|r| r.offset), Some(0));
    assert!(w.events[a].iter().any(|e| matches!(
        e,
        ConsumerEvent::PositionReset {
            from: Some(500),
            to: 0,
            out_of_range: true,
            ..
        }
    )));
    assert_eq!(
        w.consumers[a].seek(&tp(2), 0),
        Err(KafkaError::UnknownTopicOrPartition),
        "not assigned"
    );
}

#[test]
fn with_auto_offset_reset_none_the_application_must_seek() {
    let mut w = World::new(1);
    w.produce(0, 5);
    let mut cfg = config("a");
    cfg.auto_offset_reset = AutoOffsetReset::None;
    let a = w.add(cfg);
    w.consumers[a].assign(&[tp(0)]);
    let got = w.run(300, &[a]);
    assert!(got[a].is_empty());
    assert!(w.events[a]
        .iter()
        .any(|e| matches!(e, ConsumerEvent::NoOffsetForPartition(_))));
    w.consumers[a].seek(&tp(0), 3).unwrap();
    let got = w.run(300, &[a]);
    assert_eq!(
        got[a].iter().map(|r| r.offset).collect::<Vec<_>>(),
        vec![3, 4]
    );
}

#[test]
fn the_second_consumer_of_a_one_partition_topic_is_standby_then_takes_over_after_a_crash() {
    let mut w = World::new(1);
    w.produce(0, 100);
    let a = w.add(config("a"));
    let b = w.add(config("b"));
    w.consumers[a].subscribe(&[TOPIC]);
    w.consumers[b].subscribe(&[TOPIC]);
    w.run(8_000, &[a, b]);
    let (owner, standby) = if w.consumers[a].assignment().is_empty() {
        (b, a)
    } else {
        (a, b)
    };
    assert_eq!(w.consumers[owner].assignment(), vec![tp(0)]);
    assert!(w.consumers[standby].assignment().is_empty());
    assert_eq!(w.consumers[standby].member_state(), MemberState::Stable);
    w.run(5_000, &[a, b]);
    let committed = w.offsets_at_broker(0).expect("auto-commit ran");
    // The owner crashes: nobody drives it any more, it never sends LeaveGroup.
    w.dead[owner] = true;
    w.run(9_000, &[standby]);
    assert!(
        w.consumers[standby].assignment().is_empty(),
        "not before the session timeout"
    );
    w.run(20_000, &[standby]);
    assert_eq!(w.consumers[standby].assignment(), vec![tp(0)]);
    assert_eq!(
        w.consumers[standby].position(&tp(0)),
        Some(committed),
        "resumes at the committed offset"
    );
    w.produce(0, 3);
    let got = w.run(1_000, &[standby]);
    assert_eq!(
        got[standby].iter().map(|r| r.offset).collect::<Vec<_>>(),
        vec![100, 101, 102]
    );
}

#[test]
fn a_consumer_that_stops_polling_leaves_the_group_even_though_it_heartbeats() {
    let mut w = World::new(2);
    let mut slow = config("slow");
    slow.max_poll_interval_ms = 10_000;
    let s = w.add(slow);
    let f = w.add(config("fast"));
    w.consumers[s].subscribe(&[TOPIC]);
    w.consumers[f].subscribe(&[TOPIC]);
    w.run(8_000, &[s, f]);
    assert_eq!(w.consumers[s].assignment().len(), 1);
    assert_eq!(w.consumers[f].assignment().len(), 1);
    // The slow one is stuck processing: its heartbeat thread runs, poll is not called.
    w.run(20_000, &[f]);
    assert!(w.events[s]
        .iter()
        .any(|e| matches!(e, ConsumerEvent::LeftGroup { .. })));
    assert_eq!(
        w.consumers[f].assignment(),
        vec![tp(0), tp(1)],
        "its partitions moved"
    );
    // When it polls again it rejoins.
    w.run(10_000, &[s, f]);
    assert_eq!(w.consumers[s].assignment().len(), 1);
}

#[test]
fn cooperative_rebalancing_moves_only_what_must_move_in_two_rounds() {
    let mut w = World::new(6);
    let coop = |name: &str| ConsumerConfig {
        assignors: vec![AssignorKind::CooperativeSticky],
        ..config(name)
    };
    let a = w.add(coop("a"));
    let b = w.add(coop("b"));
    w.consumers[a].subscribe(&[TOPIC]);
    w.consumers[b].subscribe(&[TOPIC]);
    w.run(8_000, &[a, b]);
    let before_a = w.consumers[a].assignment();
    assert_eq!(before_a.len(), 3);
    w.events[a].clear();
    let c = w.add(coop("c"));
    w.consumers[c].subscribe(&[TOPIC]);
    w.run(10_000, &[a, b, c]);
    for i in [a, b, c] {
        assert_eq!(w.consumers[i].assignment().len(), 2, "consumer {i}");
    }
    // a gave up exactly one partition and kept the other two; nothing was revoked wholesale.
    let revoked: Vec<_> = w.events[a]
        .iter()
        .filter_map(|e| match e {
            ConsumerEvent::PartitionsRevoked(p) => Some(p.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(revoked.len(), 1);
    assert_eq!(revoked[0].len(), 1);
    assert!(w.consumers[a]
        .assignment()
        .iter()
        .all(|p| before_a.contains(p)));
}

#[test]
fn eager_rebalancing_revokes_everything_first() {
    let mut w = World::new(6);
    let a = w.add(config("a"));
    w.consumers[a].subscribe(&[TOPIC]);
    w.run(5_000, &[a]);
    assert_eq!(w.consumers[a].assignment().len(), 6);
    w.events[a].clear();
    let b = w.add(config("b"));
    w.consumers[b].subscribe(&[TOPIC]);
    w.run(10_000, &[a, b]);
    assert!(w.events[a]
        .iter()
        .any(|e| matches!(e, ConsumerEvent::PartitionsRevoked(p) if p.len() == 6)));
    assert_eq!(w.consumers[a].assignment().len(), 3);
    assert_eq!(w.consumers[b].assignment().len(), 3);
}

#[test]
fn a_commit_from_an_old_generation_fails_like_commit_failed_exception() {
    let mut w = World::new(1);
    w.produce(0, 5);
    let mut cfg = config("a");
    cfg.enable_auto_commit = false;
    let a = w.add(cfg);
    w.consumers[a].subscribe(&[TOPIC]);
    w.run(4_000, &[a]);
    // Pretend we missed a rebalance.
    w.consumers[a].generation -= 1;
    let id = w.consumers[a].commit_sync(None, w.now).unwrap();
    w.pump();
    assert!(w.events[a].iter().any(|e| matches!(
        e,
        ConsumerEvent::CommitCompleted { id: i, error: Some(KafkaError::IllegalGeneration), .. } if *i == id
    )));
}

/// Regression (campaign seed 30002144): a removed member rejoined in the background while
/// its application still held records polled under its old membership, and their commit
/// rewound the group. A cooperative owner, paused past its session timeout, comes back
/// told to rejoin: its `poll` sends JoinGroup with its old member id *and* returns the
/// records it had fetched; the JoinGroup is answered UNKNOWN_MEMBER_ID, the partition is
/// lost. The JoinGroup used to be sent again from `handle_timeout` after
/// `retry.backoff.ms`, so the member was in a new generation before its application,
/// still processing those records, polled again; their `commitSync` then carried a valid
/// member id and generation and was accepted (the coordinator does not check who owns a
/// partition): the group's committed offset went from 10 back to 5. As in Java, the
/// JoinGroup is now only sent again from `poll`, so those commits fail as
/// CommitFailedException does.
#[test]
fn a_removed_member_rejoins_only_from_poll_so_its_stale_records_cannot_be_committed() {
    let mut w = World::new(1);
    let coop = |name: &str| ConsumerConfig {
        assignors: vec![AssignorKind::CooperativeSticky],
        max_poll_records: 5,
        ..config(name)
    };
    let a = w.add(ConsumerConfig {
        enable_auto_commit: false,
        ..coop("a")
    });
    let b = w.add(ConsumerConfig {
        enable_auto_commit: false,
        ..coop("b")
    });
    w.consumers[a].subscribe(&[TOPIC]);
    w.consumers[b].subscribe(&[TOPIC]);
    w.run(8_000, &[a, b]);
    let (owner, standby) = if w.consumers[a].assignment().is_empty() {
        (b, a)
    } else {
        (a, b)
    };
    assert_eq!(w.consumers[owner].assignment(), vec![tp(0)]);
    // The owner fetches ten records, then pauses (nothing of it runs) past its session.
    w.produce(0, 10);
    w.run(600, &[]);
    assert_eq!(w.consumers[owner].buffered_records(), 10);
    w.dead[owner] = true;
    w.run(15_000, &[standby]);
    assert_eq!(w.consumers[standby].assignment(), vec![tp(0)]);
    w.consumers[standby]
        .commit_sync(Some(vec![(tp(0), 10)]), w.now)
        .unwrap();
    w.pump();
    assert_eq!(w.offsets_at_broker(0), Some(10));
    // Back, as told by a heartbeat just before the pause: it polls, rejoins with its old
    // member id, and gets five of its fetched records.
    w.dead[owner] = false;
    w.consumers[owner].rejoin_needed = true;
    let stale = w.consumers[owner].poll(w.now);
    w.pump();
    assert_eq!(
        stale.iter().map(|r| r.offset).collect::<Vec<_>>(),
        vec![0, 1, 2, 3, 4]
    );
    assert!(w.events[owner]
        .iter()
        .any(|e| matches!(e, ConsumerEvent::PartitionsLost(p) if *p == vec![tp(0)])));
    // Its application processes them for 5 s without polling, then commits them.
    w.run(5_000, &[standby]);
    let id = w.consumers[owner]
        .commit_sync(Some(vec![(tp(0), 5)]), w.now)
        .unwrap();
    w.pump();
    assert_eq!(
        w.offsets_at_broker(0),
        Some(10),
        "the group's progress was rewound"
    );
    assert!(w.events[owner].iter().any(|e| matches!(
        e,
        ConsumerEvent::CommitCompleted { id: i, error: Some(KafkaError::UnknownMemberId), .. } if *i == id
    )));
    // No JoinGroup went out without a poll.
    assert_eq!(
        (
            w.consumers[owner].member_state(),
            w.consumers[owner].generation()
        ),
        (MemberState::Unjoined, -1)
    );
    // Its next poll rejoins it.
    w.run(10_000, &[owner, standby]);
    assert_eq!(w.consumers[owner].member_state(), MemberState::Stable);
    assert_eq!(w.offsets_at_broker(0), Some(10));
}

#[test]
fn close_commits_and_leaves_so_the_group_rebalances_at_once() {
    let mut w = World::new(1);
    w.produce(0, 10);
    let a = w.add(config("a"));
    let b = w.add(config("b"));
    w.consumers[a].subscribe(&[TOPIC]);
    w.consumers[b].subscribe(&[TOPIC]);
    w.run(8_000, &[a, b]);
    let owner = if w.consumers[a].assignment().is_empty() {
        b
    } else {
        a
    };
    let other = if owner == a { b } else { a };
    let now = w.now;
    w.consumers[owner].close(now);
    w.pump();
    assert_eq!(w.offsets_at_broker(0), Some(10));
    // The other member learns of the rebalance with its next heartbeat (3 s), long
    // before a session timeout (10 s) would have passed.
    w.run(3_500, &[other]);
    assert_eq!(
        w.consumers[other].assignment(),
        vec![tp(0)],
        "no session timeout wait"
    );
}

#[test]
fn offset_layers_are_visible_together() {
    let mut w = World::new(1);
    w.produce(0, 10);
    let mut cfg = config("a");
    cfg.enable_auto_commit = false;
    let a = w.add(cfg);
    w.consumers[a].assign(&[tp(0)]);
    w.run(300, &[a]);
    w.consumers[a].mark_processed(&tp(0), 6);
    w.consumers[a]
        .commit_sync(Some(vec![(tp(0), 4)]), w.now)
        .unwrap();
    w.pump();
    let layers = w.consumers[a].offsets(&tp(0)).unwrap();
    assert_eq!(layers.log_start, Some(0));
    assert_eq!(layers.high_watermark, Some(10));
    assert_eq!(layers.position, Some(10));
    assert_eq!(layers.processed, Some(7));
    assert_eq!(layers.committed, Some(4));
}

#[test]
fn eager_sticky_remembers_the_previous_assignment_like_java_user_data() {
    // Java's `sticky` under the eager protocol revokes everything before rejoining, yet
    // stays sticky: it sends its previous assignment as subscription user data. So when a
    // third member joins a 6-partition group, the first two keep 2 of their 3 each.
    let mut w = World::new(6);
    let sticky = |name: &str| ConsumerConfig {
        assignors: vec![AssignorKind::Sticky],
        ..config(name)
    };
    let a = w.add(sticky("a"));
    let b = w.add(sticky("b"));
    w.consumers[a].subscribe(&[TOPIC]);
    w.consumers[b].subscribe(&[TOPIC]);
    w.run(8_000, &[a, b]);
    let before = [w.consumers[a].assignment(), w.consumers[b].assignment()];
    assert_eq!(before[0].len(), 3);
    let c = w.add(sticky("c"));
    w.consumers[c].subscribe(&[TOPIC]);
    w.run(10_000, &[a, b, c]);
    for (i, owned) in [a, b].into_iter().zip(&before) {
        let now = w.consumers[i].assignment();
        assert_eq!(now.len(), 2, "consumer {i}");
        assert!(
            now.iter().all(|p| owned.contains(p)),
            "consumer {i}: {now:?}"
        );
    }
    assert_eq!(w.consumers[c].assignment().len(), 2);
}

#[test]
fn the_answer_to_a_join_sent_before_leaving_is_ignored_after_rejoining() {
    // Campaign seed 528026041: a static member is frozen (a paused process) with its
    // JoinGroup in flight, for longer than `max.poll.interval.ms` and its session. It
    // wakes up, leaves on the poll timer, and its next poll sends a new JoinGroup (no
    // member id, its `group.instance.id`), which the coordinator maps to a new member id.
    // Then it reads the answer to the old JoinGroup. Taken as the answer to the new one,
    // it synced as the old member id, was fenced by its own new one (FENCED_INSTANCE_ID,
    // fatal) and the group stayed Empty.
    let mut w = World::new(2);
    let a = w.add(ConsumerConfig {
        group_instance_id: Some("a-static".into()),
        max_poll_interval_ms: 10_000,
        ..config("a")
    });
    w.consumers[a].subscribe(&[TOPIC]);
    w.run(200, &[a]);
    assert_eq!(w.consumers[a].member_state(), MemberState::Joining);
    let old_join: Vec<(RequestId, (usize, u64))> =
        w.parked.iter().map(|(id, to)| (*id, *to)).collect();
    assert_eq!(old_join.len(), 1, "the JoinGroup waits at the coordinator");
    // Frozen: the coordinator answers (the initial rebalance delay), then expires the
    // member (session timeout); the answer waits in the socket.
    let mut held = Vec::new();
    while w.now < 15_000 {
        w.now += 100;
        w.broker.handle_timeout(w.now);
        while let Some(output) = w.broker.poll_output() {
            let (id, response) = output_response(output);
            if let Some((_, correlation)) = w.parked.remove(&id) {
                held.push((correlation, response));
            }
        }
    }
    assert_eq!(held.len(), 1);
    // Awake: the poll timer fires first, then the application's poll rejoins.
    w.consumers[a].handle_timeout(w.now);
    assert_eq!(w.consumers[a].member_state(), MemberState::Unjoined);
    w.consumers[a].poll(w.now);
    w.pump();
    assert_eq!(w.consumers[a].member_state(), MemberState::Joining);
    // The old answer: not ours any more.
    for (correlation, response) in held {
        w.consumers[a].handle_response(correlation, response, w.now);
    }
    w.pump();
    assert!(
        !w.events[a].iter().any(|e| matches!(
            e,
            ConsumerEvent::JoinedGroup { .. } | ConsumerEvent::Fatal(_)
        )),
        "{:?}",
        w.events[a]
    );
    assert_eq!(w.consumers[a].member_state(), MemberState::Joining);
    // The answer to the new JoinGroup makes it a member again.
    w.run(5_000, &[a]);
    assert_eq!(w.consumers[a].member_state(), MemberState::Stable);
    assert_eq!(w.consumers[a].assignment(), vec![tp(0), tp(1)]);
    let group = w.broker.describe_group("g");
    assert_eq!(group.state, crate::group::GroupState::Stable);
    assert_eq!(group.members.len(), 1);
    assert_eq!(group.members[0].member_id, w.consumers[a].member_id());
}
