//! S4 and S5: when to commit. Three commit strategies crash at the same point (S4);
//! committing before or after processing decides between losing and re-reading (S5).
//!
//! Both are one run with one group per strategy, each group a single consumer reading
//! the same topic: the groups see the same records at the same speed and crash at the
//! same instant, so the learner compares the strategies side by side on identical input
//! (duplicates and commit counts per group) instead of remembering three separate runs.

use crate::sim::command::{Command, CommitMode, ConsumerSpec, Semantics};
use crate::sim::scenarios::{add_producer, burst, create_topic, say, Scenario};

pub(crate) const S4_TOPIC: &str = "payments";
/// S4's groups, one consumer each, named like its group.
pub(crate) const S4_GROUPS: [&str; 3] = ["per-record", "per-batch", "auto-5s"];
/// When S4's consumers crash, all at once.
pub(crate) const S4_CRASH_AT: i64 = 14_550;
/// Records per `poll` in S4 and S5.
pub(crate) const BATCH: usize = 100;

/// A consumer alone in its own group, named like the group: 10 ms per record, 100 records
/// per poll, a 10 s session timeout so the restart is quick.
fn solo(group: &str, topic: &str, mode: CommitMode, semantics: Semantics) -> ConsumerSpec {
    ConsumerSpec {
        name: group.into(),
        group: group.into(),
        topics: vec![topic.into()],
        session_timeout_ms: 10_000,
        max_poll_records: BATCH,
        processing_ms: 10,
        commit_mode: mode,
        semantics,
        ..ConsumerSpec::default()
    }
}

/// S4: commit strategies, three groups side by side.
pub(crate) fn s4() -> Scenario {
    let modes = [
        CommitMode::PerRecord,
        CommitMode::PerBatch,
        CommitMode::Auto,
    ];
    let mut script = vec![
        (0, create_topic(S4_TOPIC, 1)),
        (0, add_producer("producer", S4_TOPIC, 0, 0)),
    ];
    for (group, mode) in S4_GROUPS.into_iter().zip(modes) {
        script.push((
            0,
            Command::AddConsumer(solo(group, S4_TOPIC, mode, Semantics::AtLeastOnce)),
        ));
    }
    script.push((5_000, burst("producer", 1_000)));
    for group in S4_GROUPS {
        script.push((S4_CRASH_AT, Command::CrashConsumer { name: group.into() }));
    }
    for group in S4_GROUPS {
        script.push((
            S4_CRASH_AT + 1_000,
            Command::RestartConsumer { name: group.into() },
        ));
    }
    let narration = vec![
        say(
            0,
            "One topic, three groups, one consumer each; they read the same records at the same speed (10 ms each, 100 per poll). Only when they commit differs: after every record, after every batch, or auto-commit every 5 s.",
            "一个主题，三个消费组，每组一个消费者；它们以相同的速度读同样的消息（每条 10 毫秒，每次 poll 100 条）。唯一的区别是提交时机：每条消息提交一次、每批提交一次，或者每 5 秒自动提交一次。",
        ),
        say(
            5_000,
            "1000 records arrive. Count the OffsetCommit requests each group sends: about one per record, one per 100 records, one per 5 s.",
            "到达 1000 条消息。数一数每个组发出的 OffsetCommit 请求：大约每条一次、每 100 条一次、每 5 秒一次。",
        ),
        say(
            S4_CRASH_AT,
            "All three consumers crash at the same moment, each in the middle of a batch, after processing the same records.",
            "三个消费者在同一时刻崩溃，都处在某一批的中间，并且已经处理了同样多的消息。",
        ),
        say(
            S4_CRASH_AT + 1_000,
            "They restart and rejoin; the coordinator waits for the dead members' session timeout (10 s), then each group resumes from its committed offset.",
            "它们重启并重新加入；协调者要等死掉的旧成员会话超时（10 秒），然后每个组从自己的已提交 offset 继续。",
        ),
        say(
            S4_CRASH_AT + 12_000,
            "Duplicates: per-record 0, per-batch what it had processed of the current batch (at most one batch), auto-commit up to 5 s of records. The safer the strategy, the more commit requests it costs.",
            "重复条数：逐条提交为 0；逐批提交是当前批中已处理的部分（最多一批）；自动提交最多可达 5 秒的消息量。越安全的策略，提交请求越多，代价越高。",
        ),
    ];
    Scenario {
        id: "S4".into(),
        title_en: "Commit strategies".into(),
        title_zh: "提交策略".into(),
        duration: S4_CRASH_AT + 20_000,
        script,
        narration,
    }
}

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
