//! Fuzz smoke test on stable Rust: mutated inputs through the entry points a fuzzer would
//! drive, checking for panics and for allocations beyond the frame limit.
//!
//! - Request frames: a valid request of every served API and version, mutated (bytes
//!   flipped, lengths and counts overwritten with extreme values, truncated, extended),
//!   fed to `WireBroker::handle_frame` as one connection would.
//! - Record batches: valid batches, mutated, through the header check and the splitter the
//!   Produce path uses.
//! - The offsets-log codec: mutated keys and values through its decoders (commit records,
//!   group metadata records, transaction-log records).
//! - The committed seed corpus of the cargo-fuzz targets (`fuzz/seeds/`): every served API
//!   has a request-frame seed there, and every seed goes through the adapter unharmed; the
//!   captured frames are also mutated above. `MINIKAFKA_WRITE_SEEDS=1` rewrites the built
//!   seeds (see `write_built_seeds`).
//!
//! The inputs come from a seeded generator, so a failure names the seed and iteration that
//! reproduce it.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use bytes::{BufMut, Bytes, BytesMut};
use kafka_protocol::messages::*;
use kafka_protocol::protocol::{Encodable, StrBytes};
use kafka_protocol::records::Compression;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use minikafka::offsets::{
    decode_group_key, encode_group_key, GroupMetadataRecord, OffsetAndMetadata, OffsetKey,
    StoredMember,
};
use minikafka::txn::{txn_log, TransactionMetadata, TxnState};
use minikafka::wire::{encode_records, read_header, split_record_set, WireBroker, SUPPORTED};
use minikafka::{Broker, BrokerConfig, Record};

/// The largest allocation allowed while one input is handled: the server's default frame
/// limit (100 MiB). A hostile count that slips through would ask for gigabytes.
const ALLOCATION_LIMIT: usize = 100 * 1024 * 1024;

/// Mutated frames per run; `MINIKAFKA_FUZZ_ITERATIONS` and `MINIKAFKA_FUZZ_SEED` run more or
/// other ones (a failure prints the seed and iteration).
const ITERATIONS_DEFAULT: u64 = 200_000;

thread_local! {
    static MEASURING: Cell<bool> = const { Cell::new(false) };
    static LARGEST: Cell<usize> = const { Cell::new(0) };
}

struct Counting;

fn note(size: usize) {
    let _ = MEASURING.try_with(|m| {
        if m.get() {
            let _ = LARGEST.try_with(|l| l.set(l.get().max(size)));
        }
    });
}

// SAFETY: every call is forwarded unchanged to the system allocator; the wrapper only
// records sizes in thread-local cells (const-initialized, so no allocation happens there).
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Run `f` and return the largest single allocation it made on this thread.
fn largest_allocation(f: impl FnOnce()) -> usize {
    LARGEST.with(|l| l.set(0));
    MEASURING.with(|m| m.set(true));
    f();
    MEASURING.with(|m| m.set(false));
    LARGEST.with(|l| l.get())
}

/// xorshift64*: small, seeded, good enough to pick mutations.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn mutate(rng: &mut Rng, input: &[u8], keep_prefix: usize) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..1 + rng.below(3) {
        let at = keep_prefix + rng.below(out.len().saturating_sub(keep_prefix).max(1));
        match rng.below(6) {
            0 if at < out.len() => out[at] ^= 1 << rng.below(8),
            1 if at + 4 <= out.len() => {
                let extreme: [i32; 5] = [i32::MAX, -1, i32::MIN, 0x00FF_FFFF, rng.next() as i32];
                out[at..at + 4].copy_from_slice(&extreme[rng.below(5)].to_be_bytes());
            }
            2 if at < out.len() => out[at] = [0x00, 0x7F, 0x80, 0xFF][rng.below(4)],
            3 => out.truncate(at.max(keep_prefix)),
            4 => {
                let extra: Vec<u8> = (0..rng.below(16)).map(|_| rng.next() as u8).collect();
                out.splice(at.min(out.len())..at.min(out.len()), extra);
            }
            _ if at + 1 < out.len() => {
                // A compact (varint) length of 2^28.
                out.splice(at..at + 1, [0x80, 0x80, 0x80, 0x80, 0x01]);
            }
            _ => {}
        }
    }
    out
}

fn s(x: &str) -> StrBytes {
    StrBytes::from_string(x.to_string())
}

/// A valid request body for `api_key` at `version`, with a little content.
fn seed_request(api_key: ApiKey, version: i16) -> Option<Vec<u8>> {
    let topic = TopicName(s("fuzz"));
    let request = match api_key {
        ApiKey::ApiVersions => RequestKind::ApiVersions(ApiVersionsRequest::default()),
        ApiKey::Metadata => {
            RequestKind::Metadata(MetadataRequest::default().with_topics(Some(vec![
                metadata_request::MetadataRequestTopic::default().with_name(Some(topic.clone())),
            ])))
        }
        ApiKey::Produce => {
            let mut records = BytesMut::new();
            encode_records(
                &mut records,
                0,
                &[Record::from_value("v", 1)],
                Compression::None,
            );
            RequestKind::Produce(
                ProduceRequest::default()
                    .with_transactional_id(None)
                    .with_acks(1)
                    .with_topic_data(vec![produce_request::TopicProduceData::default()
                        .with_name(topic.clone())
                        .with_partition_data(vec![
                            produce_request::PartitionProduceData::default()
                                .with_records(Some(records.freeze())),
                        ])]),
            )
        }
        ApiKey::Fetch => RequestKind::Fetch(FetchRequest::default().with_topics(vec![
            fetch_request::FetchTopic::default()
                .with_topic(topic.clone())
                .with_partitions(vec![fetch_request::FetchPartition::default()]),
        ])),
        ApiKey::ListOffsets => {
            RequestKind::ListOffsets(ListOffsetsRequest::default().with_topics(vec![
            list_offsets_request::ListOffsetsTopic::default()
                .with_name(topic.clone())
                .with_partitions(vec![list_offsets_request::ListOffsetsPartition::default()]),
        ]))
        }
        ApiKey::FindCoordinator => RequestKind::FindCoordinator(FindCoordinatorRequest::default()),
        ApiKey::JoinGroup => RequestKind::JoinGroup(
            JoinGroupRequest::default()
                .with_group_id(GroupId(s("g")))
                .with_session_timeout_ms(10_000)
                .with_protocol_type(s("consumer"))
                .with_protocols(vec![join_group_request::JoinGroupRequestProtocol::default(
                )
                .with_name(s("range"))]),
        ),
        ApiKey::SyncGroup => {
            RequestKind::SyncGroup(SyncGroupRequest::default().with_group_id(GroupId(s("g"))))
        }
        ApiKey::Heartbeat => {
            RequestKind::Heartbeat(HeartbeatRequest::default().with_group_id(GroupId(s("g"))))
        }
        ApiKey::LeaveGroup => {
            RequestKind::LeaveGroup(LeaveGroupRequest::default().with_group_id(GroupId(s("g"))))
        }
        ApiKey::OffsetCommit => RequestKind::OffsetCommit(
            OffsetCommitRequest::default()
                .with_group_id(GroupId(s("g")))
                .with_generation_id_or_member_epoch(-1)
                .with_topics(vec![
                    offset_commit_request::OffsetCommitRequestTopic::default()
                        .with_name(topic.clone())
                        .with_partitions(vec![
                            offset_commit_request::OffsetCommitRequestPartition::default(),
                        ]),
                ]),
        ),
        ApiKey::OffsetFetch => {
            RequestKind::OffsetFetch(OffsetFetchRequest::default().with_group_id(GroupId(s("g"))))
        }
        ApiKey::DescribeGroups => RequestKind::DescribeGroups(
            DescribeGroupsRequest::default().with_groups(vec![GroupId(s("g"))]),
        ),
        ApiKey::ListGroups => RequestKind::ListGroups(ListGroupsRequest::default()),
        ApiKey::CreateTopics => {
            RequestKind::CreateTopics(CreateTopicsRequest::default().with_topics(vec![
            create_topics_request::CreatableTopic::default()
                .with_name(TopicName(s("made")))
                .with_num_partitions(2)
                .with_replication_factor(1),
        ]))
        }
        ApiKey::DeleteTopics => {
            RequestKind::DeleteTopics(DeleteTopicsRequest::default().with_topic_names(vec![topic]))
        }
        ApiKey::DeleteRecords => RequestKind::DeleteRecords(DeleteRecordsRequest::default()),
        ApiKey::InitProducerId => RequestKind::InitProducerId(
            InitProducerIdRequest::default().with_transactional_id(if version % 2 == 0 {
                None
            } else {
                Some(TransactionalId(s("fuzz-tx")))
            }),
        ),
        ApiKey::AddPartitionsToTxn => RequestKind::AddPartitionsToTxn(
            AddPartitionsToTxnRequest::default()
                .with_v3_and_below_transactional_id(TransactionalId(s("fuzz-tx")))
                .with_v3_and_below_topics(vec![
                    add_partitions_to_txn_request::AddPartitionsToTxnTopic::default()
                        .with_name(topic)
                        .with_partitions(vec![0]),
                ]),
        ),
        ApiKey::AddOffsetsToTxn => RequestKind::AddOffsetsToTxn(
            AddOffsetsToTxnRequest::default()
                .with_transactional_id(TransactionalId(s("fuzz-tx")))
                .with_group_id(GroupId(s("g"))),
        ),
        ApiKey::EndTxn => RequestKind::EndTxn(
            EndTxnRequest::default().with_transactional_id(TransactionalId(s("fuzz-tx"))),
        ),
        ApiKey::TxnOffsetCommit => RequestKind::TxnOffsetCommit(
            TxnOffsetCommitRequest::default()
                .with_transactional_id(TransactionalId(s("fuzz-tx")))
                .with_group_id(GroupId(s("g")))
                .with_topics(vec![
                    txn_offset_commit_request::TxnOffsetCommitRequestTopic::default()
                        .with_name(topic)
                        .with_partitions(vec![Default::default()]),
                ]),
        ),
        ApiKey::DescribeConfigs => {
            RequestKind::DescribeConfigs(DescribeConfigsRequest::default().with_resources(vec![
                describe_configs_request::DescribeConfigsResource::default()
                    .with_resource_type(2)
                    .with_resource_name(topic.0.clone())
                    .with_configuration_keys(Some(vec![s("retention.ms")])),
            ]))
        }
        ApiKey::CreatePartitions => RequestKind::CreatePartitions(
            CreatePartitionsRequest::default()
                .with_topics(vec![
                    create_partitions_request::CreatePartitionsTopic::default()
                        .with_name(topic)
                        .with_count(3),
                ])
                .with_validate_only(version % 2 == 0),
        ),
        ApiKey::AlterConfigs => {
            RequestKind::AlterConfigs(AlterConfigsRequest::default().with_resources(vec![
                alter_configs_request::AlterConfigsResource::default()
                    .with_resource_type(2)
                    .with_resource_name(topic.0.clone())
                    .with_configs(vec![alter_configs_request::AlterableConfig::default()
                        .with_name(s("retention.ms"))
                        .with_value(Some(s("60000")))]),
            ]))
        }
        ApiKey::IncrementalAlterConfigs => RequestKind::IncrementalAlterConfigs(
            IncrementalAlterConfigsRequest::default().with_resources(vec![
                incremental_alter_configs_request::AlterConfigsResource::default()
                    .with_resource_type(2)
                    .with_resource_name(topic.0.clone())
                    .with_configs(vec![
                        incremental_alter_configs_request::AlterableConfig::default()
                            .with_name(s("cleanup.policy"))
                            .with_config_operation(2)
                            .with_value(Some(s("compact"))),
                    ]),
            ]),
        ),
        ApiKey::DeleteGroups => RequestKind::DeleteGroups(
            DeleteGroupsRequest::default().with_groups_names(vec![GroupId(s("fuzz-group"))]),
        ),
        ApiKey::OffsetDelete => RequestKind::OffsetDelete(
            OffsetDeleteRequest::default()
                .with_group_id(GroupId(s("fuzz-group")))
                .with_topics(vec![
                    offset_delete_request::OffsetDeleteRequestTopic::default()
                        .with_name(topic.clone())
                        .with_partitions(vec![
                            offset_delete_request::OffsetDeleteRequestPartition::default(),
                        ]),
                ]),
        ),
        ApiKey::DescribeCluster => RequestKind::DescribeCluster(
            DescribeClusterRequest::default().with_include_cluster_authorized_operations(true),
        ),
        ApiKey::ConsumerGroupHeartbeat => RequestKind::ConsumerGroupHeartbeat(
            ConsumerGroupHeartbeatRequest::default()
                .with_group_id(GroupId(s("fuzz-group")))
                .with_member_id(s("fuzz-member"))
                .with_rebalance_timeout_ms(30_000)
                .with_subscribed_topic_names(Some(vec![topic.clone()]))
                .with_subscribed_topic_regex((version >= 1).then(|| s("fuzz.*")))
                .with_topic_partitions(Some(vec![
                    consumer_group_heartbeat_request::TopicPartitions::default()
                        .with_partitions(vec![0]),
                ])),
        ),
        ApiKey::ConsumerGroupDescribe => RequestKind::ConsumerGroupDescribe(
            ConsumerGroupDescribeRequest::default().with_group_ids(vec![GroupId(s("fuzz-group"))]),
        ),
        _ => return None,
    };
    let header = RequestHeader::default()
        .with_request_api_key(api_key as i16)
        .with_request_api_version(version)
        .with_correlation_id(7)
        .with_client_id(Some(s("fuzz")));
    let mut frame = BytesMut::new();
    header
        .encode(&mut frame, api_key.request_header_version(version))
        .ok()?;
    request.encode(&mut frame, version).ok()?;
    Some(frame.to_vec())
}

#[test]
fn mutated_request_frames_never_panic_or_allocate_beyond_the_frame_limit() {
    let seed = std::env::var("MINIKAFKA_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5EED_F00D_u64)
        .max(1); // xorshift stays at 0 forever
    #[allow(non_snake_case)]
    let ITERATIONS: u64 = std::env::var("MINIKAFKA_FUZZ_ITERATIONS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(ITERATIONS_DEFAULT);
    let mut rng = Rng(seed);
    let mut seeds: Vec<Vec<u8>> = SUPPORTED
        .iter()
        .flat_map(|(key, range)| (range.min..=range.max).filter_map(move |v| seed_request(*key, v)))
        .collect();
    assert!(seeds.len() > 100, "a seed for every served API and version");
    // And the frames real clients sent (fuzz/seeds/request_frame, see fuzz/capture.sh).
    seeds.extend(committed_seeds("request_frame").into_iter().map(|(_, f)| f));
    let mut wire = WireBroker::new(Broker::new(BrokerConfig::default(), 0));
    wire.connection_opened(1, "127.0.0.1");
    let (mut refused, mut answered) = (0, 0);
    for iteration in 0..ITERATIONS {
        let input = &seeds[rng.below(seeds.len())];
        // Keep the API key most of the time, so the mutations reach the body decoders.
        let keep = if rng.below(4) == 0 { 0 } else { 2 };
        let frame = mutate(&mut rng, input, keep);
        let largest = largest_allocation(|| {
            if wire
                .handle_frame(1, Bytes::from(frame.clone()), iteration as i64)
                .is_err()
            {
                refused += 1;
                wire.connection_closed(1);
                wire.connection_opened(1, "127.0.0.1");
            }
            wire.handle_timeout(iteration as i64);
            while wire.poll_transmit().is_some() {
                answered += 1;
            }
            while wire.poll_event().is_some() {}
        });
        assert!(
            largest <= ALLOCATION_LIMIT,
            "seed {seed:#x}, iteration {iteration}: {largest} bytes allocated for a {}-byte frame {frame:02x?}",
            frame.len()
        );
    }
    eprintln!(
        "{ITERATIONS} mutated frames: {refused} refused (connection closed), {answered} answered"
    );
    assert!(
        refused > 1_000 && answered > 1_000,
        "the mutations reach both outcomes"
    );
}

#[test]
fn mutated_record_batches_never_panic() {
    let mut rng = Rng(0x0BA7_C4E5);
    let mut seeds = Vec::new();
    for compression in [
        Compression::None,
        Compression::Gzip,
        Compression::Snappy,
        Compression::Lz4,
        Compression::Zstd,
    ] {
        let mut out = BytesMut::new();
        let records: Vec<Record> = (0..5)
            .map(|i| Record::keyed("k", format!("value {i}"), i))
            .collect();
        encode_records(&mut out, 0, &records, compression);
        seeds.push(out.to_vec());
    }
    let mut accepted = 0;
    for _ in 0..20_000 {
        let input = &seeds[rng.below(seeds.len())];
        let bytes = mutate(&mut rng, input, 0);
        let largest = largest_allocation(|| {
            let _ = read_header(&bytes);
            if split_record_set(Bytes::from(bytes.clone())).is_ok() {
                accepted += 1;
            }
        });
        assert!(largest <= ALLOCATION_LIMIT);
    }
    // A single flipped bit almost always breaks the CRC; some mutations only touch the
    // fields outside it (base offset, leader epoch) and still pass.
    assert!(accepted > 0 && accepted < 20_000);
}

#[test]
fn mutated_offsets_log_records_never_panic() {
    let mut rng = Rng(0x0FF5E7);
    let key = OffsetKey::new("group", "topic", 3).encode().unwrap();
    let records = log_records();
    for i in 0..40_000 {
        let (key, value) = &records[i % records.len()];
        let k = mutate(&mut rng, key, 0);
        let v = mutate(&mut rng, value, 0);
        let largest = largest_allocation(|| decode_log_record(&k, &v));
        assert!(largest <= ALLOCATION_LIMIT);
    }
    let mut buf = BytesMut::new();
    buf.put_slice(&key);
    assert_eq!(
        OffsetKey::decode(&buf).unwrap(),
        OffsetKey::new("group", "topic", 3)
    );
}

/// Every decoder of the offsets log and the transaction log, as the `offsets_log` fuzz
/// target runs them.
fn decode_log_record(key: &[u8], value: &[u8]) {
    let _ = OffsetKey::decode(key);
    let _ = OffsetAndMetadata::decode(value);
    let group = decode_group_key(key).unwrap_or_default();
    let _ = GroupMetadataRecord::decode(group, value);
    let id = txn_log::decode_key(key).unwrap_or_default();
    let _ = txn_log::decode_value(&id, value);
}

/// Valid (key, value) pairs of each kind: a commit, a group generation with two members
/// (one static), an Empty group, and transactions with partitions, groups and staged offsets.
fn log_records() -> Vec<(Vec<u8>, Vec<u8>)> {
    let member = |id: &str, instance: Option<&str>| StoredMember {
        member_id: id.to_string(),
        group_instance_id: instance.map(str::to_string),
        client_id: "rdkafka".to_string(),
        client_host: "/127.0.0.1".to_string(),
        rebalance_timeout_ms: 300_000,
        session_timeout_ms: 45_000,
        subscription: Bytes::from_static(b"\x00\x03\x00\x00\x00\x01\x00\x01t"),
        assignment: Bytes::from_static(
            b"\x00\x03\x00\x00\x00\x01\x00\x01t\x00\x00\x00\x01\x00\x00\x00\x00",
        ),
    };
    let stable = GroupMetadataRecord {
        group_id: "group".to_string(),
        protocol_type: "consumer".to_string(),
        generation: 3,
        protocol: Some("range".to_string()),
        leader: Some("m-1".to_string()),
        state_timestamp: 1_000,
        members: vec![member("m-1", None), member("m-2", Some("instance-2"))],
    };
    let empty = GroupMetadataRecord {
        group_id: "empty".to_string(),
        protocol_type: String::new(),
        generation: 4,
        protocol: None,
        leader: None,
        state_timestamp: 2_000,
        members: Vec::new(),
    };
    let txn = |state: TxnState| TransactionMetadata {
        transactional_id: "tx".to_string(),
        producer_id: 7,
        last_producer_id: -1,
        producer_epoch: 2,
        last_producer_epoch: 1,
        timeout_ms: 60_000,
        state,
        partitions: BTreeSet::from([("topic".to_string(), 0), ("topic".to_string(), 2)]),
        groups: BTreeSet::from(["group".to_string()]),
        pending_offsets: BTreeMap::from([(
            OffsetKey::new("group", "topic", 0),
            OffsetAndMetadata::new(42, 1_000),
        )]),
        start_timestamp: 1_000,
        last_update_timestamp: 1_500,
    };
    let mut records = vec![(
        OffsetKey::new("group", "topic", 3)
            .encode()
            .unwrap()
            .to_vec(),
        OffsetAndMetadata::new(42, 1_000).encode().unwrap().to_vec(),
    )];
    for g in [stable, empty] {
        records.push((
            encode_group_key(&g.group_id).unwrap().to_vec(),
            g.encode().unwrap().to_vec(),
        ));
    }
    for state in [TxnState::Ongoing, TxnState::PrepareCommit, TxnState::Empty] {
        records.push((
            txn_log::encode_key("tx").unwrap().to_vec(),
            txn_log::encode_value(&txn(state)).unwrap().to_vec(),
        ));
    }
    records
}

fn seeds_dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/seeds")
        .join(target)
}

/// The committed seeds of a fuzz target: (file name, bytes), sorted by name.
fn committed_seeds(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = seeds_dir(target);
    let mut seeds: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            (name, std::fs::read(&path).unwrap())
        })
        .collect();
    seeds.sort();
    seeds
}

/// The seeds that are built rather than captured, in the layout of each fuzz target:
/// request frames of the APIs no client test sends (every version), the record batches of
/// every codec, offsets-log and transaction-log records (`offsets_log`: the first byte is
/// the key's length), and random starts for `request_sequence`.
fn built_seeds() -> Vec<(&'static str, String, Vec<u8>)> {
    let mut out = Vec::new();
    let captured: BTreeSet<i16> = committed_seeds("request_frame")
        .iter()
        .filter(|(name, _)| !name.starts_with("built-"))
        .map(|(_, frame)| i16::from_be_bytes([frame[0], frame[1]]))
        .collect();
    for (key, range) in SUPPORTED {
        if captured.contains(&(*key as i16)) {
            continue;
        }
        for v in range.min..=range.max {
            if let Some(frame) = seed_request(*key, v) {
                let name = format!("built-{:02}-v{v:02}.bin", *key as i16);
                out.push(("request_frame", name, frame));
            }
        }
    }
    for (i, compression) in [
        Compression::None,
        Compression::Gzip,
        Compression::Snappy,
        Compression::Lz4,
        Compression::Zstd,
    ]
    .into_iter()
    .enumerate()
    {
        let mut batch = BytesMut::new();
        let records: Vec<Record> = (0..3)
            .map(|i| Record::keyed("k", format!("value {i}"), i))
            .collect();
        encode_records(&mut batch, 0, &records, compression);
        out.push(("record_batch", format!("built-{i}.bin"), batch.to_vec()));
    }
    for (i, (key, value)) in log_records().into_iter().enumerate() {
        let mut seed = vec![key.len() as u8];
        seed.extend_from_slice(&key);
        seed.extend_from_slice(&value);
        out.push(("offsets_log", format!("built-{i}.bin"), seed));
    }
    let mut rng = Rng(0x5E0_5E0);
    for i in 0..8 {
        let bytes: Vec<u8> = (0..2048).map(|_| rng.next() as u8).collect();
        out.push(("request_sequence", format!("built-{i}.bin"), bytes));
    }
    out
}

/// `MINIKAFKA_WRITE_SEEDS=1 cargo test -p minikafka-tests --test fuzz_smoke write_built_seeds`
/// rewrites the built seeds in `fuzz/seeds/` (after `fuzz/capture.sh`, which rewrites the
/// captured ones); without it, checks that the committed ones are up to date.
#[test]
fn write_built_seeds() {
    let write = std::env::var_os("MINIKAFKA_WRITE_SEEDS").is_some();
    for (target, name, bytes) in built_seeds() {
        let path = seeds_dir(target).join(&name);
        if write {
            std::fs::create_dir_all(seeds_dir(target)).unwrap();
            std::fs::write(&path, &bytes).unwrap();
        } else {
            let committed = std::fs::read(&path).unwrap_or_default();
            assert!(
                committed == bytes,
                "{} is missing or stale: run MINIKAFKA_WRITE_SEEDS=1 cargo test -p minikafka-tests --test fuzz_smoke write_built_seeds",
                path.display()
            );
        }
    }
}

#[test]
fn every_served_api_has_a_request_frame_seed() {
    let seeds = committed_seeds("request_frame");
    let keys: BTreeSet<i16> = seeds
        .iter()
        .map(|(_, frame)| i16::from_be_bytes([frame[0], frame[1]]))
        .collect();
    let missing: Vec<&str> = SUPPORTED
        .iter()
        .filter(|(key, _)| !keys.contains(&(*key as i16)))
        .map(|(key, _)| minikafka::wire::api_name(*key))
        .collect();
    assert!(
        missing.is_empty(),
        "served APIs with no seed in fuzz/seeds/request_frame: {missing:?} (fuzz/capture.sh, then MINIKAFKA_WRITE_SEEDS=1 ... write_built_seeds)"
    );
    // Each seed is a frame the adapter takes whole: one connection, in order, and every one
    // gets an answer or closes the connection (none panics).
    let mut wire = WireBroker::new(Broker::new(BrokerConfig::default(), 0));
    wire.connection_opened(1, "127.0.0.1");
    let mut served = 0;
    for (i, (name, frame)) in seeds.iter().enumerate() {
        match wire.handle_frame(1, Bytes::from(frame.clone()), i as i64 * 100) {
            Ok(()) => served += 1,
            Err(error) => {
                eprintln!("{name}: {error}");
                wire.connection_closed(1);
                wire.connection_opened(1, "127.0.0.1");
            }
        }
        wire.handle_timeout(i as i64 * 100);
        while wire.poll_transmit().is_some() {}
        while wire.poll_event().is_some() {}
    }
    // Captured from real clients: the adapter serves every one of them.
    assert_eq!(served, seeds.len(), "every seed is served");
    for (_, seed) in committed_seeds("offsets_log") {
        let (key, value) = seed[1..].split_at(usize::from(seed[0]).min(seed.len() - 1));
        decode_log_record(key, value);
    }
}
