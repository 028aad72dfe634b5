//! [`MemoryStorage`]: segments kept as vectors of batches.
//!
//! This is the storage of the simulation and the browser. Batches are cheap to clone (their
//! records sit behind an `Arc` or in `Bytes`), so a read copies no payload.

use super::storage::{check_roll, LogStorage, SegmentInfo, StorageError};
use crate::record::{Offset, RecordBatch};

/// Segments in memory. The facts and the batches of segment `i` are `infos[i]` and
/// `batches[i]`; keeping the facts in their own vector lets [`LogStorage::segments`] hand
/// out a slice.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemoryStorage {
    infos: Vec<SegmentInfo>,
    batches: Vec<Vec<RecordBatch>>,
    log_start_checkpoint: Option<Offset>,
}

impl MemoryStorage {
    /// Storage with no segments; [`PartitionLog`](super::PartitionLog) rolls the first one.
    pub fn new() -> MemoryStorage {
        MemoryStorage::default()
    }

    /// Index of the segment whose base offset is `base`: segments are sorted by base offset,
    /// so a binary search finds it.
    fn segment_index(&self, base: Offset) -> Result<usize, StorageError> {
        self.infos
            .binary_search_by_key(&base, |s| s.base_offset)
            .map_err(|_| StorageError::UnknownSegment(base))
    }
}

impl LogStorage for MemoryStorage {
    fn segments(&self) -> &[SegmentInfo] {
        &self.infos
    }

    fn roll(&mut self, base_offset: Offset) -> Result<(), StorageError> {
        check_roll(&self.infos, base_offset)?;
        self.infos.push(SegmentInfo::empty(base_offset));
        self.batches.push(Vec::new());
        Ok(())
    }

    fn append(&mut self, batch: RecordBatch) -> Result<(), StorageError> {
        let (Some(info), Some(batches)) = (self.infos.last_mut(), self.batches.last_mut()) else {
            return Err(StorageError::NoActiveSegment);
        };
        info.check_append(batch.info.base_offset)?;
        info.add_batch(&batch.info);
        // The offset the log gave it, into the bytes that fetches will send.
        let base = batch.info.base_offset;
        batches.push(batch.with_base_offset(base));
        Ok(())
    }

    fn read(
        &self,
        segment_base: Offset,
        offset: Offset,
        max_bytes: u64,
        min_one_batch: bool,
    ) -> Result<Vec<RecordBatch>, StorageError> {
        let batches = &self.batches[self.segment_index(segment_base)?];
        // Batches are sorted by offset: the first one ending after `offset` contains it.
        let start = batches.partition_point(|b| b.info.next_offset() <= offset);
        let mut out = Vec::new();
        let mut bytes = 0u64;
        for batch in &batches[start..] {
            let size = u64::from(batch.info.size_bytes);
            let first = out.is_empty() && min_one_batch;
            if bytes + size > max_bytes && !first {
                break;
            }
            bytes += size;
            out.push(batch.clone());
        }
        Ok(out)
    }

    fn delete_oldest(&mut self, count: usize) -> Result<(), StorageError> {
        let count = count.min(self.infos.len());
        self.infos.drain(..count);
        self.batches.drain(..count);
        Ok(())
    }

    fn checkpoint_log_start(&mut self, offset: Offset) -> Result<(), StorageError> {
        self.log_start_checkpoint = Some(offset);
        Ok(())
    }

    fn log_start_checkpoint(&self) -> Option<Offset> {
        self.log_start_checkpoint
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Record;

    fn batch(base: Offset, n: usize, ts: i64) -> RecordBatch {
        let records = (0..n)
            .map(|i| Record::from_value("v", ts + i as i64))
            .collect();
        RecordBatch::from_records(records)
            .unwrap()
            .with_base_offset(base)
    }

    #[test]
    fn append_needs_a_segment_and_contiguous_offsets() {
        let mut s = MemoryStorage::new();
        assert_eq!(s.append(batch(0, 1, 0)), Err(StorageError::NoActiveSegment));
        s.roll(0).unwrap();
        s.append(batch(0, 2, 5)).unwrap();
        assert!(matches!(
            s.append(batch(3, 1, 0)),
            Err(StorageError::Corrupt(_))
        ));
        assert!(matches!(s.roll(1), Err(StorageError::Corrupt(_))));
        let info = &s.segments()[0];
        assert_eq!(
            (info.base_offset, info.next_offset, info.record_count),
            (0, 2, 2)
        );
        assert_eq!(
            (info.first_timestamp, info.max_timestamp),
            (Some(5), Some(6))
        );
    }

    #[test]
    fn read_starts_at_the_containing_batch_and_respects_bytes() {
        let mut s = MemoryStorage::new();
        s.roll(0).unwrap();
        for base in [0, 3, 6] {
            s.append(batch(base, 3, 0)).unwrap();
        }
        let size = u64::from(s.batches[0][0].info.size_bytes);
        let bases = |v: Vec<RecordBatch>| v.iter().map(|b| b.info.base_offset).collect::<Vec<_>>();
        assert_eq!(bases(s.read(0, 4, u64::MAX, true).unwrap()), vec![3, 6]);
        assert_eq!(bases(s.read(0, 0, 2 * size, true).unwrap()), vec![0, 3]);
        assert_eq!(bases(s.read(0, 0, 1, true).unwrap()), vec![0]);
        assert!(s.read(0, 0, 1, false).unwrap().is_empty());
        assert!(s.read(0, 9, u64::MAX, true).unwrap().is_empty());
        assert_eq!(s.read(7, 0, 1, true), Err(StorageError::UnknownSegment(7)));
    }

    #[test]
    fn delete_oldest_drops_whole_segments() {
        let mut s = MemoryStorage::new();
        for base in [0, 1, 2] {
            s.roll(base).unwrap();
            s.append(batch(base, 1, 0)).unwrap();
        }
        s.delete_oldest(2).unwrap();
        assert_eq!(s.segments().len(), 1);
        assert_eq!(s.segments()[0].base_offset, 2);
    }
}
