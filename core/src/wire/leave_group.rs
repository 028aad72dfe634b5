//! LeaveGroup (key 13): a member leaves on purpose (graceful shutdown, `close()`).
//!
//! Leaving starts a rebalance at once, instead of after `session.timeout.ms` as a crash
//! does: that difference is one of the scenarios (S2 vs S1). Static members
//! (`group.instance.id`) normally do *not* send it on shutdown, so a quick restart causes no
//! rebalance at all. From v3 one request can remove several members (an admin tool does).

use kafka_protocol::messages::leave_group_response::MemberResponse;
use kafka_protocol::messages::{LeaveGroupRequest, LeaveGroupResponse, ResponseKind};
use kafka_protocol::protocol::VersionRange;

use super::{text, Ctx, Reply};
use crate::group::{self, MemberIdentity};
use crate::log::StorageProvider;

/// v0..v4: v3 takes a list of members, v4 is the first flexible version.
pub const VERSIONS: VersionRange = VersionRange { min: 0, max: 4 };

pub(super) fn handle<P: StorageProvider>(
    ctx: &mut Ctx<'_, P>,
    request: LeaveGroupRequest,
    version: i16,
) -> Reply {
    let members = if version >= 3 {
        request
            .members
            .into_iter()
            .map(|m| MemberIdentity {
                member_id: m.member_id.to_string(),
                group_instance_id: m.group_instance_id.map(|s| s.to_string()),
            })
            .collect()
    } else {
        vec![MemberIdentity {
            member_id: request.member_id.to_string(),
            group_instance_id: None,
        }]
    };
    let answer = ctx.broker.leave_group(
        group::LeaveGroupRequest {
            group_id: request.group_id.to_string(),
            members,
        },
        ctx.now,
    );
    // Before v3 there is one member and its error is the top-level error.
    let top = answer
        .error
        .or_else(|| {
            (version < 3)
                .then(|| answer.members.first().and_then(|(_, e)| *e))
                .flatten()
        })
        .map_or(0, |e| e.code());
    let mut response = LeaveGroupResponse::default().with_error_code(top);
    if version >= 3 {
        response = response.with_members(
            answer
                .members
                .into_iter()
                .map(|(m, e)| {
                    MemberResponse::default()
                        .with_member_id(text(&m.member_id))
                        .with_group_instance_id(m.group_instance_id.map(|s| text(&s)))
                        .with_error_code(e.map_or(0, |e| e.code()))
                })
                .collect(),
        );
    }
    Reply::Now(ResponseKind::LeaveGroup(response))
}
