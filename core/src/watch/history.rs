//! The last hour: samples kept in memory, bounded, and the rebalances they show.
//!
//! Production tools show a table at one moment; what their users ask for is *over time*:
//! how lag moved, when the group rebalanced, why, and how long it stopped. The watch keeps
//! the last [`HISTORY_MS`] of samples (at most [`HISTORY_SAMPLES`], so a short `--interval`
//! cannot grow it without bound), and folds each new sample into a rebalance list.
//!
//! A rebalance is seen when a group's members or assignments changed between two samples,
//! or the group left Stable. Its reason is *inferred*, never reported (no read API says
//! why a coordinator rebalanced): members added; members removed whose partitions' commits
//! advanced as they went, or were still progressing (a graceful close: commit, then
//! LeaveGroup); members removed after their partitions had lag and no new commit for
//! [`STALL_MS`] (a crash, noticed when the session timed out).

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use crate::group::GroupState;
use crate::live::{GroupLag, InferredReason, Rebalance};
use crate::record::Millis;

use super::sample::{ClusterSample, GroupSample};

/// How far back the history reaches.
pub const HISTORY_MS: Millis = 60 * 60 * 1000;
/// The most samples kept (an hour at one per second).
pub const HISTORY_SAMPLES: usize = 3_600;
/// A member whose partitions had lag but no new commit for this long before it vanished
/// is taken to have crashed (session timeout) rather than left.
pub const STALL_MS: Millis = 5_000;

/// Samples and rebalances of the last hour.
#[derive(Debug, Default)]
pub struct History {
    samples: VecDeque<Arc<ClusterSample>>,
    rebalances: VecDeque<Rebalance>,
    /// Per (group, member): when its partitions last progressed (a commit advanced, or
    /// nothing was left to read).
    progress: BTreeMap<(String, String), Millis>,
}

impl History {
    /// An empty history.
    pub fn new() -> History {
        History::default()
    }

    /// Add a sample; forget what is older than an hour.
    pub fn record(&mut self, sample: Arc<ClusterSample>) {
        let at = sample.started_at;
        if let Some(before) = self.samples.back().cloned() {
            for (id, g) in &sample.groups {
                if let Some(old) = before.groups.get(id) {
                    self.rebalance(old, g, at);
                }
            }
        }
        self.track_progress(&sample);
        self.samples.push_back(sample);
        while self.samples.len() > HISTORY_SAMPLES
            || self
                .samples
                .front()
                .is_some_and(|s| at - s.started_at > HISTORY_MS)
        {
            self.samples.pop_front();
        }
        while self
            .rebalances
            .front()
            .is_some_and(|r| at - r.at > HISTORY_MS && !r.ongoing)
        {
            self.rebalances.pop_front();
        }
    }

    /// The samples kept, oldest first.
    pub fn samples(&self) -> impl Iterator<Item = &Arc<ClusterSample>> {
        self.samples.iter()
    }

    /// The rebalances of the last hour, oldest first.
    pub fn rebalances(&self) -> Vec<Rebalance> {
        self.rebalances.iter().cloned().collect()
    }

    /// A group's total lag (high watermark minus committed offset, over the partitions it
    /// committed) in each sample kept: lag over time.
    pub fn lag(&self, group: &str) -> Vec<(Millis, i64)> {
        self.samples
            .iter()
            .filter_map(|s| Some((s.started_at, group_lag(s, s.groups.get(group)?))))
            .collect()
    }

    /// Every group's lag over the hour, for the page: one point a minute at most, and
    /// always the latest sample's, so a page that connects sees the hour at once.
    pub fn lag_summary(&self) -> Vec<GroupLag> {
        let Some(latest) = self.samples.back() else {
            return Vec::new();
        };
        latest
            .groups
            .keys()
            .map(|group| {
                let all = self.lag(group);
                let mut points: Vec<(Millis, i64)> = Vec::new();
                for (i, (at, lag)) in all.iter().enumerate() {
                    let minute_on = points.last().is_none_or(|(last, _)| at - last >= 60_000);
                    if minute_on || i + 1 == all.len() {
                        points.push((*at, *lag));
                    }
                }
                GroupLag {
                    group: group.clone(),
                    points,
                }
            })
            .collect()
    }

    fn rebalance(&mut self, old: &GroupSample, new: &GroupSample, at: Millis) {
        let added: Vec<String> = new
            .members
            .keys()
            .filter(|m| !old.members.contains_key(*m))
            .cloned()
            .collect();
        let removed: Vec<String> = old
            .members
            .keys()
            .filter(|m| !new.members.contains_key(*m))
            .cloned()
            .collect();
        let reassigned = new.members.iter().any(|(id, m)| {
            old.members
                .get(id)
                .is_some_and(|o| o.assignment != m.assignment)
        });
        let stable = new.state() == GroupState::Stable || new.state() == GroupState::Empty;
        let interval = at - sample_before(self, at);
        // An ongoing rebalance of this group absorbs the change; otherwise a new one.
        if let Some(open) = self
            .rebalances
            .iter_mut()
            .rev()
            .find(|r| r.group == new.group_id && r.ongoing)
        {
            open.added.extend(added);
            open.removed.extend(removed);
            open.not_stable_ms = at - open.at;
            open.ongoing = !stable;
            return;
        }
        let left_stable = !stable && old.state() != new.state();
        if added.is_empty() && removed.is_empty() && !reassigned && !left_stable {
            return;
        }
        let reason = if !removed.is_empty() {
            // A consumer that closes cleanly commits what it read on its way out: its
            // partitions' commits advance in the very sample where it is gone.
            // (Only partitions nobody else owns yet: a new owner's commit says nothing of
            // how the old one went.)
            let owned_now = |topic: &str, p: i32| {
                new.members.values().any(|m| {
                    m.assignment
                        .iter()
                        .flatten()
                        .any(|tp| tp.topic == topic && tp.partitions.contains(&p))
                })
            };
            let committed_on_leaving = removed.iter().any(|m| {
                old.members[m].assignment.iter().flatten().any(|tp| {
                    tp.partitions.iter().any(|p| {
                        let k = (tp.topic.clone(), *p);
                        !owned_now(&tp.topic, *p) && new.committed.get(&k) > old.committed.get(&k)
                    })
                })
            });
            let stalled = !committed_on_leaving
                && removed.iter().any(|m| {
                    self.progress
                        .get(&(new.group_id.clone(), m.clone()))
                        .is_some_and(|last| at - last >= STALL_MS.max(2 * interval))
                });
            if stalled {
                InferredReason::SessionTimeout
            } else {
                InferredReason::MemberLeft
            }
        } else if !added.is_empty() {
            InferredReason::MemberAdded
        } else {
            InferredReason::Other
        };
        self.rebalances.push_back(Rebalance {
            group: new.group_id.clone(),
            at,
            reason,
            added,
            removed,
            not_stable_ms: 0,
            ongoing: !stable,
        });
    }

    /// Record, per member, the latest sample where its partitions progressed.
    fn track_progress(&mut self, sample: &ClusterSample) {
        let before = self.samples.back().cloned();
        let at = sample.started_at;
        let mut seen = BTreeMap::new();
        for (gid, g) in &sample.groups {
            for (mid, m) in &g.members {
                let key = (gid.clone(), mid.clone());
                let mut progressed = true;
                for tp in m.assignment.iter().flatten() {
                    for p in &tp.partitions {
                        let k = (tp.topic.clone(), *p);
                        let committed = g.committed.get(&k).copied();
                        let hw = sample
                            .topics
                            .get(&tp.topic)
                            .and_then(|ps| ps.iter().find(|q| q.partition == *p))
                            .map(|q| q.high_watermark);
                        let old = before
                            .as_ref()
                            .and_then(|b| b.groups.get(gid))
                            .and_then(|og| og.committed.get(&k).copied());
                        let caught_up = matches!((committed, hw), (Some(c), Some(h)) if c >= h);
                        let advanced = committed.is_some() && committed != old;
                        if !(caught_up || advanced) {
                            progressed = false;
                        }
                    }
                }
                let last = if progressed {
                    at
                } else {
                    self.progress.get(&key).copied().unwrap_or(at)
                };
                seen.insert(key, last);
            }
        }
        self.progress = seen;
    }
}

/// When the sample before `at` started (`at` itself for the first).
fn sample_before(history: &History, at: Millis) -> Millis {
    history.samples.back().map_or(at, |s| s.started_at)
}

fn group_lag(sample: &ClusterSample, g: &GroupSample) -> i64 {
    g.committed
        .iter()
        .filter_map(|((topic, partition), committed)| {
            let p = sample
                .topics
                .get(topic)?
                .iter()
                .find(|p| p.partition == *partition)?;
            Some((p.high_watermark - committed).max(0))
        })
        .sum()
}
