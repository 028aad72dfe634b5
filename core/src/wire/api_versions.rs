//! ApiVersions (key 18): the first request of every connection.
//!
//! The client asks which APIs and versions the broker serves, then uses, per API, the
//! highest version both sides know. A client that starts with a version we do not serve
//! gets a v0 answer with `UNSUPPORTED_VERSION` and the full list anyway, and retries lower
//! (see `unsupported_version` in the module root).

use kafka_protocol::messages::api_versions_response::ApiVersion;
use kafka_protocol::messages::{ApiVersionsRequest, ApiVersionsResponse, ResponseKind};
use kafka_protocol::protocol::VersionRange;

use super::{Ctx, Reply, SUPPORTED};
use crate::log::StorageProvider;

/// v0..v4: v3 is flexible (librdkafka), v4 is what kafka-python sends first.
pub const VERSIONS: VersionRange = VersionRange { min: 0, max: 4 };

pub(super) fn handle<P: StorageProvider>(
    _ctx: &mut Ctx<'_, P>,
    _request: ApiVersionsRequest,
    _version: i16,
) -> Reply {
    Reply::Now(ResponseKind::ApiVersions(
        ApiVersionsResponse::default().with_api_keys(api_keys()),
    ))
}

/// The v0 answer to a version we do not serve.
pub(super) fn unsupported() -> ResponseKind {
    ResponseKind::ApiVersions(
        ApiVersionsResponse::default()
            .with_error_code(crate::KafkaError::UnsupportedVersion.code())
            .with_api_keys(api_keys()),
    )
}

fn api_keys() -> Vec<ApiVersion> {
    SUPPORTED
        .iter()
        .map(|(key, range)| {
            ApiVersion::default()
                .with_api_key(*key as i16)
                .with_min_version(range.min)
                .with_max_version(range.max)
        })
        .collect()
}
