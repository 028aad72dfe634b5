//! What the page draws, computed from the state: a plain view model, so the rules (what
//! counts as standby, which offsets a partition shows) are tested natively.

use minikafka::client::TopicPartition;
use minikafka::group::GroupState;
use minikafka::record::Offset;
use minikafka::sim::World;
use minikafka::sim::{CommitMode, Semantics};

use crate::panels::cards::{PartitionView, ProducerView};
use crate::sim::state::AppState;
use crate::stage::model::MemberKind;
use crate::stage::steps::{rebalance_step_of, RebalanceStep, StepSignal};

/// One member card.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberView {
    /// Consumer name.
    pub name: String,
    /// Its group.
    pub group: String,
    /// `active`, `standby`, `rebalancing`, `dead` (crashed) or `stopped` (left cleanly).
    pub state: MemberKind,
    /// Owned partitions.
    pub partitions: Vec<TopicPartition>,
    /// Generation it last synced with.
    pub generation: i32,
    /// Is it the group leader?
    pub leader: bool,
    /// Records processed by its application.
    pub processed: u64,
    /// How it commits (shown in the page's language).
    pub commit_mode: CommitMode,
    /// Process-then-commit or commit-then-process.
    pub semantics: Semantics,
    /// Simulated processing time per record.
    pub processing_ms: i64,
    /// Milliseconds until the coordinator declares it dead without a heartbeat (`None`:
    /// not a member, or a request is parked).
    pub session_left_ms: Option<i64>,
    /// Did the coordinator hear a heartbeat from it in the last half second?
    pub heartbeat_pulse: bool,
    /// Its settings, for the settings row: assignor name, static?, session timeout,
    /// heartbeat interval, max poll interval, processing time (ms).
    pub settings: MemberSettings,
}

/// A member's settings as the page shows and edits them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberSettings {
    /// The first configured assignor.
    pub assignor: String,
    /// Has a `group.instance.id`.
    pub static_member: bool,
    /// `session.timeout.ms`.
    pub session_ms: i64,
    /// `heartbeat.interval.ms`.
    pub heartbeat_ms: i64,
    /// `max.poll.interval.ms`.
    pub max_poll_ms: i64,
    /// Processing time per record.
    pub processing_ms: i64,
}

/// Everything the page shows.
#[derive(Debug, Clone, PartialEq)]
pub struct ViewModel {
    /// Simulated time.
    pub now: i64,
    /// Scenario length.
    pub duration: i64,
    /// Partitions of every topic.
    pub partitions: Vec<PartitionView>,
    /// Every consumer.
    pub members: Vec<MemberView>,
    /// Records processed more than once.
    pub duplicates: usize,
    /// Records lost.
    pub lost: usize,
    /// The main group's generation.
    pub generation: i32,
    /// The main group's state.
    pub group_state: Option<GroupState>,
    /// Producers.
    pub producers: Vec<ProducerView>,
    /// The step of the main group's latest rebalance, while it is recent (10 s after it
    /// completed, the banner goes away).
    pub rebalance_step: Option<RebalanceStep>,
}

/// Where the main group's latest rebalance stands, from the simulation's events.
pub(crate) fn rebalance_step(state: &AppState, group: &str) -> Option<RebalanceStep> {
    use minikafka::client::consumer::ConsumerEvent;
    use minikafka::sim::WorldEventKind;
    use minikafka::Event;
    let signals: Vec<(i64, StepSignal)> = state
        .log
        .iter()
        .filter_map(|e| {
            let signal = match &e.kind {
                WorldEventKind::Broker {
                    event: Event::RebalanceStarted { group: g, .. },
                } if g == group => StepSignal::Started,
                WorldEventKind::Consumer {
                    event: ConsumerEvent::PartitionsRevoked(_) | ConsumerEvent::PartitionsLost(_),
                    ..
                }
                | WorldEventKind::Broker {
                    event:
                        Event::GroupStateChanged {
                            to: GroupState::CompletingRebalance,
                            ..
                        },
                } => StepSignal::Stopped,
                WorldEventKind::Broker {
                    event: Event::GenerationStarted { group: g, .. },
                } if g == group => StepSignal::Generation,
                WorldEventKind::Broker {
                    event: Event::AssignmentCompleted { group: g, .. },
                } if g == group => StepSignal::Assigned,
                WorldEventKind::Processed { group: g, .. } if g == group => StepSignal::Resumed,
                _ => return None,
            };
            Some((e.at, signal))
        })
        .collect();
    rebalance_step_of(&signals, state.now())
}

struct PartitionBounds {
    partition: i32,
    log_start_offset: Offset,
    high_watermark: Offset,
}

/// Build the view model.
pub fn view_model(state: &AppState) -> ViewModel {
    let world = state.world();
    let main_group = world.consumers.first().map(|c| c.spec.group.clone());
    let mut partitions = Vec::new();
    for name in world.broker.topic_names() {
        let Some(topic) = world.broker.topic(&name) else {
            continue;
        };
        for (index, log) in topic.partitions.iter().enumerate() {
            let p = PartitionBounds {
                partition: index as i32,
                log_start_offset: log.log_start_offset(),
                high_watermark: log.high_watermark(),
            };
            let tp = TopicPartition::new(topic.name.clone(), p.partition);
            let committed = main_group.as_ref().and_then(|g| {
                world
                    .broker
                    .offsets()
                    .fetch(g, &topic.name, p.partition)
                    .map(|o| o.offset)
            });
            let owner = world
                .consumers
                .iter()
                .filter(|c| c.is_live())
                .find(|c| c.consumer.assignment().contains(&tp))
                .map(|c| {
                    let layers = c.consumer.offsets(&tp).unwrap_or_default();
                    (c.spec.name.clone(), layers.position, layers.processed)
                });
            let track = main_group
                .as_ref()
                .and_then(|g| world.tracker.groups.get(g))
                .and_then(|m| m.get(&tp));
            let duplicates = track
                .map(|t| t.iter().filter(|(_, n)| *n > 1).map(|(o, _)| o).collect())
                .unwrap_or_default();
            let moved_past = committed.unwrap_or(0).max(p.log_start_offset);
            let lost = track.map(|t| t.lost(moved_past)).unwrap_or_default();
            let fresh = fresh_appends(state, &topic.name, p.partition);
            partitions.push(PartitionView {
                topic: topic.name.clone(),
                partition: p.partition,
                log_start: p.log_start_offset,
                high_watermark: p.high_watermark,
                committed,
                owner,
                duplicates,
                lost,
                fresh,
            });
        }
    }
    let members = world
        .consumers
        .iter()
        .map(|c| MemberView {
            name: c.spec.name.clone(),
            group: c.spec.group.clone(),
            state: crate::stage::from_sim::kind_of(world, c),
            partitions: if c.is_live() {
                c.consumer.assignment()
            } else {
                Vec::new()
            },
            generation: c.consumer.generation(),
            leader: c.is_live() && c.consumer.is_leader(),
            processed: c.processed,
            commit_mode: c.spec.commit_mode,
            semantics: c.spec.semantics,
            processing_ms: c.spec.processing_ms,
            session_left_ms: session_left(world, c),
            settings: MemberSettings {
                assignor: c
                    .spec
                    .assignors
                    .first()
                    .map_or("range".into(), |a| a.name().to_string()),
                static_member: c.spec.instance_id.is_some(),
                session_ms: i64::from(c.spec.session_timeout_ms),
                heartbeat_ms: c.spec.heartbeat_interval_ms,
                max_poll_ms: i64::from(c.spec.max_poll_interval_ms),
                processing_ms: c.spec.processing_ms,
            },
            heartbeat_pulse: heartbeat_pulse(state, c),
        })
        .collect();
    let generation = main_group
        .as_ref()
        .and_then(|g| world.broker.coordinator().generation(g))
        .unwrap_or(0);
    ViewModel {
        now: world.now(),
        duration: state.scenario.duration,
        partitions,
        members,
        duplicates: world.duplicates(),
        lost: world.lost(),
        generation,
        group_state: main_group
            .as_ref()
            .and_then(|g| world.broker.coordinator().group_state(g)),
        rebalance_step: main_group.as_ref().and_then(|g| rebalance_step(state, g)),
        producers: world
            .producers
            .iter()
            .enumerate()
            .map(|(index, p)| ProducerView {
                name: p.spec.name.clone(),
                index,
                topic: p.spec.topic.clone(),
                rate: p.spec.rate_per_sec,
                sent: p.sent,
            })
            .collect(),
    }
}

/// Appends to a partition in the last second, with the index of the producer that made them.
pub(crate) fn fresh_appends(
    state: &AppState,
    topic: &str,
    partition: i32,
) -> Vec<(Offset, Offset, usize)> {
    use minikafka::sim::WorldEventKind;
    use minikafka::Event;
    let now = state.now();
    let world = state.world();
    state
        .log
        .iter()
        .rev()
        .take_while(|e| now - e.at <= 1_000)
        .filter_map(|e| match &e.kind {
            WorldEventKind::Broker {
                event:
                    Event::RecordsAppended {
                        topic: t,
                        partition: p,
                        base_offset,
                        count,
                        client_id,
                        ..
                    },
            } if t == topic && *p == partition => {
                let index = world
                    .producers
                    .iter()
                    .position(|pr| Some(&pr.spec.name) == client_id.as_ref())
                    .unwrap_or(0);
                Some((*base_offset, base_offset + i64::from(*count), index))
            }
            _ => None,
        })
        .collect()
}

/// Time left on a member's session at the coordinator. A crashed consumer still has one:
/// that countdown is the wait of the pod-restart story.
pub(crate) fn session_left(
    world: &World,
    c: &minikafka::sim::actors::ConsumerActor,
) -> Option<i64> {
    let member_id = c.consumer.member_id();
    if member_id.is_empty() {
        return None;
    }
    let members = world.broker.coordinator().members(&c.spec.group);
    let member = members.iter().find(|m| m.member_id == member_id)?;
    member
        .session_expires_at()
        .map(|at| (at - world.now()).max(0))
}

/// A heartbeat from this consumer reached the coordinator in the last 500 ms.
pub(crate) fn heartbeat_pulse(state: &AppState, c: &minikafka::sim::actors::ConsumerActor) -> bool {
    use minikafka::sim::WorldEventKind;
    use minikafka::Event;
    let member_id = c.consumer.member_id();
    let now = state.now();
    !member_id.is_empty()
        && state.log.iter().rev().take_while(|e| now - e.at <= 500).any(|e| {
            matches!(&e.kind, WorldEventKind::Broker { event: Event::Heartbeat { member_id: m, .. } } if m == member_id)
        })
}
