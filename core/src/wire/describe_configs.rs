//! DescribeConfigs (key 32): a topic's configs, or the broker's, each with its source.
//!
//! A topic's configs are the ones in `topic_config.rs` (`cleanup.policy`,
//! `compression.type`, `delete.retention.ms`, `max.message.bytes`,
//! `message.format.version`, `retention.bytes`, `retention.ms`, `segment.bytes`,
//! `segment.ms`). One set on the topic is reported as a topic override
//! (`DYNAMIC_TOPIC_CONFIG`), one inherited as `DEFAULT_CONFIG`; the broker keeps a topic's
//! effective settings, so a value equal to the broker's default reads as the default
//! (`max.message.bytes` and `message.format.version` remember whether they were set). A
//! broker resource (type 4, named by its node id) answers with those defaults under
//! Kafka's broker names (`log.retention.ms`, `message.max.bytes`, ...) plus
//! `num.partitions` and `auto.create.topics.enable`, all read-only: minikafka has no
//! dynamic broker configs. `configuration_keys` narrows the answer, as in Kafka (null or
//! empty: every config). An unknown topic is `UNKNOWN_TOPIC_OR_PARTITION`; any other
//! resource type is `INVALID_REQUEST`.

use kafka_protocol::messages::describe_configs_response::{
    DescribeConfigsResourceResult, DescribeConfigsResult,
};
use kafka_protocol::messages::{DescribeConfigsRequest, DescribeConfigsResponse, ResponseKind};
use kafka_protocol::protocol::VersionRange;

use super::topic_config::{self, BOOLEAN, INT, KNOWN};
use super::{text, Ctx, Reply};
use crate::broker::BrokerConfig;
use crate::log::{LogConfig, StorageProvider};
use crate::KafkaError;

/// v1..v4: v1 is the oldest the crate decodes, v4 is the first flexible version.
pub const VERSIONS: VersionRange = VersionRange { min: 1, max: 4 };

/// Kafka's resource types.
pub const RESOURCE_TOPIC: i8 = 2;
/// Kafka's resource types.
pub const RESOURCE_BROKER: i8 = 4;

/// Kafka's `ConfigSource`: a topic override.
pub const SOURCE_TOPIC: i8 = 1;
/// Kafka's `ConfigSource`: the broker's static setting.
pub const SOURCE_STATIC_BROKER: i8 = 4;
/// Kafka's `ConfigSource`: the default.
pub const SOURCE_DEFAULT: i8 = 5;

/// A config entry: name, value, type.
type Entry = (&'static str, String, i8);

/// A topic's configs, sorted by name, each with its source.
pub fn topic_configs(config: &LogConfig, broker: &BrokerConfig) -> Vec<(Entry, i8)> {
    KNOWN
        .iter()
        .map(|known| {
            let value = topic_config::value(config, broker.message_max_bytes, known.name)
                .unwrap_or_default();
            let source = if topic_config::is_override(config, &broker.log, known.name) {
                SOURCE_TOPIC
            } else {
                SOURCE_DEFAULT
            };
            ((known.name, value, known.ty), source)
        })
        .collect()
}

/// The broker's configs, sorted by name: the topic defaults under their broker names, plus
/// `auto.create.topics.enable` and `num.partitions`.
pub fn broker_configs(config: &BrokerConfig) -> Vec<Entry> {
    let mut entries: Vec<Entry> = KNOWN
        .iter()
        .map(|known| {
            let value = topic_config::value(&config.log, config.message_max_bytes, known.name)
                .unwrap_or_default();
            (known.broker_name, value, known.ty)
        })
        .collect();
    entries.push((
        "auto.create.topics.enable",
        config.auto_create_topics.to_string(),
        BOOLEAN,
    ));
    entries.push(("num.partitions", config.num_partitions.to_string(), INT));
    entries.sort_by_key(|(key, _, _)| *key);
    entries
}

pub(super) fn handle<P: StorageProvider>(
    ctx: &mut Ctx<'_, P>,
    request: DescribeConfigsRequest,
    version: i16,
) -> Reply {
    let results = request
        .resources
        .into_iter()
        .map(|resource| {
            let name = resource.resource_name.to_string();
            let result = DescribeConfigsResult::default()
                .with_resource_type(resource.resource_type)
                .with_resource_name(resource.resource_name.clone());
            let entries = match resource.resource_type {
                RESOURCE_TOPIC => match ctx.broker.topic(&name) {
                    Some(topic) => Ok(topic_configs(&topic.config, ctx.broker.config())
                        .into_iter()
                        .map(|(entry, source)| (entry, source, false))
                        .collect::<Vec<_>>()),
                    None => Err((
                        KafkaError::UnknownTopicOrPartition,
                        format!("topic '{name}' does not exist"),
                    )),
                },
                RESOURCE_BROKER
                    if name.is_empty() || name == ctx.broker.config().node_id.to_string() =>
                {
                    Ok(broker_configs(ctx.broker.config())
                        .into_iter()
                        .map(|entry| (entry, SOURCE_STATIC_BROKER, true))
                        .collect())
                }
                RESOURCE_BROKER => Err((
                    KafkaError::InvalidRequest,
                    format!("broker '{name}' is not this broker"),
                )),
                other => Err((
                    KafkaError::InvalidRequest,
                    format!("resource type {other} is not supported (2: topic, 4: broker)"),
                )),
            };
            match entries {
                Ok(entries) => {
                    // Null or empty: every config (the crate's default is empty).
                    let wanted = resource
                        .configuration_keys
                        .as_ref()
                        .filter(|keys| !keys.is_empty());
                    let configs = entries
                        .into_iter()
                        .filter(|((key, _, _), _, _)| {
                            wanted.is_none_or(|keys| keys.iter().any(|k| k.as_str() == *key))
                        })
                        .map(|((key, value, ty), source, read_only)| {
                            let mut c = DescribeConfigsResourceResult::default()
                                .with_name(text(key))
                                .with_value(Some(text(&value)))
                                .with_read_only(read_only)
                                .with_config_source(source);
                            if version >= 3 {
                                c = c.with_config_type(ty);
                            }
                            c
                        })
                        .collect();
                    result.with_configs(configs)
                }
                Err((error, message)) => result
                    .with_error_code(error.code())
                    .with_error_message(Some(text(&message))),
            }
        })
        .collect();
    Reply::Now(ResponseKind::DescribeConfigs(
        DescribeConfigsResponse::default().with_results(results),
    ))
}
