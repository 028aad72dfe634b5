//! A set of partitions, by topic name: what a member is assigned, what it owns, what it must
//! revoke. The consumer protocol names topics by id on the wire; the core works with names
//! (the broker maps ids to names and back at the edge, `wire/consumer_group_heartbeat.rs`).

use crate::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::event::TopicPartitions;

/// Partitions grouped by topic. A topic with no partitions is never kept as an empty entry,
/// so two equal sets of partitions compare equal.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment(pub BTreeMap<String, BTreeSet<i32>>);

impl Assignment {
    /// Nothing.
    pub fn new() -> Assignment {
        Assignment::default()
    }

    /// From `(topic, partitions)` pairs.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a [i32])>) -> Assignment {
        let mut a = Assignment::new();
        for (topic, partitions) in pairs {
            for p in partitions {
                a.insert(topic, *p);
            }
        }
        a
    }

    /// Add one partition.
    pub fn insert(&mut self, topic: &str, partition: i32) {
        self.0
            .entry(topic.to_string())
            .or_default()
            .insert(partition);
    }

    /// Does it hold `topic`-`partition`?
    pub fn contains(&self, topic: &str, partition: i32) -> bool {
        self.0.get(topic).is_some_and(|p| p.contains(&partition))
    }

    /// No partition at all?
    pub fn is_empty(&self) -> bool {
        self.0.values().all(BTreeSet::is_empty)
    }

    /// How many partitions.
    pub fn len(&self) -> usize {
        self.0.values().map(BTreeSet::len).sum()
    }

    /// Every `(topic, partition)`, ordered.
    pub fn iter(&self) -> impl Iterator<Item = (&str, i32)> + '_ {
        self.0
            .iter()
            .flat_map(|(t, ps)| ps.iter().map(move |p| (t.as_str(), *p)))
    }

    /// The partitions of `self` that are not in `other`.
    pub fn minus(&self, other: &Assignment) -> Assignment {
        let mut out = Assignment::new();
        for (t, p) in self.iter() {
            if !other.contains(t, p) {
                out.insert(t, p);
            }
        }
        out
    }

    /// The partitions in both.
    pub fn intersect(&self, other: &Assignment) -> Assignment {
        let mut out = Assignment::new();
        for (t, p) in self.iter() {
            if other.contains(t, p) {
                out.insert(t, p);
            }
        }
        out
    }

    /// Both together.
    pub fn union(&self, other: &Assignment) -> Assignment {
        let mut out = self.clone();
        for (t, p) in other.iter() {
            out.insert(t, p);
        }
        out
    }

    /// For events and the visualiser.
    pub fn to_topic_partitions(&self) -> Vec<TopicPartitions> {
        self.0
            .iter()
            .filter(|(_, ps)| !ps.is_empty())
            .map(|(t, ps)| TopicPartitions {
                topic: t.clone(),
                partitions: ps.iter().copied().collect(),
            })
            .collect()
    }
}
