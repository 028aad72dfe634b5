//! SyncGroup (key 14): the second half of a rebalance.
//!
//! After JoinGroup, the leader sends the assignment it computed (one blob per member) and
//! everyone else sends an empty list. The coordinator waits for the leader's SyncGroup, then
//! answers each member with its own share. A follower's request is parked until then: see
//! `group/sync.rs`.

use kafka_protocol::messages::{ResponseKind, SyncGroupRequest, SyncGroupResponse};
use kafka_protocol::protocol::VersionRange;

use super::{text, Ctx, Reply};
use crate::group;
use crate::log::StorageProvider;

/// v0..v5: v3 adds `group.instance.id`, v4 is the first flexible version, v5 carries the
/// protocol type and name.
pub const VERSIONS: VersionRange = VersionRange { min: 0, max: 5 };

pub(super) fn handle<P: StorageProvider>(
    ctx: &mut Ctx<'_, P>,
    request: SyncGroupRequest,
    _version: i16,
) -> Reply {
    let core = group::SyncGroupRequest {
        group_id: request.group_id.to_string(),
        generation_id: request.generation_id,
        member_id: request.member_id.to_string(),
        group_instance_id: request.group_instance_id.map(|s| s.to_string()),
        protocol_type: request.protocol_type.map(|s| s.to_string()),
        protocol_name: request.protocol_name.map(|s| s.to_string()),
        assignments: request
            .assignments
            .into_iter()
            .map(|a| (a.member_id.to_string(), a.assignment))
            .collect(),
    };
    match ctx.broker.sync_group(ctx.request_id, core, ctx.now) {
        Some(answer) => Reply::Now(ResponseKind::SyncGroup(response(answer))),
        None => Reply::Parked(ctx.request_id),
    }
}

/// The wire form of the coordinator's answer.
pub(super) fn response(answer: group::SyncGroupResponse) -> SyncGroupResponse {
    SyncGroupResponse::default()
        .with_error_code(answer.error.map_or(0, |e| e.code()))
        .with_protocol_type(answer.protocol_type.map(|t| text(&t)))
        .with_protocol_name(answer.protocol_name.map(|t| text(&t)))
        .with_assignment(answer.assignment)
}
