//! Produce (key 0): append record batches to partition logs.
//!
//! Each partition in the request carries a record set as the producer encoded it
//! (possibly compressed). The broker checks every batch's header and CRC, gives it its
//! offsets, and stores the bytes unchanged (see `batch.rs`). The answer per partition is the
//! base offset of what was appended, which is what a producer's delivery report shows.
//!
//! `acks` decides *when* the producer hears back: 0 means never (fire and forget, the
//! request gets no response at all), 1 means once the leader appended it, -1 (`all`) once
//! every in-sync replica has it. With a single replica, 1 and all are answered at the same
//! moment; what `all` adds here is the flush policy of the native server (`--fsync`).
//!
//! A topic with `cleanup.policy=compact` refuses records without a key: the whole record
//! set of that partition is refused with `INVALID_RECORD`, and from v8 the answer names
//! each keyless record by its index in the batch (`record_errors`), as Kafka does, so a
//! client can fail those records with `INVALID_RECORD` and the others of the batch with
//! its own "failed because of another record" error.
//!
//! A topic whose `compression.type` names a codec (not `producer`) gets every batch in that
//! codec: a batch produced in another is compressed again before it is stored, records and
//! producer facts unchanged (`batch::recompress`), as Kafka does.

use kafka_protocol::messages::produce_response::{
    BatchIndexAndErrorMessage, PartitionProduceResponse, TopicProduceResponse,
};
use kafka_protocol::messages::{ProduceRequest, ProduceResponse, ResponseKind};
use kafka_protocol::protocol::VersionRange;

use super::batch::{recompress, split_record_set, BatchError, BatchHeader};
use super::{code, text, topic_config, Ctx, Reply};
use crate::broker::{ProduceResult, ProducerBatch};
use crate::log::StorageProvider;
use crate::record::{BatchRecords, RecordBatch};
use crate::KafkaError;

/// v3..v10: v3 is the oldest the crate decodes (record batch v2, Kafka 0.11), v9 is the
/// first flexible version; v10 is the highest the clients in the notes send. v13 switches
/// to topic ids.
pub const VERSIONS: VersionRange = VersionRange { min: 3, max: 10 };

pub(super) fn handle<P: StorageProvider>(
    ctx: &mut Ctx<'_, P>,
    request: ProduceRequest,
    version: i16,
) -> Reply {
    let acks = request.acks;
    let mut responses = Vec::with_capacity(request.topic_data.len());
    for topic in request.topic_data {
        let name = topic.name.to_string();
        let mut partitions = Vec::with_capacity(topic.partition_data.len());
        for p in topic.partition_data {
            let mut keyless = Vec::new();
            let result = if !matches!(acks, -1..=1) {
                Err(KafkaError::InvalidRequiredAcks)
            } else {
                append(ctx, &name, p.index, p.records, &mut keyless)
            };
            let mut answer = PartitionProduceResponse::default()
                .with_index(p.index)
                .with_error_code(code(&result))
                .with_log_append_time_ms(-1);
            match result {
                Ok(r) => {
                    answer = answer
                        .with_base_offset(r.base_offset)
                        .with_log_start_offset(r.log_start_offset)
                }
                Err(error) => {
                    answer = answer.with_base_offset(-1).with_log_start_offset(-1);
                    if !keyless.is_empty() && version >= 8 {
                        answer = with_record_errors(answer, &name, p.index, &keyless);
                    }
                    if acks == 0 {
                        // Nobody will read the answer: say it in the log instead.
                        tracing::warn!(topic = %name, partition = p.index, %error, "acks=0 produce failed");
                    }
                }
            }
            partitions.push(answer);
        }
        responses.push(
            TopicProduceResponse::default()
                .with_name(topic.name)
                .with_partition_responses(partitions),
        );
    }
    if acks == 0 {
        return Reply::Nothing;
    }
    Reply::Now(ResponseKind::Produce(
        ProduceResponse::default().with_responses(responses),
    ))
}

/// Check every batch first, then append them all: a bad batch rejects the whole record
/// set, so a partition never keeps half of a request. On a compacted topic the keyless
/// records' indexes (counted across the record set, so within the batch for the single
/// batch clients send) go to `keyless`.
fn append<P: StorageProvider>(
    ctx: &mut Ctx<'_, P>,
    topic: &str,
    partition: i32,
    records: Option<bytes::Bytes>,
    keyless: &mut Vec<u32>,
) -> Result<ProduceResult, KafkaError> {
    let records = records.ok_or(KafkaError::InvalidRecord)?;
    let batches = split_record_set(records).map_err(|e| {
        tracing::warn!(topic, partition, error = %e, client = ctx.client_id, "rejected a record set");
        match e {
            BatchError::Crc { .. } | BatchError::Truncated(_) => KafkaError::CorruptMessage,
            BatchError::Magic(_) | BatchError::Invalid(_) => KafkaError::InvalidRecord,
        }
    })?;
    if ctx
        .broker
        .topic(topic)
        .is_some_and(|t| t.config.cleanup_compact)
    {
        let mut before = 0;
        for (batch, _) in &batches {
            keyless.extend(batch.keyless_records().into_iter().map(|i| before + i));
            before += batch.info.record_count;
        }
        if !keyless.is_empty() {
            tracing::debug!(
                topic,
                partition,
                count = keyless.len(),
                "keyless records refused by a compacted topic"
            );
            return Err(KafkaError::InvalidRecord);
        }
    }
    let batches = with_topic_codec(ctx, topic, batches)?;
    let mut first: Option<ProduceResult> = None;
    for (batch, header) in batches {
        let client = (!ctx.client_id.is_empty()).then_some(ctx.client_id);
        let producer = ProducerBatch {
            producer_id: header.producer_id,
            producer_epoch: header.producer_epoch,
            base_sequence: header.base_sequence,
            record_count: header.record_count,
        };
        let result = ctx
            .broker
            .produce_idempotent(topic, partition, batch, &producer, client, ctx.now)?;
        first.get_or_insert(result);
    }
    first.ok_or(KafkaError::InvalidRecord)
}

/// Name each refused record as Kafka does (`RecordValidationException`): its index in the
/// batch and why, plus one message for the partition.
fn with_record_errors(
    answer: PartitionProduceResponse,
    topic: &str,
    partition: i32,
    keyless: &[u32],
) -> PartitionProduceResponse {
    let why = format!(
        "Compacted topic cannot accept message without key in topic partition {topic}-{partition}."
    );
    let errors = keyless
        .iter()
        .map(|i| {
            BatchIndexAndErrorMessage::default()
                .with_batch_index(*i as i32)
                .with_batch_index_error_message(Some(text(&why)))
        })
        .collect();
    answer
        .with_record_errors(errors)
        .with_error_message(Some(text(&format!(
            "One or more records have been rejected due to {} record errors in total: {why}",
            keyless.len()
        ))))
}

/// The batches in the codec the topic's `compression.type` names (as produced for
/// `producer`). As in Kafka, a batch that must be compressed again is held to
/// `max.message.bytes` as it arrived, and (by the broker) as it will be stored.
fn with_topic_codec<P: StorageProvider>(
    ctx: &Ctx<'_, P>,
    topic: &str,
    batches: Vec<(RecordBatch, BatchHeader)>,
) -> Result<Vec<(RecordBatch, BatchHeader)>, KafkaError> {
    let Some(config) = ctx.broker.topic(topic).map(|t| &t.config) else {
        return Ok(batches);
    };
    let Some(codec) = topic_config::codec(&config.compression_type) else {
        return Ok(batches);
    };
    let limit = config
        .max_message_bytes
        .unwrap_or(ctx.broker.config().message_max_bytes);
    batches
        .into_iter()
        .map(|(batch, header)| {
            let BatchRecords::Encoded(bytes) = &batch.records else {
                return Ok((batch, header));
            };
            if header.codec == codec || header.control {
                return Ok((batch, header));
            }
            if header.total_len > limit as usize {
                return Err(KafkaError::MessageTooLarge);
            }
            let bytes = recompress(bytes.clone(), codec).map_err(|e| {
                tracing::warn!(topic, error = %e, "could not compress a batch again");
                KafkaError::CorruptMessage
            })?;
            let header = BatchHeader {
                codec,
                total_len: bytes.len(),
                ..header
            };
            let batch = RecordBatch::from_encoded(
                bytes,
                header.record_count,
                header.first_timestamp,
                header.max_timestamp,
            );
            Ok((batch, header))
        })
        .collect()
}
