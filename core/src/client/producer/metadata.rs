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

use std::collections::BTreeMap;

use crate::error::KafkaError;
use crate::record::Millis;

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
