//! Live mode's messages: what a server sends a viewer, and [`Snapshot::of`], the broker as
//! it is now, built by the server from its broker.

use serde::{Deserialize, Serialize};

use crate::event::{Event, TopicPartitions};
use crate::group::GroupState;
use crate::log::StorageProvider;
use crate::record::{ControlType, Millis, Offset};
use crate::sort::sort;
use crate::Broker;

#[cfg(doc)]
use super::AdminRequest;

/// One message on the live WebSocket. Serialized as `{"type": "snapshot", ...}`,
/// `{"type": "event", "event": {...}}` or `{"type": "missed", "count": N}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LiveMessage {
    /// The broker as it is now; replaces whatever the viewer had.
    Snapshot(Snapshot),
    /// Something that happened after the snapshot.
    Event {
        /// The broker event, exactly as the simulation produces it.
        event: Event,
    },
    /// The viewer fell behind and `count` events were dropped for it; a snapshot follows.
    Missed {
        /// How many events it did not get.
        count: u64,
    },
    /// The first message on a connection: what this server lets a viewer do.
    Hello {
        /// Admin actions ([`AdminRequest`]) are accepted (`serve --http-admin`).
        admin: bool,
        /// The address Kafka clients use (`host:port`, as advertised), so the page can show
        /// commands that work as written.
        #[serde(default)]
        bootstrap: Option<String>,
    },
    /// `minikafka watch` only, after each sampling round: how fresh the picture is, and
    /// the rebalances of the last hour.
    Watch(super::WatchStatus),
    /// `minikafka watch` only: frames of the last hour (one snapshot per sample, oldest
    /// first), all it kept when the viewer connects, then each new one, so the page can
    /// scrub back (see `frames.rs`).
    History {
        /// The frames, oldest first.
        samples: Vec<Snapshot>,
    },
    /// A consumer-protocol (KIP-848) group's epochs changed (`None`: it is gone or no
    /// longer a consumer-protocol group). See `epochs.rs`.
    Epochs {
        /// `group.id`.
        group: String,
        /// Its epochs and holdings now.
        epochs: Option<super::GroupEpochs>,
    },
    /// The answer to an [`AdminRequest`] the viewer sent.
    AdminResult {
        /// Did it work?
        ok: bool,
        /// What was done, or why not, for a person.
        message: String,
    },
}

/// The broker as a viewer first draws it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// Server time of the snapshot (milliseconds since the Unix epoch on a native server).
    pub at: Millis,
    /// The cluster's brokers; empty for minikafka's own single broker (`serve`), listed by
    /// `minikafka watch`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub brokers: Vec<BrokerSnapshot>,
    /// Every topic, by name.
    pub topics: Vec<TopicSnapshot>,
    /// Every group the coordinator knows, and groups that only have committed offsets.
    pub groups: Vec<GroupSnapshot>,
}

/// One broker of a watched cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrokerSnapshot {
    /// `node.id`.
    pub node_id: i32,
    /// Its advertised `host:port`.
    pub address: String,
    /// `broker.rack`, if set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rack: Option<String>,
}

/// One topic in a snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopicSnapshot {
    /// Topic name.
    pub name: String,
    /// Its partitions, by index.
    pub partitions: Vec<PartitionSnapshot>,
}

/// How far back from the high watermark a viewer keeps transactional batches: the stage
/// shows about two dozen cells of a log, so older brackets and markers are never drawn.
pub const TXN_LOOKBACK: Offset = 64;

/// A transactional batch in a partition: a transaction's records, or the coordinator's
/// marker that ends it (the facts a viewer needs to draw brackets, markers and aborted
/// records, as a `read_committed` consumer works them out from what it fetches).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TxnBatch {
    /// Offset of its first record.
    pub base_offset: Offset,
    /// Offset of its last record (the marker's own offset for a marker).
    pub last_offset: Offset,
    /// The transactional producer's id.
    pub producer_id: i64,
    /// `Commit` or `Abort` for the coordinator's marker; absent for the producer's records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub marker: Option<ControlType>,
}

/// One partition's offsets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionSnapshot {
    /// Partition index.
    pub partition: i32,
    /// First offset still readable.
    pub log_start_offset: Offset,
    /// Offset up to which consumers may read.
    pub high_watermark: Offset,
    /// Offset the next record will get.
    pub log_end_offset: Offset,
    /// Bytes held.
    #[serde(default)]
    pub size_bytes: u64,
    /// The last stable offset, when an open transaction holds it below the log end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_stable_offset: Option<Offset>,
    /// Transactional batches within [`TXN_LOOKBACK`] of the high watermark, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub txn_batches: Vec<TxnBatch>,
    /// The leader's node id, from a watched cluster's Metadata (`None`: minikafka's own
    /// single broker, or a partition without a leader).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leader: Option<i32>,
}

/// One group in a snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupSnapshot {
    /// Group id.
    pub group_id: String,
    /// Kafka's state name.
    pub state: GroupState,
    /// `consumer` for consumer groups, empty before the first member.
    pub protocol_type: String,
    /// The chosen assignor, empty unless a generation is formed.
    pub protocol: String,
    /// Current generation.
    pub generation: i32,
    /// The leader's member id.
    pub leader: Option<String>,
    /// The members.
    pub members: Vec<MemberSnapshot>,
    /// Committed offsets.
    pub committed: Vec<CommittedSnapshot>,
    /// A consumer-protocol (KIP-848) group's epochs; `None` for a classic group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epochs: Option<super::GroupEpochs>,
}

/// One member in a snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberSnapshot {
    /// The id the coordinator issued.
    pub member_id: String,
    /// `group.instance.id` of a static member.
    pub group_instance_id: Option<String>,
    /// The client's `client.id`.
    pub client_id: String,
    /// The client's address, as the server saw it.
    pub client_host: String,
    /// The decoded assignment; `None` outside the consumer protocol.
    pub assignment: Option<Vec<TopicPartitions>>,
    /// `session.timeout.ms` it asked for.
    #[serde(default)]
    pub session_timeout_ms: i32,
    /// When its session expires without a heartbeat (`None` while a request is parked).
    #[serde(default)]
    pub session_expires_at: Option<Millis>,
}

/// One committed offset in a snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommittedSnapshot {
    /// Topic the committed partition belongs to.
    pub topic: String,
    /// Partition index within the topic.
    pub partition: i32,
    /// The next offset the group will read.
    pub offset: Offset,
}

impl Snapshot {
    /// The broker as it is at `now`.
    pub fn of<P: StorageProvider>(broker: &Broker<P>, now: Millis) -> Snapshot {
        let topics = broker
            .list_topics()
            .into_iter()
            .map(|t| TopicSnapshot {
                name: t.name.clone(),
                partitions: t
                    .partitions
                    .iter()
                    .map(|p| {
                        let log = broker
                            .topic(&t.name)
                            .and_then(|topic| topic.partitions.get(p.partition as usize));
                        PartitionSnapshot {
                            partition: p.partition,
                            log_start_offset: p.log_start_offset,
                            high_watermark: p.high_watermark,
                            log_end_offset: p.log_end_offset,
                            size_bytes: p.size_bytes,
                            last_stable_offset: log
                                .map(|l| l.last_stable_offset())
                                .filter(|o| *o < p.log_end_offset),
                            txn_batches: log.map(txn_batches).unwrap_or_default(),
                            leader: None,
                        }
                    })
                    .collect(),
            })
            .collect();
        let mut ids: Vec<String> = broker
            .coordinator()
            .group_ids()
            .into_iter()
            .map(str::to_string)
            .collect();
        for g in broker.offsets().groups().into_iter().chain(
            broker
                .consumer_groups()
                .group_ids()
                .into_iter()
                .map(str::to_string),
        ) {
            if !ids.contains(&g) {
                ids.push(g);
            }
        }
        sort(&mut ids);
        let groups = ids
            .iter()
            .map(|id| {
                if let Some(g) = broker.consumer_groups().group(id) {
                    return consumer_group_snapshot(broker, g);
                }
                let d = broker.describe_group(id);
                let sessions = broker.coordinator().members(id);
                GroupSnapshot {
                    group_id: id.clone(),
                    state: d.state,
                    protocol_type: d.protocol_type,
                    protocol: d.protocol,
                    generation: d.generation_id,
                    leader: d.leader,
                    members: d
                        .members
                        .into_iter()
                        .map(|m| {
                            let session = sessions.iter().find(|s| s.member_id == m.member_id);
                            MemberSnapshot {
                                session_timeout_ms: session.map_or(0, |s| s.session_timeout_ms),
                                session_expires_at: session.and_then(|s| s.session_expires_at()),
                                member_id: m.member_id,
                                group_instance_id: m.group_instance_id,
                                client_id: m.client_id,
                                client_host: m.client_host,
                                assignment: m.decoded.partitions,
                            }
                        })
                        .collect(),
                    committed: committed_of(broker, id),
                    epochs: None,
                }
            })
            .collect();
        Snapshot {
            at: now,
            brokers: Vec::new(),
            topics,
            groups,
        }
    }
}

/// A consumer-protocol (KIP-848) group as the events describe it to a viewer: the target
/// assignment's epoch as its generation, each member with its target (what
/// `AssignmentCompleted` carries), Stable once it has members. Without this a viewer that
/// connected after such a group formed saw it as Dead until its next change.
fn consumer_group_snapshot<P: crate::log::StorageProvider>(
    broker: &crate::broker::Broker<P>,
    g: &crate::group::modern::ConsumerGroup,
) -> GroupSnapshot {
    let session = broker.consumer_groups().config().session_timeout_ms;
    GroupSnapshot {
        group_id: g.group_id.clone(),
        state: if g.members.is_empty() {
            GroupState::Empty
        } else {
            GroupState::Stable
        },
        protocol_type: "consumer".into(),
        protocol: g.assignor.clone(),
        generation: g.assignment_epoch,
        leader: None,
        members: g
            .members
            .values()
            .map(|m| MemberSnapshot {
                member_id: m.member_id.clone(),
                group_instance_id: m.instance_id.clone(),
                client_id: m.client_id.clone(),
                client_host: m.client_host.clone(),
                assignment: g.target.get(&m.member_id).map(|a| a.to_topic_partitions()),
                session_timeout_ms: session,
                session_expires_at: Some(m.session_deadline),
            })
            .collect(),
        committed: committed_of(broker, &g.group_id),
        epochs: Some(super::epochs::group_epochs(g)),
    }
}

/// A partition's transactional batches within [`TXN_LOOKBACK`] of its high watermark.
/// A group's committed offsets, as a snapshot lists them (either protocol).
fn committed_of<P: crate::log::StorageProvider>(
    broker: &crate::broker::Broker<P>,
    group_id: &str,
) -> Vec<CommittedSnapshot> {
    broker
        .offsets()
        .fetch_group(group_id)
        .into_iter()
        .map(|(topic, partition, o)| CommittedSnapshot {
            topic: topic.to_string(),
            partition,
            offset: o.offset,
        })
        .collect()
}

fn txn_batches<S: crate::log::LogStorage>(log: &crate::log::PartitionLog<S>) -> Vec<TxnBatch> {
    if !log.transactions().seen_any() {
        return Vec::new();
    }
    let from = (log.high_watermark() - TXN_LOOKBACK).max(log.log_start_offset());
    let Ok(read) = log.read(from, u32::MAX, u32::MAX) else {
        return Vec::new();
    };
    read.batches
        .iter()
        .map(|b| b.info)
        .filter(|info| info.producer.transactional || info.producer.control.is_some())
        .map(|info| TxnBatch {
            base_offset: info.base_offset,
            last_offset: info.next_offset() - 1,
            producer_id: info.producer.producer_id,
            marker: info.producer.control,
        })
        .collect()
}
