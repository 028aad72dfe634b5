//! Paused partitions: the cost of a rebalance, measured.
//!
//! A partition is *paused* for a group while it has records the group has not read and no
//! member of the group is reading it: nobody owns it, or its owner is dead or frozen. A
//! rebalance that stops the world pauses every partition of the group until the new
//! assignment is out; the consumer protocol (KIP-848) pauses only the partitions that move,
//! and only between their release and their new owner's next heartbeat. Integrated over
//! simulated time, per group, it is the number S14 compares (`paused_partition_seconds`).
//!
//! Metering is opt-in ([`crate::sim::World::meter_pauses`]): it looks at every partition of
//! every group each time the clock moves, which the randomized campaigns do not need.

use crate::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::client::TopicPartition;
use crate::event::Event;
use crate::record::Millis;
use crate::sim::world::World;

/// One group's pauses so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupPauses {
    /// Partition-milliseconds paused: the sum over partitions of the time each was paused.
    pub paused_partition_ms: i64,
    /// Assignments the coordinator completed: a classic group's generations (each a
    /// stop-the-world round), a consumer-protocol group's target assignments (one per
    /// group epoch it computed one for).
    pub rebalances: u32,
}

/// Every group's pauses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PauseMeter {
    /// By `group.id`.
    pub groups: BTreeMap<String, GroupPauses>,
}

impl PauseMeter {
    /// The clock moves from `world.now()` to `to`: what is paused now stayed paused
    /// for that long (nothing changes between two due moments).
    pub(crate) fn advance(&mut self, world: &World, to: Millis) {
        let span = to - world.now();
        if span <= 0 {
            return;
        }
        for (group, paused) in paused_partitions(world) {
            self.groups.entry(group).or_default().paused_partition_ms += span * paused as i64;
        }
    }

    /// Count completed assignments from the broker's events.
    pub(crate) fn observe(&mut self, event: &Event) {
        if let Event::AssignmentCompleted { group, .. } = event {
            self.groups.entry(group.clone()).or_default().rebalances += 1;
        }
    }
}

/// How many partitions each group has paused right now (see the module docs).
pub fn paused_partitions(world: &World) -> BTreeMap<String, usize> {
    let now = world.now();
    let mut topics: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    let mut reading: BTreeMap<&str, BTreeSet<TopicPartition>> = BTreeMap::new();
    for c in &world.consumers {
        let group = c.spec.group.as_str();
        topics
            .entry(group)
            .or_default()
            .extend(c.spec.topics.iter().map(String::as_str));
        let read = reading.entry(group).or_default();
        if c.is_live() && !c.is_paused(now) {
            read.extend(c.consumer.assignment());
        }
    }
    let mut out = BTreeMap::new();
    for (group, topics) in topics {
        let mut paused = 0;
        for topic in topics {
            let Some(t) = world.broker.topic(topic) else {
                continue;
            };
            for (p, log) in t.partitions.iter().enumerate() {
                let tp = TopicPartition::new(topic, p as i32);
                if reading[group].contains(&tp) {
                    continue;
                }
                let read_up_to = world
                    .broker
                    .offsets()
                    .fetch(group, topic, tp.partition)
                    .map_or(0, |o| o.offset)
                    .max(log.log_start_offset());
                if log.high_watermark() > read_up_to {
                    paused += 1;
                }
            }
        }
        out.insert(group.to_string(), paused);
    }
    out
}
