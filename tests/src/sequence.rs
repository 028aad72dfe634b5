//! Structure-aware request sequences: *valid* requests with chosen field values, fed in a
//! sequence to one stateful [`WireBroker`], so the broker's logic is reached (topics,
//! produce and fetch, groups, transactions, admin) and not only its decoders.
//!
//! The input bytes are read with [`arbitrary::Unstructured`]: they choose each step (a
//! request on one of three connections, time moving on, a connection closed and reopened),
//! the API and a version in its served range, and the field values. Names come mostly from
//! small pools so that requests meet each other (the topic produced to is the one fetched
//! from; the group joined is the one synced); member ids, generations and producer ids
//! learnt from earlier answers are reused. Requests are encoded with `kafka-protocol`'s
//! request types and the header version of the API and version.
//!
//! [`run`] panics when an invariant breaks:
//! - no request closes its connection (they are all valid);
//! - every request gets exactly one answer, in request order per connection, and only a
//!   Produce with `acks=0` has none; at the end, with time run on, none is left unanswered;
//! - every answer has the request's correlation id and decodes with `kafka-protocol` at the
//!   request's version, with no bytes left over;
//! - per partition: log start <= last stable offset <= high watermark <= log end, and the
//!   high watermark never goes down (unless the topic was deleted).
//!
//! Used by `fuzz/fuzz_targets/request_sequence.rs` (cargo-fuzz, coverage-guided) and by
//! `tests/tests/request_sequence.rs` (stable, bounded, in `make test`).

use std::collections::{BTreeMap, HashMap, VecDeque};

use arbitrary::{Result, Unstructured};
use bytes::{Buf, Bytes, BytesMut};
use kafka_protocol::messages::*;
use kafka_protocol::protocol::{Decodable, Encodable, StrBytes};
use kafka_protocol::records::{
    Compression, Record as WireRecord, RecordBatchEncoder, RecordEncodeOptions, TimestampType,
};

use minikafka::wire::{WireBroker, SUPPORTED};
use minikafka::{Broker, BrokerConfig};

/// Steps per sequence at most (a step is a request, a clock move or a reconnection).
pub const MAX_STEPS: usize = 64;

const CONNECTIONS: u64 = 3;
const TOPICS: &[&str] = &["t0", "t1", "t2"];
const GROUPS: &[&str] = &["g0", "g1"];
const TXNS: &[&str] = &["x0", "x1"];

/// What a sequence reached, for the stable test to check the generator gets past the
/// decoders.
#[derive(Debug, Default, Clone)]
pub struct Reached {
    /// Requests sent.
    pub requests: u64,
    /// Answers received (a Produce with acks=0 counts as answered).
    pub answered: u64,
    /// Requests whose answer (or first partition/resource result) had error code 0, per
    /// API key.
    pub ok: BTreeMap<i16, u64>,
    /// The highest high watermark seen on any partition.
    pub max_high_watermark: i64,
}

impl Reached {
    /// Add another sequence's figures.
    pub fn add(&mut self, other: &Reached) {
        self.requests += other.requests;
        self.answered += other.answered;
        for (k, v) in &other.ok {
            *self.ok.entry(*k).or_default() += v;
        }
        self.max_high_watermark = self.max_high_watermark.max(other.max_high_watermark);
    }
}

/// What to learn from an answer.
#[derive(Debug, Clone)]
enum Learn {
    Nothing,
    Join {
        group: String,
    },
    Producer {
        txn: Option<String>,
    },
    Produced {
        pid: i64,
        topic: String,
        partition: i32,
        count: i32,
    },
}

#[derive(Debug)]
struct Expected {
    api: ApiKey,
    version: i16,
    correlation_id: i32,
    acks0: bool,
    learn: Learn,
}

#[derive(Debug, Clone)]
struct Member {
    group: String,
    member_id: String,
    generation: i32,
}

#[derive(Debug, Clone)]
struct Producer {
    id: i64,
    epoch: i16,
    txn: Option<String>,
}

struct State {
    wire: WireBroker,
    now: i64,
    expected: HashMap<u64, VecDeque<Expected>>,
    next_correlation: i32,
    members: Vec<Member>,
    producers: Vec<Producer>,
    sequences: HashMap<(i64, String, i32), i32>,
    high_watermarks: HashMap<(String, i32), i64>,
    reached: Reached,
}

/// Run one sequence chosen by `data`; panics when an invariant breaks.
pub fn run(data: &[u8]) -> Reached {
    let mut u = Unstructured::new(data);
    let mut config = BrokerConfig::default();
    // Rebalances that finish within a sequence's clock moves.
    config.coordinator.group_initial_rebalance_delay_ms = 100;
    let mut state = State {
        wire: WireBroker::new(Broker::new(config, 0)),
        now: 0,
        expected: HashMap::new(),
        next_correlation: 1,
        members: Vec::new(),
        producers: Vec::new(),
        sequences: HashMap::new(),
        high_watermarks: HashMap::new(),
        reached: Reached::default(),
    };
    for c in 1..=CONNECTIONS {
        state.wire.connection_opened(c, "127.0.0.1");
        state.expected.insert(c, VecDeque::new());
    }
    for _ in 0..MAX_STEPS {
        if u.is_empty() {
            break;
        }
        if step(&mut u, &mut state).is_err() {
            break;
        }
        state.drain();
        state.check_partitions();
    }
    // Time runs on until every parked request (JoinGroup, SyncGroup, Fetch) is answered.
    for _ in 0..200 {
        if state.expected.values().all(|q| q.is_empty()) {
            break;
        }
        let next = state.wire.poll_timeout().unwrap_or(state.now);
        state.now = next.max(state.now + 1_000);
        state.wire.handle_timeout(state.now);
        state.drain();
        state.check_partitions();
    }
    for (c, q) in &state.expected {
        assert!(
            q.is_empty(),
            "connection {c}: requests never answered: {q:?}"
        );
    }
    state.reached
}

fn step(u: &mut Unstructured, s: &mut State) -> Result<()> {
    match u.int_in_range(0u8..=15)? {
        0 | 1 => {
            s.now += i64::from(u.int_in_range(0u32..=40_000)?);
            s.wire.handle_timeout(s.now);
        }
        2 => {
            let c = u.int_in_range(1..=CONNECTIONS)?;
            s.wire.connection_closed(c);
            s.wire.connection_opened(c, "127.0.0.1");
            // Whatever was in flight there is never answered: that is what closing means.
            s.expected.insert(c, VecDeque::new());
        }
        _ => request(u, s)?,
    }
    Ok(())
}

fn text(x: &str) -> StrBytes {
    StrBytes::from_string(x.to_string())
}

fn pick(u: &mut Unstructured, pool: &[&str]) -> Result<String> {
    // Now and then a name from the input: invalid topic names, unknown groups.
    if u.ratio(1u8, 12)? {
        let len = u.int_in_range(0usize..=12)?;
        let bytes = u.bytes(len)?;
        return Ok(bytes
            .iter()
            .map(|b| char::from(b'.' + b % 77))
            .collect::<String>());
    }
    Ok(u.choose(pool)?.to_string())
}

fn small(u: &mut Unstructured, max: i32) -> Result<i32> {
    if u.ratio(1u8, 16)? {
        return Ok(*u.choose(&[-1, -2, i32::MAX, i32::MIN, 1_000_000])?);
    }
    u.int_in_range(0..=max)
}

fn offset(u: &mut Unstructured) -> Result<i64> {
    if u.ratio(1u8, 10)? {
        return Ok(*u.choose(&[-1, -2, -3, i64::MAX, i64::MIN])?);
    }
    Ok(i64::from(u.int_in_range(0u16..=40)?))
}

fn request(u: &mut Unstructured, s: &mut State) -> Result<()> {
    let connection = u.int_in_range(1..=CONNECTIONS)?;
    let (api, range) = *u.choose(SUPPORTED)?;
    let version = u.int_in_range(range.min..=range.max)?;
    let mut learn = Learn::Nothing;
    let mut acks0 = false;
    let member = if s.members.is_empty() || u.ratio(1u8, 5)? {
        None
    } else {
        Some(u.choose(&s.members)?.clone())
    };
    let producer = if s.producers.is_empty() || u.ratio(1u8, 5)? {
        None
    } else {
        Some(u.choose(&s.producers)?.clone())
    };
    let request = match api {
        ApiKey::ApiVersions => {
            let mut r = ApiVersionsRequest::default();
            if version >= 3 {
                r = r
                    .with_client_software_name(text("seq"))
                    .with_client_software_version(text("1.0"));
            }
            RequestKind::ApiVersions(r)
        }
        ApiKey::Metadata => {
            let topics = if u.ratio(1u8, 4)? && version >= 1 {
                None
            } else {
                let n = u.int_in_range(0..=2)?;
                let mut v = Vec::new();
                for _ in 0..n {
                    v.push(
                        metadata_request::MetadataRequestTopic::default()
                            .with_name(Some(TopicName(text(&pick(u, TOPICS)?)))),
                    );
                }
                Some(v)
            };
            let mut r = MetadataRequest::default().with_topics(topics);
            if version >= 4 {
                r = r.with_allow_auto_topic_creation(u.arbitrary()?);
            }
            RequestKind::Metadata(r)
        }
        ApiKey::CreateTopics => {
            let mut topics = Vec::new();
            for _ in 0..u.int_in_range(1..=2)? {
                let mut configs = Vec::new();
                if u.ratio(1u8, 3)? {
                    configs.push(config_entry(u)?);
                }
                topics.push(
                    create_topics_request::CreatableTopic::default()
                        .with_name(TopicName(text(&pick(u, TOPICS)?)))
                        .with_num_partitions(if u.ratio(1u8, 8)? {
                            small(u, 100)?
                        } else {
                            u.int_in_range(1..=3)?
                        })
                        .with_replication_factor(*u.choose(&[1, -1, 1, 3])?)
                        .with_configs(
                            configs
                                .into_iter()
                                .map(|(k, v)| {
                                    create_topics_request::CreatableTopicConfig::default()
                                        .with_name(text(&k))
                                        .with_value(Some(text(&v)))
                                })
                                .collect(),
                        ),
                );
            }
            RequestKind::CreateTopics(
                CreateTopicsRequest::default()
                    .with_topics(topics)
                    .with_timeout_ms(1_000)
                    .with_validate_only(u.ratio(1u8, 6)?),
            )
        }
        ApiKey::DeleteTopics => RequestKind::DeleteTopics(
            DeleteTopicsRequest::default()
                .with_topic_names(vec![TopicName(text(&pick(u, TOPICS)?))])
                .with_timeout_ms(1_000),
        ),
        ApiKey::CreatePartitions => RequestKind::CreatePartitions(
            CreatePartitionsRequest::default()
                .with_topics(vec![
                    create_partitions_request::CreatePartitionsTopic::default()
                        .with_name(TopicName(text(&pick(u, TOPICS)?)))
                        .with_count(small(u, 5)?),
                ])
                .with_timeout_ms(1_000)
                .with_validate_only(u.ratio(1u8, 4)?),
        ),
        ApiKey::Produce => {
            let topic = pick(u, TOPICS)?;
            let partition = small(u, 2)?;
            let acks = *u.choose(&[1i16, -1, -1, 0])?;
            acks0 = acks == 0;
            let count = u.int_in_range(1..=4)?;
            let (pid, epoch, txn) = match &producer {
                Some(p) => (p.id, p.epoch, p.txn.clone()),
                None => (-1, -1, None),
            };
            let base_sequence = if pid >= 0 {
                let next = s
                    .sequences
                    .get(&(pid, topic.clone(), partition))
                    .copied()
                    .unwrap_or(0);
                if u.ratio(1u8, 8)? {
                    small(u, 10)?
                } else {
                    next
                }
            } else {
                -1
            };
            if pid >= 0 && !acks0 {
                learn = Learn::Produced {
                    pid,
                    topic: topic.clone(),
                    partition,
                    count,
                };
            }
            let records = record_set(u, s.now, pid, epoch, txn.is_some(), base_sequence, count)?;
            let mut r = ProduceRequest::default()
                .with_acks(acks)
                .with_timeout_ms(1_000)
                .with_topic_data(vec![produce_request::TopicProduceData::default()
                    .with_name(TopicName(text(&topic)))
                    .with_partition_data(vec![
                        produce_request::PartitionProduceData::default()
                            .with_index(partition)
                            .with_records(Some(records)),
                    ])]);
            r = r.with_transactional_id(txn.map(|t| TransactionalId(text(&t))));
            RequestKind::Produce(r)
        }
        ApiKey::Fetch => {
            let mut partitions = Vec::new();
            for _ in 0..u.int_in_range(1..=2)? {
                partitions.push(
                    fetch_request::FetchPartition::default()
                        .with_partition(small(u, 2)?)
                        .with_fetch_offset(offset(u)?)
                        .with_partition_max_bytes(*u.choose(&[1_048_576, 1, 0, 100])?),
                );
            }
            let mut r = FetchRequest::default()
                .with_max_wait_ms(*u.choose(&[0, 0, 100, 500, 5_000])?)
                .with_min_bytes(*u.choose(&[1, 0, 1, 100_000])?)
                .with_max_bytes(*u.choose(&[52_428_800, 1, 1_000])?)
                .with_isolation_level(u.int_in_range(0..=1)?)
                .with_topics(vec![fetch_request::FetchTopic::default()
                    .with_topic(TopicName(text(&pick(u, TOPICS)?)))
                    .with_partitions(partitions)]);
            if version >= 7 {
                r = r.with_session_id(0).with_session_epoch(-1);
            }
            RequestKind::Fetch(r)
        }
        ApiKey::ListOffsets => {
            let mut r = ListOffsetsRequest::default()
                .with_replica_id(BrokerId(-1))
                .with_topics(vec![list_offsets_request::ListOffsetsTopic::default()
                    .with_name(TopicName(text(&pick(u, TOPICS)?)))
                    .with_partitions(vec![
                        list_offsets_request::ListOffsetsPartition::default()
                            .with_partition_index(small(u, 2)?)
                            .with_timestamp(*u.choose(&[-1, -2, -3, 0, 1_000, i64::MAX])?),
                    ])]);
            if version >= 2 {
                r = r.with_isolation_level(u.int_in_range(0..=1)?);
            }
            RequestKind::ListOffsets(r)
        }
        ApiKey::DeleteRecords => RequestKind::DeleteRecords(
            DeleteRecordsRequest::default()
                .with_topics(vec![delete_records_request::DeleteRecordsTopic::default()
                    .with_name(TopicName(text(&pick(u, TOPICS)?)))
                    .with_partitions(vec![
                        delete_records_request::DeleteRecordsPartition::default()
                            .with_partition_index(small(u, 2)?)
                            .with_offset(offset(u)?),
                    ])])
                .with_timeout_ms(1_000),
        ),
        ApiKey::FindCoordinator => {
            let key_type: i8 = u.int_in_range(0..=1)?;
            let key = if key_type == 0 {
                pick(u, GROUPS)?
            } else {
                pick(u, TXNS)?
            };
            let mut r = FindCoordinatorRequest::default();
            if version >= 4 {
                r = r
                    .with_key_type(key_type)
                    .with_coordinator_keys(vec![text(&key)]);
            } else {
                r = r.with_key(text(&key));
                if version >= 1 {
                    r = r.with_key_type(key_type);
                }
            }
            RequestKind::FindCoordinator(r)
        }
        ApiKey::JoinGroup => {
            let group = match &member {
                Some(m) => m.group.clone(),
                None => pick(u, GROUPS)?,
            };
            let member_id = match &member {
                Some(m) if u.ratio(3u8, 4)? => m.member_id.clone(),
                _ => String::new(),
            };
            learn = Learn::Join {
                group: group.clone(),
            };
            let mut r = JoinGroupRequest::default()
                .with_group_id(GroupId(text(&group)))
                .with_session_timeout_ms(*u.choose(&[10_000, 6_000, 45_000, 1])?)
                .with_member_id(text(&member_id))
                .with_protocol_type(text(u.choose(&["consumer", "consumer", "connect"])?))
                .with_protocols(vec![join_group_request::JoinGroupRequestProtocol::default(
                )
                .with_name(text(u.choose(&["range", "roundrobin"])?))
                .with_metadata({
                    let n = u.int_in_range(0..=8)?;
                    Bytes::from(u.bytes(n)?.to_vec())
                })]);
            if version >= 1 {
                r = r.with_rebalance_timeout_ms(*u.choose(&[10_000, 30_000, 1_000])?);
            }
            if version >= 5 && u.ratio(1u8, 4)? {
                r = r.with_group_instance_id(Some(text(u.choose(&["i0", "i1"])?)));
            }
            RequestKind::JoinGroup(r)
        }
        ApiKey::SyncGroup => {
            let (group, member_id, generation) = group_member(u, &member)?;
            let mut assignments = Vec::new();
            if u.ratio(2u8, 3)? {
                for m in s.members.iter().filter(|m| m.group == group) {
                    assignments.push(
                        sync_group_request::SyncGroupRequestAssignment::default()
                            .with_member_id(text(&m.member_id))
                            .with_assignment(Bytes::from_static(b"\x00\x00")),
                    );
                }
            }
            let mut r = SyncGroupRequest::default()
                .with_group_id(GroupId(text(&group)))
                .with_generation_id(generation)
                .with_member_id(text(&member_id))
                .with_assignments(assignments);
            if version >= 5 {
                r = r
                    .with_protocol_type(Some(text("consumer")))
                    .with_protocol_name(Some(text("range")));
            }
            RequestKind::SyncGroup(r)
        }
        ApiKey::Heartbeat => {
            let (group, member_id, generation) = group_member(u, &member)?;
            RequestKind::Heartbeat(
                HeartbeatRequest::default()
                    .with_group_id(GroupId(text(&group)))
                    .with_generation_id(generation)
                    .with_member_id(text(&member_id)),
            )
        }
        ApiKey::LeaveGroup => {
            let (group, member_id, _) = group_member(u, &member)?;
            let mut r = LeaveGroupRequest::default().with_group_id(GroupId(text(&group)));
            if version >= 3 {
                r = r
                    .with_members(vec![leave_group_request::MemberIdentity::default()
                        .with_member_id(text(&member_id))]);
            } else {
                r = r.with_member_id(text(&member_id));
            }
            RequestKind::LeaveGroup(r)
        }
        ApiKey::OffsetCommit => {
            let (group, member_id, generation) = group_member(u, &member)?;
            let generation = if u.ratio(1u8, 3)? { -1 } else { generation };
            let member_id = if generation == -1 {
                String::new()
            } else {
                member_id
            };
            RequestKind::OffsetCommit(
                OffsetCommitRequest::default()
                    .with_group_id(GroupId(text(&group)))
                    .with_generation_id_or_member_epoch(generation)
                    .with_member_id(text(&member_id))
                    .with_topics(vec![
                        offset_commit_request::OffsetCommitRequestTopic::default()
                            .with_name(TopicName(text(&pick(u, TOPICS)?)))
                            .with_partitions(vec![
                                offset_commit_request::OffsetCommitRequestPartition::default()
                                    .with_partition_index(small(u, 2)?)
                                    .with_committed_offset(offset(u)?)
                                    .with_committed_metadata(Some(text("m"))),
                            ]),
                    ]),
            )
        }
        ApiKey::OffsetFetch => {
            let topics = if u.ratio(1u8, 3)? && version >= 2 {
                None
            } else {
                Some(vec![
                    offset_fetch_request::OffsetFetchRequestTopic::default()
                        .with_name(TopicName(text(&pick(u, TOPICS)?)))
                        .with_partition_indexes(vec![0, 1]),
                ])
            };
            let mut r = OffsetFetchRequest::default()
                .with_group_id(GroupId(text(&pick(u, GROUPS)?)))
                .with_topics(topics);
            if version >= 7 {
                r = r.with_require_stable(u.arbitrary()?);
            }
            RequestKind::OffsetFetch(r)
        }
        ApiKey::DescribeGroups => RequestKind::DescribeGroups(
            DescribeGroupsRequest::default().with_groups(vec![GroupId(text(&pick(u, GROUPS)?))]),
        ),
        ApiKey::ListGroups => {
            let mut r = ListGroupsRequest::default();
            if version >= 4 && u.arbitrary()? {
                r = r.with_states_filter(vec![text(u.choose(&["Stable", "Empty"])?)]);
            }
            RequestKind::ListGroups(r)
        }
        ApiKey::DeleteGroups => RequestKind::DeleteGroups(
            DeleteGroupsRequest::default()
                .with_groups_names(vec![GroupId(text(&pick(u, GROUPS)?))]),
        ),
        ApiKey::OffsetDelete => RequestKind::OffsetDelete(
            OffsetDeleteRequest::default()
                .with_group_id(GroupId(text(&pick(u, GROUPS)?)))
                .with_topics(vec![
                    offset_delete_request::OffsetDeleteRequestTopic::default()
                        .with_name(TopicName(text(&pick(u, TOPICS)?)))
                        .with_partitions(vec![
                            offset_delete_request::OffsetDeleteRequestPartition::default()
                                .with_partition_index(small(u, 2)?),
                        ]),
                ]),
        ),
        ApiKey::InitProducerId => {
            let txn = if u.arbitrary()? {
                Some(pick(u, TXNS)?)
            } else {
                None
            };
            learn = Learn::Producer { txn: txn.clone() };
            let mut r = InitProducerIdRequest::default()
                .with_transactional_id(txn.map(|t| TransactionalId(text(&t))))
                .with_transaction_timeout_ms(*u.choose(&[60_000, 1_000, 0, 900_001])?);
            if version >= 3 {
                if let Some(p) = producer
                    .as_ref()
                    .filter(|_| u.ratio(1u8, 3).unwrap_or(false))
                {
                    r = r
                        .with_producer_id(ProducerId(p.id))
                        .with_producer_epoch(p.epoch);
                }
            }
            RequestKind::InitProducerId(r)
        }
        ApiKey::AddPartitionsToTxn => {
            let (txn, pid, epoch) = txn_producer(u, &producer)?;
            RequestKind::AddPartitionsToTxn(
                AddPartitionsToTxnRequest::default()
                    .with_v3_and_below_transactional_id(TransactionalId(text(&txn)))
                    .with_v3_and_below_producer_id(ProducerId(pid))
                    .with_v3_and_below_producer_epoch(epoch)
                    .with_v3_and_below_topics(vec![
                        add_partitions_to_txn_request::AddPartitionsToTxnTopic::default()
                            .with_name(TopicName(text(&pick(u, TOPICS)?)))
                            .with_partitions(vec![small(u, 2)?]),
                    ]),
            )
        }
        ApiKey::AddOffsetsToTxn => {
            let (txn, pid, epoch) = txn_producer(u, &producer)?;
            RequestKind::AddOffsetsToTxn(
                AddOffsetsToTxnRequest::default()
                    .with_transactional_id(TransactionalId(text(&txn)))
                    .with_producer_id(ProducerId(pid))
                    .with_producer_epoch(epoch)
                    .with_group_id(GroupId(text(&pick(u, GROUPS)?))),
            )
        }
        ApiKey::TxnOffsetCommit => {
            let (txn, pid, epoch) = txn_producer(u, &producer)?;
            let mut r = TxnOffsetCommitRequest::default()
                .with_transactional_id(TransactionalId(text(&txn)))
                .with_group_id(GroupId(text(&pick(u, GROUPS)?)))
                .with_producer_id(ProducerId(pid))
                .with_producer_epoch(epoch)
                .with_topics(vec![
                    txn_offset_commit_request::TxnOffsetCommitRequestTopic::default()
                        .with_name(TopicName(text(&pick(u, TOPICS)?)))
                        .with_partitions(vec![
                            txn_offset_commit_request::TxnOffsetCommitRequestPartition::default()
                                .with_partition_index(small(u, 2)?)
                                .with_committed_offset(offset(u)?),
                        ]),
                ]);
            if version >= 3 {
                if let Some(m) = &member {
                    r = r
                        .with_generation_id(m.generation)
                        .with_member_id(text(&m.member_id));
                }
            }
            RequestKind::TxnOffsetCommit(r)
        }
        ApiKey::EndTxn => {
            let (txn, pid, epoch) = txn_producer(u, &producer)?;
            RequestKind::EndTxn(
                EndTxnRequest::default()
                    .with_transactional_id(TransactionalId(text(&txn)))
                    .with_producer_id(ProducerId(pid))
                    .with_producer_epoch(epoch)
                    .with_committed(u.arbitrary()?),
            )
        }
        ApiKey::DescribeConfigs => {
            let (kind, name) = resource(u)?;
            let keys = if u.arbitrary()? {
                None
            } else {
                Some(vec![text(&config_entry(u)?.0)])
            };
            RequestKind::DescribeConfigs(DescribeConfigsRequest::default().with_resources(vec![
                describe_configs_request::DescribeConfigsResource::default()
                    .with_resource_type(kind)
                    .with_resource_name(text(&name))
                    .with_configuration_keys(keys),
            ]))
        }
        ApiKey::AlterConfigs => {
            let (kind, name) = resource(u)?;
            let (k, v) = config_entry(u)?;
            RequestKind::AlterConfigs(
                AlterConfigsRequest::default()
                    .with_resources(vec![alter_configs_request::AlterConfigsResource::default()
                        .with_resource_type(kind)
                        .with_resource_name(text(&name))
                        .with_configs(vec![alter_configs_request::AlterableConfig::default()
                            .with_name(text(&k))
                            .with_value(Some(text(&v)))])])
                    .with_validate_only(u.ratio(1u8, 4)?),
            )
        }
        ApiKey::IncrementalAlterConfigs => {
            let (kind, name) = resource(u)?;
            let (k, v) = config_entry(u)?;
            RequestKind::IncrementalAlterConfigs(
                IncrementalAlterConfigsRequest::default()
                    .with_resources(vec![
                        incremental_alter_configs_request::AlterConfigsResource::default()
                            .with_resource_type(kind)
                            .with_resource_name(text(&name))
                            .with_configs(vec![
                                incremental_alter_configs_request::AlterableConfig::default()
                                    .with_name(text(&k))
                                    .with_config_operation(u.int_in_range(0..=4)?)
                                    .with_value(Some(text(&v))),
                            ]),
                    ])
                    .with_validate_only(u.ratio(1u8, 4)?),
            )
        }
        ApiKey::DescribeCluster => RequestKind::DescribeCluster(
            DescribeClusterRequest::default()
                .with_include_cluster_authorized_operations(u.arbitrary()?),
        ),
        _ => return Ok(()),
    };
    let correlation_id = s.next_correlation;
    s.next_correlation += 1;
    let header = RequestHeader::default()
        .with_request_api_key(api as i16)
        .with_request_api_version(version)
        .with_correlation_id(correlation_id)
        .with_client_id(Some(text("seq-client")));
    let mut frame = BytesMut::new();
    if header
        .encode(&mut frame, api.request_header_version(version))
        .is_err()
        || request.encode(&mut frame, version).is_err()
    {
        // A field this version cannot carry: not a request a client could send.
        return Ok(());
    }
    s.reached.requests += 1;
    let result = s.wire.handle_frame(connection, frame.freeze(), s.now);
    if let Err(error) = result {
        panic!("a valid {api:?} v{version} request closed the connection: {error}");
    }
    s.expected
        .get_mut(&connection)
        .expect("every connection has a queue")
        .push_back(Expected {
            api,
            version,
            correlation_id,
            acks0,
            learn,
        });
    Ok(())
}

fn group_member(u: &mut Unstructured, member: &Option<Member>) -> Result<(String, String, i32)> {
    Ok(match member {
        Some(m) => (
            m.group.clone(),
            m.member_id.clone(),
            if u.ratio(1u8, 6)? {
                m.generation + 1
            } else {
                m.generation
            },
        ),
        None => (pick(u, GROUPS)?, String::new(), -1),
    })
}

fn txn_producer(u: &mut Unstructured, producer: &Option<Producer>) -> Result<(String, i64, i16)> {
    Ok(match producer {
        Some(Producer {
            id,
            epoch,
            txn: Some(txn),
        }) => (
            txn.clone(),
            *id,
            if u.ratio(1u8, 8)? { epoch - 1 } else { *epoch },
        ),
        Some(p) => (pick(u, TXNS)?, p.id, p.epoch),
        None => (pick(u, TXNS)?, small(u, 5)? as i64, 0),
    })
}

fn resource(u: &mut Unstructured) -> Result<(i8, String)> {
    Ok(match u.int_in_range(0u8..=5)? {
        0 => (4, "0".to_string()),
        1 => (4, String::new()),
        2 => (*u.choose(&[0i8, 3, 8])?, "x".to_string()),
        _ => (2, pick(u, TOPICS)?),
    })
}

fn config_entry(u: &mut Unstructured) -> Result<(String, String)> {
    let (k, values): (&str, &[&str]) = *u.choose(&[
        (
            "retention.ms",
            &["60000", "-1", "0", "x", "9223372036854775807"][..],
        ),
        ("retention.bytes", &["1024", "-1", "0"][..]),
        ("segment.bytes", &["1048576", "14", "0"][..]),
        (
            "cleanup.policy",
            &["delete", "compact", "compact,delete", "nope"][..],
        ),
        ("max.message.bytes", &["1000012", "10", "-5"][..]),
        ("unknown.key", &["1"][..]),
    ])?;
    Ok((k.to_string(), u.choose(values)?.to_string()))
}

#[allow(clippy::too_many_arguments)]
fn record_set(
    u: &mut Unstructured,
    now: i64,
    pid: i64,
    epoch: i16,
    transactional: bool,
    base_sequence: i32,
    count: i32,
) -> Result<Bytes> {
    let mut records = Vec::new();
    for i in 0..count {
        let key = if u.arbitrary()? {
            Some(Bytes::from(format!("k{}", u.int_in_range(0u8..=3)?)))
        } else {
            None
        };
        let value = if u.ratio(1u8, 10)? {
            None
        } else {
            let n = u.int_in_range(0..=32)?;
            Some(Bytes::from(u.bytes(n)?.to_vec()))
        };
        records.push(WireRecord {
            transactional,
            control: false,
            delete_horizon: false,
            partition_leader_epoch: -1,
            producer_id: pid,
            producer_epoch: epoch,
            timestamp_type: TimestampType::Creation,
            offset: i64::from(i),
            sequence: if base_sequence < 0 {
                -1
            } else {
                base_sequence.wrapping_add(i)
            },
            timestamp: now + i64::from(u.int_in_range(0u16..=1_000)?),
            key,
            value,
            headers: Default::default(),
        });
    }
    let compression = *u.choose(&[Compression::None, Compression::None, Compression::Gzip])?;
    let mut out = BytesMut::new();
    RecordBatchEncoder::encode(
        &mut out,
        &records,
        &RecordEncodeOptions {
            version: 2,
            compression,
        },
    )
    .expect("records encode");
    Ok(out.freeze())
}

impl State {
    /// Take every answer out and check it against what its connection expects next.
    fn drain(&mut self) {
        while let Some(t) = self.wire.poll_transmit() {
            let Some(queue) = self.expected.get_mut(&t.connection) else {
                panic!("an answer for unknown connection {}", t.connection);
            };
            let Some(e) = queue.pop_front() else {
                panic!("connection {}: an answer with no request", t.connection);
            };
            self.reached.answered += 1;
            let Some(frame) = t.response else {
                assert!(
                    e.acks0,
                    "connection {}: {:?} v{} (correlation {}) finished without an answer",
                    t.connection, e.api, e.version, e.correlation_id
                );
                continue;
            };
            assert!(!e.acks0, "a Produce with acks=0 was answered");
            // Stored batches are read from their files, as the net layer sends them.
            let mut bytes = frame.to_bytes().expect("stored batches readable");
            assert!(bytes.len() >= 4, "an answer shorter than its length prefix");
            let len = bytes.get_i32();
            assert_eq!(
                len as usize,
                bytes.len(),
                "length prefix of a {:?} answer",
                e.api
            );
            let header =
                ResponseHeader::decode(&mut bytes, e.api.response_header_version(e.version))
                    .unwrap_or_else(|err| {
                        panic!("{:?} v{}: response header: {err}", e.api, e.version)
                    });
            assert_eq!(
                header.correlation_id, e.correlation_id,
                "connection {}: answers out of order ({:?} v{})",
                t.connection, e.api, e.version
            );
            let response =
                ResponseKind::decode(e.api, &mut bytes, e.version).unwrap_or_else(|err| {
                    panic!(
                        "{:?} v{}: the answer does not decode: {err}",
                        e.api, e.version
                    )
                });
            assert_eq!(
                bytes.remaining(),
                0,
                "{:?} v{}: bytes left after the answer",
                e.api,
                e.version
            );
            if let Some(code) = first_error_code(&response) {
                if code == 0 {
                    *self.reached.ok.entry(e.api as i16).or_default() += 1;
                }
            }
            self.learn(&e.learn, &response);
        }
    }

    fn learn(&mut self, learn: &Learn, response: &ResponseKind) {
        match (learn, response) {
            // MEMBER_ID_REQUIRED (79) hands out the id to join with.
            (Learn::Join { group }, ResponseKind::JoinGroup(r))
                if (r.error_code == 0 || r.error_code == 79) && !r.member_id.is_empty() =>
            {
                let member = Member {
                    group: group.clone(),
                    member_id: r.member_id.to_string(),
                    generation: r.generation_id,
                };
                self.members
                    .retain(|m| !(m.group == member.group && m.member_id == member.member_id));
                self.members.push(member);
                if self.members.len() > 6 {
                    self.members.remove(0);
                }
            }
            (Learn::Producer { txn }, ResponseKind::InitProducerId(r)) if r.error_code == 0 => {
                self.producers.retain(|p| p.txn.is_none() || p.txn != *txn);
                self.producers.push(Producer {
                    id: r.producer_id.0,
                    epoch: r.producer_epoch,
                    txn: txn.clone(),
                });
                if self.producers.len() > 4 {
                    self.producers.remove(0);
                }
            }
            (
                Learn::Produced {
                    pid,
                    topic,
                    partition,
                    count,
                },
                ResponseKind::Produce(r),
            ) => {
                let ok = r
                    .responses
                    .first()
                    .and_then(|t| t.partition_responses.first())
                    .is_some_and(|p| p.error_code == 0);
                if ok {
                    *self
                        .sequences
                        .entry((*pid, topic.clone(), *partition))
                        .or_default() += count;
                }
            }
            _ => {}
        }
    }

    /// Log start <= last stable <= high watermark <= log end on every partition, and high
    /// watermarks that only grow while their topic exists.
    fn check_partitions(&mut self) {
        let broker = self.wire.broker();
        let names = broker.topic_names();
        self.high_watermarks
            .retain(|(topic, _), _| names.iter().any(|n| n == topic));
        for name in names {
            let Some(topic) = broker.topic(&name) else {
                continue;
            };
            for p in 0..topic.partition_count() {
                let log = topic.partition(p).expect("a partition below the count");
                let (start, lso, hw, end) = (
                    log.log_start_offset(),
                    log.last_stable_offset(),
                    log.high_watermark(),
                    log.log_end_offset(),
                );
                assert!(
                    start <= lso && lso <= hw && hw <= end,
                    "{name}-{p}: log start {start}, last stable {lso}, high watermark {hw}, log end {end}"
                );
                let seen = self.high_watermarks.entry((name.clone(), p)).or_insert(hw);
                assert!(
                    hw >= *seen,
                    "{name}-{p}: the high watermark went down from {seen} to {hw}"
                );
                *seen = hw;
                self.reached.max_high_watermark = self.reached.max_high_watermark.max(hw);
            }
        }
    }
}

/// The answer's error code: top level, or its first topic/partition/resource result.
fn first_error_code(r: &ResponseKind) -> Option<i16> {
    Some(match r {
        ResponseKind::ApiVersions(r) => r.error_code,
        ResponseKind::Metadata(r) => r.topics.first().map_or(0, |t| t.error_code),
        ResponseKind::Produce(r) => r.responses.first()?.partition_responses.first()?.error_code,
        ResponseKind::Fetch(r) => {
            if r.error_code != 0 {
                r.error_code
            } else {
                r.responses.first()?.partitions.first()?.error_code
            }
        }
        ResponseKind::ListOffsets(r) => r.topics.first()?.partitions.first()?.error_code,
        ResponseKind::FindCoordinator(r) => match r.coordinators.first() {
            Some(c) => c.error_code,
            None => r.error_code,
        },
        ResponseKind::JoinGroup(r) => r.error_code,
        ResponseKind::SyncGroup(r) => r.error_code,
        ResponseKind::Heartbeat(r) => r.error_code,
        ResponseKind::LeaveGroup(r) => r.error_code,
        ResponseKind::OffsetCommit(r) => r.topics.first()?.partitions.first()?.error_code,
        ResponseKind::OffsetFetch(r) => r.error_code,
        ResponseKind::DescribeGroups(r) => r.groups.first()?.error_code,
        ResponseKind::ListGroups(r) => r.error_code,
        ResponseKind::CreateTopics(r) => r.topics.first()?.error_code,
        ResponseKind::DeleteTopics(r) => r.responses.first()?.error_code,
        ResponseKind::DeleteRecords(r) => r.topics.first()?.partitions.first()?.error_code,
        ResponseKind::InitProducerId(r) => r.error_code,
        ResponseKind::AddPartitionsToTxn(r) => {
            r.results_by_topic_v3_and_below
                .first()?
                .results_by_partition
                .first()?
                .partition_error_code
        }
        ResponseKind::AddOffsetsToTxn(r) => r.error_code,
        ResponseKind::EndTxn(r) => r.error_code,
        ResponseKind::TxnOffsetCommit(r) => r.topics.first()?.partitions.first()?.error_code,
        ResponseKind::DescribeConfigs(r) => r.results.first()?.error_code,
        ResponseKind::CreatePartitions(r) => r.results.first()?.error_code,
        ResponseKind::AlterConfigs(r) => r.responses.first()?.error_code,
        ResponseKind::IncrementalAlterConfigs(r) => r.responses.first()?.error_code,
        ResponseKind::DeleteGroups(r) => r.results.first()?.error_code,
        ResponseKind::OffsetDelete(r) => {
            if r.error_code != 0 {
                r.error_code
            } else {
                r.topics.first()?.partitions.first()?.error_code
            }
        }
        ResponseKind::DescribeCluster(r) => r.error_code,
        _ => return None,
    })
}
