//! Consumer-protocol groups across a restart.
//!
//! Kafka writes a consumer group as many small records in `__consumer_offsets` (the group
//! epoch, each member's subscription, the target assignment, each member's current
//! assignment and epoch), each under its own key, so that one heartbeat writes only what
//! it changed. minikafka keeps the idea but not the layout: after a call that changed a
//! group, the broker writes the *whole* group as one record (key version 3, like Kafka's
//! `ConsumerGroupMetadataKey`; value: this struct as JSON), and a tombstone when the group
//! is deleted.
//!
//! What is stored is everything: the group and target assignment epochs, the target
//! assignment, and every member with its epoch, state and assignment. So after a restart
//! the members keep heartbeating at their epochs, nobody is fenced, and nobody loses a
//! partition. Each member's session (and revocation deadline) restarts at the load time,
//! as the classic groups do: a member that died meanwhile is removed after its session
//! timeout.

use serde::{Deserialize, Serialize};

use crate::group::modern::coordinator::ConsumerGroupCoordinator;
use crate::group::modern::group::ConsumerGroup;
use crate::record::Millis;

/// A consumer group as written to the offsets log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredConsumerGroup {
    /// The group, as the coordinator had it (deadlines are reset at load).
    pub group: ConsumerGroup,
}

impl StoredConsumerGroup {
    /// The record value.
    pub fn encode(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("a consumer group always serializes")
    }

    /// From a record value.
    pub fn decode(bytes: &[u8]) -> Result<StoredConsumerGroup, serde_json::Error> {
        serde_json::from_slice(bytes)
    }
}

impl ConsumerGroupCoordinator {
    /// What to write for `group_id` now; `None` if there is no such group.
    pub fn stored_group(&self, group_id: &str) -> Option<StoredConsumerGroup> {
        self.groups
            .get(group_id)
            .map(|g| StoredConsumerGroup { group: g.clone() })
    }

    /// Load a stored group, restarting every member's session (and revocation deadline,
    /// if it was revoking) at `now`.
    pub fn load_group(&mut self, stored: StoredConsumerGroup, now: Millis) {
        let mut group = stored.group;
        let session = Millis::from(self.config.session_timeout_ms);
        for m in group.members.values_mut() {
            m.session_deadline = now + session;
            if m.rebalance_deadline.is_some() {
                m.rebalance_deadline = Some(now + Millis::from(m.rebalance_timeout_ms));
            }
        }
        self.groups.insert(group.group_id.clone(), group);
    }
}
