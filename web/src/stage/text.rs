//! The stage's words in both languages. Typed keys: a word without its translation does not
//! compile, so the stage never shows a "?".

use crate::i18n::Lang;
use crate::stage::model::MemberKind;

/// A fixed word of the stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Word {
    /// Heading of the producers column.
    Producers,
    /// Before a topic's name.
    Topic,
    /// Before a group's name.
    Group,
    /// The coordinator box.
    Coordinator,
    /// The transaction coordinator's box.
    TxnCoordinator,
    /// Above the standby members.
    Bench,
    /// The group leader's badge.
    Leader,
    /// After a generation number.
    Generation,
    /// Before a consumer-protocol group's epoch.
    GroupEpoch,
    /// Before a consumer-protocol member's epoch.
    MemberEpoch,

    /// The flag of a partition nobody reads now.
    NextOwnerStartsHere,
    /// The stage's description for screen readers.
    Description,
}

/// A word in `lang`.
pub fn word(w: Word, lang: Lang) -> &'static str {
    let (en, zh) = match w {
        Word::Producers => ("PRODUCERS", "生产者"),
        Word::Topic => ("TOPIC", "主题"),
        Word::Group => ("GROUP", "消费者组"),
        Word::Coordinator => ("Coordinator", "协调者"),
        Word::TxnCoordinator => ("Transaction coordinator", "事务协调者"),
        Word::Bench => ("bench (standby)", "替补（备用）"),
        Word::Leader => ("leader", "leader"),
        Word::Generation => ("gen", "代"),
        Word::GroupEpoch => ("group epoch", "组 epoch"),
        Word::MemberEpoch => ("epoch", "epoch"),
        Word::NextOwnerStartsHere => ("the next owner starts here", "新的所有者从这里开始"),
        Word::Description => (
            "Producers on the left write to partition logs in the middle; consumer groups on the right read them. Flags mark committed offsets, triangles mark consumer positions.",
            "左边的生产者写入中间的分区日志；右边的消费者组读取它们。旗子标出已提交的 offset，三角形标出消费者的位置。",
        ),
    };
    match lang {
        Lang::En => en,
        Lang::Zh => zh,
    }
}

/// A member's state in one word.
pub fn member_word(kind: MemberKind, lang: Lang) -> &'static str {
    crate::i18n::t(lang, kind.key())
}

/// The committed flag's label.
pub fn committed(offset: i64, lang: Lang) -> String {
    match lang {
        Lang::En => format!("committed {offset}"),
        Lang::Zh => format!("已提交 {offset}"),
    }
}

/// A cursor's label: a live member's position, or where a dead one's memory was.
pub fn cursor(member: &str, offset: i64, ghost: bool, lang: Lang) -> String {
    match (lang, ghost) {
        (Lang::En, false) => format!("{member} at {offset}"),
        (Lang::En, true) => format!("{member} got to {offset}, died"),
        (Lang::Zh, false) => format!("{member} 读到 {offset}"),
        (Lang::Zh, true) => format!("{member} 到 {offset} 后崩溃"),
    }
}

/// The log start's label.
pub fn log_start(offset: i64, lang: Lang) -> String {
    match lang {
        Lang::En => format!("start {offset}"),
        Lang::Zh => format!("起点 {offset}"),
    }
}

/// The last stable offset's label; `waiting`: an open transaction holds it below the high
/// watermark.
pub fn last_stable(offset: i64, waiting: bool, lang: Lang) -> String {
    match (lang, waiting) {
        (Lang::En, false) => format!("LSO {offset}"),
        (Lang::En, true) => format!("LSO {offset}: read_committed waits here"),
        (Lang::Zh, false) => format!("LSO {offset}"),
        (Lang::Zh, true) => format!("LSO {offset}：read_committed 在此等待"),
    }
}

/// The processed-but-uncommitted label where a band is narrow.
pub fn uncommitted_short(from: i64, to: i64, lang: Lang) -> String {
    match lang {
        Lang::En => format!("{from}..{} not committed", to - 1),
        Lang::Zh => format!("{from}..{} 未提交", to - 1),
    }
}

/// The lag-of-1 label where a band is narrow.
pub fn marker_lag_short(marker: i64, lang: Lang) -> String {
    match lang {
        Lang::En => format!("lag 1 = the marker at {marker}"),
        Lang::Zh => format!("延迟 1 = {marker} 处的标记"),
    }
}

/// A range's label.
pub fn range(
    kind: crate::stage::layout::NoteKind,
    from: i64,
    to: i64,
    n: i64,
    lang: Lang,
) -> String {
    use crate::stage::layout::NoteKind;
    let last = to - 1;
    match (kind, lang) {
        (NoteKind::Uncommitted, Lang::En) => {
            format!("{from}..{last} processed, not committed: a crash delivers them again")
        }
        (NoteKind::Uncommitted, Lang::Zh) => {
            format!("{from}..{last} 已处理但未提交：崩溃后会被再次投递")
        }
        (NoteKind::Duplicates, Lang::En) => format!("{from}..{last} read twice ({n} duplicates)"),
        (NoteKind::Duplicates, Lang::Zh) => format!("{from}..{last} 被处理了两次（{n} 条重复）"),
        (NoteKind::Lost, Lang::En) => format!("{from}..{last} never processed ({n} lost)"),
        (NoteKind::Lost, Lang::Zh) => format!("{from}..{last} 从未被处理（丢失 {n} 条）"),
        (NoteKind::MarkerLag, Lang::En) => {
            format!("lag 1: offset {from} is a transaction marker, not a record; nothing is left to read")
        }
        (NoteKind::MarkerLag, Lang::Zh) => {
            format!("延迟 1：offset {from} 是事务标记，不是消息；已经没有可读的了")
        }
    }
}

/// A dead member's session countdown.
pub fn session_left(ms: i64, lang: Lang) -> String {
    let s = secs(ms);
    match lang {
        Lang::En => format!("session: {s} s left"),
        Lang::Zh => format!("会话还剩 {s} 秒"),
    }
}

/// A producer's records so far, and its rate when it has one.
pub fn sent(sent: u64, rate: u32, lang: Lang) -> String {
    match (lang, rate) {
        (Lang::En, 0) => format!("{sent} sent"),
        (Lang::En, _) => format!("{sent} sent · {rate}/s"),
        (Lang::Zh, 0) => format!("已发送 {sent}"),
        (Lang::Zh, _) => format!("已发送 {sent} · {rate}/秒"),
    }
}

/// Seconds with one decimal, without float formatting (which costs the wasm a lot).
fn secs(ms: i64) -> String {
    let ms = ms.max(0);
    format!("{}.{}", ms / 1000, (ms % 1000) / 100)
}

/// A partition a rebalance stopped: nobody reads it, for this long already.
pub fn stopped_for(ms: i64, lang: Lang) -> String {
    match lang {
        Lang::En => format!("nobody reads · {} s", secs(ms)),
        Lang::Zh => format!("无人读取 · {} 秒", secs(ms)),
    }
}

/// What a group was handed so far: "so far: 6 read twice · 0 lost", and on a topic with
/// transactions how many aborted records it read; `short` for a narrow band.
pub fn delivery(d: &crate::stage::model::Delivery, short: bool, lang: Lang) -> String {
    let (twice, lost) = (d.twice, d.lost);
    let mut line = match (lang, short) {
        (Lang::En, false) => format!("so far: {twice} read twice · {lost} lost"),
        (Lang::En, true) => format!("{twice} twice · {lost} lost"),
        (Lang::Zh, false) => format!("至今：重复读 {twice} 条 · 丢失 {lost} 条"),
        (Lang::Zh, true) => format!("重复 {twice} · 丢失 {lost}"),
    };
    if let Some((aborted, read_committed)) = d.aborted {
        let level = if read_committed {
            "read_committed"
        } else {
            "read_uncommitted"
        };
        line.push_str(&match (lang, short) {
            (Lang::En, false) => format!(" · {aborted} aborted read ({level})"),
            (Lang::En, true) if read_committed => " · committed only".to_string(),
            (Lang::En, true) => format!(" · {aborted} aborted"),
            (Lang::Zh, false) => format!(" · 读到已中止 {aborted} 条（{level}）"),
            (Lang::Zh, true) if read_committed => " · 只读已提交".to_string(),
            (Lang::Zh, true) => format!(" · 已中止 {aborted}"),
        });
    }
    line
}

/// How long an open transaction has run against its timeout (" · open 1.2 s of 60"): the
/// timeout is how a frozen zombie's transaction ends.
pub fn txn_open(ms: i64, timeout_ms: i32, lang: Lang) -> String {
    let (open, of) = (secs(ms), i64::from(timeout_ms) / 1000);
    match lang {
        Lang::En => format!(" · open {open} s of {of}"),
        Lang::Zh => format!(" · 已开启 {open}/{of} 秒"),
    }
}

/// What the latest rebalance stopped, out of the partitions the group reads; `short` for
/// a narrow band (S11's four).
pub fn tally(t: &crate::stage::model::Tally, of: usize, short: bool, lang: Lang) -> String {
    let (n, s) = (t.stopped, secs(t.longest_ms));
    // A stop shorter than the clock's tenth of a second has no length worth printing
    // ("0.0 s" reads as "nothing stopped").
    let instant = t.longest_ms < 100;
    match (lang, short, instant) {
        (Lang::En, false, false) => {
            format!("last rebalance: {n} of {of} partitions stopped, the longest for {s} s")
        }
        (Lang::En, false, true) => {
            format!("last rebalance: {n} of {of} partitions stopped, each for an instant")
        }
        (Lang::En, true, false) => format!("rebalance: {n} of {of} stopped, ≤ {s} s"),
        (Lang::En, true, true) => format!("rebalance: {n} of {of} stopped"),
        (Lang::Zh, false, false) => format!("上次再均衡：{of} 个分区中停过 {n} 个，最长 {s} 秒"),
        (Lang::Zh, false, true) => format!("上次再均衡：{of} 个分区中停过 {n} 个，都只停了一瞬"),
        (Lang::Zh, true, false) => format!("再均衡：停过 {n}/{of}，最长 {s} 秒"),
        (Lang::Zh, true, true) => format!("再均衡：停过 {n}/{of}"),
    }
}

/// What one phase of a scenario cost a group so far (S14), counted and worded the same way
/// for every group: who stopped reading, how many of its `of` partitions stopped, and the
/// partition-seconds paused (a partition with records waiting and nobody reading, for one
/// second, is one); `short` for a narrow band.
pub fn phase_tally(
    p: &crate::stage::model::PhaseTally,
    of: usize,
    short: bool,
    lang: Lang,
) -> String {
    // Rounded to the tenth, as `minikafka scenario S14` prints it.
    let (n, s) = (p.stopped_partitions, secs(p.paused_ms + 50));
    // S14's phases: C's join, then A's crash.
    let label = match (lang, p.phase.as_str()) {
        (Lang::En, "join") => "C joins",
        (Lang::En, "crash") => "A crashes",
        (Lang::Zh, "join") => "C 加入",
        (Lang::Zh, "crash") => "A 崩溃",
        (_, other) => other,
    };
    let who = match (lang, p.stopped_members.is_empty()) {
        (Lang::En, true) => "nobody".to_string(),
        (Lang::En, false) => p.stopped_members.join(", "),
        (Lang::Zh, true) => "没有人".to_string(),
        (Lang::Zh, false) => p.stopped_members.join("、"),
    };
    match (lang, short) {
        (Lang::En, false) => format!(
            "{label} · stopped: {who} · {n} of {of} partitions · {s} partition-seconds paused"
        ),
        (Lang::En, true) => format!("{label} · stopped: {who} · {n}/{of} · {s} paused"),
        (Lang::Zh, false) => {
            format!("{label} · 停下：{who} · {of} 个分区中停过 {n} 个 · 暂停 {s} 分区·秒")
        }
        (Lang::Zh, true) => format!("{label} · 停下：{who} · {n}/{of} · 暂停 {s}"),
    }
}
