//! Consumer settings, with the Java client's names and defaults.

use serde::{Deserialize, Serialize};

use crate::client::assignor::AssignorKind;
use crate::log::IsolationLevel;
use crate::record::Millis;

/// `auto.offset.reset`: where to start when there is no valid position (no committed
/// offset, or the committed offset fell out of the log).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AutoOffsetReset {
    /// Start at the log start offset: read everything still kept.
    Earliest,
    /// Start at the log end offset: only records produced from now on (Kafka's default).
    Latest,
    /// Do not guess: report the error and let the application seek.
    None,
}

/// `group.protocol`: how the consumer takes part in its group.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GroupProtocol {
    /// JoinGroup / SyncGroup / Heartbeat: every change makes every member rejoin, and one
    /// member (the leader) computes the assignment. Kafka's default.
    #[default]
    Classic,
    /// KIP-848: one ConsumerGroupHeartbeat; the coordinator computes the assignment and
    /// each member reconciles towards its own target, so members that keep their
    /// partitions never stop reading them.
    Consumer,
}

/// The consumer's settings. Defaults are the Java client's (Kafka 3.x/4.x).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConsumerConfig {
    /// `client.id`: names the consumer in member ids, events and the visualiser.
    pub client_id: String,
    /// `client.host` as the broker should see it (the simulation invents one).
    pub client_host: String,
    /// `group.id`: needed for `subscribe` and for committing offsets.
    pub group_id: Option<String>,
    /// `group.instance.id`: makes the consumer a static member (KIP-345).
    pub group_instance_id: Option<String>,
    /// `session.timeout.ms`: how long the coordinator waits for a heartbeat.
    pub session_timeout_ms: i32,
    /// `heartbeat.interval.ms`: how often the background heartbeat is sent; about a
    /// third of the session timeout, so two can be lost without losing the session.
    pub heartbeat_interval_ms: Millis,
    /// `max.poll.interval.ms`: the longest the application may go between two `poll`s.
    /// Past it the consumer leaves the group by itself, even though heartbeats still
    /// flow: a consumer that is alive but stuck must not hold partitions.
    pub max_poll_interval_ms: i32,
    /// `max.poll.records`: the most records one `poll` returns.
    pub max_poll_records: usize,
    /// `auto.offset.reset`.
    pub auto_offset_reset: AutoOffsetReset,
    /// `enable.auto.commit`: commit the positions every `auto.commit.interval.ms`, from
    /// inside `poll`, and before giving partitions up in a rebalance.
    pub enable_auto_commit: bool,
    /// `auto.commit.interval.ms`.
    pub auto_commit_interval_ms: Millis,
    /// `partition.assignment.strategy`, in order of preference. The rebalance protocol is
    /// cooperative only if every one of them supports it.
    pub assignors: Vec<AssignorKind>,
    /// `max.partition.fetch.bytes`.
    pub max_partition_fetch_bytes: u32,
    /// `fetch.max.wait.ms`: a fetch that finds nothing new waits this long before the next
    /// (the broker holds real fetches open this long; the simulation backs off instead).
    pub fetch_max_wait_ms: Millis,
    /// `metadata.max.age.ms`: how often topic metadata is refreshed, which is how a
    /// group notices added partitions.
    pub metadata_max_age_ms: Millis,
    /// `retry.backoff.ms`: pause before retrying a failed group request.
    pub retry_backoff_ms: Millis,
    /// `isolation.level`: `read_uncommitted` (the default) returns every record up to the
    /// high watermark, open and aborted transactions included; `read_committed` stops at
    /// the last stable offset and drops the records of aborted transactions.
    pub isolation_level: IsolationLevel,
    /// `group.protocol`: `classic` (the default) or `consumer` (KIP-848).
    pub group_protocol: GroupProtocol,
    /// `group.remote.assignor`: the server-side assignor a `consumer`-protocol member asks
    /// for (`uniform`, `range`); `None` lets the broker pick its default (`uniform`).
    /// `partition.assignment.strategy` is not used by that protocol.
    pub group_remote_assignor: Option<String>,
}

impl Default for ConsumerConfig {
    fn default() -> Self {
        ConsumerConfig {
            client_id: "consumer".into(),
            client_host: "/127.0.0.1".into(),
            group_id: None,
            group_instance_id: None,
            session_timeout_ms: 45_000,
            heartbeat_interval_ms: 3_000,
            max_poll_interval_ms: 300_000,
            max_poll_records: 500,
            auto_offset_reset: AutoOffsetReset::Latest,
            enable_auto_commit: true,
            auto_commit_interval_ms: 5_000,
            assignors: vec![AssignorKind::Range, AssignorKind::CooperativeSticky],
            max_partition_fetch_bytes: 1_048_576,
            fetch_max_wait_ms: 500,
            metadata_max_age_ms: 300_000,
            retry_backoff_ms: 100,
            isolation_level: IsolationLevel::ReadUncommitted,
            group_protocol: GroupProtocol::Classic,
            group_remote_assignor: None,
        }
    }
}
