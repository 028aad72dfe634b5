//! Live mode's app state: a running server's events, folded by the core's
//! [`LiveState`], plus what only the page needs (connection, chosen group, lag history).
//!
//! Like the simulation's state this follows Yew's `Reducible` pattern: the component turns
//! WebSocket messages and timer ticks into [`LiveAction`]s, and everything the page draws
//! is computed here, natively tested, by [`live_view_model`].

use minikafka::client::TopicPartition;
use minikafka::live::{InferredReason, LiveMessage, LiveState, Rebalance, Snapshot, WatchStatus};
use minikafka::record::Millis;
use minikafka::Event;

use crate::event_text::event_line;
use crate::i18n::Lang;
use crate::panels::cards::{LagSample, PartitionView, ProducerView};
use crate::panels::{Folded, Panel};
use crate::stage::model::MemberKind;
use crate::stage::steps::{rebalance_step_of, RebalanceStep, StepSignal};
use crate::store::Apply;

/// Lag samples kept (one a second: two minutes).
pub const LAG_SAMPLES: usize = 120;

/// The WebSocket's state, as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectionStatus {
    /// Opening `url`.
    Connecting,
    /// Open; messages flow.
    Open,
    /// Closed (or never opened); the component retries.
    Closed {
        /// What the browser said, for the page.
        reason: String,
    },
}

impl ConnectionStatus {
    /// For `data-state`.
    pub fn word(&self) -> &'static str {
        match self {
            ConnectionStatus::Connecting => "connecting",
            ConnectionStatus::Open => "connected",
            ConnectionStatus::Closed { .. } => "disconnected",
        }
    }

    /// Its label.
    pub fn key(&self) -> crate::i18n::Key {
        use crate::i18n::Key;
        match self {
            ConnectionStatus::Connecting => Key::Connecting,
            ConnectionStatus::Open => Key::Connected,
            ConnectionStatus::Closed { .. } => Key::Disconnected,
        }
    }
}

/// What happens to the live page.
#[derive(Debug, Clone, PartialEq)]
pub enum LiveAction {
    /// A connection to the server is being opened.
    Connecting,
    /// It opened.
    Opened,
    /// Text messages arrived (batched by the component, at most ten times a second, so
    /// a busy broker does not cost a redraw per event), at local time `local_ms`.
    Messages {
        /// The JSON texts, in order.
        texts: Vec<String>,
        /// The browser's clock when it arrived.
        local_ms: Millis,
    },
    /// The connection closed.
    Closed(String),
    /// The page's clock ticked (ms since the epoch, browser clock).
    Tick(Millis),
    /// The learner chose a group.
    SelectGroup(String),
    /// The learner switched language.
    SetLang(Lang),
    /// Fold or unfold a panel below the stage.
    TogglePanel(Panel),
    /// `minikafka watch`: show the cluster as the frame at or before this time showed it
    /// (scrubbing the hour); the latest frame or later is live again.
    ScrubTo(Millis),
    /// Back to the live picture.
    BackToLive,
}

/// A frame of the hour drawn instead of the live picture.
#[derive(Debug, Clone, PartialEq)]
pub struct Scrubbed {
    /// The frame's sample time.
    pub at: Millis,
    /// The sample time of the frame before it (rebalances in between are "under" it).
    pub after: Millis,
    /// The cluster as that frame showed it (no events: the event list is cut at `at`).
    pub picture: Box<LiveState>,
}

/// The live page's state.
#[derive(Debug, Clone, PartialEq)]
pub struct LivePage {
    /// The broker as the events tell it.
    pub live: LiveState,
    /// The WebSocket URL.
    pub url: String,
    /// The connection.
    pub connection: ConnectionStatus,
    /// The group shown (`None`: the first group with members).
    pub group: Option<String>,
    /// Total and per-partition lag of the shown group, one sample a second.
    pub lag: Vec<LagSample>,
    /// Server clock minus browser clock, from the latest snapshot, so countdowns run
    /// between events even when the two clocks differ.
    pub clock_offset: Millis,
    /// A message that could not be read, for the page.
    pub notice: Option<String>,
    /// Page language.
    pub lang: Lang,
    /// The server accepts admin requests (`serve --http-admin`).
    pub admin: bool,
    /// The answer to the latest admin request: (worked?, what the server said).
    pub admin_result: Option<(bool, String)>,
    /// The server's Kafka address, for the example commands (from `hello`).
    pub bootstrap: Option<String>,
    /// Panels below the stage the viewer folded away.
    pub folded: Folded,
    /// `minikafka watch` only: how fresh the picture is, and the rebalances it saw.
    pub watch: Option<WatchStatus>,
    /// `minikafka watch` only: the last hour, a snapshot per sample, oldest first (what the
    /// watch kept when the page connected, then each new sample), bounded like the watch's.
    pub frames: Vec<Snapshot>,
    /// Scrubbed back to a frame; `None`: live.
    pub scrubbed: Option<Scrubbed>,
}

impl LivePage {
    /// A page about to connect to `url`.
    pub fn new(url: String, lang: Lang) -> LivePage {
        LivePage {
            live: LiveState::default(),
            url,
            connection: ConnectionStatus::Connecting,
            group: None,
            lag: Vec::new(),
            clock_offset: 0,
            notice: None,
            lang,
            admin: false,
            admin_result: None,
            bootstrap: None,
            folded: Folded::default(),
            watch: None,
            frames: Vec::new(),
            scrubbed: None,
        }
    }

    /// What the stage and panels draw: the scrubbed frame, or the live picture.
    pub fn picture(&self) -> &LiveState {
        self.scrubbed.as_ref().map_or(&self.live, |s| &s.picture)
    }

    /// The slider's position: the shown frame's index (the last frame when live).
    pub fn frame_index(&self) -> usize {
        let last = self.frames.len().saturating_sub(1);
        match &self.scrubbed {
            None => last,
            Some(s) => self.frames.iter().rposition(|f| f.at <= s.at).unwrap_or(0),
        }
    }

    /// Scrubbed back: when the shown frame was sampled, and how long before now.
    pub fn viewing(&self) -> Option<(Millis, Millis)> {
        let s = self.scrubbed.as_ref()?;
        Some((s.at, (self.live.now - s.at).max(0)))
    }

    /// Scrubbed back: the rebalances (indexes into the watch's list) under the cursor:
    /// first seen in the shown frame, or not over yet at its time.
    pub fn rebalances_at_cursor(&self) -> Vec<usize> {
        let (Some(s), Some(w)) = (&self.scrubbed, &self.watch) else {
            return Vec::new();
        };
        w.rebalances
            .iter()
            .enumerate()
            .filter(|(_, r)| {
                r.at <= s.at && (r.at > s.after || r.ongoing || s.at <= r.at + r.not_stable_ms)
            })
            .map(|(i, _)| i)
            .collect()
    }

    /// A member's `client.id`, from the live picture or, for members long gone, the frames
    /// of the hour (newest first); `None` if no picture has it.
    pub fn client_of(&self, member_id: &str) -> Option<&str> {
        let live = self.live.groups.values().find_map(|g| {
            g.members
                .get(member_id)
                .or_else(|| {
                    g.departed
                        .iter()
                        .map(|d| &d.member)
                        .find(|m| m.member_id == member_id)
                })
                .map(|m| m.client_id.as_str())
        });
        live.or_else(|| {
            self.frames.iter().rev().find_map(|f| {
                f.groups
                    .iter()
                    .flat_map(|g| &g.members)
                    .find(|m| m.member_id == member_id)
                    .map(|m| m.client_id.as_str())
            })
        })
    }

    /// Show the frame at or before `at` (the first frame if `at` is before it).
    fn scrub_to(&mut self, at: Millis) {
        let Some(i) = self
            .frames
            .iter()
            .rposition(|f| f.at <= at)
            .or((!self.frames.is_empty()).then_some(0))
        else {
            return;
        };
        if i + 1 == self.frames.len() {
            self.scrubbed = None;
            return;
        }
        let frame = &self.frames[i];
        let mut picture = LiveState::default();
        picture.apply(LiveMessage::Snapshot(frame.clone()));
        self.scrubbed = Some(Scrubbed {
            at: frame.at,
            after: i.checked_sub(1).map_or(Millis::MIN, |p| self.frames[p].at),
            picture: Box::new(picture),
        });
    }

    /// New frames of the hour: added after the newest (a frame both in the history sent on
    /// connecting and in the stream is kept once), then bounded like the watch bounds them.
    fn add_frames(&mut self, samples: Vec<Snapshot>) {
        for frame in samples {
            if self.frames.last().is_none_or(|f| f.at < frame.at) {
                self.frames.push(frame);
            }
        }
        minikafka::live::thin(&mut self.frames, minikafka::live::FRAME_BUDGET);
    }

    /// `minikafka watch`: how old the picture is (server time now minus the latest
    /// sample's), `None` before the first sample or when not watching.
    pub fn sample_age(&self) -> Option<Millis> {
        let at = self.watch.as_ref()?.sampled_at?;
        Some((self.live.now - at).max(0))
    }

    /// `minikafka watch`: the shown group's total lag over the last hour, as the lag chart
    /// takes it (empty when not watching).
    pub fn hour_of_lag(&self) -> Vec<LagSample> {
        let Some(group) = self.shown_group() else {
            return Vec::new();
        };
        self.watch
            .iter()
            .flat_map(|w| w.lag.iter())
            .filter(|g| g.group == group)
            .flat_map(|g| g.points.iter().map(|(at, lag)| (*at, *lag, Vec::new())))
            .collect()
    }

    /// The group being shown.
    pub fn shown_group(&self) -> Option<String> {
        let picture = self.picture();
        self.group
            .clone()
            .filter(|g| picture.groups.contains_key(g))
            .or_else(|| picture.default_group().map(str::to_string))
    }

    /// Apply one action.
    pub fn apply(&mut self, action: LiveAction) {
        match action {
            LiveAction::Connecting => self.connection = ConnectionStatus::Connecting,
            LiveAction::TogglePanel(panel) => {
                self.folded.toggle(panel);
            }
            LiveAction::Opened => {
                self.connection = ConnectionStatus::Open;
                self.notice = None;
            }
            LiveAction::Closed(reason) => self.connection = ConnectionStatus::Closed { reason },
            LiveAction::Messages { texts, local_ms } => {
                for text in texts {
                    match crate::live::json::parse_message(&text) {
                        Ok(message) => {
                            match &message {
                                LiveMessage::Snapshot(s) => self.clock_offset = s.at - local_ms,
                                LiveMessage::Hello { admin, bootstrap } => {
                                    self.admin = *admin;
                                    self.bootstrap.clone_from(bootstrap);
                                }
                                LiveMessage::AdminResult { ok, message } => {
                                    self.admin_result = Some((*ok, message.clone()))
                                }
                                LiveMessage::Watch(status) => self.watch = Some(status.clone()),
                                _ => {}
                            }
                            if let LiveMessage::History { samples } = message {
                                self.add_frames(samples);
                                continue;
                            }
                            self.live.apply(message);
                        }
                        Err(e) => {
                            self.notice =
                                Some(format!("a message from the server could not be read: {e}"))
                        }
                    }
                }
            }
            LiveAction::Tick(local_ms) => {
                self.live.tick(local_ms + self.clock_offset);
                let last = self.lag.last().map(|(at, _, _)| *at);
                if last.is_none_or(|at| self.live.now - at >= 1_000) {
                    self.sample_lag();
                }
            }
            LiveAction::SelectGroup(g) => {
                self.group = Some(g);
                self.lag.clear();
                self.sample_lag();
            }
            LiveAction::SetLang(lang) => self.lang = lang,
            LiveAction::ScrubTo(at) => self.scrub_to(at),
            LiveAction::BackToLive => self.scrubbed = None,
        }
    }

    fn sample_lag(&mut self) {
        let Some(group) = self.shown_group() else {
            return;
        };
        let per_partition: Vec<i64> = self.live.lag(&group).into_iter().map(|(_, l)| l).collect();
        let total = per_partition.iter().sum();
        if self.lag.len() == LAG_SAMPLES {
            self.lag.remove(0);
        }
        self.lag.push((self.live.now, total, per_partition));
    }
}

impl Apply for LivePage {
    type Action = LiveAction;
    fn apply(&mut self, action: LiveAction) {
        LivePage::apply(self, action)
    }
}

/// A member card in live mode: what the broker knows of a real client.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveMemberView {
    /// The card's name: the client id (with a short member id when two share it).
    pub name: String,
    /// The coordinator's member id.
    pub member_id: String,
    /// `group.instance.id`, for static members.
    pub instance_id: Option<String>,
    /// Address the server saw.
    pub host: String,
    /// Active, standby, rebalancing, crashed or left.
    pub state: MemberKind,
    /// Owned partitions.
    pub partitions: Vec<TopicPartition>,
    /// Is it the group leader?
    pub leader: bool,
    /// Milliseconds until the coordinator expires it without a heartbeat.
    pub session_left_ms: Option<i64>,
    /// Did a heartbeat arrive in the last second?
    pub heartbeat_pulse: bool,
    /// Why it left, for dead members.
    pub removed: Option<minikafka::event::RemovalReason>,
}

/// Everything the live page draws.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveViewModel {
    /// Server time.
    pub now: Millis,
    /// Group ids, for the group picker.
    pub groups: Vec<String>,
    /// The group shown.
    pub group: Option<String>,
    /// Its state name.
    pub group_state: Option<&'static str>,
    /// Its generation.
    pub generation: i32,
    /// Its chosen assignor.
    pub protocol: Option<String>,
    /// Every partition, with the shown group's committed offset and owner.
    pub partitions: Vec<PartitionView>,
    /// The shown group's members, then the ones that left recently.
    pub members: Vec<LiveMemberView>,
    /// Producers by client id.
    pub producers: Vec<ProducerView>,
    /// Where the group's latest rebalance stands.
    pub rebalance_step: Option<RebalanceStep>,
}

/// Topics a learner does not want to see (the broker's own).
fn internal(topic: &str) -> bool {
    topic.starts_with("__")
}

fn step_signals(live: &LiveState, group: &str) -> Vec<(Millis, StepSignal)> {
    let members: Vec<&str> = live
        .groups
        .get(group)
        .map(|g| g.members.values().map(|m| m.client_id.as_str()).collect())
        .unwrap_or_default();
    live.recent
        .iter()
        .filter_map(|e| {
            let signal = match e {
                Event::RebalanceStarted { group: g, .. } if g == group => StepSignal::Started,
                Event::GroupStateChanged {
                    group: g,
                    to: minikafka::group::GroupState::CompletingRebalance,
                    ..
                } if g == group => StepSignal::Stopped,
                Event::GenerationStarted { group: g, .. } if g == group => StepSignal::Generation,
                Event::AssignmentCompleted { group: g, .. } if g == group => StepSignal::Assigned,
                Event::OffsetCommitted { group: g, .. } if g == group => StepSignal::Resumed,
                Event::FetchServed {
                    client_id: Some(c), ..
                } if members.contains(&c.as_str()) => StepSignal::Resumed,
                _ => return None,
            };
            Some((e.at(), signal))
        })
        .collect()
}

/// What the live page draws, from its state.
pub fn live_view_model(page: &LivePage) -> LiveViewModel {
    let live = page.picture();
    let now = live.now;
    let group_id = page.shown_group();
    let group = group_id.as_ref().and_then(|g| live.groups.get(g));
    // Card names: client ids, made unique when two members share one.
    let name_of = |client_id: &str, member_id: &str| -> String {
        let shared = group.is_some_and(|g| {
            g.members
                .values()
                .chain(g.departed.iter().map(|d| &d.member))
                .filter(|m| m.client_id == client_id)
                .count()
                > 1
        });
        if shared {
            let tail: String = member_id
                .chars()
                .rev()
                .take(4)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            format!("{client_id}~{tail}")
        } else {
            client_id.to_string()
        }
    };
    let mut partitions = Vec::new();
    for (topic, parts) in &live.topics {
        if internal(topic) {
            continue;
        }
        for p in parts {
            let committed =
                group.and_then(|g| g.committed.get(&(topic.clone(), p.partition)).copied());
            let owner = group.and_then(|g| {
                g.members.values().find(|m| {
                    m.partitions()
                        .iter()
                        .any(|(t, n)| t == topic && *n == p.partition)
                })
            });
            let owner = owner.map(|m| {
                (
                    name_of(&m.client_id, &m.member_id),
                    live.position(&m.client_id, topic, p.partition),
                    None,
                )
            });
            let fresh = live
                .recent
                .iter()
                .rev()
                .take_while(|e| now - e.at() <= 1_000)
                .filter_map(|e| match e {
                    Event::RecordsAppended {
                        topic: t,
                        partition,
                        base_offset,
                        count,
                        client_id,
                        ..
                    } if t == topic && *partition == p.partition => {
                        let index = live
                            .producers
                            .get(client_id.as_deref().unwrap_or_default())
                            .map_or(0, |pr| pr.index);
                        Some((*base_offset, base_offset + i64::from(*count), index))
                    }
                    _ => None,
                })
                .collect();
            partitions.push(PartitionView {
                topic: topic.clone(),
                partition: p.partition,
                log_start: p.log_start_offset,
                high_watermark: p.high_watermark,
                committed,
                owner,
                duplicates: Vec::new(),
                lost: Vec::new(),
                fresh,
            });
        }
    }
    let mut members = Vec::new();
    if let Some(g) = group {
        for m in g.members.values() {
            let parts = m.partitions();
            let state = if g.rebalancing() || m.assignment.is_none() {
                MemberKind::Rebalancing
            } else if parts.is_empty() {
                MemberKind::Standby
            } else {
                MemberKind::Active
            };
            members.push(LiveMemberView {
                name: name_of(&m.client_id, &m.member_id),
                member_id: m.member_id.clone(),
                instance_id: m.group_instance_id.clone(),
                host: m.client_host.clone(),
                state,
                partitions: parts
                    .into_iter()
                    .map(|(t, n)| TopicPartition::new(t, n))
                    .collect(),
                leader: g.leader.as_ref() == Some(&m.member_id),
                session_left_ms: m.session_expires_at.map(|at| (at - now).max(0)),
                heartbeat_pulse: m.last_heartbeat.is_some_and(|at| now - at <= 1_000),
                removed: None,
            });
        }
        for d in g.departed.iter().rev() {
            // A client that left and came back (same client id) is shown once, alive.
            if g.members
                .values()
                .any(|m| m.client_id == d.member.client_id)
            {
                continue;
            }
            members.push(LiveMemberView {
                name: name_of(&d.member.client_id, &d.member.member_id),
                member_id: d.member.member_id.clone(),
                instance_id: d.member.group_instance_id.clone(),
                host: d.member.client_host.clone(),
                state: if d.reason == minikafka::event::RemovalReason::LeaveGroup {
                    MemberKind::Stopped
                } else {
                    MemberKind::Crashed
                },
                partitions: Vec::new(),
                leader: false,
                session_left_ms: None,
                heartbeat_pulse: false,
                removed: Some(d.reason),
            });
        }
    }
    let producers = live
        .producers
        .iter()
        .map(|(client_id, p)| ProducerView {
            // A watch sees records arrive, never who sent them.
            name: if client_id.is_empty() && page.watch.is_some() {
                "(any producer)".to_string()
            } else if client_id.is_empty() {
                "(no client.id)".to_string()
            } else {
                client_id.clone()
            },
            index: p.index,
            topic: p.topic.clone(),
            rate: p.rate(now),
            sent: p.records,
        })
        .collect();
    LiveViewModel {
        now,
        groups: live.groups.keys().cloned().collect(),
        group_state: group.and_then(|g| g.state).map(|s| s.name()),
        generation: group.map_or(0, |g| g.generation),
        protocol: group.and_then(|g| g.protocol.clone()),
        rebalance_step: group_id
            .as_ref()
            .and_then(|g| rebalance_step_of(&step_signals(live, g), now)),
        group: group_id,
        // The shown group's own partitions (those of the topics it owns or has committed):
        // another group's topics would show a lag this group does not have.
        partitions: match group {
            Some(g) => partitions
                .into_iter()
                .filter(|p| {
                    g.committed.keys().any(|(t, _)| *t == p.topic)
                        || g.members
                            .values()
                            .any(|m| m.partitions().iter().any(|(t, _)| *t == p.topic))
                })
                .collect(),
            None => partitions,
        },
        members,
        producers,
    }
}

/// A run of appends to one partition by one client, being merged into one line.
struct AppendRun {
    topic: String,
    partition: i32,
    client_id: Option<String>,
    first: i64,
    last: i64,
    records: u64,
}

/// The latest events worth reading (no heartbeats, no fetches), newest first, at most
/// `max` lines. A producer sending record by record makes one append event per record:
/// consecutive appends to one partition by one client become one line.
pub fn event_lines(live: &LiveState, max: usize, lang: Lang) -> Vec<(Millis, String)> {
    let mut lines: Vec<(Millis, String, Option<AppendRun>)> = Vec::new();
    for e in live.recent.iter().rev() {
        if matches!(
            e,
            Event::Heartbeat { error: None, .. } | Event::FetchServed { .. }
        ) {
            continue;
        }
        if let Event::RecordsAppended {
            topic,
            partition,
            base_offset,
            count,
            client_id,
            txn,
            ..
        } = e
        {
            // A transaction's marker is a line of its own, never part of a run.
            if txn.is_some_and(|t| t.marker.is_some()) {
                if lines.len() == max {
                    break;
                }
                lines.push((e.at(), event_line(e, lang), None));
                continue;
            }
            if let Some((_, text, Some(run))) = lines.last_mut() {
                let adjacent = base_offset + i64::from(*count) == run.first;
                if run.topic == *topic
                    && run.partition == *partition
                    && run.client_id == *client_id
                    && adjacent
                {
                    run.first = *base_offset;
                    run.records += u64::from(*count);
                    let by = run
                        .client_id
                        .as_deref()
                        .map(|c| format!(" by {c}"))
                        .unwrap_or_default();
                    *text = match lang {
                        Lang::En => format!(
                            "{topic}-{partition}: appended {} records at offsets {}..{}{by}",
                            run.records, run.first, run.last
                        ),
                        Lang::Zh => format!(
                            "{topic}-{partition}：在 offset {}..{} 追加 {} 条记录{}",
                            run.first,
                            run.last,
                            run.records,
                            run.client_id
                                .as_deref()
                                .map(|c| format!("，来自 {c}"))
                                .unwrap_or_default()
                        ),
                    };
                    continue;
                }
            }
            if lines.len() == max {
                break;
            }
            let run = AppendRun {
                topic: topic.clone(),
                partition: *partition,
                client_id: client_id.clone(),
                first: *base_offset,
                last: base_offset + i64::from(*count) - 1,
                records: u64::from(*count),
            };
            lines.push((e.at(), event_line(e, lang), Some(run)));
            continue;
        }
        if lines.len() == max {
            break;
        }
        lines.push((e.at(), event_line(e, lang), None));
    }
    lines.into_iter().map(|(at, text, _)| (at, text)).collect()
}

/// `2500` ms as `2.5`.
fn tenths(ms: Millis) -> String {
    format!("{}.{}", ms / 1000, ms % 1000 / 100)
}

/// One line of the watch's rebalance list: when, which group, why (inferred), who, and how
/// long the group was not Stable.
pub fn rebalance_line(r: &Rebalance, lang: Lang, name: impl Fn(&str) -> String) -> String {
    let why = match (lang, &r.reason) {
        (Lang::En, reason) => reason.text(),
        (Lang::Zh, InferredReason::MemberAdded) => "成员加入（推断）",
        (Lang::Zh, InferredReason::MemberLeft) => "成员离开（推断）",
        (Lang::Zh, InferredReason::SessionTimeout) => "会话超时（推断）",
        (Lang::Zh, InferredReason::Other) => "成员未变（推断）",
    };
    let mut who = Vec::new();
    who.extend(r.added.iter().map(|m| format!("+{}", name(m))));
    who.extend(r.removed.iter().map(|m| format!("-{}", name(m))));
    let stopped = if r.ongoing {
        match lang {
            Lang::En => format!("not Stable for {} s so far", r.not_stable_ms / 1000),
            Lang::Zh => format!("已非 Stable {} 秒", r.not_stable_ms / 1000),
        }
    } else if r.not_stable_ms == 0 {
        match lang {
            Lang::En => "done between two samples".to_string(),
            Lang::Zh => "在两次采样之间完成".to_string(),
        }
    } else {
        match lang {
            // Tenths by integer arithmetic: float formatting would add kilobytes of wasm.
            Lang::En => format!("not Stable for {} s", tenths(r.not_stable_ms)),
            Lang::Zh => format!("非 Stable {} 秒", tenths(r.not_stable_ms)),
        }
    };
    format!("{}: {why} {} · {stopped}", r.group, who.join(" "))
}

#[cfg(test)]
mod tests;
