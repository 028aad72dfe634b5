//! The five steps of a rebalance, as the seed lists them, and where the latest one stands.
//!
//! Both modes read them from their own logs (the simulation's events, a live server's
//! events) as [`StepSignal`]s; the stage's banner and the coordinator's colour show the
//! step.

/// The five steps of a rebalance, as the seed lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RebalanceStep {
    /// A membership change was detected (join, leave, session timeout).
    Detect,
    /// Members stop fetching and give up partitions (eager: all of them).
    StopFetching,
    /// The coordinator formed a generation; the leader computes the assignment.
    Reassign,
    /// Offsets are committed (before revoking) and the new owners read them.
    Commit,
    /// Members fetch again from the committed offsets.
    Resume,
}

impl RebalanceStep {
    /// All steps in order.
    pub const ALL: [RebalanceStep; 5] = [
        RebalanceStep::Detect,
        RebalanceStep::StopFetching,
        RebalanceStep::Reassign,
        RebalanceStep::Commit,
        RebalanceStep::Resume,
    ];

    /// Label key in `i18n`.
    pub fn key(self) -> crate::i18n::Key {
        use crate::i18n::Key;
        match self {
            RebalanceStep::Detect => Key::StepDetect,
            RebalanceStep::StopFetching => Key::StepStop,
            RebalanceStep::Reassign => Key::StepReassign,
            RebalanceStep::Commit => Key::StepCommit,
            RebalanceStep::Resume => Key::StepResume,
        }
    }
}

/// What a log entry says about a rebalance's progress (the simulation and live mode
/// read them from different logs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepSignal {
    /// The coordinator started a rebalance.
    Started,
    /// Members gave partitions up / stopped fetching (the join phase completed).
    Stopped,
    /// A new generation was formed.
    Generation,
    /// The leader's assignment was handed out.
    Assigned,
    /// A member of the group processed, fetched or committed again.
    Resumed,
}

/// Where the latest rebalance stands, from a group's signals in time order. 10 s after it
/// completed, the banner goes away (`None`).
pub fn rebalance_step_of(signals: &[(i64, StepSignal)], now: i64) -> Option<RebalanceStep> {
    let start = signals
        .iter()
        .rposition(|(_, s)| *s == StepSignal::Started)?;
    let mut step = RebalanceStep::Detect;
    let mut done_at = None;
    for (at, signal) in &signals[start + 1..] {
        match signal {
            StepSignal::Stopped if step < RebalanceStep::StopFetching => {
                step = RebalanceStep::StopFetching
            }
            StepSignal::Generation => step = step.max(RebalanceStep::Reassign),
            StepSignal::Assigned => step = step.max(RebalanceStep::Commit),
            StepSignal::Resumed if step >= RebalanceStep::Commit => {
                step = RebalanceStep::Resume;
                done_at.get_or_insert(*at);
            }
            _ => {}
        }
    }
    match done_at {
        Some(at) if now - at > 10_000 => None,
        _ => Some(step),
    }
}
