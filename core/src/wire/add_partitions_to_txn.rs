//! AddPartitionsToTxn (key 24): "my transaction is about to write to these partitions".
//!
//! A transactional producer sends this before its first Produce to a partition in each
//! transaction, so that the coordinator knows where to write the commit or abort markers at
//! the end. The first partition added *begins* the transaction (`Empty` -> `Ongoing`). If any
//! partition does not exist none is added: it gets `UNKNOWN_TOPIC_OR_PARTITION` and the
//! others `OPERATION_NOT_ATTEMPTED`, as in Kafka.

use kafka_protocol::messages::add_partitions_to_txn_response::{
    AddPartitionsToTxnPartitionResult, AddPartitionsToTxnTopicResult,
};
use kafka_protocol::messages::{
    AddPartitionsToTxnRequest, AddPartitionsToTxnResponse, ResponseKind, TopicName,
};
use kafka_protocol::protocol::VersionRange;

use super::{fenced_before, text, Ctx, Reply};
use crate::log::StorageProvider;
use crate::txn::AddPartitionsToTxnRequest as CoreRequest;

/// v0..v3: librdkafka sends v0, kafkajs v1, kafka-python v3 (v2 knows `PRODUCER_FENCED`, v3
/// is the first flexible version). v4 is KIP-890's broker-to-broker batch form, with new
/// rules: not served.
pub const VERSIONS: VersionRange = VersionRange { min: 0, max: 3 };

pub(super) fn handle<P: StorageProvider>(
    ctx: &mut Ctx<'_, P>,
    request: AddPartitionsToTxnRequest,
    version: i16,
) -> Reply {
    let partitions = request
        .v3_and_below_topics
        .iter()
        .flat_map(|t| t.partitions.iter().map(|p| (t.name.to_string(), *p)))
        .collect();
    let results = ctx.broker.add_partitions_to_txn(
        CoreRequest {
            transactional_id: request.v3_and_below_transactional_id.to_string(),
            producer_id: request.v3_and_below_producer_id.0,
            producer_epoch: request.v3_and_below_producer_epoch,
            partitions,
        },
        ctx.now,
    );
    let mut topics: Vec<AddPartitionsToTxnTopicResult> = Vec::new();
    for (topic, partition, result) in results {
        let answer = AddPartitionsToTxnPartitionResult::default()
            .with_partition_index(partition)
            .with_partition_error_code(fenced_before(2, version, &result));
        match topics.iter_mut().find(|t| t.name.as_str() == topic) {
            Some(t) => t.results_by_partition.push(answer),
            None => topics.push(
                AddPartitionsToTxnTopicResult::default()
                    .with_name(TopicName(text(&topic)))
                    .with_results_by_partition(vec![answer]),
            ),
        }
    }
    Reply::Now(ResponseKind::AddPartitionsToTxn(
        AddPartitionsToTxnResponse::default().with_results_by_topic_v3_and_below(topics),
    ))
}
