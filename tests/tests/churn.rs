//! Group churn in the simulation: members join, leave cleanly and crash *while the group
//! is rebalancing*, many times, then the churn stops. The campaign (`campaign.rs`) changes
//! membership at random moments; this test aims at the rebalance window itself, where the
//! coordinator is waiting for joins and syncs, which is where real brokers have had their
//! bugs (members left without an answer, UNKNOWN_MEMBER_ID storms). For every seed:
//!
//! - the churn really hit rebalances: at least 15 membership changes were made while the
//!   group was PreparingRebalance or CompletingRebalance;
//! - no member is left without an answer: a live consumer never waits in Joining or
//!   Syncing longer than the rebalance timeout (`max.poll.interval.ms`) plus one session
//!   timeout (the longest the coordinator may legitimately make it wait);
//! - no UNKNOWN_MEMBER_ID storm: no member id is told UNKNOWN_MEMBER_ID more than 3 times
//!   (a client that hears it once forgets its id and rejoins);
//! - the group converges once the churn stops: Stable, every live consumer Stable in the
//!   group's generation, the members are exactly the live consumers, each partition owned
//!   exactly once, and nothing lost (at-least-once).
//!
//! `MINIKAFKA_CHURN_SEEDS` runs more seeds (default 40).

use std::collections::{BTreeMap, BTreeSet};

use minikafka::client::assignor::AssignorKind;
use minikafka::client::consumer::{ConsumerEvent, MemberState};
use minikafka::client::TopicPartition;
use minikafka::error::KafkaError;
use minikafka::event::Event;
use minikafka::group::GroupState;
use minikafka::sim::{Command, CommitMode, ConsumerSpec, ProducerSpec, World, WorldEventKind};
use minikafka::Millis;

const GROUP: &str = "churn";
const TOPIC: &str = "events";
const PARTITIONS: i32 = 6;
const STEP_MS: Millis = 100;
const CHURN_MS: Millis = 60_000;
const QUIET_MS: Millis = 60_000;
const SESSION_MS: i32 = 6_000;
const MAX_POLL_MS: i32 = 10_000;
const MAX_LIVE: usize = 8;

/// A small deterministic generator (the test must replay from its seed alone).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn consumer(name: &str, seed: u64) -> ConsumerSpec {
    let assignors = match seed % 3 {
        0 => vec![AssignorKind::Range],
        1 => vec![AssignorKind::CooperativeSticky],
        _ => vec![AssignorKind::RoundRobin],
    };
    ConsumerSpec {
        name: name.into(),
        group: GROUP.into(),
        topics: vec![TOPIC.into()],
        session_timeout_ms: SESSION_MS,
        heartbeat_interval_ms: 1_000,
        max_poll_interval_ms: MAX_POLL_MS,
        max_poll_records: 20,
        processing_ms: 5,
        commit_mode: if seed.is_multiple_of(2) {
            CommitMode::PerBatch
        } else {
            CommitMode::Auto
        },
        assignors,
        ..ConsumerSpec::default()
    }
}

#[derive(Default)]
struct Tally {
    during_rebalance: u32,
    unknown_member: BTreeMap<String, u32>,
    /// Since when each consumer has been waiting in Joining or Syncing (by name): an answer
    /// moves it to another state, which restarts the clock.
    waiting_since: BTreeMap<String, (MemberState, Millis)>,
}

impl Tally {
    fn events(&mut self, world: &mut World) {
        for e in world.take_events() {
            let unknown = match &e.kind {
                WorldEventKind::Broker {
                    event:
                        Event::Heartbeat {
                            member_id,
                            error: Some(KafkaError::UnknownMemberId),
                            ..
                        }
                        | Event::OffsetCommitRejected {
                            member_id,
                            error: KafkaError::UnknownMemberId,
                            ..
                        },
                } => Some(member_id.clone()),
                WorldEventKind::Consumer {
                    name,
                    event:
                        ConsumerEvent::CommitCompleted {
                            error: Some(KafkaError::UnknownMemberId),
                            ..
                        },
                } => Some(format!("consumer {name}")),
                _ => None,
            };
            if let Some(who) = unknown {
                *self.unknown_member.entry(who).or_default() += 1;
            }
        }
    }

    fn check_answers(&mut self, world: &World) -> Result<(), String> {
        let limit = Millis::from(MAX_POLL_MS) + Millis::from(SESSION_MS);
        // A crashed or stopped process waits for nothing; a restarted one starts afresh.
        for c in world.consumers.iter().filter(|c| !c.is_live()) {
            self.waiting_since.remove(&c.spec.name);
        }
        for c in world.consumers.iter().filter(|c| c.is_live()) {
            match c.consumer.member_state() {
                state @ (MemberState::Joining | MemberState::Syncing) => {
                    let entry = self
                        .waiting_since
                        .entry(c.spec.name.clone())
                        .or_insert((state, world.now()));
                    if entry.0 != state {
                        *entry = (state, world.now());
                    }
                    let since = entry.1;
                    if world.now() - since > limit {
                        return Err(format!(
                            "{} has waited in {:?} since {since} ms without an answer (now {})",
                            c.spec.name,
                            c.consumer.member_state(),
                            world.now()
                        ));
                    }
                }
                _ => {
                    self.waiting_since.remove(&c.spec.name);
                }
            }
        }
        Ok(())
    }
}

fn rebalancing(world: &World) -> bool {
    matches!(
        world.broker.coordinator().group_state(GROUP),
        Some(GroupState::PreparingRebalance | GroupState::CompletingRebalance)
    )
}

/// What a seed did: membership changes during rebalances, UNKNOWN_MEMBER_ID answers in
/// all, and the most any one member id got.
struct Outcome {
    changes: u32,
    unknown: u32,
    worst: u32,
}

fn run_seed(seed: u64) -> Result<Outcome, String> {
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let mut world = World::new(seed);
    let mut tally = Tally::default();
    world.apply(Command::CreateTopic {
        topic: TOPIC.into(),
        partitions: PARTITIONS,
        retention_ms: None,
        segment_bytes: None,
    });
    world.apply(Command::AddProducer(ProducerSpec {
        name: "producer".into(),
        topic: TOPIC.into(),
        rate_per_sec: 20,
        distinct_keys: 50,
        ..ProducerSpec::default()
    }));
    let mut names = Vec::new();
    for i in 0..3 {
        let name = format!("c{i}");
        world.apply(Command::AddConsumer(consumer(&name, seed)));
        names.push(name);
    }
    // Churn: during a rebalance act often (every other step), otherwise now and then.
    let mut now = 0;
    while now < CHURN_MS {
        now += STEP_MS;
        world.run_until(now);
        tally.events(&mut world);
        tally.check_answers(&world)?;
        let in_rebalance = rebalancing(&world);
        let act = if in_rebalance {
            rng.below(2) == 0
        } else {
            rng.below(15) == 0
        };
        if !act {
            continue;
        }
        let live: Vec<String> = world
            .consumers
            .iter()
            .filter(|c| c.is_live())
            .map(|c| c.spec.name.clone())
            .collect();
        let dead: Vec<String> = world
            .consumers
            .iter()
            .filter(|c| !c.is_live())
            .map(|c| c.spec.name.clone())
            .collect();
        let command = match rng.below(4) {
            0 if live.len() < MAX_LIVE => {
                let name = format!("c{}", names.len());
                names.push(name.clone());
                Command::AddConsumer(consumer(&name, seed))
            }
            1 if !live.is_empty() => Command::StopConsumer {
                name: live[rng.below(live.len() as u64) as usize].clone(),
            },
            2 if !live.is_empty() => Command::CrashConsumer {
                name: live[rng.below(live.len() as u64) as usize].clone(),
            },
            _ if !dead.is_empty() && live.len() < MAX_LIVE => Command::RestartConsumer {
                name: dead[rng.below(dead.len() as u64) as usize].clone(),
            },
            _ => continue,
        };
        if in_rebalance {
            tally.during_rebalance += 1;
        }
        world.apply(command);
    }
    // The churn stops with at least three consumers alive.
    while world.consumers.iter().filter(|c| c.is_live()).count() < 3 {
        let name = format!("c{}", names.len());
        names.push(name.clone());
        world.apply(Command::AddConsumer(consumer(&name, seed)));
    }
    while now < CHURN_MS + QUIET_MS {
        now += STEP_MS;
        world.run_until(now);
        tally.events(&mut world);
        tally.check_answers(&world)?;
    }
    if tally.during_rebalance < 15 {
        return Err(format!(
            "only {} membership changes landed in a rebalance: the test did not test churn",
            tally.during_rebalance
        ));
    }
    if let Some((who, n)) = tally.unknown_member.iter().find(|(_, n)| **n > 3) {
        return Err(format!(
            "UNKNOWN_MEMBER_ID storm: {who} was told {n} times ({:?})",
            tally.unknown_member
        ));
    }
    converged(&world)?;
    Ok(Outcome {
        changes: tally.during_rebalance,
        unknown: tally.unknown_member.values().sum(),
        worst: tally.unknown_member.values().copied().max().unwrap_or(0),
    })
}

fn converged(world: &World) -> Result<(), String> {
    let d = world.broker.describe_group(GROUP);
    if d.state != GroupState::Stable {
        return Err(format!("the group is {:?} after the quiet period", d.state));
    }
    let live: Vec<_> = world.consumers.iter().filter(|c| c.is_live()).collect();
    let mut members = BTreeSet::new();
    let mut owned = BTreeSet::new();
    for c in &live {
        if c.consumer.member_state() != MemberState::Stable
            || c.consumer.generation() != d.generation_id
        {
            return Err(format!(
                "{} is {:?} in generation {}; the group is in generation {}",
                c.spec.name,
                c.consumer.member_state(),
                c.consumer.generation(),
                d.generation_id
            ));
        }
        members.insert(c.consumer.member_id().to_string());
        for tp in c.consumer.assignment() {
            if !owned.insert(tp.clone()) {
                return Err(format!("{tp} is owned twice"));
            }
        }
    }
    let described: BTreeSet<String> = d.members.iter().map(|m| m.member_id.clone()).collect();
    if described != members {
        return Err(format!(
            "the coordinator's members {described:?} are not the live consumers {members:?}"
        ));
    }
    let wanted: BTreeSet<TopicPartition> = (0..PARTITIONS)
        .map(|p| TopicPartition::new(TOPIC, p))
        .collect();
    if owned != wanted {
        return Err(format!("owned {owned:?}, expected every partition once"));
    }
    if world.lost() != 0 {
        return Err(format!("{} record(s) lost", world.lost()));
    }
    Ok(())
}

#[test]
fn members_joining_and_leaving_during_rebalances_converge_without_storms() {
    let seeds: u64 = std::env::var("MINIKAFKA_CHURN_SEEDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(40);
    let (mut changes, mut unknown, mut worst) = (0, 0, 0);
    for seed in 0..seeds {
        match run_seed(seed) {
            Ok(o) => {
                changes += o.changes;
                unknown += o.unknown;
                worst = worst.max(o.worst);
            }
            Err(e) => panic!("seed {seed}: {e}"),
        }
    }
    println!(
        "{seeds} seeds: {changes} membership changes made during rebalances, all converged; \
         {unknown} UNKNOWN_MEMBER_ID answers in all, at most {worst} to one member id"
    );
}
