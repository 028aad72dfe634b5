//! The *consumer protocol*: what consumers put inside JoinGroup metadata and SyncGroup
//! assignments.
//!
//! The coordinator treats those bytes as opaque; only consumers (and the leader's assignor)
//! read them. The broker decodes them anyway for one reason: to *show* you the group
//! (DescribeGroups, the visualiser's assignment view, which members are standby).
//!
//! The format is Kafka's `ConsumerProtocolSubscription` / `ConsumerProtocolAssignment`: a
//! big-endian `i16` version, then the fields, with classic (non-flexible) encodings:
//! strings are an `i16` length and UTF-8 bytes, arrays an `i32` count, nullable bytes an
//! `i32` length (-1 for null).
//!
//! We decode by hand rather than with the `kafka-protocol` crate because these bytes come
//! straight from clients and the decoder must survive anything: every length is checked
//! against what is left in the buffer before anything is allocated.

use bytes::{Buf, BufMut, Bytes, BytesMut};
use serde::{Deserialize, Serialize};

use crate::event::TopicPartitions;

/// The newest subscription version we write (3 adds the rack id, KIP-881).
pub const SUBSCRIPTION_VERSION: i16 = 3;
/// The assignment version we write.
pub const ASSIGNMENT_VERSION: i16 = 3;

/// A consumer's subscription, sent as JoinGroup protocol metadata.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subscription {
    /// Topics the consumer subscribes to.
    pub topics: Vec<String>,
    /// Opaque assignor data.
    pub user_data: Option<Bytes>,
    /// v1+: partitions it owns now (the cooperative protocol uses this).
    pub owned_partitions: Vec<TopicPartitions>,
    /// v2+: the generation in which it owned them, -1 if unknown.
    pub generation_id: i32,
    /// v3+: `client.rack`.
    pub rack_id: Option<String>,
}

/// A consumer's assignment, sent by the leader in SyncGroup.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    /// The partitions, grouped by topic.
    pub partitions: Vec<TopicPartitions>,
    /// Opaque assignor data.
    pub user_data: Option<Bytes>,
}

/// The bytes are not a valid consumer-protocol message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed consumer protocol message: {0}")]
pub struct MalformedProtocol(&'static str);

/// Encode a subscription at [`SUBSCRIPTION_VERSION`].
pub fn encode_subscription(subscription: &Subscription) -> Bytes {
    let mut buf = BytesMut::new();
    buf.put_i16(SUBSCRIPTION_VERSION);
    buf.put_i32(subscription.topics.len() as i32);
    for topic in &subscription.topics {
        put_string(&mut buf, topic);
    }
    put_nullable_bytes(&mut buf, subscription.user_data.as_ref());
    put_topic_partitions(&mut buf, &subscription.owned_partitions);
    buf.put_i32(subscription.generation_id);
    match &subscription.rack_id {
        Some(rack) => put_string(&mut buf, rack),
        None => buf.put_i16(-1),
    }
    buf.freeze()
}

/// Decode a subscription of any version. Fields newer than the message's version get their
/// defaults; bytes after the fields we know are ignored, as Kafka does for forward
/// compatibility.
pub fn decode_subscription(bytes: &[u8]) -> Result<Subscription, MalformedProtocol> {
    let mut buf = bytes;
    let version = get_i16(&mut buf)?;
    if version < 0 {
        return Err(MalformedProtocol("negative version"));
    }
    let count = get_count(&mut buf, 2)?;
    let mut topics = Vec::with_capacity(count);
    for _ in 0..count {
        topics.push(get_string(&mut buf)?);
    }
    let user_data = get_nullable_bytes(&mut buf)?;
    let mut subscription = Subscription {
        topics,
        user_data,
        owned_partitions: Vec::new(),
        generation_id: -1,
        rack_id: None,
    };
    if version >= 1 {
        subscription.owned_partitions = get_topic_partitions(&mut buf)?;
    }
    if version >= 2 {
        subscription.generation_id = get_i32(&mut buf)?;
    }
    if version >= 3 {
        subscription.rack_id = get_nullable_string(&mut buf)?;
    }
    Ok(subscription)
}

/// Encode an assignment at [`ASSIGNMENT_VERSION`].
pub fn encode_assignment(assignment: &Assignment) -> Bytes {
    let mut buf = BytesMut::new();
    buf.put_i16(ASSIGNMENT_VERSION);
    put_topic_partitions(&mut buf, &assignment.partitions);
    put_nullable_bytes(&mut buf, assignment.user_data.as_ref());
    buf.freeze()
}

/// Decode an assignment of any version. Empty bytes are an empty assignment: that is what
/// the coordinator hands a member the leader left out.
pub fn decode_assignment(bytes: &[u8]) -> Result<Assignment, MalformedProtocol> {
    if bytes.is_empty() {
        return Ok(Assignment::default());
    }
    let mut buf = bytes;
    let version = get_i16(&mut buf)?;
    if version < 0 {
        return Err(MalformedProtocol("negative version"));
    }
    let partitions = get_topic_partitions(&mut buf)?;
    let user_data = get_nullable_bytes(&mut buf)?;
    Ok(Assignment {
        partitions,
        user_data,
    })
}

fn put_string(buf: &mut BytesMut, s: &str) {
    buf.put_i16(s.len() as i16);
    buf.put_slice(s.as_bytes());
}

fn put_nullable_bytes(buf: &mut BytesMut, bytes: Option<&Bytes>) {
    match bytes {
        Some(b) => {
            buf.put_i32(b.len() as i32);
            buf.put_slice(b);
        }
        None => buf.put_i32(-1),
    }
}

fn put_topic_partitions(buf: &mut BytesMut, tps: &[TopicPartitions]) {
    buf.put_i32(tps.len() as i32);
    for tp in tps {
        put_string(buf, &tp.topic);
        buf.put_i32(tp.partitions.len() as i32);
        for p in &tp.partitions {
            buf.put_i32(*p);
        }
    }
}

fn get_i16(buf: &mut &[u8]) -> Result<i16, MalformedProtocol> {
    if buf.remaining() < 2 {
        return Err(MalformedProtocol("truncated int16"));
    }
    Ok(buf.get_i16())
}

fn get_i32(buf: &mut &[u8]) -> Result<i32, MalformedProtocol> {
    if buf.remaining() < 4 {
        return Err(MalformedProtocol("truncated int32"));
    }
    Ok(buf.get_i32())
}

/// An array count, checked against the bytes left: each element takes at least
/// `min_element_size` bytes, so a lying count cannot make us allocate gigabytes.
fn get_count(buf: &mut &[u8], min_element_size: usize) -> Result<usize, MalformedProtocol> {
    let n = get_i32(buf)?;
    if n < 0 {
        return Err(MalformedProtocol("negative array length"));
    }
    let n = n as usize;
    if n.saturating_mul(min_element_size) > buf.remaining() {
        return Err(MalformedProtocol("array longer than the message"));
    }
    Ok(n)
}

fn get_string(buf: &mut &[u8]) -> Result<String, MalformedProtocol> {
    get_nullable_string(buf)?.ok_or(MalformedProtocol("null string"))
}

fn get_nullable_string(buf: &mut &[u8]) -> Result<Option<String>, MalformedProtocol> {
    let len = get_i16(buf)?;
    if len < 0 {
        return Ok(None);
    }
    let len = len as usize;
    if buf.remaining() < len {
        return Err(MalformedProtocol("truncated string"));
    }
    let s = std::str::from_utf8(&buf[..len]).map_err(|_| MalformedProtocol("invalid UTF-8"))?;
    let s = s.to_string();
    buf.advance(len);
    Ok(Some(s))
}

fn get_nullable_bytes(buf: &mut &[u8]) -> Result<Option<Bytes>, MalformedProtocol> {
    let len = get_i32(buf)?;
    if len < 0 {
        return Ok(None);
    }
    let len = len as usize;
    if buf.remaining() < len {
        return Err(MalformedProtocol("truncated bytes"));
    }
    let b = Bytes::copy_from_slice(&buf[..len]);
    buf.advance(len);
    Ok(Some(b))
}

fn get_topic_partitions(buf: &mut &[u8]) -> Result<Vec<TopicPartitions>, MalformedProtocol> {
    let count = get_count(buf, 6)?;
    let mut tps = Vec::with_capacity(count);
    for _ in 0..count {
        let topic = get_string(buf)?;
        let n = get_count(buf, 4)?;
        let mut partitions = Vec::with_capacity(n);
        for _ in 0..n {
            partitions.push(get_i32(buf)?);
        }
        tps.push(TopicPartitions { topic, partitions });
    }
    Ok(tps)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn subscription_round_trips() {
        let s = Subscription {
            topics: vec!["orders".into(), "payments".into()],
            user_data: Some(Bytes::from_static(b"x")),
            owned_partitions: vec![TopicPartitions {
                topic: "orders".into(),
                partitions: vec![0, 2],
            }],
            generation_id: 7,
            rack_id: Some("rack-a".into()),
        };
        assert_eq!(decode_subscription(&encode_subscription(&s)).unwrap(), s);
    }

    #[test]
    fn v0_subscription_from_an_old_client_decodes_with_defaults() {
        // version 0, one topic "t", null user data
        let bytes = [0, 0, 0, 0, 0, 1, 0, 1, b't', 0xff, 0xff, 0xff, 0xff];
        let s = decode_subscription(&bytes).unwrap();
        assert_eq!(s.topics, vec!["t".to_string()]);
        assert_eq!(s.generation_id, -1);
        assert!(s.owned_partitions.is_empty());
    }

    #[test]
    fn assignment_round_trips_and_empty_bytes_mean_standby() {
        let a = Assignment {
            partitions: vec![TopicPartitions {
                topic: "orders".into(),
                partitions: vec![1],
            }],
            user_data: None,
        };
        assert_eq!(decode_assignment(&encode_assignment(&a)).unwrap(), a);
        assert_eq!(decode_assignment(&[]).unwrap(), Assignment::default());
    }

    #[test]
    fn a_lying_array_length_is_an_error_not_an_allocation() {
        let bytes = [0, 0, 0x7f, 0xff, 0xff, 0xff];
        assert!(decode_assignment(&bytes).is_err());
        assert!(decode_subscription(&bytes).is_err());
    }

    proptest! {
        #[test]
        fn decoders_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = decode_assignment(&bytes);
            let _ = decode_subscription(&bytes);
        }
    }
}
