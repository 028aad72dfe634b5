//! A Fetch answer written as frame parts, so that stored batches go from file to socket.
//!
//! Kafka serves reads from the page cache with `sendfile`: the records a consumer fetches
//! never pass through the broker's memory. kafka-protocol encodes a response into one
//! buffer, records included, which would copy every fetched byte into the broker first. So
//! the Fetch answer alone is laid out here, field by field as Kafka's `FetchResponse`
//! schema orders them for the versions served (v4..v12; kafka-protocol still encodes the
//! response header and the aborted transactions); each partition's records become parts of
//! the frame: bytes for batches held
//! in memory, and for stored batches the byte ranges of their segment files, which the
//! net layer sends with `sendfile`. The bytes are the ones kafka-protocol writes: a test
//! encodes the same answers both ways, for every version, and compares.

use bytes::{BufMut, Bytes, BytesMut};
use kafka_protocol::messages::{ApiKey, FetchResponse, ResponseHeader};
use kafka_protocol::protocol::Encodable;

use kafka_protocol::records::Compression;

use super::batch::encode_with_producer;
use super::frame::{FramePart, ResponseFrame};
use crate::record::{BatchRecords, RecordBatch, StoredBatch};

/// The records of one partition's answer, in order. Consecutive stored batches of one file
/// are one range, so a partition's records usually cost one `sendfile`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordParts {
    parts: Vec<FramePart>,
    len: usize,
}

impl RecordParts {
    /// The parts for `batches`: stored ones as ranges, encoded ones as their bytes (no
    /// copy), decoded ones (the simulation's, the broker's transaction markers) encoded.
    pub fn of(batches: &[RecordBatch]) -> RecordParts {
        let mut out = RecordParts::default();
        let mut encoded = BytesMut::new();
        for batch in batches {
            match &batch.records {
                BatchRecords::Stored(stored) => {
                    out.push_bytes(&mut encoded);
                    out.push_stored(stored);
                }
                BatchRecords::Encoded(bytes) => {
                    out.push_bytes(&mut encoded);
                    out.len += bytes.len();
                    out.parts.push(FramePart::Bytes(bytes.clone()));
                }
                BatchRecords::Decoded(records) => encode_with_producer(
                    &mut encoded,
                    batch.info.base_offset,
                    records,
                    Compression::None,
                    &batch.info.producer,
                ),
            }
        }
        out.push_bytes(&mut encoded);
        out
    }

    /// Bytes of all the records.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are no records.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The records as one buffer, stored batches read from their files.
    pub fn to_bytes(&self) -> std::io::Result<Bytes> {
        ResponseFrame {
            parts: self.parts.clone(),
        }
        .to_bytes()
    }

    fn push_bytes(&mut self, encoded: &mut BytesMut) {
        if !encoded.is_empty() {
            self.len += encoded.len();
            self.parts.push(FramePart::Bytes(encoded.split().freeze()));
        }
    }

    fn push_stored(&mut self, stored: &StoredBatch) {
        self.len += stored.len as usize;
        if let Some(FramePart::Stored(last)) = self.parts.last_mut() {
            if std::sync::Arc::ptr_eq(&last.source, &stored.source)
                && last.position + u64::from(last.len) == stored.position
            {
                if let Some(len) = last.len.checked_add(stored.len) {
                    last.len = len;
                    return;
                }
            }
        }
        self.parts.push(FramePart::Stored(stored.clone()));
    }
}

/// Builds a frame: bytes written into `current`, cut into a part whenever a stored range
/// goes in between.
struct FrameBuilder {
    current: BytesMut,
    parts: Vec<FramePart>,
}

impl FrameBuilder {
    fn cut(&mut self) {
        if !self.current.is_empty() {
            let bytes = self.current.split().freeze();
            self.parts.push(FramePart::Bytes(bytes));
        }
    }

    fn push(&mut self, part: FramePart) {
        self.cut();
        self.parts.push(part);
    }
}

/// Encode a Fetch answer. `records` has one entry per partition of `response`, topic by
/// topic in order: `Some` records replace that partition's `records` field.
pub fn encode(
    version: i16,
    correlation_id: i32,
    response: &FetchResponse,
    records: &[Option<RecordParts>],
) -> Result<ResponseFrame, String> {
    encode_parts(version, correlation_id, response, records).map_err(|e| e.to_string())
}

fn encode_parts(
    version: i16,
    correlation_id: i32,
    response: &FetchResponse,
    records: &[Option<RecordParts>],
) -> anyhow::Result<ResponseFrame> {
    if !(4..=12).contains(&version) {
        return Err(anyhow::anyhow!(format!("Fetch v{version} is not served")));
    }
    let flexible = version >= 12;
    let mut b = FrameBuilder {
        current: BytesMut::with_capacity(256),
        parts: Vec::new(),
    };
    let buf = &mut b.current;
    buf.put_i32(0); // the length, filled in at the end
    ResponseHeader::default()
        .with_correlation_id(correlation_id)
        .encode(buf, ApiKey::Fetch.response_header_version(version))?;
    buf.put_i32(response.throttle_time_ms);
    if version >= 7 {
        buf.put_i16(response.error_code);
        buf.put_i32(response.session_id);
    } else if response.session_id != 0 {
        return Err(anyhow::anyhow!("session id below v7"));
    }
    if !response.unknown_tagged_fields.is_empty() || !response.node_endpoints.is_empty() {
        return Err(anyhow::anyhow!("tagged fields in a Fetch answer"));
    }
    array_len(&mut b.current, flexible, response.responses.len())?;
    let mut index = 0;
    for topic in &response.responses {
        if !topic.unknown_tagged_fields.is_empty() {
            return Err(anyhow::anyhow!("tagged fields in a Fetch answer"));
        }
        let buf = &mut b.current;
        let name = topic.topic.as_bytes();
        if flexible {
            unsigned_varint(buf, name.len() as u32 + 1);
        } else {
            let len = i16::try_from(name.len()).map_err(|_| anyhow::anyhow!("topic name"))?;
            buf.put_i16(len);
        }
        buf.put_slice(name);
        array_len(buf, flexible, topic.partitions.len())?;
        for p in &topic.partitions {
            if p.diverging_epoch != Default::default()
                || p.current_leader != Default::default()
                || p.snapshot_id != Default::default()
                || !p.unknown_tagged_fields.is_empty()
            {
                return Err(anyhow::anyhow!("tagged fields in a Fetch answer"));
            }
            let buf = &mut b.current;
            buf.put_i32(p.partition_index);
            buf.put_i16(p.error_code);
            buf.put_i64(p.high_watermark);
            buf.put_i64(p.last_stable_offset);
            if version >= 5 {
                buf.put_i64(p.log_start_offset);
            }
            match &p.aborted_transactions {
                None if flexible => unsigned_varint(buf, 0),
                None => buf.put_i32(-1),
                Some(list) => {
                    array_len(buf, flexible, list.len())?;
                    for aborted in list {
                        aborted.encode(buf, version)?;
                    }
                }
            }
            if version >= 11 {
                buf.put_i32(p.preferred_read_replica.0);
            } else if p.preferred_read_replica != -1 {
                return Err(anyhow::anyhow!("preferred read replica below v11"));
            }
            match records.get(index).and_then(Option::as_ref) {
                Some(parts) => {
                    bytes_len(buf, flexible, Some(parts.len()))?;
                    for part in &parts.parts {
                        b.push(part.clone());
                    }
                }
                None => {
                    bytes_len(buf, flexible, p.records.as_ref().map(Bytes::len))?;
                    if let Some(bytes) = p.records.as_ref().filter(|r| !r.is_empty()) {
                        b.push(FramePart::Bytes(bytes.clone()));
                    }
                }
            }
            index += 1;
            if flexible {
                b.current.put_u8(0); // partition tagged fields
            }
        }
        if flexible {
            b.current.put_u8(0); // topic tagged fields
        }
    }
    if flexible {
        b.current.put_u8(0); // response tagged fields
    }
    b.cut();
    let mut frame = ResponseFrame { parts: b.parts };
    let len =
        i32::try_from(frame.len() - 4).map_err(|_| anyhow::anyhow!("a Fetch answer over 2 GiB"))?;
    if let Some(FramePart::Bytes(first)) = frame.parts.first_mut() {
        let mut head = BytesMut::from(&first[..]);
        head[..4].copy_from_slice(&len.to_be_bytes());
        *first = head.freeze();
    }
    Ok(frame)
}

/// An array's length: compact (length + 1, as an unsigned varint) in flexible versions.
fn array_len(buf: &mut BytesMut, flexible: bool, len: usize) -> anyhow::Result<()> {
    let len = u32::try_from(len).map_err(|_| anyhow::anyhow!("array too long"))?;
    if flexible {
        unsigned_varint(buf, len + 1);
    } else {
        buf.put_i32(len as i32);
    }
    Ok(())
}

/// A nullable bytes field's length prefix: -1 (non-flexible) or 0 (compact) for null.
fn bytes_len(buf: &mut BytesMut, flexible: bool, len: Option<usize>) -> anyhow::Result<()> {
    let len = match len {
        None => -1i64,
        Some(n) => i64::try_from(n).unwrap_or(i64::MAX),
    };
    if len > i64::from(i32::MAX) {
        return Err(anyhow::anyhow!("records over 2 GiB"));
    }
    if flexible {
        unsigned_varint(buf, (len + 1) as u32);
    } else {
        buf.put_i32(len as i32);
    }
    Ok(())
}

/// Kafka's unsigned varint: 7 bits a byte, low bits first, the top bit set on all but the
/// last byte.
fn unsigned_varint(buf: &mut BytesMut, mut value: u32) {
    while value >= 0x80 {
        buf.put_u8((value as u8) | 0x80);
        value >>= 7;
    }
    buf.put_u8(value as u8);
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use kafka_protocol::messages::fetch_response::{
        AbortedTransaction, FetchableTopicResponse, PartitionData,
    };
    use kafka_protocol::messages::{ProducerId, ResponseKind, TopicName};
    use proptest::prelude::*;

    use super::*;
    use crate::record::{Record, StoredSource};
    use crate::wire::frame::encode_response;

    /// A "file" in memory: stored batches that are ranges of it.
    #[derive(Debug)]
    struct Segment(Vec<u8>);

    impl StoredSource for Segment {
        fn read_at(&self, buf: &mut [u8], position: u64) -> std::io::Result<()> {
            let from = position as usize;
            let bytes = self.0.get(from..from + buf.len()).ok_or_else(|| {
                std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "past the end")
            })?;
            buf.copy_from_slice(bytes);
            Ok(())
        }
        fn as_any(&self) -> &dyn std::any::Any {
            self
        }
    }

    /// `count` encoded batches of `values` records each, as one segment, and the batches as
    /// stored ranges of it.
    fn stored_batches(count: usize, values: usize) -> Vec<RecordBatch> {
        let mut file = BytesMut::new();
        let mut ranges = Vec::new();
        for b in 0..count {
            let records: Vec<Record> = (0..values)
                .map(|i| Record::keyed(format!("k{i}"), format!("value {b}.{i}"), 1_000 + i as i64))
                .collect();
            let batch = RecordBatch::from_records(records)
                .unwrap()
                .with_base_offset((b * values) as i64);
            let start = file.len();
            crate::wire::encode_batch(&mut file, &batch).unwrap();
            ranges.push((batch.info, start, file.len() - start));
        }
        let source: Arc<dyn StoredSource> = Arc::new(Segment(file.to_vec()));
        ranges
            .into_iter()
            .map(|(mut info, start, len)| RecordBatch {
                info: {
                    info.size_bytes = len as u32;
                    info
                },
                records: BatchRecords::Stored(StoredBatch {
                    source: source.clone(),
                    position: start as u64,
                    len: len as u32,
                    header: Bytes::copy_from_slice(&file[start..start + 61]),
                }),
            })
            .collect()
    }

    fn partition(index: i32, aborted: Option<usize>, records: Option<Bytes>) -> PartitionData {
        PartitionData::default()
            .with_partition_index(index)
            .with_high_watermark(100 + i64::from(index))
            .with_last_stable_offset(90)
            .with_log_start_offset(3)
            .with_aborted_transactions(aborted.map(|n| {
                (0..n)
                    .map(|i| {
                        AbortedTransaction::default()
                            .with_producer_id(ProducerId(i as i64))
                            .with_first_offset(7 * i as i64)
                    })
                    .collect()
            }))
            .with_records(records)
    }

    proptest! {
        /// Frame parts put together are exactly the bytes kafka-protocol writes, for every
        /// served version, with stored, in-memory and no records, aborted transactions or
        /// none, several topics.
        #[test]
        fn a_fetch_frame_is_the_bytes_kafka_protocol_writes(
            version in 4i16..=12,
            correlation_id in any::<i32>(),
            shapes in prop::collection::vec(
                prop::collection::vec((0usize..4, prop::option::of(0usize..3), 0usize..3), 0..4),
                0..3,
            ),
        ) {
            let mut records = Vec::new();
            let mut topics = Vec::new();
            for (t, partitions) in shapes.iter().enumerate() {
                let mut datas = Vec::new();
                for (p, (batches, aborted, kind)) in partitions.iter().enumerate() {
                    let (data, parts) = match kind {
                        // Stored batches, left in their file.
                        0 => {
                            let parts = RecordParts::of(&stored_batches(*batches, 3));
                            (partition(p as i32, *aborted, None), Some(parts))
                        }
                        // Records in memory, in the response itself.
                        1 => {
                            let bytes = RecordParts::of(&stored_batches(*batches, 2))
                                .to_bytes()
                                .unwrap();
                            (partition(p as i32, *aborted, Some(bytes)), None)
                        }
                        // No records field at all (an error answer).
                        _ => (partition(p as i32, *aborted, None), None),
                    };
                    datas.push(data);
                    records.push(parts);
                }
                topics.push(
                    FetchableTopicResponse::default()
                        .with_topic(TopicName(format!("topic-{t}").into()))
                        .with_partitions(datas),
                );
            }
            let response = FetchResponse::default()
                .with_throttle_time_ms(5)
                .with_responses(topics);
            let frame = encode(version, correlation_id, &response, &records).unwrap();
            let plain = super::super::fetch::Fetched { response, records }
                .into_response()
                .unwrap();
            let expected =
                encode_response(ApiKey::Fetch, version, correlation_id, &ResponseKind::Fetch(plain))
                    .unwrap();
            prop_assert_eq!(frame.to_bytes().unwrap(), expected);
        }
    }

    #[test]
    fn consecutive_stored_batches_are_one_range() {
        let batches = stored_batches(5, 4);
        let parts = RecordParts::of(&batches);
        assert_eq!(parts.parts.len(), 1, "one sendfile for the partition");
        let total: u32 = batches.iter().map(|b| b.info.size_bytes).sum();
        assert_eq!(parts.len(), total as usize);
        // A decoded batch in between (a transaction marker) splits the range.
        let mut mixed = batches[..2].to_vec();
        mixed.push(RecordBatch::from_records(vec![Record::from_value("m", 1)]).unwrap());
        mixed.extend_from_slice(&batches[2..]);
        assert_eq!(RecordParts::of(&mixed).parts.len(), 3);
    }
}
