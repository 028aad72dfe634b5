//! The simulation: a seeded, deterministic world of one broker, producers and consumers.
//!
//! The world moves in simulated time. It is what the visualiser draws, what the
//! scenarios script, and what randomized tests shake: the clients and the broker in it are
//! the real state machines, connected by an in-process network with an optional delay.
//!
//! - `command.rs`: what can be done to a world, and the short string a run replays from.
//! - `actors.rs`: the applications around the clients (rates, processing time, commits).
//! - `tracker.rs`: every record followed end to end (duplicates, losses).
//! - `pauses.rs`: partitions nobody reads, integrated over time (the cost of rebalances).
//! - `world.rs`: the clock, the network and the event loop.

pub mod actors;
pub mod command;
mod display;
pub mod pauses;
pub mod pipeline;
pub mod scenarios;
pub mod summary;
pub mod timeline;
pub mod tracker;
pub mod world;

pub use command::{Command, CommitMode, ConsumerSpec, OutputSpec, ProducerSpec, Script, Semantics};
pub use world::{World, WorldEvent, WorldEventKind};
