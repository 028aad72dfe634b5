//! The group coordinator: Kafka's *classic* consumer group protocol.
//!
//! A consumer group is a set of members that share the partitions of some topics. Nobody in
//! the group talks to anybody else: every member talks only to the *group coordinator*, a
//! broker, with four requests. The coordinator does not know what a partition assignment
//! means; it only makes sure that every member agrees on *who is in the group* (a
//! *generation*) and hands out an assignment that one member, the *leader*, computed.
//!
//! 1. **JoinGroup**: "I am here, and these are the protocols (assignors) I support, with my
//!    subscription as metadata". The coordinator waits until every known member has
//!    (re)joined, or until the rebalance timeout, then opens a new *generation*, picks one
//!    protocol every member supports, chooses a leader and answers everybody at once. Only
//!    the leader gets the list of members and their metadata. See [`join`].
//! 2. **SyncGroup**: every member asks for its assignment; the leader's request carries the
//!    assignment of every member. The coordinator stores it, answers everyone, and the group
//!    is `Stable`. See [`sync`].
//! 3. **Heartbeat**: "I am still alive". A member that stops heartbeating for
//!    `session.timeout.ms` is removed. The answer `REBALANCE_IN_PROGRESS` is how the
//!    coordinator tells members to rejoin. See [`heartbeat`].
//! 4. **LeaveGroup**: a graceful goodbye, which starts a rebalance at once instead of after
//!    the session timeout. See [`leave`].
//!
//! The states, as in Kafka's `GroupMetadata`:
//!
//! ```text
//!            first JoinGroup                 all members joined             leader's SyncGroup
//!   Empty ------------------> PreparingRebalance ----------> CompletingRebalance ------> Stable
//!     ^                         ^   |  (no member left)            |                      |
//!     |                         |   +-------> Empty                |   join/leave/expiry  |
//!     |                         +----------------------------------+----------------------+
//!     +-- DeleteGroups --> Dead
//! ```
//!
//! Two refinements matter in practice and are implemented here:
//! - **Member ids are issued by the coordinator.** A first JoinGroup with an empty member id
//!   gets `MEMBER_ID_REQUIRED` and a fresh id, and must join again with it (KIP-394), so a
//!   client that crashes between the two calls leaves no ghost member behind.
//! - **Static membership** (KIP-345): a member with a `group.instance.id` that restarts and
//!   rejoins within its session timeout takes its old place (and assignment) under a new
//!   member id, with no rebalance; the old member id is fenced.
//!
//! Members that the leader gave no partitions are *standby* members: they heartbeat and wait
//! for the next rebalance. [`GroupCoordinator::describe_group`] shows them.
//!
//! Groups survive a restart as in Kafka: each settled generation becomes a group metadata
//! record in `__consumer_offsets` (the broker writes what [`GroupCoordinator::group_record`]
//! gives), and [`GroupCoordinator::load_group`] rebuilds the group from it, every member's
//! session restarted at the load. See `persist.rs`.
//!
//! Nothing here blocks. A JoinGroup that must wait for the rest of the group returns `None`
//! and its response comes out of [`GroupCoordinator::poll_output`] when the join phase
//! completes; time moves only when the driver calls [`GroupCoordinator::handle_timeout`].

mod api;
mod commit;
mod config;
pub mod consumer_protocol;
mod coordinator;
mod describe;
mod group_metadata;
pub mod heartbeat;
pub mod join;
pub mod leave;
mod member;
pub mod modern;
mod persist;
mod request;
pub mod sync;
mod timeouts;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

pub use crate::group_state::GroupState;
pub use api::*;
pub use config::CoordinatorConfig;
pub use coordinator::{GroupCoordinator, GroupOutput, RequestId};
pub use member::MemberMetadata;
