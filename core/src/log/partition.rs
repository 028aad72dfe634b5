//! [`PartitionLog`]: Kafka's rules for one partition, over any [`LogStorage`].

use serde::{Deserialize, Serialize};

use super::memory::MemoryStorage;
use super::storage::{LogStorage, SegmentInfo, StorageError};
use super::transactions::{AbortedTransaction, TransactionIndex};
use super::{IsolationLevel, LogStartReason};
use crate::error::KafkaError;
use crate::record::{encoded_record_timestamps, BatchRecords, Millis, Offset, Record, RecordBatch};

/// The topic configs that shape a partition log, with Kafka's names and defaults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LogConfig {
    /// `segment.bytes`: a segment is closed (rolled) before it would grow past this size.
    /// Kafka's default is 1 GiB; ours is 1 MiB so that a simulation shows several segments.
    pub segment_bytes: u64,
    /// `segment.ms`: a non-empty segment older than this is rolled at the next append, so
    /// time retention can delete it even on a quiet topic. `None`: roll by size only.
    pub segment_ms: Option<Millis>,
    /// `retention.bytes`: delete the oldest segments while the log is bigger than this.
    /// `None` is Kafka's `-1`, unlimited (the default).
    pub retention_bytes: Option<u64>,
    /// `retention.ms`: delete segments whose newest record is older than this. `None` is
    /// Kafka's `-1`, keep forever. Kafka's default is 7 days.
    pub retention_ms: Option<Millis>,
    /// `max.message.bytes`: the largest record batch a producer may write to the topic
    /// (`MESSAGE_TOO_LARGE` beyond). `None`: the broker's `message.max.bytes`.
    pub max_message_bytes: Option<u32>,
    /// `cleanup.policy` contains `delete`: closed segments go by `retention.ms` and
    /// `retention.bytes`. Without it (a `compact`-only topic) nothing is ever deleted by
    /// retention, as in Kafka.
    pub cleanup_delete: bool,
    /// `cleanup.policy` contains `compact`: every record must have a key (the broker refuses
    /// a batch with a keyless record, `INVALID_RECORD`). minikafka does **not** compact: no
    /// cleaner rewrites old segments, so a compacted topic keeps every record, which is
    /// what a Kafka log looks like before its cleaner first runs.
    pub cleanup_compact: bool,
    /// `compression.type`: `producer` (the default: batches are kept as the producer
    /// compressed them), `uncompressed`, `gzip`, `snappy`, `lz4` or `zstd`: the native
    /// server compresses a produced batch again in that codec before it is stored (the
    /// simulation's batches are never compressed).
    pub compression_type: String,
    /// `delete.retention.ms`: how long a compacted topic keeps tombstones. Stored and
    /// reported; without a cleaner it has no effect.
    pub delete_retention_ms: Millis,
    /// `message.format.version` as set (empty: never set, reported as Kafka 3's default
    /// `3.0-IV1`). Accepted and reported only: since Kafka 3.0 it is ignored, and
    /// minikafka stores every batch in the v2 format whatever it says.
    pub message_format_version: String,
}

impl LogConfig {
    /// `cleanup.policy` as Kafka writes it: `delete`, `compact` or `compact,delete` (both
    /// in this order, whichever order they were given in).
    pub fn cleanup_policy(&self) -> &'static str {
        match (self.cleanup_compact, self.cleanup_delete) {
            (true, true) => "compact,delete",
            (true, false) => "compact",
            _ => "delete",
        }
    }
}

impl Default for LogConfig {
    fn default() -> LogConfig {
        LogConfig {
            segment_bytes: 1024 * 1024,
            segment_ms: None,
            retention_bytes: None,
            retention_ms: Some(7 * 24 * 60 * 60 * 1000),
            max_message_bytes: None,
            cleanup_delete: true,
            cleanup_compact: false,
            compression_type: "producer".to_string(),
            delete_retention_ms: 24 * 60 * 60 * 1000,
            message_format_version: String::new(),
        }
    }
}

/// What a read returns: whole batches, plus the offsets a Fetch response carries so the
/// consumer can compute its lag and notice retention.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadResult {
    /// Whole batches, starting with the one containing the requested offset. The first
    /// batch may hold records *below* that offset: the consumer skips them.
    pub batches: Vec<RecordBatch>,
    /// The high watermark when the read happened.
    pub high_watermark: Offset,
    /// The log start offset when the read happened.
    pub log_start_offset: Offset,
    /// The last stable offset when the read happened: where `read_committed` stops.
    pub last_stable_offset: Offset,
    /// For a `read_committed` read, the aborted transactions overlapping the returned
    /// batches (possibly none); `None` for `read_uncommitted`, as in Kafka's Fetch.
    pub aborted_transactions: Option<Vec<AbortedTransaction>>,
}

/// The log start offset moved, and why. The broker turns this into a `LogStartMoved` event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetentionOutcome {
    /// Log start offset before.
    pub from: Offset,
    /// Log start offset after (always greater than `from`).
    pub to: Offset,
    /// Which rule moved it.
    pub reason: LogStartReason,
}

/// A partition log operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LogError {
    /// The offset is below the log start or above the log end.
    #[error(
        "offset {offset} is out of range: the log holds [{log_start_offset}, {log_end_offset})"
    )]
    OffsetOutOfRange {
        /// The offset asked for.
        offset: Offset,
        /// The log start offset.
        log_start_offset: Offset,
        /// The log end offset.
        log_end_offset: Offset,
    },
    /// An append without records: Kafka has no empty batches.
    #[error("a record batch must hold at least one record")]
    EmptyBatch,
    /// The storage failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl LogError {
    /// The Kafka error code a client receives for this error.
    pub fn kafka_error(&self) -> KafkaError {
        match self {
            LogError::OffsetOutOfRange { .. } => KafkaError::OffsetOutOfRange,
            LogError::EmptyBatch => KafkaError::InvalidRecord,
            // Kafka sends KAFKA_STORAGE_ERROR (56), which `KafkaError` does not have yet.
            LogError::Storage(_) => KafkaError::UnknownServerError,
        }
    }
}

/// One partition's log: offsets, appends, reads, segments and retention.
///
/// There is always at least one segment, the *active* one, which receives appends.
#[derive(Debug, Clone)]
pub struct PartitionLog<S: LogStorage = MemoryStorage> {
    config: LogConfig,
    storage: S,
    /// The log start offset. It is not always a segment's base offset: DeleteRecords can
    /// raise it into the middle of a segment, whose older records then stay on disk,
    /// unreadable, until the whole segment can go.
    log_start: Offset,
    /// Open and aborted transactions, for the last stable offset and `read_committed`.
    txns: TransactionIndex,
}

impl PartitionLog<MemoryStorage> {
    /// An empty log in memory, starting at offset 0.
    pub fn new(config: LogConfig) -> PartitionLog<MemoryStorage> {
        let mut storage = MemoryStorage::new();
        // Rolling the first segment of an empty memory store cannot fail.
        let _ = storage.roll(0);
        PartitionLog {
            config,
            storage,
            log_start: 0,
            txns: TransactionIndex::default(),
        }
    }
}

impl<S: LogStorage> PartitionLog<S> {
    /// A log over existing storage, as a broker opens its logs at startup: the log end is
    /// the end of the last segment, and the log start the checkpointed one (or the first
    /// segment's base offset). Empty storage gets its first segment rolled.
    ///
    /// The open and aborted transactions are rebuilt by reading the log once from its start
    /// (Kafka reads them back from its producer snapshots and `.txnindex` files instead).
    pub fn with_storage(mut storage: S, config: LogConfig) -> Result<Self, StorageError> {
        let checkpoint = storage.log_start_checkpoint();
        if storage.segments().is_empty() {
            storage.roll(checkpoint.unwrap_or(0).max(0))?;
        }
        let segments = storage.segments();
        let first = segments.first().map_or(0, |s| s.base_offset);
        let end = segments.last().map_or(0, |s| s.next_offset);
        let log_start = checkpoint.unwrap_or(first).max(first).min(end);
        let mut log = PartitionLog {
            config,
            storage,
            log_start,
            txns: TransactionIndex::default(),
        };
        log.rebuild_transactions()?;
        Ok(log)
    }

    /// Replay every batch header into the transaction index, oldest first.
    fn rebuild_transactions(&mut self) -> Result<(), StorageError> {
        let mut txns = TransactionIndex::default();
        let end = self.log_end_offset();
        let mut position = self.log_start;
        while position < end {
            let read = match self.read(position, 1 << 20, u32::MAX) {
                Ok(read) => read,
                Err(LogError::Storage(e)) => return Err(e),
                Err(_) => break,
            };
            let Some(last) = read.batches.last() else {
                break;
            };
            position = last.info.next_offset();
            for batch in &read.batches {
                txns.on_append(&batch.info);
            }
        }
        txns.log_start_moved(self.log_start);
        self.txns = txns;
        Ok(())
    }

    /// The log's configuration.
    pub fn config(&self) -> &LogConfig {
        &self.config
    }

    /// Change the configuration (Kafka's AlterConfigs). It applies from the next append or
    /// retention check; existing segments are not rewritten.
    pub fn set_config(&mut self, config: LogConfig) {
        self.config = config;
    }

    /// The underlying storage, for inspection.
    pub fn storage(&self) -> &S {
        &self.storage
    }

    /// The first offset that can still be read.
    pub fn log_start_offset(&self) -> Offset {
        self.log_start
    }

    /// The offset the next appended record will get.
    pub fn log_end_offset(&self) -> Offset {
        self.storage
            .segments()
            .last()
            .map_or(self.log_start, |s| s.next_offset)
    }

    /// The offset up to which consumers may read. In Kafka it is the end of what every
    /// in-sync replica has copied, so a record is only visible once it would survive the
    /// loss of the leader. minikafka has one replica, which is trivially in sync with
    /// itself, so the high watermark is the log end offset.
    pub fn high_watermark(&self) -> Offset {
        self.log_end_offset()
    }

    /// The last stable offset (LSO): the first offset of the earliest transaction still
    /// open here, or the high watermark when none is. A `read_committed` consumer reads the
    /// offsets *below* it, so a transaction that starts at offset 5 holds the LSO at 5, and
    /// once its marker (at offset 9, say) is written and nothing else is open, the LSO is
    /// the log end, 10. It never falls below the log start.
    pub fn last_stable_offset(&self) -> Offset {
        let high_watermark = self.high_watermark();
        self.txns
            .first_unstable_offset()
            .map_or(high_watermark, |first| first.min(high_watermark))
            .max(self.log_start)
    }

    /// Open and aborted transactions of this partition.
    pub fn transactions(&self) -> &TransactionIndex {
        &self.txns
    }

    /// Facts about every segment, oldest first; the last one is the active segment.
    pub fn segments(&self) -> &[SegmentInfo] {
        self.storage.segments()
    }

    /// Total bytes of all segments, what `retention.bytes` compares against. It includes
    /// records below the log start that still sit in a segment.
    pub fn size_bytes(&self) -> u64 {
        self.segments().iter().map(|s| s.size_bytes).sum()
    }

    /// Number of readable records: log end offset minus log start offset.
    pub fn record_count(&self) -> u64 {
        u64::try_from(self.log_end_offset() - self.log_start).unwrap_or(0)
    }

    /// Append a batch at the log end and return its base offset. The batch's own base
    /// offset is ignored and rewritten: the log, not the producer, assigns offsets, which is
    /// why offsets are dense and increasing. Rolls a new segment first if the active one
    /// is full or too old.
    pub fn append(&mut self, batch: RecordBatch, now: Millis) -> Result<Offset, LogError> {
        if batch.info.record_count == 0 {
            return Err(LogError::EmptyBatch);
        }
        let base = self.log_end_offset();
        let must_roll = match self.storage.segments().last() {
            None => true,
            Some(active) => self.should_roll(active, batch.info.size_bytes, now),
        };
        if must_roll {
            self.storage.roll(base)?;
        }
        let batch = batch.at_offset(base);
        let info = batch.info;
        self.storage.append(batch)?;
        self.txns.on_append(&info);
        Ok(base)
    }

    /// Append records as one batch; the convenience the simulation and tests use.
    pub fn append_records(
        &mut self,
        records: Vec<Record>,
        now: Millis,
    ) -> Result<Offset, LogError> {
        let batch = RecordBatch::from_records(records).ok_or(LogError::EmptyBatch)?;
        self.append(batch, now)
    }

    /// Kafka's `LogSegment.shouldRoll`: roll when the batch would push the active segment
    /// past `segment.bytes`, or when the segment is older than `segment.ms` (measured from
    /// its first record's timestamp, as Kafka does). An empty segment is never rolled, so a
    /// batch bigger than `segment.bytes` still gets a segment of its own.
    fn should_roll(&self, active: &SegmentInfo, batch_bytes: u32, now: Millis) -> bool {
        if active.is_empty() {
            return false;
        }
        let too_big = active.size_bytes + u64::from(batch_bytes) > self.config.segment_bytes;
        let too_old = match (self.config.segment_ms, active.first_timestamp) {
            (Some(ms), Some(first)) => now.saturating_sub(first) > ms,
            _ => false,
        };
        too_big || too_old
    }

    fn out_of_range(&self, offset: Offset) -> LogError {
        LogError::OffsetOutOfRange {
            offset,
            log_start_offset: self.log_start,
            log_end_offset: self.log_end_offset(),
        }
    }

    /// Read whole batches starting with the one containing `offset`, as a Fetch does.
    ///
    /// - `offset` equal to the log end: nothing to read yet, an empty result (a consumer
    ///   that is caught up long-polls here).
    /// - `offset` below the log start or above the log end: `OffsetOutOfRange`; the
    ///   consumer then applies its `auto.offset.reset`.
    /// - Batches are added while their total stays within `max_bytes`, but the first one
    ///   is always returned even if it is bigger (KIP-74): otherwise a consumer could be
    ///   stuck forever behind one large batch.
    /// - Reading stops once `max_records` records at or after `offset` are covered (the
    ///   consumer's `max.poll.records`; Kafka itself has no such fetch limit).
    pub fn read(
        &self,
        offset: Offset,
        max_bytes: u32,
        max_records: u32,
    ) -> Result<ReadResult, LogError> {
        let log_end = self.log_end_offset();
        if offset < self.log_start || offset > log_end {
            return Err(self.out_of_range(offset));
        }
        let mut batches = Vec::new();
        let mut bytes_left = u64::from(max_bytes);
        let mut records_covered: i64 = 0;
        let segments = self.storage.segments();
        // The segment containing `offset` is the last one starting at or before it.
        let first = segments
            .partition_point(|s| s.base_offset <= offset)
            .saturating_sub(1);
        'segments: for segment in &segments[first..] {
            if segment.next_offset <= offset {
                continue;
            }
            let from = offset.max(segment.base_offset);
            let got =
                self.storage
                    .read(segment.base_offset, from, bytes_left, batches.is_empty())?;
            // The segment was read to its end unless `max_bytes` cut it short; then the
            // read is over, or the next segment's batches would leave a gap.
            let finished = got
                .last()
                .is_some_and(|b| b.info.next_offset() >= segment.next_offset);
            for batch in got {
                bytes_left = bytes_left.saturating_sub(u64::from(batch.info.size_bytes));
                records_covered += batch.info.next_offset() - batch.info.base_offset.max(offset);
                batches.push(batch);
                if records_covered >= i64::from(max_records) {
                    break 'segments;
                }
            }
            if !finished {
                break;
            }
        }
        Ok(ReadResult {
            batches,
            high_watermark: self.high_watermark(),
            log_start_offset: self.log_start,
            last_stable_offset: self.last_stable_offset(),
            aborted_transactions: None,
        })
    }

    /// [`read`](Self::read) at an isolation level, as a Fetch does.
    ///
    /// - `read_uncommitted` is [`read`](Self::read): everything up to the high watermark,
    ///   open and aborted transactions and markers included.
    /// - `read_committed` returns only whole batches below the last stable offset (a fetch
    ///   at or past it, but within the log, is answered with nothing, not an error), plus
    ///   the aborted transactions that overlap what it returns, so that the consumer can
    ///   drop their batches. Batches never straddle the LSO: it is always the first offset
    ///   of a batch, or the log end.
    pub fn read_isolated(
        &self,
        offset: Offset,
        max_bytes: u32,
        max_records: u32,
        isolation: IsolationLevel,
    ) -> Result<ReadResult, LogError> {
        let mut read = self.read(offset, max_bytes, max_records)?;
        if isolation == IsolationLevel::ReadUncommitted {
            return Ok(read);
        }
        let stable = read.last_stable_offset;
        read.batches.retain(|b| b.info.base_offset < stable);
        let upper = read.batches.last().map_or(offset, |b| b.info.next_offset());
        read.aborted_transactions = Some(self.txns.aborted_between(offset, upper));
        Ok(read)
    }

    /// Kafka's ListOffsets by timestamp: the earliest readable offset whose record
    /// timestamp is at or after `timestamp`, with that record's timestamp; `None` if every
    /// record is older.
    ///
    /// Segments and batches whose `max_timestamp` is older are skipped without looking
    /// inside (Kafka uses its time index for the same purpose); inside a batch records are
    /// checked in offset order, because timestamps need not be increasing. Encoded batches
    /// (a client's) are read record by record too
    /// ([`encoded_record_timestamps`]); only one that cannot be read (a compressed batch
    /// in the wasm build) is answered with its base offset and max timestamp. The special
    /// timestamps `-1` (latest) and `-2` (earliest) are answered by the caller with
    /// [`log_end_offset`](Self::log_end_offset) and [`log_start_offset`](Self::log_start_offset).
    pub fn offset_for_timestamp(
        &self,
        timestamp: Millis,
    ) -> Result<Option<(Offset, Millis)>, LogError> {
        let log_start = self.log_start;
        for segment in self.storage.segments() {
            if segment.next_offset <= log_start
                || segment.max_timestamp.is_none_or(|t| t < timestamp)
            {
                continue;
            }
            let from = segment.base_offset.max(log_start);
            for batch in self
                .storage
                .read(segment.base_offset, from, u64::MAX, true)?
            {
                if batch.info.max_timestamp < timestamp {
                    continue;
                }
                let base = batch.info.base_offset;
                match &batch.records {
                    BatchRecords::Decoded(records) => {
                        let found = (base..)
                            .zip(records.iter())
                            .find(|(o, r)| *o >= log_start && r.timestamp >= timestamp);
                        if let Some((offset, record)) = found {
                            return Ok(Some((offset, record.timestamp)));
                        }
                    }
                    BatchRecords::Encoded(_) | BatchRecords::Stored(_) => {
                        match stored_bytes(&batch)?
                            .and_then(|bytes| encoded_record_timestamps(&bytes))
                        {
                            Some(records) if !records.is_empty() => {
                                let found = records.iter().find(|(delta, t)| {
                                    base + delta >= log_start && *t >= timestamp
                                });
                                if let Some((delta, t)) = found {
                                    return Ok(Some((base + delta, *t)));
                                }
                            }
                            _ => {
                                return Ok(Some((base.max(log_start), batch.info.max_timestamp)));
                            }
                        }
                    }
                }
            }
        }
        Ok(None)
    }

    /// ListOffsets -3 (KIP-734): the offset and timestamp of the readable record with the
    /// largest timestamp, the first of them on a tie; `None` for an empty log. Only the
    /// segments and batches whose `max_timestamp` beats the best so far are looked into.
    pub fn max_timestamp_offset(&self) -> Result<Option<(Offset, Millis)>, LogError> {
        let log_start = self.log_start;
        let mut best: Option<(Offset, Millis)> = None;
        let beats = |t: Millis, best: &Option<(Offset, Millis)>| best.is_none_or(|(_, b)| t > b);
        for segment in self.storage.segments() {
            if segment.next_offset <= log_start
                || segment.max_timestamp.is_none_or(|t| !beats(t, &best))
            {
                continue;
            }
            let from = segment.base_offset.max(log_start);
            for batch in self
                .storage
                .read(segment.base_offset, from, u64::MAX, true)?
            {
                if !beats(batch.info.max_timestamp, &best) {
                    continue;
                }
                let base = batch.info.base_offset;
                let records: Vec<(Offset, Millis)> = match &batch.records {
                    BatchRecords::Decoded(records) => {
                        (base..).zip(records.iter().map(|r| r.timestamp)).collect()
                    }
                    BatchRecords::Encoded(_) | BatchRecords::Stored(_) => {
                        match stored_bytes(&batch)?
                            .and_then(|bytes| encoded_record_timestamps(&bytes))
                        {
                            Some(found) if !found.is_empty() => {
                                found.iter().map(|(d, t)| (base + d, *t)).collect()
                            }
                            _ => vec![(base.max(log_start), batch.info.max_timestamp)],
                        }
                    }
                };
                for (offset, t) in records {
                    if offset >= log_start && beats(t, &best) {
                        best = Some((offset, t));
                    }
                }
            }
        }
        Ok(best)
    }

    /// Delete closed segments that `retention.ms` or `retention.bytes` no longer allow, and
    /// raise the log start to the first remaining segment. Kafka runs this every
    /// `log.retention.check.interval.ms`; here the caller decides when.
    ///
    /// Kafka's rules: only whole, closed segments go, oldest first, never the active
    /// segment; deletion stops at the first segment a rule keeps. Time retention deletes a
    /// segment whose newest record is older than `now - retention.ms`. Size retention
    /// deletes the oldest segment while the log would still be at least `retention.bytes`
    /// without it. Time is checked first; if both rules delete, the outcome names the rule
    /// that deleted last. A topic whose `cleanup.policy` lacks `delete` keeps everything.
    pub fn apply_retention(&mut self, now: Millis) -> Result<Option<RetentionOutcome>, LogError> {
        let segments = self.storage.segments();
        let closed = segments.len().saturating_sub(1);
        let mut doomed = 0;
        let mut reason = None;
        if !self.config.cleanup_delete {
            // A compact-only topic: retention never deletes (Kafka's cleaner would compact).
            return Ok(None);
        }
        if let Some(ms) = self.config.retention_ms {
            let cutoff = now.saturating_sub(ms);
            while doomed < closed && segments[doomed].max_timestamp.is_none_or(|t| t < cutoff) {
                doomed += 1;
                reason = Some(LogStartReason::RetentionTime);
            }
        }
        if let Some(limit) = self.config.retention_bytes {
            let mut size: u64 = segments[doomed..].iter().map(|s| s.size_bytes).sum();
            while doomed < closed && size - segments[doomed].size_bytes >= limit {
                size -= segments[doomed].size_bytes;
                doomed += 1;
                reason = Some(LogStartReason::RetentionSize);
            }
        }
        let Some(reason) = reason else {
            return Ok(None);
        };
        // `doomed <= closed`, so a segment remains: at worst the active one.
        let new_start = segments[doomed].base_offset.max(self.log_start);
        let outcome = self.raise_log_start(new_start, reason)?;
        self.storage.delete_oldest(doomed)?;
        Ok(outcome)
    }

    /// Kafka's DeleteRecords: make every record below `offset` unreadable by raising the
    /// log start to it, and delete the closed segments that lie entirely below it. A
    /// segment straddling the new log start stays (segments are deleted whole), but reads
    /// below the log start fail all the same. An `offset` at or below the log start changes
    /// nothing; one above the log end is `OffsetOutOfRange`.
    pub fn delete_records_before(
        &mut self,
        offset: Offset,
    ) -> Result<Option<RetentionOutcome>, LogError> {
        if offset < 0 || offset > self.log_end_offset() {
            return Err(self.out_of_range(offset));
        }
        let outcome = self.raise_log_start(offset, LogStartReason::DeleteRecords)?;
        let segments = self.storage.segments();
        let closed = segments.len().saturating_sub(1);
        let below = segments[..closed]
            .iter()
            .take_while(|s| s.next_offset <= offset)
            .count();
        if below > 0 {
            self.storage.delete_oldest(below)?;
        }
        Ok(outcome)
    }

    /// Raise the log start (never lower it), checkpointing it *before* any segment is
    /// deleted: a crash in between leaves unreadable records behind, never a log start
    /// pointing at records that are gone.
    fn raise_log_start(
        &mut self,
        to: Offset,
        reason: LogStartReason,
    ) -> Result<Option<RetentionOutcome>, LogError> {
        let from = self.log_start;
        if to <= from {
            return Ok(None);
        }
        self.storage.checkpoint_log_start(to)?;
        self.log_start = to;
        self.txns.log_start_moved(to);
        Ok(Some(RetentionOutcome { from, to, reason }))
    }
}

/// The bytes of an encoded batch, read from its segment file if it is still there.
fn stored_bytes(batch: &RecordBatch) -> Result<Option<bytes::Bytes>, StorageError> {
    batch
        .encoded_bytes()
        .map_err(|e| StorageError::Io(format!("reading a stored batch: {e}")))
}
