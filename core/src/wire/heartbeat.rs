//! Heartbeat (key 12): "I am alive", and the coordinator's way to say "rebalance".
//!
//! Each heartbeat pushes the member's session deadline `session.timeout.ms` further. A
//! member that stops heartbeating (crashed pod, long GC, network cut) is removed when its
//! session expires, which starts a rebalance. During a rebalance the answer is
//! `REBALANCE_IN_PROGRESS`: that is how the other members learn they must rejoin.

use kafka_protocol::messages::{HeartbeatRequest, HeartbeatResponse, ResponseKind};
use kafka_protocol::protocol::VersionRange;

use super::{code, Ctx, Reply};
use crate::group;
use crate::log::StorageProvider;

/// v0..v4: v3 adds `group.instance.id`, v4 is the first flexible version.
pub const VERSIONS: VersionRange = VersionRange { min: 0, max: 4 };

pub(super) fn handle<P: StorageProvider>(
    ctx: &mut Ctx<'_, P>,
    request: HeartbeatRequest,
    _version: i16,
) -> Reply {
    let result = ctx.broker.heartbeat(
        group::HeartbeatRequest {
            group_id: request.group_id.to_string(),
            generation_id: request.generation_id,
            member_id: request.member_id.to_string(),
            group_instance_id: request.group_instance_id.map(|s| s.to_string()),
        },
        ctx.now,
    );
    Reply::Now(ResponseKind::Heartbeat(
        HeartbeatResponse::default().with_error_code(code(&result)),
    ))
}
