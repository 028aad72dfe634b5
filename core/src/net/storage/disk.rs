//! The file calls of the storage, behind a trait, so that a test can run the real segment,
//! index and offsets-log code over a simulated disk that loses power (`power_cut/`).
//!
//! [`FileStorage`](super::FileStorage), [`FileProvider`](super::FileProvider) and
//! [`Flusher`](super::Flusher) take the disk as a generic parameter whose default is
//! [`RealDisk`], a zero-sized type whose methods are the `std::fs` calls they replace: the
//! server is monomorphised over it, with no `dyn`, no runtime flag and no extra field.
//!
//! **Directory entries.** On Linux a new file's name, a rename and a removal are changes to
//! the *directory*: `fsync` of the file does not make them durable, an `fsync` of the
//! directory does (fsync(2): "an explicit fsync() on a file descriptor for the directory
//! is also needed"). ext4 and XFS with a journal happen to commit them with the file's
//! flush, other file systems need not, so the storage fsyncs the directory wherever an
//! entry must survive a power cut: after creating a data directory ([`create_dir_durably`]),
//! a segment (a roll), a renamed manifest or checkpoint, and a removal. The simulated disk
//! models exactly that rule: an entry is durable once its directory was synced.

use std::fmt::Debug;
use std::fs;
use std::io;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

/// A file open for reading and writing at explicit positions.
pub trait DiskFile: Debug + Send + Sync + 'static {
    /// `pwrite` all of `buf` at `pos`.
    fn write_all_at(&self, buf: &[u8], pos: u64) -> io::Result<()>;
    /// `pread` exactly `buf.len()` bytes at `pos`.
    fn read_exact_at(&self, buf: &mut [u8], pos: u64) -> io::Result<()>;
    /// Truncate or extend to `len` bytes.
    fn set_len(&self, len: u64) -> io::Result<()>;
    /// `fdatasync`: the written bytes (and the size) survive a power cut from now on.
    fn sync_data(&self) -> io::Result<()>;
    /// The file's size in bytes.
    fn size(&self) -> io::Result<u64>;
}

/// The file system calls the storage makes. Paths are as the storage builds them.
pub trait Disk: Clone + Debug + Send + Sync + 'static {
    /// An open file.
    type File: DiskFile;
    /// Held while a data directory is in use (see `FileProvider::open`).
    type Lock: Debug + Send + Sync;

    /// Whether `path` is a directory.
    fn is_dir(&self, path: &Path) -> bool;
    /// `mkdir`; its parent must exist. Durable once the parent is synced.
    fn create_dir(&self, path: &Path) -> io::Result<()>;
    /// `fsync` of a directory: its entries (new, renamed, removed) are durable from now on.
    fn sync_dir(&self, path: &Path) -> io::Result<()>;
    /// Open for reading and writing, creating (and truncating) if asked.
    fn open(&self, path: &Path, create: bool, truncate: bool) -> io::Result<Self::File>;
    /// The whole content of a file.
    fn read(&self, path: &Path) -> io::Result<Vec<u8>>;
    /// The names in a directory, in no particular order.
    fn list_dir(&self, path: &Path) -> io::Result<Vec<String>>;
    /// `unlink`.
    fn remove_file(&self, path: &Path) -> io::Result<()>;
    /// Remove a directory and everything under it.
    fn remove_dir_all(&self, path: &Path) -> io::Result<()>;
    /// `rename`, replacing `to` if it exists.
    fn rename(&self, from: &Path, to: &Path) -> io::Result<()>;
    /// An exclusive lock on the file `path` (created if missing); `None` if another
    /// process holds it.
    fn try_lock(&self, path: &Path) -> io::Result<Option<Self::Lock>>;
}

/// The operating system's file system: each method is the `std::fs` call it names.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RealDisk;

impl DiskFile for fs::File {
    fn write_all_at(&self, buf: &[u8], pos: u64) -> io::Result<()> {
        FileExt::write_all_at(self, buf, pos)
    }
    fn read_exact_at(&self, buf: &mut [u8], pos: u64) -> io::Result<()> {
        FileExt::read_exact_at(self, buf, pos)
    }
    fn set_len(&self, len: u64) -> io::Result<()> {
        fs::File::set_len(self, len)
    }
    fn sync_data(&self) -> io::Result<()> {
        fs::File::sync_data(self)
    }
    fn size(&self) -> io::Result<u64> {
        Ok(self.metadata()?.len())
    }
}

impl Disk for RealDisk {
    type File = fs::File;
    type Lock = fs::File;

    fn is_dir(&self, path: &Path) -> bool {
        path.is_dir()
    }
    fn create_dir(&self, path: &Path) -> io::Result<()> {
        match fs::create_dir(path) {
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && path.is_dir() => Ok(()),
            other => other,
        }
    }
    fn sync_dir(&self, path: &Path) -> io::Result<()> {
        fs::File::open(path)?.sync_all()
    }
    fn open(&self, path: &Path, create: bool, truncate: bool) -> io::Result<fs::File> {
        // Not O_APPEND: on Linux `pwrite` ignores its offset on such files.
        fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(create)
            .truncate(truncate)
            .open(path)
    }
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        fs::read(path)
    }
    fn list_dir(&self, path: &Path) -> io::Result<Vec<String>> {
        Ok(fs::read_dir(path)?
            .flatten()
            .map(|e| e.file_name().to_string_lossy().to_string())
            .collect())
    }
    fn remove_file(&self, path: &Path) -> io::Result<()> {
        fs::remove_file(path)
    }
    fn remove_dir_all(&self, path: &Path) -> io::Result<()> {
        fs::remove_dir_all(path)
    }
    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        fs::rename(from, to)
    }
    fn try_lock(&self, path: &Path) -> io::Result<Option<fs::File>> {
        let file = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path)?;
        match file.try_lock() {
            Ok(()) => Ok(Some(file)),
            Err(fs::TryLockError::WouldBlock) => Ok(None),
            Err(fs::TryLockError::Error(e)) => Err(e),
        }
    }
}

/// The directory holding `path` (`.` for a bare name).
pub(crate) fn parent_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// `mkdir -p`, with each directory it creates made durable (its parent synced), so that a
/// power cut cannot take away a partition's directory under its synced segments.
pub(crate) fn create_dir_durably<D: Disk>(disk: &D, dir: &Path) -> io::Result<()> {
    if disk.is_dir(dir) {
        return Ok(());
    }
    let parent = parent_of(dir);
    if dir.parent().is_some_and(|p| !p.as_os_str().is_empty()) {
        create_dir_durably(disk, &parent)?;
    }
    disk.create_dir(dir)?;
    disk.sync_dir(&parent)
}
