//! Every record, followed end to end: how many times each consumer group processed it.
//!
//! A record is identified by where it lives, `(topic, partition, offset)`: offsets are never
//! reused, so that is exact. From the counts and the group's committed offsets:
//! - a **duplicate** is a record a group processed more than once (at-least-once at work);
//! - a **lost** record is one the group has moved past (it lies below the group's committed
//!   offset, or below the log start after retention) that the group never processed:
//!   at-most-once after a crash, a reset past unread records, or an explicit seek forward.

use crate::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::client::TopicPartition;
use crate::record::Offset;

/// Processing counts of one group on one partition: a dense array from the lowest offset
/// processed (offsets are dense, so this is small, and copying it for a checkpoint is one
/// memcpy).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionTrack {
    /// The lowest offset processed, if any.
    pub first: Option<Offset>,
    /// `counts[i]`: how many times offset `first + i` was processed.
    pub counts: Vec<u32>,
}

impl PartitionTrack {
    /// Count one processing of `offset`; returns the new count.
    pub fn record(&mut self, offset: Offset) -> u32 {
        let first = match self.first {
            None => {
                self.first = Some(offset);
                offset
            }
            Some(first) if offset < first => {
                // A seek below everything processed so far: grow at the front.
                let extra = (first - offset) as usize;
                let mut counts = vec![0; extra];
                counts.append(&mut self.counts);
                self.counts = counts;
                self.first = Some(offset);
                offset
            }
            Some(first) => first,
        };
        let i = (offset - first) as usize;
        if i >= self.counts.len() {
            self.counts.resize(i + 1, 0);
        }
        self.counts[i] += 1;
        self.counts[i]
    }

    /// How many times `offset` was processed.
    pub fn times(&self, offset: Offset) -> u32 {
        match self.first {
            Some(first) if offset >= first => self
                .counts
                .get((offset - first) as usize)
                .copied()
                .unwrap_or(0),
            _ => 0,
        }
    }

    /// Processed offsets with their counts, ascending.
    pub fn iter(&self) -> impl Iterator<Item = (Offset, u32)> + '_ {
        let first = self.first.unwrap_or(0);
        self.counts
            .iter()
            .enumerate()
            .filter(|(_, n)| **n > 0)
            .map(move |(i, n)| (first + i as Offset, *n))
    }

    /// Records processed more than once, counted once each.
    pub fn duplicated_records(&self) -> usize {
        self.counts.iter().filter(|n| **n > 1).count()
    }

    /// Extra deliveries: a record processed 3 times counts 2.
    pub fn extra_deliveries(&self) -> u64 {
        self.counts
            .iter()
            .map(|n| u64::from(n.saturating_sub(1)))
            .sum()
    }

    /// Offsets in `[first processed, moved_past)` that were never processed.
    pub fn lost(&self, moved_past: Offset) -> Vec<Offset> {
        let Some(first) = self.first else {
            return Vec::new();
        };
        (first..moved_past)
            .filter(|o| self.times(*o) == 0)
            .collect()
    }
}

/// The tracker.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordTracker {
    /// group -> partition -> counts.
    pub groups: BTreeMap<String, BTreeMap<TopicPartition, PartitionTrack>>,
    /// Output records of read-process-write applications, by the input they name
    /// (`topic-partition@offset`, see `pipeline.rs`): reader group -> source -> times the
    /// group read an output of it. Offsets cannot tell duplicates apart here: a rewritten
    /// output has a new offset, the same source.
    pub outputs: BTreeMap<String, BTreeMap<String, u32>>,
    /// Per reader group: records of aborted transactions it was handed (a
    /// `read_uncommitted` reader's "aborted: invisible to read_committed"; for a
    /// `read_committed` reader, a bug).
    pub aborted_read: BTreeMap<String, u64>,
}

/// What a reader of an output topic saw.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutputCount {
    /// Inputs whose output it read more than once.
    pub duplicates: usize,
    /// Inputs the application committed past whose output it never read.
    pub lost: usize,
    /// Records of aborted transactions it read.
    pub aborted: u64,
}

impl RecordTracker {
    /// A group processed a record. Returns how many times it has been processed now
    /// (2 or more: a duplicate).
    pub fn processed(&mut self, group: &str, tp: &TopicPartition, offset: Offset) -> u32 {
        // Looked up by reference first: this runs once per processed record.
        if !self.groups.contains_key(group) {
            self.groups.insert(group.to_string(), BTreeMap::new());
        }
        let partitions = self.groups.get_mut(group).expect("inserted above");
        if !partitions.contains_key(tp) {
            partitions.insert(tp.clone(), PartitionTrack::default());
        }
        partitions
            .get_mut(tp)
            .expect("inserted above")
            .record(offset)
    }

    /// A reader group read an output record made from `source`.
    pub fn output_read(&mut self, group: &str, source: &str, aborted: bool) {
        if !self.outputs.contains_key(group) {
            self.outputs.insert(group.to_string(), BTreeMap::new());
        }
        let sources = self.outputs.get_mut(group).expect("inserted above");
        match sources.get_mut(source) {
            Some(n) => *n += 1,
            None => {
                sources.insert(source.to_string(), 1);
            }
        }
        if aborted {
            *self.aborted_read.entry(group.to_string()).or_default() += 1;
        }
    }

    /// What reader `group` saw of the outputs; `expected` are the sources it should have
    /// read (the inputs the application committed past).
    pub fn output_count(&self, group: &str, expected: &[String]) -> OutputCount {
        let empty = BTreeMap::new();
        let seen = self.outputs.get(group).unwrap_or(&empty);
        OutputCount {
            duplicates: seen.values().filter(|n| **n > 1).count(),
            lost: expected.iter().filter(|s| !seen.contains_key(*s)).count(),
            aborted: self.aborted_read.get(group).copied().unwrap_or(0),
        }
    }

    /// Every (group, partition) with its counts.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &TopicPartition, &PartitionTrack)> {
        self.groups.iter().flat_map(|(group, partitions)| {
            partitions
                .iter()
                .map(move |(tp, track)| (group.as_str(), tp, track))
        })
    }

    /// Records processed more than once, over every group and partition.
    pub fn duplicates(&self) -> usize {
        self.iter().map(|(_, _, t)| t.duplicated_records()).sum()
    }

    /// Lost records, given where each (group, partition) has moved past (the larger of
    /// its committed offset and the log start).
    pub fn lost(&self, moved_past: impl Fn(&str, &TopicPartition) -> Offset) -> usize {
        self.iter()
            .map(|(group, tp, track)| track.lost(moved_past(group, tp)).len())
            .sum()
    }

    /// How often `(group, tp, offset)` was processed.
    pub fn times_processed(&self, group: &str, tp: &TopicPartition, offset: Offset) -> u32 {
        self.groups
            .get(group)
            .and_then(|partitions| partitions.get(tp))
            .map_or(0, |t| t.times(offset))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_and_losses_are_counted_per_record() {
        let mut t = RecordTracker::default();
        let tp = TopicPartition::new("t", 0);
        for o in 0..=100 {
            t.processed("g", &tp, o);
        }
        for o in 95..=100 {
            assert_eq!(t.processed("g", &tp, o), 2);
        }
        assert_eq!(t.duplicates(), 6);
        assert_eq!(t.lost(|_, _| 101), 0);
        let mut gap = RecordTracker::default();
        gap.processed("g", &tp, 0);
        gap.processed("g", &tp, 5);
        assert_eq!(gap.lost(|_, _| 6), 4);
        assert_eq!(gap.lost(|_, _| 3), 2);
    }
}
