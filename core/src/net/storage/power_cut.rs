//! Power cuts, measured: the sans-IO [`Broker`] over the real [`FileProvider`] (segments,
//! indexes, the offsets and transaction logs, the [`Flusher`]) on a [`SimDisk`], under a
//! seeded load, with the power cut at a random moment and the directory reopened as
//! `minikafka serve` reopens it after a reboot.
//!
//! The load is what `serve` sees: produce steps (acks=all), offset commits, and a
//! transactional producer (InitProducerId, AddPartitionsToTxn, produce, EndTxn). A *step*
//! is one turn of the server's core loop; it ends as `CoreHooks::after_step` ends it in
//! `serve`: under `always` the flusher syncs before the answers leave, so a step's
//! acknowledgements are given after the sync; under `interval=N` and `never` they are given
//! right after the step. Simulated time advances between steps; under `interval=N` the
//! flusher syncs every N ms of it, as the background thread does, and under every policy
//! the simulated kernel writes back files dirty for 30 s, every 5 s (Linux's
//! `dirty_expire_centisecs` and `dirty_writeback_centisecs`).
//!
//! After each cut the test reads every partition back through the storage's read path
//! (what Fetch serves) and counts, against what was acknowledged: acknowledged records and
//! commits lost, and for how many milliseconds before the cut they had been acknowledged;
//! anything that survived an earlier reboot and is gone now (moved backwards); any record
//! not byte-identical to what was produced at its offset (torn data served); any gap.

use std::collections::BTreeMap;
use std::sync::Arc;

use bytes::Bytes;
use kafka_protocol::records::RecordBatchDecoder;

use super::sim_disk::{CutKind, SimDisk};
use super::{FileProvider, Flusher, FsyncPolicy};
use crate::broker::{Broker, BrokerConfig, OffsetCommit, OffsetCommitRequest, ProducerBatch};
use crate::error::KafkaError;
use crate::log::{
    IsolationLevel, LogConfig, LogStorage, PartitionLog, StorageProvider, TopicManifest,
};
use crate::record::{BatchRecords, Millis, ProducerInfo, Record, RecordBatch};
use crate::rng::SplitMix64;
use crate::txn::{AddPartitionsToTxnRequest, EndTxnRequest, InitProducerIdRequest};

const EVENTS: &str = "events";
const TXN_OUT: &str = "txn-out";
const TXN_ID: &str = "app";
const ROOT: &str = "/sim/data";
/// The kernel's write-back period (`dirty_writeback_centisecs`).
const WRITEBACK_EVERY_MS: Millis = 5_000;
/// What `interval=N` may lose beyond N ms: the simulated clock's granularity (1 ms). A
/// simulated sync takes no time; on a real disk add one fsync's duration.
pub(crate) const SLACK_MS: Millis = 1;

type SimBroker = Broker<FileProvider<SimDisk>>;

/// Whether and when something was acknowledged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Acked {
    No,
    At(Millis),
    /// Found on disk at an earlier reboot: durable, whoever wrote it.
    Recovered,
}

/// One offset of a partition: a record's value, or `None` for a transaction marker.
#[derive(Debug)]
struct Entry {
    value: Option<Bytes>,
    acked: Acked,
}

#[derive(Debug, Default)]
struct Commit {
    written: i64,
    acked: Option<(i64, Acked)>,
}

#[derive(Debug)]
struct Producer {
    id: (i64, i16),
    seq: i32,
    open: bool,
}

enum Pending {
    Record(&'static str, i32, i64),
    Commit(String, i32, i64),
}

/// The figures of one policy over many seeds and cuts.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub(crate) struct Figures {
    pub policy: String,
    pub seeds: u64,
    pub cuts: u64,
    pub steps: u64,
    pub acked_records: u64,
    pub acked_commits: u64,
    pub records_lost: u64,
    pub commits_lost: u64,
    pub moved_backwards: u64,
    pub torn_served: u64,
    pub gaps: u64,
    pub reopen_errors: u64,
    /// Cuts after which something acknowledged was lost.
    pub cuts_with_loss: u64,
    /// The oldest lost acknowledgement, in ms before its cut.
    pub max_ms_lost: Option<Millis>,
    /// Transactions whose data survived but whose coordinator state did not, holding the
    /// last stable offset back after the producer restarted.
    pub hanging_transactions: u64,
    pub syncs: u64,
    pub failures: Vec<String>,
}

impl Figures {
    /// Why these figures fail the test, if they do.
    pub fn verdict(&self, policy: FsyncPolicy) -> Vec<String> {
        let mut why = self.failures.clone();
        let mut check = |bad: bool, what: String| {
            if bad {
                why.push(what);
            }
        };
        check(
            self.torn_served > 0,
            format!("{} torn records served", self.torn_served),
        );
        check(self.gaps > 0, format!("{} gaps", self.gaps));
        check(
            self.moved_backwards > 0,
            format!("{} moved backwards", self.moved_backwards),
        );
        check(
            self.reopen_errors > 0,
            format!("{} reopen errors", self.reopen_errors),
        );
        match policy {
            FsyncPolicy::Always => check(
                self.records_lost + self.commits_lost > 0,
                format!(
                    "always lost {} records and {} commits",
                    self.records_lost, self.commits_lost
                ),
            ),
            FsyncPolicy::Interval(every) => {
                let bound = every.as_millis() as Millis + SLACK_MS;
                check(
                    self.max_ms_lost.is_some_and(|ms| ms > bound),
                    format!(
                        "lost {:?} ms of acknowledgements (bound {bound})",
                        self.max_ms_lost
                    ),
                )
            }
            FsyncPolicy::Never => {}
        }
        why
    }
}

/// One seeded run: a broker on a simulated disk, cut and reopened again and again.
struct Run<'a> {
    rng: SplitMix64,
    policy: FsyncPolicy,
    disk: SimDisk,
    broker: SimBroker,
    flusher: Arc<Flusher<SimDisk>>,
    now: Millis,
    next_flush: Millis,
    next_writeback: Millis,
    logs: BTreeMap<(&'static str, i32), Vec<Entry>>,
    commits: BTreeMap<(String, i32), Commit>,
    producer: Option<Producer>,
    pending: Vec<Pending>,
    counter: u64,
    label: String,
    figures: &'a mut Figures,
}

fn log_config() -> LogConfig {
    LogConfig {
        // Small segments: rolls (new files in the directory) happen under the cuts too.
        segment_bytes: 16 * 1024,
        ..LogConfig::default()
    }
}

fn open_broker(disk: &SimDisk, now: Millis) -> Result<(SimBroker, Arc<Flusher<SimDisk>>), String> {
    let provider = FileProvider::open_on(disk.clone(), ROOT).map_err(|e| e.to_string())?;
    let flusher = provider.flusher();
    let broker = Broker::open(BrokerConfig::default(), provider, now).map_err(|e| e.to_string())?;
    Ok((broker, flusher))
}

/// The values of a batch's records, decoded from its bytes (CRC checked).
fn values(batch: &RecordBatch) -> Result<Vec<Option<Bytes>>, String> {
    match &batch.records {
        BatchRecords::Decoded(records) => Ok(records.iter().map(|r| r.value.clone()).collect()),
        BatchRecords::Encoded(bytes) => {
            let mut buf = bytes.clone();
            let set = RecordBatchDecoder::decode(&mut buf).map_err(|e| e.to_string())?;
            Ok(set.records.into_iter().map(|r| r.value).collect())
        }
    }
}

impl<'a> Run<'a> {
    fn new(seed: u64, policy: FsyncPolicy, figures: &'a mut Figures) -> Result<Self, String> {
        let disk = SimDisk::default();
        let (mut broker, flusher) = open_broker(&disk, 0)?;
        broker
            .create_topic(EVENTS, 2, Some(log_config()), 0)
            .map_err(|e| e.to_string())?;
        broker
            .create_topic(TXN_OUT, 1, Some(log_config()), 0)
            .map_err(|e| e.to_string())?;
        flusher.sync().map_err(|e| e.to_string())?;
        let mut logs = BTreeMap::new();
        for key in [(EVENTS, 0), (EVENTS, 1), (TXN_OUT, 0)] {
            logs.insert(key, Vec::new());
        }
        Ok(Run {
            rng: SplitMix64::new(seed),
            policy,
            disk,
            broker,
            flusher,
            now: 0,
            next_flush: 0,
            next_writeback: WRITEBACK_EVERY_MS,
            logs,
            commits: BTreeMap::new(),
            producer: None,
            pending: Vec::new(),
            counter: 0,
            label: format!("seed {seed} {policy}"),
            figures,
        })
        .map(|mut run| {
            run.next_flush = run.flush_every().unwrap_or(Millis::MAX);
            run
        })
    }

    fn below(&mut self, n: u64) -> u64 {
        self.rng.next_u64() % n
    }

    fn flush_every(&self) -> Option<Millis> {
        match self.policy {
            FsyncPolicy::Interval(every) => Some(every.as_millis() as Millis),
            _ => None,
        }
    }

    /// Move the clock, running the background flusher and the kernel's write-back at the
    /// times they fall due, in order.
    fn advance(&mut self) {
        let dt = if self.below(50) == 0 {
            1_000 + self.below(20_000) as Millis
        } else {
            self.below(4) as Millis
        };
        self.now += dt;
        loop {
            let due = self.next_flush.min(self.next_writeback);
            if due > self.now {
                break;
            }
            self.disk.set_now(due);
            if due == self.next_flush {
                self.flusher.sync().expect("background sync");
                self.next_flush += self.flush_every().unwrap_or(Millis::MAX);
            } else {
                self.disk.writeback();
                self.next_writeback += WRITEBACK_EVERY_MS;
            }
        }
        self.disk.set_now(self.now);
    }

    /// Steps until a random one, in which the power goes at a random point.
    fn until_cut(&mut self) {
        let steps = 20 + self.below(280);
        for step in 0..steps {
            self.advance();
            let ops = 1 + self.below(4);
            let cut = (step + 1 == steps).then(|| self.below(ops + 2));
            self.figures.steps += 1;
            for op in 0..ops {
                if cut == Some(op) {
                    return;
                }
                self.op();
            }
            if cut == Some(ops) {
                return; // before the step's flush and answers
            }
            self.end_step();
        }
    }

    fn op(&mut self) {
        match self.below(100) {
            0..60 => self.produce(),
            60..80 => self.commit(),
            _ => self.transaction(),
        }
    }

    fn value(&mut self) -> Bytes {
        self.counter += 1;
        let len = 16 + self.below(1500) as usize;
        let mut v = format!("{:016x}", self.counter).into_bytes();
        while v.len() < len {
            v.extend_from_slice(&self.rng.next_u64().to_le_bytes());
        }
        v.truncate(len);
        v.into()
    }

    fn produce(&mut self) {
        let partition = self.below(2) as i32;
        let count = 1 + self.below(3);
        let values: Vec<Bytes> = (0..count).map(|_| self.value()).collect();
        let records = values
            .iter()
            .map(|v| Record::from_value(v.clone(), self.now))
            .collect();
        let batch = RecordBatch::from_records(records).expect("records");
        let base = self
            .broker
            .produce(EVENTS, partition, batch, None, self.now)
            .expect("produce")
            .base_offset;
        self.appended(EVENTS, partition, base, values);
    }

    fn appended(&mut self, topic: &'static str, partition: i32, base: i64, values: Vec<Bytes>) {
        let log = self.logs.get_mut(&(topic, partition)).expect("partition");
        assert_eq!(
            base,
            log.len() as i64,
            "{}: offsets as expected",
            self.label
        );
        for (i, value) in values.into_iter().enumerate() {
            log.push(Entry {
                value: Some(value),
                acked: Acked::No,
            });
            self.pending
                .push(Pending::Record(topic, partition, base + i as i64));
        }
    }

    fn commit(&mut self) {
        let key = (format!("g{}", self.below(2)), self.below(2) as i32);
        let step = 1 + self.below(5) as i64;
        let c = self.commits.entry(key.clone()).or_default();
        c.written += step;
        let offset = c.written;
        let req = OffsetCommitRequest {
            group_id: key.0.clone(),
            generation_id: -1,
            member_id: String::new(),
            group_instance_id: None,
            offsets: vec![OffsetCommit {
                topic: EVENTS.into(),
                partition: key.1,
                offset,
                leader_epoch: None,
                metadata: String::new(),
            }],
        };
        for (_, _, result) in self.broker.commit_offsets(req, self.now) {
            result.expect("commit");
        }
        self.pending.push(Pending::Commit(key.0, key.1, offset));
    }

    fn init_producer(&mut self) {
        let req = InitProducerIdRequest {
            transactional_id: TXN_ID.into(),
            transaction_timeout_ms: 60_000,
            producer_id: -1,
            producer_epoch: -1,
        };
        let id = match self
            .broker
            .init_transactional_producer_id(req.clone(), self.now)
        {
            // Its open transaction is being aborted: the client retries.
            Err(KafkaError::ConcurrentTransactions) => {
                self.broker.init_transactional_producer_id(req, self.now)
            }
            other => other,
        }
        .expect("InitProducerId");
        self.producer = Some(Producer {
            id,
            seq: 0,
            open: false,
        });
        self.catch_up(TXN_OUT, 0);
    }

    fn transaction(&mut self) {
        let Some(p) = self.producer.as_ref() else {
            return self.init_producer();
        };
        let (id, open) = (p.id, p.open);
        if !open {
            let req = AddPartitionsToTxnRequest {
                transactional_id: TXN_ID.into(),
                producer_id: id.0,
                producer_epoch: id.1,
                partitions: vec![(TXN_OUT.into(), 0)],
            };
            for (_, _, result) in self.broker.add_partitions_to_txn(req, self.now) {
                result.expect("AddPartitionsToTxn");
            }
            self.producer.as_mut().expect("producer").open = true;
            return self.send();
        }
        if self.below(10) < 6 {
            return self.send();
        }
        let req = EndTxnRequest {
            transactional_id: TXN_ID.into(),
            producer_id: id.0,
            producer_epoch: id.1,
            commit: self.below(4) != 0,
        };
        self.broker.end_txn(req, self.now).expect("EndTxn");
        self.producer.as_mut().expect("producer").open = false;
        // EndTxn's answer promises the marker.
        for offset in self.catch_up(TXN_OUT, 0) {
            self.pending.push(Pending::Record(TXN_OUT, 0, offset));
        }
    }

    fn send(&mut self) {
        let value = self.value();
        let p = self.producer.as_mut().expect("producer");
        let producer = ProducerBatch {
            producer_id: p.id.0,
            producer_epoch: p.id.1,
            base_sequence: p.seq,
            record_count: 1,
        };
        p.seq += 1;
        let batch = RecordBatch::from_records(vec![Record::from_value(value.clone(), self.now)])
            .expect("record")
            .with_producer(ProducerInfo::transactional(p.id.0, p.id.1));
        let base = self
            .broker
            .produce_idempotent(TXN_OUT, 0, batch, &producer, None, self.now)
            .expect("transactional produce")
            .base_offset;
        self.appended(TXN_OUT, 0, base, vec![value]);
    }

    /// Markers the broker wrote by itself (EndTxn, a fenced transaction, at load): note
    /// them as expected entries; returns their offsets.
    fn catch_up(&mut self, topic: &'static str, partition: i32) -> Vec<i64> {
        let log = self.logs.get_mut(&(topic, partition)).expect("partition");
        let partition_log = self
            .broker
            .topic(topic)
            .and_then(|t| t.partition(partition).ok())
            .expect("partition");
        let mut new = Vec::new();
        while (log.len() as i64) < partition_log.log_end_offset() {
            let from = log.len() as i64;
            let read = partition_log.read(from, u32::MAX, u32::MAX).expect("read");
            for batch in read.batches.iter().filter(|b| b.info.base_offset >= from) {
                assert!(batch.is_control(), "{}: data nobody produced", self.label);
                assert_eq!(batch.info.base_offset, log.len() as i64);
                new.push(log.len() as i64);
                log.push(Entry {
                    value: None,
                    acked: Acked::No,
                });
            }
        }
        new
    }

    /// The end of a step, as `serve`'s `after_step`: under `always` a sync, then answers.
    fn end_step(&mut self) {
        if self.policy == FsyncPolicy::Always {
            self.flusher.sync().expect("sync");
        }
        let now = self.now;
        for ack in std::mem::take(&mut self.pending) {
            match ack {
                Pending::Record(topic, partition, offset) => {
                    let entries = self.logs.get_mut(&(topic, partition)).expect("partition");
                    entries[offset as usize].acked = Acked::At(now);
                    self.figures.acked_records += 1;
                }
                Pending::Commit(group, partition, offset) => {
                    let c = self.commits.entry((group, partition)).or_default();
                    c.acked = Some((offset, Acked::At(now)));
                    self.figures.acked_commits += 1;
                }
            }
        }
    }

    fn lost(&mut self, acked: Acked, cut: Millis, record: bool) -> bool {
        match acked {
            Acked::No => return false,
            Acked::At(at) => {
                if record {
                    self.figures.records_lost += 1;
                } else {
                    self.figures.commits_lost += 1;
                }
                let ms = cut - at;
                self.figures.max_ms_lost = Some(self.figures.max_ms_lost.map_or(ms, |m| m.max(ms)));
            }
            Acked::Recovered => self.figures.moved_backwards += 1,
        }
        true
    }

    /// Cut the power, check what a reader is served, and start the broker again.
    fn cut_and_reopen(&mut self) -> Result<(), String> {
        let kind = match self.below(3) {
            0 => CutKind::DropAll,
            1 => CutKind::TearLast,
            _ => CutKind::RandomPages,
        };
        let cut = self.now;
        self.pending.clear();
        self.figures.cuts += 1;
        self.disk.power_cut(kind, &mut self.rng);
        let label = format!("{} cut {} ({kind:?})", self.label, self.figures.cuts);
        let damage = self.figures.torn_served + self.figures.gaps;
        let mut loss = false;
        // The real recovery (CRC scan, torn tail cut), and every partition read back.
        {
            let mut provider = FileProvider::open_on(self.disk.clone(), ROOT)
                .map_err(|e| self.reopen_error(&label, e))?;
            let manifests: BTreeMap<String, TopicManifest> = provider
                .saved_topics()
                .map_err(|e| self.reopen_error(&label, e))?
                .into_iter()
                .map(|m| (m.name.clone(), m))
                .collect();
            let keys: Vec<_> = self.logs.keys().copied().collect();
            for (topic, partition) in keys {
                let Some(manifest) = manifests.get(topic) else {
                    return Err(self.reopen_error(&label, format!("topic {topic} lost")));
                };
                let storage = provider
                    .open_partition(manifest, partition)
                    .map_err(|e| self.reopen_error(&label, e))?;
                let log = PartitionLog::with_storage(storage, manifest.config.clone())
                    .map_err(|e| self.reopen_error(&label, e))?;
                let end = self.check_partition(&log, topic, partition, &label);
                let entries = self.logs.get_mut(&(topic, partition)).expect("partition");
                let gone: Vec<Acked> = entries
                    .drain(end.min(entries.len())..)
                    .map(|e| e.acked)
                    .collect();
                for e in entries.iter_mut() {
                    e.acked = Acked::Recovered;
                }
                for acked in gone {
                    loss |= self.lost(acked, cut, true);
                }
            }
        }
        if self.figures.torn_served + self.figures.gaps > damage {
            // What is expected no longer matches the log: this seed can go no further.
            return Err(format!("{label}: damaged log, seed stopped"));
        }
        // The broker, as `serve` starts it.
        let (broker, flusher) =
            open_broker(&self.disk, self.now).map_err(|e| self.reopen_error(&label, e))?;
        self.broker = broker;
        self.flusher = flusher;
        for (topic, partition) in self.logs.keys().copied().collect::<Vec<_>>() {
            self.catch_up(topic, partition);
        }
        for (key, c) in std::mem::take(&mut self.commits) {
            let wanted = [(EVENTS.to_string(), key.1)];
            let recovered = self.broker.fetch_offsets(&key.0, Some(&wanted))[0]
                .2
                .as_ref()
                .map(|o| o.offset);
            if let Some((offset, acked)) = c.acked {
                if recovered.is_none_or(|r| r < offset) {
                    loss |= self.lost(acked, cut, false);
                }
            }
            let c = Commit {
                written: c.written.max(recovered.unwrap_or(0)),
                acked: recovered.map(|r| (r, Acked::Recovered)),
            };
            self.commits.insert(key, c);
        }
        self.figures.cuts_with_loss += u64::from(loss);
        // The transactional application restarts too: its InitProducerId fences (aborts)
        // whatever transaction it had open.
        self.init_producer();
        let out = self.broker.topic(TXN_OUT).and_then(|t| t.partition(0).ok());
        if let Some(log) = out {
            if log.last_stable_offset() < log.log_end_offset() {
                self.figures.hanging_transactions += 1;
            }
            let read = log.read_isolated(0, u32::MAX, u32::MAX, IsolationLevel::ReadCommitted);
            read.map_err(|e| format!("{label}: read_committed: {e}"))?;
        }
        if self.policy == FsyncPolicy::Always {
            self.flusher.sync().map_err(|e| e.to_string())?;
        }
        self.next_flush = self
            .flush_every()
            .map_or(Millis::MAX, |every| self.now + every);
        Ok(())
    }

    fn reopen_error(&mut self, label: &str, error: impl std::fmt::Display) -> String {
        self.figures.reopen_errors += 1;
        format!("{label}: reopening failed: {error}")
    }

    /// Read `log` from its start as Fetch does; count gaps and records that differ from
    /// what was produced at their offset. Returns the log end offset.
    fn check_partition<S: LogStorage>(
        &mut self,
        log: &PartitionLog<S>,
        topic: &'static str,
        partition: i32,
        label: &str,
    ) -> usize {
        let entries = &self.logs[&(topic, partition)];
        let end = log.log_end_offset();
        if end as usize > entries.len() {
            self.figures.torn_served += 1;
            self.figures.failures.push(format!(
                "{label}: {topic}-{partition} ends at {end}, beyond the {} offsets written",
                entries.len()
            ));
        }
        let mut next = log.log_start_offset();
        if next != 0 {
            self.figures.gaps += 1;
            self.figures
                .failures
                .push(format!("{label}: {topic}-{partition} starts at {next}"));
        }
        while next < end {
            let read = match log.read(next, 1 << 20, u32::MAX) {
                Ok(read) => read,
                Err(e) => {
                    self.figures.torn_served += 1;
                    self.figures
                        .failures
                        .push(format!("{label}: read at {next}: {e}"));
                    break;
                }
            };
            let from = next;
            for batch in read.batches.iter().filter(|b| b.info.next_offset() > from) {
                if batch.info.base_offset != next {
                    self.figures.gaps += 1;
                    self.figures.failures.push(format!(
                        "{label}: {topic}-{partition}: batch at {} where {next} was expected",
                        batch.info.base_offset
                    ));
                    return next as usize;
                }
                let got = match values(batch) {
                    Ok(v) if batch.is_control() => vec![None; v.len()],
                    Ok(v) => v,
                    Err(e) => {
                        self.figures.torn_served += 1;
                        self.figures
                            .failures
                            .push(format!("{label}: undecodable batch at {next}: {e}"));
                        return next as usize;
                    }
                };
                for (i, value) in got.into_iter().enumerate() {
                    let offset = next as usize + i;
                    if entries.get(offset).map(|e| &e.value) != Some(&value) {
                        self.figures.torn_served += 1;
                        self.figures.failures.push(format!(
                            "{label}: {topic}-{partition} offset {offset} is not what was produced there"
                        ));
                    }
                }
                next = batch.info.next_offset();
            }
        }
        end as usize
    }
}

/// Run `seeds` seeds from `first_seed` under `policy`, `cuts` power cuts each.
pub(crate) fn measure(policy: FsyncPolicy, first_seed: u64, seeds: u64, cuts: u64) -> Figures {
    let mut figures = Figures {
        policy: policy.to_string(),
        ..Figures::default()
    };
    for seed in first_seed..first_seed + seeds {
        figures.seeds += 1;
        let result = Run::new(seed, policy, &mut figures).and_then(|mut run| {
            for _ in 0..cuts {
                run.until_cut();
                run.cut_and_reopen()?;
            }
            run.figures.syncs += run.disk.syncs();
            Ok(())
        });
        if let Err(e) = result {
            figures.failures.push(e);
        }
    }
    figures
}

fn policies() -> [FsyncPolicy; 3] {
    [
        FsyncPolicy::Always,
        FsyncPolicy::Interval(std::time::Duration::from_millis(5)),
        FsyncPolicy::Never,
    ]
}

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Every policy's figures, and why they fail, if they do.
fn run_all(first_seed: u64, seeds: u64, cuts: u64) -> (Vec<Figures>, Vec<String>) {
    let mut all = Vec::new();
    let mut failures = Vec::new();
    for policy in policies() {
        let figures = measure(policy, first_seed, seeds, cuts);
        eprintln!("{figures:?}");
        for why in figures.verdict(policy) {
            failures.push(format!("{policy}: {why}"));
        }
        all.push(figures);
    }
    (all, failures)
}

/// The short run of `cargo test`: a few seeds, the same every time.
#[test]
fn power_cuts_lose_nothing_acknowledged_under_always_and_at_most_the_interval_otherwise() {
    let (figures, failures) = run_all(0, 4, 6);
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(figures[0].acked_records > 1_000, "a real load ran");
    assert!(
        figures[2].records_lost > 0,
        "never loses acknowledged records on a power cut: the simulation cuts for real"
    );
}

/// The long run (`make crash-long`, release build): `MINIKAFKA_POWER_CUT_SEEDS` seeds from
/// `MINIKAFKA_POWER_CUT_FIRST_SEED`, `MINIKAFKA_POWER_CUT_CUTS` cuts each; the figures go
/// as JSON to `MINIKAFKA_POWER_CUT_JSON` (tests/crash/power_cut.py writes them into
/// bench/RESULTS.md).
#[test]
#[ignore = "long: make crash-long"]
fn power_cuts_long() {
    let first = env("MINIKAFKA_POWER_CUT_FIRST_SEED", 0);
    let seeds = env("MINIKAFKA_POWER_CUT_SEEDS", 200);
    let cuts = env("MINIKAFKA_POWER_CUT_CUTS", 20);
    let started = std::time::Instant::now();
    let (figures, failures) = run_all(first, seeds, cuts);
    if let Ok(path) = std::env::var("MINIKAFKA_POWER_CUT_JSON") {
        let report = serde_json::json!({
            "first_seed": first,
            "seeds": seeds,
            "cuts_per_seed": cuts,
            "seconds": started.elapsed().as_secs_f64(),
            "slack_ms": SLACK_MS,
            "policies": figures,
            "failures": failures,
        });
        std::fs::write(path, serde_json::to_string_pretty(&report).expect("json"))
            .expect("write the figures");
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
