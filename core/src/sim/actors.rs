//! The simulated applications around the clients: a producer that sends at a rate, and a
//! consumer application that polls, processes records one by one (taking time), and
//! commits the way its settings say.

use std::collections::VecDeque;

use bytes::Bytes;
use serde::{Deserialize, Serialize};

use crate::client::consumer::{CommitId, Consumer, MemberState, PolledRecord};
use crate::client::producer::{Producer, ProducerConfig};
use crate::client::TopicPartition;
use crate::record::{Millis, Offset};
use crate::sim::command::{CommitMode, ConsumerSpec, ProducerSpec, Semantics};
use crate::sim::pipeline::Pipeline;

/// Is the application running?
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ActorStatus {
    /// Running: polling, processing and committing.
    Running,
    /// Finishing its batch before a clean shutdown.
    Stopping,
    /// Shut down cleanly.
    Stopped,
    /// Killed (like `kill -9`): no LeaveGroup, no last commit.
    Crashed,
}

/// A producer application.
#[derive(Debug, Clone)]
pub struct ProducerActor {
    /// Its settings.
    pub spec: ProducerSpec,
    /// The client.
    pub producer: Producer,
    /// Records sent so far.
    pub sent: u64,
    /// Rate bookkeeping: when the current rate started and how many were sent before it.
    rate_since: Millis,
    sent_before_rate: u64,
}

impl ProducerActor {
    /// A producer application with its client, seeded from the world.
    pub fn new(spec: ProducerSpec, seed: u64, now: Millis) -> ProducerActor {
        let config = ProducerConfig {
            client_id: spec.name.clone(),
            acks: spec.acks,
            linger_ms: spec.linger_ms,
            seed,
            ..ProducerConfig::default()
        };
        ProducerActor {
            producer: Producer::new(config, now),
            spec,
            sent: 0,
            rate_since: now,
            sent_before_rate: 0,
        }
    }

    /// Change the rate from `now` on.
    pub fn set_rate(&mut self, rate_per_sec: u32, now: Millis) {
        self.spec.rate_per_sec = rate_per_sec;
        self.rate_since = now;
        self.sent_before_rate = self.sent;
    }

    /// Send one record (value `<name>-<n>`, key by the spec).
    pub fn send_one(&mut self, now: Millis) {
        let n = self.sent;
        self.sent += 1;
        let key = (self.spec.distinct_keys > 0)
            .then(|| Bytes::from(format!("key-{}", n % u64::from(self.spec.distinct_keys))));
        let value = Some(Bytes::from(format!("{}-{n}", self.spec.name)));
        // An invalid topic is refused at once; the world reports it as an event.
        let _ = self
            .producer
            .send(&self.spec.topic, key, value, Vec::new(), None, now);
    }

    /// Send what the rate says is due by `now`.
    pub fn tick(&mut self, now: Millis) {
        let rate = u64::from(self.spec.rate_per_sec);
        if rate == 0 {
            return;
        }
        let elapsed = (now - self.rate_since).max(0) as u64;
        let due = self.sent_before_rate + elapsed * rate / 1000;
        while self.sent < due {
            self.send_one(now);
        }
    }

    /// When the next record is due.
    pub fn next_send(&self) -> Option<Millis> {
        let rate = u64::from(self.spec.rate_per_sec);
        if rate == 0 {
            return None;
        }
        let k = self.sent - self.sent_before_rate + 1;
        Some(self.rate_since + (k * 1000).div_ceil(rate) as Millis)
    }
}

/// A consumer application.
#[derive(Debug, Clone)]
pub struct ConsumerActor {
    /// Its settings.
    pub spec: ConsumerSpec,
    /// The client (a new one for every restart).
    pub consumer: Consumer,
    /// Running, stopped, crashed.
    pub status: ActorStatus,
    /// Bumped by every restart; answers to an older process are dropped.
    pub incarnation: u32,
    /// Polled records not processed yet.
    pub batch: VecDeque<PolledRecord>,
    /// The record being processed and when it is done.
    pub processing: Option<(PolledRecord, Millis)>,
    /// A `commitSync` the application is blocked on.
    pub waiting_commit: Option<CommitId>,
    /// Commit after the batch (per-batch mode) before polling again.
    pub batch_needs_commit: bool,
    /// A commit this application made failed, so the group's committed offset may be
    /// behind what it processed; it commits again once `poll` has it in a stable
    /// generation (see [`ConsumerActor::recommit`]).
    pub commit_failed: bool,
    /// When the application next does something.
    pub next_wake: Millis,
    /// Records processed by this application (all incarnations).
    pub processed: u64,
    /// Read-process-write applications (`spec.output`): the producer and the transaction
    /// in progress.
    pub pipeline: Option<Pipeline>,
    /// Frozen until then ([`crate::sim::Command::PauseConsumer`]).
    pub paused_until: Option<Millis>,
    /// The polled batch still owes its per-batch work (`spec.batch_ms`) once its records
    /// are processed; then, until when that work runs.
    pub batch_work: BatchWork,
}

/// The per-batch work of an application with [`ConsumerSpec::batch_ms`]: a batch's
/// records, then one slow call for the whole batch, then `poll` again. Until that call
/// returns the application does not call `poll`, so it takes no part in a rebalance
/// (S14's slow member).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BatchWork {
    /// Nothing owed.
    #[default]
    None,
    /// Owed once the batch's records are processed.
    Owed,
    /// Running until then.
    Until(Millis),
}

/// Idle applications call `poll` this often.
pub const IDLE_POLL_MS: Millis = 100;

/// What the application did, for the world to record.
#[derive(Debug, Clone, PartialEq)]
pub enum AppStep {
    /// Nothing to do this step.
    Idle,
    /// `poll` returned this many records.
    Polled(usize),
    /// A record's processing finished; a read-process-write application's output record
    /// carries the input it came from (`source`).
    Processed(TopicPartition, Offset, Option<String>),
}

impl ConsumerActor {
    /// A consumer application, subscribed and ready.
    pub fn new(spec: ConsumerSpec, now: Millis) -> ConsumerActor {
        let consumer = Self::client(&spec, now);
        ConsumerActor {
            consumer,
            status: ActorStatus::Running,
            incarnation: 0,
            batch: VecDeque::new(),
            processing: None,
            waiting_commit: None,
            batch_needs_commit: false,
            commit_failed: false,
            next_wake: now,
            processed: 0,
            pipeline: Pipeline::new(&spec, now),
            paused_until: None,
            batch_work: BatchWork::None,
            spec,
        }
    }

    fn client(spec: &ConsumerSpec, now: Millis) -> Consumer {
        let config = spec.client_config();
        let mut consumer = Consumer::new(config, now);
        let topics: Vec<&str> = spec.topics.iter().map(String::as_str).collect();
        consumer.subscribe(&topics);
        consumer
    }

    /// Kill the process: everything in memory is gone.
    pub fn crash(&mut self) {
        self.status = ActorStatus::Crashed;
        self.batch.clear();
        self.processing = None;
        self.waiting_commit = None;
        self.batch_needs_commit = false;
        self.commit_failed = false;
        self.paused_until = None;
        self.batch_work = BatchWork::None;
    }

    /// A new process with the same settings.
    pub fn restart(&mut self, now: Millis) {
        self.crash();
        self.consumer = Self::client(&self.spec, now);
        self.pipeline = Pipeline::new(&self.spec, now);
        self.incarnation += 1;
        self.status = ActorStatus::Running;
        self.next_wake = now;
    }

    /// Start a clean shutdown: finish the current batch, then close.
    pub fn stop(&mut self) {
        if self.status == ActorStatus::Running {
            self.status = ActorStatus::Stopping;
        }
    }

    /// The lowest offset of `tp` this application will still process without asking the
    /// broker again: the record being processed, the polled batch, the client's fetch
    /// buffer (which starts at its position), or the position itself while the log still
    /// has it. `None` if it holds nothing of `tp`.
    pub fn held_from(&self, tp: &TopicPartition, log_start: Offset) -> Option<Offset> {
        if !self.is_live() {
            return None;
        }
        let processing = self
            .processing
            .as_ref()
            .filter(|(r, _)| &r.tp == tp)
            .map(|(r, _)| r.offset);
        let batch = self
            .batch
            .iter()
            .filter(|r| &r.tp == tp)
            .map(|r| r.offset)
            .min();
        let position = self
            .consumer
            .position(tp)
            .filter(|p| *p >= log_start || self.consumer.buffered_in(tp) > 0);
        [processing, batch, position].into_iter().flatten().min()
    }

    /// A commit finished: unblock a `commitSync`. A failed one is remembered, to be
    /// reconsidered (with auto-commit the client retries by itself: it commits every
    /// position that differs from the committed one at each interval).
    pub fn commit_done(&mut self, id: CommitId, failed: bool) {
        if self.waiting_commit == Some(id) {
            self.waiting_commit = None;
        }
        if failed && !self.consumer.config().enable_auto_commit {
            self.commit_failed = true;
        }
    }

    /// Reconsider a failed commit, as Kafka tells applications to: a commit sent while the
    /// group rebalances fails (`REBALANCE_IN_PROGRESS`, Java's
    /// `RebalanceInProgressException`), and the application is to complete the rebalance
    /// with `poll` and commit again. Called after an idle `poll` (nothing is polled or
    /// being processed, so every position has been processed); it commits, for the
    /// partitions still owned in the new stable generation, the positions the group does
    /// not have yet. Without it, a consumer whose last batch's commit hit a rebalance and
    /// that is then sent nothing more leaves the group's committed offset behind what it
    /// processed for good (campaign seed 7341036). Partitions given up meanwhile are not
    /// this member's to commit any more.
    fn recommit(&mut self, now: Millis) {
        if !self.commit_failed || self.consumer.member_state() != MemberState::Stable {
            return;
        }
        self.commit_failed = false;
        let behind: Vec<(TopicPartition, Offset)> = self
            .consumer
            .assignment()
            .into_iter()
            .filter_map(|tp| {
                let o = self.consumer.offsets(&tp)?;
                let position = o.position?;
                (o.committed != Some(position)).then_some((tp, position))
            })
            .collect();
        if behind.is_empty() {
            return;
        }
        if self.spec.commit_mode == CommitMode::PerBatchAsync {
            let _ = self.consumer.commit_async(Some(behind), now);
        } else {
            self.waiting_commit = self.consumer.commit_sync(Some(behind), now).ok();
        }
    }

    /// Is the application able to act now?
    pub fn is_live(&self) -> bool {
        matches!(self.status, ActorStatus::Running | ActorStatus::Stopping)
    }

    /// Is the application busy with a batch's per-batch work at `now` (its slow call)?
    pub fn in_batch_work(&self, now: Millis) -> bool {
        matches!(self.batch_work, BatchWork::Until(done) if now < done)
    }

    /// Is the process frozen at `now`?
    pub fn is_paused(&self, now: Millis) -> bool {
        self.paused_until.is_some_and(|until| now < until)
    }

    /// One step of the application's loop at `now`:
    /// `poll` -> (commit first, at-most-once) -> process each record -> commit (per record /
    /// per batch) -> `poll` again.
    pub fn wake(&mut self, now: Millis) -> AppStep {
        if !self.is_live() || now < self.next_wake || self.waiting_commit.is_some() {
            return AppStep::Idle;
        }
        if self.pipeline.is_some() {
            return self.wake_pipeline(now);
        }
        if let Some((record, done)) = self.processing.take() {
            if now < done {
                self.processing = Some((record, done));
                self.next_wake = done;
                return AppStep::Idle;
            }
            self.processed += 1;
            self.consumer.mark_processed(&record.tp, record.offset);
            if self.spec.commit_mode == CommitMode::PerRecord
                && self.spec.semantics == Semantics::AtLeastOnce
            {
                let offsets = vec![(record.tp.clone(), record.offset + 1)];
                self.waiting_commit = self.consumer.commit_sync(Some(offsets), now).ok();
            }
            self.next_wake = now;
            let source = crate::sim::pipeline::source_of(&record);
            return AppStep::Processed(record.tp, record.offset, source);
        }
        if let Some(record) = self.batch.pop_front() {
            let done = now + self.spec.processing_ms;
            self.processing = Some((record, done));
            self.next_wake = done;
            return AppStep::Idle;
        }
        // The batch's records are done: its per-batch work, if any.
        match self.batch_work {
            BatchWork::Owed => {
                self.batch_work = BatchWork::Until(now + self.spec.batch_ms);
                self.next_wake = now + self.spec.batch_ms;
                return AppStep::Idle;
            }
            BatchWork::Until(done) if now < done => {
                self.next_wake = done;
                return AppStep::Idle;
            }
            BatchWork::Until(_) => self.batch_work = BatchWork::None,
            BatchWork::None => {}
        }
        // The batch is done.
        if self.batch_needs_commit {
            self.batch_needs_commit = false;
            if self.spec.commit_mode == CommitMode::PerBatchAsync {
                // commitAsync: fire and go on polling.
                let _ = self.consumer.commit_async(None, now);
            } else {
                self.waiting_commit = self.consumer.commit_sync(None, now).ok();
                if self.waiting_commit.is_some() {
                    return AppStep::Idle;
                }
            }
        }
        if self.status == ActorStatus::Stopping {
            self.consumer.close(now);
            self.status = ActorStatus::Stopped;
            return AppStep::Idle;
        }
        let records = self.consumer.poll(now);
        let n = records.len();
        if n == 0 {
            self.next_wake = now + IDLE_POLL_MS;
            self.recommit(now);
            return AppStep::Polled(0);
        }
        self.batch.extend(records);
        if self.spec.batch_ms > 0 {
            self.batch_work = BatchWork::Owed;
        }
        match (self.spec.semantics, self.spec.commit_mode) {
            // Commit the batch's end before processing anything: a crash now loses it.
            (Semantics::AtMostOnce, _) => {
                self.waiting_commit = self.consumer.commit_sync(None, now).ok();
            }
            (Semantics::AtLeastOnce, CommitMode::PerBatch | CommitMode::PerBatchAsync) => {
                self.batch_needs_commit = true
            }
            _ => {}
        }
        self.next_wake = now;
        AppStep::Polled(n)
    }
}
