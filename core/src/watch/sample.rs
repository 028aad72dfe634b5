//! A cluster sample: what one round of read requests said about the cluster at one moment.
//!
//! The watch cannot see events happen (it is a client, not the broker): it sees states, one
//! sample per interval, and works out the events from the difference of two samples
//! ([`super::diff`]). A sample holds only what the cluster answered; what it did not answer
//! (a partition without a leader, a group whose coordinator was moving) is absent or
//! carried from the previous sample and says so, never made up.

use std::collections::BTreeMap;

use crate::event::TopicPartitions;
use crate::group::GroupState;
use crate::live::{
    BrokerSnapshot, CommittedSnapshot, GroupEpochs, GroupSnapshot, MemberEpoch, MemberSnapshot,
    PartitionSnapshot, Snapshot, TopicSnapshot,
};
use crate::record::{Millis, Offset};

/// One broker, as Metadata lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokerInfo {
    /// `node.id` (`broker.id`).
    pub node_id: i32,
    /// Advertised host.
    pub host: String,
    /// Advertised port.
    pub port: i32,
    /// `broker.rack`, if set.
    pub rack: Option<String>,
}

impl BrokerInfo {
    /// `host:port`, the address a client connects to.
    pub fn address(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

/// One partition: its leader and the offsets its leader reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionSample {
    /// Partition index.
    pub partition: i32,
    /// The leader's node id; `None` while the partition has no leader (Metadata's -1).
    pub leader: Option<i32>,
    /// Log start offset (ListOffsets with timestamp -2, "earliest").
    pub log_start_offset: Offset,
    /// High watermark (ListOffsets with timestamp -1, "latest", `read_uncommitted`): what
    /// consumers can read; on a replicated cluster below the leader's log end.
    pub high_watermark: Offset,
    /// The offsets were not answered in this round and are the previous sample's.
    pub stale: bool,
}

/// What kind of group: Kafka has had two group protocols since KIP-848.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupKind {
    /// The classic protocol: JoinGroup/SyncGroup, generations, client-side assignors
    /// (described with DescribeGroups).
    Classic,
    /// KIP-848's `consumer` protocol: ConsumerGroupHeartbeat, group and member epochs, the
    /// broker assigns (described with ConsumerGroupDescribe).
    Consumer,
}

/// One member of a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberSample {
    /// The id the coordinator issued (or, under KIP-848, the client chose).
    pub member_id: String,
    /// `group.instance.id` of a static member.
    pub group_instance_id: Option<String>,
    /// The client's `client.id`.
    pub client_id: String,
    /// The client's address, as the coordinator saw it.
    pub client_host: String,
    /// Its partitions; `None` when the group's protocol is not `consumer` (a Connect
    /// worker, say) or the bytes could not be decoded.
    pub assignment: Option<Vec<TopicPartitions>>,
    /// KIP-848 member epoch; `None` for classic groups.
    pub member_epoch: Option<i32>,
    /// KIP-848: what the coordinator's target assignment gives it (ConsumerGroupDescribe's
    /// `target_assignment`); `None` for classic groups.
    pub target: Option<Vec<TopicPartitions>>,
}

/// One group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupSample {
    /// `group.id`.
    pub group_id: String,
    /// Classic or KIP-848.
    pub kind: GroupKind,
    /// The state's name as the coordinator said it (`Stable`, `Reconciling`...).
    pub state_name: String,
    /// `protocol_type` (`consumer` for consumers; empty for an empty classic group).
    pub protocol_type: String,
    /// The assignor (`range`, `cooperative-sticky`, KIP-848's `uniform`...).
    pub protocol: String,
    /// Classic: the generation. KIP-848: the group epoch. DescribeGroups does not report the
    /// classic generation, so for classic groups it is counted by the watch: it goes up by
    /// one each time the watch sees a new rebalance complete (see [`super::diff`]).
    pub generation: i32,
    /// The node id of the group's coordinator.
    pub coordinator: Option<i32>,
    /// Members by member id.
    pub members: BTreeMap<String, MemberSample>,
    /// Committed offsets by (topic, partition).
    pub committed: BTreeMap<(String, i32), Offset>,
    /// The describe or the offsets were not answered in this round; this is the previous
    /// sample's group.
    pub stale: bool,
}

impl GroupSample {
    /// A KIP-848 group's epochs as the page draws them: the group epoch, and each member's
    /// epoch, assignment (owned) and target assignment. `None` for a classic group.
    pub fn epochs(&self) -> Option<GroupEpochs> {
        (self.kind == GroupKind::Consumer).then(|| GroupEpochs {
            group_epoch: self.generation,
            members: self
                .members
                .values()
                .map(|m| MemberEpoch {
                    member_id: m.member_id.clone(),
                    member_epoch: m.member_epoch.unwrap_or(-1),
                    owned: m.assignment.clone().unwrap_or_default(),
                    target: m.target.clone().unwrap_or_default(),
                })
                .collect(),
        })
    }

    /// The state, in the classic names the live view knows. KIP-848 states map by what a
    /// viewer should see: `Assigning` (the coordinator computes a new target assignment) as
    /// a rebalance being prepared, `Reconciling` (members converge to it) as a rebalance
    /// being completed.
    pub fn state(&self) -> GroupState {
        match self.state_name.as_str() {
            "Assigning" => GroupState::PreparingRebalance,
            "Reconciling" => GroupState::CompletingRebalance,
            name => GroupState::from_name(name).unwrap_or(GroupState::Dead),
        }
    }
}

/// Everything one round learnt.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClusterSample {
    /// When the round started (the time the sampler was given).
    pub started_at: Millis,
    /// When its last answer arrived.
    pub finished_at: Millis,
    /// Brokers by node id.
    pub brokers: BTreeMap<i32, BrokerInfo>,
    /// The controller's node id, if Metadata named one.
    pub controller: Option<i32>,
    /// Watched topics: partitions by index.
    pub topics: BTreeMap<String, Vec<PartitionSample>>,
    /// Watched groups by id.
    pub groups: BTreeMap<String, GroupSample>,
}

impl ClusterSample {
    /// The live view's snapshot of this sample, at `now`.
    pub fn to_snapshot(&self, now: Millis) -> Snapshot {
        Snapshot {
            at: now,
            brokers: self
                .brokers
                .values()
                .map(|b| BrokerSnapshot {
                    node_id: b.node_id,
                    address: b.address(),
                    rack: b.rack.clone(),
                })
                .collect(),
            topics: self
                .topics
                .iter()
                .map(|(name, partitions)| TopicSnapshot {
                    name: name.clone(),
                    partitions: partitions.iter().map(partition_snapshot).collect(),
                })
                .collect(),
            groups: self.groups.values().map(group_snapshot).collect(),
        }
    }
}

/// A partition as the live view holds it: a watch sees the high watermark, not the
/// leader's log end, so the log end shown is the high watermark.
pub(super) fn partition_snapshot(p: &PartitionSample) -> PartitionSnapshot {
    PartitionSnapshot {
        partition: p.partition,
        log_start_offset: p.log_start_offset,
        high_watermark: p.high_watermark,
        log_end_offset: p.high_watermark,
        size_bytes: 0,
        last_stable_offset: None,
        txn_batches: Vec::new(),
        leader: p.leader,
    }
}

fn group_snapshot(g: &GroupSample) -> GroupSnapshot {
    GroupSnapshot {
        group_id: g.group_id.clone(),
        state: g.state(),
        protocol_type: g.protocol_type.clone(),
        protocol: g.protocol.clone(),
        generation: g.generation,
        // DescribeGroups does not say which member leads (only JoinGroup does).
        leader: None,
        members: g
            .members
            .values()
            .map(|m| MemberSnapshot {
                member_id: m.member_id.clone(),
                group_instance_id: m.group_instance_id.clone(),
                client_id: m.client_id.clone(),
                client_host: m.client_host.clone(),
                assignment: m.assignment.clone(),
                // Not in any describe answer: unknown, so no countdown is drawn.
                session_timeout_ms: 0,
                session_expires_at: None,
            })
            .collect(),
        committed: g
            .committed
            .iter()
            .map(|((topic, partition), offset)| CommittedSnapshot {
                topic: topic.clone(),
                partition: *partition,
                offset: *offset,
            })
            .collect(),
        epochs: g.epochs(),
    }
}
