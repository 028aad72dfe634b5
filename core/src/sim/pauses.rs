//! Paused partitions and stopped members: the cost of a rebalance, measured.
//!
//! A partition is *paused* for a group while it has records the group has not read and no
//! member of the group is reading it: nobody owns it, or its owner is dead or frozen. A
//! rebalance that stops the world pauses every partition of the group until the new
//! assignment is out; the consumer protocol (KIP-848) pauses only the partitions that move,
//! and only between their release and their new owner's next heartbeat. Integrated over
//! simulated time, per group, it is the number S14 compares (`paused_partition_seconds`).
//!
//! Two counts say the same thing in words a learner can check on the stage, and they are
//! counted the same way for every group, whatever its protocol:
//! - a partition *stopped* when its owner gave it up, or when at some moment no live member
//!   of its group read it (records waiting or not);
//! - a member *stopped* when, alive, it gave up everything it owned (its rebalance
//!   callback revoked or lost its last partitions), as every member of an eager classic
//!   group does in every rebalance. A crash is not counted: it stops a member under any
//!   protocol.
//!
//! A scenario may split its run into *phases* (S14: C joins, then A crashes) so that each
//! event's cost is told apart; time before the first phase is not counted at all (each
//! group forms its own way, and that is not the lesson).
//!
//! Metering is opt-in ([`crate::sim::World::meter_pauses`]): it looks at every partition of
//! every group each time the clock moves, which the randomized campaigns do not need.

use crate::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::client::consumer::ConsumerEvent;
use crate::client::TopicPartition;
use crate::event::Event;
use crate::record::Millis;
use crate::sim::world::World;

/// A stretch of a run that the meter counts on its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Phase {
    /// Its key in `scenario --json` (`join`, `crash`).
    pub name: String,
    /// When it begins (simulated ms); it lasts until the next one begins.
    pub from: Millis,
}

/// One group's pauses in one phase, or in the whole measured run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupPauses {
    /// Partition-milliseconds paused: the sum over partitions of the time each was paused.
    pub paused_partition_ms: i64,
    /// Assignments the coordinator completed: a classic group's generations (each a
    /// stop-the-world round), a consumer-protocol group's target assignments (one per
    /// group epoch it computed one for).
    pub rebalances: u32,
    /// Members that stopped (see the module docs), in the order they did; one stopping
    /// twice is listed twice.
    pub stopped_members: Vec<String>,
    /// Partitions that stopped (see the module docs).
    pub stopped_partitions: BTreeSet<TopicPartition>,
}

impl GroupPauses {
    fn add(&mut self, other: &GroupPauses) {
        self.paused_partition_ms += other.paused_partition_ms;
        self.rebalances += other.rebalances;
        self.stopped_members
            .extend(other.stopped_members.iter().cloned());
        self.stopped_partitions
            .extend(other.stopped_partitions.iter().cloned());
    }
}

/// Every group's pauses, phase by phase.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PauseMeter {
    /// The phases, in time order; none: the whole run is one.
    phases: Vec<Phase>,
    /// By `group.id`: one entry per phase (one in all without phases).
    groups: BTreeMap<String, Vec<GroupPauses>>,
    /// What each member owns, as its rebalance callbacks said.
    owned: BTreeMap<String, BTreeSet<TopicPartition>>,
}

impl PauseMeter {
    /// A meter counting from the first of `phases` on, each apart (none: the whole run).
    pub fn new(mut phases: Vec<Phase>) -> PauseMeter {
        crate::sort::sort_by_key(&mut phases, |p| p.from);
        PauseMeter {
            phases,
            ..PauseMeter::default()
        }
    }

    /// The phases (empty: the whole run is one).
    pub fn phases(&self) -> &[Phase] {
        &self.phases
    }

    /// The phase under way at `t`: an index into [`PauseMeter::phases`] (0 without phases),
    /// none before the first.
    pub fn phase_at(&self, t: Millis) -> Option<usize> {
        if self.phases.is_empty() {
            return Some(0);
        }
        self.phases.iter().rposition(|p| p.from <= t)
    }

    /// The groups measured.
    pub fn group_ids(&self) -> impl Iterator<Item = &str> {
        self.groups.keys().map(String::as_str)
    }

    /// A group's pauses in phase `i` (see [`PauseMeter::phase_at`]).
    pub fn in_phase(&self, group: &str, i: usize) -> GroupPauses {
        self.groups
            .get(group)
            .and_then(|phases| phases.get(i))
            .cloned()
            .unwrap_or_default()
    }

    /// A group's pauses over every phase.
    pub fn total(&self, group: &str) -> GroupPauses {
        let mut total = GroupPauses::default();
        for p in self.groups.get(group).into_iter().flatten() {
            total.add(p);
        }
        total
    }

    fn slot(&mut self, group: &str, i: usize) -> &mut GroupPauses {
        let n = self.phases.len().max(1);
        let phases = self
            .groups
            .entry(group.to_string())
            .or_insert_with(|| vec![GroupPauses::default(); n]);
        &mut phases[i]
    }

    /// The clock moves from `world.now()` to `to`: what is paused now stayed paused
    /// for that long (nothing changes between two due moments).
    pub(crate) fn advance(&mut self, world: &World, to: Millis) {
        let now = world.now();
        if to <= now {
            return;
        }
        let survey = survey(world);
        let Some(phase) = self.phase_at(now) else {
            return;
        };
        for (group, g) in &survey {
            let slot = self.slot(group, phase);
            slot.stopped_partitions.extend(g.unread.iter().cloned());
        }
        // Charge the span phase by phase (a step of the clock may cross into the next).
        let mut from = now;
        for i in phase..self.phases.len().max(1) {
            let end = self.phases.get(i + 1).map_or(to, |p| p.from.min(to));
            let span = end - from;
            if span > 0 {
                for (group, g) in &survey {
                    self.slot(group, i).paused_partition_ms += span * g.paused as i64;
                }
            }
            from = end.max(from);
            if from >= to {
                break;
            }
        }
    }

    /// A member's rebalance callback: what it gives up has stopped; a running member
    /// (not one shutting down) left with nothing has stopped too. Counted from the callbacks rather than by looking
    /// between two moves of the clock, because an eager member's last one to rejoin gives
    /// everything up and gets its new partitions back within one moment of simulated time
    /// (the simulated network is instant): it stops all the same.
    pub(crate) fn observe_consumer(
        &mut self,
        name: &str,
        group: &str,
        event: &ConsumerEvent,
        running: bool,
        now: Millis,
    ) {
        let owned = self.owned.entry(name.to_string()).or_default();
        let gave_up = match event {
            ConsumerEvent::PartitionsAssigned(tps) => {
                owned.extend(tps.iter().cloned());
                return;
            }
            ConsumerEvent::PartitionsRevoked(tps) | ConsumerEvent::PartitionsLost(tps) => tps,
            _ => return,
        };
        let had = !owned.is_empty();
        for tp in gave_up {
            owned.remove(tp);
        }
        let stopped = running && had && owned.is_empty();
        if let Some(i) = self.phase_at(now) {
            let slot = self.slot(group, i);
            slot.stopped_partitions.extend(gave_up.iter().cloned());
            if stopped {
                slot.stopped_members.push(name.to_string());
            }
        }
    }

    /// A member's process is gone (crashed, or closed): a new one starts owning nothing.
    pub(crate) fn forget_member(&mut self, name: &str) {
        self.owned.remove(name);
    }

    /// Count completed assignments from the broker's events.
    pub(crate) fn observe(&mut self, event: &Event, now: Millis) {
        if let Event::AssignmentCompleted { group, .. } = event {
            if let Some(i) = self.phase_at(now) {
                self.slot(group, i).rebalances += 1;
            }
        }
    }
}

/// One group right now.
struct GroupNow {
    /// Partitions paused (records waiting, nobody reading).
    paused: usize,
    /// Partitions nobody reads, records waiting or not.
    unread: Vec<TopicPartition>,
}

/// How many partitions each group has paused right now (see the module docs).
pub fn paused_partitions(world: &World) -> BTreeMap<String, usize> {
    survey(world)
        .into_iter()
        .map(|(group, g)| (group, g.paused))
        .collect()
}

fn survey(world: &World) -> BTreeMap<String, GroupNow> {
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
        let mut g = GroupNow {
            paused: 0,
            unread: Vec::new(),
        };
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
                    g.paused += 1;
                }
                g.unread.push(tp);
            }
        }
        out.insert(group.to_string(), g);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::command::{Command, ConsumerSpec};

    fn tps(ps: &[i32]) -> Vec<TopicPartition> {
        ps.iter().map(|p| TopicPartition::new("t", *p)).collect()
    }

    fn phases() -> Vec<Phase> {
        vec![
            Phase {
                name: "crash".into(),
                from: 2_000,
            },
            Phase {
                name: "join".into(),
                from: 1_000,
            },
        ]
    }

    #[test]
    fn nothing_before_the_first_phase_and_each_phase_lasts_until_the_next() {
        let m = PauseMeter::new(phases());
        assert_eq!(m.phases()[0].name, "join", "in time order");
        assert_eq!(m.phase_at(999), None);
        assert_eq!(m.phase_at(1_000), Some(0));
        assert_eq!(m.phase_at(1_999), Some(0));
        assert_eq!(m.phase_at(50_000), Some(1));
        assert_eq!(PauseMeter::default().phase_at(0), Some(0), "no phases: one");
    }

    #[test]
    fn a_member_that_gives_up_everything_stopped_one_that_gives_up_one_did_not() {
        let mut m = PauseMeter::new(phases());
        let assigned = ConsumerEvent::PartitionsAssigned(tps(&[0, 1, 2]));
        for name in ["eager", "incremental"] {
            m.observe_consumer(name, "g", &assigned, true, 500);
        }
        // Eager: everything goes. Incremental: only what moves.
        let all = ConsumerEvent::PartitionsRevoked(tps(&[0, 1, 2]));
        m.observe_consumer("eager", "g", &all, true, 1_500);
        let one = ConsumerEvent::PartitionsRevoked(tps(&[2]));
        m.observe_consumer("incremental", "h", &one, true, 1_500);
        assert_eq!(m.in_phase("g", 0).stopped_members, ["eager"]);
        assert_eq!(m.in_phase("g", 0).stopped_partitions.len(), 3);
        assert!(m.in_phase("h", 0).stopped_members.is_empty());
        assert_eq!(m.in_phase("h", 0).stopped_partitions.len(), 1);
        // The eager member gets partitions back and stops again in the next phase; the
        // totals add both.
        m.observe_consumer("eager", "g", &assigned, true, 1_600);
        m.observe_consumer("eager", "g", &all, true, 2_500);
        assert_eq!(m.in_phase("g", 1).stopped_members, ["eager"]);
        assert_eq!(m.total("g").stopped_members.len(), 2);
        // Before the first phase nothing is counted.
        let mut early = PauseMeter::new(phases());
        early.observe_consumer("e", "g", &assigned, true, 0);
        early.observe_consumer("e", "g", &all, true, 10);
        assert_eq!(early.total("g"), GroupPauses::default());
    }

    #[test]
    fn a_member_shutting_down_or_restarted_is_not_stopped_by_a_rebalance() {
        let mut m = PauseMeter::new(Vec::new());
        let assigned = ConsumerEvent::PartitionsAssigned(tps(&[0, 1]));
        let all = ConsumerEvent::PartitionsRevoked(tps(&[0, 1]));
        m.observe_consumer("c", "g", &assigned, true, 0);
        m.observe_consumer("c", "g", &all, false, 10);
        assert!(m.total("g").stopped_members.is_empty(), "it left");
        assert_eq!(
            m.total("g").stopped_partitions.len(),
            2,
            "its partitions stopped"
        );
        // A restarted process owns nothing: its first revocation of one of two new
        // partitions is not a stop.
        m.observe_consumer("c", "g", &assigned, true, 20);
        m.forget_member("c");
        m.observe_consumer(
            "c",
            "g",
            &ConsumerEvent::PartitionsAssigned(tps(&[0])),
            true,
            30,
        );
        m.observe_consumer(
            "c",
            "g",
            &ConsumerEvent::PartitionsAssigned(tps(&[1])),
            true,
            30,
        );
        m.observe_consumer(
            "c",
            "g",
            &ConsumerEvent::PartitionsRevoked(tps(&[1])),
            true,
            40,
        );
        assert!(m.total("g").stopped_members.is_empty());
    }

    /// A group whose only member died: its partitions have records and nobody reads them,
    /// so they are paused from then on, charged to the phase each moment falls in.
    #[test]
    fn paused_time_is_charged_to_the_phase_it_falls_in() {
        let mut w = World::new(1);
        w.meter_pauses_in(phases());
        w.apply(Command::CreateTopic {
            topic: "t".into(),
            partitions: 2,
            retention_ms: None,
            segment_bytes: None,
        });
        w.apply(crate::sim::scenarios::add_producer("p", "t", 20, 4));
        w.apply(Command::AddConsumer(ConsumerSpec {
            name: "c".into(),
            group: "g".into(),
            topics: vec!["t".into()],
            ..ConsumerSpec::default()
        }));
        w.run_until(500);
        w.apply(Command::CrashConsumer { name: "c".into() });
        w.run_until(3_000);
        let m = w.pauses().unwrap();
        // Both partitions had records waiting from well before 1 s on.
        assert_eq!(m.in_phase("g", 0).paused_partition_ms, 2 * 1_000);
        assert_eq!(m.in_phase("g", 1).paused_partition_ms, 2 * 1_000);
        assert_eq!(m.total("g").paused_partition_ms, 4_000);
        assert_eq!(m.in_phase("g", 0).stopped_partitions.len(), 2);
        assert!(
            m.total("g").stopped_members.is_empty(),
            "a crash is not a stop"
        );
        assert_eq!(paused_partitions(&w)["g"], 2);
    }
}
