//! What a run adds up to: the numbers a learner checks against the lesson (and that
//! `minikafka scenario --json` prints).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::record::Offset;
use crate::sim::actors::ActorStatus;
use crate::sim::world::World;

/// A member as the summary shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberSummary {
    /// Consumer name.
    pub name: String,
    /// Its group.
    pub group: String,
    /// `active` (owns partitions), `standby` (alive, owns nothing) or `dead` (crashed or
    /// stopped).
    pub state: String,
    /// Owned partitions, as `topic-partition`.
    pub partitions: Vec<String>,
    /// Records its application processed.
    pub processed: u64,
}

/// The outcome of a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunSummary {
    /// Scenario id, if the run is a scenario.
    pub scenario: Option<String>,
    /// Seed.
    pub seed: u64,
    /// Simulated time at the end (ms).
    pub time_ms: i64,
    /// Records processed more than once.
    pub duplicates: usize,
    /// Records a group moved past without processing.
    pub lost: usize,
    /// Generation of the first consumer's group (the scenario's main group), -1 if none.
    pub generation: i32,
    /// Every group's generation.
    pub generations: BTreeMap<String, i32>,
    /// Committed offsets: group -> topic -> partition -> offset. For a scenario with one
    /// group, `committed` below is that group's map.
    pub committed_by_group: BTreeMap<String, BTreeMap<String, BTreeMap<i32, Offset>>>,
    /// Committed offsets of the main group: topic -> partition -> offset.
    pub committed: BTreeMap<String, BTreeMap<i32, Offset>>,
    /// Every consumer.
    pub members: Vec<MemberSummary>,
    /// The run as a replayable string (`mk1.` + base64url).
    pub script: String,
}

impl RunSummary {
    /// Summarize a world.
    pub fn of(world: &World, scenario: Option<&str>) -> RunSummary {
        let mut committed_by_group: BTreeMap<String, BTreeMap<String, BTreeMap<i32, Offset>>> =
            BTreeMap::new();
        let mut generations = BTreeMap::new();
        for group in world.broker.offsets().groups() {
            for (topic, partition, o) in world.broker.offsets().fetch_group(&group) {
                committed_by_group
                    .entry(group.clone())
                    .or_default()
                    .entry(topic.to_string())
                    .or_default()
                    .insert(partition, o.offset);
            }
        }
        for listing in world.broker.list_groups(&[]) {
            let generation = world
                .broker
                .coordinator()
                .generation(&listing.group_id)
                .unwrap_or(-1);
            generations.insert(listing.group_id, generation);
        }
        let main_group = world.consumers.first().map(|c| c.spec.group.clone());
        let members = world
            .consumers
            .iter()
            .map(|c| {
                let partitions: Vec<String> = if c.is_live() {
                    c.consumer
                        .assignment()
                        .iter()
                        .map(|tp| tp.to_string())
                        .collect()
                } else {
                    Vec::new()
                };
                let state = match c.status {
                    ActorStatus::Crashed | ActorStatus::Stopped => "dead",
                    _ if partitions.is_empty() => "standby",
                    _ => "active",
                };
                MemberSummary {
                    name: c.spec.name.clone(),
                    group: c.spec.group.clone(),
                    state: state.to_string(),
                    partitions,
                    processed: c.processed,
                }
            })
            .collect();
        RunSummary {
            scenario: scenario.map(str::to_string),
            seed: world.seed(),
            time_ms: world.now(),
            duplicates: world.duplicates(),
            lost: world.lost(),
            generation: main_group
                .as_ref()
                .and_then(|g| generations.get(g).copied())
                .unwrap_or(-1),
            committed: main_group
                .as_ref()
                .and_then(|g| committed_by_group.get(g).cloned())
                .unwrap_or_default(),
            generations,
            committed_by_group,
            members,
            script: world.script().encode(),
        }
    }
}
