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
//! - `always`: no answer leaves before the files its step wrote are flushed, so an
//!   acknowledged record is on disk. The flushes run on their own thread while the server
//!   goes on appending, and one flush covers every append that arrived while the previous
//!   one ran, across connections and partitions (group commit, `net/group_commit.rs`):
//!   that is what keeps it from being one fsync per record.
//! - `interval=<ms>` (default 5): a background thread flushes written files every `<ms>`;
//!   a power cut can lose the last few milliseconds of acknowledged records.
//! - `never`: the operating system flushes when it likes (Kafka's own default: it relies
//!   on replication instead, which a single broker does not have).
//!
//!
//! A new file's *name* is a change to its directory, which a file's `fsync` does not cover
//! (fsync(2)): under every policy the directory is fsynced when a segment is created (a
//! roll, once per `segment.bytes`), a manifest or checkpoint renamed, or a segment removed,
//! so that synced records are never left without a name after a power cut.
//!
//! Every file call goes through [`disk::Disk`] ([`RealDisk`] in the server), so that the
//! power-cut test (`power_cut/`) runs this very code over a disk that forgets what was
//! not synced (`sim_disk.rs`), and measures what each policy loses.

pub mod disk;
#[cfg(test)]
mod power_cut;
mod segment;
#[cfg(test)]
mod sim_disk;

use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub use disk::RealDisk;
#[cfg(test)]
pub(crate) use segment::tests as segment_tests;
pub use segment::FileStorage;

use disk::{create_dir_durably, parent_of, Disk, DiskFile};

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
pub(crate) struct SyncFile<F = std::fs::File> {
    pub file: F,
    dirty: AtomicBool,
}

impl<F> SyncFile<F> {
    pub fn new(file: F) -> Arc<SyncFile<F>> {
        Arc::new(SyncFile {
            file,
            dirty: AtomicBool::new(false),
        })
    }
}

/// The files written since the last flush, shared by every log and the flushing thread.
#[derive(Debug)]
pub struct Flusher<D: Disk = RealDisk> {
    pending: Mutex<Vec<Arc<SyncFile<D::File>>>>,
    /// Record batches appended since the last flush began: what one fsync covers, which
    /// is the figure group commit is judged by.
    appends: AtomicU64,
    /// Flushes that synced at least one file, and the CPU time the flushing threads spent
    /// in them (see [`FlushCost`]).
    flushes: AtomicU64,
    flush_cpu_nanos: AtomicU64,
}

impl<D: Disk> Default for Flusher<D> {
    fn default() -> Self {
        Flusher {
            pending: Mutex::new(Vec::new()),
            appends: AtomicU64::new(0),
            flushes: AtomicU64::new(0),
            flush_cpu_nanos: AtomicU64::new(0),
        }
    }
}

/// What the flushes so far cost the server.
///
/// An `fsync` is not a wait alone: the calling thread runs the kernel's write-back of the
/// file's dirty pages (ext4 block allocation, building and submitting the disk requests).
/// Under `--fsync never` the kernel's own flusher threads do that work later, outside the
/// server's CPU account; under `always` and `interval` the server's flushing thread does
/// it. This is that thread time, so a benchmark can tell the write-back apart from the
/// produce path's own work.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FlushCost {
    /// Flushes that synced at least one file.
    pub flushes: u64,
    /// CPU time of the flushing threads inside those flushes.
    pub cpu: Duration,
}

impl std::fmt::Display for FlushCost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "fsync: flushes={} cpu={:.3}s (the kernel's write-back, run by the flushing threads)",
            self.flushes,
            self.cpu.as_secs_f64()
        )
    }
}

/// The CPU time the calling thread has used so far (`CLOCK_THREAD_CPUTIME_ID`).
fn thread_cpu() -> Duration {
    let ts = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
    Duration::new(
        ts.tv_sec.max(0) as u64,
        ts.tv_nsec.clamp(0, 999_999_999) as u32,
    )
}

/// What one [`Flusher::sync`] flushed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Synced {
    /// Files flushed (segment logs and indexes, internal logs).
    pub files: usize,
    /// Record batches appended to them since the previous flush began.
    pub appends: u64,
}

impl<D: Disk> Flusher<D> {
    /// Note that `file` was written to.
    pub(crate) fn mark(&self, file: &Arc<SyncFile<D::File>>) {
        if !file.dirty.swap(true, Ordering::AcqRel) {
            if let Ok(mut pending) = self.pending.lock() {
                pending.push(file.clone());
            }
        }
    }

    /// Note that one record batch was appended (its file is [`mark`](Self::mark)ed too).
    pub(crate) fn count_append(&self) {
        self.appends.fetch_add(1, Ordering::Relaxed);
    }

    /// Whether some file was written and not yet taken by a flush. A step of the server
    /// that leaves this true has answers that must wait for the next flush.
    pub fn has_pending(&self) -> bool {
        self.pending.lock().map(|p| !p.is_empty()).unwrap_or(false)
    }

    /// What the flushes so far cost.
    pub fn cost(&self) -> FlushCost {
        FlushCost {
            flushes: self.flushes.load(Ordering::Relaxed),
            cpu: Duration::from_nanos(self.flush_cpu_nanos.load(Ordering::Relaxed)),
        }
    }

    /// Flush every written file to the disk. Every write that returned before this call
    /// began is on the disk when it returns.
    pub fn sync(&self) -> io::Result<Synced> {
        let files = match self.pending.lock() {
            Ok(mut pending) => std::mem::take(&mut *pending),
            Err(_) => return Ok(Synced::default()),
        };
        let appends = self.appends.swap(0, Ordering::Relaxed);
        if files.is_empty() {
            return Ok(Synced { files: 0, appends });
        }
        let began = thread_cpu();
        let result = files.iter().try_for_each(|f| {
            // Cleared before the flush: a write that races with it marks the file again.
            f.dirty.store(false, Ordering::Release);
            f.file.sync_data()
        });
        let spent = thread_cpu().saturating_sub(began);
        self.flushes.fetch_add(1, Ordering::Relaxed);
        self.flush_cpu_nanos
            .fetch_add(spent.as_nanos() as u64, Ordering::Relaxed);
        result?;
        Ok(Synced {
            files: files.len(),
            appends,
        })
    }
}

/// Segment files under a data directory. See the module documentation.
#[derive(Debug)]
pub struct FileProvider<D: Disk = RealDisk> {
    disk: D,
    root: PathBuf,
    /// An exclusive lock on `root/.lock`, held while the provider lives: two servers on one
    /// data directory would interleave their appends and corrupt each other's logs. The
    /// operating system drops the lock when the process dies, even by SIGKILL.
    _lock: D::Lock,
    flusher: Arc<Flusher<D>>,
    /// Kafka's `index.interval.bytes`: one index entry per this many bytes of log.
    index_interval_bytes: u64,
}

impl FileProvider {
    /// Use (and create if needed) `root`, locked against a second server.
    pub fn open(root: impl Into<PathBuf>) -> Result<FileProvider, StorageError> {
        FileProvider::open_on(RealDisk, root)
    }
}

impl<D: Disk> FileProvider<D> {
    /// [`FileProvider::open`] on `disk`.
    pub fn open_on(disk: D, root: impl Into<PathBuf>) -> Result<FileProvider<D>, StorageError> {
        let root = root.into();
        for dir in ["topics", "logs", "internal"] {
            create_dir_durably(&disk, &root.join(dir)).map_err(|e| io_error(&root.join(dir), e))?;
        }
        let lock_path = root.join(".lock");
        let lock = match disk.try_lock(&lock_path) {
            Ok(Some(lock)) => lock,
            Ok(None) => {
                return Err(StorageError::Io(format!(
                    "{} is in use by another minikafka process (it holds {}): stop it, or give this one another --data-dir",
                    root.display(),
                    lock_path.display()
                )))
            }
            Err(e) => return Err(io_error(&lock_path, e)),
        };
        Ok(FileProvider {
            disk,
            root,
            _lock: lock,
            flusher: Arc::new(Flusher::default()),
            index_interval_bytes: 4096,
        })
    }

    /// The flusher, for the server's fsync policy.
    pub fn flusher(&self) -> Arc<Flusher<D>> {
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

impl<D: Disk> StorageProvider for FileProvider<D> {
    type Storage = FileStorage<D>;

    fn open_partition(
        &mut self,
        topic: &TopicManifest,
        partition: i32,
    ) -> Result<FileStorage<D>, StorageError> {
        FileStorage::open_on(
            self.disk.clone(),
            self.partition_dir(&topic.name, partition),
            false,
            self.flusher.clone(),
            self.index_interval_bytes,
        )
    }

    fn open_offsets_log(&mut self) -> Result<FileStorage<D>, StorageError> {
        FileStorage::open_on(
            self.disk.clone(),
            self.root.join("internal").join("__consumer_offsets-0"),
            true,
            self.flusher.clone(),
            self.index_interval_bytes,
        )
    }

    fn open_transaction_log(&mut self) -> Result<FileStorage<D>, StorageError> {
        FileStorage::open_on(
            self.disk.clone(),
            self.root.join("internal").join("__transaction_state-0"),
            true,
            self.flusher.clone(),
            self.index_interval_bytes,
        )
    }

    fn save_topic(&mut self, topic: &TopicManifest) -> Result<(), StorageError> {
        let json = serde_json::to_vec_pretty(topic)
            .map_err(|e| StorageError::Io(format!("topic manifest: {e}")))?;
        write_atomically(&self.disk, &self.manifest_path(&topic.name), &json)
    }

    fn delete_topic(&mut self, name: &str) -> Result<(), StorageError> {
        let manifest = self.manifest_path(name);
        let topics = self.root.join("topics");
        self.disk
            .remove_file(&manifest)
            .and_then(|()| self.disk.sync_dir(&topics))
            .map_err(|e| io_error(&manifest, e))?;
        let logs = self.root.join("logs");
        let entries = self.disk.list_dir(&logs).map_err(|e| io_error(&logs, e))?;
        let prefix = format!("{name}-");
        for file_name in entries {
            let is_ours = file_name
                .strip_prefix(&prefix)
                .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
            if is_ours {
                let path = logs.join(&file_name);
                self.disk
                    .remove_dir_all(&path)
                    .map_err(|e| io_error(&path, e))?;
            }
        }
        Ok(())
    }

    fn saved_topics(&mut self) -> Result<Vec<TopicManifest>, StorageError> {
        let dir = self.root.join("topics");
        let mut out = Vec::new();
        let entries = self.disk.list_dir(&dir).map_err(|e| io_error(&dir, e))?;
        for name in entries {
            let path = dir.join(name);
            if path.extension().is_none_or(|e| e != "json") {
                continue;
            }
            let bytes = self.disk.read(&path).map_err(|e| io_error(&path, e))?;
            let manifest: TopicManifest = serde_json::from_slice(&bytes)
                .map_err(|e| StorageError::Corrupt(format!("{}: {e}", path.display())))?;
            out.push(manifest);
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }
}

/// Write a small file so that a crash leaves either the old or the new content, and a
/// power cut after the return leaves the new one (the rename is synced in its directory).
pub(crate) fn write_atomically<D: Disk>(
    disk: &D,
    path: &Path,
    bytes: &[u8],
) -> Result<(), StorageError> {
    let tmp = path.with_extension("tmp");
    let result = (|| {
        let f = disk.open(&tmp, true, true)?;
        f.write_all_at(bytes, 0)?;
        f.sync_data()?;
        disk.rename(&tmp, path)?;
        disk.sync_dir(&parent_of(path))
    })();
    result.map_err(|e| io_error(path, e))
}

pub(crate) fn io_error(path: &Path, error: io::Error) -> StorageError {
    let error = StorageError::Io(format!("{}: {error}", path.display()));
    tracing::error!(%error, "storage");
    error
}

/// A segment file is where a fetch's stored batches stay: the server sends them from it.
impl<F: DiskFile> crate::record::StoredSource for SyncFile<F> {
    fn read_at(&self, buf: &mut [u8], position: u64) -> io::Result<()> {
        self.file.read_exact_at(buf, position)
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}
