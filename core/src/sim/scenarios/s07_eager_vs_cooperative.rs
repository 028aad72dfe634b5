//! S7: eager vs cooperative. The two rebalance protocols handle the same newcomer
//! differently while a slow member makes the rebalance wait.

use crate::client::assignor::AssignorKind;
use crate::sim::command::{Command, ConsumerSpec};
use crate::sim::scenarios::{add_producer, create_topic, say, Scenario};

pub(crate) const S7_TOPIC: &str = "events";
pub(crate) const EAGER: &str = "eager";
pub(crate) const COOPERATIVE: &str = "cooperative";
/// When the third consumer joins each group.
pub(crate) const S7_JOIN_AT: i64 = 20_000;
/// From `S7_SLOW.0` to `S7_SLOW.1`, member 2 of each group waits on a slow downstream
/// call (`S7_SLOW_MS` per record). A member rejoins only from `poll`, between batches, so
/// the rebalance waits for it: this is how long a rebalance really lasts, and eager and
/// cooperative spend that wait differently.
pub(crate) const S7_SLOW: (i64, i64) = (S7_JOIN_AT - 2_000, S7_JOIN_AT + 3_000);
/// Milliseconds per record while member 2 is slow (10 otherwise).
pub(crate) const S7_SLOW_MS: i64 = 250;

/// S7: eager vs cooperative, one group each, the same sticky assignment, only the
/// protocol differs.
pub(crate) fn s7() -> Scenario {
    let mut script = vec![
        (0, create_topic(S7_TOPIC, 6)),
        (0, add_producer("producer", S7_TOPIC, 30, 24)),
    ];
    for (group, assignor) in [
        (EAGER, AssignorKind::Sticky),
        (COOPERATIVE, AssignorKind::CooperativeSticky),
    ] {
        for i in 1..=3 {
            let spec = ConsumerSpec {
                name: format!("{group}-{i}"),
                group: group.into(),
                topics: vec![S7_TOPIC.into()],
                assignors: vec![assignor],
                ..ConsumerSpec::default()
            };
            let at = if i < 3 { 0 } else { S7_JOIN_AT };
            script.push((at, Command::AddConsumer(spec)));
        }
        for (at, ms) in [(S7_SLOW.0, S7_SLOW_MS), (S7_SLOW.1, 10)] {
            script.push((
                at,
                Command::SetProcessingTime {
                    name: format!("{group}-2"),
                    processing_ms: ms,
                },
            ));
        }
    }
    crate::sort::sort_by_key(&mut script, |(at, _)| *at);
    let narration = vec![
        say(
            0,
            "Two groups read the same 6-partition topic. Group eager uses the sticky assignor (eager protocol); group cooperative uses cooperative-sticky (cooperative protocol). Both start with 2 consumers: 3 + 3.",
            "两个组读同一个 6 分区的主题。eager 组使用 sticky 分配器（eager 协议）；cooperative 组使用 cooperative-sticky（cooperative 协议）。两组开始时都有 2 个消费者：3 + 3。",
        ),
        say(
            S7_SLOW.0,
            "eager-2 and cooperative-2 start waiting on a slow database: 250 ms per record. A member can rejoin only between batches (from poll), so the coming rebalance will have to wait for them.",
            "eager-2 和 cooperative-2 开始等待一个很慢的数据库：每条消息 250 毫秒。成员只能在两批之间（在 poll 里）重新加入，所以接下来的再均衡必须等它们。",
        ),
        say(
            S7_JOIN_AT,
            "A third consumer joins each group. Both assignors want the same target: everyone keeps 2 of its 3 partitions, the newcomer gets the other 2.",
            "每个组都加入第三个消费者。两种分配器的目标相同：老成员各自保留 3 个分区中的 2 个，新成员拿走剩下的 2 个。",
        ),
        say(
            S7_JOIN_AT + 1_200,
            "Eager: eager-1 hears of the rebalance in a heartbeat, revokes ALL its partitions (committing first) and waits in JoinGroup for the slow eager-2. Nobody reads its 3 partitions until the new assignment arrives, although 2 of them will come back to it.",
            "eager：eager-1 在心跳中得知再均衡，撤销自己的全部分区（先提交），然后在 JoinGroup 里等待慢吞吞的 eager-2。在新分配到达之前，它的 3 个分区无人读取，尽管其中 2 个最后还会回到它手里。",
        ),
        say(
            S7_JOIN_AT + 2_200,
            "Cooperative: cooperative-1 rejoins too, but it keeps its partitions and keeps reading them while the group waits for cooperative-2. Compare the two groups' lines now.",
            "cooperative：cooperative-1 也重新加入了，但它保留自己的分区，在组等待 cooperative-2 的同时继续读取。现在对比一下两个组的连线。",
        ),
        say(
            S7_SLOW.1 + 600,
            "Eager stopped all 6 partitions and gave 4 straight back. Cooperative stopped only the 2 that move: round 2 hands them to the newcomer at the members' next heartbeat (up to 3 s). Compare the two counts under the logs.",
            "eager 停下了全部 6 个分区，又把其中 4 个原样还回去。cooperative 只停下要迁移的 2 个：第二轮在成员的下一次心跳时（最多 3 秒）把它们交给新成员。对比两组日志下方的计数。",
        ),
    ];
    Scenario {
        id: "S7".into(),
        title_en: "Eager vs cooperative rebalancing".into(),
        title_zh: "eager 与 cooperative 再均衡".into(),
        duration: S7_JOIN_AT + 20_000,
        script,
        narration,
    }
}
