//! Live mode, server side: the visualiser's page and a WebSocket of the broker's events.
//!
//! `minikafka serve --http 127.0.0.1:8080` serves the built visualiser (`dist/`) and, at
//! `/live`, a WebSocket that sends:
//!
//! 1. `{"type":"snapshot", ...}`: topics with their partitions' offsets, groups with their
//!    state, generation, members (client id, host, assignment) and committed offsets;
//! 2. then every broker event as it happens: `{"type":"event","event":{...}}` (the same
//!    `Event` values the simulation produces, so the same views can draw them). An event
//!    may repeat what the snapshot already shows: it is applied on top.
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
use crate::log::StorageProvider;
use crate::Broker;

/// Events kept for viewers that are behind; beyond this a viewer gets a new snapshot.
pub const EVENT_BUFFER: usize = 4096;

/// What the HTTP side shares.
#[derive(Clone)]
pub(super) struct Live {
    pub core: mpsc::UnboundedSender<CoreMsg>,
    pub events: broadcast::Sender<Arc<str>>,
    pub dist: PathBuf,
}

/// The broker as the visualiser first draws it.
pub fn snapshot<P: StorageProvider>(broker: &Broker<P>, now: crate::Millis) -> String {
    let topics: Vec<_> = broker
        .list_topics()
        .into_iter()
        .map(|t| {
            json!({
                "name": t.name,
                "partitions": t.partitions.iter().map(|p| json!({
                    "partition": p.partition,
                    "log_start_offset": p.log_start_offset,
                    "high_watermark": p.high_watermark,
                    "log_end_offset": p.log_end_offset,
                    "size_bytes": p.size_bytes,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let mut group_ids: Vec<String> = broker
        .coordinator()
        .group_ids()
        .into_iter()
        .map(str::to_string)
        .collect();
    for g in broker.offsets().groups() {
        if !group_ids.contains(&g) {
            group_ids.push(g);
        }
    }
    group_ids.sort();
    let groups: Vec<_> = group_ids
        .iter()
        .map(|id| {
            let d = broker.describe_group(id);
            let committed: Vec<_> = broker
                .offsets()
                .fetch_group(id)
                .into_iter()
                .map(|(topic, partition, o)| json!({"topic": topic, "partition": partition, "offset": o.offset}))
                .collect();
            json!({
                "group_id": id,
                "state": d.state.name(),
                "protocol_type": d.protocol_type,
                "protocol": d.protocol,
                "generation": d.generation_id,
                "leader": d.leader,
                "members": d.members.iter().map(|m| json!({
                    "member_id": m.member_id,
                    "group_instance_id": m.group_instance_id,
                    "client_id": m.client_id,
                    "client_host": m.client_host,
                    "assignment": m.decoded.partitions,
                })).collect::<Vec<_>>(),
                "committed": committed,
            })
        })
        .collect();
    json!({"type": "snapshot", "at": now, "topics": topics, "groups": groups}).to_string()
}

/// The HTTP routes: `/live` (WebSocket) and the visualiser's files.
pub(super) fn router(live: Live) -> Router {
    Router::new()
        .route("/live", get(websocket))
        .fallback(get(static_file))
        .with_state(live)
}

async fn websocket(ws: WebSocketUpgrade, State(live): State<Live>) -> Response {
    ws.on_upgrade(move |socket| viewer(socket, live))
}

async fn request_snapshot(live: &Live) -> Option<String> {
    let (tx, rx) = oneshot::channel();
    live.core.send(CoreMsg::Snapshot(tx)).ok()?;
    rx.await.ok()
}

/// One browser: a snapshot, then the events, with a new snapshot after falling behind.
async fn viewer(mut socket: WebSocket, live: Live) {
    // Subscribe first, so nothing between the snapshot and the stream is missed.
    let mut events = live.events.subscribe();
    let Some(first) = request_snapshot(&live).await else {
        return;
    };
    if socket.send(Message::Text(first.into())).await.is_err() {
        return;
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
                    let note = json!({"type": "missed", "count": missed}).to_string();
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
                // Read-only: anything the browser sends is ignored; a close ends the viewer.
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => {}
            },
        }
    }
}

async fn static_file(State(live): State<Live>, uri: Uri) -> Response {
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
