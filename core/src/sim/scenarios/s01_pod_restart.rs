//! S1 and S1b: the pod restart, the seed's central story, with a crash and with a clean
//! shutdown.

use crate::sim::command::{Command, ConsumerSpec, ProducerSpec};
use crate::sim::scenarios::{say, Narration, Scenario};

pub(crate) const TOPIC: &str = "user-events";
pub(crate) const GROUP: &str = "group-1";

/// Consumers A and B as in the seed: at-least-once, auto-commit every 5 s,
/// `session.timeout.ms` 30 s.
fn consumer(name: &str) -> ConsumerSpec {
    ConsumerSpec {
        name: name.into(),
        group: GROUP.into(),
        topics: vec![TOPIC.into()],
        session_timeout_ms: 30_000,
        processing_ms: 10,
        ..ConsumerSpec::default()
    }
}

/// The common start: topic, producer, A and B; A owns partition 0 and B is standby;
/// 101 records (0..100) processed by A, with the last auto-commit at 95.
fn setup() -> (Vec<(i64, Command)>, Vec<Narration>) {
    let script = vec![
        (
            0,
            Command::CreateTopic {
                topic: TOPIC.into(),
                partitions: 1,
                retention_ms: None,
                segment_bytes: None,
            },
        ),
        (
            0,
            Command::AddProducer(ProducerSpec {
                name: "producer".into(),
                topic: TOPIC.into(),
                ..ProducerSpec::default()
            }),
        ),
        (0, Command::AddConsumer(consumer("A"))),
        (1_000, Command::AddConsumer(consumer("B"))),
        // 95 records (offsets 0..94): A processes them; the auto-commit at ~10 s stores 95.
        (
            7_000,
            Command::ProduceBurst {
                name: "producer".into(),
                count: 95,
            },
        ),
        // 6 more (95..100) right after that commit: processed, not yet committed.
        (
            10_500,
            Command::ProduceBurst {
                name: "producer".into(),
                count: 6,
            },
        ),
    ];
    let narration = vec![
        say(
            0,
            "Topic user-events has one partition. Consumers A and B join group-1: a partition is read by at most one member of a group.",
            "主题 user-events 只有一个分区。消费者 A 和 B 加入 group-1：同一个组里，一个分区最多只能被一个成员消费。",
        ),
        say(
            6_500,
            "The rebalance is done: A owns partition 0, B is a standby member with nothing assigned. B still heartbeats.",
            "再均衡完成：A 拿到分区 0，B 是没有分配到分区的备用成员，但它仍在发送心跳。",
        ),
        say(
            7_000,
            "95 records arrive (offsets 0..94). A processes them; auto-commit (every 5 s, inside poll) stores offset 95.",
            "到达 95 条消息（offset 0..94）。A 处理完；自动提交（每 5 秒，在 poll 中执行）把 offset 95 存到 broker。",
        ),
        say(
            10_500,
            "6 more records (95..100). A processes them too; its position is now 101, but the committed offset is still 95.",
            "又来 6 条消息（95..100）。A 也处理完了；它的位置现在是 101，但已提交的 offset 仍是 95。",
        ),
    ];
    (script, narration)
}

/// S1: A's pod is killed.
pub(crate) fn s1() -> Scenario {
    let (mut script, mut narration) = setup();
    script.push((12_000, Command::CrashConsumer { name: "A".into() }));
    narration.extend([
        say(
            12_000,
            "A's pod is killed: no LeaveGroup, no last commit. Its progress past 95 (offsets 95..100, position 101) lived only in its memory.",
            "A 的 Pod 被杀掉：没有发送 LeaveGroup，也没有最后一次提交。它在 95 之后的进度（offset 95..100，位置 101）只存在于内存中。",
        ),
        say(
            13_000,
            "The coordinator does not know A is gone. It waits session.timeout.ms (30 s) after A's last sign of life (its commit at 10 s).",
            "协调者并不知道 A 已经挂了。它要等到 A 最后一次“报平安”（10 秒时的提交）之后 session.timeout.ms（30 秒）。",
        ),
        say(
            40_100,
            "A's session expired: the coordinator removes A and starts a rebalance. B learns it from its next heartbeat (REBALANCE_IN_PROGRESS).",
            "A 的会话过期：协调者移除 A 并开始再均衡。B 在下一次心跳时收到 REBALANCE_IN_PROGRESS 得知此事。",
        ),
        say(
            42_300,
            "B owns partition 0, asks the broker for the committed offset (95) and starts there: offsets 95..100 are processed a second time.",
            "B 拿到分区 0，向 broker 查询已提交的 offset（95），并从那里开始：offset 95..100 被第二次处理。",
        ),
        say(
            50_000,
            "6 duplicates, nothing lost. That is at-least-once delivery: commit more often to shrink the window, and make processing idempotent.",
            "6 条重复，没有丢失。这就是至少一次（at-least-once）投递：更频繁地提交可以缩小重复窗口，处理逻辑要做到幂等。",
        ),
    ]);
    Scenario {
        id: "S1".into(),
        title_en: "Pod restart (the seed's story)".into(),
        title_zh: "Pod 重启（原始问题中的故事）".into(),
        duration: 60_000,
        script,
        narration,
    }
}

/// S1b: A shuts down cleanly.
pub(crate) fn s1b() -> Scenario {
    let (mut script, mut narration) = setup();
    script.push((12_000, Command::StopConsumer { name: "A".into() }));
    narration.extend([
        say(
            12_000,
            "A shuts down cleanly: it commits its position (101) and sends LeaveGroup.",
            "A 正常关闭：它提交自己的位置（101），并发送 LeaveGroup。",
        ),
        say(
            12_100,
            "The coordinator rebalances at once: no session-timeout wait. B learns it with its next heartbeat.",
            "协调者立即再均衡，无需等待会话超时。B 在下一次心跳时得知。",
        ),
        say(
            16_000,
            "B owns partition 0 and starts at 101: nothing is processed twice.",
            "B 拿到分区 0，从 101 开始：没有任何消息被重复处理。",
        ),
    ]);
    Scenario {
        id: "S1b".into(),
        title_en: "Graceful restart".into(),
        title_zh: "优雅重启".into(),
        duration: 30_000,
        script,
        narration,
    }
}
