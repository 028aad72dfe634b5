//! ApiVersions (key 18): the first request of every connection.
//!
//! The client asks which APIs and versions the broker serves, then uses, per API, the
//! highest version both sides know. A client that starts with a version we do not serve
//! gets a v0 answer with `UNSUPPORTED_VERSION` and the full list anyway, and retries lower
//! (see `unsupported_version` in the module root).

use kafka_protocol::messages::api_versions_response::ApiVersion;
use kafka_protocol::messages::{ApiKey, ApiVersionsRequest, ApiVersionsResponse, ResponseKind};
use kafka_protocol::protocol::VersionRange;

use super::{Ctx, Reply, SUPPORTED};
use crate::log::StorageProvider;

/// v0..v4: v3 is flexible (librdkafka), v4 is what kafka-python sends first.
pub const VERSIONS: VersionRange = VersionRange { min: 0, max: 4 };

pub(super) fn handle<P: StorageProvider>(
    ctx: &mut Ctx<'_, P>,
    _request: ApiVersionsRequest,
    _version: i16,
) -> Reply {
    Reply::Now(ResponseKind::ApiVersions(
        ApiVersionsResponse::default().with_api_keys(api_keys(ctx.sasl)),
    ))
}

/// The v0 answer to a version we do not serve.
pub(super) fn unsupported(sasl: bool) -> ResponseKind {
    ResponseKind::ApiVersions(
        ApiVersionsResponse::default()
            .with_error_code(crate::KafkaError::UnsupportedVersion.code())
            .with_api_keys(api_keys(sasl)),
    )
}

/// The list, with SaslHandshake and SaslAuthenticate when SASL is on. (Kafka lists them
/// on every listener and answers a handshake on a plaintext one with an error; minikafka
/// lists them only where they work, so a client configured for SASL against a listener
/// without it is told "SASL handshake not supported by broker" at once.)
fn api_keys(sasl: bool) -> Vec<ApiVersion> {
    let sasl_apis = [
        (ApiKey::SaslHandshake, super::sasl_handshake::VERSIONS),
        (ApiKey::SaslAuthenticate, super::sasl_authenticate::VERSIONS),
    ];
    SUPPORTED
        .iter()
        .chain(sasl_apis.iter().filter(|_| sasl))
        .map(|(key, range)| {
            ApiVersion::default()
                .with_api_key(*key as i16)
                .with_min_version(range.min)
                .with_max_version(range.max)
        })
        .collect()
}
