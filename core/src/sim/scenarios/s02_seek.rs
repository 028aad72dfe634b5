//! S2: seek lives in the consumer. Seeking changes only the consumer's position, never
//! the group's committed offset; past the log end, `auto.offset.reset` decides.

use crate::client::consumer::AutoOffsetReset;
use crate::sim::command::{Command, CommitMode, ConsumerSpec};
use crate::sim::scenarios::{add_producer, burst, create_topic, say, Scenario};

/// S2's topic, group and consumer.
pub(crate) const S2_TOPIC: &str = "orders";
pub(crate) const S2_GROUP: &str = "seek-demo";
/// When S2 seeks partition 1 back to offset 10, and then past the log end.
pub(crate) const S2_SEEK_BACK_AT: i64 = 12_000;
pub(crate) const S2_SEEK_PAST_END_AT: i64 = 20_000;
/// The offset past the log end S2 seeks to.
pub(crate) const S2_PAST_END: i64 = 1_000;

/// S2's consumer: commits after each batch (so only the application moves the committed
/// offset), `auto.offset.reset` as given.
pub(crate) fn s2_consumer(reset: AutoOffsetReset) -> ConsumerSpec {
    ConsumerSpec {
        name: "C".into(),
        group: S2_GROUP.into(),
        topics: vec![S2_TOPIC.into()],
        commit_mode: CommitMode::PerBatch,
        auto_offset_reset: reset,
        ..ConsumerSpec::default()
    }
}

/// S2: seek lives in the consumer.
pub(crate) fn s2() -> Scenario {
    let seek = |offset| Command::Seek {
        name: "C".into(),
        topic: S2_TOPIC.into(),
        partition: 1,
        offset,
    };
    let script = vec![
        (0, create_topic(S2_TOPIC, 3)),
        (0, add_producer("producer", S2_TOPIC, 0, 9)),
        (
            0,
            Command::AddConsumer(s2_consumer(AutoOffsetReset::Earliest)),
        ),
        (5_000, burst("producer", 90)),
        (S2_SEEK_BACK_AT, seek(10)),
        (S2_SEEK_PAST_END_AT, seek(S2_PAST_END)),
    ];
    let narration = vec![
        say(
            0,
            "Topic orders has 3 partitions; consumer C is alone in group seek-demo, so it gets all three. It commits with commitSync after each batch it processed.",
            "主题 orders 有 3 个分区；消费者 C 独自在 seek-demo 组里，所以三个分区都归它。它每处理完一批消息，就用 commitSync 提交一次。",
        ),
        say(
            5_000,
            "90 keyed records arrive, spread over the partitions by key hash. C reads them all and commits; watch the committed offsets at the broker.",
            "到达 90 条带 key 的消息，按 key 的哈希分散到各个分区。C 全部读完并提交；请注意 broker 上的已提交 offset。",
        ),
        say(
            S2_SEEK_BACK_AT,
            "C seeks partition 1 back to offset 10. Nothing is sent to the broker: seek only changes C's local position. The committed offset at the broker stays where it was.",
            "C 把分区 1 seek 回 offset 10。这一步不会向 broker 发任何请求：seek 只修改 C 本地的位置（position），broker 上的已提交 offset 纹丝不动。",
        ),
        say(
            S2_SEEK_BACK_AT + 100,
            "C's next fetch asks for offset 10: the broker simply serves what is asked for. Records 10.. of partition 1 are processed again (the tracker flags them as duplicates: a replay is a re-delivery).",
            "C 的下一次 fetch 请求 offset 10：broker 只是按请求返回数据。分区 1 从 10 开始的消息被再次处理（追踪器把它们标成重复：回放本质上就是重新投递）。",
        ),
        say(
            S2_SEEK_PAST_END_AT,
            "Now C seeks partition 1 to offset 1000, past the log end. The seek itself succeeds: the consumer cannot know the log's bounds.",
            "现在 C 把分区 1 seek 到 offset 1000，超过了日志末尾。seek 本身依然成功：消费者并不知道日志的边界。",
        ),
        say(
            S2_SEEK_PAST_END_AT + 100,
            "The broker validates the fetch: OFFSET_OUT_OF_RANGE. Then auto.offset.reset decides: earliest (here) jumps back to the log start, latest would jump to the log end, none would stop and make the application seek.",
            "broker 校验这次 fetch：返回 OFFSET_OUT_OF_RANGE。接下来由 auto.offset.reset 决定：earliest（本例）跳回日志开头，latest 跳到日志末尾，none 则停下来，让应用程序自己 seek。",
        ),
    ];
    Scenario {
        id: "S2".into(),
        title_en: "Seek lives in the consumer".into(),
        title_zh: "Seek 属于消费者".into(),
        duration: 30_000,
        script,
        narration,
    }
}
