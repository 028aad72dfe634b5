//! What `minikafka watch` tells a viewer besides the snapshot and the events: how fresh
//! its picture is, and the rebalances it saw.
//!
//! A broker knows when things happen; a watch only knows when it last looked. The page
//! must say so ("sampled 1.2 s ago, every 1 s"), or a stale picture of a cluster that went
//! away would look like a quiet one.

use serde::{Deserialize, Serialize};

use crate::record::Millis;

/// The watch's state, sent after every round (`{"type":"watch", ...}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct WatchStatus {
    /// When the latest good sample started (ms since the epoch); `None` before the first.
    #[serde(default)]
    pub sampled_at: Option<Millis>,
    /// How long that round took.
    #[serde(default)]
    pub took_ms: Millis,
    /// The interval now: `--interval`, or more while backing off from a slow cluster.
    #[serde(default)]
    pub interval_ms: Millis,
    /// Why the latest round failed (the picture is then older than one interval).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Rebalances seen in the last hour, oldest first.
    #[serde(default)]
    pub rebalances: Vec<Rebalance>,
    /// Each group's total lag over the last hour, one point a minute (and the latest).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lag: Vec<GroupLag>,
}

/// A group's total lag over time: high watermark minus committed offset, summed over the
/// partitions it committed, as the watch sampled it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupLag {
    /// `group.id`.
    pub group: String,
    /// `[time, lag]` pairs, oldest first.
    pub points: Vec<(Millis, i64)>,
}

/// Why a rebalance happened, as far as a watch can tell from outside. Always inferred: the
/// coordinator knows the reason, but no read API reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InferredReason {
    /// Members appeared.
    MemberAdded,
    /// Members disappeared while still making progress (committing): most likely a
    /// graceful shutdown (LeaveGroup).
    MemberLeft,
    /// Members disappeared after their partitions stopped progressing for a while: most
    /// likely a crash, removed when its session timed out.
    SessionTimeout,
    /// The group rebalanced with the same members (a subscription change, a new partition).
    Other,
}

impl InferredReason {
    /// In words, marked as inferred.
    pub fn text(&self) -> &'static str {
        match self {
            InferredReason::MemberAdded => "member added (inferred)",
            InferredReason::MemberLeft => "member left (inferred)",
            InferredReason::SessionTimeout => "session timeout (inferred)",
            InferredReason::Other => "same members (inferred)",
        }
    }
}

/// One rebalance of one group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rebalance {
    /// `group.id`.
    pub group: String,
    /// The sample that first showed it (ms since the epoch).
    pub at: Millis,
    /// Why, inferred.
    pub reason: InferredReason,
    /// Member ids added.
    #[serde(default)]
    pub added: Vec<String>,
    /// Member ids removed.
    #[serde(default)]
    pub removed: Vec<String>,
    /// How long the samples showed the group not Stable; 0 when it was Stable in every
    /// sample (the rebalance fit between two samples: shorter than the interval).
    pub not_stable_ms: Millis,
    /// The group is still not Stable.
    #[serde(default)]
    pub ongoing: bool,
}
