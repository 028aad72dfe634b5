//! Records and record batches: what a partition log stores.
//!
//! A Kafka record is a key, a value, headers and a timestamp. The broker never looks inside
//! key or value; it only gives each record an *offset*, its position in the partition log.
//! Producers send records grouped in *batches* (one network request, one compression unit,
//! one CRC), and the log stores and serves whole batches: a fetch returns every batch that
//! contains the requested offset, and the consumer skips the records below its position.
//!
//! A batch comes in two forms:
//! - [`BatchRecords::Decoded`]: records as Rust values. The simulation and the browser use
//!   this form, and it is what the offset store writes to its internal log.
//! - [`BatchRecords::Encoded`]: the bytes of a Kafka v2 record batch exactly as a real client
//!   produced them (possibly compressed). The native server stores and serves these as
//!   produced, the way Kafka does, without ever decompressing them.
//!
//! - [`BatchRecords::Stored`]: a batch the native server read back from a segment file and
//!   left there: only its header was read, and the fetch answer names the byte range. The
//!   driver sends the range from the file to the socket (`sendfile`), so the records never
//!   pass through the broker's memory. Kafka serves its reads the same way.
//!
//! All are cheap to clone (`Arc` / `Bytes`), so reading from a log copies no payload.

use std::sync::Arc;

use bytes::Bytes;
use serde::{Deserialize, Serialize};

/// Milliseconds, Kafka's unit for timestamps and timeouts. Time is always passed in as an
/// argument: the core never reads a clock.
pub type Millis = i64;

/// An offset in a partition log. Kafka's offsets are `i64` and start at 0.
pub type Offset = i64;

/// A record header: a string key and optional bytes (Kafka allows a null header value).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    /// Header name.
    pub key: String,
    /// Header value; `None` is Kafka's null.
    pub value: Option<Bytes>,
}

/// One record as the producer wrote it. The broker adds the offset; the record itself does
/// not know where it landed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Record {
    /// The key decides the partition (murmur2 of the key, in the producer) and is what log
    /// compaction keys on. `None` is Kafka's null key.
    pub key: Option<Bytes>,
    /// The payload. `None` is a tombstone on compacted topics.
    pub value: Option<Bytes>,
    /// Application headers.
    pub headers: Vec<Header>,
    /// Creation time set by the producer (`CreateTime`), in milliseconds.
    pub timestamp: Millis,
}

impl Record {
    /// A record with a value and no key, handy in tests and examples.
    pub fn from_value(value: impl Into<Bytes>, timestamp: Millis) -> Record {
        Record {
            key: None,
            value: Some(value.into()),
            headers: Vec::new(),
            timestamp,
        }
    }

    /// A record with a key and a value.
    pub fn keyed(key: impl Into<Bytes>, value: impl Into<Bytes>, timestamp: Millis) -> Record {
        Record {
            key: Some(key.into()),
            value: Some(value.into()),
            headers: Vec::new(),
            timestamp,
        }
    }

    /// Approximate size in bytes, used for byte limits and retention. It counts what a
    /// record costs in a v2 batch (payloads plus a few bytes of framing per field).
    pub fn size_bytes(&self) -> usize {
        const OVERHEAD: usize = 8;
        OVERHEAD
            + self.key.as_ref().map_or(0, |k| k.len())
            + self.value.as_ref().map_or(0, |v| v.len())
            + self
                .headers
                .iter()
                .map(|h| 4 + h.key.len() + h.value.as_ref().map_or(0, |v| v.len()))
                .sum::<usize>()
    }
}

/// A record together with the offset the log gave it: what a consumer sees.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsumerRecord {
    /// Position of the record in its partition.
    pub offset: Offset,
    /// The record itself.
    pub record: Record,
}

/// The records of a batch, either as values or as the encoded bytes a real client sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatchRecords {
    /// Records as Rust values (simulation, browser, internal logs).
    Decoded(Arc<[Record]>),
    /// A Kafka v2 record batch as produced on the wire. Its first 8 bytes (the base offset)
    /// are rewritten by the broker; they are outside the batch CRC, so the CRC stays valid.
    Encoded(Bytes),
    /// An encoded batch still in the storage: a byte range of a segment file (what a file
    /// store's read returns, so that a fetch copies nothing).
    Stored(StoredBatch),
}

/// Where a stored batch's bytes are: the storage that holds them, and a byte range in it.
/// The core only passes it along; whoever writes the answer decides how to move the bytes
/// (the native server: `sendfile` from the segment file to the socket).
#[derive(Debug, Clone)]
pub struct StoredBatch {
    /// The file (or whatever the storage keeps batches in).
    pub source: Arc<dyn StoredSource>,
    /// Byte position of the batch in it.
    pub position: u64,
    /// Length of the batch in bytes.
    pub len: u32,
    /// The batch's 61-byte v2 header (offsets, producer id, epoch, sequence, attributes),
    /// read anyway to find the batch, and enough for the readers that only need facts.
    pub header: Bytes,
}

impl StoredBatch {
    /// Read the batch's bytes, for the rare reader that needs to look inside (a timestamp
    /// lookup, the producer state rebuilt at start) or a driver that cannot send from a
    /// file.
    pub fn load(&self) -> std::io::Result<Bytes> {
        let mut bytes = vec![0u8; self.len as usize];
        self.source.read_at(&mut bytes, self.position)?;
        Ok(bytes.into())
    }
}

impl PartialEq for StoredBatch {
    /// The same range of the same storage.
    fn eq(&self, other: &StoredBatch) -> bool {
        Arc::ptr_eq(&self.source, &other.source)
            && self.position == other.position
            && self.len == other.len
    }
}
impl Eq for StoredBatch {}

/// What keeps stored batches: a segment file in the native server.
pub trait StoredSource: std::fmt::Debug + Send + Sync + std::any::Any {
    /// Fill `buf` with the bytes at `position`.
    fn read_at(&self, buf: &mut [u8], position: u64) -> std::io::Result<()>;
    /// The concrete type, so that a driver can recognise its own files (and, for example,
    /// hand their descriptor to `sendfile`).
    fn as_any(&self) -> &dyn std::any::Any;
}

/// The facts about a batch that the log needs without looking inside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchInfo {
    /// Offset of the first record in the batch.
    pub base_offset: Offset,
    /// Number of records: offsets `base_offset ..= base_offset + record_count - 1`.
    pub record_count: u32,
    /// Smallest record timestamp in the batch.
    pub first_timestamp: Millis,
    /// Largest record timestamp in the batch (what Kafka's time index keys on).
    pub max_timestamp: Millis,
    /// Size of the batch in bytes, for byte limits and size-based retention.
    pub size_bytes: u32,
    /// Who wrote the batch and whether it belongs to a transaction: what the log needs for
    /// the last stable offset and the aborted-transaction index.
    pub producer: ProducerInfo,
}

impl BatchInfo {
    /// Offset just after the batch's last record.
    pub fn next_offset(&self) -> Offset {
        self.base_offset + i64::from(self.record_count)
    }

    /// Offset of the batch's last record.
    pub fn last_offset(&self) -> Offset {
        self.next_offset() - 1
    }

    /// Whether `offset` falls inside this batch.
    pub fn contains(&self, offset: Offset) -> bool {
        offset >= self.base_offset && offset < self.next_offset()
    }
}

/// The type of a control record (Kafka's `ControlRecordType`), the `type` field of its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ControlType {
    /// Type 0: the transaction was aborted; its records must stay invisible to
    /// `read_committed` consumers.
    Abort,
    /// Type 1: the transaction was committed; its records become visible.
    Commit,
    /// Any other type (Kafka's KRaft uses 2 and up for its own metadata log); minikafka
    /// writes none and treats them as markers that complete nothing.
    Other(i16),
}

impl ControlType {
    /// The type number in the control record's key.
    pub fn code(self) -> i16 {
        match self {
            ControlType::Abort => 0,
            ControlType::Commit => 1,
            ControlType::Other(code) => code,
        }
    }

    /// The type for a number read from a control record's key.
    pub fn from_code(code: i16) -> ControlType {
        match code {
            0 => ControlType::Abort,
            1 => ControlType::Commit,
            other => ControlType::Other(other),
        }
    }

    /// The key of a control record: version 0 (`i16`), then the type (`i16`).
    pub fn key(self) -> Bytes {
        let mut key = Vec::with_capacity(4);
        key.extend_from_slice(&0i16.to_be_bytes());
        key.extend_from_slice(&self.code().to_be_bytes());
        key.into()
    }

    /// The type a control record's key names; `None` for a key that is not 4 bytes of
    /// version 0.
    pub fn from_key(key: &[u8]) -> Option<ControlType> {
        let version = i16::from_be_bytes(key.get(0..2)?.try_into().ok()?);
        let code = i16::from_be_bytes(key.get(2..4)?.try_into().ok()?);
        (version == 0 && key.len() == 4).then_some(ControlType::from_code(code))
    }
}

/// The producer facts of a v2 batch header: `producerId`, `producerEpoch` and the two
/// transaction bits of `attributes` (bit 4 transactional, bit 5 control).
///
/// A *transactional* batch is invisible to `read_committed` consumers until a *control*
/// batch from the same producer (a commit or abort marker) closes its transaction. A plain
/// producer's batches have no producer id (-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProducerInfo {
    /// `producerId`; -1 for a producer that is neither idempotent nor transactional.
    pub producer_id: i64,
    /// `producerEpoch`; -1 without a producer id.
    pub producer_epoch: i16,
    /// Attribute bit 4: the batch is part of a transaction.
    pub transactional: bool,
    /// Attribute bit 5: a control batch (a transaction marker), with the type its one
    /// record's key names. Control batches are never handed to the application.
    pub control: Option<ControlType>,
}

impl ProducerInfo {
    /// A batch from a plain producer.
    pub const NONE: ProducerInfo = ProducerInfo {
        producer_id: -1,
        producer_epoch: -1,
        transactional: false,
        control: None,
    };

    /// A data batch written inside a transaction of `producer_id` at `producer_epoch`.
    pub fn transactional(producer_id: i64, producer_epoch: i16) -> ProducerInfo {
        ProducerInfo {
            producer_id,
            producer_epoch,
            transactional: true,
            control: None,
        }
    }

    /// The facts of an encoded v2 batch: attributes at bytes 21..23, producer id at 43..51,
    /// epoch at 51..53, and for a control batch the type from its first record's key.
    /// [`ProducerInfo::NONE`] for bytes too short to hold a header.
    pub fn of_encoded(bytes: &[u8]) -> ProducerInfo {
        let field = |from: usize, to: usize| bytes.get(from..to);
        let read = || -> Option<ProducerInfo> {
            let attributes = i16::from_be_bytes(field(21, 23)?.try_into().ok()?);
            let control = attributes & 0x20 != 0;
            Some(ProducerInfo {
                producer_id: i64::from_be_bytes(field(43, 51)?.try_into().ok()?),
                producer_epoch: i16::from_be_bytes(field(51, 53)?.try_into().ok()?),
                transactional: attributes & 0x10 != 0,
                control: control.then(|| {
                    first_record_key(bytes.get(61..).unwrap_or_default())
                        .and_then(ControlType::from_key)
                        .unwrap_or(ControlType::Other(-1))
                }),
            })
        };
        read().unwrap_or(ProducerInfo::NONE)
    }
}

/// The key of the first record of an uncompressed record section (control batches are
/// never compressed): length, attributes, timestamp delta and offset delta as varints,
/// then the key length and the key.
fn first_record_key(mut records: &[u8]) -> Option<&[u8]> {
    let _length = varint(&mut records)?;
    let (_attributes, rest) = records.split_first()?;
    records = rest;
    let _timestamp_delta = varint(&mut records)?;
    let _offset_delta = varint(&mut records)?;
    let key_length = usize::try_from(varint(&mut records)?).ok()?;
    records.get(..key_length)
}

/// The `(offset delta, timestamp)` of each record of an encoded v2 batch, in offset order,
/// for ListOffsets by timestamp. With `LogAppendTime` (attribute bit 3) every record has
/// the batch's max timestamp. A compressed batch (attribute bits 0..3) is decompressed
/// in the native build; `None` for one in the wasm build, or bytes that do not parse.
pub fn encoded_record_timestamps(bytes: &[u8]) -> Option<Vec<(i64, Millis)>> {
    let field = |from: usize, to: usize| bytes.get(from..to);
    let attributes = i16::from_be_bytes(field(21, 23)?.try_into().ok()?);
    let base_timestamp = i64::from_be_bytes(field(27, 35)?.try_into().ok()?);
    let max_timestamp = i64::from_be_bytes(field(35, 43)?.try_into().ok()?);
    let count = i32::from_be_bytes(field(57, 61)?.try_into().ok()?);
    let count = usize::try_from(count).ok()?;
    if attributes & 0x07 != 0 {
        return decompressed_record_timestamps(bytes);
    }
    let mut records = bytes.get(61..)?;
    let mut out = Vec::with_capacity(count.min(records.len()));
    for _ in 0..count {
        let length = usize::try_from(varint(&mut records)?).ok()?;
        let mut record = records.get(..length)?;
        records = &records[length..];
        let (_attributes, rest) = record.split_first()?;
        record = rest;
        let timestamp_delta = varint(&mut record)?;
        let offset_delta = varint(&mut record)?;
        let timestamp = if attributes & 0x08 != 0 {
            max_timestamp
        } else {
            base_timestamp.checked_add(timestamp_delta)?
        };
        out.push((offset_delta, timestamp));
    }
    Some(out)
}

impl RecordBatch {
    /// The positions (0-based, in offset order) of the records without a key: what a
    /// compacted topic refuses, since compaction keeps the latest record *per key*. An
    /// encoded batch is read record by record, a compressed one decompressed first (native
    /// build only: the browser never holds compressed batches). Control batches have none.
    pub fn keyless_records(&self) -> Vec<u32> {
        if self.info.producer.control.is_some() {
            return Vec::new();
        }
        match &self.records {
            BatchRecords::Decoded(records) => (0..)
                .zip(records.iter())
                .filter(|(_, r)| r.key.is_none())
                .map(|(i, _)| i)
                .collect(),
            BatchRecords::Encoded(bytes) => encoded_keyless_records(bytes).unwrap_or_default(),
            BatchRecords::Stored(stored) => stored
                .load()
                .ok()
                .and_then(|bytes| encoded_keyless_records(&bytes))
                .unwrap_or_default(),
        }
    }
}

/// [`RecordBatch::keyless_records`] of an encoded v2 batch; `None` for bytes that do not
/// parse (the batch's CRC was checked before, so only a producer's own encoding bug).
fn encoded_keyless_records(bytes: &[u8]) -> Option<Vec<u32>> {
    let attributes = i16::from_be_bytes(bytes.get(21..23)?.try_into().ok()?);
    if attributes & 0x07 != 0 {
        return decompressed_keyless_records(bytes);
    }
    let count = i32::from_be_bytes(bytes.get(57..61)?.try_into().ok()?);
    let mut records = bytes.get(61..)?;
    let mut out = Vec::new();
    for i in 0..u32::try_from(count).ok()? {
        let length = usize::try_from(varint(&mut records)?).ok()?;
        let mut record = records.get(..length)?;
        records = &records[length..];
        let (_attributes, rest) = record.split_first()?;
        record = rest;
        let _timestamp_delta = varint(&mut record)?;
        let _offset_delta = varint(&mut record)?;
        if varint(&mut record)? < 0 {
            out.push(i); // key length -1: a null key
        }
    }
    Some(out)
}

/// [`encoded_keyless_records`] of a compressed batch, decompressed by `kafka-protocol`.
#[cfg(not(target_arch = "wasm32"))]
fn decompressed_keyless_records(bytes: &[u8]) -> Option<Vec<u32>> {
    let mut buf = Bytes::copy_from_slice(bytes);
    let set = kafka_protocol::records::RecordBatchDecoder::decode(&mut buf).ok()?;
    Some(
        (0..)
            .zip(set.records.iter())
            .filter(|(_, r)| r.key.is_none())
            .map(|(i, _)| i)
            .collect(),
    )
}

#[cfg(target_arch = "wasm32")]
fn decompressed_keyless_records(_bytes: &[u8]) -> Option<Vec<u32>> {
    None
}

/// [`encoded_record_timestamps`] of a compressed batch, decompressed by `kafka-protocol`.
#[cfg(not(target_arch = "wasm32"))]
fn decompressed_record_timestamps(bytes: &[u8]) -> Option<Vec<(i64, Millis)>> {
    let base = i64::from_be_bytes(bytes.get(..8)?.try_into().ok()?);
    let mut buf = Bytes::copy_from_slice(bytes);
    let set = kafka_protocol::records::RecordBatchDecoder::decode(&mut buf).ok()?;
    Some(
        set.records
            .iter()
            .map(|r| (r.offset - base, r.timestamp))
            .collect(),
    )
}

#[cfg(target_arch = "wasm32")]
fn decompressed_record_timestamps(_bytes: &[u8]) -> Option<Vec<(i64, Millis)>> {
    None
}

/// A zigzag varint (Kafka's `varint` and `varlong`), advancing `bytes`.
fn varint(bytes: &mut &[u8]) -> Option<i64> {
    let mut raw: u64 = 0;
    for shift in (0..64).step_by(7) {
        let (byte, rest) = bytes.split_first()?;
        *bytes = rest;
        raw |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some((raw >> 1) as i64 ^ -((raw & 1) as i64));
        }
    }
    None
}

/// A batch as stored in a log: its facts and its records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordBatch {
    /// Offsets, count, timestamps and size.
    pub info: BatchInfo,
    /// The records, decoded or encoded.
    pub records: BatchRecords,
}

impl RecordBatch {
    /// A batch of decoded records. The base offset is a placeholder until the log assigns
    /// one in `append`. Returns `None` for an empty batch: Kafka has no empty batches.
    pub fn from_records(records: Vec<Record>) -> Option<RecordBatch> {
        if records.is_empty() {
            return None;
        }
        let first_timestamp = records.iter().map(|r| r.timestamp).min().unwrap_or(0);
        let max_timestamp = records.iter().map(|r| r.timestamp).max().unwrap_or(0);
        // 61 bytes is the fixed header of a v2 record batch.
        let size: usize = 61 + records.iter().map(Record::size_bytes).sum::<usize>();
        Some(RecordBatch {
            info: BatchInfo {
                base_offset: 0,
                record_count: u32::try_from(records.len()).unwrap_or(u32::MAX),
                first_timestamp,
                max_timestamp,
                size_bytes: u32::try_from(size).unwrap_or(u32::MAX),
                producer: ProducerInfo::NONE,
            },
            records: BatchRecords::Decoded(records.into()),
        })
    }

    /// A batch of encoded bytes whose facts the caller (the wire adapter) has read from the
    /// batch header. `record_count` must be at least 1. The producer facts (id, epoch,
    /// transactional and control bits) are read from the bytes themselves.
    pub fn from_encoded(
        bytes: Bytes,
        record_count: u32,
        first_timestamp: Millis,
        max_timestamp: Millis,
    ) -> RecordBatch {
        let size_bytes = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
        RecordBatch {
            info: BatchInfo {
                base_offset: 0,
                record_count,
                first_timestamp,
                max_timestamp,
                size_bytes,
                producer: ProducerInfo::of_encoded(&bytes),
            },
            records: BatchRecords::Encoded(bytes),
        }
    }

    /// The same batch, marked as written by `producer` (the simulation's decoded batches
    /// carry their producer facts here; encoded ones have them in their header).
    pub fn with_producer(mut self, producer: ProducerInfo) -> RecordBatch {
        self.info.producer = producer;
        self
    }

    /// A transaction marker: a control batch of one record, written by the broker (never by
    /// a producer) when the transaction coordinator ends a transaction. Its key is version 0
    /// and the [`ControlType`]; its value is version 0 and the coordinator's epoch (an
    /// `i16` and an `i32`), as in Kafka's `EndTransactionMarker`. The marker takes an offset
    /// of its own: that is the "lag of 1" a committed transaction leaves behind.
    pub fn control_marker(
        control: ControlType,
        producer_id: i64,
        producer_epoch: i16,
        coordinator_epoch: i32,
        timestamp: Millis,
    ) -> RecordBatch {
        let mut value = Vec::with_capacity(6);
        value.extend_from_slice(&0i16.to_be_bytes());
        value.extend_from_slice(&coordinator_epoch.to_be_bytes());
        let record = Record {
            key: Some(control.key()),
            value: Some(value.into()),
            headers: Vec::new(),
            timestamp,
        };
        // 61 bytes is the fixed header of a v2 record batch.
        let size_bytes = u32::try_from(61 + record.size_bytes()).unwrap_or(u32::MAX);
        RecordBatch {
            info: BatchInfo {
                base_offset: 0,
                record_count: 1,
                first_timestamp: timestamp,
                max_timestamp: timestamp,
                size_bytes,
                producer: ProducerInfo {
                    producer_id,
                    producer_epoch,
                    transactional: true,
                    control: Some(control),
                },
            },
            records: BatchRecords::Decoded(vec![record].into()),
        }
    }

    /// The v2 bytes of an encoded batch, read from the storage if it is still there;
    /// `None` for decoded records.
    pub fn encoded_bytes(&self) -> std::io::Result<Option<Bytes>> {
        match &self.records {
            BatchRecords::Decoded(_) => Ok(None),
            BatchRecords::Encoded(bytes) => Ok(Some(bytes.clone())),
            BatchRecords::Stored(stored) => stored.load().map(Some),
        }
    }

    /// Whether this is a control batch (a transaction marker): consumers skip it.
    pub fn is_control(&self) -> bool {
        self.info.producer.control.is_some()
    }

    /// The records with their offsets, for decoded batches; `None` for encoded ones (the
    /// broker does not parse client batches; the wire adapter or a client does).
    pub fn consumer_records(&self) -> Option<impl Iterator<Item = ConsumerRecord> + '_> {
        match &self.records {
            BatchRecords::Decoded(records) => {
                Some(records.iter().enumerate().map(|(i, r)| ConsumerRecord {
                    offset: self.info.base_offset + i as i64,
                    record: r.clone(),
                }))
            }
            BatchRecords::Encoded(_) | BatchRecords::Stored(_) => None,
        }
    }

    /// Give the batch its place in the log, in its [`BatchInfo`] only: the bytes of an
    /// encoded batch still say what the producer wrote. The storage writes the offset
    /// into its copy (`LogStorage::append`): a produced batch is a slice of the request
    /// frame, which is shared, so patching it here would copy the whole batch.
    pub(crate) fn at_offset(mut self, base_offset: Offset) -> RecordBatch {
        self.info.base_offset = base_offset;
        self
    }

    /// Give the batch its place in the log. For encoded batches the base offset inside the
    /// bytes is rewritten too (bytes 0..8, big-endian, outside the CRC).
    pub(crate) fn with_base_offset(mut self, base_offset: Offset) -> RecordBatch {
        self.info.base_offset = base_offset;
        if let BatchRecords::Encoded(bytes) = &mut self.records {
            if bytes.len() >= 8 {
                // Patch in place when nobody else holds the buffer (the usual case: the
                // request was just decoded); copy only when it is shared.
                let taken = std::mem::take(bytes);
                let mut owned = taken
                    .try_into_mut()
                    .unwrap_or_else(|shared| shared.as_ref().into());
                owned[..8].copy_from_slice(&base_offset.to_be_bytes());
                *bytes = owned.freeze();
            }
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_batches_do_not_exist() {
        assert!(RecordBatch::from_records(vec![]).is_none());
    }

    #[test]
    fn batch_info_tracks_counts_and_timestamps() {
        let b = RecordBatch::from_records(vec![
            Record::from_value("a", 30),
            Record::from_value("b", 10),
            Record::keyed("k", "c", 20),
        ])
        .unwrap()
        .with_base_offset(5);
        assert_eq!(b.info.record_count, 3);
        assert_eq!(b.info.first_timestamp, 10);
        assert_eq!(b.info.max_timestamp, 30);
        assert_eq!(b.info.next_offset(), 8);
        assert_eq!(b.info.last_offset(), 7);
        assert!(b.info.contains(5) && b.info.contains(7) && !b.info.contains(8));
        let offsets: Vec<_> = b.consumer_records().unwrap().map(|r| r.offset).collect();
        assert_eq!(offsets, vec![5, 6, 7]);
    }

    #[test]
    fn encoded_batches_get_their_base_offset_rewritten() {
        let mut raw = vec![0u8; 61];
        raw[8] = 0xAB; // byte after the base offset must survive
        let b = RecordBatch::from_encoded(Bytes::from(raw), 2, 1, 2).with_base_offset(0x0102);
        let BatchRecords::Encoded(bytes) = &b.records else {
            panic!("still encoded")
        };
        assert_eq!(&bytes[..8], &0x0102i64.to_be_bytes());
        assert_eq!(bytes[8], 0xAB);
        assert!(b.consumer_records().is_none());
    }
}
