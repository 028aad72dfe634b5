//! From two samples to the live view's [`Event`]s.
//!
//! The live view of `serve --http` folds events the broker emits as things happen. A watch
//! sees only states, one per sample, so it says what changed between two of them with the
//! same events, stamped with the later sample's time: a member that appeared *joined*, one
//! that vanished was *removed*, a new assignment *completed*, a higher committed offset
//! was *committed*, a higher high watermark means records were *appended*. What happened
//! in between (the JoinGroup round trips, each batch) is not seen and not invented.
//!
//! Some changes have no event (a partition's leader moved, the log start moved for a reason
//! nobody reported, a high watermark went *down* after an unclean leader election): then
//! [`Diff::resnapshot`] asks the driver to send viewers a fresh snapshot instead.

use crate::event::{Event, MemberAssignment, RemovalReason};
use crate::group::GroupState;
use crate::record::Millis;

use super::sample::{ClusterSample, GroupSample};

/// What changed between two samples.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Diff {
    /// The changes, as events a live view folds.
    pub events: Vec<Event>,
    /// Some change has no event: viewers need a new snapshot.
    pub resnapshot: bool,
}

/// The events that turn `before` into `after`, at time `at`.
pub fn diff(before: &ClusterSample, after: &ClusterSample, at: Millis) -> Diff {
    let mut d = Diff::default();
    if before.brokers != after.brokers {
        d.resnapshot = true;
    }
    topics(before, after, at, &mut d);
    for (id, g) in &after.groups {
        group(before.groups.get(id), g, at, &mut d);
    }
    for id in before.groups.keys() {
        if !after.groups.contains_key(id) {
            d.events.push(Event::GroupDeleted {
                at,
                group: id.clone(),
            });
        }
    }
    d
}

fn topics(before: &ClusterSample, after: &ClusterSample, at: Millis, d: &mut Diff) {
    for name in before.topics.keys() {
        if !after.topics.contains_key(name) {
            d.events.push(Event::TopicDeleted {
                at,
                topic: name.clone(),
            });
        }
    }
    for (name, partitions) in &after.topics {
        let old = match before.topics.get(name) {
            Some(old) => old.as_slice(),
            None => {
                d.events.push(Event::TopicCreated {
                    at,
                    topic: name.clone(),
                    partitions: partitions.len() as i32,
                });
                &[]
            }
        };
        if !old.is_empty() && partitions.len() > old.len() {
            d.events.push(Event::PartitionsAdded {
                at,
                topic: name.clone(),
                from: old.len() as i32,
                to: partitions.len() as i32,
            });
        }
        for p in partitions {
            let prev = old.iter().find(|q| q.partition == p.partition);
            let (start, hw) = prev.map_or((0, 0), |q| (q.log_start_offset, q.high_watermark));
            if prev.is_some_and(|q| q.leader != p.leader)
                || p.high_watermark < hw
                || p.log_start_offset != start
            {
                d.resnapshot = true;
            }
            if p.high_watermark > hw {
                // The records between the two high watermarks became readable; who
                // produced them is not something a read-only client can know.
                d.events.push(Event::RecordsAppended {
                    at,
                    topic: name.clone(),
                    partition: p.partition,
                    base_offset: hw,
                    count: u32::try_from(p.high_watermark - hw).unwrap_or(u32::MAX),
                    log_end_offset: p.high_watermark,
                    client_id: None,
                    txn: None,
                    last_stable_offset: None,
                });
            }
        }
    }
}

fn group(before: Option<&GroupSample>, after: &GroupSample, at: Millis, d: &mut Diff) {
    let id = &after.group_id;
    let empty_state = GroupState::Empty;
    let (old_state, old_generation) =
        before.map_or((empty_state, -1), |b| (b.state(), b.generation));
    for (member_id, m) in &after.members {
        if before.is_none_or(|b| !b.members.contains_key(member_id)) {
            d.events.push(Event::MemberJoined {
                at,
                group: id.clone(),
                member_id: member_id.clone(),
                group_instance_id: m.group_instance_id.clone(),
                client_id: m.client_id.clone(),
                client_host: m.client_host.clone(),
                // Not in DescribeGroups' answer: unknown (0), so no countdown is drawn.
                session_timeout_ms: 0,
                rebalance_timeout_ms: 0,
            });
        }
    }
    if let Some(b) = before {
        for member_id in b.members.keys() {
            if !after.members.contains_key(member_id) {
                d.events.push(Event::MemberRemoved {
                    at,
                    group: id.clone(),
                    member_id: member_id.clone(),
                    reason: RemovalReason::Unobserved,
                });
            }
        }
    }
    if after.generation != old_generation && !after.members.is_empty() {
        d.events.push(Event::GenerationStarted {
            at,
            group: id.clone(),
            generation: after.generation,
            protocol: (!after.protocol.is_empty()).then(|| after.protocol.clone()),
            leader: None,
            members: after.members.keys().cloned().collect(),
        });
    }
    let assignments_moved = before.is_none_or(|b| {
        b.members.len() != after.members.len()
            || after.members.iter().any(|(mid, m)| {
                b.members
                    .get(mid)
                    .is_none_or(|old| old.assignment != m.assignment)
            })
    });
    if (assignments_moved || after.generation != old_generation) && !after.members.is_empty() {
        d.events.push(Event::AssignmentCompleted {
            at,
            group: id.clone(),
            generation: after.generation,
            assignment: after
                .members
                .values()
                .map(|m| MemberAssignment {
                    member_id: m.member_id.clone(),
                    group_instance_id: m.group_instance_id.clone(),
                    client_id: m.client_id.clone(),
                    partitions: m.assignment.clone(),
                })
                .collect(),
        });
    }
    // Last: AssignmentCompleted makes a live view's group Stable, which it may not be.
    let new_state = after.state();
    let assignment_sent = d
        .events
        .last()
        .is_some_and(|e| matches!(e, Event::AssignmentCompleted { group, .. } if group == id));
    if new_state != old_state || (assignment_sent && new_state != GroupState::Stable) {
        d.events.push(Event::GroupStateChanged {
            at,
            group: id.clone(),
            from: old_state,
            to: new_state,
        });
    }
    let old_committed = before.map(|b| &b.committed);
    if old_committed.is_some_and(|c| c.keys().any(|k| !after.committed.contains_key(k))) {
        // Some offsets were deleted (a reset, an OffsetDelete): the event clears them all,
        // the remaining ones follow as commits.
        d.events.push(Event::OffsetsDeleted {
            at,
            group: id.clone(),
            count: old_committed.map_or(0, |c| {
                c.keys()
                    .filter(|k| !after.committed.contains_key(*k))
                    .count()
            }),
        });
        for ((topic, partition), offset) in &after.committed {
            d.events
                .push(committed(id, topic, *partition, *offset, after, at));
        }
    } else {
        for ((topic, partition), offset) in &after.committed {
            if old_committed.and_then(|c| c.get(&(topic.clone(), *partition))) != Some(offset) {
                d.events
                    .push(committed(id, topic, *partition, *offset, after, at));
            }
        }
    }
}

/// A commit seen from outside: who committed is not reported (the member id stays empty),
/// the generation is the group's at the sample.
fn committed(
    group: &str,
    topic: &str,
    partition: i32,
    offset: i64,
    g: &GroupSample,
    at: Millis,
) -> Event {
    Event::OffsetCommitted {
        at,
        group: group.to_string(),
        topic: topic.to_string(),
        partition,
        offset,
        member_id: String::new(),
        generation: g.generation,
    }
}
