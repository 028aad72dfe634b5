//! The simulation's world, as the stage draws it.

use minikafka::client::consumer::MemberState;
use minikafka::client::TopicPartition;
use minikafka::group::GroupState;
use minikafka::sim::actors::{ActorStatus, ConsumerActor};
use minikafka::sim::World;

use crate::model::{fresh_appends, heartbeat_pulse, rebalance_step, session_left};
use crate::stage::model::*;
use crate::state::AppState;

/// What a simulated consumer is doing, in one word.
fn kind_of(world: &World, c: &ConsumerActor) -> MemberKind {
    match c.status {
        ActorStatus::Crashed => return MemberKind::Crashed,
        ActorStatus::Stopped => return MemberKind::Stopped,
        ActorStatus::Running | ActorStatus::Stopping => {}
    }
    let rebalancing = matches!(
        world.broker.coordinator().group_state(&c.spec.group),
        Some(GroupState::PreparingRebalance | GroupState::CompletingRebalance)
    );
    match c.consumer.member_state() {
        MemberState::Closed => MemberKind::Stopped,
        MemberState::Joining | MemberState::Syncing | MemberState::Unjoined => {
            MemberKind::Rebalancing
        }
        MemberState::Stable if rebalancing => MemberKind::Rebalancing,
        MemberState::Stable if c.consumer.assignment().is_empty() => MemberKind::Standby,
        MemberState::Stable => MemberKind::Active,
    }
}

/// The groups of the world, in the order their first consumer was added.
fn groups(world: &World) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for c in &world.consumers {
        if !out.contains(&c.spec.group) {
            out.push(c.spec.group.clone());
        }
    }
    out
}

/// The stage of the simulation now.
pub fn stage_of(state: &AppState) -> Stage {
    let world = state.world();
    let producers = world
        .producers
        .iter()
        .enumerate()
        .map(|(i, p)| StageProducer {
            name: p.spec.name.clone(),
            colour: i,
            topic: p.spec.topic.clone(),
            rate: p.spec.rate_per_sec,
            sent: p.sent,
        })
        .collect();
    let mut bands: Vec<Band> = groups(world)
        .into_iter()
        .map(|g| band_of(state, &g))
        .collect();
    if bands.is_empty() {
        bands.push(Band {
            group: None,
            logs: logs_of(state, None, &world.broker.topic_names()),
        });
    }
    Stage {
        now: world.now(),
        producers,
        bands,
    }
}

fn band_of(state: &AppState, group: &str) -> Band {
    let world = state.world();
    let consumers: Vec<&ConsumerActor> = world
        .consumers
        .iter()
        .filter(|c| c.spec.group == group)
        .collect();
    let topics: Vec<String> = world
        .broker
        .topic_names()
        .into_iter()
        .filter(|t| consumers.iter().any(|c| c.spec.topics.contains(t)))
        .collect();
    let mut members: Vec<StageMember> = consumers
        .iter()
        .enumerate()
        .map(|(colour, c)| StageMember {
            name: c.spec.name.clone(),
            colour,
            state: kind_of(world, c),
            owns: if c.is_live() {
                c.consumer.assignment().len()
            } else {
                0
            },
            leader: c.is_live() && c.consumer.is_leader(),
            session: session_left(world, c)
                .map(|left| (left, i64::from(c.spec.session_timeout_ms))),
            pulse: heartbeat_pulse(state, c),
        })
        .collect();
    members.sort_by_key(StageMember::order);
    let coordinator = world.broker.coordinator();
    Band {
        group: Some(GroupBox {
            id: group.to_string(),
            state: coordinator.group_state(group).map(|s| s.name()),
            generation: coordinator.generation(group).unwrap_or(0),
            step: rebalance_step(state, group),
            members,
        }),
        logs: logs_of(state, Some((group, &consumers)), &topics),
    }
}

fn logs_of(
    state: &AppState,
    group: Option<(&str, &[&ConsumerActor])>,
    topics: &[String],
) -> Vec<Log> {
    let world = state.world();
    let mut logs = Vec::new();
    for name in topics {
        let Some(topic) = world.broker.topic(name) else {
            continue;
        };
        for (index, plog) in topic.partitions.iter().enumerate() {
            let partition = index as i32;
            let tp = TopicPartition::new(name.clone(), partition);
            let log_start = plog.log_start_offset();
            let high_watermark = plog.high_watermark();
            let fresh = fresh_appends(state, name, partition);
            let Some((group, consumers)) = group else {
                logs.push(Log {
                    topic: name.clone(),
                    partition,
                    log_start,
                    high_watermark,
                    committed: None,
                    cursors: Vec::new(),
                    uncommitted: None,
                    duplicates: Vec::new(),
                    lost: Vec::new(),
                    fresh,
                    edge: None,
                });
                continue;
            };
            let committed = world
                .broker
                .offsets()
                .fetch(group, name, partition)
                .map(|o| o.offset);
            let mut cursors = Vec::new();
            let mut edge = None;
            let mut processed_by_owner = None;
            for (colour, c) in consumers.iter().enumerate() {
                if !c.consumer.assignment().contains(&tp) {
                    continue;
                }
                let layers = c.consumer.offsets(&tp).unwrap_or_default();
                let kind = kind_of(world, c);
                if kind == MemberKind::Stopped {
                    // Left cleanly: it committed and handed the partition back.
                    continue;
                }
                let ghost = kind == MemberKind::Crashed;
                if let Some(offset) = layers.position {
                    cursors.push(Cursor {
                        member: c.spec.name.clone(),
                        colour,
                        offset,
                        ghost,
                    });
                }
                let edge_kind = if ghost {
                    // The coordinator keeps a dead member (and its partitions) until its
                    // session runs out.
                    session_left(world, c).map(|_| EdgeKind::Stale)
                } else {
                    // A live member fetches what it holds, rebalance or not: an eager
                    // member gives everything up when it rejoins (its lines go), a
                    // cooperative one keeps what does not move.
                    Some(EdgeKind::Owned)
                };
                if let Some(kind) = edge_kind {
                    // A live owner wins over a dead one the coordinator still lists.
                    if edge
                        .as_ref()
                        .is_none_or(|e: &Edge| e.kind == EdgeKind::Stale)
                    {
                        edge = Some(Edge {
                            member: c.spec.name.clone(),
                            colour,
                            kind,
                        });
                        processed_by_owner = layers.processed;
                    }
                }
            }
            let uncommitted = processed_by_owner
                .map(|done| (committed.unwrap_or(log_start).max(log_start), done))
                .filter(|(from, to)| to > from);
            let track = world.tracker.groups.get(group).and_then(|m| m.get(&tp));
            let duplicates = track
                .map(|t| t.iter().filter(|(_, n)| *n > 1).map(|(o, _)| o).collect())
                .unwrap_or_default();
            let moved_past = committed.unwrap_or(0).max(log_start);
            let lost = track.map(|t| t.lost(moved_past)).unwrap_or_default();
            logs.push(Log {
                topic: name.clone(),
                partition,
                log_start,
                high_watermark,
                committed,
                cursors,
                uncommitted,
                duplicates,
                lost,
                fresh,
                edge,
            });
        }
    }
    logs
}
