//! The client side of the Kafka protocol, sans-IO: the core's client
//! [`Request`]s as request frames, and response frames back as core [`Response`]s.
//!
//! [`Producer`](crate::client::producer::Producer) and
//! [`Consumer`](crate::client::consumer::Consumer) speak in
//! [`client::protocol`](crate::client::protocol) requests and responses. This file turns
//! those into real Kafka requests (with the `kafka-protocol` crate, from the client side
//! this time) and turns the answers back, decoding record batches (decompressed if needed)
//! into records as a client does. It holds no socket: the TCP transport in
//! `net/client.rs` writes the frames and reads the answers, and the tests below feed the
//! frames straight to a [`WireBroker`](super::WireBroker).

use std::collections::BTreeMap;
use std::io;

use bytes::{Buf, BufMut, Bytes, BytesMut};
use kafka_protocol::messages::*;
use kafka_protocol::protocol::{
    Decodable, Encodable, HeaderVersion, Request as WireRequest, StrBytes,
};
use kafka_protocol::records::RecordBatchDecoder;

use crate::broker::{
    BrokerMetadata, FetchPartition, MetadataResponse, OffsetSpec, ProduceResult, TopicMetadata,
};
use crate::client::protocol::{Acks, Request, Response, TopicPartition};
use crate::error::KafkaError;
use crate::group::modern::{Assignment, HeartbeatResponse};
use crate::group::{self, JoinGroupResponseMember, MemberIdentity};
use crate::offsets::OffsetAndMetadata;
use crate::record::{Record, RecordBatch};

/// Versions this client speaks: old enough for any Kafka since 2.x, all non-flexible.
pub(crate) mod v {
    pub const API_VERSIONS: i16 = 2;
    pub const METADATA: i16 = 4;
    pub const PRODUCE: i16 = 7;
    pub const FETCH: i16 = 11;
    pub const LIST_OFFSETS: i16 = 2;
    pub const JOIN_GROUP: i16 = 5;
    pub const SYNC_GROUP: i16 = 3;
    pub const HEARTBEAT: i16 = 3;
    pub const LEAVE_GROUP: i16 = 3;
    pub const OFFSET_COMMIT: i16 = 7;
    pub const OFFSET_FETCH: i16 = 5;
    /// With `group.protocol=consumer` (KIP-848, Kafka 4.0) only: v1 has the client choose
    /// its member id (KIP-1082); v0 is sent while it has none, and the coordinator issues one.
    pub const CONSUMER_GROUP_HEARTBEAT: i16 = 1;
    /// OffsetCommit for a member of a consumer-protocol group: Kafka 4 refuses an older
    /// version from one (UNSUPPORTED_VERSION), as the field then holds a member epoch.
    pub const OFFSET_COMMIT_KIP848: i16 = 9;
}

/// Topic names and their ids. The consumer protocol names topics by id only (in the
/// partitions a member owns and in its assignment); the core's requests and answers name
/// them. The application looks the ids up (Metadata v10+) and hands them to the codec.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TopicIds {
    by_name: BTreeMap<String, uuid::Uuid>,
}

impl TopicIds {
    /// Remember `name`'s id (a re-created topic gets a new one: the last one counts).
    pub fn insert(&mut self, name: &str, id: uuid::Uuid) {
        self.by_name.insert(name.to_string(), id);
    }

    /// The id of `name`, if known.
    pub fn id(&self, name: &str) -> Option<uuid::Uuid> {
        self.by_name.get(name).copied()
    }

    /// The name of the topic with `id`, if known.
    pub fn name(&self, id: uuid::Uuid) -> Option<&str> {
        self.by_name
            .iter()
            .find(|(_, i)| **i == id)
            .map(|(n, _)| n.as_str())
    }
}

/// What the codec needs to know beyond one request, set by the application once: whether
/// it is in a consumer-protocol group, and the topics' ids for that protocol.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WireContext {
    /// `group.protocol=consumer`: commits go at [`v::OFFSET_COMMIT_KIP848`].
    pub consumer_protocol: bool,
    /// Names and ids of the topics the consumer protocol may mention.
    pub topic_ids: TopicIds,
}

/// How long a Fetch may wait at the broker for records (`fetch.max.wait.ms`).
const FETCH_MAX_WAIT_MS: i32 = 500;

fn s(text: &str) -> StrBytes {
    StrBytes::from_string(text.to_string())
}

fn err(code: i16) -> Option<KafkaError> {
    if code == 0 {
        None
    } else {
        Some(KafkaError::from_code(code).unwrap_or(KafkaError::UnknownServerError))
    }
}

fn result(code: i16) -> Result<(), KafkaError> {
    err(code).map_or(Ok(()), Err)
}

/// A request sent and not answered yet: what its answer is matched and decoded by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AwaitedAnswer {
    /// The id the client state machine gave the request.
    pub id: u64,
    /// The correlation id the answer must carry.
    pub correlation: i32,
    /// The API, which says how to decode the answer.
    pub api_key: ApiKey,
    /// The version the request was sent at, and its answer comes back at.
    pub version: i16,
}

/// A whole request frame (length prefix included) from a header and a body.
fn frame(
    api_key: i16,
    version: i16,
    header_version: i16,
    correlation: i32,
    client_id: &str,
    body: impl FnOnce(&mut BytesMut) -> io::Result<()>,
) -> io::Result<Bytes> {
    let header = RequestHeader::default()
        .with_request_api_key(api_key)
        .with_request_api_version(version)
        .with_correlation_id(correlation)
        .with_client_id(Some(s(client_id)));
    let mut buf = BytesMut::new();
    buf.put_i32(0);
    header
        .encode(&mut buf, header_version)
        .map_err(io::Error::other)?;
    body(&mut buf)?;
    let len = (buf.len() - 4) as i32;
    buf[..4].copy_from_slice(&len.to_be_bytes());
    Ok(buf.freeze())
}

/// One core request, tagged with the state machine's `id`, as a request frame with
/// `correlation`. Also what its answer is decoded by, `None` for a request that gets no
/// answer (Produce with acks=0).
pub fn encode_request_frame(
    client_id: &str,
    correlation: i32,
    id: u64,
    request: Request,
    cx: &WireContext,
) -> io::Result<(Bytes, Option<AwaitedAnswer>)> {
    let (api_key, version, body, answered) = encode_request(request, cx)?;
    let bytes = frame(
        api_key as i16,
        version,
        api_key.request_header_version(version),
        correlation,
        client_id,
        |buf| body.encode(buf, version).map_err(io::Error::other),
    )?;
    let awaited = answered.then_some(AwaitedAnswer {
        id,
        correlation,
        api_key,
        version,
    });
    Ok((bytes, awaited))
}

/// The answer frame (after its length prefix) to the request `awaited` describes, as a
/// core response. An answer with another correlation id is an error: Kafka answers in
/// request order.
pub fn decode_response_frame(
    awaited: &AwaitedAnswer,
    mut frame: Bytes,
    cx: &WireContext,
) -> io::Result<Response> {
    let header = ResponseHeader::decode(
        &mut frame,
        awaited.api_key.response_header_version(awaited.version),
    )
    .map_err(io::Error::other)?;
    if header.correlation_id != awaited.correlation {
        return Err(io::Error::other(format!(
            "answer for correlation id {} while waiting for {}",
            header.correlation_id, awaited.correlation
        )));
    }
    let body = ResponseKind::decode(awaited.api_key, &mut frame, awaited.version)
        .map_err(io::Error::other)?;
    decode_response(body, cx)
}

/// A raw wire request (admin commands, the ApiVersions handshake) as a request frame.
pub fn encode_raw_frame<R: WireRequest>(
    client_id: &str,
    correlation: i32,
    request: &R,
    version: i16,
) -> io::Result<Bytes> {
    frame(
        R::KEY,
        version,
        R::header_version(version),
        correlation,
        client_id,
        |buf| request.encode(buf, version).map_err(io::Error::other),
    )
}

/// The answer frame (after its length prefix) to a raw request sent with `correlation`.
pub fn decode_raw_frame<R: WireRequest>(
    mut frame: Bytes,
    correlation: i32,
    version: i16,
) -> io::Result<R::Response> {
    let header = ResponseHeader::decode(
        &mut frame,
        <R::Response as HeaderVersion>::header_version(version),
    )
    .map_err(io::Error::other)?;
    if header.correlation_id != correlation {
        return Err(io::Error::other("answer to another request"));
    }
    R::Response::decode(&mut frame, version).map_err(io::Error::other)
}

/// Whether the broker's ApiVersions answer serves every version this client speaks.
pub fn check_versions(versions: &ApiVersionsResponse) -> io::Result<()> {
    if versions.error_code != 0 {
        return Err(io::Error::other(format!(
            "the broker refused ApiVersions v{}: error {}",
            v::API_VERSIONS,
            versions.error_code
        )));
    }
    for (key, version) in [
        (ApiKey::Metadata, v::METADATA),
        (ApiKey::Produce, v::PRODUCE),
        (ApiKey::Fetch, v::FETCH),
        (ApiKey::ListOffsets, v::LIST_OFFSETS),
        (ApiKey::JoinGroup, v::JOIN_GROUP),
        (ApiKey::SyncGroup, v::SYNC_GROUP),
        (ApiKey::Heartbeat, v::HEARTBEAT),
        (ApiKey::LeaveGroup, v::LEAVE_GROUP),
        (ApiKey::OffsetCommit, v::OFFSET_COMMIT),
        (ApiKey::OffsetFetch, v::OFFSET_FETCH),
    ] {
        let served = versions
            .api_keys
            .iter()
            .find(|k| k.api_key == key as i16)
            .is_some_and(|k| k.min_version <= version && version <= k.max_version);
        if !served {
            return Err(io::Error::other(format!(
                "the broker does not serve {key:?} v{version}, which this client needs"
            )));
        }
    }
    Ok(())
}

/// The wire's `isolation_level`: 0 read_uncommitted, 1 read_committed.
fn isolation_code(level: crate::log::IsolationLevel) -> i8 {
    match level {
        crate::log::IsolationLevel::ReadUncommitted => 0,
        crate::log::IsolationLevel::ReadCommitted => 1,
    }
}

/// A core request as a wire request: API, version, body, and whether it gets an answer.
/// The transaction APIs are not spoken over TCP by the core's clients yet.
fn encode_request(
    request: Request,
    cx: &WireContext,
) -> io::Result<(ApiKey, i16, RequestKind, bool)> {
    Ok(match request {
        Request::Metadata {
            topics,
            allow_auto_create,
        } => {
            let topics = (!topics.is_empty()).then(|| {
                topics
                    .iter()
                    .map(|t| {
                        metadata_request::MetadataRequestTopic::default()
                            .with_name(Some(TopicName(s(t))))
                    })
                    .collect()
            });
            (
                ApiKey::Metadata,
                v::METADATA,
                RequestKind::Metadata(
                    MetadataRequest::default()
                        .with_topics(topics)
                        .with_allow_auto_topic_creation(allow_auto_create),
                ),
                true,
            )
        }
        Request::Produce { acks, batches } => {
            let mut topics: Vec<produce_request::TopicProduceData> = Vec::new();
            for (tp, batch) in batches {
                let mut bytes = BytesMut::new();
                match &batch.records {
                    crate::record::BatchRecords::Encoded(b) => bytes.extend_from_slice(b),
                    crate::record::BatchRecords::Stored(stored) => {
                        bytes.extend_from_slice(&stored.load()?)
                    }
                    crate::record::BatchRecords::Decoded(records) => crate::wire::encode_records(
                        &mut bytes,
                        0,
                        records,
                        kafka_protocol::records::Compression::None,
                    ),
                }
                let data = produce_request::PartitionProduceData::default()
                    .with_index(tp.partition)
                    .with_records(Some(bytes.freeze()));
                match topics.iter_mut().find(|t| t.name.as_str() == tp.topic) {
                    Some(t) => t.partition_data.push(data),
                    None => topics.push(
                        produce_request::TopicProduceData::default()
                            .with_name(TopicName(s(&tp.topic)))
                            .with_partition_data(vec![data]),
                    ),
                }
            }
            let acks_code = match acks {
                Acks::None => 0,
                Acks::Leader => 1,
                Acks::All => -1,
            };
            (
                ApiKey::Produce,
                v::PRODUCE,
                RequestKind::Produce(
                    ProduceRequest::default()
                        .with_acks(acks_code)
                        .with_timeout_ms(30_000)
                        .with_topic_data(topics),
                ),
                acks != Acks::None,
            )
        }
        Request::Fetch {
            targets,
            max_partition_bytes,
            isolation_level,
        } => {
            let mut topics: Vec<fetch_request::FetchTopic> = Vec::new();
            for t in targets {
                let p = fetch_request::FetchPartition::default()
                    .with_partition(t.tp.partition)
                    .with_fetch_offset(t.offset)
                    .with_partition_max_bytes(max_partition_bytes.min(i32::MAX as u32) as i32);
                match topics.iter_mut().find(|x| x.topic.as_str() == t.tp.topic) {
                    Some(x) => x.partitions.push(p),
                    None => topics.push(
                        fetch_request::FetchTopic::default()
                            .with_topic(TopicName(s(&t.tp.topic)))
                            .with_partitions(vec![p]),
                    ),
                }
            }
            (
                ApiKey::Fetch,
                v::FETCH,
                RequestKind::Fetch(
                    FetchRequest::default()
                        .with_replica_id(BrokerId(-1))
                        .with_max_wait_ms(FETCH_MAX_WAIT_MS)
                        .with_min_bytes(1)
                        .with_max_bytes(52_428_800)
                        .with_session_epoch(-1)
                        .with_isolation_level(isolation_code(isolation_level))
                        .with_topics(topics),
                ),
                true,
            )
        }
        Request::ListOffsets {
            tp,
            spec,
            isolation_level,
        } => {
            let timestamp = match spec {
                OffsetSpec::Earliest => -2,
                OffsetSpec::Latest => -1,
                OffsetSpec::Timestamp(t) => t,
                OffsetSpec::MaxTimestamp => -3,
            };
            (
                ApiKey::ListOffsets,
                v::LIST_OFFSETS,
                RequestKind::ListOffsets(
                    ListOffsetsRequest::default()
                        .with_replica_id(BrokerId(-1))
                        .with_isolation_level(isolation_code(isolation_level))
                        .with_topics(vec![list_offsets_request::ListOffsetsTopic::default()
                            .with_name(TopicName(s(&tp.topic)))
                            .with_partitions(vec![
                                list_offsets_request::ListOffsetsPartition::default()
                                    .with_partition_index(tp.partition)
                                    .with_timestamp(timestamp),
                            ])]),
                ),
                true,
            )
        }
        Request::JoinGroup(r) => (
            ApiKey::JoinGroup,
            v::JOIN_GROUP,
            RequestKind::JoinGroup(
                JoinGroupRequest::default()
                    .with_group_id(GroupId(s(&r.group_id)))
                    .with_session_timeout_ms(r.session_timeout_ms)
                    .with_rebalance_timeout_ms(r.rebalance_timeout_ms)
                    .with_member_id(s(&r.member_id))
                    .with_group_instance_id(r.group_instance_id.as_deref().map(s))
                    .with_protocol_type(s(&r.protocol_type))
                    .with_protocols(
                        r.protocols
                            .iter()
                            .map(|p| {
                                join_group_request::JoinGroupRequestProtocol::default()
                                    .with_name(s(&p.name))
                                    .with_metadata(p.metadata.clone())
                            })
                            .collect(),
                    ),
            ),
            true,
        ),
        Request::SyncGroup(r) => (
            ApiKey::SyncGroup,
            v::SYNC_GROUP,
            RequestKind::SyncGroup(
                SyncGroupRequest::default()
                    .with_group_id(GroupId(s(&r.group_id)))
                    .with_generation_id(r.generation_id)
                    .with_member_id(s(&r.member_id))
                    .with_group_instance_id(r.group_instance_id.as_deref().map(s))
                    .with_assignments(
                        r.assignments
                            .iter()
                            .map(|(m, a)| {
                                sync_group_request::SyncGroupRequestAssignment::default()
                                    .with_member_id(s(m))
                                    .with_assignment(a.clone())
                            })
                            .collect(),
                    ),
            ),
            true,
        ),
        Request::Heartbeat(r) => (
            ApiKey::Heartbeat,
            v::HEARTBEAT,
            RequestKind::Heartbeat(
                HeartbeatRequest::default()
                    .with_group_id(GroupId(s(&r.group_id)))
                    .with_generation_id(r.generation_id)
                    .with_member_id(s(&r.member_id))
                    .with_group_instance_id(r.group_instance_id.as_deref().map(s)),
            ),
            true,
        ),
        // The consumer protocol: owned partitions by topic id.
        Request::ConsumerGroupHeartbeat(r) => {
            let owned = match &r.owned {
                None => None,
                Some(owned) => {
                    let mut topics = Vec::new();
                    for tp in owned.to_topic_partitions() {
                        let id = cx.topic_ids.id(&tp.topic).ok_or_else(|| {
                            io::Error::other(format!(
                                "no topic id known for {}: the consumer protocol names topics by id",
                                tp.topic
                            ))
                        })?;
                        topics.push(
                            consumer_group_heartbeat_request::TopicPartitions::default()
                                .with_topic_id(id)
                                .with_partitions(tp.partitions),
                        );
                    }
                    Some(topics)
                }
            };
            let version = if r.member_id.is_empty() {
                0
            } else {
                v::CONSUMER_GROUP_HEARTBEAT
            };
            (
                ApiKey::ConsumerGroupHeartbeat,
                version,
                RequestKind::ConsumerGroupHeartbeat(
                    ConsumerGroupHeartbeatRequest::default()
                        .with_group_id(GroupId(s(&r.group_id)))
                        .with_member_id(s(&r.member_id))
                        .with_member_epoch(r.member_epoch)
                        .with_instance_id(r.instance_id.as_deref().map(s))
                        .with_rack_id(r.rack_id.as_deref().map(s))
                        .with_rebalance_timeout_ms(r.rebalance_timeout_ms)
                        .with_subscribed_topic_names(
                            r.subscribed_topic_names
                                .as_ref()
                                .map(|names| names.iter().map(|n| TopicName(s(n))).collect()),
                        )
                        .with_subscribed_topic_regex(r.subscribed_topic_regex.as_deref().map(s))
                        .with_server_assignor(r.server_assignor.as_deref().map(s))
                        .with_topic_partitions(owned),
                ),
                true,
            )
        }
        Request::LeaveGroup(r) => (
            ApiKey::LeaveGroup,
            v::LEAVE_GROUP,
            RequestKind::LeaveGroup(
                LeaveGroupRequest::default()
                    .with_group_id(GroupId(s(&r.group_id)))
                    .with_members(
                        r.members
                            .iter()
                            .map(|m| {
                                leave_group_request::MemberIdentity::default()
                                    .with_member_id(s(&m.member_id))
                                    .with_group_instance_id(m.group_instance_id.as_deref().map(s))
                            })
                            .collect(),
                    ),
            ),
            true,
        ),
        Request::OffsetCommit(r) => {
            let mut topics: Vec<offset_commit_request::OffsetCommitRequestTopic> = Vec::new();
            for o in &r.offsets {
                let p = offset_commit_request::OffsetCommitRequestPartition::default()
                    .with_partition_index(o.partition)
                    .with_committed_offset(o.offset)
                    .with_committed_leader_epoch(o.leader_epoch.unwrap_or(-1))
                    .with_committed_metadata(Some(s(&o.metadata)));
                match topics.iter_mut().find(|t| t.name.as_str() == o.topic) {
                    Some(t) => t.partitions.push(p),
                    None => topics.push(
                        offset_commit_request::OffsetCommitRequestTopic::default()
                            .with_name(TopicName(s(&o.topic)))
                            .with_partitions(vec![p]),
                    ),
                }
            }
            (
                ApiKey::OffsetCommit,
                if cx.consumer_protocol {
                    v::OFFSET_COMMIT_KIP848
                } else {
                    v::OFFSET_COMMIT
                },
                RequestKind::OffsetCommit(
                    OffsetCommitRequest::default()
                        .with_group_id(GroupId(s(&r.group_id)))
                        .with_generation_id_or_member_epoch(r.generation_id)
                        .with_member_id(s(&r.member_id))
                        .with_group_instance_id(r.group_instance_id.as_deref().map(s))
                        .with_topics(topics),
                ),
                true,
            )
        }
        // `require_stable` needs OffsetFetch v7; this client speaks v5 and does not ask.
        Request::OffsetFetch {
            group_id,
            partitions,
            ..
        } => {
            let mut topics: Vec<offset_fetch_request::OffsetFetchRequestTopic> = Vec::new();
            for tp in &partitions {
                match topics.iter_mut().find(|t| t.name.as_str() == tp.topic) {
                    Some(t) => t.partition_indexes.push(tp.partition),
                    None => topics.push(
                        offset_fetch_request::OffsetFetchRequestTopic::default()
                            .with_name(TopicName(s(&tp.topic)))
                            .with_partition_indexes(vec![tp.partition]),
                    ),
                }
            }
            (
                ApiKey::OffsetFetch,
                v::OFFSET_FETCH,
                RequestKind::OffsetFetch(
                    OffsetFetchRequest::default()
                        .with_group_id(GroupId(s(&group_id)))
                        .with_topics(Some(topics)),
                ),
                true,
            )
        }
        Request::InitProducerId(_)
        | Request::AddPartitionsToTxn(_)
        | Request::AddOffsetsToTxn(_)
        | Request::TxnOffsetCommit(_)
        | Request::EndTxn(_) => {
            return Err(io::Error::other(
                "the core's network client does not speak the transaction APIs",
            ))
        }
    })
}

/// A wire response as a core response.
fn decode_response(body: ResponseKind, cx: &WireContext) -> io::Result<Response> {
    Ok(match body {
        ResponseKind::Metadata(r) => Response::Metadata(MetadataResponse {
            brokers: r
                .brokers
                .iter()
                .map(|b| BrokerMetadata {
                    node_id: b.node_id.0,
                    host: b.host.to_string(),
                    port: b.port,
                })
                .collect(),
            cluster_id: r.cluster_id.map(|c| c.to_string()).unwrap_or_default(),
            controller_id: r.controller_id.0,
            topics: r
                .topics
                .iter()
                .map(|t| TopicMetadata {
                    name: t.name.as_ref().map(|n| n.to_string()).unwrap_or_default(),
                    error: err(t.error_code),
                    topic_id: *t.topic_id.as_bytes(),
                    partitions: t.partitions.len() as i32,
                    is_internal: t.is_internal,
                })
                .collect(),
        }),
        ResponseKind::Produce(r) => Response::Produce(
            r.responses
                .iter()
                .flat_map(|t| {
                    t.partition_responses.iter().map(move |p| {
                        let tp = TopicPartition::new(t.name.to_string(), p.index);
                        let outcome = result(p.error_code).map(|()| ProduceResult {
                            base_offset: p.base_offset,
                            log_start_offset: p.log_start_offset,
                        });
                        (tp, outcome)
                    })
                })
                .collect(),
        ),
        ResponseKind::Fetch(r) => {
            let mut out = Vec::new();
            for t in &r.responses {
                for p in &t.partitions {
                    let tp = TopicPartition::new(t.topic.to_string(), p.partition_index);
                    let outcome = match result(p.error_code) {
                        Err(e) => Err(e),
                        Ok(()) => {
                            let batches = decode_batches(p.records.clone().unwrap_or_default())?;
                            let aborted = p.aborted_transactions.as_ref().map(|list| {
                                aborted_ranges(
                                    list.iter().map(|a| (a.producer_id.0, a.first_offset)),
                                    &batches,
                                )
                            });
                            Ok(FetchPartition {
                                batches,
                                high_watermark: p.high_watermark,
                                log_start_offset: p.log_start_offset,
                                last_stable_offset: p.last_stable_offset,
                                aborted_transactions: aborted,
                            })
                        }
                    };
                    out.push((tp, outcome));
                }
            }
            Response::Fetch(out)
        }
        ResponseKind::ListOffsets(r) => {
            let t = r
                .topics
                .first()
                .ok_or_else(|| io::Error::other("empty ListOffsets answer"))?;
            let p = t
                .partitions
                .first()
                .ok_or_else(|| io::Error::other("empty ListOffsets answer"))?;
            Response::ListOffsets(
                TopicPartition::new(t.name.to_string(), p.partition_index),
                result(p.error_code).map(|()| (p.offset, p.timestamp)),
            )
        }
        ResponseKind::JoinGroup(r) => Response::JoinGroup(group::JoinGroupResponse {
            error: err(r.error_code),
            generation_id: r.generation_id,
            protocol_type: r.protocol_type.map(|x| x.to_string()),
            protocol_name: r
                .protocol_name
                .map(|x| x.to_string())
                .filter(|x| !x.is_empty()),
            leader: r.leader.to_string(),
            skip_assignment: r.skip_assignment,
            member_id: r.member_id.to_string(),
            members: r
                .members
                .into_iter()
                .map(|m| JoinGroupResponseMember {
                    member_id: m.member_id.to_string(),
                    group_instance_id: m.group_instance_id.map(|x| x.to_string()),
                    metadata: m.metadata,
                })
                .collect(),
        }),
        ResponseKind::SyncGroup(r) => Response::SyncGroup(group::SyncGroupResponse {
            error: err(r.error_code),
            protocol_type: r.protocol_type.map(|x| x.to_string()),
            protocol_name: r.protocol_name.map(|x| x.to_string()),
            assignment: r.assignment,
        }),
        ResponseKind::Heartbeat(r) => Response::Heartbeat(result(r.error_code)),
        ResponseKind::ConsumerGroupHeartbeat(r) => {
            let assignment = match r.assignment {
                None => None,
                Some(a) => {
                    let mut out = Assignment::new();
                    for t in &a.topic_partitions {
                        // A topic this client never looked up (created, or re-created,
                        // after it started): it cannot name it, so it cannot read it.
                        let name = cx.topic_ids.name(t.topic_id).ok_or_else(|| {
                            io::Error::other(format!(
                                "the assignment names topic id {}, which this client did not look up",
                                t.topic_id
                            ))
                        })?;
                        for p in &t.partitions {
                            out.insert(name, *p);
                        }
                    }
                    Some(out)
                }
            };
            Response::ConsumerGroupHeartbeat(HeartbeatResponse {
                error: err(r.error_code),
                error_message: r.error_message.map(|m| m.to_string()),
                member_id: r.member_id.map(|m| m.to_string()).unwrap_or_default(),
                member_epoch: r.member_epoch,
                heartbeat_interval_ms: r.heartbeat_interval_ms,
                assignment,
            })
        }
        ResponseKind::LeaveGroup(r) => Response::LeaveGroup(group::LeaveGroupResponse {
            error: err(r.error_code),
            members: r
                .members
                .iter()
                .map(|m| {
                    (
                        MemberIdentity {
                            member_id: m.member_id.to_string(),
                            group_instance_id: m.group_instance_id.as_ref().map(|x| x.to_string()),
                        },
                        err(m.error_code),
                    )
                })
                .collect(),
        }),
        ResponseKind::OffsetCommit(r) => Response::OffsetCommit(
            r.topics
                .iter()
                .flat_map(|t| {
                    t.partitions.iter().map(move |p| {
                        (
                            TopicPartition::new(t.name.to_string(), p.partition_index),
                            result(p.error_code),
                        )
                    })
                })
                .collect(),
        ),
        ResponseKind::OffsetFetch(r) => Response::OffsetFetch(
            r.topics
                .iter()
                .flat_map(|t| {
                    t.partitions.iter().map(move |p| {
                        let committed = (p.error_code == 0 && p.committed_offset >= 0).then(|| {
                            OffsetAndMetadata {
                                offset: p.committed_offset,
                                leader_epoch: (p.committed_leader_epoch >= 0)
                                    .then_some(p.committed_leader_epoch),
                                metadata: p
                                    .metadata
                                    .as_ref()
                                    .map(|m| m.to_string())
                                    .unwrap_or_default(),
                                commit_timestamp: 0,
                            }
                        });
                        (
                            TopicPartition::new(t.name.to_string(), p.partition_index),
                            result(p.error_code).map(|()| committed),
                        )
                    })
                })
                .collect(),
        ),
        other => {
            return Err(io::Error::other(format!(
                "unexpected answer {:?}",
                std::mem::discriminant(&other)
            )))
        }
    })
}

/// The aborted transactions of a `read_committed` Fetch answer as the core's consumer
/// takes them. The wire says only (producer id, first offset); a transaction ends at its
/// producer's first ABORT marker after that, found among the fetched batches, or, if the
/// marker is not in this answer, beyond it (every batch of that producer from the first
/// offset on is dropped: Java's consumer walks the batches to the same effect).
fn aborted_ranges(
    wire: impl Iterator<Item = (i64, i64)>,
    batches: &[RecordBatch],
) -> Vec<crate::log::AbortedTransaction> {
    wire.map(|(producer_id, first_offset)| {
        let last_offset = batches
            .iter()
            .find(|b| {
                b.info.producer.producer_id == producer_id
                    && b.info.producer.control == Some(crate::record::ControlType::Abort)
                    && b.info.base_offset >= first_offset
            })
            .map_or(i64::MAX, |b| b.info.base_offset);
        crate::log::AbortedTransaction {
            producer_id,
            first_offset,
            last_offset,
        }
    })
    .collect()
}

/// Decode the record sets of a Fetch answer into batches of records, as a client does,
/// with each batch's producer facts (id, epoch, transactional and control bits): a
/// `read_committed` consumer drops aborted transactions' batches by them, and skips control
/// batches (markers) while moving its position past them.
pub fn decode_batches(mut bytes: Bytes) -> io::Result<Vec<RecordBatch>> {
    let mut out = Vec::new();
    while bytes.remaining() >= 61 {
        // A fetch may end with a partial batch (cut by max_bytes): stop there.
        let len = 12 + i32::from_be_bytes(bytes[8..12].try_into().unwrap_or_default()) as usize;
        if bytes.len() < len {
            break;
        }
        let mut one = bytes.split_to(len);
        // The decoder reserves room for `recordCount` records before reading them: refuse
        // a count no batch of this size could hold (a record takes at least 7 bytes).
        let count = i32::from_be_bytes(one[57..61].try_into().unwrap_or_default());
        if count < 0 || count as usize > len / 7 {
            return Err(io::Error::other(format!(
                "record batch of {len} bytes claims {count} records"
            )));
        }
        let set = RecordBatchDecoder::decode(&mut one).map_err(io::Error::other)?;
        let Some(first) = set.records.first().map(|r| r.offset) else {
            continue;
        };
        let head = &set.records[0];
        let producer = crate::record::ProducerInfo {
            producer_id: head.producer_id,
            producer_epoch: head.producer_epoch,
            transactional: head.transactional,
            control: head.control.then(|| {
                head.key
                    .as_deref()
                    .and_then(crate::record::ControlType::from_key)
                    .unwrap_or(crate::record::ControlType::Other(-1))
            }),
        };
        let records: Vec<Record> = set
            .records
            .into_iter()
            .map(crate::wire::record_from_wire)
            .collect();
        if let Some(mut batch) = RecordBatch::from_records(records) {
            batch.info.base_offset = first;
            out.push(batch.with_producer(producer));
        }
    }
    Ok(out)
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{ControlType, ProducerInfo};

    /// A transactional batch at 0..=1 and its ABORT marker at 2, as a Fetch answer carries
    /// them: the batches keep their producer facts, and the wire's (producer, first offset)
    /// becomes a range ending at the marker, or past the answer when the marker is not in it.
    #[test]
    fn fetched_transactions_keep_their_producer_facts_and_aborted_ranges() {
        let data =
            RecordBatch::from_records(vec![Record::from_value("a", 1), Record::from_value("b", 1)])
                .unwrap()
                .with_producer(ProducerInfo::transactional(7, 3));
        let marker =
            RecordBatch::control_marker(ControlType::Abort, 7, 3, 0, 2).with_base_offset(2);
        let mut bytes = bytes::BytesMut::new();
        crate::wire::encode_batch(&mut bytes, &data).unwrap();
        crate::wire::encode_batch(&mut bytes, &marker).unwrap();
        let batches = decode_batches(bytes.freeze()).unwrap();
        assert_eq!(batches.len(), 2);
        assert_eq!(batches[0].info.producer, ProducerInfo::transactional(7, 3));
        assert!(batches[1].is_control());
        assert_eq!(batches[1].info.base_offset, 2);
        let ranges = aborted_ranges([(7, 0)].into_iter(), &batches);
        assert_eq!((ranges[0].first_offset, ranges[0].last_offset), (0, 2));
        let open_ended = aborted_ranges([(7, 0)].into_iter(), &batches[..1]);
        assert_eq!(open_ended[0].last_offset, i64::MAX);
    }
}
