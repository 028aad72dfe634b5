//! Tests of [`PartitionLog`]: one unit test per behaviour, then properties checked with
//! proptest over random appends, reads and deletions.

use bytes::Bytes;
use proptest::prelude::*;

use super::*;
use crate::error::KafkaError;
use crate::record::{Millis, Offset, Record, RecordBatch};

/// Size of a batch of `n` records made by [`values`]: 61 bytes of header, 9 per record.
fn batch_size(n: u64) -> u64 {
    61 + 9 * n
}

/// `n` one-byte records with timestamps `ts, ts+1, ...`.
fn values(n: usize, ts: Millis) -> Vec<Record> {
    (0..n)
        .map(|i| Record::from_value("v", ts + i as Millis))
        .collect()
}

fn no_retention() -> LogConfig {
    LogConfig {
        retention_ms: None,
        ..LogConfig::default()
    }
}

fn config(segment_bytes: u64) -> LogConfig {
    LogConfig {
        segment_bytes,
        ..no_retention()
    }
}

fn bases(r: &ReadResult) -> Vec<Offset> {
    r.batches.iter().map(|b| b.info.base_offset).collect()
}

fn segment_bases(log: &PartitionLog) -> Vec<Offset> {
    log.segments().iter().map(|s| s.base_offset).collect()
}

#[test]
fn appends_get_dense_offsets_from_the_log() {
    let mut log = PartitionLog::new(no_retention());
    assert_eq!((log.log_start_offset(), log.log_end_offset()), (0, 0));
    assert_eq!(log.append_records(values(3, 0), 0), Ok(0));
    // The producer's base offset is ignored: the log assigns offsets.
    let batch = RecordBatch::from_records(values(2, 0))
        .unwrap()
        .with_base_offset(77);
    assert_eq!(log.append(batch, 0), Ok(3));
    assert_eq!(log.log_end_offset(), 5);
    assert_eq!(log.high_watermark(), 5);
    assert_eq!(log.record_count(), 5);
    assert_eq!(log.size_bytes(), batch_size(3) + batch_size(2));
    let read = log.read(0, u32::MAX, u32::MAX).unwrap();
    assert_eq!(bases(&read), vec![0, 3]);
}

#[test]
fn empty_appends_are_rejected() {
    let mut log = PartitionLog::new(no_retention());
    assert_eq!(log.append_records(vec![], 0), Err(LogError::EmptyBatch));
    let empty = RecordBatch::from_encoded(Bytes::from(vec![0u8; 61]), 0, 0, 0);
    assert_eq!(log.append(empty, 0), Err(LogError::EmptyBatch));
    assert_eq!(log.log_end_offset(), 0);
}

#[test]
fn encoded_batches_are_stored_with_their_offset() {
    let mut log = PartitionLog::new(no_retention());
    log.append_records(values(2, 0), 0).unwrap();
    let encoded = RecordBatch::from_encoded(Bytes::from(vec![0u8; 70]), 3, 5, 9);
    assert_eq!(log.append(encoded, 0), Ok(2));
    let read = log.read(3, u32::MAX, u32::MAX).unwrap();
    let crate::record::BatchRecords::Encoded(bytes) = &read.batches[0].records else {
        panic!("encoded batch expected");
    };
    assert_eq!(&bytes[..8], &2i64.to_be_bytes());
    assert_eq!(log.log_end_offset(), 5);
}

#[test]
fn reading_at_the_log_end_is_empty_and_outside_the_log_fails() {
    let mut log = PartitionLog::new(no_retention());
    log.append_records(values(3, 0), 0).unwrap();
    let read = log.read(3, u32::MAX, u32::MAX).unwrap();
    assert!(read.batches.is_empty());
    assert_eq!((read.high_watermark, read.log_start_offset), (3, 0));
    let err = log.read(4, u32::MAX, u32::MAX).unwrap_err();
    assert_eq!(
        err,
        LogError::OffsetOutOfRange {
            offset: 4,
            log_start_offset: 0,
            log_end_offset: 3
        }
    );
    assert_eq!(err.kafka_error(), KafkaError::OffsetOutOfRange);
    assert!(log.read(-1, u32::MAX, u32::MAX).is_err());
}

#[test]
fn reads_return_whole_batches_from_the_one_containing_the_offset() {
    let mut log = PartitionLog::new(no_retention());
    for _ in 0..3 {
        log.append_records(values(3, 0), 0).unwrap();
    }
    // Offset 4 is inside the batch 3..6: the consumer gets 3 and 5 too and skips 3.
    let read = log.read(4, u32::MAX, u32::MAX).unwrap();
    assert_eq!(bases(&read), vec![3, 6]);
}

#[test]
fn the_first_batch_is_returned_even_if_bigger_than_max_bytes() {
    let mut log = PartitionLog::new(no_retention());
    log.append_records(values(3, 0), 0).unwrap();
    log.append_records(values(3, 0), 0).unwrap();
    assert_eq!(bases(&log.read(0, 0, u32::MAX).unwrap()), vec![0]);
    assert_eq!(bases(&log.read(0, 1, u32::MAX).unwrap()), vec![0]);
    let two = u32::try_from(2 * batch_size(3)).unwrap();
    assert_eq!(bases(&log.read(0, two - 1, u32::MAX).unwrap()), vec![0]);
    assert_eq!(bases(&log.read(0, two, u32::MAX).unwrap()), vec![0, 3]);
}

#[test]
fn max_records_counts_from_the_requested_offset() {
    let mut log = PartitionLog::new(no_retention());
    for _ in 0..3 {
        log.append_records(values(3, 0), 0).unwrap();
    }
    assert_eq!(bases(&log.read(0, u32::MAX, 3).unwrap()), vec![0]);
    assert_eq!(bases(&log.read(0, u32::MAX, 4).unwrap()), vec![0, 3]);
    // From offset 2 the first batch covers one record only.
    assert_eq!(bases(&log.read(2, u32::MAX, 3).unwrap()), vec![0, 3]);
    assert_eq!(bases(&log.read(0, u32::MAX, 0).unwrap()), vec![0]);
}

#[test]
fn reads_cross_segments() {
    let mut log = PartitionLog::new(config(batch_size(2)));
    for _ in 0..4 {
        log.append_records(values(2, 0), 0).unwrap();
    }
    assert_eq!(segment_bases(&log), vec![0, 2, 4, 6]);
    assert_eq!(
        bases(&log.read(1, u32::MAX, u32::MAX).unwrap()),
        vec![0, 2, 4, 6]
    );
    let two = u32::try_from(2 * batch_size(2)).unwrap();
    assert_eq!(bases(&log.read(3, two, u32::MAX).unwrap()), vec![2, 4]);
}

#[test]
fn segments_roll_before_they_would_exceed_segment_bytes() {
    let mut log = PartitionLog::new(config(200));
    for _ in 0..5 {
        log.append_records(values(5, 0), 0).unwrap(); // 106 bytes each
    }
    assert_eq!(segment_bases(&log), vec![0, 5, 10, 15, 20]);
    // A batch bigger than a segment still gets a segment of its own.
    let mut log = PartitionLog::new(config(100));
    log.append_records(values(20, 0), 0).unwrap();
    log.append_records(values(20, 0), 0).unwrap();
    assert_eq!(segment_bases(&log), vec![0, 20]);
    let first = &log.segments()[0];
    assert_eq!((first.next_offset, first.record_count), (20, 20));
    assert_eq!(first.size_bytes, batch_size(20));
}

#[test]
fn segment_ms_rolls_old_segments() {
    let mut log = PartitionLog::new(LogConfig {
        segment_ms: Some(100),
        ..no_retention()
    });
    log.append_records(values(1, 1000), 1000).unwrap();
    log.append_records(values(1, 1100), 1100).unwrap();
    assert_eq!(segment_bases(&log), vec![0]);
    log.append_records(values(1, 1101), 1101).unwrap();
    assert_eq!(segment_bases(&log), vec![0, 2]);
}

#[test]
fn offset_for_timestamp_finds_the_earliest_record_at_or_after() {
    let mut log = PartitionLog::new(config(batch_size(3)));
    let ts = |t: &[Millis]| t.iter().map(|&t| Record::from_value("v", t)).collect();
    log.append_records(ts(&[10, 30, 20]), 0).unwrap(); // offsets 0..3
    log.append_records(ts(&[25, 40, 50]), 0).unwrap(); // offsets 3..6
    assert_eq!(log.segments().len(), 2);
    let find = |log: &PartitionLog, t| log.offset_for_timestamp(t).unwrap();
    assert_eq!(find(&log, 0), Some((0, 10)));
    assert_eq!(find(&log, 15), Some((1, 30)));
    assert_eq!(find(&log, 30), Some((1, 30)));
    assert_eq!(find(&log, 31), Some((4, 40)));
    assert_eq!(find(&log, 50), Some((5, 50)));
    assert_eq!(find(&log, 51), None);
    // Records below the log start do not count.
    log.delete_records_before(2).unwrap();
    assert_eq!(find(&log, 15), Some((2, 20)));
    assert_eq!(find(&log, 21), Some((3, 25)));
}

#[test]
fn offset_for_timestamp_uses_the_base_offset_of_unreadable_encoded_batches() {
    let mut log = PartitionLog::new(no_retention());
    log.append_records(values(2, 0), 0).unwrap();
    let encoded = RecordBatch::from_encoded(Bytes::from(vec![0u8; 70]), 3, 5, 9);
    log.append(encoded, 0).unwrap();
    assert_eq!(log.offset_for_timestamp(7).unwrap(), Some((2, 9)));
}

#[test]
fn time_retention_deletes_old_closed_segments_only() {
    let mut log = PartitionLog::new(LogConfig {
        segment_bytes: batch_size(2),
        retention_ms: Some(1000),
        ..LogConfig::default()
    });
    for t in [0, 100, 5000] {
        log.append_records(values(2, t), t).unwrap();
    }
    assert_eq!(segment_bases(&log), vec![0, 2, 4]);
    assert_eq!(log.apply_retention(1000).unwrap(), None);
    // At 1102 the segment 0..2 (newest record at 1) and 2..4 (at 101) are old enough.
    let outcome = log.apply_retention(1102).unwrap().unwrap();
    assert_eq!(
        outcome,
        RetentionOutcome {
            from: 0,
            to: 4,
            reason: LogStartReason::RetentionTime
        }
    );
    assert_eq!(segment_bases(&log), vec![4]);
    // The active segment is never deleted, however old.
    assert_eq!(log.apply_retention(1_000_000).unwrap(), None);
    assert_eq!(log.log_start_offset(), 4);
    assert_eq!(log.read(4, u32::MAX, u32::MAX).unwrap().batches.len(), 1);
    assert!(log.read(3, u32::MAX, u32::MAX).is_err());
}

#[test]
fn time_retention_stops_at_the_first_segment_it_keeps() {
    let mut log = PartitionLog::new(LogConfig {
        segment_bytes: batch_size(1),
        retention_ms: Some(10),
        ..LogConfig::default()
    });
    for t in [0, 100, 0, 0] {
        log.append_records(values(1, t), t).unwrap();
    }
    let outcome = log.apply_retention(50).unwrap().unwrap();
    assert_eq!((outcome.from, outcome.to), (0, 1));
    assert_eq!(segment_bases(&log), vec![1, 2, 3]);
}

#[test]
fn size_retention_keeps_the_log_at_least_retention_bytes() {
    let seg = batch_size(2);
    let mut log = PartitionLog::new(LogConfig {
        segment_bytes: seg,
        retention_bytes: Some(2 * seg),
        ..no_retention()
    });
    for _ in 0..5 {
        log.append_records(values(2, 0), 0).unwrap();
    }
    assert_eq!(log.size_bytes(), 5 * seg);
    let outcome = log.apply_retention(0).unwrap().unwrap();
    assert_eq!(
        outcome,
        RetentionOutcome {
            from: 0,
            to: 6,
            reason: LogStartReason::RetentionSize
        }
    );
    assert_eq!(log.size_bytes(), 2 * seg);
    // One byte less than a segment over the limit: nothing to delete.
    log.set_config(LogConfig {
        retention_bytes: Some(seg + 1),
        ..log.config().clone()
    });
    assert_eq!(log.apply_retention(0).unwrap(), None);
    assert_eq!(segment_bases(&log), vec![6, 8]);
}

#[test]
fn delete_records_raises_the_log_start_inside_a_segment() {
    let mut log = PartitionLog::new(config(batch_size(3)));
    for _ in 0..3 {
        log.append_records(values(3, 0), 0).unwrap();
    }
    let outcome = log.delete_records_before(4).unwrap().unwrap();
    assert_eq!(
        outcome,
        RetentionOutcome {
            from: 0,
            to: 4,
            reason: LogStartReason::DeleteRecords
        }
    );
    // Segment 0..3 is gone; segment 3..6 stays but offset 3 is no longer readable.
    assert_eq!(segment_bases(&log), vec![3, 6]);
    assert!(matches!(
        log.read(3, u32::MAX, u32::MAX),
        Err(LogError::OffsetOutOfRange {
            log_start_offset: 4,
            ..
        })
    ));
    assert_eq!(bases(&log.read(4, u32::MAX, u32::MAX).unwrap()), vec![3, 6]);
    assert_eq!(log.record_count(), 5);
    // Lower offsets change nothing; beyond the log end is out of range.
    assert_eq!(log.delete_records_before(2), Ok(None));
    assert!(log.delete_records_before(10).is_err());
    // Up to the log end: every closed segment goes, the active one stays.
    log.delete_records_before(9).unwrap();
    assert_eq!(segment_bases(&log), vec![6]);
    assert!(log.read(9, u32::MAX, u32::MAX).unwrap().batches.is_empty());
}

#[test]
fn a_log_reopens_from_its_storage() {
    let mut log = PartitionLog::new(config(batch_size(2)));
    for _ in 0..3 {
        log.append_records(values(2, 0), 0).unwrap();
    }
    log.delete_records_before(3).unwrap();
    let reopened = PartitionLog::with_storage(log.storage().clone(), no_retention()).unwrap();
    assert_eq!(reopened.log_start_offset(), 3);
    assert_eq!(reopened.log_end_offset(), 6);
    assert_eq!(reopened.segments(), log.segments());

    let empty = PartitionLog::with_storage(MemoryStorage::new(), no_retention()).unwrap();
    assert_eq!((empty.log_start_offset(), empty.log_end_offset()), (0, 0));
    assert_eq!(empty.segments().len(), 1);
}

#[test]
fn errors_map_to_kafka_codes() {
    assert_eq!(
        LogError::EmptyBatch.kafka_error(),
        KafkaError::InvalidRecord
    );
    let storage = LogError::Storage(StorageError::Io("disk".into()));
    assert_eq!(storage.kafka_error(), KafkaError::UnknownServerError);
}

#[test]
fn config_defaults_follow_kafka_and_serialize() {
    let c = LogConfig::default();
    assert_eq!(c.segment_bytes, 1 << 20);
    assert_eq!(c.retention_ms, Some(7 * 24 * 3600 * 1000));
    assert_eq!((c.segment_ms, c.retention_bytes), (None, None));
    let json = serde_json::to_string(&c).unwrap();
    assert_eq!(serde_json::from_str::<LogConfig>(&json).unwrap(), c);
    let partial: LogConfig = serde_json::from_str(r#"{"segment_bytes": 10}"#).unwrap();
    assert_eq!(partial.segment_bytes, 10);
    assert_eq!(partial.retention_ms, c.retention_ms);
    let reason = serde_json::to_string(&LogStartReason::RetentionSize).unwrap();
    assert_eq!(reason, "\"retention_size\"");
}

// ---------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------

/// Read every record from `from` to the log end with repeated reads, the way a consumer
/// does: skip records below its position, advance past the last record received.
fn consume(
    log: &PartitionLog,
    from: Offset,
    max_bytes: u32,
    max_records: u32,
) -> Vec<(Offset, Record)> {
    let mut position = from;
    let mut out = Vec::new();
    while position < log.log_end_offset() {
        let read = log.read(position, max_bytes, max_records).unwrap();
        assert!(
            !read.batches.is_empty(),
            "a read in range must make progress"
        );
        for batch in &read.batches {
            for cr in batch.consumer_records().unwrap() {
                if cr.offset >= position {
                    assert_eq!(cr.offset, position, "offsets are dense");
                    out.push((cr.offset, cr.record));
                    position += 1;
                }
            }
        }
    }
    out
}

/// Random records: a small value whose content identifies it, and a timestamp.
fn arb_batches() -> impl Strategy<Value = Vec<Vec<(u8, Millis)>>> {
    prop::collection::vec(
        prop::collection::vec((any::<u8>(), 0..1000i64), 1..6),
        0..30,
    )
}

fn to_records(batch: &[(u8, Millis)], salt: usize) -> Vec<Record> {
    batch
        .iter()
        .enumerate()
        .map(|(i, &(v, t))| Record::keyed(format!("{salt}-{i}"), vec![v; usize::from(v % 7)], t))
        .collect()
}

#[derive(Debug, Clone)]
enum Op {
    Append(Vec<(u8, Millis)>),
    Retention { advance: Millis },
    DeleteRecords { fraction: u8 },
}

fn arb_op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => prop::collection::vec((any::<u8>(), 0..100i64), 1..5).prop_map(Op::Append),
        1 => (0..200i64).prop_map(|advance| Op::Retention { advance }),
        1 => any::<u8>().prop_map(|fraction| Op::DeleteRecords { fraction }),
    ]
}

proptest! {
    #[test]
    fn a_log_never_loses_or_reorders_records(
        batches in arb_batches(),
        segment_bytes in 1u64..600,
        max_bytes in 0u32..500,
        max_records in 0u32..8,
    ) {
        let mut log = PartitionLog::new(config(segment_bytes));
        let mut expected = Vec::new();
        for (i, batch) in batches.iter().enumerate() {
            let records = to_records(batch, i);
            let base = log.append_records(records.clone(), 0).unwrap();
            prop_assert_eq!(base, expected.len() as Offset);
            expected.extend(records.into_iter().enumerate().map(|(j, r)| (base + j as Offset, r)));
        }
        prop_assert_eq!(log.log_end_offset(), expected.len() as Offset);
        prop_assert_eq!(consume(&log, 0, max_bytes, max_records), expected.clone());
        // Segments are contiguous and hold every record.
        let segments = log.segments();
        for pair in segments.windows(2) {
            prop_assert_eq!(pair[0].next_offset, pair[1].base_offset);
            prop_assert!(pair[0].record_count > 0);
        }
        let stored: u64 = segments.iter().map(|s| s.record_count).sum();
        prop_assert_eq!(stored, expected.len() as u64);
        // Reading from the middle also works.
        if !expected.is_empty() {
            let mid = expected.len() / 2;
            prop_assert_eq!(consume(&log, mid as Offset, max_bytes, max_records), expected[mid..].to_vec());
        }
    }

    #[test]
    fn retention_only_raises_the_log_start_and_reads_follow_the_range(
        ops in prop::collection::vec(arb_op(), 1..60),
        segment_bytes in 50u64..400,
        retention_ms in prop::option::of(0i64..300),
        retention_bytes in prop::option::of(0u64..1000),
    ) {
        let mut log = PartitionLog::new(LogConfig {
            segment_bytes,
            segment_ms: None,
            retention_bytes,
            retention_ms,
            ..LogConfig::default()
        });
        let mut now: Millis = 0;
        let mut appended: Vec<Record> = Vec::new();
        for (i, op) in ops.into_iter().enumerate() {
            let (start, end) = (log.log_start_offset(), log.log_end_offset());
            match op {
                Op::Append(batch) => {
                    let records: Vec<Record> = to_records(&batch, i)
                        .into_iter()
                        .map(|r| Record { timestamp: now + r.timestamp, ..r })
                        .collect();
                    appended.extend(records.iter().cloned());
                    prop_assert_eq!(log.append_records(records, now).unwrap(), end);
                }
                Op::Retention { advance } => {
                    now += advance;
                    if let Some(o) = log.apply_retention(now).unwrap() {
                        prop_assert_eq!(o.from, start);
                        prop_assert!(o.to > o.from);
                    }
                }
                Op::DeleteRecords { fraction } => {
                    let target = start + (end - start) * i64::from(fraction) / 255;
                    let outcome = log.delete_records_before(target).unwrap();
                    prop_assert_eq!(outcome.is_some(), target > start);
                    prop_assert!(log.delete_records_before(end + 1).is_err());
                }
            }
            let (new_start, new_end) = (log.log_start_offset(), log.log_end_offset());
            prop_assert!(new_start >= start, "log start went down");
            prop_assert!(new_end >= end, "log end went down");
            prop_assert!(new_start <= new_end);
            prop_assert_eq!(new_end, appended.len() as Offset);
            let first_base = log.segments().first().unwrap().base_offset;
            prop_assert!(first_base <= new_start);
            // In range: every read succeeds. Outside: every read fails.
            for offset in new_start..=new_end {
                prop_assert!(log.read(offset, 100, 3).is_ok());
            }
            if new_start > 0 {
                prop_assert!(log.read(new_start - 1, 100, 3).is_err());
            }
            prop_assert!(log.read(new_end + 1, 100, 3).is_err());
        }
        // What is still readable is exactly the tail of what was appended.
        let start = log.log_start_offset();
        let tail: Vec<(Offset, Record)> = appended
            .into_iter()
            .enumerate()
            .skip(usize::try_from(start).unwrap())
            .map(|(o, r)| (o as Offset, r))
            .collect();
        prop_assert_eq!(consume(&log, start, 300, 5), tail);
    }
}
