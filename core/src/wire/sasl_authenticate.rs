//! SaslAuthenticate (key 36): the SASL tokens, once the handshake chose a mechanism.
//!
//! Each request carries the client's next token; the answer carries the server's (SCRAM's
//! challenge, then its signature; nothing for PLAIN). The mechanisms are the sans-IO state
//! machines of [`crate::sasl`]. A refused login is answered with
//! `SASL_AUTHENTICATION_FAILED` and a message saying why (never the password), logged with
//! the user and mechanism, and the connection is closed after the answer, as Kafka does.
//! Once authenticated, the connection is served as usual. The session lifetime is 0: no
//! re-authentication (KIP-368) is asked for.
//!
//! After a v0 handshake there are no SaslAuthenticate requests: each token is a bare
//! frame, answered with a bare frame ([`raw_token`]); a refusal can only close the
//! connection.

use bytes::{BufMut, Bytes, BytesMut};
use kafka_protocol::messages::{
    ApiKey, ResponseKind, SaslAuthenticateRequest, SaslAuthenticateResponse,
};
use kafka_protocol::protocol::VersionRange;

use super::frame::{self, FrameError, HeaderPrefix};
use super::{api_name, text, Auth, ConnectionId, Pending, WireBroker};
use crate::log::StorageProvider;
use crate::sasl::{Mechanism, Step};

/// v0..v2 (v1 adds the session lifetime, v2 is flexible).
pub const VERSIONS: VersionRange = VersionRange { min: 0, max: 2 };

/// `SASL_AUTHENTICATION_FAILED`.
const SASL_AUTHENTICATION_FAILED: i16 = 58;

/// What a step means for the connection, logged here.
enum Outcome {
    /// Answer with this token (the connection is served from now on if it was the last).
    Answer(Vec<u8>),
    /// Refused: the message for the client.
    Refused(String),
}

/// Feed `token` to the connection's mechanism.
fn step<P: StorageProvider>(
    wire: &mut WireBroker<P>,
    connection: ConnectionId,
    token: &[u8],
) -> Option<Outcome> {
    let config = wire.sasl.clone()?;
    let peer = wire.connections.get_mut(&connection)?;
    let Auth::Authenticate {
        mechanism, session, ..
    } = &mut peer.auth
    else {
        return None;
    };
    let mechanism: Mechanism = *mechanism;
    Some(match session.step(&config.credentials, token) {
        Step::Continue(challenge) => Outcome::Answer(challenge),
        Step::Done { response, user } => {
            tracing::info!(
                connection,
                client = %peer.host,
                %user,
                %mechanism,
                "SASL authentication succeeded"
            );
            peer.auth = Auth::Open;
            wire.authenticated.push_back(connection);
            Outcome::Answer(response)
        }
        Step::Failed(failure) => {
            tracing::warn!(
                connection,
                client = %peer.host,
                user = failure.user.as_deref().unwrap_or("(not named)"),
                %mechanism,
                reason = %failure.message,
                "SASL authentication failed"
            );
            Outcome::Refused(failure.message)
        }
    })
}

pub(super) fn handle<P: StorageProvider>(
    wire: &mut WireBroker<P>,
    connection: ConnectionId,
    prefix: HeaderPrefix,
    mut frame: Bytes,
) -> Result<(), FrameError> {
    let api_key = ApiKey::SaslAuthenticate;
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
    let request: SaslAuthenticateRequest = frame::decode_body(&mut frame, api_key, version)?;
    let Some(outcome) = step(wire, connection, &request.auth_bytes) else {
        return Ok(());
    };
    let response = match outcome {
        Outcome::Answer(token) => {
            SaslAuthenticateResponse::default().with_auth_bytes(Bytes::from(token))
        }
        Outcome::Refused(message) => {
            wire.closing.push_back(connection);
            SaslAuthenticateResponse::default()
                .with_error_code(SASL_AUTHENTICATION_FAILED)
                .with_error_message(Some(text(&message)))
        }
    };
    let Some(peer) = wire.connections.get_mut(&connection) else {
        return Ok(());
    };
    let seq = peer.answers.begin();
    let pending = Pending {
        connection,
        seq,
        api_key,
        version,
        correlation_id: prefix.correlation_id,
    };
    wire.answer(pending, &ResponseKind::SaslAuthenticate(response));
    Ok(())
}

/// A bare token after a v0 handshake; the answer is a bare frame too.
pub(super) fn raw_token<P: StorageProvider>(
    wire: &mut WireBroker<P>,
    connection: ConnectionId,
    frame: Bytes,
) -> Result<(), FrameError> {
    match step(wire, connection, &frame) {
        None => Ok(()),
        Some(Outcome::Refused(message)) => Err(FrameError::Sasl(format!(
            "authentication failed (v0 handshake: no error can be sent): {message}"
        ))),
        Some(Outcome::Answer(token)) => {
            let Some(peer) = wire.connections.get_mut(&connection) else {
                return Ok(());
            };
            let mut out = BytesMut::with_capacity(4 + token.len());
            out.put_i32(token.len() as i32);
            out.put_slice(&token);
            let seq = peer.answers.begin();
            let pending = Pending {
                connection,
                seq,
                api_key: ApiKey::SaslAuthenticate,
                version: 0,
                correlation_id: 0,
            };
            wire.finish(pending, Some(out.freeze().into()));
            Ok(())
        }
    }
}
