//! Property tests: simulated consumers, random faults and random time against the
//! coordinator.
//!
//! A small client model plays 1..6 consumers of one topic with 1..8 partitions. Each client
//! behaves like a real consumer (it reacts to every error the way Kafka's client does), but
//! *when* it acts is up to a random sequence of operations, which also crashes, restarts
//! and closes clients and moves time by random amounts. Every JoinGroup and SyncGroup
//! answer, immediate or parked (from `poll_output`), is routed to the client that owns the
//! request id; answers to requests nobody owns any more (a crashed process, a retried
//! request) are dropped, but what they handed out is still checked. About half the clients
//! are static members; clients 4 and 5 share the `group.instance.id` of clients 0 and 1
//! (a misconfigured fleet, or a zombie), so fencing happens too.
//!
//! Properties:
//! 1. Safety, after every step: within one generation no partition is handed out (by a
//!    successful SyncGroup answer) to two owners; no `AssignmentCompleted` event lists a
//!    partition twice; the generation never goes back.
//! 2. Liveness: once the random prefix is over and every live client behaves well, the
//!    group settles: Stable, every live client synced in the current generation, the
//!    coordinator's members are exactly the live clients, and the partitions are covered
//!    exactly once.
//! 3. Determinism: the same operations produce the same events.

use crate::collections::{BTreeMap, BTreeSet};

use bytes::Bytes;
use proptest::prelude::*;

use super::consumer_protocol::{decode_assignment, encode_assignment, Assignment};
use super::*;
use crate::error::KafkaError;
use crate::event::{Event, TopicPartitions};
use crate::record::Millis;

const GROUP: &str = "g";
const TOPIC: &str = "t";
const SESSION: i32 = 10_000;
const REBALANCE: i32 = 20_000;
/// `heartbeat.interval.ms`, as the well-behaved clients use it.
const HEARTBEAT_INTERVAL: Millis = 3_000;
const MAX_CLIENTS: usize = 6;
/// How long the well-behaved phase runs, and its tick.
const SETTLE_FOR: Millis = 5 * 60 * 1_000;
const TICK: Millis = 1_000;

/// One step of the random prefix. Client indexes are taken modulo the number of clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    /// JoinGroup: a closed or crashed client starts a new process first; a joined client
    /// rejoins; a joining client retries. `eager`: answer `MEMBER_ID_REQUIRED` at once
    /// (otherwise the second half waits for the next `Join`, and a crash in between
    /// leaves a pending member id behind).
    Join { client: usize, eager: bool },
    /// SyncGroup, if the client has a JoinGroup answer it has not synced yet.
    Sync(usize),
    /// Heartbeat, if the client is in a generation.
    Heartbeat(usize),
    /// LeaveGroup and close.
    Leave(usize),
    /// The process dies: no LeaveGroup, the client forgets everything.
    Crash(usize),
    /// The process restarts: forgets its member id and joins again (with its
    /// `group.instance.id`, if static).
    Restart(usize),
    /// Time passes; the driver calls `handle_timeout`.
    Advance(Millis),
    /// A punctual driver: time moves to `poll_timeout()` exactly.
    AdvanceToDeadline,
    /// Every live client does what a well-behaved consumer would do now.
    Behave,
}

#[derive(Debug, Clone)]
struct Scenario {
    clients: usize,
    partitions: i32,
    /// Which clients are static members (have a `group.instance.id`).
    statics: Vec<bool>,
    ops: Vec<Op>,
}

fn op() -> impl Strategy<Value = Op> {
    let client = 0..MAX_CLIENTS;
    prop_oneof![
        4 => (client.clone(), any::<bool>()).prop_map(|(client, eager)| Op::Join { client, eager }),
        4 => client.clone().prop_map(Op::Sync),
        4 => client.clone().prop_map(Op::Heartbeat),
        1 => client.clone().prop_map(Op::Leave),
        1 => client.clone().prop_map(Op::Crash),
        2 => client.prop_map(Op::Restart),
        4 => (0..3_000 as Millis).prop_map(Op::Advance),
        1 => (0..40_000 as Millis).prop_map(Op::Advance),
        2 => Just(Op::AdvanceToDeadline),
        4 => Just(Op::Behave),
    ]
}

fn scenario() -> impl Strategy<Value = Scenario> {
    (
        1..=MAX_CLIENTS,
        1..=8i32,
        proptest::collection::vec(prop::bool::weighted(0.5), MAX_CLIENTS),
        proptest::collection::vec(op(), 0..100),
    )
        .prop_map(|(clients, partitions, statics, ops)| Scenario {
            clients,
            partitions,
            statics,
            ops,
        })
}

/// Where a client is in the protocol.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Phase {
    /// Not in a generation; joins (with its member id, if it has one) when it next acts.
    NotJoined,
    /// A JoinGroup is in flight.
    Joining(RequestId),
    /// Got a JoinGroup answer; must send SyncGroup next.
    Joined {
        generation: i32,
        leader: bool,
        skip_assignment: bool,
        members: Vec<String>,
    },
    /// A SyncGroup is in flight.
    Syncing { request: RequestId, generation: i32 },
    /// Has its assignment for `generation`; heartbeats.
    Stable {
        generation: i32,
        partitions: BTreeSet<i32>,
    },
}

#[derive(Debug, Clone)]
struct Client {
    /// `group.instance.id` for static members.
    instance: Option<String>,
    /// Is a process running? False once crashed, closed or fenced.
    alive: bool,
    member_id: String,
    phase: Phase,
    last_heartbeat: Millis,
}

impl Client {
    fn new(instance: Option<String>) -> Client {
        Client {
            instance,
            alive: false,
            member_id: String::new(),
            phase: Phase::NotJoined,
            last_heartbeat: 0,
        }
    }

    /// A new process: nothing remembered.
    fn reset(&mut self, alive: bool) {
        self.alive = alive;
        self.member_id.clear();
        self.phase = Phase::NotJoined;
    }

    /// The generation the client believes it is in, if any. Like Kafka's client, it
    /// heartbeats from its JoinGroup answer on, also while its SyncGroup is in flight.
    fn generation(&self) -> Option<i32> {
        match self.phase {
            Phase::Joined { generation, .. }
            | Phase::Syncing { generation, .. }
            | Phase::Stable { generation, .. } => Some(generation),
            Phase::NotJoined | Phase::Joining(_) => None,
        }
    }
}

/// A SyncGroup the coordinator was sent, so that its answer can be checked even when
/// nobody waits for it any more.
#[derive(Debug, Clone)]
struct SentSync {
    generation: i32,
    /// Who owns the partitions: the `group.instance.id` of a static member (a restarted
    /// static member legitimately takes over its old assignment under a new member id, and
    /// the old id is fenced), the member id otherwise.
    owner: String,
}

/// The coordinator, the clients and the clock, plus what the checks need.
struct World {
    c: GroupCoordinator,
    now: Millis,
    next_request: RequestId,
    partitions: i32,
    clients: Vec<Client>,
    sent_syncs: BTreeMap<RequestId, SentSync>,
    /// generation -> owner -> partitions handed out by successful SyncGroup answers.
    handed_out: BTreeMap<i32, BTreeMap<String, BTreeSet<i32>>>,
    events: Vec<Event>,
    last_generation: i32,
    last_generation_event: i32,
    /// Answers no real client would expect; any is a failure.
    unexpected: Vec<String>,
}

fn decode_partitions(bytes: &Bytes) -> Vec<i32> {
    let assignment = decode_assignment(bytes).expect("assignments we encoded decode");
    assignment
        .partitions
        .iter()
        .flat_map(|tp| {
            assert_eq!(tp.topic, TOPIC);
            tp.partitions.iter().copied()
        })
        .collect()
}

impl World {
    fn new(scenario: &Scenario) -> World {
        let clients = (0..scenario.clients)
            .map(|i| Client::new(scenario.statics[i].then(|| format!("instance-{}", i % 4))))
            .collect();
        World {
            c: GroupCoordinator::new(CoordinatorConfig::default()),
            now: 1_000,
            next_request: 0,
            partitions: scenario.partitions,
            clients,
            sent_syncs: BTreeMap::new(),
            handed_out: BTreeMap::new(),
            events: Vec::new(),
            last_generation: 0,
            last_generation_event: 0,
            unexpected: Vec::new(),
        }
    }

    fn request(&mut self) -> RequestId {
        self.next_request += 1;
        self.next_request
    }

    // --- what a client sends -----------------------------------------------------------

    fn send_join(&mut self, i: usize) {
        let request = self.request();
        let client = &mut self.clients[i];
        client.phase = Phase::Joining(request);
        let req = JoinGroupRequest {
            group_id: GROUP.into(),
            session_timeout_ms: SESSION,
            rebalance_timeout_ms: REBALANCE,
            member_id: client.member_id.clone(),
            group_instance_id: client.instance.clone(),
            protocol_type: "consumer".into(),
            protocols: vec![JoinProtocol {
                name: "roundrobin".into(),
                metadata: Bytes::from_static(b"subscription"),
            }],
            client_id: format!("client-{i}"),
            client_host: "/127.0.0.1".into(),
            require_known_member_id: true,
        };
        if let Some(response) = self.c.join_group(request, req, self.now) {
            self.on_join_response(request, response);
        }
    }

    /// JoinGroup, and if the answer is `MEMBER_ID_REQUIRED`, join again with the id.
    fn join_eagerly(&mut self, i: usize) {
        self.send_join(i);
        let client = &self.clients[i];
        if client.alive && client.phase == Phase::NotJoined && !client.member_id.is_empty() {
            self.send_join(i);
        }
    }

    fn send_sync(&mut self, i: usize) {
        let Phase::Joined {
            generation,
            leader,
            skip_assignment,
            members,
        } = self.clients[i].phase.clone()
        else {
            return;
        };
        // The leader's assignor: round robin over the members of its JoinGroup answer.
        let assignments = if leader && !skip_assignment {
            members
                .iter()
                .enumerate()
                .map(|(k, member)| {
                    let partitions = (0..self.partitions)
                        .filter(|p| *p as usize % members.len() == k)
                        .collect();
                    let bytes = encode_assignment(&Assignment {
                        partitions: vec![TopicPartitions {
                            topic: TOPIC.into(),
                            partitions,
                        }],
                        user_data: None,
                    });
                    (member.clone(), bytes)
                })
                .collect()
        } else {
            Vec::new()
        };
        let request = self.request();
        let client = &mut self.clients[i];
        client.phase = Phase::Syncing {
            request,
            generation,
        };
        self.sent_syncs.insert(
            request,
            SentSync {
                generation,
                owner: client
                    .instance
                    .clone()
                    .unwrap_or_else(|| client.member_id.clone()),
            },
        );
        let req = SyncGroupRequest {
            group_id: GROUP.into(),
            generation_id: generation,
            member_id: client.member_id.clone(),
            group_instance_id: client.instance.clone(),
            protocol_type: Some("consumer".into()),
            protocol_name: Some("roundrobin".into()),
            assignments,
        };
        if let Some(response) = self.c.sync_group(request, req, self.now) {
            self.on_sync_response(request, response);
        }
    }

    fn send_heartbeat(&mut self, i: usize) {
        let client = &self.clients[i];
        let Some(generation) = client.generation() else {
            return;
        };
        let req = HeartbeatRequest {
            group_id: GROUP.into(),
            generation_id: generation,
            member_id: client.member_id.clone(),
            group_instance_id: client.instance.clone(),
        };
        let result = self.c.heartbeat(req, self.now);
        let client = &mut self.clients[i];
        client.last_heartbeat = self.now;
        match result {
            Ok(()) => {}
            Err(KafkaError::RebalanceInProgress | KafkaError::IllegalGeneration) => {
                client.phase = Phase::NotJoined;
            }
            Err(KafkaError::UnknownMemberId) => client.reset(true),
            Err(KafkaError::FencedInstanceId) => client.reset(false),
            Err(other) => self
                .unexpected
                .push(format!("heartbeat of client {i}: {other:?}")),
        }
    }

    fn send_leave(&mut self, i: usize) {
        let client = &self.clients[i];
        if client.alive && !client.member_id.is_empty() {
            let req = LeaveGroupRequest {
                group_id: GROUP.into(),
                members: vec![MemberIdentity {
                    member_id: client.member_id.clone(),
                    group_instance_id: client.instance.clone(),
                }],
            };
            // Errors (say, it was already expired) change nothing: it closes anyway.
            self.c.leave_group(req, self.now);
        }
        self.clients[i].reset(false);
    }

    // --- what a client receives --------------------------------------------------------

    fn owner_of(&self, request: RequestId) -> Option<usize> {
        self.clients.iter().position(|c| {
            c.alive
                && match c.phase {
                    Phase::Joining(r) => r == request,
                    Phase::Syncing { request: r, .. } => r == request,
                    _ => false,
                }
        })
    }

    fn on_join_response(&mut self, request: RequestId, response: JoinGroupResponse) {
        let Some(i) = self.owner_of(request) else {
            return; // a request its process gave up on
        };
        let client = &mut self.clients[i];
        match response.error {
            None => {
                if !client.member_id.is_empty() {
                    assert_eq!(response.member_id, client.member_id, "client {i}");
                }
                let leader = response.leader == response.member_id;
                if leader {
                    assert!(
                        response
                            .members
                            .iter()
                            .any(|m| m.member_id == response.member_id),
                        "the leader is among the members it is told about"
                    );
                }
                client.member_id = response.member_id;
                client.last_heartbeat = self.now;
                client.phase = Phase::Joined {
                    generation: response.generation_id,
                    leader,
                    skip_assignment: response.skip_assignment,
                    members: response.members.into_iter().map(|m| m.member_id).collect(),
                };
            }
            Some(KafkaError::MemberIdRequired) => {
                client.member_id = response.member_id;
                client.phase = Phase::NotJoined;
            }
            Some(KafkaError::UnknownMemberId) => client.reset(true),
            Some(KafkaError::FencedInstanceId) => client.reset(false),
            Some(KafkaError::RebalanceInProgress | KafkaError::IllegalGeneration) => {
                client.phase = Phase::NotJoined;
            }
            Some(other) => self
                .unexpected
                .push(format!("JoinGroup answer to client {i}: {other:?}")),
        }
    }

    fn on_sync_response(&mut self, request: RequestId, response: SyncGroupResponse) {
        let partitions: BTreeSet<i32> = if response.error.is_none() {
            let sent = self.sent_syncs[&request].clone();
            let partitions = decode_partitions(&response.assignment);
            let set: BTreeSet<i32> = partitions.iter().copied().collect();
            assert_eq!(
                set.len(),
                partitions.len(),
                "a partition twice in one answer"
            );
            self.record_handed_out(sent, &set);
            set
        } else {
            BTreeSet::new()
        };
        let Some(i) = self.owner_of(request) else {
            return;
        };
        let client = &mut self.clients[i];
        let Phase::Syncing { generation, .. } = client.phase else {
            unreachable!("owner_of matched a sync")
        };
        match response.error {
            None => {
                client.phase = Phase::Stable {
                    generation,
                    partitions,
                };
                client.last_heartbeat = self.now;
            }
            Some(KafkaError::RebalanceInProgress | KafkaError::IllegalGeneration) => {
                client.phase = Phase::NotJoined;
            }
            Some(KafkaError::UnknownMemberId) => client.reset(true),
            Some(KafkaError::FencedInstanceId) => client.reset(false),
            Some(other) => self
                .unexpected
                .push(format!("SyncGroup answer to client {i}: {other:?}")),
        }
    }

    /// Property 1: within a generation, what one owner got never overlaps what another
    /// got, and one owner always gets the same thing.
    fn record_handed_out(&mut self, sent: SentSync, partitions: &BTreeSet<i32>) {
        let owners = self.handed_out.entry(sent.generation).or_default();
        for (owner, theirs) in owners.iter() {
            if *owner == sent.owner {
                assert_eq!(
                    theirs, partitions,
                    "generation {}: {owner} got two different assignments",
                    sent.generation
                );
            } else {
                let both: Vec<_> = theirs.intersection(partitions).collect();
                assert!(
                    both.is_empty(),
                    "generation {}: partitions {both:?} handed to both {owner} and {}",
                    sent.generation,
                    sent.owner
                );
            }
        }
        owners.insert(sent.owner, partitions.clone());
    }

    /// Deliver parked answers and check what happened.
    fn settle_outputs_and_check(&mut self) {
        while let Some(output) = self.c.poll_output() {
            match output {
                GroupOutput::Join { request, response } => self.on_join_response(request, response),
                GroupOutput::Sync { request, response } => self.on_sync_response(request, response),
            }
        }
        while let Some(event) = self.c.poll_event() {
            match &event {
                Event::AssignmentCompleted {
                    generation,
                    assignment,
                    ..
                } => {
                    let mut seen = BTreeSet::new();
                    for member in assignment {
                        for tp in member.partitions.iter().flatten() {
                            for p in &tp.partitions {
                                assert!(
                                    seen.insert((tp.topic.clone(), *p)),
                                    "generation {generation}: {}-{p} assigned twice: {assignment:?}",
                                    tp.topic
                                );
                            }
                        }
                    }
                }
                Event::GenerationStarted { generation, .. } => {
                    assert!(
                        *generation > self.last_generation_event,
                        "generation {generation} started after {}",
                        self.last_generation_event
                    );
                    self.last_generation_event = *generation;
                }
                _ => {}
            }
            self.events.push(event);
        }
        if let Some(generation) = self.c.generation(GROUP) {
            assert!(
                generation >= self.last_generation,
                "generation went back from {} to {generation}",
                self.last_generation
            );
            self.last_generation = generation;
        }
        assert!(self.unexpected.is_empty(), "{:?}", self.unexpected);
    }

    // --- the two phases ----------------------------------------------------------------

    /// Move the clock and fire what is due: afterwards nothing may be due any more.
    fn advance_to(&mut self, now: Millis) {
        self.now = now;
        self.c.handle_timeout(now);
        if let Some(deadline) = self.c.poll_timeout() {
            assert!(
                deadline > now,
                "handle_timeout({now}) left a deadline at {deadline} due"
            );
        }
    }

    fn apply(&mut self, op: Op) {
        let n = self.clients.len();
        match op {
            Op::Join { client, eager } => {
                let i = client % n;
                if !self.clients[i].alive {
                    self.clients[i].reset(true);
                }
                if eager {
                    self.join_eagerly(i);
                } else {
                    self.send_join(i);
                }
            }
            Op::Sync(client) => self.send_sync(client % n),
            Op::Heartbeat(client) => self.send_heartbeat(client % n),
            Op::Leave(client) => self.send_leave(client % n),
            Op::Crash(client) => self.clients[client % n].reset(false),
            Op::Restart(client) => {
                let i = client % n;
                self.clients[i].reset(true);
                self.join_eagerly(i);
            }
            Op::Advance(ms) => self.advance_to(self.now + ms),
            Op::AdvanceToDeadline => {
                if let Some(deadline) = self.c.poll_timeout() {
                    self.advance_to(deadline.max(self.now));
                }
            }
            Op::Behave => {
                for i in 0..n {
                    self.behave(i);
                }
            }
        }
        self.settle_outputs_and_check();
    }

    /// Every live client does what a real consumer does, once per tick.
    fn behave(&mut self, i: usize) {
        let client = &self.clients[i];
        if !client.alive {
            return;
        }
        match client.phase {
            Phase::NotJoined => self.join_eagerly(i),
            Phase::Joined { .. } => self.send_sync(i),
            Phase::Syncing { .. } | Phase::Stable { .. }
                if self.now - client.last_heartbeat >= HEARTBEAT_INTERVAL =>
            {
                self.send_heartbeat(i)
            }
            Phase::Joining(_) | Phase::Syncing { .. } | Phase::Stable { .. } => {}
        }
        self.settle_outputs_and_check();
    }

    fn run_well_behaved(&mut self) {
        let end = self.now + SETTLE_FOR;
        while self.now < end {
            self.advance_to(self.now + TICK);
            self.settle_outputs_and_check();
            for i in 0..self.clients.len() {
                self.behave(i);
            }
        }
    }

    /// Property 2: the group settled around the live clients.
    fn assert_settled(&self) {
        let live: Vec<&Client> = self.clients.iter().filter(|c| c.alive).collect();
        let members: BTreeSet<&str> = self
            .c
            .members(GROUP)
            .iter()
            .map(|m| m.member_id.as_str())
            .collect();
        let state = self.c.group_state(GROUP);
        if live.is_empty() {
            assert!(
                members.is_empty(),
                "no live client, yet members {members:?}"
            );
            assert!(
                matches!(state, None | Some(GroupState::Empty)),
                "no live client, yet {state:?}"
            );
            return;
        }
        assert_eq!(state, Some(GroupState::Stable), "clients: {live:#?}");
        let generation = self.c.generation(GROUP).expect("the group exists");
        let mut covered = Vec::new();
        for client in &live {
            match &client.phase {
                Phase::Stable {
                    generation: g,
                    partitions,
                } if *g == generation => covered.extend(partitions.iter().copied()),
                other => panic!(
                    "client {} ({:?}) is {other:?}, the group is Stable in generation \
                     {generation}",
                    client.member_id, client.instance
                ),
            }
        }
        let live_ids: BTreeSet<&str> = live.iter().map(|c| c.member_id.as_str()).collect();
        assert_eq!(
            members, live_ids,
            "the members are exactly the live clients"
        );
        covered.sort_unstable();
        assert_eq!(
            covered,
            (0..self.partitions).collect::<Vec<_>>(),
            "every partition assigned exactly once"
        );
    }
}

/// How the random prefix is followed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Then {
    /// Nothing: only the random operations.
    Stop,
    /// Five simulated minutes of well-behaved clients.
    Settle,
}

fn run(scenario: &Scenario, then: Then) -> World {
    let mut world = World::new(scenario);
    for op in &scenario.ops {
        world.apply(*op);
    }
    if then != Then::Stop {
        world.run_well_behaved();
    }
    world
}

/// Cases per property: enough to reach every branch of the coordinator often, few enough
/// for a few seconds in a debug build.
const CASES: u32 = 96;

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::with_cases(CASES) })]

    /// Random sequences of join/sync/heartbeat/leave/crash/restart/timeouts never leave a
    /// partition assigned to two members of one generation. Checked after every step of
    /// the random prefix and of the well-behaved suffix.
    #[test]
    fn no_partition_is_assigned_twice_in_a_generation(scenario in scenario()) {
        run(&scenario, Then::Settle);
    }

    /// Once members stop changing, the group always reaches Stable around the live
    /// clients, with every partition assigned exactly once. (This property found the
    /// static-restart-while-completing bug, pinned by
    /// `a_static_member_restarting_while_completing_triggers_a_rebalance`.)
    #[test]
    fn always_reach_stable_once_members_stop_changing(scenario in scenario()) {
        let world = run(&scenario, Then::Settle);
        world.assert_settled();
    }

    /// The same operations give the same events, to the millisecond.
    #[test]
    fn the_same_operations_give_the_same_events(scenario in scenario()) {
        let a = run(&scenario, Then::Settle);
        let b = run(&scenario, Then::Settle);
        prop_assert_eq!(a.events, b.events);
    }
}

/// Found by the liveness property: two static members; the second one's process is
/// replaced while the group waits for the leader's assignment, which names the old member
/// id. The coordinator must rebalance, or that member's partitions would belong to nobody.
#[test]
fn a_static_member_restarting_while_completing_triggers_a_rebalance() {
    let scenario = Scenario {
        clients: 2,
        partitions: 2,
        statics: vec![true, true, false, false, false, false],
        ops: vec![
            Op::Join {
                client: 0,
                eager: true,
            },
            Op::Join {
                client: 1,
                eager: true,
            },
            // The initial delay, extended once because a second member arrived.
            Op::Advance(6_000),
            // Both got generation 1; client 0 leads with members [old id of 1, 0].
            Op::Restart(1),
            // The restart starts a rebalance: the old SyncGroups are answered
            // REBALANCE_IN_PROGRESS and everybody rejoins.
            Op::Sync(0),
            Op::Sync(1),
        ],
    };
    let world = run(&scenario, Then::Stop);
    assert_eq!(
        world.c.group_state(GROUP),
        Some(GroupState::PreparingRebalance)
    );
    assert!(world.events.iter().any(|e| matches!(
        e,
        Event::RebalanceStarted {
            reason: crate::event::RebalanceReason::StaticMemberRestarted { .. },
            ..
        }
    )));
    let world = run(&scenario, Then::Settle);
    world.assert_settled();
    for client in &world.clients {
        let Phase::Stable { partitions, .. } = &client.phase else {
            panic!("every client synced: {:?}", client.phase)
        };
        assert_eq!(
            partitions.len(),
            1,
            "each client owns one partition: {partitions:?}"
        );
    }
}
