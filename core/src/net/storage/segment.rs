//! [`FileStorage`]: one partition log as segment files, with recovery.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use kafka_protocol::records::RecordBatchDecoder;

use super::disk::{create_dir_durably, Disk, DiskFile, RealDisk};
use super::{io_error, write_atomically, Flusher, SyncFile};
use crate::log::{check_roll, LogStorage, SegmentInfo, StorageError};
use crate::record::{
    BatchInfo, BatchRecords, Offset, ProducerInfo, Record, RecordBatch, StoredBatch,
};
use crate::wire::{encode_batch, parse_header, read_header, BatchHeader, BATCH_HEADER_BYTES};

/// One segment: its `.log` and `.index` files and the index in memory.
#[derive(Debug)]
struct Segment<F> {
    log: Arc<SyncFile<F>>,
    index: Arc<SyncFile<F>>,
    /// `(offset, position)` of some batches, every `index_interval_bytes`.
    entries: Vec<(Offset, u64)>,
    /// Bytes since the last index entry.
    since_entry: u64,
}

/// A partition log in a directory of segment files. Records are read from disk on every
/// fetch; only segment facts and sparse indexes stay in memory.
#[derive(Debug)]
pub struct FileStorage<D: Disk = RealDisk> {
    disk: D,
    dir: PathBuf,
    /// The offsets log is decoded on read: the coordinator replays its records.
    decode: bool,
    infos: Vec<SegmentInfo>,
    segments: Vec<Segment<D::File>>,
    log_start: Option<Offset>,
    flusher: Arc<Flusher<D>>,
    index_interval_bytes: u64,
}

/// How much of a segment [`FileStorage`] reads at a time when it scans it at start.
const SCAN_WINDOW: u64 = 1 << 20;

/// A window onto a file being scanned front to back: the bytes at `[start, start + len)`,
/// refilled with one `pread` when a batch is not wholly inside it.
#[derive(Default)]
struct Window {
    start: u64,
    buf: Vec<u8>,
}

impl Window {
    /// The `want` bytes at `pos` (`left` bytes remain in the file from `pos`), reading a
    /// new window from `pos` if they are not all in the current one.
    fn bytes<F: DiskFile>(
        &mut self,
        file: &F,
        pos: u64,
        want: u64,
        left: u64,
    ) -> std::io::Result<&[u8]> {
        let inside = pos >= self.start && pos + want <= self.start + self.buf.len() as u64;
        if !inside {
            let read = want.max(SCAN_WINDOW).min(left) as usize;
            self.buf.resize(read, 0);
            file.read_exact_at(&mut self.buf, pos)?;
            self.start = pos;
        }
        let from = (pos - self.start) as usize;
        Ok(&self.buf[from..from + want as usize])
    }
}

fn segment_name(base: Offset, ext: &str) -> String {
    format!("{base:020}.{ext}")
}

impl FileStorage {
    /// Open (or create) the log in `dir`, recovering what is there.
    pub fn open(
        dir: PathBuf,
        decode: bool,
        flusher: Arc<Flusher>,
        index_interval_bytes: u64,
    ) -> Result<FileStorage, StorageError> {
        FileStorage::open_on(RealDisk, dir, decode, flusher, index_interval_bytes)
    }
}

impl<D: Disk> FileStorage<D> {
    /// [`FileStorage::open`] on `disk`.
    pub fn open_on(
        disk: D,
        dir: PathBuf,
        decode: bool,
        flusher: Arc<Flusher<D>>,
        index_interval_bytes: u64,
    ) -> Result<FileStorage<D>, StorageError> {
        create_dir_durably(&disk, &dir).map_err(|e| io_error(&dir, e))?;
        let mut storage = FileStorage {
            decode,
            infos: Vec::new(),
            segments: Vec::new(),
            log_start: read_checkpoint(&disk, &dir)?,
            disk,
            flusher,
            index_interval_bytes: index_interval_bytes.max(1),
            dir,
        };
        storage.recover()?;
        Ok(storage)
    }

    /// Scan every segment, oldest first, checking each batch; cut the log at the first
    /// damaged batch. See the module documentation of `storage`.
    fn recover(&mut self) -> Result<(), StorageError> {
        let mut bases: Vec<Offset> = Vec::new();
        let entries = self
            .disk
            .list_dir(&self.dir)
            .map_err(|e| io_error(&self.dir, e))?;
        for name in entries {
            if let Some(base) = name.strip_suffix(".log").and_then(|b| b.parse().ok()) {
                bases.push(base);
            }
        }
        bases.sort_unstable();
        let mut expected: Option<Offset> = None;
        let mut damaged = false;
        for base in bases {
            let path = self.dir.join(segment_name(base, "log"));
            if damaged || expected.is_some_and(|e| e != base) {
                tracing::warn!(
                    segment = %path.display(),
                    "dropping segment after a damaged or missing one (its offsets would leave a gap)"
                );
                let _ = self.disk.remove_file(&path);
                let _ = self
                    .disk
                    .remove_file(&self.dir.join(segment_name(base, "index")));
                damaged = true;
                continue;
            }
            let (info, segment, intact) = self.scan_segment(base, &path)?;
            expected = Some(info.next_offset);
            damaged = !intact;
            self.infos.push(info);
            self.segments.push(segment);
        }
        if damaged {
            // The dropped segments must stay dropped: one that came back after another
            // power cut could fit the regrown log exactly and serve stale records.
            self.disk
                .sync_dir(&self.dir)
                .map_err(|e| io_error(&self.dir, e))?;
        }
        Ok(())
    }

    /// Read one segment file batch by batch; truncate it at the first bad batch.
    ///
    /// The file is read through a window of [`SCAN_WINDOW`] bytes (or one batch, if a batch
    /// is larger), not whole: a segment grows to `segment.bytes`, 1 GiB by default, and
    /// starting must not cost that much memory per partition.
    fn scan_segment(
        &self,
        base: Offset,
        path: &Path,
    ) -> Result<(SegmentInfo, Segment<D::File>, bool), StorageError> {
        let log = self
            .disk
            .open(path, false, false)
            .map_err(|e| io_error(path, e))?;
        let len = log.size().map_err(|e| io_error(path, e))?;
        let mut window = Window::default();
        let mut info = SegmentInfo::empty(base);
        let mut entries = Vec::new();
        let mut since_entry = u64::MAX;
        let mut pos = 0u64;
        let mut problem = None;
        while pos < len {
            let left = len - pos;
            let head = window
                .bytes(&log, pos, (BATCH_HEADER_BYTES as u64).min(left), left)
                .map_err(|e| io_error(path, e))?;
            let total_len = match parse_header(head) {
                Ok(h) => h.total_len as u64,
                Err(e) => {
                    problem = Some(e.to_string());
                    break;
                }
            };
            // A length past the end is a torn tail: `read_header` says so from the bytes
            // that are there, without reading (or allocating) what the header claims.
            let batch = window
                .bytes(&log, pos, total_len.min(left), left)
                .map_err(|e| io_error(path, e))?;
            let header = match read_header(batch) {
                Ok(h) => h,
                Err(e) => {
                    problem = Some(e.to_string());
                    break;
                }
            };
            let batch_base = i64::from_be_bytes(batch[..8].try_into().unwrap_or_default());
            if batch_base != info.next_offset {
                problem = Some(format!(
                    "batch at offset {batch_base} where {} was expected",
                    info.next_offset
                ));
                break;
            }
            if since_entry >= self.index_interval_bytes {
                entries.push((batch_base, pos));
                since_entry = 0;
            }
            since_entry += header.total_len as u64;
            info.add_batch(&batch_info(batch_base, &header));
            pos += header.total_len as u64;
        }
        if let Some(reason) = &problem {
            tracing::warn!(
                segment = %path.display(),
                position = pos,
                dropped_bytes = len - pos,
                %reason,
                "torn or corrupt tail: truncating to the last valid batch"
            );
        }
        if problem.is_some() {
            log.set_len(pos).map_err(|e| io_error(path, e))?;
            log.sync_data().map_err(|e| io_error(path, e))?;
        }
        // The index is rebuilt from the scan and written anew.
        let index_path = self.dir.join(segment_name(base, "index"));
        let mut index_bytes = Vec::with_capacity(entries.len() * 8);
        for (offset, position) in &entries {
            index_bytes.extend_from_slice(&((offset - base) as u32).to_be_bytes());
            index_bytes.extend_from_slice(&(*position as u32).to_be_bytes());
        }
        // Not synced, nor its directory: a lost index is rebuilt at the next start.
        let index = self
            .disk
            .open(&index_path, true, true)
            .map_err(|e| io_error(&index_path, e))?;
        index
            .write_all_at(&index_bytes, 0)
            .map_err(|e| io_error(&index_path, e))?;
        let segment = Segment {
            log: SyncFile::new(log),
            index: SyncFile::new(index),
            entries,
            since_entry,
        };
        Ok((info, segment, problem.is_none()))
    }

    fn segment_index(&self, base: Offset) -> Result<usize, StorageError> {
        self.infos
            .binary_search_by_key(&base, |s| s.base_offset)
            .map_err(|_| StorageError::UnknownSegment(base))
    }

    /// The batch bytes to write: as produced, or encoded (offsets and transaction logs,
    /// in-process writers, transaction markers, which keep their control bit on disk).
    fn bytes_of(batch: &RecordBatch) -> Result<Bytes, StorageError> {
        match &batch.records {
            BatchRecords::Encoded(bytes) => Ok(bytes.clone()),
            // A batch read from another log (nothing does this today).
            BatchRecords::Stored(stored) => stored
                .load()
                .map_err(|e| StorageError::Io(format!("reading a stored batch: {e}"))),
            BatchRecords::Decoded(_) => {
                let mut out = BytesMut::new();
                encode_batch(&mut out, batch)
                    .map_err(|e| StorageError::Io(format!("encoding a batch: {e}")))?;
                Ok(out.freeze())
            }
        }
    }

    /// Turn bytes read from disk back into a batch.
    fn batch_from(
        &self,
        base: Offset,
        header: &BatchHeader,
        bytes: Bytes,
    ) -> Result<RecordBatch, StorageError> {
        let mut batch = RecordBatch::from_encoded(
            bytes.clone(),
            header.record_count,
            header.first_timestamp,
            header.max_timestamp,
        );
        batch.info.base_offset = base;
        if self.decode {
            let mut buf = bytes;
            let set = RecordBatchDecoder::decode(&mut buf)
                .map_err(|e| StorageError::Corrupt(format!("batch at {base}: {e}")))?;
            let records: Vec<Record> = set
                .records
                .into_iter()
                .map(crate::wire::record_from_wire)
                .collect();
            batch.records = BatchRecords::Decoded(records.into());
        }
        Ok(batch)
    }
}

/// The facts of a batch read from its header, as the log keeps them.
fn batch_info(base: Offset, header: &BatchHeader) -> BatchInfo {
    BatchInfo {
        base_offset: base,
        record_count: header.record_count,
        first_timestamp: header.first_timestamp,
        max_timestamp: header.max_timestamp,
        size_bytes: u32::try_from(header.total_len).unwrap_or(u32::MAX),
        // Only the counts matter for a segment's facts; a read parses the full producer
        // facts (the control type too) from the batch bytes.
        producer: ProducerInfo {
            producer_id: header.producer_id,
            producer_epoch: header.producer_epoch,
            transactional: header.transactional,
            control: None,
        },
    }
}

fn read_checkpoint<D: Disk>(disk: &D, dir: &Path) -> Result<Option<Offset>, StorageError> {
    let path = dir.join("log-start-offset");
    match disk.read(&path) {
        Ok(bytes) => String::from_utf8_lossy(&bytes)
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| StorageError::Corrupt(format!("{}: not an offset", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_error(&path, e)),
    }
}

impl<D: Disk> LogStorage for FileStorage<D> {
    fn segments(&self) -> &[SegmentInfo] {
        &self.infos
    }

    fn roll(&mut self, base_offset: Offset) -> Result<(), StorageError> {
        check_roll(&self.infos, base_offset)?;
        let open = |ext: &str| {
            let path = self.dir.join(segment_name(base_offset, ext));
            self.disk
                .open(&path, true, true)
                .map_err(|e| io_error(&path, e))
        };
        let log = open("log")?;
        let index = open("index")?;
        // The new segment's name must survive a power cut like the records synced into it.
        self.disk
            .sync_dir(&self.dir)
            .map_err(|e| io_error(&self.dir, e))?;
        self.infos.push(SegmentInfo::empty(base_offset));
        self.segments.push(Segment {
            log: SyncFile::new(log),
            index: SyncFile::new(index),
            entries: Vec::new(),
            since_entry: u64::MAX,
        });
        Ok(())
    }

    fn append(&mut self, batch: RecordBatch) -> Result<(), StorageError> {
        let (Some(info), Some(segment)) = (self.infos.last_mut(), self.segments.last_mut()) else {
            return Err(StorageError::NoActiveSegment);
        };
        let base = batch.info.base_offset;
        info.check_append(base)?;
        let bytes = FileStorage::<D>::bytes_of(&batch)?;
        // The header only: the CRC of a produced batch was checked when its request was
        // decoded (`split_record_set`), and one more pass over every byte would cost as
        // much CPU as the rest of the append. Recovery checks it again at start.
        let header = parse_header(&bytes)
            .and_then(|h| match h.total_len <= bytes.len() {
                true => Ok(h),
                false => Err(crate::wire::BatchError::Truncated(format!(
                    "batch says {} bytes, {} given",
                    h.total_len,
                    bytes.len()
                ))),
            })
            .map_err(|e| StorageError::Corrupt(format!("refusing to store a bad batch: {e}")))?;
        let position = info.size_bytes;
        let path = || self.dir.join(segment_name(info.base_offset, "log"));
        // The log's offset goes into the first 8 bytes (outside the CRC). The batch's
        // bytes are shared with the request they came in, so they are not patched in
        // memory: the offset is written on its own, then the rest.
        let offset = base.to_be_bytes();
        let written = if bytes.get(..8) == Some(&offset[..]) {
            segment.log.file.write_all_at(&bytes, position)
        } else {
            segment
                .log
                .file
                .write_all_at(&offset, position)
                .and_then(|()| segment.log.file.write_all_at(&bytes[8..], position + 8))
        };
        written.map_err(|e| io_error(&path(), e))?;
        self.flusher.mark(&segment.log);
        self.flusher.count_append();
        if segment.since_entry >= self.index_interval_bytes {
            let mut entry = [0u8; 8];
            entry[..4].copy_from_slice(&((base - info.base_offset) as u32).to_be_bytes());
            entry[4..].copy_from_slice(&(position as u32).to_be_bytes());
            let at = segment.entries.len() as u64 * 8;
            segment
                .index
                .file
                .write_all_at(&entry, at)
                .map_err(|e| io_error(&path(), e))?;
            self.flusher.mark(&segment.index);
            segment.entries.push((base, position));
            segment.since_entry = 0;
        }
        segment.since_entry += bytes.len() as u64;
        info.add_batch(&batch_info(base, &header));
        Ok(())
    }

    fn read(
        &self,
        segment_base: Offset,
        offset: Offset,
        max_bytes: u64,
        min_one_batch: bool,
    ) -> Result<Vec<RecordBatch>, StorageError> {
        let i = self.segment_index(segment_base)?;
        let (info, segment) = (&self.infos[i], &self.segments[i]);
        let path = || self.dir.join(segment_name(segment_base, "log"));
        // Start at the last indexed batch at or before `offset`.
        let k = segment.entries.partition_point(|(o, _)| *o <= offset);
        let mut pos = if k == 0 { 0 } else { segment.entries[k - 1].1 };
        let mut out = Vec::new();
        let mut total = 0u64;
        // One read of the 61-byte header per batch: its length, offsets and producer facts.
        // The records stay in the file (a `Stored` batch) unless someone must look inside:
        // the offsets and transaction logs (decoded on read) and transaction markers (whose
        // control type is in their one record).
        let mut head = [0u8; 61];
        while pos < info.size_bytes {
            if pos + 61 > info.size_bytes {
                return Err(StorageError::Corrupt(format!(
                    "{}: batch at position {pos} runs past the segment end",
                    path().display()
                )));
            }
            segment
                .log
                .file
                .read_exact_at(&mut head, pos)
                .map_err(|e| io_error(&path(), e))?;
            let header = parse_header(&head).map_err(|e| {
                StorageError::Corrupt(format!("{}: position {pos}: {e}", path().display()))
            })?;
            let base = i64::from_be_bytes(head[..8].try_into().unwrap_or_default());
            let len = header.total_len as u64;
            if pos + len > info.size_bytes {
                return Err(StorageError::Corrupt(format!(
                    "{}: batch at position {pos} runs past the segment end",
                    path().display()
                )));
            }
            // Skip batches that end before `offset`.
            if base + i64::from(header.record_count) <= offset {
                pos += len;
                continue;
            }
            let first = out.is_empty() && min_one_batch;
            if total + len > max_bytes && !first {
                break;
            }
            if self.decode || header.control {
                let mut bytes = vec![0u8; len as usize];
                segment
                    .log
                    .file
                    .read_exact_at(&mut bytes, pos)
                    .map_err(|e| io_error(&path(), e))?;
                out.push(self.batch_from(base, &header, Bytes::from(bytes))?);
            } else {
                let mut info = batch_info(base, &header);
                info.producer = ProducerInfo::of_encoded(&head);
                out.push(RecordBatch {
                    info,
                    records: BatchRecords::Stored(StoredBatch {
                        source: segment.log.clone(),
                        position: pos,
                        len: header.total_len as u32,
                        header: Bytes::copy_from_slice(&head),
                    }),
                });
            }
            total += len;
            pos += len;
        }
        Ok(out)
    }

    fn delete_oldest(&mut self, count: usize) -> Result<(), StorageError> {
        let count = count.min(self.infos.len());
        for info in self.infos.drain(..count) {
            for ext in ["log", "index"] {
                let path = self.dir.join(segment_name(info.base_offset, ext));
                if let Err(e) = self.disk.remove_file(&path) {
                    if e.kind() != std::io::ErrorKind::NotFound {
                        return Err(io_error(&path, e));
                    }
                }
            }
        }
        // Removed for good: a deleted segment coming back would undo retention.
        self.disk
            .sync_dir(&self.dir)
            .map_err(|e| io_error(&self.dir, e))?;
        self.segments.drain(..count);
        Ok(())
    }

    fn checkpoint_log_start(&mut self, offset: Offset) -> Result<(), StorageError> {
        write_atomically(
            &self.disk,
            &self.dir.join("log-start-offset"),
            offset.to_string().as_bytes(),
        )?;
        self.log_start = Some(offset);
        Ok(())
    }

    fn log_start_checkpoint(&self) -> Option<Offset> {
        self.log_start
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::log::{LogConfig, PartitionLog};
    use crate::wire::encode_records;
    use kafka_protocol::records::Compression;
    use std::fs::{self, OpenOptions};

    /// A temporary directory, removed when dropped.
    pub(crate) struct Dir(pub(crate) PathBuf);
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }
    pub(crate) fn dir(label: &str) -> Dir {
        let d = std::env::temp_dir().join(format!("mk-seg-{label}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        Dir(d)
    }

    #[test]
    fn a_data_directory_serves_one_server_at_a_time() {
        use crate::net::storage::FileProvider;
        let d = dir("lock");
        let first = FileProvider::open(&d.0).unwrap();
        let second = FileProvider::open(&d.0).unwrap_err().to_string();
        assert!(second.contains("in use by another minikafka"), "{second}");
        drop(first);
        FileProvider::open(&d.0).expect("the lock goes with the first server");
    }

    /// A plain batch of `values`, encoded as a client sends it.
    pub(crate) fn encoded(values: &[&str]) -> RecordBatch {
        let records: Vec<Record> = values
            .iter()
            .map(|v| Record::from_value(v.to_string(), 7))
            .collect();
        let mut out = BytesMut::new();
        encode_records(&mut out, 0, &records, Compression::None);
        let bytes = out.freeze();
        let h = read_header(&bytes).unwrap();
        RecordBatch::from_encoded(bytes, h.record_count, h.first_timestamp, h.max_timestamp)
    }

    /// A transactional batch of producer `pid`: attribute bit 4 and the id in its header.
    fn transactional(values: &[&str], pid: i64) -> RecordBatch {
        let batch = encoded(values);
        let crate::record::BatchRecords::Encoded(bytes) = batch.records else {
            unreachable!()
        };
        let mut bytes = bytes.to_vec();
        bytes[21..23].copy_from_slice(&0x10i16.to_be_bytes());
        bytes[43..51].copy_from_slice(&pid.to_be_bytes());
        bytes[51..53].copy_from_slice(&0i16.to_be_bytes());
        let crc = crc32c::crc32c(&bytes[21..]);
        bytes[17..21].copy_from_slice(&crc.to_be_bytes());
        let h = read_header(&bytes).unwrap();
        RecordBatch::from_encoded(
            bytes.into(),
            h.record_count,
            h.first_timestamp,
            h.max_timestamp,
        )
    }

    /// Markers are written to disk as control batches, so a reopened log knows which
    /// transactions ended how: the aborted one is in the index, the open one holds the LSO.
    #[test]
    fn markers_survive_a_reopen_and_rebuild_the_transaction_index() {
        use crate::record::ControlType;
        let d = dir("txn");
        {
            let mut log = open_log(&d.0, small_segments());
            log.append(transactional(&["a1", "a2"], 7), 1).unwrap(); // 0..=1
            log.append(encoded(&["plain"]), 1).unwrap(); // 2
            let abort = RecordBatch::control_marker(ControlType::Abort, 7, 0, 0, 2);
            log.append(abort, 2).unwrap(); // 3
            log.append(transactional(&["b1"], 9), 3).unwrap(); // 4
            let commit = RecordBatch::control_marker(ControlType::Commit, 9, 0, 0, 4);
            log.append(commit, 4).unwrap(); // 5
            log.append(transactional(&["c1"], 11), 5).unwrap(); // 6, left open
            assert_eq!(log.last_stable_offset(), 6);
        }
        let log = open_log(&d.0, small_segments());
        assert_eq!(log.log_end_offset(), 7);
        assert_eq!(log.last_stable_offset(), 6, "producer 11 is still open");
        let aborted = log.transactions().aborted_transactions();
        assert_eq!(aborted.len(), 1);
        assert_eq!((aborted[0].producer_id, aborted[0].first_offset), (7, 0));
        assert_eq!(aborted[0].last_offset, 3);
        let read = log.read(3, u32::MAX, u32::MAX).unwrap();
        assert_eq!(
            read.batches[0].info.producer.control,
            Some(ControlType::Abort)
        );
        assert_eq!(
            read.batches[2].info.producer.control,
            Some(ControlType::Commit)
        );
    }

    fn open_log(d: &Path, config: LogConfig) -> PartitionLog<FileStorage> {
        let storage =
            FileStorage::open(d.to_path_buf(), false, Arc::new(Flusher::default()), 1).unwrap();
        PartitionLog::with_storage(storage, config).unwrap()
    }

    fn small_segments() -> LogConfig {
        LogConfig {
            segment_bytes: 200,
            ..LogConfig::default()
        }
    }

    #[test]
    fn records_survive_a_reopen_across_segments() {
        let d = dir("reopen");
        let mut log = open_log(&d.0, small_segments());
        for i in 0..10 {
            log.append(encoded(&[&format!("value-{i}"), "x"]), 0)
                .unwrap();
        }
        assert!(log.segments().len() > 2, "small segments roll");
        drop(log);
        let log = open_log(&d.0, small_segments());
        assert_eq!(log.log_end_offset(), 20);
        let read = log.read(13, 1 << 20, u32::MAX).unwrap();
        assert_eq!(
            read.batches[0].info.base_offset, 12,
            "the batch holding offset 13"
        );
        let total: u32 = read.batches.iter().map(|b| b.info.record_count).sum();
        assert_eq!(total, 8);
    }

    #[test]
    fn batches_larger_than_the_scan_window_survive_a_reopen_and_a_torn_one_is_cut() {
        let d = dir("window");
        let config = LogConfig {
            max_message_bytes: None,
            segment_bytes: 1 << 30,
            ..LogConfig::default()
        };
        let medium = "m".repeat(600 * 1024);
        let large = "l".repeat(1536 * 1024);
        let mut log = open_log(&d.0, config.clone());
        for v in [&medium, &medium] {
            log.append(encoded(&[v.as_str()]), 0).unwrap();
        }
        drop(log);
        let file = d.0.join(segment_name(0, "log"));
        let before_large = fs::metadata(&file).unwrap().len();
        // Batches that straddle the scan window's edges, one larger than the window.
        let mut log = open_log(&d.0, config.clone());
        for v in [&large, &medium, &"s".to_string()] {
            log.append(encoded(&[v.as_str()]), 0).unwrap();
        }
        drop(log);
        let log = open_log(&d.0, config.clone());
        assert_eq!(log.log_end_offset(), 5);
        let read = log.read(2, u32::MAX, 1).unwrap();
        assert_eq!(read.batches[0].info.base_offset, 2);
        assert!(u64::from(read.batches[0].info.size_bytes) > SCAN_WINDOW);
        drop(log);
        // A crash in the middle of writing the large batch.
        OpenOptions::new()
            .write(true)
            .open(&file)
            .unwrap()
            .set_len(before_large + 700 * 1024)
            .unwrap();
        let log = open_log(&d.0, config);
        assert_eq!(log.log_end_offset(), 2, "cut before the torn large batch");
        assert_eq!(fs::metadata(&file).unwrap().len(), before_large);
    }

    #[test]
    fn a_torn_tail_is_cut_and_the_rest_served() {
        let d = dir("torn");
        let mut log = open_log(&d.0, LogConfig::default());
        for v in ["a", "b", "c"] {
            log.append(encoded(&[v]), 0).unwrap();
        }
        drop(log);
        let file = d.0.join(segment_name(0, "log"));
        let len = fs::metadata(&file).unwrap().len();
        // A crash in the middle of the third write.
        OpenOptions::new()
            .write(true)
            .open(&file)
            .unwrap()
            .set_len(len - 5)
            .unwrap();
        let mut log = open_log(&d.0, LogConfig::default());
        assert_eq!(log.log_end_offset(), 2);
        assert!(
            fs::metadata(&file).unwrap().len() < len - 5,
            "truncated to the last whole batch"
        );
        // The log goes on from there.
        assert_eq!(log.append(encoded(&["d"]), 0).unwrap(), 2);
        drop(log);
        assert_eq!(open_log(&d.0, LogConfig::default()).log_end_offset(), 3);
    }

    #[test]
    fn a_flipped_byte_cuts_the_log_there_and_drops_later_segments() {
        let d = dir("flip");
        let mut log = open_log(&d.0, small_segments());
        for i in 0..10 {
            log.append(encoded(&[&format!("value-{i}"), "x"]), 0)
                .unwrap();
        }
        let second_segment = log.segments()[1].base_offset;
        drop(log);
        let file = d.0.join(segment_name(second_segment, "log"));
        let mut bytes = fs::read(&file).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 0x55;
        fs::write(&file, &bytes).unwrap();
        let log = open_log(&d.0, small_segments());
        assert!(log.log_end_offset() < 20);
        assert!(log.log_end_offset() > second_segment);
        assert_eq!(
            log.segments().len(),
            2,
            "segments after the damage are gone"
        );
        let read = log.read(0, 1 << 20, u32::MAX).unwrap();
        let total: u32 = read.batches.iter().map(|b| b.info.record_count).sum();
        assert_eq!(i64::from(total), log.log_end_offset());
    }

    #[test]
    fn delete_records_and_retention_persist() {
        let d = dir("retain");
        let mut log = open_log(&d.0, small_segments());
        for i in 0..10 {
            log.append(encoded(&[&format!("value-{i}"), "x"]), 0)
                .unwrap();
        }
        log.delete_records_before(5).unwrap();
        let first_kept = log.segments()[0].base_offset;
        assert!(
            first_kept > 0,
            "whole segments below the new log start are deleted"
        );
        assert!(!d.0.join(segment_name(0, "log")).exists());
        drop(log);
        let log = open_log(&d.0, small_segments());
        assert_eq!(log.log_start_offset(), 5, "the checkpoint survives");
        assert_eq!(log.segments()[0].base_offset, first_kept);
        assert!(log.read(4, 100, 1).is_err(), "below the log start");
    }
}
