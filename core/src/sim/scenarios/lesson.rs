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
            at: super::s05_at_most_once::S5_CRASH_AT,
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
            at: 4 * super::s06_scale_out::S6_STEP - 1_000,
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
        "S2" => vec![Question {
            at: 11_900,
            ask: (
                "C is about to seek partition 1 back to offset 10. What happens to the group's committed offset for partition 1 at the broker?",
                "C 即将把分区 1 seek 回 offset 10。broker 上该组分区 1 的已提交 offset 会怎样？",
            ),
            options: vec![
                ("It goes back to 10 at once", "立刻回到 10"),
                ("Nothing yet: seek only moves C's own position", "暂时不变：seek 只改变 C 自己的位置"),
                ("Records before 10 are deleted", "10 之前的消息被删除"),
            ],
            answer: 1,
            why: (
                "seek is local to the consumer: its next fetch asks for offset 10 and records 10.. are processed again. The committed offset moves only when C commits.",
                "seek 只发生在消费者本地：它的下一次 fetch 请求 offset 10，10 之后的消息被再次处理。只有 C 提交时，已提交的 offset 才会变。",
            ),
        }],
        "S3" => vec![Question {
            at: 21_500,
            ask: (
                "log start 150, committed 285, processed 300, position 310, high watermark 315. If C crashes now, which of these numbers does its replacement still know?",
                "日志起点 150，已提交 285，已处理 300，位置 310，高水位 315。如果 C 现在崩溃，接替者还能知道哪个数？",
            ),
            options: vec![
                ("position 310", "位置 310"),
                ("processed 300", "已处理 300"),
                ("committed 285", "已提交 285"),
            ],
            answer: 2,
            why: (
                "Only the committed offset is kept by the broker (__consumer_offsets). position and processed live in the consumer's memory: 300 - 285 = 15 records would be delivered again.",
                "只有已提交的 offset 保存在 broker（__consumer_offsets）。位置和已处理只存在于消费者内存中：300 - 285 = 15 条会被再次投递。",
            ),
        }],
        "S4" => vec![Question {
            at: 14_500,
            ask: (
                "All three consumers are about to crash in the middle of a batch. Which group will process the most records twice?",
                "三个消费者都将在处理一批消息的中途崩溃。哪个组会重复处理最多的消息？",
            ),
            options: vec![
                ("commit per record", "逐条提交"),
                ("commit per batch", "逐批提交"),
                ("auto-commit every 5 s", "每 5 秒自动提交"),
            ],
            answer: 2,
            why: (
                "Auto-commit can be up to 5 s behind, and everything since the last auto-commit is read again. Per batch repeats at most one batch, per record none: safety costs commit requests.",
                "自动提交最多落后 5 秒，上次自动提交之后的都会重读。逐批最多重复一批，逐条不重复：越安全，提交请求越多。",
            ),
        }],
        "S7" => vec![Question {
            at: super::s07_eager_vs_cooperative::S7_JOIN_AT + 1_000,
            ask: (
                "Both groups now wait about 2 s for their slow member 2. Meanwhile, who still reads member 1's partitions p0, p2, p4?",
                "两个组都在等慢吞吞的成员 2，大约 2 秒。这期间，谁还在读成员 1 的分区 p0、p2、p4？",
            ),
            options: vec![
                ("Both groups", "两个组"),
                ("Only eager", "只有 eager"),
                ("Only cooperative", "只有 cooperative"),
                ("Neither", "都没有"),
            ],
            answer: 2,
            why: (
                "An eager member gives up all its partitions before it rejoins, and waits with nothing. A cooperative member keeps them and gives up only what moves, after the new assignment.",
                "eager 成员在重新加入之前放弃全部分区，然后空着手等待。cooperative 成员保留它们，只在新分配之后交出要迁移的分区。",
            ),
        }],
        "S8" => vec![Question {
            at: 24_900,
            ask: (
                "pod-1 (static: group.instance.id) and dyn-1 (dynamic) come back 10 s after a clean shutdown, within the 45 s session timeout. What does static-group do when pod-1 returns?",
                "pod-1（静态成员：group.instance.id）和 dyn-1（动态成员）在正常关闭 10 秒后回来，仍在 45 秒会话超时之内。pod-1 回来时 static-group 会怎样？",
            ),
            options: vec![
                ("A rebalance, like dynamic-group", "再均衡，和 dynamic-group 一样"),
                ("No rebalance: pod-1 gets its old partitions back", "不再均衡：pod-1 拿回原来的分区"),
                ("pod-1 waits on the bench as a standby", "pod-1 作为备用成员等待"),
            ],
            answer: 1,
            why: (
                "The coordinator kept pod-1's place and assignment under its group.instance.id: it fences the old member id and hands the new one the same partitions. Nobody else notices.",
                "协调者按 group.instance.id 保留了 pod-1 的位置和分配：它隔离旧的 member id，把同样的分区交给新的。其他成员毫无察觉。",
            ),
        }],
        "S9" => vec![Question {
            at: 20_000,
            ask: (
                "slow has been stuck on one record for 10 s (max.poll.interval.ms), but its heartbeat thread keeps the session alive. What happens now?",
                "slow 已经卡在一条消息上 10 秒（max.poll.interval.ms），但它的心跳线程让会话保持存活。现在会发生什么？",
            ),
            options: vec![
                ("Nothing: heartbeats keep it in the group", "什么也不会发生：心跳让它留在组里"),
                ("It leaves the group itself; its partition moves to fast", "它自己离开组；分区交给 fast"),
                ("The broker kills its process", "broker 杀掉它的进程"),
            ],
            answer: 1,
            why: (
                "A member that cannot make progress must not hold partitions: the consumer gives up its membership itself when poll is late, and the group rebalances without it.",
                "无法推进的成员不应占着分区：poll 超时后消费者自己放弃成员身份，组在没有它的情况下再均衡。",
            ),
        }],
        "S10" => vec![Question {
            at: 15_500,
            ask: (
                "laggard's next fetch asks for offset 60, but retention has moved the log start to 96. What happens to offsets 60..95?",
                "laggard 的下一次 fetch 请求 offset 60，但保留策略已把日志起点移到 96。offset 60..95 会怎样？",
            ),
            options: vec![
                ("The broker serves them anyway", "broker 照样返回它们"),
                ("Never processed: lost", "永远不会被处理：丢失"),
                ("Retention waits for laggard", "保留策略会等 laggard"),
            ],
            answer: 1,
            why: (
                "They are gone from the log: the fetch gets OFFSET_OUT_OF_RANGE and auto.offset.reset=earliest jumps to the new log start, 96. Retention does not wait for any group.",
                "它们已从日志中删除：fetch 得到 OFFSET_OUT_OF_RANGE，auto.offset.reset=earliest 跳到新的日志起点 96。保留策略不会等任何组。",
            ),
        }],
        "S11" => vec![Question {
            at: 29_900,
            ask: (
                "Member c is about to leave every group; its 2 partitions must move to a and b. With the range assignor, how many partitions move in total?",
                "成员 c 即将离开每个组；它的 2 个分区必须移给 a 和 b。用 range 分配器，总共有多少个分区会移动？",
            ),
            options: vec![("2: only c's", "2 个：只有 c 的"), ("4", "4 个"), ("6: all of them", "6 个：全部")],
            answer: 1,
            why: (
                "range and roundrobin recompute from scratch and reshuffle partitions a and b already had: 4 move. sticky and cooperative-sticky move only c's 2.",
                "range 和 roundrobin 从头重算，连 a 和 b 已有的分区也会重新洗牌：移动 4 个。sticky 和 cooperative-sticky 只移动 c 的 2 个。",
            ),
        }],
        "S12" => vec![Question {
            at: 7_000,
            ask: (
                "Both apps were killed mid-batch after writing part of it. Their replacements redo the batch. How many of the redone invoices will audit-rc (read_committed) count twice?",
                "两个应用都在一批处理到一半时被杀掉，已经写出了一部分。接替者会重做这一批。audit-rc（read_committed）会把多少张重做的发票算作重复？",
            ),
            options: vec![("0", "0"), ("Those written before the kill", "被杀前已写出的那些"), ("All of the batch", "整批")],
            answer: 0,
            why: (
                "The first copies are in a transaction the new instance aborts (init_transactions): they stay in the log, but read_committed never returns them. The at-least-once app's copies are duplicates.",
                "第一份副本属于新实例（init_transactions）中止的事务：它们留在日志里，但 read_committed 永远不会返回它们。at-least-once 应用的副本则是重复。",
            ),
        }],
        "S13" => vec![Question {
            at: 37_900,
            ask: (
                "billing-1 wakes from its 30 s pause, after billing-2 started with the same transactional.id, and writes on with its old epoch. What happens?",
                "billing-1 从 30 秒的停顿中醒来，此时 billing-2 已用同一个 transactional.id 启动；billing-1 继续用旧的 epoch 写入。会发生什么？",
            ),
            options: vec![
                ("Its writes are accepted", "写入被接受"),
                ("PRODUCER_FENCED: it must stop", "PRODUCER_FENCED：它必须停止"),
                ("The two share the transaction", "两个实例共享事务"),
            ],
            answer: 1,
            why: (
                "Each init_transactions bumped the epoch; the broker refuses an older epoch. The zombie's open transaction was aborted, so read_committed never sees its writes.",
                "每次 init_transactions 都会提升 epoch；broker 拒绝更旧的 epoch。僵尸实例未完成的事务已被中止，read_committed 永远看不到它写的内容。",
            ),
        }],
        "S14" => vec![Question {
            at: super::s14_consumer_protocol::S14_JOIN_AT - 500,
            ask: (
                "Member C is about to join both groups. Which members stop consuming when C joins?",
                "成员 C 即将加入两个组。C 加入时，哪些成员会停止消费？",
            ),
            options: vec![
                ("Every member of both groups", "两个组的所有成员"),
                ("classic: A and B stop everything; consumer: nobody stops, A and B each hand over one partition", "classic：A 和 B 全部停下；consumer：没人停下，A 和 B 各交出一个分区"),
                ("Nobody in either group", "两个组都没人停下"),
            ],
            answer: 1,
            why: (
                "The classic protocol is a barrier: every member gives up everything and rejoins, and the group waits for the slowest. In the consumer protocol the coordinator tells each member its own target; a member only revokes what moves and keeps reading the rest.",
                "经典协议是一道屏障：每个成员交出全部分区并重新加入，组要等最慢的成员。consumer 协议中协调者分别告诉每个成员自己的目标；成员只撤销要迁移的分区，其余照常读取。",
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
