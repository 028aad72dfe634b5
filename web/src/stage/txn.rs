//! Transactions on a partition log, as the stage draws them: each transaction's batches
//! under one bracket, its COMMIT or ABORT marker as a cell of its own kind, aborted records
//! struck through, and the last stable offset (LSO) where a `read_committed` consumer
//! waits while a transaction is open.
//!
//! A transaction's batches and its marker are ordinary entries of the log with offsets; other
//! producers' records can sit between them. So the picture is worked out from the batches'
//! producer facts, the way a `read_committed` consumer works it out from a fetch.

use minikafka::record::{BatchInfo, ControlType, Offset};

/// How a transaction ended, in this partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxnEnd {
    /// Not decided yet: it holds the LSO back.
    Open,
    /// Its COMMIT marker is at this offset.
    Committed(Offset),
    /// Its ABORT marker is at this offset: its records stay in the log, invisible to
    /// `read_committed`.
    Aborted(Offset),
}

/// One transaction's part of one partition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxnSpan {
    /// The transactional producer.
    pub producer_id: i64,
    /// Its data batches: `[first, last]` offsets of each.
    pub batches: Vec<(Offset, Offset)>,
    /// How it ended.
    pub end: TxnEnd,
}

impl TxnSpan {
    /// First offset (its first record).
    pub fn first(&self) -> Offset {
        self.batches.first().map_or(0, |b| b.0)
    }

    /// Last offset: its marker, or its last record while open.
    pub fn last(&self) -> Offset {
        match self.end {
            TxnEnd::Committed(m) | TxnEnd::Aborted(m) => m,
            TxnEnd::Open => self.batches.last().map_or(0, |b| b.1),
        }
    }

    /// Is `o` one of its records (not its marker)?
    pub fn holds(&self, o: Offset) -> bool {
        self.batches.iter().any(|(a, b)| (*a..=*b).contains(&o))
    }
}

/// The transactions among these batches (in offset order), oldest first. A marker whose
/// transaction began before the first batch given closes a span of its marker alone.
pub fn spans<'a>(batches: impl IntoIterator<Item = &'a BatchInfo>) -> Vec<TxnSpan> {
    let mut done: Vec<TxnSpan> = Vec::new();
    let mut open: Vec<TxnSpan> = Vec::new();
    for b in batches {
        let p = b.producer;
        if p.producer_id < 0 {
            continue;
        }
        let at = open.iter().position(|s| s.producer_id == p.producer_id);
        match p.control {
            Some(control) => {
                let end = match control {
                    ControlType::Abort => TxnEnd::Aborted(b.base_offset),
                    _ => TxnEnd::Committed(b.base_offset),
                };
                let mut span = match at {
                    Some(i) => open.remove(i),
                    None => TxnSpan {
                        producer_id: p.producer_id,
                        batches: Vec::new(),
                        end,
                    },
                };
                span.end = end;
                done.push(span);
            }
            None if p.transactional => {
                let range = (b.base_offset, b.last_offset());
                match at {
                    Some(i) => open[i].batches.push(range),
                    None => open.push(TxnSpan {
                        producer_id: p.producer_id,
                        batches: vec![range],
                        end: TxnEnd::Open,
                    }),
                }
            }
            None => {}
        }
    }
    done.extend(open);
    minikafka::sort::sort_by_key(&mut done, |s| s.first().min(s.last()));
    done
}

#[cfg(test)]
mod tests {
    use super::*;
    use minikafka::record::ProducerInfo;

    fn batch(base: Offset, count: u32, producer: ProducerInfo) -> BatchInfo {
        BatchInfo {
            base_offset: base,
            record_count: count,
            first_timestamp: 0,
            max_timestamp: 0,
            size_bytes: 0,
            producer,
        }
    }

    fn marker(base: Offset, producer_id: i64, control: ControlType) -> BatchInfo {
        batch(
            base,
            1,
            ProducerInfo {
                control: Some(control),
                ..ProducerInfo::transactional(producer_id, 0)
            },
        )
    }

    #[test]
    fn interleaved_transactions_are_told_apart_by_producer() {
        // 0..1 producer 7, 2 plain, 3 producer 9, 4 producer 7, 5 COMMIT(7), 6 ABORT(9).
        let log = [
            batch(0, 2, ProducerInfo::transactional(7, 0)),
            batch(2, 1, ProducerInfo::NONE),
            batch(3, 1, ProducerInfo::transactional(9, 0)),
            batch(4, 1, ProducerInfo::transactional(7, 0)),
            marker(5, 7, ControlType::Commit),
            marker(6, 9, ControlType::Abort),
            batch(7, 2, ProducerInfo::transactional(7, 0)),
        ];
        let s = spans(&log);
        assert_eq!(s.len(), 3);
        assert_eq!((s[0].producer_id, s[0].end), (7, TxnEnd::Committed(5)));
        assert!(s[0].holds(4) && !s[0].holds(2) && !s[0].holds(5));
        assert_eq!((s[1].producer_id, s[1].end), (9, TxnEnd::Aborted(6)));
        assert_eq!((s[1].first(), s[1].last()), (3, 6));
        assert_eq!((s[2].end, s[2].first(), s[2].last()), (TxnEnd::Open, 7, 8));
    }

    #[test]
    fn a_marker_whose_records_are_not_shown_stands_alone() {
        let s = spans(&[marker(40, 7, ControlType::Commit)]);
        assert_eq!(s.len(), 1);
        assert!(s[0].batches.is_empty());
        assert_eq!(s[0].last(), 40);
    }
}
