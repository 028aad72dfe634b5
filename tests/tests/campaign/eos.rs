//! The campaign's exactly-once runs. A fraction of the seeds (`Profile::eos_percent`, drawn
//! from the seed) adds a transactional read-process-write pipeline beside the at-least-once
//! world: a producer writes `x-in`, one or two application instances (group `xg`, one
//! `transactional.id` each, as KIP-447 lets them) read it `read_committed` and write one
//! output per input to `x-out` in one transaction per polled batch, with the input offsets
//! (`sim/pipeline.rs`, as S12). The instances are crashed, stopped, restarted, frozen (a
//! pause that may outlast their session and transaction timeouts: a zombie that must be
//! fenced) and slowed at random times. Three readers of `x-out`, each its own group: `xrc`
//! (`read_committed`, never killed), `xru` (`read_uncommitted`) and `xrk`
//! (`read_committed`, crashed and restarted). What must hold at the end, once the pipeline
//! caught up:
//!
//! - (f) `xrc` read the output of every input exactly once: no duplicate, no loss, and no
//!   output of an input the pipeline did not commit;
//! - (g) no `read_committed` consumer ever returned a record of an aborted transaction, and
//!   nobody ever returned a transaction marker;
//! - (h) every transaction ended: each output partition's last stable offset is its high
//!   watermark, and every transactional record is followed by its producer's marker.
//!
//! Aborted records and markers are found by reading the log's batches (data batches per
//! producer until that producer's COMMIT or ABORT marker), not from the log's
//! aborted-transaction index, so a wrong index cannot hide a wrong fetch.

use std::collections::{BTreeMap, BTreeSet};

use minikafka::client::consumer::AutoOffsetReset;
use minikafka::client::{Acks, TopicPartition};
use minikafka::log::IsolationLevel;
use minikafka::record::{ControlType, Offset};
use minikafka::sim::{Command, CommitMode, ConsumerSpec, OutputSpec, ProducerSpec, World};
use minikafka::Millis;

use super::{Planned, Profile, SplitMix64, Stats, ASSIGNORS, METADATA_MAX_AGE_MS};

/// The pipeline's input and output topics.
const INPUT: &str = "x-in";
const OUTPUT: &str = "x-out";
/// The input's producer.
const PRODUCER: &str = "xp";
/// The application instances' group.
const APP_GROUP: &str = "xg";
/// Readers of the output (each its own group): read_committed and never killed,
/// read_uncommitted, read_committed and killed.
const READ_COMMITTED: &str = "xrc";
const READ_UNCOMMITTED: &str = "xru";
const READ_KILLED: &str = "xrk";

/// Application instance `a`.
fn app(a: usize) -> String {
    format!("x{a}")
}

/// Adds an exactly-once pipeline to `commands` for some seeds (from a random stream of its
/// own, so the rest of the schedule is the same with or without it). Returns whether it
/// did. The commands are kept in time order.
pub(super) fn schedule(
    seed: u64,
    profile: &Profile,
    commands: &mut Vec<(Millis, Command)>,
) -> bool {
    let mut rng = SplitMix64(seed ^ 0x656F_735F_7069_7065);
    if !rng.chance(profile.eos_percent) {
        return false;
    }
    let chaos_end = profile.chaos_end;
    let (lo, hi) = profile.timeouts_s;
    let mut eos: Vec<(Millis, Command)> = Vec::new();
    for topic in [INPUT, OUTPUT] {
        eos.push((
            0,
            Command::CreateTopic {
                topic: topic.into(),
                partitions: rng.range(1, 3) as i32,
                retention_ms: None,
                segment_bytes: None,
            },
        ));
    }
    eos.push((
        0,
        Command::AddProducer(ProducerSpec {
            name: PRODUCER.into(),
            topic: INPUT.into(),
            rate_per_sec: rng.range(1, profile.max_rate / 2) as u32,
            distinct_keys: rng.range(0, 8) as u32,
            acks: Acks::All,
            linger_ms: rng.range(0, 20),
        }),
    ));
    let assignors = rng.pick(&ASSIGNORS).to_vec();
    let n_apps = rng.range(1, 2) as usize;
    for a in 0..n_apps {
        let session = rng.range(lo, hi) * 1_000;
        let spec = ConsumerSpec {
            name: app(a),
            group: APP_GROUP.into(),
            topics: vec![INPUT.into()],
            instance_id: rng.chance(20).then(|| format!("{}-static", app(a))),
            session_timeout_ms: session as i32,
            heartbeat_interval_ms: session / 3,
            max_poll_interval_ms: rng.range(lo, hi) as i32 * 1_000,
            // A batch is one transaction: at most 20 records of at most 250 ms (a slowed
            // instance) stay below the smallest transaction and poll timeouts, so only a
            // pause or a crash leaves a transaction to time out.
            max_poll_records: rng.range(1, 20) as usize,
            auto_offset_reset: AutoOffsetReset::Earliest,
            assignors: assignors.clone(),
            metadata_max_age_ms: METADATA_MAX_AGE_MS,
            // Slow enough to be in a transaction most of the time, so that kills land in
            // one.
            processing_ms: rng.range(5, 30),
            isolation_level: IsolationLevel::ReadCommitted,
            output: Some(OutputSpec {
                topic: OUTPUT.into(),
                transactional_id: Some(format!("{APP_GROUP}-{}", app(a))),
                transaction_timeout_ms: rng.range(lo, hi) as i32 * 1_000,
            }),
            ..ConsumerSpec::default()
        };
        eos.push((rng.range(0, 5_000), Command::AddConsumer(spec)));
    }
    for (name, isolation_level) in [
        (READ_COMMITTED, IsolationLevel::ReadCommitted),
        (READ_UNCOMMITTED, IsolationLevel::ReadUncommitted),
        (READ_KILLED, IsolationLevel::ReadCommitted),
    ] {
        let session = rng.range(lo, hi) * 1_000;
        let spec = ConsumerSpec {
            name: name.into(),
            group: name.into(),
            topics: vec![OUTPUT.into()],
            session_timeout_ms: session as i32,
            heartbeat_interval_ms: session / 3,
            max_poll_interval_ms: hi as i32 * 1_000,
            max_poll_records: rng.range(1, 50) as usize,
            auto_offset_reset: AutoOffsetReset::Earliest,
            metadata_max_age_ms: METADATA_MAX_AGE_MS,
            processing_ms: 0,
            commit_mode: CommitMode::PerBatch,
            isolation_level,
            ..ConsumerSpec::default()
        };
        eos.push((0, Command::AddConsumer(spec)));
    }

    // Chaos on the instances and the killed reader.
    let mut status = vec![Planned::Running; n_apps];
    let mut reader_down = false;
    let mut slowed = BTreeSet::new();
    let mut times: Vec<Millis> = (0..rng.range(2, 10))
        .map(|_| rng.range(5_000, chaos_end - 10_000))
        .collect();
    times.sort_unstable();
    for at in times {
        let running: Vec<usize> = (0..n_apps)
            .filter(|&a| status[a] == Planned::Running)
            .collect();
        let down: Vec<usize> = (0..n_apps)
            .filter(|&a| status[a] == Planned::Down)
            .collect();
        // Kills and pauses land under load half of the time: just after a burst, while
        // the instances work through it in transactions.
        let under_load = |eos: &mut Vec<(Millis, Command)>, rng: &mut SplitMix64| {
            if rng.chance(50) {
                eos.push((
                    at - rng.range(100, 1_500),
                    Command::ProduceBurst {
                        name: PRODUCER.into(),
                        count: rng.range(20, 60) as u32,
                    },
                ));
            }
        };
        match rng.range(0, 99) {
            0..=29 if !running.is_empty() => {
                let a = *rng.pick(&running);
                status[a] = Planned::Down;
                under_load(&mut eos, &mut rng);
                eos.push((at, Command::CrashConsumer { name: app(a) }));
            }
            30..=39 if !running.is_empty() => {
                let a = *rng.pick(&running);
                status[a] = Planned::Down;
                eos.push((at, Command::StopConsumer { name: app(a) }));
            }
            40..=59 if !down.is_empty() => {
                let a = *rng.pick(&down);
                status[a] = Planned::Running;
                eos.push((at, Command::RestartConsumer { name: app(a) }));
            }
            // A frozen process, up to twice the longest timeout: it may come back after
            // its session and its transaction timed out, as a zombie to be fenced. It wakes
            // well before the chaos ends.
            60..=74 if !running.is_empty() && at + 1_000 < chaos_end - 10_000 => {
                let a = *rng.pick(&running);
                let ms = rng.range(1_000, (2 * hi * 1_000).min(chaos_end - 10_000 - at));
                under_load(&mut eos, &mut rng);
                eos.push((at, Command::PauseConsumer { name: app(a), ms }));
            }
            75..=82 if !running.is_empty() => {
                let a = *rng.pick(&running);
                slowed.insert(a);
                let processing_ms = rng.range(50, 250);
                eos.push((
                    at,
                    Command::SetProcessingTime {
                        name: app(a),
                        processing_ms,
                    },
                ));
            }
            83..=89 => {
                let name = READ_KILLED.to_string();
                eos.push((
                    at,
                    if reader_down {
                        Command::RestartConsumer { name }
                    } else {
                        Command::CrashConsumer { name }
                    },
                ));
                reader_down = !reader_down;
            }
            90..=99 => eos.push((
                at,
                Command::ProduceBurst {
                    name: PRODUCER.into(),
                    count: rng.range(1, 100) as u32,
                },
            )),
            _ => {}
        }
    }

    // The end of the chaos: every instance and the killed reader run again (a restart of
    // one that runs is refused, harmlessly), at full speed. Once more when the producer
    // stops, for a zombie fenced after waking up.
    for &a in &slowed {
        eos.push((
            chaos_end,
            Command::SetProcessingTime {
                name: app(a),
                processing_ms: rng.range(5, 30),
            },
        ));
    }
    let stop = chaos_end + profile.producers_stop_after;
    for at in [chaos_end, stop] {
        for a in 0..n_apps {
            eos.push((at, Command::RestartConsumer { name: app(a) }));
        }
    }
    if reader_down {
        eos.push((
            chaos_end,
            Command::RestartConsumer {
                name: READ_KILLED.into(),
            },
        ));
    }
    eos.push((
        stop,
        Command::SetProduceRate {
            name: PRODUCER.into(),
            rate_per_sec: 0,
        },
    ));
    commands.extend(eos);
    // Stable: commands at the same time keep their order, the pipeline's after the rest.
    commands.sort_by_key(|(at, _)| *at);
    true
}

/// What the log says about each offset of a partition that held transactions, read from
/// its batches.
#[derive(Debug, Default)]
pub(super) struct Truth {
    /// Transaction markers: never returned to any consumer.
    markers: BTreeSet<Offset>,
    /// Records of aborted transactions: never returned to a `read_committed` consumer.
    aborted: BTreeSet<Offset>,
    /// Transactional records with no marker of their producer after them.
    open: BTreeSet<Offset>,
    /// The last stable offset and the high watermark.
    lso: Offset,
    high_watermark: Offset,
}

/// [`Truth`] for every partition of every topic whose log ever held a transaction.
pub(super) fn truth(world: &World) -> BTreeMap<TopicPartition, Truth> {
    let mut all = BTreeMap::new();
    for name in world.broker.topic_names() {
        let Some(topic) = world.broker.topic(&name) else {
            continue;
        };
        for p in 0..topic.partition_count() {
            let Ok(log) = topic.partition(p) else {
                continue;
            };
            if !log.transactions().seen_any() {
                continue;
            }
            let mut t = Truth {
                lso: log.last_stable_offset(),
                high_watermark: log.high_watermark(),
                ..Truth::default()
            };
            let Ok(read) = log.read(log.log_start_offset(), u32::MAX, u32::MAX) else {
                continue;
            };
            // Producer id -> its data offsets since its last marker.
            let mut pending: BTreeMap<i64, Vec<Offset>> = BTreeMap::new();
            for batch in &read.batches {
                let info = &batch.info;
                let producer = info.producer;
                let offsets = info.base_offset..info.next_offset();
                match producer.control {
                    Some(kind) => {
                        t.markers.extend(offsets);
                        let ended = pending.remove(&producer.producer_id).unwrap_or_default();
                        if kind == ControlType::Abort {
                            t.aborted.extend(ended);
                        }
                    }
                    None if producer.transactional => pending
                        .entry(producer.producer_id)
                        .or_default()
                        .extend(offsets),
                    None => {}
                }
            }
            t.open = pending.into_values().flatten().collect();
            all.insert(TopicPartition::new(name.as_str(), p), t);
        }
    }
    all
}

/// Whether a consumer of `read_committed` (or not) is never handed `offset` of `tp`: a
/// marker, or for `read_committed` an aborted record.
pub(super) fn unreadable(
    truth: &BTreeMap<TopicPartition, Truth>,
    tp: &TopicPartition,
    offset: Offset,
    read_committed: bool,
) -> bool {
    truth.get(tp).is_some_and(|t| {
        t.markers.contains(&offset) || read_committed && t.aborted.contains(&offset)
    })
}

/// (f), (g) and (h) after the quiet period; the figures go into `stats`.
pub(super) fn check_end(world: &World, stats: &mut Stats) -> Result<(), String> {
    let now = world.now();
    let truth = truth(world);
    // (g) over every group, whichever topic it read.
    for (group, tp, track) in world.tracker.iter() {
        let read_committed = world.consumers.iter().any(|c| {
            c.spec.group == group && c.spec.isolation_level == IsolationLevel::ReadCommitted
        });
        let Some(t) = truth.get(tp) else { continue };
        for (offset, _) in track.iter() {
            if t.markers.contains(&offset) {
                return Err(format!(
                    "(g) at {now}: {group} was handed the transaction marker at {tp} offset {offset}"
                ));
            }
            if t.aborted.contains(&offset) {
                if read_committed {
                    return Err(format!(
                        "(g) at {now}: read_committed {group} was handed {tp} offset {offset}, a record of an aborted transaction"
                    ));
                }
                stats.eos_aborted_read_uncommitted += 1;
            }
        }
        if read_committed {
            if let Some(n) = world.tracker.aborted_read.get(group).filter(|n| **n > 0) {
                return Err(format!(
                    "(g) at {now}: read_committed {group} read {n} record(s) the log had aborted when it read them"
                ));
            }
        }
    }
    if world.broker.topic(OUTPUT).is_none() {
        return Ok(());
    }
    stats.eos_runs += 1;
    // (h) every transaction ended.
    for (tp, t) in truth.iter().filter(|(tp, _)| tp.topic == OUTPUT) {
        if t.lso != t.high_watermark || !t.open.is_empty() {
            return Err(format!(
                "(h) at {now}: {tp} has LSO {} and high watermark {}, open transactional records {:?}",
                t.lso,
                t.high_watermark,
                t.open.iter().take(5).collect::<Vec<_>>()
            ));
        }
        stats.eos_aborted_records += t.aborted.len();
    }
    // (f) caught up: every input committed by the pipeline, and read once by xrc.
    let input = world.broker.topic(INPUT).ok_or("no input topic")?;
    let mut all_inputs = Vec::new();
    for p in 0..input.partition_count() {
        let end = input.partition(p).map_or(0, |l| l.log_end_offset());
        let committed = world
            .broker
            .offsets()
            .fetch(APP_GROUP, INPUT, p)
            .map_or(0, |o| o.offset);
        if committed != end {
            return Err(format!(
                "(f) at {now}: the pipeline committed {INPUT}-{p} = {committed}, its log end is {end}"
            ));
        }
        all_inputs.extend((0..end).map(|o| format!("{INPUT}-{p}@{o}")));
    }
    let mut expected = world.committed_inputs(OUTPUT);
    expected.sort();
    all_inputs.sort();
    if expected != all_inputs {
        return Err(format!(
            "(f) at {now}: the committed inputs are not the input log ({} of {})",
            expected.len(),
            all_inputs.len()
        ));
    }
    let rc = world.tracker.output_count(READ_COMMITTED, &expected);
    if rc.duplicates != 0 || rc.lost != 0 || rc.aborted != 0 {
        return Err(format!(
            "(f) at {now}: read_committed {READ_COMMITTED} saw {} duplicate(s), {} lost, {} aborted of {} inputs",
            rc.duplicates,
            rc.lost,
            rc.aborted,
            expected.len()
        ));
    }
    let empty = BTreeMap::new();
    let seen = world.tracker.outputs.get(READ_COMMITTED).unwrap_or(&empty);
    if let Some(extra) = seen.keys().find(|s| expected.binary_search(s).is_err()) {
        return Err(format!(
            "(f) at {now}: {READ_COMMITTED} read an output of {extra}, an input the pipeline never committed"
        ));
    }
    for reader in [READ_UNCOMMITTED, READ_KILLED] {
        let seen = world.tracker.output_count(reader, &expected);
        if seen.lost != 0 {
            return Err(format!(
                "(f) at {now}: {reader} never read the output of {} committed input(s)",
                seen.lost
            ));
        }
    }
    stats.eos_inputs += expected.len();
    let outcomes = world.broker.transaction_outcomes();
    for (id, (commits, aborts)) in outcomes {
        if id.starts_with(APP_GROUP) {
            stats.eos_commits += *commits as usize;
            stats.eos_aborts += *aborts as usize;
        }
    }
    Ok(())
}
