//! ConsumerGroupDescribe and the listing of consumer-protocol groups.

use crate::error::KafkaError;
use crate::group::modern::api::{ConsumerGroupDescription, DescribedConsumerMember};
use crate::group::modern::coordinator::ConsumerGroupCoordinator;
use crate::group::modern::group::ConsumerGroupState;

impl ConsumerGroupCoordinator {
    /// ConsumerGroupDescribe for one group: `GROUP_ID_NOT_FOUND` if this coordinator has
    /// no consumer-protocol group of that id (a classic group included, as in Kafka).
    pub fn describe(&self, group_id: &str) -> ConsumerGroupDescription {
        let Some(group) = self.groups.get(group_id) else {
            return ConsumerGroupDescription {
                error: Some(KafkaError::GroupIdNotFound),
                group_id: group_id.to_string(),
                state: ConsumerGroupState::Dead,
                group_epoch: -1,
                assignment_epoch: -1,
                assignor: String::new(),
                members: Vec::new(),
            };
        };
        ConsumerGroupDescription {
            error: None,
            group_id: group_id.to_string(),
            state: group.state(),
            group_epoch: group.group_epoch,
            assignment_epoch: group.assignment_epoch,
            assignor: group.assignor.clone(),
            members: group
                .members
                .values()
                .map(|m| DescribedConsumerMember {
                    member_id: m.member_id.clone(),
                    instance_id: m.instance_id.clone(),
                    rack_id: m.rack_id.clone(),
                    member_epoch: m.member_epoch,
                    state: m.state,
                    client_id: m.client_id.clone(),
                    client_host: m.client_host.clone(),
                    subscribed_topics: m.subscribed_topics.clone(),
                    subscribed_regex: m.subscribed_regex.clone(),
                    assignment: m.assigned.clone(),
                    target_assignment: group.target.get(&m.member_id).cloned().unwrap_or_default(),
                })
                .collect(),
        }
    }

    /// Every group with its state, for ListGroups.
    pub fn list(&self) -> Vec<(String, ConsumerGroupState)> {
        self.groups
            .values()
            .map(|g| (g.group_id.clone(), g.state()))
            .collect()
    }
}
