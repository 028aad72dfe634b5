//! The committed-offset store, kept the way Kafka keeps `__consumer_offsets`.
//!
//! A consumer group remembers how far it has read by *committing* offsets: for each
//! (group, topic, partition) the offset of the next record to read. Kafka does not keep
//! these in a database. It appends every commit as a record to an internal, compacted
//! topic, `__consumer_offsets`: the key names (group, topic, partition), the value holds
//! the offset, and a delete is a *tombstone*, a record with a null value. The coordinator
//! serves commits from an in-memory cache, and when it starts (or takes over a partition of
//! `__consumer_offsets` from a failed broker) it rebuilds that cache by replaying the log:
//! the last record per key wins, a tombstone erases the key.
//!
//! [`OffsetStore`] does the same over a [`PartitionLog`]: every change is first appended to
//! the log, then applied to a `BTreeMap` cache (sorted, so every listing is deterministic),
//! and [`OffsetStore::rebuild`] replays a log into a fresh store.
//!
//! The same log holds each group's membership ([`GroupMetadataRecord`], a key of version
//! 2, as in Kafka), so that a restarted coordinator rebuilds its groups in the generation
//! their members hold (see `offsets/group_metadata.rs`).
//!
//! Keys and values are written with a small, versioned binary codec modelled on Kafka's
//! `OffsetCommitKey` (version 1) and `OffsetCommitValue` (version 3): big-endian integers
//! and strings prefixed by an `i16` length. The version comes first so that a newer broker
//! can change the layout and still read old records. Decoding never panics, whatever the
//! bytes: a broker must survive a damaged log.

mod group_metadata;

use crate::collections::BTreeMap;

use bytes::{Buf, BufMut, Bytes, BytesMut};
use serde::{Deserialize, Serialize};

use crate::error::KafkaError;
use crate::log::{LogConfig, LogError, LogStorage, MemoryStorage, PartitionLog};
use crate::record::{BatchRecords, Millis, Offset, Record, RecordBatch};

pub use group_metadata::{
    decode_consumer_group_key, decode_group_key, encode_consumer_group_key, encode_group_key,
    GroupMetadataRecord, StoredMember, CONSUMER_GROUP_KEY_VERSION, GROUP_KEY_VERSION,
    GROUP_VALUE_VERSION,
};

/// Kafka's `offset.metadata.max.bytes`: the longest metadata string a commit may carry.
pub const MAX_METADATA_BYTES: usize = 4096;

/// Version of the key layout written by [`OffsetKey::encode`].
pub const KEY_VERSION: i16 = 1;

/// Version of the value layout written by [`OffsetAndMetadata::encode`].
pub const VALUE_VERSION: i16 = 3;

/// Longest string the codec can write: its length is an `i16`, as in Kafka's protocol.
const MAX_STRING_BYTES: usize = i16::MAX as usize;

/// Which committed offset: one per group, topic and partition. The field order makes the
/// map sort by group first, so one group's offsets are a contiguous range.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct OffsetKey {
    /// Group id.
    pub group: String,
    /// Topic name.
    pub topic: String,
    /// Partition index.
    pub partition: i32,
}

impl OffsetKey {
    /// A key from its parts.
    pub fn new(group: impl Into<String>, topic: impl Into<String>, partition: i32) -> OffsetKey {
        OffsetKey {
            group: group.into(),
            topic: topic.into(),
            partition,
        }
    }

    /// The key as stored in the offsets log: version, group, topic, partition.
    pub fn encode(&self) -> Result<Bytes, CodecError> {
        let mut buf = BytesMut::new();
        buf.put_i16(KEY_VERSION);
        put_string(&mut buf, &self.group)?;
        put_string(&mut buf, &self.topic)?;
        buf.put_i32(self.partition);
        Ok(buf.freeze())
    }

    /// Read a key written by [`encode`](Self::encode). Fails, never panics, on any other bytes.
    pub fn decode(mut bytes: &[u8]) -> Result<OffsetKey, CodecError> {
        let version = get_i16(&mut bytes)?;
        if version != KEY_VERSION {
            return Err(CodecError::UnknownVersion(version));
        }
        let key = OffsetKey {
            group: get_string(&mut bytes)?,
            topic: get_string(&mut bytes)?,
            partition: get_i32(&mut bytes)?,
        };
        finish(bytes, key)
    }
}

/// A committed offset, as Kafka's OffsetCommit request carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OffsetAndMetadata {
    /// The *next* offset the group will read, not the last one it read.
    pub offset: Offset,
    /// The leader epoch of the last record read, which lets a consumer detect that the log
    /// was truncated under it. `None` is Kafka's `-1`.
    pub leader_epoch: Option<i32>,
    /// Free text the client attaches (at most [`MAX_METADATA_BYTES`]).
    pub metadata: String,
    /// When the commit was made.
    pub commit_timestamp: Millis,
}

impl OffsetAndMetadata {
    /// A commit of `offset` at `commit_timestamp`, with no leader epoch and no metadata.
    pub fn new(offset: Offset, commit_timestamp: Millis) -> OffsetAndMetadata {
        OffsetAndMetadata {
            offset,
            leader_epoch: None,
            metadata: String::new(),
            commit_timestamp,
        }
    }

    /// The value as stored in the offsets log: version, offset, leader epoch (`-1` for
    /// none), metadata, commit timestamp.
    pub fn encode(&self) -> Result<Bytes, CodecError> {
        let mut buf = BytesMut::new();
        buf.put_i16(VALUE_VERSION);
        buf.put_i64(self.offset);
        buf.put_i32(self.leader_epoch.unwrap_or(-1));
        put_string(&mut buf, &self.metadata)?;
        buf.put_i64(self.commit_timestamp);
        Ok(buf.freeze())
    }

    /// Read a value written by [`encode`](Self::encode). Any negative leader epoch reads
    /// as `None`. Fails, never panics, on any other bytes.
    pub fn decode(mut bytes: &[u8]) -> Result<OffsetAndMetadata, CodecError> {
        let version = get_i16(&mut bytes)?;
        if version != VALUE_VERSION {
            return Err(CodecError::UnknownVersion(version));
        }
        let offset = get_i64(&mut bytes)?;
        let epoch = get_i32(&mut bytes)?;
        let value = OffsetAndMetadata {
            offset,
            leader_epoch: (epoch >= 0).then_some(epoch),
            metadata: get_string(&mut bytes)?,
            commit_timestamp: get_i64(&mut bytes)?,
        };
        finish(bytes, value)
    }
}

/// Bytes that are not a key or value this codec wrote.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodecError {
    /// The bytes end in the middle of a field.
    #[error("truncated: the bytes end in the middle of a field")]
    Truncated,
    /// A version this broker does not know.
    #[error("unknown version {0}")]
    UnknownVersion(i16),
    /// A string length below zero (Kafka's null string, which these fields never are).
    #[error("invalid string length {0}")]
    InvalidLength(i16),
    /// A string that is not UTF-8.
    #[error("string is not valid UTF-8")]
    InvalidUtf8,
    /// A string too long for its `i16` length prefix (encoding only).
    #[error("string of {0} bytes is too long to encode")]
    StringTooLong(usize),
    /// Bytes left over after the last field.
    #[error("{0} unexpected bytes after the last field")]
    TrailingBytes(usize),
}

pub(crate) fn put_string(buf: &mut BytesMut, s: &str) -> Result<(), CodecError> {
    let len = i16::try_from(s.len()).map_err(|_| CodecError::StringTooLong(s.len()))?;
    buf.put_i16(len);
    buf.put_slice(s.as_bytes());
    Ok(())
}

// `Buf::get_*` panics when bytes are missing, so every read checks `remaining` first.

pub(crate) fn get_i16(buf: &mut &[u8]) -> Result<i16, CodecError> {
    (buf.remaining() >= 2)
        .then(|| buf.get_i16())
        .ok_or(CodecError::Truncated)
}

pub(crate) fn get_i32(buf: &mut &[u8]) -> Result<i32, CodecError> {
    (buf.remaining() >= 4)
        .then(|| buf.get_i32())
        .ok_or(CodecError::Truncated)
}

pub(crate) fn get_i64(buf: &mut &[u8]) -> Result<i64, CodecError> {
    (buf.remaining() >= 8)
        .then(|| buf.get_i64())
        .ok_or(CodecError::Truncated)
}

pub(crate) fn get_string(buf: &mut &[u8]) -> Result<String, CodecError> {
    let len = get_i16(buf)?;
    let len = usize::try_from(len).map_err(|_| CodecError::InvalidLength(len))?;
    if buf.remaining() < len {
        return Err(CodecError::Truncated);
    }
    let (text, rest) = buf.split_at(len);
    *buf = rest;
    String::from_utf8(text.to_vec()).map_err(|_| CodecError::InvalidUtf8)
}

pub(crate) fn finish<T>(rest: &[u8], value: T) -> Result<T, CodecError> {
    if rest.is_empty() {
        Ok(value)
    } else {
        Err(CodecError::TrailingBytes(rest.len()))
    }
}

/// The offsets log could not be replayed into a store.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RebuildError {
    /// Reading the log failed.
    #[error("reading the offsets log: {0}")]
    Log(#[from] LogError),
    /// A key or value did not decode.
    #[error("record {offset} of the offsets log: {source}")]
    Codec {
        /// Offset of the bad record.
        offset: Offset,
        /// What was wrong with it.
        #[source]
        source: CodecError,
    },
    /// A record without a key: every offsets record has one.
    #[error("record {offset} of the offsets log has no key")]
    MissingKey {
        /// Offset of the bad record.
        offset: Offset,
    },
    /// An encoded batch: the offsets log holds decoded batches only.
    #[error("batch {base_offset} of the offsets log is encoded")]
    EncodedBatch {
        /// Base offset of the batch.
        base_offset: Offset,
    },
}

/// Committed offsets for every group: a log of commits plus the cache it implies.
#[derive(Debug, Clone)]
pub struct OffsetStore<S: LogStorage = MemoryStorage> {
    /// The cache: the latest commit per key, as replaying `log` would give.
    offsets: BTreeMap<OffsetKey, OffsetAndMetadata>,
    /// The last group metadata record of each group, as replaying `log` would give. Not
    /// in the browser build: its broker is never reopened from storage (and the page has a
    /// size budget), so it writes no group records.
    #[cfg(not(target_arch = "wasm32"))]
    groups: BTreeMap<String, GroupMetadataRecord>,
    /// The last record of each consumer-protocol (KIP-848) group, key version 3, its value
    /// as written (see `group/modern/persist.rs`). Not in the browser build either.
    #[cfg(not(target_arch = "wasm32"))]
    consumer_groups: BTreeMap<String, Bytes>,
    /// Every change ever made, in order: the source of truth.
    log: PartitionLog<S>,
}

impl Default for OffsetStore {
    fn default() -> OffsetStore {
        OffsetStore::new()
    }
}

impl OffsetStore {
    /// An empty store. Its log has no retention: Kafka's `__consumer_offsets` is compacted
    /// instead (older records of a key are dropped, the last one stays), which minikafka
    /// does not do yet, so the log only grows. Replay gives the same result either way.
    pub fn new() -> OffsetStore {
        OffsetStore {
            offsets: BTreeMap::new(),
            #[cfg(not(target_arch = "wasm32"))]
            groups: BTreeMap::new(),
            #[cfg(not(target_arch = "wasm32"))]
            consumer_groups: BTreeMap::new(),
            log: PartitionLog::new(OffsetStore::log_config()),
        }
    }

    /// The settings of the offsets log: no retention (see [`OffsetStore::new`]).
    pub fn log_config() -> LogConfig {
        LogConfig {
            retention_ms: None,
            retention_bytes: None,
            ..LogConfig::default()
        }
    }
}

impl<S: LogStorage> OffsetStore<S> {
    /// Commit one offset. The commit is appended to the log before the cache changes, so
    /// a crash can never leave a commit that a rebuild would not find. A leader epoch below
    /// zero is stored as `None` (Kafka's `-1`); `now` becomes the record's timestamp.
    pub fn commit(
        &mut self,
        key: OffsetKey,
        value: OffsetAndMetadata,
        now: Millis,
    ) -> Result<(), KafkaError> {
        self.commit_many(vec![(key, value)], now)
            .pop()
            .unwrap_or(Err(KafkaError::UnknownServerError))
    }

    /// Commit several offsets, as one OffsetCommit request does: one result per commit, in
    /// order. Valid commits are appended as a single batch, so they land together; invalid
    /// ones get their own error, like Kafka's per-partition error codes.
    pub fn commit_many(
        &mut self,
        commits: Vec<(OffsetKey, OffsetAndMetadata)>,
        now: Millis,
    ) -> Vec<Result<(), KafkaError>> {
        let mut results = Vec::with_capacity(commits.len());
        let mut valid = Vec::new();
        for (key, mut value) in commits {
            value.leader_epoch = value.leader_epoch.filter(|e| *e >= 0);
            let checked = validate(&key, &value);
            results.push(checked);
            if checked.is_ok() {
                valid.push((key, Some(value)));
            }
        }
        if let Err(error) = self.write(valid, now) {
            for result in results.iter_mut().filter(|r| r.is_ok()) {
                *result = Err(error);
            }
        }
        results
    }

    /// The committed offset of a group for one partition.
    pub fn fetch(&self, group: &str, topic: &str, partition: i32) -> Option<&OffsetAndMetadata> {
        self.offsets.get(&OffsetKey::new(group, topic, partition))
    }

    /// Every committed offset of a group as (topic, partition, offset), sorted by topic and
    /// partition: what OffsetFetch returns when a client asks for all partitions.
    pub fn fetch_group(&self, group: &str) -> Vec<(&str, i32, &OffsetAndMetadata)> {
        self.group_range(group)
            .map(|(k, v)| (k.topic.as_str(), k.partition, v))
            .collect()
    }

    /// Delete one committed offset by writing a tombstone. Returns whether there was one.
    pub fn delete(&mut self, key: &OffsetKey, now: Millis) -> bool {
        if !self.offsets.contains_key(key) {
            return false;
        }
        self.write(vec![(key.clone(), None)], now).is_ok()
    }

    /// Delete every committed offset of a group (DeleteGroups, or offsets expiring with an
    /// empty group). Returns how many were deleted.
    pub fn delete_group(&mut self, group: &str, now: Millis) -> usize {
        let keys = self.group_range(group).map(|(k, _)| k.clone()).collect();
        self.delete_keys(keys, now)
    }

    /// Delete a topic's committed offsets in every group, as Kafka does when the topic is
    /// deleted: a re-created topic of the same name must not inherit old positions.
    /// Returns how many were deleted.
    pub fn delete_topic(&mut self, topic: &str, now: Millis) -> usize {
        let keys = self
            .offsets
            .keys()
            .filter(|k| k.topic == topic)
            .cloned()
            .collect();
        self.delete_keys(keys, now)
    }

    /// The groups that have committed offsets, sorted.
    pub fn groups(&self) -> Vec<String> {
        let mut groups: Vec<String> = Vec::new();
        for key in self.offsets.keys() {
            if groups.last() != Some(&key.group) {
                groups.push(key.group.clone());
            }
        }
        groups
    }

    /// Every committed offset, sorted by group, topic and partition.
    pub fn iter(&self) -> impl Iterator<Item = (&OffsetKey, &OffsetAndMetadata)> {
        self.offsets.iter()
    }

    /// Number of committed offsets.
    pub fn len(&self) -> usize {
        self.offsets.len()
    }

    /// Whether no offset is committed.
    pub fn is_empty(&self) -> bool {
        self.offsets.is_empty()
    }

    /// Write a group's settled generation (Kafka does so when a rebalance completes and
    /// when the group becomes Empty), so that a restarted coordinator can rebuild it.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn store_group(
        &mut self,
        record: GroupMetadataRecord,
        now: Millis,
    ) -> Result<(), KafkaError> {
        let key = encode_group_key(&record.group_id).map_err(|_| KafkaError::InvalidGroupId)?;
        let value = record.encode().map_err(|_| KafkaError::InvalidRequest)?;
        self.append(vec![(key, Some(value))], now)?;
        self.groups.insert(record.group_id.clone(), record);
        Ok(())
    }

    /// Forget a group's metadata with a tombstone (the group was deleted). Returns whether
    /// there was any.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn delete_group_metadata(&mut self, group_id: &str, now: Millis) -> bool {
        if !self.groups.contains_key(group_id) {
            return false;
        }
        let Ok(key) = encode_group_key(group_id) else {
            return false;
        };
        if self.append(vec![(key, None)], now).is_err() {
            return false;
        }
        self.groups.remove(group_id);
        true
    }

    /// Write a consumer-protocol group's record (key version 3; the value is opaque here,
    /// see `group/modern/persist.rs`), or a tombstone for `None`.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn store_consumer_group(
        &mut self,
        group_id: &str,
        value: Option<Bytes>,
        now: Millis,
    ) -> Result<(), KafkaError> {
        if value.is_none() && !self.consumer_groups.contains_key(group_id) {
            return Ok(());
        }
        if value.is_some() && self.consumer_groups.get(group_id) == value.as_ref() {
            return Ok(()); // nothing changed
        }
        let key = encode_consumer_group_key(group_id).map_err(|_| KafkaError::InvalidGroupId)?;
        self.append(vec![(key, value.clone())], now)?;
        match value {
            Some(v) => self.consumer_groups.insert(group_id.to_string(), v),
            None => self.consumer_groups.remove(group_id),
        };
        Ok(())
    }

    /// Every consumer-protocol group's last record value, by group id.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn saved_consumer_groups(&self) -> impl Iterator<Item = (&String, &Bytes)> {
        self.consumer_groups.iter()
    }

    /// A group's last stored generation.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn group_metadata(&self, group_id: &str) -> Option<&GroupMetadataRecord> {
        self.groups.get(group_id)
    }

    /// Every group's last stored generation, sorted by group id: what a coordinator loads.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn saved_groups(&self) -> impl Iterator<Item = &GroupMetadataRecord> {
        self.groups.values()
    }

    /// The log every change was written to, the store's `__consumer_offsets` partition.
    pub fn log(&self) -> &PartitionLog<S> {
        &self.log
    }

    /// Rebuild a store by replaying its log from the log start: the last record per key
    /// wins, and a tombstone deletes the key. This is what a coordinator does when it
    /// loads a partition of `__consumer_offsets`.
    pub fn rebuild(log: PartitionLog<S>) -> Result<OffsetStore<S>, RebuildError> {
        let mut offsets = BTreeMap::new();
        let mut groups = BTreeMap::new();
        let mut consumer_groups = BTreeMap::new();
        let mut position = log.log_start_offset();
        while position < log.log_end_offset() {
            let read = log.read(position, 1 << 20, u32::MAX)?;
            for batch in &read.batches {
                let BatchRecords::Decoded(records) = &batch.records else {
                    return Err(RebuildError::EncodedBatch {
                        base_offset: batch.info.base_offset,
                    });
                };
                for (offset, record) in (batch.info.base_offset..).zip(records.iter()) {
                    if offset < position {
                        continue;
                    }
                    replay(
                        &mut offsets,
                        &mut groups,
                        &mut consumer_groups,
                        offset,
                        record,
                    )?;
                    position = offset + 1;
                }
            }
        }
        #[cfg(target_arch = "wasm32")]
        drop((groups, consumer_groups));
        Ok(OffsetStore {
            offsets,
            #[cfg(not(target_arch = "wasm32"))]
            groups,
            #[cfg(not(target_arch = "wasm32"))]
            consumer_groups,
            log,
        })
    }

    fn group_range(&self, group: &str) -> impl Iterator<Item = (&OffsetKey, &OffsetAndMetadata)> {
        // Keys sort by group first: one group's keys start at (group, "", i32::MIN).
        let start = OffsetKey::new(group, "", i32::MIN);
        let group = start.group.clone();
        self.offsets
            .range(start..)
            .take_while(move |(k, _)| k.group == group)
    }

    fn delete_keys(&mut self, keys: Vec<OffsetKey>, now: Millis) -> usize {
        let count = keys.len();
        let tombstones = keys.into_iter().map(|k| (k, None)).collect();
        match self.write(tombstones, now) {
            Ok(()) => count,
            Err(_) => 0,
        }
    }

    /// Append the changes as one batch (`None` is a tombstone), then apply them to the
    /// cache. Nothing changes if the append fails.
    fn write(
        &mut self,
        changes: Vec<(OffsetKey, Option<OffsetAndMetadata>)>,
        now: Millis,
    ) -> Result<(), KafkaError> {
        let mut records = Vec::with_capacity(changes.len());
        for (key, value) in &changes {
            let encoded_key = key.encode().map_err(|_| KafkaError::InvalidRequest)?;
            let encoded_value = match value {
                Some(v) => Some(v.encode().map_err(|_| KafkaError::InvalidRequest)?),
                None => None,
            };
            records.push((encoded_key, encoded_value));
        }
        self.append(records, now)?;
        for (key, value) in changes {
            match value {
                Some(v) => self.offsets.insert(key, v),
                None => self.offsets.remove(&key),
            };
        }
        Ok(())
    }
}

impl<S: LogStorage> OffsetStore<S> {
    /// Append encoded (key, value) records as one batch (`None` is a tombstone).
    fn append(
        &mut self,
        records: Vec<(Bytes, Option<Bytes>)>,
        now: Millis,
    ) -> Result<(), KafkaError> {
        let records = records
            .into_iter()
            .map(|(key, value)| Record {
                key: Some(key),
                value,
                headers: Vec::new(),
                timestamp: now,
            })
            .collect();
        let Some(batch) = RecordBatch::from_records(records) else {
            return Ok(()); // nothing to write
        };
        self.log.append(batch, now).map_err(|e| e.kafka_error())?;
        Ok(())
    }
}

/// Check a commit before it is written: Kafka's limits, and what the codec can encode.
fn validate(key: &OffsetKey, value: &OffsetAndMetadata) -> Result<(), KafkaError> {
    if value.metadata.len() > MAX_METADATA_BYTES {
        return Err(KafkaError::OffsetMetadataTooLarge);
    }
    if key.group.len() > MAX_STRING_BYTES {
        return Err(KafkaError::InvalidGroupId);
    }
    if key.topic.len() > MAX_STRING_BYTES {
        return Err(KafkaError::InvalidTopic);
    }
    Ok(())
}

/// Apply one record of the offsets log to the cache.
fn replay(
    offsets: &mut BTreeMap<OffsetKey, OffsetAndMetadata>,
    groups: &mut BTreeMap<String, GroupMetadataRecord>,
    consumer_groups: &mut BTreeMap<String, Bytes>,
    offset: Offset,
    record: &Record,
) -> Result<(), RebuildError> {
    let codec = |source| RebuildError::Codec { offset, source };
    let key = record
        .key
        .as_ref()
        .ok_or(RebuildError::MissingKey { offset })?;
    // The key's version says which kind of record this is, as in Kafka.
    if group_metadata::key_version(key).map_err(codec)? == CONSUMER_GROUP_KEY_VERSION {
        let group = decode_consumer_group_key(key).map_err(codec)?;
        match &record.value {
            Some(value) => consumer_groups.insert(group, value.clone()),
            None => consumer_groups.remove(&group),
        };
        return Ok(());
    }
    if group_metadata::key_version(key).map_err(codec)? == GROUP_KEY_VERSION {
        let group = decode_group_key(key).map_err(codec)?;
        match &record.value {
            Some(value) => {
                let value = GroupMetadataRecord::decode(group.clone(), value).map_err(codec)?;
                groups.insert(group, value);
            }
            None => {
                groups.remove(&group);
            }
        }
        return Ok(());
    }
    let key = OffsetKey::decode(key).map_err(codec)?;
    match &record.value {
        Some(value) => {
            offsets.insert(key, OffsetAndMetadata::decode(value).map_err(codec)?);
        }
        None => {
            offsets.remove(&key);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn key(group: &str, topic: &str, partition: i32) -> OffsetKey {
        OffsetKey::new(group, topic, partition)
    }

    fn rebuilt(store: &OffsetStore) -> OffsetStore {
        OffsetStore::rebuild(store.log().clone()).unwrap()
    }

    #[test]
    fn commits_are_fetched_and_overwritten() {
        let mut store = OffsetStore::new();
        assert!(store.is_empty());
        store
            .commit(key("g", "t", 0), OffsetAndMetadata::new(5, 100), 100)
            .unwrap();
        store
            .commit(key("g", "t", 0), OffsetAndMetadata::new(7, 200), 200)
            .unwrap();
        assert_eq!(
            store.fetch("g", "t", 0),
            Some(&OffsetAndMetadata::new(7, 200))
        );
        assert_eq!(store.fetch("g", "t", 1), None);
        assert_eq!(store.fetch("other", "t", 0), None);
        assert_eq!(store.len(), 1);
        // Both commits are in the log: the cache only keeps the last.
        assert_eq!(store.log().log_end_offset(), 2);
    }

    #[test]
    fn metadata_is_limited_to_4096_bytes() {
        let mut store = OffsetStore::new();
        let mut value = OffsetAndMetadata::new(1, 0);
        value.metadata = "x".repeat(MAX_METADATA_BYTES);
        assert_eq!(store.commit(key("g", "t", 0), value.clone(), 0), Ok(()));
        value.metadata.push('x');
        assert_eq!(
            store.commit(key("g", "t", 1), value, 0),
            Err(KafkaError::OffsetMetadataTooLarge)
        );
        assert_eq!(store.len(), 1);
        assert_eq!(store.log().log_end_offset(), 1);
    }

    #[test]
    fn commit_many_answers_per_partition_and_writes_one_batch() {
        let mut store = OffsetStore::new();
        let mut big = OffsetAndMetadata::new(2, 0);
        big.metadata = "x".repeat(MAX_METADATA_BYTES + 1);
        let results = store.commit_many(
            vec![
                (key("g", "t", 0), OffsetAndMetadata::new(1, 0)),
                (key("g", "t", 1), big),
                (key("g", "t", 2), OffsetAndMetadata::new(3, 0)),
            ],
            0,
        );
        assert_eq!(
            results,
            vec![Ok(()), Err(KafkaError::OffsetMetadataTooLarge), Ok(())]
        );
        assert_eq!(store.len(), 2);
        assert_eq!(store.log().segments()[0].record_count, 2);
        assert_eq!(
            store
                .log()
                .read(0, u32::MAX, u32::MAX)
                .unwrap()
                .batches
                .len(),
            1
        );
    }

    #[test]
    fn negative_leader_epochs_are_none() {
        let mut store = OffsetStore::new();
        let mut value = OffsetAndMetadata::new(1, 0);
        value.leader_epoch = Some(-1);
        store.commit(key("g", "t", 0), value, 0).unwrap();
        assert_eq!(store.fetch("g", "t", 0).unwrap().leader_epoch, None);
    }

    #[test]
    fn fetch_group_lists_one_group_sorted() {
        let mut store = OffsetStore::new();
        for (g, t, p) in [
            ("g", "b", 1),
            ("g", "a", 2),
            ("g", "b", 0),
            ("h", "a", 0),
            ("f", "a", 0),
        ] {
            store
                .commit(key(g, t, p), OffsetAndMetadata::new(i64::from(p), 0), 0)
                .unwrap();
        }
        let listed: Vec<_> = store
            .fetch_group("g")
            .into_iter()
            .map(|(t, p, _)| (t, p))
            .collect();
        assert_eq!(listed, vec![("a", 2), ("b", 0), ("b", 1)]);
        assert!(store.fetch_group("nope").is_empty());
        assert_eq!(store.groups(), vec!["f", "g", "h"]);
    }

    #[test]
    fn deletes_write_tombstones() {
        let mut store = OffsetStore::new();
        for (g, t, p) in [
            ("g", "a", 0),
            ("g", "b", 0),
            ("h", "a", 0),
            ("h", "a", 1),
            ("i", "b", 0),
        ] {
            store
                .commit(key(g, t, p), OffsetAndMetadata::new(1, 0), 0)
                .unwrap();
        }
        assert!(store.delete(&key("i", "b", 0), 1));
        assert!(!store.delete(&key("i", "b", 0), 1));
        assert_eq!(store.delete_topic("a", 2), 3);
        assert_eq!(store.groups(), vec!["g"]);
        assert_eq!(store.delete_group("g", 3), 1);
        assert_eq!(store.delete_group("g", 3), 0);
        assert!(store.is_empty());
        // Five commits, then three batches of tombstones (one per call that deleted).
        let last = store.log().read(7, u32::MAX, u32::MAX).unwrap();
        let tombstone = &last.batches[0].consumer_records().unwrap().next().unwrap();
        assert_eq!(tombstone.record.value, None);
        assert_eq!(store.log().log_end_offset(), 10);
        assert!(rebuilt(&store).is_empty());
    }

    #[test]
    fn rebuild_replays_the_log() {
        let mut store = OffsetStore::new();
        let mut value = OffsetAndMetadata::new(42, 9);
        value.leader_epoch = Some(3);
        value.metadata = "héllo".into();
        store.commit(key("g", "t", 0), value.clone(), 9).unwrap();
        store
            .commit(key("g", "t", 1), OffsetAndMetadata::new(1, 0), 10)
            .unwrap();
        store.delete(&key("g", "t", 1), 11);
        let again = rebuilt(&store);
        assert_eq!(again.fetch("g", "t", 0), Some(&value));
        assert_eq!(again.len(), 1);
    }

    /// A log written before group metadata records existed (only version-1 commit keys,
    /// the bytes spelled out as that code wrote them) still loads, with no groups.
    #[test]
    fn an_offsets_log_without_group_records_still_loads() {
        let mut log = PartitionLog::new(OffsetStore::log_config());
        let key: &[u8] = &[0, 1, 0, 1, b'g', 0, 1, b't', 0, 0, 0, 0];
        let mut value = vec![0, 3];
        value.extend_from_slice(&5i64.to_be_bytes());
        value.extend_from_slice(&(-1i32).to_be_bytes());
        value.extend_from_slice(&[0, 0]);
        value.extend_from_slice(&7i64.to_be_bytes());
        log.append_records(vec![Record::keyed(key.to_vec(), value, 7)], 7)
            .unwrap();
        let store = OffsetStore::rebuild(log).unwrap();
        assert_eq!(
            store.fetch("g", "t", 0),
            Some(&OffsetAndMetadata::new(5, 7))
        );
        assert_eq!(store.saved_groups().count(), 0);
    }

    #[test]
    fn group_records_replay_beside_commits_and_tombstones_erase_them() {
        let mut store = OffsetStore::new();
        let record = |generation| GroupMetadataRecord {
            group_id: "g".into(),
            protocol_type: "consumer".into(),
            generation,
            protocol: None,
            leader: None,
            state_timestamp: 0,
            members: Vec::new(),
        };
        store.store_group(record(1), 1).unwrap();
        store
            .commit(key("g", "t", 0), OffsetAndMetadata::new(3, 2), 2)
            .unwrap();
        store.store_group(record(2), 3).unwrap();
        let again = rebuilt(&store);
        assert_eq!(
            again.group_metadata("g"),
            Some(&record(2)),
            "the last one wins"
        );
        assert_eq!(
            again.fetch("g", "t", 0),
            Some(&OffsetAndMetadata::new(3, 2))
        );
        assert!(store.delete_group_metadata("g", 4));
        assert!(!store.delete_group_metadata("g", 4));
        assert_eq!(rebuilt(&store).saved_groups().count(), 0);
        assert_eq!(rebuilt(&store).len(), 1, "commits are not touched");
    }

    #[test]
    fn rebuild_rejects_foreign_records() {
        let mut log = PartitionLog::new(LogConfig::default());
        log.append_records(vec![Record::from_value("x", 0)], 0)
            .unwrap();
        assert_eq!(
            OffsetStore::rebuild(log).unwrap_err(),
            RebuildError::MissingKey { offset: 0 }
        );
        let mut log = PartitionLog::new(LogConfig::default());
        log.append_records(vec![Record::keyed("junk", "x", 0)], 0)
            .unwrap();
        assert!(matches!(
            OffsetStore::rebuild(log),
            Err(RebuildError::Codec { offset: 0, .. })
        ));
    }

    #[test]
    fn codec_layout_is_versioned_and_strict() {
        let bytes = key("g", "t", 7).encode().unwrap();
        assert_eq!(&bytes[..], &[0, 1, 0, 1, b'g', 0, 1, b't', 0, 0, 0, 7]);
        let mut wrong = bytes.to_vec();
        wrong[1] = 9;
        assert_eq!(
            OffsetKey::decode(&wrong),
            Err(CodecError::UnknownVersion(9))
        );
        assert_eq!(OffsetKey::decode(&bytes[..5]), Err(CodecError::Truncated));
        let mut long = bytes.to_vec();
        long.push(0);
        assert_eq!(OffsetKey::decode(&long), Err(CodecError::TrailingBytes(1)));
        let too_long = key(&"g".repeat(MAX_STRING_BYTES + 1), "t", 0);
        assert!(matches!(
            too_long.encode(),
            Err(CodecError::StringTooLong(_))
        ));
        let value = OffsetAndMetadata::new(1, 2).encode().unwrap();
        assert_eq!(value.len(), 2 + 8 + 4 + 2 + 8);
        assert_eq!(&value[..2], &VALUE_VERSION.to_be_bytes());
    }

    fn arb_key() -> impl Strategy<Value = OffsetKey> {
        ("[a-c]{1,2}", "[x-z]{1,2}", 0..3i32).prop_map(|(g, t, p)| OffsetKey::new(g, t, p))
    }

    fn arb_value() -> impl Strategy<Value = OffsetAndMetadata> {
        (
            any::<i64>(),
            prop::option::of(0..i32::MAX),
            ".{0,8}",
            any::<i64>(),
        )
            .prop_map(|(offset, leader_epoch, metadata, commit_timestamp)| {
                OffsetAndMetadata {
                    offset,
                    leader_epoch,
                    metadata,
                    commit_timestamp,
                }
            })
    }

    #[derive(Debug, Clone)]
    enum Op {
        Commit(OffsetKey, OffsetAndMetadata),
        Delete(OffsetKey),
        DeleteGroup(String),
        DeleteTopic(String),
    }

    fn arb_op() -> impl Strategy<Value = Op> {
        prop_oneof![
            6 => (arb_key(), arb_value()).prop_map(|(k, v)| Op::Commit(k, v)),
            2 => arb_key().prop_map(Op::Delete),
            1 => "[a-c]{1,2}".prop_map(Op::DeleteGroup),
            1 => "[x-z]{1,2}".prop_map(Op::DeleteTopic),
        ]
    }

    proptest! {
        #[test]
        fn decoding_arbitrary_bytes_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
            let _ = OffsetKey::decode(&bytes);
            let _ = OffsetAndMetadata::decode(&bytes);
        }

        #[test]
        fn codec_round_trips(k in arb_key(), v in arb_value()) {
            prop_assert_eq!(OffsetKey::decode(&k.encode().unwrap()), Ok(k));
            prop_assert_eq!(OffsetAndMetadata::decode(&v.encode().unwrap()), Ok(v));
        }

        #[test]
        fn rebuilding_from_the_log_gives_the_live_store(ops in prop::collection::vec(arb_op(), 0..80)) {
            let mut store = OffsetStore::new();
            let mut model: BTreeMap<OffsetKey, OffsetAndMetadata> = BTreeMap::new();
            for (now, op) in (0..).zip(ops) {
                match op {
                    Op::Commit(k, v) => {
                        store.commit(k.clone(), v.clone(), now).unwrap();
                        model.insert(k, v);
                    }
                    Op::Delete(k) => {
                        prop_assert_eq!(store.delete(&k, now), model.remove(&k).is_some());
                    }
                    Op::DeleteGroup(g) => {
                        let before = model.len();
                        model.retain(|k, _| k.group != g);
                        prop_assert_eq!(store.delete_group(&g, now), before - model.len());
                    }
                    Op::DeleteTopic(t) => {
                        let before = model.len();
                        model.retain(|k, _| k.topic != t);
                        prop_assert_eq!(store.delete_topic(&t, now), before - model.len());
                    }
                }
                prop_assert_eq!(&store.offsets, &model);
            }
            prop_assert_eq!(rebuilt(&store).offsets, model);
        }
    }
}
