//! `minikafka watch`'s driver: the sans-IO [`Sampler`] over real connections, and the same
//! page and `/live` WebSocket as `serve --http`.
//!
//! One task runs the sampler: it passes the clock in, hands each request to the
//! connection of its broker, and feeds the answers back. Each broker gets **one
//! connection**, opened at its first request (with `--command-config`'s TLS and SASL, as
//! the CLI's clients do) and reused for every later round; its task sends one request at a
//! time, so a slow broker delays only its own answers. A connection that fails answers its
//! queued requests with the error and is opened again at the next request.
//!
//! After each round the driver publishes: the events since the previous sample (or a new
//! snapshot when a change has no event), the KIP-848 epochs that changed, the sample as a
//! frame of the hour (`history`), then a `watch` message with the sample's time and the
//! rebalance list, so the page can say how fresh the picture is. A viewer that connects
//! gets the frames kept so far, so it can scrub the last hour at once.

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kafka_protocol::messages::ApiKey;
use kafka_protocol::protocol::Request as WireRequest;
use tokio::net::TcpListener;
use tokio::sync::{broadcast, mpsc};

use super::client::{connect_secure, serves, Receiver, Sender};
use super::http;
use super::now_ms;
use super::security::ClientSecurity;
use crate::live::{thin, EpochsSent, LiveMessage, Snapshot, WatchStatus, FRAME_BUDGET};
use crate::watch::{
    ClusterSample, History, Outcome, Outgoing, ReadRequest, ReadResponse, Sampler, Target,
    WatchConfig,
};

/// What `minikafka watch` was asked to do.
#[derive(Debug, Clone)]
pub struct WatchOptions {
    /// `--bootstrap`: the first brokers to ask for Metadata.
    pub bootstrap: Vec<String>,
    /// Interval and filters.
    pub config: WatchConfig,
    /// `--command-config`: TLS and SASL.
    pub security: ClientSecurity,
    /// The `client.id` the cluster sees (in its request logs and quotas).
    pub client_id: String,
}

/// What the page is shown: the latest sample and the watch's status.
#[derive(Debug, Default)]
pub(super) struct Shared {
    view: Mutex<View>,
}

#[derive(Debug, Default)]
struct View {
    sample: Option<Arc<ClusterSample>>,
    status: WatchStatus,
    /// The hour as a viewer gets it: a snapshot per sample, bounded (`live::thin`).
    frames: Vec<Snapshot>,
}

impl Shared {
    fn view(&self) -> std::sync::MutexGuard<'_, View> {
        // A panic while holding the lock cannot leave a View half-written (each field is
        // replaced whole), so a poisoned lock is still good to read.
        self.view.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The latest sample as a snapshot, stamped now (the page sets its clock by it).
    /// Before the first sample: an empty cluster, and the status says no sample yet.
    pub(super) fn snapshot_text(&self) -> String {
        let now = now_ms();
        let snapshot = match &self.view().sample {
            Some(sample) => sample.to_snapshot(now),
            None => Snapshot {
                at: now,
                brokers: Vec::new(),
                topics: Vec::new(),
                groups: Vec::new(),
            },
        };
        text(&LiveMessage::Snapshot(snapshot))
    }

    /// The `history` message a viewer gets on connecting: every frame kept, so a page
    /// opened late can still scrub the hour.
    pub(super) fn history_text(&self) -> String {
        let samples = self.view().frames.clone();
        text(&LiveMessage::History { samples })
    }

    /// The `watch` message: freshness and rebalances.
    pub(super) fn status_text(&self) -> String {
        text(&LiveMessage::Watch(self.view().status.clone()))
    }
}

fn text(message: &LiveMessage) -> String {
    serde_json::to_string(message).unwrap_or_default()
}

/// A watch with its HTTP listener bound (so a test learns the port first).
pub struct Watch {
    http: TcpListener,
    dist: PathBuf,
}

impl Watch {
    /// Bind the page's address; `dist` is the built visualiser.
    pub async fn bind(addr: SocketAddr, dist: PathBuf) -> io::Result<Watch> {
        Ok(Watch {
            http: TcpListener::bind(addr).await?,
            dist,
        })
    }

    /// The page's address.
    pub fn http_addr(&self) -> io::Result<SocketAddr> {
        self.http.local_addr()
    }

    /// Watch until `shutdown` completes. Fails if the first round fails (a wrong address,
    /// a refused login): a watch that never saw the cluster has nothing to show. Later
    /// failures are shown on the page and retried, slower each time.
    pub async fn run(
        self,
        options: WatchOptions,
        shutdown: impl Future<Output = ()>,
    ) -> io::Result<()> {
        if options.bootstrap.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "no bootstrap server",
            ));
        }
        let shared = Arc::new(Shared::default());
        let (events, _) = broadcast::channel(http::EVENT_BUFFER);
        let app = http::router(http::HttpShared {
            source: http::Source::Watch(shared.clone()),
            events: events.clone(),
            dist: self.dist,
            admin: false,
            foreign: false,
            bootstrap: options.bootstrap.join(","),
        });
        let listener = self.http;
        let server = tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, app).await {
                tracing::error!(%error, "the HTTP server stopped");
            }
        });
        let result = sample_loop(options, shared, events, shutdown).await;
        server.abort();
        result
    }
}

type Answer = (u64, Result<ReadResponse, String>);

/// Connections by address.
struct Links {
    links: HashMap<String, mpsc::UnboundedSender<(u64, ReadRequest)>>,
    answers: mpsc::UnboundedSender<Answer>,
    options: Arc<WatchOptions>,
    /// Which bootstrap server "any broker" goes to; moves on when it fails.
    bootstrap_index: usize,
    timeout: Duration,
}

impl Links {
    fn any_address(&self) -> String {
        self.options.bootstrap[self.bootstrap_index % self.options.bootstrap.len()].clone()
    }

    fn send(&mut self, out: Outgoing) {
        let address = match &out.target {
            Target::Any => self.any_address(),
            Target::Broker { address, .. } => address.clone(),
        };
        let request = (out.id, out.request);
        let request = match self.links.get(&address) {
            Some(link) if !link.is_closed() => match link.send(request) {
                Ok(()) => return,
                // It closed in between: a fresh connection takes it.
                Err(mpsc::error::SendError(request)) => request,
            },
            _ => request,
        };
        self.open(address, request);
    }

    /// A new connection to `address`, with its first request queued before its task
    /// starts: a connection that fails at once still answers it with the reason.
    fn open(&mut self, address: String, first: (u64, ReadRequest)) {
        let (tx, rx) = mpsc::unbounded_channel();
        // The receiver is alive: this cannot fail.
        let _ = tx.send(first);
        tokio::spawn(connection(
            address.clone(),
            self.options.clone(),
            rx,
            self.answers.clone(),
            self.timeout,
        ));
        self.links.insert(address, tx);
    }

    /// A round failed: the next "any broker" request tries the next bootstrap server.
    fn rotate(&mut self) {
        self.bootstrap_index += 1;
    }
}

async fn sample_loop(
    options: WatchOptions,
    shared: Arc<Shared>,
    events: broadcast::Sender<Arc<str>>,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    let config = options.config.clone();
    let (answers_tx, mut answers) = mpsc::unbounded_channel::<Answer>();
    let mut links = Links {
        links: HashMap::new(),
        answers: answers_tx,
        timeout: Duration::from_millis(config.round_timeout_ms.max(1) as u64),
        options: Arc::new(options),
        bootstrap_index: 0,
    };
    let mut sampler = Sampler::new(config);
    let mut history = History::new();
    let mut epochs = EpochsSent::default();
    let mut first = true;
    let mut first_failures = 0;
    tokio::pin!(shutdown);
    loop {
        let now = now_ms();
        for out in sampler.poll(now) {
            links.send(out);
        }
        while let Some(outcome) = sampler.poll_outcome() {
            match outcome {
                Outcome::Failed { error } if first => {
                    // Each bootstrap server gets its chance before the watch gives up.
                    first_failures += 1;
                    if first_failures >= links.options.bootstrap.len() {
                        return Err(io::Error::other(format!(
                            "no sample of the cluster at {}: {error}",
                            links.options.bootstrap.join(",")
                        )));
                    }
                    tracing::warn!(%error, "trying the next bootstrap server");
                    links.rotate();
                }
                Outcome::Failed { error } => {
                    tracing::warn!(%error, next_in_ms = sampler.freshness().interval_ms, "a sampling round failed; the page shows the previous sample");
                    links.rotate();
                }
                Outcome::Sampled {
                    events: changes,
                    resnapshot,
                } => {
                    let Some(sample) = sampler.latest() else {
                        continue;
                    };
                    let sample = Arc::new(sample.clone());
                    if first {
                        tracing::info!(
                            brokers = sample.brokers.len(),
                            topics = sample.topics.len(),
                            groups = sample.groups.len(),
                            "first sample of the cluster"
                        );
                        first = false;
                    }
                    history.record(sample.clone());
                    let frame = sample.to_snapshot(sample.started_at);
                    let consumer_groups = sample
                        .groups
                        .iter()
                        .filter_map(|(id, g)| Some((id.clone(), g.epochs()?)))
                        .collect();
                    {
                        let mut view = shared.view();
                        view.sample = Some(sample);
                        view.frames.push(frame.clone());
                        thin(&mut view.frames, FRAME_BUDGET);
                    }
                    if resnapshot {
                        let _ = events.send(shared.snapshot_text().into());
                    }
                    for event in changes {
                        tracing::debug!(%event, "seen");
                        let _ = events.send(text(&LiveMessage::Event { event }).into());
                    }
                    // KIP-848 epochs are in no event: sent when they change.
                    for message in epochs.changes(consumer_groups) {
                        let _ = events.send(text(&message).into());
                    }
                    let frame = LiveMessage::History {
                        samples: vec![frame],
                    };
                    let _ = events.send(text(&frame).into());
                }
            }
            let freshness = sampler.freshness();
            shared.view().status = WatchStatus {
                sampled_at: freshness.sampled_at,
                took_ms: freshness.took_ms,
                interval_ms: freshness.interval_ms,
                error: sampler.last_error().map(str::to_string),
                rebalances: history.rebalances(),
                lag: history.lag_summary(),
            };
            let _ = events.send(shared.status_text().into());
        }
        let wake = sampler.next_wakeup();
        let sleep = Duration::from_millis(wake.saturating_sub(now_ms()).clamp(0, 3_600_000) as u64);
        tokio::select! {
            answer = answers.recv() => {
                if let Some((id, answer)) = answer {
                    sampler.handle(now_ms(), id, answer);
                }
            }
            _ = tokio::time::sleep(sleep) => {}
            _ = &mut shutdown => return Ok(()),
        }
    }
}

/// One broker's connection: opened at the first request, then one request at a time.
async fn connection(
    address: String,
    options: Arc<WatchOptions>,
    mut requests: mpsc::UnboundedReceiver<(u64, ReadRequest)>,
    answers: mpsc::UnboundedSender<Answer>,
    timeout: Duration,
) {
    let opened = tokio::time::timeout(
        timeout,
        connect_secure(&address, &options.client_id, &options.security),
    )
    .await
    .unwrap_or_else(|_| Err(io::Error::new(io::ErrorKind::TimedOut, "no answer")));
    let (mut tx, mut rx) = match opened {
        Ok(pair) => pair,
        Err(error) => {
            tracing::debug!(%address, %error, "cannot connect");
            return fail_all(&mut requests, &answers, &format!("{address}: {error}"));
        }
    };
    tracing::debug!(%address, "connected");
    while let Some((id, request)) = requests.recv().await {
        let answer = tokio::time::timeout(timeout, send(&mut tx, &mut rx, request))
            .await
            .unwrap_or_else(|_| {
                Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("no answer within {} ms", timeout.as_millis()),
                ))
            });
        match answer {
            Ok(response) => {
                let _ = answers.send((id, Ok(response)));
            }
            Err(error) => {
                let _ = answers.send((id, Err(format!("{address}: {error}"))));
                // The connection may be out of step with its answers: drop it.
                return fail_all(&mut requests, &answers, &format!("{address}: {error}"));
            }
        }
    }
}

/// Answer every request still queued with `error`, and refuse new ones.
fn fail_all(
    requests: &mut mpsc::UnboundedReceiver<(u64, ReadRequest)>,
    answers: &mpsc::UnboundedSender<Answer>,
    error: &str,
) {
    requests.close();
    while let Ok((id, _)) = requests.try_recv() {
        let _ = answers.send((id, Err(error.to_string())));
    }
}

/// Send one read request at its version and decode the answer.
async fn send(
    tx: &mut Sender,
    rx: &mut Receiver,
    request: ReadRequest,
) -> io::Result<ReadResponse> {
    let api = request.api_key();
    let mut version = request.version();
    if api == ApiKey::ListGroups && serves(tx.api_versions(), ApiKey::ListGroups, 5) {
        // v5 says which groups are KIP-848 consumer groups; the request is the same.
        version = 5;
    }
    if !serves(tx.api_versions(), api, version) {
        return Err(io::Error::new(
            io::ErrorKind::Unsupported,
            format!("the broker does not serve {api:?} v{version}, which minikafka watch needs (Kafka 2.4 or later)"),
        ));
    }
    async fn ask<R: WireRequest>(
        tx: &mut Sender,
        rx: &mut Receiver,
        request: R,
        version: i16,
    ) -> io::Result<R::Response> {
        tx.roundtrip(rx, request, version).await
    }
    Ok(match request {
        ReadRequest::Metadata(r) => ReadResponse::Metadata(ask(tx, rx, r, version).await?),
        ReadRequest::FindCoordinator(r) => {
            ReadResponse::FindCoordinator(ask(tx, rx, r, version).await?)
        }
        ReadRequest::ListGroups(r) => ReadResponse::ListGroups(ask(tx, rx, r, version).await?),
        ReadRequest::DescribeGroups(r) => {
            ReadResponse::DescribeGroups(ask(tx, rx, r, version).await?)
        }
        ReadRequest::ConsumerGroupDescribe(r) => {
            ReadResponse::ConsumerGroupDescribe(ask(tx, rx, r, version).await?)
        }
        ReadRequest::OffsetFetch(r) => ReadResponse::OffsetFetch(ask(tx, rx, r, version).await?),
        ReadRequest::ListOffsets(r) => ReadResponse::ListOffsets(ask(tx, rx, r, version).await?),
    })
}
