//! The simulation's world, as the stage draws it.

use minikafka::client::consumer::MemberState;
use minikafka::collections::BTreeSet;

use minikafka::client::TopicPartition;
use minikafka::group::GroupState;
use minikafka::sim::actors::{ActorStatus, ConsumerActor};
use minikafka::sim::World;

use crate::sim::model::{fresh_appends, heartbeat_pulse, rebalance_step, session_left};
use crate::sim::state::AppState;
use crate::stage::model::*;

/// What a simulated consumer is doing, in one word.
pub(crate) fn kind_of(world: &World, c: &ConsumerActor) -> MemberKind {
    match c.status {
        ActorStatus::Crashed => return MemberKind::Crashed,
        ActorStatus::Stopped => return MemberKind::Stopped,
        ActorStatus::Running | ActorStatus::Stopping => {}
    }
    if c.is_paused(world.now()) {
        return MemberKind::Frozen;
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
        // Between two polls it cannot rejoin: what a rebalance waits for.
        MemberState::Stable if c.in_batch_work(world.now()) => MemberKind::Busy,
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

/// What the stage needs of one consumer, computed once per frame (a crowded world has
/// 64 partitions x 32 consumers).
struct Facts<'a> {
    actor: &'a ConsumerActor,
    colour: usize,
    kind: MemberKind,
    owned: BTreeSet<TopicPartition>,
    session_left: Option<i64>,
}

fn band_of(state: &AppState, group: &str) -> Band {
    let world = state.world();
    let consumers: Vec<Facts> = world
        .consumers
        .iter()
        .filter(|c| c.spec.group == group)
        .enumerate()
        .map(|(colour, c)| Facts {
            actor: c,
            colour,
            kind: kind_of(world, c),
            owned: minikafka::sort::set_of(c.consumer.assignment()),
            session_left: session_left(world, c),
        })
        .collect();
    let topics: Vec<String> = world
        .broker
        .topic_names()
        .into_iter()
        .filter(|t| consumers.iter().any(|f| f.actor.spec.topics.contains(t)))
        .collect();
    let mut members: Vec<StageMember> = consumers
        .iter()
        .map(|f| StageMember {
            name: f.actor.spec.name.clone(),
            colour: f.colour,
            state: f.kind,
            owns: if f.actor.is_live() { f.owned.len() } else { 0 },
            leader: f.actor.is_live() && f.actor.consumer.is_leader(),
            session: f
                .session_left
                .map(|left| (left, i64::from(f.actor.spec.session_timeout_ms))),
            pulse: heartbeat_pulse(state, f.actor),
        })
        .collect();
    let kip848 = crate::stage::kip848::view_of(
        state,
        group,
        &consumers.iter().map(|f| f.actor).collect::<Vec<_>>(),
    );
    if let Some(k) = &kip848 {
        k.mark_waiting_members(&mut members);
    }
    minikafka::sort::sort_by_key(&mut members, StageMember::order);
    let coordinator = world.broker.coordinator();
    let logs = logs_of(state, Some((group, &consumers)), &topics);
    let delivery = delivery_of(state, group, &consumers, &logs);
    Band {
        group: Some(GroupBox {
            id: group.to_string(),
            state: coordinator
                .group_state(group)
                .map(|s| s.name())
                .or_else(|| {
                    let g = world.broker.consumer_groups().group(group)?;
                    Some(g.state().name())
                }),
            generation: coordinator.generation(group).unwrap_or(0),
            step: rebalance_step(state, group),
            members,
            tally: if world.pauses().is_some_and(|m| !m.phases().is_empty()) {
                phase_tally(world, group)
            } else {
                state.stops.tally(group, world.now())
            },
            reads: logs.len(),
            delivery,
            txn: txn_of(world, &consumers),
            kip848,
        }),
        logs,
    }
}

/// A scenario with phases (S14): what each phase begun so far cost the group, from the
/// core's pause meter, so the same figures as `minikafka scenario S14 --json`, counted the
/// same way for a classic and a consumer-protocol group. Nothing before the first phase
/// (the groups form differently, and that is not the lesson).
fn phase_tally(world: &World, group: &str) -> Option<Tally> {
    let meter = world.pauses()?;
    let current = meter.phase_at(world.now())?;
    let prefix = format!("{group}-");
    let phases: Vec<PhaseTally> = meter.phases()[..=current]
        .iter()
        .enumerate()
        .map(|(i, phase)| {
            let p = meter.in_phase(group, i);
            PhaseTally {
                phase: phase.name.clone(),
                // `classic-A` is A on its own group's box.
                stopped_members: p
                    .stopped_members
                    .iter()
                    .map(|m| m.strip_prefix(&prefix).unwrap_or(m).to_string())
                    .collect(),
                stopped_partitions: p.stopped_partitions.len(),
                paused_ms: p.paused_partition_ms,
            }
        })
        .collect();
    Some(Tally {
        stopped: phases.last().map_or(0, |p| p.stopped_partitions),
        longest_ms: 0,
        phases,
    })
}

fn logs_of(state: &AppState, group: Option<(&str, &[Facts])>, topics: &[String]) -> Vec<Log> {
    let world = state.world();
    // Batches landing are drawn only on a stage with numbered cells.
    let animate = topics
        .iter()
        .filter_map(|t| world.broker.topic(t))
        .map(|t| t.partitions.len())
        .sum::<usize>()
        <= 16;
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
            let fresh = if animate {
                fresh_appends(state, name, partition)
            } else {
                Vec::new()
            };
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
                    stopped: None,
                    retracting: None,
                    fetching: false,
                    last_stable: plog.last_stable_offset(),
                    txns: txns_of(plog),
                    leader: None,
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
            for f in consumers.iter() {
                if !f.owned.contains(&tp) {
                    continue;
                }
                let c = f.actor;
                let colour = f.colour;
                let layers = c.consumer.offsets(&tp).unwrap_or_default();
                let kind = f.kind;
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
                    f.session_left.map(|_| EdgeKind::Stale)
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
            let mut lost = track.map(|t| t.lost(moved_past)).unwrap_or_default();
            if !lost.is_empty() && plog.transactions().seen_any() {
                // A marker is never handed to anyone, and a read_committed group never
                // gets an aborted record: neither is lost (as the world counts it).
                let read_committed = consumers.iter().any(|f| {
                    f.actor.spec.isolation_level == minikafka::log::IsolationLevel::ReadCommitted
                });
                lost.retain(|o| {
                    !(world.is_marker(&tp, *o) || read_committed && world.is_aborted(&tp, *o))
                });
            }
            let stop = edge
                .is_none()
                .then(|| state.stops.open_stop(group, name, partition))
                .flatten();
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
                stopped: stop.map(|s| s.since),
                retracting: stop.map(|s| s.from.clone()),
                fetching: animate
                    && edge
                        .as_ref()
                        .is_some_and(|e| fetched_recently(state, name, partition, &e.member)),
                edge,
                last_stable: plog.last_stable_offset(),
                txns: txns_of(plog),
                leader: None,
            });
        }
    }
    logs
}

/// What the group processed twice, lost, or read from aborted transactions; nothing when
/// every record so far was processed once and no transaction is in sight (most moments).
///
/// A reader of an application's output counts what the application meant: an input whose
/// output it read twice (two invoices for one order are two offsets, and one duplicate).
fn delivery_of(
    state: &AppState,
    group: &str,
    consumers: &[Facts],
    logs: &[Log],
) -> Option<Delivery> {
    let world = state.world();
    let reads_an_output = world.consumers.iter().any(|c| {
        c.spec
            .output
            .as_ref()
            .is_some_and(|o| logs.iter().any(|l| l.topic == o.topic))
    });
    let outputs = reads_an_output.then(|| world.tracker.output_count(group, &[]));
    let twice = match &outputs {
        Some(seen) => seen.duplicates,
        None => logs.iter().map(|l| l.duplicates.len()).sum(),
    };
    let lost = logs.iter().map(|l| l.lost.len()).sum();
    let transactional = logs.iter().any(|l| !l.txns.is_empty());
    let aborted = transactional.then(|| {
        let read_committed = consumers
            .iter()
            .any(|f| f.actor.spec.isolation_level == minikafka::log::IsolationLevel::ReadCommitted);
        let read = logs
            .iter()
            .map(|l| {
                let tp = TopicPartition::new(l.topic.clone(), l.partition);
                world
                    .tracker
                    .groups
                    .get(group)
                    .and_then(|m| m.get(&tp))
                    .map_or(0, |t| {
                        t.iter().filter(|(o, _)| world.is_aborted(&tp, *o)).count()
                    })
            })
            .sum();
        (read, read_committed)
    });
    (twice > 0 || lost > 0 || aborted.is_some()).then_some(Delivery {
        twice,
        lost,
        aborted,
    })
}

/// Did `member`'s fetches of this partition return records in the last 0.7 s?
fn fetched_recently(state: &AppState, topic: &str, partition: i32, member: &str) -> bool {
    use minikafka::sim::WorldEventKind;
    use minikafka::Event;
    let now = state.now();
    state
        .log
        .iter()
        .rev()
        .take_while(|e| now - e.at <= 700)
        .any(|e| {
            matches!(&e.kind, WorldEventKind::Broker { event: Event::FetchServed { topic: t, partition: p, records, client_id, .. } }
                if t == topic && *p == partition && *records > 0 && client_id.as_deref() == Some(member))
        })
}

/// The transaction coordinator's entry for the group's application, if it has a
/// `transactional.id` (its instances share it: one entry).
fn txn_of(world: &World, consumers: &[Facts]) -> Option<TxnView> {
    let id = consumers.iter().find_map(|f| {
        f.actor
            .spec
            .output
            .as_ref()
            .and_then(|o| o.transactional_id.clone())
    })?;
    let t = world.broker.transactions().transaction(&id)?;
    let open = matches!(t.state, minikafka::txn::TxnState::Ongoing)
        .then(|| (world.now() - t.start_timestamp, t.timeout_ms));
    Some(TxnView {
        id,
        state: t.state.name(),
        epoch: t.producer_epoch,
        partitions: t.partitions.len(),
        open,
    })
}

/// How far back the stage looks for transactions: about what a projector row shows.
const TXN_LOOKBACK: i64 = 64;

/// The transactions of the recent part of a log; nothing to read for a log that never held
/// a transactional batch (almost all of them).
fn txns_of(plog: &minikafka::log::PartitionLog) -> Vec<crate::stage::txn::TxnSpan> {
    if !plog.transactions().seen_any() {
        return Vec::new();
    }
    let from = (plog.high_watermark() - TXN_LOOKBACK).max(plog.log_start_offset());
    let read = plog.read(from, u32::MAX, u32::MAX);
    read.map(|r| crate::stage::txn::spans(r.batches.iter().map(|b| &b.info)))
        .unwrap_or_default()
}
