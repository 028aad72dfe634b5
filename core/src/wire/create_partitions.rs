//! CreatePartitions (key 37): grow topics to a new partition count.
//!
//! The count is the new total, as in Kafka. A total not larger than the current count is
//! `INVALID_PARTITIONS` ("topic currently has 3 partitions, which is higher than the
//! requested 2", Kafka's wording); an unknown topic is `UNKNOWN_TOPIC_OR_PARTITION`. Manual
//! assignments are accepted when there is one per new partition, each naming this broker
//! alone (the only one there is); otherwise `INVALID_REQUEST`. `validate_only` checks and
//! changes nothing. A topic named twice in one request is `INVALID_REQUEST` for both, as
//! Kafka does.

use kafka_protocol::messages::create_partitions_response::CreatePartitionsTopicResult;
use kafka_protocol::messages::{CreatePartitionsRequest, CreatePartitionsResponse, ResponseKind};
use kafka_protocol::protocol::VersionRange;

use super::{text, Ctx, Reply};
use crate::log::StorageProvider;
use crate::topic::MAX_PARTITIONS;
use crate::KafkaError;

/// v0..v3: v2 is the first flexible version.
pub const VERSIONS: VersionRange = VersionRange { min: 0, max: 3 };

pub(super) fn handle<P: StorageProvider>(
    ctx: &mut Ctx<'_, P>,
    request: CreatePartitionsRequest,
    _version: i16,
) -> Reply {
    let names: Vec<String> = request.topics.iter().map(|t| t.name.to_string()).collect();
    let results = request
        .topics
        .into_iter()
        .map(|topic| {
            let name = topic.name.to_string();
            let duplicate = names.iter().filter(|n| **n == name).count() > 1;
            let outcome = if duplicate {
                Err((
                    KafkaError::InvalidRequest,
                    format!("topic '{name}' is named more than once"),
                ))
            } else {
                let assignments: Vec<Vec<i32>> = topic
                    .assignments
                    .iter()
                    .flatten()
                    .map(|a| a.broker_ids.iter().map(|b| b.0).collect())
                    .collect();
                check(ctx, &name, topic.count, &assignments).and_then(|()| {
                    if request.validate_only {
                        Ok(())
                    } else {
                        ctx.broker
                            .create_partitions(&name, topic.count, ctx.now)
                            .map_err(|e| (e, e.name().to_string()))
                    }
                })
            };
            let result = CreatePartitionsTopicResult::default().with_name(topic.name);
            match outcome {
                Ok(()) => result,
                Err((error, message)) => result
                    .with_error_code(error.code())
                    .with_error_message(Some(text(&message))),
            }
        })
        .collect();
    Reply::Now(ResponseKind::CreatePartitions(
        CreatePartitionsResponse::default().with_results(results),
    ))
}

fn check<P: StorageProvider>(
    ctx: &Ctx<'_, P>,
    name: &str,
    count: i32,
    assignments: &[Vec<i32>],
) -> Result<(), (KafkaError, String)> {
    let Some(topic) = ctx.broker.topic(name) else {
        return Err((
            KafkaError::UnknownTopicOrPartition,
            format!("topic '{name}' does not exist"),
        ));
    };
    let current = topic.partition_count();
    if count == current {
        return Err((
            KafkaError::InvalidPartitions,
            format!("topic '{name}' already has {current} partition(s)"),
        ));
    }
    if count < current {
        return Err((
            KafkaError::InvalidPartitions,
            format!(
                "topic '{name}' currently has {current} partition(s), which is higher than \
                 the requested {count}: partitions can be added, not removed"
            ),
        ));
    }
    if count > MAX_PARTITIONS {
        return Err((
            KafkaError::InvalidPartitions,
            format!("at most {MAX_PARTITIONS} partitions, {count} asked for"),
        ));
    }
    if assignments.is_empty() {
        return Ok(());
    }
    let added = count - current;
    if usize::try_from(added).ok() != Some(assignments.len()) {
        return Err((
            KafkaError::InvalidRequest,
            format!(
                "Increasing the number of partitions by {added} but {} assignments provided.",
                assignments.len()
            ),
        ));
    }
    let node = ctx.broker.config().node_id;
    if let Some(bad) = assignments.iter().find(|a| a.as_slice() != [node]) {
        return Err((
            KafkaError::InvalidRequest,
            format!("a new partition is assigned to brokers {bad:?}; the only broker is {node}"),
        ));
    }
    Ok(())
}
