//! S13: zombie fencing. A paused instance comes back after its replacement (same
//! `transactional.id`) started, and is fenced.

use super::s12_exactly_once::{app, reader, INVOICES, ORDERS, READ_COMMITTED, READ_UNCOMMITTED};
use crate::log::IsolationLevel;
use crate::sim::command::{Command, ConsumerSpec};
use crate::sim::scenarios::{add_producer, create_topic, say, Scenario};

/// S13's instances, one group and one transactional id.
pub(crate) const ZOMBIE: &str = "billing-1";
pub(crate) const REPLACEMENT: &str = "billing-2";
pub(crate) const S13_PAUSE_AT: i64 = 8_000;
pub(crate) const S13_PAUSE_MS: i64 = 30_000;
pub(crate) const S13_REPLACE_AT: i64 = 20_000;

fn instance(name: &str) -> ConsumerSpec {
    ConsumerSpec {
        name: name.into(),
        group: "billing".into(),
        max_poll_records: 10,
        processing_ms: 250,
        ..app(name, INVOICES, Some("billing"))
    }
}

/// S13: zombie fencing.
pub(crate) fn s13() -> Scenario {
    let script = vec![
        (0, create_topic(ORDERS, 1)),
        (0, create_topic(INVOICES, 1)),
        (0, add_producer("shop", ORDERS, 5, 0)),
        (0, Command::AddConsumer(instance(ZOMBIE))),
        (
            0,
            Command::AddConsumer(reader(
                READ_COMMITTED,
                INVOICES,
                IsolationLevel::ReadCommitted,
            )),
        ),
        (
            0,
            Command::AddConsumer(reader(
                READ_UNCOMMITTED,
                INVOICES,
                IsolationLevel::ReadUncommitted,
            )),
        ),
        (
            S13_PAUSE_AT,
            Command::PauseConsumer {
                name: ZOMBIE.into(),
                ms: S13_PAUSE_MS,
            },
        ),
        (S13_REPLACE_AT, Command::AddConsumer(instance(REPLACEMENT))),
        (
            50_000,
            Command::SetProduceRate {
                name: "shop".into(),
                rate_per_sec: 0,
            },
        ),
    ];
    let narration = vec![
        say(
            0,
            "billing-1 reads orders and writes invoices in transactions (transactional.id billing, transaction.timeout.ms 10 s). It is slower than the orders arrive, so it is always in the middle of a transaction.",
            "billing-1 读取 orders，并在事务中写 invoices（transactional.id 为 billing，transaction.timeout.ms 为 10 秒）。它比订单到达得慢，所以总是处在某个事务中间。",
        ),
        say(
            S13_PAUSE_AT,
            "billing-1 freezes for 30 s (a long GC pause): no heartbeat, no request. Its transaction stays open and holds the LSO of invoices back: audit-rc waits.",
            "billing-1 冻结 30 秒（一次很长的 GC 停顿）：没有心跳，没有请求。它的事务一直开着，压住 invoices 的 LSO：audit-rc 只能等待。",
        ),
        say(
            S13_PAUSE_AT + 10_000,
            "The session and transaction timeouts pass: the group removes billing-1, and the transaction coordinator aborts its transaction by itself and bumps the epoch.",
            "会话超时和事务超时都过了：消费组移除 billing-1，事务协调者自行中止它的事务并提升 epoch。",
        ),
        say(
            S13_REPLACE_AT,
            "Its replacement, billing-2, starts with the same transactional.id: init_transactions bumps the epoch again. billing-2 takes the partition over from the last committed offset.",
            "替代者 billing-2 用同一个 transactional.id 启动：init_transactions 再次提升 epoch。billing-2 从最后提交的 offset 接手分区。",
        ),
        say(
            S13_PAUSE_AT + S13_PAUSE_MS,
            "billing-1 wakes up as a zombie and writes on with its old epoch: the broker refuses it (PRODUCER_FENCED) and it shuts down. Everything it wrote in its last transaction was aborted: audit-ru saw it, audit-rc never will.",
            "billing-1 作为僵尸醒来，用旧的 epoch 继续写：broker 拒绝它（PRODUCER_FENCED），它随即关闭。它在最后一个事务中写的一切都已被中止：audit-ru 看到了，audit-rc 永远看不到。",
        ),
    ];
    Scenario {
        id: "S13".into(),
        title_en: "Zombie fencing".into(),
        title_zh: "隔离僵尸实例".into(),
        duration: 70_000,
        script,
        narration,
    }
}
