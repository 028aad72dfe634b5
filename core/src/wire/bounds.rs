//! A bounds check that runs before a request body is decoded.
//!
//! Every array on the wire starts with its element count, and the decoder of the
//! `kafka-protocol` crate (0.18) reserves room for that many elements *before* reading
//! them. A 26-byte Metadata request that claims two billion topics therefore asks for a
//! 150 GB allocation, and the allocation failure aborts the whole process: one hostile
//! frame would stop the broker for every client. (Upstream knows: kafka-protocol-rs pull
//! requests 152, 161 and 200; not released yet.)
//!
//! An element takes at least one byte, so a count larger than the bytes left in the frame
//! is impossible. This module walks each request's layout (only the versions served, from
//! Kafka's message schemas) and refuses a frame with an impossible count; the decoder then
//! never sees it. The walk is lenient otherwise: a frame that ends early is left for the
//! decoder to reject with its own message. A test encodes every served version of every
//! request with the crate and checks that the walk ends exactly at the end of the body, so
//! these layouts cannot drift from the crate's.

use kafka_protocol::messages::ApiKey;

/// One field of a request layout, present in versions `min..=max`.
#[derive(Clone, Copy)]
struct Field {
    ty: Ty,
    min: i16,
    max: i16,
}

/// Field types, as far as the walk needs to know them.
#[derive(Clone, Copy)]
enum Ty {
    I8,
    I16,
    I32,
    I64,
    Uuid,
    /// A string (compact in flexible versions); nullability does not change the walk.
    Str,
    /// Bytes (compact in flexible versions); nullable or not.
    Bytes,
    /// An array of structs (compact in flexible versions); nullable or not.
    Array(&'static [Field]),
    /// An array of `i32`.
    ArrayI32,
    /// An array of strings.
    ArrayStr,
}

const fn f(ty: Ty, min: i16, max: i16) -> Field {
    Field { ty, min, max }
}

const ANY: i16 = i16::MAX;

use Ty::*;

// Request layouts from Kafka's JSON message schemas, for the versions served.
const API_VERSIONS: &[Field] = &[f(Str, 3, ANY), f(Str, 3, ANY)];
const METADATA_TOPIC: &[Field] = &[f(Uuid, 10, ANY), f(Str, 0, ANY)];
const METADATA: &[Field] = &[
    f(Array(METADATA_TOPIC), 0, ANY),
    f(I8, 4, ANY), // allow_auto_topic_creation (a bool is one byte)
    f(I8, 8, 10),  // include_cluster_authorized_operations
    f(I8, 8, ANY), // include_topic_authorized_operations
];
const PRODUCE_PARTITION: &[Field] = &[f(I32, 0, ANY), f(Bytes, 0, ANY)];
const PRODUCE_TOPIC: &[Field] = &[
    f(Str, 0, 12),
    f(Uuid, 13, ANY),
    f(Array(PRODUCE_PARTITION), 0, ANY),
];
const PRODUCE: &[Field] = &[
    f(Str, 3, ANY), // transactional_id
    f(I16, 0, ANY),
    f(I32, 0, ANY),
    f(Array(PRODUCE_TOPIC), 0, ANY),
];
const FETCH_PARTITION: &[Field] = &[
    f(I32, 0, ANY),
    f(I32, 9, ANY), // current_leader_epoch
    f(I64, 0, ANY),
    f(I32, 12, ANY), // last_fetched_epoch
    f(I64, 5, ANY),  // log_start_offset
    f(I32, 0, ANY),
];
const FETCH_TOPIC: &[Field] = &[
    f(Str, 0, 12),
    f(Uuid, 13, ANY),
    f(Array(FETCH_PARTITION), 0, ANY),
];
const FORGOTTEN_TOPIC: &[Field] = &[f(Str, 0, 12), f(Uuid, 13, ANY), f(ArrayI32, 0, ANY)];
const FETCH: &[Field] = &[
    f(I32, 0, 14), // replica_id
    f(I32, 0, ANY),
    f(I32, 0, ANY),
    f(I32, 3, ANY), // max_bytes
    f(I8, 4, ANY),  // isolation_level
    f(I32, 7, ANY), // session_id
    f(I32, 7, ANY), // session_epoch
    f(Array(FETCH_TOPIC), 0, ANY),
    f(Array(FORGOTTEN_TOPIC), 7, ANY),
    f(Str, 11, ANY), // rack_id
];
const LIST_OFFSETS_PARTITION: &[Field] = &[
    f(I32, 0, ANY),
    f(I32, 4, ANY), // current_leader_epoch
    f(I64, 0, ANY),
    f(I32, 0, 0), // max_num_offsets
];
const LIST_OFFSETS_TOPIC: &[Field] = &[f(Str, 0, ANY), f(Array(LIST_OFFSETS_PARTITION), 0, ANY)];
const LIST_OFFSETS: &[Field] = &[
    f(I32, 0, ANY),
    f(I8, 2, ANY),
    f(Array(LIST_OFFSETS_TOPIC), 0, ANY),
    f(I32, 10, ANY),
];
const FIND_COORDINATOR: &[Field] = &[f(Str, 0, 3), f(I8, 1, ANY), f(ArrayStr, 4, ANY)];
const JOIN_PROTOCOL: &[Field] = &[f(Str, 0, ANY), f(Bytes, 0, ANY)];
const JOIN_GROUP: &[Field] = &[
    f(Str, 0, ANY),
    f(I32, 0, ANY),
    f(I32, 1, ANY),
    f(Str, 0, ANY),
    f(Str, 5, ANY), // group_instance_id
    f(Str, 0, ANY),
    f(Array(JOIN_PROTOCOL), 0, ANY),
    f(Str, 8, ANY), // reason
];
const SYNC_ASSIGNMENT: &[Field] = &[f(Str, 0, ANY), f(Bytes, 0, ANY)];
const SYNC_GROUP: &[Field] = &[
    f(Str, 0, ANY),
    f(I32, 0, ANY),
    f(Str, 0, ANY),
    f(Str, 3, ANY),
    f(Str, 5, ANY),
    f(Str, 5, ANY),
    f(Array(SYNC_ASSIGNMENT), 0, ANY),
];
const HEARTBEAT: &[Field] = &[
    f(Str, 0, ANY),
    f(I32, 0, ANY),
    f(Str, 0, ANY),
    f(Str, 3, ANY),
];
const LEAVE_MEMBER: &[Field] = &[f(Str, 0, ANY), f(Str, 0, ANY), f(Str, 5, ANY)];
const LEAVE_GROUP: &[Field] = &[f(Str, 0, ANY), f(Str, 0, 2), f(Array(LEAVE_MEMBER), 3, ANY)];
const COMMIT_PARTITION: &[Field] = &[
    f(I32, 0, ANY),
    f(I64, 0, ANY),
    f(I32, 6, ANY), // committed_leader_epoch
    f(I64, 1, 1),   // commit_timestamp
    f(Str, 0, ANY),
];
const COMMIT_TOPIC: &[Field] = &[f(Str, 0, ANY), f(Array(COMMIT_PARTITION), 0, ANY)];
const OFFSET_COMMIT: &[Field] = &[
    f(Str, 0, ANY),
    f(I32, 1, ANY),
    f(Str, 1, ANY),
    f(Str, 7, ANY),
    f(I64, 2, 4), // retention_time_ms
    f(Array(COMMIT_TOPIC), 0, ANY),
];
const OFFSET_FETCH_TOPIC: &[Field] = &[f(Str, 0, ANY), f(ArrayI32, 0, ANY)];
const OFFSET_FETCH_GROUP: &[Field] = &[
    f(Str, 8, ANY), // group_id
    f(Str, 9, ANY), // member_id
    f(I32, 9, ANY), // member_epoch
    f(Array(OFFSET_FETCH_TOPIC), 8, ANY),
];
const OFFSET_FETCH: &[Field] = &[
    f(Str, 0, 7),
    f(Array(OFFSET_FETCH_TOPIC), 0, 7),
    f(Array(OFFSET_FETCH_GROUP), 8, ANY), // v8: several groups
    f(I8, 7, ANY),                        // require_stable
];
const DESCRIBE_GROUPS: &[Field] = &[f(ArrayStr, 0, ANY), f(I8, 3, ANY)];
const LIST_GROUPS: &[Field] = &[f(ArrayStr, 4, ANY), f(ArrayStr, 5, ANY)];
const CREATE_ASSIGNMENT: &[Field] = &[f(I32, 0, ANY), f(ArrayI32, 0, ANY)];
const CREATE_CONFIG: &[Field] = &[f(Str, 0, ANY), f(Str, 0, ANY)];
const CREATE_TOPIC: &[Field] = &[
    f(Str, 0, ANY),
    f(I32, 0, ANY),
    f(I16, 0, ANY),
    f(Array(CREATE_ASSIGNMENT), 0, ANY),
    f(Array(CREATE_CONFIG), 0, ANY),
];
const CREATE_TOPICS: &[Field] = &[
    f(Array(CREATE_TOPIC), 0, ANY),
    f(I32, 0, ANY),
    f(I8, 1, ANY),
];
const DELETE_TOPICS: &[Field] = &[f(ArrayStr, 0, 5), f(I32, 0, ANY)];
const DELETE_RECORDS_PARTITION: &[Field] = &[f(I32, 0, ANY), f(I64, 0, ANY)];
const DELETE_RECORDS_TOPIC: &[Field] =
    &[f(Str, 0, ANY), f(Array(DELETE_RECORDS_PARTITION), 0, ANY)];
const DELETE_RECORDS: &[Field] = &[f(Array(DELETE_RECORDS_TOPIC), 0, ANY), f(I32, 0, ANY)];
const INIT_PRODUCER_ID: &[Field] = &[
    f(Str, 0, ANY),
    f(I32, 0, ANY),
    f(I64, 3, ANY),
    f(I16, 3, ANY),
];

const TXN_TOPIC: &[Field] = &[f(Str, 0, ANY), f(ArrayI32, 0, ANY)];
const ADD_PARTITIONS_TO_TXN: &[Field] = &[
    f(Str, 0, 3),
    f(I64, 0, 3),
    f(I16, 0, 3),
    f(Array(TXN_TOPIC), 0, 3),
];
const ADD_OFFSETS_TO_TXN: &[Field] = &[
    f(Str, 0, ANY),
    f(I64, 0, ANY),
    f(I16, 0, ANY),
    f(Str, 0, ANY),
];
const END_TXN: &[Field] = &[
    f(Str, 0, ANY),
    f(I64, 0, ANY),
    f(I16, 0, ANY),
    f(I8, 0, ANY),
];
const TXN_COMMIT_PARTITION: &[Field] = &[
    f(I32, 0, ANY),
    f(I64, 0, ANY),
    f(I32, 2, ANY), // committed_leader_epoch
    f(Str, 0, ANY),
];
const TXN_COMMIT_TOPIC: &[Field] = &[f(Str, 0, ANY), f(Array(TXN_COMMIT_PARTITION), 0, ANY)];
const TXN_OFFSET_COMMIT: &[Field] = &[
    f(Str, 0, ANY),
    f(Str, 0, ANY),
    f(I64, 0, ANY),
    f(I16, 0, ANY),
    f(I32, 3, ANY), // generation_id
    f(Str, 3, ANY), // member_id
    f(Str, 3, ANY), // group_instance_id
    f(Array(TXN_COMMIT_TOPIC), 0, ANY),
];
const DESCRIBE_CONFIGS_RESOURCE: &[Field] = &[f(I8, 0, ANY), f(Str, 0, ANY), f(ArrayStr, 0, ANY)];
const DESCRIBE_CONFIGS: &[Field] = &[
    f(Array(DESCRIBE_CONFIGS_RESOURCE), 0, ANY),
    f(I8, 1, ANY), // include_synonyms
    f(I8, 3, ANY), // include_documentation
];
const CREATE_PARTITIONS_ASSIGNMENT: &[Field] = &[f(ArrayI32, 0, ANY)];
const CREATE_PARTITIONS_TOPIC: &[Field] = &[
    f(Str, 0, ANY),
    f(I32, 0, ANY),
    f(Array(CREATE_PARTITIONS_ASSIGNMENT), 0, ANY),
];
const CREATE_PARTITIONS: &[Field] = &[
    f(Array(CREATE_PARTITIONS_TOPIC), 0, ANY),
    f(I32, 0, ANY),
    f(I8, 0, ANY), // validate_only
];
const ALTER_CONFIGS_ENTRY: &[Field] = &[f(Str, 0, ANY), f(Str, 0, ANY)];
const ALTER_CONFIGS_RESOURCE: &[Field] = &[
    f(I8, 0, ANY),
    f(Str, 0, ANY),
    f(Array(ALTER_CONFIGS_ENTRY), 0, ANY),
];
const ALTER_CONFIGS: &[Field] = &[
    f(Array(ALTER_CONFIGS_RESOURCE), 0, ANY),
    f(I8, 0, ANY), // validate_only
];
const INCREMENTAL_ENTRY: &[Field] = &[f(Str, 0, ANY), f(I8, 0, ANY), f(Str, 0, ANY)];
const INCREMENTAL_RESOURCE: &[Field] = &[
    f(I8, 0, ANY),
    f(Str, 0, ANY),
    f(Array(INCREMENTAL_ENTRY), 0, ANY),
];
const INCREMENTAL_ALTER_CONFIGS: &[Field] = &[
    f(Array(INCREMENTAL_RESOURCE), 0, ANY),
    f(I8, 0, ANY), // validate_only
];
const DELETE_GROUPS: &[Field] = &[f(ArrayStr, 0, ANY)];
const OFFSET_DELETE_PARTITION: &[Field] = &[f(I32, 0, ANY)];
const OFFSET_DELETE_TOPIC: &[Field] = &[f(Str, 0, ANY), f(Array(OFFSET_DELETE_PARTITION), 0, ANY)];
const OFFSET_DELETE: &[Field] = &[f(Str, 0, ANY), f(Array(OFFSET_DELETE_TOPIC), 0, ANY)];
const DESCRIBE_CLUSTER: &[Field] = &[
    f(I8, 0, ANY), // include_cluster_authorized_operations
    f(I8, 1, ANY), // endpoint_type
    f(I8, 2, ANY), // include_fenced_brokers
];
const CGH_TOPIC_PARTITIONS: &[Field] = &[f(Uuid, 0, ANY), f(ArrayI32, 0, ANY)];
const CONSUMER_GROUP_HEARTBEAT: &[Field] = &[
    f(Str, 0, ANY),      // group_id
    f(Str, 0, ANY),      // member_id
    f(I32, 0, ANY),      // member_epoch
    f(Str, 0, ANY),      // instance_id
    f(Str, 0, ANY),      // rack_id
    f(I32, 0, ANY),      // rebalance_timeout_ms
    f(ArrayStr, 0, ANY), // subscribed_topic_names
    f(Str, 1, ANY),      // subscribed_topic_regex
    f(Str, 0, ANY),      // server_assignor
    f(Array(CGH_TOPIC_PARTITIONS), 0, ANY),
];
const CONSUMER_GROUP_DESCRIBE: &[Field] = &[f(ArrayStr, 0, ANY), f(I8, 0, ANY)];

/// The layout of a served request and its first flexible version.
fn layout(api_key: ApiKey) -> Option<(&'static [Field], i16)> {
    Some(match api_key {
        ApiKey::ApiVersions => (API_VERSIONS, 3),
        ApiKey::Metadata => (METADATA, 9),
        ApiKey::Produce => (PRODUCE, 9),
        ApiKey::Fetch => (FETCH, 12),
        ApiKey::ListOffsets => (LIST_OFFSETS, 6),
        ApiKey::FindCoordinator => (FIND_COORDINATOR, 3),
        ApiKey::JoinGroup => (JOIN_GROUP, 6),
        ApiKey::SyncGroup => (SYNC_GROUP, 4),
        ApiKey::Heartbeat => (HEARTBEAT, 4),
        ApiKey::LeaveGroup => (LEAVE_GROUP, 4),
        ApiKey::OffsetCommit => (OFFSET_COMMIT, 8),
        ApiKey::OffsetFetch => (OFFSET_FETCH, 6),
        ApiKey::DescribeGroups => (DESCRIBE_GROUPS, 5),
        ApiKey::ListGroups => (LIST_GROUPS, 3),
        ApiKey::CreateTopics => (CREATE_TOPICS, 5),
        ApiKey::DeleteTopics => (DELETE_TOPICS, 4),
        ApiKey::DeleteRecords => (DELETE_RECORDS, 2),
        ApiKey::InitProducerId => (INIT_PRODUCER_ID, 2),
        ApiKey::AddPartitionsToTxn => (ADD_PARTITIONS_TO_TXN, 3),
        ApiKey::AddOffsetsToTxn => (ADD_OFFSETS_TO_TXN, 3),
        ApiKey::EndTxn => (END_TXN, 3),
        ApiKey::TxnOffsetCommit => (TXN_OFFSET_COMMIT, 3),
        ApiKey::DescribeConfigs => (DESCRIBE_CONFIGS, 4),
        ApiKey::CreatePartitions => (CREATE_PARTITIONS, 2),
        ApiKey::AlterConfigs => (ALTER_CONFIGS, 2),
        ApiKey::IncrementalAlterConfigs => (INCREMENTAL_ALTER_CONFIGS, 1),
        ApiKey::DeleteGroups => (DELETE_GROUPS, 2),
        ApiKey::OffsetDelete => (OFFSET_DELETE, ANY),
        ApiKey::DescribeCluster => (DESCRIBE_CLUSTER, 0),
        ApiKey::ConsumerGroupHeartbeat => (CONSUMER_GROUP_HEARTBEAT, 0),
        ApiKey::ConsumerGroupDescribe => (CONSUMER_GROUP_DESCRIBE, 0),
        _ => return None,
    })
}

/// An array count that cannot fit in what is left of the frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImpossibleCount {
    /// The count read.
    pub count: u64,
    /// Bytes left after it.
    pub remaining: usize,
}

/// The walk stops here (truncated or odd frame): leave the verdict to the decoder.
struct Stop;

struct Walk<'a> {
    buf: &'a [u8],
    pos: usize,
    flexible: bool,
    version: i16,
}

impl Walk<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], Stop> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|e| *e <= self.buf.len())
            .ok_or(Stop)?;
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    fn int(&mut self, n: usize) -> Result<i64, Stop> {
        let b = self.take(n)?;
        Ok(b.iter().fold(0i64, |acc, x| (acc << 8) | i64::from(*x))
            - if b[0] & 0x80 != 0 { 1i64 << (8 * n) } else { 0 })
    }

    /// An unsigned varint exactly as the crate reads it: at most 5 bytes, the value
    /// truncated to 32 bits (so the walk sees the same count the decoder will).
    fn uvarint(&mut self) -> Result<u64, Stop> {
        let mut value = 0u32;
        for i in 0..5 {
            let b = u32::from(self.take(1)?[0]);
            value |= (b & 0x7F).wrapping_shl(i * 7);
            if b < 0x80 {
                break;
            }
        }
        Ok(u64::from(value))
    }

    fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// A length-prefixed string or bytes: skip it.
    fn skip_sized(&mut self, wide: bool) -> Result<(), Stop> {
        let len = if self.flexible {
            self.uvarint()?.saturating_sub(1) as usize
        } else if wide {
            self.int(4)?.max(0) as usize
        } else {
            self.int(2)?.max(0) as usize
        };
        self.take(len).map(|_| ())
    }

    /// An array count, checked against the bytes left. `None` for a null array.
    fn count(&mut self) -> Result<Result<Option<u64>, ImpossibleCount>, Stop> {
        let count = if self.flexible {
            match self.uvarint()? {
                0 => return Ok(Ok(None)),
                n => n - 1,
            }
        } else {
            match self.int(4)? {
                n if n < 0 => return Ok(Ok(None)),
                n => n as u64,
            }
        };
        if count > self.remaining() as u64 {
            return Ok(Err(ImpossibleCount {
                count,
                remaining: self.remaining(),
            }));
        }
        Ok(Ok(Some(count)))
    }

    fn tagged_fields(&mut self) -> Result<(), Stop> {
        if self.flexible {
            for _ in 0..self.uvarint()? {
                let _tag = self.uvarint()?;
                let size = self.uvarint()? as usize;
                self.take(size)?;
            }
        }
        Ok(())
    }

    fn fields(&mut self, fields: &[Field]) -> Result<Result<(), ImpossibleCount>, Stop> {
        for field in fields {
            if self.version < field.min || self.version > field.max {
                continue;
            }
            match field.ty {
                I8 => drop(self.take(1)?),
                I16 => drop(self.take(2)?),
                I32 => drop(self.take(4)?),
                I64 => drop(self.take(8)?),
                Uuid => drop(self.take(16)?),
                Str => self.skip_sized(false)?,
                Bytes => self.skip_sized(true)?,
                Array(inner) => match self.count()? {
                    Err(e) => return Ok(Err(e)),
                    Ok(None) => {}
                    Ok(Some(n)) => {
                        for _ in 0..n {
                            if let Err(e) = self.fields(inner)? {
                                return Ok(Err(e));
                            }
                        }
                    }
                },
                ArrayI32 | ArrayStr => match self.count()? {
                    Err(e) => return Ok(Err(e)),
                    Ok(None) => {}
                    Ok(Some(n)) => {
                        for _ in 0..n {
                            if matches!(field.ty, ArrayI32) {
                                self.take(4)?;
                            } else {
                                self.skip_sized(false)?;
                            }
                        }
                    }
                },
            }
        }
        self.tagged_fields()?;
        Ok(Ok(()))
    }
}

/// Check the body of a request (after its header) for impossible array counts.
pub fn check(api_key: ApiKey, version: i16, body: &[u8]) -> Result<(), ImpossibleCount> {
    let Some((fields, flexible_from)) = layout(api_key) else {
        return Ok(());
    };
    let mut walk = Walk {
        buf: body,
        pos: 0,
        flexible: version >= flexible_from,
        version,
    };
    match walk.fields(fields) {
        Ok(result) => result,
        Err(Stop) => Ok(()),
    }
}

/// How many bytes of `body` the walk reads (tests: it must be all of them).
#[cfg(test)]
fn walked(api_key: ApiKey, version: i16, body: &[u8]) -> Option<usize> {
    let (fields, flexible_from) = layout(api_key)?;
    let mut walk = Walk {
        buf: body,
        pos: 0,
        flexible: version >= flexible_from,
        version,
    };
    match walk.fields(fields) {
        Ok(Ok(())) => Some(walk.pos),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::{Bytes as B, BytesMut};
    use kafka_protocol::messages::*;
    use kafka_protocol::protocol::StrBytes;

    fn s(x: &str) -> StrBytes {
        StrBytes::from_string(x.to_string())
    }

    fn t(x: &str) -> TopicName {
        TopicName(s(x))
    }

    /// Every served request, with every array holding two elements and every optional
    /// string set, so that the walk has something to get wrong.
    fn populated(api_key: ApiKey, v: i16) -> RequestKind {
        use kafka_protocol::messages::*;
        match api_key {
            ApiKey::ApiVersions => RequestKind::ApiVersions(if v >= 3 {
                ApiVersionsRequest::default()
                    .with_client_software_name(s("a"))
                    .with_client_software_version(s("1"))
            } else {
                ApiVersionsRequest::default()
            }),
            ApiKey::Metadata => {
                RequestKind::Metadata(MetadataRequest::default().with_topics(Some(vec![
                    metadata_request::MetadataRequestTopic::default().with_name(Some(t("x"))),
                    metadata_request::MetadataRequestTopic::default().with_name(Some(t("yy"))),
                ])))
            }
            ApiKey::Produce => {
                let p = produce_request::PartitionProduceData::default()
                    .with_index(1)
                    .with_records(Some(B::from_static(b"abc")));
                let topic = produce_request::TopicProduceData::default()
                    .with_name(t("x"))
                    .with_partition_data(vec![p.clone(), p]);
                RequestKind::Produce(
                    ProduceRequest::default()
                        .with_transactional_id(None)
                        .with_topic_data(vec![topic.clone(), topic]),
                )
            }
            ApiKey::Fetch => {
                let p = fetch_request::FetchPartition::default().with_partition(2);
                let topic = fetch_request::FetchTopic::default()
                    .with_topic(t("x"))
                    .with_partitions(vec![p.clone(), p]);
                let forgotten = fetch_request::ForgottenTopic::default()
                    .with_topic(t("y"))
                    .with_partitions(vec![1, 2]);
                let mut r = FetchRequest::default().with_topics(vec![topic.clone(), topic]);
                if v >= 7 {
                    r = r.with_forgotten_topics_data(vec![forgotten.clone(), forgotten]);
                }
                if v >= 11 {
                    r = r.with_rack_id(s("rack"));
                }
                if v >= 12 {
                    r = r.with_cluster_id(Some(s("c")));
                }
                RequestKind::Fetch(r)
            }
            ApiKey::ListOffsets => {
                let p = list_offsets_request::ListOffsetsPartition::default().with_timestamp(-1);
                let topic = list_offsets_request::ListOffsetsTopic::default()
                    .with_name(t("x"))
                    .with_partitions(vec![p.clone(), p]);
                RequestKind::ListOffsets(
                    ListOffsetsRequest::default().with_topics(vec![topic.clone(), topic]),
                )
            }
            ApiKey::FindCoordinator => RequestKind::FindCoordinator(if v >= 4 {
                FindCoordinatorRequest::default().with_coordinator_keys(vec![s("a"), s("bb")])
            } else {
                FindCoordinatorRequest::default().with_key(s("g"))
            }),
            ApiKey::JoinGroup => {
                let p = join_group_request::JoinGroupRequestProtocol::default()
                    .with_name(s("range"))
                    .with_metadata(B::from_static(b"meta"));
                RequestKind::JoinGroup(
                    JoinGroupRequest::default()
                        .with_group_id(GroupId(s("g")))
                        .with_member_id(s("m"))
                        .with_group_instance_id((v >= 5).then(|| s("i")))
                        .with_protocol_type(s("consumer"))
                        .with_protocols(vec![p.clone(), p]),
                )
            }
            ApiKey::SyncGroup => {
                let a = sync_group_request::SyncGroupRequestAssignment::default()
                    .with_member_id(s("m"))
                    .with_assignment(B::from_static(b"as"));
                RequestKind::SyncGroup(
                    SyncGroupRequest::default()
                        .with_group_id(GroupId(s("g")))
                        .with_member_id(s("m"))
                        .with_group_instance_id((v >= 3).then(|| s("i")))
                        .with_protocol_type((v >= 5).then(|| s("consumer")))
                        .with_protocol_name((v >= 5).then(|| s("range")))
                        .with_assignments(vec![a.clone(), a]),
                )
            }
            ApiKey::Heartbeat => RequestKind::Heartbeat(
                HeartbeatRequest::default()
                    .with_group_id(GroupId(s("g")))
                    .with_member_id(s("m"))
                    .with_group_instance_id((v >= 3).then(|| s("i"))),
            ),
            ApiKey::LeaveGroup => {
                let m = leave_group_request::MemberIdentity::default()
                    .with_member_id(s("m"))
                    .with_group_instance_id(Some(s("i")));
                let r = LeaveGroupRequest::default().with_group_id(GroupId(s("g")));
                RequestKind::LeaveGroup(if v >= 3 {
                    r.with_members(vec![m.clone(), m])
                } else {
                    r.with_member_id(s("m"))
                })
            }
            ApiKey::OffsetCommit => {
                let p = offset_commit_request::OffsetCommitRequestPartition::default()
                    .with_committed_metadata(Some(s("meta")));
                let topic = offset_commit_request::OffsetCommitRequestTopic::default()
                    .with_name(t("x"))
                    .with_partitions(vec![p.clone(), p]);
                RequestKind::OffsetCommit(
                    OffsetCommitRequest::default()
                        .with_group_id(GroupId(s("g")))
                        .with_member_id(s("m"))
                        .with_group_instance_id((v >= 7).then(|| s("i")))
                        .with_topics(vec![topic.clone(), topic]),
                )
            }
            ApiKey::OffsetFetch if v >= 8 => {
                let topic = offset_fetch_request::OffsetFetchRequestTopics::default()
                    .with_name(t("x"))
                    .with_partition_indexes(vec![0, 1]);
                let group = offset_fetch_request::OffsetFetchRequestGroup::default()
                    .with_group_id(GroupId(s("g")))
                    .with_member_id((v >= 9).then(|| s("m")))
                    .with_member_epoch(3)
                    .with_topics(Some(vec![topic.clone(), topic]));
                RequestKind::OffsetFetch(
                    OffsetFetchRequest::default()
                        .with_groups(vec![group.clone(), group.with_topics(None)])
                        .with_require_stable(true),
                )
            }
            ApiKey::OffsetFetch => {
                let topic = offset_fetch_request::OffsetFetchRequestTopic::default()
                    .with_name(t("x"))
                    .with_partition_indexes(vec![0, 1]);
                RequestKind::OffsetFetch(
                    OffsetFetchRequest::default()
                        .with_group_id(GroupId(s("g")))
                        .with_topics(Some(vec![topic.clone(), topic])),
                )
            }
            ApiKey::DescribeGroups => RequestKind::DescribeGroups(
                DescribeGroupsRequest::default()
                    .with_groups(vec![GroupId(s("a")), GroupId(s("b"))]),
            ),
            ApiKey::ListGroups => RequestKind::ListGroups(if v >= 4 {
                ListGroupsRequest::default().with_states_filter(vec![s("Stable"), s("Empty")])
            } else {
                ListGroupsRequest::default()
            }),
            ApiKey::CreateTopics => {
                let a = create_topics_request::CreatableReplicaAssignment::default()
                    .with_broker_ids(vec![BrokerId(1), BrokerId(2)]);
                let c = create_topics_request::CreatableTopicConfig::default()
                    .with_name(s("retention.ms"))
                    .with_value(Some(s("1")));
                let topic = create_topics_request::CreatableTopic::default()
                    .with_name(t("x"))
                    .with_assignments(vec![a.clone(), a])
                    .with_configs(vec![c.clone(), c]);
                RequestKind::CreateTopics(
                    CreateTopicsRequest::default().with_topics(vec![topic.clone(), topic]),
                )
            }
            ApiKey::DeleteTopics => RequestKind::DeleteTopics(
                DeleteTopicsRequest::default().with_topic_names(vec![t("x"), t("yy")]),
            ),
            ApiKey::DeleteRecords => {
                let p = delete_records_request::DeleteRecordsPartition::default().with_offset(3);
                let topic = delete_records_request::DeleteRecordsTopic::default()
                    .with_name(t("x"))
                    .with_partitions(vec![p.clone(), p]);
                RequestKind::DeleteRecords(
                    DeleteRecordsRequest::default().with_topics(vec![topic.clone(), topic]),
                )
            }
            ApiKey::InitProducerId => RequestKind::InitProducerId(
                InitProducerIdRequest::default()
                    .with_transactional_id(Some(TransactionalId(s("t")))),
            ),
            ApiKey::AddPartitionsToTxn => {
                let topic = add_partitions_to_txn_request::AddPartitionsToTxnTopic::default()
                    .with_name(t("x"))
                    .with_partitions(vec![0, 1]);
                RequestKind::AddPartitionsToTxn(
                    AddPartitionsToTxnRequest::default()
                        .with_v3_and_below_transactional_id(TransactionalId(s("t")))
                        .with_v3_and_below_topics(vec![topic.clone(), topic]),
                )
            }
            ApiKey::AddOffsetsToTxn => RequestKind::AddOffsetsToTxn(
                AddOffsetsToTxnRequest::default()
                    .with_transactional_id(TransactionalId(s("t")))
                    .with_group_id(GroupId(s("g"))),
            ),
            ApiKey::EndTxn => RequestKind::EndTxn(
                EndTxnRequest::default()
                    .with_transactional_id(TransactionalId(s("t")))
                    .with_committed(true),
            ),
            ApiKey::TxnOffsetCommit => {
                let p = txn_offset_commit_request::TxnOffsetCommitRequestPartition::default()
                    .with_committed_metadata(Some(s("meta")));
                let topic = txn_offset_commit_request::TxnOffsetCommitRequestTopic::default()
                    .with_name(t("x"))
                    .with_partitions(vec![p.clone(), p]);
                let r = TxnOffsetCommitRequest::default()
                    .with_transactional_id(TransactionalId(s("t")))
                    .with_group_id(GroupId(s("g")))
                    .with_topics(vec![topic.clone(), topic]);
                RequestKind::TxnOffsetCommit(if v >= 3 {
                    r.with_member_id(s("m"))
                        .with_group_instance_id(Some(s("i")))
                } else {
                    r
                })
            }
            ApiKey::DescribeConfigs => {
                let r = describe_configs_request::DescribeConfigsResource::default()
                    .with_resource_type(2)
                    .with_resource_name(s("x"))
                    .with_configuration_keys(Some(vec![s("retention.ms"), s("segment.ms")]));
                RequestKind::DescribeConfigs(
                    DescribeConfigsRequest::default()
                        .with_resources(vec![r.clone(), r])
                        .with_include_synonyms(true),
                )
            }
            ApiKey::CreatePartitions => {
                let a = create_partitions_request::CreatePartitionsAssignment::default()
                    .with_broker_ids(vec![BrokerId(1), BrokerId(2)]);
                let topic = create_partitions_request::CreatePartitionsTopic::default()
                    .with_name(t("x"))
                    .with_count(3)
                    .with_assignments(Some(vec![a.clone(), a]));
                RequestKind::CreatePartitions(
                    CreatePartitionsRequest::default()
                        .with_topics(vec![topic.clone(), topic])
                        .with_validate_only(true),
                )
            }
            ApiKey::AlterConfigs => {
                let c = alter_configs_request::AlterableConfig::default()
                    .with_name(s("retention.ms"))
                    .with_value(Some(s("1")));
                let r = alter_configs_request::AlterConfigsResource::default()
                    .with_resource_type(2)
                    .with_resource_name(s("x"))
                    .with_configs(vec![c.clone(), c]);
                RequestKind::AlterConfigs(
                    AlterConfigsRequest::default()
                        .with_resources(vec![r.clone(), r])
                        .with_validate_only(true),
                )
            }
            ApiKey::IncrementalAlterConfigs => {
                let c = incremental_alter_configs_request::AlterableConfig::default()
                    .with_name(s("cleanup.policy"))
                    .with_config_operation(2)
                    .with_value(Some(s("compact")));
                let r = incremental_alter_configs_request::AlterConfigsResource::default()
                    .with_resource_type(2)
                    .with_resource_name(s("x"))
                    .with_configs(vec![c.clone(), c]);
                RequestKind::IncrementalAlterConfigs(
                    IncrementalAlterConfigsRequest::default()
                        .with_resources(vec![r.clone(), r])
                        .with_validate_only(true),
                )
            }
            ApiKey::DeleteGroups => RequestKind::DeleteGroups(
                DeleteGroupsRequest::default()
                    .with_groups_names(vec![GroupId(s("a")), GroupId(s("bb"))]),
            ),
            ApiKey::OffsetDelete => {
                let p = offset_delete_request::OffsetDeleteRequestPartition::default()
                    .with_partition_index(3);
                let topic = offset_delete_request::OffsetDeleteRequestTopic::default()
                    .with_name(t("x"))
                    .with_partitions(vec![p.clone(), p]);
                RequestKind::OffsetDelete(
                    OffsetDeleteRequest::default()
                        .with_group_id(GroupId(s("g")))
                        .with_topics(vec![topic.clone(), topic]),
                )
            }
            ApiKey::ConsumerGroupHeartbeat => {
                let tp = consumer_group_heartbeat_request::TopicPartitions::default()
                    .with_partitions(vec![0, 1]);
                RequestKind::ConsumerGroupHeartbeat(
                    ConsumerGroupHeartbeatRequest::default()
                        .with_group_id(GroupId(s("g")))
                        .with_member_id(s("m"))
                        .with_instance_id(Some(s("i")))
                        .with_rack_id(Some(s("r")))
                        .with_subscribed_topic_names(Some(vec![t("x"), t("y")]))
                        .with_subscribed_topic_regex((v >= 1).then(|| s("x.*")))
                        .with_server_assignor(Some(s("uniform")))
                        .with_topic_partitions(Some(vec![tp.clone(), tp])),
                )
            }
            ApiKey::ConsumerGroupDescribe => RequestKind::ConsumerGroupDescribe(
                ConsumerGroupDescribeRequest::default()
                    .with_group_ids(vec![GroupId(s("a")), GroupId(s("b"))])
                    .with_include_authorized_operations(true),
            ),
            ApiKey::DescribeCluster => RequestKind::DescribeCluster(
                DescribeClusterRequest::default().with_include_cluster_authorized_operations(true),
            ),
            other => panic!("no sample for {other:?}"),
        }
    }

    #[test]
    fn the_walk_reads_every_served_version_of_every_request_to_its_end() {
        for (api_key, range) in super::super::SUPPORTED {
            for version in range.min..=range.max {
                let request = populated(*api_key, version);
                let mut body = BytesMut::new();
                request
                    .encode(&mut body, version)
                    .unwrap_or_else(|e| panic!("{api_key:?} v{version} encodes: {e}"));
                assert_eq!(
                    walked(*api_key, version, &body),
                    Some(body.len()),
                    "{api_key:?} v{version}: the layout must match the crate's encoding"
                );
                assert_eq!(check(*api_key, version, &body), Ok(()));
            }
        }
    }

    #[test]
    fn an_impossible_array_count_is_refused_before_decoding() {
        // Metadata v4: topics array with i32::MAX entries, then 8 bytes.
        let mut body = i32::MAX.to_be_bytes().to_vec();
        body.extend_from_slice(&[0; 8]);
        assert_eq!(
            check(ApiKey::Metadata, 4, &body),
            Err(ImpossibleCount {
                count: i32::MAX as u64,
                remaining: 8
            })
        );
        // Flexible: a compact array claiming 2^28 entries.
        let body = [0x80, 0x80, 0x80, 0x80, 0x01, 0, 0];
        assert!(check(ApiKey::Metadata, 12, &body).is_err());
        // Nested: Produce v3 with one topic whose partition array is huge.
        let mut body = vec![0xFF, 0xFF, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, b'x'];
        body.extend_from_slice(&0x4000_0000i32.to_be_bytes());
        assert!(check(ApiKey::Produce, 3, &body).is_err());
        // A truncated frame is left to the decoder.
        assert_eq!(check(ApiKey::Produce, 3, &body[..5]), Ok(()));
    }
}
