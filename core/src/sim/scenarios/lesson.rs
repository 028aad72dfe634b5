//! Guided lessons: at the key moment of a scenario, the page pauses and asks the learner to
//! predict what happens next, then plays on and lets the stage show why. Predicting before
//! seeing is what makes the answer stick (VisuAlgo's "training mode" does the same).

use crate::Millis;

/// A question the page asks at `at`, before the scenario shows the answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    /// When to pause and ask (simulated ms).
    pub at: Millis,
    /// The question, in English and Chinese.
    pub ask: (&'static str, &'static str),
    /// The options, each in English and Chinese.
    pub options: Vec<(&'static str, &'static str)>,
    /// The index of the right option.
    pub answer: usize,
    /// One sentence saying why, shown once answered, while the scenario plays on.
    pub why: (&'static str, &'static str),
}

/// The questions of a scenario, in time order.
pub fn questions(scenario: &str) -> Vec<Question> {
    match scenario {
        "S1" => vec![Question {
            at: 38_000,
            ask: (
                "A died with its position at 101; the committed offset is 95. In 2 s its session runs out and B takes partition 0 over. Where will B start reading?",
                "A 崩溃时位置是 101；已提交的 offset 是 95。2 秒后它的会话过期，B 接手分区 0。B 会从哪里开始读？",
            ),
            options: vec![("0", "0"), ("95", "95"), ("101", "101")],
            answer: 1,
            why: (
                "B starts at the committed offset, 95: the broker only knows what was committed. A's progress to 101 died with it, so 95..100 are processed twice.",
                "B 从已提交的 offset 95 开始：broker 只知道提交过的进度。A 到 101 的进度随它一起消失了，所以 95..100 会被处理两次。",
            ),
        }],
        "S5" => vec![Question {
            at: super::s04::S5_CRASH_AT,
            ask: (
                "Both consumers crash in the middle of a batch. at-most-once had committed the end of that batch before processing it. What happens to the rest of its batch?",
                "两个消费者都在处理一批消息的中途崩溃。at-most-once 在处理这批之前就已提交了它的末尾。这批中剩下的消息会怎样？",
            ),
            options: vec![
                ("It is processed after the restart", "重启后会被处理"),
                ("It is never processed: lost", "永远不会被处理：丢失"),
                ("It is processed twice", "会被处理两次"),
            ],
            answer: 1,
            why: (
                "The restarted consumer resumes at the committed offset, after the batch: the unprocessed rest is skipped. at-least-once re-reads instead.",
                "重启后的消费者从已提交的 offset（这批之后）继续：没处理的部分被跳过。at-least-once 则会重读。",
            ),
        }],
        "S6" => vec![Question {
            at: 4 * super::s06::S6_STEP - 1_000,
            ask: (
                "4 partitions, 4 members, one partition each. A 5th member is about to join. What does it get?",
                "4 个分区，4 个成员，每人一个分区。第 5 个成员即将加入。它会分到什么？",
            ),
            options: vec![
                ("A partition: the others share theirs", "一个分区：其他人分出来"),
                ("Nothing: it waits on the bench as a standby", "什么都没有：作为备用成员等待"),
                ("Half of a partition", "半个分区"),
            ],
            answer: 1,
            why: (
                "A partition is read by one member of a group at most, so the 5th member is a standby: it heartbeats and takes over when a member dies.",
                "同一个组里一个分区最多被一个成员读取，所以第 5 个成员是备用成员：它发送心跳，有成员挂掉时接手。",
            ),
        }],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_question_has_its_answer_among_its_options_and_falls_within_its_scenario() {
        for s in super::super::all() {
            for q in questions(&s.id) {
                assert!(q.answer < q.options.len(), "{}", s.id);
                assert!(q.at > 0 && q.at < s.duration, "{}", s.id);
            }
        }
        assert_eq!(
            questions("S1")[0].options[questions("S1")[0].answer].0,
            "95"
        );
    }
}
