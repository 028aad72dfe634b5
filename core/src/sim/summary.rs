//! What a run adds up to: the numbers a learner checks against the lesson (and that
//! `minikafka scenario --json` prints).

use crate::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::client::consumer::GroupProtocol;
use crate::log::IsolationLevel;
use crate::record::Offset;
use crate::sim::actors::ActorStatus;
use crate::sim::pauses::{GroupPauses, Phase};
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

/// The cost of rebalances under one group protocol, summed over its groups, in the whole
/// measured run or in one phase of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProtocolPauses {
    /// Partition-seconds during which a partition had records to read and no member of
    /// its group read it (see `sim/pauses.rs`).
    pub paused_partition_seconds: f64,
    /// Assignments completed: generations (classic), target assignments (consumer).
    pub rebalances: u32,
    /// How many times a live member stopped reading: it gave up every partition it had.
    pub members_stopped: u32,
    /// Partitions that no live member of their group read for a while (a group's
    /// partition counts once per phase).
    pub partitions_stopped: u32,
    /// The same, phase by phase (S14: `join`, `crash`), when the run is split in phases.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub phases: BTreeMap<String, ProtocolPauses>,
}

/// The classic and consumer protocols side by side (S14).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProtocolsSummary {
    /// `group.protocol=classic` groups.
    pub classic: ProtocolPauses,
    /// `group.protocol=consumer` groups.
    pub consumer: ProtocolPauses,
    /// The phases, in time order, with when each begins: nothing before the first is
    /// counted. Empty: the whole run is counted as one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub phases: Vec<Phase>,
}

impl ProtocolPauses {
    fn of(pauses: &[GroupPauses]) -> ProtocolPauses {
        let mut ms = 0;
        let (mut rebalances, mut members, mut partitions) = (0, 0, 0);
        for p in pauses {
            ms += p.paused_partition_ms;
            rebalances += p.rebalances;
            members += p.stopped_members.len() as u32;
            partitions += p.stopped_partitions.len() as u32;
        }
        ProtocolPauses {
            paused_partition_seconds: ms as f64 / 1000.0,
            rebalances,
            members_stopped: members,
            partitions_stopped: partitions,
            phases: BTreeMap::new(),
        }
    }
}

impl ProtocolsSummary {
    /// `None` unless pauses were metered and some group speaks the consumer protocol.
    pub fn of(world: &World) -> Option<ProtocolsSummary> {
        let meter = world.pauses()?;
        let mut protocol_of = BTreeMap::new();
        for c in &world.consumers {
            protocol_of.insert(c.spec.group.as_str(), c.spec.group_protocol);
        }
        if !protocol_of.values().any(|p| *p == GroupProtocol::Consumer) {
            return None;
        }
        let protocol_of = &protocol_of;
        let groups = |wanted: GroupProtocol| {
            meter
                .group_ids()
                .filter(move |g| protocol_of.get(g) == Some(&wanted))
        };
        let sum = |wanted: GroupProtocol| {
            // A partition stopped in two phases counts in each: phase by phase, then added.
            let per_phase: Vec<(String, ProtocolPauses)> = meter
                .phases()
                .iter()
                .enumerate()
                .map(|(i, phase)| {
                    let pauses: Vec<GroupPauses> =
                        groups(wanted).map(|g| meter.in_phase(g, i)).collect();
                    (phase.name.clone(), ProtocolPauses::of(&pauses))
                })
                .collect();
            let totals: Vec<GroupPauses> = groups(wanted).map(|g| meter.total(g)).collect();
            let mut total = ProtocolPauses::of(&totals);
            if !per_phase.is_empty() {
                total.partitions_stopped =
                    per_phase.iter().map(|(_, p)| p.partitions_stopped).sum();
            }
            total.phases = per_phase.into_iter().collect();
            total
        };
        Some(ProtocolsSummary {
            classic: sum(GroupProtocol::Classic),
            consumer: sum(GroupProtocol::Consumer),
            phases: meter.phases().to_vec(),
        })
    }
}

/// The outcome of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunSummary {
    /// Scenario id, if the run is a scenario.
    pub scenario: Option<String>,
    /// Seed of the world's random numbers: the same seed and commands replay the same run.
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
    /// Exactly-once runs (a consumer application with a `transactional.id`): what the
    /// readers of its output saw.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eos: Option<EosSummary>,
    /// Runs with a consumer-protocol group and metered pauses (S14): what rebalances cost
    /// under each protocol.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocols: Option<ProtocolsSummary>,
}

/// Duplicates in an output topic, as one kind of reader sees them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReaderView {
    /// Inputs whose output the reader read more than once.
    pub duplicates: usize,
    /// Inputs committed by the application whose output the reader never read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lost: Option<usize>,
}

/// What exactly-once achieved (see `pipeline.rs`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EosSummary {
    /// The `read_committed` readers of the transactional output.
    pub read_committed: ReaderView,
    /// The `read_uncommitted` readers: they see the aborted copies too.
    pub read_uncommitted: ReaderView,
    /// Transactions of the applications' transactional ids aborted at the broker (by an
    /// abort, a new instance, or the timeout).
    pub aborted_transactions: u64,
    /// Transactions committed.
    pub committed_transactions: u64,
    /// Some instance was fenced (`PRODUCER_FENCED`) and shut down.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub fenced: bool,
}

impl EosSummary {
    /// `None` when no consumer application writes with a `transactional.id`.
    pub fn of(world: &World) -> Option<EosSummary> {
        let apps: Vec<_> = world
            .consumers
            .iter()
            .filter_map(|c| Some((c, c.spec.output.as_ref()?)))
            .filter(|(_, o)| o.transactional_id.is_some())
            .collect();
        let (_, output) = apps.first()?;
        let expected = world.committed_inputs(&output.topic);
        let mut committed = ReaderView {
            duplicates: 0,
            lost: Some(0),
        };
        let mut uncommitted = ReaderView {
            duplicates: 0,
            lost: None,
        };
        for reader in world
            .consumers
            .iter()
            .filter(|c| c.spec.output.is_none() && c.spec.topics.contains(&output.topic))
        {
            let seen = world.tracker.output_count(&reader.spec.group, &expected);
            let view = match reader.spec.isolation_level {
                IsolationLevel::ReadCommitted => {
                    committed.lost = committed.lost.map(|l| l + seen.lost);
                    &mut committed
                }
                IsolationLevel::ReadUncommitted => &mut uncommitted,
            };
            view.duplicates += seen.duplicates;
        }
        let mut ids: Vec<&str> = apps
            .iter()
            .filter_map(|(_, o)| o.transactional_id.as_deref())
            .collect();
        ids.dedup();
        let outcomes = world.broker.transaction_outcomes();
        let (commits, aborts) = ids
            .iter()
            .filter_map(|id| outcomes.get(*id))
            .fold((0, 0), |(c, a), (c2, a2)| (c + c2, a + a2));
        Some(EosSummary {
            read_committed: committed,
            read_uncommitted: uncommitted,
            aborted_transactions: aborts,
            committed_transactions: commits,
            fenced: apps
                .iter()
                .any(|(c, _)| c.pipeline.as_ref().is_some_and(|p| p.fenced)),
        })
    }
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
            eos: EosSummary::of(world),
            protocols: ProtocolsSummary::of(world),
        }
    }
}
