//! Reconciliation: how one member moves from what it holds to its target assignment
//! (Kafka's `CurrentAssignmentBuilder`).
//!
//! The target assignment can take partitions from a member and give them to another. If
//! the coordinator simply told both at once, for a moment both would read (and commit) the
//! same partition. So a move happens in two steps, each confirmed by the members' own
//! heartbeats:
//!
//! 1. The member that loses partitions is told its new, smaller assignment and stays at
//!    its old epoch, in `UNREVOKED_PARTITIONS`. It commits its offsets, stops reading, and
//!    says so in its next heartbeat (its `topic_partitions` no longer list them). Only then
//!    does it move to the new epoch.
//! 2. The member that gains them moves to the new epoch at once, but while another member
//!    still holds a partition it waits in `UNRELEASED_PARTITIONS` without it. It gets it at
//!    a heartbeat after the release.
//!
//! Members that neither lose nor wait (most of them, in a big group) move to the new epoch
//! with their next heartbeat and never stop reading: no stop-the-world rebalance.

use crate::group::modern::assignment::Assignment;
use crate::group::modern::group::{ConsumerGroup, ConsumerMember, MemberState};

/// Advance `member` toward `target` (its part of the target assignment at
/// `target_epoch`). `owned` is the `topic_partitions` of the heartbeat, if it carried them
/// (`None`: the client did not say, so it is assumed to still own what it was given).
/// `group` is read to see which partitions other members still hold. Returns the updated
/// member; the caller stores it.
pub fn reconcile(
    group: &ConsumerGroup,
    member: &ConsumerMember,
    target: &Assignment,
    target_epoch: i32,
    owned: Option<&Assignment>,
) -> ConsumerMember {
    match member.state {
        MemberState::Stable | MemberState::UnreleasedPartitions => {
            if member.state == MemberState::Stable
                && member.member_epoch == target_epoch
                && member.assigned == *target
            {
                return member.clone();
            }
            next_assignment(group, member, target, target_epoch, owned)
        }
        MemberState::UnrevokedPartitions => {
            // Still owns something it must give up: nothing moves until it confirms.
            let still_owns = match owned {
                None => true,
                Some(owned) => !owned.intersect(&member.pending_revocation).is_empty(),
            };
            if still_owns {
                return member.clone();
            }
            let mut released = member.clone();
            released.pending_revocation = Assignment::new();
            next_assignment(group, &released, target, target_epoch, owned)
        }
    }
}

/// Kafka's `computeNextAssignment`: what to keep, what to revoke, what can be given now.
fn next_assignment(
    group: &ConsumerGroup,
    member: &ConsumerMember,
    target: &Assignment,
    target_epoch: i32,
    owned: Option<&Assignment>,
) -> ConsumerMember {
    let keep = member.assigned.intersect(target);
    let revoke = member.assigned.minus(target);
    let wanted = target.minus(&member.assigned);
    let mut free = Assignment::new();
    let mut unreleased = Assignment::new();
    for (t, p) in wanted.iter() {
        if group.held_by_other(&member.member_id, t, p) {
            unreleased.insert(t, p);
        } else {
            free.insert(t, p);
        }
    }
    let owns_revoked = match owned {
        None => !revoke.is_empty(),
        Some(owned) => !owned.intersect(&revoke).is_empty(),
    };
    let mut next = member.clone();
    if !revoke.is_empty() && owns_revoked {
        // Step 1: give up first. The epoch stays; the member is told only what it keeps.
        next.state = MemberState::UnrevokedPartitions;
        next.assigned = keep;
        next.pending_revocation = revoke;
    } else {
        if next.member_epoch != target_epoch {
            next.previous_member_epoch = next.member_epoch;
            next.member_epoch = target_epoch;
        }
        next.assigned = keep.union(&free);
        next.pending_revocation = Assignment::new();
        next.state = if unreleased.is_empty() {
            MemberState::Stable
        } else {
            MemberState::UnreleasedPartitions
        };
    }
    next
}
