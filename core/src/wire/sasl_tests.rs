//! SASL through [`WireBroker`], without sockets: what is served before authentication,
//! what ApiVersions lists, a whole SCRAM login in SaslAuthenticate requests and after a v0
//! handshake in bare frames, and a refused login answered and then closed.

use bytes::{BufMut, Bytes, BytesMut};
use kafka_protocol::messages::{
    ApiKey, ApiVersionsRequest, ApiVersionsResponse, MetadataRequest, SaslAuthenticateRequest,
    SaslHandshakeRequest,
};
use kafka_protocol::protocol::{Request as WireRequest, StrBytes};

use super::client_codec::{decode_raw_frame, encode_raw_frame};
use super::{ConnectionId, FrameError, SaslConfig, WireBroker};
use crate::broker::{Broker, BrokerConfig};
use crate::sasl::scram::{ScramClient, ScramCredential};
use crate::sasl::{plain, Credentials, Mechanism};

const C: ConnectionId = 7;

fn serves(versions: &ApiVersionsResponse, api: ApiKey, version: i16) -> bool {
    versions
        .api_keys
        .iter()
        .any(|k| k.api_key == api as i16 && k.min_version <= version && version <= k.max_version)
}

fn broker(sasl: bool) -> WireBroker {
    let wire = WireBroker::new(Broker::new(BrokerConfig::default(), 0));
    if !sasl {
        return wire;
    }
    // Salted once: 4096 PBKDF2 rounds per mechanism are slow in a debug build.
    static CREDENTIALS: std::sync::OnceLock<Credentials> = std::sync::OnceLock::new();
    let credentials = CREDENTIALS
        .get_or_init(|| {
            Credentials::parse_with("alice:alice-secret\n", |m, p| {
                ScramCredential::derive(m, p, b"test salt", 4096)
            })
            .unwrap()
        })
        .clone();
    let mut wire = wire.with_sasl(SaslConfig {
        credentials,
        mechanisms: vec![Mechanism::Plain, Mechanism::ScramSha256],
        random: std::sync::Arc::new(|bytes: &mut [u8]| bytes.fill(7)),
    });
    wire.connection_opened(C, "127.0.0.1");
    wire
}

/// Send `request` and return the one answer it gets.
fn call<R: WireRequest>(
    wire: &mut WireBroker,
    request: R,
    version: i16,
) -> Result<R::Response, FrameError> {
    let frame = encode_raw_frame("test", 42, &request, version).unwrap();
    wire.handle_frame(C, frame.slice(4..), 0)?;
    let answer = wire.poll_transmit().expect("an answer");
    let bytes = answer.response.unwrap().to_bytes().unwrap();
    Ok(decode_raw_frame::<R>(bytes.slice(4..), 42, version).unwrap())
}

fn authenticate(wire: &mut WireBroker, token: Vec<u8>) -> (i16, Option<String>, Bytes) {
    let answer = call(
        wire,
        SaslAuthenticateRequest::default().with_auth_bytes(Bytes::from(token)),
        2,
    )
    .unwrap();
    (
        answer.error_code,
        answer.error_message.map(|m| m.to_string()),
        answer.auth_bytes,
    )
}

fn handshake(wire: &mut WireBroker, mechanism: &'static str, version: i16) -> i16 {
    call(
        wire,
        SaslHandshakeRequest::default().with_mechanism(StrBytes::from_static_str(mechanism)),
        version,
    )
    .unwrap()
    .error_code
}

#[test]
fn api_versions_lists_the_sasl_apis_only_with_sasl_on() {
    for sasl in [false, true] {
        let mut wire = broker(sasl);
        let versions = call(&mut wire, ApiVersionsRequest::default(), 3).unwrap();
        assert_eq!(serves(&versions, ApiKey::SaslHandshake, 1), sasl);
        assert_eq!(serves(&versions, ApiKey::SaslAuthenticate, 2), sasl);
    }
}

#[test]
fn nothing_but_api_versions_and_the_handshake_before_authentication() {
    let mut wire = broker(true);
    call(&mut wire, ApiVersionsRequest::default(), 3).unwrap();
    let refused = call(&mut wire, MetadataRequest::default(), 12).unwrap_err();
    assert!(
        refused.to_string().contains("Metadata request"),
        "{refused}"
    );
    // A SaslAuthenticate before the handshake is refused too.
    let mut wire = broker(true);
    let early = call(&mut wire, SaslAuthenticateRequest::default(), 2).unwrap_err();
    assert!(matches!(early, FrameError::Sasl(_)));
    // And during the exchange, even ApiVersions.
    let mut wire = broker(true);
    assert_eq!(handshake(&mut wire, "SCRAM-SHA-256", 1), 0);
    assert!(call(&mut wire, ApiVersionsRequest::default(), 3).is_err());
}

#[test]
fn a_scram_login_then_the_connection_is_served() {
    let mut wire = broker(true);
    assert_eq!(handshake(&mut wire, "SCRAM-SHA-256", 1), 0);
    let mut client = ScramClient::new(
        Mechanism::ScramSha256,
        "alice",
        "alice-secret",
        "clientnonce".into(),
    );
    let (code, _, challenge) = authenticate(&mut wire, client.client_first());
    assert_eq!(code, 0);
    let (code, _, signature) = authenticate(&mut wire, client.client_final(&challenge).unwrap());
    assert_eq!(code, 0);
    client.verify_server_final(&signature).unwrap();
    assert_eq!(wire.poll_authenticated(), Some(C), "the net layer is told");
    let metadata = call(&mut wire, MetadataRequest::default(), 12).unwrap();
    assert_eq!(metadata.brokers.len(), 1);
    assert!(
        call(&mut wire, SaslHandshakeRequest::default(), 1).is_err(),
        "no second login"
    );
    assert!(wire.poll_close().is_none());
}

#[test]
fn a_wrong_password_is_answered_then_closed() {
    let mut wire = broker(true);
    assert_eq!(handshake(&mut wire, "PLAIN", 1), 0);
    let (code, message, _) = authenticate(&mut wire, plain::client_message("alice", "nope"));
    assert_eq!(code, 58, "SASL_AUTHENTICATION_FAILED");
    assert_eq!(
        message.as_deref(),
        Some("Authentication failed: Invalid username or password")
    );
    assert_eq!(wire.poll_close(), Some(C));
}

#[test]
fn a_mechanism_not_enabled_is_refused_with_the_list() {
    let mut wire = broker(true);
    let answer = call(
        &mut wire,
        SaslHandshakeRequest::default().with_mechanism(StrBytes::from_static_str("SCRAM-SHA-512")),
        1,
    )
    .unwrap();
    assert_eq!(answer.error_code, 33, "UNSUPPORTED_SASL_MECHANISM");
    let offered: Vec<String> = answer.mechanisms.iter().map(|m| m.to_string()).collect();
    assert_eq!(offered, ["PLAIN", "SCRAM-SHA-256"]);
    assert_eq!(wire.poll_close(), Some(C));
}

/// After a v0 handshake the tokens are bare frames (Kafka before 1.0; kafka-python's
/// fallback).
#[test]
fn v0_handshake_then_bare_tokens() {
    let raw = |wire: &mut WireBroker, token: &[u8]| -> Result<Bytes, FrameError> {
        wire.handle_frame(C, Bytes::copy_from_slice(token), 0)?;
        let bytes = wire
            .poll_transmit()
            .unwrap()
            .response
            .unwrap()
            .to_bytes()
            .unwrap();
        let len = i32::from_be_bytes(bytes[..4].try_into().unwrap()) as usize;
        assert_eq!(len, bytes.len() - 4);
        Ok(bytes.slice(4..))
    };
    let mut wire = broker(true);
    assert_eq!(handshake(&mut wire, "SCRAM-SHA-256", 0), 0);
    let mut client = ScramClient::new(
        Mechanism::ScramSha256,
        "alice",
        "alice-secret",
        "abcdef".into(),
    );
    let challenge = raw(&mut wire, &client.client_first()).unwrap();
    let signature = raw(&mut wire, &client.client_final(&challenge).unwrap()).unwrap();
    client.verify_server_final(&signature).unwrap();
    assert_eq!(
        call(&mut wire, MetadataRequest::default(), 12)
            .unwrap()
            .brokers
            .len(),
        1
    );
    // A wrong password in bare frames: nothing to answer with, the connection closes.
    let mut wire = broker(true);
    assert_eq!(handshake(&mut wire, "PLAIN", 0), 0);
    let mut token = BytesMut::new();
    token.put_slice(&plain::client_message("alice", "nope"));
    assert!(matches!(raw(&mut wire, &token), Err(FrameError::Sasl(_))));
}

mod hostile {
    //! Whatever a stranger sends before logging in: no panic, and nothing but ApiVersions,
    //! SaslHandshake and SaslAuthenticate is ever served (a Metadata among the frames,
    //! which would auto-create nothing but would be answered, closes the connection instead).

    use super::*;
    use proptest::prelude::*;

    /// A frame: random bytes, or a real request of one of the kinds a client sends first,
    /// or a SASL token of random bytes.
    fn frame() -> impl Strategy<Value = Bytes> {
        let bytes = proptest::collection::vec(any::<u8>(), 0..200);
        prop_oneof![
            bytes.clone().prop_map(Bytes::from),
            Just(encode_raw_frame("p", 1, &ApiVersionsRequest::default(), 3).unwrap()),
            Just(encode_raw_frame("p", 2, &MetadataRequest::default(), 12).unwrap()),
            (0..3usize, 0..2i16).prop_map(|(m, v)| {
                let name = ["PLAIN", "SCRAM-SHA-256", "GSSAPI"][m];
                let request =
                    SaslHandshakeRequest::default().with_mechanism(StrBytes::from_static_str(name));
                encode_raw_frame("p", 3, &request, v).unwrap()
            }),
            (bytes, 0..3i16).prop_map(|(token, v)| {
                let request =
                    SaslAuthenticateRequest::default().with_auth_bytes(Bytes::from(token));
                encode_raw_frame("p", 4, &request, v).unwrap()
            }),
        ]
        .prop_map(|frame| {
            // Random bytes are sent as they are; encoded requests without their length.
            if frame.len() >= 4 && frame[..4] == ((frame.len() - 4) as i32).to_be_bytes() {
                frame.slice(4..)
            } else {
                frame
            }
        })
    }

    proptest! {
        #[test]
        fn strangers_get_nothing_but_the_handshake(frames in proptest::collection::vec(frame(), 1..12)) {
            let mut wire = broker(true);
            for frame in frames {
                let is_metadata = frame.len() >= 2 && frame[..2] == (ApiKey::Metadata as i16).to_be_bytes();
                let before = wire.transmit.len();
                match wire.handle_frame(C, frame, 0) {
                    // A Metadata request is never answered before a login.
                    Ok(()) => prop_assert!(!is_metadata || wire.transmit.len() == before),
                    // The net layer closes the connection: stop here, as it would.
                    Err(_) => break,
                }
                if wire.poll_close().is_some() {
                    break;
                }
            }
            prop_assert!(wire.poll_authenticated().is_none(), "nobody knows alice's password");
        }
    }
}
