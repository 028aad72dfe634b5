//! DescribeGroups, ListGroups and DeleteGroups: looking at groups from the outside, as
//! `kafka-consumer-groups.sh` does.

use crate::error::KafkaError;
use crate::event::Event;
use crate::group::api::{DescribedMember, GroupDescription, GroupListing};
use crate::group::coordinator::{member_assignment, transition, GroupCoordinator};
use crate::group_state::GroupState;
use crate::record::Millis;

impl GroupCoordinator {
    /// DescribeGroups for one group. An unknown group is described as `Dead` with no
    /// members, as Kafka does.
    pub fn describe_group(&self, group_id: &str) -> GroupDescription {
        let Some(group) = self.groups.get(group_id) else {
            return GroupDescription {
                error: if group_id.is_empty() {
                    Some(KafkaError::InvalidGroupId)
                } else {
                    None
                },
                group_id: group_id.to_string(),
                state: GroupState::Dead,
                protocol_type: String::new(),
                protocol: String::new(),
                generation_id: -1,
                leader: None,
                members: Vec::new(),
            };
        };
        // Kafka shows the selected protocol only once a generation has formed.
        let settled = matches!(
            group.state,
            GroupState::Stable | GroupState::CompletingRebalance
        );
        let protocol = group.protocol_name.clone().unwrap_or_default();
        let members = group
            .members
            .values()
            .map(|m| DescribedMember {
                member_id: m.member_id.clone(),
                group_instance_id: m.group_instance_id.clone(),
                client_id: m.client_id.clone(),
                client_host: m.client_host.clone(),
                metadata: m.metadata_for(&protocol).cloned().unwrap_or_default(),
                assignment: m.assignment.clone(),
                decoded: member_assignment(group, m),
            })
            .collect();
        GroupDescription {
            error: None,
            group_id: group.group_id.clone(),
            state: group.state,
            protocol_type: group.protocol_type.clone().unwrap_or_default(),
            protocol: if settled { protocol } else { String::new() },
            generation_id: group.generation_id,
            leader: group.leader_id.clone(),
            members,
        }
    }

    /// ListGroups, optionally only groups in `states` (empty: all).
    pub fn list_groups(&self, states: &[GroupState]) -> Vec<GroupListing> {
        self.groups
            .values()
            .filter(|g| states.is_empty() || states.contains(&g.state))
            .map(|g| GroupListing {
                group_id: g.group_id.clone(),
                protocol_type: g.protocol_type.clone().unwrap_or_default(),
                state: g.state,
            })
            .collect()
    }

    /// DeleteGroups for one group: only an Empty group can be deleted (its committed
    /// offsets go with it; the broker deletes those). A group with members answers
    /// `NON_EMPTY_GROUP`.
    pub fn delete_group(&mut self, group_id: &str, now: Millis) -> Result<(), KafkaError> {
        let Self { groups, sinks, .. } = self;
        let group = groups
            .get_mut(group_id)
            .ok_or(KafkaError::GroupIdNotFound)?;
        match group.state {
            GroupState::Dead => return Err(KafkaError::GroupIdNotFound),
            GroupState::Empty => {}
            _ => return Err(KafkaError::NonEmptyGroup),
        }
        transition(group, GroupState::Dead, now, sinks);
        groups.remove(group_id);
        sinks.event(Event::GroupDeleted {
            at: now,
            group: group_id.to_string(),
        });
        Ok(())
    }
}
