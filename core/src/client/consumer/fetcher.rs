//! Positions and fetching.
//!
//! A fetch asks the broker for records from the consumer's *fetch position* in each
//! partition. The broker answers with whole batches (which may start below the position:
//! those records are skipped) or `OFFSET_OUT_OF_RANGE`, and then `auto.offset.reset`
//! decides: `earliest`, `latest`, or `none` (stop and tell the application).

use crate::collections::BTreeMap;

use crate::broker::{FetchPartition, OffsetSpec};
use crate::client::consumer::{AutoOffsetReset, Consumer, ConsumerEvent, InFlight, PolledRecord};
use crate::client::protocol::{FetchTarget, Request, TopicPartition};
use crate::error::KafkaError;
use crate::log::{AbortedTransaction, IsolationLevel};
use crate::record::{Millis, Offset, RecordBatch};

/// The `aborted_transactions` of a `read_committed` fetch, as the consumer applies them: a
/// transactional batch is dropped when its producer has an aborted transaction that began
/// at or before the batch and whose ABORT marker comes after it. (Java walks the batches
/// in order with a queue of aborted transactions; with the ranges at hand a lookup is
/// simpler and gives the same answer.)
struct AbortedFilter<'a>(&'a [AbortedTransaction]);

impl<'a> AbortedFilter<'a> {
    fn new(aborted: Option<&'a [AbortedTransaction]>) -> AbortedFilter<'a> {
        AbortedFilter(aborted.unwrap_or_default())
    }

    fn drops(&self, batch: &RecordBatch) -> bool {
        let producer = batch.info.producer;
        let offset = batch.info.base_offset;
        producer.transactional
            && self.0.iter().any(|a| {
                a.producer_id == producer.producer_id
                    && a.first_offset <= offset
                    && offset < a.last_offset
            })
    }
}

impl Consumer {
    /// Send lookups for partitions without a usable position: OffsetFetch (the committed
    /// offset) first, then ListOffsets when a reset is needed.
    pub(crate) fn maybe_lookup_offsets(&mut self, now: Millis) {
        let mut need_committed = Vec::new();
        let mut resets = Vec::new();
        let in_group = self.group_id().is_some();
        let default_reset = self.config.auto_offset_reset;
        for (tp, p) in self.partitions.iter_mut() {
            if p.lookup_in_flight || p.stuck || p.lookup_retry_at.is_some_and(|at| now < at) {
                continue;
            }
            p.lookup_retry_at = None;
            match p.pending_reset {
                Some((AutoOffsetReset::None, out_of_range)) => {
                    p.pending_reset = None;
                    p.stuck = true;
                    let event = match (out_of_range, p.position) {
                        (true, Some(offset)) => ConsumerEvent::OffsetOutOfRange {
                            tp: tp.clone(),
                            offset,
                        },
                        _ => ConsumerEvent::NoOffsetForPartition(tp.clone()),
                    };
                    self.events.push_back(event);
                }
                Some((strategy, out_of_range)) => {
                    p.lookup_in_flight = true;
                    resets.push((tp.clone(), strategy, out_of_range));
                }
                None if p.position.is_none() => {
                    p.lookup_in_flight = true;
                    if in_group {
                        need_committed.push(tp.clone());
                    } else {
                        resets.push((tp.clone(), default_reset, false));
                    }
                }
                None => {}
            }
        }
        if !need_committed.is_empty() {
            let group_id = self.group_id().unwrap_or_default().to_string();
            // Java asks for stable offsets exactly when it reads committed data.
            let require_stable = self.config.isolation_level == IsolationLevel::ReadCommitted;
            self.send(
                Request::OffsetFetch {
                    group_id,
                    partitions: need_committed,
                    require_stable,
                },
                InFlight::OffsetFetch,
            );
        }
        for (tp, strategy, out_of_range) in resets {
            if strategy == AutoOffsetReset::None {
                continue;
            }
            let spec = match strategy {
                AutoOffsetReset::Earliest => OffsetSpec::Earliest,
                _ => OffsetSpec::Latest,
            };
            self.send(
                Request::ListOffsets {
                    tp: tp.clone(),
                    spec,
                    isolation_level: self.config.isolation_level,
                },
                InFlight::ListOffsets(tp, strategy, out_of_range),
            );
        }
    }

    pub(crate) fn on_list_offsets(
        &mut self,
        tp: TopicPartition,
        strategy: AutoOffsetReset,
        out_of_range: bool,
        result: Result<(Offset, Millis), KafkaError>,
    ) {
        let Some(p) = self.partitions.get_mut(&tp) else {
            return;
        };
        p.lookup_in_flight = false;
        match result {
            Ok((offset, _))
                if p.pending_reset == Some((strategy, out_of_range)) || p.position.is_none() =>
            {
                let from = p.position;
                p.position = Some(offset);
                p.pending_reset = None;
                p.buffer.clear();
                p.epoch += 1;
                self.events.push_back(ConsumerEvent::PositionReset {
                    tp,
                    from,
                    to: offset,
                    out_of_range,
                });
                self.next_fetch = Millis::MIN;
            }
            Ok(_) => {}  // the application seeked meanwhile: its seek wins
            Err(_) => {} // retried at the next transmit (pending_reset is still set)
        }
    }

    /// Partitions a fetch can be sent for now.
    pub(crate) fn has_fetchable(&self) -> bool {
        self.partitions.values().any(|p| {
            p.position.is_some()
                && p.pending_reset.is_none()
                && !p.stuck
                && p.buffer.len() < self.config.max_poll_records
        })
    }

    pub(crate) fn maybe_fetch(&mut self, now: Millis) {
        if self.fetch_in_flight || now < self.next_fetch {
            return;
        }
        let mut targets = Vec::new();
        let mut epochs = BTreeMap::new();
        for (tp, p) in &self.partitions {
            let Some(position) = p.position else {
                continue;
            };
            if p.pending_reset.is_some()
                || p.stuck
                || p.buffer.len() >= self.config.max_poll_records
            {
                continue;
            }
            // Fetch after what is already buffered (or skipped).
            let offset = p.next_fetch_offset().unwrap_or(position);
            targets.push(FetchTarget {
                tp: tp.clone(),
                offset,
            });
            epochs.insert(tp.clone(), p.epoch);
        }
        if targets.is_empty() {
            return;
        }
        self.fetch_in_flight = true;
        let request = Request::Fetch {
            targets,
            max_partition_bytes: self.config.max_partition_fetch_bytes,
            isolation_level: self.config.isolation_level,
        };
        self.send(request, InFlight::Fetch(epochs));
    }

    pub(crate) fn on_fetch(
        &mut self,
        epochs: BTreeMap<TopicPartition, u64>,
        results: Vec<(TopicPartition, Result<FetchPartition, KafkaError>)>,
        now: Millis,
    ) {
        self.fetch_in_flight = false;
        let mut got_any = false;
        for (tp, result) in results {
            let Some(p) = self.partitions.get_mut(&tp) else {
                continue; // revoked while the fetch was in flight
            };
            if epochs.get(&tp) != Some(&p.epoch) {
                continue; // the application seeked: these records are for the old position
            }
            let Some(from) = p.next_fetch_offset() else {
                continue;
            };
            match result {
                Ok(data) => {
                    p.high_watermark = Some(data.high_watermark);
                    p.last_stable = Some(data.last_stable_offset);
                    p.log_start = Some(data.log_start_offset);
                    let aborted = AbortedFilter::new(data.aborted_transactions.as_deref());
                    let mut until = from;
                    for batch in &data.batches {
                        until = until.max(batch.info.next_offset());
                        // Markers are never handed to the application, and neither are
                        // the batches of aborted transactions under read_committed; the
                        // position still moves past both.
                        if batch.is_control() || aborted.drops(batch) {
                            continue;
                        }
                        let Some(records) = batch.consumer_records() else {
                            continue;
                        };
                        for r in records.filter(|r| r.offset >= from) {
                            got_any = true;
                            p.buffer.push_back(PolledRecord {
                                tp: tp.clone(),
                                offset: r.offset,
                                record: r.record,
                            });
                        }
                    }
                    if until > from {
                        got_any = true;
                        p.fetched_until = Some((p.epoch, until));
                        p.skip_unseen();
                    }
                }
                Err(KafkaError::OffsetOutOfRange) => {
                    p.buffer.clear();
                    p.pending_reset = Some((self.config.auto_offset_reset, true));
                }
                Err(_) => {
                    // The topic may have changed: refresh metadata soon.
                    self.next_metadata = now;
                }
            }
        }
        // Nothing new: a real broker would have held the fetch open for fetch.max.wait.ms.
        self.next_fetch = if got_any {
            now
        } else {
            now + self.config.fetch_max_wait_ms
        };
    }
}
