//! The topic configs minikafka knows, in one table that CreateTopics, AlterConfigs,
//! IncrementalAlterConfigs and DescribeConfigs all read: a config one of them accepts is
//! one the others can change and report, under the same name and with the same rules.
//!
//! What each config does here (its field in [`LogConfig`] says more):
//!
//! | config | effect |
//! |---|---|
//! | `cleanup.policy` | `delete` enables retention; `compact` refuses keyless records (no cleaner runs) |
//! | `compression.type` | the codec the broker stores batches in (`producer`: as produced) |
//! | `delete.retention.ms` | stored and reported; no effect without a cleaner |
//! | `max.message.bytes` | the largest batch Produce accepts |
//! | `message.format.version` | stored and reported; no effect (ignored since Kafka 3.0) |
//! | `retention.bytes`, `retention.ms` | size and time retention |
//! | `segment.bytes`, `segment.ms` | when the active segment rolls |
//!
//! Any other name is refused with `INVALID_CONFIG` rather than silently ignored.

use crate::log::LogConfig;

// Kafka's `ConfigType`, reported by DescribeConfigs from v3.
/// A boolean.
pub const BOOLEAN: i8 = 1;
/// A string.
pub const STRING: i8 = 2;
/// A 32-bit number.
pub const INT: i8 = 3;
/// A 64-bit number.
pub const LONG: i8 = 5;
/// A comma-separated list.
pub const LIST: i8 = 7;

/// One topic config: its name, the broker config that is its default (Kafka's name), and
/// its type.
pub struct Known {
    /// The topic config's name.
    pub name: &'static str,
    /// The broker config that sets its default.
    pub broker_name: &'static str,
    /// Kafka's `ConfigType`.
    pub ty: i8,
}

/// Every topic config minikafka knows, sorted by name (DescribeConfigs' order).
pub const KNOWN: &[Known] = &[
    k("cleanup.policy", "log.cleanup.policy", LIST),
    k("compression.type", "compression.type", STRING),
    k(
        "delete.retention.ms",
        "log.cleaner.delete.retention.ms",
        LONG,
    ),
    k("max.message.bytes", "message.max.bytes", INT),
    k(
        "message.format.version",
        "log.message.format.version",
        STRING,
    ),
    k("retention.bytes", "log.retention.bytes", LONG),
    k("retention.ms", "log.retention.ms", LONG),
    k("segment.bytes", "log.segment.bytes", INT),
    k("segment.ms", "log.roll.ms", LONG),
];

const fn k(name: &'static str, broker_name: &'static str, ty: i8) -> Known {
    Known {
        name,
        broker_name,
        ty,
    }
}

/// What `message.format.version` reads as when it was never set: Kafka 3.x's default.
pub const DEFAULT_MESSAGE_FORMAT_VERSION: &str = "3.0-IV1";

/// The values `compression.type` accepts.
pub const COMPRESSION_TYPES: &[&str] =
    &["uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"];

/// The codec a `compression.type` asks the broker to store batches in (0 none, 1 gzip,
/// 2 snappy, 3 lz4, 4 zstd, a v2 batch's attribute bits); `None` for `producer`: keep each
/// batch as its producer compressed it.
pub fn codec(compression_type: &str) -> Option<u8> {
    match compression_type {
        "uncompressed" => Some(0),
        "gzip" => Some(1),
        "snappy" => Some(2),
        "lz4" => Some(3),
        "zstd" => Some(4),
        _ => None,
    }
}

/// The value of config `name` in `config`, as DescribeConfigs reports it. `-1` is Kafka's
/// "no limit"; `max.message.bytes` falls back to the broker's `message.max.bytes`.
/// `None` for a name not in [`KNOWN`].
pub fn value(config: &LogConfig, message_max_bytes: u32, name: &str) -> Option<String> {
    let opt = |v: Option<i64>| v.map_or("-1".to_string(), |v| v.to_string());
    Some(match name {
        "cleanup.policy" => config.cleanup_policy().to_string(),
        "compression.type" => config.compression_type.clone(),
        "delete.retention.ms" => config.delete_retention_ms.to_string(),
        "max.message.bytes" => config
            .max_message_bytes
            .unwrap_or(message_max_bytes)
            .to_string(),
        "message.format.version" if config.message_format_version.is_empty() => {
            DEFAULT_MESSAGE_FORMAT_VERSION.to_string()
        }
        "message.format.version" => config.message_format_version.clone(),
        "retention.bytes" => opt(config.retention_bytes.map(|b| b as i64)),
        "retention.ms" => opt(config.retention_ms),
        "segment.bytes" => config.segment_bytes.to_string(),
        "segment.ms" => opt(config.segment_ms),
        _ => return None,
    })
}

/// Is `name` set on the topic rather than inherited from `defaults` (the broker's)? The
/// broker keeps a topic's effective settings, so a value equal to the default reads as the
/// default; `max.message.bytes` and `message.format.version` remember whether they were set.
pub fn is_override(config: &LogConfig, defaults: &LogConfig, name: &str) -> bool {
    match name {
        "max.message.bytes" => config.max_message_bytes.is_some(),
        "message.format.version" => !config.message_format_version.is_empty(),
        _ => value(config, 0, name) != value(defaults, 0, name),
    }
}

/// Set topic config `key` to `value`; the error says why the value is refused (the caller
/// answers `INVALID_CONFIG`).
pub fn set(config: &mut LogConfig, key: &str, value: &str) -> Result<(), String> {
    let number = || {
        value
            .parse::<i64>()
            .map_err(|_| format!("'{value}' is not a number"))
    };
    match key {
        "retention.ms" => config.retention_ms = (number()? >= 0).then_some(number()?),
        "retention.bytes" => {
            config.retention_bytes = u64::try_from(number()?).ok();
        }
        "segment.bytes" => {
            let n = number()?;
            if !(14..=i64::from(i32::MAX)).contains(&n) {
                return Err("must be from 14 to 2147483647 bytes".into());
            }
            config.segment_bytes = n as u64;
        }
        "segment.ms" => {
            // -1 is minikafka's default, "roll by size only", as DescribeConfigs reports it
            // (Kafka's own default is 7 days).
            let n = number()?;
            if n < 1 && n != -1 {
                return Err("must be at least 1 ms (or -1: roll by size only)".into());
            }
            config.segment_ms = (n > 0).then_some(n);
        }
        "max.message.bytes" => {
            config.max_message_bytes = Some(
                u32::try_from(number()?)
                    .ok()
                    .filter(|n| i32::try_from(*n).is_ok())
                    .ok_or_else(|| "must be from 0 to 2147483647".to_string())?,
            );
        }
        "cleanup.policy" => {
            let (delete, compact) = parse_cleanup_policy(value)?;
            config.cleanup_delete = delete;
            config.cleanup_compact = compact;
        }
        "compression.type" => {
            if !COMPRESSION_TYPES.contains(&value) {
                return Err(format!("must be one of {}", COMPRESSION_TYPES.join(", ")));
            }
            config.compression_type = value.to_string();
        }
        "delete.retention.ms" => {
            let n = number()?;
            if n < 0 {
                return Err("must be at least 0".into());
            }
            config.delete_retention_ms = n;
        }
        "message.format.version" => {
            if !is_kafka_version(value) {
                return Err("not a Kafka version (such as 0.10.0 or 3.0-IV1)".into());
            }
            config.message_format_version = value.to_string();
        }
        _ => return Err("unknown or unsupported topic config".into()),
    }
    Ok(())
}

/// Put config `key` back to its default, the broker's (an IncrementalAlterConfigs DELETE,
/// or a config a whole AlterConfigs leaves out).
pub fn reset(config: &mut LogConfig, defaults: &LogConfig, key: &str) -> Result<(), String> {
    match key {
        "retention.ms" => config.retention_ms = defaults.retention_ms,
        "retention.bytes" => config.retention_bytes = defaults.retention_bytes,
        "segment.bytes" => config.segment_bytes = defaults.segment_bytes,
        "segment.ms" => config.segment_ms = defaults.segment_ms,
        "max.message.bytes" => config.max_message_bytes = defaults.max_message_bytes,
        "cleanup.policy" => {
            config.cleanup_delete = defaults.cleanup_delete;
            config.cleanup_compact = defaults.cleanup_compact;
        }
        "compression.type" => config.compression_type = defaults.compression_type.clone(),
        "delete.retention.ms" => config.delete_retention_ms = defaults.delete_retention_ms,
        "message.format.version" => {
            config.message_format_version = defaults.message_format_version.clone()
        }
        _ => return Err("unknown or unsupported topic config".into()),
    }
    Ok(())
}

/// `cleanup.policy` as `(delete, compact)`: a comma-separated list of `delete` and
/// `compact`, at least one of them.
fn parse_cleanup_policy(value: &str) -> Result<(bool, bool), String> {
    let (mut delete, mut compact) = (false, false);
    for item in value.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        match item {
            "delete" => delete = true,
            "compact" => compact = true,
            other => return Err(format!("'{other}' is not a policy (delete, compact)")),
        }
    }
    if !delete && !compact {
        return Err("at least one of delete, compact".into());
    }
    Ok((delete, compact))
}

/// A Kafka version as `message.format.version` takes it: `0.10.0`, `0.10.0.0`, `2.8`,
/// `3.0-IV1`: numbers separated by dots, optionally an `-IV<n>` suffix.
fn is_kafka_version(value: &str) -> bool {
    let (numbers, suffix) = match value.split_once("-IV") {
        Some((numbers, iv)) => (numbers, Some(iv)),
        None => (value, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let parts: Vec<&str> = numbers.split('.').collect();
    (2..=4).contains(&parts.len()) && parts.iter().all(|p| digits(p)) && suffix.is_none_or(digits)
}

/// A list config as IncrementalAlterConfigs' APPEND (`add`) and SUBTRACT (`!add`) change
/// it: the items of `current` plus (or minus) those of `items`, each once, in order.
pub fn edit_list(current: &str, items: &str, add: bool) -> String {
    let split = |s: &str| -> Vec<String> {
        s.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    };
    let mut list = split(current);
    for item in split(items) {
        if add {
            if !list.contains(&item) {
                list.push(item);
            }
        } else {
            list.retain(|x| *x != item);
        }
    }
    list.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_config_reads_back_what_was_set_and_resets_to_its_default() {
        let defaults = LogConfig::default();
        let samples = [
            ("cleanup.policy", "compact,delete"),
            ("compression.type", "lz4"),
            ("delete.retention.ms", "1000"),
            ("max.message.bytes", "10000"),
            ("message.format.version", "0.10.0.0"),
            ("retention.bytes", "4096"),
            ("retention.ms", "60000"),
            ("segment.bytes", "20000"),
            ("segment.ms", "5000"),
        ];
        assert_eq!(samples.len(), KNOWN.len());
        for ((key, v), known) in samples.iter().zip(KNOWN) {
            assert_eq!(*key, known.name);
            let mut config = defaults.clone();
            assert!(!is_override(&config, &defaults, key), "{key}");
            set(&mut config, key, v).unwrap();
            assert_eq!(value(&config, 1_048_588, key).as_deref(), Some(*v));
            assert!(is_override(&config, &defaults, key), "{key}");
            reset(&mut config, &defaults, key).unwrap();
            assert_eq!(config, defaults, "{key}");
        }
        assert_eq!(
            value(&defaults, 1_048_588, "max.message.bytes").as_deref(),
            Some("1048588")
        );
        assert_eq!(
            value(&defaults, 0, "message.format.version").as_deref(),
            Some("3.0-IV1")
        );
    }

    /// What DescribeConfigs reports can be sent back unchanged: AlterConfigs clients read
    /// every config and send them all back with the one they change.
    #[test]
    fn every_reported_value_is_accepted_back() {
        let defaults = LogConfig::default();
        let mut config = defaults.clone();
        for known in KNOWN {
            let reported = value(&defaults, 1_048_588, known.name).unwrap();
            set(&mut config, known.name, &reported)
                .unwrap_or_else(|e| panic!("{}={reported}: {e}", known.name));
            assert_eq!(value(&config, 1_048_588, known.name).unwrap(), reported);
        }
    }

    #[test]
    fn values_kafka_refuses_are_refused() {
        let mut c = LogConfig::default();
        assert!(set(&mut c, "cleanup.policy", "shred").is_err());
        assert!(set(&mut c, "cleanup.policy", "").is_err());
        assert!(set(&mut c, "compression.type", "brotli").is_err());
        assert!(set(&mut c, "message.format.version", "latest").is_err());
        assert!(set(&mut c, "delete.retention.ms", "-5").is_err());
        assert!(set(&mut c, "flush.ms", "1000").is_err());
        assert_eq!(c, LogConfig::default());
        set(&mut c, "cleanup.policy", "compact").unwrap();
        assert!(c.cleanup_compact && !c.cleanup_delete);
        set(&mut c, "cleanup.policy", "delete, compact").unwrap();
        assert_eq!(c.cleanup_policy(), "compact,delete");
    }

    #[test]
    fn list_edits_append_once_and_subtract() {
        assert_eq!(edit_list("delete", "compact", true), "delete,compact");
        assert_eq!(
            edit_list("delete,compact", "compact", true),
            "delete,compact"
        );
        assert_eq!(edit_list("delete,compact", "compact", false), "delete");
        assert_eq!(edit_list("delete", "compact", false), "delete");
    }
}
