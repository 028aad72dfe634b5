//! One sampling round: which read requests to send, in which order, and how their answers
//! build a [`ClusterSample`].
//!
//! The order follows what each answer makes known:
//!
//! 1. **Metadata** to any broker (a bootstrap server at first): the brokers, the topics,
//!    and each partition's leader.
//! 2. Then, in parallel: **ListGroups** to *every* broker (a broker lists only the groups
//!    it coordinates), and **ListOffsets** twice to each partition leader (timestamp -2,
//!    earliest: the log start; -1, latest: the high watermark; Kafka refuses a partition
//!    twice in one request).
//! 3. When every broker has listed its groups: **FindCoordinator** for each watched group
//!    whose coordinator is not known from the previous round.
//! 4. Then, to each group's coordinator (only it knows the group): **DescribeGroups** for
//!    its classic groups, **ConsumerGroupDescribe** for its KIP-848 groups, one batch each,
//!    and **OffsetFetch** per group.
//!
//! Error codes inside answers do not fail the round: a partition whose leader moved or a
//! group whose coordinator is loading is carried from the previous sample and marked
//! stale, and the coordinator is looked up again next round.

use std::collections::{BTreeMap, BTreeSet};

use kafka_protocol::messages::list_offsets_request::{ListOffsetsPartition, ListOffsetsTopic};
use kafka_protocol::messages::{
    BrokerId, ConsumerGroupDescribeRequest, ConsumerGroupDescribeResponse, DescribeGroupsRequest,
    DescribeGroupsResponse, FindCoordinatorRequest, FindCoordinatorResponse, GroupId,
    ListGroupsRequest, ListGroupsResponse, ListOffsetsRequest, ListOffsetsResponse,
    MetadataRequest, MetadataResponse, OffsetFetchRequest, OffsetFetchResponse, TopicName,
};
use kafka_protocol::protocol::StrBytes;

use super::filter::NameFilter;
use super::request::{ReadRequest, ReadResponse};
use super::sample::{
    BrokerInfo, ClusterSample, GroupKind, GroupSample, MemberSample, PartitionSample,
};
use crate::event::TopicPartitions;
use crate::group::consumer_protocol::decode_assignment;
use crate::record::{Millis, Offset};

/// Where a request goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Any broker: a `--bootstrap` server, or any broker already connected.
    Any,
    /// One broker, by node id and advertised address.
    Broker {
        /// Its node id.
        node_id: i32,
        /// Its advertised `host:port`.
        address: String,
    },
}

/// A request the driver must send, and the id its answer comes back with.
#[derive(Debug, Clone, PartialEq)]
pub struct Outgoing {
    /// Given back to [`super::Sampler::handle`] with the answer.
    pub id: u64,
    /// The broker to send it to.
    pub target: Target,
    /// The request.
    pub request: ReadRequest,
}

/// What a request in flight was for.
#[derive(Debug, Clone)]
enum Purpose {
    Metadata,
    ListGroups,
    Offsets { earliest: bool },
    FindCoordinator { group: String },
    DescribeGroups,
    ConsumerGroupDescribe,
    OffsetFetch { group: String },
}

/// What ListGroups said of a group.
#[derive(Debug, Clone)]
struct Listed {
    kind: GroupKind,
    protocol_type: String,
}

/// Kafka error codes the round reacts to.
const NOT_COORDINATOR: i16 = 16;
const COORDINATOR_NOT_AVAILABLE: i16 = 15;
const COORDINATOR_LOAD_IN_PROGRESS: i16 = 14;
const GROUP_ID_NOT_FOUND: i16 = 69;

/// Timestamps ListOffsets understands.
const EARLIEST: i64 = -2;
const LATEST: i64 = -1;

/// One round in progress.
#[derive(Debug)]
pub(super) struct Round {
    pub started_at: Millis,
    pub sample: ClusterSample,
    pending: BTreeMap<u64, Purpose>,
    outbox: Vec<Outgoing>,
    listed: BTreeMap<String, Listed>,
    list_groups_waiting: usize,
    coordinators_waiting: usize,
    /// Coordinators by group: from the previous round, then from FindCoordinator.
    pub coordinators: BTreeMap<String, i32>,
    /// Partitions whose offsets came back: (topic, partition, earliest?).
    answered_offsets: BTreeSet<(String, i32, bool)>,
    /// Groups whose describe and offsets came back without error.
    described: BTreeSet<String>,
    fetched: BTreeSet<String>,
    /// Set when the round cannot produce a sample.
    pub failed: Option<String>,
}

impl Round {
    /// Start a round: Metadata first. `coordinators` are the previous round's.
    pub fn start(now: Millis, next_id: &mut u64, coordinators: BTreeMap<String, i32>) -> Round {
        let mut round = Round {
            started_at: now,
            sample: ClusterSample {
                started_at: now,
                finished_at: now,
                ..ClusterSample::default()
            },
            pending: BTreeMap::new(),
            outbox: Vec::new(),
            listed: BTreeMap::new(),
            list_groups_waiting: 0,
            coordinators_waiting: 0,
            coordinators,
            answered_offsets: BTreeSet::new(),
            described: BTreeSet::new(),
            fetched: BTreeSet::new(),
            failed: None,
        };
        // `topics: None` is "every topic": the --topic globs are applied to the answer.
        let metadata = MetadataRequest::default()
            .with_topics(None)
            .with_allow_auto_topic_creation(false);
        round.send(
            next_id,
            Target::Any,
            ReadRequest::Metadata(metadata),
            Purpose::Metadata,
        );
        round
    }

    fn send(&mut self, next_id: &mut u64, target: Target, request: ReadRequest, purpose: Purpose) {
        let id = *next_id;
        *next_id += 1;
        self.pending.insert(id, purpose);
        self.outbox.push(Outgoing {
            id,
            target,
            request,
        });
    }

    /// Requests to send now.
    pub fn take_outbox(&mut self) -> Vec<Outgoing> {
        std::mem::take(&mut self.outbox)
    }

    /// Is `id` one of this round's requests still waiting?
    pub fn waits_for(&self, id: u64) -> bool {
        self.pending.contains_key(&id)
    }

    /// Every answer is in (or the round failed).
    pub fn done(&self) -> bool {
        self.failed.is_some() || (self.pending.is_empty() && self.outbox.is_empty())
    }

    fn broker_target(&self, node_id: i32) -> Option<Target> {
        self.sample.brokers.get(&node_id).map(|b| Target::Broker {
            node_id,
            address: b.address(),
        })
    }

    /// A request could not be sent or answered: the round has no sample.
    pub fn fail(&mut self, id: u64, error: String) {
        if self.pending.remove(&id).is_some() && self.failed.is_none() {
            self.failed = Some(error);
        }
    }

    /// An answer arrived.
    pub fn handle(
        &mut self,
        now: Millis,
        id: u64,
        response: ReadResponse,
        filters: (&NameFilter, &NameFilter),
        next_id: &mut u64,
    ) {
        let Some(purpose) = self.pending.remove(&id) else {
            return;
        };
        self.sample.finished_at = now;
        let (groups, topics) = filters;
        match (purpose, response) {
            (Purpose::Metadata, ReadResponse::Metadata(m)) => self.metadata(m, topics, next_id),
            (Purpose::ListGroups, ReadResponse::ListGroups(l)) => {
                self.list_groups(l, groups, next_id)
            }
            (Purpose::Offsets { earliest }, ReadResponse::ListOffsets(o)) => {
                self.offsets(o, earliest)
            }
            (Purpose::FindCoordinator { group }, ReadResponse::FindCoordinator(f)) => {
                self.find_coordinator(&group, f, next_id)
            }
            (Purpose::DescribeGroups, ReadResponse::DescribeGroups(d)) => self.describe_groups(d),
            (Purpose::ConsumerGroupDescribe, ReadResponse::ConsumerGroupDescribe(d)) => {
                self.consumer_group_describe(d)
            }
            (Purpose::OffsetFetch { group }, ReadResponse::OffsetFetch(o)) => {
                self.offset_fetch(&group, o, topics)
            }
            (purpose, response) => {
                self.failed = Some(format!(
                    "a {:?} answer came for a {purpose:?} request",
                    response.api_key()
                ));
            }
        }
    }

    fn metadata(&mut self, m: MetadataResponse, topics: &NameFilter, next_id: &mut u64) {
        if m.brokers.is_empty() {
            self.failed = Some("the cluster's Metadata answer lists no broker".into());
            return;
        }
        for b in &m.brokers {
            self.sample.brokers.insert(
                b.node_id.0,
                BrokerInfo {
                    node_id: b.node_id.0,
                    host: b.host.to_string(),
                    port: b.port,
                    rack: b.rack.as_ref().map(|r| r.to_string()),
                },
            );
        }
        self.sample.controller = (m.controller_id.0 >= 0).then_some(m.controller_id.0);
        // Partitions by leader, for ListOffsets.
        let mut by_leader: BTreeMap<i32, BTreeMap<String, Vec<i32>>> = BTreeMap::new();
        for t in &m.topics {
            let Some(name) = t.name.as_ref().map(|n| n.to_string()) else {
                continue;
            };
            let wanted = if t.is_internal {
                topics.names_exactly(&name)
            } else {
                topics.matches(&name)
            };
            if t.error_code != 0 || !wanted {
                continue;
            }
            let mut partitions: Vec<PartitionSample> = t
                .partitions
                .iter()
                .map(|p| {
                    let leader = (p.leader_id.0 >= 0).then_some(p.leader_id.0);
                    if let Some(leader) = leader {
                        by_leader
                            .entry(leader)
                            .or_default()
                            .entry(name.clone())
                            .or_default()
                            .push(p.partition_index);
                    }
                    PartitionSample {
                        partition: p.partition_index,
                        leader,
                        log_start_offset: 0,
                        high_watermark: 0,
                        stale: true,
                    }
                })
                .collect();
            partitions.sort_by_key(|p| p.partition);
            self.sample.topics.insert(name, partitions);
        }
        let brokers: Vec<i32> = self.sample.brokers.keys().copied().collect();
        for node_id in brokers {
            if let Some(target) = self.broker_target(node_id) {
                self.list_groups_waiting += 1;
                self.send(
                    next_id,
                    target,
                    ReadRequest::ListGroups(ListGroupsRequest::default()),
                    Purpose::ListGroups,
                );
            }
        }
        for (leader, topics) in by_leader {
            // A leader Metadata names but does not list cannot be asked: its partitions
            // stay stale this round.
            let Some(target) = self.broker_target(leader) else {
                continue;
            };
            for earliest in [true, false] {
                let request = ListOffsetsRequest::default()
                    .with_replica_id(BrokerId(-1))
                    .with_isolation_level(0)
                    .with_topics(
                        topics
                            .iter()
                            .map(|(topic, partitions)| {
                                ListOffsetsTopic::default()
                                    .with_name(TopicName(StrBytes::from_string(topic.clone())))
                                    .with_partitions(
                                        partitions
                                            .iter()
                                            .map(|p| {
                                                ListOffsetsPartition::default()
                                                    .with_partition_index(*p)
                                                    .with_current_leader_epoch(-1)
                                                    .with_timestamp(if earliest {
                                                        EARLIEST
                                                    } else {
                                                        LATEST
                                                    })
                                            })
                                            .collect(),
                                    )
                            })
                            .collect(),
                    );
                self.send(
                    next_id,
                    target.clone(),
                    ReadRequest::ListOffsets(request),
                    Purpose::Offsets { earliest },
                );
            }
        }
        self.after_list_groups(next_id);
    }

    fn offsets(&mut self, o: ListOffsetsResponse, earliest: bool) {
        for t in o.topics {
            let topic = t.name.to_string();
            let Some(partitions) = self.sample.topics.get_mut(&topic) else {
                continue;
            };
            for p in t.partitions {
                if p.error_code != 0 || p.offset < 0 {
                    continue;
                }
                if let Some(sample) = partitions
                    .iter_mut()
                    .find(|s| s.partition == p.partition_index)
                {
                    if earliest {
                        sample.log_start_offset = p.offset;
                    } else {
                        sample.high_watermark = p.offset;
                    }
                    self.answered_offsets
                        .insert((topic.clone(), p.partition_index, earliest));
                }
            }
        }
    }

    fn list_groups(&mut self, l: ListGroupsResponse, groups: &NameFilter, next_id: &mut u64) {
        self.list_groups_waiting = self.list_groups_waiting.saturating_sub(1);
        if l.error_code == 0 {
            for g in l.groups {
                let id = g.group_id.to_string();
                if !groups.matches(&id) {
                    continue;
                }
                let kind = if g.group_type.as_str() == "consumer" {
                    GroupKind::Consumer
                } else {
                    GroupKind::Classic
                };
                self.listed.insert(
                    id,
                    Listed {
                        kind,
                        protocol_type: g.protocol_type.to_string(),
                    },
                );
            }
        }
        self.after_list_groups(next_id);
    }

    /// Once every broker listed its groups: find the coordinators not known yet.
    fn after_list_groups(&mut self, next_id: &mut u64) {
        if self.list_groups_waiting > 0 {
            return;
        }
        let known: BTreeSet<i32> = self.sample.brokers.keys().copied().collect();
        self.coordinators
            .retain(|group, node| known.contains(node) && self.listed.contains_key(group));
        let missing: Vec<String> = self
            .listed
            .keys()
            .filter(|g| !self.coordinators.contains_key(*g))
            .cloned()
            .collect();
        for group in missing {
            self.coordinators_waiting += 1;
            let request = FindCoordinatorRequest::default()
                .with_key(StrBytes::from_string(group.clone()))
                .with_key_type(0);
            self.send(
                next_id,
                Target::Any,
                ReadRequest::FindCoordinator(request),
                Purpose::FindCoordinator { group },
            );
        }
        self.after_coordinators(next_id);
    }

    fn find_coordinator(&mut self, group: &str, f: FindCoordinatorResponse, next_id: &mut u64) {
        self.coordinators_waiting = self.coordinators_waiting.saturating_sub(1);
        if f.error_code == 0 && f.node_id.0 >= 0 {
            self.coordinators.insert(group.to_string(), f.node_id.0);
            // A coordinator Metadata did not list (it joined since): learn its address.
            self.sample
                .brokers
                .entry(f.node_id.0)
                .or_insert_with(|| BrokerInfo {
                    node_id: f.node_id.0,
                    host: f.host.to_string(),
                    port: f.port,
                    rack: None,
                });
        }
        self.after_coordinators(next_id);
    }

    /// Once every coordinator is known: describe each group and fetch its offsets, at its
    /// coordinator.
    fn after_coordinators(&mut self, next_id: &mut u64) {
        if self.list_groups_waiting > 0 || self.coordinators_waiting > 0 {
            return;
        }
        let mut classic: BTreeMap<i32, Vec<String>> = BTreeMap::new();
        let mut consumer: BTreeMap<i32, Vec<String>> = BTreeMap::new();
        for (group, listed) in &self.listed {
            let Some(&node) = self.coordinators.get(group) else {
                continue; // no coordinator now: carried from the previous sample
            };
            match listed.kind {
                GroupKind::Classic => classic.entry(node).or_default().push(group.clone()),
                GroupKind::Consumer => consumer.entry(node).or_default().push(group.clone()),
            }
        }
        for (node, groups) in classic {
            self.describe_at(next_id, node, GroupKind::Classic, groups);
        }
        for (node, groups) in consumer {
            self.describe_at(next_id, node, GroupKind::Consumer, groups);
        }
    }

    /// Describe `groups` of one kind at their coordinator `node` (DescribeGroups for classic
    /// groups, ConsumerGroupDescribe for KIP-848 ones, one request for all of them), then
    /// fetch each one's committed offsets there.
    fn describe_at(&mut self, next_id: &mut u64, node: i32, kind: GroupKind, groups: Vec<String>) {
        let Some(target) = self.broker_target(node) else {
            return;
        };
        let ids = groups
            .iter()
            .map(|g| GroupId(StrBytes::from_string(g.clone())))
            .collect();
        let (request, purpose) = match kind {
            GroupKind::Classic => (
                ReadRequest::DescribeGroups(DescribeGroupsRequest::default().with_groups(ids)),
                Purpose::DescribeGroups,
            ),
            GroupKind::Consumer => (
                ReadRequest::ConsumerGroupDescribe(
                    ConsumerGroupDescribeRequest::default().with_group_ids(ids),
                ),
                Purpose::ConsumerGroupDescribe,
            ),
        };
        self.send(next_id, target.clone(), request, purpose);
        for group in groups {
            self.offset_fetch_request(next_id, target.clone(), group);
        }
    }

    fn offset_fetch_request(&mut self, next_id: &mut u64, target: Target, group: String) {
        let request = OffsetFetchRequest::default()
            .with_group_id(GroupId(StrBytes::from_string(group.clone())))
            .with_topics(None)
            .with_require_stable(false);
        self.send(
            next_id,
            target,
            ReadRequest::OffsetFetch(request),
            Purpose::OffsetFetch { group },
        );
    }

    /// The coordinator moved or is loading: ask again next round.
    fn coordinator_error(&mut self, group: &str, code: i16) {
        if matches!(
            code,
            NOT_COORDINATOR | COORDINATOR_NOT_AVAILABLE | COORDINATOR_LOAD_IN_PROGRESS
        ) {
            self.coordinators.remove(group);
        }
    }

    fn group_entry(&mut self, group: &str) -> &mut GroupSample {
        let listed = self.listed.get(group).cloned();
        let coordinator = self.coordinators.get(group).copied();
        self.sample
            .groups
            .entry(group.to_string())
            .or_insert_with(|| GroupSample {
                group_id: group.to_string(),
                kind: listed.as_ref().map_or(GroupKind::Classic, |l| l.kind),
                state_name: String::new(),
                protocol_type: listed.map(|l| l.protocol_type).unwrap_or_default(),
                protocol: String::new(),
                generation: 0,
                coordinator,
                members: BTreeMap::new(),
                committed: BTreeMap::new(),
                stale: false,
            })
    }

    fn describe_groups(&mut self, d: DescribeGroupsResponse) {
        for g in d.groups {
            let id = g.group_id.to_string();
            if g.error_code != 0 {
                self.coordinator_error(&id, g.error_code);
                continue;
            }
            if g.group_state.as_str() == "Dead" {
                // Deleted between ListGroups and now: not a group any more.
                self.listed.remove(&id);
                continue;
            }
            let consumer = g.protocol_type.as_str() == "consumer";
            let entry = self.group_entry(&id);
            entry.kind = GroupKind::Classic;
            entry.state_name = g.group_state.to_string();
            entry.protocol_type = g.protocol_type.to_string();
            entry.protocol = g.protocol_data.to_string();
            entry.members = g
                .members
                .into_iter()
                .map(|m| {
                    let assignment = consumer
                        .then(|| decode_assignment(&m.member_assignment).ok())
                        .flatten()
                        .map(|a| normalize(a.partitions));
                    (
                        m.member_id.to_string(),
                        MemberSample {
                            member_id: m.member_id.to_string(),
                            group_instance_id: m.group_instance_id.map(|i| i.to_string()),
                            client_id: m.client_id.to_string(),
                            client_host: m.client_host.to_string(),
                            assignment,
                            member_epoch: None,
                            target: None,
                        },
                    )
                })
                .collect();
            self.described.insert(id);
        }
    }

    fn consumer_group_describe(&mut self, d: ConsumerGroupDescribeResponse) {
        for g in d.groups {
            let id = g.group_id.to_string();
            if g.error_code != 0 {
                if g.error_code == GROUP_ID_NOT_FOUND {
                    self.listed.remove(&id);
                }
                self.coordinator_error(&id, g.error_code);
                continue;
            }
            if g.group_state.as_str() == "Dead" {
                self.listed.remove(&id);
                continue;
            }
            let entry = self.group_entry(&id);
            entry.kind = GroupKind::Consumer;
            entry.state_name = g.group_state.to_string();
            entry.protocol_type = "consumer".into();
            entry.protocol = g.assignor_name.to_string();
            entry.generation = g.group_epoch;
            entry.members = g
                .members
                .into_iter()
                .map(|m| {
                    let partitions = |a: kafka_protocol::messages::consumer_group_describe_response::Assignment| {
                        normalize(
                            a.topic_partitions
                                .into_iter()
                                .map(|tp| TopicPartitions {
                                    topic: tp.topic_name.to_string(),
                                    partitions: tp.partitions,
                                })
                                .collect(),
                        )
                    };
                    let assignment = partitions(m.assignment);
                    let target = partitions(m.target_assignment);
                    (
                        m.member_id.to_string(),
                        MemberSample {
                            member_id: m.member_id.to_string(),
                            group_instance_id: m.instance_id.map(|i| i.to_string()),
                            client_id: m.client_id.to_string(),
                            client_host: m.client_host.to_string(),
                            assignment: Some(assignment),
                            member_epoch: Some(m.member_epoch),
                            target: Some(target),
                        },
                    )
                })
                .collect();
            self.described.insert(id);
        }
    }

    fn offset_fetch(&mut self, group: &str, o: OffsetFetchResponse, topics: &NameFilter) {
        if o.error_code != 0 {
            self.coordinator_error(group, o.error_code);
            return;
        }
        let mut committed: BTreeMap<(String, i32), Offset> = BTreeMap::new();
        for t in o.topics {
            let topic = t.name.to_string();
            if !topics.matches(&topic) {
                continue;
            }
            for p in t.partitions {
                // -1: nothing committed for this partition.
                if p.error_code == 0 && p.committed_offset >= 0 {
                    committed.insert((topic.clone(), p.partition_index), p.committed_offset);
                }
            }
        }
        self.group_entry(group).committed = committed;
        self.fetched.insert(group.to_string());
    }

    /// Close the round: fill what was not answered from `previous`, and drop groups that
    /// were not listed.
    pub fn finish(mut self, previous: Option<&ClusterSample>) -> ClusterSample {
        for (topic, partitions) in self.sample.topics.iter_mut() {
            for p in partitions.iter_mut() {
                let start = self
                    .answered_offsets
                    .contains(&(topic.clone(), p.partition, true));
                let hw = self
                    .answered_offsets
                    .contains(&(topic.clone(), p.partition, false));
                p.stale = !(start && hw);
                let before = previous
                    .and_then(|s| s.topics.get(topic))
                    .and_then(|ps| ps.iter().find(|q| q.partition == p.partition));
                if let Some(before) = before {
                    if !start {
                        p.log_start_offset = before.log_start_offset;
                    }
                    if !hw {
                        p.high_watermark = before.high_watermark;
                    }
                }
            }
        }
        let listed = std::mem::take(&mut self.listed);
        let described = std::mem::take(&mut self.described);
        let fetched = std::mem::take(&mut self.fetched);
        self.sample.groups.retain(|id, _| listed.contains_key(id));
        for id in listed.keys() {
            let before = previous.and_then(|s| s.groups.get(id));
            let complete = described.contains(id) && fetched.contains(id);
            match (self.sample.groups.get_mut(id), before) {
                (Some(g), Some(before)) if !complete => {
                    if !described.contains(id) {
                        g.state_name.clone_from(&before.state_name);
                        g.protocol.clone_from(&before.protocol);
                        g.members.clone_from(&before.members);
                        g.generation = before.generation;
                    }
                    if !fetched.contains(id) {
                        g.committed.clone_from(&before.committed);
                    }
                    g.stale = true;
                }
                (None, Some(before)) => {
                    let mut carried = before.clone();
                    carried.stale = true;
                    self.sample.groups.insert(id.clone(), carried);
                }
                (Some(g), None) if !described.contains(id) => {
                    // Listed but never described: its state is unknown; ListGroups'
                    // protocol type is all there is.
                    g.stale = true;
                }
                _ => {}
            }
            if let Some(g) = self.sample.groups.get_mut(id) {
                g.coordinator = self.coordinators.get(id).copied();
            }
        }
        // A group listed but not described and never seen before has no state to show.
        self.sample.groups.retain(|_, g| !g.state_name.is_empty());
        self.sample
    }
}

/// Assignments in a stable order (topics by name, partitions ascending), so that two
/// samples of the same assignment compare equal.
fn normalize(mut tps: Vec<TopicPartitions>) -> Vec<TopicPartitions> {
    for tp in &mut tps {
        tp.partitions.sort_unstable();
    }
    tps.retain(|tp| !tp.partitions.is_empty());
    tps.sort_by(|a, b| a.topic.cmp(&b.topic));
    tps
}
