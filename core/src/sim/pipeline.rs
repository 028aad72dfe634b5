//! Read-process-write applications: consume, write one output record per input record,
//! and commit the input offsets, either at-least-once or exactly-once.
//!
//! - **At-least-once**: write the polled batch's outputs, wait until every one is
//!   acknowledged, then commit the input offsets (`commitSync`). A crash after the writes
//!   and before the commit makes the replacement process the batch again, and write its
//!   outputs again: every reader of the output sees those records twice.
//! - **Exactly-once** (a `transactional.id`): one transaction per polled batch. The outputs
//!   are sent inside it, the input offsets go with it (`send_offsets_to_transaction`,
//!   with the consumer's generation and member id), and `commit_transaction` makes both
//!   visible at once. A crash leaves the transaction open; the replacement's
//!   `init_transactions` (same transactional id) fences the old instance and aborts it.
//!   The batch is then processed again, so its outputs are in the log twice, but the first
//!   copy is in an aborted transaction: a `read_committed` reader never sees it, a
//!   `read_uncommitted` one does.
//!
//! The input consumer reads `read_committed` and never commits by itself. An aborted
//! transaction (a refused write, a rebalance that took a partition away) rewinds the
//! consumer to where the transaction began, as Kafka's examples do.

use crate::collections::BTreeMap;

use bytes::Bytes;

use crate::client::consumer::PolledRecord;
use crate::client::producer::{Producer, ProducerConfig, TransactionEvent, TransactionState};
use crate::client::TopicPartition;
use crate::error::KafkaError;
use crate::record::{Header, Millis, Offset};
use crate::sim::actors::{ActorStatus, AppStep, ConsumerActor, IDLE_POLL_MS};
use crate::sim::command::ConsumerSpec;

/// The header an output record names its input with: `topic-partition@offset`.
pub const SOURCE_HEADER: &str = "source";

/// The input an output record was made from, if it says.
pub fn source_of(record: &PolledRecord) -> Option<String> {
    let header = record
        .record
        .headers
        .iter()
        .find(|h| h.key == SOURCE_HEADER)?;
    String::from_utf8(header.value.as_ref()?.to_vec()).ok()
}

/// The writing half of a read-process-write application.
#[derive(Debug, Clone)]
pub struct Pipeline {
    /// The output producer (a new one, with the same transactional id, for each restart).
    pub producer: Producer,
    /// Exactly-once (transactional) or at-least-once.
    pub exactly_once: bool,
    /// A transaction is open (exactly-once) or a batch's outputs are unacknowledged.
    pub in_batch: bool,
    /// Waiting for the producer: `init_transactions`, a commit or an abort.
    pub waiting: bool,
    /// Per input partition: where the open transaction began (to rewind to on abort) and
    /// the next offset to commit.
    pub progress: BTreeMap<TopicPartition, (Offset, Offset)>,
    /// The consumer's generation when the transaction began.
    pub generation: i32,
    /// Transactions this instance committed and aborted.
    pub committed: u64,
    /// Transactions this instance aborted.
    pub aborted: u64,
    /// The last transactional error it saw.
    pub last_error: Option<KafkaError>,
    /// It was fenced (`PRODUCER_FENCED`) and shut itself down.
    pub fenced: bool,
}

impl Pipeline {
    /// The writing half for `spec`, if it has an output.
    pub fn new(spec: &ConsumerSpec, now: Millis) -> Option<Pipeline> {
        let output = spec.output.as_ref()?;
        let config = ProducerConfig {
            client_id: format!("{}-producer", spec.name),
            linger_ms: 0,
            transactional_id: output.transactional_id.clone(),
            transaction_timeout_ms: output.transaction_timeout_ms,
            ..ProducerConfig::default()
        };
        Some(Pipeline {
            producer: Producer::new(config, now),
            exactly_once: output.transactional_id.is_some(),
            in_batch: false,
            waiting: false,
            progress: BTreeMap::new(),
            generation: -1,
            committed: 0,
            aborted: 0,
            last_error: None,
            fenced: false,
        })
    }
}

impl ConsumerActor {
    /// The producer's transactional outcomes, as the application reacts to them.
    pub fn transaction_events(&mut self, now: Millis) {
        let Some(p) = self.pipeline.as_mut() else {
            return;
        };
        let mut rewind = Vec::new();
        while let Some(event) = p.producer.poll_transaction_event() {
            match event {
                TransactionEvent::Initialized { .. } => p.waiting = false,
                TransactionEvent::Committed => {
                    p.committed += 1;
                    p.waiting = false;
                    p.in_batch = false;
                    p.progress.clear();
                }
                TransactionEvent::Aborted => {
                    p.aborted += 1;
                    p.waiting = false;
                    p.in_batch = false;
                    rewind.extend(
                        p.progress
                            .iter()
                            .map(|(tp, (start, _))| (tp.clone(), *start)),
                    );
                    p.progress.clear();
                }
                TransactionEvent::Failed { error, fatal } => {
                    p.last_error = error;
                    if fatal {
                        // A zombie: shut down, as Kafka tells applications to.
                        p.fenced = error == Some(KafkaError::ProducerFenced);
                        self.status = ActorStatus::Stopped;
                        self.batch.clear();
                        self.processing = None;
                        self.consumer.close(now);
                        return;
                    }
                    p.waiting = true;
                    let _ = p.producer.abort_transaction();
                }
            }
        }
        for (tp, offset) in rewind {
            self.batch.retain(|r| r.tp != tp);
            let _ = self.consumer.seek(&tp, offset);
        }
    }

    /// One step of a read-process-write application: poll, then per record process and
    /// write its output, then end the batch (commit the transaction, or wait for the acks
    /// and commit the offsets).
    pub(crate) fn wake_pipeline(&mut self, now: Millis) -> AppStep {
        let Some(p) = self.pipeline.as_mut() else {
            return AppStep::Idle;
        };
        if p.waiting {
            return AppStep::Idle;
        }
        if p.producer.transaction_state() == Some(TransactionState::Uninitialized) {
            let _ = p.producer.init_transactions();
            p.waiting = true;
            return AppStep::Idle;
        }
        if let Some((record, done)) = self.processing.take() {
            if now < done {
                self.processing = Some((record, done));
                self.next_wake = done;
                return AppStep::Idle;
            }
            let source = format!("{}@{}", record.tp, record.offset);
            let value = record.record.value.clone().unwrap_or_default();
            let mut invoice = b"invoice of ".to_vec();
            invoice.extend_from_slice(&value);
            let headers = vec![Header {
                key: SOURCE_HEADER.into(),
                value: Some(Bytes::from(source)),
            }];
            let topic = self.spec.output.as_ref().map_or("", |o| o.topic.as_str());
            let _ = p
                .producer
                .send(topic, None, Some(invoice.into()), headers, None, now);
            if let Some(progress) = p.progress.get_mut(&record.tp) {
                progress.1 = record.offset + 1;
            }
            self.processed += 1;
            self.consumer.mark_processed(&record.tp, record.offset);
            self.next_wake = now;
            return AppStep::Processed(record.tp, record.offset, None);
        }
        if let Some(record) = self.batch.pop_front() {
            let done = now + self.spec.processing_ms;
            self.processing = Some((record, done));
            self.next_wake = done;
            return AppStep::Idle;
        }
        if p.in_batch {
            return self.end_batch(now);
        }
        if self.status == ActorStatus::Stopping {
            self.consumer.close(now);
            self.status = ActorStatus::Stopped;
            return AppStep::Idle;
        }
        let records = self.consumer.poll(now);
        if records.is_empty() {
            self.next_wake = now + IDLE_POLL_MS;
            return AppStep::Polled(0);
        }
        let Some(p) = self.pipeline.as_mut() else {
            return AppStep::Idle;
        };
        if p.exactly_once && p.producer.begin_transaction().is_err() {
            // Not ready (a fatal error is being reported): try again later.
            self.batch.extend(records);
            self.next_wake = now + IDLE_POLL_MS;
            return AppStep::Idle;
        }
        p.in_batch = true;
        p.generation = self.consumer.generation();
        for r in &records {
            p.progress
                .entry(r.tp.clone())
                .or_insert((r.offset, r.offset));
        }
        let n = records.len();
        self.batch.extend(records);
        self.next_wake = now;
        AppStep::Polled(n)
    }

    /// The batch is processed: commit it.
    fn end_batch(&mut self, now: Millis) -> AppStep {
        let Some(p) = self.pipeline.as_mut() else {
            return AppStep::Idle;
        };
        let offsets: Vec<(TopicPartition, Offset)> = p
            .progress
            .iter()
            .filter(|(_, (start, next))| next > start)
            .map(|(tp, (_, next))| (tp.clone(), *next))
            .collect();
        if !p.exactly_once {
            // At-least-once: the outputs first, acknowledged; then the input offsets.
            p.producer.flush();
            if p.producer.pending_records() > 0 {
                self.next_wake = now + 1;
                return AppStep::Idle;
            }
            p.in_batch = false;
            p.progress.clear();
            if !offsets.is_empty() {
                self.waiting_commit = self.consumer.commit_sync(Some(offsets), now).ok();
            }
            return AppStep::Idle;
        }
        // A rebalance since the transaction began may have given a partition of it to
        // another member: its offsets are not ours to commit any more. Abort instead; the
        // new owner reads those records again and its own transaction writes them.
        let owned = self.consumer.assignment();
        let moved = self.consumer.generation() != p.generation
            || p.progress.keys().any(|tp| !owned.contains(tp));
        let group = self.consumer.group_metadata();
        let committing = match group {
            Some(group) if !moved => p
                .producer
                .send_offsets_to_transaction(offsets, group)
                .and_then(|()| p.producer.commit_transaction()),
            _ => p.producer.abort_transaction(),
        };
        match committing {
            Ok(()) => p.waiting = true,
            Err(_) => self.next_wake = now + IDLE_POLL_MS,
        }
        AppStep::Idle
    }
}
