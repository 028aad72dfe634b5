//! Request ids: how a driver matches the coordinator's answers to its requests. A leaf of
//! its own, so that the members (`member.rs`) and the coordinator (`coordinator.rs`) can
//! both use it without using each other.

/// A token the driver attaches to a JoinGroup or SyncGroup request, so that it can match a
/// delayed response (from [`crate::group::GroupCoordinator::poll_output`]) to the connection waiting for
/// it. The coordinator never looks inside it.
pub type RequestId = u64;
