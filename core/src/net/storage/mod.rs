//! Durable storage: partition logs as segment files on disk, as Kafka keeps them.
//!
//! ```text
//! <data-dir>/
//!   topics/<topic>.json                 name, id, partition count, configs
//!   logs/<topic>-<partition>/
//!     00000000000000000000.log          record batches, exactly as produced (CRC each)
//!     00000000000000000000.index        sparse offset index: (relative offset, position)
//!     00000000000000004096.log          the next segment, named by its base offset
//!     log-start-offset                  raised by DeleteRecords (a checkpoint)
//!   internal/__consumer_offsets-0/      the committed-offsets log, same format
//! ```
//!
//! **Recovery.** On start every segment is scanned batch by batch and each batch's CRC is
//! checked. The first torn or corrupt batch (a crash in the middle of a write, a flipped
//! byte) and everything after it in the partition is cut off, with a log line saying what
//! was dropped; everything before it is served. Indexes are rebuilt during the scan.
//!
//! **Flushing** (`--fsync`). A `write` puts data in the operating system's page cache: it
//! survives the *process* being killed, but not a power cut or kernel crash until it is
//! flushed (`fsync`) to the disk.
//! - `always`: every step of the server flushes the files it wrote *before* any answer
//!   leaves, so an acknowledged record is on disk. One flush covers every request handled
//!   in that step (group commit), which is what keeps it from being one fsync per record.
//! - `interval=<ms>` (default 5): a background thread flushes written files every `<ms>`;
//!   a power cut can lose the last few milliseconds of acknowledged records.
//! - `never`: the operating system flushes when it likes (Kafka's own default: it relies
//!   on replication instead, which a single broker does not have).

mod segment;

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub use segment::FileStorage;

use crate::log::{StorageError, StorageProvider, TopicManifest};

/// When written data is flushed to the disk. See the module documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FsyncPolicy {
    /// Before every answer.
    Always,
    /// Every so often, in the background.
    Interval(Duration),
    /// Never explicitly.
    Never,
}

impl std::str::FromStr for FsyncPolicy {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "always" => Ok(FsyncPolicy::Always),
            "never" => Ok(FsyncPolicy::Never),
            _ => match s.strip_prefix("interval=").map(str::parse::<u64>) {
                Some(Ok(ms)) if ms >= 1 => Ok(FsyncPolicy::Interval(Duration::from_millis(ms))),
                _ => Err(format!(
                    "'{s}': expected always, never or interval=<ms> (ms at least 1)"
                )),
            },
        }
    }
}

impl std::fmt::Display for FsyncPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FsyncPolicy::Always => write!(f, "always"),
            FsyncPolicy::Interval(d) => write!(f, "interval={}", d.as_millis()),
            FsyncPolicy::Never => write!(f, "never"),
        }
    }
}

/// A file that remembers whether it has unflushed writes.
#[derive(Debug)]
pub(crate) struct SyncFile {
    pub file: fs::File,
    dirty: AtomicBool,
}

impl SyncFile {
    pub fn new(file: fs::File) -> Arc<SyncFile> {
        Arc::new(SyncFile {
            file,
            dirty: AtomicBool::new(false),
        })
    }
}

/// The files written since the last flush, shared by every log and the flushing thread.
#[derive(Debug, Default)]
pub struct Flusher {
    pending: Mutex<Vec<Arc<SyncFile>>>,
}

impl Flusher {
    /// Note that `file` was written to.
    pub(crate) fn mark(&self, file: &Arc<SyncFile>) {
        if !file.dirty.swap(true, Ordering::AcqRel) {
            if let Ok(mut pending) = self.pending.lock() {
                pending.push(file.clone());
            }
        }
    }

    /// Flush every written file to the disk; returns how many were flushed.
    pub fn sync(&self) -> io::Result<usize> {
        let files = match self.pending.lock() {
            Ok(mut pending) => std::mem::take(&mut *pending),
            Err(_) => return Ok(0),
        };
        for f in &files {
            // Cleared before the flush: a write that races with it marks the file again.
            f.dirty.store(false, Ordering::Release);
            f.file.sync_data()?;
        }
        Ok(files.len())
    }
}

/// Segment files under a data directory. See the module documentation.
#[derive(Debug)]
pub struct FileProvider {
    root: PathBuf,
    /// An exclusive lock on `root/.lock`, held while the provider lives: two servers on one
    /// data directory would interleave their appends and corrupt each other's logs. The
    /// operating system drops the lock when the process dies, even by SIGKILL.
    _lock: fs::File,
    flusher: Arc<Flusher>,
    /// Kafka's `index.interval.bytes`: one index entry per this many bytes of log.
    index_interval_bytes: u64,
}

impl FileProvider {
    /// Use (and create if needed) `root`, locked against a second server.
    pub fn open(root: impl Into<PathBuf>) -> Result<FileProvider, StorageError> {
        let root = root.into();
        for dir in ["topics", "logs", "internal"] {
            fs::create_dir_all(root.join(dir)).map_err(|e| io_error(&root.join(dir), e))?;
        }
        let lock_path = root.join(".lock");
        let lock = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| io_error(&lock_path, e))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => {
                return Err(StorageError::Io(format!(
                    "{} is in use by another minikafka process (it holds {}): stop it, or give this one another --data-dir",
                    root.display(),
                    lock_path.display()
                )))
            }
            Err(fs::TryLockError::Error(e)) => return Err(io_error(&lock_path, e)),
        }
        Ok(FileProvider {
            root,
            _lock: lock,
            flusher: Arc::new(Flusher::default()),
            index_interval_bytes: 4096,
        })
    }

    /// The flusher, for the server's fsync policy.
    pub fn flusher(&self) -> Arc<Flusher> {
        self.flusher.clone()
    }

    /// The data directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn manifest_path(&self, topic: &str) -> PathBuf {
        self.root.join("topics").join(format!("{topic}.json"))
    }

    fn partition_dir(&self, topic: &str, partition: i32) -> PathBuf {
        self.root.join("logs").join(format!("{topic}-{partition}"))
    }
}

impl StorageProvider for FileProvider {
    type Storage = FileStorage;

    fn open_partition(
        &mut self,
        topic: &TopicManifest,
        partition: i32,
    ) -> Result<FileStorage, StorageError> {
        FileStorage::open(
            self.partition_dir(&topic.name, partition),
            false,
            self.flusher.clone(),
            self.index_interval_bytes,
        )
    }

    fn open_offsets_log(&mut self) -> Result<FileStorage, StorageError> {
        FileStorage::open(
            self.root.join("internal").join("__consumer_offsets-0"),
            true,
            self.flusher.clone(),
            self.index_interval_bytes,
        )
    }

    fn open_transaction_log(&mut self) -> Result<FileStorage, StorageError> {
        FileStorage::open(
            self.root.join("internal").join("__transaction_state-0"),
            true,
            self.flusher.clone(),
            self.index_interval_bytes,
        )
    }

    fn save_topic(&mut self, topic: &TopicManifest) -> Result<(), StorageError> {
        let json = serde_json::to_vec_pretty(topic)
            .map_err(|e| StorageError::Io(format!("topic manifest: {e}")))?;
        write_atomically(&self.manifest_path(&topic.name), &json)
    }

    fn delete_topic(&mut self, name: &str) -> Result<(), StorageError> {
        let manifest = self.manifest_path(name);
        fs::remove_file(&manifest).map_err(|e| io_error(&manifest, e))?;
        let logs = self.root.join("logs");
        let entries = fs::read_dir(&logs).map_err(|e| io_error(&logs, e))?;
        let prefix = format!("{name}-");
        for entry in entries.flatten() {
            let file_name = entry.file_name().to_string_lossy().to_string();
            let is_ours = file_name
                .strip_prefix(&prefix)
                .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
            if is_ours {
                fs::remove_dir_all(entry.path()).map_err(|e| io_error(&entry.path(), e))?;
            }
        }
        Ok(())
    }

    fn saved_topics(&mut self) -> Result<Vec<TopicManifest>, StorageError> {
        let dir = self.root.join("topics");
        let mut out = Vec::new();
        let entries = fs::read_dir(&dir).map_err(|e| io_error(&dir, e))?;
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_none_or(|e| e != "json") {
                continue;
            }
            let bytes = fs::read(&path).map_err(|e| io_error(&path, e))?;
            let manifest: TopicManifest = serde_json::from_slice(&bytes)
                .map_err(|e| StorageError::Corrupt(format!("{}: {e}", path.display())))?;
            out.push(manifest);
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }
}

/// Write a small file so that a crash leaves either the old or the new content.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), StorageError> {
    let tmp = path.with_extension("tmp");
    let result = (|| {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_data()?;
        fs::rename(&tmp, path)
    })();
    result.map_err(|e| io_error(path, e))
}

pub(crate) fn io_error(path: &Path, error: io::Error) -> StorageError {
    let error = StorageError::Io(format!("{}: {error}", path.display()));
    tracing::error!(%error, "storage");
    error
}

/// A segment file is where a fetch's stored batches stay: the server sends them from it.
impl crate::record::StoredSource for SyncFile {
    fn read_at(&self, buf: &mut [u8], position: u64) -> io::Result<()> {
        std::os::unix::fs::FileExt::read_exact_at(&self.file, buf, position)
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}
