//! Helpers for the cross-cutting tests in `tests/tests/`: start a minikafka server on a
//! free port, and talk to it with a minimal Kafka client built on the `kafka-protocol`
//! crate (the same crate the server uses, from the client side).

pub mod sequence;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use bytes::{Buf, BufMut, Bytes, BytesMut};
use kafka_protocol::messages::{RequestHeader, ResponseHeader};
use kafka_protocol::protocol::{Decodable, Encodable, HeaderVersion, Request, StrBytes};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use minikafka::log::{MemoryProvider, StorageProvider};
use minikafka::net::storage::FileProvider;
use minikafka::net::{now_ms, LogEvents, Server, ServerConfig};
use minikafka::{Broker, BrokerConfig};

/// A server running in this process on 127.0.0.1 and a free port.
pub struct TestServer<P: StorageProvider> {
    /// Where clients connect.
    pub addr: SocketAddr,
    /// The live-mode HTTP address, when started with it.
    pub http: Option<SocketAddr>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<Broker<P>>>,
}

/// Broker settings for tests: no initial rebalance delay, so groups form at once.
pub fn test_config() -> BrokerConfig {
    let mut config = BrokerConfig::default();
    config.coordinator.group_initial_rebalance_delay_ms = 0;
    config
}

impl TestServer<MemoryProvider> {
    /// A server with an in-memory broker.
    pub async fn memory(config: BrokerConfig, limits: ServerConfig) -> Self {
        TestServer::start(config, limits, None, |c| Broker::new(c, now_ms())).await
    }

    /// A server with an in-memory broker and live mode on a free HTTP port, serving `dist`.
    pub async fn memory_live(config: BrokerConfig, dist: &Path) -> Self {
        TestServer::start(
            config,
            ServerConfig::default(),
            Some((dist.to_path_buf(), false)),
            |c| Broker::new(c, now_ms()),
        )
        .await
    }

    /// The same, with viewers allowed admin actions (`--http-admin`).
    pub async fn memory_live_admin(config: BrokerConfig, dist: &Path) -> Self {
        TestServer::start(
            config,
            ServerConfig::default(),
            Some((dist.to_path_buf(), true)),
            |c| Broker::new(c, now_ms()),
        )
        .await
    }
}

impl TestServer<FileProvider> {
    /// A server whose logs live in `dir` (recovered if it holds a previous run).
    pub async fn files(dir: &Path, config: BrokerConfig) -> Self {
        let dir = dir.to_path_buf();
        TestServer::start(config, ServerConfig::default(), None, move |c| {
            let provider = FileProvider::open(&dir).expect("data dir");
            Broker::open(c, provider, now_ms()).expect("storage loads")
        })
        .await
    }
}

impl<P: StorageProvider + Send + 'static> TestServer<P> {
    async fn start(
        mut config: BrokerConfig,
        limits: ServerConfig,
        dist: Option<(PathBuf, bool)>,
        make: impl FnOnce(BrokerConfig) -> Broker<P>,
    ) -> Self
    where
        P::Storage: Send,
    {
        let server = Server::bind("127.0.0.1:0".parse().unwrap(), limits)
            .await
            .expect("bind");
        let server = match dist {
            Some((dist, admin)) => server
                .with_http("127.0.0.1:0".parse().unwrap(), dist)
                .await
                .expect("bind http")
                .with_http_admin(admin),
            None => server,
        };
        let http = server.http_addr();
        let addr = server.local_addr().unwrap();
        config.advertised_host = "127.0.0.1".into();
        config.advertised_port = i32::from(addr.port());
        let broker = make(config);
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let (broker, _) = server
                .run(broker, LogEvents, async {
                    let _ = stopped.await;
                })
                .await
                .expect("server runs");
            broker
        });
        TestServer {
            addr,
            http,
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// Stop the server abruptly, as a `kill -9` would in the middle of its work: the task is
    /// dropped where it is, with no final flush or shutdown step. (What the operating
    /// system already has of the files stays, as it does after a real kill.)
    pub async fn kill(mut self) {
        let task = self.task.take().unwrap();
        task.abort();
        let _ = task.await;
    }

    /// Stop the server gracefully; the broker it served.
    pub async fn stop(mut self) -> Broker<P> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.task.take().unwrap().await.expect("server task")
    }
}

/// A connection speaking the Kafka protocol, one request at a time (or pipelined with
/// [`Client::send`] and [`Client::receive`]).
pub struct Client {
    /// The socket.
    pub stream: TcpStream,
    next_correlation: i32,
    client_id: String,
}

impl Client {
    /// Connect as `client_id`.
    pub async fn connect(addr: SocketAddr, client_id: &str) -> Client {
        let stream = TcpStream::connect(addr).await.expect("connect");
        stream.set_nodelay(true).unwrap();
        Client {
            stream,
            next_correlation: 1,
            client_id: client_id.into(),
        }
    }

    /// Send a request without waiting; its correlation id.
    pub async fn send<R: Request>(&mut self, request: &R, version: i16) -> i32 {
        let correlation = self.next_correlation;
        self.next_correlation += 1;
        let header = RequestHeader::default()
            .with_request_api_key(R::KEY)
            .with_request_api_version(version)
            .with_correlation_id(correlation)
            .with_client_id(Some(StrBytes::from_string(self.client_id.clone())));
        let mut body = BytesMut::new();
        header
            .encode(&mut body, R::header_version(version))
            .expect("header encodes");
        request.encode(&mut body, version).expect("request encodes");
        let mut frame = BytesMut::with_capacity(body.len() + 4);
        frame.put_i32(body.len() as i32);
        frame.extend_from_slice(&body);
        self.stream.write_all(&frame).await.expect("write");
        correlation
    }

    /// Read the next response frame, checking its correlation id.
    pub async fn receive<R: Request>(&mut self, correlation: i32, version: i16) -> R::Response {
        let mut frame = self.read_frame().await.expect("a response");
        let header = ResponseHeader::decode(
            &mut frame,
            <R::Response as HeaderVersion>::header_version(version),
        )
        .expect("response header");
        assert_eq!(
            header.correlation_id, correlation,
            "responses in request order"
        );
        R::Response::decode(&mut frame, version).expect("response decodes")
    }

    /// Send and wait for the answer.
    pub async fn call<R: Request>(&mut self, request: R, version: i16) -> R::Response {
        let correlation = self.send(&request, version).await;
        tokio::time::timeout(
            Duration::from_secs(30),
            self.receive::<R>(correlation, version),
        )
        .await
        .expect("answered within 30 s")
    }

    /// Read one length-prefixed frame; `None` if the server closed the connection.
    pub async fn read_frame(&mut self) -> Option<Bytes> {
        let mut len = [0u8; 4];
        self.stream.read_exact(&mut len).await.ok()?;
        let len = (&len[..]).get_i32();
        let mut frame = vec![0u8; len as usize];
        self.stream.read_exact(&mut frame).await.ok()?;
        Some(Bytes::from(frame))
    }

    /// Whether the server closes the connection within `wait`.
    pub async fn closed_within(&mut self, wait: Duration) -> bool {
        let mut buf = [0u8; 1024];
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            match tokio::time::timeout_at(deadline, self.stream.read(&mut buf)).await {
                Err(_) => return false,
                Ok(Ok(0)) | Ok(Err(_)) => return true,
                Ok(Ok(_)) => continue,
            }
        }
    }
}

/// A fresh, empty directory under the system's temp dir, removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    /// A new directory named after `label`.
    pub fn new(label: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!(
            "minikafka-{label}-{}-{}",
            std::process::id(),
            now_ms()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A consumer-group JoinGroup (range assignor, 10 s session and rebalance timeouts) for
/// `member` (empty on the first join, which KIP-394 answers with MEMBER_ID_REQUIRED).
pub fn join_request(
    group: &str,
    member: &str,
    metadata: Bytes,
) -> kafka_protocol::messages::JoinGroupRequest {
    use kafka_protocol::messages::join_group_request::JoinGroupRequestProtocol;
    use kafka_protocol::messages::{GroupId, JoinGroupRequest};
    let s = |x: &str| StrBytes::from_string(x.to_string());
    JoinGroupRequest::default()
        .with_group_id(GroupId(s(group)))
        .with_session_timeout_ms(10_000)
        .with_rebalance_timeout_ms(10_000)
        .with_member_id(s(member))
        .with_protocol_type(s("consumer"))
        .with_protocols(vec![JoinGroupRequestProtocol::default()
            .with_name(s("range"))
            .with_metadata(metadata)])
}
