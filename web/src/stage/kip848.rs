//! A consumer-protocol (KIP-848) group on the stage: what the classic picture has no
//! shape for.
//!
//! - The **group epoch** in the coordinator box (a classic group shows its generation).
//! - Each member's **member epoch** on its card: it moves on its own, one member at a time.
//! - Under each member, one chip per partition: **filled** when the member owns it (it
//!   fetches it), **outlined** when the coordinator's target gives it but the member does
//!   not own it yet (its previous owner has not released it), **struck** when the member
//!   still owns it but must give it up (revoke first). A classic rebalance has no such
//!   in-between: everything goes, then everything comes back.
//! - The **heartbeat that carries the assignment**: for a moment after a heartbeat answer
//!   brought a new assignment, an arrow from the coordinator to the member, labelled with
//!   the epoch it gave.

use minikafka::collections::BTreeSet;

use minikafka::client::consumer::ConsumerEvent;
use minikafka::sim::actors::ConsumerActor;
use minikafka::sim::{World, WorldEventKind};

use crate::sim::state::AppState;

/// The consumer-protocol part of a group box.
#[derive(Debug, Clone, PartialEq)]
pub struct Kip848View {
    /// The group epoch: it goes up with every change of membership or subscription.
    pub group_epoch: i32,
    /// Per member, by name.
    pub members: Vec<Kip848Member>,
}

impl Kip848View {
    /// A consumer-protocol member with a target but nothing owned yet is waiting for its
    /// partitions to be released: draw it rebalancing, not on the standby bench. The
    /// simulation and live mode both draw it so.
    pub fn mark_waiting_members(&self, members: &mut [crate::stage::model::StageMember]) {
        use crate::stage::model::MemberKind;
        for m in members
            .iter_mut()
            .filter(|m| m.state == MemberKind::Standby)
        {
            if self
                .members
                .iter()
                .any(|x| x.name == m.name && !x.chips.is_empty())
            {
                m.state = MemberKind::Rebalancing;
            }
        }
    }
}

/// A member as the consumer protocol sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Kip848Member {
    /// Its name (the stage's member card).
    pub name: String,
    /// Its member epoch at the coordinator (-1: not a member).
    pub epoch: i32,
    /// Its partitions: owned, wanted, or to give up.
    pub chips: Vec<Chip>,
    /// A heartbeat answer just carried it a new assignment at this epoch.
    pub carried: Option<i32>,
}

/// One partition under a member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chip {
    /// The partition index.
    pub partition: i32,
    /// Owned, wanted or to give up.
    pub kind: ChipKind,
}

/// How a member stands with one partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChipKind {
    /// Owned and in its target: it reads it (filled).
    Owned,
    /// In its target, not owned yet: waiting for the previous owner (outlined).
    Target,
    /// Owned, not in its target: it must revoke it first (struck).
    Revoke,
}

impl ChipKind {
    /// The CSS class.
    pub fn class(self) -> &'static str {
        match self {
            ChipKind::Owned => "own",
            ChipKind::Target => "want",
            ChipKind::Revoke => "give",
        }
    }
}

/// The chips of a member that owns `owned` and is given `target`, by partition.
pub fn chips(owned: &BTreeSet<i32>, target: &BTreeSet<i32>) -> Vec<Chip> {
    owned
        .union(target)
        .map(|&partition| Chip {
            partition,
            kind: match (owned.contains(&partition), target.contains(&partition)) {
                (true, true) => ChipKind::Owned,
                (false, _) => ChipKind::Target,
                (true, false) => ChipKind::Revoke,
            },
        })
        .collect()
}

/// How long the arrow of a heartbeat that carried an assignment stays (ms).
const CARRY_MS: i64 = 1_500;

/// The consumer-protocol view of `group`, if the broker has it as a consumer-protocol
/// group. `consumers` are the group's applications.
pub fn view_of(state: &AppState, group: &str, consumers: &[&ConsumerActor]) -> Option<Kip848View> {
    let world: &World = state.world();
    let g = world.broker.consumer_groups().group(group)?;
    let now = state.now();
    let members = consumers
        .iter()
        .filter(|c| c.is_live())
        .map(|c| {
            let id = c.consumer.member_id();
            let m = g.members.get(id);
            let owned: BTreeSet<i32> = c
                .consumer
                .assignment()
                .iter()
                .map(|t| t.partition)
                .collect();
            let target: BTreeSet<i32> = g
                .target
                .get(id)
                .filter(|_| m.is_some())
                .map(|a| a.iter().map(|(_, p)| p).collect())
                .unwrap_or_default();
            let name = c.spec.name.as_str();
            let carried = state
                .log
                .iter()
                .rev()
                .take_while(|e| now - e.at <= CARRY_MS)
                .find_map(|e| match &e.kind {
                    WorldEventKind::Consumer {
                        name: n,
                        event: ConsumerEvent::AssignmentReceived { member_epoch, .. },
                    } if n == name => Some(*member_epoch),
                    _ => None,
                });
            Kip848Member {
                name: name.to_string(),
                epoch: m.map_or(-1, |m| m.member_epoch),
                chips: chips(&owned, &target),
                carried,
            }
        })
        .collect();
    Some(Kip848View {
        group_epoch: g.group_epoch,
        members,
    })
}
