//! SaslHandshake (key 17): the client names its SASL mechanism.
//!
//! Served only when SASL is on (`serve --sasl-users`), and only before authentication. The
//! answer lists the enabled mechanisms; a mechanism that is not enabled is answered with
//! `UNSUPPORTED_SASL_MECHANISM` and the connection is closed, as Kafka does. v0 and v1
//! differ in what follows: after v1 the tokens come in SaslAuthenticate requests, after v0
//! as bare length-prefixed frames (Kafka before 1.0; see `sasl_authenticate.rs`).

use bytes::Bytes;
use kafka_protocol::messages::{ApiKey, ResponseKind, SaslHandshakeRequest, SaslHandshakeResponse};
use kafka_protocol::protocol::VersionRange;

use super::frame::{self, FrameError, HeaderPrefix};
use super::{api_name, text, Auth, ConnectionId, Pending, WireBroker};
use crate::log::StorageProvider;
use crate::sasl::{Mechanism, ServerSession};

/// v0 (raw tokens after it) and v1 (SaslAuthenticate after it).
pub const VERSIONS: VersionRange = VersionRange { min: 0, max: 1 };

/// `UNSUPPORTED_SASL_MECHANISM`.
const UNSUPPORTED_SASL_MECHANISM: i16 = 33;

pub(super) fn handle<P: StorageProvider>(
    wire: &mut WireBroker<P>,
    connection: ConnectionId,
    prefix: HeaderPrefix,
    mut frame: Bytes,
) -> Result<(), FrameError> {
    let api_key = ApiKey::SaslHandshake;
    let version = prefix.api_version;
    if !(VERSIONS.min..=VERSIONS.max).contains(&version) {
        return Err(FrameError::UnsupportedVersion {
            api: api_name(api_key),
            version,
            min: VERSIONS.min,
            max: VERSIONS.max,
        });
    }
    frame::decode_header(&mut frame, api_key, version)?;
    let request: SaslHandshakeRequest = frame::decode_body(&mut frame, api_key, version)?;
    let Some(config) = wire.sasl.clone() else {
        return Err(FrameError::Sasl("SaslHandshake while SASL is off".into()));
    };
    let asked = request.mechanism.to_string();
    let enabled = Mechanism::from_name(&asked).filter(|m| config.mechanisms.contains(m));
    let Some(peer) = wire.connections.get_mut(&connection) else {
        return Ok(());
    };
    let mut response = SaslHandshakeResponse::default()
        .with_mechanisms(config.mechanisms.iter().map(|m| text(m.name())).collect());
    match enabled {
        Some(mechanism) => {
            peer.auth = Auth::Authenticate {
                mechanism,
                session: ServerSession::new(mechanism, &*config.random),
                raw: version == 0,
            };
        }
        None => {
            tracing::warn!(
                connection,
                client = %peer.host,
                mechanism = %asked,
                "SASL handshake refused: mechanism not enabled (enabled: {})",
                config
                    .mechanisms
                    .iter()
                    .map(|m| m.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            response = response.with_error_code(UNSUPPORTED_SASL_MECHANISM);
            wire.closing.push_back(connection);
        }
    }
    let seq = peer.answers.begin();
    let pending = Pending {
        connection,
        seq,
        api_key,
        version,
        correlation_id: prefix.correlation_id,
    };
    wire.answer(pending, &ResponseKind::SaslHandshake(response));
    Ok(())
}
