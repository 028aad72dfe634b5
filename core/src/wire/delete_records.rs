//! DeleteRecords (key 21): raise a partition's log start offset by hand.
//!
//! Records below the new log start offset can no longer be read; a consumer whose position
//! falls below it gets `OFFSET_OUT_OF_RANGE` and applies `auto.offset.reset`. Offset -1
//! means "up to the high watermark" (empty the partition).

use kafka_protocol::messages::delete_records_response::{
    DeleteRecordsPartitionResult, DeleteRecordsTopicResult,
};
use kafka_protocol::messages::{DeleteRecordsRequest, DeleteRecordsResponse, ResponseKind};
use kafka_protocol::protocol::VersionRange;

use super::{Ctx, Reply};
use crate::log::StorageProvider;

/// v0..v2: v2 is the first flexible version.
pub const VERSIONS: VersionRange = VersionRange { min: 0, max: 2 };

pub(super) fn handle<P: StorageProvider>(
    ctx: &mut Ctx<'_, P>,
    request: DeleteRecordsRequest,
    _version: i16,
) -> Reply {
    let topics = request
        .topics
        .into_iter()
        .map(|t| {
            let partitions = t
                .partitions
                .iter()
                .map(|p| {
                    let r = DeleteRecordsPartitionResult::default()
                        .with_partition_index(p.partition_index);
                    match ctx.broker.delete_records(
                        t.name.as_str(),
                        p.partition_index,
                        p.offset,
                        ctx.now,
                    ) {
                        Ok(low) => r.with_low_watermark(low),
                        Err(e) => r.with_low_watermark(-1).with_error_code(e.code()),
                    }
                })
                .collect();
            DeleteRecordsTopicResult::default()
                .with_name(t.name)
                .with_partitions(partitions)
        })
        .collect();
    Reply::Now(ResponseKind::DeleteRecords(
        DeleteRecordsResponse::default().with_topics(topics),
    ))
}
