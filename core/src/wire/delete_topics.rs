//! DeleteTopics (key 20): remove topics, their logs and every group's offsets for them.

use kafka_protocol::messages::delete_topics_response::DeletableTopicResult;
use kafka_protocol::messages::{DeleteTopicsRequest, DeleteTopicsResponse, ResponseKind};
use kafka_protocol::protocol::VersionRange;

use super::{text, Ctx, Reply};
use crate::log::StorageProvider;

/// v1..v5: v1 is the oldest the crate decodes, v4 is the first flexible version; v6 names
/// topics by id.
pub const VERSIONS: VersionRange = VersionRange { min: 1, max: 5 };

pub(super) fn handle<P: StorageProvider>(
    ctx: &mut Ctx<'_, P>,
    request: DeleteTopicsRequest,
    _version: i16,
) -> Reply {
    let responses = request
        .topic_names
        .into_iter()
        .map(|name| {
            let result = ctx.broker.delete_topic(name.as_str(), ctx.now);
            let mut r = DeletableTopicResult::default().with_name(Some(name));
            if let Err(e) = result {
                r = r
                    .with_error_code(e.code())
                    .with_error_message(Some(text(e.name())));
            }
            r
        })
        .collect();
    Reply::Now(ResponseKind::DeleteTopics(
        DeleteTopicsResponse::default().with_responses(responses),
    ))
}
