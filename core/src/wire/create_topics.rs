//! CreateTopics (key 19): make topics with a partition count and topic configs.
//!
//! minikafka has one broker, so the replication factor must be 1 (or -1, "the default");
//! anything else is `INVALID_REPLICATION_FACTOR`, exactly what a one-broker Kafka answers.
//! Manual replica assignments are accepted when they place each partition on this broker
//! alone.
//! The topic configs minikafka knows (`topic_config.rs`: `cleanup.policy`,
//! `compression.type`, `delete.retention.ms`, `max.message.bytes`,
//! `message.format.version`, `retention.bytes`, `retention.ms`, `segment.bytes`,
//! `segment.ms`) are applied; any other config is refused with `INVALID_CONFIG` rather
//! than silently ignored.

use kafka_protocol::messages::create_topics_response::CreatableTopicResult;
use kafka_protocol::messages::{CreateTopicsRequest, CreateTopicsResponse, ResponseKind};
use kafka_protocol::protocol::VersionRange;
use uuid::Uuid;

use super::{text, Ctx, Reply};
use crate::log::LogConfig;
use crate::log::StorageProvider;
use crate::topic::validate_topic_name;
use crate::KafkaError;

/// v2..v5: v2 is the oldest the crate decodes, v5 is the first flexible version.
pub const VERSIONS: VersionRange = VersionRange { min: 2, max: 5 };

pub(super) fn handle<P: StorageProvider>(
    ctx: &mut Ctx<'_, P>,
    request: CreateTopicsRequest,
    _version: i16,
) -> Reply {
    let mut results = Vec::with_capacity(request.topics.len());
    for topic in request.topics {
        let name = topic.name.to_string();
        let partitions = if !topic.assignments.is_empty() {
            // Manual assignments name the partitions themselves (checked in `check`).
            i32::try_from(topic.assignments.len()).unwrap_or(i32::MAX)
        } else if topic.num_partitions == -1 {
            ctx.broker.config().num_partitions
        } else {
            topic.num_partitions
        };
        let outcome = check(ctx, &topic, partitions).and_then(|config| {
            if request.validate_only {
                Ok(())
            } else {
                ctx.broker
                    .create_topic(&name, partitions, Some(config), ctx.now)
                    .map_err(|e| (e, e.name().to_string()))
            }
        });
        let mut result = CreatableTopicResult::default()
            .with_name(topic.name.clone())
            .with_num_partitions(partitions)
            .with_replication_factor(1);
        match outcome {
            Ok(()) => {
                if let Some(t) = ctx.broker.topic(&name) {
                    result = result.with_topic_id(Uuid::from_bytes(t.topic_id));
                }
            }
            Err((error, message)) => {
                result = result
                    .with_error_code(error.code())
                    .with_error_message(Some(text(&message)))
                    .with_num_partitions(-1)
                    .with_replication_factor(-1);
            }
        }
        results.push(result);
    }
    Reply::Now(ResponseKind::CreateTopics(
        CreateTopicsResponse::default().with_topics(results),
    ))
}

type Refusal = (KafkaError, String);

fn check<P: StorageProvider>(
    ctx: &Ctx<'_, P>,
    topic: &kafka_protocol::messages::create_topics_request::CreatableTopic,
    partitions: i32,
) -> Result<LogConfig, Refusal> {
    let name = topic.name.as_str();
    validate_topic_name(name).map_err(|e| (e, format!("invalid topic name '{name}'")))?;
    if ctx.broker.topic(name).is_some() {
        return Err((
            KafkaError::TopicAlreadyExists,
            format!("topic '{name}' already exists"),
        ));
    }
    if partitions <= 0 {
        return Err((
            KafkaError::InvalidPartitions,
            format!("number of partitions must be at least 1, got {partitions}"),
        ));
    }
    if !matches!(topic.replication_factor, -1 | 1) {
        return Err((
            KafkaError::InvalidReplicationFactor,
            format!(
                "replication factor {} is larger than the number of brokers (1)",
                topic.replication_factor
            ),
        ));
    }
    if !topic.assignments.is_empty() {
        // As in Kafka: assignments replace the count and the replication factor, which
        // must then be -1; partitions are numbered from 0 without gaps. With one broker,
        // every partition's only replica is this broker.
        if topic.num_partitions != -1 || topic.replication_factor != -1 {
            return Err((
                KafkaError::InvalidRequest,
                "both numPartitions or replicationFactor and replicasAssignments were set; \
                 both cannot be used at the same time"
                    .into(),
            ));
        }
        let node = ctx.broker.config().node_id;
        let mut indexes: Vec<i32> = topic
            .assignments
            .iter()
            .map(|a| a.partition_index)
            .collect();
        indexes.sort_unstable();
        if indexes.iter().zip(0..).any(|(i, want)| *i != want) {
            return Err((
                KafkaError::InvalidRequest,
                "replica assignments must name partitions 0, 1, ... without gaps".into(),
            ));
        }
        if let Some(a) = topic
            .assignments
            .iter()
            .find(|a| a.broker_ids.iter().map(|b| b.0).ne([node]))
        {
            return Err((
                KafkaError::InvalidRequest,
                format!(
                    "partition {} is assigned to brokers {:?}; the only broker is {node}",
                    a.partition_index,
                    a.broker_ids.iter().map(|b| b.0).collect::<Vec<_>>()
                ),
            ));
        }
    }
    let mut config = ctx.broker.config().log.clone();
    for c in &topic.configs {
        let key = c.name.as_str();
        let value = c.value.as_ref().map(|v| v.as_str()).unwrap_or("");
        super::topic_config::set(&mut config, key, value)
            .map_err(|why| (KafkaError::InvalidConfig, format!("{key}={value}: {why}")))?;
    }
    Ok(config)
}
