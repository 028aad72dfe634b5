//! S9: the slow consumer. Heartbeats alone do not keep a member that stopped calling
//! `poll` in its group.

use crate::sim::command::{Command, ConsumerSpec};
use crate::sim::scenarios::{add_producer, burst, create_topic, say, Scenario};

pub(crate) const S9_TOPIC: &str = "jobs";
pub(crate) const S9_GROUP: &str = "workers";
/// `max.poll.interval.ms` in S9.
pub(crate) const S9_MAX_POLL_MS: i32 = 10_000;
/// When `slow` starts its 20 s record.
pub(crate) const S9_SLOW_AT: i64 = 10_000;
/// How long that record takes.
pub(crate) const S9_SLOW_MS: i64 = 20_000;

/// S9: the slow consumer.
pub(crate) fn s9() -> Scenario {
    let worker = |name: &str| {
        Command::AddConsumer(ConsumerSpec {
            name: name.into(),
            group: S9_GROUP.into(),
            topics: vec![S9_TOPIC.into()],
            max_poll_interval_ms: S9_MAX_POLL_MS,
            session_timeout_ms: 10_000,
            ..ConsumerSpec::default()
        })
    };
    let script = vec![
        (0, create_topic(S9_TOPIC, 2)),
        (0, add_producer("producer", S9_TOPIC, 10, 8)),
        (0, worker("fast")),
        (0, worker("slow")),
        (
            S9_SLOW_AT,
            Command::SetProcessingTime {
                name: "slow".into(),
                processing_ms: S9_SLOW_MS,
            },
        ),
        (S9_SLOW_AT, burst("producer", 8)),
        (
            S9_SLOW_AT + 200,
            Command::SetProcessingTime {
                name: "slow".into(),
                processing_ms: 10,
            },
        ),
    ];
    let narration = vec![
        say(
            0,
            "Group workers: fast and slow share topic jobs (2 partitions), one partition each. max.poll.interval.ms is 10 s, session.timeout.ms 10 s, heartbeats every 3 s.",
            "workers 组：fast 和 slow 共享主题 jobs（2 个分区），每人一个。max.poll.interval.ms 为 10 秒，session.timeout.ms 为 10 秒，每 3 秒一次心跳。",
        ),
        say(
            S9_SLOW_AT,
            "slow's application gets stuck on one record for 20 s (think: a call to a hanging service). Its heartbeat thread keeps running, so the coordinator sees a healthy session.",
            "slow 的应用卡在一条消息上 20 秒（比如调用了一个挂住的外部服务）。它的心跳线程照常运行，所以协调者看到的会话是健康的。",
        ),
        say(
            S9_SLOW_AT + 10_200,
            "10 s without poll: the consumer itself gives up its membership (its partitions are lost, it sends LeaveGroup), although its heartbeats never stopped. A member that cannot make progress must not hold partitions.",
            "10 秒没有调用 poll：消费者自己放弃了成员身份（它的分区被视为丢失，并发送 LeaveGroup），尽管它的心跳从未停止。一个无法推进进度的成员不应该继续占着分区。",
        ),
        say(
            S9_SLOW_AT + 11_200,
            "The group rebalances without slow: fast now owns both partitions and resumes slow's partition from its last committed offset.",
            "组在没有 slow 的情况下再均衡：fast 现在拥有两个分区，并从 slow 那个分区最后提交的 offset 继续消费。",
        ),
        say(
            S9_SLOW_AT + S9_SLOW_MS + 300,
            "slow finally finishes its record, then the rest of the batch it had polled: records of a partition it no longer owns, which fast has already processed from the committed offset. Duplicates. Then it polls again, rejoins as a new member and gets a partition back.",
            "slow 终于处理完那条消息，接着处理它之前 poll 到的剩余消息：这些消息属于一个它已经不再拥有的分区，而 fast 已经从已提交 offset 开始把它们处理过了。于是产生重复。随后它再次调用 poll，以新成员身份重新加入，又分到一个分区。",
        ),
    ];
    Scenario {
        id: "S9".into(),
        title_en: "Slow consumer".into(),
        title_zh: "慢消费者".into(),
        duration: S9_SLOW_AT + S9_SLOW_MS + 15_000,
        script,
        narration,
    }
}
