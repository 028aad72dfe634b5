//! What a user (or a scripted scenario) can do to a running world, and the short string a
//! whole run is rebuilt from.
//!
//! A run is fully determined by its seed and its command log: every command carries the
//! simulated time it was given at. That pair is what a visualiser URL holds and what a
//! checkpoint replays.

use serde::{Deserialize, Serialize};

use crate::client::assignor::AssignorKind;
use crate::client::consumer::{AutoOffsetReset, ConsumerConfig, GroupProtocol};
use crate::client::Acks;
use crate::log::IsolationLevel;
use crate::record::{Millis, Offset};

/// When a consumer commits, relative to processing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CommitMode {
    /// `enable.auto.commit=true`: `poll` commits the positions every
    /// `auto.commit.interval.ms` (fastest, widest duplicate window).
    Auto,
    /// `commitSync` after every processed record (safest, slowest).
    PerRecord,
    /// `commitSync` after each polled batch is processed.
    PerBatch,
    /// `commitAsync` after each polled batch is processed: the application goes on
    /// without waiting for the answer (faster; a failed commit is not retried).
    PerBatchAsync,
}

/// Commit before or after processing: the delivery semantic a consumer application picks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Semantics {
    /// Process, then commit: a crash re-delivers what was processed but not committed
    /// (duplicates, never losses).
    AtLeastOnce,
    /// Commit, then process: a crash skips what was committed but not processed (losses,
    /// never duplicates).
    AtMostOnce,
}

/// How a simulated consumer is set up: the client settings a learner plays with, plus how
/// its application behaves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConsumerSpec {
    /// Name (also its `client.id`).
    pub name: String,
    /// `group.id`.
    pub group: String,
    /// Subscribed topics.
    pub topics: Vec<String>,
    /// `group.instance.id` (static membership), if any.
    pub instance_id: Option<String>,
    /// `session.timeout.ms`.
    pub session_timeout_ms: i32,
    /// `heartbeat.interval.ms`.
    pub heartbeat_interval_ms: Millis,
    /// `max.poll.interval.ms`.
    pub max_poll_interval_ms: i32,
    /// `max.poll.records`.
    pub max_poll_records: usize,
    /// `auto.commit.interval.ms` (used when `commit_mode` is `Auto`).
    pub auto_commit_interval_ms: Millis,
    /// `auto.offset.reset`.
    pub auto_offset_reset: AutoOffsetReset,
    /// `partition.assignment.strategy`.
    pub assignors: Vec<AssignorKind>,
    /// `metadata.max.age.ms`: how often the consumer refreshes topic metadata, which is
    /// when a group leader notices added partitions.
    pub metadata_max_age_ms: Millis,
    /// How long the application takes per record.
    pub processing_ms: Millis,
    /// How long it takes per polled batch, once its records are processed and before it
    /// polls again: a bulk write to a database, say (S14's slow member). 0: nothing. Left
    /// out of run strings when 0, so links made before it existed stay the same.
    #[serde(skip_serializing_if = "is_zero")]
    pub batch_ms: Millis,
    /// When it commits.
    pub commit_mode: CommitMode,
    /// Commit before or after processing.
    pub semantics: Semantics,
    /// `isolation.level`.
    pub isolation_level: IsolationLevel,
    /// Read-process-write: every processed record is written to this output, and the
    /// application commits the way [`OutputSpec`] says (not `commit_mode`).
    pub output: Option<OutputSpec>,
    /// `group.protocol`: `classic` or `consumer` (KIP-848, S14). Left out of run strings
    /// when classic, so links made before it existed stay the same.
    #[serde(skip_serializing_if = "is_classic")]
    pub group_protocol: GroupProtocol,
}

fn is_zero(ms: &Millis) -> bool {
    *ms == 0
}

fn is_classic(p: &GroupProtocol) -> bool {
    *p == GroupProtocol::Classic
}

/// Where a read-process-write application writes, and how it makes its output and its
/// input offsets agree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct OutputSpec {
    /// The output topic.
    pub topic: String,
    /// `transactional.id`: exactly-once (records and input offsets in one transaction per
    /// polled batch). `None`: at-least-once (write the batch, wait for the acks, then
    /// commit the input offsets).
    pub transactional_id: Option<String>,
    /// `transaction.timeout.ms`.
    pub transaction_timeout_ms: i32,
}

impl Default for OutputSpec {
    fn default() -> Self {
        OutputSpec {
            topic: "output".into(),
            transactional_id: None,
            transaction_timeout_ms: 60_000,
        }
    }
}

impl Default for ConsumerSpec {
    /// Kafka's client defaults, taken from [`ConsumerConfig::default`] so that they are
    /// written once; only `auto.offset.reset` differs (see below).
    fn default() -> Self {
        let kafka = ConsumerConfig::default();
        ConsumerSpec {
            name: kafka.client_id,
            group: "group-1".into(),
            topics: Vec::new(),
            instance_id: kafka.group_instance_id,
            session_timeout_ms: kafka.session_timeout_ms,
            heartbeat_interval_ms: kafka.heartbeat_interval_ms,
            max_poll_interval_ms: kafka.max_poll_interval_ms,
            max_poll_records: kafka.max_poll_records,
            auto_commit_interval_ms: kafka.auto_commit_interval_ms,
            // Kafka's default is `latest`; a lesson's new group reads its topic from the
            // start, so that the records produced before it joined are on the stage.
            auto_offset_reset: AutoOffsetReset::Earliest,
            assignors: kafka.assignors,
            metadata_max_age_ms: kafka.metadata_max_age_ms,
            processing_ms: 10,
            batch_ms: 0,
            commit_mode: CommitMode::Auto,
            semantics: Semantics::AtLeastOnce,
            isolation_level: kafka.isolation_level,
            output: None,
            group_protocol: kafka.group_protocol,
        }
    }
}

impl ConsumerSpec {
    /// The client settings of this application's consumer: the one place where the spec's
    /// fields become Kafka's (`name` is `client.id`, `group` is `group.id`, `instance_id`
    /// is `group.instance.id`). The spec keeps its own short field names because they are
    /// the run string's (a shared link must keep working); what it does not set is
    /// [`ConsumerConfig::default`].
    pub fn client_config(&self) -> ConsumerConfig {
        ConsumerConfig {
            client_id: self.name.clone(),
            client_host: format!("/10.0.0.{}", 1 + self.name.len() % 200),
            group_id: Some(self.group.clone()),
            group_instance_id: self.instance_id.clone(),
            session_timeout_ms: self.session_timeout_ms,
            heartbeat_interval_ms: self.heartbeat_interval_ms,
            max_poll_interval_ms: self.max_poll_interval_ms,
            max_poll_records: self.max_poll_records,
            auto_offset_reset: self.auto_offset_reset,
            // A read-process-write application commits its input with its output.
            enable_auto_commit: self.commit_mode == CommitMode::Auto && self.output.is_none(),
            isolation_level: self.isolation_level,
            auto_commit_interval_ms: self.auto_commit_interval_ms,
            assignors: self.assignors.clone(),
            metadata_max_age_ms: self.metadata_max_age_ms,
            group_protocol: self.group_protocol,
            ..ConsumerConfig::default()
        }
    }
}

/// How a simulated producer is set up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ProducerSpec {
    /// Name (also its `client.id`).
    pub name: String,
    /// The topic it writes to.
    pub topic: String,
    /// Records per second (0: only explicit bursts).
    pub rate_per_sec: u32,
    /// Keys cycle through this many values (`key-0`..); 0 sends records without a key.
    pub distinct_keys: u32,
    /// `acks`.
    pub acks: Acks,
    /// `linger.ms`.
    pub linger_ms: Millis,
}

impl Default for ProducerSpec {
    fn default() -> Self {
        ProducerSpec {
            name: "producer".into(),
            topic: "topic".into(),
            rate_per_sec: 0,
            distinct_keys: 0,
            acks: Acks::All,
            linger_ms: 5,
        }
    }
}

/// Something done to the world at a point in simulated time.
///
/// In a run string a command is one flat JSON object named by its `cmd` field
/// (`{"cmd": "crash_consumer", "name": "A"}`). Serde's derive reads that form (an
/// "internally tagged" enum) through a buffered copy of every object, whose code was a
/// thirtieth of the browser's wasm; so the derive here uses serde's default form
/// (`{"crash_consumer": {"name": "A"}}`) and [`Script`] moves the name in and out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Command {
    /// Create a topic.
    CreateTopic {
        /// Topic name.
        topic: String,
        /// Number of partitions.
        partitions: i32,
        /// `retention.ms`, if not the default.
        retention_ms: Option<Millis>,
        /// `segment.bytes`, if not the default.
        segment_bytes: Option<u64>,
    },
    /// Grow a topic.
    AddPartitions {
        /// Topic name.
        topic: String,
        /// Partition count after growing (it must be larger).
        total: i32,
    },
    /// Start a producer.
    AddProducer(ProducerSpec),
    /// Change a producer's rate.
    SetProduceRate {
        /// Producer name.
        name: String,
        /// Records per second.
        rate_per_sec: u32,
    },
    /// Send `count` records at once from a producer (flushed immediately).
    ProduceBurst {
        /// Producer name.
        name: String,
        /// How many.
        count: u32,
    },
    /// Start a consumer.
    AddConsumer(ConsumerSpec),
    /// Kill a consumer's process: no LeaveGroup, no last commit, in-memory progress lost.
    CrashConsumer {
        /// Consumer name.
        name: String,
    },
    /// Freeze a consumer's process for `ms` (a long GC pause, a stopped VM): no heartbeat,
    /// no request, no timer; answers wait for it. It comes back as a possible zombie.
    PauseConsumer {
        /// Consumer name.
        name: String,
        /// How long.
        ms: Millis,
    },
    /// Shut a consumer down cleanly: finish the batch, commit, LeaveGroup.
    StopConsumer {
        /// Consumer name.
        name: String,
    },
    /// Start a crashed or stopped consumer again (same settings, new process).
    RestartConsumer {
        /// Consumer name.
        name: String,
    },
    /// `seek(tp, offset)` in a consumer.
    Seek {
        /// Consumer name.
        name: String,
        /// Topic of the partition to seek in.
        topic: String,
        /// Partition index.
        partition: i32,
        /// The new fetch position: the next offset the consumer reads.
        offset: Offset,
    },
    /// Change how long a consumer's application takes per record.
    SetProcessingTime {
        /// Consumer name.
        name: String,
        /// Milliseconds per record.
        processing_ms: Millis,
    },
    /// Replace a consumer's settings. What the application does (processing time, commit
    /// mode, semantics) changes at once; the client settings (assignors, timeouts,
    /// `group.instance.id`...) take effect at the next restart, as with a real consumer,
    /// whose configuration is fixed when it is created.
    UpdateConsumer {
        /// Consumer name (the spec's own name is ignored).
        name: String,
        /// The new settings.
        spec: ConsumerSpec,
    },
    /// Set the one-way network delay between clients and the broker, for messages sent
    /// from now on.
    SetNetworkDelay {
        /// One-way delay in ms, each direction.
        ms: Millis,
    },
    /// Change when a consumer commits.
    SetCommitMode {
        /// Consumer name.
        name: String,
        /// When it commits: auto-commit, or commitSync/commitAsync per record or batch.
        mode: CommitMode,
        /// Commit after processing (at-least-once) or before it (at-most-once).
        semantics: Semantics,
    },
}

/// A whole run: the seed and every command with its time.
#[derive(Debug, Clone, PartialEq)]
pub struct Script {
    /// The world's seed.
    pub seed: u64,
    /// Commands, in the order they were given.
    pub commands: Vec<(Millis, Command)>,
}

/// The short string could not be read back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a minikafka run string: {0}")]
pub struct ScriptDecodeError(String);

impl Script {
    /// A URL-safe string holding the whole run: `mk1.` then base64url of its JSON
    /// `{"seed": 7, "commands": [[0, {"cmd": "create_topic", ...}], ...]}`.
    pub fn encode(&self) -> String {
        use base64::Engine;
        use serde_json::Value;
        let commands: Vec<Value> = self
            .commands
            .iter()
            .map(|(at, command)| {
                let command = serde_json::to_value(command).map_or(Value::Null, tag_inside);
                Value::Array(vec![Value::from(*at), command])
            })
            .collect();
        let mut run = serde_json::Map::new();
        run.insert("seed".into(), Value::from(self.seed));
        run.insert("commands".into(), Value::Array(commands));
        let json = Value::Object(run).to_string();
        format!(
            "mk1.{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
        )
    }

    /// Read a string made by [`Script::encode`].
    pub fn decode(s: &str) -> Result<Script, ScriptDecodeError> {
        use base64::Engine;
        let bad = |e: String| ScriptDecodeError(e);
        let body = s
            .strip_prefix("mk1.")
            .ok_or_else(|| bad("missing the mk1. prefix".into()))?;
        let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(body)
            .map_err(|e| bad(e.to_string()))?;
        // Through a `Value`: the browser parses live mode's messages into `Value`s already,
        // so decoding a run this way adds no second JSON parser to the wasm.
        let text = String::from_utf8(json).map_err(|e| bad(e.to_string()))?;
        let value: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
        let seed = value
            .get("seed")
            .and_then(|s| s.as_u64())
            .ok_or_else(|| bad("no seed (a whole number)".into()))?;
        let listed = value
            .get("commands")
            .and_then(|c| c.as_array())
            .ok_or_else(|| bad("no list of commands".into()))?;
        let mut commands = Vec::with_capacity(listed.len());
        for (i, entry) in listed.iter().enumerate() {
            let (at, command) = match entry.as_array().map(Vec::as_slice) {
                Some([at, command]) => (at, command),
                _ => return Err(bad(format!("command {i} is not [time, command]"))),
            };
            let at = at
                .as_i64()
                .ok_or_else(|| bad(format!("command {i}: its time is not a whole number")))?;
            let command = serde_json::from_value(tag_outside(command.clone()))
                .map_err(|e| bad(format!("command {i}: {e}")))?;
            commands.push((at, command));
        }
        Ok(Script { seed, commands })
    }
}

/// `{"crash_consumer": {"name": "A"}}` to `{"cmd": "crash_consumer", "name": "A"}`.
fn tag_inside(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Object(outer) if outer.len() == 1 => {
            let (name, fields) = outer.into_iter().next().expect("one entry");
            let mut flat = match fields {
                Value::Object(fields) => fields,
                _ => serde_json::Map::new(),
            };
            flat.insert("cmd".into(), Value::String(name));
            Value::Object(flat)
        }
        other => other,
    }
}

/// `{"cmd": "crash_consumer", "name": "A"}` to `{"crash_consumer": {"name": "A"}}`;
/// anything else is left for the decoder to refuse.
fn tag_outside(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Object(mut flat) => match flat.remove("cmd") {
            Some(Value::String(name)) => {
                let mut outer = serde_json::Map::new();
                outer.insert(name, Value::Object(flat));
                Value::Object(outer)
            }
            _ => Value::Object(flat),
        },
        other => other,
    }
}
