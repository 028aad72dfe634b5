//! The consumer: a sans-IO state machine that behaves like Kafka's Java `KafkaConsumer`.
//!
//! What a consumer *knows* is the lesson, so it is all here and all readable:
//! - its **subscription** (topics, with group management) or its manual **assignment**;
//! - per assigned partition, its **position**: the next offset `poll` will return. Only
//!   the consumer has it. `seek` changes it and nothing else; the broker just serves
//!   whatever offset the next fetch asks for;
//! - the **committed** offset it last saw at the broker, and the offset the application
//!   says it has **processed**. Between them lies what a crash would make it read again.
//!
//! The application calls [`Consumer::poll`], [`Consumer::seek`],
//! [`Consumer::commit_sync`]... The driver moves bytes: it takes requests from
//! [`Consumer::poll_transmit`], delivers answers with [`Consumer::handle_response`], and
//! calls [`Consumer::handle_timeout`] when [`Consumer::poll_timeout`] says so (that is the
//! Java client's background heartbeat thread). Rebalance callbacks come out as
//! [`ConsumerEvent`]s.
//!
//! - `membership.rs`: joining the group, leading it, heartbeats, leaving.
//! - `fetcher.rs`: positions, fetching, `auto.offset.reset`.
//! - `commits.rs`: commits (sync, async, auto) and reading committed offsets.
//! - `kip848.rs`: the same membership with `group.protocol=consumer` (KIP-848).

mod commits;
mod config;
mod fetcher;
mod kip848;
mod membership;

#[cfg(test)]
mod kip848_tests;
#[cfg(test)]
mod tests;

use crate::collections::{BTreeMap, BTreeSet};
use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

pub use config::{AutoOffsetReset, ConsumerConfig, GroupProtocol};

use crate::client::assignor::RebalanceProtocol;
use crate::client::protocol::{Request, Response, TopicPartition};
use crate::error::KafkaError;
use crate::record::{Millis, Offset, Record};
use crate::sort::set_of;

/// Identifies a commit, to match its [`ConsumerEvent::CommitCompleted`].
pub type CommitId = u64;

/// A record returned by [`Consumer::poll`].
#[derive(Debug, Clone, PartialEq)]
pub struct PolledRecord {
    /// Where it came from.
    pub tp: TopicPartition,
    /// Its offset.
    pub offset: Offset,
    /// The record.
    pub record: Record,
}

/// The three layers of offsets for one partition, plus the log's own bounds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OffsetLayers {
    /// The log start offset, as of the last fetch.
    pub log_start: Option<Offset>,
    /// The high watermark, as of the last fetch.
    pub high_watermark: Option<Offset>,
    /// Committed at the broker, as far as this consumer knows (the next offset to read).
    pub committed: Option<Offset>,
    /// The consumer's position: the next offset `poll` returns.
    pub position: Option<Offset>,
    /// One past the last offset the application reported processed.
    pub processed: Option<Offset>,
}

/// What a transactional producer needs to know of the consumer whose offsets it commits
/// (Java's `ConsumerGroupMetadata`, from `consumer.groupMetadata()`). KIP-447: with the
/// generation and member id, the coordinator refuses the offsets of a member that a
/// rebalance has replaced, so one transactional id per application instance is enough.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupMetadata {
    /// `group.id`.
    pub group_id: String,
    /// The generation the consumer is in (-1: none).
    pub generation_id: i32,
    /// Its member id (empty: none).
    pub member_id: String,
    /// Its `group.instance.id`.
    pub group_instance_id: Option<String>,
}

/// Where the consumer stands in its group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MemberState {
    /// Not in a group (manual assignment, not yet joined, or left).
    Unjoined,
    /// Revoking / committing before JoinGroup, or JoinGroup sent.
    Joining,
    /// SyncGroup sent, waiting for the assignment.
    Syncing,
    /// Has an assignment for the current generation.
    Stable,
    /// Closed, or failed with a fatal error.
    Closed,
}

/// Something the application (or the visualiser) should know.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ConsumerEvent {
    /// The join phase completed: a new generation.
    JoinedGroup {
        /// The group's new generation id.
        generation: i32,
        /// This consumer's member id.
        member_id: String,
        /// Is it the leader (it computed the assignment)?
        leader: bool,
        /// The assignor the group uses.
        protocol: String,
    },
    /// `group.protocol=consumer`: a ConsumerGroupHeartbeat answer carried a new assignment
    /// (the partitions this member may own at `member_epoch`). The member reconciles
    /// towards it at its next `poll`: revoke first, then take what is new.
    AssignmentReceived {
        /// The member epoch the answer gave.
        member_epoch: i32,
        /// The partitions it may own.
        partitions: Vec<TopicPartition>,
    },
    /// `onPartitionsAssigned`: these partitions are now ours.
    PartitionsAssigned(Vec<TopicPartition>),
    /// `onPartitionsRevoked`: these partitions are given up, after committing (if
    /// auto-commit is on) what was consumed.
    PartitionsRevoked(Vec<TopicPartition>),
    /// `onPartitionsLost`: we were no longer a member when we found out; nothing could
    /// be committed and somebody else may already own them.
    PartitionsLost(Vec<TopicPartition>),
    /// A commit finished.
    CommitCompleted {
        /// Which one.
        id: CommitId,
        /// The offsets it carried.
        offsets: Vec<(TopicPartition, Offset)>,
        /// `None` on success; `ILLEGAL_GENERATION` & co. mean Java's `CommitFailedException`.
        error: Option<KafkaError>,
    },
    /// `auto.offset.reset` (or `seek_to_beginning/end`) moved a position.
    PositionReset {
        /// The topic-partition whose position moved.
        tp: TopicPartition,
        /// The position before (`None`: there was none).
        from: Option<Offset>,
        /// The position now.
        to: Offset,
        /// Why: no committed offset, or the offset was out of range.
        out_of_range: bool,
    },
    /// The position is out of range and `auto.offset.reset=none`: the application must
    /// seek (Java's `OffsetOutOfRangeException`).
    OffsetOutOfRange {
        /// The topic-partition whose position is out of range.
        tp: TopicPartition,
        /// The position that is gone.
        offset: Offset,
    },
    /// No committed offset and `auto.offset.reset=none` (Java's
    /// `NoOffsetForPartitionException`).
    NoOffsetForPartition(TopicPartition),
    /// The consumer left its group by itself.
    LeftGroup {
        /// Why it left (e.g. `max.poll.interval.ms` exceeded).
        reason: String,
    },
    /// A fatal error: the consumer is closed (e.g. `FENCED_INSTANCE_ID`).
    Fatal(KafkaError),
}

/// Per assigned partition.
#[derive(Debug, Clone, Default)]
pub(crate) struct PartitionState {
    pub position: Option<Offset>,
    pub committed: Option<Offset>,
    pub processed: Option<Offset>,
    pub log_start: Option<Offset>,
    pub high_watermark: Option<Offset>,
    /// The last stable offset, as of the last fetch.
    pub last_stable: Option<Offset>,
    /// A reset to do (from `seek_to_*`, a missing commit or out of range) and whether it
    /// is for an out-of-range position.
    pub pending_reset: Option<(AutoOffsetReset, bool)>,
    /// A ListOffsets or OffsetFetch for it is in flight.
    pub lookup_in_flight: bool,
    /// Fetched records not yet returned by `poll`.
    pub buffer: VecDeque<PolledRecord>,
    /// Bumped by every seek, so a fetch answer for an older position is dropped.
    pub epoch: u64,
    /// Stop fetching until the application seeks (out of range with reset `none`).
    pub stuck: bool,
    /// `(epoch, offset)`: the fetches of this epoch went up to `offset`, past records the
    /// application never sees (transaction markers, aborted records under
    /// `read_committed`). The position jumps there once the buffer before it is polled.
    pub fetched_until: Option<(u64, Offset)>,
    /// An OffsetFetch answered `UNSTABLE_OFFSET_COMMIT`: ask again from this time on.
    pub lookup_retry_at: Option<Millis>,
}

impl PartitionState {
    /// With nothing buffered, move the position past what the fetches skipped (markers,
    /// aborted records): Java's consumer does the same, which is why a `read_committed`
    /// consumer's position is past a commit marker, at the log end, once it has read all.
    pub(crate) fn skip_unseen(&mut self) {
        let Some((epoch, until)) = self.fetched_until else {
            return;
        };
        let behind = self.position.is_some_and(|p| p < until);
        if epoch == self.epoch && behind && self.buffer.is_empty() && self.pending_reset.is_none() {
            self.position = Some(until);
        }
    }

    /// Where the next fetch starts: after the buffer, or after what the fetches skipped.
    pub(crate) fn next_fetch_offset(&self) -> Option<Offset> {
        let after_buffer = match self.buffer.back() {
            Some(r) => r.offset + 1,
            None => self.position?,
        };
        let skipped = self
            .fetched_until
            .filter(|(epoch, _)| *epoch == self.epoch)
            .map(|(_, o)| o);
        Some(skipped.map_or(after_buffer, |s| s.max(after_buffer)))
    }
}

/// What an in-flight request was for.
#[derive(Debug, Clone)]
pub(crate) enum InFlight {
    Metadata,
    Join,
    Sync,
    Heartbeat,
    /// A ConsumerGroupHeartbeat (join or heartbeat; leaving is `Leave`).
    GroupHeartbeat,
    Leave,
    Commit(CommitId, Vec<(TopicPartition, Offset)>),
    OffsetFetch,
    ListOffsets(TopicPartition, AutoOffsetReset, bool),
    Fetch(BTreeMap<TopicPartition, u64>),
}

/// A consumer.
#[derive(Debug, Clone)]
pub struct Consumer {
    pub(crate) config: ConsumerConfig,
    /// Topics subscribed to (group management), or empty.
    pub(crate) subscription: BTreeSet<String>,
    /// Manually assigned partitions (`assign`), if that is the mode.
    pub(crate) manual: bool,
    /// Partition counts from metadata.
    pub(crate) metadata: BTreeMap<String, i32>,
    pub(crate) next_metadata: Millis,
    pub(crate) metadata_in_flight: bool,
    /// Owned partitions and their offsets.
    pub(crate) partitions: BTreeMap<TopicPartition, PartitionState>,

    // Group membership.
    pub(crate) state: MemberState,
    pub(crate) member_id: String,
    pub(crate) generation: i32,
    pub(crate) protocol: Option<String>,
    pub(crate) leader: bool,
    pub(crate) rejoin_needed: bool,
    pub(crate) join_after_commit: Option<CommitId>,
    pub(crate) next_heartbeat: Millis,
    pub(crate) heartbeat_in_flight: bool,
    pub(crate) retry_join_at: Option<Millis>,
    /// Partition counts the last assignment was computed from (leader only).
    pub(crate) assigned_snapshot: BTreeMap<String, i32>,
    /// The whole assignment of the last generation. The eager protocol revokes everything
    /// before rejoining, so `sticky` sends this as subscription user data (as Java's
    /// `StickyAssignor` does) to stay sticky.
    pub(crate) previous_assignment: Vec<TopicPartition>,
    /// `group.protocol=consumer` only: reconciliation in progress.
    pub(crate) kip848: kip848::Kip848State,

    // Application timing.
    pub(crate) last_poll: Millis,
    pub(crate) next_auto_commit: Millis,
    pub(crate) next_fetch: Millis,
    pub(crate) fetch_in_flight: bool,

    // Plumbing.
    pub(crate) next_correlation: u64,
    pub(crate) next_commit: CommitId,
    pub(crate) outgoing: VecDeque<(u64, Request)>,
    pub(crate) in_flight: BTreeMap<u64, InFlight>,
    pub(crate) events: VecDeque<ConsumerEvent>,
}

impl Consumer {
    /// A consumer with nothing subscribed or assigned.
    pub fn new(config: ConsumerConfig, now: Millis) -> Consumer {
        Consumer {
            next_auto_commit: now + config.auto_commit_interval_ms,
            config,
            subscription: BTreeSet::new(),
            manual: false,
            metadata: BTreeMap::new(),
            next_metadata: now,
            metadata_in_flight: false,
            partitions: BTreeMap::new(),
            state: MemberState::Unjoined,
            member_id: String::new(),
            generation: -1,
            protocol: None,
            leader: false,
            rejoin_needed: false,
            join_after_commit: None,
            next_heartbeat: now,
            heartbeat_in_flight: false,
            retry_join_at: None,
            assigned_snapshot: BTreeMap::new(),
            previous_assignment: Vec::new(),
            kip848: kip848::Kip848State::default(),
            last_poll: now,
            next_fetch: now,
            fetch_in_flight: false,
            next_correlation: 0,
            next_commit: 0,
            outgoing: VecDeque::new(),
            in_flight: BTreeMap::new(),
            events: VecDeque::new(),
        }
    }

    /// The settings.
    pub fn config(&self) -> &ConsumerConfig {
        &self.config
    }

    /// `subscribe(topics)`: join the group and let it assign partitions of these topics.
    pub fn subscribe(&mut self, topics: &[&str]) {
        self.manual = false;
        self.subscription = set_of(topics.iter().map(|t| t.to_string()));
        self.next_metadata = Millis::MIN;
        self.rejoin_needed = true;
    }

    /// `assign(partitions)`: read these partitions, outside group management. Commits
    /// still go to `group.id` (with generation -1) if one is configured.
    pub fn assign(&mut self, partitions: &[TopicPartition]) {
        self.manual = true;
        self.subscription.clear();
        let wanted: BTreeSet<TopicPartition> = set_of(partitions.iter().cloned());
        self.partitions.retain(|tp, _| wanted.contains(tp));
        for tp in wanted {
            self.partitions.entry(tp).or_default();
        }
    }

    /// The partitions this consumer owns now.
    pub fn assignment(&self) -> Vec<TopicPartition> {
        self.partitions.keys().cloned().collect()
    }

    /// The subscribed topics.
    pub fn subscription(&self) -> Vec<String> {
        self.subscription.iter().cloned().collect()
    }

    /// Member id in the group (empty when not a member).
    pub fn member_id(&self) -> &str {
        &self.member_id
    }

    /// Generation of the group this consumer last synced with (-1: none).
    pub fn generation(&self) -> i32 {
        self.generation
    }

    /// Where the consumer stands in its group.
    pub fn member_state(&self) -> MemberState {
        self.state
    }

    /// `groupMetadata()`: for `send_offsets_to_transaction`. `None` without a `group.id`.
    pub fn group_metadata(&self) -> Option<GroupMetadata> {
        Some(GroupMetadata {
            group_id: self.group_id()?.to_string(),
            generation_id: self.generation,
            member_id: self.member_id.clone(),
            group_instance_id: self.config.group_instance_id.clone(),
        })
    }

    /// Was this consumer the leader of its last generation?
    pub fn is_leader(&self) -> bool {
        self.leader
    }

    /// The rebalance protocol: cooperative only if every configured assignor supports it.
    pub fn rebalance_protocol(&self) -> RebalanceProtocol {
        if !self.config.assignors.is_empty()
            && self
                .config
                .assignors
                .iter()
                .all(|a| a.supports_cooperative())
        {
            RebalanceProtocol::Cooperative
        } else {
            RebalanceProtocol::Eager
        }
    }

    /// The position of a partition: the next offset `poll` returns.
    pub fn position(&self, tp: &TopicPartition) -> Option<Offset> {
        self.partitions.get(tp)?.position
    }

    /// The committed offset of a partition, as far as this consumer knows.
    pub fn committed(&self, tp: &TopicPartition) -> Option<Offset> {
        self.partitions.get(tp)?.committed
    }

    /// All offset layers of a partition.
    pub fn offsets(&self, tp: &TopicPartition) -> Option<OffsetLayers> {
        let p = self.partitions.get(tp)?;
        Some(OffsetLayers {
            log_start: p.log_start,
            high_watermark: p.high_watermark,
            committed: p.committed,
            position: p.position,
            processed: p.processed,
        })
    }

    /// Where reading `tp` ends for this consumer, as of the last fetch: the last stable
    /// offset under `read_committed` (records past it belong to open transactions, which
    /// it must not return yet), the high watermark otherwise. Java's `endOffsets` answers
    /// the same; a reader that stops "at the end" compares its position with this.
    pub fn end_offset(&self, tp: &TopicPartition) -> Option<Offset> {
        let p = self.partitions.get(tp)?;
        match self.config.isolation_level {
            crate::log::IsolationLevel::ReadCommitted => p.last_stable,
            crate::log::IsolationLevel::ReadUncommitted => p.high_watermark,
        }
    }

    /// `seek(tp, offset)`: the next `poll` returns records from `offset`. Only the local
    /// position changes; the broker learns of it with the next fetch (and answers
    /// `OFFSET_OUT_OF_RANGE` if the offset is not in the log).
    pub fn seek(&mut self, tp: &TopicPartition, offset: Offset) -> Result<(), KafkaError> {
        let p = self
            .partitions
            .get_mut(tp)
            .ok_or(KafkaError::UnknownTopicOrPartition)?;
        p.position = Some(offset);
        p.pending_reset = None;
        p.stuck = false;
        p.buffer.clear();
        p.epoch += 1;
        // Fetch from the new position right away instead of waiting out the fetch backoff.
        self.next_fetch = Millis::MIN;
        Ok(())
    }

    /// `seekToBeginning`: reset to the log start offset, looked up at the next fetch.
    pub fn seek_to_beginning(&mut self, tps: &[TopicPartition]) {
        self.seek_to(tps, AutoOffsetReset::Earliest);
    }

    /// `seekToEnd`: reset to the log end offset, looked up at the next fetch.
    pub fn seek_to_end(&mut self, tps: &[TopicPartition]) {
        self.seek_to(tps, AutoOffsetReset::Latest);
    }

    fn seek_to(&mut self, tps: &[TopicPartition], strategy: AutoOffsetReset) {
        for tp in tps {
            if let Some(p) = self.partitions.get_mut(tp) {
                p.pending_reset = Some((strategy, false));
                p.stuck = false;
                p.buffer.clear();
                p.epoch += 1;
            }
        }
        self.next_fetch = Millis::MIN;
    }

    /// The application finished processing `offset` of `tp` (so `offset + 1` is safe to
    /// commit). Kafka has no such call; the application keeps this number. We keep it
    /// here so the three offset layers can be shown side by side.
    pub fn mark_processed(&mut self, tp: &TopicPartition, offset: Offset) {
        if let Some(p) = self.partitions.get_mut(tp) {
            p.processed = Some(p.processed.map_or(offset + 1, |o| o.max(offset + 1)));
        }
    }

    /// `poll()`: return up to `max.poll.records` fetched records and move the positions
    /// past them. Also where the group work that Java does inside `poll` happens: the
    /// `max.poll.interval.ms` timer restarts, auto-commit fires when due, and a pending
    /// rebalance (re)joins the group. A consumer that stops calling `poll` stops taking
    /// part in rebalances, however healthy its heartbeats are.
    pub fn poll(&mut self, now: Millis) -> Vec<PolledRecord> {
        if self.state == MemberState::Closed {
            return Vec::new();
        }
        self.last_poll = now;
        self.maybe_auto_commit(now);
        self.maybe_retry_join(now);
        if self.speaks_kip848() {
            self.maybe_join_kip848();
            self.maybe_reconcile(now);
        } else {
            self.maybe_join(now);
        }
        let mut out = Vec::new();
        for p in self.partitions.values_mut() {
            while out.len() < self.config.max_poll_records {
                let Some(record) = p.buffer.pop_front() else {
                    break;
                };
                p.position = Some(record.offset + 1);
                out.push(record);
            }
            p.skip_unseen();
        }
        out
    }

    /// Records fetched and waiting to be returned by `poll`.
    pub fn buffered_records(&self) -> usize {
        self.partitions.values().map(|p| p.buffer.len()).sum()
    }

    /// Records of `tp` fetched and waiting to be returned by `poll` (they start at the
    /// position). They are in memory: retention deleting them from the log does not
    /// stop this consumer from returning them.
    pub fn buffered_in(&self, tp: &TopicPartition) -> usize {
        self.partitions.get(tp).map_or(0, |p| p.buffer.len())
    }

    /// `close()`: commit (with auto-commit on) and leave the group. A dynamic member sends
    /// LeaveGroup so the group rebalances at once; a static member does not (that is the
    /// point of static membership: a restart within the session timeout costs nothing).
    pub fn close(&mut self, now: Millis) {
        if self.state == MemberState::Closed {
            return;
        }
        if self.config.enable_auto_commit && self.group_id().is_some() {
            let offsets = self.consumed_offsets();
            if !offsets.is_empty() {
                self.send_commit(offsets, now);
            }
        }
        if !self.manual && !self.subscription.is_empty() {
            let owned = self.assignment();
            if !owned.is_empty() {
                self.events
                    .push_back(ConsumerEvent::PartitionsRevoked(owned));
            }
            self.leave_group("the consumer is closing");
        }
        self.partitions.clear();
        self.state = MemberState::Closed;
    }

    /// The next request to send, with the correlation id its answer must carry.
    pub fn poll_transmit(&mut self, now: Millis) -> Option<(u64, Request)> {
        if self.state != MemberState::Closed {
            self.maybe_refresh_metadata(now);
            self.maybe_lookup_offsets(now);
            self.maybe_fetch(now);
        }
        self.outgoing.pop_front()
    }

    /// Deliver the answer to request `correlation_id`.
    pub fn handle_response(&mut self, correlation_id: u64, response: Response, now: Millis) {
        let Some(what) = self.in_flight.remove(&correlation_id) else {
            return; // an answer to something we forgot (e.g. before a close)
        };
        match (what, response) {
            (InFlight::Metadata, Response::Metadata(m)) => self.on_metadata(m, now),
            (InFlight::Join, Response::JoinGroup(r)) => self.on_join(r, now),
            (InFlight::Sync, Response::SyncGroup(r)) => self.on_sync(r, now),
            (InFlight::Heartbeat, Response::Heartbeat(r)) => self.on_heartbeat(r, now),
            (InFlight::GroupHeartbeat, Response::ConsumerGroupHeartbeat(r)) => {
                self.on_group_heartbeat(r, now)
            }
            (InFlight::Leave, Response::LeaveGroup(_)) => {}
            (InFlight::Commit(id, offsets), Response::OffsetCommit(r)) => {
                self.on_commit(id, offsets, r, now)
            }
            (InFlight::OffsetFetch, Response::OffsetFetch(r)) => self.on_offset_fetch(r, now),
            (InFlight::ListOffsets(tp, strategy, oor), Response::ListOffsets(_, r)) => {
                self.on_list_offsets(tp, strategy, oor, r)
            }
            (InFlight::Fetch(epochs), Response::Fetch(r)) => self.on_fetch(epochs, r, now),
            // A mismatched answer is a driver bug; drop it rather than corrupt state.
            _ => {}
        }
    }

    /// The background work: heartbeats and the poll-interval check. Never a JoinGroup:
    /// joining happens in `poll` (see `Consumer::maybe_retry_join`).
    pub fn handle_timeout(&mut self, now: Millis) {
        if self.state == MemberState::Closed {
            return;
        }
        self.check_poll_interval(now);
        self.maybe_heartbeat(now);
    }

    /// When `handle_timeout` next has work to do.
    pub fn poll_timeout(&self) -> Option<Millis> {
        if self.state == MemberState::Closed {
            return None;
        }
        let mut next: Option<Millis> = None;
        let mut consider = |t: Millis| next = Some(next.map_or(t, |n: Millis| n.min(t)));
        if self.state == MemberState::Stable && !self.heartbeat_in_flight {
            consider(self.next_heartbeat);
        }
        if matches!(
            self.state,
            MemberState::Stable | MemberState::Joining | MemberState::Syncing
        ) {
            consider(self.last_poll + Millis::from(self.config.max_poll_interval_ms) + 1);
        }
        if !self.subscription.is_empty() && !self.metadata_in_flight {
            consider(self.next_metadata);
        }
        if !self.fetch_in_flight && self.has_fetchable() {
            consider(self.next_fetch);
        }
        for at in self.partitions.values().filter_map(|p| p.lookup_retry_at) {
            consider(at);
        }
        next
    }

    /// The next event for the application.
    pub fn poll_event(&mut self) -> Option<ConsumerEvent> {
        self.events.pop_front()
    }

    /// Number of requests sent and not answered yet.
    pub fn requests_in_flight(&self) -> usize {
        self.in_flight.len()
    }

    pub(crate) fn group_id(&self) -> Option<&str> {
        self.config.group_id.as_deref()
    }

    /// Queue a request and remember what it was for.
    pub(crate) fn send(&mut self, request: Request, what: InFlight) -> u64 {
        self.next_correlation += 1;
        let id = self.next_correlation;
        self.in_flight.insert(id, what);
        self.outgoing.push_back((id, request));
        id
    }
}
