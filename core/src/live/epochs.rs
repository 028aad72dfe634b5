//! A consumer-protocol (KIP-848) group's epochs, as a viewer draws them.
//!
//! A classic group moves in one step for everyone (a generation); a consumer-protocol group
//! moves member by member: the coordinator bumps the **group epoch**, computes a **target
//! assignment**, and each member reaches it at its own **member epoch**, one heartbeat at a
//! time, owning some partitions while it still waits for others to be released. None of
//! that is in the broker's events (they say what the target became, not who holds what),
//! so a server sends it as it is: in the snapshot, then in an [`LiveMessage::Epochs`]
//! each time a group's epochs or holdings change. `serve` reads it from its coordinator,
//! `minikafka watch` from ConsumerGroupDescribe (member epoch, assignment, target
//! assignment).

use crate::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::event::TopicPartitions;
use crate::group::modern::ConsumerGroup;
use crate::log::StorageProvider;
use crate::Broker;

use super::LiveMessage;

/// A consumer-protocol group's epochs and who holds what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupEpochs {
    /// Goes up with every change of membership or subscription.
    pub group_epoch: i32,
    /// Its members, by member id.
    pub members: Vec<MemberEpoch>,
}

/// One member of a consumer-protocol group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberEpoch {
    /// The member id.
    pub member_id: String,
    /// Up to which target assignment it has reconciled.
    pub member_epoch: i32,
    /// What it holds now: it may read these (including partitions it must still give up).
    #[serde(default)]
    pub owned: Vec<TopicPartitions>,
    /// What the coordinator's target assignment gives it.
    #[serde(default)]
    pub target: Vec<TopicPartitions>,
}

/// A group as its coordinator holds it: a member owns what it was given plus what it has
/// not revoked yet.
pub fn group_epochs(g: &ConsumerGroup) -> GroupEpochs {
    GroupEpochs {
        group_epoch: g.group_epoch,
        members: g
            .members
            .values()
            .map(|m| MemberEpoch {
                member_id: m.member_id.clone(),
                member_epoch: m.member_epoch,
                owned: m.held().to_topic_partitions(),
                target: g
                    .target
                    .get(&m.member_id)
                    .map(|a| a.to_topic_partitions())
                    .unwrap_or_default(),
            })
            .collect(),
    }
}

/// Every consumer-protocol group of a broker.
pub fn epochs_of<P: StorageProvider>(broker: &Broker<P>) -> BTreeMap<String, GroupEpochs> {
    let groups = broker.consumer_groups();
    groups
        .group_ids()
        .into_iter()
        .filter_map(|id| Some((id.to_string(), group_epochs(groups.group(id)?))))
        .collect()
}

/// What was last sent to viewers, so that only changes are sent again.
#[derive(Debug, Default)]
pub struct EpochsSent {
    sent: BTreeMap<String, GroupEpochs>,
}

impl EpochsSent {
    /// The messages that bring a viewer from what was sent to `now`: one per group whose
    /// epochs changed, appeared (`Some`) or went away (`None`).
    pub fn changes(&mut self, now: BTreeMap<String, GroupEpochs>) -> Vec<LiveMessage> {
        let mut out = Vec::new();
        for (group, epochs) in &now {
            if self.sent.get(group) != Some(epochs) {
                out.push(LiveMessage::Epochs {
                    group: group.clone(),
                    epochs: Some(epochs.clone()),
                });
            }
        }
        for group in self.sent.keys().filter(|g| !now.contains_key(*g)) {
            out.push(LiveMessage::Epochs {
                group: group.clone(),
                epochs: None,
            });
        }
        self.sent = now;
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn epochs(group_epoch: i32, member_epoch: i32) -> GroupEpochs {
        GroupEpochs {
            group_epoch,
            members: vec![MemberEpoch {
                member_id: "m1".into(),
                member_epoch,
                owned: Vec::new(),
                target: vec![TopicPartitions {
                    topic: "t".into(),
                    partitions: vec![0, 1],
                }],
            }],
        }
    }

    #[test]
    fn only_changes_are_sent_and_a_group_that_went_away_is_said_gone() {
        let mut sent = EpochsSent::default();
        let first = sent.changes(BTreeMap::from([("g".to_string(), epochs(1, 0))]));
        assert_eq!(first.len(), 1);
        assert!(sent
            .changes(BTreeMap::from([("g".to_string(), epochs(1, 0))]))
            .is_empty());
        let bumped = sent.changes(BTreeMap::from([("g".to_string(), epochs(1, 1))]));
        assert!(
            matches!(&bumped[..], [LiveMessage::Epochs { epochs: Some(e), .. }] if e.members[0].member_epoch == 1)
        );
        let gone = sent.changes(BTreeMap::new());
        assert_eq!(
            gone,
            [LiveMessage::Epochs {
                group: "g".into(),
                epochs: None
            }]
        );
    }
}
