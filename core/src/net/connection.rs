//! One client connection: a reader task cutting frames, a writer task sending answers.
//! Over TLS the two share the TLS stream (split), and stored batches are copied through
//! this process instead of `sendfile`: the kernel cannot encrypt them.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use std::io;
use std::os::unix::fs::FileExt;

use bytes::{Buf, BytesMut};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::TcpStream;
use tokio::sync::{mpsc, OwnedSemaphorePermit, Semaphore};

use super::storage::SyncFile;
use super::{CoreMsg, ServerConfig};
use crate::record::StoredBatch;
use crate::wire::{ConnectionId, FramePart, ResponseFrame};

/// The unit of the server-wide budget of queued request bytes: a semaphore permit each.
const BUDGET_UNIT: usize = 1024;

/// The permits of a budget of `bytes` (at least one).
pub(super) fn budget_units(bytes: usize) -> usize {
    bytes.div_ceil(BUDGET_UNIT).max(1)
}

/// The permits a request frame of `len` bytes takes from a budget of `total` permits: all
/// of them at most, so that a request larger than the budget is read once it is alone.
fn frame_units(len: usize, total: usize) -> u32 {
    budget_units(len).min(total).min(u32::MAX as usize) as u32
}

/// How long a client has to finish its TLS handshake.
const TLS_HANDSHAKE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Start the reader and writer tasks of a new connection, after its TLS handshake when the
/// listener has TLS. `slot` is its place under `max_connections`, given back when the
/// reader ends (or the handshake fails). `queued` is the server-wide budget of bytes of
/// unanswered requests (`queued_max_request_bytes`, in [`BUDGET_UNIT`]s).
pub(super) fn spawn(
    id: ConnectionId,
    socket: TcpStream,
    peer: SocketAddr,
    config: ServerConfig,
    core: mpsc::UnboundedSender<CoreMsg>,
    slot: OwnedSemaphorePermit,
    queued: Arc<Semaphore>,
) {
    let Some(tls) = config.tls.clone() else {
        let (read, write) = socket.into_split();
        start(id, read, write, peer, config, core, slot, queued);
        return;
    };
    tokio::spawn(async move {
        let acceptor = tokio_rustls::TlsAcceptor::from(tls);
        match tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(socket)).await {
            Ok(Ok(stream)) => {
                let (read, write) = tokio::io::split(stream);
                start(id, read, write, peer, config, core, slot, queued);
            }
            Ok(Err(error)) => tracing::info!(
                %peer,
                %error,
                "TLS handshake failed (a client without TLS, or one that does not trust the certificate?)"
            ),
            Err(_) => tracing::info!(%peer, "TLS handshake timed out: closing"),
        }
    });
}

/// Where a connection's answers are written: a TCP socket (which can take `sendfile`) or a
/// TLS stream (which cannot: the records must be encrypted in this process).
pub(super) trait FrameSink: AsyncWrite + Unpin + Send + 'static {
    /// The socket, when bytes may go to it straight from a file.
    fn tcp(&self) -> Option<&TcpStream> {
        None
    }
}

impl FrameSink for OwnedWriteHalf {
    fn tcp(&self) -> Option<&TcpStream> {
        Some(self.as_ref())
    }
}

impl FrameSink for tokio::io::WriteHalf<tokio_rustls::server::TlsStream<TcpStream>> {}

#[allow(clippy::too_many_arguments)]
fn start<R, W>(
    id: ConnectionId,
    mut read: R,
    mut write: W,
    peer: SocketAddr,
    config: ServerConfig,
    core: mpsc::UnboundedSender<CoreMsg>,
    slot: OwnedSemaphorePermit,
    queued: Arc<Semaphore>,
) where
    R: AsyncRead + Unpin + Send + 'static,
    W: FrameSink,
{
    let (writer_tx, mut writer_rx) = mpsc::unbounded_channel::<Option<ResponseFrame>>();
    let frame_limit = Arc::new(AtomicUsize::new(
        config
            .pre_auth_max_request_bytes
            .unwrap_or(config.max_request_bytes),
    ));
    let reader_limit = frame_limit.clone();
    let in_flight = Arc::new(Semaphore::new(config.max_in_flight.max(1)));
    // The share of the byte budget each unanswered request holds, oldest first: answers
    // leave in request order, so the writer gives back the front one per answer.
    let held: Arc<Mutex<VecDeque<OwnedSemaphorePermit>>> = Arc::default();
    let writer_held = held.clone();

    // The writer: answers in order. `None` is a request that needed no answer; it still
    // frees its in-flight slot and its bytes.
    let writer_slots = in_flight.clone();
    let sendfile = config.sendfile;
    tokio::spawn(async move {
        let mut copy_buffer = Vec::new();
        while let Some(response) = writer_rx.recv().await {
            if let Some(frame) = response {
                if let Err(error) =
                    write_frame(&mut write, &frame, sendfile, &mut copy_buffer).await
                {
                    tracing::debug!(connection = id, %error, "write failed");
                    break;
                }
            }
            writer_slots.add_permits(1);
            if let Ok(mut held) = writer_held.lock() {
                held.pop_front();
            }
        }
        let _ = write.shutdown().await;
    });

    let core_for_reader = core.clone();
    let reader = tokio::spawn(async move {
        let _slot = slot;
        let budget = Budget {
            queued,
            held,
            in_flight,
        };
        let reason = read_frames(
            id,
            &mut read,
            &config,
            &reader_limit,
            &core_for_reader,
            &budget,
        )
        .await;
        let _ = core_for_reader.send(CoreMsg::Closed { id, reason });
    });
    let _ = core.send(CoreMsg::Opened {
        id,
        host: peer.ip().to_string(),
        writer: writer_tx,
        reader: reader.abort_handle(),
        frame_limit,
    });
}

/// What a connection's reader must hold before it passes a request on.
struct Budget {
    /// The server-wide bytes of unanswered requests.
    queued: Arc<Semaphore>,
    /// This connection's shares of it, one per unanswered request.
    held: Arc<Mutex<VecDeque<OwnedSemaphorePermit>>>,
    /// This connection's unanswered requests (`max_in_flight`).
    in_flight: Arc<Semaphore>,
}

/// Read frames until the connection ends; returns why it ended.
///
/// Frames are cut out of one growing buffer that `read_buf` fills without zeroing it:
/// a fresh zeroed allocation per request costs a page fault for every 4 KiB of a 1 MiB
/// produce request, which was a third of the broker's CPU under load. Once the core has
/// dropped the frames cut from it, `reserve` takes the same memory back.
async fn read_frames(
    id: ConnectionId,
    read: &mut (impl AsyncRead + Unpin),
    config: &ServerConfig,
    frame_limit: &AtomicUsize,
    core: &mpsc::UnboundedSender<CoreMsg>,
    budget: &Budget,
) -> String {
    let mut buffer = BytesMut::with_capacity(64 * 1024);
    loop {
        // The length prefix; waiting for it is what the idle timeout bounds.
        let filled = tokio::time::timeout(config.idle_timeout, fill(read, &mut buffer, 4)).await;
        match filled {
            Err(_) => {
                tracing::info!(
                    connection = id,
                    "idle for {:?}: closing",
                    config.idle_timeout
                );
                return "idle timeout".into();
            }
            Ok(Err(error)) if buffer.is_empty() => return format!("read: {error}"),
            Ok(Err(error)) => {
                tracing::warn!(connection = id, %error, "connection ended in the middle of a request");
                return format!("truncated frame: {error}");
            }
            Ok(Ok(())) => {}
        }
        let len = i32::from_be_bytes([buffer[0], buffer[1], buffer[2], buffer[3]]);
        let limit = frame_limit.load(Ordering::Relaxed);
        if len < 0 || len as usize > limit {
            tracing::warn!(
                connection = id,
                length = len,
                limit,
                "request frame length out of range: closing connection"
            );
            return format!("bad frame length {len}");
        }
        let len = len as usize;
        // Room in the server-wide budget before the body is read: with many producers,
        // memory waits here instead of growing.
        let total = budget_units(config.queued_max_request_bytes);
        let Ok(share) = budget
            .queued
            .clone()
            .acquire_many_owned(frame_units(len, total))
            .await
        else {
            return "closed".into();
        };
        if let Err(error) = fill(read, &mut buffer, 4 + len).await {
            tracing::warn!(connection = id, %error, "connection ended in the middle of a request");
            return format!("truncated frame: {error}");
        }
        buffer.advance(4);
        let frame = buffer.split_to(len);
        // Frames before a SASL login hold credentials (PLAIN's password itself): never
        // written to the capture directory.
        let before_login =
            config.pre_auth_max_request_bytes == Some(limit) && limit != config.max_request_bytes;
        if !before_login {
            capture(&frame);
        }
        // Wait for a free in-flight slot: a client that does not read its answers stops
        // being read, and its memory stays bounded.
        let Ok(permit) = budget.in_flight.acquire().await else {
            return "closed".into();
        };
        permit.forget();
        if let Ok(mut held) = budget.held.lock() {
            held.push_back(share);
        }
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

/// Read until `buffer` holds at least `want` bytes. The end of the stream is an
/// `UnexpectedEof` error.
async fn fill(
    read: &mut (impl AsyncRead + Unpin),
    buffer: &mut BytesMut,
    want: usize,
) -> io::Result<()> {
    if buffer.len() < want {
        buffer.reserve(want - buffer.len());
    }
    while buffer.len() < want {
        if read.read_buf(buffer).await? == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the client closed the connection",
            ));
        }
    }
    Ok(())
}

/// Write one response frame: its bytes, and its stored batches straight from their segment
/// files (`sendfile`: the kernel moves page-cache pages to the socket; the records never
/// enter this process), or with `sendfile` off, read into `copy_buffer` and written (one
/// copy out of the page cache; `make bench` compares the two).
async fn write_frame(
    write: &mut impl FrameSink,
    frame: &ResponseFrame,
    sendfile: bool,
    copy_buffer: &mut Vec<u8>,
) -> io::Result<()> {
    for part in &frame.parts {
        match part {
            FramePart::Bytes(bytes) => write.write_all(bytes).await?,
            FramePart::Stored(stored) => {
                let file = stored.source.as_any().downcast_ref::<SyncFile>();
                match (file, write.tcp()) {
                    #[cfg(target_os = "linux")]
                    (Some(file), Some(tcp)) if sendfile => send_file(tcp, file, stored).await?,
                    _ => copy_out(write, stored, copy_buffer).await?,
                }
            }
        }
    }
    Ok(())
}

/// `sendfile` from the segment file to the socket until the whole range is out, waiting
/// whenever the socket's send buffer is full.
#[cfg(target_os = "linux")]
async fn send_file(stream: &TcpStream, file: &SyncFile, stored: &StoredBatch) -> io::Result<()> {
    let mut offset = stored.position;
    let end = stored.position + u64::from(stored.len);
    while offset < end {
        stream.writable().await?;
        let count = (end - offset).min(1 << 30) as usize;
        let sent = stream.try_io(tokio::io::Interest::WRITABLE, || {
            rustix::fs::sendfile(stream, &file.file, Some(&mut offset), count)
                .map_err(io::Error::from)
        });
        match sent {
            Ok(0) => {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the segment file ends before the batch",
                ))
            }
            Ok(_) => {}
            Err(error) if error.kind() == io::ErrorKind::WouldBlock => {}
            Err(error) => return Err(error),
        }
    }
    Ok(())
}

/// Read the range into `buffer` (reused, so it costs no fresh pages) a piece at a time and
/// write it: one copy from the page cache into this process.
async fn copy_out(
    write: &mut (impl AsyncWrite + Unpin),
    stored: &StoredBatch,
    buffer: &mut Vec<u8>,
) -> io::Result<()> {
    const PIECE: u64 = 256 * 1024;
    let mut offset = stored.position;
    let end = stored.position + u64::from(stored.len);
    while offset < end {
        let n = (end - offset).min(PIECE) as usize;
        if buffer.len() < n {
            buffer.resize(n, 0);
        }
        match stored.source.as_any().downcast_ref::<SyncFile>() {
            Some(file) => file.file.read_exact_at(&mut buffer[..n], offset)?,
            None => stored.source.read_at(&mut buffer[..n], offset)?,
        }
        write.write_all(&buffer[..n]).await?;
        offset += n as u64;
    }
    Ok(())
}

/// Opt-in request capture for the fuzz seed corpus (`fuzz/capture.sh`): with
/// `MINIKAFKA_CAPTURE_REQUESTS=<dir>` set when the server starts, every request frame read
/// (after its length prefix) is also written to `<dir>/<api key>-v<version>-<hash>.bin`,
/// except the frames of a SASL login.
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

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(len: usize) -> Vec<u8> {
        let mut bytes = (len as i32).to_be_bytes().to_vec();
        bytes.resize(4 + len, 7);
        bytes
    }

    /// Two 3 KiB requests under a 4 KiB server-wide budget: the second is not read until
    /// the first is answered, and a request larger than the whole budget is still read once
    /// it is alone.
    #[tokio::test]
    async fn requests_wait_for_room_in_the_server_wide_budget() {
        let config = ServerConfig {
            queued_max_request_bytes: 4096,
            ..ServerConfig::default()
        };
        let budget = Arc::new(Budget {
            queued: Arc::new(Semaphore::new(budget_units(4096))),
            held: Arc::default(),
            in_flight: Arc::new(Semaphore::new(8)),
        });
        let (mut client, server) = tokio::io::duplex(64 * 1024);
        let (core_tx, mut core_rx) = mpsc::unbounded_channel();
        let limit = Arc::new(AtomicUsize::new(config.max_request_bytes));
        let reader = {
            let budget = budget.clone();
            tokio::spawn(async move {
                let mut server = server;
                read_frames(1, &mut server, &config, &limit, &core_tx, &budget).await
            })
        };
        for len in [3072, 3072, 10_000] {
            client.write_all(&frame(len)).await.unwrap();
        }
        let next = |rx: &mut mpsc::UnboundedReceiver<CoreMsg>| match rx.try_recv() {
            Ok(CoreMsg::Frame { frame, .. }) => Some(frame.len()),
            _ => None,
        };
        let settle = || tokio::time::sleep(std::time::Duration::from_millis(50));
        settle().await;
        assert_eq!(next(&mut core_rx), Some(3072));
        assert_eq!(next(&mut core_rx), None, "no room for the second yet");
        // The first is answered: the writer gives its share back.
        budget.held.lock().unwrap().pop_front();
        settle().await;
        assert_eq!(next(&mut core_rx), Some(3072));
        assert_eq!(next(&mut core_rx), None);
        budget.held.lock().unwrap().pop_front();
        settle().await;
        assert_eq!(
            next(&mut core_rx),
            Some(10_000),
            "alone, it may take it all"
        );
        drop(client);
        assert!(reader.await.unwrap().contains("read"));
    }

    #[test]
    fn a_frame_takes_its_kibibytes_and_at_most_the_whole_budget() {
        assert_eq!(budget_units(64 << 20), 65_536);
        assert_eq!(budget_units(0), 1);
        assert_eq!(frame_units(1, 100), 1);
        assert_eq!(frame_units(1025, 100), 2);
        assert_eq!(frame_units(1 << 30, 100), 100);
    }
}
