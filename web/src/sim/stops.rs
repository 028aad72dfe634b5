//! Partitions a rebalance stopped: from the moment their owner gave them up (revoked or
//! lost) until a member of the group was assigned them again. Nobody reads a partition in
//! that gap. How many partitions a rebalance stops, and for how long, is the whole
//! difference between the eager and the cooperative protocol (S7) and between assignors
//! (S11), so the stage counts them instead of letting the moment pass in a blink.
//!
//! Kept as a list of facts, fed one event at a time, so that jumping back in time only
//! has to forget what happened after the jump.

use minikafka::client::consumer::ConsumerEvent;
use minikafka::sim::{WorldEvent, WorldEventKind};

use crate::stage::model::Tally;

/// One partition's stop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stop {
    /// The group whose member gave it up.
    pub group: String,
    /// Topic.
    pub topic: String,
    /// Partition.
    pub partition: i32,
    /// When its owner gave it up.
    pub since: i64,
    /// When a member of the group got it again (none yet: nobody reads it now).
    pub until: Option<i64>,
    /// The member that gave it up: its line is drawn retracting.
    pub from: String,
    /// Its owner died holding it (no rebalance gave it up): nobody has read it since the
    /// crash, but the stop is the crash's, not a rebalance's, so the tally leaves it out.
    pub by_crash: bool,
}

/// Stops closer together than this belong to one rebalance: cooperative rebalancing
/// revokes in one round and assigns in the next, a few seconds later.
const ONE_REBALANCE_MS: i64 = 10_000;
/// Facts kept (a crowded world churns 64 partitions per rebalance).
const KEEP: usize = 2_000;

/// Every stop seen, oldest first.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Stops {
    list: Vec<Stop>,
}

impl Stops {
    /// Take one world event; `group_of` names a consumer's group.
    pub fn record(&mut self, e: &WorldEvent, group_of: impl Fn(&str) -> Option<String>) {
        let WorldEventKind::Consumer { name, event } = &e.kind else {
            return;
        };
        let Some(group) = group_of(name) else { return };
        match event {
            ConsumerEvent::PartitionsRevoked(tps) | ConsumerEvent::PartitionsLost(tps) => {
                for tp in tps {
                    if self.open(&group, &tp.topic, tp.partition).is_none() {
                        self.list.push(Stop {
                            group: group.clone(),
                            topic: tp.topic.clone(),
                            partition: tp.partition,
                            since: e.at,
                            until: None,
                            from: name.clone(),
                            by_crash: false,
                        });
                    }
                }
                if self.list.len() > KEEP {
                    self.list.drain(..self.list.len() - KEEP);
                }
            }
            ConsumerEvent::PartitionsAssigned(tps) => {
                for tp in tps {
                    if let Some(s) = self.list.iter_mut().rev().find(|s| {
                        s.until.is_none()
                            && s.group == group
                            && s.topic == tp.topic
                            && s.partition == tp.partition
                    }) {
                        s.until = Some(e.at);
                    }
                }
            }
            _ => {}
        }
    }

    /// Member `name` of `group` was killed at `at` holding `partitions`: nobody reads them
    /// from then on (the coordinator hands them out only when its session runs out), the
    /// same in a classic and a consumer-protocol group (S14).
    pub fn crashed(
        &mut self,
        at: i64,
        group: &str,
        name: &str,
        partitions: &[minikafka::client::TopicPartition],
    ) {
        for tp in partitions {
            if self.open(group, &tp.topic, tp.partition).is_none() {
                self.list.push(Stop {
                    group: group.to_string(),
                    topic: tp.topic.clone(),
                    partition: tp.partition,
                    since: at,
                    until: None,
                    from: name.to_string(),
                    by_crash: true,
                });
            }
        }
    }

    /// Forget what happened after `t` (the timeline jumped back to `t`).
    pub fn rewind(&mut self, t: i64) {
        self.list.retain(|s| s.since <= t);
        for s in &mut self.list {
            if s.until.is_some_and(|u| u > t) {
                s.until = None;
            }
        }
    }

    /// Since when nobody of `group` reads this partition, if it is stopped now.
    pub fn open(&self, group: &str, topic: &str, partition: i32) -> Option<i64> {
        self.open_stop(group, topic, partition).map(|s| s.since)
    }

    /// The stop of a partition nobody reads now, with who gave it up.
    pub fn open_stop(&self, group: &str, topic: &str, partition: i32) -> Option<&Stop> {
        self.list
            .iter()
            .rev()
            .find(|s| s.group == group && s.topic == topic && s.partition == partition)
            .filter(|s| s.until.is_none())
    }

    /// The latest rebalance's stops of `group`, at `now`.
    pub fn tally(&self, group: &str, now: i64) -> Option<Tally> {
        let mine: Vec<&Stop> = self
            .list
            .iter()
            .filter(|s| s.group == group && !s.by_crash)
            .collect();
        let last = mine.last()?.since;
        let this: Vec<&&Stop> = mine
            .iter()
            .filter(|s| s.since > last - ONE_REBALANCE_MS)
            .collect();
        let mut partitions: Vec<(&str, i32)> = this
            .iter()
            .map(|s| (s.topic.as_str(), s.partition))
            .collect();
        minikafka::sort::sort(&mut partitions);
        partitions.dedup();
        Some(Tally {
            stopped: partitions.len(),
            longest_ms: this
                .iter()
                .map(|s| s.until.unwrap_or(now) - s.since)
                .max()
                .unwrap_or(0),
            phases: Vec::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use minikafka::client::TopicPartition;

    fn ev(at: i64, name: &str, event: ConsumerEvent) -> WorldEvent {
        WorldEvent {
            at,
            kind: WorldEventKind::Consumer {
                name: name.into(),
                event,
            },
        }
    }

    fn tps(ps: &[i32]) -> Vec<TopicPartition> {
        ps.iter().map(|p| TopicPartition::new("t", *p)).collect()
    }

    fn group(name: &str) -> Option<String> {
        Some(
            if name.starts_with('e') {
                "eager"
            } else {
                "coop"
            }
            .into(),
        )
    }

    #[test]
    fn a_revoked_partition_is_stopped_until_someone_of_the_group_gets_it() {
        let mut s = Stops::default();
        s.record(
            &ev(100, "e1", ConsumerEvent::PartitionsRevoked(tps(&[0, 2]))),
            group,
        );
        assert_eq!(s.open("eager", "t", 0), Some(100));
        assert_eq!(
            s.open("coop", "t", 0),
            None,
            "offsets and owners are per group"
        );
        s.record(
            &ev(900, "e3", ConsumerEvent::PartitionsAssigned(tps(&[0]))),
            group,
        );
        assert_eq!(s.open("eager", "t", 0), None);
        assert_eq!(s.open("eager", "t", 2), Some(100));
        let tally = s.tally("eager", 1_500).unwrap();
        assert_eq!(tally.stopped, 2);
        assert_eq!(tally.longest_ms, 1_400, "p2 is still stopped at 1.5 s");
        assert_eq!(s.tally("coop", 1_500), None);
    }

    #[test]
    fn an_older_rebalance_does_not_count_in_the_latest_one() {
        let mut s = Stops::default();
        s.record(
            &ev(0, "e1", ConsumerEvent::PartitionsRevoked(tps(&[0, 1, 2]))),
            group,
        );
        s.record(
            &ev(50, "e1", ConsumerEvent::PartitionsAssigned(tps(&[0, 1, 2]))),
            group,
        );
        s.record(
            &ev(60_000, "e1", ConsumerEvent::PartitionsRevoked(tps(&[1]))),
            group,
        );
        s.record(
            &ev(63_000, "e2", ConsumerEvent::PartitionsAssigned(tps(&[1]))),
            group,
        );
        assert_eq!(
            s.tally("eager", 70_000),
            Some(Tally {
                stopped: 1,
                longest_ms: 3_000,
                phases: Vec::new(),
            })
        );
    }

    #[test]
    fn a_crash_stops_its_partitions_until_they_are_handed_out_but_is_no_rebalance() {
        let mut s = Stops::default();
        s.crashed(40_000, "coop", "c1", &tps(&[0, 1]));
        assert_eq!(s.open("coop", "t", 1), Some(40_000));
        assert_eq!(s.open_stop("coop", "t", 0).unwrap().from, "c1");
        s.record(
            &ev(85_000, "c2", ConsumerEvent::PartitionsAssigned(tps(&[0]))),
            group,
        );
        assert_eq!(s.open("coop", "t", 0), None);
        assert_eq!(s.open("coop", "t", 1), Some(40_000));
        assert_eq!(s.tally("coop", 90_000), None, "no rebalance gave them up");
    }

    #[test]
    fn jumping_back_forgets_the_future() {
        let mut s = Stops::default();
        s.record(
            &ev(100, "e1", ConsumerEvent::PartitionsRevoked(tps(&[0]))),
            group,
        );
        s.record(
            &ev(900, "e1", ConsumerEvent::PartitionsAssigned(tps(&[0]))),
            group,
        );
        s.record(
            &ev(2_000, "e1", ConsumerEvent::PartitionsRevoked(tps(&[1]))),
            group,
        );
        s.rewind(500);
        assert_eq!(
            s.open("eager", "t", 0),
            Some(100),
            "assigned after 500: not yet"
        );
        assert_eq!(s.open("eager", "t", 1), None);
        assert_eq!(s.tally("eager", 500).unwrap().stopped, 1);
    }
}
