//! World events as one readable line each, for the terminal and the visualiser's log.

use std::fmt;

use crate::client::consumer::ConsumerEvent;
use crate::client::producer::ProducerEvent;
use crate::client::TopicPartition;
use crate::sim::world::{WorldEvent, WorldEventKind};

fn tps(list: &[TopicPartition]) -> String {
    if list.is_empty() {
        return "nothing".to_string();
    }
    list.iter()
        .map(TopicPartition::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

impl fmt::Display for WorldEventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WorldEventKind::Broker { event } => write!(f, "broker    {event}"),
            WorldEventKind::Consumer { name, event } => {
                write!(f, "{name:<9} ")?;
                match event {
                    ConsumerEvent::JoinedGroup {
                        generation,
                        leader,
                        protocol,
                        ..
                    } => write!(
                        f,
                        "joined generation {generation} ({protocol}){}",
                        if *leader { " as leader: it computes the assignment" } else { "" }
                    ),
                    ConsumerEvent::AssignmentReceived {
                        member_epoch,
                        partitions,
                    } => write!(
                        f,
                        "heartbeat answer: member epoch {member_epoch}, target {}",
                        tps(partitions)
                    ),
                    ConsumerEvent::PartitionsAssigned(p) => write!(f, "assigned {}", tps(p)),
                    ConsumerEvent::PartitionsRevoked(p) => write!(f, "revoked {}", tps(p)),
                    ConsumerEvent::PartitionsLost(p) => write!(f, "lost {} (no commit possible)", tps(p)),
                    ConsumerEvent::CommitCompleted { offsets, error, .. } => {
                        let what = offsets
                            .iter()
                            .map(|(tp, o)| format!("{tp}={o}"))
                            .collect::<Vec<_>>()
                            .join(", ");
                        match error {
                            None => write!(f, "commit ok: {what}"),
                            Some(e) => write!(f, "commit FAILED ({}): {what}", e.name()),
                        }
                    }
                    ConsumerEvent::PositionReset {
                        tp,
                        from,
                        to,
                        out_of_range,
                    } => write!(
                        f,
                        "position of {tp} reset {} -> {to}{}",
                        from.map_or("none".to_string(), |o| o.to_string()),
                        if *out_of_range { " (was out of range)" } else { "" }
                    ),
                    ConsumerEvent::OffsetOutOfRange { tp, offset } => write!(
                        f,
                        "offset {offset} of {tp} is out of range and auto.offset.reset=none: the application must seek"
                    ),
                    ConsumerEvent::NoOffsetForPartition(tp) => write!(
                        f,
                        "no committed offset for {tp} and auto.offset.reset=none"
                    ),
                    ConsumerEvent::LeftGroup { reason } => write!(f, "left the group: {reason}"),
                    ConsumerEvent::Fatal(e) => write!(f, "fatal error {}: closed", e.name()),
                }
            }
            WorldEventKind::Producer { name, event } => {
                write!(f, "{name:<9} ")?;
                match event {
                    ProducerEvent::Acked { tp, offset, .. } => write!(f, "acked {tp}@{offset}"),
                    ProducerEvent::Failed { tp, error, .. } => {
                        write!(f, "send to {tp} failed: {}", error.name())
                    }
                    ProducerEvent::Expired { tp, .. } => {
                        write!(f, "send to {tp} expired (delivery.timeout.ms)")
                    }
                    ProducerEvent::MetadataUpdated { topic, partitions } => {
                        write!(f, "sees {topic} with {partitions} partition(s)")
                    }
                }
            }
            WorldEventKind::Processed {
                name,
                tp,
                offset,
                times,
                ..
            } => {
                write!(f, "{name:<9} processed {tp}@{offset}")?;
                if *times > 1 {
                    write!(f, " (DUPLICATE: processed {times} times)")?;
                }
                Ok(())
            }
            WorldEventKind::Command { command } => write!(f, "command   {command}"),
            WorldEventKind::CommandRejected { command, reason } => {
                write!(f, "command   {command} rejected: {reason}")
            }
        }
    }
}

impl fmt::Display for WorldEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "[{:>4}.{:03}s] {}",
            self.at / 1000,
            self.at % 1000,
            self.kind
        )
    }
}

/// A command as the learner would say it: "crash consumer A", not its Rust debug form.
impl fmt::Display for crate::sim::command::Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use crate::sim::command::Command;
        match self {
            Command::CreateTopic {
                topic, partitions, ..
            } => write!(f, "create topic {topic} with {partitions} partition(s)"),
            Command::AddPartitions { topic, total } => {
                write!(f, "grow topic {topic} to {total} partitions")
            }
            Command::AddProducer(p) => write!(
                f,
                "start producer {} ({} records/s to {})",
                p.name, p.rate_per_sec, p.topic
            ),
            Command::SetProduceRate { name, rate_per_sec } => {
                write!(f, "producer {name}: {rate_per_sec} records/s")
            }
            Command::ProduceBurst { name, count } => {
                write!(f, "producer {name}: send {count} records at once")
            }
            Command::AddConsumer(c) => {
                write!(f, "start consumer {} in group {}", c.name, c.group)
            }
            Command::CrashConsumer { name } => write!(f, "crash consumer {name}"),
            Command::PauseConsumer { name, ms } => write!(f, "freeze consumer {name} for {ms} ms"),
            Command::StopConsumer { name } => write!(f, "stop consumer {name} cleanly"),
            Command::RestartConsumer { name } => write!(f, "restart consumer {name}"),
            Command::Seek {
                name,
                topic,
                partition,
                offset,
            } => write!(f, "consumer {name}: seek {topic}-{partition} to {offset}"),
            Command::SetProcessingTime {
                name,
                processing_ms,
            } => write!(f, "consumer {name}: {processing_ms} ms per record"),
            Command::UpdateConsumer { name, .. } => write!(f, "change consumer {name}'s settings"),
            Command::SetNetworkDelay { ms } => write!(f, "network delay {ms} ms"),
            Command::SetCommitMode {
                name,
                mode,
                semantics,
            } => {
                use crate::sim::command::{CommitMode, Semantics};
                let how = match mode {
                    CommitMode::Auto => "commits automatically (auto.commit.interval.ms)",
                    CommitMode::PerRecord => "commits after every record",
                    CommitMode::PerBatch => "commits after every batch",
                    CommitMode::PerBatchAsync => "commits after every batch, asynchronously",
                };
                let order = match semantics {
                    Semantics::AtLeastOnce => "at least once: process, then commit",
                    Semantics::AtMostOnce => "at most once: commit, then process",
                };
                write!(f, "consumer {name} {how}, {order}")
            }
        }
    }
}
