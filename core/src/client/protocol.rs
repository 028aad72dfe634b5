//! What clients send to the broker and what comes back, as plain data, and the in-process
//! "network" that hands one to the other.
//!
//! The native server speaks Kafka's wire protocol instead; the simulation and the browser
//! connect clients to the broker through [`dispatch`] and [`output_response`]. Either way
//! the broker sees the same calls.

use serde::{Deserialize, Serialize};

use crate::broker::{
    Broker, FetchPartition, MetadataResponse, OffsetCommitRequest, OffsetSpec, ProduceResult,
};
use crate::error::KafkaError;
use crate::group::{
    GroupOutput, HeartbeatRequest, JoinGroupRequest, JoinGroupResponse, LeaveGroupRequest,
    LeaveGroupResponse, RequestId, SyncGroupRequest, SyncGroupResponse,
};
use crate::log::IsolationLevel;
use crate::offsets::OffsetAndMetadata;
use crate::record::{Millis, Offset, RecordBatch};
use crate::txn::{
    AddOffsetsToTxnRequest, AddPartitionsToTxnRequest, EndTxnRequest, InitProducerIdRequest,
    TxnOffsetCommitRequest,
};

/// A topic-partition, the unit of assignment and of ordering.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct TopicPartition {
    /// Topic name.
    pub topic: String,
    /// Partition index.
    pub partition: i32,
}

impl TopicPartition {
    /// `topic`-`partition`.
    pub fn new(topic: impl Into<String>, partition: i32) -> TopicPartition {
        TopicPartition {
            topic: topic.into(),
            partition,
        }
    }
}

impl std::fmt::Display for TopicPartition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{}", self.topic, self.partition)
    }
}

/// `acks`: how much the producer waits for before a write counts as done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Acks {
    /// `acks=0`: fire and forget. The broker sends no answer at all; a lost request is a
    /// lost record and the producer never knows.
    None,
    /// `acks=1`: the partition leader wrote it.
    Leader,
    /// `acks=all`: every in-sync replica wrote it. With one broker this is the same as
    /// `acks=1`, but the producer still waits for the answer.
    All,
}

/// One partition to fetch from, at the consumer's fetch position.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FetchTarget {
    /// The topic-partition to read.
    pub tp: TopicPartition,
    /// From which offset.
    pub offset: Offset,
}

/// A request from a client.
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    /// Which topics exist and how many partitions they have.
    Metadata {
        /// Topics of interest (empty: all).
        topics: Vec<String>,
        /// Create missing topics (producers do, consumers do not by default).
        allow_auto_create: bool,
    },
    /// Write batches.
    Produce {
        /// Durability asked for.
        acks: Acks,
        /// One batch per partition.
        batches: Vec<(TopicPartition, RecordBatch)>,
    },
    /// Read from several partitions at once.
    Fetch {
        /// Partitions and offsets.
        targets: Vec<FetchTarget>,
        /// `max.partition.fetch.bytes`.
        max_partition_bytes: u32,
        /// The consumer's `isolation.level`: `read_committed` stops at the last stable
        /// offset and gets the aborted transactions with the batches.
        isolation_level: IsolationLevel,
    },
    /// Look up an offset (earliest, latest, by time).
    ListOffsets {
        /// The topic-partition to look in.
        tp: TopicPartition,
        /// Which offset: earliest, latest, the first at or after a time, or the newest record.
        spec: OffsetSpec,
        /// `latest` is the last stable offset for `read_committed`.
        isolation_level: IsolationLevel,
    },
    /// JoinGroup: join (or rejoin) a group and wait for the join phase to end.
    JoinGroup(JoinGroupRequest),
    /// SyncGroup: the leader sends the assignment; every member gets its own share.
    SyncGroup(SyncGroupRequest),
    /// Heartbeat: a member tells the coordinator it is alive, and learns of a rebalance.
    Heartbeat(HeartbeatRequest),
    /// LeaveGroup: leave at once, without waiting for the session timeout.
    LeaveGroup(LeaveGroupRequest),
    /// ConsumerGroupHeartbeat (KIP-848, `group.protocol=consumer`): the one request of the
    /// consumer protocol. It joins, heartbeats, acknowledges what the member owns, leaves.
    ConsumerGroupHeartbeat(crate::group::modern::HeartbeatRequest),
    /// OffsetCommit: store the group's committed offsets.
    OffsetCommit(OffsetCommitRequest),
    /// OffsetFetch: read the group's committed offsets.
    OffsetFetch {
        /// The consumer group's `group.id`.
        group_id: String,
        /// Partitions whose committed offsets are wanted.
        partitions: Vec<TopicPartition>,
        /// KIP-447: answer `UNSTABLE_OFFSET_COMMIT` for a partition whose offset an open
        /// transaction is about to replace (a `read_committed` consumer asks this way).
        require_stable: bool,
    },
    /// InitProducerId with a `transactional.id` (`initTransactions()`).
    InitProducerId(InitProducerIdRequest),
    /// AddPartitionsToTxn: before the first batch to a partition in a transaction.
    AddPartitionsToTxn(AddPartitionsToTxnRequest),
    /// AddOffsetsToTxn: the transaction will commit this group's offsets.
    AddOffsetsToTxn(AddOffsetsToTxnRequest),
    /// TxnOffsetCommit: the consumed offsets, staged in the transaction.
    TxnOffsetCommit(TxnOffsetCommitRequest),
    /// EndTxn: commit or abort.
    EndTxn(EndTxnRequest),
}

/// The broker's answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Response {
    /// To Metadata.
    Metadata(MetadataResponse),
    /// To Produce: per partition.
    Produce(Vec<(TopicPartition, Result<ProduceResult, KafkaError>)>),
    /// To Fetch: per partition.
    Fetch(Vec<(TopicPartition, Result<FetchPartition, KafkaError>)>),
    /// To ListOffsets: `(offset, timestamp)`.
    ListOffsets(TopicPartition, Result<(Offset, Millis), KafkaError>),
    /// To JoinGroup.
    JoinGroup(JoinGroupResponse),
    /// To SyncGroup.
    SyncGroup(SyncGroupResponse),
    /// To Heartbeat.
    Heartbeat(Result<(), KafkaError>),
    /// To LeaveGroup.
    LeaveGroup(LeaveGroupResponse),
    /// To ConsumerGroupHeartbeat.
    ConsumerGroupHeartbeat(crate::group::modern::HeartbeatResponse),
    /// To OffsetCommit: per partition.
    OffsetCommit(Vec<(TopicPartition, Result<(), KafkaError>)>),
    /// To OffsetFetch: per partition, `None` when nothing was committed; an error such as
    /// `UNSTABLE_OFFSET_COMMIT` (retry later) for that partition.
    OffsetFetch(
        Vec<(
            TopicPartition,
            Result<Option<OffsetAndMetadata>, KafkaError>,
        )>,
    ),
    /// To InitProducerId: the producer id and epoch.
    InitProducerId(Result<(i64, i16), KafkaError>),
    /// To AddPartitionsToTxn: per partition.
    AddPartitionsToTxn(Vec<(TopicPartition, Result<(), KafkaError>)>),
    /// To AddOffsetsToTxn.
    AddOffsetsToTxn(Result<(), KafkaError>),
    /// To TxnOffsetCommit: per partition.
    TxnOffsetCommit(Vec<(TopicPartition, Result<(), KafkaError>)>),
    /// To EndTxn.
    EndTxn(Result<(), KafkaError>),
}

/// Hand `request` to the broker. Returns the answer, or `None` when there is none yet
/// (a parked JoinGroup/SyncGroup: see [`output_response`]) or none at all (`acks=0`).
/// `request_id` must be unique among the requests parked at the broker.
pub fn dispatch(
    broker: &mut Broker,
    request_id: RequestId,
    client_id: &str,
    request: Request,
    now: Millis,
) -> Option<Response> {
    let client = Some(client_id);
    match request {
        Request::Metadata {
            topics,
            allow_auto_create,
        } => {
            let topics = (!topics.is_empty()).then_some(topics);
            Some(Response::Metadata(broker.metadata(
                topics.as_deref(),
                allow_auto_create,
                now,
            )))
        }
        Request::Produce { acks, batches } => {
            let results = batches
                .into_iter()
                .map(|(tp, batch)| {
                    let result = broker.produce(&tp.topic, tp.partition, batch, client, now);
                    (tp, result)
                })
                .collect();
            (acks != Acks::None).then_some(Response::Produce(results))
        }
        Request::Fetch {
            targets,
            max_partition_bytes,
            isolation_level,
        } => Some(Response::Fetch(
            targets
                .into_iter()
                .map(|t| {
                    let result = broker.fetch_isolated(
                        &t.tp.topic,
                        t.tp.partition,
                        t.offset,
                        max_partition_bytes,
                        isolation_level,
                        client,
                        now,
                    );
                    (t.tp, result)
                })
                .collect(),
        )),
        Request::ListOffsets {
            tp,
            spec,
            isolation_level,
        } => {
            let result =
                broker.list_offset_isolated(&tp.topic, tp.partition, spec, isolation_level);
            Some(Response::ListOffsets(tp, result))
        }
        Request::JoinGroup(req) => broker
            .join_group(request_id, req, now)
            .map(Response::JoinGroup),
        Request::SyncGroup(req) => broker
            .sync_group(request_id, req, now)
            .map(Response::SyncGroup),
        Request::Heartbeat(req) => Some(Response::Heartbeat(broker.heartbeat(req, now))),
        Request::LeaveGroup(req) => Some(Response::LeaveGroup(broker.leave_group(req, now))),
        // Version 0: the coordinator issues the member id (v1 clients bring their own; the
        // simulated ones need not, and the coordinator's ids are seeded, so runs replay).
        Request::ConsumerGroupHeartbeat(req) => Some(Response::ConsumerGroupHeartbeat(
            broker.consumer_group_heartbeat(req, 0, now),
        )),
        Request::OffsetCommit(req) => Some(Response::OffsetCommit(
            broker
                .commit_offsets(req, now)
                .into_iter()
                .map(|(topic, partition, r)| (TopicPartition::new(topic, partition), r))
                .collect(),
        )),
        Request::OffsetFetch {
            group_id,
            partitions,
            require_stable,
        } => {
            let asked: Vec<(String, i32)> = partitions
                .iter()
                .map(|tp| (tp.topic.clone(), tp.partition))
                .collect();
            Some(Response::OffsetFetch(
                broker
                    .fetch_offsets_stable(&group_id, Some(&asked), require_stable)
                    .into_iter()
                    .map(|(topic, partition, o)| (TopicPartition::new(topic, partition), o))
                    .collect(),
            ))
        }
        Request::InitProducerId(req) => Some(Response::InitProducerId(
            broker.init_transactional_producer_id(req, now),
        )),
        Request::AddPartitionsToTxn(req) => Some(Response::AddPartitionsToTxn(per_partition(
            broker.add_partitions_to_txn(req, now),
        ))),
        Request::AddOffsetsToTxn(req) => Some(Response::AddOffsetsToTxn(
            broker.add_offsets_to_txn(req, now),
        )),
        Request::TxnOffsetCommit(req) => Some(Response::TxnOffsetCommit(per_partition(
            broker.txn_offset_commit(req, now),
        ))),
        Request::EndTxn(req) => Some(Response::EndTxn(broker.end_txn(req, now))),
    }
}

fn per_partition(
    results: Vec<(String, i32, Result<(), KafkaError>)>,
) -> Vec<(TopicPartition, Result<(), KafkaError>)> {
    results
        .into_iter()
        .map(|(topic, partition, r)| (TopicPartition::new(topic, partition), r))
        .collect()
}

/// A parked answer the broker produced later, as a [`Response`] for request `request_id`.
pub fn output_response(output: GroupOutput) -> (RequestId, Response) {
    match output {
        GroupOutput::Join { request, response } => (request, Response::JoinGroup(response)),
        GroupOutput::Sync { request, response } => (request, Response::SyncGroup(response)),
    }
}
