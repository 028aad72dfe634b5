//! S14: the classic and the consumer (KIP-848) group protocols, side by side. The same
//! topic, the same newcomer, the same crash; only `group.protocol` differs.

use crate::client::consumer::GroupProtocol;
use crate::sim::command::{Command, ConsumerSpec};
use crate::sim::pauses::Phase;
use crate::sim::scenarios::{add_producer, create_topic, say, Scenario};

pub(crate) const S14_TOPIC: &str = "events";
/// The group with `group.protocol=classic` (Kafka's default settings: eager, range).
pub(crate) const CLASSIC: &str = "classic";
/// The group with `group.protocol=consumer` (the broker's `uniform` assignor).
pub(crate) const CONSUMER: &str = "consumer";
/// When member C joins each group.
pub(crate) const S14_JOIN_AT: i64 = 20_000;
/// Member B of each group is slow: after each polled batch it makes one slow call (a bulk
/// write to a database) that takes this long, and only then polls again. A member takes
/// part in a rebalance only from `poll`, so a rebalance lasts as long as its slowest member
/// needs: the classic group waits for B with every partition stopped; the consumer group
/// waits for B only for the partition B gives up or gets.
pub(crate) const S14_BATCH_MS: i64 = 6_000;
/// When member A of each group is killed.
pub(crate) const S14_CRASH_AT: i64 = 40_000;
/// Both protocols notice a crash only when the session runs out: 45 s, Kafka's default
/// `session.timeout.ms` (classic) and `group.consumer.session.timeout.ms` (consumer).
pub(crate) const S14_SESSION_MS: i64 = 45_000;

/// The phases S14's pauses are counted in: from C's join, and from A's crash. Nothing
/// before C joins is counted: the two groups form differently (the classic group waits
/// `group.initial.rebalance.delay.ms` for more members first), and both are long stable
/// when C comes.
pub(crate) fn phases() -> Vec<Phase> {
    vec![
        Phase {
            name: "join".into(),
            from: S14_JOIN_AT,
        },
        Phase {
            name: "crash".into(),
            from: S14_CRASH_AT,
        },
    ]
}

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
                batch_ms: if letter == 'B' { S14_BATCH_MS } else { 0 },
                ..ConsumerSpec::default()
            };
            let at = if letter == 'C' { S14_JOIN_AT } else { 0 };
            script.push((at, Command::AddConsumer(spec)));
        }
        script.push((
            S14_CRASH_AT,
            Command::CrashConsumer {
                name: member(group, 'A'),
            },
        ));
    }
    crate::sort::sort_by_key(&mut script, |(at, _)| *at);
    // A's last heartbeat came up to one interval (3 s) before it was killed: each
    // coordinator gives up on it 45 s after that one, at about 83 s (classic) and 84 s.
    let expired = S14_CRASH_AT + S14_SESSION_MS - 2_000;
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
            10_000,
            "Member B of each group is slow: after each batch it writes to a slow database for 6 s, and only then polls again. A member can act on a rebalance only from poll, between two batches.",
            "两个组的成员 B 都很慢：每处理完一批，要往一个很慢的数据库写 6 秒，然后才再次 poll。成员只能在 poll 里、两批之间处理再均衡。",
        ),
        say(
            S14_JOIN_AT,
            "Member C joins each group. Classic: the coordinator starts a new generation, and every member must rejoin. Consumer: the group epoch goes up and the coordinator computes a new target: A and B each give one partition to C.",
            "成员 C 加入每个组。classic：协调者开始新的一代，每个成员都必须重新加入。consumer：组 epoch 加一，协调者计算新的目标：A 和 B 各交给 C 一个分区。",
        ),
        say(
            S14_JOIN_AT + 2_000,
            "Classic: A heard of the rebalance at its heartbeat, gave up all 3 of its partitions and waits in JoinGroup, with C, for the slow B: nobody reads A's partitions. Consumer: A committed and released only the partition C gets (struck, then gone), and reads its other two on.",
            "classic：A 在心跳中得知再均衡，交出了自己全部 3 个分区，和 C 一起在 JoinGroup 里等待慢吞吞的 B：A 的分区无人读取。consumer：A 只提交并释放了 C 要拿的那个分区（先划掉，再消失），另外两个继续读。",
        ),
        say(
            S14_JOIN_AT + 3_500,
            "Consumer: B released its partition for C once its batch was written, and C's next heartbeat brought both (outlined, then filled). B never stopped reading the two it keeps. Classic: everyone still waits for B.",
            "consumer：B 写完这一批后释放了给 C 的分区，C 的下一次心跳把两个分区都带来了（先空心，后实心）。B 一直在读它保留的两个分区。classic：大家还在等 B。",
        ),
        say(
            S14_JOIN_AT + 6_500,
            "Classic: B finished its batch, gave up all 3 of its partitions too, and only then could generation 2 form: range dealt 2 to each. Under each topic, what C's join cost: the members that stopped, the partitions that stopped, and the partition-seconds paused (records waiting, nobody reading).",
            "classic：B 写完这一批，也交出了全部 3 个分区，第 2 代这才形成：range 给每人分 2 个。每个主题下面是 C 加入的代价：停下的成员、停过的分区，以及暂停的分区·秒（有消息在等、却无人读取）。",
        ),
        say(
            S14_CRASH_AT,
            "Member A of each group is killed: no goodbye. Both coordinators learn it only when A's session runs out, in 45 s. The consumer protocol does not notice a crash sooner: meanwhile A's 2 partitions wait in both groups.",
            "两个组的成员 A 都被杀掉了：没有告别。两个协调者都要等 A 的会话在 45 秒后过期才知道。consumer 协议并不会更早发现崩溃：这期间两个组里 A 的 2 个分区都在等待。",
        ),
        say(
            expired,
            "Classic: A's session ran out. C heard it at its heartbeat, gave up both its partitions and waits in JoinGroup for the slow B again. Now 4 partitions wait: A's 2 and C's 2.",
            "classic：A 的会话过期了。C 在心跳中得知，交出了自己的 2 个分区，又在 JoinGroup 里等待慢吞吞的 B。现在有 4 个分区在等：A 的 2 个和 C 的 2 个。",
        ),
        say(
            expired + 3_000,
            "Consumer: A's session ran out there too. Only A's 2 partitions move: one to C at its next heartbeat, one to B once its batch is written. B and C never stop reading their own.",
            "consumer：这边 A 的会话也过期了。只有 A 的 2 个分区移动：一个在 C 的下一次心跳时给 C，一个在 B 写完这一批后给 B。B 和 C 一直在读自己的分区。",
        ),
        say(
            expired + 5_000,
            "Classic: B finished its batch, gave up all its partitions too, and only then could generation 3 form: range dealt all 6 anew.",
            "classic：B 写完这一批，也交出了全部分区，第 3 代这才形成：range 把 6 个分区重新分了一遍。",
        ),
        say(
            expired + 7_500,
            "Compare the lines under each topic. Both groups waited 45 s for A's session (no protocol sees a crash sooner). Beyond that, classic stopped every member and all 6 partitions at each change; consumer stopped no member, only the partitions that moved.",
            "对比每个主题下面的几行。两个组都为 A 的会话等了 45 秒（哪种协议都不会更早发现崩溃）。除此之外，classic 每次变化都让所有成员和全部 6 个分区停下；consumer 没让任何成员停下，只停了移动的分区。",
        ),
    ];
    Scenario {
        id: "S14".into(),
        title_en: "Classic vs consumer protocol (KIP-848)".into(),
        title_zh: "经典协议与 consumer 协议（KIP-848）".into(),
        duration: expired + 14_000,
        script,
        narration,
    }
}
