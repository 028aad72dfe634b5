//! Who may commit and fetch offsets for a consumer-protocol group: the member epoch check.
//!
//! The classic protocol checks the *generation*; here every member has its own epoch, so
//! OffsetCommit v9+ carries the member epoch in `generationIdOrMemberEpoch`, and
//! OffsetFetch v9+ carries `member_id` and `member_epoch`. A request from a member whose
//! epoch is not the coordinator's is `STALE_MEMBER_EPOCH`: it has not caught up with its
//! new assignment yet and may be committing for (or resuming from) a partition that is no
//! longer its own. The client retries after its next heartbeat, which brings the epoch.
//! Kafka answers STALE for an epoch ahead of the coordinator's too (its
//! `ConsumerGroup.validateMemberEpoch` compares with `!=`); FENCED_MEMBER_EPOCH belongs to
//! the heartbeat alone.

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
        if member_epoch != member.member_epoch {
            return Err(KafkaError::StaleMemberEpoch);
        }
        member.session_deadline = now + session;
        Ok(())
    }

    /// May `member_id` at `member_epoch` read the committed offsets of `group_id`? Kafka's
    /// `ConsumerGroup.validateOffsetFetch`. No member id and a negative epoch is a fetch
    /// from outside the group (an admin tool, OffsetFetch before v9, or a client that
    /// sends neither: librdkafka 2.12 does so even in this protocol): always allowed.
    /// Otherwise the member must exist (`UNKNOWN_MEMBER_ID`) at exactly this epoch
    /// (`STALE_MEMBER_EPOCH`), so a member that is behind does not resume from offsets of
    /// partitions it is about to lose. A group this coordinator does not know is no
    /// consumer-protocol group: nothing to check here.
    pub fn validate_offset_fetch(
        &self,
        group_id: &str,
        member_id: Option<&str>,
        member_epoch: i32,
    ) -> Result<(), KafkaError> {
        if member_id.is_none() && member_epoch < 0 {
            return Ok(());
        }
        let Some(group) = self.groups.get(group_id) else {
            return Ok(());
        };
        let member = member_id
            .and_then(|id| group.members.get(id))
            .ok_or(KafkaError::UnknownMemberId)?;
        if member_epoch != member.member_epoch {
            return Err(KafkaError::StaleMemberEpoch);
        }
        Ok(())
    }
}
