//! Record batches as they cross the wire.
//!
//! A Produce request carries, per partition, a *record set*: one or more v2 record batches
//! back to back. The broker checks each batch's header and CRC, and stores the bytes as they
//! came (compressed or not): it never decompresses a client's batch. Kafka does the same,
//! which is why a consumer receives exactly the bytes its producer sent, with only the base
//! offset rewritten.
//!
//! The v2 batch header (61 bytes, big-endian):
//!
//! ```text
//! offset  size  field
//!  0       8    baseOffset            rewritten by the broker (outside the CRC)
//!  8       4    batchLength           bytes after this field
//! 12       4    partitionLeaderEpoch  (outside the CRC)
//! 16       1    magic                 must be 2
//! 17       4    crc                   CRC-32C of everything from `attributes` to the end
//! 21       2    attributes            compression codec in bits 0-2, timestamp type (3),
//!                                     transactional (4), control (5)
//! 23       4    lastOffsetDelta
//! 27       8    baseTimestamp
//! 35       8    maxTimestamp
//! 43       8    producerId
//! 51       2    producerEpoch
//! 53       4    baseSequence
//! 57       4    recordCount
//! 61            records...
//! ```

use bytes::{Buf, Bytes, BytesMut};
use kafka_protocol::protocol::StrBytes;
use kafka_protocol::records::{
    Compression, Record as WireRecord, RecordBatchEncoder, RecordEncodeOptions, TimestampType,
};

use crate::record::{BatchRecords, ProducerInfo, Record, RecordBatch};

/// Size of the fixed v2 batch header.
pub const BATCH_HEADER_BYTES: usize = 61;

/// Why a record set was refused. Kafka answers `CORRUPT_MESSAGE` (2) for a bad CRC or a
/// truncated batch and `INVALID_RECORD` (87) for a batch it can read but will not accept.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BatchError {
    /// The bytes end in the middle of a batch.
    #[error("record batch truncated: {0}")]
    Truncated(String),
    /// The CRC stored in the batch does not match its content.
    #[error("record batch CRC mismatch: stored {stored:#010x}, computed {computed:#010x}")]
    Crc {
        /// CRC in the batch header.
        stored: u32,
        /// CRC of the bytes.
        computed: u32,
    },
    /// Magic byte other than 2 (message formats v0 and v1 predate Kafka 0.11).
    #[error("record batch magic {0} is not supported (only v2 batches)")]
    Magic(i8),
    /// A header field that makes no sense (negative count, ...).
    #[error("invalid record batch: {0}")]
    Invalid(String),
}

/// The facts of one batch read from its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchHeader {
    /// Total bytes of the batch, header included.
    pub total_len: usize,
    /// Records in the batch.
    pub record_count: u32,
    /// `baseTimestamp`.
    pub first_timestamp: i64,
    /// `maxTimestamp`.
    pub max_timestamp: i64,
    /// The compression codec (attributes bits 0-2): 0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd.
    pub codec: u8,
    /// Attribute bit 4: the batch is part of a transaction, invisible to `read_committed`
    /// consumers until its transaction's marker.
    pub transactional: bool,
    /// Attribute bit 5: a control batch (a transaction marker). Only the broker writes
    /// them; a producer's Produce carrying one is refused by the broker.
    pub control: bool,
    /// `producerId` (-1: not an idempotent producer).
    pub producer_id: i64,
    /// `producerEpoch`.
    pub producer_epoch: i16,
    /// `baseSequence`.
    pub base_sequence: i32,
}

/// Read and check the header of the batch at the start of `bytes`, including its CRC.
pub fn read_header(bytes: &[u8]) -> Result<BatchHeader, BatchError> {
    let header = parse_header(bytes)?;
    if bytes.len() < header.total_len {
        return Err(BatchError::Truncated(format!(
            "batch says {} bytes, {} present",
            header.total_len,
            bytes.len()
        )));
    }
    let stored = u32::from_be_bytes([bytes[17], bytes[18], bytes[19], bytes[20]]);
    let computed = crc32c::crc32c(&bytes[21..header.total_len]);
    if stored != computed {
        return Err(BatchError::Crc { stored, computed });
    }
    Ok(header)
}

/// Read the header of the batch at the start of `bytes` (at least its 61 header bytes)
/// without checking the CRC: for a stored batch, checked when it was appended and again at
/// recovery, of which a fetch reads only the header. Kafka does not check CRCs on reads
/// either; the consumer checks them.
pub fn parse_header(bytes: &[u8]) -> Result<BatchHeader, BatchError> {
    if bytes.len() < BATCH_HEADER_BYTES {
        return Err(BatchError::Truncated(format!(
            "{} bytes, a batch header needs {BATCH_HEADER_BYTES}",
            bytes.len()
        )));
    }
    let mut header = &bytes[8..];
    let batch_length = header.get_i32();
    if batch_length < (BATCH_HEADER_BYTES - 12) as i32 {
        return Err(BatchError::Invalid(format!("batch length {batch_length}")));
    }
    let total_len = 12 + batch_length as usize;
    let _leader_epoch = header.get_i32();
    let magic = header.get_i8();
    if magic != 2 {
        return Err(BatchError::Magic(magic));
    }
    let _crc = header.get_u32();
    let attributes = header.get_i16();
    let last_offset_delta = header.get_i32();
    let first_timestamp = header.get_i64();
    let max_timestamp = header.get_i64();
    let producer_id = header.get_i64();
    let producer_epoch = header.get_i16();
    let base_sequence = header.get_i32();
    let record_count = header.get_i32();
    if record_count <= 0 || last_offset_delta < 0 {
        return Err(BatchError::Invalid(format!(
            "record count {record_count}, last offset delta {last_offset_delta}"
        )));
    }
    Ok(BatchHeader {
        total_len,
        // Offsets cover lastOffsetDelta + 1 slots (compaction may leave gaps).
        record_count: (last_offset_delta as u32 + 1).max(record_count as u32),
        first_timestamp,
        max_timestamp,
        codec: (attributes & 0x07) as u8,
        transactional: attributes & 0x10 != 0,
        control: attributes & 0x20 != 0,
        producer_id,
        producer_epoch,
        base_sequence,
    })
}

/// Compress an encoded v2 batch again with `codec` (0 none, 1 gzip, 2 snappy, 3 lz4, 4
/// zstd), what a topic's `compression.type` asks of the broker. In a v2 batch the records
/// section (after the 61-byte header) is the same record bytes compressed or not, so it is
/// decompressed and compressed again unchanged: every record keeps its offset delta,
/// timestamp, key, value and headers (duplicate header keys too), and the header keeps the
/// producer id, epoch and sequence; only the codec bits, the length and the CRC change. A
/// batch already in `codec`, or a control batch (never compressed), is returned as is.
pub fn recompress(batch: Bytes, codec: u8) -> Result<Bytes, BatchError> {
    let header = read_header(&batch)?;
    if header.codec == codec || header.control {
        return Ok(batch);
    }
    let section = &batch[BATCH_HEADER_BYTES..header.total_len];
    let raw = decompress(header.codec, section)?;
    let packed = compress(codec, raw)?;
    let mut out = BytesMut::with_capacity(BATCH_HEADER_BYTES + packed.len());
    out.extend_from_slice(&batch[..BATCH_HEADER_BYTES]);
    out.extend_from_slice(&packed);
    let batch_length = i32::try_from(out.len() - 12)
        .map_err(|_| BatchError::Invalid("a batch over 2 GiB".into()))?;
    out[8..12].copy_from_slice(&batch_length.to_be_bytes());
    let attributes = i16::from_be_bytes([out[21], out[22]]);
    let attributes = (attributes & !0x07) | i16::from(codec);
    out[21..23].copy_from_slice(&attributes.to_be_bytes());
    let crc = crc32c::crc32c(&out[21..]);
    out[17..21].copy_from_slice(&crc.to_be_bytes());
    Ok(out.freeze())
}

/// The records section of a batch, uncompressed.
fn decompress(codec: u8, section: &[u8]) -> Result<Bytes, BatchError> {
    use kafka_protocol::compression::{Decompressor, Gzip, Lz4, Snappy, Zstd};
    let mut input = Bytes::copy_from_slice(section);
    let all = |b: &mut Bytes| Ok(std::mem::take(b));
    match codec {
        0 => Ok(input),
        1 => Gzip::decompress(&mut input, all),
        2 => Snappy::decompress(&mut input, all),
        3 => Lz4::decompress(&mut input, all),
        4 => Zstd::decompress(&mut input, all),
        other => return Err(BatchError::Invalid(format!("compression codec {other}"))),
    }
    .map_err(|e| BatchError::Invalid(format!("decompressing with codec {codec}: {e}")))
}

/// Uncompressed record bytes, compressed with `codec`.
fn compress(codec: u8, raw: Bytes) -> Result<Bytes, BatchError> {
    use kafka_protocol::compression::{Compressor, Gzip, Lz4, Snappy, Zstd};
    let mut out = BytesMut::new();
    let write = |b: &mut BytesMut| {
        b.extend_from_slice(&raw);
        Ok(())
    };
    match codec {
        0 => {
            out.extend_from_slice(&raw);
            Ok(())
        }
        1 => Gzip::compress(&mut out, write),
        2 => Snappy::compress(&mut out, write),
        3 => Lz4::compress(&mut out, write),
        4 => Zstd::compress(&mut out, write),
        other => return Err(BatchError::Invalid(format!("compression codec {other}"))),
    }
    .map_err(|e| BatchError::Invalid(format!("compressing with codec {codec}: {e}")))?;
    Ok(out.freeze())
}

/// Split a Produce record set into checked batches ready for the log, bytes untouched, each
/// with the facts of its header.
pub fn split_record_set(mut bytes: Bytes) -> Result<Vec<(RecordBatch, BatchHeader)>, BatchError> {
    let mut batches = Vec::new();
    while !bytes.is_empty() {
        let header = read_header(&bytes)?;
        if header.transactional && header.producer_id < 0 {
            return Err(BatchError::Invalid(
                "a transactional batch without a producer id".into(),
            ));
        }
        let batch = bytes.split_to(header.total_len);
        batches.push((
            RecordBatch::from_encoded(
                batch,
                header.record_count,
                header.first_timestamp,
                header.max_timestamp,
            ),
            header,
        ));
    }
    if batches.is_empty() {
        return Err(BatchError::Invalid("empty record set".into()));
    }
    Ok(batches)
}

/// Append one batch's v2 bytes to `out`: encoded batches as they are, decoded ones encoded
/// uncompressed with the batch's producer id, epoch and transaction bits. A commit or
/// abort marker must leave the broker (and reach the disk) as a control batch: a client
/// that saw it as a plain record would hand the marker to the application, and a restarted
/// broker would not know that the transaction had ended. A stored batch is read from its
/// file (the one case that can fail).
pub fn encode_batch(out: &mut BytesMut, batch: &RecordBatch) -> std::io::Result<()> {
    match &batch.records {
        BatchRecords::Encoded(bytes) => out.extend_from_slice(bytes),
        BatchRecords::Stored(stored) => out.extend_from_slice(&stored.load()?),
        BatchRecords::Decoded(records) => encode_with_producer(
            out,
            batch.info.base_offset,
            records,
            Compression::None,
            &batch.info.producer,
        ),
    }
    Ok(())
}

/// A record decoded by the crate, as the core's [`Record`] (clients and the offsets log
/// decode batches; the broker itself never does).
pub fn record_from_wire(r: WireRecord) -> Record {
    Record {
        key: r.key,
        value: r.value,
        headers: r
            .headers
            .into_iter()
            .map(|(k, v)| crate::record::Header {
                key: k.to_string(),
                value: v,
            })
            .collect(),
        timestamp: r.timestamp,
    }
}

/// Encode records as one v2 batch starting at `base_offset` (what the CLI producer sends).
pub fn encode_records(
    out: &mut BytesMut,
    base_offset: i64,
    records: &[Record],
    compression: Compression,
) {
    encode_with_producer(out, base_offset, records, compression, &ProducerInfo::NONE)
}

/// [`encode_records`] for a batch written by `producer`: its id and epoch in the header,
/// attribute bit 4 for a transactional batch and bit 5 for a control batch.
pub(super) fn encode_with_producer(
    out: &mut BytesMut,
    base_offset: i64,
    records: &[Record],
    compression: Compression,
    producer: &ProducerInfo,
) {
    let wire: Vec<WireRecord> = records
        .iter()
        .enumerate()
        .map(|(i, r)| WireRecord {
            transactional: producer.transactional,
            control: producer.control.is_some(),
            delete_horizon: false,
            partition_leader_epoch: -1,
            producer_id: producer.producer_id,
            producer_epoch: producer.producer_epoch,
            timestamp_type: TimestampType::Creation,
            offset: base_offset + i as i64,
            // The encoder starts a new batch whenever `offset - sequence` changes; keeping
            // it constant (and the first sequence at -1, "no sequence") gives one batch.
            sequence: i as i32 - 1,
            timestamp: r.timestamp,
            key: r.key.clone(),
            value: r.value.clone(),
            headers: r
                .headers
                .iter()
                .map(|h| (StrBytes::from_string(h.key.clone()), h.value.clone()))
                .collect(),
        })
        .collect();
    let options = RecordEncodeOptions {
        version: 2,
        compression,
    };
    // Encoding in memory only fails for impossible sizes (over 2 GiB).
    if let Err(error) = RecordBatchEncoder::encode(out, wire.iter(), &options) {
        tracing::error!(%error, "encoding a record batch failed");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch_of(values: &[&str], compression: Compression) -> Bytes {
        let records: Vec<Record> = values
            .iter()
            .enumerate()
            .map(|(i, v)| Record::from_value(v.to_string(), 1_000 + i as i64))
            .collect();
        let mut out = BytesMut::new();
        encode_records(&mut out, 0, &records, compression);
        out.freeze()
    }

    #[test]
    fn a_clean_batch_is_read_with_its_facts() {
        for compression in [
            Compression::None,
            Compression::Gzip,
            Compression::Snappy,
            Compression::Lz4,
            Compression::Zstd,
        ] {
            let bytes = batch_of(&["a", "b", "c"], compression);
            let header = read_header(&bytes).unwrap();
            assert_eq!(header.total_len, bytes.len());
            assert_eq!(header.record_count, 3);
            assert_eq!(header.first_timestamp, 1_000);
            assert_eq!(header.max_timestamp, 1_002);
            assert_eq!(header.codec, compression as u8);
        }
    }

    #[test]
    fn record_timestamps_are_read_from_plain_and_compressed_batches() {
        let records: Vec<Record> = [5_000, 1_000, 3_000]
            .iter()
            .map(|&t| Record::from_value("v", t))
            .collect();
        for compression in [Compression::None, Compression::Gzip, Compression::Lz4] {
            let mut out = BytesMut::new();
            encode_records(&mut out, 40, &records, compression);
            assert_eq!(
                crate::record::encoded_record_timestamps(&out),
                Some(vec![(0, 5_000), (1, 1_000), (2, 3_000)]),
                "{compression:?}"
            );
        }
        assert_eq!(crate::record::encoded_record_timestamps(&[0u8; 30]), None);
    }

    #[test]
    fn two_batches_in_one_record_set_are_split() {
        let mut set = BytesMut::new();
        set.extend_from_slice(&batch_of(&["a"], Compression::None));
        set.extend_from_slice(&batch_of(&["b", "c"], Compression::Gzip));
        let batches = split_record_set(set.freeze()).unwrap();
        assert_eq!(batches.len(), 2);
        assert_eq!(batches[1].0.info.record_count, 2);
        assert_eq!(batches[1].1.producer_id, -1);
    }

    #[test]
    fn a_flipped_byte_fails_the_crc() {
        let mut bytes = batch_of(&["hello"], Compression::None).to_vec();
        let last = bytes.len() - 1;
        bytes[last] ^= 0xFF;
        assert!(matches!(read_header(&bytes), Err(BatchError::Crc { .. })));
    }

    #[test]
    fn truncated_and_old_batches_are_refused() {
        let bytes = batch_of(&["hello"], Compression::None);
        assert!(matches!(
            read_header(&bytes[..bytes.len() - 1]),
            Err(BatchError::Truncated(_))
        ));
        assert!(matches!(
            read_header(&bytes[..10]),
            Err(BatchError::Truncated(_))
        ));
        let mut old = bytes.to_vec();
        old[16] = 1;
        assert_eq!(read_header(&old), Err(BatchError::Magic(1)));
        assert!(split_record_set(Bytes::new()).is_err());
    }

    #[test]
    fn transactional_batches_are_accepted_and_markers_leave_as_control_batches() {
        use crate::record::ControlType;
        let mut bytes = batch_of(&["in a transaction"], Compression::None).to_vec();
        bytes[21..23].copy_from_slice(&0x10i16.to_be_bytes());
        bytes[43..51].copy_from_slice(&7i64.to_be_bytes());
        let crc = crc32c::crc32c(&bytes[21..]);
        bytes[17..21].copy_from_slice(&crc.to_be_bytes());
        let split = split_record_set(Bytes::from(bytes.clone())).unwrap();
        assert!(split[0].1.transactional && !split[0].1.control);
        assert!(split[0].0.info.producer.transactional);
        // Without a producer id a transactional batch means nothing.
        bytes[43..51].copy_from_slice(&(-1i64).to_be_bytes());
        let crc = crc32c::crc32c(&bytes[21..]);
        bytes[17..21].copy_from_slice(&crc.to_be_bytes());
        assert!(split_record_set(Bytes::from(bytes)).is_err());

        let marker =
            RecordBatch::control_marker(ControlType::Abort, 7, 3, 0, 1_000).with_base_offset(12);
        let mut bytes = BytesMut::new();
        encode_batch(&mut bytes, &marker).unwrap();
        let bytes = bytes.freeze();
        let header = read_header(&bytes).unwrap();
        assert!(header.control && header.transactional);
        assert_eq!((header.producer_id, header.producer_epoch), (7, 3));
        assert_eq!(header.base_sequence, -1);
        let info = ProducerInfo::of_encoded(&bytes);
        assert_eq!(info.control, Some(ControlType::Abort));
        let decoded = kafka_protocol::records::RecordBatchDecoder::decode(&mut bytes.clone())
            .unwrap()
            .records;
        assert!(decoded[0].control && decoded[0].offset == 12);
    }

    #[test]
    fn decoded_batches_are_served_as_v2_bytes() {
        let batch = RecordBatch::from_records(vec![Record::from_value("x", 5)])
            .unwrap()
            .with_base_offset(42);
        let mut bytes = BytesMut::new();
        encode_batch(&mut bytes, &batch).unwrap();
        let header = read_header(&bytes).unwrap();
        assert_eq!(header.record_count, 1);
        assert_eq!(&bytes[..8], &42i64.to_be_bytes());
    }
}
