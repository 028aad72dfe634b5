//! Groups across a restart: what the coordinator writes to `__consumer_offsets`, and how it
//! loads a group back.
//!
//! Kafka's coordinator keeps its groups in memory, but every time a generation settles
//! (the leader's SyncGroup made the group `Stable`, or the last member left and it is
//! `Empty`) it appends the group's metadata to `__consumer_offsets`. A coordinator that
//! loads the partition (after a restart or a failover) rebuilds each group from its last
//! record, in that generation, and restarts every member's session timer from the load
//! time: the members keep heartbeating in the same generation and nobody rebalances. A
//! member that died meanwhile never heartbeats again and is removed after its session
//! timeout, which starts the rebalance it would have caused anyway.
//!
//! The coordinator does no I/O: [`GroupCoordinator::group_record`] gives the record to
//! write and [`GroupCoordinator::load_group`] takes one back; the broker stores them in
//! its offsets log.

use crate::group::api::JoinProtocol;
use crate::group::coordinator::GroupCoordinator;
use crate::group::group_metadata::Group;
use crate::group::member::MemberMetadata;
use crate::group_state::GroupState;
use crate::offsets::{GroupMetadataRecord, StoredMember};
use crate::record::Millis;

impl GroupCoordinator {
    /// The record Kafka would write for this group now: its settled generation, if it is
    /// `Stable` (every member has its assignment) or `Empty`. `None` in between (a
    /// rebalance in progress is not stored; a restart resumes the last settled
    /// generation) and for a group the coordinator does not know.
    pub fn group_record(&self, group_id: &str, now: Millis) -> Option<GroupMetadataRecord> {
        let group = self.groups.get(group_id)?;
        if !matches!(group.state, GroupState::Stable | GroupState::Empty) {
            return None;
        }
        let protocol = group.protocol_name.clone();
        let mut members: Vec<&MemberMetadata> = group.members.values().collect();
        members.sort_by_key(|m| m.join_seq);
        Some(GroupMetadataRecord {
            group_id: group.group_id.clone(),
            protocol_type: group.protocol_type.clone().unwrap_or_default(),
            generation: group.generation_id,
            protocol: protocol.clone(),
            leader: group.leader_id.clone(),
            state_timestamp: now,
            members: members
                .into_iter()
                .map(|m| StoredMember {
                    member_id: m.member_id.clone(),
                    group_instance_id: m.group_instance_id.clone(),
                    client_id: m.client_id.clone(),
                    client_host: m.client_host.clone(),
                    rebalance_timeout_ms: m.rebalance_timeout_ms,
                    session_timeout_ms: m.session_timeout_ms,
                    subscription: protocol
                        .as_deref()
                        .and_then(|p| m.metadata_for(p))
                        .cloned()
                        .unwrap_or_default(),
                    assignment: m.assignment.clone(),
                })
                .collect(),
        })
    }

    /// Rebuild a group from its last stored generation, as Kafka's coordinator does when it
    /// loads `__consumer_offsets`: `Stable` with its members and their assignments (or
    /// `Empty` if it had none), static members mapped to their member ids again, and
    /// every session restarted at `now`, so a member has its whole session timeout to
    /// heartbeat again. Replaces any group of that id the coordinator has.
    pub fn load_group(&mut self, record: &GroupMetadataRecord, now: Millis) {
        let mut group = Group::new(record.group_id.clone());
        group.generation_id = record.generation;
        group.protocol_type =
            (!record.protocol_type.is_empty()).then(|| record.protocol_type.clone());
        for (seq, stored) in (0u64..).zip(&record.members) {
            // Only the chosen protocol's metadata is stored (Kafka stores the same): a
            // member that rejoins sends its full list again.
            let protocols = record
                .protocol
                .iter()
                .map(|name| JoinProtocol {
                    name: name.clone(),
                    metadata: stored.subscription.clone(),
                })
                .collect();
            if let Some(instance) = &stored.group_instance_id {
                group
                    .static_members
                    .insert(instance.clone(), stored.member_id.clone());
            }
            group.members.insert(
                stored.member_id.clone(),
                MemberMetadata {
                    member_id: stored.member_id.clone(),
                    group_instance_id: stored.group_instance_id.clone(),
                    client_id: stored.client_id.clone(),
                    client_host: stored.client_host.clone(),
                    session_timeout_ms: stored.session_timeout_ms,
                    rebalance_timeout_ms: stored.rebalance_timeout_ms,
                    protocols,
                    assignment: stored.assignment.clone(),
                    join_seq: seq,
                    awaiting_join: None,
                    awaiting_sync: None,
                    session_deadline: now + Millis::from(stored.session_timeout_ms),
                },
            );
            group.next_join_seq = seq + 1;
        }
        if !group.members.is_empty() {
            group.state = GroupState::Stable;
            group.protocol_name = record.protocol.clone();
            group.leader_id = record
                .leader
                .clone()
                .filter(|l| group.members.contains_key(l))
                .or_else(|| group.first_member().map(str::to_string));
        }
        self.groups.insert(record.group_id.clone(), group);
    }
}
