//! The transaction log, like Kafka's `__transaction_state`: one record per state change,
//! keyed by transactional id, the value being the whole [`TransactionMetadata`]; the last
//! record per key wins, and a tombstone (null value) forgets an expired id.
//!
//! The layout is a small versioned binary codec in the style of `offsets.rs` (big-endian
//! integers, strings with an `i16` length). It is modelled on Kafka's
//! `TransactionLogValue`, plus the staged offsets: Kafka keeps those in
//! `__consumer_offsets` as transactional records; here the transaction's own record
//! carries them, so one log says everything a restarted coordinator needs.
//!
//! ```text
//! key:   version 0 (i16), transactional_id (string)
//! value: version 0 (i16), producer_id (i64), last_producer_id (i64), producer_epoch (i16),
//!        last_producer_epoch (i16), timeout_ms (i32), state (i8),
//!        partitions: count (i32) x [topic (string), partition (i32)],
//!        groups: count (i32) x [group (string)],
//!        staged offsets: count (i32) x [group, topic (string), partition (i32),
//!                        offset (i64), leader_epoch (i32), metadata (string), commit time (i64)],
//!        start_timestamp (i64), last_update_timestamp (i64)
//! ```

use crate::collections::{BTreeMap, BTreeSet};

use bytes::{Buf, BufMut, Bytes, BytesMut};

use crate::offsets::{
    finish, get_i16, get_i32, get_i64, get_string, put_string, CodecError, OffsetAndMetadata,
    OffsetKey,
};
use crate::txn::state::{TransactionMetadata, TxnState};

/// Version of the key and value layouts.
pub const TXN_LOG_VERSION: i16 = 0;

/// The record key of a transactional id.
pub fn encode_key(transactional_id: &str) -> Result<Bytes, CodecError> {
    let mut buf = BytesMut::new();
    buf.put_i16(TXN_LOG_VERSION);
    put_string(&mut buf, transactional_id)?;
    Ok(buf.freeze())
}

/// Read a key written by [`encode_key`].
pub fn decode_key(mut bytes: &[u8]) -> Result<String, CodecError> {
    version(&mut bytes)?;
    let id = get_string(&mut bytes)?;
    finish(bytes, id)
}

/// The record value of a transaction's metadata.
pub fn encode_value(m: &TransactionMetadata) -> Result<Bytes, CodecError> {
    let mut buf = BytesMut::new();
    buf.put_i16(TXN_LOG_VERSION);
    buf.put_i64(m.producer_id);
    buf.put_i64(m.last_producer_id);
    buf.put_i16(m.producer_epoch);
    buf.put_i16(m.last_producer_epoch);
    buf.put_i32(m.timeout_ms);
    buf.put_i8(m.state.code());
    buf.put_i32(m.partitions.len() as i32);
    for (topic, partition) in &m.partitions {
        put_string(&mut buf, topic)?;
        buf.put_i32(*partition);
    }
    buf.put_i32(m.groups.len() as i32);
    for group in &m.groups {
        put_string(&mut buf, group)?;
    }
    buf.put_i32(m.pending_offsets.len() as i32);
    for (key, value) in &m.pending_offsets {
        put_string(&mut buf, &key.group)?;
        put_string(&mut buf, &key.topic)?;
        buf.put_i32(key.partition);
        buf.put_i64(value.offset);
        buf.put_i32(value.leader_epoch.unwrap_or(-1));
        put_string(&mut buf, &value.metadata)?;
        buf.put_i64(value.commit_timestamp);
    }
    buf.put_i64(m.start_timestamp);
    buf.put_i64(m.last_update_timestamp);
    Ok(buf.freeze())
}

/// Read a value written by [`encode_value`] for `transactional_id`. Fails, never panics,
/// on any other bytes.
pub fn decode_value(
    transactional_id: &str,
    mut bytes: &[u8],
) -> Result<TransactionMetadata, CodecError> {
    let buf = &mut bytes;
    version(buf)?;
    let producer_id = get_i64(buf)?;
    let last_producer_id = get_i64(buf)?;
    let producer_epoch = get_i16(buf)?;
    let last_producer_epoch = get_i16(buf)?;
    let timeout_ms = get_i32(buf)?;
    if buf.remaining() < 1 {
        return Err(CodecError::Truncated);
    }
    let code = buf.get_i8();
    let state = TxnState::from_code(code).ok_or(CodecError::UnknownVersion(i16::from(code)))?;
    let mut partitions = BTreeSet::new();
    for _ in 0..count(buf)? {
        let topic = get_string(buf)?;
        partitions.insert((topic, get_i32(buf)?));
    }
    let mut groups = BTreeSet::new();
    for _ in 0..count(buf)? {
        groups.insert(get_string(buf)?);
    }
    let mut pending_offsets = BTreeMap::new();
    for _ in 0..count(buf)? {
        let group = get_string(buf)?;
        let topic = get_string(buf)?;
        let key = OffsetKey::new(group, topic, get_i32(buf)?);
        let offset = get_i64(buf)?;
        let epoch = get_i32(buf)?;
        let value = OffsetAndMetadata {
            offset,
            leader_epoch: (epoch >= 0).then_some(epoch),
            metadata: get_string(buf)?,
            commit_timestamp: get_i64(buf)?,
        };
        pending_offsets.insert(key, value);
    }
    let metadata = TransactionMetadata {
        transactional_id: transactional_id.to_string(),
        producer_id,
        last_producer_id,
        producer_epoch,
        last_producer_epoch,
        timeout_ms,
        state,
        partitions,
        groups,
        pending_offsets,
        start_timestamp: get_i64(buf)?,
        last_update_timestamp: get_i64(buf)?,
    };
    finish(bytes, metadata)
}

fn version(buf: &mut &[u8]) -> Result<(), CodecError> {
    match get_i16(buf)? {
        TXN_LOG_VERSION => Ok(()),
        other => Err(CodecError::UnknownVersion(other)),
    }
}

/// A list length; a negative one is refused rather than read as empty.
fn count(buf: &mut &[u8]) -> Result<i32, CodecError> {
    let n = get_i32(buf)?;
    if n < 0 {
        return Err(CodecError::InvalidLength(n.try_into().unwrap_or(i16::MIN)));
    }
    Ok(n)
}
