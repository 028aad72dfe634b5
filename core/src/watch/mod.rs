//! `minikafka watch`: the live view of *any* Kafka-protocol cluster, from outside, read-only.
//!
//! `serve --http` draws minikafka's own broker from the events it emits. A production
//! cluster (Apache Kafka, Redpanda, a managed service) emits nothing to us, so the watch is
//! a client: every `--interval` it samples the cluster with read requests only, and turns
//! the difference between two samples into the same [`Event`](crate::Event)s, which the same
//! page folds and draws. This module is the sans-IO part; the driver (sockets, clock,
//! WebSocket) is `net::watch`.
//!
//! - `filter.rs`: `--group` / `--topic` globs ([`NameFilter`]);
//! - `request.rs`: the read requests ([`ReadRequest`]) and [`READ_APIS`], all a watch sends;
//! - `round.rs`: one round of requests and how the answers build a sample;
//! - `sample.rs`: the sample ([`ClusterSample`]) and its live-view snapshot;
//! - `diff.rs`: two samples to events ([`diff`]);
//! - `pace.rs`: the interval, and backing off when the cluster is slow ([`Pace`]);
//! - `history.rs`: the last hour of samples and the rebalances seen ([`History`]);
//! - `sampler.rs`: the state machine tying them together ([`Sampler`]).

mod diff;
mod filter;
mod history;
mod pace;
mod request;
mod round;
mod sample;
mod sampler;

pub use diff::{diff, Diff};
pub use filter::NameFilter;
pub use history::{History, HISTORY_MS, HISTORY_SAMPLES, STALL_MS};
pub use pace::{Pace, MAX_BACKOFF_MS};
pub use request::{ReadRequest, ReadResponse, READ_APIS};
pub use round::{Outgoing, Target};
pub use sample::{
    BrokerInfo, ClusterSample, GroupKind, GroupSample, MemberSample, PartitionSample,
};
pub use sampler::{Freshness, Outcome, Sampler, WatchConfig};

#[cfg(test)]
mod tests;
