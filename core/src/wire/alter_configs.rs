//! AlterConfigs (key 33): replace a topic's whole set of configs.
//!
//! This is the old, non-incremental API: the configs sent become the topic's overrides and
//! every config *not* sent goes back to the broker's default. That is why clients first
//! read the configs with DescribeConfigs and send them all back with the one they change
//! (librdkafka's `test_AlterConfigs_simple` does exactly that); IncrementalAlterConfigs
//! (`incremental_alter_configs.rs`) changes one config at a time instead.
//!
//! Kafka's answers, per resource:
//! - a topic that does not exist: `UNKNOWN_TOPIC_OR_PARTITION`;
//! - a config minikafka does not know (`topic_config.rs`) or a value it refuses:
//!   `INVALID_CONFIG`, and nothing of that resource changes;
//! - a config named twice: the last value wins, as in Kafka before 3.2 (3.2 and later
//!   answer `INVALID_REQUEST`). librdkafka's test helper names the changed config twice
//!   (once as read back, once with its new value) when it believes the broker is older
//!   than 3.2, which is its default belief; a config with a null value is ignored;
//! - a broker (type 4): minikafka has no dynamic broker configs, so changing any is
//!   `INVALID_REQUEST` ("Cannot update these configs dynamically", Kafka's words for a
//!   static config); an empty list changes nothing and succeeds. A broker id that is not
//!   this broker is `INVALID_REQUEST`;
//! - any other resource type: `INVALID_REQUEST`.
//!
//! `validate_only` checks everything and changes nothing.

use kafka_protocol::messages::alter_configs_response::AlterConfigsResourceResponse;
use kafka_protocol::messages::{AlterConfigsRequest, AlterConfigsResponse, ResponseKind};
use kafka_protocol::protocol::VersionRange;

use super::describe_configs::{RESOURCE_BROKER, RESOURCE_TOPIC};
use super::{text, topic_config, Ctx, Reply};
use crate::log::{LogConfig, StorageProvider};
use crate::KafkaError;

/// v0..v2: v2 is the first flexible version (and the last there is).
pub const VERSIONS: VersionRange = VersionRange { min: 0, max: 2 };

/// Why a resource was not changed: the error and its message.
pub(super) type Refusal = (KafkaError, String);

pub(super) fn handle<P: StorageProvider>(
    ctx: &mut Ctx<'_, P>,
    request: AlterConfigsRequest,
    _version: i16,
) -> Reply {
    let responses = request
        .resources
        .into_iter()
        .map(|resource| {
            let name = resource.resource_name.to_string();
            let configs: Vec<(String, String)> = resource
                .configs
                .iter()
                .filter_map(|c| Some((c.name.to_string(), c.value.as_ref()?.to_string())))
                .collect();
            let outcome = match resource.resource_type {
                RESOURCE_TOPIC => {
                    alter_topic(ctx, &name, request.validate_only, |config, defaults| {
                        // The whole set: start from the defaults, apply what was sent in order.
                        *config = defaults.clone();
                        for (key, value) in &configs {
                            topic_config::set(config, key, value).map_err(|why| {
                                (KafkaError::InvalidConfig, format!("{key}={value}: {why}"))
                            })?;
                        }
                        Ok(())
                    })
                }
                RESOURCE_BROKER => {
                    let keys: Vec<&str> = configs.iter().map(|(k, _)| k.as_str()).collect();
                    alter_broker(ctx, &name, &keys)
                }
                other => Err(unsupported_resource(other)),
            };
            let result = AlterConfigsResourceResponse::default()
                .with_resource_type(resource.resource_type)
                .with_resource_name(resource.resource_name);
            match outcome {
                Ok(()) => result,
                Err((error, message)) => result
                    .with_error_code(error.code())
                    .with_error_message(Some(text(&message))),
            }
        })
        .collect();
    Reply::Now(ResponseKind::AlterConfigs(
        AlterConfigsResponse::default().with_responses(responses),
    ))
}

/// Change topic `name`'s configs with `edit` (given the topic's configs and the broker's
/// defaults), unless `validate_only`. Nothing changes if `edit` refuses.
pub(super) fn alter_topic<P: StorageProvider>(
    ctx: &mut Ctx<'_, P>,
    name: &str,
    validate_only: bool,
    edit: impl FnOnce(&mut LogConfig, &LogConfig) -> Result<(), Refusal>,
) -> Result<(), Refusal> {
    let Some(topic) = ctx.broker.topic(name) else {
        return Err((
            KafkaError::UnknownTopicOrPartition,
            format!("topic '{name}' does not exist"),
        ));
    };
    let mut config = topic.config.clone();
    edit(&mut config, &ctx.broker.config().log)?;
    if validate_only {
        return Ok(());
    }
    ctx.broker
        .alter_topic_config(name, config)
        .map_err(|e| (e, e.name().to_string()))
}

/// A broker resource: this broker (or the cluster default, an empty name) with nothing to
/// change succeeds; any config is refused, none being dynamic here.
pub(super) fn alter_broker<P: StorageProvider>(
    ctx: &Ctx<'_, P>,
    name: &str,
    keys: &[&str],
) -> Result<(), Refusal> {
    let node = ctx.broker.config().node_id;
    if !name.is_empty() && name != node.to_string() {
        return Err((
            KafkaError::InvalidRequest,
            format!("unexpected broker id, expected {node} but received {name}"),
        ));
    }
    if keys.is_empty() {
        return Ok(());
    }
    Err((
        KafkaError::InvalidRequest,
        format!(
            "Cannot update these configs dynamically: {} (minikafka has no dynamic broker \
             configs; they are set when `minikafka serve` starts)",
            keys.join(", ")
        ),
    ))
}

/// A resource type that has no configs here (only topics, 2, and brokers, 4).
pub(super) fn unsupported_resource(resource_type: i8) -> Refusal {
    (
        KafkaError::InvalidRequest,
        format!("resource type {resource_type} is not supported (2: topic, 4: broker)"),
    )
}
