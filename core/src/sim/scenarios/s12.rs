//! S12 and S13: exactly-once. A read-process-write application in transactions, killed
//! mid-transaction beside an at-least-once one (S12); a paused instance that comes back
//! as a zombie after its replacement started, and is fenced (S13).

use crate::log::IsolationLevel;
use crate::sim::command::{Command, CommitMode, ConsumerSpec, OutputSpec};
use crate::sim::scenarios::{add_producer, burst, create_topic, say, Scenario};

pub(crate) const ORDERS: &str = "orders";
pub(crate) const INVOICES: &str = "invoices";
pub(crate) const INVOICES_ALO: &str = "invoices-alo";
/// The exactly-once application (also its group).
pub(crate) const EOS_APP: &str = "billing-eos";
/// The at-least-once application (also its group).
pub(crate) const ALO_APP: &str = "billing-alo";
/// Readers of the outputs (each its own group).
pub(crate) const READ_COMMITTED: &str = "audit-rc";
pub(crate) const READ_UNCOMMITTED: &str = "audit-ru";
pub(crate) const READ_ALO: &str = "audit-alo";
/// When S12's applications are killed: in the middle of a batch.
pub(crate) const S12_CRASH_AT: i64 = 6_150;

/// A read-process-write application: 20 records per poll (one transaction each), 10 ms
/// per record, a 10 s session.
pub(crate) fn app(name: &str, output: &str, transactional_id: Option<&str>) -> ConsumerSpec {
    ConsumerSpec {
        name: name.into(),
        group: name.into(),
        topics: vec![ORDERS.into()],
        session_timeout_ms: 10_000,
        max_poll_records: 20,
        processing_ms: 10,
        isolation_level: IsolationLevel::ReadCommitted,
        output: Some(OutputSpec {
            topic: output.into(),
            transactional_id: transactional_id.map(str::to_string),
            transaction_timeout_ms: 10_000,
        }),
        ..ConsumerSpec::default()
    }
}

/// A reader of an output topic, alone in its group.
pub(crate) fn reader(name: &str, topic: &str, isolation_level: IsolationLevel) -> ConsumerSpec {
    ConsumerSpec {
        name: name.into(),
        group: name.into(),
        topics: vec![topic.into()],
        processing_ms: 0,
        commit_mode: CommitMode::PerBatch,
        isolation_level,
        ..ConsumerSpec::default()
    }
}

/// S12: exactly-once read-process-write, beside at-least-once.
pub(crate) fn s12() -> Scenario {
    let mut script = vec![
        (0, create_topic(ORDERS, 1)),
        (0, create_topic(INVOICES, 1)),
        (0, create_topic(INVOICES_ALO, 1)),
        (0, add_producer("shop", ORDERS, 0, 0)),
        (
            0,
            Command::AddConsumer(app(EOS_APP, INVOICES, Some("billing-1"))),
        ),
        (0, Command::AddConsumer(app(ALO_APP, INVOICES_ALO, None))),
    ];
    for (name, topic, level) in [
        (READ_COMMITTED, INVOICES, IsolationLevel::ReadCommitted),
        (READ_UNCOMMITTED, INVOICES, IsolationLevel::ReadUncommitted),
        (READ_ALO, INVOICES_ALO, IsolationLevel::ReadCommitted),
    ] {
        script.push((0, Command::AddConsumer(reader(name, topic, level))));
    }
    script.push((5_000, burst("shop", 300)));
    for name in [EOS_APP, ALO_APP] {
        script.push((S12_CRASH_AT, Command::CrashConsumer { name: name.into() }));
    }
    for name in [EOS_APP, ALO_APP] {
        script.push((
            S12_CRASH_AT + 1_000,
            Command::RestartConsumer { name: name.into() },
        ));
    }
    let narration = vec![
        say(
            0,
            "Two applications read orders and write one invoice per order. billing-alo writes, waits for the acks, then commits its offsets (at-least-once). billing-eos puts each batch of 20 invoices and its input offsets in one transaction (transactional.id billing-1). Three auditors read the invoices: read_committed, read_uncommitted, and one for billing-alo.",
            "两个应用读取 orders，每个订单写一张发票。billing-alo 先写、等确认、再提交 offset（至少一次）。billing-eos 把每批 20 张发票和输入 offset 放进同一个事务（transactional.id 为 billing-1）。三个审计者读取发票：read_committed、read_uncommitted，以及一个读 billing-alo 的。",
        ),
        say(
            5_000,
            "300 orders arrive. Each transaction of billing-eos ends with a marker in invoices: a control record that takes an offset but is never returned to anyone (the 'lag of 1' after a commit). The last stable offset (LSO) stays at the first record of the open transaction; read_committed readers stop there.",
            "到达 300 个订单。billing-eos 的每个事务都以 invoices 中的一个标记结束：它是控制记录，占用一个 offset，但永远不会返回给任何人（提交之后的“lag 为 1”）。最后稳定 offset（LSO）停在未结束事务的第一条记录；read_committed 读者在那里等待。",
        ),
        say(
            S12_CRASH_AT,
            "Both applications are killed in the middle of a batch: the invoices they already wrote are in the log, their offsets are not committed. billing-eos leaves its transaction open.",
            "两个应用都在一批的中途被杀：已写的发票在日志里，offset 却没有提交。billing-eos 留下了一个未结束的事务。",
        ),
        say(
            S12_CRASH_AT + 1_000,
            "They restart. billing-eos calls init_transactions with the same transactional.id: the coordinator bumps the epoch (fencing the dead instance) and aborts its open transaction with an ABORT marker. After the session timeout, both resume from their committed offsets and process the interrupted batch again.",
            "它们重启。billing-eos 用同一个 transactional.id 调用 init_transactions：协调者提升 epoch（隔离死掉的实例），并用 ABORT 标记中止它未结束的事务。会话超时之后，两者都从已提交的 offset 继续，把中断的那批再处理一遍。",
        ),
        say(
            S12_CRASH_AT + 14_000,
            "Both wrote the interrupted batch's invoices twice. audit-alo counts them as duplicates. In invoices the first copies are in an aborted transaction: audit-ru reads them (aborted: invisible to read_committed), audit-rc never does. audit-rc sees every order exactly once: 0 duplicates, 0 lost.",
            "两个应用都把中断那批的发票写了两次。audit-alo 把它们算作重复。在 invoices 中，第一份在被中止的事务里：audit-ru 会读到它们（已中止：read_committed 看不到），audit-rc 永远读不到。audit-rc 看到每个订单恰好一次：0 重复，0 丢失。",
        ),
    ];
    Scenario {
        id: "S12".into(),
        title_en: "Exactly-once read-process-write".into(),
        title_zh: "精确一次的读取-处理-写入".into(),
        duration: S12_CRASH_AT + 25_000,
        script,
        narration,
    }
}

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
