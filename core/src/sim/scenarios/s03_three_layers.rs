//! S3: three layers of offsets. The broker's log bounds, the group's committed offset
//! and the consumer's position and processed offset are five different numbers, all
//! visible at once.

use crate::sim::command::{Command, ConsumerSpec};
use crate::sim::scenarios::{add_producer, burst, say, Scenario};

/// S3's topic and group.
pub(crate) const S3_TOPIC: &str = "clicks";
pub(crate) const S3_GROUP: &str = "layers";
/// The moment S3 points at: all five numbers differ.
pub(crate) const S3_LOOK_AT: i64 = 21_500;

/// S3: three layers of offsets.
pub(crate) fn s3() -> Scenario {
    let mut script = vec![
        (
            0,
            Command::CreateTopic {
                topic: S3_TOPIC.into(),
                partitions: 1,
                retention_ms: Some(10_000),
                segment_bytes: Some(1_024),
            },
        ),
        (0, add_producer("producer", S3_TOPIC, 0, 0)),
        (
            0,
            Command::AddConsumer(ConsumerSpec {
                name: "C".into(),
                group: S3_GROUP.into(),
                topics: vec![S3_TOPIC.into()],
                processing_ms: 50,
                max_poll_records: 10,
                ..ConsumerSpec::default()
            }),
        ),
    ];
    for s in 1..30 {
        script.push((s * 1_000, burst("producer", 15)));
    }
    let narration = vec![
        say(
            0,
            "Topic clicks keeps records for only 10 s (retention.ms), in small segments. Every second 15 records arrive. Consumer C takes 50 ms per record, 10 records per poll, and auto-commits every 5 s.",
            "主题 clicks 只保留 10 秒的数据（retention.ms），segment 很小。每秒到达 15 条消息。消费者 C 每条处理 50 毫秒，每次 poll 10 条，每 5 秒自动提交一次。",
        ),
        say(
            5_000,
            "Watch partition 0's numbers move. The high watermark jumps with every burst; the position jumps with every poll; processed creeps forward record by record; committed only moves with the auto-commit inside poll.",
            "观察分区 0 的各个数字：高水位随每批消息跳升；position 随每次 poll 跳升；已处理 offset 一条一条地前进；已提交 offset 只在 poll 内部的自动提交时才移动。",
        ),
        say(
            13_000,
            "Retention deletes whole closed segments once their newest record is older than 10 s: the log start offset rises. The consumer learns the new log start from its next fetch answer.",
            "当一个已关闭 segment 里最新的消息也超过 10 秒时，保留策略会把整个 segment 删除：日志起始 offset 随之上升。消费者从下一次 fetch 的响应中得知新的日志起点。",
        ),
        say(
            S3_LOOK_AT,
            "Select partition 0 now: five different numbers. log start 150 (oldest kept, the broker's log) < committed 285 (the broker's offset store, __consumer_offsets) < processed 300 (the application's real progress) < position 310 (the consumer's next poll) < high watermark 315 (log end).",
            "现在选中分区 0：五个各不相同的数字。日志起始 150（broker 日志中最老的保留数据）< 已提交 285（broker 的 offset 存储，即 __consumer_offsets）< 已处理 300（应用的真实进度）< position 310（消费者下一次 poll 的位置）< 高水位 315（日志末尾）。",
        ),
        say(
            S3_LOOK_AT + 500,
            "Only the committed offset survives a crash: processed minus committed (15) is what a crash now would deliver twice. position and processed live only in the consumer's memory. high watermark minus committed is the lag.",
            "只有已提交 offset 能在崩溃后保留下来：已处理减去已提交（15 条）就是此刻崩溃会被重复投递的部分。position 和已处理 offset 只存在于消费者的内存中。高水位减去已提交，就是消费延迟（lag）。",
        ),
    ];
    Scenario {
        id: "S3".into(),
        title_en: "Three layers of offsets".into(),
        title_zh: "offset 的三个层次".into(),
        duration: 30_000,
        script,
        narration,
    }
}
