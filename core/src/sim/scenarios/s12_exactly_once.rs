//! S12: exactly-once read-process-write. An application in transactions, killed
//! mid-transaction beside an at-least-once one.

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
