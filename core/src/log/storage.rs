//! Where a partition log keeps its segments.
//!
//! [`LogStorage`] is deliberately small and dumb: it stores segments of batches and finds
//! batches by offset, and it knows none of Kafka's rules. When to roll a segment, which
//! segments retention deletes, what a read may return: that is
//! [`PartitionLog`](super::PartitionLog)'s job. So the same rules run over
//! [`MemoryStorage`](super::MemoryStorage) in the browser and over segment files in the
//! native server.
//!
//! The trait mirrors Kafka's on-disk layout: a list of segments, each named by its *base
//! offset* (its first offset), appended to only at the end of the newest one, and deleted
//! only from the oldest end. Methods a file could fail on return [`StorageError`].

use serde::{Deserialize, Serialize};

use crate::record::{BatchInfo, Millis, Offset, RecordBatch};

/// What the log knows about one segment without reading its batches. Kafka keeps the same
/// facts in memory for every segment (and in the segment's index files).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentInfo {
    /// Offset of the segment's first record; Kafka names the segment file after it.
    pub base_offset: Offset,
    /// Offset just after the segment's last record (`base_offset` when it is empty).
    pub next_offset: Offset,
    /// Bytes of all batches in the segment, what `segment.bytes` and `retention.bytes` count.
    pub size_bytes: u64,
    /// Smallest record timestamp in the segment, `None` while it is empty. Its age decides
    /// when `segment.ms` rolls the segment.
    pub first_timestamp: Option<Millis>,
    /// Largest record timestamp in the segment, `None` while it is empty. Time retention
    /// deletes the segment once this is older than `retention.ms`: a segment goes when its
    /// *newest* record is old enough.
    pub max_timestamp: Option<Millis>,
    /// Number of records in the segment.
    pub record_count: u64,
}

impl SegmentInfo {
    /// An empty segment starting at `base_offset`, as created by a roll.
    pub fn empty(base_offset: Offset) -> SegmentInfo {
        SegmentInfo {
            base_offset,
            next_offset: base_offset,
            size_bytes: 0,
            first_timestamp: None,
            max_timestamp: None,
            record_count: 0,
        }
    }

    /// Whether the segment holds no records yet.
    pub fn is_empty(&self) -> bool {
        self.record_count == 0
    }

    /// Check that a batch at `base_offset` may be appended: it must start where this
    /// (active) segment ends. Every store checks the same rule.
    pub fn check_append(&self, base_offset: Offset) -> Result<(), StorageError> {
        if base_offset != self.next_offset {
            return Err(StorageError::Corrupt(format!(
                "batch at offset {base_offset} does not follow the active segment's end {}",
                self.next_offset
            )));
        }
        Ok(())
    }

    /// Account for a batch appended at the end of this segment.
    pub fn add_batch(&mut self, batch: &BatchInfo) {
        self.next_offset = batch.next_offset();
        self.size_bytes += u64::from(batch.size_bytes);
        self.record_count += u64::from(batch.record_count);
        self.first_timestamp = Some(
            self.first_timestamp
                .map_or(batch.first_timestamp, |t| t.min(batch.first_timestamp)),
        );
        self.max_timestamp = Some(
            self.max_timestamp
                .map_or(batch.max_timestamp, |t| t.max(batch.max_timestamp)),
        );
    }
}

/// Check that a new segment at `base_offset` does not overlap the active one (the last of
/// `segments`). Every store checks the same rule before a roll.
pub fn check_roll(segments: &[SegmentInfo], base_offset: Offset) -> Result<(), StorageError> {
    match segments.last() {
        Some(active) if base_offset < active.next_offset => Err(StorageError::Corrupt(format!(
            "new segment at {base_offset} would overlap the active segment ending at {}",
            active.next_offset
        ))),
        _ => Ok(()),
    }
}

/// A storage failure. In memory only a misuse of the trait can fail; a file store adds I/O
/// errors and damaged files. Kafka answers these with `KAFKA_STORAGE_ERROR`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StorageError {
    /// Reading or writing the underlying medium failed.
    #[error("storage I/O error: {0}")]
    Io(String),
    /// Stored data is inconsistent, or an operation would make it so (for example a batch
    /// whose base offset does not follow the end of the active segment).
    #[error("corrupt log storage: {0}")]
    Corrupt(String),
    /// An append arrived before any segment was rolled.
    #[error("no active segment: roll one before appending")]
    NoActiveSegment,
    /// No segment has this base offset.
    #[error("no segment with base offset {0}")]
    UnknownSegment(Offset),
}

/// The segments of one partition log, oldest first.
///
/// Invariants the caller ([`PartitionLog`](super::PartitionLog)) keeps and a store may
/// check: segments are contiguous (each starts where the previous one ends), batches are
/// appended in offset order, and the last segment is the *active* one.
pub trait LogStorage {
    /// Every segment's facts, oldest first. The last one is the active segment. A file
    /// store keeps this list in memory, as Kafka does, so reading it is cheap.
    fn segments(&self) -> &[SegmentInfo];

    /// Close the active segment and start a new, empty one at `base_offset` (the log end
    /// offset). `base_offset` must not be below the end of the current active segment.
    fn roll(&mut self, base_offset: Offset) -> Result<(), StorageError>;

    /// Append a batch to the active segment. Its base offset (`batch.info`) must be the
    /// active segment's `next_offset`. The bytes of an encoded batch may still carry the
    /// producer's base offset: the storage writes `batch.info.base_offset` into what it
    /// keeps (see [`RecordBatch::at_offset`](crate::record::RecordBatch::at_offset)).
    fn append(&mut self, batch: RecordBatch) -> Result<(), StorageError>;

    /// Read batches of the segment starting at `segment_base`, beginning with the batch that
    /// contains `offset` (or the first batch after it), in order, while their total size
    /// stays within `max_bytes`. With `min_one_batch`, the first batch is returned even if
    /// it alone is bigger (Kafka's `minOneMessage`), so a consumer can always progress.
    fn read(
        &self,
        segment_base: Offset,
        offset: Offset,
        max_bytes: u64,
        min_one_batch: bool,
    ) -> Result<Vec<RecordBatch>, StorageError>;

    /// Delete the `count` oldest segments (retention and DeleteRecords do this, never
    /// touching the active segment).
    fn delete_oldest(&mut self, count: usize) -> Result<(), StorageError>;

    /// Remember the log start offset durably. DeleteRecords can raise it into the middle of
    /// a segment, and a restarted broker must not serve those records again; Kafka writes it
    /// to `log-start-offset-checkpoint`.
    fn checkpoint_log_start(&mut self, offset: Offset) -> Result<(), StorageError>;

    /// The last checkpointed log start offset, if any.
    fn log_start_checkpoint(&self) -> Option<Offset>;
}
