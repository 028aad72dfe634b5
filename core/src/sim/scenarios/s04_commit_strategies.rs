//! S4: commit strategies. Three commit strategies crash at the same point.
//!
//! S4 and S5 are each one run with one group per strategy, each group a single consumer
//! reading the same topic: the groups see the same records at the same speed and crash at
//! the same instant, so the learner compares the strategies side by side on identical
//! input (duplicates and commit counts per group) instead of remembering separate runs.

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
pub(super) fn solo(
    group: &str,
    topic: &str,
    mode: CommitMode,
    semantics: Semantics,
) -> ConsumerSpec {
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
