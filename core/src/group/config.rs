//! Coordinator settings, with Kafka's broker defaults.

use serde::{Deserialize, Serialize};

use crate::record::Millis;

/// Broker-side settings of the group coordinator. The defaults are Kafka's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoordinatorConfig {
    /// `group.min.session.timeout.ms`: a member asking for less gets
    /// `INVALID_SESSION_TIMEOUT`. It stops clients from flooding the broker with heartbeats.
    pub group_min_session_timeout_ms: i32,
    /// `group.max.session.timeout.ms`: a member asking for more gets
    /// `INVALID_SESSION_TIMEOUT`. It bounds how long a dead member can hold partitions.
    pub group_max_session_timeout_ms: i32,
    /// `group.initial.rebalance.delay.ms`: when an *empty* group gets its first member, the
    /// coordinator waits this long (extended while new members keep arriving, up to the
    /// rebalance timeout) before completing the join, so that a whole fleet of consumers
    /// starting together causes one rebalance instead of one per member.
    pub group_initial_rebalance_delay_ms: Millis,
    /// `group.max.size`: members beyond this get `GROUP_MAX_SIZE_REACHED`. `None` is
    /// unlimited (Kafka's default is `Integer.MAX_VALUE`).
    pub group_max_size: Option<usize>,
    /// Seed for the member ids the coordinator issues. Kafka uses random UUIDs; we draw
    /// them from a seeded generator so that a replayed run issues the same ids.
    pub member_id_seed: u64,
}

impl Default for CoordinatorConfig {
    fn default() -> Self {
        CoordinatorConfig {
            group_min_session_timeout_ms: 6_000,
            group_max_session_timeout_ms: 1_800_000,
            group_initial_rebalance_delay_ms: 3_000,
            group_max_size: None,
            member_id_seed: 0,
        }
    }
}
