//! S8: static membership. A static member may be away for up to its session timeout
//! without a rebalance.

use crate::sim::command::{Command, ConsumerSpec};
use crate::sim::scenarios::{add_producer, create_topic, say, Scenario};

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
