//! One member of a group, as the coordinator keeps it (Kafka's `MemberMetadata`).

use bytes::Bytes;
use serde::{Deserialize, Serialize};

use crate::group::api::JoinProtocol;
use crate::group::request::RequestId;
use crate::record::Millis;

/// What the coordinator knows about a member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberMetadata {
    /// The id the coordinator issued.
    pub member_id: String,
    /// `group.instance.id` of a static member.
    pub group_instance_id: Option<String>,
    /// `client.id`.
    pub client_id: String,
    /// Client host.
    pub client_host: String,
    /// `session.timeout.ms` of this member.
    pub session_timeout_ms: i32,
    /// `rebalance.timeout.ms` of this member.
    pub rebalance_timeout_ms: i32,
    /// The protocols it supports, in preference order.
    pub protocols: Vec<JoinProtocol>,
    /// Its assignment in the current generation (empty until the leader's SyncGroup).
    pub assignment: Bytes,
    /// Order of arrival in the group; the first member becomes leader when there is none.
    pub(crate) join_seq: u64,
    /// The JoinGroup request we have not answered yet: the member is *awaiting join*.
    pub(crate) awaiting_join: Option<RequestId>,
    /// The SyncGroup request we have not answered yet: the member is *awaiting sync*.
    pub(crate) awaiting_sync: Option<RequestId>,
    /// When the member's session expires unless it heartbeats.
    pub(crate) session_deadline: Millis,
}

impl MemberMetadata {
    /// When the coordinator will declare this member dead unless it hears from it, or
    /// `None` while a request of it is parked (it cannot heartbeat then, so it cannot
    /// expire).
    pub fn session_expires_at(&self) -> Option<Millis> {
        (!self.is_kept_alive()).then_some(self.session_deadline)
    }

    /// Is this a static member (it has a `group.instance.id`)?
    pub fn is_static(&self) -> bool {
        self.group_instance_id.is_some()
    }

    /// The member's metadata for protocol `name`, if it supports it.
    pub fn metadata_for(&self, name: &str) -> Option<&Bytes> {
        self.protocols
            .iter()
            .find(|p| p.name == name)
            .map(|p| &p.metadata)
    }

    /// Does the member support protocol `name`?
    pub fn supports(&self, name: &str) -> bool {
        self.protocols.iter().any(|p| p.name == name)
    }

    /// A member with a request parked at the coordinator cannot heartbeat (its client is
    /// blocked waiting for the answer), so its session must not expire meanwhile.
    pub(crate) fn is_kept_alive(&self) -> bool {
        self.awaiting_join.is_some() || self.awaiting_sync.is_some()
    }
}
