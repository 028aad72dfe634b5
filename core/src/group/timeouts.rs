//! Time: session expiry, the rebalance timeout, the initial rebalance delay, the sync
//! timeout and forgotten pending member ids.
//!
//! The coordinator owns no clock. [`GroupCoordinator::poll_timeout`] says when the next
//! deadline falls; the driver calls [`GroupCoordinator::handle_timeout`] at (or after)
//! that time. Tests move time by whole minutes in microseconds.

use crate::event::{RebalanceReason, RemovalReason};
use crate::group::coordinator::{
    complete_join, prepare_rebalance, rebalance_after_removal, remove_member, try_complete_join,
    GroupCoordinator, Sinks,
};
use crate::group::group_metadata::{Group, JoinWait};
use crate::group::CoordinatorConfig;
use crate::group_state::GroupState;
use crate::record::Millis;

impl GroupCoordinator {
    /// The earliest time at which [`GroupCoordinator::handle_timeout`] has work to do, if
    /// any.
    pub fn poll_timeout(&self) -> Option<Millis> {
        self.groups.values().filter_map(next_deadline).min()
    }

    /// Fire every deadline that is due at `now`.
    pub fn handle_timeout(&mut self, now: Millis) {
        let Self {
            config,
            groups,
            sinks,
            ..
        } = self;
        for group in groups.values_mut() {
            // One expiry can make another due (a removal completes a join whose sync
            // deadline is then set in the future), so repeat until nothing is due; each
            // round removes a member or moves a deadline forward, so this ends.
            let mut rounds = group.members.len() + group.pending_members.len() + 8;
            while rounds > 0 && next_deadline(group).is_some_and(|d| d <= now) {
                fire_due(group, now, config, sinks);
                rounds -= 1;
            }
        }
    }
}

/// The next deadline of one group.
fn next_deadline(group: &Group) -> Option<Millis> {
    let sessions = group
        .members
        .values()
        .filter(|m| !m.is_kept_alive())
        .map(|m| m.session_deadline);
    let pending = group.pending_members.values().copied();
    let join = group.join_wait.map(|w| match w {
        JoinWait::Normal { deadline } | JoinWait::Initial { deadline, .. } => deadline,
    });
    let sync = group
        .sync_deadline
        .filter(|_| !group.pending_sync.is_empty());
    sessions.chain(pending).chain(join).chain(sync).min()
}

fn fire_due(group: &mut Group, now: Millis, config: &CoordinatorConfig, sinks: &mut Sinks) {
    // Member ids handed out with MEMBER_ID_REQUIRED that never came back.
    let before = group.pending_members.len();
    group.pending_members.retain(|_, deadline| *deadline > now);
    if group.pending_members.len() != before {
        try_complete_join(group, now, sinks);
    }

    // The join phase ran out of time (or the initial delay ended).
    match group.join_wait {
        Some(JoinWait::Initial {
            deadline,
            remaining,
            new_member_added,
        }) if deadline <= now => {
            if new_member_added && remaining > 0 {
                // Members are still arriving: wait a little more, within the rebalance
                // timeout. Counted from the deadline, not from `now`, so a driver that
                // calls late gets the same outcome as a punctual one.
                let delay = config.group_initial_rebalance_delay_ms.min(remaining);
                group.join_wait = Some(JoinWait::Initial {
                    deadline: deadline + delay,
                    remaining: remaining - delay,
                    new_member_added: false,
                });
            } else {
                complete_join(group, now, sinks);
            }
        }
        Some(JoinWait::Normal { deadline }) if deadline <= now => complete_join(group, now, sinks),
        _ => {}
    }

    // Members that got a generation but never asked for their assignment.
    if let Some(deadline) = group.sync_deadline {
        if deadline <= now && !group.pending_sync.is_empty() {
            let late: Vec<String> = group.pending_sync.iter().cloned().collect();
            group.sync_deadline = None;
            for member_id in &late {
                remove_member(group, member_id, RemovalReason::SyncTimeout, now, sinks);
            }
            group.pending_sync.clear();
            if matches!(
                group.state,
                GroupState::Stable | GroupState::CompletingRebalance
            ) {
                prepare_rebalance(
                    group,
                    RebalanceReason::SyncTimeout { member_ids: late },
                    now,
                    config,
                    sinks,
                );
                try_complete_join(group, now, sinks);
            }
        }
    }

    // Members whose session expired: no heartbeat for session.timeout.ms.
    let expired: Vec<String> = group
        .members
        .values()
        .filter(|m| !m.is_kept_alive() && m.session_deadline <= now)
        .map(|m| m.member_id.clone())
        .collect();
    for member_id in expired {
        remove_member(group, &member_id, RemovalReason::SessionTimeout, now, sinks);
        rebalance_after_removal(
            group,
            RebalanceReason::SessionTimeout { member_id },
            now,
            config,
            sinks,
        );
    }
}
