//! Performance benchmarks of the simulated world (issue targets in brackets):
//!
//! - `sim/end_to_end_1M_records_4p_5c`: a world of one topic with 4 partitions, 2 producers
//!   and a group of 5 consumers moves 1,000,000 records end to end: produced, appended,
//!   fetched, polled, processed (0 ms each), committed (`commitSync` after each batch) and
//!   tracked [>= 1 M records per wall-clock second].
//! - `sim/frame_16ms_64p_32c`: a steady world of 64 partitions, 32 consumers and producers
//!   running advances one 16 ms frame of simulated time (one visualiser frame) [< 2 ms].
//!
//! Targets are checked by `bench/run.sh` from criterion's results, never here. Run with
//! `cargo bench -p minikafka --bench sim`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};

use minikafka::client::assignor::AssignorKind;
use minikafka::client::consumer::{AutoOffsetReset, MemberState};
use minikafka::client::Acks;
use minikafka::group::GroupState;
use minikafka::sim::{Command, CommitMode, ConsumerSpec, ProducerSpec, Semantics, World};
use minikafka::Millis;

const TOPIC: &str = "events";
const GROUP: &str = "bench";

fn topic(partitions: i32) -> Command {
    Command::CreateTopic {
        topic: TOPIC.into(),
        partitions,
        retention_ms: None,
        segment_bytes: None,
    }
}

fn producer(name: &str, rate_per_sec: u32) -> Command {
    Command::AddProducer(ProducerSpec {
        name: name.into(),
        topic: TOPIC.into(),
        rate_per_sec,
        distinct_keys: 0,
        acks: Acks::Leader,
        linger_ms: 5,
    })
}

fn consumer(name: &str, processing_ms: Millis, commit_mode: CommitMode) -> Command {
    Command::AddConsumer(ConsumerSpec {
        name: name.into(),
        group: GROUP.into(),
        topics: vec![TOPIC.into()],
        session_timeout_ms: 45_000,
        heartbeat_interval_ms: 3_000,
        max_poll_interval_ms: 300_000,
        max_poll_records: 500,
        auto_offset_reset: AutoOffsetReset::Earliest,
        assignors: vec![AssignorKind::Range],
        processing_ms,
        commit_mode,
        semantics: Semantics::AtLeastOnce,
        ..ConsumerSpec::default()
    })
}

/// Every consumer is Stable in the group's current generation.
fn settled(world: &World) -> bool {
    let d = world.broker.describe_group(GROUP);
    d.state == GroupState::Stable
        && world.consumers.iter().all(|c| {
            c.consumer.member_state() == MemberState::Stable
                && c.consumer.generation() == d.generation_id
        })
}

fn run_until_settled(world: &mut World, limit: Millis) {
    while !settled(world) {
        assert!(
            world.now() < limit,
            "the group did not settle by {limit} ms"
        );
        world.step(100);
    }
}

// ---------------------------------------------------------------------------------------
// 1. One million records end to end
// ---------------------------------------------------------------------------------------

const E2E_RECORDS: u64 = 1_000_000;
const E2E_PRODUCERS: u32 = 2;
/// Records per second per producer: 1 M records take 10 s of simulated time.
const E2E_RATE: u32 = 50_000;

/// A settled group of 5 consumers on 4 partitions, producers idle (not timed).
fn e2e_world() -> World {
    let mut world = World::new(1);
    world.apply(topic(4));
    for p in 0..E2E_PRODUCERS {
        world.apply(producer(&format!("p{p}"), 0));
    }
    for c in 0..5 {
        world.apply(consumer(&format!("c{c}"), 0, CommitMode::PerBatch));
    }
    run_until_settled(&mut world, 60_000);
    world.take_events();
    world
}

/// Start the producers, run until `E2E_RECORDS` are processed and committed; the events
/// are taken as a driver would (every simulated 100 ms). Returns the wall time.
fn e2e_run(mut world: World) -> Duration {
    let start = Instant::now();
    for p in 0..E2E_PRODUCERS {
        world.apply(Command::SetProduceRate {
            name: format!("p{p}"),
            rate_per_sec: E2E_RATE,
        });
    }
    let mut events = 0usize;
    let mut stopped = false;
    loop {
        events += black_box(world.step(100)).len();
        let sent: u64 = world.producers.iter().map(|p| p.sent).sum();
        if !stopped && sent >= E2E_RECORDS {
            for p in 0..E2E_PRODUCERS {
                world.apply(Command::SetProduceRate {
                    name: format!("p{p}"),
                    rate_per_sec: 0,
                });
            }
            stopped = true;
        }
        let processed: u64 = world.consumers.iter().map(|c| c.processed).sum();
        if stopped && processed >= sent && committed(&world) >= sent {
            break;
        }
        assert!(world.now() < 600_000, "1 M records did not flow in 10 min");
    }
    let elapsed = start.elapsed();
    let sent: u64 = world.producers.iter().map(|p| p.sent).sum();
    assert!((E2E_RECORDS..E2E_RECORDS + 1_000).contains(&sent));
    assert_eq!(world.duplicates(), 0);
    assert_eq!(world.lost(), 0);
    black_box(events);
    drop(world); // freeing the logs and the tracker is not part of the flow
    elapsed
}

/// Sum of the group's committed offsets.
fn committed(world: &World) -> u64 {
    (0..4)
        .filter_map(|p| world.broker.offsets().fetch(GROUP, TOPIC, p))
        .map(|o| o.offset as u64)
        .sum()
}

fn bench_end_to_end(c: &mut Criterion) {
    let mut group = c.benchmark_group("sim");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(10));
    group.throughput(Throughput::Elements(E2E_RECORDS));
    group.bench_function("end_to_end_1M_records_4p_5c", |b| {
        b.iter_custom(|iters| (0..iters).map(|_| e2e_run(e2e_world())).sum::<Duration>())
    });
    group.finish();
}

// ---------------------------------------------------------------------------------------
// 2. One visualiser frame of a big world
// ---------------------------------------------------------------------------------------

/// A frame at 60 frames per second.
const FRAME_MS: Millis = 16;

/// 64 partitions, 32 consumers (1 ms per record, auto-commit), 2 producers of 1,000
/// records/s each, settled and running for a while (not timed).
fn frame_world() -> World {
    let mut world = World::new(2);
    world.apply(topic(64));
    for p in 0..2 {
        world.apply(producer(&format!("p{p}"), 1_000));
    }
    for c in 0..32 {
        world.apply(consumer(&format!("c{c:02}"), 1, CommitMode::Auto));
    }
    run_until_settled(&mut world, 120_000);
    world.step(10_000);
    assert!(settled(&world));
    world.take_events();
    world
}

fn bench_frame(c: &mut Criterion) {
    let mut world = frame_world();
    let mut group = c.benchmark_group("sim");
    group
        .sample_size(50)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    group.bench_function("frame_16ms_64p_32c", |b| {
        b.iter(|| black_box(world.step(FRAME_MS)))
    });
    group.finish();
    // Still the steady state it started as.
    assert!(settled(&world), "a rebalance happened during the frames");
}

criterion_group!(benches, bench_end_to_end, bench_frame);
criterion_main!(benches);
