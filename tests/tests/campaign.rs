//! A randomized simulation campaign: for every seed, a random but valid schedule of
//! topics, producers, consumers (one or two groups, random assignors, commit modes,
//! processing times, some of them slower than `max.poll.interval.ms`), crashes, restarts,
//! graceful stops, late joins and partition additions over two simulated minutes, then a
//! quiet period with no membership change. The real broker and client state machines run
//! in the simulated world; the test only checks what must hold whatever happened:
//!
//! - (a) no partition is owned by two members of a group in one generation: no
//!   `AssignmentCompleted` event gives a partition twice, and at every step (every 100
//!   simulated ms) live consumers of one group that are Stable in the same generation own
//!   disjoint partitions;
//! - (b) at-least-once processing loses nothing: `world.lost() == 0`, checked during the
//!   run and at the end; after the quiet period (producers stopped), every group with live
//!   consumers processed every record of its topics and committed the log end;
//! - (c) a group's committed offset of a partition never moves backwards: no seek is ever
//!   issued and `auto.offset.reset` only applies before the first commit, so there is no
//!   exception;
//! - (d) after the quiet period every group with live consumers is Stable, every live
//!   consumer is Stable in the group's generation, the group has exactly the live
//!   consumers as members, and every partition of the subscribed topics is assigned
//!   exactly once (except the known limitation below);
//! - (e) the same seed and commands give the same event stream (the run is done twice);
//! - (f), (g), (h) in the seeds with an exactly-once pipeline (`campaign/eos.rs`: a
//!   transactional read-process-write application crashed, stopped, paused and slowed at
//!   random): a `read_committed` reader of its output reads each input exactly once once it
//!   caught up, no `read_committed` consumer is ever handed a record of an aborted
//!   transaction (nor anyone a marker), and every transaction ends.
//!
//! `cargo test` runs 1,000 seeds of small worlds from seed 0, the same every time (a
//! debug build is ~15 times slower); `make campaign` runs 10,000 seeds of the full-size worlds (`FULL` below)
//! in a release build, from a random first seed that it prints, so that each run covers
//! new ground (`MINIKAFKA_CAMPAIGN_SEEDS`, `MINIKAFKA_CAMPAIGN_FIRST_SEED`,
//! `MINIKAFKA_CAMPAIGN_PROFILE=small|full`). A failure prints the seed, the run string
//! (`Script::encode` of the schedule) and the command that replays it alone with the same
//! checks (`replay_one`).
//!
//! The campaign found two consumer bugs, now fixed, each pinned by a regression test at
//! the end of this file: a consumer that left its group (`max.poll.interval.ms`) committed
//! as a standalone consumer and could rewind the group's offsets; a static leader that
//! came back without a rebalance never noticed added partitions. Later seeds found three
//! more, also pinned there: a removed cooperative member committing stale positions
//! (seed 8818), a simulated application that never retried a commit refused during a
//! rebalance (seed 7341036), and a removed member that rejoined in the background and
//! then committed records polled before its removal (seed 30002144). Seed 528026041 found a
//! static member, frozen with its JoinGroup in flight, that left on its poll timer, joined
//! again and took the answer to the old JoinGroup for the new one: it synced under the
//! expired member id and was fenced by its own new one (pinned in the consumer's unit
//! tests, `client/consumer/tests.rs`). One known limitation
//! remains, shared with Java's consumer, and is excluded exactly (and counted) unless
//! `MINIKAFKA_CAMPAIGN_STRICT=1`: partitions added *while* a static leader was away stay
//! unassigned until the next metadata change or rebalance.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use minikafka::client::assignor::AssignorKind;
use minikafka::client::consumer::{AutoOffsetReset, ConsumerEvent, MemberState};
use minikafka::client::{Acks, TopicPartition};
use minikafka::event::Event;
use minikafka::group::GroupState;
use minikafka::log::IsolationLevel;
use minikafka::record::Offset;
use minikafka::sim::actors::ActorStatus;
use minikafka::sim::{
    Command, CommitMode, ConsumerSpec, ProducerSpec, Script, Semantics, World, WorldEvent,
    WorldEventKind,
};
use minikafka::Millis;

#[path = "campaign/eos.rs"]
mod eos;

/// Invariants are checked this often (simulated ms).
const STEP_MS: Millis = 100;
/// A consumer notices added partitions with its periodic metadata refresh
/// (`metadata.max.age.ms`, Kafka's default of 5 minutes).
const METADATA_MAX_AGE_MS: Millis = 300_000;

/// How big and long the worlds are.
#[derive(Debug, Clone, Copy)]
struct Profile {
    /// Membership changes happen before this.
    chaos_end: Millis,
    /// Producers stop this long after the chaos ends, so the end state can be checked whole.
    producers_stop_after: Millis,
    /// The quiet period after the chaos: no membership change (4 to 5 times the longest
    /// session timeout, and the rebalance timeout).
    quiet: Millis,
    /// `session.timeout.ms` and `max.poll.interval.ms` are drawn from this range (s).
    timeouts_s: (i64, i64),
    /// Percentage of seeds whose schedule may add partitions (those run 5 minutes
    /// longer: consumers only see new partitions at their metadata refresh).
    growth_percent: u64,
    /// Every how many seeds the run is repeated to compare the events (e).
    determinism_every: u64,
    /// Highest producer rate (records/s).
    max_rate: i64,
    /// Percentage of seeds that add an exactly-once pipeline (`eos.rs`).
    eos_percent: u64,
}

/// The full-size worlds `make campaign` runs (release build): two simulated minutes of chaos,
/// session and poll timeouts of 10 to 30 s, every seed run twice to compare its events (e).
const FULL: Profile = Profile {
    chaos_end: 120_000,
    producers_stop_after: 20_000,
    quiet: 150_000,
    timeouts_s: (10, 30),
    growth_percent: 100,
    determinism_every: 1,
    max_rate: 20,
    eos_percent: 30,
};

/// Smaller and shorter worlds, so that 1,000 seeds fit in `cargo test` (a debug build
/// runs the simulation about 15 times slower than a release build).
const SMALL: Profile = Profile {
    chaos_end: 60_000,
    producers_stop_after: 10_000,
    quiet: 50_000,
    timeouts_s: (6, 15),
    growth_percent: 15,
    determinism_every: 5,
    max_rate: 10,
    eos_percent: 15,
};

/// `MINIKAFKA_CAMPAIGN_PROFILE=full|small`; by default full in release builds, small in
/// debug builds. `MINIKAFKA_CAMPAIGN_EOS_PERCENT` overrides the profile's share of
/// exactly-once seeds.
fn profile() -> Profile {
    let profile = match std::env::var("MINIKAFKA_CAMPAIGN_PROFILE").as_deref() {
        Ok("full") => FULL,
        Ok("small") => SMALL,
        _ if cfg!(debug_assertions) => SMALL,
        _ => FULL,
    };
    Profile {
        eos_percent: env_u64("MINIKAFKA_CAMPAIGN_EOS_PERCENT", profile.eos_percent).min(100),
        ..profile
    }
}

// ---------------------------------------------------------------------------------------
// A small seeded generator (SplitMix64): the schedule depends on the seed only.
// ---------------------------------------------------------------------------------------

struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next_u64() % (hi - lo + 1) as u64) as i64
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next_u64() % items.len() as u64) as usize]
    }
}

// ---------------------------------------------------------------------------------------
// The schedule
// ---------------------------------------------------------------------------------------

/// Assignor lists a group may use (every consumer of a group gets the same one, so the
/// group agrees on a rebalance protocol): eager ones, cooperative-sticky alone
/// (cooperative), and the Java default `[range, cooperative-sticky]` (eager).
const ASSIGNORS: [&[AssignorKind]; 6] = [
    &[AssignorKind::Range],
    &[AssignorKind::RoundRobin],
    &[AssignorKind::Sticky],
    &[AssignorKind::CooperativeSticky],
    &[AssignorKind::Range, AssignorKind::CooperativeSticky],
    &[AssignorKind::CooperativeSticky, AssignorKind::Range],
];

#[derive(Clone, Copy, PartialEq)]
enum Planned {
    NotStarted,
    Running,
    Down,
}

/// A random schedule for `seed`, and when the run ends.
fn schedule(seed: u64, profile: &Profile) -> (Script, Millis) {
    let chaos_end = profile.chaos_end;
    let mut rng = SplitMix64(seed ^ 0x6D69_6E69_6B61_666B);
    let mut commands: Vec<(Millis, Command)> = Vec::new();

    // Topics.
    let n_topics = rng.range(1, 2) as usize;
    let mut partitions = Vec::new();
    for t in 0..n_topics {
        let n = rng.range(1, 8) as i32;
        partitions.push(n);
        commands.push((
            0,
            Command::CreateTopic {
                topic: format!("t{t}"),
                partitions: n,
                retention_ms: None,
                segment_bytes: None,
            },
        ));
    }

    // Producers.
    let n_producers = rng.range(1, 2) as usize;
    for p in 0..n_producers {
        let spec = ProducerSpec {
            name: format!("p{p}"),
            topic: format!("t{}", rng.range(0, n_topics as i64 - 1)),
            rate_per_sec: rng.range(1, profile.max_rate) as u32,
            distinct_keys: if rng.chance(50) {
                0
            } else {
                rng.range(1, 16) as u32
            },
            acks: *rng.pick(&[Acks::All, Acks::Leader]),
            linger_ms: rng.range(0, 20),
        };
        commands.push((0, Command::AddProducer(spec)));
    }

    // Groups: a subscription and an assignor list each.
    let n_consumers = rng.range(1, 6) as usize;
    let n_groups = (rng.range(1, 2) as usize).min(n_consumers);
    let groups: Vec<(Vec<String>, Vec<AssignorKind>)> = (0..n_groups)
        .map(|_| {
            let mut topics: Vec<String> = (0..n_topics)
                .filter(|_| rng.chance(60))
                .map(|t| format!("t{t}"))
                .collect();
            if topics.is_empty() {
                topics.push(format!("t{}", rng.range(0, n_topics as i64 - 1)));
            }
            (topics, rng.pick(&ASSIGNORS).to_vec())
        })
        .collect();

    // Consumers: most start in the first seconds, some join later.
    let mut specs = Vec::new();
    let mut status = Vec::new();
    let mut starts = Vec::new();
    for c in 0..n_consumers {
        let g = if c < n_groups {
            c
        } else {
            rng.range(0, n_groups as i64 - 1) as usize
        };
        let (lo, hi) = profile.timeouts_s;
        let session = rng.range(lo, hi) * 1_000;
        let name = format!("c{c}");
        let spec = ConsumerSpec {
            name: name.clone(),
            group: format!("g{g}"),
            topics: groups[g].0.clone(),
            instance_id: rng.chance(15).then(|| format!("{name}-static")),
            session_timeout_ms: session as i32,
            heartbeat_interval_ms: session / 3,
            max_poll_interval_ms: rng.range(lo, hi) as i32 * 1_000,
            max_poll_records: rng.range(1, 50) as usize,
            auto_commit_interval_ms: rng.range(500, 5_000),
            auto_offset_reset: AutoOffsetReset::Earliest,
            assignors: groups[g].1.clone(),
            metadata_max_age_ms: METADATA_MAX_AGE_MS,
            processing_ms: rng.range(0, 5),
            commit_mode: *rng.pick(&[
                CommitMode::Auto,
                CommitMode::PerRecord,
                CommitMode::PerBatch,
                CommitMode::PerBatchAsync,
            ]),
            semantics: Semantics::AtLeastOnce,
            ..ConsumerSpec::default()
        };
        let start = if rng.chance(75) {
            rng.range(0, 5_000)
        } else {
            rng.range(5_000, chaos_end - 10_000)
        };
        starts.push((start, c));
        specs.push(spec);
        status.push(Planned::NotStarted);
    }

    // Chaos: events at random times; what each does depends on the planned state then.
    let mut times: Vec<(Millis, Option<usize>)> =
        starts.iter().map(|&(t, c)| (t, Some(c))).collect();
    for _ in 0..rng.range(2, 14) {
        times.push((rng.range(2_000, chaos_end), None));
    }
    times.sort_by_key(|&(t, c)| (t, c));
    let mut slowed = BTreeSet::new();
    let mut last_growth: Option<Millis> = None;
    let may_grow = rng.chance(profile.growth_percent);
    for (at, start) in times {
        if let Some(c) = start {
            commands.push((at, Command::AddConsumer(specs[c].clone())));
            status[c] = Planned::Running;
            continue;
        }
        let running: Vec<usize> = (0..n_consumers)
            .filter(|&c| status[c] == Planned::Running)
            .collect();
        let down: Vec<usize> = (0..n_consumers)
            .filter(|&c| status[c] == Planned::Down)
            .collect();
        let name = |c: usize| format!("c{c}");
        match rng.range(0, 99) {
            0..=24 if !running.is_empty() => {
                let c = *rng.pick(&running);
                status[c] = Planned::Down;
                commands.push((at, Command::CrashConsumer { name: name(c) }));
            }
            25..=39 if !running.is_empty() => {
                let c = *rng.pick(&running);
                status[c] = Planned::Down;
                commands.push((at, Command::StopConsumer { name: name(c) }));
            }
            40..=59 if !down.is_empty() => {
                let c = *rng.pick(&down);
                status[c] = Planned::Running;
                commands.push((at, Command::RestartConsumer { name: name(c) }));
            }
            60..=74 if !running.is_empty() => {
                // Slow processing: one record takes longer than `max.poll.interval.ms`
                // (or just enough to build a backlog).
                let c = *rng.pick(&running);
                let max_poll = Millis::from(specs[c].max_poll_interval_ms);
                let processing_ms = if rng.chance(60) {
                    rng.range(max_poll + 1, max_poll * 3 / 2)
                } else {
                    rng.range(50, 1_000)
                };
                slowed.insert(c);
                commands.push((
                    at,
                    Command::SetProcessingTime {
                        name: name(c),
                        processing_ms,
                    },
                ));
            }
            75..=84 if may_grow && at <= chaos_end / 2 => {
                let t = rng.range(0, n_topics as i64 - 1) as usize;
                partitions[t] += rng.range(1, 3) as i32;
                last_growth = Some(at);
                commands.push((
                    at,
                    Command::AddPartitions {
                        topic: format!("t{t}"),
                        total: partitions[t],
                    },
                ));
            }
            85..=92 => commands.push((
                at,
                Command::ProduceBurst {
                    name: format!("p{}", rng.range(0, n_producers as i64 - 1)),
                    count: rng.range(1, 200) as u32,
                },
            )),
            93..=99 => commands.push((
                at,
                Command::SetProduceRate {
                    name: format!("p{}", rng.range(0, n_producers as i64 - 1)),
                    rate_per_sec: rng.range(0, profile.max_rate * 3 / 2) as u32,
                },
            )),
            _ => {}
        }
    }

    // End of the chaos: slow consumers speed up, most stopped ones come back.
    for &c in &slowed {
        commands.push((
            chaos_end,
            Command::SetProcessingTime {
                name: format!("c{c}"),
                processing_ms: rng.range(0, 5),
            },
        ));
    }
    for (c, planned) in status.iter().enumerate() {
        if *planned == Planned::Down && rng.chance(60) {
            commands.push((
                chaos_end,
                Command::RestartConsumer {
                    name: format!("c{c}"),
                },
            ));
        }
    }
    for p in 0..n_producers {
        commands.push((
            chaos_end + profile.producers_stop_after,
            Command::SetProduceRate {
                name: format!("p{p}"),
                rate_per_sec: 0,
            },
        ));
    }
    let mut end = chaos_end + profile.quiet;
    if let Some(at) = last_growth {
        end = end.max(at + METADATA_MAX_AGE_MS + 90_000);
    }
    eos::schedule(seed, profile, &mut commands);
    (Script { seed, commands }, end)
}

// ---------------------------------------------------------------------------------------
// Running a schedule and checking the invariants
// ---------------------------------------------------------------------------------------

/// What a run did, for the campaign's summary.
#[derive(Debug, Default, Clone)]
struct Stats {
    events: usize,
    processed: u64,
    duplicates: usize,
    rebalances: usize,
    crashes: usize,
    stops: usize,
    restarts: usize,
    partitions_added: usize,
    slow: usize,
    poll_interval_expired: usize,
    partitions_lost: usize,
    commits_rejected: usize,
    static_replaced: usize,
    session_timeouts: usize,
    cooperative_groups: usize,
    /// Known issue 1: commits with generation -1 from a consumer that lost its membership.
    standalone_commits: usize,
    /// Known issue 2: groups left with partitions unassigned behind a returning static leader.
    static_leader_stale: usize,
    /// Runs with an exactly-once pipeline, and what it did there: inputs processed exactly
    /// once, transactions committed and aborted at the broker, records of aborted
    /// transactions in the output, how many of them read_uncommitted readers returned,
    /// pauses (possible zombies).
    eos_runs: usize,
    eos_inputs: usize,
    eos_commits: usize,
    eos_aborts: usize,
    eos_aborted_records: usize,
    eos_aborted_read_uncommitted: usize,
    eos_pauses: usize,
}

impl Stats {
    fn add(&mut self, o: &Stats) {
        self.events += o.events;
        self.processed += o.processed;
        self.duplicates += o.duplicates;
        self.rebalances += o.rebalances;
        self.crashes += o.crashes;
        self.stops += o.stops;
        self.restarts += o.restarts;
        self.partitions_added += o.partitions_added;
        self.slow += o.slow;
        self.poll_interval_expired += o.poll_interval_expired;
        self.partitions_lost += o.partitions_lost;
        self.commits_rejected += o.commits_rejected;
        self.static_replaced += o.static_replaced;
        self.session_timeouts += o.session_timeouts;
        self.cooperative_groups += o.cooperative_groups;
        self.standalone_commits += o.standalone_commits;
        self.static_leader_stale += o.static_leader_stale;
        self.eos_runs += o.eos_runs;
        self.eos_inputs += o.eos_inputs;
        self.eos_commits += o.eos_commits;
        self.eos_aborts += o.eos_aborts;
        self.eos_aborted_records += o.eos_aborted_records;
        self.eos_aborted_read_uncommitted += o.eos_aborted_read_uncommitted;
        self.eos_pauses += o.eos_pauses;
    }
}

/// `MINIKAFKA_CAMPAIGN_STRICT=1`: no exclusion of the known limitation (see above).
fn strict() -> bool {
    std::env::var("MINIKAFKA_CAMPAIGN_STRICT").is_ok_and(|v| v == "1")
}

/// (group, topic, partition).
type CommitKey = (String, String, i32);
/// When, the offset, the member id and the generation of a commit.
type LastCommit = (Millis, i64, String, i32);

/// The invariants that are checked as events arrive.
#[derive(Default)]
struct Checker {
    strict: bool,
    /// Member ids a static member came back under with no rebalance (JoinGroup answered
    /// with `skip_assignment` for a returning leader).
    static_returns: BTreeSet<String>,
    /// (group, topic, partition) -> last committed offset and who committed it.
    committed: BTreeMap<CommitKey, LastCommit>,
    stats: Stats,
}

impl Checker {
    fn events(&mut self, events: &[WorldEvent]) -> Result<(), String> {
        for e in events {
            match &e.kind {
                WorldEventKind::Broker { event } => self.broker_event(e.at, event)?,
                WorldEventKind::Consumer { event, .. } => match event {
                    ConsumerEvent::LeftGroup { reason } if reason.contains("max.poll") => {
                        self.stats.poll_interval_expired += 1
                    }
                    ConsumerEvent::PartitionsLost(_) => self.stats.partitions_lost += 1,
                    _ => {}
                },
                WorldEventKind::Processed { .. } => self.stats.processed += 1,
                WorldEventKind::Command { command } => match command {
                    Command::CrashConsumer { .. } => self.stats.crashes += 1,
                    Command::StopConsumer { .. } => self.stats.stops += 1,
                    Command::RestartConsumer { .. } => self.stats.restarts += 1,
                    Command::PauseConsumer { .. } => self.stats.eos_pauses += 1,
                    Command::AddPartitions { .. } => self.stats.partitions_added += 1,
                    Command::SetProcessingTime { processing_ms, .. } if *processing_ms > 5 => {
                        self.stats.slow += 1
                    }
                    _ => {}
                },
                _ => {}
            }
        }
        self.stats.events += events.len();
        Ok(())
    }

    fn broker_event(&mut self, at: Millis, event: &Event) -> Result<(), String> {
        match event {
            // (a) on the coordinator's side: one owner per partition in a generation.
            Event::AssignmentCompleted {
                group,
                generation,
                assignment,
                ..
            } => {
                let mut seen: BTreeMap<(String, i32), &str> = BTreeMap::new();
                for member in assignment {
                    for tps in member.partitions.iter().flatten() {
                        for &p in &tps.partitions {
                            if let Some(other) =
                                seen.insert((tps.topic.clone(), p), &member.member_id)
                            {
                                return Err(format!(
                                    "(a) at {at}: generation {generation} of {group} gives {}-{p} to {other} and {}",
                                    tps.topic, member.member_id
                                ));
                            }
                        }
                    }
                }
            }
            // (c) committed offsets never go back.
            Event::OffsetCommitted {
                group,
                topic,
                partition,
                offset,
                member_id,
                generation,
                ..
            } => {
                let key = (group.clone(), topic.clone(), *partition);
                // Every consumer here subscribes, so a commit with generation -1 would come
                // from one that lost its membership; the consumer refuses to send those
                // (Java's CommitFailedException), as they could rewind the group. Counted,
                // and expected to stay 0.
                let standalone = *generation < 0 && member_id.is_empty();
                if standalone {
                    self.stats.standalone_commits += 1;
                }
                if let Some((prev_at, prev, prev_member, prev_gen)) = self.committed.get(&key) {
                    if offset < prev {
                        return Err(format!(
                            "(c) at {at}: {group} committed {topic}-{partition} = {offset} (member {member_id:?}, generation {generation}) below {prev} (committed at {prev_at} by {prev_member:?}, generation {prev_gen})"
                        ));
                    }
                }
                self.committed
                    .insert(key, (at, *offset, member_id.clone(), *generation));
            }
            Event::OffsetCommitRejected { .. } => self.stats.commits_rejected += 1,
            Event::RebalanceStarted { .. } => self.stats.rebalances += 1,
            Event::StaticMemberReplaced { new_member_id, .. } => {
                self.stats.static_replaced += 1;
                self.static_returns.insert(new_member_id.clone());
            }
            Event::MemberRemoved { reason, .. }
                if *reason == minikafka::event::RemovalReason::SessionTimeout =>
            {
                self.stats.session_timeouts += 1
            }
            _ => {}
        }
        Ok(())
    }
}

/// (a) on the consumers' side: live consumers of a group that are Stable in the same
/// generation own disjoint partitions.
fn check_owners(world: &World) -> Result<(), String> {
    let mut owners: BTreeMap<(&str, i32, TopicPartition), &str> = BTreeMap::new();
    for c in world.consumers.iter().filter(|c| c.is_live()) {
        if c.consumer.member_state() != MemberState::Stable {
            continue;
        }
        let generation = c.consumer.generation();
        for tp in c.consumer.assignment() {
            let key = (c.spec.group.as_str(), generation, tp);
            if let Some(other) = owners.insert(key.clone(), &c.spec.name) {
                return Err(format!(
                    "(a) at {}: {} and {} both own {} in generation {generation} of {}",
                    world.now(),
                    other,
                    c.spec.name,
                    key.2,
                    key.0
                ));
            }
        }
    }
    Ok(())
}

/// (d) and the end of (b): the state after the quiet period.
fn check_end(world: &World, producers_stopped: bool, checker: &mut Checker) -> Result<(), String> {
    let now = world.now();
    let truth = &eos::truth(world);
    let groups: BTreeSet<&str> = world
        .consumers
        .iter()
        .map(|c| c.spec.group.as_str())
        .collect();
    for group in groups {
        let live: Vec<_> = world
            .consumers
            .iter()
            .filter(|c| c.spec.group == group && c.is_live())
            .collect();
        let d = world.broker.describe_group(group);
        if live.is_empty() {
            if d.state != GroupState::Empty && d.state != GroupState::Dead {
                return Err(format!(
                    "(d) at {now}: {group} has no live consumer but is {:?} with {} member(s)",
                    d.state,
                    d.members.len()
                ));
            }
            continue;
        }
        if d.state != GroupState::Stable {
            return Err(format!(
                "(d) at {now}: {group} is {:?}, not Stable, after the quiet period",
                d.state
            ));
        }
        let mut members: BTreeSet<String> = BTreeSet::new();
        for c in &live {
            if c.consumer.member_state() != MemberState::Stable
                || c.consumer.generation() != d.generation_id
            {
                return Err(format!(
                    "(d) at {now}: {} is {:?} in generation {}, {group} is Stable in generation {}",
                    c.spec.name,
                    c.consumer.member_state(),
                    c.consumer.generation(),
                    d.generation_id
                ));
            }
            members.insert(c.consumer.member_id().to_string());
        }
        let described: BTreeSet<String> = d.members.iter().map(|m| m.member_id.clone()).collect();
        if described != members {
            return Err(format!(
                "(d) at {now}: {group} has members {described:?}, the live consumers are {members:?}"
            ));
        }
        // Every partition of the subscribed topics, exactly once.
        let topics: BTreeSet<&String> = live.iter().flat_map(|c| c.spec.topics.iter()).collect();
        let mut wanted = BTreeSet::new();
        for t in &topics {
            let n = world.broker.topic(t).map_or(0, |t| t.partition_count());
            wanted.extend((0..n).map(|p| TopicPartition::new(t.as_str(), p)));
        }
        let mut owned = BTreeSet::new();
        for c in &live {
            for tp in c.consumer.assignment() {
                if !owned.insert(tp.clone()) {
                    return Err(format!("(d) at {now}: {tp} owned twice in {group}"));
                }
            }
        }
        if owned != wanted {
            // KNOWN LIMITATION (shared with Java's consumer): partitions added while a
            // static leader was away. It comes back with no rebalance (skip_assignment),
            // takes the metadata it sees then as its snapshot, and so never learns that the
            // group's assignment predates the new partitions; they stay unassigned until the
            // next metadata change or rebalance. Excluded exactly: the leader returned that
            // way and the group only misses partitions.
            let leader_returned = live.iter().any(|c| {
                c.consumer.is_leader() && checker.static_returns.contains(c.consumer.member_id())
            });
            if checker.strict || !leader_returned || !owned.is_subset(&wanted) {
                return Err(format!(
                    "(d) at {now}: {group} owns {owned:?}, its topics have {wanted:?}"
                ));
            }
            checker.stats.static_leader_stale += 1;
        }
        // (b) with producers stopped: everything processed, the log end committed. No
        // consumer is handed a transaction marker, nor a read_committed one an aborted
        // record: the log end may lie past those.
        if producers_stopped {
            let read_committed = live
                .iter()
                .any(|c| c.spec.isolation_level == IsolationLevel::ReadCommitted);
            for tp in &owned {
                let end = world
                    .broker
                    .topic(&tp.topic)
                    .and_then(|t| t.partition(tp.partition).ok())
                    .map_or(0, |l| l.log_end_offset());
                let unreadable = |o: Offset| eos::unreadable(truth, tp, o, read_committed);
                if let Some(o) = (0..end)
                    .find(|o| world.tracker.times_processed(group, tp, *o) == 0 && !unreadable(*o))
                {
                    return Err(format!(
                        "(b) at {now}: {group} never processed {tp} offset {o} (log end {end})"
                    ));
                }
                let committed = world
                    .broker
                    .offsets()
                    .fetch(group, &tp.topic, tp.partition)
                    .map_or(0, |o| o.offset);
                if end > 0 && committed != end && !(committed..end).all(unreadable) {
                    return Err(format!(
                        "(b) at {now}: {group} committed {committed} on {tp}, the log end is {end}"
                    ));
                }
            }
        }
    }
    if world.lost() != 0 {
        return Err(format!("(b) at {now}: {} record(s) lost", world.lost()));
    }
    if producers_stopped {
        eos::check_end(world, &mut checker.stats)?;
    }
    Ok(())
}

struct Run {
    events: Vec<WorldEvent>,
    stats: Stats,
}

/// Run a schedule to `end`, checking the invariants on the way. With `expected`, the events
/// must be those of an earlier run (e).
fn run(script: &Script, end: Millis, expected: Option<&[WorldEvent]>) -> Result<Run, String> {
    let mut world = World::new(script.seed);
    let mut checker = Checker {
        strict: strict(),
        ..Checker::default()
    };
    let mut all = Vec::new();
    let mut next_command = 0;
    let mut lost_check_at = 0;
    loop {
        let now = world.now();
        while next_command < script.commands.len() && script.commands[next_command].0 <= now {
            world.apply(script.commands[next_command].1.clone());
            next_command += 1;
        }
        let events = world.take_events();
        checker.events(&events)?;
        check_owners(&world)?;
        if now >= lost_check_at {
            // (b) during the run (every 20 s: it reads every processed offset).
            lost_check_at = now + 20_000;
            if world.lost() != 0 {
                return Err(format!("(b) at {now}: {} record(s) lost", world.lost()));
            }
        }
        if let Some(expected) = expected {
            let from = all.len();
            let same = expected.get(from..from + events.len()) == Some(&events[..]);
            if !same {
                let i = (0..events.len())
                    .find(|&i| expected.get(from + i) != Some(&events[i]))
                    .unwrap_or(0);
                return Err(format!(
                    "(e) at {now}: the second run differs at event {}: {:?} instead of {:?}",
                    from + i,
                    events.get(i),
                    expected.get(from + i)
                ));
            }
        }
        all.extend(events);
        if now >= end {
            break;
        }
        let mut next = (now + STEP_MS).min(end);
        if let Some((at, _)) = script.commands.get(next_command) {
            next = next.min(*at);
        }
        world.run_until(next);
    }
    if expected.is_some_and(|e| e.len() != all.len()) {
        return Err("(e) the second run has a different number of events".into());
    }
    let producers_stopped = world.producers.iter().all(|p| p.spec.rate_per_sec == 0);
    check_end(&world, producers_stopped, &mut checker)?;
    // Commands the schedule planned that the world refused must be harmless ones: a
    // restart of a consumer that runs, a pause of one that does not (a fenced instance
    // shut itself down).
    for e in &all {
        if let WorldEventKind::CommandRejected { command, reason } = &e.kind {
            if !matches!(
                command,
                Command::RestartConsumer { .. } | Command::PauseConsumer { .. }
            ) {
                return Err(format!("a command was rejected: {command:?}: {reason}"));
            }
        }
    }
    let mut stats = checker.stats;
    stats.duplicates = world.duplicates();
    let groups: BTreeSet<&str> = world
        .consumers
        .iter()
        .map(|c| c.spec.group.as_str())
        .collect();
    stats.cooperative_groups = groups
        .iter()
        .filter(|g| {
            world
                .consumers
                .iter()
                .find(|c| c.spec.group == **g)
                .is_some_and(|c| {
                    c.consumer.rebalance_protocol()
                        == minikafka::client::assignor::RebalanceProtocol::Cooperative
                })
        })
        .count();
    // Every consumer that ended up running is accounted for.
    debug_assert!(world
        .consumers
        .iter()
        .all(|c| c.status != ActorStatus::Stopping || c.is_live()));
    Ok(Run { events: all, stats })
}

/// One seed: the schedule, run twice.
fn check_seed(seed: u64, profile: &Profile) -> Result<Stats, (String, String, Millis)> {
    let (script, end) = schedule(seed, profile);
    let fail = |e: String| (e, script.encode(), end);
    let first = run(&script, end, None).map_err(fail)?;
    if seed.checked_rem(profile.determinism_every) == Some(0) {
        run(&script, end, Some(&first.events)).map_err(fail)?;
    }
    Ok(first.stats)
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

#[test]
fn campaign() {
    let seeds = env_u64("MINIKAFKA_CAMPAIGN_SEEDS", 1_000);
    let first = env_u64("MINIKAFKA_CAMPAIGN_FIRST_SEED", 0);
    let profile = profile();
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get().min(16));
    let next = AtomicU64::new(first);
    let failures: Mutex<Vec<(u64, String, String, Millis)>> = Mutex::new(Vec::new());
    let total = Mutex::new(Stats::default());
    let started = std::time::Instant::now();
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| loop {
                let seed = next.fetch_add(1, Ordering::Relaxed);
                if seed >= first + seeds {
                    return;
                }
                match check_seed(seed, &profile) {
                    Ok(stats) => total.lock().unwrap().add(&stats),
                    Err((error, script, end)) => {
                        failures.lock().unwrap().push((seed, error, script, end))
                    }
                }
            });
        }
    });
    let total = total.into_inner().unwrap();
    eprintln!(
        "campaign: {seeds} seeds from {first} in {:.1} s on {workers} thread(s), {profile:?}; {total:?}",
        started.elapsed().as_secs_f64()
    );
    let mut failures = failures.into_inner().unwrap();
    failures.sort();
    for (seed, error, _, _) in &failures {
        eprintln!(
            "seed {seed}: {}",
            error.chars().take(400).collect::<String>()
        );
    }
    for (seed, error, script, end) in failures.iter().take(3) {
        eprintln!(
            "\nseed {seed} failed: {error}\n  replay: MINIKAFKA_CAMPAIGN_REPLAY='{script}' MINIKAFKA_CAMPAIGN_END={end} cargo test -p minikafka-tests --test campaign replay_one -- --ignored --nocapture"
        );
    }
    assert!(
        failures.is_empty(),
        "{} of {seeds} seeds failed (first: seed {})",
        failures.len(),
        failures[0].0
    );
}

/// Replays one run string printed by a failed campaign, with the same checks.
#[test]
#[ignore = "replays MINIKAFKA_CAMPAIGN_REPLAY (a run string printed by a failed campaign)"]
fn replay_one() {
    let encoded = std::env::var("MINIKAFKA_CAMPAIGN_REPLAY").expect("MINIKAFKA_CAMPAIGN_REPLAY");
    let script = Script::decode(encoded.trim()).expect("a run string");
    let end: Millis = std::env::var("MINIKAFKA_CAMPAIGN_END")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .expect("MINIKAFKA_CAMPAIGN_END (printed with the run string)");
    for (at, command) in &script.commands {
        eprintln!("{at:>7} {command:?}");
    }
    match run(&script, end, None) {
        Ok(r) => eprintln!("all invariants hold: {:?}", r.stats),
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn schedules_depend_on_the_seed_only() {
    for profile in [FULL, SMALL] {
        assert_eq!(schedule(7, &profile), schedule(7, &profile));
        assert_ne!(
            schedule(7, &profile).0.commands,
            schedule(8, &profile).0.commands
        );
    }
    let (script, _) = schedule(7, &FULL);
    assert_eq!(Script::decode(&script.encode()), Ok(script));
}

// ---------------------------------------------------------------------------------------
// Bugs the campaign found, fixed in core: minimal reproductions kept as regression tests.
// (The campaign excludes exactly these cases unless MINIKAFKA_CAMPAIGN_STRICT=1.)
// ---------------------------------------------------------------------------------------

fn one_partition_consumer(name: &str, instance_id: Option<&str>) -> ConsumerSpec {
    ConsumerSpec {
        name: name.into(),
        group: "g".into(),
        topics: vec!["t".into()],
        instance_id: instance_id.map(str::to_string),
        session_timeout_ms: 30_000,
        heartbeat_interval_ms: 3_000,
        max_poll_interval_ms: 10_000,
        max_poll_records: 5,
        auto_offset_reset: AutoOffsetReset::Earliest,
        assignors: vec![AssignorKind::Range],
        processing_ms: 1,
        commit_mode: CommitMode::PerRecord,
        semantics: Semantics::AtLeastOnce,
        ..ConsumerSpec::default()
    }
}

fn topic(partitions: i32) -> Command {
    Command::CreateTopic {
        topic: "t".into(),
        partitions,
        retention_ms: None,
        segment_bytes: None,
    }
}

fn at(world: &mut World, t: Millis, command: Command) {
    world.run_until(t);
    world.apply(command);
}

/// The control for the static-leader regression: a dynamic leader notices added partitions at its next
/// metadata refresh and the group rebalances onto them.
#[test]
fn added_partitions_reach_a_dynamic_group() {
    let mut world = World::new(1);
    world.apply(topic(2));
    world.apply(Command::AddConsumer(one_partition_consumer("A", None)));
    world.run_until(10_000);
    assert_eq!(world.consumer("A").unwrap().consumer.assignment().len(), 2);
    at(
        &mut world,
        15_000,
        Command::AddPartitions {
            topic: "t".into(),
            total: 4,
        },
    );
    world.run_until(15_000 + METADATA_MAX_AGE_MS + 30_000);
    assert_eq!(world.consumer("A").unwrap().consumer.assignment().len(), 4);
}

/// Fixed (was found by the campaign). A static member that is the group's leader crashes and comes back within
/// its session timeout: the coordinator hands it its old assignment with no rebalance
/// (JoinGroup with `skip_assignment`), so `Consumer::lead` does not run and
/// `assigned_snapshot` stays empty. `on_metadata` compares the partition counts only for
/// the topics in that (empty) snapshot, so partitions added later are never noticed: the
/// group keeps reading 2 of 4 partitions forever. Java's `onLeaderElected` sets
/// `assignmentSnapshot = metadataSnapshot` in the skip-assignment case too. The likely fix
/// (core/src/client/consumer/membership.rs, `on_join`): when `leader && skip_assignment`,
/// set `assigned_snapshot` to the current counts of the subscribed topics.
///
/// (Campaign seeds 227, 462 and 491 of the full profile hit a variant: the partitions were
/// added *before* the static leader came back, while the group's assignment was computed
/// from older counts; there Java's snapshot would not notice either.)
#[test]
fn regression_returning_static_leader_sees_added_partitions() {
    let mut world = World::new(1);
    world.apply(topic(2));
    world.apply(Command::AddConsumer(one_partition_consumer("A", Some("a"))));
    world.run_until(10_000);
    assert_eq!(world.consumer("A").unwrap().consumer.assignment().len(), 2);
    at(
        &mut world,
        10_000,
        Command::CrashConsumer { name: "A".into() },
    );
    at(
        &mut world,
        12_000,
        Command::RestartConsumer { name: "A".into() },
    );
    world.run_until(14_000);
    let a = world.consumer("A").unwrap();
    assert!(a.consumer.is_leader() && a.consumer.assignment().len() == 2);
    assert!(world.take_events().iter().any(|e| matches!(
        &e.kind,
        WorldEventKind::Broker {
            event: Event::StaticMemberReplaced { .. }
        }
    )));
    at(
        &mut world,
        15_000,
        Command::AddPartitions {
            topic: "t".into(),
            total: 4,
        },
    );
    world.run_until(15_000 + METADATA_MAX_AGE_MS + 30_000);
    assert_eq!(
        world.consumer("A").unwrap().consumer.assignment().len(),
        4,
        "run string: {}",
        world.script().encode()
    );
}

/// Fixed (was found by the campaign). A consumer whose application is slower than `max.poll.interval.ms` leaves
/// its group (right) but goes on processing the records it already polled and commits them
/// with `commit_sync`. Having no generation any more, `send_commit` sends them as a
/// standalone consumer would (generation -1, no member id), and the coordinator accepts that
/// whenever the group is Empty: here A's commit of 12 lands after B committed 15 and left,
/// so the group's committed offset goes back from 15 to 12 (B's successor re-reads 12..14:
/// duplicates, not losses). Java's `commitSync` of a subscribed consumer that is not in a
/// stable generation throws `CommitFailedException` / `RebalanceInProgressException` and
/// sends nothing. The likely fix (core/src/client/consumer/commits.rs, `commit`): refuse
/// (return an error, or complete the commit with `ILLEGAL_GENERATION`) when the consumer
/// subscribed (`!manual`) and has no generation.
#[test]
fn regression_a_consumer_that_left_its_group_cannot_rewind_committed_offsets() {
    let mut world = World::new(1);
    world.apply(topic(1));
    world.apply(Command::AddProducer(ProducerSpec {
        name: "p".into(),
        topic: "t".into(),
        ..ProducerSpec::default()
    }));
    world.apply(Command::AddConsumer(one_partition_consumer("A", None)));
    let burst = |count| Command::ProduceBurst {
        name: "p".into(),
        count,
    };
    at(&mut world, 5_000, burst(10));
    // A commits 10, then becomes slow: 15 s per record, max.poll.interval.ms is 10 s.
    at(
        &mut world,
        8_000,
        Command::SetProcessingTime {
            name: "A".into(),
            processing_ms: 15_000,
        },
    );
    at(&mut world, 8_000, burst(5));
    // A leaves the group at ~18 s; B takes the partition, reads 10..14 and commits 15.
    at(
        &mut world,
        19_000,
        Command::AddConsumer(one_partition_consumer("B", None)),
    );
    // B shuts down cleanly: the group is Empty, its committed offset is 15.
    at(
        &mut world,
        30_000,
        Command::StopConsumer { name: "B".into() },
    );
    world.run_until(31_000);
    let committed = |w: &World| w.broker.offsets().fetch("g", "t", 0).map(|o| o.offset);
    assert_eq!(committed(&world), Some(15));
    // A, still busy with the records it polled before leaving, commits 12 at ~38 s.
    world.run_until(45_000);
    let rejected_or_kept = committed(&world);
    assert_eq!(
        rejected_or_kept,
        Some(15),
        "run string: {}",
        world.script().encode()
    );
}

/// Found by `make campaign` (seed 8818 of the full profile). A cooperative consumer that
/// was removed from its group (too slow to rejoin) learnt it from a JoinGroup answered
/// UNKNOWN_MEMBER_ID, rejoined as a new member still holding its old partition, claimed it
/// in its subscription, had it revoked in the next generation and committed its stale
/// position for it: the group's committed offset went from 566 back to 124. Fixed in the
/// consumer: a member without a generation loses (never revokes, never commits) what it
/// held, as Java's `onPartitionsLost`.
#[test]
fn regression_a_removed_cooperative_member_cannot_commit_stale_positions() {
    let result = check_seed(8818, &FULL);
    assert!(result.is_ok(), "{:?}", result.err().map(|e| e.0));
}

/// Found by the campaign on unseen seeds (seed 7341036 of the full profile; issue 21). A
/// member that commits after each batch (`commitAsync`) got its last batch's commit,
/// 1093 on t0-1, answered `REBALANCE_IN_PROGRESS`: another member's clean stop (c4, just
/// after it had joined) started a rebalance, and c1's next `poll` sent its JoinGroup and
/// returned the last records of t0-1, whose commit followed the JoinGroup with the ending
/// generation into CompletingRebalance. c1 kept t0-1, no record came to its partitions
/// again, so no batch ever committed again: 1088 stayed committed with 1093 processed.
/// Fixed in the simulated application: a failed commit is reconsidered once `poll` has
/// the member in a stable generation, as Kafka tells applications to
/// (`ConsumerActor::recommit`; minimal case:
/// `sim::world::tests::regression_a_commit_refused_during_a_rebalance_is_made_again_once_stable`).
#[test]
fn regression_a_commit_refused_during_a_rebalance_is_made_again() {
    let result = check_seed(7341036, &FULL);
    assert!(result.is_ok(), "{:?}", result.err().map(|e| e.0));
}

/// Found by the campaign on unseen seeds (seed 30002144 of the full profile). c3, slow
/// (675 ms per record, `commitSync` per record), was removed from g1 by the rebalance
/// timeout. At the end of its batch its `poll` rejoined with its old member id and
/// returned 19 more records of t0-0; the JoinGroup was answered UNKNOWN_MEMBER_ID and
/// t0-0 was lost, but the consumer sent the JoinGroup again from its background timer
/// 100 ms later and was in generation 3 while the application still processed those
/// records. Its commit of t0-0 = 275 then carried a valid member id and generation and
/// was accepted, below the 398 that t0-0's new owner had committed: invariant (c). Fixed
/// in the consumer: as in Java, a member (re)joins only from `poll`
/// (`Consumer::maybe_retry_join`; minimal case:
/// `client::consumer::tests::a_removed_member_rejoins_only_from_poll_so_its_stale_records_cannot_be_committed`).
#[test]
fn regression_a_removed_member_cannot_commit_records_polled_before_it_rejoined() {
    let result = check_seed(30002144, &FULL);
    assert!(result.is_ok(), "{:?}", result.err().map(|e| e.0));
}
