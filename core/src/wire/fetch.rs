//! Fetch (key 1): read record batches from partition logs, waiting if there are none.
//!
//! A consumer sends its *position* for each partition it owns (the broker keeps none: see
//! the broker module) and gets back whole batches from the one containing that offset, plus
//! the high watermark and log start offset, from which it computes its lag.
//!
//! **Long polling.** A consumer at the end of the log would otherwise spin. So a Fetch says
//! `min_bytes` (usually 1) and `max_wait_ms` (librdkafka: 500): if fewer bytes are
//! available, the broker holds the request until enough arrive or the time is up. Here the
//! handler answers [`Reply::Wait`]; the wire broker parks the request and re-runs it after
//! every Produce and at its deadline. Nothing polls in a loop.
//!
//! Limits: `max_bytes` for the whole response and `partition_max_bytes` per partition, except
//! that the first batch found is always returned whole even if it is bigger (KIP-74), so a
//! consumer can never get stuck behind one large batch. Only the *first* partition with
//! data has that right: a later partition whose first batch does not fit in what is left is
//! answered without records (Kafka's `minOneMessage` is false after the first), so the
//! response stays within `max_bytes` but for that one batch. librdkafka sizes its receive
//! buffer from `fetch.max.bytes` and drops the connection on a bigger answer.
//!
//! **Isolation.** A `read_uncommitted` consumer (isolation level 0) reads up to the high
//! watermark: open and aborted transactions included. A `read_committed` one (level 1)
//! reads only below the **last stable offset** (LSO), the first offset of the oldest open
//! transaction, and waits there as another waits at the log end. With its batches comes
//! the list of **aborted transactions** that overlap them (producer id, first offset): the
//! consumer drops those producers' batches until their ABORT marker. The broker never cuts
//! records out of batches; it only tells. Every answer carries the LSO.
//!
//! Fetch sessions (KIP-227) are not implemented: we answer session id 0, which tells the
//! client to keep sending full requests. That is allowed by the protocol.

use kafka_protocol::messages::fetch_response::{
    AbortedTransaction, FetchableTopicResponse, PartitionData,
};
use kafka_protocol::messages::{FetchRequest, FetchResponse, ProducerId};
use kafka_protocol::protocol::VersionRange;

use super::fetch_frame::RecordParts;
use super::{Ctx, Reply};
use crate::broker::Broker;
use crate::log::{IsolationLevel, PartitionLog, StorageProvider};
use crate::record::Offset;
use crate::KafkaError;

/// v4..v12: v4 is the oldest the crate decodes; v12 is the first flexible version and the
/// last that names topics (v13 uses topic ids).
pub const VERSIONS: VersionRange = VersionRange { min: 4, max: 12 };

pub(super) fn handle<P: StorageProvider>(
    ctx: &mut Ctx<'_, P>,
    request: FetchRequest,
    version: i16,
) -> Reply {
    if request.max_wait_ms <= 0 || request.min_bytes <= 0 || ready(ctx.broker, &request) {
        return Reply::Fetched(respond(ctx, &request, version));
    }
    let deadline = ctx.now + i64::from(request.max_wait_ms);
    Reply::Wait {
        request: Box::new(request),
        deadline,
    }
}

/// How far this consumer may read: the high watermark, or for `read_committed` the last
/// stable offset.
fn visible_end<S: crate::log::LogStorage>(
    log: &PartitionLog<S>,
    isolation: IsolationLevel,
) -> Offset {
    match isolation {
        IsolationLevel::ReadUncommitted => log.high_watermark(),
        IsolationLevel::ReadCommitted => log.last_stable_offset(),
    }
}

/// Whether the request should be answered now: `min_bytes` are available, or some
/// partition has an error to report. A `read_committed` fetch at the LSO is not ready
/// while the records after it wait for their transaction: the marker wakes it.
pub(super) fn ready<P: StorageProvider>(broker: &Broker<P>, request: &FetchRequest) -> bool {
    let isolation = IsolationLevel::from_kafka(request.isolation_level);
    // The usual case (min_bytes = 1): any partition with a record past the fetch offset,
    // or with an error, makes the fetch ready; no need to read anything.
    if request.min_bytes <= 1 {
        return request.topics.iter().any(|topic| {
            let Some(t) = broker.topic(topic.topic.as_str()) else {
                return true;
            };
            topic
                .partitions
                .iter()
                .any(|p| match t.partition(p.partition) {
                    Ok(log) => {
                        p.fetch_offset < visible_end(log, isolation)
                            || p.fetch_offset > log.log_end_offset()
                            || p.fetch_offset < log.log_start_offset()
                    }
                    Err(_) => true,
                })
        });
    }
    let mut available: u64 = 0;
    for topic in &request.topics {
        let Some(t) = broker.topic(topic.topic.as_str()) else {
            return true;
        };
        for p in &topic.partitions {
            let Ok(log) = t.partition(p.partition) else {
                return true;
            };
            let max = u32::try_from(p.partition_max_bytes.max(0)).unwrap_or(u32::MAX);
            match log.read_isolated(p.fetch_offset, max, u32::MAX, isolation) {
                Ok(read) => {
                    available += read
                        .batches
                        .iter()
                        .map(|b| u64::from(b.info.size_bytes))
                        .sum::<u64>()
                }
                Err(_) => return true,
            }
        }
    }
    available >= request.min_bytes.max(1) as u64
}

/// A Fetch answer: the response, with each partition's records apart as frame parts
/// (see `fetch_frame`), one entry per partition in the response's order.
#[derive(Debug)]
pub(crate) struct Fetched {
    pub response: FetchResponse,
    pub records: Vec<Option<RecordParts>>,
}

impl Fetched {
    /// The response with the records in it, stored batches read from their files: what
    /// kafka-protocol can encode.
    pub fn into_response(mut self) -> std::io::Result<FetchResponse> {
        let mut records = self.records.into_iter();
        for topic in &mut self.response.responses {
            for p in &mut topic.partitions {
                if let Some(Some(parts)) = records.next() {
                    p.records = Some(parts.to_bytes()?);
                }
            }
        }
        Ok(self.response)
    }
}

/// Build the answer from what the logs hold now.
pub(super) fn respond<P: StorageProvider>(
    ctx: &mut Ctx<'_, P>,
    request: &FetchRequest,
    _version: i16,
) -> Fetched {
    let mut records = Vec::new();
    let isolation = IsolationLevel::from_kafka(request.isolation_level);
    let mut remaining = i64::from(if request.max_bytes > 0 {
        request.max_bytes
    } else {
        i32::MAX
    });
    let mut any_data = false;
    let client = (!ctx.client_id.is_empty()).then_some(ctx.client_id);
    // After the first partition with data, one whose first batch exceeds its budget gets
    // nothing (see the module doc).
    let first_batch_too_big =
        |broker: &Broker<P>, name: &str, p: i32, offset: Offset, budget: i64| {
            broker
                .topic(name)
                .and_then(|t| t.partition(p).ok())
                .and_then(|log| log.read_isolated(offset, 0, 1, isolation).ok())
                .and_then(|read| {
                    read.batches
                        .first()
                        .map(|b| i64::from(b.info.size_bytes) > budget)
                })
                .unwrap_or(false)
        };
    let mut responses = Vec::with_capacity(request.topics.len());
    for topic in &request.topics {
        let name = topic.topic.as_str();
        let mut partitions = Vec::with_capacity(topic.partitions.len());
        for p in &topic.partitions {
            let data = PartitionData::default().with_partition_index(p.partition);
            let offsets = ctx
                .broker
                .topic(name)
                .and_then(|t| t.partition(p.partition).ok())
                .map(|log| Offsets {
                    high_watermark: log.high_watermark(),
                    last_stable: log.last_stable_offset(),
                    log_start: log.log_start_offset(),
                    visible_end: visible_end(log, isolation),
                    log_end: log.log_end_offset(),
                });
            let mut parts = None;
            let data = match offsets {
                None => data
                    .with_error_code(KafkaError::UnknownTopicOrPartition.code())
                    .with_high_watermark(-1),
                // No records: the consumer is at what it may read up to (the log end, or
                // the LSO for read_committed), or the response is already full. Only the
                // offsets, and no event for an empty poll; no records, no aborted
                // transactions to list.
                Some(o)
                    if (p.fetch_offset >= o.visible_end && p.fetch_offset <= o.log_end)
                        || (any_data
                            && (remaining <= 0
                                || first_batch_too_big(
                                    ctx.broker,
                                    name,
                                    p.partition,
                                    p.fetch_offset,
                                    i64::from(p.partition_max_bytes.max(0)).min(remaining),
                                ))) =>
                {
                    let data = o.fill(data);
                    match isolation {
                        IsolationLevel::ReadCommitted => {
                            data.with_aborted_transactions(Some(vec![]))
                        }
                        IsolationLevel::ReadUncommitted => data,
                    }
                }
                Some(o) => {
                    let budget = i64::from(p.partition_max_bytes.max(0)).min(remaining.max(0));
                    let budget = u32::try_from(budget).unwrap_or(u32::MAX);
                    match ctx.broker.fetch_isolated(
                        name,
                        p.partition,
                        p.fetch_offset,
                        budget,
                        isolation,
                        client,
                        ctx.now,
                    ) {
                        Ok(read) => {
                            let set = RecordParts::of(&read.batches);
                            remaining -= set.len() as i64;
                            any_data |= !set.is_empty();
                            parts = Some(set);
                            let aborted = read.aborted_transactions.map(|list| {
                                list.iter()
                                    .map(|a| {
                                        AbortedTransaction::default()
                                            .with_producer_id(ProducerId(a.producer_id))
                                            .with_first_offset(a.first_offset)
                                    })
                                    .collect()
                            });
                            data.with_high_watermark(read.high_watermark)
                                .with_last_stable_offset(read.last_stable_offset)
                                .with_log_start_offset(read.log_start_offset)
                                .with_aborted_transactions(aborted)
                                .with_records(None)
                        }
                        Err(error) => o.fill(data).with_error_code(error.code()),
                    }
                }
            };
            partitions.push(data);
            records.push(parts);
        }
        responses.push(
            FetchableTopicResponse::default()
                .with_topic(topic.topic.clone())
                .with_partitions(partitions),
        );
    }
    Fetched {
        response: FetchResponse::default().with_responses(responses),
        records,
    }
}

/// A partition's offsets, for answers without records.
struct Offsets {
    high_watermark: Offset,
    last_stable: Offset,
    log_start: Offset,
    visible_end: Offset,
    log_end: Offset,
}

impl Offsets {
    fn fill(&self, data: PartitionData) -> PartitionData {
        data.with_high_watermark(self.high_watermark)
            .with_last_stable_offset(self.last_stable)
            .with_log_start_offset(self.log_start)
    }
}
