//! Who may commit offsets for a consumer-protocol group: the member epoch check.
//!
//! The classic protocol checks the *generation*; here every member has its own epoch, so
//! OffsetCommit v9+ carries the member epoch in `generationIdOrMemberEpoch`. A commit from
//! a member whose epoch is behind the coordinator's is `STALE_MEMBER_EPOCH`: it has not
//! caught up with its new assignment yet and may be committing for a partition that is
//! no longer its own (the client retries after its next heartbeat). One from an epoch the
//! coordinator never gave is `FENCED_MEMBER_EPOCH`.

use crate::error::KafkaError;
use crate::group::modern::coordinator::ConsumerGroupCoordinator;
use crate::record::Millis;

impl ConsumerGroupCoordinator {
    /// May `member_id` at `member_epoch` commit for `group_id`? Kafka's
    /// `ConsumerGroup.validateOffsetCommit`. A commit from outside the group (empty member
    /// id, epoch -1) is accepted only while the group has no members. A good commit also
    /// counts as a sign of life.
    pub fn validate_offset_commit(
        &mut self,
        group_id: &str,
        member_id: &str,
        member_epoch: i32,
        now: Millis,
    ) -> Result<(), KafkaError> {
        let session = Millis::from(self.config.session_timeout_ms);
        let Some(group) = self.groups.get_mut(group_id) else {
            return Err(KafkaError::GroupIdNotFound);
        };
        if member_epoch < 0 && member_id.is_empty() && group.members.is_empty() {
            return Ok(());
        }
        let Some(member) = group.members.get_mut(member_id) else {
            return Err(KafkaError::UnknownMemberId);
        };
        if member_epoch > member.member_epoch {
            return Err(KafkaError::FencedMemberEpoch);
        }
        if member_epoch < member.member_epoch {
            return Err(KafkaError::StaleMemberEpoch);
        }
        member.session_deadline = now + session;
        Ok(())
    }
}
