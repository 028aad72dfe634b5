//! The viewer's side of live mode: [`LiveState`], its picture of a broker, folded from the
//! [`LiveMessage`]s a server sends. Nothing here is guessed: what the messages do not say,
//! the state does not know.

use crate::collections::BTreeMap;
use std::collections::VecDeque;

use crate::event::{Event, RemovalReason, TopicPartitions};
use crate::group::GroupState;
use crate::record::{Millis, Offset};
use crate::sort::{map_of, sort};

use super::epochs::GroupEpochs;
use super::message::{
    BrokerSnapshot, LiveMessage, PartitionSnapshot, Snapshot, TxnBatch, TXN_LOOKBACK,
};

/// Events kept for the event list and the recent-activity views.
pub const RECENT_EVENTS: usize = 2_000;
/// How long a member that left stays on the page (as dead), so the learner sees it go.
pub const DEPARTED_SHOWN_MS: Millis = 30_000;
/// The window over which a producer's rate is measured.
pub const RATE_WINDOW_MS: Millis = 5_000;

/// A member of a live group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveMember {
    /// The id the coordinator issued.
    pub member_id: String,
    /// `group.instance.id` of a static member.
    pub group_instance_id: Option<String>,
    /// `client.id`.
    pub client_id: String,
    /// Client address.
    pub client_host: String,
    /// Its partitions in the current generation (`None`: not assigned yet, or not the
    /// consumer protocol).
    pub assignment: Option<Vec<TopicPartitions>>,
    /// `session.timeout.ms`.
    pub session_timeout_ms: i32,
    /// When the coordinator will expire it without a heartbeat, as far as the events tell.
    pub session_expires_at: Option<Millis>,
    /// When the coordinator last heard a heartbeat from it.
    pub last_heartbeat: Option<Millis>,
}

impl LiveMember {
    /// Its partitions, flattened, in order.
    pub fn partitions(&self) -> Vec<(String, i32)> {
        self.assignment
            .iter()
            .flatten()
            .flat_map(|tp| tp.partitions.iter().map(|p| (tp.topic.clone(), *p)))
            .collect()
    }
}

/// A member that left, kept for a while so the page can show it dead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DepartedMember {
    /// The member as it was.
    pub member: LiveMember,
    /// When it was removed.
    pub at: Millis,
    /// Why the coordinator removed it: LeaveGroup, session or rebalance timeout, fencing.
    pub reason: RemovalReason,
}

/// A live group.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LiveGroup {
    /// Kafka's state (`None` until an event or the snapshot says).
    pub state: Option<GroupState>,
    /// Current generation.
    pub generation: i32,
    /// Chosen assignor.
    pub protocol: Option<String>,
    /// Leader member id.
    pub leader: Option<String>,
    /// Members by member id.
    pub members: BTreeMap<String, LiveMember>,
    /// Members removed recently, newest last.
    pub departed: Vec<DepartedMember>,
    /// Committed offsets by (topic, partition).
    pub committed: BTreeMap<(String, i32), Offset>,
    /// A consumer-protocol (KIP-848) group's epochs and holdings, as last sent.
    pub epochs: Option<GroupEpochs>,
}

impl LiveGroup {
    /// Is a rebalance under way?
    pub fn rebalancing(&self) -> bool {
        matches!(
            self.state,
            Some(GroupState::PreparingRebalance | GroupState::CompletingRebalance)
        )
    }
}

/// A producer, known by the `client.id` on its appends.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LiveProducer {
    /// Order of first appearance (its colour on the page).
    pub index: usize,
    /// Records appended since the viewer connected.
    pub records: u64,
    /// The topic of its latest append.
    pub topic: String,
    /// Recent appends (time, records) within [`RATE_WINDOW_MS`].
    recent: VecDeque<(Millis, u32)>,
}

impl LiveProducer {
    /// Records per second over the last [`RATE_WINDOW_MS`].
    pub fn rate(&self, now: Millis) -> u32 {
        let n: u64 = self
            .recent
            .iter()
            .filter(|(at, _)| now - at <= RATE_WINDOW_MS)
            .map(|(_, c)| u64::from(*c))
            .sum();
        (n * 1000 / RATE_WINDOW_MS as u64) as u32
    }
}

/// What a live viewer knows of the broker: a snapshot with every later event applied.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LiveState {
    /// Server time as far as the viewer knows (the latest message or tick).
    pub now: Millis,
    /// Partitions of every topic, by topic name.
    pub topics: BTreeMap<String, Vec<PartitionSnapshot>>,
    /// The cluster's brokers, when a watch reports them (empty for `serve`).
    pub brokers: Vec<BrokerSnapshot>,
    /// Groups by id.
    pub groups: BTreeMap<String, LiveGroup>,
    /// Producers by client id.
    pub producers: BTreeMap<String, LiveProducer>,
    /// Each consumer's position (its latest fetch offset), by (client id, topic, partition).
    pub positions: BTreeMap<(String, String, i32), Offset>,
    /// The latest events, oldest first, at most [`RECENT_EVENTS`].
    pub recent: VecDeque<Event>,
    /// Snapshots received (1 after connecting; more after falling behind).
    pub snapshots: u32,
    /// Events the server dropped for this viewer because it was behind.
    pub missed: u64,
}

impl LiveState {
    /// Fold one message in.
    pub fn apply(&mut self, message: LiveMessage) {
        match message {
            LiveMessage::Snapshot(s) => self.load(s),
            LiveMessage::Event { event } => self.event(event),
            LiveMessage::Missed { count } => self.missed += count,
            LiveMessage::Epochs { group, epochs } => {
                if let Some(g) = self.groups.get_mut(&group) {
                    g.epochs = epochs;
                } else if epochs.is_some() {
                    self.group(&group).epochs = epochs;
                }
            }
            // For the page, not the broker's picture.
            LiveMessage::Hello { .. }
            | LiveMessage::AdminResult { .. }
            | LiveMessage::Watch(_)
            | LiveMessage::History { .. } => {}
        }
    }

    /// Time passes on the viewer's side (its estimate of the server's clock).
    pub fn tick(&mut self, now: Millis) {
        self.now = self.now.max(now);
        let now = self.now;
        for g in self.groups.values_mut() {
            g.departed.retain(|d| now - d.at <= DEPARTED_SHOWN_MS);
        }
    }

    /// Replace everything with a snapshot. Producers and positions are not in a snapshot
    /// (the broker does not keep them), so they are kept across one.
    fn load(&mut self, s: Snapshot) {
        self.now = self.now.max(s.at);
        self.snapshots += 1;
        self.brokers = s.brokers;
        self.topics = map_of(s.topics.into_iter().map(|t| (t.name, t.partitions)));
        self.groups = map_of(s.groups.into_iter().map(|g| {
            let group = LiveGroup {
                state: Some(g.state),
                generation: g.generation,
                protocol: (!g.protocol.is_empty()).then_some(g.protocol),
                leader: g.leader,
                members: map_of(g.members.into_iter().map(|m| {
                    (
                        m.member_id.clone(),
                        LiveMember {
                            member_id: m.member_id,
                            group_instance_id: m.group_instance_id,
                            client_id: m.client_id,
                            client_host: m.client_host,
                            assignment: m.assignment,
                            session_timeout_ms: m.session_timeout_ms,
                            session_expires_at: m.session_expires_at,
                            last_heartbeat: None,
                        },
                    )
                })),
                departed: Vec::new(),
                committed: map_of(
                    g.committed
                        .into_iter()
                        .map(|c| ((c.topic, c.partition), c.offset)),
                ),
                epochs: g.epochs,
            };
            (g.group_id, group)
        }));
    }

    fn partition_mut(&mut self, topic: &str, partition: i32) -> Option<&mut PartitionSnapshot> {
        self.topics
            .get_mut(topic)?
            .iter_mut()
            .find(|p| p.partition == partition)
    }

    fn event(&mut self, event: Event) {
        self.now = self.now.max(event.at());
        let at = event.at();
        match &event {
            Event::TopicCreated {
                topic, partitions, ..
            } => {
                self.topics.insert(
                    topic.clone(),
                    (0..*partitions).map(empty_partition).collect(),
                );
            }
            Event::TopicDeleted { topic, .. } => {
                self.topics.remove(topic);
                for g in self.groups.values_mut() {
                    g.committed.retain(|(t, _), _| t != topic);
                }
            }
            Event::PartitionsAdded {
                topic, from, to, ..
            } => {
                let parts = self.topics.entry(topic.clone()).or_default();
                parts.extend((*from..*to).map(empty_partition));
            }
            Event::RecordsAppended {
                topic,
                partition,
                base_offset,
                count,
                log_end_offset,
                client_id,
                txn,
                last_stable_offset,
                ..
            } => {
                if let Some(p) = self.partition_mut(topic, *partition) {
                    p.log_end_offset = *log_end_offset;
                    // One broker: a record is committed (readable) once it is appended.
                    p.high_watermark = *log_end_offset;
                    p.last_stable_offset = *last_stable_offset;
                    if let Some(txn) = txn {
                        p.txn_batches.push(TxnBatch {
                            base_offset: *base_offset,
                            last_offset: base_offset + i64::from(*count) - 1,
                            producer_id: txn.producer_id,
                            marker: txn.marker,
                        });
                    }
                    forget_old_txn_batches(p);
                }
                // A marker is the coordinator's, not a producer's.
                if !txn.is_some_and(|t| t.marker.is_some()) {
                    let known = self.producers.len();
                    let producer = self
                        .producers
                        .entry(client_id.clone().unwrap_or_default())
                        .or_insert_with(|| LiveProducer {
                            index: known,
                            ..LiveProducer::default()
                        });
                    producer.records += u64::from(*count);
                    producer.topic.clone_from(topic);
                    producer.recent.push_back((at, *count));
                    while producer
                        .recent
                        .front()
                        .is_some_and(|(t, _)| at - t > RATE_WINDOW_MS)
                    {
                        producer.recent.pop_front();
                    }
                }
            }
            Event::FetchServed {
                topic,
                partition,
                fetch_offset,
                high_watermark,
                client_id,
                ..
            } => {
                if let Some(p) = self.partition_mut(topic, *partition) {
                    p.high_watermark = p.high_watermark.max(*high_watermark);
                }
                self.positions.insert(
                    (
                        client_id.clone().unwrap_or_default(),
                        topic.clone(),
                        *partition,
                    ),
                    *fetch_offset,
                );
            }
            Event::FetchOutOfRange { .. } | Event::OffsetCommitRejected { .. } => {}
            Event::LogStartMoved {
                topic,
                partition,
                to,
                ..
            } => {
                if let Some(p) = self.partition_mut(topic, *partition) {
                    p.log_start_offset = *to;
                    p.log_end_offset = p.log_end_offset.max(*to);
                    p.high_watermark = p.high_watermark.max(*to);
                    forget_old_txn_batches(p);
                }
            }
            Event::OffsetCommitted {
                group,
                topic,
                partition,
                offset,
                ..
            } => {
                self.group(group)
                    .committed
                    .insert((topic.clone(), *partition), *offset);
            }
            Event::OffsetsDeleted { group, .. } => {
                // The event gives a count, not the list: a reset deletes all of the
                // group's offsets, then commits the new ones (which arrive as events).
                self.group(group).committed.clear();
            }
            Event::GroupStateChanged { group, to, .. } => {
                self.group(group).state = Some(*to);
            }
            Event::MemberJoined {
                group,
                member_id,
                group_instance_id,
                client_id,
                client_host,
                session_timeout_ms,
                ..
            } => {
                let g = self.group(group);
                g.departed.retain(|d| d.member.member_id != *member_id);
                g.members.insert(
                    member_id.clone(),
                    LiveMember {
                        member_id: member_id.clone(),
                        group_instance_id: group_instance_id.clone(),
                        client_id: client_id.clone(),
                        client_host: client_host.clone(),
                        assignment: None,
                        session_timeout_ms: *session_timeout_ms,
                        // Waiting in JoinGroup: its request is parked, it cannot expire.
                        session_expires_at: None,
                        last_heartbeat: None,
                    },
                );
            }
            Event::StaticMemberReplaced {
                group,
                old_member_id,
                new_member_id,
                ..
            } => {
                let g = self.group(group);
                if let Some(mut m) = g.members.remove(old_member_id) {
                    m.member_id.clone_from(new_member_id);
                    m.session_expires_at = Some(at + i64::from(m.session_timeout_ms));
                    g.members.insert(new_member_id.clone(), m);
                }
                if g.leader.as_ref() == Some(old_member_id) {
                    g.leader = Some(new_member_id.clone());
                }
            }
            Event::MemberRemoved {
                group,
                member_id,
                reason,
                ..
            } => {
                let g = self.group(group);
                if let Some(member) = g.members.remove(member_id) {
                    g.departed.push(DepartedMember {
                        member,
                        at,
                        reason: *reason,
                    });
                }
            }
            Event::RebalanceStarted { group, .. } => {
                // Members that heartbeat are told to rejoin; their partitions are about to
                // be revoked, but they still own them until the new assignment.
                self.group(group).state = Some(GroupState::PreparingRebalance);
            }
            Event::GenerationStarted {
                group,
                generation,
                protocol,
                leader,
                members,
                ..
            } => {
                let g = self.group(group);
                g.generation = *generation;
                g.protocol.clone_from(protocol);
                g.leader.clone_from(leader);
                for id in members {
                    if let Some(m) = g.members.get_mut(id) {
                        // JoinGroup answered; now it waits in SyncGroup (parked again).
                        m.session_expires_at = None;
                    }
                }
            }
            Event::AssignmentCompleted {
                group,
                generation,
                assignment,
                ..
            } => {
                let g = self.group(group);
                g.generation = *generation;
                g.state = Some(GroupState::Stable);
                for a in assignment {
                    if let Some(m) = g.members.get_mut(&a.member_id) {
                        m.assignment.clone_from(&a.partitions);
                        // 0: the session timeout is not known (a watched cluster does not
                        // report it), so there is no expiry to count down to.
                        m.session_expires_at = (m.session_timeout_ms > 0)
                            .then(|| at + i64::from(m.session_timeout_ms));
                    }
                }
            }
            Event::Heartbeat {
                group, member_id, ..
            } => {
                let g = self.group(group);
                if let Some(m) = g.members.get_mut(member_id) {
                    m.last_heartbeat = Some(at);
                    m.session_expires_at = Some(at + i64::from(m.session_timeout_ms));
                }
            }
            Event::GroupDeleted { group, .. } => {
                self.groups.remove(group);
            }
        }
        if self.recent.len() == RECENT_EVENTS {
            self.recent.pop_front();
        }
        self.recent.push_back(event);
    }

    fn group(&mut self, id: &str) -> &mut LiveGroup {
        self.groups.entry(id.to_string()).or_default()
    }

    /// The group a viewer most likely wants: the first with members, else the first.
    pub fn default_group(&self) -> Option<&str> {
        self.groups
            .iter()
            .find(|(_, g)| !g.members.is_empty())
            .or_else(|| self.groups.iter().next())
            .map(|(id, _)| id.as_str())
    }

    /// A consumer's position on a partition: the offset of its latest fetch.
    pub fn position(&self, client_id: &str, topic: &str, partition: i32) -> Option<Offset> {
        self.positions
            .get(&(client_id.to_string(), topic.to_string(), partition))
            .copied()
    }

    /// The group's lag on each partition of the topics it reads: high watermark minus
    /// committed offset (or minus log start where nothing is committed yet).
    pub fn lag(&self, group: &str) -> Vec<((String, i32), i64)> {
        let Some(g) = self.groups.get(group) else {
            return Vec::new();
        };
        let mut topics: Vec<&str> = g.committed.keys().map(|(t, _)| t.as_str()).collect();
        for m in g.members.values() {
            for tp in m.assignment.iter().flatten() {
                topics.push(&tp.topic);
            }
        }
        sort(&mut topics);
        topics.dedup();
        let mut out = Vec::new();
        for topic in topics {
            for p in self.topics.get(topic).into_iter().flatten() {
                let from = g
                    .committed
                    .get(&(topic.to_string(), p.partition))
                    .copied()
                    .unwrap_or(p.log_start_offset)
                    .max(p.log_start_offset);
                out.push((
                    (topic.to_string(), p.partition),
                    (p.high_watermark - from).max(0),
                ));
            }
        }
        out
    }
}

fn empty_partition(partition: i32) -> PartitionSnapshot {
    PartitionSnapshot {
        partition,
        log_start_offset: 0,
        high_watermark: 0,
        log_end_offset: 0,
        size_bytes: 0,
        last_stable_offset: None,
        txn_batches: Vec::new(),
        leader: None,
    }
}

/// Keeps the transactional batches a snapshot would hold: those ending within
/// [`TXN_LOOKBACK`] of the high watermark and not below the log start.
fn forget_old_txn_batches(p: &mut PartitionSnapshot) {
    let from = (p.high_watermark - TXN_LOOKBACK).max(p.log_start_offset);
    p.txn_batches.retain(|b| b.last_offset >= from);
}
