//! What a partition log knows about transactions: which are still open, and which were
//! aborted. From that come the **last stable offset** and the answer to a `read_committed`
//! fetch.
//!
//! A transactional producer writes its batches into the log like anybody else: they get
//! offsets at once, and a `read_uncommitted` consumer sees them at once. What it has written
//! is only *decided* when the transaction coordinator has a **control batch** (a marker:
//! COMMIT or ABORT) appended to every partition of the transaction. So, per partition:
//!
//! ```text
//!   offset:   0    1    2    3    4    5    6
//!            [a1] [b1] [a2] [b2] [A:C] [b3] ...        a = producer 7, b = producer 9
//!                                  ^ commit marker of producer 7
//!   open transactions: producer 9 since offset 1
//!   last stable offset (LSO) = 1: a read_committed consumer reads offsets < 1 only
//! ```
//!
//! - The **LSO** is the first offset of the earliest transaction still open, or the high
//!   watermark when none is. Like the high watermark it is an *exclusive* bound: offsets
//!   below it are readable. After a commit marker at offset 4 with nothing else open the
//!   LSO is 5 (the log end), not 4: the marker itself is decided too.
//! - An **aborted transaction** is remembered as (producer id, first offset, last offset);
//!   the last offset is its abort marker's. A `read_committed` fetch returns whole batches
//!   up to the LSO together with the aborted transactions that overlap them, and the
//!   consumer drops the batches of those producers from the first offset until their
//!   marker. The broker never filters records out of batches: it only tells the client.
//!
//! Kafka keeps the same facts in its producer state (open transactions) and in one
//! `.txnindex` file per segment (aborted transactions).

use crate::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::record::{BatchInfo, ControlType, Offset};

/// One aborted transaction in one partition, as a Fetch response's `aborted_transactions`
/// lists it (Kafka's `AbortedTxn`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AbortedTransaction {
    /// The producer whose batches to drop.
    pub producer_id: i64,
    /// Offset of the transaction's first batch in this partition: drop from here.
    pub first_offset: Offset,
    /// Offset of its ABORT marker: the producer's batches after it are a new transaction.
    pub last_offset: Offset,
}

/// Open and aborted transactions of one partition log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TransactionIndex {
    /// Producer id -> offset of its open transaction's first batch here.
    open: BTreeMap<i64, Offset>,
    /// Aborted transactions, in the order of their markers (so by `last_offset`).
    aborted: Vec<AbortedTransaction>,
    /// A transactional batch or a marker was ever appended here: the visualiser reads the
    /// batches of such a log to draw its transactions, and skips every other log.
    seen: bool,
}

impl TransactionIndex {
    /// Account for a batch just appended at `info.base_offset`.
    ///
    /// - A transactional data batch opens its producer's transaction here, unless one is
    ///   open already (then it only extends it).
    /// - A marker closes it; an ABORT marker records the aborted range. A marker for a
    ///   producer with nothing open here closes nothing: the partition was added to the
    ///   transaction but never written to, or the coordinator wrote the marker again after a
    ///   restart.
    pub fn on_append(&mut self, info: &BatchInfo) {
        let producer = info.producer;
        if producer.producer_id < 0 {
            return;
        }
        self.seen |= producer.transactional || producer.control.is_some();
        match producer.control {
            Some(control) => {
                if let Some(first_offset) = self.open.remove(&producer.producer_id) {
                    if control == ControlType::Abort {
                        self.aborted.push(AbortedTransaction {
                            producer_id: producer.producer_id,
                            first_offset,
                            last_offset: info.base_offset,
                        });
                    }
                }
            }
            None if producer.transactional => {
                self.open
                    .entry(producer.producer_id)
                    .or_insert(info.base_offset);
            }
            None => {}
        }
    }

    /// The first offset of the earliest open transaction, if any (Kafka's "first unstable
    /// offset").
    pub fn first_unstable_offset(&self) -> Option<Offset> {
        self.open.values().copied().min()
    }

    /// The open transactions: (producer id, first offset), by producer id.
    pub fn open_transactions(&self) -> impl Iterator<Item = (i64, Offset)> + '_ {
        self.open.iter().map(|(p, o)| (*p, *o))
    }

    /// Has this log ever held a transactional batch or a marker?
    pub fn seen_any(&self) -> bool {
        self.seen
    }

    /// Every aborted transaction still in the log, in marker order.
    pub fn aborted_transactions(&self) -> &[AbortedTransaction] {
        &self.aborted
    }

    /// The aborted transactions a fetch of `[from, to)` must report: those that end at or
    /// after `from` and begin before `to`. One that began before `from` counts: the fetch
    /// may start in its middle, and the consumer must still drop the rest of it.
    pub fn aborted_between(&self, from: Offset, to: Offset) -> Vec<AbortedTransaction> {
        self.aborted
            .iter()
            .filter(|a| a.last_offset >= from && a.first_offset < to)
            .copied()
            .collect()
    }

    /// The log start rose to `log_start`: aborted transactions that ended below it are gone
    /// with their records.
    pub fn log_start_moved(&mut self, log_start: Offset) {
        self.aborted.retain(|a| a.last_offset >= log_start);
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use crate::log::{IsolationLevel, LogConfig, PartitionLog};
    use crate::record::{ControlType, Offset, ProducerInfo, Record, RecordBatch};

    use super::AbortedTransaction;

    fn log() -> PartitionLog {
        PartitionLog::new(LogConfig {
            retention_ms: None,
            ..LogConfig::default()
        })
    }

    fn data(log: &mut PartitionLog, producer_id: i64, values: &[&str]) -> Offset {
        let records = values.iter().map(|v| Record::from_value(v.to_string(), 0));
        let batch = RecordBatch::from_records(records.collect()).unwrap();
        let batch = if producer_id >= 0 {
            batch.with_producer(ProducerInfo::transactional(producer_id, 0))
        } else {
            batch
        };
        log.append(batch, 0).unwrap()
    }

    fn marker(log: &mut PartitionLog, producer_id: i64, control: ControlType) -> Offset {
        log.append(
            RecordBatch::control_marker(control, producer_id, 0, 0, 0),
            0,
        )
        .unwrap()
    }

    /// The values a `read_committed` consumer keeps: it skips control batches and the
    /// batches of aborted transactions named by the fetch.
    fn committed_values(log: &PartitionLog, from: Offset, max_bytes: u32) -> Vec<String> {
        let mut position = from;
        let mut out = Vec::new();
        loop {
            let read = log
                .read_isolated(position, max_bytes, u32::MAX, IsolationLevel::ReadCommitted)
                .unwrap();
            let aborted = read
                .aborted_transactions
                .clone()
                .expect("read_committed lists them");
            let Some(last) = read.batches.last() else {
                return out;
            };
            let next = last.info.next_offset();
            for batch in &read.batches {
                let p = batch.info.producer;
                let base = batch.info.base_offset;
                let dropped = aborted.iter().any(|a| {
                    a.producer_id == p.producer_id && a.first_offset <= base && base < a.last_offset
                });
                if batch.is_control() || (p.transactional && dropped) {
                    continue;
                }
                for r in batch
                    .consumer_records()
                    .unwrap()
                    .filter(|r| r.offset >= position)
                {
                    out.push(String::from_utf8(r.record.value.unwrap().to_vec()).unwrap());
                }
            }
            position = next;
        }
    }

    #[test]
    fn the_lso_is_the_first_open_offset_and_a_marker_moves_it_past_itself() {
        let mut log = log();
        data(&mut log, -1, &["plain"]); // 0
        assert_eq!(
            log.last_stable_offset(),
            1,
            "no transaction: the high watermark"
        );
        assert_eq!(data(&mut log, 7, &["a1", "a2"]), 1); // 1..2
        data(&mut log, 9, &["b1"]); // 3
        assert_eq!(
            log.last_stable_offset(),
            1,
            "offset 1 is the first undecided one"
        );
        assert_eq!(marker(&mut log, 7, ControlType::Commit), 4);
        assert_eq!(
            log.last_stable_offset(),
            3,
            "producer 9 still holds offset 3"
        );
        assert_eq!(marker(&mut log, 9, ControlType::Commit), 5);
        // Not 5 (the marker's offset): the marker is decided too. Off by one here and a
        // read_committed consumer never reaches the end of a committed transaction.
        assert_eq!(log.last_stable_offset(), 6);
        assert_eq!(log.last_stable_offset(), log.high_watermark());
    }

    #[test]
    fn read_committed_stops_at_the_lso_and_read_uncommitted_sees_everything() {
        let mut log = log();
        data(&mut log, -1, &["p0"]); // 0
        data(&mut log, 7, &["t1"]); // 1, open
        data(&mut log, -1, &["p2"]); // 2
        let committed = log
            .read_isolated(0, u32::MAX, u32::MAX, IsolationLevel::ReadCommitted)
            .unwrap();
        let bases: Vec<_> = committed
            .batches
            .iter()
            .map(|b| b.info.base_offset)
            .collect();
        assert_eq!(bases, vec![0], "offset 2 is behind the open transaction");
        assert_eq!(
            (committed.last_stable_offset, committed.high_watermark),
            (1, 3)
        );
        assert_eq!(committed.aborted_transactions, Some(vec![]));
        // At the LSO, below the high watermark: nothing yet, and no error.
        let waiting = log
            .read_isolated(1, u32::MAX, u32::MAX, IsolationLevel::ReadCommitted)
            .unwrap();
        assert!(waiting.batches.is_empty());
        let all = log
            .read_isolated(0, u32::MAX, u32::MAX, IsolationLevel::ReadUncommitted)
            .unwrap();
        assert_eq!(all.batches.len(), 3);
        assert_eq!(
            all.aborted_transactions, None,
            "read_uncommitted gets no list"
        );
    }

    #[test]
    fn aborted_data_stays_in_the_log_and_read_committed_is_told_about_it() {
        let mut log = log();
        data(&mut log, 7, &["a-aborted"]); // 0
        data(&mut log, 9, &["b-kept"]); // 1
        data(&mut log, 7, &["a-aborted-too"]); // 2
        assert_eq!(marker(&mut log, 7, ControlType::Abort), 3);
        marker(&mut log, 9, ControlType::Commit); // 4
        data(&mut log, 7, &["a-next"]); // 5, a new transaction of producer 7
        marker(&mut log, 7, ControlType::Commit); // 6
        let aborted = AbortedTransaction {
            producer_id: 7,
            first_offset: 0,
            last_offset: 3,
        };
        assert_eq!(log.transactions().aborted_transactions(), &[aborted]);
        let read = log
            .read_isolated(0, u32::MAX, u32::MAX, IsolationLevel::ReadCommitted)
            .unwrap();
        assert_eq!(read.aborted_transactions, Some(vec![aborted]));
        // read_uncommitted hides nothing: the aborted records are still there.
        let all = log
            .read_isolated(0, u32::MAX, u32::MAX, IsolationLevel::ReadUncommitted)
            .unwrap();
        let data_batches = all.batches.iter().filter(|b| !b.is_control()).count();
        assert_eq!(data_batches, 4);
        // A fetch starting in the middle of the aborted transaction still gets it listed;
        // one starting after its marker does not.
        let middle = log
            .read_isolated(2, u32::MAX, u32::MAX, IsolationLevel::ReadCommitted)
            .unwrap();
        assert_eq!(middle.aborted_transactions, Some(vec![aborted]));
        let after = log
            .read_isolated(4, u32::MAX, u32::MAX, IsolationLevel::ReadCommitted)
            .unwrap();
        assert_eq!(after.aborted_transactions, Some(vec![]));
        assert_eq!(
            committed_values(&log, 0, u32::MAX),
            vec!["b-kept", "a-next"]
        );
        assert_eq!(
            committed_values(&log, 0, 1),
            vec!["b-kept", "a-next"],
            "one batch per fetch"
        );
    }

    #[test]
    fn a_marker_for_a_partition_never_written_to_closes_nothing() {
        let mut log = log();
        marker(&mut log, 7, ControlType::Abort);
        assert!(log.transactions().aborted_transactions().is_empty());
        assert_eq!(log.last_stable_offset(), 1);
    }

    #[test]
    fn the_index_is_rebuilt_when_a_log_is_opened_and_retention_trims_it() {
        let mut log = PartitionLog::new(LogConfig {
            segment_bytes: 1,
            retention_ms: None,
            ..LogConfig::default()
        });
        data(&mut log, 7, &["a"]); // 0
        marker(&mut log, 7, ControlType::Abort); // 1
        data(&mut log, 9, &["b"]); // 2, open
        let reopened =
            PartitionLog::with_storage(log.storage().clone(), log.config().clone()).unwrap();
        assert_eq!(reopened.transactions(), log.transactions());
        assert_eq!(reopened.last_stable_offset(), 2);
        log.delete_records_before(2).unwrap();
        assert!(log.transactions().aborted_transactions().is_empty());
        assert_eq!(log.last_stable_offset(), 2);
        log.delete_records_before(3).unwrap();
        // The open transaction's first batch is gone: the LSO never falls below the start.
        assert_eq!(log.last_stable_offset(), 3);
    }

    #[derive(Debug, Clone)]
    enum Op {
        Plain,
        Data(i64),
        Marker(i64, bool),
    }

    fn arb_op() -> impl Strategy<Value = Op> {
        prop_oneof![
            1 => Just(Op::Plain),
            4 => (0..3i64).prop_map(Op::Data),
            2 => (0..3i64, any::<bool>()).prop_map(|(p, c)| Op::Marker(p, c)),
        ]
    }

    proptest! {
        /// Whatever producers do, the LSO is the first offset of the earliest open
        /// transaction (else the log end), and a read_committed consumer, reading one batch
        /// per fetch or all at once, sees exactly the plain and committed records below it.
        #[test]
        fn read_committed_sees_exactly_the_decided_commits(ops in prop::collection::vec(arb_op(), 0..40)) {
            let mut log = log();
            let mut open: std::collections::BTreeMap<i64, (Offset, Vec<String>)> = Default::default();
            let mut visible: Vec<(Offset, String)> = Vec::new();
            for (i, op) in ops.into_iter().enumerate() {
                match op {
                    Op::Plain => {
                        let v = format!("plain-{i}");
                        let at = data(&mut log, -1, &[&v]);
                        visible.push((at, v));
                    }
                    Op::Data(p) => {
                        let v = format!("p{p}-{i}");
                        let at = data(&mut log, p, &[&v]);
                        open.entry(p).or_insert((at, Vec::new())).1.push(format!("{at}:{v}"));
                    }
                    Op::Marker(p, commit) => {
                        marker(&mut log, p, if commit { ControlType::Commit } else { ControlType::Abort });
                        if let Some((_, values)) = open.remove(&p) {
                            if commit {
                                for entry in values {
                                    let (at, v) = entry.split_once(':').unwrap();
                                    visible.push((at.parse().unwrap(), v.to_string()));
                                }
                            }
                        }
                    }
                }
                let expected_lso = open.values().map(|(first, _)| *first).min().unwrap_or(log.log_end_offset());
                prop_assert_eq!(log.last_stable_offset(), expected_lso);
            }
            let lso = log.last_stable_offset();
            visible.sort();
            let expected: Vec<String> = visible.into_iter().filter(|(at, _)| *at < lso).map(|(_, v)| v).collect();
            prop_assert_eq!(committed_values(&log, 0, u32::MAX), expected.clone());
            prop_assert_eq!(committed_values(&log, 0, 1), expected);
        }
    }
}
