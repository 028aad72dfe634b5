//! The core's client state machines over TCP: the seed's *network producer* and *network
//! consumer*.
//!
//! [`Producer`](crate::client::producer::Producer) and
//! [`Consumer`](crate::client::consumer::Consumer) speak in
//! [`client::protocol`](crate::client::protocol) requests and responses. [`connect`] opens
//! a connection whose [`Sender`] writes them as real Kafka requests and whose [`Receiver`]
//! reads the answers back as responses; the translation both ways is the sans-IO
//! [`client_codec`](crate::wire::client_codec). So the CLI's `produce` and `consume` run
//! exactly the code the simulation and the visualiser run, with a real network in between;
//! a `seek` is still only the client changing its own position.
//!
//! One connection carries everything, pipelined: Kafka answers in request order, so the
//! reader matches each answer to the oldest request still waiting.

use std::io;

use bytes::{Buf, Bytes};
use kafka_protocol::messages::{
    ApiKey, ApiVersionsRequest, ApiVersionsResponse, SaslAuthenticateRequest, SaslHandshakeRequest,
};
use kafka_protocol::protocol::{Request as WireRequest, StrBytes};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

use super::security::{ClientSecurity, SaslLogin};
use crate::sasl::{self, Mechanism};

use crate::client::protocol::{Request, Response};
use crate::wire::client_codec::{self, v, AwaitedAnswer, WireContext};

pub use crate::wire::client_codec::{decode_batches, TopicIds};

/// The first bytes of an HTTP answer (`HTTP/1.1 400 Bad Request`), where a Kafka answer
/// has its length.
const HTTP: &[u8; 4] = b"HTTP";
const HTTP_ANSWER: &str = "the peer answered in HTTP";

fn http_answer(error: &io::Error) -> bool {
    error.kind() == io::ErrorKind::InvalidData && error.to_string() == HTTP_ANSWER
}

/// The sending half: encodes and writes requests.
pub struct Sender {
    write: Box<dyn AsyncWrite + Send + Unpin>,
    client_id: String,
    next_correlation: i32,
    waiting: tokio::sync::mpsc::UnboundedSender<AwaitedAnswer>,
    /// The broker's ApiVersions answer from the handshake.
    versions: ApiVersionsResponse,
    /// The group protocol and the topic ids (see [`use_consumer_protocol`]).
    cx: WireContext,
    /// KIP-1082: a consumer-protocol member chooses its member id, once for its lifetime,
    /// and joins again under it after being fenced.
    member_id: String,
}

/// The receiving half: reads answers in order and translates them.
pub struct Receiver {
    read: Box<dyn AsyncRead + Send + Unpin>,
    waiting: tokio::sync::mpsc::UnboundedReceiver<AwaitedAnswer>,
    cx: WireContext,
}

/// Speak `group.protocol=consumer` (KIP-848) on this connection from now on: heartbeats
/// with ConsumerGroupHeartbeat, partitions named by the ids in `topic_ids`, commits at
/// OffsetCommit v9. Refused with a message that says what to do when the broker does not
/// serve those versions (a broker before Kafka 4.0, or one without the consumer protocol).
pub fn use_consumer_protocol(
    sender: &mut Sender,
    receiver: &mut Receiver,
    topic_ids: TopicIds,
) -> io::Result<()> {
    for (api, version) in [
        (ApiKey::ConsumerGroupHeartbeat, v::CONSUMER_GROUP_HEARTBEAT),
        (ApiKey::OffsetCommit, v::OFFSET_COMMIT_KIP848),
    ] {
        if !serves(&sender.versions, api, version) {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                format!(
                    "the broker does not serve {api:?} v{version}, which group.protocol=consumer \
                     (KIP-848) needs: it is older than Kafka 4.0 or has the consumer protocol \
                     turned off; use the classic protocol (group.protocol=classic)"
                ),
            ));
        }
    }
    let mut id = [0u8; 16];
    (super::os_random())(&mut id);
    sender.member_id = crate::rng::uuid_string(&id);
    let cx = WireContext {
        consumer_protocol: true,
        topic_ids,
    };
    sender.cx = cx.clone();
    receiver.cx = cx;
    Ok(())
}

/// Connect to `addr` as `client_id`, and check (ApiVersions) that the broker serves every
/// version this client speaks. One connection, as a sending and a receiving half.
pub async fn connect(addr: &str, client_id: &str) -> io::Result<(Sender, Receiver)> {
    connect_secure(addr, client_id, &ClientSecurity::default()).await
}

/// [`connect`] with TLS and SASL as `security` says (`--command-config`): TLS handshake
/// first, then ApiVersions, then SaslHandshake and the mechanism's SaslAuthenticate round
/// trips. Errors say which step failed and, for a refused login, the broker's message.
pub async fn connect_secure(
    addr: &str,
    client_id: &str,
    security: &ClientSecurity,
) -> io::Result<(Sender, Receiver)> {
    let tls = security.tls_config().map_err(io::Error::other)?;
    let stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let (read, write): (
        Box<dyn AsyncRead + Send + Unpin>,
        Box<dyn AsyncWrite + Send + Unpin>,
    ) = match tls {
        None => {
            let (read, write) = stream.into_split();
            (Box::new(read), Box::new(write))
        }
        Some(config) => {
            let name = server_name(addr)?;
            let stream = tokio_rustls::TlsConnector::from(config)
                .connect(name, stream)
                .await
                .map_err(|e| {
                    io::Error::new(e.kind(), format!("TLS handshake with {addr} failed: {e}"))
                })?;
            let (read, write) = tokio::io::split(stream);
            (Box::new(read), Box::new(write))
        }
    };
    let (mut sender, mut receiver) = handshake(read, write, addr, client_id).await?;
    if let Some(login) = &security.sasl {
        authenticate(&mut sender, &mut receiver, addr, login).await?;
    }
    Ok((sender, receiver))
}

/// The name a TLS certificate must carry: the host of `host:port` (a name or an address).
fn server_name(addr: &str) -> io::Result<rustls_pki_types::ServerName<'static>> {
    let host = addr.rsplit_once(':').map_or(addr, |(host, _)| host);
    let host = host.trim_start_matches('[').trim_end_matches(']');
    rustls_pki_types::ServerName::try_from(host.to_string()).map_err(|e| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{host:?} is not a host name TLS can check: {e}"),
        )
    })
}

/// Log in with `login` (after ApiVersions): SaslHandshake v1, then the mechanism's tokens
/// in SaslAuthenticate requests.
async fn authenticate(
    sender: &mut Sender,
    receiver: &mut Receiver,
    addr: &str,
    login: &SaslLogin,
) -> io::Result<()> {
    let refused = |why: String| {
        io::Error::new(
            io::ErrorKind::PermissionDenied,
            format!(
                "SASL authentication as {:?} with {} failed: {why}",
                login.username, login.mechanism
            ),
        )
    };
    if !serves(sender.api_versions(), ApiKey::SaslHandshake, 1)
        || !serves(sender.api_versions(), ApiKey::SaslAuthenticate, 0)
    {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{addr} does not offer SASL (no SaslHandshake v1 in its ApiVersions): is security.protocol right?"),
        ));
    }
    let handshake = sender
        .roundtrip(
            receiver,
            SaslHandshakeRequest::default()
                .with_mechanism(StrBytes::from_static_str(login.mechanism.name())),
            1,
        )
        .await?;
    if handshake.error_code != 0 {
        let offered: Vec<String> = handshake.mechanisms.iter().map(|m| m.to_string()).collect();
        return Err(refused(format!(
            "the broker does not enable it (error {}); it offers {}",
            handshake.error_code,
            offered.join(", ")
        )));
    }
    let version = (0..=2)
        .rev()
        .find(|v| serves(sender.api_versions(), ApiKey::SaslAuthenticate, *v))
        .unwrap_or(0);
    let mut token_round = async |token: Vec<u8>| -> io::Result<Bytes> {
        let answer = sender
            .roundtrip(
                receiver,
                SaslAuthenticateRequest::default().with_auth_bytes(Bytes::from(token)),
                version,
            )
            .await?;
        if answer.error_code != 0 {
            let message = answer.error_message.map(|m| m.to_string());
            return Err(refused(format!(
                "{} (error {})",
                message.as_deref().unwrap_or("no message"),
                answer.error_code
            )));
        }
        Ok(answer.auth_bytes)
    };
    match login.mechanism {
        Mechanism::Plain => {
            token_round(sasl::plain::client_message(
                &login.username,
                &login.password,
            ))
            .await?;
        }
        Mechanism::ScramSha256 | Mechanism::ScramSha512 => {
            let mut scram = sasl::scram::ScramClient::new(
                login.mechanism,
                &login.username,
                &login.password,
                sasl::nonce(&*super::os_random()),
            );
            let challenge = token_round(scram.client_first()).await?;
            let proof = scram.client_final(&challenge).map_err(refused)?;
            let signature = token_round(proof).await?;
            scram.verify_server_final(&signature).map_err(refused)?;
        }
    }
    Ok(())
}

/// ApiVersions on a connected stream; `addr` only names the peer in errors.
async fn handshake(
    read: Box<dyn AsyncRead + Send + Unpin>,
    write: Box<dyn AsyncWrite + Send + Unpin>,
    addr: &str,
    client_id: &str,
) -> io::Result<(Sender, Receiver)> {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let mut sender = Sender {
        write,
        client_id: client_id.to_string(),
        next_correlation: 1,
        waiting: tx,
        versions: ApiVersionsResponse::default(),
        cx: WireContext::default(),
        member_id: String::new(),
    };
    let mut receiver = Receiver {
        read,
        waiting: rx,
        cx: WireContext::default(),
    };
    let versions = sender
        .roundtrip(
            &mut receiver,
            ApiVersionsRequest::default(),
            v::API_VERSIONS,
        )
        .await
        .map_err(|error| match http_answer(&error) {
            // `answer frame of 1213486160 bytes` is "HTTP" read as a length: the address is
            // a web server (often minikafka's own --http port), not a Kafka listener.
            true => io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "{addr} answered like an HTTP server, not a Kafka broker; {}",
                    if addr.ends_with(":9092") {
                        "is the Kafka listener on another port?"
                    } else {
                        "the Kafka port is probably 9092"
                    }
                ),
            ),
            // A TLS listener answers a plaintext ApiVersions with a TLS alert (0x15 0x03
            // ...) or closes the connection.
            false if error.kind() == io::ErrorKind::UnexpectedEof => io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("{addr} closed the connection at the first request (a TLS or SASL listener? set security.protocol with --command-config)"),
            ),
            false => error,
        })?;
    client_codec::check_versions(&versions)?;
    sender.versions = versions;
    Ok((sender, receiver))
}

/// Whether a broker's ApiVersions answer lists `api` at `version`. An API the client needs
/// beyond the core's (DescribeConfigs for `topics describe`, say) is asked this first: a
/// broker closes the connection on a request it does not serve.
pub fn serves(versions: &ApiVersionsResponse, api: ApiKey, version: i16) -> bool {
    versions
        .api_keys
        .iter()
        .any(|k| k.api_key == api as i16 && k.min_version <= version && version <= k.max_version)
}

impl Sender {
    /// What the broker serves: its ApiVersions answer when the connection was opened.
    pub fn api_versions(&self) -> &ApiVersionsResponse {
        &self.versions
    }

    fn next_correlation(&mut self) -> i32 {
        let correlation = self.next_correlation;
        self.next_correlation = self.next_correlation.wrapping_add(1);
        correlation
    }

    /// Send one core request, tagged with the state machine's id. Requests that get no
    /// answer (Produce with acks=0) return `false`.
    pub async fn send(&mut self, id: u64, mut request: Request) -> io::Result<bool> {
        let correlation = self.next_correlation();
        if let Request::ConsumerGroupHeartbeat(r) = &mut request {
            if r.member_id.is_empty() && !self.member_id.is_empty() {
                r.member_id = self.member_id.clone();
            }
        }
        let (frame, awaited) = client_codec::encode_request_frame(
            &self.client_id,
            correlation,
            id,
            request,
            &self.cx,
        )?;
        let answered = awaited.is_some();
        if let Some(awaited) = awaited {
            // Queued before the request is written, so it is there when the answer arrives.
            let _ = self.waiting.send(awaited);
        }
        self.write.write_all(&frame).await?;
        Ok(answered)
    }

    /// Send a raw wire request and wait for its answer (admin commands, the handshake).
    /// Only while no core request is in flight on this connection.
    pub async fn roundtrip<R: WireRequest>(
        &mut self,
        receiver: &mut Receiver,
        request: R,
        version: i16,
    ) -> io::Result<R::Response> {
        let correlation = self.next_correlation();
        let frame =
            client_codec::encode_raw_frame(&self.client_id, correlation, &request, version)?;
        self.write.write_all(&frame).await?;
        let answer = receiver.read_frame().await?;
        client_codec::decode_raw_frame::<R>(answer, correlation, version)
    }
}

impl Receiver {
    /// The next answer: the state machine's id and the translated response.
    pub async fn receive(&mut self) -> io::Result<(u64, Response)> {
        let frame = self.read_frame().await?;
        // The channel keeps the send order, which is the answer order.
        let awaited = self
            .waiting
            .recv()
            .await
            .ok_or_else(|| io::Error::other("connection closed"))?;
        Ok((
            awaited.id,
            client_codec::decode_response_frame(&awaited, frame, &self.cx)?,
        ))
    }

    async fn read_frame(&mut self) -> io::Result<Bytes> {
        let mut len = [0u8; 4];
        self.read.read_exact(&mut len).await?;
        if &len == HTTP {
            return Err(io::Error::new(io::ErrorKind::InvalidData, HTTP_ANSWER));
        }
        if len[0] == 0x15 && len[1] == 0x03 {
            // A TLS alert record (content type 21, version 3.x): a TLS listener.
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "the peer answered with a TLS alert: it is a TLS listener (set security.protocol=SSL or SASL_SSL with --command-config)",
            ));
        }
        let len = (&len[..]).get_i32();
        if !(0..=256 * 1024 * 1024).contains(&len) {
            return Err(io::Error::other(format!("answer frame of {len} bytes")));
        }
        let mut frame = vec![0u8; len as usize];
        self.read.read_exact(&mut frame).await?;
        Ok(Bytes::from(frame))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kafka_protocol::messages::api_versions_response::ApiVersion;

    #[test]
    fn serves_reads_the_version_range_of_the_api_asked_for() {
        let answer = |ranges: &[(ApiKey, i16, i16)]| {
            ApiVersionsResponse::default().with_api_keys(
                ranges
                    .iter()
                    .map(|&(key, min, max)| {
                        ApiVersion::default()
                            .with_api_key(key as i16)
                            .with_min_version(min)
                            .with_max_version(max)
                    })
                    .collect(),
            )
        };
        let old = answer(&[(ApiKey::Metadata, 0, 5), (ApiKey::DescribeConfigs, 0, 0)]);
        assert!(serves(&old, ApiKey::DescribeConfigs, 0));
        assert!(!serves(&old, ApiKey::DescribeConfigs, 1), "v0 only");
        let without = answer(&[(ApiKey::Metadata, 0, 12)]);
        assert!(!serves(&without, ApiKey::DescribeConfigs, 1), "not listed");
        assert!(serves(&without, ApiKey::Metadata, 4));
        let newer = answer(&[(ApiKey::DescribeConfigs, 1, 4)]);
        assert!(serves(&newer, ApiKey::DescribeConfigs, 1));
        assert!(
            !serves(&newer, ApiKey::DescribeConfigs, 0),
            "below its minimum"
        );
    }

    /// An HTTP server (minikafka's `--http` port, say) answers the ApiVersions request with
    /// `HTTP/1.1 400 ...`: the connection says so instead of reading "HTTP" as a length.
    #[tokio::test]
    async fn an_http_answer_is_named() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut buf = [0u8; 64];
            let _ = socket.read(&mut buf).await;
            let _ = socket
                .write_all(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n")
                .await;
        });
        let error = match connect(&addr, "test").await {
            Ok(_) => panic!("an HTTP server is not a broker"),
            Err(error) => error.to_string(),
        };
        assert_eq!(
            error,
            format!("{addr} answered like an HTTP server, not a Kafka broker; the Kafka port is probably 9092")
        );
    }
}
