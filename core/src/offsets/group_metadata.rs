//! Group metadata records: how a group's membership survives a restart.
//!
//! Kafka's `__consumer_offsets` holds two kinds of records, told apart by the version of
//! their key: versions 0 and 1 are `OffsetCommitKey` (group, topic, partition), version 2
//! is `GroupMetadataKey` (the group alone). The coordinator writes a group metadata record
//! every time a generation settles: when the leader's SyncGroup hands out the assignment
//! (the group is `Stable`) and when the last member goes (`Empty`). Its value,
//! `GroupMetadataValue`, is the generation as the members know it: protocol type,
//! protocol, generation id, leader, and per member its ids, client, timeouts, subscription
//! and assignment. A deleted group gets a tombstone.
//!
//! When a coordinator loads the partition it rebuilds each group from its last record, in
//! the stored generation, and restarts every member's session timer from the load time. The
//! members never notice: their heartbeats in the same generation keep succeeding, so
//! nobody rebalances. A member that died while the coordinator was away stops
//! heartbeating and is removed after its session timeout, as it would have been anyway.
//!
//! Offsets logs written before this record existed hold only version-1 keys, and load as
//! before. The layout follows Kafka's `GroupMetadataValue` version 3 (the one with
//! `group_instance_id`), in this module's codec: big-endian integers, `i16`-prefixed
//! strings (`-1` for null), `i32`-prefixed bytes and arrays.

use bytes::{Buf, BufMut, Bytes, BytesMut};

use crate::offsets::{finish, get_i16, get_i32, get_i64, get_string, put_string, CodecError};
use crate::record::Millis;

/// Key version of a group metadata record (Kafka's `GroupMetadataKey` is version 2; commit
/// keys are 0 and 1).
pub const GROUP_KEY_VERSION: i16 = 2;

/// Value version of a group metadata record (Kafka's `GroupMetadataValue` version 3).
pub const GROUP_VALUE_VERSION: i16 = 3;

/// A group as stored in the offsets log: one settled generation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupMetadataRecord {
    /// Group id (the record's key).
    pub group_id: String,
    /// `consumer` for consumer groups; empty when no member ever joined.
    pub protocol_type: String,
    /// The generation the members hold.
    pub generation: i32,
    /// The protocol (assignor) chosen for it; `None` for an Empty group.
    pub protocol: Option<String>,
    /// The leader's member id; `None` for an Empty group.
    pub leader: Option<String>,
    /// When the record was written (Kafka's `current_state_timestamp`).
    pub state_timestamp: Millis,
    /// The members, in the order they joined (the leader among them).
    pub members: Vec<StoredMember>,
}

/// One member of a stored generation (Kafka's `MemberMetadata` in `GroupMetadataValue`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMember {
    /// The id the coordinator issued.
    pub member_id: String,
    /// `group.instance.id` of a static member: the mapping is rebuilt from it.
    pub group_instance_id: Option<String>,
    /// `client.id`.
    pub client_id: String,
    /// Client host.
    pub client_host: String,
    /// `rebalance.timeout.ms`.
    pub rebalance_timeout_ms: i32,
    /// `session.timeout.ms`: the session restarted at load lasts this long.
    pub session_timeout_ms: i32,
    /// Its metadata for the chosen protocol (for a consumer: its subscription).
    pub subscription: Bytes,
    /// What the leader assigned it.
    pub assignment: Bytes,
}

/// The key of a group metadata record: version 2, then the group id.
pub fn encode_group_key(group_id: &str) -> Result<Bytes, CodecError> {
    let mut buf = BytesMut::new();
    buf.put_i16(GROUP_KEY_VERSION);
    put_string(&mut buf, group_id)?;
    Ok(buf.freeze())
}

/// Read a group metadata key written by [`encode_group_key`].
pub fn decode_group_key(mut bytes: &[u8]) -> Result<String, CodecError> {
    let version = get_i16(&mut bytes)?;
    if version != GROUP_KEY_VERSION {
        return Err(CodecError::UnknownVersion(version));
    }
    let group = get_string(&mut bytes)?;
    finish(bytes, group)
}

/// Key version of a consumer-protocol (KIP-848) group record (Kafka's
/// `ConsumerGroupMetadataKey` is version 3 too; its value layout is not Kafka's, see
/// `group/modern/persist.rs`).
pub const CONSUMER_GROUP_KEY_VERSION: i16 = 3;

/// The key of a consumer-protocol group record: version 3, then the group id.
pub fn encode_consumer_group_key(group_id: &str) -> Result<Bytes, CodecError> {
    let mut buf = BytesMut::new();
    buf.put_i16(CONSUMER_GROUP_KEY_VERSION);
    put_string(&mut buf, group_id)?;
    Ok(buf.freeze())
}

/// Read a key written by [`encode_consumer_group_key`].
pub fn decode_consumer_group_key(mut bytes: &[u8]) -> Result<String, CodecError> {
    let version = get_i16(&mut bytes)?;
    if version != CONSUMER_GROUP_KEY_VERSION {
        return Err(CodecError::UnknownVersion(version));
    }
    let group = get_string(&mut bytes)?;
    finish(bytes, group)
}

/// The version a key starts with, to tell commit keys from group keys.
pub(crate) fn key_version(mut bytes: &[u8]) -> Result<i16, CodecError> {
    get_i16(&mut bytes)
}

impl GroupMetadataRecord {
    /// The value as stored in the offsets log.
    pub fn encode(&self) -> Result<Bytes, CodecError> {
        let mut buf = BytesMut::new();
        buf.put_i16(GROUP_VALUE_VERSION);
        put_string(&mut buf, &self.protocol_type)?;
        buf.put_i32(self.generation);
        put_nullable(&mut buf, self.protocol.as_deref())?;
        put_nullable(&mut buf, self.leader.as_deref())?;
        buf.put_i64(self.state_timestamp);
        buf.put_i32(self.members.len() as i32);
        for m in &self.members {
            put_string(&mut buf, &m.member_id)?;
            put_nullable(&mut buf, m.group_instance_id.as_deref())?;
            put_string(&mut buf, &m.client_id)?;
            put_string(&mut buf, &m.client_host)?;
            buf.put_i32(m.rebalance_timeout_ms);
            buf.put_i32(m.session_timeout_ms);
            put_bytes(&mut buf, &m.subscription);
            put_bytes(&mut buf, &m.assignment);
        }
        Ok(buf.freeze())
    }

    /// Read a value written by [`encode`](Self::encode) for group `group_id`. Fails, never
    /// panics, on any other bytes.
    pub fn decode(group_id: String, mut bytes: &[u8]) -> Result<GroupMetadataRecord, CodecError> {
        let version = get_i16(&mut bytes)?;
        if version != GROUP_VALUE_VERSION {
            return Err(CodecError::UnknownVersion(version));
        }
        let protocol_type = get_string(&mut bytes)?;
        let generation = get_i32(&mut bytes)?;
        let protocol = get_nullable(&mut bytes)?;
        let leader = get_nullable(&mut bytes)?;
        let state_timestamp = get_i64(&mut bytes)?;
        let count = get_i32(&mut bytes)?;
        if count < 0 {
            return Err(CodecError::Truncated);
        }
        // No capacity from the count: a damaged count must not reserve gigabytes.
        let mut members = Vec::new();
        for _ in 0..count {
            members.push(StoredMember {
                member_id: get_string(&mut bytes)?,
                group_instance_id: get_nullable(&mut bytes)?,
                client_id: get_string(&mut bytes)?,
                client_host: get_string(&mut bytes)?,
                rebalance_timeout_ms: get_i32(&mut bytes)?,
                session_timeout_ms: get_i32(&mut bytes)?,
                subscription: get_bytes(&mut bytes)?,
                assignment: get_bytes(&mut bytes)?,
            });
        }
        let record = GroupMetadataRecord {
            group_id,
            protocol_type,
            generation,
            protocol,
            leader,
            state_timestamp,
            members,
        };
        finish(bytes, record)
    }
}

fn put_nullable(buf: &mut BytesMut, s: Option<&str>) -> Result<(), CodecError> {
    match s {
        Some(s) => put_string(buf, s),
        None => {
            buf.put_i16(-1);
            Ok(())
        }
    }
}

fn get_nullable(buf: &mut &[u8]) -> Result<Option<String>, CodecError> {
    if buf.remaining() >= 2 && buf[..2] == (-1i16).to_be_bytes() {
        buf.advance(2);
        return Ok(None);
    }
    get_string(buf).map(Some)
}

fn put_bytes(buf: &mut BytesMut, bytes: &[u8]) {
    buf.put_i32(bytes.len() as i32);
    buf.put_slice(bytes);
}

fn get_bytes(buf: &mut &[u8]) -> Result<Bytes, CodecError> {
    let len = get_i32(buf)?;
    let len = usize::try_from(len).map_err(|_| CodecError::Truncated)?;
    if buf.remaining() < len {
        return Err(CodecError::Truncated);
    }
    let (data, rest) = buf.split_at(len);
    *buf = rest;
    Ok(Bytes::copy_from_slice(data))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn record() -> GroupMetadataRecord {
        GroupMetadataRecord {
            group_id: "g".into(),
            protocol_type: "consumer".into(),
            generation: 7,
            protocol: Some("range".into()),
            leader: Some("a-1".into()),
            state_timestamp: 99,
            members: vec![StoredMember {
                member_id: "a-1".into(),
                group_instance_id: Some("pod-a".into()),
                client_id: "a".into(),
                client_host: "/127.0.0.1".into(),
                rebalance_timeout_ms: 300_000,
                session_timeout_ms: 45_000,
                subscription: Bytes::from_static(b"sub"),
                assignment: Bytes::from_static(b"assigned"),
            }],
        }
    }

    #[test]
    fn group_records_round_trip() {
        let r = record();
        assert_eq!(
            GroupMetadataRecord::decode("g".into(), &r.encode().unwrap()),
            Ok(r)
        );
        let empty = GroupMetadataRecord {
            protocol: None,
            leader: None,
            members: Vec::new(),
            ..record()
        };
        assert_eq!(
            GroupMetadataRecord::decode("g".into(), &empty.encode().unwrap()),
            Ok(empty)
        );
        let key = encode_group_key("g").unwrap();
        assert_eq!(&key[..], &[0, 2, 0, 1, b'g']);
        assert_eq!(decode_group_key(&key), Ok("g".to_string()));
        assert_eq!(key_version(&key), Ok(GROUP_KEY_VERSION));
    }

    proptest! {
        #[test]
        fn decoding_arbitrary_group_bytes_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..96)) {
            let _ = decode_group_key(&bytes);
            let _ = GroupMetadataRecord::decode(String::new(), &bytes);
        }

        #[test]
        fn truncated_group_values_fail(cut in 0usize..60) {
            let bytes = record().encode().unwrap();
            let cut = cut.min(bytes.len() - 1);
            prop_assert!(GroupMetadataRecord::decode("g".into(), &bytes[..cut]).is_err());
        }
    }
}
