//! The two timers of the consumer protocol, driven by the caller's clock.
//!
//! - **Session timeout** (`group.consumer.session.timeout.ms`, set by the broker): a member
//!   that has not heartbeated for that long is gone. It is removed and the group epoch
//!   bumps, so its partitions go to the others at their next heartbeats. A static member
//!   that left with epoch -2 is removed the same way if it does not come back in time.
//! - **Rebalance timeout** (the member's `max.poll.interval.ms`): a member asked to revoke
//!   partitions must confirm within that time. One that does not (stuck in a long
//!   `poll()` loop, say) is *fenced*: removed, so that the partitions it is sitting on can
//!   move. Its next heartbeat gets `UNKNOWN_MEMBER_ID` / `FENCED_MEMBER_EPOCH` and it
//!   joins again from scratch.

use crate::event::RemovalReason;
use crate::group::modern::coordinator::ConsumerGroupCoordinator;
use crate::record::Millis;

impl ConsumerGroupCoordinator {
    /// When [`ConsumerGroupCoordinator::handle_timeout`] next has work to do.
    pub fn poll_timeout(&self) -> Option<Millis> {
        self.groups
            .values()
            .flat_map(|g| g.members.values())
            .flat_map(|m| std::iter::once(m.session_deadline).chain(m.rebalance_deadline))
            .min()
    }

    /// Expire sessions and revocations due at `now`.
    pub fn handle_timeout(&mut self, now: Millis) {
        let mut expired = Vec::new();
        for group in self.groups.values() {
            for m in group.members.values() {
                if m.session_deadline <= now {
                    expired.push((
                        group.group_id.clone(),
                        m.member_id.clone(),
                        RemovalReason::SessionTimeout,
                    ));
                } else if m.rebalance_deadline.is_some_and(|d| d <= now) {
                    expired.push((
                        group.group_id.clone(),
                        m.member_id.clone(),
                        RemovalReason::RebalanceTimeout,
                    ));
                }
            }
        }
        for (group_id, member_id, reason) in expired {
            self.remove_member(&group_id, &member_id, reason, now);
        }
    }
}
