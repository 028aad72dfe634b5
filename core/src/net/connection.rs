//! One client connection: a reader task cutting frames, a writer task sending answers.

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, OwnedSemaphorePermit, Semaphore};

use super::{CoreMsg, ServerConfig};
use crate::wire::ConnectionId;

/// Start the reader and writer tasks of a new connection. `slot` is its place under
/// `max_connections`, given back when the reader ends.
pub(super) fn spawn(
    id: ConnectionId,
    socket: TcpStream,
    peer: SocketAddr,
    config: ServerConfig,
    core: mpsc::UnboundedSender<CoreMsg>,
    slot: OwnedSemaphorePermit,
) {
    let (mut read, mut write) = socket.into_split();
    let (writer_tx, mut writer_rx) = mpsc::unbounded_channel::<Option<Bytes>>();
    let in_flight = Arc::new(Semaphore::new(config.max_in_flight.max(1)));

    // The writer: answers in order. `None` is a request that needed no answer; it still
    // frees its in-flight slot.
    let writer_slots = in_flight.clone();
    tokio::spawn(async move {
        while let Some(response) = writer_rx.recv().await {
            if let Some(bytes) = response {
                if let Err(error) = write.write_all(&bytes).await {
                    tracing::debug!(connection = id, %error, "write failed");
                    break;
                }
            }
            writer_slots.add_permits(1);
        }
        let _ = write.shutdown().await;
    });

    let core_for_reader = core.clone();
    let reader = tokio::spawn(async move {
        let _slot = slot;
        let reason = read_frames(id, &mut read, &config, &core_for_reader, &in_flight).await;
        let _ = core_for_reader.send(CoreMsg::Closed { id, reason });
    });
    let _ = core.send(CoreMsg::Opened {
        id,
        host: peer.ip().to_string(),
        writer: writer_tx,
        reader: reader.abort_handle(),
    });
}

/// Read frames until the connection ends; returns why it ended.
async fn read_frames(
    id: ConnectionId,
    read: &mut tokio::net::tcp::OwnedReadHalf,
    config: &ServerConfig,
    core: &mpsc::UnboundedSender<CoreMsg>,
    in_flight: &Arc<Semaphore>,
) -> String {
    loop {
        let mut len = [0u8; 4];
        match tokio::time::timeout(config.idle_timeout, read.read_exact(&mut len)).await {
            Err(_) => {
                tracing::info!(
                    connection = id,
                    "idle for {:?}: closing",
                    config.idle_timeout
                );
                return "idle timeout".into();
            }
            Ok(Err(error)) => return format!("read: {error}"),
            Ok(Ok(_)) => {}
        }
        let len = i32::from_be_bytes(len);
        if len < 0 || len as usize > config.max_request_bytes {
            tracing::warn!(
                connection = id,
                length = len,
                limit = config.max_request_bytes,
                "request frame length out of range: closing connection"
            );
            return format!("bad frame length {len}");
        }
        let mut frame = BytesMut::zeroed(len as usize);
        if let Err(error) = read.read_exact(&mut frame).await {
            tracing::warn!(connection = id, %error, "connection ended in the middle of a request");
            return format!("truncated frame: {error}");
        }
        capture(&frame);
        // Wait for a free in-flight slot: a client that does not read its answers stops
        // being read, and its memory stays bounded.
        let Ok(permit) = in_flight.acquire().await else {
            return "closed".into();
        };
        permit.forget();
        if core
            .send(CoreMsg::Frame {
                id,
                frame: frame.freeze(),
            })
            .is_err()
        {
            return "server stopping".into();
        }
    }
}

/// Opt-in request capture for the fuzz seed corpus (`fuzz/capture.sh`): with
/// `MINIKAFKA_CAPTURE_REQUESTS=<dir>` set when the server starts, every request frame read
/// (after its length prefix) is also written to `<dir>/<api key>-v<version>-<hash>.bin`.
fn capture(frame: &[u8]) {
    use std::hash::{Hash, Hasher};
    static DIR: std::sync::OnceLock<Option<std::path::PathBuf>> = std::sync::OnceLock::new();
    let dir = DIR.get_or_init(|| std::env::var_os("MINIKAFKA_CAPTURE_REQUESTS").map(Into::into));
    let (Some(dir), [k0, k1, v0, v1, ..]) = (dir, frame) else {
        return;
    };
    let mut hash = std::collections::hash_map::DefaultHasher::new();
    frame.hash(&mut hash);
    let (key, version) = (
        i16::from_be_bytes([*k0, *k1]),
        i16::from_be_bytes([*v0, *v1]),
    );
    let name = format!("{key:02}-v{version:02}-{:016x}.bin", hash.finish());
    let _ = std::fs::create_dir_all(dir);
    if let Err(error) = std::fs::write(dir.join(name), frame) {
        tracing::warn!(%error, "MINIKAFKA_CAPTURE_REQUESTS: could not write a frame");
    }
}
