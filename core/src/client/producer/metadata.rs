//! What the producer knows about topics, and when it asks again.
//!
//! The producer cannot pick a partition before it knows how many partitions a topic has,
//! so the first `send()` to a topic waits for a Metadata answer. After that, it refreshes
//! every `metadata.max.age.ms` even if nothing went wrong: that is how a running producer
//! notices partitions added with CreatePartitions. (And that is when keyed records start
//! landing in other partitions, because `murmur2(key) % partitions` changed: per-key order
//! holds only within one partition count.) It also refreshes early, after
//! `retry.backoff.ms`, while records wait for an unknown topic or after the broker answered
//! `UNKNOWN_TOPIC_OR_PARTITION`.

use crate::collections::BTreeMap;

use crate::broker::MetadataResponse;
use crate::client::producer::{Producer, ProducerEvent};
use crate::client::{Request, TopicPartition};
use crate::error::KafkaError;
use crate::record::Millis;
use crate::sort::sort;

/// The producer's metadata cache and refresh schedule.
#[derive(Debug, Clone)]
pub(super) struct MetadataCache {
    /// Partition count of every topic the producer has seen.
    pub partitions: BTreeMap<String, i32>,
    /// Why a topic is not known yet, as the last Metadata answer said.
    pub errors: BTreeMap<String, KafkaError>,
    /// The Metadata request awaiting its answer: `(correlation id, sent at)`.
    pub in_flight: Option<(u64, Millis)>,
    /// When the last answer arrived.
    pub last_refresh: Millis,
    /// No urgent request before this (`retry.backoff.ms` after the previous one).
    pub backoff_until: Millis,
    /// A produce error said our metadata is stale: refresh soon.
    pub stale: bool,
    max_age_ms: Millis,
}

impl MetadataCache {
    pub fn new(max_age_ms: Millis, now: Millis) -> MetadataCache {
        MetadataCache {
            partitions: BTreeMap::new(),
            errors: BTreeMap::new(),
            in_flight: None,
            last_refresh: now,
            backoff_until: now,
            stale: false,
            max_age_ms,
        }
    }

    /// When the next request should go, if one should: `waiting` says records are held
    /// back for an unknown topic. `None` while a request is in flight or nothing is known.
    pub fn next_request_at(&self, waiting: bool) -> Option<Millis> {
        if self.in_flight.is_some() || (self.partitions.is_empty() && !waiting) {
            return None;
        }
        let periodic = self.last_refresh + self.max_age_ms;
        if waiting || self.stale {
            Some(self.backoff_until.min(periodic))
        } else {
            Some(periodic)
        }
    }
}

impl Producer {
    /// A Metadata request for every topic the producer uses, if one is due.
    pub(super) fn metadata_request(&mut self, now: Millis) -> Option<(u64, Request)> {
        let due = self.metadata.next_request_at(!self.waiting.is_empty())?;
        if now < due {
            return None;
        }
        let mut topics: Vec<String> = self.metadata.partitions.keys().cloned().collect();
        topics.extend(self.waiting.keys().cloned());
        sort(&mut topics);
        topics.dedup();
        let correlation_id = self.next_correlation_id();
        self.metadata.in_flight = Some((correlation_id, now));
        Some((
            correlation_id,
            Request::Metadata {
                topics,
                // Producers create topics by writing to them (`auto.create.topics.enable`).
                allow_auto_create: true,
            },
        ))
    }

    pub(super) fn handle_metadata(&mut self, response: MetadataResponse, now: Millis) {
        self.metadata.last_refresh = now;
        self.metadata.stale = false;
        for topic in response.topics {
            match topic.error {
                None if topic.partitions > 0 => {
                    self.metadata.errors.remove(&topic.name);
                    let old = self
                        .metadata
                        .partitions
                        .insert(topic.name.clone(), topic.partitions);
                    if old != Some(topic.partitions) {
                        self.events.push_back(ProducerEvent::MetadataUpdated {
                            topic: topic.name,
                            partitions: topic.partitions,
                        });
                    }
                }
                None => {}
                Some(KafkaError::InvalidTopic) => {
                    self.metadata.partitions.remove(&topic.name);
                    for w in self.waiting.remove(&topic.name).unwrap_or_default() {
                        self.events.push_back(ProducerEvent::Failed {
                            id: w.id,
                            tp: TopicPartition::new(topic.name.clone(), -1),
                            error: KafkaError::InvalidTopic,
                        });
                    }
                }
                Some(error) => {
                    // Deleted, or not auto-created: new records wait until it exists.
                    self.metadata.partitions.remove(&topic.name);
                    self.metadata.errors.insert(topic.name, error);
                }
            }
        }
        // Records that waited for a topic now known go to the accumulator, in send order.
        let ready: Vec<String> = self
            .waiting
            .keys()
            .filter(|t| self.metadata.partitions.contains_key(*t))
            .cloned()
            .collect();
        for topic in ready {
            let partitions = self.metadata.partitions[&topic];
            for w in self.waiting.remove(&topic).unwrap_or_default() {
                self.append(&topic, partitions, w.partition, w.id, w.record, w.sent_at);
            }
        }
        if !self.waiting.is_empty() {
            self.metadata.backoff_until = now + self.config.retry_backoff_ms;
        }
    }
}
