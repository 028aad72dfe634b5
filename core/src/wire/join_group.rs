//! JoinGroup (key 11): the first half of a rebalance.
//!
//! Every member (re)joins with the protocols it supports (assignor names, each with its
//! subscription as metadata). The coordinator waits until every known member has joined,
//! or the rebalance timeout expires, then answers them all at once: the *leader* gets the
//! list of members and their subscriptions, so it can compute the assignment; the others get
//! an empty list. That waiting is why the request is parked: see `group/join.rs` for the
//! protocol itself, this file only translates.
//!
//! From v4 a member without an id is first refused with `MEMBER_ID_REQUIRED` and a new id,
//! and joins again with it (KIP-394), so a client that dies mid-join leaves no ghost.

use kafka_protocol::messages::join_group_response::JoinGroupResponseMember;
use kafka_protocol::messages::{JoinGroupRequest, JoinGroupResponse, ResponseKind};
use kafka_protocol::protocol::VersionRange;

use super::{text, Ctx, Reply};
use crate::group::{self, JoinProtocol};
use crate::log::StorageProvider;

/// v0..v7: v4 brings MEMBER_ID_REQUIRED, v5 static membership (`group.instance.id`), v6 is
/// the first flexible version, v7 returns the protocol type and name.
pub const VERSIONS: VersionRange = VersionRange { min: 0, max: 7 };

pub(super) fn handle<P: StorageProvider>(
    ctx: &mut Ctx<'_, P>,
    request: JoinGroupRequest,
    version: i16,
) -> Reply {
    let rebalance_timeout_ms = if version >= 1 {
        request.rebalance_timeout_ms
    } else {
        request.session_timeout_ms
    };
    let core = group::JoinGroupRequest {
        group_id: request.group_id.to_string(),
        session_timeout_ms: request.session_timeout_ms,
        rebalance_timeout_ms,
        member_id: request.member_id.to_string(),
        group_instance_id: request.group_instance_id.map(|s| s.to_string()),
        protocol_type: request.protocol_type.to_string(),
        protocols: request
            .protocols
            .into_iter()
            .map(|p| JoinProtocol {
                name: p.name.to_string(),
                metadata: p.metadata,
            })
            .collect(),
        client_id: ctx.client_id.to_string(),
        client_host: ctx.client_host.to_string(),
        require_known_member_id: version >= 4,
    };
    match ctx.broker.join_group(ctx.request_id, core, ctx.now) {
        Some(answer) => Reply::Now(ResponseKind::JoinGroup(response(answer, version))),
        None => Reply::Parked(ctx.request_id),
    }
}

/// The wire form of the coordinator's answer.
pub(super) fn response(answer: group::JoinGroupResponse, version: i16) -> JoinGroupResponse {
    // Before v7 the protocol name is a non-null string.
    let protocol_name = match answer.protocol_name {
        Some(name) => Some(text(&name)),
        None if version < 7 => Some(text("")),
        None => None,
    };
    JoinGroupResponse::default()
        .with_error_code(answer.error.map_or(0, |e| e.code()))
        .with_generation_id(answer.generation_id)
        .with_protocol_type(answer.protocol_type.map(|t| text(&t)))
        .with_protocol_name(protocol_name)
        .with_leader(text(&answer.leader))
        .with_skip_assignment(answer.skip_assignment && version >= 9)
        .with_member_id(text(&answer.member_id))
        .with_members(
            answer
                .members
                .into_iter()
                .map(|m| {
                    JoinGroupResponseMember::default()
                        .with_member_id(text(&m.member_id))
                        .with_group_instance_id(m.group_instance_id.map(|s| text(&s)))
                        .with_metadata(m.metadata)
                })
                .collect(),
        )
}
