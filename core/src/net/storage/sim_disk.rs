//! A disk that can lose power: every file has two images, what was written (the page
//! cache) and what the last `fdatasync` made durable (the platter), and every directory
//! has two sets of entries, as created and as of its last `fsync`.
//!
//! [`SimDisk::power_cut`] throws away what was not durable, in one of the ways real disks
//! and file systems do ([`CutKind`]); the storage then reopens the directory as the server
//! would after a reboot. [`SimDisk::writeback`] plays the kernel's own flusher, which writes
//! pages back once they have been dirty for `dirty_expire_centisecs` (30 s).
//!
//! Directory entries follow fsync(2) to the letter: a created, renamed or removed name is
//! durable only once its directory is synced. The real code syncs directories where it
//! must (see `disk.rs`), so this model catches a missing directory sync as a lost segment.

use std::collections::{BTreeMap, HashMap};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use super::disk::{parent_of, Disk, DiskFile};
use crate::record::Millis;
use crate::rng::SplitMix64;

/// Linux's `dirty_expire_centisecs` (30 s): the kernel writes back pages this old.
pub(crate) const DIRTY_EXPIRE_MS: Millis = 30_000;
/// The page size of partial write-back.
const PAGE: usize = 4096;

/// How a power cut treats what was written but not synced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CutKind {
    /// Nothing unsynced survives.
    DropAll,
    /// Every unsynced write survives but the last one, which is torn at a random byte (the
    /// disk lost power in the middle of writing it).
    TearLast,
    /// Of each file, a random subset of the unsynced 4 KiB pages survives, and its size is
    /// either the synced or the written one: the order in which a disk writes back pages is
    /// not the order they were written in.
    RandomPages,
}

/// A name's target. Directories have an identity too: a directory removed and made again
/// is a new one, and the old one's synced entries must not come back with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Node {
    Dir(u64),
    File(u64),
}

/// One write since the last sync, kept to replay or tear it at a cut.
#[derive(Debug, Clone)]
enum Op {
    Write { pos: u64, bytes: Vec<u8>, seq: u64 },
    SetLen(u64),
}

#[derive(Debug, Default)]
struct Inode {
    /// What was written: what a read sees.
    written: Vec<u8>,
    /// What the last sync made durable.
    synced: Vec<u8>,
    /// The writes since, in order.
    ops: Vec<Op>,
    /// When the oldest of them was made.
    dirty_since: Option<Millis>,
}

impl Inode {
    fn sync(&mut self) {
        self.synced.clone_from(&self.written);
        self.ops.clear();
        self.dirty_since = None;
    }
}

#[derive(Debug, Default)]
struct State {
    live: BTreeMap<PathBuf, Node>,
    durable: BTreeMap<PathBuf, Node>,
    inodes: HashMap<u64, Inode>,
    next_inode: u64,
    next_seq: u64,
    now: Millis,
    /// fdatasync and directory fsync calls, for the figures.
    syncs: u64,
}

fn not_found(path: &Path) -> io::Error {
    io::Error::new(
        io::ErrorKind::NotFound,
        format!("{}: no such file", path.display()),
    )
}

fn apply(image: &mut Vec<u8>, op: &Op, keep: Option<usize>) {
    match op {
        Op::Write { pos, bytes, .. } => {
            let bytes = &bytes[..keep.unwrap_or(bytes.len())];
            let end = *pos as usize + bytes.len();
            if image.len() < end {
                image.resize(end, 0);
            }
            image[*pos as usize..end].copy_from_slice(bytes);
        }
        Op::SetLen(len) => image.resize(*len as usize, 0),
    }
}

impl State {
    fn is_dir(&self, path: &Path) -> bool {
        path == Path::new("/") || matches!(self.live.get(path), Some(Node::Dir(_)))
    }

    fn inode(&mut self, path: &Path) -> io::Result<u64> {
        match self.live.get(path) {
            Some(Node::File(id)) => Ok(*id),
            _ => Err(not_found(path)),
        }
    }

    fn write(&mut self, id: u64, op: Op) {
        let now = self.now;
        let inode = self.inodes.entry(id).or_default();
        apply(&mut inode.written, &op, None);
        inode.ops.push(op);
        inode.dirty_since.get_or_insert(now);
    }
}

/// The simulated disk; clones share it (the storage holds one per log).
#[derive(Debug, Clone, Default)]
pub(crate) struct SimDisk(Arc<Mutex<State>>);

/// A file open on a [`SimDisk`]: an inode, like a real descriptor, so it keeps working
/// after its name is removed or replaced.
#[derive(Debug)]
pub(crate) struct SimFile {
    disk: SimDisk,
    inode: u64,
}

impl SimDisk {
    fn state(&self) -> MutexGuard<'_, State> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The simulated clock, for [`writeback`](Self::writeback).
    pub fn set_now(&self, now: Millis) {
        self.state().now = now;
    }

    /// Sync calls so far.
    pub fn syncs(&self) -> u64 {
        self.state().syncs
    }

    /// The kernel's write-back: every file dirty for [`DIRTY_EXPIRE_MS`] is written out.
    /// Directory entries are left alone: the storage syncs those itself.
    pub fn writeback(&self) {
        let mut state = self.state();
        let now = state.now;
        for inode in state.inodes.values_mut() {
            if inode
                .dirty_since
                .is_some_and(|t| now - t >= DIRTY_EXPIRE_MS)
            {
                inode.sync();
            }
        }
    }

    /// Lose power: keep what was durable, and of the rest what `kind` says. Afterwards the
    /// disk holds only durable state, as after a reboot.
    pub fn power_cut(&self, kind: CutKind, rng: &mut SplitMix64) {
        let mut state = self.state();
        // Names: the durable ones whose directory survived too.
        let mut names: BTreeMap<PathBuf, Node> = BTreeMap::new();
        for (path, node) in &state.durable {
            let parent = parent_of(path);
            if parent == Path::new("/") || matches!(names.get(&parent), Some(Node::Dir(_))) {
                names.insert(path.clone(), *node);
            }
        }
        let last_seq = state
            .inodes
            .values()
            .flat_map(|i| i.ops.iter())
            .filter_map(|op| match op {
                Op::Write { seq, .. } => Some(*seq),
                Op::SetLen(_) => None,
            })
            .max();
        let mut ids: Vec<u64> = names
            .values()
            .filter_map(|n| match n {
                Node::File(id) => Some(*id),
                Node::Dir(_) => None,
            })
            .collect();
        ids.sort_unstable();
        ids.dedup();
        let mut inodes = HashMap::new();
        for id in ids {
            let old = state.inodes.remove(&id).unwrap_or_default();
            let image = match kind {
                CutKind::DropAll => old.synced,
                CutKind::TearLast => {
                    let mut image = old.synced;
                    for op in &old.ops {
                        let keep = match op {
                            Op::Write { seq, bytes, .. } if Some(*seq) == last_seq => {
                                Some((rng.next_u64() % bytes.len().max(1) as u64) as usize)
                            }
                            _ => None,
                        };
                        apply(&mut image, op, keep);
                    }
                    image
                }
                CutKind::RandomPages => {
                    let len = if rng.next_u64().is_multiple_of(2) {
                        old.synced.len()
                    } else {
                        old.written.len()
                    };
                    let mut image = old.synced;
                    image.resize(len, 0);
                    let mut written = old.written;
                    written.resize(len, 0);
                    for start in (0..len).step_by(PAGE) {
                        let end = (start + PAGE).min(len);
                        if image[start..end] != written[start..end]
                            && rng.next_u64().is_multiple_of(2)
                        {
                            image[start..end].copy_from_slice(&written[start..end]);
                        }
                    }
                    image
                }
            };
            inodes.insert(
                id,
                Inode {
                    synced: image.clone(),
                    written: image,
                    ops: Vec::new(),
                    dirty_since: None,
                },
            );
        }
        state.inodes = inodes;
        state.live = names.clone();
        state.durable = names;
    }
}

impl DiskFile for SimFile {
    fn write_all_at(&self, buf: &[u8], pos: u64) -> io::Result<()> {
        let mut state = self.disk.state();
        state.next_seq += 1;
        let seq = state.next_seq;
        let op = Op::Write {
            pos,
            bytes: buf.to_vec(),
            seq,
        };
        state.write(self.inode, op);
        Ok(())
    }

    fn read_exact_at(&self, buf: &mut [u8], pos: u64) -> io::Result<()> {
        let state = self.disk.state();
        let data = state
            .inodes
            .get(&self.inode)
            .map_or(&[][..], |i| &i.written[..]);
        let end = pos as usize + buf.len();
        if end > data.len() {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "read past end",
            ));
        }
        buf.copy_from_slice(&data[pos as usize..end]);
        Ok(())
    }

    fn set_len(&self, len: u64) -> io::Result<()> {
        self.disk.state().write(self.inode, Op::SetLen(len));
        Ok(())
    }

    fn size(&self) -> io::Result<u64> {
        let state = self.disk.state();
        Ok(state
            .inodes
            .get(&self.inode)
            .map_or(0, |i| i.written.len() as u64))
    }

    fn sync_data(&self) -> io::Result<()> {
        let mut state = self.disk.state();
        state.syncs += 1;
        if let Some(inode) = state.inodes.get_mut(&self.inode) {
            inode.sync();
        }
        Ok(())
    }
}

impl Disk for SimDisk {
    type File = SimFile;
    type Lock = ();

    fn is_dir(&self, path: &Path) -> bool {
        self.state().is_dir(path)
    }

    fn create_dir(&self, path: &Path) -> io::Result<()> {
        let mut state = self.state();
        if state.is_dir(path) {
            return Ok(());
        }
        if !state.is_dir(&parent_of(path)) {
            return Err(not_found(path));
        }
        state.next_inode += 1;
        let id = state.next_inode;
        state.live.insert(path.to_path_buf(), Node::Dir(id));
        Ok(())
    }

    fn sync_dir(&self, dir: &Path) -> io::Result<()> {
        let mut state = self.state();
        state.syncs += 1;
        let State { live, durable, .. } = &mut *state;
        // Durable directories here that are gone or replaced take their entries along.
        let replaced: Vec<PathBuf> = durable
            .iter()
            .filter(|(p, node)| {
                matches!(node, Node::Dir(_)) && parent_of(p) == dir && live.get(*p) != Some(*node)
            })
            .map(|(p, _)| p.clone())
            .collect();
        durable.retain(|p, _| !replaced.iter().any(|r| p.starts_with(r) && p != r));
        durable.retain(|p, _| parent_of(p) != dir || live.contains_key(p));
        for (p, node) in live.iter() {
            if parent_of(p) == dir {
                durable.insert(p.clone(), *node);
            }
        }
        Ok(())
    }

    fn open(&self, path: &Path, create: bool, truncate: bool) -> io::Result<SimFile> {
        let mut state = self.state();
        let inode = match state.live.get(path) {
            Some(Node::File(id)) => *id,
            Some(Node::Dir(_)) => return Err(io::Error::other("is a directory")),
            None if create && state.is_dir(&parent_of(path)) => {
                state.next_inode += 1;
                let id = state.next_inode;
                state.inodes.insert(id, Inode::default());
                state.live.insert(path.to_path_buf(), Node::File(id));
                id
            }
            None => return Err(not_found(path)),
        };
        if truncate {
            state.write(inode, Op::SetLen(0));
        }
        Ok(SimFile {
            disk: self.clone(),
            inode,
        })
    }

    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        let mut state = self.state();
        let id = state.inode(path)?;
        Ok(state
            .inodes
            .get(&id)
            .map(|i| i.written.clone())
            .unwrap_or_default())
    }

    fn list_dir(&self, dir: &Path) -> io::Result<Vec<String>> {
        let state = self.state();
        if !state.is_dir(dir) {
            return Err(not_found(dir));
        }
        Ok(state
            .live
            .keys()
            .filter(|p| parent_of(p) == dir)
            .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().to_string()))
            .collect())
    }

    fn remove_file(&self, path: &Path) -> io::Result<()> {
        let mut state = self.state();
        state.inode(path)?;
        state.live.remove(path);
        Ok(())
    }

    fn remove_dir_all(&self, path: &Path) -> io::Result<()> {
        let mut state = self.state();
        if !state.is_dir(path) {
            return Err(not_found(path));
        }
        state.live.retain(|p, _| !p.starts_with(path));
        Ok(())
    }

    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        let mut state = self.state();
        let id = state.inode(from)?;
        state.live.remove(from);
        state.live.insert(to.to_path_buf(), Node::File(id));
        Ok(())
    }

    fn try_lock(&self, _path: &Path) -> io::Result<Option<()>> {
        Ok(Some(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(disk: &SimDisk, path: &str, bytes: &[u8]) -> SimFile {
        let f = disk.open(Path::new(path), true, false).unwrap();
        let len = disk.read(Path::new(path)).unwrap().len() as u64;
        f.write_all_at(bytes, len).unwrap();
        f
    }

    #[test]
    fn only_synced_bytes_in_synced_directories_survive_a_cut() {
        let disk = SimDisk::default();
        disk.create_dir(Path::new("/d")).unwrap();
        disk.sync_dir(Path::new("/")).unwrap();
        let a = write(&disk, "/d/a", b"durable");
        a.sync_data().unwrap();
        disk.sync_dir(Path::new("/d")).unwrap();
        write(&disk, "/d/a", b" lost");
        // Synced data, but its name was never synced in its directory.
        write(&disk, "/d/b", b"orphan").sync_data().unwrap();
        disk.power_cut(CutKind::DropAll, &mut SplitMix64::new(1));
        assert_eq!(disk.read(Path::new("/d/a")).unwrap(), b"durable");
        assert!(disk.read(Path::new("/d/b")).is_err());
    }

    #[test]
    fn a_directory_made_again_does_not_bring_back_the_old_ones_files() {
        let disk = SimDisk::default();
        disk.create_dir(Path::new("/d")).unwrap();
        disk.sync_dir(Path::new("/")).unwrap();
        write(&disk, "/d/old", b"x").sync_data().unwrap();
        disk.sync_dir(Path::new("/d")).unwrap();
        disk.remove_dir_all(Path::new("/d")).unwrap();
        disk.create_dir(Path::new("/d")).unwrap();
        disk.sync_dir(Path::new("/")).unwrap();
        disk.power_cut(CutKind::DropAll, &mut SplitMix64::new(1));
        assert!(disk.is_dir(Path::new("/d")));
        assert_eq!(
            disk.list_dir(Path::new("/d")).unwrap(),
            Vec::<String>::new()
        );
    }

    #[test]
    fn a_torn_last_write_keeps_a_prefix_of_it_and_every_write_before() {
        let disk = SimDisk::default();
        let f = write(&disk, "/a", b"0123");
        f.sync_data().unwrap();
        disk.sync_dir(Path::new("/")).unwrap();
        f.write_all_at(b"4567", 4).unwrap();
        f.write_all_at(b"89ab", 8).unwrap();
        disk.power_cut(CutKind::TearLast, &mut SplitMix64::new(7));
        let after = disk.read(Path::new("/a")).unwrap();
        assert!(after.len() >= 8 && after.len() < 12, "{after:?}");
        assert_eq!(after[..], b"0123456789ab"[..after.len()]);
    }

    #[test]
    fn random_pages_mix_old_and_new_pages() {
        let mut seen = std::collections::BTreeSet::new();
        for seed in 0..20 {
            let d = SimDisk::default();
            let g = write(&d, "/a", &[1u8; 4 * PAGE]);
            g.sync_data().unwrap();
            d.sync_dir(Path::new("/")).unwrap();
            g.write_all_at(&[2u8; 4 * PAGE], 0).unwrap();
            d.power_cut(CutKind::RandomPages, &mut SplitMix64::new(seed));
            let after = d.read(Path::new("/a")).unwrap();
            assert_eq!(after.len(), 4 * PAGE);
            for page in after.chunks(PAGE) {
                assert!(page.iter().all(|b| *b == page[0]), "pages are whole");
                seen.insert(page[0]);
            }
        }
        assert_eq!(seen.len(), 2, "some pages old, some new");
    }
}
