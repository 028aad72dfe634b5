//! Who may commit offsets for a group: the generation check.
//!
//! A committed offset says "the group has processed everything before this offset". If a
//! member that was kicked out of the group (it paused longer than `max.poll.interval.ms`,
//! say) could still commit, it would overwrite the progress of the member that now owns
//! the partition. So commits from group members carry their generation and member id, and
//! the coordinator refuses stale ones; the client must rejoin, and the records it processed
//! since its last good commit will be processed again (at-least-once delivery).
//!
//! Commits with generation -1 come from consumers that do not use group management
//! (`assign()` instead of `subscribe()`): they are accepted only while the group is Empty.

use crate::error::KafkaError;
use crate::group::coordinator::GroupCoordinator;
use crate::group::group_metadata::Group;
use crate::group_state::GroupState;
use crate::record::Millis;

impl GroupCoordinator {
    /// May this member commit offsets for `group_id` now? Mirrors Kafka's
    /// `GroupCoordinator.handleCommitOffsets`. On success a group member's session is
    /// refreshed (a commit is as good as a heartbeat); a standalone consumer's commit
    /// creates the group, Empty, if needed.
    pub fn validate_offset_commit(
        &mut self,
        group_id: &str,
        member_id: &str,
        group_instance_id: Option<&str>,
        generation_id: i32,
        now: Millis,
    ) -> Result<(), KafkaError> {
        if group_id.is_empty() {
            return Err(KafkaError::InvalidGroupId);
        }
        let group = match self.groups.get_mut(group_id) {
            Some(group) => group,
            // Not relying on group management: allow it, and remember the group so it
            // shows up in ListGroups with its offsets.
            None if generation_id < 0 => self
                .groups
                .entry(group_id.to_string())
                .or_insert_with(|| Group::new(group_id.to_string())),
            // A generation for a group we do not know: it is from a past life.
            None => return Err(KafkaError::IllegalGeneration),
        };
        if group.is(GroupState::Dead) {
            return Err(KafkaError::CoordinatorNotAvailable);
        }
        if let Some(instance) = group_instance_id {
            if group
                .static_members
                .get(instance)
                .is_some_and(|owner| owner != member_id)
            {
                return Err(KafkaError::FencedInstanceId);
            }
        }
        if generation_id < 0 && group.is(GroupState::Empty) {
            return Ok(());
        }
        if group.is(GroupState::CompletingRebalance) {
            // The new generation has no assignment yet: nobody owns anything.
            return Err(KafkaError::RebalanceInProgress);
        }
        let Some(member) = group.members.get_mut(member_id) else {
            return Err(KafkaError::UnknownMemberId);
        };
        if generation_id != group.generation_id {
            return Err(KafkaError::IllegalGeneration);
        }
        // Stable, or PreparingRebalance with the generation that is ending: a consumer
        // commits what it processed before it gives its partitions up. That is the
        // commit that keeps a rebalance from causing duplicates.
        member.session_deadline = now + Millis::from(member.session_timeout_ms);
        Ok(())
    }
}
