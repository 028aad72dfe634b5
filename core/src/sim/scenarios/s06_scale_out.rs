//! S6: scale out. A group grows one consumer at a time, past its partition count.

use crate::sim::command::{Command, ConsumerSpec};
use crate::sim::scenarios::{add_producer, create_topic, say, Scenario};

pub(crate) const S6_TOPIC: &str = "orders";
pub(crate) const S6_GROUP: &str = "scale-out";
/// A new consumer joins every `S6_STEP` ms: c1 at 0, c2 at 15 s, ..., c5 at 60 s.
pub(crate) const S6_STEP: i64 = 15_000;

/// S6: scale out.
pub(crate) fn s6() -> Scenario {
    let mut script = vec![
        (0, create_topic(S6_TOPIC, 4)),
        (0, add_producer("producer", S6_TOPIC, 20, 16)),
    ];
    for i in 0..5 {
        script.push((
            i * S6_STEP,
            Command::AddConsumer(ConsumerSpec {
                name: format!("c{}", i + 1),
                group: S6_GROUP.into(),
                topics: vec![S6_TOPIC.into()],
                ..ConsumerSpec::default()
            }),
        ));
    }
    let narration = vec![
        say(
            0,
            "Topic orders has 4 partitions and a producer writes 20 records/s to them. Consumer c1 joins group scale-out alone: after the initial rebalance delay (3 s) it owns all 4.",
            "主题 orders 有 4 个分区，生产者每秒向其写入 20 条消息。消费者 c1 独自加入 scale-out 组：经过初始再均衡延迟（3 秒）后，4 个分区全归它。",
        ),
        say(
            S6_STEP,
            "c2 joins. Its JoinGroup starts a rebalance; c1 hears of it in its next heartbeat, rejoins, and the leader's range assignor splits the partitions 2 + 2.",
            "c2 加入。它的 JoinGroup 触发再均衡；c1 在下一次心跳时得知，重新加入，leader 用 range 分配器把分区分成 2 + 2。",
        ),
        say(
            2 * S6_STEP,
            "c3 joins: 4 partitions over 3 members is 2 + 1 + 1. Range gives the extra partition to the first member in member-id order.",
            "c3 加入：4 个分区分给 3 个成员，就是 2 + 1 + 1。range 把多出来的那个分区给按 member id 排在最前面的成员。",
        ),
        say(
            3 * S6_STEP,
            "c4 joins: one partition each. The group has reached its maximum useful size.",
            "c4 加入：每人一个分区。这个组已经达到了有意义的最大规模。",
        ),
        say(
            4 * S6_STEP,
            "c5 joins, but there is no fifth partition: c5 is a standby member. It heartbeats and waits; if a member dies, it takes over. More consumers than partitions never means more throughput.",
            "c5 加入，但没有第五个分区：c5 成为备用成员。它照常发送心跳并等待；一旦有成员挂掉，它就接手。消费者多于分区，吞吐量并不会增加。",
        ),
    ];
    Scenario {
        id: "S6".into(),
        title_en: "Scale out".into(),
        title_zh: "横向扩容".into(),
        duration: 5 * S6_STEP,
        script,
        narration,
    }
}
