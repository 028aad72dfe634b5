//! S10: retention overtakes a lagging group.

use crate::sim::command::{Command, ConsumerSpec};
use crate::sim::scenarios::{add_producer, say, Scenario};

pub(crate) const S10_TOPIC: &str = "metrics";
pub(crate) const S10_GROUP: &str = "laggards";
/// `retention.ms` of the topic.
pub(crate) const S10_RETENTION_MS: i64 = 10_000;

/// S10: a consumer slower than its producer, on a topic with a short retention.
pub(crate) fn s10() -> Scenario {
    let script = vec![
        (
            0,
            Command::CreateTopic {
                topic: S10_TOPIC.into(),
                partitions: 1,
                retention_ms: Some(S10_RETENTION_MS),
                segment_bytes: Some(1_024),
            },
        ),
        (0, add_producer("producer", S10_TOPIC, 20, 0)),
        (
            0,
            Command::AddConsumer(ConsumerSpec {
                name: "laggard".into(),
                group: S10_GROUP.into(),
                topics: vec![S10_TOPIC.into()],
                processing_ms: 250,
                max_poll_records: 10,
                ..ConsumerSpec::default()
            }),
        ),
    ];
    let narration = vec![
        say(
            0,
            "Topic metrics keeps records 10 s (retention.ms) in small segments; a producer writes 20 records/s. Consumer laggard needs 250 ms per record: 4/s. Its lag grows by 16 records every second.",
            "主题 metrics 只保留 10 秒的数据（retention.ms），segment 很小；生产者每秒写 20 条。消费者 laggard 处理一条要 250 毫秒，即每秒 4 条。它的 lag 每秒增长 16 条。",
        ),
        say(
            11_000,
            "Retention deletes closed segments whose newest record is older than 10 s. It does not care whether any group has read them: the log start offset rises on its own, every second.",
            "保留策略删除最新消息也超过 10 秒的已关闭 segment。它根本不关心有没有消费组读过这些数据：日志起始 offset 每秒都在自顾自地上升。",
        ),
        say(
            12_000,
            "The log start (36) has passed laggard's committed offset (30): a restart now would already start out of range. laggard does not notice: it is processing records it fetched earlier, from memory.",
            "日志起始 offset（36）已经越过了 laggard 的已提交 offset（30）：如果现在重启，起点就已经越界了。laggard 对此毫无察觉：它正在处理之前拉取到内存里的消息。",
        ),
        say(
            15_700,
            "Its buffer runs low and it fetches from its position, an offset the log no longer has (the log now starts at 96): OFFSET_OUT_OF_RANGE. auto.offset.reset=earliest moves the position to the new log start. Offsets 60..95 were never processed: 36 records flagged lost.",
            "缓冲区快空了，它从自己的 position 发起 fetch，而日志里已经没有这个 offset 了（日志现在从 96 开始）：OFFSET_OUT_OF_RANGE。auto.offset.reset=earliest 把 position 移到新的日志起点。offset 60..95 从未被处理：36 条消息被标记为丢失。",
        ),
        say(
            20_000,
            "The fetch after the reset brought a large batch into memory; those records are safe there even while retention deletes them from the log. But laggard still processes only a fifth of what is produced: the next time it asks the broker, the log will have moved on again.",
            "重置后的那次 fetch 把一大批消息拉进了内存；即使保留策略把它们从日志中删除，内存里的这些消息依然安全。但 laggard 的处理速度仍然只有生产速度的五分之一：下次它再向 broker 请求时，日志早已又往前走了。",
        ),
        say(
            25_000,
            "Cures: consume faster (more partitions and consumers), or keep data longer than the worst lag you expect. Retention is a deadline for your consumers.",
            "对策：加快消费（更多分区和消费者），或者让保留时间长于你预期的最大延迟。保留时间就是给消费者的最后期限。",
        ),
    ];
    Scenario {
        id: "S10".into(),
        title_en: "Retention overtakes a lagging group".into(),
        title_zh: "保留策略追上落后的消费组".into(),
        duration: 30_000,
        script,
        narration,
    }
}
