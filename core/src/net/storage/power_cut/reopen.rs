//! After a cut: the real recovery, every partition read back as Fetch serves it and
//! compared with what was produced, committed offsets fetched, and the broker started again.

use std::collections::BTreeMap;

use bytes::Bytes;
use kafka_protocol::records::RecordBatchDecoder;

use super::super::sim_disk::CutKind;
use super::super::{FileProvider, FsyncPolicy};
use super::load::{open_broker, Acked, Commit, Run, EVENTS, ROOT, TXN_OUT};
use crate::log::{IsolationLevel, LogStorage, PartitionLog, StorageProvider, TopicManifest};
use crate::record::{BatchRecords, Millis, RecordBatch};

/// The values of a batch's records, decoded from its bytes (CRC checked); a stored batch is
/// read from its file, as a fetch's `sendfile` would send it.
fn values(batch: &RecordBatch) -> Result<Vec<Option<Bytes>>, String> {
    match &batch.records {
        BatchRecords::Decoded(records) => Ok(records.iter().map(|r| r.value.clone()).collect()),
        BatchRecords::Encoded(_) | BatchRecords::Stored(_) => {
            let mut buf = batch
                .encoded_bytes()
                .map_err(|e| e.to_string())?
                .unwrap_or_default();
            let set = RecordBatchDecoder::decode(&mut buf).map_err(|e| e.to_string())?;
            Ok(set.records.into_iter().map(|r| r.value).collect())
        }
    }
}

impl Run<'_> {
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
    pub(super) fn cut_and_reopen(&mut self) -> Result<(), String> {
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
