//! The watch's state machine: when to sample, what to send, what a finished round means.
//!
//! Sans-IO like the broker core: the driver passes the time and the answers in, takes the
//! requests to send and the outcomes out. No socket, no clock, no thread here, so every
//! path (slow answers, failures, a coordinator that moved) is a unit test.
//!
//! ```text
//! driver                                  Sampler
//!   poll(now)                      ->     starts a round when due, times it out
//!   <- Outgoing { id, target, request }
//!   handle(now, id, Ok(answer) | Err(why))
//!   poll_outcome()                 ->     Some(Outcome) when a round is over
//!   next_wakeup()                  ->     when to call poll again
//! ```

use std::collections::BTreeMap;

use crate::event::Event;
use crate::group::GroupState;
use crate::record::Millis;

use super::diff::{diff, Diff};
use super::filter::NameFilter;
use super::pace::Pace;
use super::request::ReadResponse;
use super::round::{Outgoing, Round};
use super::sample::{ClusterSample, GroupKind, GroupSample};

/// What a watch samples and how often.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchConfig {
    /// `--interval`, ms.
    pub interval_ms: Millis,
    /// `--group` patterns.
    pub groups: NameFilter,
    /// `--topic` patterns.
    pub topics: NameFilter,
    /// A round with an answer still missing after this long fails (and the pace slows).
    pub round_timeout_ms: Millis,
}

impl WatchConfig {
    /// Every group and topic, every `interval_ms`, rounds time out after 30 s or ten
    /// intervals, whichever is longer.
    pub fn every(interval_ms: Millis) -> WatchConfig {
        WatchConfig {
            interval_ms,
            groups: NameFilter::default(),
            topics: NameFilter::default(),
            round_timeout_ms: (interval_ms * 10).max(30_000),
        }
    }
}

/// How a round ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// A new sample.
    Sampled {
        /// The events since the previous sample (none for the first).
        events: Vec<Event>,
        /// Viewers need a new snapshot (the first sample, or a change without event).
        resnapshot: bool,
    },
    /// No sample this round: the previous one stays the latest.
    Failed {
        /// Why, for a person.
        error: String,
    },
}

/// How fresh the picture is, for the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Freshness {
    /// When the latest sample started (`None`: no sample yet).
    pub sampled_at: Option<Millis>,
    /// How long it took.
    pub took_ms: Millis,
    /// The interval now (above `--interval` while backing off).
    pub interval_ms: Millis,
}

/// The watch.
#[derive(Debug)]
pub struct Sampler {
    config: WatchConfig,
    pace: Pace,
    next_id: u64,
    next_round_at: Millis,
    round: Option<Round>,
    latest: Option<ClusterSample>,
    outcomes: Vec<Outcome>,
    coordinators: BTreeMap<String, i32>,
    last_error: Option<String>,
}

impl Sampler {
    /// A watch whose first round starts at the first `poll`.
    pub fn new(config: WatchConfig) -> Sampler {
        Sampler {
            pace: Pace::new(config.interval_ms),
            config,
            next_id: 1,
            next_round_at: Millis::MIN,
            round: None,
            latest: None,
            outcomes: Vec::new(),
            coordinators: BTreeMap::new(),
            last_error: None,
        }
    }

    /// Requests to send now: a new round's first request when one is due, and the
    /// follow-ups of the answers handled since the last call. Also times a round out.
    pub fn poll(&mut self, now: Millis) -> Vec<Outgoing> {
        if let Some(round) = &mut self.round {
            if now - round.started_at > self.config.round_timeout_ms && round.failed.is_none() {
                round.failed = Some(format!(
                    "no answer within {} ms",
                    self.config.round_timeout_ms
                ));
            }
        }
        self.finish_if_done(now);
        if self.round.is_none() && now >= self.next_round_at {
            self.round = Some(Round::start(
                now,
                &mut self.next_id,
                self.coordinators.clone(),
            ));
        }
        self.round
            .as_mut()
            .map(Round::take_outbox)
            .unwrap_or_default()
    }

    /// The answer to request `id`: decoded, or why there is none (connection refused,
    /// closed, undecodable). Answers of a round that is over are ignored.
    pub fn handle(&mut self, now: Millis, id: u64, answer: Result<ReadResponse, String>) {
        let filters = (&self.config.groups, &self.config.topics);
        let Some(round) = self.round.as_mut().filter(|r| r.waits_for(id)) else {
            return;
        };
        match answer {
            Ok(response) => round.handle(now, id, response, filters, &mut self.next_id),
            Err(error) => round.fail(id, error),
        }
        self.finish_if_done(now);
    }

    /// How the rounds that ended since the last call went, oldest first.
    pub fn poll_outcome(&mut self) -> Option<Outcome> {
        (!self.outcomes.is_empty()).then(|| self.outcomes.remove(0))
    }

    /// When `poll` has something to do without an answer arriving: the next round, or the
    /// current round's timeout.
    pub fn next_wakeup(&self) -> Millis {
        match &self.round {
            Some(round) => round.started_at + self.config.round_timeout_ms + 1,
            None => self.next_round_at,
        }
    }

    /// The latest sample.
    pub fn latest(&self) -> Option<&ClusterSample> {
        self.latest.as_ref()
    }

    /// Why the latest round failed, if it did (cleared by a good round).
    pub fn last_error(&self) -> Option<&str> {
        self.last_error.as_deref()
    }

    /// How fresh the latest sample is.
    pub fn freshness(&self) -> Freshness {
        Freshness {
            sampled_at: self.latest.as_ref().map(|s| s.started_at),
            took_ms: self
                .latest
                .as_ref()
                .map_or(0, |s| s.finished_at - s.started_at),
            interval_ms: self.pace.current,
        }
    }

    fn finish_if_done(&mut self, now: Millis) {
        if !self.round.as_ref().is_some_and(Round::done) {
            return;
        }
        let Some(mut round) = self.round.take() else {
            return;
        };
        let took = now - round.started_at;
        if let Some(error) = round.failed.take() {
            self.pace.after_round(took, true);
            // The connections may be what failed: find coordinators afresh.
            self.coordinators.clear();
            self.last_error = Some(error.clone());
            self.outcomes.push(Outcome::Failed { error });
        } else {
            self.coordinators = round.coordinators.clone();
            let started = round.started_at;
            let mut sample = round.finish(self.latest.as_ref());
            sample.finished_at = now;
            let outcome = match &self.latest {
                None => {
                    first_generations(&mut sample);
                    Outcome::Sampled {
                        events: Vec::new(),
                        resnapshot: true,
                    }
                }
                Some(before) => {
                    count_generations(before, &mut sample);
                    let Diff { events, resnapshot } = diff(before, &sample, started);
                    Outcome::Sampled { events, resnapshot }
                }
            };
            self.pace.after_round(took, false);
            self.latest = Some(sample);
            self.last_error = None;
            self.outcomes.push(outcome);
        }
        self.next_round_at = (now - took) + self.pace.current;
    }
}

/// DescribeGroups does not report a classic group's generation, so the watch counts the
/// rebalances it sees: one more when the group came back to Stable from a rebalance, or,
/// Stable in both samples, when its members or their assignments changed (the rebalance
/// fit between them). A rebalance that starts and ends between two samples without
/// changing anything is not seen.
fn count_generations(before: &ClusterSample, after: &mut ClusterSample) {
    for (id, g) in after.groups.iter_mut() {
        if g.kind != GroupKind::Classic {
            continue;
        }
        let Some(old) = before.groups.get(id) else {
            first_generation(g);
            continue;
        };
        if g.stale {
            g.generation = old.generation;
            continue;
        }
        g.generation = old.generation + i32::from(rebalanced(old, g));
    }
}

/// The first sample of each group.
fn first_generations(sample: &mut ClusterSample) {
    for g in sample.groups.values_mut() {
        if g.kind == GroupKind::Classic {
            first_generation(g);
        }
    }
}

/// A classic group seen for the first time with members has a generation, whichever it
/// is: counting starts at 1 (0 would read as "still joining" on the page).
fn first_generation(g: &mut GroupSample) {
    if !g.members.is_empty() {
        g.generation = 1;
    }
}

fn rebalanced(old: &GroupSample, new: &GroupSample) -> bool {
    let members_changed = old.members.len() != new.members.len()
        || new.members.iter().any(|(id, m)| {
            old.members
                .get(id)
                .is_none_or(|o| o.assignment != m.assignment)
        });
    let settled = old.state() != GroupState::Stable && new.state() == GroupState::Stable;
    // A rebalance seen in progress counts once, when it settles; one that began and ended
    // between two samples counts when its members or assignments differ.
    let between = old.state() == GroupState::Stable && new.state() == GroupState::Stable;
    (members_changed && between && !new.members.is_empty()) || settled
}
