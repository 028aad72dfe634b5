//! S5: at-most-once vs at-least-once. Committing before or after processing decides
//! between losing the rest of a batch and reading it again; same one-run, one-group-per-
//! strategy layout as S4 (`s04_commit_strategies.rs`).

use super::s04_commit_strategies::solo;
use crate::sim::command::{Command, CommitMode, Semantics};
use crate::sim::scenarios::{add_producer, burst, create_topic, say, Scenario};

pub(crate) const S5_TOPIC: &str = "orders";
pub(crate) const AT_MOST_ONCE: &str = "at-most-once";
pub(crate) const AT_LEAST_ONCE: &str = "at-least-once";
/// When S5's consumers crash: in the middle of their second batch.
pub(crate) const S5_CRASH_AT: i64 = 6_550;

/// S5: at-most-once vs at-least-once.
pub(crate) fn s5() -> Scenario {
    let mut script = vec![
        (0, create_topic(S5_TOPIC, 1)),
        (0, add_producer("producer", S5_TOPIC, 0, 0)),
        (
            0,
            Command::AddConsumer(solo(
                AT_MOST_ONCE,
                S5_TOPIC,
                CommitMode::PerBatch,
                Semantics::AtMostOnce,
            )),
        ),
        (
            0,
            Command::AddConsumer(solo(
                AT_LEAST_ONCE,
                S5_TOPIC,
                CommitMode::PerBatch,
                Semantics::AtLeastOnce,
            )),
        ),
        (5_000, burst("producer", 300)),
    ];
    for name in [AT_MOST_ONCE, AT_LEAST_ONCE] {
        script.push((S5_CRASH_AT, Command::CrashConsumer { name: name.into() }));
    }
    for name in [AT_MOST_ONCE, AT_LEAST_ONCE] {
        script.push((
            S5_CRASH_AT + 1_000,
            Command::RestartConsumer { name: name.into() },
        ));
    }
    let narration = vec![
        say(
            0,
            "Two groups read the same topic, 100 records per poll. at-most-once commits the end of each batch right after poll, before processing it; at-least-once commits after processing the batch.",
            "两个组读同一个主题，每次 poll 100 条。at-most-once 在 poll 之后、处理之前就提交这一批的末尾；at-least-once 则在整批处理完之后才提交。",
        ),
        say(
            5_000,
            "300 records arrive. Watch the committed offsets: at-most-once is always a batch ahead of its processing, at-least-once a batch behind.",
            "到达 300 条消息。观察已提交 offset：at-most-once 总是比处理进度超前一批，at-least-once 则落后一批。",
        ),
        say(
            S5_CRASH_AT,
            "Both crash in the middle of their second batch.",
            "两个消费者都在处理第二批的中途崩溃。",
        ),
        say(
            S5_CRASH_AT + 1_000,
            "They restart. After the dead members' session timeout, each resumes from its committed offset.",
            "它们重启。等旧成员会话超时之后，各自从已提交的 offset 继续。",
        ),
        say(
            S5_CRASH_AT + 12_000,
            "at-most-once starts after the batch it had committed: the unprocessed rest of that batch is skipped, flagged lost. at-least-once starts at the batch's beginning: what it had processed is processed again, flagged duplicate. Neither loses AND duplicates: pick which failure your application can live with.",
            "at-most-once 从已提交的那一批之后开始：那一批中没处理完的部分被跳过，标记为丢失。at-least-once 从这一批的开头重新开始：已处理过的部分被再处理一次，标记为重复。两者都不会既丢又重：请选择你的应用能承受的那种失败。",
        ),
    ];
    Scenario {
        id: "S5".into(),
        title_en: "At-most-once vs at-least-once".into(),
        title_zh: "至多一次与至少一次".into(),
        duration: S5_CRASH_AT + 20_000,
        script,
        narration,
    }
}
