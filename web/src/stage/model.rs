//! What the stage shows: producers, logs with their markers, groups with their members and
//! the edges between them. Both modes fill in this one type, so the drawing and its tests
//! do not care whether the world is simulated or a real server.

use minikafka::record::Offset;

use crate::stage::steps::RebalanceStep;

/// The whole picture at one moment.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Stage {
    /// The moment (simulated or server ms), for countdowns.
    pub now: i64,
    /// Producers, left of the logs.
    pub producers: Vec<StageProducer>,
    /// One band per consumer group: the logs that group reads, with *its* committed
    /// offsets and owners, and the group's box. Offsets are per group in Kafka, so two
    /// groups reading one topic are two bands (S4, S5, S7, S11 compare groups this way).
    /// A world with no group has one band without a group box.
    pub bands: Vec<Band>,
}

/// A producer: where records come from.
#[derive(Debug, Clone, PartialEq)]
pub struct StageProducer {
    /// Its name (client id in live mode).
    pub name: String,
    /// Its colour index: its new records are drawn in this colour as they land.
    pub colour: usize,
    /// The topic it writes to.
    pub topic: String,
    /// Records per second.
    pub rate: u32,
    /// Records sent so far.
    pub sent: u64,
}

/// One group's view of its logs, and the group itself.
#[derive(Debug, Clone, PartialEq)]
pub struct Band {
    /// The group, if this band has one.
    pub group: Option<GroupBox>,
    /// The partitions the group reads (every partition when there is no group).
    pub logs: Vec<Log>,
}

/// One partition's log as one group sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Log {
    /// Topic.
    pub topic: String,
    /// Partition index.
    pub partition: i32,
    /// The first offset still in the log (retention deletes below it).
    pub log_start: Offset,
    /// The high watermark: the next offset to be written (one broker: the log end).
    pub high_watermark: Offset,
    /// The group's committed offset: where a new owner starts reading.
    pub committed: Option<Offset>,
    /// Each consumer's position (the next offset its `poll` returns), including the last
    /// position of a dead consumer, drawn as a ghost: "A got to 101 and died".
    pub cursors: Vec<Cursor>,
    /// Processed by the owner but not committed yet, `[from, to)`: what a crash now would
    /// deliver again.
    pub uncommitted: Option<(Offset, Offset)>,
    /// Offsets this group processed more than once.
    pub duplicates: Vec<Offset>,
    /// Offsets this group moved past without processing.
    pub lost: Vec<Offset>,
    /// Batches that landed in the last second: `[first, end)` and the producer's colour.
    pub fresh: Vec<(Offset, Offset, usize)>,
    /// The line to the member that owns this partition, if any.
    pub edge: Option<Edge>,
    /// A rebalance took this partition from its owner at this time and nobody of the group
    /// has it yet: nobody reads it.
    pub stopped: Option<i64>,
    /// While it is stopped: the member that gave it up, whose line is drawn retracting.
    pub retracting: Option<String>,
    /// Its owner's fetches returned records in the last 0.7 s: records are travelling
    /// from the log to the consumer.
    pub fetching: bool,
    /// The last stable offset: a `read_committed` consumer reads below it. It equals the
    /// high watermark unless a transaction is open.
    pub last_stable: Offset,
    /// Transactions in the recent part of the log (none for a log that never had one).
    pub txns: Vec<crate::stage::txn::TxnSpan>,
    /// The node id of the broker that leads this partition, drawn when the cluster has
    /// more than one broker (`minikafka watch`); `None` for one broker.
    pub leader: Option<i32>,
}

/// A consumer's position on a log.
#[derive(Debug, Clone, PartialEq)]
pub struct Cursor {
    /// The member's name.
    pub member: String,
    /// The member's colour index.
    pub colour: usize,
    /// Its position: the next offset it will read.
    pub offset: Offset,
    /// The consumer is dead: this is where its memory was when it died.
    pub ghost: bool,
}

/// The line from a partition to its owner.
#[derive(Debug, Clone, PartialEq)]
pub struct Edge {
    /// The owning member.
    pub member: String,
    /// Its colour index.
    pub colour: usize,
    /// What kind of ownership.
    pub kind: EdgeKind,
}

/// How a member owns a partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EdgeKind {
    /// A live member owns it and fetches from it.
    Owned,
    /// The group is rebalancing: the owner has stopped fetching (drawn dashed).
    Paused,
    /// Only the coordinator still thinks so: the member died and its session has not run
    /// out yet. Nobody reads the partition. This gap is the pod-restart lesson.
    Stale,
}

/// A consumer group: its coordinator's view and its members.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupBox {
    /// `group.id`.
    pub id: String,
    /// The coordinator's state of the group, in Kafka's words (`Stable`,
    /// `PreparingRebalance`...).
    pub state: Option<&'static str>,
    /// The generation: it goes up with every completed rebalance.
    pub generation: i32,
    /// Where the latest rebalance stands, while it is recent.
    pub step: Option<RebalanceStep>,
    /// Members: active first, then standby (the bench), then dead or gone.
    pub members: Vec<StageMember>,
    /// What the latest rebalance stopped: partitions given up by their owner before they
    /// were handed out again (eager: all of them; cooperative: only those that move).
    pub tally: Option<Tally>,
    /// How many partitions the group reads (the tally's "of").
    pub reads: usize,
    /// What the group has been handed so far, when there is something to count: records
    /// read twice, lost, or read from aborted transactions.
    pub delivery: Option<Delivery>,
    /// The transaction coordinator's view of the group's application, when it writes
    /// with a `transactional.id` (S12, S13).
    pub txn: Option<TxnView>,
    /// A consumer-protocol (KIP-848) group: its epochs and each member's target (S14).
    pub kip848: Option<crate::stage::kip848::Kip848View>,
}

/// One `transactional.id` at the transaction coordinator: the state machine that decides
/// every transaction of that application, whatever instance runs it.
#[derive(Debug, Clone, PartialEq)]
pub struct TxnView {
    /// The `transactional.id`.
    pub id: String,
    /// Its state, in Kafka's words (`Empty`, `Ongoing`, `PrepareCommit`...).
    pub state: &'static str,
    /// The producer epoch: a new instance bumps it, and the old one is fenced.
    pub epoch: i16,
    /// Partitions in the open transaction.
    pub partitions: usize,
    /// How long the open transaction has run, against its timeout (ms).
    pub open: Option<(i64, i32)>,
}

/// What a group's consumers processed so far, over all the partitions it reads: the
/// count that tells at-least-once, at-most-once and exactly-once apart at a glance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delivery {
    /// Offsets processed more than once.
    pub twice: usize,
    /// Offsets moved past without being processed.
    pub lost: usize,
    /// On a topic with transactions: how many records of aborted transactions the group
    /// processed, and whether it reads with `read_committed` (which never gets one).
    pub aborted: Option<(usize, bool)>,
}

/// A member of a group, as the stage draws it.
#[derive(Debug, Clone, PartialEq)]
pub struct StageMember {
    /// Name (client id in live mode).
    pub name: String,
    /// Colour index: its edges and cursors share it.
    pub colour: usize,
    /// What it is doing.
    pub state: MemberKind,
    /// Partitions it owns, for its label.
    pub owns: usize,
    /// Is it the group leader (it computes the assignment)?
    pub leader: bool,
    /// Time left on its session at the coordinator, with the session's length: a dead
    /// member's ring empties as the coordinator waits for it.
    pub session: Option<(i64, i64)>,
    /// A heartbeat reached the coordinator just now.
    pub pulse: bool,
}

/// What a member is doing: one word, one shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberKind {
    /// Owns partitions and reads them.
    Active,
    /// In the group, heartbeating, with nothing assigned: on the bench, ready to take over.
    Standby,
    /// Joining or syncing: a rebalance is under way.
    Rebalancing,
    /// Crashed (killed without a goodbye): the coordinator finds out only when its session
    /// runs out.
    Crashed,
    /// Left cleanly with a LeaveGroup: the coordinator knew at once.
    Stopped,
    /// Its process is frozen (a long GC pause, a stopped VM): no heartbeat, no request.
    /// The coordinator still counts it until its session runs out; when it wakes up it may
    /// be a zombie (S13).
    Frozen,
    /// Busy with the slow work of the batch it polled (S14's B writing to its database):
    /// it owns its partitions and heartbeats, but calls no `poll` until done, so it takes
    /// no part in a rebalance meanwhile: a classic group waits for it.
    Busy,
}

/// `state == "standby"`: a member's state compares with its `data-state` word.
impl PartialEq<&str> for MemberKind {
    fn eq(&self, word: &&str) -> bool {
        self.word() == *word
    }
}

impl MemberKind {
    /// The `data-state` word (also the CSS class).
    pub fn word(self) -> &'static str {
        match self {
            MemberKind::Active => "active",
            MemberKind::Standby => "standby",
            MemberKind::Rebalancing => "rebalancing",
            MemberKind::Crashed => "dead",
            MemberKind::Stopped => "stopped",
            MemberKind::Frozen => "frozen",
            MemberKind::Busy => "busy",
        }
    }

    /// Its label.
    pub fn key(self) -> crate::i18n::Key {
        use crate::i18n::Key;
        match self {
            MemberKind::Active => Key::Active,
            MemberKind::Standby => Key::Standby,
            MemberKind::Rebalancing => Key::Rebalancing,
            MemberKind::Crashed => Key::Dead,
            MemberKind::Stopped => Key::Stopped,
            MemberKind::Frozen => Key::Frozen,
            MemberKind::Busy => Key::Busy,
        }
    }

    /// Benched or gone: drawn below the dashed divider, with no line.
    pub fn on_bench(self) -> bool {
        matches!(self, MemberKind::Standby)
    }

    /// Not running any more.
    pub fn gone(self) -> bool {
        matches!(self, MemberKind::Crashed | MemberKind::Stopped)
    }
}

/// The Okabe-Ito palette, safe for colour-blind viewers; members take them in order.
/// (Yellow is left out: it does not read on white.)
pub const MEMBER_COLOURS: [&str; 6] = [
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00",
];

/// Producer colours, as in the rest of the page (blue, reddish purple, black).
pub const PRODUCER_COLOURS: [&str; 3] = ["#0072B2", "#CC79A7", "#000000"];

/// A member's colour.
pub fn member_colour(index: usize) -> &'static str {
    MEMBER_COLOURS[index % MEMBER_COLOURS.len()]
}

/// A producer's colour.
pub fn producer_colour(index: usize) -> &'static str {
    PRODUCER_COLOURS[index % PRODUCER_COLOURS.len()]
}

impl StageMember {
    /// Drawing order in the group box: members the coordinator counts as owners first
    /// (a dead one too, while its session runs), then the bench, then the gone.
    pub fn order(&self) -> u8 {
        match self.state {
            MemberKind::Active
            | MemberKind::Rebalancing
            | MemberKind::Frozen
            | MemberKind::Busy => 0,
            MemberKind::Crashed if self.session.is_some() => 0,
            MemberKind::Standby => 1,
            MemberKind::Crashed | MemberKind::Stopped => 2,
        }
    }
}

impl Stage {
    /// The band of a group.
    pub fn band(&self, group: &str) -> Option<&Band> {
        self.bands
            .iter()
            .find(|b| b.group.as_ref().is_some_and(|g| g.id == group))
    }
}

impl Band {
    /// The log of a partition in this band.
    pub fn log(&self, topic: &str, partition: i32) -> Option<&Log> {
        self.logs
            .iter()
            .find(|l| l.topic == topic && l.partition == partition)
    }

    /// A member of this band's group.
    pub fn member(&self, name: &str) -> Option<&StageMember> {
        self.group
            .as_ref()
            .and_then(|g| g.members.iter().find(|m| m.name == name))
    }
}

/// What the latest rebalance of a group stopped, for the group's box.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tally {
    /// Partitions stopped.
    pub stopped: usize,
    /// The longest stop so far (ms); a stop still open counts up to now.
    pub longest_ms: i64,
    /// A scenario that compares groups phase by phase (S14): what each phase begun so far
    /// cost, as the core's pause meter counts it, the same way for every group whatever
    /// its protocol. When there are some, they are drawn instead of the latest rebalance.
    pub phases: Vec<PhaseTally>,
}

/// What one phase of a scenario (S14: C joins, A crashes) has cost a group so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhaseTally {
    /// The phase (`join`, `crash`).
    pub phase: String,
    /// Members that stopped reading (gave up everything they had), in order.
    pub stopped_members: Vec<String>,
    /// Partitions that stopped: given up by their owner, or read by no live member.
    pub stopped_partitions: usize,
    /// Partition-milliseconds paused: records waiting and nobody reading.
    pub paused_ms: i64,
}
