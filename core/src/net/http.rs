//! Live mode, server side: the visualiser's page and a WebSocket of the broker's events.
//!
//! `minikafka serve --http 127.0.0.1:8080` serves the built visualiser (`dist/`) and, at
//! `/live`, a WebSocket that sends:
//!
//! 0. `{"type":"hello","admin":false,"bootstrap":"host:port"}`: whether admin requests are
//!    accepted, and the Kafka address (for the commands the page suggests);
//! 1. `{"type":"snapshot", ...}`: topics with their partitions' offsets, groups with their
//!    state, generation, members (client id, host, assignment) and committed offsets;
//! 2. then every broker event as it happens: `{"type":"event","event":{...}}` (the same
//!    `Event` values the simulation produces, so the same views can draw them). An event
//!    may repeat what the snapshot already shows: it is applied on top.
//!
//! `minikafka watch` serves the same page and protocol for a cluster it samples (see
//! [`super::watch`]): `admin` is always false, the snapshot is its latest sample, and a
//! `{"type":"watch",...}` message after the snapshot and after every sampling round says
//! how fresh the picture is and lists the rebalances it saw; `{"type":"history",...}` holds
//! the frames of the hour it kept (all of them on connecting, then each new one), and
//! `{"type":"epochs",...}` a KIP-848 group's epochs when they change (`serve` sends those
//! too).
//!
//! A slow or paused browser never slows the broker: events go through a bounded broadcast
//! buffer that the core task writes to without waiting. A viewer that falls behind by more
//! than the buffer gets `{"type":"missed","count":N}` and a fresh snapshot, then the stream
//! again. Every viewer is independent; a reconnect simply starts with a new snapshot.

use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::{header, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::json;
use tokio::sync::{broadcast, mpsc, oneshot};

use super::CoreMsg;
use crate::live::{AdminRequest, LiveMessage, Snapshot};
use crate::log::StorageProvider;
use crate::Broker;

/// Events kept for viewers that are behind; beyond this a viewer gets a new snapshot.
pub const EVENT_BUFFER: usize = 4096;

/// Where a viewer's snapshots come from: minikafka's own broker (`serve`), or the latest
/// sample of a watched cluster (`watch`).
#[derive(Clone)]
pub(super) enum Source {
    /// The core task of `serve`, asked for a snapshot of its broker.
    Broker(mpsc::UnboundedSender<CoreMsg>),
    /// `minikafka watch`: the latest sample, and how fresh it is.
    Watch(Arc<super::watch::Shared>),
}

/// What the HTTP side shares.
#[derive(Clone)]
pub(super) struct HttpShared {
    pub source: Source,
    pub events: broadcast::Sender<Arc<str>>,
    pub dist: PathBuf,
    /// Viewers may send [`AdminRequest`]s (`serve --http-admin`).
    pub admin: bool,
    /// The advertised Kafka address, for the page's example commands.
    pub bootstrap: String,
    /// This viewer's page came from another site: admin actions are refused even with
    /// `--http-admin` (set per connection).
    pub foreign: bool,
}

/// The broker as the visualiser first draws it, as the JSON a viewer receives.
pub fn snapshot<P: StorageProvider>(broker: &Broker<P>, now: crate::Millis) -> String {
    let message = LiveMessage::Snapshot(Snapshot::of(broker, now));
    serde_json::to_string(&message).unwrap_or_else(|e| {
        // Nothing in a snapshot can fail to serialize (plain strings and numbers); if it
        // ever did, the viewer gets an error message rather than a dead socket.
        json!({"type": "error", "message": e.to_string()}).to_string()
    })
}

/// The HTTP routes: `/live` (WebSocket) and the visualiser's files.
pub(super) fn router(live: HttpShared) -> Router {
    Router::new()
        .route("/live", get(websocket))
        .fallback(get(static_file))
        .with_state(live)
}

async fn websocket(
    ws: WebSocketUpgrade,
    headers: axum::http::HeaderMap,
    State(mut live): State<HttpShared>,
) -> Response {
    // Browsers let any web page open a WebSocket to 127.0.0.1 (WebSockets have no CORS).
    // Watching is harmless, but admin actions are only taken from the page this server
    // served: a request whose Origin names another site gets a read-only viewer.
    if live.admin && !same_origin(&headers) {
        tracing::info!(
            origin = ?headers.get(header::ORIGIN),
            "a live viewer from another origin: read-only, admin actions refused"
        );
        live.admin = false;
        live.foreign = true;
    }
    ws.on_upgrade(move |socket| viewer(socket, live))
}

/// Is the WebSocket opened by the page this server served (or by a program, which sends no
/// Origin)? Compares the Origin's `host:port` with the Host header.
fn same_origin(headers: &axum::http::HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let origin_host = origin
        .to_str()
        .ok()
        .and_then(|o| o.split_once("://"))
        .map(|(_, rest)| rest.trim_end_matches('/'));
    matches!((origin_host, host), (Some(o), Some(h)) if o.eq_ignore_ascii_case(h))
}

async fn request_snapshot(live: &HttpShared) -> Option<String> {
    match &live.source {
        Source::Broker(core) => {
            let (tx, rx) = oneshot::channel();
            core.send(CoreMsg::Snapshot(tx)).ok()?;
            rx.await.ok()
        }
        Source::Watch(watch) => Some(watch.snapshot_text()),
    }
}

/// One browser: a snapshot, then the events, with a new snapshot after falling behind.
async fn viewer(mut socket: WebSocket, live: HttpShared) {
    // Subscribe first, so nothing between the snapshot and the stream is missed.
    let mut events = live.events.subscribe();
    let Some(first) = request_snapshot(&live).await else {
        return;
    };
    let hello = message_text(&LiveMessage::Hello {
        admin: live.admin,
        bootstrap: Some(live.bootstrap.clone()),
    });
    if socket.send(Message::Text(hello.into())).await.is_err()
        || socket.send(Message::Text(first.into())).await.is_err()
    {
        return;
    }
    // A watch says at once how fresh the snapshot is, the rebalances it saw, and the
    // frames of the hour it kept.
    if let Source::Watch(watch) = &live.source {
        if socket
            .send(Message::Text(watch.status_text().into()))
            .await
            .is_err()
            || socket
                .send(Message::Text(watch.history_text().into()))
                .await
                .is_err()
        {
            return;
        }
    }
    loop {
        tokio::select! {
            event = events.recv() => match event {
                Ok(json) => {
                    if socket.send(Message::Text(json.to_string().into())).await.is_err() {
                        return;
                    }
                }
                Err(broadcast::error::RecvError::Lagged(missed)) => {
                    tracing::info!(missed, "a live viewer fell behind: sending a fresh snapshot");
                    let note = serde_json::to_string(&LiveMessage::Missed { count: missed }).unwrap_or_default();
                    let Some(snap) = request_snapshot(&live).await else { return };
                    if socket.send(Message::Text(note.into())).await.is_err()
                        || socket.send(Message::Text(snap.into())).await.is_err()
                    {
                        return;
                    }
                }
                Err(broadcast::error::RecvError::Closed) => return,
            },
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(Message::Text(text))) => {
                    let answer = admin(&live, text.as_str()).await;
                    if socket.send(Message::Text(message_text(&answer).into())).await.is_err() {
                        return;
                    }
                }
                // Pings are answered by axum; binary messages mean nothing here.
                Some(Ok(_)) => {}
            },
        }
    }
}

fn message_text(message: &LiveMessage) -> String {
    serde_json::to_string(message).unwrap_or_default()
}

/// A text from a viewer: an admin request, carried out only with `--http-admin`.
async fn admin(live: &HttpShared, text: &str) -> LiveMessage {
    let refuse = |message: String| LiveMessage::AdminResult { ok: false, message };
    if live.foreign {
        return refuse(
            "admin actions are only accepted from the page this server serves (this page comes from another origin)".into(),
        );
    }
    let Source::Broker(core) = &live.source else {
        return refuse(
            "minikafka watch is read-only by design: it never writes to the cluster it watches"
                .into(),
        );
    };
    if !live.admin {
        return refuse(
            "admin actions are off: this server is read-only for viewers (start it with --http-admin to allow them)".into(),
        );
    }
    let request: AdminRequest = match serde_json::from_str(text) {
        Ok(request) => request,
        Err(e) => return refuse(format!("not an admin request: {e}")),
    };
    let (tx, rx) = oneshot::channel();
    if core.send(CoreMsg::Admin(request, tx)).is_err() {
        return refuse("the server is shutting down".into());
    }
    match rx.await {
        Ok(Ok(message)) => LiveMessage::AdminResult { ok: true, message },
        Ok(Err(message)) => refuse(message),
        Err(_) => refuse("the server is shutting down".into()),
    }
}

async fn static_file(State(live): State<HttpShared>, uri: Uri) -> Response {
    let path = uri.path().trim_start_matches('/');
    let path = if path.is_empty() { "index.html" } else { path };
    // Only plain relative names inside dist/: no `..`, no absolute paths.
    if path.split('/').any(|part| part == ".." || part.is_empty()) {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    }
    let file = live.dist.join(path);
    match tokio::fs::read(&file).await {
        Ok(bytes) => {
            let kind = match file.extension().and_then(|e| e.to_str()) {
                Some("html") => "text/html; charset=utf-8",
                Some("js") => "text/javascript",
                Some("wasm") => "application/wasm",
                Some("css") => "text/css",
                Some("png") => "image/png",
                Some("svg") => "image/svg+xml",
                Some("json") => "application/json",
                _ => "application/octet-stream",
            };
            ([(header::CONTENT_TYPE, kind)], bytes).into_response()
        }
        Err(_) if !live.dist.join("index.html").exists() => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "The visualiser is not built: {} has no index.html. Run `make web` (or `make demo`) first.",
                live.dist.display()
            ),
        )
            .into_response(),
        Err(_) => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}
