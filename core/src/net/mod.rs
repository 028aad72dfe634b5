//! The TCP server: tokio plumbing around [`WireBroker`](crate::wire::WireBroker).
//!
//! Everything Kafka-specific happens in the sans-IO core; this module only moves bytes and
//! time, the way a quinn or str0m driver does:
//!
//! - one **accept** loop, refusing connections beyond `max_connections` (with a log line);
//! - per connection a **reader** task that cuts the byte stream into length-prefixed frames
//!   (refusing negative or oversized lengths, closing idle connections), and a **writer**
//!   task that writes the answers in order;
//! - one **core** task that owns the broker: it takes frames and connection events from a
//!   channel, calls the core, sleeps until the core's next timer (`poll_timeout`), and
//!   routes the answers to the writers.
//!
//! Durability: under `--fsync always` a step's answers wait until a flush on another
//! thread covers its writes (`group_commit.rs`); the core task goes on meanwhile.
//!
//! Backpressure: a connection may have at most `max_in_flight` requests unanswered (Kafka
//! itself reads one request at a time per connection). A client that never reads its
//! answers therefore stops being read, and costs bounded memory, while every other client
//! is served as usual. Across connections, the bytes of unanswered requests are bounded by
//! `queued_max_request_bytes` (Kafka's `queued.max.request.bytes`): a connection waits for
//! room before it reads a request's body, so the server's memory does not grow with the
//! number of producers.

pub mod client;
mod connection;
pub mod group_commit;
pub mod http;
pub mod security;
pub mod storage;
pub mod tls;
pub mod watch;

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use tokio::net::TcpListener;
use tokio::sync::{broadcast, mpsc, oneshot, Semaphore};
use tokio::task::AbortHandle;

use crate::log::StorageProvider;
use crate::wire::{ConnectionId, ResponseFrame, Transmit, WireBroker};
use crate::{Broker, Millis};
use group_commit::{Durability, Held};

/// Limits and addresses of the server. Defaults are Kafka's where Kafka has one.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// `socket.request.max.bytes`: the largest request frame accepted (Kafka: 100 MiB).
    pub max_request_bytes: usize,
    /// Connections accepted at once; more are closed right after accept, with a log line.
    pub max_connections: usize,
    /// `connections.max.idle.ms`: a connection that sends nothing for this long is closed
    /// (Kafka: 10 minutes).
    pub idle_timeout: Duration,
    /// Requests a connection may have unanswered before the server stops reading from it.
    /// Under `--fsync always` one flush covers at most this many appends of one producer,
    /// so it is larger than Kafka's one-at-a-time: `queued_max_request_bytes` bounds the
    /// memory it could take.
    pub max_in_flight: usize,
    /// `queued.max.request.bytes`: the bytes of requests read and not yet answered, over
    /// all connections. A request larger than this is still read when it is alone.
    pub queued_max_request_bytes: usize,
    /// Send fetched batches from their segment files with `sendfile` (zero-copy, as Kafka
    /// does); off: read them into memory and write them (one copy). TLS connections
    /// always copy.
    pub sendfile: bool,
    /// TLS on every connection (`serve --tls-cert --tls-key`).
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// With SASL on: the largest frame accepted before a connection has logged in (Kafka's
    /// `sasl.server.max.receive.size`, 512 KiB), so that a client nobody knows cannot make
    /// the server allocate `max_request_bytes`.
    pub pre_auth_max_request_bytes: Option<usize>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            max_request_bytes: 100 * 1024 * 1024,
            max_connections: 4096,
            idle_timeout: Duration::from_secs(600),
            max_in_flight: 32,
            queued_max_request_bytes: 64 * 1024 * 1024,
            sendfile: true,
            tls: None,
            pre_auth_max_request_bytes: None,
        }
    }
}

/// The operating system's CSPRNG, for SCRAM nonces and salts (the sans-IO core takes its
/// randomness from the driver).
pub fn os_random() -> crate::sasl::Random {
    Arc::new(|bytes: &mut [u8]| {
        // Once the system has booted this does not fail; if it ever does, stop rather than
        // go on with predictable nonces.
        getrandom::fill(bytes).expect("the operating system's random number generator failed")
    })
}

/// Kafka's `sasl.server.max.receive.size` default.
const PRE_AUTH_MAX_REQUEST_BYTES: usize = 512 * 1024;

/// Wall-clock milliseconds: Kafka timestamps are wall-clock time.
pub fn now_ms() -> Millis {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as Millis)
}

/// What connection tasks tell the core task.
enum CoreMsg {
    Opened {
        id: ConnectionId,
        host: String,
        writer: mpsc::UnboundedSender<Option<ResponseFrame>>,
        reader: AbortHandle,
        frame_limit: Arc<AtomicUsize>,
    },
    Frame {
        id: ConnectionId,
        frame: Bytes,
    },
    Closed {
        id: ConnectionId,
        reason: String,
    },
    /// Live mode: a viewer wants the broker as it is now.
    Snapshot(oneshot::Sender<String>),
    /// Live mode with `--http-admin`: a viewer asks for an admin action.
    Admin(
        crate::live::AdminRequest,
        oneshot::Sender<Result<String, String>>,
    ),
}

/// Admin answers wait until the step's writes are flushed, like produce acknowledgements.
type AdminReplies = Vec<(
    oneshot::Sender<Result<String, String>>,
    Result<String, String>,
)>;

/// What the core task keeps per connection.
struct Link {
    writer: mpsc::UnboundedSender<Option<ResponseFrame>>,
    reader: AbortHandle,
    /// The largest frame its reader accepts: raised to `max_request_bytes` at its login.
    frame_limit: Arc<AtomicUsize>,
}

/// A bound listener, ready to serve. Bind first, so that a test (or `--listen :0`) learns
/// the port before the broker is configured with it as its advertised address.
pub struct Server {
    listener: TcpListener,
    config: ServerConfig,
    http: Option<(TcpListener, PathBuf)>,
    http_admin: bool,
    sasl: Option<crate::wire::SaslConfig>,
}

impl Server {
    /// Bind `addr`.
    pub async fn bind(addr: SocketAddr, config: ServerConfig) -> io::Result<Server> {
        let listener = TcpListener::bind(addr).await?;
        Ok(Server {
            listener,
            config,
            http: None,
            http_admin: false,
            sasl: None,
        })
    }

    /// Let live viewers reset a group's offsets and delete topics (`--http-admin`). Off by
    /// default: anyone who can open the page could otherwise do it.
    pub fn with_http_admin(mut self, allowed: bool) -> Server {
        self.http_admin = allowed;
        self
    }

    /// Require SASL authentication on every Kafka connection (`serve --sasl-users`).
    pub fn with_sasl(mut self, sasl: crate::wire::SaslConfig) -> Server {
        self.sasl = Some(sasl);
        self.config.pre_auth_max_request_bytes = Some(PRE_AUTH_MAX_REQUEST_BYTES);
        self
    }

    /// Kafka's name for this listener's security protocol: PLAINTEXT, SSL, SASL_PLAINTEXT
    /// or SASL_SSL.
    pub fn security_protocol(&self) -> &'static str {
        match (self.config.tls.is_some(), self.sasl.is_some()) {
            (false, false) => "PLAINTEXT",
            (true, false) => "SSL",
            (false, true) => "SASL_PLAINTEXT",
            (true, true) => "SASL_SSL",
        }
    }

    /// Also serve live mode over HTTP on `addr`: the visualiser from `dist` and the
    /// broker's events at `/live` (see [`live`]).
    pub async fn with_http(mut self, addr: SocketAddr, dist: PathBuf) -> io::Result<Server> {
        self.http = Some((TcpListener::bind(addr).await?, dist));
        Ok(self)
    }

    /// The HTTP address, when live mode is on.
    pub fn http_addr(&self) -> Option<SocketAddr> {
        self.http.as_ref().and_then(|(l, _)| l.local_addr().ok())
    }

    /// The address actually bound (the port, when bound to port 0).
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serve `broker` until `shutdown` completes; returns the broker (for a final flush).
    /// `hooks` sees every step of the core, for durability and live mode.
    pub async fn run<P: StorageProvider, H: CoreHooks<P>>(
        self,
        broker: Broker<P>,
        mut hooks: H,
        shutdown: impl Future<Output = ()>,
    ) -> io::Result<(Broker<P>, H)> {
        let (core_tx, mut core_rx) = mpsc::unbounded_channel::<CoreMsg>();
        let events = match self.http {
            Some((listener, dist)) => {
                let (events, _) = broadcast::channel(http::EVENT_BUFFER);
                let app = http::router(http::HttpShared {
                    source: http::Source::Broker(core_tx.clone()),
                    events: events.clone(),
                    dist,
                    admin: self.http_admin,
                    foreign: false,
                    bootstrap: format!(
                        "{}:{}",
                        broker.config().advertised_host,
                        broker.config().advertised_port
                    ),
                });
                tokio::spawn(async move {
                    if let Err(error) = axum::serve(listener, app).await {
                        tracing::error!(%error, "the HTTP server stopped");
                    }
                });
                Some(events)
            }
            None => None,
        };
        let accept = tokio::spawn(accept_loop(self.listener, self.config.clone(), core_tx));
        let mut wire = WireBroker::new(broker);
        if let Some(sasl) = self.sasl {
            wire = wire.with_sasl(sasl);
        }
        let mut links: HashMap<ConnectionId, Link> = HashMap::new();
        let mut admin_replies: AdminReplies = Vec::new();
        let mut held: Held<(Vec<Transmit>, AdminReplies)> = Held::default();
        let mut durable = hooks.durable_tickets();
        // Consumer-protocol epochs are in no event: sent to viewers when they change.
        let mut epochs_sent = crate::live::EpochsSent::default();
        tokio::pin!(shutdown);
        loop {
            let now = now_ms();
            let sleep = match wire.poll_timeout() {
                Some(at) => Duration::from_millis(at.saturating_sub(now).max(0) as u64),
                None => Duration::from_secs(3600),
            };
            tokio::select! {
                msg = core_rx.recv() => {
                    let Some(msg) = msg else { break };
                    handle_msg(&mut wire, &mut links, &mut admin_replies, msg);
                    // Take whatever else is already queued before answering, so that one
                    // flush covers many requests (group commit).
                    for _ in 0..256 {
                        match core_rx.try_recv() {
                            Ok(msg) => handle_msg(&mut wire, &mut links, &mut admin_replies, msg),
                            Err(_) => break,
                        }
                    }
                }
                _ = tokio::time::sleep(sleep) => wire.handle_timeout(now_ms()),
                Some(ticket) = next_durable(&mut durable) => {
                    for (transmits, replies) in held.durable(ticket) {
                        answer(&links, transmits, replies);
                    }
                    continue;
                }
                _ = &mut shutdown => break,
            }
            let durability = hooks.after_step(&mut wire);
            let mut transmits = Vec::new();
            while let Some(t) = wire.poll_transmit() {
                transmits.push(t);
            }
            let replies = std::mem::take(&mut admin_replies);
            if let Some((transmits, replies)) = held.after_step(durability, (transmits, replies)) {
                answer(&links, transmits, replies);
            }
            // A refused login: its answer is queued; dropping the writer's sender lets the
            // writer send it and then close the socket.
            while let Some(id) = wire.poll_authenticated() {
                if let Some(link) = links.get(&id) {
                    link.frame_limit
                        .store(self.config.max_request_bytes, Ordering::Relaxed);
                }
            }
            while let Some(id) = wire.poll_close() {
                if let Some(link) = links.remove(&id) {
                    link.reader.abort();
                }
                wire.connection_closed(id);
            }
            while let Some(event) = wire.poll_event() {
                hooks.event(&event);
                // Never waits: a viewer that is behind loses old events, not the broker time.
                if let Some(events) = events.as_ref().filter(|e| e.receiver_count() > 0) {
                    let message = crate::live::LiveMessage::Event { event };
                    if let Ok(json) = serde_json::to_string(&message) {
                        let _ = events.send(json.into());
                    }
                }
            }
            if let Some(events) = events.as_ref().filter(|e| e.receiver_count() > 0) {
                for message in epochs_sent.changes(crate::live::epochs_of(wire.broker())) {
                    if let Ok(json) = serde_json::to_string(&message) {
                        let _ = events.send(json.into());
                    }
                }
            }
        }
        // Answers still waiting for a flush are dropped with their connections: the
        // caller flushes everything once more before it exits, and the clients retry.
        if held.waiting() > 0 {
            tracing::info!(
                steps = held.waiting(),
                "stopping with answers waiting for a flush; clients will retry them"
            );
        }
        accept.abort();
        for (_, link) in links.drain() {
            link.reader.abort();
        }
        Ok((wire.into_broker(), hooks))
    }
}

/// What a driver adds to the core loop: storage flushes, event logging, live streaming.
pub trait CoreHooks<P: StorageProvider> {
    /// After every step, before answers are sent: say whether they must wait for a flush
    /// (group commit, `--fsync always`).
    fn after_step(&mut self, _wire: &mut WireBroker<P>) -> Durability {
        Durability::Now
    }
    /// Where finished flushes are reported, for hooks that answer [`Durability::After`];
    /// taken once when the server starts.
    fn durable_tickets(&mut self) -> Option<mpsc::UnboundedReceiver<u64>> {
        None
    }
    /// Every broker event, in order.
    fn event(&mut self, event: &crate::Event) {
        tracing::debug!(target: "minikafka::events", "{event}");
    }
}

/// Log events at debug level and do nothing else.
pub struct LogEvents;
impl<P: StorageProvider> CoreHooks<P> for LogEvents {}

/// The next finished flush, or never when there is no flushing thread.
async fn next_durable(durable: &mut Option<mpsc::UnboundedReceiver<u64>>) -> Option<u64> {
    match durable {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

/// Send a step's answers: admin replies, then each connection's responses, in order.
fn answer(links: &HashMap<ConnectionId, Link>, transmits: Vec<Transmit>, replies: AdminReplies) {
    for (reply, result) in replies {
        let _ = reply.send(result);
    }
    for t in transmits {
        if let Some(link) = links.get(&t.connection) {
            let _ = link.writer.send(t.response);
        }
    }
}

fn handle_msg<P: StorageProvider>(
    wire: &mut WireBroker<P>,
    links: &mut HashMap<ConnectionId, Link>,
    admin_replies: &mut AdminReplies,
    msg: CoreMsg,
) {
    match msg {
        CoreMsg::Opened {
            id,
            host,
            writer,
            reader,
            frame_limit,
        } => {
            wire.connection_opened(id, &host);
            links.insert(
                id,
                Link {
                    writer,
                    reader,
                    frame_limit,
                },
            );
        }
        CoreMsg::Frame { id, frame } => {
            if !links.contains_key(&id) {
                return; // already closed
            }
            if let Err(error) = wire.handle_frame(id, frame, now_ms()) {
                tracing::warn!(connection = id, %error, "closing connection");
                if let Some(link) = links.remove(&id) {
                    link.reader.abort();
                }
                wire.connection_closed(id);
            }
        }
        CoreMsg::Closed { id, reason } => {
            tracing::debug!(connection = id, %reason, "connection closed");
            links.remove(&id);
            wire.connection_closed(id);
        }
        CoreMsg::Snapshot(reply) => {
            let _ = reply.send(http::snapshot(wire.broker(), now_ms()));
        }
        CoreMsg::Admin(request, reply) => {
            let result = crate::live::apply_admin(wire.broker_mut(), &request, now_ms());
            match &result {
                Ok(done) => tracing::info!(?request, "admin action from a live viewer: {done}"),
                Err(why) => {
                    tracing::info!(?request, "admin action from a live viewer refused: {why}")
                }
            }
            admin_replies.push((reply, result));
        }
    }
}

async fn accept_loop(
    listener: TcpListener,
    config: ServerConfig,
    core: mpsc::UnboundedSender<CoreMsg>,
) {
    let open = Arc::new(Semaphore::new(config.max_connections));
    let queued = Arc::new(Semaphore::new(connection::budget_units(
        config.queued_max_request_bytes,
    )));
    let mut next_id: ConnectionId = 1;
    loop {
        let (socket, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(error) => {
                // Out of file descriptors, usually: wait a little instead of spinning.
                tracing::warn!(%error, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Ok(slot) = open.clone().try_acquire_owned() else {
            tracing::warn!(%peer, limit = config.max_connections, "too many connections: refused");
            drop(socket);
            continue;
        };
        let id = next_id;
        next_id += 1;
        let _ = socket.set_nodelay(true);
        connection::spawn(
            id,
            socket,
            peer,
            config.clone(),
            core.clone(),
            slot,
            queued.clone(),
        );
    }
}
