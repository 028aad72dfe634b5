//! # minikafka: a Kafka broker core you can read
//!
//! This crate is the broker of minikafka, written as *sans-IO* state machines: no sockets,
//! no threads, no clock. Every entry point takes `now` (milliseconds) as an argument and
//! returns its results, or queues them to be polled. That is what lets one core run in a
//! browser tab (the visualiser), in a tokio TCP server that speaks the real Kafka protocol,
//! and in tests that replay thousands of fault schedules in seconds, all deterministically.
//!
//! ## The map
//! - [`collections`]: the ordered map and set (`BTreeMap`, `BTreeSet`): the standard
//!   library's natively, a sorted `Vec` with the same API in the browser (smaller wasm).
//! - [`record`]: records and record batches, what a partition log stores.
//! - [`error`]: Kafka's error codes, as values.
//! - `rng`: the seeded random numbers (no unseeded randomness anywhere).
//! - [`sort`]: one small stable sort for the short lists the core sorts (the standard
//!   sort is compiled anew for every element type, which the browser pays for in size).
//! - [`group_state`]: the names of a consumer group's states.
//! - [`log`]: partition logs (append, read, log start / high watermark / log end,
//!   segments and retention) over a small storage trait.
//! - [`event`]: every state change as an [`event::Event`], for the visualiser and tests.
//! - [`topic`]: topics and their partitions.
//! - [`offsets`]: the committed-offset store, kept as a log like `__consumer_offsets`.
//! - [`group`]: the group coordinator, Kafka's classic rebalance protocol.
//! - [`txn`]: the transaction coordinator (exactly-once): transactional ids, producer
//!   epochs, staged offsets and commit/abort markers, kept as a log like
//!   `__transaction_state`.
//! - [`broker`]: one API over all of the above; the only thing a driver talks to.
//! - [`client`]: a producer and a consumer as state machines that talk to the broker with
//!   requests and responses, plus the partition assignors a group leader runs.
//! - [`sim`]: a seeded simulated world (clock, network, applications, record tracking) and
//!   the teaching scenarios.
//! - [`live`]: what live mode sends a viewer (snapshots and events of a running broker)
//!   and the viewer's fold of them.
//! - `sasl`: SASL authentication (PLAIN, SCRAM-SHA-256/512) as state machines, bytes in
//!   and bytes out, randomness handed in (native builds).
//! - `wire`: the Kafka wire protocol over the broker, one file per API (native builds).
//! - `watch`: `minikafka watch` as a state machine: the read requests that sample any
//!   Kafka cluster, the samples, and the events their differences mean (native builds).
//! - `net`: the tokio TCP server and durable storage (native builds).
//!
//! Read the modules in that order: each one only uses the ones before it
//! (`tests/tests/layering.rs` fails when one does not). The native command line
//! (`minikafka scenario ...`) lives in `src/bin/` and is not part of the library.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod broker;
pub mod client;
pub mod collections;
pub mod error;
pub mod event;
pub mod group;
pub mod group_state;
pub mod live;
pub mod log;
/// The native TCP server (tokio) and durable storage: not part of the sans-IO core.
#[cfg(not(target_arch = "wasm32"))]
pub mod net;
pub mod offsets;
pub mod record;
mod rng;
/// SASL authentication (PLAIN, SCRAM), sans-IO; native builds only.
#[cfg(not(target_arch = "wasm32"))]
pub mod sasl;
pub mod sim;
pub mod sort;
pub mod topic;
pub mod txn;
/// The Kafka wire protocol adapter (native builds only: the browser needs no wire format).
#[cfg(not(target_arch = "wasm32"))]
pub mod watch;
#[cfg(not(target_arch = "wasm32"))]
pub mod wire;

pub use broker::{Broker, BrokerConfig};
pub use error::KafkaError;
pub use event::Event;
pub use record::{Millis, Offset, Record, RecordBatch};
