//! S11: the four built-in assignors, side by side, one group each.
//!
//! The setup (2 topics x 3 partitions, members a and b in each group) shows
//! the four assignments side by side. With two members, a leaving member only ever moves
//! its own partitions, whatever the assignor; so the scenario then adds a third member c
//! and lets it leave again: going from 3 members to 2 is where range and roundrobin
//! reshuffle partitions that could have stayed (4 moves) and the sticky assignors do not
//! (2 moves).

use crate::client::assignor::AssignorKind;
use crate::sim::command::{Command, ConsumerSpec};
use crate::sim::scenarios::{add_producer, create_topic, say, Scenario};

pub(crate) const S11_TOPICS: [&str; 2] = ["clicks", "views"];
/// When the third member joins each group, and when it leaves again.
pub(crate) const S11_JOIN_AT: i64 = 15_000;
pub(crate) const S11_LEAVE_AT: i64 = 30_000;

/// The group of an assignor, and its consumers' name prefix: `g-range`, `range-a`...
pub(crate) fn group_of(kind: AssignorKind) -> String {
    format!("g-{}", kind.name())
}

/// Consumer `member` (`a`, `b`, `c`) of the group using `kind`.
pub(crate) fn consumer_of(kind: AssignorKind, member: &str) -> String {
    format!("{}-{member}", kind.name())
}

/// S11: assignors compared.
pub(crate) fn s11() -> Scenario {
    let mut script = Vec::new();
    for topic in S11_TOPICS {
        script.push((0, create_topic(topic, 3)));
        script.push((0, add_producer(&format!("{topic}-producer"), topic, 10, 12)));
    }
    for (member, at) in [("a", 0), ("b", 0), ("c", S11_JOIN_AT)] {
        for kind in AssignorKind::ALL {
            script.push((
                at,
                Command::AddConsumer(ConsumerSpec {
                    name: consumer_of(kind, member),
                    group: group_of(kind),
                    topics: S11_TOPICS.iter().map(|t| t.to_string()).collect(),
                    assignors: vec![kind],
                    ..ConsumerSpec::default()
                }),
            ));
        }
    }
    for kind in AssignorKind::ALL {
        script.push((
            S11_LEAVE_AT,
            Command::StopConsumer {
                name: consumer_of(kind, "c"),
            },
        ));
    }
    let narration = vec![
        say(
            0,
            "Two topics, clicks and views, 3 partitions each. Four groups read both, each with its own assignor: range, roundrobin, sticky, cooperative-sticky. Members a and b join each group.",
            "两个主题 clicks 和 views，各 3 个分区。四个组都订阅这两个主题，各用一种分配器：range、roundrobin、sticky、cooperative-sticky。每组先加入成员 a 和 b。",
        ),
        say(
            6_000,
            "Compare: range works topic by topic and gives a the first 2 partitions of EACH topic: a 4, b 2. roundrobin deals all 6 in turn and the sticky ones balance: 3 and 3. Range keeps partition i of every topic on the same member (co-partitioning), at the price of balance.",
            "对比一下：range 按主题逐个分配，每个主题的前 2 个分区都给了 a：a 4 个，b 2 个。roundrobin 像发牌一样把 6 个分区轮流分给成员，两种 sticky 也都均衡：各 3 个。range 让每个主题的第 i 个分区落在同一个成员上（共分区），代价是不均衡。",
        ),
        say(
            S11_JOIN_AT,
            "Member c joins every group: now each assignor gives 2 + 2 + 2 (cooperative-sticky in two rounds: for one generation c is a standby member while a and b give up one partition each).",
            "成员 c 加入每个组：现在每种分配器都给出 2 + 2 + 2（cooperative-sticky 分两轮完成：在一代里 c 是备用成员，a 和 b 各自先交出一个分区）。",
        ),
        say(
            S11_LEAVE_AT,
            "c leaves every group. Its 2 partitions must move, but how many move in total? range: 4 and roundrobin: 4, because they recompute from scratch and reshuffle partitions a and b already had. sticky and cooperative-sticky: 2, only c's.",
            "c 离开每个组。它的 2 个分区必须迁移，但总共迁移了多少个？range 4 个、roundrobin 4 个，因为它们从头重新计算，把 a 和 b 原有的分区也打乱了。sticky 和 cooperative-sticky 只迁移 2 个，也就是 c 的那两个。",
        ),
        say(
            S11_LEAVE_AT + 5_000,
            "A moved partition costs a pause, a commit and a re-read from the committed offset, plus any local state rebuilt. Only cooperative-sticky also lets a and b keep consuming during the rebalance.",
            "每迁移一个分区，都意味着一次停顿、一次提交、从已提交 offset 的重新读取，以及本地状态的重建。只有 cooperative-sticky 还能让 a 和 b 在再均衡期间继续消费。",
        ),
    ];
    Scenario {
        id: "S11".into(),
        title_en: "Assignors compared".into(),
        title_zh: "分配器对比".into(),
        duration: S11_LEAVE_AT + 15_000,
        script,
        narration,
    }
}
