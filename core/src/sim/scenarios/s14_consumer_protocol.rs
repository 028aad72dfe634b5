//! S14: the classic and the consumer (KIP-848) group protocols, side by side. The same
//! topic, the same newcomer, the same crash; only `group.protocol` differs.

use crate::client::consumer::GroupProtocol;
use crate::sim::command::{Command, ConsumerSpec};
use crate::sim::scenarios::{add_producer, create_topic, say, Scenario};

pub(crate) const S14_TOPIC: &str = "events";
/// The group with `group.protocol=classic` (Kafka's default settings: eager, range).
pub(crate) const CLASSIC: &str = "classic";
/// The group with `group.protocol=consumer` (the broker's `uniform` assignor).
pub(crate) const CONSUMER: &str = "consumer";
/// When member C joins each group.
pub(crate) const S14_JOIN_AT: i64 = 20_000;
/// From `S14_SLOW.0` to `S14_SLOW.1`, member B of each group waits on a slow downstream
/// call. A member takes part in a rebalance only between two batches (from `poll`), so a
/// rebalance lasts as long as its slowest member needs: the classic group waits for B with
/// every partition stopped; the consumer group waits for B only for the partition B gives up.
pub(crate) const S14_SLOW: (i64, i64) = (S14_JOIN_AT - 2_000, S14_JOIN_AT + 3_000);
/// Milliseconds per record while B is slow (10 otherwise).
pub(crate) const S14_SLOW_MS: i64 = 250;
/// When member A of each group is killed.
pub(crate) const S14_CRASH_AT: i64 = 40_000;
/// Both protocols notice a crash only when the session runs out: 45 s, Kafka's default
/// `session.timeout.ms` (classic) and `group.consumer.session.timeout.ms` (consumer).
pub(crate) const S14_SESSION_MS: i64 = 45_000;

/// A member's name: `classic-A`, `consumer-C`...
pub(crate) fn member(group: &str, letter: char) -> String {
    format!("{group}-{letter}")
}

pub(crate) fn s14() -> Scenario {
    let mut script = vec![
        (0, create_topic(S14_TOPIC, 6)),
        (0, add_producer("producer", S14_TOPIC, 30, 24)),
    ];
    for (group, protocol) in [
        (CLASSIC, GroupProtocol::Classic),
        (CONSUMER, GroupProtocol::Consumer),
    ] {
        for letter in ['A', 'B', 'C'] {
            let spec = ConsumerSpec {
                name: member(group, letter),
                group: group.into(),
                topics: vec![S14_TOPIC.into()],
                group_protocol: protocol,
                ..ConsumerSpec::default()
            };
            let at = if letter == 'C' { S14_JOIN_AT } else { 0 };
            script.push((at, Command::AddConsumer(spec)));
        }
        for (at, ms) in [(S14_SLOW.0, S14_SLOW_MS), (S14_SLOW.1, 10)] {
            script.push((
                at,
                Command::SetProcessingTime {
                    name: member(group, 'B'),
                    processing_ms: ms,
                },
            ));
        }
        script.push((
            S14_CRASH_AT,
            Command::CrashConsumer {
                name: member(group, 'A'),
            },
        ));
    }
    crate::sort::sort_by_key(&mut script, |(at, _)| *at);
    let detected = S14_CRASH_AT + S14_SESSION_MS;
    let narration = vec![
        say(
            0,
            "Two groups read the same 6-partition topic. Group classic uses the classic protocol (Kafka's default: JoinGroup, SyncGroup, eager). Group consumer uses the consumer protocol of KIP-848 (group.protocol=consumer). Each starts with members A and B.",
            "两个组读同一个 6 分区的主题。classic 组使用经典协议（Kafka 默认：JoinGroup、SyncGroup、eager）。consumer 组使用 KIP-848 的 consumer 协议（group.protocol=consumer）。两组开始时都有成员 A 和 B。",
        ),
        say(
            5_000,
            "In the consumer group the coordinator computes the assignment itself. Each member heartbeats with its member epoch; the answer carries its target partitions. Outlined: target; filled: owned.",
            "在 consumer 组里，分配由协调者自己计算。每个成员带着自己的成员 epoch 发送心跳；应答里带着它的目标分区。空心框：目标；实心：已拥有。",
        ),
        say(
            S14_SLOW.0,
            "Member B of each group starts waiting on a slow database: 250 ms per record. A member can act on a rebalance only between two batches, from poll.",
            "两个组的成员 B 开始等待一个很慢的数据库：每条消息 250 毫秒。成员只能在两批之间（在 poll 里）处理再均衡。",
        ),
        say(
            S14_JOIN_AT,
            "Member C joins each group. Classic: the coordinator starts a new generation, and every member must rejoin. Consumer: the group epoch goes up and the coordinator computes a new target: A and B each give one partition to C.",
            "成员 C 加入每个组。classic：协调者开始新的一代，每个成员都必须重新加入。consumer：组 epoch 加一，协调者计算新的目标：A 和 B 各交给 C 一个分区。",
        ),
        say(
            S14_JOIN_AT + 2_500,
            "Classic: A gave up all 3 of its partitions and waits in JoinGroup for the slow B: nobody reads them. Consumer: A committed and released only the partition C gets (struck, then gone), and reads the other two on. C's outlined chips are its target: it gets each partition at a heartbeat after its owner let it go, B's once the slow B has.",
            "classic：A 交出了自己全部 3 个分区，在 JoinGroup 里等待慢吞吞的 B：这些分区无人读取。consumer：A 只提交并释放了 C 要拿的那个分区（先划掉，再消失），另外两个继续读。C 的空心框是它的目标：旧主放手之后，C 在下一次心跳时拿到分区；B 的那个要等慢吞吞的 B 放手。",
        ),
        say(
            S14_SLOW.1 + 3_000,
            "Consumer: each move took two heartbeats: the old owner revoked first (commit, stop, acknowledge), then C's next heartbeat brought the partition. Member epochs moved one by one. Compare the paused counts of the two groups.",
            "consumer：每次迁移需要两次心跳：旧主先撤销（提交、停止、确认），C 的下一次心跳才拿到分区。成员 epoch 一个一个地前进。对比两个组的暂停计数。",
        ),
        say(
            S14_CRASH_AT,
            "Member A of each group is killed: no goodbye. Both coordinators learn it only when A's session runs out, in 45 s. The consumer protocol does not notice a crash sooner.",
            "两个组的成员 A 都被杀掉了：没有告别。两个协调者都要等 A 的会话在 45 秒后过期才知道。consumer 协议并不会更早发现崩溃。",
        ),
        say(
            detected + 3_000,
            "A's session ran out. Classic: B and C stop again, give up all their partitions, rejoin, and range deals all 6 out anew. Consumer: only A's 2 partitions move, one to B and one to C at their next heartbeats; B and C never stop reading theirs.",
            "A 的会话过期了。classic：B 和 C 再次停下，交出全部分区，重新加入，range 把 6 个分区重新分一遍。consumer：只有 A 的 2 个分区移动，在 B 和 C 的下一次心跳时各拿一个；B 和 C 一直在读自己的分区。",
        ),
    ];
    Scenario {
        id: "S14".into(),
        title_en: "Classic vs consumer protocol (KIP-848)".into(),
        title_zh: "经典协议与 consumer 协议（KIP-848）".into(),
        duration: detected + 12_000,
        script,
        narration,
    }
}
