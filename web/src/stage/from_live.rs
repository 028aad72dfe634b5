//! A real server's picture (live mode), as the stage draws it: the group shown in the
//! page, with the partitions it reads.

use crate::live::page::{LivePage, LiveViewModel};
use minikafka::collections::BTreeSet;

use minikafka::event::TopicPartitions;
use minikafka::live::{GroupEpochs, PartitionSnapshot};
use minikafka::record::{BatchInfo, ProducerInfo};

use crate::stage::kip848::{chips, Kip848Member, Kip848View};
use crate::stage::model::*;
use crate::stage::txn::{spans, TxnSpan};

/// The stage of a live page: one band, the shown group's.
pub fn stage_of_live(page: &LivePage, vm: &LiveViewModel) -> Stage {
    let producers = vm
        .producers
        .iter()
        .map(|p| StageProducer {
            name: p.name.clone(),
            colour: p.index,
            topic: p.topic.clone(),
            rate: p.rate,
            sent: p.sent,
        })
        .collect();
    let group = vm.group.as_ref().and_then(|g| page.picture().groups.get(g));
    // The group's own partitions: the ones it owns or has committed. Another group's
    // topics would show lag this group does not have.
    let reads = |topic: &str| {
        group.is_none_or(|g| {
            g.committed.keys().any(|(t, _)| t == topic)
                || vm
                    .members
                    .iter()
                    .any(|m| m.partitions.iter().any(|tp| tp.topic == topic))
        })
    };
    let colour_of = |name: &str| vm.members.iter().position(|m| m.name == name).unwrap_or(0);
    let logs = vm
        .partitions
        .iter()
        .filter(|p| reads(&p.topic))
        .map(|p| {
            let owner = p.owner.as_ref();
            // What the server told of this partition's transactions.
            let snapshot = page
                .picture()
                .topics
                .get(&p.topic)
                .and_then(|parts| parts.get(p.partition as usize));
            let edge = owner.map(|(name, _, _)| {
                let paused = vm
                    .members
                    .iter()
                    .any(|m| &m.name == name && m.state == "rebalancing");
                Edge {
                    member: name.clone(),
                    colour: colour_of(name),
                    kind: if paused {
                        EdgeKind::Paused
                    } else {
                        EdgeKind::Owned
                    },
                }
            });
            let cursors = owner
                .and_then(|(name, position, _)| {
                    position.map(|offset| Cursor {
                        member: name.clone(),
                        colour: colour_of(name),
                        offset,
                        ghost: false,
                    })
                })
                .into_iter()
                .collect();
            Log {
                topic: p.topic.clone(),
                partition: p.partition,
                log_start: p.log_start,
                high_watermark: p.high_watermark,
                committed: p.committed,
                cursors,
                // A real client does not tell the broker what it processed: only
                // positions (fetches) and commits are seen.
                uncommitted: None,
                duplicates: Vec::new(),
                lost: Vec::new(),
                fresh: p.fresh.clone(),
                edge,
                stopped: None,
                retracting: None,
                fetching: false,
                last_stable: snapshot
                    .and_then(|s| s.last_stable_offset)
                    .unwrap_or(p.high_watermark),
                txns: snapshot.map(txns_of).unwrap_or_default(),
                // One broker leads everything: only a cluster's leaders are worth drawing.
                leader: snapshot
                    .and_then(|s| s.leader)
                    .filter(|_| page.picture().brokers.len() > 1),
            }
        })
        .collect();
    let group_box = vm.group.as_ref().map(|id| {
        let session_ms = |member_id: &str| {
            group
                .and_then(|g| g.members.get(member_id))
                .map_or(45_000, |m| i64::from(m.session_timeout_ms))
        };
        let mut members: Vec<StageMember> = vm
            .members
            .iter()
            .enumerate()
            .map(|(colour, m)| StageMember {
                name: m.name.clone(),
                colour,
                state: m.state,
                owns: m.partitions.len(),
                leader: m.leader,
                session: m
                    .session_left_ms
                    .map(|left| (left, session_ms(&m.member_id))),
                pulse: m.heartbeat_pulse,
            })
            .collect();
        let kip848 = group
            .and_then(|g| g.epochs.as_ref())
            .map(|e| kip848_of(e, vm));
        if let Some(k) = &kip848 {
            k.mark_waiting_members(&mut members);
        }
        minikafka::sort::sort_by_key(&mut members, StageMember::order);
        GroupBox {
            id: id.clone(),
            state: vm.group_state,
            generation: vm.generation,
            step: vm.rebalance_step,
            members,
            tally: None,
            delivery: None,
            txn: None,
            reads: 0,
            kip848,
        }
    });
    Stage {
        now: vm.now,
        producers,
        bands: vec![Band {
            group: group_box,
            logs,
        }],
    }
}

/// A consumer-protocol group's epochs as the stage draws them (the same model as the
/// simulation's): the group epoch, and per member card its member epoch and one chip per
/// partition, owned (filled), target not owned yet (outlined) or owned but to give up
/// (struck). Members are matched to cards by member id.
pub fn kip848_of(e: &GroupEpochs, vm: &LiveViewModel) -> Kip848View {
    let partitions = |tps: &[TopicPartitions]| -> BTreeSet<i32> {
        tps.iter()
            .flat_map(|tp| tp.partitions.iter().copied())
            .collect()
    };
    Kip848View {
        group_epoch: e.group_epoch,
        members: e
            .members
            .iter()
            .filter_map(|m| {
                let card = vm.members.iter().find(|c| c.member_id == m.member_id)?;
                Some(Kip848Member {
                    name: card.name.clone(),
                    epoch: m.member_epoch,
                    chips: chips(&partitions(&m.owned), &partitions(&m.target)),
                    // A server does not say when a heartbeat answer carried an assignment.
                    carried: None,
                })
            })
            .collect(),
    }
}

/// A partition's transactions from the batches the server reported, worked out the way the
/// simulation works them out from its own log.
fn txns_of(p: &PartitionSnapshot) -> Vec<TxnSpan> {
    let batches: Vec<BatchInfo> = p
        .txn_batches
        .iter()
        .map(|b| BatchInfo {
            base_offset: b.base_offset,
            record_count: (b.last_offset - b.base_offset + 1) as u32,
            first_timestamp: 0,
            max_timestamp: 0,
            size_bytes: 0,
            producer: ProducerInfo {
                producer_id: b.producer_id,
                producer_epoch: 0,
                transactional: true,
                control: b.marker,
            },
        })
        .collect();
    spans(&batches)
}
