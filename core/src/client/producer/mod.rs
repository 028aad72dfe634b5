//! The producer: `send()` now, batches on the wire later, an answer for every record.
//!
//! Like the Java `KafkaProducer`, `send()` does not talk to the broker. It picks a
//! partition ([`crate::client::partitioner`]), appends the record to that partition's
//! current batch in the *accumulator*, and returns an id at once. The *sender* half then
//! takes ready batches (full, lingered, flushed) and packs them into Produce requests, at
//! most `max.in.flight.requests.per.connection` of them unanswered at a time. Each record
//! ends in exactly one [`ProducerEvent`]: `Acked` with its offset, `Failed` with the
//! broker's error, or `Expired` when `delivery.timeout.ms` ran out.
//!
//! As a sans-IO state machine the driver's loop is:
//! 1. [`Producer::send`] records (and [`Producer::flush`] when it wants them out now);
//! 2. hand every [`Producer::poll_transmit`] request to the broker, and every answer back
//!    to [`Producer::handle_response`] with the same correlation id;
//! 3. call [`Producer::handle_timeout`] when [`Producer::poll_timeout`] says so;
//! 4. read the outcomes from [`Producer::poll_event`].
//!
//! Choices worth knowing:
//! - **Retries and order.** Retriable errors (`UNKNOWN_TOPIC_OR_PARTITION` right after a
//!   topic is auto-created, say) are retried after `retry.backoff.ms` until
//!   `delivery.timeout.ms`. Without idempotence, Kafka may *reorder* a partition when
//!   several batches of it are in flight and an early one is retried. We never put a second
//!   batch of a partition in flight while one is unanswered (Java does this only with
//!   `max.in.flight.requests.per.connection=1`), so order within a partition always holds;
//!   `max.in.flight` buys parallelism across partitions only.
//! - **Retries and duplicates.** A request whose answer never comes is given up on after
//!   `request.timeout.ms` and its batches are sent again. If the broker had appended them,
//!   they are now in the log twice: the duplicates idempotence exists to prevent.
//! - **`acks=0`.** The broker does not answer, so the producer reports every record
//!   `Acked` with offset -1 the moment the request leaves. If the request is lost or the
//!   broker rejects it, nobody ever finds out: this is how `acks=0` loses data silently.

mod accumulator;
mod metadata;
mod sender;
mod transactions;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod txn_tests;

use crate::collections::BTreeMap;
use std::collections::VecDeque;

use bytes::Bytes;
use serde::{Deserialize, Serialize};

pub use accumulator::{BatchView, PartitionQueueView};
pub use sender::is_retriable;
pub use transactions::{TransactionError, TransactionEvent, TransactionState};

use accumulator::{Accumulator, AccumulatorConfig, ProducerBatch, BATCH_OVERHEAD};
use metadata::MetadataCache;
use transactions::TransactionManager;

use crate::broker::ProduceResult;
use crate::client::partitioner::StickyPartitioner;
use crate::client::{Acks, Request, Response, TopicPartition};
use crate::error::KafkaError;
use crate::record::{Header, Millis, Offset, ProducerInfo, Record};
use crate::sort::map_of;
use crate::topic::validate_topic_name;

/// What `send()` returns: the record's ticket, increasing from 0. Its outcome arrives as a
/// [`ProducerEvent`] carrying the same id (Java hands back a `Future` instead).
pub type SendId = u64;

/// Producer settings. Defaults are the Java client's (Kafka 4.0).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ProducerConfig {
    /// `client.id`, shown in the broker's events.
    pub client_id: String,
    /// `acks`: `all` by default since Kafka 3.0.
    pub acks: Acks,
    /// `linger.ms`: how long a batch waits for more records (5 since Kafka 4.0, was 0).
    pub linger_ms: Millis,
    /// `batch.size`: bytes per partition batch; also when keyless records switch partition.
    pub batch_size: usize,
    /// `max.in.flight.requests.per.connection`: unanswered Produce requests allowed.
    pub max_in_flight_requests_per_connection: usize,
    /// `retries`: how often a batch is retried (Java's default, `Integer.MAX_VALUE`, means
    /// "until `delivery.timeout.ms`").
    pub retries: u32,
    /// `retry.backoff.ms`: the pause before a retry or an urgent Metadata request.
    pub retry_backoff_ms: Millis,
    /// `request.timeout.ms`: how long to wait for an answer before giving a request up.
    pub request_timeout_ms: Millis,
    /// `delivery.timeout.ms`: the bound on the time from `send()` to the record's outcome
    /// (lingering, waiting for metadata and retries included).
    pub delivery_timeout_ms: Millis,
    /// `metadata.max.age.ms`: refresh metadata this often even when nothing went wrong.
    pub metadata_max_age_ms: Millis,
    /// `max.request.size`: the largest record (and, roughly, Produce request) allowed.
    pub max_request_size: usize,
    /// Seed for the sticky partitioner's choices (Java uses `ThreadLocalRandom`).
    pub seed: u64,
    /// `transactional.id`: makes the producer transactional (see `transactions.rs`). The
    /// same id across restarts of an application is what lets the new instance fence the
    /// old one and abort what it left open.
    pub transactional_id: Option<String>,
    /// `transaction.timeout.ms`: the coordinator aborts a transaction open longer than
    /// this (Java's default: 60 s).
    pub transaction_timeout_ms: i32,
}

impl Default for ProducerConfig {
    fn default() -> Self {
        ProducerConfig {
            client_id: "producer-1".into(),
            acks: Acks::All,
            linger_ms: 5,
            batch_size: 16_384,
            max_in_flight_requests_per_connection: 5,
            retries: i32::MAX as u32,
            retry_backoff_ms: 100,
            request_timeout_ms: 30_000,
            delivery_timeout_ms: 120_000,
            metadata_max_age_ms: 300_000,
            max_request_size: 1_048_576,
            seed: 0,
            transactional_id: None,
            transaction_timeout_ms: 60_000,
        }
    }
}

/// Why `send()` refused a record outright (nothing is queued, no event follows).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProducerError {
    /// The topic name can never be valid (empty, too long, illegal characters).
    #[error("invalid topic name {0:?}")]
    InvalidTopic(String),
    /// Java's `RecordTooLargeException`, thrown by `send()` itself.
    #[error("the record is {size} bytes when serialized, larger than max.request.size ({max})")]
    RecordTooLarge {
        /// Record size including the batch header.
        size: usize,
        /// `max.request.size`.
        max: usize,
    },
    /// A transactional producer sends only inside a transaction (`begin_transaction`).
    #[error("a transactional producer sends only inside a transaction (state {0:?})")]
    NotInTransaction(TransactionState),
}

/// The outcome of a `send()`, or news the producer learnt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ProducerEvent {
    /// The record is in the log (or, with `acks=0`, was merely sent: offset -1).
    Acked {
        /// The `send()` it answers.
        id: SendId,
        /// Where it went.
        tp: TopicPartition,
        /// Its offset: the batch's base offset plus its index in the batch.
        offset: Offset,
        /// Its timestamp (`CreateTime`).
        timestamp: Millis,
    },
    /// The broker refused the record with an error that retrying cannot fix (or retries
    /// were used up).
    Failed {
        /// The `send()` it answers.
        id: SendId,
        /// Where it was going.
        tp: TopicPartition,
        /// The broker's error.
        error: KafkaError,
    },
    /// `delivery.timeout.ms` ran out (Java's `TimeoutException`). The record may still be
    /// in the log, if the broker appended it but its answer was lost.
    Expired {
        /// The `send()` it answers.
        id: SendId,
        /// Where it was going; partition -1 if the topic's metadata never arrived.
        tp: TopicPartition,
        /// The last retriable error seen, if any.
        last_error: Option<KafkaError>,
    },
    /// Metadata showed a topic for the first time or with a new partition count.
    MetadataUpdated {
        /// The topic.
        topic: String,
        /// Its partition count now.
        partitions: i32,
    },
}

/// A record held back until its topic's partition count is known.
#[derive(Debug, Clone)]
struct Waiting {
    id: SendId,
    record: Record,
    sent_at: Millis,
    /// The partition asked for, if the caller chose one.
    partition: Option<i32>,
}

/// A Produce request awaiting its answer.
#[derive(Debug, Clone)]
struct InFlight {
    sent_at: Millis,
    batches: Vec<ProducerBatch>,
}

/// A sans-IO Kafka producer: the Java client's accumulator and sender in one value.
#[derive(Debug, Clone)]
pub struct Producer {
    config: ProducerConfig,
    partitioner: StickyPartitioner,
    accumulator: Accumulator,
    metadata: MetadataCache,
    waiting: BTreeMap<String, VecDeque<Waiting>>,
    in_flight: BTreeMap<u64, InFlight>,
    next_send_id: SendId,
    next_correlation_id: u64,
    /// Batches whose first record has an id up to this are ready regardless of linger.
    flush_upto: Option<SendId>,
    events: VecDeque<ProducerEvent>,
    /// The transactional half, with a `transactional.id`.
    txn: Option<TransactionManager>,
}

impl Producer {
    /// A producer that knows no topics yet, started at `now`.
    pub fn new(config: ProducerConfig, now: Millis) -> Producer {
        Producer {
            partitioner: StickyPartitioner::new(config.batch_size, config.seed),
            accumulator: Accumulator::new(AccumulatorConfig {
                batch_size: config.batch_size,
                linger_ms: config.linger_ms,
                max_request_size: config.max_request_size,
            }),
            metadata: MetadataCache::new(config.metadata_max_age_ms, now),
            waiting: BTreeMap::new(),
            in_flight: BTreeMap::new(),
            next_send_id: 0,
            next_correlation_id: 0,
            flush_upto: None,
            events: VecDeque::new(),
            txn: config
                .transactional_id
                .clone()
                .map(|id| TransactionManager::new(id, config.transaction_timeout_ms)),
            config,
        }
    }

    /// Queue a record for `topic`; `timestamp` defaults to `now`. Returns at once: the
    /// outcome comes later as a [`ProducerEvent`] with the returned id.
    pub fn send(
        &mut self,
        topic: &str,
        key: Option<Bytes>,
        value: Option<Bytes>,
        headers: Vec<Header>,
        timestamp: Option<Millis>,
        now: Millis,
    ) -> Result<SendId, ProducerError> {
        self.send_to(topic, None, key, value, headers, timestamp, now)
    }

    /// [`send`](Self::send) with the partition chosen by the caller (`Some`: Java's
    /// `ProducerRecord` with a partition, which bypasses the partitioner). A partition the
    /// topic does not have fails the record with `UNKNOWN_TOPIC_OR_PARTITION` once the
    /// topic's partition count is known.
    #[allow(clippy::too_many_arguments)] // the fields of Java's ProducerRecord, and now
    pub fn send_to(
        &mut self,
        topic: &str,
        partition: Option<i32>,
        key: Option<Bytes>,
        value: Option<Bytes>,
        headers: Vec<Header>,
        timestamp: Option<Millis>,
        now: Millis,
    ) -> Result<SendId, ProducerError> {
        validate_topic_name(topic).map_err(|_| ProducerError::InvalidTopic(topic.to_string()))?;
        if let Some(state) = self.transaction_state() {
            if state != TransactionState::InTransaction {
                return Err(ProducerError::NotInTransaction(state));
            }
        }
        let record = Record {
            key,
            value,
            headers,
            timestamp: timestamp.unwrap_or(now),
        };
        let size = BATCH_OVERHEAD + record.size_bytes();
        if size > self.config.max_request_size {
            return Err(ProducerError::RecordTooLarge {
                size,
                max: self.config.max_request_size,
            });
        }
        let id = self.next_send_id;
        self.next_send_id += 1;
        let known = self.metadata.partitions.get(topic).copied();
        match known {
            Some(partitions) if !self.waiting.contains_key(topic) => {
                self.append(topic, partitions, partition, id, record, now);
            }
            _ => self
                .waiting
                .entry(topic.to_string())
                .or_default()
                .push_back(Waiting {
                    id,
                    record,
                    sent_at: now,
                    partition,
                }),
        }
        Ok(id)
    }

    /// Make every record sent so far ready to go, without waiting for `linger.ms`.
    pub fn flush(&mut self) {
        self.flush_upto = self.next_send_id.checked_sub(1);
    }

    /// The next request to send, with its correlation id: a Metadata request when one is
    /// due, else a Produce request with the first ready batch of every ready partition.
    pub fn poll_transmit(&mut self, now: Millis) -> Option<(u64, Request)> {
        if let Some(request) = self.metadata_request(now) {
            return Some(request);
        }
        if let Some(request) = self.transaction_request(now) {
            return Some(request);
        }
        if self.in_flight.len() >= self.config.max_in_flight_requests_per_connection.max(1) {
            return None;
        }
        let batches = self.accumulator.drain(now, self.flush_upto);
        if batches.is_empty() {
            return None;
        }
        let correlation_id = self.next_correlation_id();
        // A transaction's batches carry the producer id and epoch, and the transactional
        // bit: that is what the partition's last stable offset and the markers go by.
        let producer = self.txn.as_ref().map_or(ProducerInfo::NONE, |t| {
            let (id, epoch) = t.producer();
            ProducerInfo::transactional(id, epoch)
        });
        let wire = batches
            .iter()
            .filter_map(|b| {
                let batch = b.to_record_batch()?.with_producer(producer);
                Some((b.tp.clone(), batch))
            })
            .collect();
        let acks = self.config.acks;
        if acks == Acks::None {
            // No answer will come: report success now, and let the partition send on.
            for batch in batches {
                self.accumulator.unmute(&batch.tp);
                self.acked(&batch, -1);
            }
        } else {
            self.in_flight.insert(
                correlation_id,
                InFlight {
                    sent_at: now,
                    batches,
                },
            );
        }
        Some((
            correlation_id,
            Request::Produce {
                acks,
                batches: wire,
            },
        ))
    }

    /// The broker's answer to request `correlation_id`. Answers to requests the producer
    /// already gave up on (`request.timeout.ms`) are ignored.
    pub fn handle_response(&mut self, correlation_id: u64, response: Response, now: Millis) {
        if self.metadata.in_flight.map(|(id, _)| id) == Some(correlation_id) {
            self.metadata.in_flight = None;
            match response {
                Response::Metadata(metadata) => self.handle_metadata(metadata, now),
                _ => self.metadata.backoff_until = now + self.config.retry_backoff_ms,
            }
            return;
        }
        if self.txn.as_ref().is_some_and(|t| t.awaits(correlation_id)) {
            return self.handle_transaction_response(response, now);
        }
        let Some(request) = self.in_flight.remove(&correlation_id) else {
            return;
        };
        let mut results: BTreeMap<TopicPartition, Result<ProduceResult, KafkaError>> =
            match response {
                Response::Produce(results) => map_of(results),
                _ => BTreeMap::new(),
            };
        for batch in request.batches {
            self.accumulator.unmute(&batch.tp);
            // A partition missing from the answer is a broker bug: do not retry blindly.
            let result = results
                .remove(&batch.tp)
                .unwrap_or(Err(KafkaError::UnknownServerError));
            self.complete(batch, result, now);
        }
    }

    /// Fire what is due at `now`: give up on unanswered requests, expire records past
    /// `delivery.timeout.ms`.
    pub fn handle_timeout(&mut self, now: Millis) {
        let request_timeout = self.config.request_timeout_ms;
        if let Some((_, sent_at)) = self.metadata.in_flight {
            if now >= sent_at + request_timeout {
                self.metadata.in_flight = None;
                self.metadata.backoff_until = now + self.config.retry_backoff_ms;
            }
        }
        let timed_out: Vec<u64> = self
            .in_flight
            .iter()
            .filter(|(_, r)| now >= r.sent_at + request_timeout)
            .map(|(id, _)| *id)
            .collect();
        for correlation_id in timed_out {
            let Some(request) = self.in_flight.remove(&correlation_id) else {
                continue;
            };
            for mut batch in request.batches {
                self.accumulator.unmute(&batch.tp);
                if self.txn.is_some() {
                    // Sent again, a batch whose first copy did land would be in the
                    // transaction twice (the simulated producer is not idempotent): the
                    // transaction cannot commit; it fails and is aborted instead.
                    self.expired(&batch);
                } else if self.can_retry(&batch, now) {
                    batch.retries += 1;
                    let retry_at = now + self.config.retry_backoff_ms;
                    self.accumulator.reenqueue(batch, Some(retry_at));
                } else {
                    self.expired(&batch);
                }
            }
        }
        let delivery_timeout = self.config.delivery_timeout_ms;
        for batch in self.accumulator.expire(now, delivery_timeout) {
            self.expired(&batch);
        }
        for (topic, queue) in &mut self.waiting {
            while queue
                .front()
                .is_some_and(|w| now >= w.sent_at + delivery_timeout)
            {
                let Some(w) = queue.pop_front() else { break };
                self.events.push_back(ProducerEvent::Expired {
                    id: w.id,
                    tp: TopicPartition::new(topic.clone(), -1),
                    last_error: self.metadata.errors.get(topic).copied(),
                });
            }
        }
        self.waiting.retain(|_, q| !q.is_empty());
    }

    /// When [`Producer::handle_timeout`] (and then [`Producer::poll_transmit`]) has work
    /// to do: a linger or backoff ending, a request or a record timing out, a metadata
    /// refresh.
    pub fn poll_timeout(&self) -> Option<Millis> {
        let can_send =
            self.in_flight.len() < self.config.max_in_flight_requests_per_connection.max(1);
        let delivery_timeout = self.config.delivery_timeout_ms;
        let request_timeout = self.config.request_timeout_ms;
        let accumulator =
            self.accumulator
                .next_deadline(can_send, self.flush_upto, delivery_timeout);
        let waiting = self
            .waiting
            .values()
            .filter_map(|q| q.front())
            .map(|w| w.sent_at + delivery_timeout);
        let requests = self.in_flight.values().map(|r| r.sent_at + request_timeout);
        let metadata = match self.metadata.in_flight {
            Some((_, sent_at)) => Some(sent_at + request_timeout),
            None => self.metadata.next_request_at(!self.waiting.is_empty()),
        };
        accumulator
            .into_iter()
            .chain(waiting)
            .chain(requests)
            .chain(metadata)
            .chain(self.transaction_timeout())
            .min()
    }

    /// The next outcome or news, in the order they happened.
    pub fn poll_event(&mut self) -> Option<ProducerEvent> {
        self.events.pop_front()
    }

    /// Unanswered Produce requests (`acks=0` requests are never counted: no answer comes).
    pub fn in_flight(&self) -> usize {
        self.in_flight.len()
    }

    /// Records not sent yet: waiting for metadata or in the accumulator.
    pub fn buffered_records(&self) -> usize {
        self.waiting.values().map(VecDeque::len).sum::<usize>() + self.accumulator.records()
    }

    /// Records with no outcome yet: buffered or in flight. Zero after a completed flush.
    pub fn pending_records(&self) -> usize {
        let in_flight: usize = self
            .in_flight
            .values()
            .flat_map(|r| &r.batches)
            .map(|b| b.records.len())
            .sum();
        self.buffered_records() + in_flight
    }

    /// Records waiting for their topic's metadata.
    pub fn waiting_for_metadata(&self) -> usize {
        self.waiting.values().map(VecDeque::len).sum()
    }

    /// Every partition with batches waiting or in flight, for display.
    pub fn partition_queues(&self, now: Millis) -> Vec<PartitionQueueView> {
        self.accumulator.view(now, self.flush_upto)
    }

    /// The partition counts the producer knows.
    pub fn known_partitions(&self) -> &BTreeMap<String, i32> {
        &self.metadata.partitions
    }

    /// Where `topic`'s next keyless record would go, once one was sent.
    pub fn sticky_partition(&self, topic: &str) -> Option<i32> {
        self.partitioner.sticky_partition(topic)
    }

    /// The settings.
    pub fn config(&self) -> &ProducerConfig {
        &self.config
    }

    fn next_correlation_id(&mut self) -> u64 {
        let id = self.next_correlation_id;
        self.next_correlation_id += 1;
        id
    }

    /// Pick the partition and append to the accumulator.
    fn append(
        &mut self,
        topic: &str,
        partitions: i32,
        chosen: Option<i32>,
        id: SendId,
        record: Record,
        now: Millis,
    ) {
        let partition = match chosen {
            Some(p) if (0..partitions).contains(&p) => p,
            Some(p) => {
                self.events.push_back(ProducerEvent::Failed {
                    id,
                    tp: TopicPartition::new(topic, p),
                    error: KafkaError::UnknownTopicOrPartition,
                });
                return;
            }
            None => self.partitioner.partition(
                topic,
                record.key.as_deref(),
                record.size_bytes(),
                partitions,
            ),
        };
        let tp = TopicPartition::new(topic, partition);
        if self.txn.as_mut().is_some_and(|t| t.track_partition(&tp)) {
            self.accumulator.hold(tp.clone());
        }
        self.accumulator.append(tp, id, record, now);
    }
}
