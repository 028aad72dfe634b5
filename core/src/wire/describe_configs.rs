//! DescribeConfigs (key 32): a topic's configs, or the broker's, each with its source.
//!
//! A topic's configs are the log settings minikafka implements (`cleanup.policy`,
//! `retention.bytes`, `retention.ms`, `segment.bytes`, `segment.ms`). A value that differs
//! from the broker's default is reported as a topic override (`DYNAMIC_TOPIC_CONFIG`), one
//! that equals it as `DEFAULT_CONFIG`: the broker keeps the topic's effective settings,
//! not which of them were given at creation. A broker resource (type 4, named by its node
//! id) answers with those defaults under Kafka's broker names (`log.retention.ms`, ...)
//! plus `num.partitions` and `auto.create.topics.enable`. `configuration_keys` narrows the
//! answer, as in Kafka (null or empty: every config). An unknown topic is `UNKNOWN_TOPIC_OR_PARTITION`; any other
//! resource type is `INVALID_REQUEST`.

use kafka_protocol::messages::describe_configs_response::{
    DescribeConfigsResourceResult, DescribeConfigsResult,
};
use kafka_protocol::messages::{DescribeConfigsRequest, DescribeConfigsResponse, ResponseKind};
use kafka_protocol::protocol::VersionRange;

use super::{text, Ctx, Reply};
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

// Kafka's `ConfigType`, reported from v3.
const BOOLEAN: i8 = 1;
const INT: i8 = 3;
const LONG: i8 = 5;
const LIST: i8 = 7;

/// A config entry: name, value, type.
type Entry = (&'static str, String, i8);

/// A log config as topic configs, sorted by name. `-1` is Kafka's "no limit".
pub fn topic_configs(config: &LogConfig) -> Vec<Entry> {
    let opt = |v: Option<i64>| v.map_or("-1".to_string(), |v| v.to_string());
    vec![
        ("cleanup.policy", "delete".into(), LIST),
        (
            "retention.bytes",
            opt(config.retention_bytes.map(|b| b as i64)),
            LONG,
        ),
        ("retention.ms", opt(config.retention_ms), LONG),
        ("segment.bytes", config.segment_bytes.to_string(), INT),
        ("segment.ms", opt(config.segment_ms), LONG),
    ]
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
                    Some(topic) => {
                        let defaults = topic_configs(&ctx.broker.config().log);
                        Ok(topic_configs(&topic.config)
                            .into_iter()
                            .zip(defaults)
                            .map(|(entry, default)| {
                                let source = if entry.1 == default.1 {
                                    SOURCE_DEFAULT
                                } else {
                                    SOURCE_TOPIC
                                };
                                (entry, source, false)
                            })
                            .collect::<Vec<_>>())
                    }
                    None => Err((
                        KafkaError::UnknownTopicOrPartition,
                        format!("topic '{name}' does not exist"),
                    )),
                },
                RESOURCE_BROKER
                    if name.is_empty() || name == ctx.broker.config().node_id.to_string() =>
                {
                    let config = ctx.broker.config();
                    let mut entries: Vec<_> = topic_configs(&config.log)
                        .into_iter()
                        .map(|(key, value, ty)| {
                            let key = match key {
                                "cleanup.policy" => "log.cleanup.policy",
                                "retention.bytes" => "log.retention.bytes",
                                "retention.ms" => "log.retention.ms",
                                "segment.bytes" => "log.segment.bytes",
                                _ => "log.roll.ms",
                            };
                            ((key, value, ty), SOURCE_STATIC_BROKER, true)
                        })
                        .collect();
                    entries.push((
                        (
                            "auto.create.topics.enable",
                            config.auto_create_topics.to_string(),
                            BOOLEAN,
                        ),
                        SOURCE_STATIC_BROKER,
                        true,
                    ));
                    entries.push((
                        ("num.partitions", config.num_partitions.to_string(), INT),
                        SOURCE_STATIC_BROKER,
                        true,
                    ));
                    entries.sort_by_key(|((key, _, _), _, _)| *key);
                    Ok(entries)
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
