//! The *consumer* group protocol (KIP-848), next to the classic one in the parent module.
//!
//! The classic protocol makes the whole group stop at every change: everybody rejoins,
//! one member computes the assignment, everybody syncs (see `super`). KIP-848 turns it
//! around:
//!
//! - **The coordinator computes the assignment** with a server-side assignor
//!   (`assignor.rs`); consumers only send their subscription.
//! - **One request, ConsumerGroupHeartbeat**, replaces JoinGroup, SyncGroup, Heartbeat and
//!   LeaveGroup (`heartbeat.rs`). It never waits for the rest of the group.
//! - **Epochs instead of generations** (`group.rs`): the group epoch counts changes, the
//!   target assignment is computed for a group epoch, and each member advances its own
//!   member epoch as it reconciles.
//! - **Incremental reconciliation** (`reconcile.rs`): a member gives up what it must lose,
//!   confirms, and only then can another member get it. Members not affected by a change
//!   keep reading throughout.
//!
//! Timers are in `timeouts.rs`, ConsumerGroupDescribe and listing in `describe.rs`,
//! OffsetCommit's member epoch check in `commit.rs`, durability in `persist.rs`.
//!
//! The same calls serve the native server (`wire/consumer_group_heartbeat.rs`) and any
//! simulated consumer: build a [`HeartbeatRequest`], pass the topics' partition counts and
//! the time, read the [`HeartbeatResponse`], and drive [`ConsumerGroupCoordinator::handle_timeout`]
//! at [`ConsumerGroupCoordinator::poll_timeout`].

mod api;
mod assignment;
pub mod assignor;
mod commit;
mod coordinator;
mod describe;
mod group;
mod heartbeat;
mod persist;
mod reconcile;
mod timeouts;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

pub use api::{
    ConsumerGroupDescription, DescribedConsumerMember, HeartbeatRequest, HeartbeatResponse,
};
pub use assignment::Assignment;
pub use coordinator::{ConsumerGroupConfig, ConsumerGroupCoordinator, RegexMatcher};
pub use group::{
    ConsumerGroup, ConsumerGroupState, ConsumerMember, MemberState, JOIN_EPOCH, LEAVE_EPOCH,
    STATIC_LEAVE_EPOCH,
};
pub use persist::StoredConsumerGroup;
pub use reconcile::reconcile;
