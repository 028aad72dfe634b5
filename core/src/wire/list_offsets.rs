//! ListOffsets (key 2): turn "earliest", "latest" or a timestamp into an offset.
//!
//! A consumer with no committed offset asks this to apply `auto.offset.reset`: timestamp
//! -2 is the log start offset (`earliest`), -1 the log end offset (`latest`). Any other
//! timestamp finds the first record at or after it (`offsetsForTimes`, kcat `-o s@<ts>`);
//! -3 (v7) the record with the largest timestamp.
//!
//! From v2 the request says the consumer's isolation level: for a `read_committed`
//! consumer `latest` is the last stable offset, where its reading would stop, not the log
//! end (an open transaction's records are not its to skip).

use kafka_protocol::messages::list_offsets_response::{
    ListOffsetsPartitionResponse, ListOffsetsTopicResponse,
};
use kafka_protocol::messages::{ListOffsetsRequest, ListOffsetsResponse, ResponseKind};
use kafka_protocol::protocol::VersionRange;

use super::{Ctx, Reply};
use crate::broker::OffsetSpec;
use crate::log::{IsolationLevel, StorageProvider};

/// v1..v7: v1 is the oldest the crate decodes; v6 is the first flexible version; v7 adds
/// the max-timestamp query (-3, KIP-734). -3 at an older version is `UNSUPPORTED_VERSION`,
/// as in Kafka.
pub const VERSIONS: VersionRange = VersionRange { min: 1, max: 7 };

pub(super) fn handle<P: StorageProvider>(
    ctx: &mut Ctx<'_, P>,
    request: ListOffsetsRequest,
    version: i16,
) -> Reply {
    let isolation = IsolationLevel::from_kafka(request.isolation_level);
    let topics = request
        .topics
        .into_iter()
        .map(|topic| {
            let partitions = topic
                .partitions
                .iter()
                .map(|p| {
                    let spec = OffsetSpec::from_kafka(p.timestamp).and_then(|spec| match spec {
                        OffsetSpec::MaxTimestamp if version < 7 => {
                            Err(crate::KafkaError::UnsupportedVersion)
                        }
                        spec => Ok(spec),
                    });
                    let result = spec.and_then(|spec| {
                        ctx.broker.list_offset_isolated(
                            topic.name.as_str(),
                            p.partition_index,
                            spec,
                            isolation,
                        )
                    });
                    let answer = ListOffsetsPartitionResponse::default()
                        .with_partition_index(p.partition_index);
                    match result {
                        Ok((offset, timestamp)) => {
                            answer.with_offset(offset).with_timestamp(timestamp)
                        }
                        Err(e) => answer
                            .with_error_code(e.code())
                            .with_offset(-1)
                            .with_timestamp(-1),
                    }
                })
                .collect();
            ListOffsetsTopicResponse::default()
                .with_name(topic.name)
                .with_partitions(partitions)
        })
        .collect();
    Reply::Now(ResponseKind::ListOffsets(
        ListOffsetsResponse::default().with_topics(topics),
    ))
}
