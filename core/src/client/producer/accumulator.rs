//! The record accumulator: per-partition queues of batches waiting to be sent.
//!
//! This is the Java client's `RecordAccumulator`. `send()` only *appends* a record to the
//! last batch of its partition's queue; the sender later *drains* whole batches that are
//! ready. A batch is ready when it is full (`batch.size`), when its first record has waited
//! `linger.ms`, when a `flush()` covers it, or, for a batch being retried, when its
//! `retry.backoff.ms` has passed. Waiting a little (linger) is what turns a stream of small
//! sends into few, large requests.

use crate::collections::{BTreeMap, BTreeSet};
use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use crate::client::producer::SendId;
use crate::client::TopicPartition;
use crate::error::KafkaError;
use crate::record::{Millis, Record, RecordBatch};
use crate::sort::set_of;

/// The fixed header of a v2 record batch, counted against `batch.size` like the Java
/// client does (see [`RecordBatch::from_records`]).
pub(super) const BATCH_OVERHEAD: usize = 61;

/// Records bound for one partition, sent and acknowledged together.
#[derive(Debug, Clone)]
pub(super) struct ProducerBatch {
    pub tp: TopicPartition,
    /// The records with the id `send()` returned for each, in send order.
    pub records: Vec<(SendId, Record)>,
    /// Estimated size: batch header plus records.
    pub bytes: usize,
    /// When the first record was appended: linger and `delivery.timeout.ms` count from here.
    pub created_at: Millis,
    /// How often it was sent again after a retriable error or a request timeout.
    pub retries: u32,
    /// Not sendable before this (`retry.backoff.ms` after a failed attempt).
    pub retry_at: Option<Millis>,
    /// The last retriable error, reported if the batch finally expires.
    pub last_error: Option<KafkaError>,
    /// A batch that was sent once takes no more records, so a retry resends the same batch.
    pub closed: bool,
}

impl ProducerBatch {
    fn new(tp: TopicPartition, now: Millis) -> ProducerBatch {
        ProducerBatch {
            tp,
            records: Vec::new(),
            bytes: BATCH_OVERHEAD,
            created_at: now,
            retries: 0,
            retry_at: None,
            last_error: None,
            closed: false,
        }
    }

    /// The id of the first record: every record in the batch was sent at or after it.
    pub fn first_id(&self) -> SendId {
        self.records.first().map_or(SendId::MAX, |(id, _)| *id)
    }

    /// The wire batch (the broker assigns its base offset).
    pub fn to_record_batch(&self) -> Option<RecordBatch> {
        RecordBatch::from_records(self.records.iter().map(|(_, r)| r.clone()).collect())
    }

    /// Two batches of the same age and history, for re-sending one that was too large
    /// (Java's `splitAndReenqueue`). `None` when there is a single record.
    pub fn split(mut self) -> Option<(ProducerBatch, ProducerBatch)> {
        if self.records.len() < 2 {
            return None;
        }
        let back = self.records.split_off(self.records.len() / 2);
        let mut second = self.clone();
        second.records = back;
        self.bytes = BATCH_OVERHEAD
            + self
                .records
                .iter()
                .map(|(_, r)| r.size_bytes())
                .sum::<usize>();
        second.bytes = BATCH_OVERHEAD
            + second
                .records
                .iter()
                .map(|(_, r)| r.size_bytes())
                .sum::<usize>();
        Some((self, second))
    }
}

/// A pending batch as the visualiser sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchView {
    /// Records in the batch.
    pub records: usize,
    /// Estimated bytes (batch header included), compared with `batch.size`.
    pub bytes: usize,
    /// Milliseconds since its first record was appended (compare with `linger.ms`).
    pub age_ms: Millis,
    /// Times it was already sent and had to be retried.
    pub retries: u32,
    /// Whether the sender would take it now (if the partition and the connection allow).
    pub ready: bool,
}

/// One partition's queue as the visualiser sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionQueueView {
    /// The partition.
    pub tp: TopicPartition,
    /// A batch for this partition is in flight: the next one waits for its answer.
    pub in_flight: bool,
    /// Batches waiting to be sent, oldest first.
    pub batches: Vec<BatchView>,
}

/// The settings the accumulator needs, copied from the producer's config.
#[derive(Debug, Clone, Copy)]
pub(super) struct AccumulatorConfig {
    pub batch_size: usize,
    pub linger_ms: Millis,
    pub max_request_size: usize,
}

/// Per-partition batch queues, plus which partitions have a batch in flight.
#[derive(Debug, Clone)]
pub(super) struct Accumulator {
    config: AccumulatorConfig,
    queues: BTreeMap<TopicPartition, VecDeque<ProducerBatch>>,
    /// Partitions with a batch in flight ("muted" in the Java client): nothing more is sent
    /// to them until it is answered, which keeps each partition in send order.
    muted: BTreeSet<TopicPartition>,
    /// Partitions a transactional producer has not added to its transaction yet
    /// (AddPartitionsToTxn): their batches wait.
    held: BTreeSet<TopicPartition>,
    /// Where the next drain starts, rotated so no partition is starved by request limits.
    drain_start: usize,
}

impl Accumulator {
    pub fn new(config: AccumulatorConfig) -> Accumulator {
        Accumulator {
            config,
            queues: BTreeMap::new(),
            muted: BTreeSet::new(),
            held: BTreeSet::new(),
            drain_start: 0,
        }
    }

    /// Add a record to the last open batch of its partition, or start a new batch when it
    /// does not fit. A record bigger than `batch.size` gets a batch of its own.
    pub fn append(&mut self, tp: TopicPartition, id: SendId, record: Record, now: Millis) {
        let size = record.size_bytes();
        let batch_size = self.config.batch_size;
        let queue = self.queues.entry(tp.clone()).or_default();
        let fits = queue
            .back()
            .is_some_and(|b| !b.closed && b.bytes + size <= batch_size);
        if !fits {
            queue.push_back(ProducerBatch::new(tp, now));
        }
        if let Some(batch) = queue.back_mut() {
            batch.bytes += size;
            batch.records.push((id, record));
        }
    }

    /// Put a batch back at the *front* of its queue (it is older than everything behind
    /// it), sendable again from `retry_at`.
    pub fn reenqueue(&mut self, mut batch: ProducerBatch, retry_at: Option<Millis>) {
        batch.retry_at = retry_at;
        self.queues
            .entry(batch.tp.clone())
            .or_default()
            .push_front(batch);
    }

    /// The partition's batch was answered (or given up on): it may send again.
    pub fn unmute(&mut self, tp: &TopicPartition) {
        self.muted.remove(tp);
    }

    /// Keep `tp`'s batches back until [`Accumulator::release`].
    pub fn hold(&mut self, tp: TopicPartition) {
        self.held.insert(tp);
    }

    /// Let `tp`'s batches go.
    pub fn release(&mut self, tp: &TopicPartition) {
        self.held.remove(tp);
    }

    /// Every queued batch, taken out (a transaction is aborted: they are never sent).
    pub fn take_all(&mut self) -> Vec<ProducerBatch> {
        self.held.clear();
        std::mem::take(&mut self.queues)
            .into_values()
            .flatten()
            .collect()
    }

    /// Whether a batch is ready to go at `now`.
    fn is_ready(
        &self,
        batch: &ProducerBatch,
        queue_len: usize,
        now: Millis,
        flush_upto: Option<SendId>,
    ) -> bool {
        match batch.retry_at {
            Some(retry_at) => now >= retry_at,
            None => {
                self.is_full_or_flushed(batch, queue_len, flush_upto)
                    || now >= batch.created_at + self.config.linger_ms
            }
        }
    }

    /// Ready without waiting for `linger.ms`: a later batch exists (this one had no room
    /// left), it reached `batch.size`, or a flush covers it.
    fn is_full_or_flushed(
        &self,
        batch: &ProducerBatch,
        queue_len: usize,
        flush_upto: Option<SendId>,
    ) -> bool {
        queue_len > 1
            || batch.bytes >= self.config.batch_size
            || flush_upto.is_some_and(|upto| batch.first_id() <= upto)
    }

    /// Take the first ready batch of every ready, unmuted partition, up to
    /// `max.request.size` bytes in total (at least one batch), and mute those partitions.
    pub fn drain(&mut self, now: Millis, flush_upto: Option<SendId>) -> Vec<ProducerBatch> {
        let tps: Vec<TopicPartition> = self.queues.keys().cloned().collect();
        if tps.is_empty() {
            return Vec::new();
        }
        let start = self.drain_start % tps.len();
        self.drain_start = self.drain_start.wrapping_add(1);
        let mut drained = Vec::new();
        let mut bytes = 0;
        for tp in tps[start..].iter().chain(&tps[..start]) {
            if self.muted.contains(tp) || self.held.contains(tp) {
                continue;
            }
            let Some(queue) = self.queues.get(tp) else {
                continue;
            };
            let Some(first) = queue.front() else { continue };
            if !self.is_ready(first, queue.len(), now, flush_upto) {
                continue;
            }
            if !drained.is_empty() && bytes + first.bytes > self.config.max_request_size {
                continue;
            }
            let queue = self.queues.get_mut(tp).expect("looked up above");
            let mut batch = queue.pop_front().expect("front exists");
            if queue.is_empty() {
                self.queues.remove(tp);
            }
            batch.closed = true;
            bytes += batch.bytes;
            self.muted.insert(tp.clone());
            drained.push(batch);
        }
        drained
    }

    /// Remove every queued batch whose `delivery.timeout.ms` has run out.
    pub fn expire(&mut self, now: Millis, delivery_timeout_ms: Millis) -> Vec<ProducerBatch> {
        let mut expired = Vec::new();
        for queue in self.queues.values_mut() {
            let (keep, gone): (VecDeque<_>, VecDeque<_>) = std::mem::take(queue)
                .into_iter()
                .partition(|b| now < b.created_at + delivery_timeout_ms);
            *queue = keep;
            expired.extend(gone);
        }
        self.queues.retain(|_, q| !q.is_empty());
        expired
    }

    /// The earliest time something here changes on its own: a linger or a backoff ends
    /// (only for partitions that could send), or a batch expires.
    pub fn next_deadline(
        &self,
        can_send: bool,
        flush_upto: Option<SendId>,
        delivery_timeout_ms: Millis,
    ) -> Option<Millis> {
        let mut next: Option<Millis> = None;
        let mut consider = |t: Millis| next = Some(next.map_or(t, |n: Millis| n.min(t)));
        for (tp, queue) in &self.queues {
            for batch in queue {
                consider(batch.created_at + delivery_timeout_ms);
            }
            let Some(first) = queue.front() else { continue };
            if !can_send || self.muted.contains(tp) || self.held.contains(tp) {
                continue;
            }
            if let Some(retry_at) = first.retry_at {
                consider(retry_at);
            } else if !self.is_full_or_flushed(first, queue.len(), flush_upto) {
                // It becomes ready when its linger ends.
                consider(first.created_at + self.config.linger_ms);
            }
        }
        next
    }

    /// Records waiting in batches (not in flight).
    pub fn records(&self) -> usize {
        self.queues
            .values()
            .flat_map(|q| q.iter())
            .map(|b| b.records.len())
            .sum()
    }

    /// The queues for display, plus empty entries for partitions that only have a batch
    /// in flight.
    pub fn view(&self, now: Millis, flush_upto: Option<SendId>) -> Vec<PartitionQueueView> {
        let tps: BTreeSet<&TopicPartition> = set_of(self.queues.keys().chain(&self.muted));
        tps.into_iter()
            .map(|tp| {
                let queue = self.queues.get(tp);
                let len = queue.map_or(0, VecDeque::len);
                let muted = self.muted.contains(tp);
                PartitionQueueView {
                    tp: tp.clone(),
                    in_flight: muted,
                    batches: queue
                        .into_iter()
                        .flatten()
                        .enumerate()
                        .map(|(i, b)| BatchView {
                            records: b.records.len(),
                            bytes: b.bytes,
                            age_ms: now - b.created_at,
                            retries: b.retries,
                            ready: i == 0 && !muted && self.is_ready(b, len, now, flush_upto),
                        })
                        .collect(),
                }
            })
            .collect()
    }
}
