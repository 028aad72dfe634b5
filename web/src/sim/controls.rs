//! The learner's buttons, as types: the "try it" panel, a member card's buttons and a
//! member's settings. Each knows its `data-testid`, its label, and the command it gives
//! the simulated world, so a button the page draws and the command the reducer applies
//! cannot disagree.

use minikafka::client::assignor::AssignorKind;
use minikafka::sim::{Command, CommitMode, Semantics, World};

use crate::i18n::Key;

/// A button of the "try it" panel: it acts on the world as it is now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Try {
    /// Another consumer in the first consumer's group, with its settings.
    AddConsumer,
    /// Another producer, 5 records/s, to the first producer's topic.
    AddProducer,
    /// A burst of 10 records from the first producer.
    Produce10,
    /// The first producer 5 records/s faster.
    RateUp,
    /// The first producer stops.
    RateStop,
    /// One more partition in the first producer's topic.
    AddPartition,
}

impl Try {
    /// The panel's buttons, in order.
    pub const ALL: [Try; 6] = [
        Try::AddConsumer,
        Try::AddProducer,
        Try::Produce10,
        Try::RateUp,
        Try::RateStop,
        Try::AddPartition,
    ];

    /// Its `data-testid`.
    pub fn id(self) -> &'static str {
        match self {
            Try::AddConsumer => "add-consumer",
            Try::AddProducer => "add-producer",
            Try::Produce10 => "produce-10",
            Try::RateUp => "rate-up",
            Try::RateStop => "rate-stop",
            Try::AddPartition => "add-partition",
        }
    }

    /// Its label.
    pub fn key(self) -> Key {
        match self {
            Try::AddConsumer => Key::AddConsumer,
            Try::AddProducer => Key::AddProducer,
            Try::Produce10 => Key::Produce10,
            Try::RateUp => Key::RateUp,
            Try::RateStop => Key::RateStop,
            Try::AddPartition => Key::AddPartition,
        }
    }

    /// The command it gives, built from the world as it is now (none: nothing to act on).
    pub fn command(self, world: &World) -> Option<Command> {
        let first = world.consumers.first().map(|c| c.spec.clone());
        let producer = world.producers.first().map(|p| p.spec.clone());
        match self {
            Try::AddConsumer => {
                let mut spec = first.unwrap_or_default();
                let mut n = world.consumers.len() + 1;
                while world.consumer(&format!("C{n}")).is_some() {
                    n += 1;
                }
                spec.name = format!("C{n}");
                spec.instance_id = None;
                if spec.topics.is_empty() {
                    spec.topics = world
                        .broker
                        .list_topics()
                        .into_iter()
                        .map(|t| t.name)
                        .take(1)
                        .collect();
                }
                Some(Command::AddConsumer(spec))
            }
            Try::Produce10 => producer.map(|p| Command::ProduceBurst {
                name: p.name,
                count: 10,
            }),
            Try::AddProducer => {
                let topic = producer
                    .map(|p| p.topic)
                    .or_else(|| world.broker.topic_names().into_iter().next())?;
                let mut n = world.producers.len() + 1;
                while world.producer(&format!("P{n}")).is_some() {
                    n += 1;
                }
                Some(Command::AddProducer(minikafka::sim::ProducerSpec {
                    name: format!("P{n}"),
                    topic,
                    rate_per_sec: 5,
                    distinct_keys: 10,
                    ..Default::default()
                }))
            }
            Try::RateUp => producer.map(|p| Command::SetProduceRate {
                name: p.name.clone(),
                rate_per_sec: world.producer(&p.name).map_or(0, |a| a.spec.rate_per_sec) + 5,
            }),
            Try::RateStop => producer.map(|p| Command::SetProduceRate {
                name: p.name,
                rate_per_sec: 0,
            }),
            Try::AddPartition => {
                let topic = producer.map(|p| p.topic).or_else(|| {
                    world
                        .broker
                        .list_topics()
                        .into_iter()
                        .next()
                        .map(|t| t.name)
                })?;
                let total = world.broker.topic(&topic)?.partition_count() + 1;
                Some(Command::AddPartitions { topic, total })
            }
        }
    }
}

/// A button on a member card.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberButton {
    /// Kill the process: no LeaveGroup, no last commit.
    Crash,
    /// Shut down cleanly: commit, LeaveGroup.
    Stop,
    /// Start a crashed or stopped consumer again.
    Restart,
    /// Commit this way, at least once (process, then commit).
    Mode(CommitMode),
    /// Commit before processing: at most once.
    AtMostOnce,
}

impl MemberButton {
    /// The buttons of a running member, in order.
    pub const ALIVE: [MemberButton; 7] = [
        MemberButton::Crash,
        MemberButton::Stop,
        MemberButton::Mode(CommitMode::Auto),
        MemberButton::Mode(CommitMode::PerRecord),
        MemberButton::Mode(CommitMode::PerBatch),
        MemberButton::Mode(CommitMode::PerBatchAsync),
        MemberButton::AtMostOnce,
    ];

    /// For a commit-mode button, whether it is the member's mode now (shown pressed);
    /// `None` for the other buttons.
    pub fn selected(self, mode: CommitMode, semantics: Semantics) -> Option<bool> {
        match self {
            MemberButton::Mode(m) => Some(m == mode && semantics == Semantics::AtLeastOnce),
            MemberButton::AtMostOnce => Some(semantics == Semantics::AtMostOnce),
            _ => None,
        }
    }

    /// Its name, in its `data-testid` (`crash-A`).
    pub fn id(self) -> &'static str {
        match self {
            MemberButton::Crash => "crash",
            MemberButton::Stop => "stop",
            MemberButton::Restart => "restart",
            MemberButton::Mode(CommitMode::Auto) => "mode-auto",
            MemberButton::Mode(CommitMode::PerRecord) => "mode-record",
            MemberButton::Mode(CommitMode::PerBatch) => "mode-batch",
            MemberButton::Mode(CommitMode::PerBatchAsync) => "mode-async",
            MemberButton::AtMostOnce => "mode-at-most-once",
        }
    }

    /// Its label.
    pub fn key(self) -> Key {
        match self {
            MemberButton::Crash => Key::Crash,
            MemberButton::Stop => Key::Stop,
            MemberButton::Restart => Key::Restart,
            MemberButton::Mode(CommitMode::Auto) => Key::ModeAuto,
            MemberButton::Mode(CommitMode::PerRecord) => Key::ModeRecord,
            MemberButton::Mode(CommitMode::PerBatch) => Key::ModeBatch,
            MemberButton::Mode(CommitMode::PerBatchAsync) => Key::ModeAsync,
            MemberButton::AtMostOnce => Key::ModeAtMostOnce,
        }
    }

    /// The command it gives to consumer `name` (none: no such consumer).
    pub fn command(self, world: &World, name: &str) -> Option<Command> {
        let spec = &world.consumer(name)?.spec;
        let mode = |mode, semantics| Command::SetCommitMode {
            name: name.to_string(),
            mode,
            semantics,
        };
        Some(match self {
            MemberButton::Crash => Command::CrashConsumer {
                name: name.to_string(),
            },
            MemberButton::Stop => Command::StopConsumer {
                name: name.to_string(),
            },
            MemberButton::Restart => Command::RestartConsumer {
                name: name.to_string(),
            },
            MemberButton::Mode(CommitMode::Auto) => mode(CommitMode::Auto, Semantics::AtLeastOnce),
            MemberButton::Mode(CommitMode::PerRecord) => {
                mode(CommitMode::PerRecord, Semantics::AtLeastOnce)
            }
            MemberButton::Mode(CommitMode::PerBatch) => {
                mode(CommitMode::PerBatch, Semantics::AtLeastOnce)
            }
            MemberButton::Mode(CommitMode::PerBatchAsync) => {
                mode(CommitMode::PerBatchAsync, Semantics::AtLeastOnce)
            }
            MemberButton::AtMostOnce => mode(spec.commit_mode, Semantics::AtMostOnce),
        })
    }
}

/// A consumer setting on its card.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Setting {
    /// `partition.assignment.strategy`.
    Assignor,
    /// `group.instance.id` on or off.
    Static,
    /// `session.timeout.ms`.
    Session,
    /// `heartbeat.interval.ms`.
    Heartbeat,
    /// `max.poll.interval.ms`.
    MaxPoll,
    /// The application's time per record.
    Processing,
}

impl Setting {
    /// Its name, in its `data-testid` (`setting-session-A`).
    pub fn id(self) -> &'static str {
        match self {
            Setting::Assignor => "assignor",
            Setting::Static => "static",
            Setting::Session => "session",
            Setting::Heartbeat => "heartbeat",
            Setting::MaxPoll => "max-poll",
            Setting::Processing => "processing",
        }
    }

    /// The `UpdateConsumer` command for consumer `name` set to `value`, or why that makes
    /// no sense.
    pub fn command(self, world: &World, name: &str, value: &str) -> Result<Command, String> {
        let mut spec = world
            .consumer(name)
            .ok_or_else(|| format!("no consumer {name}"))?
            .spec
            .clone();
        let ms = || -> Result<i64, String> {
            value
                .parse::<i64>()
                .ok()
                .filter(|v| (0..=3_600_000).contains(v))
                .ok_or_else(|| format!("{}: {value:?} is not a duration in ms", self.id()))
        };
        match self {
            Setting::Assignor => {
                let kind = AssignorKind::from_name(value)
                    .ok_or_else(|| format!("unknown assignor {value:?}"))?;
                spec.assignors = vec![kind];
            }
            Setting::Static => {
                spec.instance_id = (value == "on").then(|| format!("{name}-instance"))
            }
            Setting::Session => spec.session_timeout_ms = ms()? as i32,
            Setting::Heartbeat => spec.heartbeat_interval_ms = ms()?,
            Setting::MaxPoll => spec.max_poll_interval_ms = ms()? as i32,
            Setting::Processing => spec.processing_ms = ms()?,
        }
        Ok(Command::UpdateConsumer {
            name: name.to_string(),
            spec,
        })
    }
}
