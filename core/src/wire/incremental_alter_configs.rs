//! IncrementalAlterConfigs (key 44, KIP-339): change some of a topic's configs, leave the
//! rest alone.
//!
//! Each config carries an operation: SET (0) a value, DELETE (1) the override (back to the
//! broker's default), APPEND (2) or SUBTRACT (3) items of a list config
//! (`cleanup.policy`: APPEND `compact` to `delete` gives `delete,compact`). Kafka's
//! answers, per resource, with nothing of that resource changed when one config fails:
//! - a config named twice: `INVALID_REQUEST`;
//! - an unknown operation, or SET/APPEND/SUBTRACT without a value: `INVALID_REQUEST`;
//! - APPEND or SUBTRACT on a config that is not a list, a config minikafka does not know
//!   (`topic_config.rs`) or a value it refuses: `INVALID_CONFIG`;
//! - an unknown topic: `UNKNOWN_TOPIC_OR_PARTITION`;
//! - a broker: as in AlterConfigs, nothing is dynamic here, so any change is
//!   `INVALID_REQUEST` (see `alter_configs.rs`).
//!
//! `validate_only` checks everything and changes nothing.

use kafka_protocol::messages::incremental_alter_configs_response::AlterConfigsResourceResponse;
use kafka_protocol::messages::{
    IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse, ResponseKind,
};
use kafka_protocol::protocol::VersionRange;

use super::alter_configs::{alter_broker, alter_topic, unsupported_resource, Refusal};
use super::describe_configs::{RESOURCE_BROKER, RESOURCE_TOPIC};
use super::{text, topic_config, Ctx, Reply};
use crate::log::{LogConfig, StorageProvider};
use crate::KafkaError;

/// v0..v1: v1 is the first flexible version (and the last there is).
pub const VERSIONS: VersionRange = VersionRange { min: 0, max: 1 };

/// Kafka's `AlterConfigOp.OpType`.
const SET: i8 = 0;
const DELETE: i8 = 1;
const APPEND: i8 = 2;
const SUBTRACT: i8 = 3;

/// One config change: name, operation, value.
type Change = (String, i8, Option<String>);

pub(super) fn handle<P: StorageProvider>(
    ctx: &mut Ctx<'_, P>,
    request: IncrementalAlterConfigsRequest,
    _version: i16,
) -> Reply {
    let responses = request
        .resources
        .into_iter()
        .map(|resource| {
            let name = resource.resource_name.to_string();
            let changes: Vec<Change> = resource
                .configs
                .iter()
                .map(|c| {
                    (
                        c.name.to_string(),
                        c.config_operation,
                        c.value.as_ref().map(|v| v.to_string()),
                    )
                })
                .collect();
            let outcome = check_request(&changes).and_then(|()| match resource.resource_type {
                RESOURCE_TOPIC => {
                    alter_topic(ctx, &name, request.validate_only, |config, defaults| {
                        changes
                            .iter()
                            .try_for_each(|change| apply(config, defaults, change))
                    })
                }
                RESOURCE_BROKER => {
                    let keys: Vec<&str> = changes.iter().map(|(k, _, _)| k.as_str()).collect();
                    alter_broker(ctx, &name, &keys)
                }
                other => Err(unsupported_resource(other)),
            });
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
    Reply::Now(ResponseKind::IncrementalAlterConfigs(
        IncrementalAlterConfigsResponse::default().with_responses(responses),
    ))
}

/// What Kafka refuses before looking at the resource: duplicate names, unknown operations,
/// missing values.
fn check_request(changes: &[Change]) -> Result<(), Refusal> {
    for (i, (key, op, value)) in changes.iter().enumerate() {
        if changes[..i].iter().any(|(k, _, _)| k == key) {
            return Err((
                KafkaError::InvalidRequest,
                format!("Error due to duplicate config keys: {key}"),
            ));
        }
        if !matches!(*op, SET | DELETE | APPEND | SUBTRACT) {
            return Err((
                KafkaError::InvalidRequest,
                format!("unknown operation {op} for {key} (0 SET, 1 DELETE, 2 APPEND, 3 SUBTRACT)"),
            ));
        }
        if *op != DELETE && value.is_none() {
            return Err((
                KafkaError::InvalidRequest,
                format!("Null value not supported for: {key}"),
            ));
        }
    }
    Ok(())
}

/// Apply one checked change to a topic's configs.
fn apply(config: &mut LogConfig, defaults: &LogConfig, change: &Change) -> Result<(), Refusal> {
    let (key, op, value) = change;
    let invalid = |why: String| (KafkaError::InvalidConfig, format!("{key}: {why}"));
    let value = value.as_deref().unwrap_or("");
    match *op {
        DELETE => topic_config::reset(config, defaults, key).map_err(invalid),
        APPEND | SUBTRACT => {
            let is_list = topic_config::KNOWN
                .iter()
                .find(|k| k.name == key)
                .map(|k| k.ty == topic_config::LIST)
                .ok_or_else(|| invalid("unknown or unsupported topic config".into()))?;
            if !is_list {
                let verb = if *op == APPEND { "append" } else { "subtract" };
                return Err(invalid(format!(
                    "Config value {verb} is not allowed for config key: {key}"
                )));
            }
            let current = topic_config::value(config, 0, key).unwrap_or_default();
            let edited = topic_config::edit_list(&current, value, *op == APPEND);
            topic_config::set(config, key, &edited).map_err(invalid)
        }
        _ => topic_config::set(config, key, value).map_err(invalid),
    }
}
