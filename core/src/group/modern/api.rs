//! ConsumerGroupHeartbeat and ConsumerGroupDescribe as plain data (no wire details). The
//! native server converts the real messages to and from these (topic ids to names); a
//! simulated consumer can build them directly.

use serde::{Deserialize, Serialize};

use crate::error::KafkaError;
use crate::group::modern::assignment::Assignment;
use crate::group::modern::group::{ConsumerGroupState, MemberState};

/// ConsumerGroupHeartbeat: the one request of the consumer protocol. It joins, heartbeats,
/// reports what the member owns, and leaves. Fields that are `None` (or -1) mean "unchanged
/// since my last heartbeat": clients send them in full only when they change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeartbeatRequest {
    /// `group.id`.
    pub group_id: String,
    /// Empty on a v0 join (the coordinator issues one); chosen by the client in v1.
    pub member_id: String,
    /// 0 to join, -1 to leave, -2 for a static member leaving for a moment, else the epoch
    /// the member is at.
    pub member_epoch: i32,
    /// `group.instance.id` of a static member.
    pub instance_id: Option<String>,
    /// `client.rack`.
    pub rack_id: Option<String>,
    /// `max.poll.interval.ms`; -1 if unchanged.
    pub rebalance_timeout_ms: i32,
    /// The subscription; `None` if unchanged.
    pub subscribed_topic_names: Option<Vec<String>>,
    /// A regex subscription (v1); `None` if unchanged, empty to drop it.
    #[serde(default)]
    pub subscribed_topic_regex: Option<String>,
    /// `group.remote.assignor`; `None` if unchanged (or the broker's default).
    pub server_assignor: Option<String>,
    /// What the member owns now; `None` if unchanged.
    pub owned: Option<Assignment>,
    /// `client.id`.
    pub client_id: String,
    /// The client's host.
    pub client_host: String,
}

/// The answer to a heartbeat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeartbeatResponse {
    /// `None` on success.
    pub error: Option<KafkaError>,
    /// Why, for people.
    pub error_message: Option<String>,
    /// The member id (new on a v0 join).
    pub member_id: String,
    /// The member's epoch now.
    pub member_epoch: i32,
    /// When to heartbeat next.
    pub heartbeat_interval_ms: i32,
    /// The partitions it may read, when they changed (or on a join); `None` otherwise.
    pub assignment: Option<Assignment>,
}

impl HeartbeatResponse {
    /// An error answer.
    pub fn error(error: KafkaError, message: impl Into<String>) -> HeartbeatResponse {
        HeartbeatResponse {
            error: Some(error),
            error_message: Some(message.into()),
            member_id: String::new(),
            member_epoch: -1,
            heartbeat_interval_ms: 0,
            assignment: None,
        }
    }
}

/// One member in ConsumerGroupDescribe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DescribedConsumerMember {
    /// Member id.
    pub member_id: String,
    /// `group.instance.id`.
    pub instance_id: Option<String>,
    /// `client.rack`.
    pub rack_id: Option<String>,
    /// Its epoch.
    pub member_epoch: i32,
    /// Its reconciliation state.
    pub state: MemberState,
    /// `client.id`.
    pub client_id: String,
    /// The client's host.
    pub client_host: String,
    /// Its subscription by name.
    pub subscribed_topics: Vec<String>,
    /// Its regex subscription.
    pub subscribed_regex: Option<String>,
    /// What it holds now.
    pub assignment: Assignment,
    /// What the target gives it.
    pub target_assignment: Assignment,
}

/// ConsumerGroupDescribe for one group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsumerGroupDescription {
    /// `GROUP_ID_NOT_FOUND` for an unknown group (or a classic one).
    pub error: Option<KafkaError>,
    /// Group id.
    pub group_id: String,
    /// State.
    pub state: ConsumerGroupState,
    /// Group epoch.
    pub group_epoch: i32,
    /// Target assignment epoch.
    pub assignment_epoch: i32,
    /// The assignor of the target assignment.
    pub assignor: String,
    /// Members, by member id.
    pub members: Vec<DescribedConsumerMember>,
}
