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
//! consumer can never get stuck behind one large batch.
//!
//! Fetch sessions (KIP-227) are not implemented: we answer session id 0, which tells the
//! client to keep sending full requests. That is allowed by the protocol.

use kafka_protocol::messages::fetch_response::{FetchableTopicResponse, PartitionData};
use kafka_protocol::messages::{FetchRequest, FetchResponse, ResponseKind};
use kafka_protocol::protocol::VersionRange;

use super::batch::record_set;
use super::{Ctx, Reply};
use crate::broker::Broker;
use crate::log::StorageProvider;
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
        return Reply::Now(ResponseKind::Fetch(respond(ctx, &request, version)));
    }
    let deadline = ctx.now + i64::from(request.max_wait_ms);
    Reply::Wait {
        request: Box::new(request),
        deadline,
    }
}

/// Whether the request should be answered now: `min_bytes` are available, or some
/// partition has an error to report.
pub(super) fn ready<P: StorageProvider>(broker: &Broker<P>, request: &FetchRequest) -> bool {
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
                        p.fetch_offset != log.log_end_offset()
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
            match log.read(p.fetch_offset, max, u32::MAX) {
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

/// Build the answer from what the logs hold now.
pub(super) fn respond<P: StorageProvider>(
    ctx: &mut Ctx<'_, P>,
    request: &FetchRequest,
    _version: i16,
) -> FetchResponse {
    let mut remaining = i64::from(if request.max_bytes > 0 {
        request.max_bytes
    } else {
        i32::MAX
    });
    let mut any_data = false;
    let client = (!ctx.client_id.is_empty()).then_some(ctx.client_id);
    let mut responses = Vec::with_capacity(request.topics.len());
    for topic in &request.topics {
        let name = topic.topic.as_str();
        let mut partitions = Vec::with_capacity(topic.partitions.len());
        for p in &topic.partitions {
            let mut data = PartitionData::default().with_partition_index(p.partition);
            let log_end = ctx
                .broker
                .topic(name)
                .and_then(|t| t.partition(p.partition).ok())
                .map(|log| (log.log_end_offset(), log.log_start_offset()));
            let result = match log_end {
                None => Err(KafkaError::UnknownTopicOrPartition),
                // At the end of the log: nothing to read, no event for an empty poll.
                Some((end, start)) if p.fetch_offset == end => {
                    data = data
                        .with_high_watermark(end)
                        .with_last_stable_offset(end)
                        .with_log_start_offset(start);
                    Ok(())
                }
                // The response is full: no records for this partition, but its offsets.
                Some((end, start)) if any_data && remaining <= 0 => {
                    data = data
                        .with_high_watermark(end)
                        .with_last_stable_offset(end)
                        .with_log_start_offset(start);
                    Ok(())
                }
                Some(_) => {
                    let budget = i64::from(p.partition_max_bytes.max(0)).min(remaining.max(0));
                    let budget = u32::try_from(budget).unwrap_or(u32::MAX);
                    ctx.broker
                        .fetch(name, p.partition, p.fetch_offset, budget, client, ctx.now)
                        .map(|read| {
                            let bytes = record_set(&read.batches);
                            remaining -= bytes.len() as i64;
                            any_data |= !bytes.is_empty();
                            data = data
                                .clone()
                                .with_high_watermark(read.high_watermark)
                                .with_last_stable_offset(read.high_watermark)
                                .with_log_start_offset(read.log_start_offset)
                                .with_records(Some(bytes));
                        })
                }
            };
            if let Err(error) = result {
                data = data.with_error_code(error.code()).with_high_watermark(-1);
                if let Some((end, start)) = log_end {
                    data = data
                        .with_high_watermark(end)
                        .with_last_stable_offset(end)
                        .with_log_start_offset(start);
                }
            }
            partitions.push(data);
        }
        responses.push(
            FetchableTopicResponse::default()
                .with_topic(topic.topic.clone())
                .with_partitions(partitions),
        );
    }
    FetchResponse::default().with_responses(responses)
}
