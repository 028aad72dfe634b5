//! Performance benchmarks of the broker core (issue targets in brackets):
//!
//! - `append`: in-memory append of 100-byte records, in batches of 100 as producers send them
//!   [>= 5 M records/s], plus single-record appends and encoded (wire) batches, for reference.
//! - `read`: sequential 1 MiB fetches of a pre-filled 1 M-record log [>= 5 M records/s].
//! - `rebalance`: a full rebalance of a Stable 1,000-member group over 1,000 partitions,
//!   back to Stable [< 50 ms].
//! - `offsets`: `OffsetStore::rebuild` of a log of 1 M commits [< 1 s].
//!
//! Targets are checked by `bench/run.sh` from criterion's results, never here. Run with
//! `cargo bench -p minikafka --bench core`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use bytes::Bytes;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, SamplingMode, Throughput};

use minikafka::event::TopicPartitions;
use minikafka::group::consumer_protocol::{
    decode_subscription, encode_assignment, encode_subscription, Assignment, Subscription,
};
use minikafka::group::{
    CoordinatorConfig, GroupCoordinator, GroupOutput, GroupState, HeartbeatRequest,
    JoinGroupRequest, JoinGroupResponse, JoinProtocol, RequestId, SyncGroupRequest,
};
use minikafka::log::{LogConfig, PartitionLog};
use minikafka::offsets::{OffsetAndMetadata, OffsetKey, OffsetStore};
use minikafka::record::{Millis, Offset, Record, RecordBatch};

/// Size of a record's value in the log benchmarks.
const RECORD_BYTES: usize = 100;
/// Records per producer batch.
const BATCH_RECORDS: usize = 100;
/// Records in the log the read benchmark fetches.
const READ_LOG_RECORDS: usize = 1_000_000;
/// A consumer's fetch size (`fetch.max.bytes` / `max.partition.fetch.bytes`).
const FETCH_MAX_BYTES: u32 = 1 << 20;

/// A log config without time retention, so `now` never matters; default 1 MiB segments.
fn log_config() -> LogConfig {
    LogConfig {
        retention_ms: None,
        ..LogConfig::default()
    }
}

/// A decoded batch of `n` records with 100-byte values. Its records sit behind an `Arc`, so
/// cloning it (once per append) copies no payload, like a request buffer handed to the log.
fn decoded_batch(n: usize) -> RecordBatch {
    let value = Bytes::from(vec![b'x'; RECORD_BYTES]);
    let records = (0..n)
        .map(|i| Record::from_value(value.clone(), 1_000 + i as Millis))
        .collect();
    RecordBatch::from_records(records).expect("non-empty batch")
}

/// The same records as a Kafka v2 batch on the wire: 61 bytes of header plus ~ (8 bytes of
/// framing + value) per record. The log only rewrites its first 8 bytes.
fn encoded_batch(n: usize) -> RecordBatch {
    let bytes = Bytes::from(vec![0u8; 61 + n * (8 + RECORD_BYTES)]);
    RecordBatch::from_encoded(bytes, n as u32, 1_000, 1_000 + n as Millis)
}

// ---------------------------------------------------------------------------------------
// 1. Append
// ---------------------------------------------------------------------------------------

/// Append `iters` clones of `batch` to a fresh log, timing only the appends. A fresh log per
/// sample keeps memory bounded however many iterations criterion asks for.
fn time_appends(batch: &RecordBatch, iters: u64) -> Duration {
    let mut log = PartitionLog::new(log_config());
    let batches: Vec<RecordBatch> = (0..iters).map(|_| batch.clone()).collect();
    let start = Instant::now();
    for (now, b) in (0..).zip(batches) {
        black_box(log.append(b, now).expect("append"));
    }
    let elapsed = start.elapsed();
    black_box(log.log_end_offset());
    drop(log);
    elapsed
}

fn bench_append(c: &mut Criterion) {
    let mut group = c.benchmark_group("append");
    group
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));

    let batch = decoded_batch(BATCH_RECORDS);
    group.throughput(Throughput::Elements(BATCH_RECORDS as u64));
    group.bench_function("batch_100", |b| {
        b.iter_custom(|iters| time_appends(&batch, iters))
    });

    let encoded = encoded_batch(BATCH_RECORDS);
    group.throughput(Throughput::Elements(BATCH_RECORDS as u64));
    group.bench_function("encoded_batch_100", |b| {
        b.iter_custom(|iters| time_appends(&encoded, iters))
    });

    let single = decoded_batch(1);
    group.throughput(Throughput::Elements(1));
    group.bench_function("single_record", |b| {
        b.iter_custom(|iters| time_appends(&single, iters))
    });
    group.finish();
}

// ---------------------------------------------------------------------------------------
// 2. Read
// ---------------------------------------------------------------------------------------

/// Consume the whole log as a consumer does: fetch from its position with 1 MiB fetches,
/// count the records at or after the position, move the position past the last batch.
fn consume_all(log: &PartitionLog) -> u64 {
    let mut position: Offset = log.log_start_offset();
    let mut records = 0u64;
    let end = log.log_end_offset();
    while position < end {
        let fetched = log
            .read(position, FETCH_MAX_BYTES, u32::MAX)
            .expect("in range");
        for batch in &fetched.batches {
            let info = batch.info;
            records += (info.next_offset() - info.base_offset.max(position)) as u64;
            position = info.next_offset();
        }
    }
    records
}

fn bench_read(c: &mut Criterion) {
    let mut log = PartitionLog::new(log_config());
    let batch = decoded_batch(BATCH_RECORDS);
    for now in 0..(READ_LOG_RECORDS / BATCH_RECORDS) as Millis {
        log.append(batch.clone(), now).expect("append");
    }
    assert_eq!(consume_all(&log), READ_LOG_RECORDS as u64);

    let mut group = c.benchmark_group("read");
    group
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    group.throughput(Throughput::Elements(READ_LOG_RECORDS as u64));
    group.bench_function("sequential_1MiB_fetches", |b| {
        b.iter(|| consume_all(black_box(&log)))
    });
    group.finish();
}

// ---------------------------------------------------------------------------------------
// 3. Rebalance
// ---------------------------------------------------------------------------------------

const GROUP: &str = "bench-group";
const TOPIC: &str = "orders";
const MEMBERS: usize = 1_000;
const PARTITIONS: i32 = 1_000;
const SESSION_MS: i32 = 45_000;
const REBALANCE_MS: i32 = 300_000;

/// A consumer group driven through the coordinator's API, as the server's connections do.
struct Consumers {
    coordinator: GroupCoordinator,
    /// Member ids, in client order.
    members: Vec<String>,
    leader: String,
    generation: i32,
    next_request: RequestId,
    now: Millis,
}

fn join_request(client: usize, member_id: &str, subscription: &Bytes) -> JoinGroupRequest {
    JoinGroupRequest {
        group_id: GROUP.into(),
        session_timeout_ms: SESSION_MS,
        rebalance_timeout_ms: REBALANCE_MS,
        member_id: member_id.into(),
        group_instance_id: None,
        protocol_type: "consumer".into(),
        protocols: vec![JoinProtocol {
            name: "roundrobin".into(),
            metadata: subscription.clone(),
        }],
        client_id: format!("consumer-{GROUP}-{client}"),
        client_host: format!("/10.0.{}.{}", client / 256, client % 256),
        require_known_member_id: true,
    }
}

fn sync_request(
    member_id: &str,
    generation: i32,
    assignments: Vec<(String, Bytes)>,
) -> SyncGroupRequest {
    SyncGroupRequest {
        group_id: GROUP.into(),
        generation_id: generation,
        member_id: member_id.into(),
        group_instance_id: None,
        protocol_type: Some("consumer".into()),
        protocol_name: Some("roundrobin".into()),
        assignments,
    }
}

fn subscription() -> Bytes {
    encode_subscription(&Subscription {
        topics: vec![TOPIC.into()],
        generation_id: -1,
        ..Subscription::default()
    })
}

/// The leader's assignor: Kafka's `roundrobin` over the members, sorted by member id (the
/// order the JoinGroup response lists them in), for the partitions of every subscribed
/// topic (here one topic of `PARTITIONS` partitions).
fn round_robin(leader_view: &JoinGroupResponse) -> Vec<(String, Bytes)> {
    let mut members: Vec<&str> = Vec::with_capacity(leader_view.members.len());
    let mut topics: Vec<String> = Vec::new();
    for m in &leader_view.members {
        let sub = decode_subscription(&m.metadata).expect("valid subscription");
        for t in sub.topics {
            if !topics.contains(&t) {
                topics.push(t);
            }
        }
        members.push(&m.member_id);
    }
    members.sort_unstable();
    topics.sort_unstable();
    let mut owned: Vec<Vec<TopicPartitions>> = vec![Vec::new(); members.len()];
    let mut next = 0;
    for topic in &topics {
        for p in 0..PARTITIONS {
            let slot = &mut owned[next % members.len()];
            match slot.last_mut() {
                Some(tp) if tp.topic == *topic => tp.partitions.push(p),
                _ => slot.push(TopicPartitions {
                    topic: topic.clone(),
                    partitions: vec![p],
                }),
            }
            next += 1;
        }
    }
    members
        .into_iter()
        .zip(owned)
        .map(|(m, partitions)| {
            let bytes = encode_assignment(&Assignment {
                partitions,
                user_data: None,
            });
            (m.to_string(), bytes)
        })
        .collect()
}

impl Consumers {
    fn request(&mut self) -> RequestId {
        self.next_request += 1;
        self.next_request
    }

    /// Every member answers its JoinGroup response with a SyncGroup (the leader with the
    /// round-robin assignment), until every SyncGroup is answered. Returns the generation.
    fn finish_rebalance(&mut self) -> i32 {
        let mut joined = 0;
        let mut synced = 0;
        let mut generation = -1;
        while let Some(output) = self.coordinator.poll_output() {
            match output {
                GroupOutput::Join { response, .. } => {
                    assert_eq!(response.error, None, "join failed");
                    joined += 1;
                    generation = response.generation_id;
                    let assignments = if response.members.is_empty() {
                        Vec::new()
                    } else {
                        round_robin(&response)
                    };
                    let req = sync_request(&response.member_id, generation, assignments);
                    let id = self.request();
                    if let Some(answer) = self.coordinator.sync_group(id, req, self.now) {
                        assert_eq!(answer.error, None, "sync failed");
                        synced += 1;
                    }
                }
                GroupOutput::Sync { response, .. } => {
                    assert_eq!(response.error, None, "sync failed");
                    synced += 1;
                }
            }
        }
        // A driver forwards events (to the visualiser); draining them is part of the work.
        while let Some(event) = self.coordinator.poll_event() {
            black_box(event);
        }
        assert_eq!((joined, synced), (MEMBERS, MEMBERS));
        assert_eq!(
            self.coordinator.group_state(GROUP),
            Some(GroupState::Stable)
        );
        generation
    }

    /// Setup: a Stable group of `MEMBERS` consumers in generation 1. Every consumer gets its
    /// member id (MEMBER_ID_REQUIRED) before any joins with it, so the join phase completes
    /// once, when the last one is in, even with no initial rebalance delay.
    fn stable() -> Consumers {
        let config = CoordinatorConfig {
            group_initial_rebalance_delay_ms: 0,
            ..CoordinatorConfig::default()
        };
        let mut consumers = Consumers {
            coordinator: GroupCoordinator::new(config),
            members: Vec::with_capacity(MEMBERS),
            leader: String::new(),
            generation: 0,
            next_request: 0,
            now: 1_000,
        };
        let subscription = subscription();
        for client in 0..MEMBERS {
            let id = consumers.request();
            let answer = consumers
                .coordinator
                .join_group(id, join_request(client, "", &subscription), 1_000)
                .expect("member id required");
            consumers.members.push(answer.member_id);
        }
        for client in 0..MEMBERS {
            let id = consumers.request();
            let req = join_request(client, &consumers.members[client], &subscription);
            assert!(consumers.coordinator.join_group(id, req, 1_000).is_none());
        }
        consumers.generation = consumers.finish_rebalance();
        assert_eq!(consumers.generation, 1);
        consumers.leader = consumers
            .coordinator
            .leader(GROUP)
            .expect("leader")
            .to_string();
        consumers.now = 2_000;
        consumers
    }

    /// The measured part: from Stable to Stable again. The leader rejoins (as it does when
    /// it sees the topic's partition count change), which starts a rebalance; the others
    /// learn it from their next heartbeat and rejoin; the join completes; the leader
    /// computes and sends the assignment; everybody syncs.
    fn rebalance(mut self) -> Consumers {
        let subscription = subscription();
        let now = self.now;
        let leader = self.leader.clone();
        let leader_client = self
            .members
            .iter()
            .position(|m| *m == leader)
            .expect("leader is a member");
        let id = self.request();
        let req = join_request(leader_client, &leader, &subscription);
        assert!(self.coordinator.join_group(id, req, now).is_none());
        assert_eq!(
            self.coordinator.group_state(GROUP),
            Some(GroupState::PreparingRebalance)
        );
        for client in 0..MEMBERS {
            if client == leader_client {
                continue;
            }
            let member_id = self.members[client].clone();
            let heartbeat = self.coordinator.heartbeat(
                HeartbeatRequest {
                    group_id: GROUP.into(),
                    generation_id: self.generation,
                    member_id: member_id.clone(),
                    group_instance_id: None,
                },
                now,
            );
            assert!(heartbeat.is_err(), "REBALANCE_IN_PROGRESS");
            let id = self.request();
            let req = join_request(client, &member_id, &subscription);
            assert!(self.coordinator.join_group(id, req, now).is_none());
        }
        let generation = self.finish_rebalance();
        assert_eq!(generation, self.generation + 1);
        self.generation = generation;
        self
    }
}

fn bench_rebalance(c: &mut Criterion) {
    let mut group = c.benchmark_group("rebalance");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2));
    group.bench_function("1000_members_1000_partitions", |b| {
        b.iter_batched(
            Consumers::stable,
            Consumers::rebalance,
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

// ---------------------------------------------------------------------------------------
// 4. Offset store rebuild
// ---------------------------------------------------------------------------------------

const OFFSET_GROUPS: usize = 100;
const OFFSET_TOPICS: usize = 10;
const OFFSET_PARTITIONS: i32 = 10;
const COMMIT_ROUNDS: usize = 100;

/// 1 M commits over 10 k keys: 100 groups, each consuming 10 topics of 10 partitions and
/// committing its 100 offsets in one OffsetCommit request, 100 times over.
fn offset_store() -> OffsetStore {
    let mut store = OffsetStore::new();
    let topics: Vec<String> = (0..OFFSET_TOPICS).map(|t| format!("topic-{t}")).collect();
    let groups: Vec<String> = (0..OFFSET_GROUPS)
        .map(|g| format!("group-{g:03}"))
        .collect();
    let mut now: Millis = 0;
    for round in 0..COMMIT_ROUNDS {
        for group in &groups {
            now += 1;
            let mut commits = Vec::with_capacity(OFFSET_TOPICS * OFFSET_PARTITIONS as usize);
            for topic in &topics {
                for partition in 0..OFFSET_PARTITIONS {
                    let mut value = OffsetAndMetadata::new((round as Offset + 1) * 500, now);
                    value.leader_epoch = Some(3);
                    commits.push((
                        OffsetKey::new(group.as_str(), topic.as_str(), partition),
                        value,
                    ));
                }
            }
            let results = store.commit_many(commits, now);
            assert!(results.iter().all(Result::is_ok));
        }
    }
    store
}

fn bench_offsets(c: &mut Criterion) {
    let store = offset_store();
    let commits =
        (OFFSET_GROUPS * OFFSET_TOPICS * OFFSET_PARTITIONS as usize * COMMIT_ROUNDS) as i64;
    assert_eq!(store.log().log_end_offset(), commits);
    assert_eq!(
        store.len(),
        OFFSET_GROUPS * OFFSET_TOPICS * OFFSET_PARTITIONS as usize
    );

    let mut group = c.benchmark_group("offsets");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    group.throughput(Throughput::Elements(commits as u64));
    group.bench_function("rebuild_1M_commits", |b| {
        b.iter_batched(
            || store.log().clone(),
            |log| {
                let rebuilt = OffsetStore::rebuild(log).expect("rebuild");
                assert_eq!(rebuilt.len(), store.len());
                rebuilt
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group!(
    benches,
    bench_append,
    bench_read,
    bench_rebalance,
    bench_offsets
);
criterion_main!(benches);
