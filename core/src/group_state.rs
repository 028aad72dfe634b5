//! The state of a consumer group, as the coordinator and `kafka-consumer-groups.sh` name
//! it. A leaf module of its own: the events ([`crate::event`]) and the coordinator
//! ([`crate::group`]) both speak of it, and the events come first in the reading order.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The state of a group. The names are Kafka's, as `kafka-consumer-groups.sh` prints them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum GroupState {
    /// No members. The group may still hold committed offsets.
    Empty,
    /// A rebalance started: the coordinator waits for every member to (re)join.
    PreparingRebalance,
    /// Everybody joined; the coordinator waits for the leader's assignment (SyncGroup).
    CompletingRebalance,
    /// Everybody has an assignment; members heartbeat and consume.
    Stable,
    /// The group was deleted. Requests for it get `COORDINATOR_NOT_AVAILABLE`.
    Dead,
}

impl GroupState {
    /// Kafka's name for the state.
    pub fn name(self) -> &'static str {
        match self {
            GroupState::Empty => "Empty",
            GroupState::PreparingRebalance => "PreparingRebalance",
            GroupState::CompletingRebalance => "CompletingRebalance",
            GroupState::Stable => "Stable",
            GroupState::Dead => "Dead",
        }
    }

    /// Parse Kafka's name (ListGroups v4 filters by state name, case-insensitively).
    pub fn from_name(name: &str) -> Option<GroupState> {
        [
            GroupState::Empty,
            GroupState::PreparingRebalance,
            GroupState::CompletingRebalance,
            GroupState::Stable,
            GroupState::Dead,
        ]
        .into_iter()
        .find(|s| s.name().eq_ignore_ascii_case(name))
    }
}

impl fmt::Display for GroupState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
