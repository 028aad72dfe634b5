//! The seeded load: a broker on a [`SimDisk`], driven in steps as `serve`'s core loop
//! drives it, with the background flusher and the kernel's write-back on the simulated clock.

use std::collections::BTreeMap;
use std::sync::Arc;

use bytes::Bytes;

use super::super::sim_disk::SimDisk;
use super::super::{FileProvider, Flusher, FsyncPolicy};
use super::Figures;
use crate::broker::{Broker, BrokerConfig, OffsetCommit, OffsetCommitRequest, ProducerBatch};
use crate::error::KafkaError;
use crate::log::LogConfig;
use crate::record::{Millis, ProducerInfo, Record, RecordBatch};
use crate::rng::SplitMix64;
use crate::txn::{AddPartitionsToTxnRequest, EndTxnRequest, InitProducerIdRequest};

pub(super) const EVENTS: &str = "events";
pub(super) const TXN_OUT: &str = "txn-out";
pub(super) const TXN_ID: &str = "app";
pub(super) const ROOT: &str = "/sim/data";
/// The kernel's write-back period (`dirty_writeback_centisecs`).
pub(super) const WRITEBACK_EVERY_MS: Millis = 5_000;
/// What `interval=N` may lose beyond N ms: the simulated clock's granularity (1 ms). A
/// simulated sync takes no time; on a real disk add one fsync's duration.
pub(crate) const SLACK_MS: Millis = 1;

pub(super) type SimBroker = Broker<FileProvider<SimDisk>>;

/// Whether and when something was acknowledged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Acked {
    No,
    At(Millis),
    /// Found on disk at an earlier reboot: durable, whoever wrote it.
    Recovered,
}

/// One offset of a partition: a record's value, or `None` for a transaction marker.
#[derive(Debug)]
pub(super) struct Entry {
    pub(super) value: Option<Bytes>,
    pub(super) acked: Acked,
}

#[derive(Debug, Default)]
pub(super) struct Commit {
    pub(super) written: i64,
    pub(super) acked: Option<(i64, Acked)>,
}

#[derive(Debug)]
pub(super) struct Producer {
    pub(super) id: (i64, i16),
    pub(super) seq: i32,
    pub(super) open: bool,
}

pub(super) enum Pending {
    Record(&'static str, i32, i64),
    Commit(String, i32, i64),
}

/// One seeded run: a broker on a simulated disk, cut and reopened again and again.
pub(super) struct Run<'a> {
    pub(super) rng: SplitMix64,
    pub(super) policy: FsyncPolicy,
    pub(super) disk: SimDisk,
    pub(super) broker: SimBroker,
    pub(super) flusher: Arc<Flusher<SimDisk>>,
    pub(super) now: Millis,
    pub(super) next_flush: Millis,
    pub(super) next_writeback: Millis,
    pub(super) logs: BTreeMap<(&'static str, i32), Vec<Entry>>,
    pub(super) commits: BTreeMap<(String, i32), Commit>,
    pub(super) producer: Option<Producer>,
    pub(super) pending: Vec<Pending>,
    pub(super) counter: u64,
    pub(super) label: String,
    pub(super) figures: &'a mut Figures,
}

fn log_config() -> LogConfig {
    LogConfig {
        // Small segments: rolls (new files in the directory) happen under the cuts too.
        segment_bytes: 16 * 1024,
        ..LogConfig::default()
    }
}

pub(super) fn open_broker(
    disk: &SimDisk,
    now: Millis,
) -> Result<(SimBroker, Arc<Flusher<SimDisk>>), String> {
    let provider = FileProvider::open_on(disk.clone(), ROOT).map_err(|e| e.to_string())?;
    let flusher = provider.flusher();
    let broker = Broker::open(BrokerConfig::default(), provider, now).map_err(|e| e.to_string())?;
    Ok((broker, flusher))
}

impl<'a> Run<'a> {
    pub(super) fn new(
        seed: u64,
        policy: FsyncPolicy,
        figures: &'a mut Figures,
    ) -> Result<Self, String> {
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

    pub(super) fn below(&mut self, n: u64) -> u64 {
        self.rng.next_u64() % n
    }

    pub(super) fn flush_every(&self) -> Option<Millis> {
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
    pub(super) fn until_cut(&mut self) {
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

    pub(super) fn init_producer(&mut self) {
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
    pub(super) fn catch_up(&mut self, topic: &'static str, partition: i32) -> Vec<i64> {
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
}
