//! Heartbeat: "I am alive". Also the coordinator's way to say "rebalance now".
//!
//! The coordinator cannot call a client; it can only answer. So while a rebalance is being
//! prepared, every heartbeat is answered `REBALANCE_IN_PROGRESS`, and that is how members
//! learn that they must send JoinGroup again. A member that stops heartbeating for its
//! `session.timeout.ms` is removed (see `timeouts.rs`).

use crate::error::KafkaError;
use crate::event::Event;
use crate::group::api::HeartbeatRequest;
use crate::group::coordinator::GroupCoordinator;
use crate::group_state::GroupState;
use crate::record::Millis;

impl GroupCoordinator {
    /// Handle a Heartbeat. `Ok(())` is Kafka's `NONE`.
    pub fn heartbeat(&mut self, req: HeartbeatRequest, now: Millis) -> Result<(), KafkaError> {
        let result = self.heartbeat_inner(&req, now);
        if self.groups.contains_key(&req.group_id) {
            self.sinks.event(Event::Heartbeat {
                at: now,
                group: req.group_id.clone(),
                member_id: req.member_id.clone(),
                error: result.err(),
            });
        }
        result
    }

    fn heartbeat_inner(&mut self, req: &HeartbeatRequest, now: Millis) -> Result<(), KafkaError> {
        let group = self
            .groups
            .get_mut(&req.group_id)
            .ok_or(KafkaError::UnknownMemberId)?;
        match group.state {
            GroupState::Dead => return Err(KafkaError::CoordinatorNotAvailable),
            GroupState::Empty => return Err(KafkaError::UnknownMemberId),
            _ => {}
        }
        group.validate_member(&req.member_id, req.group_instance_id.as_deref())?;
        if req.generation_id != group.generation_id {
            return Err(KafkaError::IllegalGeneration);
        }
        let member = group
            .members
            .get_mut(&req.member_id)
            .ok_or(KafkaError::UnknownMemberId)?;
        member.session_deadline = now + Millis::from(member.session_timeout_ms);
        match group.state {
            GroupState::PreparingRebalance => Err(KafkaError::RebalanceInProgress),
            // A member that got its JoinGroup answer heartbeats while the leader computes
            // the assignment: that is fine.
            _ => Ok(()),
        }
    }
}
