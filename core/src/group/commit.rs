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

impl GroupCoordinator {
    /// May a transactional producer stage offsets for `group_id` (TxnOffsetCommit)? Mirrors
    /// Kafka's `validateOffsetCommit` with `isTransactional`, which differs from a plain
    /// commit in one way: a request without member information (generation -1, no member
    /// id, as TxnOffsetCommit v0..v2 always sends) is accepted even while the group has
    /// members, because such a producer cannot say who it is.
    ///
    /// With v3 (KIP-447) the producer sends the consumer's generation and member id from
    /// `consumer_group_metadata()`, and a zombie whose consumer was kicked out of the group
    /// is fenced here with `ILLEGAL_GENERATION` or `UNKNOWN_MEMBER_ID`: its offsets would
    /// otherwise overwrite the progress of the member that owns the partition now.
    pub fn validate_txn_offset_commit(
        &mut self,
        group_id: &str,
        member_id: &str,
        group_instance_id: Option<&str>,
        generation_id: i32,
    ) -> Result<(), KafkaError> {
        if group_id.is_empty() {
            return Err(KafkaError::InvalidGroupId);
        }
        let identified = generation_id >= 0 || !member_id.is_empty() || group_instance_id.is_some();
        let group = match self.groups.get_mut(group_id) {
            Some(group) => group,
            None if !identified => self
                .groups
                .entry(group_id.to_string())
                .or_insert_with(|| Group::new(group_id.to_string())),
            // A member of a group that does not exist (any more) is no member.
            None => return Err(KafkaError::UnknownMemberId),
        };
        if group.is(GroupState::Dead) {
            return Err(KafkaError::CoordinatorNotAvailable);
        }
        if !identified {
            return Ok(());
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
        if !group.members.contains_key(member_id) {
            return Err(KafkaError::UnknownMemberId);
        }
        if generation_id != group.generation_id {
            return Err(KafkaError::IllegalGeneration);
        }
        Ok(())
    }
}
