//! One group's state (Kafka's `GroupMetadata`): its members, generation and protocol.

use crate::collections::{BTreeMap, BTreeSet};

use crate::group::member::MemberMetadata;
use crate::group_state::GroupState;
use crate::record::Millis;
use crate::sort::set_of;

/// How the coordinator waits for members to join during `PreparingRebalance`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JoinWait {
    /// The usual case: complete as soon as every member joined, or at `deadline` (the
    /// rebalance timeout), removing whoever did not make it.
    Normal {
        /// `now + max(rebalance.timeout.ms)` when the rebalance started.
        deadline: Millis,
    },
    /// The group was empty: wait `group.initial.rebalance.delay.ms` at least, and again as
    /// long as new members keep arriving, without exceeding the rebalance timeout.
    Initial {
        /// When the current delay ends.
        deadline: Millis,
        /// What is left of the rebalance timeout after this delay.
        remaining: Millis,
        /// Did a new member join during the current delay?
        new_member_added: bool,
    },
}

/// A group as the coordinator keeps it.
#[derive(Debug, Clone)]
pub(crate) struct Group {
    pub group_id: String,
    pub state: GroupState,
    /// Bumped every time a join phase completes. Requests carrying another generation are
    /// from a member that missed a rebalance (`ILLEGAL_GENERATION`).
    pub generation_id: i32,
    /// `consumer` for consumer groups; `None` until the first member joins.
    pub protocol_type: Option<String>,
    /// The protocol chosen for the current generation.
    pub protocol_name: Option<String>,
    pub leader_id: Option<String>,
    /// Members by member id. A `BTreeMap` so every iteration is deterministic.
    pub members: BTreeMap<String, MemberMetadata>,
    /// `group.instance.id` -> member id, for static members.
    pub static_members: BTreeMap<String, String>,
    /// Member ids handed out with `MEMBER_ID_REQUIRED` that have not joined with them yet,
    /// with the time they are forgotten (their session timeout).
    pub pending_members: BTreeMap<String, Millis>,
    /// Members that must still send SyncGroup for the current generation.
    pub pending_sync: BTreeSet<String>,
    /// When members still in `pending_sync` are removed.
    pub sync_deadline: Option<Millis>,
    /// Set while `PreparingRebalance`.
    pub join_wait: Option<JoinWait>,
    /// Next `join_seq` for a member.
    pub next_join_seq: u64,
}

impl Group {
    pub fn new(group_id: String) -> Group {
        Group {
            group_id,
            state: GroupState::Empty,
            generation_id: 0,
            protocol_type: None,
            protocol_name: None,
            leader_id: None,
            members: BTreeMap::new(),
            static_members: BTreeMap::new(),
            pending_members: BTreeMap::new(),
            pending_sync: BTreeSet::new(),
            sync_deadline: None,
            join_wait: None,
            next_join_seq: 0,
        }
    }

    pub fn is(&self, state: GroupState) -> bool {
        self.state == state
    }

    pub fn is_leader(&self, member_id: &str) -> bool {
        self.leader_id.as_deref() == Some(member_id)
    }

    /// Is `member_id` a member, and not a fenced instance? A static member's id is
    /// replaced when a new process with the same `group.instance.id` joins; the old
    /// process is then a *zombie* and is told so with `FENCED_INSTANCE_ID`.
    pub fn validate_member(
        &self,
        member_id: &str,
        group_instance_id: Option<&str>,
    ) -> Result<(), crate::error::KafkaError> {
        if let Some(instance) = group_instance_id {
            if let Some(owner) = self.static_members.get(instance) {
                if owner != member_id {
                    return Err(crate::error::KafkaError::FencedInstanceId);
                }
            }
        }
        if self.members.contains_key(member_id) {
            Ok(())
        } else {
            Err(crate::error::KafkaError::UnknownMemberId)
        }
    }

    /// The protocols every member supports; a joining member must share at least one.
    pub fn candidate_protocols(&self) -> BTreeSet<&str> {
        let mut members = self.members.values();
        let Some(first) = members.next() else {
            return BTreeSet::new();
        };
        let mut candidates: BTreeSet<&str> =
            set_of(first.protocols.iter().map(|p| p.name.as_str()));
        for member in members {
            candidates.retain(|name| member.supports(name));
        }
        candidates
    }

    /// Can a member with these protocols join? Same protocol type, and at least one
    /// protocol in common with everybody already in the group.
    pub fn supports_protocols(&self, protocol_type: &str, protocols: &[String]) -> bool {
        if protocol_type.is_empty() || protocols.is_empty() {
            return false;
        }
        if self.members.is_empty() {
            return true;
        }
        self.protocol_type.as_deref() == Some(protocol_type)
            && protocols
                .iter()
                .any(|p| self.candidate_protocols().contains(p.as_str()))
    }

    /// Kafka's protocol selection: among the protocols all members support, each member
    /// votes for the first one in its own preference list; most votes wins. Ties go to the
    /// name that sorts first, so the choice is deterministic.
    pub fn select_protocol(&self) -> Option<String> {
        let candidates = self.candidate_protocols();
        let mut votes: BTreeMap<&str, usize> = BTreeMap::new();
        for member in self.members.values() {
            if let Some(vote) = member
                .protocols
                .iter()
                .find(|p| candidates.contains(p.name.as_str()))
            {
                *votes.entry(vote.name.as_str()).or_default() += 1;
            }
        }
        let best = votes.values().copied().max()?;
        votes
            .into_iter()
            .find(|(_, count)| *count == best)
            .map(|(name, _)| name.to_string())
    }

    /// The join phase may complete once every member has a JoinGroup parked here and no
    /// member id handed out with `MEMBER_ID_REQUIRED` is still expected.
    pub fn has_all_members_joined(&self) -> bool {
        self.pending_members.is_empty() && self.members.values().all(|m| m.awaiting_join.is_some())
    }

    /// The longest rebalance timeout among members: how long a rebalance may take.
    pub fn rebalance_timeout_ms(&self) -> Millis {
        self.members
            .values()
            .map(|m| Millis::from(m.rebalance_timeout_ms))
            .max()
            .unwrap_or(0)
    }

    /// The member with the lowest join sequence: the leader when the old one is gone.
    pub fn first_member(&self) -> Option<&str> {
        self.members
            .values()
            .min_by_key(|m| m.join_seq)
            .map(|m| m.member_id.as_str())
    }
}
