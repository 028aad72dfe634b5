//! Groups across a restart: the broker writes each settled generation to its offsets log
//! (Kafka's group metadata records in `__consumer_offsets`) and [`Broker::open`] rebuilds
//! the groups from it, every session restarted at the start time.

use bytes::Bytes;

use crate::broker::*;
use crate::error::KafkaError;
use crate::event::{Event, RebalanceReason, RemovalReason};
use crate::group::{
    GroupOutput, GroupState, HeartbeatRequest, JoinGroupRequest, JoinProtocol, LeaveGroupRequest,
    SyncGroupRequest,
};
use crate::log::{MemoryStorage, StorageError, StorageProvider, TopicManifest};
use crate::record::Millis;

/// What a restarted broker finds on disk: the offsets log of the first one (the test's
/// groups need no topic data).
struct Restarted(MemoryStorage);

impl StorageProvider for Restarted {
    type Storage = MemoryStorage;
    fn open_partition(&mut self, _: &TopicManifest, _: i32) -> Result<MemoryStorage, StorageError> {
        Ok(MemoryStorage::new())
    }
    fn open_offsets_log(&mut self) -> Result<MemoryStorage, StorageError> {
        Ok(self.0.clone())
    }
    fn open_transaction_log(&mut self) -> Result<MemoryStorage, StorageError> {
        Ok(MemoryStorage::new())
    }
    fn save_topic(&mut self, _: &TopicManifest) -> Result<(), StorageError> {
        Ok(())
    }
    fn delete_topic(&mut self, _: &str) -> Result<(), StorageError> {
        Ok(())
    }
    fn saved_topics(&mut self) -> Result<Vec<TopicManifest>, StorageError> {
        Ok(Vec::new())
    }
}

/// Reopen a broker over `b`'s offsets log at `now`, as `serve` does at start.
fn restart<P: StorageProvider<Storage = MemoryStorage>>(
    b: &Broker<P>,
    now: Millis,
) -> Broker<Restarted> {
    let log = b.offsets().log().storage().clone();
    Broker::open(BrokerConfig::default(), Restarted(log), now).unwrap()
}

fn join(member_id: &str, instance: Option<&str>, session_timeout_ms: i32) -> JoinGroupRequest {
    JoinGroupRequest {
        group_id: "g".into(),
        session_timeout_ms,
        rebalance_timeout_ms: 30_000,
        member_id: member_id.into(),
        group_instance_id: instance.map(str::to_string),
        protocol_type: "consumer".into(),
        protocols: vec![JoinProtocol {
            name: "range".into(),
            metadata: Bytes::from_static(b"subscription"),
        }],
        client_id: "consumer".into(),
        client_host: "/10.0.0.1".into(),
        require_known_member_id: true,
    }
}

fn heartbeat(generation: i32, member_id: &str, instance: Option<&str>) -> HeartbeatRequest {
    HeartbeatRequest {
        group_id: "g".into(),
        generation_id: generation,
        member_id: member_id.into(),
        group_instance_id: instance.map(str::to_string),
    }
}

/// A Stable group "g" of two members: a dynamic one (session 10 s) and one with
/// `instance` as its `group.instance.id`, if any (session 20 s). Returns the generation
/// and the member ids, dynamic first.
fn stable_group<P: StorageProvider>(
    b: &mut Broker<P>,
    instance: Option<&str>,
) -> (i32, [String; 2]) {
    let first = b
        .join_group(1, join("", None, 10_000), 0)
        .unwrap()
        .member_id;
    assert!(b.join_group(2, join(&first, None, 10_000), 0).is_none());
    let second = match instance {
        // A static member needs no second join (KIP-345): it is parked at once.
        Some(_) => None,
        None => Some(
            b.join_group(3, join("", None, 20_000), 1)
                .unwrap()
                .member_id,
        ),
    };
    let parked = join(second.as_deref().unwrap_or(""), instance, 20_000);
    assert!(b.join_group(4, parked, 1).is_none());
    // The initial rebalance delay, extended once because a member arrived during it.
    let mut answers = Vec::new();
    let mut now = 0;
    while answers.len() < 2 {
        now = b.poll_timeout().unwrap();
        b.handle_timeout(now);
        answers.extend(std::iter::from_fn(|| b.poll_output()).map(|o| match o {
            GroupOutput::Join { request, response } => (request, response),
            GroupOutput::Sync { .. } => panic!("no sync yet"),
        }));
    }
    answers.sort_by_key(|(request, _)| *request);
    let [(2, a), (4, s)] = &answers[..] else {
        panic!("both joins answered: {answers:?}")
    };
    let generation = a.generation_id;
    let ids = [a.member_id.clone(), s.member_id.clone()];
    let leader = a.leader.clone();
    let assignments: Vec<(String, Bytes)> = ids
        .iter()
        .map(|id| (id.clone(), Bytes::from(format!("assignment of {id}"))))
        .collect();
    for (request, id) in (10..).zip(&ids) {
        let inst = if *id == ids[1] { instance } else { None };
        let sync = SyncGroupRequest {
            group_id: "g".into(),
            generation_id: generation,
            member_id: id.clone(),
            group_instance_id: inst.map(str::to_string),
            protocol_type: None,
            protocol_name: None,
            assignments: if *id == leader {
                assignments.clone()
            } else {
                Vec::new()
            },
        };
        let _ = b.sync_group(request, sync, now + 1);
    }
    assert_eq!(b.describe_group("g").state, GroupState::Stable);
    (generation, ids)
}

/// Kafka's promise: after a coordinator restart, members keep heartbeating in their
/// generation with no rebalance; one that died meanwhile is removed after its session
/// timeout, counted from the load, and only then does the group rebalance.
#[test]
fn members_keep_their_generation_across_a_restart() {
    let mut before = Broker::new(BrokerConfig::default(), 0);
    let (generation, [a, s]) = stable_group(&mut before, None);
    assert_eq!(
        before.heartbeat(heartbeat(generation, &a, None), 10_000),
        Ok(())
    );

    // Long after every session would have expired: the timers restart at the load.
    let t: Millis = 1_000_000;
    let mut b = restart(&before, t);
    assert_eq!(b.describe_group("g").state, GroupState::Stable);
    assert_eq!(b.coordinator().generation("g"), Some(generation));
    assert_eq!(
        b.coordinator().leader("g"),
        before.coordinator().leader("g")
    );
    let members = b.coordinator().members("g");
    assert_eq!(members.len(), 2);
    for (now, m) in before.coordinator().members("g").into_iter().zip(members) {
        assert_eq!(now.member_id, m.member_id);
        assert_eq!(now.assignment, m.assignment, "assignments are kept");
        assert_eq!(
            (m.client_id.as_str(), m.client_host.as_str()),
            ("consumer", "/10.0.0.1")
        );
        assert_eq!(
            m.session_expires_at(),
            Some(t + Millis::from(m.session_timeout_ms))
        );
    }
    // Both members' heartbeats succeed in the same generation: no UNKNOWN_MEMBER_ID, no
    // REBALANCE_IN_PROGRESS.
    assert_eq!(b.heartbeat(heartbeat(generation, &a, None), t + 1), Ok(()));
    assert_eq!(b.heartbeat(heartbeat(generation, &s, None), t + 1), Ok(()));
    // Their commits carry that generation too.
    let commit = OffsetCommitRequest {
        group_id: "g".into(),
        generation_id: generation,
        member_id: a.clone(),
        group_instance_id: None,
        offsets: Vec::new(),
    };
    assert!(b.commit_offsets(commit, t + 2).is_empty());

    // `s` died while the server was down: it never heartbeats again. `a` goes on.
    assert_eq!(
        b.heartbeat(heartbeat(generation, &a, None), t + 10_000),
        Ok(())
    );
    assert_eq!(
        b.heartbeat(heartbeat(generation, &a, None), t + 18_000),
        Ok(())
    );
    let _: Vec<Event> = std::iter::from_fn(|| b.poll_event()).collect();
    assert_eq!(
        b.poll_timeout(),
        Some(t + 1 + 20_000),
        "s's session, from its last heartbeat"
    );
    b.handle_timeout(t + 20_000);
    assert_eq!(
        b.coordinator().members("g").len(),
        2,
        "not before its session timeout"
    );
    b.handle_timeout(t + 20_001);
    assert_eq!(b.coordinator().members("g").len(), 1);
    assert_eq!(b.describe_group("g").state, GroupState::PreparingRebalance);
    let events: Vec<Event> = std::iter::from_fn(|| b.poll_event()).collect();
    assert!(events.iter().any(|e| matches!(e,
        Event::MemberRemoved { member_id, reason: RemovalReason::SessionTimeout, .. } if *member_id == s)));
    assert!(events.iter().any(|e| matches!(e,
        Event::RebalanceStarted { reason: RebalanceReason::SessionTimeout { member_id }, .. } if *member_id == s)));
    assert_eq!(
        b.heartbeat(heartbeat(generation, &a, None), t + 20_002),
        Err(KafkaError::RebalanceInProgress)
    );
}

/// A member that never heartbeats after the restart is removed at the load time plus its
/// session timeout (here the dynamic member, 10 s).
#[test]
fn a_member_silent_since_the_restart_expires_one_session_after_the_load() {
    let mut before = Broker::new(BrokerConfig::default(), 0);
    let (generation, [a, s]) = stable_group(&mut before, None);
    let t: Millis = 50_000;
    let mut b = restart(&before, t);
    assert_eq!(
        b.heartbeat(heartbeat(generation, &s, None), t + 9_000),
        Ok(())
    );
    b.handle_timeout(t + 9_999);
    assert_eq!(b.coordinator().members("g").len(), 2);
    b.handle_timeout(t + 10_000);
    let left: Vec<_> = b
        .coordinator()
        .members("g")
        .into_iter()
        .map(|m| m.member_id.clone())
        .collect();
    assert_eq!(left, vec![s.clone()]);
    assert_ne!(left[0], a);
    assert_eq!(b.describe_group("g").state, GroupState::PreparingRebalance);
}

/// KIP-345: a static member's `group.instance.id` maps to the same member id after the
/// restart, so its old process keeps going and a zombie with another id is fenced; a
/// replacement process takes its place with no rebalance, and that too is stored.
#[test]
fn static_members_keep_their_instance_mapping_across_a_restart() {
    let mut before = Broker::new(BrokerConfig::default(), 0);
    let (generation, [_, s]) = stable_group(&mut before, Some("pod-s"));
    let t: Millis = 100_000;
    let mut b = restart(&before, t);
    let stored = b
        .coordinator()
        .members("g")
        .into_iter()
        .find(|m| m.group_instance_id.as_deref() == Some("pod-s"))
        .map(|m| m.member_id.clone());
    assert_eq!(stored.as_deref(), Some(s.as_str()));
    assert_eq!(
        b.heartbeat(heartbeat(generation, &s, Some("pod-s")), t + 1),
        Ok(())
    );
    assert_eq!(
        b.heartbeat(heartbeat(generation, "someone-else", Some("pod-s")), t + 2),
        Err(KafkaError::FencedInstanceId)
    );

    // The pod restarts: a new process rejoins with the instance id and no member id.
    let answer = b
        .join_group(20, join("", Some("pod-s"), 20_000), t + 3)
        .unwrap();
    assert_eq!(answer.error, None);
    assert_eq!(answer.generation_id, generation, "no rebalance");
    assert_eq!(b.describe_group("g").state, GroupState::Stable);
    let new_id = answer.member_id;
    assert_ne!(new_id, s);
    // ... and a second restart finds the new mapping.
    let mut again = restart(&b, t + 1_000);
    assert_eq!(
        again.heartbeat(heartbeat(generation, &new_id, Some("pod-s")), t + 1_001),
        Ok(())
    );
    assert_eq!(
        again.heartbeat(heartbeat(generation, &s, Some("pod-s")), t + 1_002),
        Err(KafkaError::FencedInstanceId)
    );
}

/// An Empty group keeps its generation across a restart (a late commit of an older one is
/// still refused), and a deleted group stays deleted (its record is a tombstone).
#[test]
fn empty_and_deleted_groups_are_stored_too() {
    let mut before = Broker::new(BrokerConfig::default(), 0);
    let (generation, ids) = stable_group(&mut before, None);
    let leave = LeaveGroupRequest {
        group_id: "g".into(),
        members: ids
            .iter()
            .map(|id| crate::group::MemberIdentity {
                member_id: id.clone(),
                group_instance_id: None,
            })
            .collect(),
    };
    let _ = before.leave_group(leave, 10_000);
    assert_eq!(before.describe_group("g").state, GroupState::Empty);
    let mut b = restart(&before, 20_000);
    assert_eq!(b.describe_group("g").state, GroupState::Empty);
    assert_eq!(b.describe_group("g").protocol_type, "consumer");
    assert_eq!(b.coordinator().generation("g"), Some(generation + 1));
    b.delete_group("g", 20_001).unwrap();
    let b = restart(&b, 30_000);
    assert_eq!(b.describe_group("g").state, GroupState::Dead);
    assert!(b.coordinator().group_ids().is_empty());
}

/// A KIP-848 consumer group comes back from the offsets log with its epochs, members and
/// assignments (written whole, key version 3, after each change).
#[test]
fn a_consumer_protocol_group_survives_a_restart() {
    use crate::group::modern::{HeartbeatRequest as Cgh, MemberState};
    let mut b = Broker::new(BrokerConfig::default(), 0);
    b.create_topic("t", 4, None, 0).unwrap();
    let beat = |member: &str, epoch: i32| Cgh {
        group_id: "g".into(),
        member_id: member.into(),
        member_epoch: epoch,
        instance_id: None,
        rack_id: None,
        rebalance_timeout_ms: if epoch == 0 { 30_000 } else { -1 },
        subscribed_topic_names: (epoch == 0).then(|| vec!["t".to_string()]),
        subscribed_topic_regex: None,
        server_assignor: None,
        owned: (epoch == 0).then(Default::default),
        client_id: "c".into(),
        client_host: "h".into(),
    };
    b.consumer_group_heartbeat(beat("a", 0), 1, 0);
    b.consumer_group_heartbeat(beat("b", 0), 1, 0);
    for _ in 0..3 {
        for m in ["a", "b"] {
            let g = b.consumer_groups().group("g").unwrap();
            let member = &g.members[m];
            let mut r = beat(m, member.member_epoch);
            r.owned = Some(member.assigned.clone());
            b.consumer_group_heartbeat(r, 1, 10);
        }
    }
    let before = b.consumer_groups().group("g").unwrap().clone();
    assert!(before
        .members
        .values()
        .all(|m| m.state == MemberState::Stable));
    assert_eq!(before.members["a"].assigned.len(), 2);

    let after = restart(&b, 50_000);
    let g = after
        .consumer_groups()
        .group("g")
        .expect("the group is back");
    assert_eq!(g.group_epoch, before.group_epoch);
    assert_eq!(g.assignment_epoch, before.assignment_epoch);
    assert_eq!(g.target, before.target);
    for (id, m) in &before.members {
        assert_eq!(g.members[id].member_epoch, m.member_epoch);
        assert_eq!(g.members[id].assigned, m.assigned);
        // Sessions restart at the load.
        assert_eq!(g.members[id].session_deadline, 50_000 + 45_000);
    }
    // Its commits check member epochs again.
    let mut after = after;
    assert_eq!(
        after
            .consumer_groups
            .validate_offset_commit("g", "a", 1, 50_000),
        Err(KafkaError::StaleMemberEpoch)
    );
}
