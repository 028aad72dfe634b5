//! What the page draws, computed from the state: a plain view model, so the rules (what
//! counts as standby, which offsets a partition shows) are tested natively.

use minikafka::client::consumer::MemberState;
use minikafka::client::TopicPartition;
use minikafka::group::GroupState;
use minikafka::record::Offset;
use minikafka::sim::actors::ActorStatus;
use minikafka::sim::World;

use crate::state::AppState;

/// One partition's strip.
#[derive(Debug, Clone, PartialEq)]
pub struct PartitionView {
    /// Topic.
    pub topic: String,
    /// Partition index.
    pub partition: i32,
    /// First readable offset.
    pub log_start: Offset,
    /// High watermark (= log end, one broker).
    pub high_watermark: Offset,
    /// The main group's committed offset, if any.
    pub committed: Option<Offset>,
    /// The owner's position and processed offset, with the owner's name.
    pub owner: Option<(String, Option<Offset>, Option<Offset>)>,
    /// Offsets of records processed twice (duplicates), within the strip.
    pub duplicates: Vec<Offset>,
    /// Offsets of records lost (moved past, never processed).
    pub lost: Vec<Offset>,
}

/// One member card.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberView {
    /// Consumer name.
    pub name: String,
    /// Its group.
    pub group: String,
    /// `active`, `standby`, `rebalancing` or `dead`.
    pub state: &'static str,
    /// Owned partitions.
    pub partitions: Vec<TopicPartition>,
    /// Generation it last synced with.
    pub generation: i32,
    /// Is it the group leader?
    pub leader: bool,
    /// Records processed by its application.
    pub processed: u64,
    /// Its commit mode and semantics, readable.
    pub mode: String,
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
}

fn member_state(world: &World, c: &minikafka::sim::actors::ConsumerActor) -> &'static str {
    if matches!(c.status, ActorStatus::Crashed | ActorStatus::Stopped) {
        return "dead";
    }
    let group_rebalancing = matches!(
        world.broker.coordinator().group_state(&c.spec.group),
        Some(GroupState::PreparingRebalance | GroupState::CompletingRebalance)
    );
    match c.consumer.member_state() {
        MemberState::Closed => "dead",
        MemberState::Joining | MemberState::Syncing | MemberState::Unjoined => "rebalancing",
        MemberState::Stable if group_rebalancing => "rebalancing",
        MemberState::Stable if c.consumer.assignment().is_empty() => "standby",
        MemberState::Stable => "active",
    }
}

/// Build the view model.
pub fn view_model(state: &AppState) -> ViewModel {
    let world = state.world();
    let main_group = world.consumers.first().map(|c| c.spec.group.clone());
    let mut partitions = Vec::new();
    for topic in world.broker.list_topics() {
        for p in &topic.partitions {
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
                .map(|t| {
                    t.processed
                        .iter()
                        .filter(|(_, n)| **n > 1)
                        .map(|(o, _)| *o)
                        .collect()
                })
                .unwrap_or_default();
            let moved_past = committed.unwrap_or(0).max(p.log_start_offset);
            let lost = track.map(|t| t.lost(moved_past)).unwrap_or_default();
            partitions.push(PartitionView {
                topic: topic.name.clone(),
                partition: p.partition,
                log_start: p.log_start_offset,
                high_watermark: p.high_watermark,
                committed,
                owner,
                duplicates,
                lost,
            });
        }
    }
    let members = world
        .consumers
        .iter()
        .map(|c| MemberView {
            name: c.spec.name.clone(),
            group: c.spec.group.clone(),
            state: member_state(world, c),
            partitions: if c.is_live() {
                c.consumer.assignment()
            } else {
                Vec::new()
            },
            generation: c.consumer.generation(),
            leader: c.is_live() && c.consumer.is_leader(),
            processed: c.processed,
            mode: format!(
                "{:?} · {:?} · {} ms/record",
                c.spec.commit_mode, c.spec.semantics, c.spec.processing_ms
            ),
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
    }
}
