//! Reading live mode's JSON in the browser, by hand.
//!
//! The server writes [`LiveMessage`]s with serde (`{"type":"event","event":{"type":
//! "RecordsAppended",...}}`). Reading them back with serde's derived `Deserialize` costs
//! 45 KB of gzipped wasm (internally tagged enums are deserialized through a buffer, with a
//! visitor per variant and field), which would break the page's 400 KB budget. This module
//! reads the same JSON through `serde_json::Value` with a few shared helpers instead. A
//! native test checks it against serde's derive for every event of every scenario, so the
//! two cannot drift apart.

use minikafka::error::KafkaError;
use minikafka::event::{
    Event, LogStartReason, MemberAssignment, RebalanceReason, RemovalReason, TopicPartitions,
    TxnAppend,
};
use minikafka::group::GroupState;
use minikafka::live::{
    BrokerSnapshot, CommittedSnapshot, GroupEpochs, GroupLag, GroupSnapshot, InferredReason,
    LiveMessage, MemberEpoch, MemberSnapshot, PartitionSnapshot, Rebalance, Snapshot,
    TopicSnapshot, TxnBatch, WatchStatus,
};
use minikafka::record::ControlType;
use serde_json::Value;

type R<T> = Result<T, String>;

/// Read one message from the server.
pub fn parse_message(text: &str) -> R<LiveMessage> {
    let v: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    match string(&v, "type")?.as_str() {
        "event" => Ok(LiveMessage::Event {
            event: event(field(&v, "event")?)?,
        }),
        "snapshot" => Ok(LiveMessage::Snapshot(snapshot(&v)?)),
        "missed" => Ok(LiveMessage::Missed {
            count: int(&v, "count")? as u64,
        }),
        "hello" => Ok(LiveMessage::Hello {
            admin: field(&v, "admin")?
                .as_bool()
                .ok_or("admin: not a boolean")?,
            bootstrap: opt_string(&v, "bootstrap")?,
        }),
        "watch" => Ok(LiveMessage::Watch(watch_status(&v)?)),
        "history" => Ok(LiveMessage::History {
            samples: list(&v, "samples")?
                .iter()
                .map(snapshot)
                .collect::<R<_>>()?,
        }),
        "epochs" => Ok(LiveMessage::Epochs {
            group: string(&v, "group")?,
            epochs: opt_epochs(&v, "epochs")?,
        }),
        "admin_result" => Ok(LiveMessage::AdminResult {
            ok: field(&v, "ok")?.as_bool().ok_or("ok: not a boolean")?,
            message: string(&v, "message")?,
        }),
        other => Err(format!("unknown message type {other:?}")),
    }
}

fn field<'a>(v: &'a Value, key: &str) -> R<&'a Value> {
    v.get(key).ok_or_else(|| format!("missing field {key:?}"))
}

fn string(v: &Value, key: &str) -> R<String> {
    field(v, key)?
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| format!("{key}: not a string"))
}

fn opt_string(v: &Value, key: &str) -> R<Option<String>> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(s) => s
            .as_str()
            .map(|s| Some(s.to_string()))
            .ok_or_else(|| format!("{key}: not a string")),
    }
}

fn int(v: &Value, key: &str) -> R<i64> {
    field(v, key)?
        .as_i64()
        .ok_or_else(|| format!("{key}: not an integer"))
}

fn int32(v: &Value, key: &str) -> R<i32> {
    i32::try_from(int(v, key)?).map_err(|_| format!("{key}: out of range"))
}

fn opt_int(v: &Value, key: &str) -> R<Option<i64>> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(_) => int(v, key).map(Some),
    }
}

fn list<'a>(v: &'a Value, key: &str) -> R<&'a Vec<Value>> {
    field(v, key)?
        .as_array()
        .ok_or_else(|| format!("{key}: not a list"))
}

fn strings(v: &Value, key: &str) -> R<Vec<String>> {
    list(v, key)?
        .iter()
        .map(|s| {
            s.as_str()
                .map(str::to_string)
                .ok_or_else(|| format!("{key}: not strings"))
        })
        .collect()
}

/// A transaction marker's type (`Commit`, `Abort`), absent for a transaction's records.
fn marker(v: &Value) -> R<Option<ControlType>> {
    Ok(match opt_string(v, "marker")?.as_deref() {
        None => None,
        Some("Commit") => Some(ControlType::Commit),
        Some("Abort") => Some(ControlType::Abort),
        Some(other) => return Err(format!("marker: unknown {other:?}")),
    })
}

fn kafka_error(v: &Value) -> R<KafkaError> {
    let name = v.as_str().ok_or("error: not a string")?;
    KafkaError::ALL
        .into_iter()
        .find(|e| e.name() == name)
        .ok_or_else(|| format!("unknown error {name:?}"))
}

fn group_state(v: &Value, key: &str) -> R<GroupState> {
    let name = string(v, key)?;
    GroupState::from_name(&name).ok_or_else(|| format!("unknown group state {name:?}"))
}

fn topic_partitions(v: &Value) -> R<Vec<TopicPartitions>> {
    v.as_array()
        .ok_or("partitions: not a list")?
        .iter()
        .map(|tp| {
            Ok(TopicPartitions {
                topic: string(tp, "topic")?,
                partitions: list(tp, "partitions")?
                    .iter()
                    .map(|p| {
                        p.as_i64()
                            .map(|p| p as i32)
                            .ok_or("partition: not an integer")
                    })
                    .collect::<Result<_, _>>()?,
            })
        })
        .collect()
}

fn opt_topic_partitions(v: &Value, key: &str) -> R<Option<Vec<TopicPartitions>>> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(tps) => topic_partitions(tps).map(Some),
    }
}

fn rebalance_reason(v: &Value) -> R<RebalanceReason> {
    let member_id = || string(v, "member_id");
    Ok(match string(v, "kind")?.as_str() {
        "member_joined" => RebalanceReason::MemberJoined {
            member_id: member_id()?,
        },
        "member_metadata_changed" => RebalanceReason::MemberMetadataChanged {
            member_id: member_id()?,
        },
        "member_left" => RebalanceReason::MemberLeft {
            member_id: member_id()?,
        },
        "session_timeout" => RebalanceReason::SessionTimeout {
            member_id: member_id()?,
        },
        "sync_timeout" => RebalanceReason::SyncTimeout {
            member_ids: strings(v, "member_ids")?,
        },
        "static_member_changed" => RebalanceReason::StaticMemberChanged {
            member_id: member_id()?,
        },
        "static_member_restarted" => RebalanceReason::StaticMemberRestarted {
            member_id: member_id()?,
        },
        other => return Err(format!("unknown rebalance reason {other:?}")),
    })
}

fn removal_reason(v: &Value) -> R<RemovalReason> {
    Ok(match string(v, "reason")?.as_str() {
        "leave_group" => RemovalReason::LeaveGroup,
        "session_timeout" => RemovalReason::SessionTimeout,
        "rebalance_timeout" => RemovalReason::RebalanceTimeout,
        "sync_timeout" => RemovalReason::SyncTimeout,
        "fenced" => RemovalReason::Fenced,
        "admin" => RemovalReason::Admin,
        "unobserved" => RemovalReason::Unobserved,
        other => return Err(format!("unknown removal reason {other:?}")),
    })
}

fn log_start_reason(v: &Value) -> R<LogStartReason> {
    Ok(match string(v, "reason")?.as_str() {
        "retention_time" => LogStartReason::RetentionTime,
        "retention_size" => LogStartReason::RetentionSize,
        "delete_records" => LogStartReason::DeleteRecords,
        other => return Err(format!("unknown log start reason {other:?}")),
    })
}

/// One broker event.
pub fn event(v: &Value) -> R<Event> {
    let at = int(v, "at")?;
    let group = || string(v, "group");
    let topic = || string(v, "topic");
    let member_id = || string(v, "member_id");
    Ok(match string(v, "type")?.as_str() {
        "TopicCreated" => Event::TopicCreated {
            at,
            topic: topic()?,
            partitions: int32(v, "partitions")?,
        },
        "TopicDeleted" => Event::TopicDeleted {
            at,
            topic: topic()?,
        },
        "PartitionsAdded" => Event::PartitionsAdded {
            at,
            topic: topic()?,
            from: int32(v, "from")?,
            to: int32(v, "to")?,
        },
        "RecordsAppended" => Event::RecordsAppended {
            at,
            topic: topic()?,
            partition: int32(v, "partition")?,
            base_offset: int(v, "base_offset")?,
            count: int(v, "count")? as u32,
            log_end_offset: int(v, "log_end_offset")?,
            client_id: opt_string(v, "client_id")?,
            txn: match v.get("txn") {
                None | Some(Value::Null) => None,
                Some(t) => Some(TxnAppend {
                    producer_id: int(t, "producer_id")?,
                    marker: marker(t)?,
                }),
            },
            last_stable_offset: opt_int(v, "last_stable_offset")?,
        },
        "FetchServed" => Event::FetchServed {
            at,
            topic: topic()?,
            partition: int32(v, "partition")?,
            fetch_offset: int(v, "fetch_offset")?,
            records: int(v, "records")? as u32,
            high_watermark: int(v, "high_watermark")?,
            client_id: opt_string(v, "client_id")?,
        },
        "FetchOutOfRange" => Event::FetchOutOfRange {
            at,
            topic: topic()?,
            partition: int32(v, "partition")?,
            fetch_offset: int(v, "fetch_offset")?,
            log_start_offset: int(v, "log_start_offset")?,
            log_end_offset: int(v, "log_end_offset")?,
            client_id: opt_string(v, "client_id")?,
        },
        "LogStartMoved" => Event::LogStartMoved {
            at,
            topic: topic()?,
            partition: int32(v, "partition")?,
            from: int(v, "from")?,
            to: int(v, "to")?,
            reason: log_start_reason(v)?,
        },
        "OffsetCommitted" => Event::OffsetCommitted {
            at,
            group: group()?,
            topic: topic()?,
            partition: int32(v, "partition")?,
            offset: int(v, "offset")?,
            member_id: member_id()?,
            generation: int32(v, "generation")?,
        },
        "OffsetCommitRejected" => Event::OffsetCommitRejected {
            at,
            group: group()?,
            member_id: member_id()?,
            generation: int32(v, "generation")?,
            error: kafka_error(field(v, "error")?)?,
        },
        "OffsetsDeleted" => Event::OffsetsDeleted {
            at,
            group: group()?,
            count: int(v, "count")? as usize,
        },
        "GroupStateChanged" => Event::GroupStateChanged {
            at,
            group: group()?,
            from: group_state(v, "from")?,
            to: group_state(v, "to")?,
        },
        "MemberJoined" => Event::MemberJoined {
            at,
            group: group()?,
            member_id: member_id()?,
            group_instance_id: opt_string(v, "group_instance_id")?,
            client_id: string(v, "client_id")?,
            client_host: string(v, "client_host")?,
            session_timeout_ms: int32(v, "session_timeout_ms")?,
            rebalance_timeout_ms: int32(v, "rebalance_timeout_ms")?,
        },
        "StaticMemberReplaced" => Event::StaticMemberReplaced {
            at,
            group: group()?,
            group_instance_id: string(v, "group_instance_id")?,
            old_member_id: string(v, "old_member_id")?,
            new_member_id: string(v, "new_member_id")?,
        },
        "MemberRemoved" => Event::MemberRemoved {
            at,
            group: group()?,
            member_id: member_id()?,
            reason: removal_reason(v)?,
        },
        "RebalanceStarted" => Event::RebalanceStarted {
            at,
            group: group()?,
            generation: int32(v, "generation")?,
            reason: rebalance_reason(field(v, "reason")?)?,
        },
        "GenerationStarted" => Event::GenerationStarted {
            at,
            group: group()?,
            generation: int32(v, "generation")?,
            protocol: opt_string(v, "protocol")?,
            leader: opt_string(v, "leader")?,
            members: strings(v, "members")?,
        },
        "AssignmentCompleted" => Event::AssignmentCompleted {
            at,
            group: group()?,
            generation: int32(v, "generation")?,
            assignment: list(v, "assignment")?
                .iter()
                .map(|m| {
                    Ok(MemberAssignment {
                        member_id: string(m, "member_id")?,
                        group_instance_id: opt_string(m, "group_instance_id")?,
                        client_id: string(m, "client_id")?,
                        partitions: opt_topic_partitions(m, "partitions")?,
                    })
                })
                .collect::<R<_>>()?,
        },
        "Heartbeat" => Event::Heartbeat {
            at,
            group: group()?,
            member_id: member_id()?,
            error: match v.get("error") {
                None | Some(Value::Null) => None,
                Some(e) => Some(kafka_error(e)?),
            },
        },
        "GroupDeleted" => Event::GroupDeleted {
            at,
            group: group()?,
        },
        other => return Err(format!("unknown event type {other:?}")),
    })
}

/// `minikafka watch`'s freshness and rebalance list.
fn watch_status(v: &Value) -> R<WatchStatus> {
    Ok(WatchStatus {
        sampled_at: opt_int(v, "sampled_at")?,
        took_ms: opt_int(v, "took_ms")?.unwrap_or(0),
        interval_ms: opt_int(v, "interval_ms")?.unwrap_or(0),
        error: opt_string(v, "error")?,
        rebalances: match v.get("rebalances") {
            None => Vec::new(),
            Some(_) => list(v, "rebalances")?
                .iter()
                .map(|r| {
                    Ok(Rebalance {
                        group: string(r, "group")?,
                        at: int(r, "at")?,
                        reason: match string(r, "reason")?.as_str() {
                            "member_added" => InferredReason::MemberAdded,
                            "member_left" => InferredReason::MemberLeft,
                            "session_timeout" => InferredReason::SessionTimeout,
                            "other" => InferredReason::Other,
                            other => return Err(format!("unknown rebalance reason {other:?}")),
                        },
                        added: optional_strings(r, "added")?,
                        removed: optional_strings(r, "removed")?,
                        not_stable_ms: int(r, "not_stable_ms")?,
                        ongoing: r.get("ongoing").and_then(Value::as_bool).unwrap_or(false),
                    })
                })
                .collect::<R<_>>()?,
        },
        lag: match v.get("lag") {
            None => Vec::new(),
            Some(_) => list(v, "lag")?
                .iter()
                .map(|g| {
                    Ok(GroupLag {
                        group: string(g, "group")?,
                        points: list(g, "points")?
                            .iter()
                            .map(|p| match p.as_array().map(Vec::as_slice) {
                                Some([at, lag]) => Ok((
                                    at.as_i64().ok_or("lag point: not an integer")?,
                                    lag.as_i64().ok_or("lag point: not an integer")?,
                                )),
                                _ => Err("lag point: not a pair".to_string()),
                            })
                            .collect::<R<_>>()?,
                    })
                })
                .collect::<R<_>>()?,
        },
    })
}

fn optional_strings(v: &Value, key: &str) -> R<Vec<String>> {
    match v.get(key) {
        None => Ok(Vec::new()),
        Some(_) => strings(v, key),
    }
}

fn snapshot(v: &Value) -> R<Snapshot> {
    Ok(Snapshot {
        at: int(v, "at")?,
        brokers: match v.get("brokers") {
            None => Vec::new(),
            Some(_) => list(v, "brokers")?
                .iter()
                .map(|b| {
                    Ok(BrokerSnapshot {
                        node_id: int32(b, "node_id")?,
                        address: string(b, "address")?,
                        rack: opt_string(b, "rack")?,
                    })
                })
                .collect::<R<_>>()?,
        },
        topics: list(v, "topics")?
            .iter()
            .map(|t| {
                Ok(TopicSnapshot {
                    name: string(t, "name")?,
                    partitions: list(t, "partitions")?
                        .iter()
                        .map(|p| {
                            Ok(PartitionSnapshot {
                                partition: int32(p, "partition")?,
                                log_start_offset: int(p, "log_start_offset")?,
                                high_watermark: int(p, "high_watermark")?,
                                log_end_offset: int(p, "log_end_offset")?,
                                size_bytes: opt_int(p, "size_bytes")?.unwrap_or(0) as u64,
                                last_stable_offset: opt_int(p, "last_stable_offset")?,
                                txn_batches: match p.get("txn_batches") {
                                    None => Vec::new(),
                                    Some(_) => list(p, "txn_batches")?
                                        .iter()
                                        .map(|b| {
                                            Ok(TxnBatch {
                                                base_offset: int(b, "base_offset")?,
                                                last_offset: int(b, "last_offset")?,
                                                producer_id: int(b, "producer_id")?,
                                                marker: marker(b)?,
                                            })
                                        })
                                        .collect::<R<_>>()?,
                                },
                                leader: opt_int(p, "leader")?.map(|l| l as i32),
                            })
                        })
                        .collect::<R<_>>()?,
                })
            })
            .collect::<R<_>>()?,
        groups: list(v, "groups")?
            .iter()
            .map(|g| {
                Ok(GroupSnapshot {
                    group_id: string(g, "group_id")?,
                    state: group_state(g, "state")?,
                    protocol_type: string(g, "protocol_type")?,
                    protocol: string(g, "protocol")?,
                    generation: int32(g, "generation")?,
                    leader: opt_string(g, "leader")?,
                    members: list(g, "members")?
                        .iter()
                        .map(|m| {
                            Ok(MemberSnapshot {
                                member_id: string(m, "member_id")?,
                                group_instance_id: opt_string(m, "group_instance_id")?,
                                client_id: string(m, "client_id")?,
                                client_host: string(m, "client_host")?,
                                assignment: opt_topic_partitions(m, "assignment")?,
                                session_timeout_ms: opt_int(m, "session_timeout_ms")?.unwrap_or(0)
                                    as i32,
                                session_expires_at: opt_int(m, "session_expires_at")?,
                            })
                        })
                        .collect::<R<_>>()?,
                    committed: list(g, "committed")?
                        .iter()
                        .map(|c| {
                            Ok(CommittedSnapshot {
                                topic: string(c, "topic")?,
                                partition: int32(c, "partition")?,
                                offset: int(c, "offset")?,
                            })
                        })
                        .collect::<R<_>>()?,
                    epochs: opt_epochs(g, "epochs")?,
                })
            })
            .collect::<R<_>>()?,
    })
}

/// A consumer-protocol group's epochs (absent or null for a classic group).
fn opt_epochs(v: &Value, key: &str) -> R<Option<GroupEpochs>> {
    let e = match v.get(key) {
        None | Some(Value::Null) => return Ok(None),
        Some(e) => e,
    };
    let parts = |m: &Value, key: &str| -> R<Vec<TopicPartitions>> {
        Ok(opt_topic_partitions(m, key)?.unwrap_or_default())
    };
    Ok(Some(GroupEpochs {
        group_epoch: int32(e, "group_epoch")?,
        members: list(e, "members")?
            .iter()
            .map(|m| {
                Ok(MemberEpoch {
                    member_id: string(m, "member_id")?,
                    member_epoch: int32(m, "member_epoch")?,
                    owned: parts(m, "owned")?,
                    target: parts(m, "target")?,
                })
            })
            .collect::<R<_>>()?,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use minikafka::sim::{scenarios, WorldEventKind};

    fn same_as_serde(message: &LiveMessage) {
        let text = serde_json::to_string(message).unwrap();
        let by_hand = parse_message(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
        let by_serde: LiveMessage = serde_json::from_str(&text).unwrap();
        assert_eq!(by_hand, by_serde, "{text}");
        assert_eq!(&by_hand, message);
    }

    #[test]
    fn every_event_of_every_scenario_reads_as_serde_reads_it() {
        let mut kinds = std::collections::BTreeSet::new();
        for scenario in scenarios::all() {
            let mut world = scenario.world(5);
            for (at, command) in &scenario.script {
                world.run_until(*at);
                world.apply(command.clone());
                same_as_serde(&LiveMessage::Snapshot(Snapshot::of(
                    &world.broker,
                    world.now(),
                )));
            }
            world.run_until(scenario.duration);
            same_as_serde(&LiveMessage::Snapshot(Snapshot::of(
                &world.broker,
                world.now(),
            )));
            for e in world.take_events() {
                if let WorldEventKind::Broker { event } = e.kind {
                    kinds.insert(format!("{:?}", std::mem::discriminant(&event)));
                    same_as_serde(&LiveMessage::Event { event });
                }
            }
        }
        assert!(
            kinds.len() >= 12,
            "the scenarios produce most kinds of events: {}",
            kinds.len()
        );
    }

    #[test]
    fn every_reason_and_error_reads_back() {
        for reason in [
            RebalanceReason::MemberJoined {
                member_id: "m".into(),
            },
            RebalanceReason::MemberMetadataChanged {
                member_id: "m".into(),
            },
            RebalanceReason::MemberLeft {
                member_id: "m".into(),
            },
            RebalanceReason::SessionTimeout {
                member_id: "m".into(),
            },
            RebalanceReason::SyncTimeout {
                member_ids: vec!["a".into(), "b".into()],
            },
            RebalanceReason::StaticMemberChanged {
                member_id: "m".into(),
            },
            RebalanceReason::StaticMemberRestarted {
                member_id: "m".into(),
            },
        ] {
            same_as_serde(&LiveMessage::Event {
                event: Event::RebalanceStarted {
                    at: 1,
                    group: "g".into(),
                    generation: 2,
                    reason,
                },
            });
        }
        for reason in [
            RemovalReason::LeaveGroup,
            RemovalReason::SessionTimeout,
            RemovalReason::RebalanceTimeout,
            RemovalReason::SyncTimeout,
            RemovalReason::Fenced,
            RemovalReason::Admin,
            RemovalReason::Unobserved,
        ] {
            same_as_serde(&LiveMessage::Event {
                event: Event::MemberRemoved {
                    at: 1,
                    group: "g".into(),
                    member_id: "m".into(),
                    reason,
                },
            });
        }
        for reason in [
            LogStartReason::RetentionTime,
            LogStartReason::RetentionSize,
            LogStartReason::DeleteRecords,
        ] {
            same_as_serde(&LiveMessage::Event {
                event: Event::LogStartMoved {
                    at: 1,
                    topic: "t".into(),
                    partition: 0,
                    from: 0,
                    to: 5,
                    reason,
                },
            });
        }
        for error in KafkaError::ALL {
            same_as_serde(&LiveMessage::Event {
                event: Event::Heartbeat {
                    at: 1,
                    group: "g".into(),
                    member_id: "m".into(),
                    error: Some(error),
                },
            });
            same_as_serde(&LiveMessage::Event {
                event: Event::OffsetCommitRejected {
                    at: 1,
                    group: "g".into(),
                    member_id: "m".into(),
                    generation: 3,
                    error,
                },
            });
        }
        for m in [
            LiveMessage::Watch(WatchStatus::default()),
            LiveMessage::Watch(WatchStatus {
                sampled_at: Some(1_000),
                took_ms: 40,
                interval_ms: 2_000,
                error: Some("no answer".into()),
                rebalances: [
                    InferredReason::MemberAdded,
                    InferredReason::MemberLeft,
                    InferredReason::SessionTimeout,
                    InferredReason::Other,
                ]
                .into_iter()
                .map(|reason| Rebalance {
                    group: "g".into(),
                    at: 5,
                    reason,
                    added: vec!["m1".into()],
                    removed: Vec::new(),
                    not_stable_ms: 3_000,
                    ongoing: true,
                })
                .collect(),
                lag: vec![GroupLag {
                    group: "g".into(),
                    points: vec![(1_000, 5), (61_000, 0)],
                }],
            }),
            LiveMessage::Snapshot(Snapshot {
                at: 3,
                brokers: vec![BrokerSnapshot {
                    node_id: 2,
                    address: "b2:9092".into(),
                    rack: Some("eu-1a".into()),
                }],
                topics: vec![TopicSnapshot {
                    name: "t".into(),
                    partitions: vec![PartitionSnapshot {
                        partition: 0,
                        log_start_offset: 1,
                        high_watermark: 9,
                        log_end_offset: 9,
                        size_bytes: 0,
                        last_stable_offset: None,
                        txn_batches: Vec::new(),
                        leader: Some(2),
                    }],
                }],
                groups: Vec::new(),
            }),
            LiveMessage::Missed { count: 7 },
            LiveMessage::History {
                samples: vec![Snapshot {
                    at: 4,
                    brokers: Vec::new(),
                    topics: Vec::new(),
                    groups: Vec::new(),
                }],
            },
            LiveMessage::History {
                samples: Vec::new(),
            },
            LiveMessage::Epochs {
                group: "g".into(),
                epochs: None,
            },
            LiveMessage::Epochs {
                group: "g".into(),
                epochs: Some(GroupEpochs {
                    group_epoch: 4,
                    members: vec![MemberEpoch {
                        member_id: "m".into(),
                        member_epoch: 3,
                        owned: vec![TopicPartitions {
                            topic: "t".into(),
                            partitions: vec![0],
                        }],
                        target: Vec::new(),
                    }],
                }),
            },
            LiveMessage::Hello {
                admin: true,
                bootstrap: Some("127.0.0.1:9092".into()),
            },
            LiveMessage::Hello {
                admin: false,
                bootstrap: None,
            },
            LiveMessage::AdminResult {
                ok: false,
                message: "no".into(),
            },
            LiveMessage::Event {
                event: Event::PartitionsAdded {
                    at: 1,
                    topic: "t".into(),
                    from: 1,
                    to: 3,
                },
            },
            LiveMessage::Event {
                event: Event::GroupDeleted {
                    at: 1,
                    group: "g".into(),
                },
            },
            LiveMessage::Event {
                event: Event::OffsetsDeleted {
                    at: 1,
                    group: "g".into(),
                    count: 4,
                },
            },
            LiveMessage::Event {
                event: Event::TopicDeleted {
                    at: 1,
                    topic: "t".into(),
                },
            },
            LiveMessage::Event {
                event: Event::StaticMemberReplaced {
                    at: 1,
                    group: "g".into(),
                    group_instance_id: "i".into(),
                    old_member_id: "a".into(),
                    new_member_id: "b".into(),
                },
            },
            LiveMessage::Event {
                event: Event::FetchOutOfRange {
                    at: 1,
                    topic: "t".into(),
                    partition: 0,
                    fetch_offset: 9,
                    log_start_offset: 10,
                    log_end_offset: 20,
                    client_id: None,
                },
            },
        ] {
            same_as_serde(&m);
        }
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        for text in [
            "",
            "[]",
            "{}",
            r#"{"type":"event"}"#,
            r#"{"type":"event","event":{"type":"RecordsAppended","at":1}}"#,
            r#"{"type":"event","event":{"type":"Nope","at":1}}"#,
            r#"{"type":"event","event":{"type":"TopicCreated","at":1,"topic":"t","partitions":99999999999}}"#,
            r#"{"type":"snapshot","at":1,"topics":[{"name":"t","partitions":[{}]}],"groups":[]}"#,
            r#"{"type":"hello","admin":"yes"}"#,
        ] {
            assert!(parse_message(text).is_err(), "{text}");
        }
    }
}
