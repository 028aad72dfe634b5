//! S8 and S9: what keeps a member in its group. A static member may be away for up to its
//! session timeout without a rebalance (S8); heartbeats alone do not keep a member that
//! stopped calling `poll` (S9).

use crate::sim::command::{Command, ConsumerSpec};
use crate::sim::scenarios::{add_producer, burst, create_topic, say, Scenario};

pub(crate) const S8_TOPIC: &str = "payments";
pub(crate) const STATIC_GROUP: &str = "static-group";
pub(crate) const DYNAMIC_GROUP: &str = "dynamic-group";
/// When `pod-1` and `dyn-1` shut down, and when they are started again.
pub(crate) const S8_STOP_AT: i64 = 15_000;
pub(crate) const S8_RESTART_AT: i64 = 25_000;

fn member(name: &str, group: &str, instance: Option<&str>) -> Command {
    Command::AddConsumer(ConsumerSpec {
        name: name.into(),
        group: group.into(),
        topics: vec![S8_TOPIC.into()],
        instance_id: instance.map(str::to_string),
        session_timeout_ms: 45_000,
        ..ConsumerSpec::default()
    })
}

/// S8: static membership, side by side with a dynamic group doing the same restart.
pub(crate) fn s8() -> Scenario {
    let mut script = vec![
        (0, create_topic(S8_TOPIC, 4)),
        (0, add_producer("producer", S8_TOPIC, 20, 16)),
        (0, member("pod-1", STATIC_GROUP, Some("pod-1"))),
        (0, member("pod-2", STATIC_GROUP, Some("pod-2"))),
        (0, member("dyn-1", DYNAMIC_GROUP, None)),
        (0, member("dyn-2", DYNAMIC_GROUP, None)),
    ];
    for name in ["pod-1", "dyn-1"] {
        script.push((S8_STOP_AT, Command::StopConsumer { name: name.into() }));
    }
    for name in ["pod-1", "dyn-1"] {
        script.push((
            S8_RESTART_AT,
            Command::RestartConsumer { name: name.into() },
        ));
    }
    let narration = vec![
        say(
            0,
            "Two groups read the same 4 partitions with 2 consumers each, session.timeout.ms 45 s. In static-group the consumers set group.instance.id (pod-1, pod-2); in dynamic-group they do not.",
            "两个组各用 2 个消费者读同样的 4 个分区，session.timeout.ms 为 45 秒。static-group 的消费者设置了 group.instance.id（pod-1、pod-2）；dynamic-group 的消费者没有设置。",
        ),
        say(
            S8_STOP_AT,
            "A rolling restart: pod-1 and dyn-1 shut down cleanly. dyn-1 sends LeaveGroup, so its group rebalances at once and dyn-2 takes all 4 partitions. pod-1, a static member, sends no LeaveGroup: the coordinator keeps its place and its partitions wait for it.",
            "滚动重启：pod-1 和 dyn-1 正常关闭。dyn-1 发送 LeaveGroup，它的组立即再均衡，dyn-2 接管全部 4 个分区。pod-1 是静态成员，不发送 LeaveGroup：协调者为它保留位置，它的分区等它回来。",
        ),
        say(
            S8_RESTART_AT,
            "Both come back 10 s later, well within the 45 s session timeout. dyn-1 joins as a new member: a second rebalance. pod-1 joins with the same group.instance.id: the coordinator fences the old member id, hands the new one the same assignment, and nobody else notices. No rebalance.",
            "10 秒后两者都回来了，远在 45 秒会话超时之内。dyn-1 以新成员身份加入：又一次再均衡。pod-1 带着相同的 group.instance.id 加入：协调者把旧的 member id 隔离（fence）掉，把同样的分配交给新 id，其他成员毫无察觉。没有再均衡。",
        ),
        say(
            S8_RESTART_AT + 5_000,
            "The price: while pod-1 was away its partitions were not consumed (their lag grew). Static membership trades a short pause for no rebalance storms; if pod-1 stayed away longer than 45 s, the session would expire and the group would rebalance after all.",
            "代价是：pod-1 不在时，它的分区没人消费（lag 会增长）。静态成员用短暂的停顿换来了不再有再均衡风暴；如果 pod-1 离开超过 45 秒，会话就会过期，组最终还是会再均衡。",
        ),
    ];
    Scenario {
        id: "S8".into(),
        title_en: "Static membership".into(),
        title_zh: "静态成员".into(),
        duration: S8_RESTART_AT + 15_000,
        script,
        narration,
    }
}

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
