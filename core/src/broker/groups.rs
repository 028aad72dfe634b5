//! Group APIs and committed offsets.
//!
//! The group calls go straight to the coordinator; the broker adds what needs both the
//! coordinator and the data: commits are validated by the coordinator (generation, member)
//! and checked against the topics before they are written to the offset store.

use serde::{Deserialize, Serialize};

use crate::broker::Broker;
use crate::error::KafkaError;
use crate::event::Event;
use crate::group::consumer_protocol::decode_subscription;
use crate::group::{
    GroupDescription, GroupListing, GroupState, HeartbeatRequest, JoinGroupRequest,
    JoinGroupResponse, LeaveGroupRequest, LeaveGroupResponse, RequestId, SyncGroupRequest,
    SyncGroupResponse,
};
use crate::log::StorageProvider;
use crate::offsets::{OffsetAndMetadata, OffsetKey};
use crate::record::{Millis, Offset};

/// One partition's offset in an OffsetCommit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OffsetCommit {
    /// Topic the consumed partition belongs to.
    pub topic: String,
    /// Partition index within the topic.
    pub partition: i32,
    /// The next offset the group should read: last processed + 1.
    pub offset: Offset,
    /// The leader epoch the consumer saw, if any.
    pub leader_epoch: Option<i32>,
    /// Free-form metadata (at most 4096 bytes).
    pub metadata: String,
}

/// OffsetCommit: "the group has processed everything before these offsets".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OffsetCommitRequest {
    /// The consumer group's `group.id`.
    pub group_id: String,
    /// The member's generation; -1 for consumers outside group management.
    pub generation_id: i32,
    /// The member id; empty outside group management.
    pub member_id: String,
    /// `group.instance.id` of a static member.
    pub group_instance_id: Option<String>,
    /// The offsets.
    pub offsets: Vec<OffsetCommit>,
}

impl<P: StorageProvider> Broker<P> {
    /// JoinGroup; see [`crate::group::GroupCoordinator::join_group`].
    pub fn join_group(
        &mut self,
        request: RequestId,
        req: JoinGroupRequest,
        now: Millis,
    ) -> Option<JoinGroupResponse> {
        // One group id, one protocol: a consumer-protocol group with members refuses a
        // classic member (Kafka 4 without online migration); an empty one is replaced.
        if let Some(group) = self.consumer_groups.group(&req.group_id) {
            if !group.members.is_empty() {
                return Some(JoinGroupResponse::error(
                    KafkaError::InconsistentGroupProtocol,
                    req.member_id,
                ));
            }
            let _ = self.consumer_groups.delete_group(&req.group_id);
            self.store_consumer_group(&req.group_id, now);
        }
        let answer = self.coordinator.join_group(request, req, now);
        self.absorb_coordinator_events();
        answer
    }

    /// SyncGroup; see [`crate::group::GroupCoordinator::sync_group`].
    pub fn sync_group(
        &mut self,
        request: RequestId,
        req: SyncGroupRequest,
        now: Millis,
    ) -> Option<SyncGroupResponse> {
        let answer = self.coordinator.sync_group(request, req, now);
        self.absorb_coordinator_events();
        answer
    }

    /// Heartbeat; see [`crate::group::GroupCoordinator::heartbeat`].
    pub fn heartbeat(&mut self, req: HeartbeatRequest, now: Millis) -> Result<(), KafkaError> {
        let answer = self.coordinator.heartbeat(req, now);
        self.absorb_coordinator_events();
        answer
    }

    /// LeaveGroup; see [`crate::group::GroupCoordinator::leave_group`].
    pub fn leave_group(&mut self, req: LeaveGroupRequest, now: Millis) -> LeaveGroupResponse {
        let answer = self.coordinator.leave_group(req, now);
        self.absorb_coordinator_events();
        answer
    }

    /// DescribeGroups for one group. A group the coordinator does not know but that has
    /// committed offsets (commits from outside group management, or an offsets log written
    /// before group metadata records) is Empty, with no members, as Kafka loads it from
    /// `__consumer_offsets`.
    ///
    /// A consumer-protocol group is not described here: it is answered as unknown (`Dead`,
    /// `GROUP_ID_NOT_FOUND`), as Kafka 4 answers DescribeGroups for a group that is not a
    /// classic group. ConsumerGroupDescribe describes it.
    pub fn describe_group(&self, group_id: &str) -> GroupDescription {
        let mut description = self.coordinator.describe_group(group_id);
        if self.consumer_groups.has_group(group_id) {
            description.error = Some(KafkaError::GroupIdNotFound);
            return description;
        }
        if description.state == GroupState::Dead
            && description.error.is_none()
            && self.has_offsets(group_id)
        {
            description.state = GroupState::Empty;
        }
        description
    }

    /// ListGroups, optionally filtered by state. Groups that only have committed offsets
    /// (from consumers outside group management, or from an offsets log written before
    /// group metadata records) are listed as Empty, with no protocol type.
    pub fn list_groups(&self, states: &[GroupState]) -> Vec<GroupListing> {
        let mut listed = self.coordinator.list_groups(states);
        if states.is_empty() || states.contains(&GroupState::Empty) {
            let known = self.coordinator.group_ids();
            for group_id in self.offsets.groups() {
                if !known.contains(&group_id.as_str()) && !self.consumer_groups.has_group(&group_id)
                {
                    listed.push(GroupListing {
                        group_id,
                        protocol_type: String::new(),
                        state: GroupState::Empty,
                    });
                }
            }
        }
        listed
    }

    /// DeleteGroups for one group: the group must be Empty; its committed offsets go too
    /// (tombstones in the offsets log, so a restart does not bring them back). A group the
    /// coordinator does not know but that has committed offsets (see
    /// [`Broker::describe_group`]) is an Empty group, as Kafka loads it from
    /// `__consumer_offsets`, and can be deleted. The group's metadata record gets a
    /// tombstone, so a restart does not bring it back.
    pub fn delete_group(&mut self, group_id: &str, now: Millis) -> Result<(), KafkaError> {
        let consumer = self.consumer_groups.has_group(group_id);
        if consumer {
            self.consumer_groups.delete_group(group_id)?;
            self.store_consumer_group(group_id, now);
            self.events.push_back(Event::GroupDeleted {
                at: now,
                group: group_id.to_string(),
            });
        }
        match self.coordinator.delete_group(group_id, now) {
            Err(KafkaError::GroupIdNotFound) if consumer => {}
            Err(KafkaError::GroupIdNotFound) if self.has_offsets(group_id) => {}
            other => other?,
        }
        self.absorb_coordinator_events();
        let count = self.offsets.delete_group(group_id, now);
        if count > 0 {
            self.events.push_back(Event::OffsetsDeleted {
                at: now,
                group: group_id.to_string(),
                count,
            });
        }
        Ok(())
    }

    /// Has `group_id` any committed offset?
    fn has_offsets(&self, group_id: &str) -> bool {
        !self.offsets.fetch_group(group_id).is_empty()
    }

    /// OffsetDelete (KIP-496, `kafka-consumer-groups.sh --delete-offsets`): delete a group's
    /// committed offsets for some partitions, with Kafka's rules. The group must exist
    /// (`GROUP_ID_NOT_FOUND`; one known only by its offsets is Empty). An Empty group loses
    /// any of them; a consumer group with members keeps those of the topics its members
    /// subscribe to (`GROUP_SUBSCRIBED_TO_TOPIC` for each: their next commit would bring
    /// them back) and loses the others; a group of another protocol type with members is
    /// `NON_EMPTY_GROUP`. A partition that does not exist is `UNKNOWN_TOPIC_OR_PARTITION`.
    /// Returns one result per partition, in request order; deleting an offset that was
    /// never committed succeeds.
    pub fn delete_offsets(
        &mut self,
        group_id: &str,
        partitions: &[(String, i32)],
        now: Millis,
    ) -> Result<Vec<Result<(), KafkaError>>, KafkaError> {
        let group = self.coordinator.describe_group(group_id);
        // `None`: every topic counts as subscribed (a subscription that does not decode).
        let subscribed: Option<Vec<String>> = match group.state {
            GroupState::Dead if self.has_offsets(group_id) => Some(Vec::new()),
            GroupState::Dead => return Err(KafkaError::GroupIdNotFound),
            GroupState::Empty => Some(Vec::new()),
            _ if group.protocol_type == "consumer" => group
                .members
                .iter()
                .map(|m| decode_subscription(&m.metadata).map(|s| s.topics).ok())
                .collect::<Option<Vec<Vec<String>>>>()
                .map(|topics| topics.concat()),
            _ => return Err(KafkaError::NonEmptyGroup),
        };
        let mut count = 0;
        let results = partitions
            .iter()
            .map(|(topic, partition)| {
                let exists = self
                    .topics
                    .get(topic)
                    .is_some_and(|t| t.partition(*partition).is_ok());
                if !exists {
                    return Err(KafkaError::UnknownTopicOrPartition);
                }
                if subscribed.as_ref().is_none_or(|s| s.contains(topic)) {
                    return Err(KafkaError::GroupSubscribedToTopic);
                }
                if self
                    .offsets
                    .delete(&OffsetKey::new(group_id, topic.as_str(), *partition), now)
                {
                    count += 1;
                }
                Ok(())
            })
            .collect();
        if count > 0 {
            self.events.push_back(Event::OffsetsDeleted {
                at: now,
                group: group_id.to_string(),
                count,
            });
        }
        Ok(results)
    }

    /// OffsetCommit. The coordinator checks the member and generation once for the whole
    /// request; then each partition is checked (does it exist? metadata size?) and stored.
    /// Returns one result per offset, in request order.
    pub fn commit_offsets(
        &mut self,
        req: OffsetCommitRequest,
        now: Millis,
    ) -> Vec<(String, i32, Result<(), KafkaError>)> {
        // A consumer-protocol group checks the member epoch (OffsetCommit v9+ carries it in
        // `generation_id`); a classic group the generation.
        let verdict = if self.consumer_groups.has_group(&req.group_id) {
            self.consumer_groups.validate_offset_commit(
                &req.group_id,
                &req.member_id,
                req.generation_id,
                now,
            )
        } else {
            self.coordinator.validate_offset_commit(
                &req.group_id,
                &req.member_id,
                req.group_instance_id.as_deref(),
                req.generation_id,
                now,
            )
        };
        self.absorb_coordinator_events();
        if let Err(error) = verdict {
            self.events.push_back(Event::OffsetCommitRejected {
                at: now,
                group: req.group_id.clone(),
                member_id: req.member_id.clone(),
                generation: req.generation_id,
                error,
            });
            return req
                .offsets
                .into_iter()
                .map(|o| (o.topic, o.partition, Err(error)))
                .collect();
        }
        let mut results = Vec::with_capacity(req.offsets.len());
        for commit in req.offsets {
            let exists = self
                .topics
                .get(&commit.topic)
                .is_some_and(|t| t.partition(commit.partition).is_ok());
            let result = if !exists {
                Err(KafkaError::UnknownTopicOrPartition)
            } else {
                let key =
                    OffsetKey::new(req.group_id.clone(), commit.topic.clone(), commit.partition);
                let value = OffsetAndMetadata {
                    offset: commit.offset,
                    leader_epoch: commit.leader_epoch,
                    metadata: commit.metadata.clone(),
                    commit_timestamp: now,
                };
                self.offsets.commit(key, value, now)
            };
            match result {
                Ok(()) => self.events.push_back(Event::OffsetCommitted {
                    at: now,
                    group: req.group_id.clone(),
                    topic: commit.topic.clone(),
                    partition: commit.partition,
                    offset: commit.offset,
                    member_id: req.member_id.clone(),
                    generation: req.generation_id,
                }),
                Err(error) => self.events.push_back(Event::OffsetCommitRejected {
                    at: now,
                    group: req.group_id.clone(),
                    member_id: req.member_id.clone(),
                    generation: req.generation_id,
                    error,
                }),
            }
            results.push((commit.topic, commit.partition, result));
        }
        results
    }

    /// OffsetFetch: the committed offsets of `group_id` for `partitions` (`None`: every
    /// partition the group committed). A partition with no commit answers `None` (Kafka's
    /// offset -1), and the consumer falls back to `auto.offset.reset`.
    pub fn fetch_offsets(
        &self,
        group_id: &str,
        partitions: Option<&[(String, i32)]>,
    ) -> Vec<(String, i32, Option<OffsetAndMetadata>)> {
        match partitions {
            Some(partitions) => partitions
                .iter()
                .map(|(topic, partition)| {
                    (
                        topic.clone(),
                        *partition,
                        self.offsets.fetch(group_id, topic, *partition).cloned(),
                    )
                })
                .collect(),
            None => self
                .offsets
                .fetch_group(group_id)
                .into_iter()
                .map(|(topic, partition, o)| (topic.to_string(), partition, Some(o.clone())))
                .collect(),
        }
    }
}
