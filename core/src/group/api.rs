//! Requests and responses of the group APIs, as plain data.
//!
//! These mirror Kafka's JoinGroup, SyncGroup, Heartbeat, LeaveGroup, DescribeGroups and
//! ListGroups messages, minus the wire details (versions, tagged fields). The native server
//! converts the real messages to and from these; the simulated clients build them directly.

use bytes::Bytes;
use serde::{Deserialize, Serialize};

use crate::error::KafkaError;
use crate::event::MemberAssignment;
use crate::group::GroupState;

/// One protocol a member supports, with its metadata. For consumers the name is the
/// assignor (`range`, `roundrobin`, `cooperative-sticky`...) and the metadata is the
/// encoded subscription.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinProtocol {
    /// Protocol (assignor) name.
    pub name: String,
    /// Opaque to the coordinator; handed to the leader.
    pub metadata: Bytes,
}

/// JoinGroup: "add me to the group (again)".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinGroupRequest {
    /// The group.
    pub group_id: String,
    /// `session.timeout.ms`: how long the coordinator waits for a heartbeat before it
    /// declares the member dead.
    pub session_timeout_ms: i32,
    /// `max.poll.interval.ms` for consumers: how long the coordinator waits for the member
    /// to rejoin once a rebalance started.
    pub rebalance_timeout_ms: i32,
    /// Empty on the first join; the id the coordinator issued afterwards.
    pub member_id: String,
    /// `group.instance.id`: set for static members.
    pub group_instance_id: Option<String>,
    /// `consumer` for consumers; the coordinator only checks that all members agree.
    pub protocol_type: String,
    /// Supported protocols, in order of preference.
    pub protocols: Vec<JoinProtocol>,
    /// `client.id`, for describe and the visualiser.
    pub client_id: String,
    /// The client's host as the server saw it.
    pub client_host: String,
    /// JoinGroup v4+: the client understands `MEMBER_ID_REQUIRED`.
    pub require_known_member_id: bool,
}

/// One member as the leader sees it in the JoinGroup response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinGroupResponseMember {
    /// Member id.
    pub member_id: String,
    /// `group.instance.id` of a static member.
    pub group_instance_id: Option<String>,
    /// The member's metadata for the selected protocol.
    pub metadata: Bytes,
}

/// The answer to JoinGroup, sent when the join phase completes (or at once on an error).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinGroupResponse {
    /// `None` on success.
    pub error: Option<KafkaError>,
    /// The new generation; -1 on error.
    pub generation_id: i32,
    /// The group's protocol type.
    pub protocol_type: Option<String>,
    /// The selected protocol (assignor).
    pub protocol_name: Option<String>,
    /// The leader's member id.
    pub leader: String,
    /// KIP-814: a static leader that rejoined without a rebalance must not compute a new
    /// assignment (the group already has one).
    pub skip_assignment: bool,
    /// This member's id (new on `MEMBER_ID_REQUIRED`).
    pub member_id: String,
    /// Every member with its metadata, for the leader only; empty for followers.
    pub members: Vec<JoinGroupResponseMember>,
}

impl JoinGroupResponse {
    /// An error answer.
    pub fn error(error: KafkaError, member_id: impl Into<String>) -> JoinGroupResponse {
        JoinGroupResponse {
            error: Some(error),
            generation_id: -1,
            protocol_type: None,
            protocol_name: None,
            leader: String::new(),
            skip_assignment: false,
            member_id: member_id.into(),
            members: Vec::new(),
        }
    }
}

/// SyncGroup: "give me my assignment" (and, from the leader, "here is everybody's").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncGroupRequest {
    /// The group.
    pub group_id: String,
    /// The generation the member joined.
    pub generation_id: i32,
    /// The member.
    pub member_id: String,
    /// `group.instance.id` of a static member.
    pub group_instance_id: Option<String>,
    /// SyncGroup v5+: checked against the group's, when given.
    pub protocol_type: Option<String>,
    /// SyncGroup v5+: checked against the group's, when given.
    pub protocol_name: Option<String>,
    /// From the leader: every member's assignment. Empty from followers.
    pub assignments: Vec<(String, Bytes)>,
}

/// The answer to SyncGroup: this member's assignment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncGroupResponse {
    /// `None` on success.
    pub error: Option<KafkaError>,
    /// The group's protocol type.
    pub protocol_type: Option<String>,
    /// The group's protocol.
    pub protocol_name: Option<String>,
    /// This member's assignment, opaque to the coordinator; empty bytes when the leader
    /// gave it nothing.
    pub assignment: Bytes,
}

impl SyncGroupResponse {
    /// An error answer.
    pub fn error(error: KafkaError) -> SyncGroupResponse {
        SyncGroupResponse {
            error: Some(error),
            protocol_type: None,
            protocol_name: None,
            assignment: Bytes::new(),
        }
    }
}

/// Heartbeat: "I am alive, and in this generation".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeartbeatRequest {
    /// The group.
    pub group_id: String,
    /// The member's generation.
    pub generation_id: i32,
    /// The member.
    pub member_id: String,
    /// `group.instance.id` of a static member.
    pub group_instance_id: Option<String>,
}

/// Who leaves, in a LeaveGroup request (v3+ can remove several members at once).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberIdentity {
    /// The member id; may be empty for a static member identified by instance id.
    pub member_id: String,
    /// `group.instance.id` of a static member.
    pub group_instance_id: Option<String>,
}

/// LeaveGroup: "we are leaving".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaveGroupRequest {
    /// The group.
    pub group_id: String,
    /// The leaving members.
    pub members: Vec<MemberIdentity>,
}

/// The answer to LeaveGroup: an error for the whole request, or one per member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaveGroupResponse {
    /// A request-level error (unknown group, coordinator not available).
    pub error: Option<KafkaError>,
    /// Per member, in request order.
    pub members: Vec<(MemberIdentity, Option<KafkaError>)>,
}

/// One member in DescribeGroups.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DescribedMember {
    /// Member id.
    pub member_id: String,
    /// `group.instance.id` of a static member.
    pub group_instance_id: Option<String>,
    /// `client.id`.
    pub client_id: String,
    /// Client host.
    pub client_host: String,
    /// The member's metadata for the selected protocol (its subscription).
    pub metadata: Bytes,
    /// The member's current assignment bytes.
    pub assignment: Bytes,
    /// The assignment decoded, when the group uses the `consumer` protocol type; members
    /// with no partitions are standby members.
    pub decoded: MemberAssignment,
}

/// DescribeGroups for one group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupDescription {
    /// `None`, or why the group could not be described.
    pub error: Option<KafkaError>,
    /// Group id.
    pub group_id: String,
    /// State; `Dead` for a group that does not exist (as Kafka answers).
    pub state: GroupState,
    /// Protocol type (`consumer`), empty if none yet.
    pub protocol_type: String,
    /// Selected protocol, empty unless Stable or CompletingRebalance.
    pub protocol: String,
    /// Current generation.
    pub generation_id: i32,
    /// Leader member id, if any.
    pub leader: Option<String>,
    /// Members, ordered by member id.
    pub members: Vec<DescribedMember>,
}

/// One group in ListGroups.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupListing {
    /// Group id.
    pub group_id: String,
    /// Protocol type, empty for groups that only hold committed offsets.
    pub protocol_type: String,
    /// The group's state (Empty, PreparingRebalance, CompletingRebalance, Stable, Dead).
    pub state: GroupState,
}
