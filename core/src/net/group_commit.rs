//! Group commit for `--fsync always`: one fsync covers every append that arrived while the
//! previous one ran, across all connections and partitions, and no answer leaves before the
//! bytes it acknowledges are on the disk.
//!
//! Why not flush at the end of each step of the core, as the simplest design would? An
//! fsync takes a millisecond or more. If the core task waits for it, nothing else is read,
//! appended or answered meanwhile, so each flush covers only the requests that happened to
//! be queued, and the disk and the core take turns idling. Here the flush runs on its own
//! thread, [`SyncThread`], while the core goes on appending to the page cache; the next
//! flush then covers everything appended during this one. That is how Kafka's own
//! `log.flush` and databases' group commit batch their writes.
//!
//! The rule that keeps it safe, and which [`Held`] enforces: a step that wrote something
//! gets a *ticket* (a number that only grows) and asks the thread for a flush that begins
//! after the step's writes. The step's answers are held until the thread reports a flush
//! for that ticket done. A step that wrote nothing, but comes after a held one, waits with
//! it: answers on one connection must leave in request order, and a fetch must not show a
//! record whose acknowledgement is still waiting for the disk.

use std::collections::VecDeque;
use std::sync::mpsc as std_mpsc;
use std::sync::Arc;
use std::thread::JoinHandle;

use tokio::sync::mpsc;

use super::storage::{disk::Disk, Flusher};

/// What the core loop does with one step's answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// Nothing this step wrote needs a flush first: answer now (unless earlier answers are
    /// still held, which these then follow).
    Now,
    /// This step wrote records: answer once the flush for this ticket is done.
    After(u64),
}

/// The answers of steps waiting for a flush, in step order. Pure bookkeeping, so that the
/// ordering rule is tested without threads or a disk.
#[derive(Debug)]
pub struct Held<T> {
    queue: VecDeque<(u64, T)>,
    /// The highest ticket asked for.
    requested: u64,
    /// The highest ticket whose flush is done.
    durable: u64,
}

impl<T> Default for Held<T> {
    fn default() -> Self {
        Held {
            queue: VecDeque::new(),
            requested: 0,
            durable: 0,
        }
    }
}

impl<T> Held<T> {
    /// The end of a step with answers `out`. Returns them if they may leave now; otherwise
    /// keeps them until [`durable`](Self::durable) releases them.
    pub fn after_step(&mut self, durability: Durability, out: T) -> Option<T> {
        if let Durability::After(ticket) = durability {
            self.requested = self.requested.max(ticket);
        }
        if self.requested > self.durable {
            // Either this step wrote, or an earlier held one did: wait behind the latest
            // flush asked for, which covers both.
            self.queue.push_back((self.requested, out));
            None
        } else {
            Some(out)
        }
    }

    /// The flush for `ticket` (and so for every smaller one) is done: the answers that
    /// waited for it, oldest first.
    pub fn durable(&mut self, ticket: u64) -> Vec<T> {
        self.durable = self.durable.max(ticket);
        let mut ready = Vec::new();
        while self
            .queue
            .front()
            .is_some_and(|(waits_for, _)| *waits_for <= self.durable)
        {
            if let Some((_, out)) = self.queue.pop_front() {
                ready.push(out);
            }
        }
        ready
    }

    /// Steps whose answers are waiting.
    pub fn waiting(&self) -> usize {
        self.queue.len()
    }
}

/// How the flushes went, for the line `serve` logs at shutdown and `make rdkperf` reads.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct GroupCommitStats {
    /// Flushes run.
    pub syncs: u64,
    /// Record batches appended and covered by them.
    pub appends: u64,
    /// The most batches one flush covered.
    pub max_appends: u64,
    /// Flushes that failed (each is logged as an error).
    pub failures: u64,
}

impl GroupCommitStats {
    /// Batches per flush, on average.
    pub fn mean(&self) -> f64 {
        if self.syncs == 0 {
            0.0
        } else {
            self.appends as f64 / self.syncs as f64
        }
    }
}

impl std::fmt::Display for GroupCommitStats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "group commit: syncs={} appends={} mean={:.1} max={} failures={}",
            self.syncs,
            self.appends,
            self.mean(),
            self.max_appends,
            self.failures
        )
    }
}

/// The thread that runs the flushes for `--fsync always`.
pub struct SyncThread {
    requests: Option<std_mpsc::Sender<u64>>,
    next_ticket: u64,
    thread: Option<JoinHandle<GroupCommitStats>>,
}

impl SyncThread {
    /// Start the thread over `flusher`. Each finished flush's ticket arrives on the
    /// returned receiver, which the core loop listens to.
    pub fn spawn<D>(flusher: Arc<Flusher<D>>) -> (SyncThread, mpsc::UnboundedReceiver<u64>)
    where
        D: Disk + Send + Sync + 'static,
        D::File: Send + Sync,
    {
        let (requests, asked) = std_mpsc::channel::<u64>();
        let (done, durable) = mpsc::unbounded_channel::<u64>();
        let thread = std::thread::Builder::new()
            .name("minikafka-fsync".into())
            .spawn(move || {
                let mut stats = GroupCommitStats::default();
                // Block for one request, then take every other one already queued: a
                // single flush begun now covers all their writes.
                while let Ok(mut ticket) = asked.recv() {
                    while let Ok(later) = asked.try_recv() {
                        ticket = ticket.max(later);
                    }
                    match flusher.sync() {
                        Ok(synced) => {
                            stats.syncs += 1;
                            stats.appends += synced.appends;
                            stats.max_appends = stats.max_appends.max(synced.appends);
                        }
                        Err(error) => {
                            // The answers still go out, as before group commit; say
                            // loudly that the durability they promise failed.
                            stats.failures += 1;
                            tracing::error!(%error, "fsync failed");
                        }
                    }
                    if done.send(ticket).is_err() {
                        break;
                    }
                }
                stats
            })
            .ok();
        let sync = SyncThread {
            requests: Some(requests),
            next_ticket: 0,
            thread,
        };
        (sync, durable)
    }

    /// A step wrote records: ask for a flush that begins after them. Returns its ticket.
    pub fn request(&mut self) -> u64 {
        self.next_ticket += 1;
        let sent = self
            .requests
            .as_ref()
            .is_some_and(|r| r.send(self.next_ticket).is_ok());
        if !sent {
            tracing::error!("the fsync thread is gone: answers will wait for the final flush");
        }
        self.next_ticket
    }

    /// Stop the thread after the flushes already asked for, and return its figures.
    pub fn stop(mut self) -> GroupCommitStats {
        self.requests = None;
        self.thread
            .take()
            .and_then(|t| t.join().ok())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::storage::FileStorage;

    #[test]
    fn answers_wait_for_their_flush_and_leave_in_step_order() {
        let mut held = Held::default();
        // Nothing written, nothing waiting: out at once.
        assert_eq!(
            held.after_step(Durability::Now, "metadata"),
            Some("metadata")
        );
        // A produce: held for ticket 1.
        assert_eq!(held.after_step(Durability::After(1), "produce a"), None);
        // A fetch that wrote nothing still follows it.
        assert_eq!(held.after_step(Durability::Now, "fetch"), None);
        // Another produce while flush 1 runs: ticket 2.
        assert_eq!(held.after_step(Durability::After(2), "produce b"), None);
        assert_eq!(held.waiting(), 3);
        assert_eq!(held.durable(1), vec!["produce a", "fetch"]);
        assert_eq!(held.after_step(Durability::Now, "heartbeat"), None);
        assert_eq!(held.durable(2), vec!["produce b", "heartbeat"]);
        assert_eq!(
            held.after_step(Durability::Now, "list offsets"),
            Some("list offsets")
        );
    }

    #[test]
    fn one_flush_for_several_tickets_releases_them_all() {
        let mut held = Held::default();
        for ticket in 1..=5 {
            assert_eq!(held.after_step(Durability::After(ticket), ticket), None);
        }
        // The thread took tickets 1..=5 in one flush and reports the last.
        assert_eq!(held.durable(5), vec![1, 2, 3, 4, 5]);
        assert_eq!(held.waiting(), 0);
    }

    #[test]
    fn a_late_report_of_an_old_ticket_releases_nothing_newer() {
        let mut held = Held::default();
        held.after_step(Durability::After(1), "a");
        held.after_step(Durability::After(2), "b");
        assert_eq!(held.durable(1), vec!["a"]);
        assert_eq!(held.durable(1), Vec::<&str>::new());
        assert_eq!(held.durable(2), vec!["b"]);
    }

    #[test]
    fn the_thread_flushes_what_was_appended_and_counts_it() {
        use crate::log::{LogConfig, PartitionLog};
        use crate::net::storage::segment_tests::{dir, encoded};
        let d = dir("group-commit");
        let flusher = Arc::new(Flusher::default());
        let storage = FileStorage::open(d.0.clone(), false, flusher.clone(), 4096).unwrap();
        let mut log = PartitionLog::with_storage(storage, LogConfig::default()).unwrap();
        let (mut sync, mut durable) = SyncThread::spawn(flusher.clone());
        for i in 0..3 {
            log.append(encoded(&["a", "b"]), i).unwrap();
        }
        assert!(flusher.has_pending());
        let ticket = sync.request();
        assert_eq!(durable.blocking_recv(), Some(ticket));
        assert!(!flusher.has_pending());
        let stats = sync.stop();
        assert_eq!(stats.syncs, 1);
        assert_eq!(stats.appends, 3);
        assert_eq!(stats.max_appends, 3);
        assert_eq!(stats.failures, 0);
        assert_eq!(
            stats.to_string(),
            "group commit: syncs=1 appends=3 mean=3.0 max=3 failures=0"
        );
        // The flush that synced the files is counted with its thread's CPU time; a flush
        // with nothing to sync is not.
        assert_eq!(flusher.cost().flushes, 1);
        flusher.sync().unwrap();
        assert_eq!(flusher.cost().flushes, 1);
        assert!(flusher
            .cost()
            .to_string()
            .starts_with("fsync: flushes=1 cpu="));
    }
}
