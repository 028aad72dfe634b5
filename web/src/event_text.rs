//! Event lines in the page's language.
//!
//! The core describes every event in English (`Display`), for logs, the CLI and tests. The
//! page's event lists are read by learners in Chinese too, so this module says the same
//! things in Chinese; in English it uses the core's own lines, so the two never disagree.

use minikafka::client::consumer::ConsumerEvent;
use minikafka::client::producer::ProducerEvent;
use minikafka::client::TopicPartition;
use minikafka::event::{Event, LogStartReason, RebalanceReason, RemovalReason, TxnAppend};
use minikafka::record::ControlType;
use minikafka::sim::{Command, CommitMode, Semantics, WorldEvent, WorldEventKind};

use crate::i18n::Lang;

fn tps(list: &[TopicPartition]) -> String {
    if list.is_empty() {
        return "（无）".to_string();
    }
    list.iter()
        .map(TopicPartition::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn by(client_id: &Option<String>) -> String {
    client_id
        .as_deref()
        .map(|c| format!("，来自 {c}"))
        .unwrap_or_default()
}

/// Why a member left, in `lang`.
pub fn removal_reason(reason: RemovalReason, lang: Lang) -> String {
    match lang {
        Lang::En => reason.to_string(),
        Lang::Zh => removal(reason).to_string(),
    }
}

fn removal(reason: RemovalReason) -> &'static str {
    match reason {
        RemovalReason::LeaveGroup => "发送了 LeaveGroup",
        RemovalReason::SessionTimeout => "会话超时：没有心跳",
        RemovalReason::RebalanceTimeout => "没有在再均衡超时内重新加入",
        RemovalReason::SyncTimeout => "没有及时发送 SyncGroup",
        RemovalReason::Fenced => "被同一静态成员的新实例隔离（fenced）",
        RemovalReason::Admin => "被管理员移除",
        RemovalReason::Unobserved => "自上次采样后消失（原因未报告）",
    }
}

fn rebalance(reason: &RebalanceReason) -> String {
    match reason {
        RebalanceReason::MemberJoined { member_id } => format!("{member_id} 加入"),
        RebalanceReason::MemberMetadataChanged { member_id } => {
            format!("{member_id} 改变了订阅")
        }
        RebalanceReason::MemberLeft { member_id } => format!("{member_id} 离开"),
        RebalanceReason::SessionTimeout { member_id } => format!("{member_id} 会话超时"),
        RebalanceReason::SyncTimeout { member_ids } => {
            format!("{} 没有发送 SyncGroup", member_ids.join(", "))
        }
        RebalanceReason::StaticMemberChanged { member_id } => {
            format!("静态成员 {member_id} 以会改变组协议选择的协议重新加入")
        }
        RebalanceReason::StaticMemberRestarted { member_id } => {
            format!("静态成员 {member_id} 在再均衡期间重启")
        }
    }
}

/// One broker event as a line in `lang`.
pub fn event_line(event: &Event, lang: Lang) -> String {
    if lang == Lang::En {
        return event.to_string();
    }
    match event {
        Event::TopicCreated {
            topic, partitions, ..
        } => format!("创建主题 {topic}，{partitions} 个分区"),
        Event::TopicDeleted { topic, .. } => format!("删除主题 {topic}"),
        Event::PartitionsAdded { topic, from, to, .. } => {
            format!("主题 {topic} 的分区从 {from} 个增加到 {to} 个")
        }
        Event::RecordsAppended {
            topic,
            partition,
            base_offset,
            txn: Some(TxnAppend {
                producer_id,
                marker: Some(marker),
            }),
            ..
        } => format!(
            "{topic}-{partition}：offset {base_offset} 写入生产者 {producer_id} 事务的 {} 标记",
            if *marker == ControlType::Commit { "COMMIT（提交）" } else { "ABORT（中止）" }
        ),
        Event::RecordsAppended {
            topic,
            partition,
            base_offset,
            count,
            log_end_offset,
            client_id,
            ..
        } => format!(
            "{topic}-{partition}：在 offset {base_offset} 追加 {count} 条记录{}（日志末端 {log_end_offset}）",
            by(client_id)
        ),
        Event::FetchServed {
            topic,
            partition,
            fetch_offset,
            records,
            high_watermark,
            client_id,
            ..
        } => format!(
            "{topic}-{partition}：从 offset {fetch_offset} 拉取{}，整批返回 {records} 条记录（高水位 {high_watermark}）",
            by(client_id)
        ),
        Event::FetchOutOfRange {
            topic,
            partition,
            fetch_offset,
            log_start_offset,
            log_end_offset,
            client_id,
            ..
        } => format!(
            "{topic}-{partition}：从 offset {fetch_offset} 拉取{}，超出范围 OFFSET_OUT_OF_RANGE（日志保存 {log_start_offset}..{log_end_offset}）",
            by(client_id)
        ),
        Event::LogStartMoved {
            topic,
            partition,
            from,
            to,
            reason,
            ..
        } => {
            let why = match reason {
                LogStartReason::RetentionTime => "按时间保留 retention.ms",
                LogStartReason::RetentionSize => "按大小保留 retention.bytes",
                LogStartReason::DeleteRecords => "DeleteRecords 请求",
            };
            format!("{topic}-{partition}：日志起始从 {from} 移到 {to}（{why}）")
        }
        Event::OffsetCommitted {
            group,
            topic,
            partition,
            offset,
            member_id,
            generation,
            ..
        } => {
            if *generation < 0 {
                format!("组 {group}：提交 {topic}-{partition} = {offset}（不经组管理）")
            } else {
                format!(
                    "组 {group}：{member_id} 在第 {generation} 代提交 {topic}-{partition} = {offset}"
                )
            }
        }
        Event::OffsetCommitRejected {
            group,
            member_id,
            generation,
            error,
            ..
        } => format!(
            "组 {group}：{member_id}（第 {generation} 代）的提交被拒绝：{}",
            error.name()
        ),
        Event::OffsetsDeleted { group, count, .. } => {
            format!("组 {group}：删除 {count} 个已提交 offset")
        }
        Event::GroupStateChanged { group, from, to, .. } => {
            format!("组 {group}：{from} -> {to}")
        }
        Event::MemberJoined {
            group,
            member_id,
            group_instance_id,
            ..
        } => match group_instance_id {
            Some(instance) => format!("组 {group}：静态成员 {instance} 以 {member_id} 加入"),
            None => format!("组 {group}：{member_id} 加入"),
        },
        Event::StaticMemberReplaced {
            group,
            group_instance_id,
            old_member_id,
            new_member_id,
            ..
        } => format!(
            "组 {group}：静态成员 {group_instance_id} 回来了：{old_member_id} 被隔离，现在是 {new_member_id}（没有再均衡）"
        ),
        Event::MemberRemoved {
            group,
            member_id,
            reason,
            ..
        } => format!("组 {group}：移除 {member_id}：{}", removal(*reason)),
        Event::RebalanceStarted {
            group,
            generation,
            reason,
            ..
        } => format!(
            "组 {group}：第 {generation} 代的再均衡开始：{}",
            rebalance(reason)
        ),
        Event::GenerationStarted {
            group,
            generation,
            protocol,
            leader,
            members,
            ..
        } => format!(
            "组 {group}：第 {generation} 代形成，{} 个成员，协议 {}，leader {}",
            members.len(),
            protocol.as_deref().unwrap_or("-"),
            leader.as_deref().unwrap_or("-")
        ),
        Event::AssignmentCompleted {
            group,
            generation,
            assignment,
            ..
        } => {
            let mut line = format!("组 {group}：第 {generation} 代的分配：");
            for member in assignment {
                let what = match &member.partitions {
                    _ if member.is_standby() => "备用（未分配）".to_string(),
                    Some(tps) => tps
                        .iter()
                        .map(|tp| format!("{}{:?}", tp.topic, tp.partitions))
                        .collect::<Vec<_>>()
                        .join(" "),
                    None => "（无法解析的分配）".to_string(),
                };
                line.push_str(&format!(" {} -> {what}；", member.member_id));
            }
            line
        }
        Event::Heartbeat {
            group,
            member_id,
            error,
            ..
        } => match error {
            None => format!("组 {group}：来自 {member_id} 的心跳"),
            Some(e) => format!("组 {group}：来自 {member_id} 的心跳，回答 {}", e.name()),
        },
        Event::GroupDeleted { group, .. } => format!("组 {group} 已删除"),
    }
}

/// A learner's or a scenario's command, in Chinese (the core says it in English).
fn command_zh(command: &Command) -> String {
    match command {
        Command::CreateTopic {
            topic, partitions, ..
        } => format!("创建主题 {topic}，{partitions} 个分区"),
        Command::AddPartitions { topic, total } => format!("主题 {topic} 增加到 {total} 个分区"),
        Command::AddProducer(p) => {
            format!(
                "启动生产者 {}（每秒 {} 条，写入 {}）",
                p.name, p.rate_per_sec, p.topic
            )
        }
        Command::SetProduceRate { name, rate_per_sec } => {
            format!("生产者 {name}：每秒 {rate_per_sec} 条")
        }
        Command::ProduceBurst { name, count } => format!("生产者 {name}：一次发送 {count} 条"),
        Command::AddConsumer(c) => format!("启动消费者 {}，加入组 {}", c.name, c.group),
        Command::CrashConsumer { name } => format!("消费者 {name} 崩溃"),
        Command::PauseConsumer { name, ms } => format!("冻结消费者 {name} {ms} 毫秒"),
        Command::StopConsumer { name } => format!("消费者 {name} 正常停止"),
        Command::RestartConsumer { name } => format!("重启消费者 {name}"),
        Command::Seek {
            name,
            topic,
            partition,
            offset,
        } => format!("消费者 {name}：把 {topic}-{partition} seek 到 {offset}"),
        Command::SetProcessingTime {
            name,
            processing_ms,
        } => format!("消费者 {name}：每条处理 {processing_ms} 毫秒"),
        Command::UpdateConsumer { name, .. } => format!("修改消费者 {name} 的设置"),
        Command::SetNetworkDelay { ms } => format!("网络延迟 {ms} 毫秒"),
        Command::SetCommitMode {
            name,
            mode,
            semantics,
        } => {
            let how = match mode {
                CommitMode::Auto => "自动提交（auto.commit.interval.ms）",
                CommitMode::PerRecord => "每条记录后提交",
                CommitMode::PerBatch => "每批之后提交",
                CommitMode::PerBatchAsync => "每批之后异步提交",
            };
            let order = match semantics {
                Semantics::AtLeastOnce => "至少一次：先处理，后提交",
                Semantics::AtMostOnce => "至多一次：先提交，后处理",
            };
            format!("消费者 {name} {how}，{order}")
        }
    }
}

/// One simulation event as a line in `lang`, with its time.
pub fn world_line(event: &WorldEvent, lang: Lang) -> String {
    if lang == Lang::En {
        return event.to_string();
    }
    let at = format!("[{:>4}.{:03}s]", event.at / 1000, event.at % 1000);
    let what = match &event.kind {
        WorldEventKind::Broker { event } => format!("broker    {}", event_line(event, lang)),
        WorldEventKind::Consumer { name, event } => {
            let what = match event {
                ConsumerEvent::JoinedGroup {
                    generation,
                    leader,
                    protocol,
                    ..
                } => format!(
                    "加入第 {generation} 代（{protocol}）{}",
                    if *leader {
                        "，作为 leader：由它计算分配"
                    } else {
                        ""
                    }
                ),
                ConsumerEvent::AssignmentReceived {
                    member_epoch,
                    partitions,
                } => format!(
                    "心跳应答：成员 epoch {member_epoch}，目标 {}",
                    tps(partitions)
                ),
                ConsumerEvent::PartitionsAssigned(p) => format!("分配到 {}", tps(p)),
                ConsumerEvent::PartitionsRevoked(p) => format!("撤销 {}", tps(p)),
                ConsumerEvent::PartitionsLost(p) => format!("失去 {}（无法再提交）", tps(p)),
                ConsumerEvent::CommitCompleted { offsets, error, .. } => {
                    let what = offsets
                        .iter()
                        .map(|(tp, o)| format!("{tp}={o}"))
                        .collect::<Vec<_>>()
                        .join(", ");
                    match error {
                        None => format!("提交成功：{what}"),
                        Some(e) => format!("提交失败（{}）：{what}", e.name()),
                    }
                }
                ConsumerEvent::PositionReset {
                    tp,
                    from,
                    to,
                    out_of_range,
                } => format!(
                    "{tp} 的位置从 {} 重置为 {to}{}",
                    from.map_or("无".to_string(), |o| o.to_string()),
                    if *out_of_range {
                        "（原位置超出范围）"
                    } else {
                        ""
                    }
                ),
                ConsumerEvent::OffsetOutOfRange { tp, offset } => format!(
                    "{tp} 的 offset {offset} 超出范围，且 auto.offset.reset=none：应用必须 seek"
                ),
                ConsumerEvent::NoOffsetForPartition(tp) => {
                    format!("{tp} 没有已提交 offset，且 auto.offset.reset=none")
                }
                ConsumerEvent::LeftGroup { reason } => format!("离开了组：{reason}"),
                ConsumerEvent::Fatal(e) => format!("致命错误 {}：已关闭", e.name()),
            };
            format!("{name:<9} {what}")
        }
        WorldEventKind::Producer { name, event } => {
            let what = match event {
                ProducerEvent::Acked { tp, offset, .. } => format!("已确认 {tp}@{offset}"),
                ProducerEvent::Failed { tp, error, .. } => {
                    format!("发送到 {tp} 失败：{}", error.name())
                }
                ProducerEvent::Expired { tp, .. } => {
                    format!("发送到 {tp} 超时（delivery.timeout.ms）")
                }
                ProducerEvent::MetadataUpdated { topic, partitions } => {
                    format!("看到主题 {topic} 有 {partitions} 个分区")
                }
            };
            format!("{name:<9} {what}")
        }
        WorldEventKind::Processed {
            name,
            tp,
            offset,
            times,
            ..
        } => {
            if *times > 1 {
                format!("{name:<9} 处理了 {tp}@{offset}（重复：已处理 {times} 次）")
            } else {
                format!("{name:<9} 处理了 {tp}@{offset}")
            }
        }
        WorldEventKind::Command { command } => format!("命令      {}", command_zh(command)),
        WorldEventKind::CommandRejected { command, reason } => {
            format!("命令      {} 被拒绝：{reason}", command_zh(command))
        }
    };
    format!("{at} {what}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use minikafka::sim::scenarios;

    fn chinese(s: &str) -> bool {
        s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
    }

    #[test]
    fn every_event_of_every_scenario_has_a_chinese_line_and_english_is_the_cores() {
        let mut kinds = 0;
        for scenario in scenarios::all() {
            let mut world = scenario.world(3);
            for (at, command) in &scenario.script {
                world.run_until(*at);
                world.apply(command.clone());
            }
            world.run_until(scenario.duration);
            for e in world.take_events() {
                assert_eq!(world_line(&e, Lang::En), e.to_string());
                let zh = world_line(&e, Lang::Zh);
                assert!(zh.starts_with(&format!("[{:>4}.", e.at / 1000)), "{zh}");
                assert!(chinese(&zh) || zh.contains("->"), "{zh}");
                if matches!(e.kind, WorldEventKind::Command { .. }) {
                    // A command in words, in the page's language: no Rust names.
                    assert!(!zh.contains('{') && !zh.contains("Consumer"), "{zh}");
                }
                kinds += 1;
            }
        }
        assert!(kinds > 1_000);
        // The learner's commit-mode button, said in words in both languages.
        let command = Command::SetCommitMode {
            name: "A".into(),
            mode: CommitMode::PerRecord,
            semantics: Semantics::AtLeastOnce,
        };
        assert_eq!(
            command.to_string(),
            "consumer A commits after every record, at least once: process, then commit"
        );
        assert_eq!(
            command_zh(&command),
            "消费者 A 每条记录后提交，至少一次：先处理，后提交"
        );
    }

    #[test]
    fn reasons_read_as_a_learner_would_say_them() {
        let removed = Event::MemberRemoved {
            at: 0,
            group: "g".into(),
            member_id: "A-1".into(),
            reason: RemovalReason::SessionTimeout,
        };
        assert_eq!(
            event_line(&removed, Lang::Zh),
            "组 g：移除 A-1：会话超时：没有心跳"
        );
        let started = Event::RebalanceStarted {
            at: 0,
            group: "g".into(),
            generation: 1,
            reason: RebalanceReason::SyncTimeout {
                member_ids: vec!["a".into(), "b".into()],
            },
        };
        assert_eq!(
            event_line(&started, Lang::Zh),
            "组 g：第 1 代的再均衡开始：a, b 没有发送 SyncGroup"
        );
        assert_eq!(event_line(&started, Lang::En), started.to_string());
    }
}
