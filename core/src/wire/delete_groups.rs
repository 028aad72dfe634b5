//! DeleteGroups (key 42): remove consumer groups and their committed offsets.
//!
//! Kafka's rules, per group: only a group with no members can go (`NON_EMPTY_GROUP`
//! otherwise: its members would recreate it at their next commit anyway); an unknown group
//! is `GROUP_ID_NOT_FOUND`. Its committed offsets are deleted with it, durably (tombstones
//! in the offsets log). A group named twice is answered once, as Kafka does.

use kafka_protocol::messages::delete_groups_response::DeletableGroupResult;
use kafka_protocol::messages::{DeleteGroupsRequest, DeleteGroupsResponse, ResponseKind};
use kafka_protocol::protocol::VersionRange;

use super::{code, Ctx, Reply};
use crate::log::StorageProvider;

/// v0..v2: v2 is the first flexible version (and the last there is).
pub const VERSIONS: VersionRange = VersionRange { min: 0, max: 2 };

pub(super) fn handle<P: StorageProvider>(
    ctx: &mut Ctx<'_, P>,
    request: DeleteGroupsRequest,
    _version: i16,
) -> Reply {
    let mut groups = request.groups_names;
    let mut seen = std::collections::HashSet::new();
    groups.retain(|g| seen.insert(g.0.clone()));
    let results = groups
        .into_iter()
        .map(|group| {
            let result = ctx.broker.delete_group(group.as_str(), ctx.now);
            DeletableGroupResult::default()
                .with_group_id(group)
                .with_error_code(code(&result))
        })
        .collect();
    Reply::Now(ResponseKind::DeleteGroups(
        DeleteGroupsResponse::default().with_results(results),
    ))
}
