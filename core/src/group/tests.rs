//! Unit tests: every state transition and every error of the coordinator.

use bytes::Bytes;

use super::consumer_protocol::{decode_assignment, encode_assignment, Assignment};
use super::*;
use crate::error::KafkaError;
use crate::event::{Event, RebalanceReason, RemovalReason, TopicPartitions};
use crate::record::Millis;

const SESSION: i32 = 10_000;
const REBALANCE: i32 = 30_000;

/// A test bench: one coordinator, a clock, and request ids.
struct Bench {
    c: GroupCoordinator,
    now: Millis,
    next_request: RequestId,
}

fn protocols(names: &[&str]) -> Vec<JoinProtocol> {
    names
        .iter()
        .map(|n| JoinProtocol {
            name: n.to_string(),
            metadata: Bytes::from(format!("meta-{n}")),
        })
        .collect()
}

fn assignment(partitions: &[i32]) -> Bytes {
    encode_assignment(&Assignment {
        partitions: vec![TopicPartitions {
            topic: "orders".into(),
            partitions: partitions.to_vec(),
        }],
        user_data: None,
    })
}

impl Bench {
    fn new() -> Bench {
        Bench::with(CoordinatorConfig::default())
    }

    fn with(config: CoordinatorConfig) -> Bench {
        Bench {
            c: GroupCoordinator::new(config),
            now: 1_000,
            next_request: 1,
        }
    }

    fn request(&mut self) -> RequestId {
        self.next_request += 1;
        self.next_request
    }

    fn join_req(&self, member_id: &str, instance: Option<&str>) -> JoinGroupRequest {
        JoinGroupRequest {
            group_id: "g".into(),
            session_timeout_ms: SESSION,
            rebalance_timeout_ms: REBALANCE,
            member_id: member_id.into(),
            group_instance_id: instance.map(str::to_string),
            protocol_type: "consumer".into(),
            protocols: protocols(&["range"]),
            client_id: "c".into(),
            client_host: "/127.0.0.1".into(),
            require_known_member_id: true,
        }
    }

    /// JoinGroup; returns the request id and the immediate answer, if any.
    fn join(&mut self, req: JoinGroupRequest) -> (RequestId, Option<JoinGroupResponse>) {
        let id = self.request();
        let now = self.now;
        (id, self.c.join_group(id, req, now))
    }

    /// A new dynamic member: MEMBER_ID_REQUIRED, then the real join (parked).
    fn new_member(&mut self) -> (String, RequestId) {
        let (_, answer) = self.join(self.join_req("", None));
        let answer = answer.expect("first join is answered at once");
        assert_eq!(answer.error, Some(KafkaError::MemberIdRequired));
        let member_id = answer.member_id;
        let (request, parked) = self.join(self.join_req(&member_id, None));
        assert_eq!(
            parked, None,
            "a join is parked until the join phase completes"
        );
        (member_id, request)
    }

    fn advance(&mut self, ms: Millis) {
        self.now += ms;
        let now = self.now;
        self.c.handle_timeout(now);
    }

    fn outputs(&mut self) -> Vec<GroupOutput> {
        std::iter::from_fn(|| self.c.poll_output()).collect()
    }

    fn join_answer(&mut self, request: RequestId) -> JoinGroupResponse {
        self.outputs()
            .into_iter()
            .find_map(|o| match o {
                GroupOutput::Join {
                    request: r,
                    response,
                } if r == request => Some(response),
                _ => None,
            })
            .expect("the parked join was answered")
    }

    fn events(&mut self) -> Vec<Event> {
        std::iter::from_fn(|| self.c.poll_event()).collect()
    }

    fn sync(
        &mut self,
        member_id: &str,
        generation: i32,
        assignments: Vec<(String, Bytes)>,
    ) -> (RequestId, Option<SyncGroupResponse>) {
        let id = self.request();
        let now = self.now;
        let req = SyncGroupRequest {
            group_id: "g".into(),
            generation_id: generation,
            member_id: member_id.into(),
            group_instance_id: None,
            protocol_type: Some("consumer".into()),
            protocol_name: Some("range".into()),
            assignments,
        };
        (id, self.c.sync_group(id, req, now))
    }

    fn heartbeat(&mut self, member_id: &str, generation: i32) -> Result<(), KafkaError> {
        let now = self.now;
        self.c.heartbeat(
            HeartbeatRequest {
                group_id: "g".into(),
                generation_id: generation,
                member_id: member_id.into(),
                group_instance_id: None,
            },
            now,
        )
    }

    fn state(&self) -> Option<GroupState> {
        self.c.group_state("g")
    }

    /// One member, joined and synced: the group is Stable in generation 1.
    fn stable_with_one(&mut self) -> String {
        let (a, ra) = self.new_member();
        self.advance(3_000); // the initial rebalance delay
        let joined = self.join_answer(ra);
        assert_eq!(joined.generation_id, 1);
        let (_, synced) = self.sync(&a, 1, vec![(a.clone(), assignment(&[0, 1]))]);
        assert_eq!(synced.unwrap().error, None);
        assert_eq!(self.state(), Some(GroupState::Stable));
        a
    }
}

#[test]
fn first_join_gets_member_id_required_then_a_generation_after_the_initial_delay() {
    let mut b = Bench::new();
    let (a, request) = b.new_member();
    assert!(a.starts_with("c-"), "member ids are client.id-uuid: {a}");
    assert_eq!(b.state(), Some(GroupState::PreparingRebalance));
    // The initial delay holds the join open for more members.
    assert_eq!(b.c.poll_timeout(), Some(1_000 + 3_000));
    b.advance(2_999);
    assert!(b.outputs().is_empty());
    b.advance(1);
    let answer = b.join_answer(request);
    assert_eq!(answer.error, None);
    assert_eq!(answer.generation_id, 1);
    assert_eq!(answer.leader, a);
    assert_eq!(answer.protocol_name.as_deref(), Some("range"));
    assert_eq!(answer.members.len(), 1, "the leader sees every member");
    assert_eq!(answer.members[0].metadata, Bytes::from("meta-range"));
    assert_eq!(b.state(), Some(GroupState::CompletingRebalance));

    let (_, synced) = b.sync(&a, 1, vec![(a.clone(), assignment(&[0, 1]))]);
    let synced = synced.expect("the leader's sync is answered at once");
    assert_eq!(
        decode_assignment(&synced.assignment).unwrap().partitions[0].partitions,
        vec![0, 1]
    );
    assert_eq!(b.state(), Some(GroupState::Stable));
    let events = b.events();
    assert!(events
        .iter()
        .any(|e| matches!(e, Event::AssignmentCompleted { generation: 1, .. })));
    assert!(events.iter().any(|e| matches!(
        e,
        Event::GroupStateChanged {
            from: GroupState::CompletingRebalance,
            to: GroupState::Stable,
            ..
        }
    )));
}

#[test]
fn the_initial_delay_is_extended_while_members_keep_arriving() {
    let mut b = Bench::new();
    let (_, ra) = b.new_member();
    b.advance(2_000);
    let (_, rb) = b.new_member();
    b.advance(1_000); // first delay over, but a member arrived: wait again
    assert!(b.outputs().is_empty());
    b.advance(3_000);
    let outputs = b.outputs();
    assert_eq!(
        outputs.len(),
        2,
        "both members are answered in one generation"
    );
    for o in outputs {
        let GroupOutput::Join { request, response } = o else {
            panic!("expected join answers")
        };
        assert!(request == ra || request == rb);
        assert_eq!(response.generation_id, 1);
    }
}

#[test]
fn a_new_member_triggers_a_rebalance_and_heartbeats_say_rebalance_in_progress() {
    let mut b = Bench::new();
    let a = b.stable_with_one();
    let (c, rc) = b.new_member();
    assert_eq!(b.state(), Some(GroupState::PreparingRebalance));
    assert_eq!(b.heartbeat(&a, 1), Err(KafkaError::RebalanceInProgress));
    let events = b.events();
    assert!(events.iter().any(|e| matches!(
        e,
        Event::RebalanceStarted { reason: RebalanceReason::MemberJoined { member_id }, generation: 1, .. } if *member_id == c
    )));
    // The old member rejoins: everybody is in, the join completes at once.
    let (ra, parked) = b.join(b.join_req(&a, None));
    assert!(parked.is_none());
    let outputs = b.outputs();
    assert_eq!(outputs.len(), 2);
    let leader_answer = outputs
        .iter()
        .find_map(|o| match o {
            GroupOutput::Join { request, response } if *request == ra => Some(response.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(leader_answer.leader, a, "the leader stays leader");
    assert_eq!(leader_answer.generation_id, 2);
    assert_eq!(leader_answer.members.len(), 2);
    let follower_answer = outputs
        .iter()
        .find_map(|o| match o {
            GroupOutput::Join { request, response } if *request == rc => Some(response.clone()),
            _ => None,
        })
        .unwrap();
    assert!(
        follower_answer.members.is_empty(),
        "followers do not see members"
    );

    // The follower syncs first and waits for the leader.
    assert_eq!(
        b.heartbeat(&c, 2),
        Ok(()),
        "heartbeats are fine while completing"
    );
    let (rc_sync, parked) = b.sync(&c, 2, vec![]);
    assert!(parked.is_none());
    // The leader gives everything to itself: c is a standby member.
    let (_, leader_sync) = b.sync(&a, 2, vec![(a.clone(), assignment(&[0, 1]))]);
    assert!(leader_sync.unwrap().error.is_none());
    let outputs = b.outputs();
    assert_eq!(outputs.len(), 1);
    let GroupOutput::Sync { request, response } = &outputs[0] else {
        panic!("expected the follower's sync answer")
    };
    assert_eq!(*request, rc_sync);
    assert_eq!(response.error, None);
    assert!(response.assignment.is_empty());

    let described = b.c.describe_group("g");
    assert_eq!(described.state, GroupState::Stable);
    assert_eq!(described.protocol, "range");
    let standby: Vec<_> = described
        .members
        .iter()
        .filter(|m| m.decoded.is_standby())
        .map(|m| m.member_id.clone())
        .collect();
    assert_eq!(standby, vec![c]);
}

#[test]
fn join_errors() {
    let mut b = Bench::new();
    let mut req = b.join_req("", None);
    req.group_id.clear();
    assert_eq!(
        b.join(req).1.unwrap().error,
        Some(KafkaError::InvalidGroupId)
    );

    let mut req = b.join_req("", None);
    req.session_timeout_ms = 5_999;
    assert_eq!(
        b.join(req).1.unwrap().error,
        Some(KafkaError::InvalidSessionTimeout)
    );
    let mut req = b.join_req("", None);
    req.session_timeout_ms = 1_800_001;
    assert_eq!(
        b.join(req).1.unwrap().error,
        Some(KafkaError::InvalidSessionTimeout)
    );

    let mut req = b.join_req("", None);
    req.protocols.clear();
    assert_eq!(
        b.join(req).1.unwrap().error,
        Some(KafkaError::InconsistentGroupProtocol)
    );

    // A member id the group never issued, on a group that does not exist.
    assert_eq!(
        b.join(b.join_req("ghost", None)).1.unwrap().error,
        Some(KafkaError::UnknownMemberId)
    );

    let a = b.stable_with_one();
    assert_eq!(
        b.join(b.join_req("ghost", None)).1.unwrap().error,
        Some(KafkaError::UnknownMemberId)
    );
    let mut req = b.join_req("", None);
    req.protocol_type = "connect".into();
    assert_eq!(
        b.join(req).1.unwrap().error,
        Some(KafkaError::InconsistentGroupProtocol)
    );
    let mut req = b.join_req("", None);
    req.protocols = protocols(&["roundrobin"]);
    assert_eq!(
        b.join(req).1.unwrap().error,
        Some(KafkaError::InconsistentGroupProtocol),
        "no protocol in common with the group"
    );
    // None of this disturbed the group.
    assert_eq!(b.state(), Some(GroupState::Stable));
    assert_eq!(b.heartbeat(&a, 1), Ok(()));
}

#[test]
fn member_id_required_does_not_start_a_rebalance_and_forgotten_ids_expire() {
    let mut b = Bench::new();
    let a = b.stable_with_one();
    let (_, answer) = b.join(b.join_req("", None));
    assert_eq!(answer.unwrap().error, Some(KafkaError::MemberIdRequired));
    assert_eq!(b.state(), Some(GroupState::Stable));
    // The client crashed before coming back: the pending id is forgotten after the
    // session timeout, while the real member keeps heartbeating.
    for _ in 0..4 {
        b.advance(3_000);
        assert_eq!(b.heartbeat(&a, 1), Ok(()));
    }
    assert_eq!(b.state(), Some(GroupState::Stable));
    assert!(b.c.groups["g"].pending_members.is_empty());
}

#[test]
fn a_member_that_stops_heartbeating_is_removed_after_its_session_timeout() {
    let mut b = Bench::new();
    let a = b.stable_with_one();
    let (c, rc) = b.new_member();
    b.join(b.join_req(&a, None));
    let _ = b.join_answer(rc);
    b.sync(&c, 2, vec![]);
    b.sync(
        &a,
        2,
        vec![(a.clone(), assignment(&[0])), (c.clone(), assignment(&[1]))],
    );
    assert_eq!(b.state(), Some(GroupState::Stable));
    b.events();

    // a keeps heartbeating, c goes silent (a crashed process).
    for _ in 0..3 {
        b.advance(3_000);
        assert_eq!(b.heartbeat(&a, 2), Ok(()));
    }
    b.advance(1_000); // 10 s since c's last sign of life
    assert_eq!(b.state(), Some(GroupState::PreparingRebalance));
    let events = b.events();
    assert!(events.iter().any(|e| matches!(
        e,
        Event::MemberRemoved { reason: RemovalReason::SessionTimeout, member_id, .. } if *member_id == c
    )));
    assert_eq!(b.heartbeat(&a, 2), Err(KafkaError::RebalanceInProgress));
    let (ra, _) = b.join(b.join_req(&a, None));
    let answer = b.join_answer(ra);
    assert_eq!(answer.generation_id, 3);
    assert_eq!(answer.members.len(), 1);
    assert_eq!(b.heartbeat(&c, 2), Err(KafkaError::UnknownMemberId));
}

#[test]
fn a_member_that_does_not_rejoin_within_the_rebalance_timeout_is_removed() {
    let mut b = Bench::new();
    let a = b.stable_with_one();
    let (c, rc) = b.new_member();
    // a never rejoins (stuck processing a long batch) but its heartbeat thread keeps its
    // session alive... until the rebalance timeout, when the join completes without it.
    for _ in 0..9 {
        b.advance(3_000);
        assert_eq!(b.heartbeat(&a, 1), Err(KafkaError::RebalanceInProgress));
    }
    b.advance(Millis::from(REBALANCE) - 27_001);
    assert!(b.outputs().is_empty());
    b.advance(1);
    let answer = b.join_answer(rc);
    assert_eq!(answer.generation_id, 2);
    assert_eq!(
        answer.leader, c,
        "the old leader is gone, the new member leads"
    );
    assert!(b.events().iter().any(|e| matches!(
        e,
        Event::MemberRemoved { reason: RemovalReason::RebalanceTimeout, member_id, .. } if *member_id == a
    )));
    let now = b.now;
    assert_eq!(
        b.c.validate_offset_commit("g", &a, None, 1, now),
        Err(KafkaError::RebalanceInProgress)
    );
}

#[test]
fn a_member_that_never_syncs_is_removed_and_the_group_rebalances() {
    let mut b = Bench::new();
    let a = b.stable_with_one();
    let (c, rc) = b.new_member();
    b.join(b.join_req(&a, None));
    let _ = b.join_answer(rc);
    // The leader syncs, c never does.
    b.sync(
        &a,
        2,
        vec![(a.clone(), assignment(&[0])), (c.clone(), assignment(&[1]))],
    );
    assert_eq!(b.state(), Some(GroupState::Stable));
    b.events();
    // a heartbeats; c's session would also expire, but the sync deadline comes first at the
    // rebalance timeout only if shorter; here the session timeout is shorter.
    for _ in 0..4 {
        b.advance(3_000);
        let _ = b.heartbeat(&a, 2);
    }
    let events = b.events();
    assert!(events.iter().any(|e| matches!(
        e,
        Event::MemberRemoved { member_id, .. } if *member_id == c
    )));
    assert_eq!(b.state(), Some(GroupState::PreparingRebalance));
}

#[test]
fn the_sync_timeout_removes_members_that_keep_heartbeating_but_never_sync() {
    let mut b = Bench::new();
    let a = b.stable_with_one();
    let (c, rc) = b.new_member();
    b.join(b.join_req(&a, None));
    let _ = b.join_answer(rc);
    b.sync(&a, 2, vec![(a.clone(), assignment(&[0]))]);
    b.events();
    for _ in 0..10 {
        b.advance(3_000);
        let _ = b.heartbeat(&a, 2);
        let _ = b.heartbeat(&c, 2);
    }
    let events = b.events();
    assert!(events.iter().any(|e| matches!(
        e,
        Event::MemberRemoved { reason: RemovalReason::SyncTimeout, member_id, .. } if *member_id == c
    )));
    assert!(events.iter().any(|e| matches!(
        e,
        Event::RebalanceStarted {
            reason: RebalanceReason::SyncTimeout { .. },
            ..
        }
    )));
}

#[test]
fn sync_errors() {
    let mut b = Bench::new();
    assert_eq!(
        b.sync("x", 0, vec![]).1.unwrap().error,
        Some(KafkaError::UnknownMemberId)
    );
    let a = b.stable_with_one();
    assert_eq!(
        b.sync("x", 1, vec![]).1.unwrap().error,
        Some(KafkaError::UnknownMemberId)
    );
    assert_eq!(
        b.sync(&a, 7, vec![]).1.unwrap().error,
        Some(KafkaError::IllegalGeneration)
    );
    let id = b.request();
    let now = b.now;
    let wrong_protocol = SyncGroupRequest {
        group_id: "g".into(),
        generation_id: 1,
        member_id: a.clone(),
        group_instance_id: None,
        protocol_type: Some("consumer".into()),
        protocol_name: Some("roundrobin".into()),
        assignments: vec![],
    };
    assert_eq!(
        b.c.sync_group(id, wrong_protocol, now).unwrap().error,
        Some(KafkaError::InconsistentGroupProtocol)
    );
    // In a Stable group a sync returns the stored assignment again.
    let again = b.sync(&a, 1, vec![]).1.unwrap();
    assert_eq!(again.assignment, assignment(&[0, 1]));
    b.new_member();
    assert_eq!(
        b.sync(&a, 1, vec![]).1.unwrap().error,
        Some(KafkaError::RebalanceInProgress)
    );
}

#[test]
fn a_rebalance_answers_parked_syncs_with_rebalance_in_progress() {
    let mut b = Bench::new();
    let a = b.stable_with_one();
    let (c, rc) = b.new_member();
    b.join(b.join_req(&a, None));
    let _ = b.join_answer(rc);
    let (rc_sync, _) = b.sync(&c, 2, vec![]);
    // Before the leader syncs, a third member arrives.
    b.new_member();
    let outputs = b.outputs();
    assert!(outputs.iter().any(|o| matches!(
        o,
        GroupOutput::Sync { request, response } if *request == rc_sync && response.error == Some(KafkaError::RebalanceInProgress)
    )));
}

#[test]
fn heartbeat_errors() {
    let mut b = Bench::new();
    assert_eq!(b.heartbeat("x", 0), Err(KafkaError::UnknownMemberId));
    let a = b.stable_with_one();
    assert_eq!(b.heartbeat("x", 1), Err(KafkaError::UnknownMemberId));
    assert_eq!(b.heartbeat(&a, 0), Err(KafkaError::IllegalGeneration));
    assert_eq!(b.heartbeat(&a, 1), Ok(()));
    let leave = b.c.leave_group(
        LeaveGroupRequest {
            group_id: "g".into(),
            members: vec![MemberIdentity {
                member_id: a.clone(),
                group_instance_id: None,
            }],
        },
        b.now,
    );
    assert_eq!(leave.members[0].1, None);
    assert_eq!(b.state(), Some(GroupState::Empty));
    assert_eq!(b.heartbeat(&a, 2), Err(KafkaError::UnknownMemberId));
}

#[test]
fn the_last_member_leaving_empties_the_group_and_bumps_the_generation() {
    let mut b = Bench::new();
    let a = b.stable_with_one();
    b.events();
    let now = b.now;
    let response = b.c.leave_group(
        LeaveGroupRequest {
            group_id: "g".into(),
            members: vec![
                MemberIdentity {
                    member_id: a.clone(),
                    group_instance_id: None,
                },
                MemberIdentity {
                    member_id: "ghost".into(),
                    group_instance_id: None,
                },
            ],
        },
        now,
    );
    assert_eq!(response.error, None);
    assert_eq!(response.members[0].1, None);
    assert_eq!(response.members[1].1, Some(KafkaError::UnknownMemberId));
    assert_eq!(b.state(), Some(GroupState::Empty));
    assert_eq!(b.c.generation("g"), Some(2));
    let events = b.events();
    assert!(events.iter().any(|e| matches!(
        e,
        Event::MemberRemoved {
            reason: RemovalReason::LeaveGroup,
            ..
        }
    )));
    assert!(events.iter().any(|e| matches!(
        e,
        Event::RebalanceStarted {
            reason: RebalanceReason::MemberLeft { .. },
            ..
        }
    )));
    let unknown = b.c.leave_group(
        LeaveGroupRequest {
            group_id: "nope".into(),
            members: vec![],
        },
        now,
    );
    assert_eq!(unknown.error, Some(KafkaError::UnknownMemberId));
}

#[test]
fn the_leader_rejoining_a_stable_group_starts_a_rebalance_a_follower_does_not() {
    let mut b = Bench::new();
    let a = b.stable_with_one();
    let (c, rc) = b.new_member();
    b.join(b.join_req(&a, None));
    let _ = b.join_answer(rc);
    b.sync(&c, 2, vec![]);
    b.sync(
        &a,
        2,
        vec![(a.clone(), assignment(&[0])), (c.clone(), assignment(&[1]))],
    );
    b.outputs();
    // The follower lost its join answer and rejoins with the same metadata: answered at once.
    let (_, answer) = b.join(b.join_req(&c, None));
    assert_eq!(answer.unwrap().generation_id, 2);
    assert_eq!(b.state(), Some(GroupState::Stable));
    // The leader rejoins: it wants a new assignment (say its metadata tells it topics
    // changed), so everybody rejoins.
    let (_, answer) = b.join(b.join_req(&a, None));
    assert!(answer.is_none());
    assert_eq!(b.state(), Some(GroupState::PreparingRebalance));
}

#[test]
fn changed_metadata_starts_a_rebalance() {
    let mut b = Bench::new();
    let a = b.stable_with_one();
    let (c, rc) = b.new_member();
    b.join(b.join_req(&a, None));
    let _ = b.join_answer(rc);
    b.sync(&c, 2, vec![]);
    b.sync(&a, 2, vec![(a.clone(), assignment(&[0]))]);
    b.events();
    let mut req = b.join_req(&c, None);
    req.protocols = vec![JoinProtocol {
        name: "range".into(),
        metadata: Bytes::from("new subscription"),
    }];
    assert!(b.join(req).1.is_none());
    assert!(b.events().iter().any(|e| matches!(
        e,
        Event::RebalanceStarted { reason: RebalanceReason::MemberMetadataChanged { member_id }, .. } if *member_id == c
    )));
}

#[test]
fn protocol_selection_follows_the_members_votes() {
    let mut b = Bench::new();
    let mut first = b.join_req("", None);
    first.require_known_member_id = false;
    first.protocols = protocols(&["roundrobin", "range"]);
    let (r1, _) = b.join(first.clone());
    let mut second = first.clone();
    second.protocols = protocols(&["range", "roundrobin"]);
    b.join(second.clone());
    let mut third = first.clone();
    third.protocols = protocols(&["range", "roundrobin", "sticky"]);
    b.join(third);
    b.advance(10_000);
    assert_eq!(b.join_answer(r1).protocol_name.as_deref(), Some("range"));
}

#[test]
fn static_member_restart_within_the_session_timeout_keeps_its_assignment_without_rebalance() {
    let mut b = Bench::new();
    let (r, _) = b.join(b.join_req("", Some("pod-0")));
    b.advance(3_000);
    let answer = b.join_answer(r);
    let old_id = answer.member_id.clone();
    b.sync(&old_id, 1, vec![(old_id.clone(), assignment(&[0, 1, 2]))]);
    assert_eq!(b.state(), Some(GroupState::Stable));
    b.events();

    // The pod restarts: no LeaveGroup, it comes back 5 s later with an empty member id.
    b.advance(5_000);
    let (_, answer) = b.join(b.join_req("", Some("pod-0")));
    let answer = answer.expect("a known static member with the same metadata is answered at once");
    assert_eq!(answer.error, None);
    assert_eq!(answer.generation_id, 1, "no new generation");
    assert_ne!(answer.member_id, old_id);
    assert!(
        answer.skip_assignment,
        "the static leader keeps the existing assignment"
    );
    assert_eq!(b.state(), Some(GroupState::Stable));
    let new_id = answer.member_id;
    let synced = b.sync(&new_id, 1, vec![]).1.unwrap();
    assert_eq!(synced.assignment, assignment(&[0, 1, 2]));
    let events = b.events();
    assert!(events
        .iter()
        .any(|e| matches!(e, Event::StaticMemberReplaced { .. })));
    assert!(!events
        .iter()
        .any(|e| matches!(e, Event::RebalanceStarted { .. })));

    // The old process (a zombie) is fenced.
    let now = b.now;
    let fenced = b.c.heartbeat(
        HeartbeatRequest {
            group_id: "g".into(),
            generation_id: 1,
            member_id: old_id.clone(),
            group_instance_id: Some("pod-0".into()),
        },
        now,
    );
    assert_eq!(fenced, Err(KafkaError::FencedInstanceId));
    assert_eq!(
        b.c.validate_offset_commit("g", &old_id, Some("pod-0"), 1, now),
        Err(KafkaError::FencedInstanceId)
    );
    assert_eq!(
        b.join(b.join_req(&old_id, Some("pod-0"))).1.unwrap().error,
        Some(KafkaError::FencedInstanceId)
    );
}

#[test]
fn a_static_member_gone_longer_than_its_session_timeout_is_removed() {
    let mut b = Bench::new();
    let (r, _) = b.join(b.join_req("", Some("pod-0")));
    b.advance(3_000);
    let id = b.join_answer(r).member_id;
    b.sync(&id, 1, vec![(id.clone(), assignment(&[0]))]);
    b.advance(Millis::from(SESSION));
    assert_eq!(b.state(), Some(GroupState::Empty));
    // It comes back too late: it joins as a new member and a rebalance runs.
    let (_, answer) = b.join(b.join_req("", Some("pod-0")));
    assert!(answer.is_none());
    assert_eq!(b.state(), Some(GroupState::PreparingRebalance));
}

#[test]
fn a_restarted_static_member_with_new_metadata_but_the_same_protocol_causes_no_rebalance() {
    let mut b = Bench::new();
    let (r, _) = b.join(b.join_req("", Some("pod-0")));
    b.advance(3_000);
    let id = b.join_answer(r).member_id;
    b.sync(&id, 1, vec![(id.clone(), assignment(&[0]))]);
    b.events();
    // A restarted consumer owns nothing and reports generation -1: other bytes.
    let mut req = b.join_req("", Some("pod-0"));
    req.protocols = vec![JoinProtocol {
        name: "range".into(),
        metadata: Bytes::from("restarted"),
    }];
    let answer = b.join(req).1.expect("answered at once");
    assert_eq!(answer.generation_id, 1);
    assert!(!b
        .events()
        .iter()
        .any(|e| matches!(e, Event::RebalanceStarted { .. })));
}

#[test]
fn a_static_member_that_changes_the_selected_protocol_triggers_a_rebalance() {
    let mut b = Bench::new();
    let mut first = b.join_req("", Some("pod-0"));
    first.protocols = protocols(&["range", "roundrobin"]);
    let (r, _) = b.join(first);
    b.advance(3_000);
    let id = b.join_answer(r).member_id;
    b.sync(&id, 1, vec![(id.clone(), assignment(&[0]))]);
    b.events();
    let mut req = b.join_req("", Some("pod-0"));
    req.protocols = protocols(&["roundrobin", "range"]);
    assert!(b.join(req).1.is_none());
    assert!(b.events().iter().any(|e| matches!(
        e,
        Event::RebalanceStarted {
            reason: RebalanceReason::StaticMemberChanged { .. },
            ..
        }
    )));
}

#[test]
fn static_members_leave_by_instance_id() {
    let mut b = Bench::new();
    let (r, _) = b.join(b.join_req("", Some("pod-0")));
    b.advance(3_000);
    let id = b.join_answer(r).member_id;
    let now = b.now;
    let wrong = b.c.leave_group(
        LeaveGroupRequest {
            group_id: "g".into(),
            members: vec![
                MemberIdentity {
                    member_id: "other".into(),
                    group_instance_id: Some("pod-0".into()),
                },
                MemberIdentity {
                    member_id: String::new(),
                    group_instance_id: Some("pod-9".into()),
                },
            ],
        },
        now,
    );
    assert_eq!(wrong.members[0].1, Some(KafkaError::FencedInstanceId));
    assert_eq!(wrong.members[1].1, Some(KafkaError::UnknownMemberId));
    let ok = b.c.leave_group(
        LeaveGroupRequest {
            group_id: "g".into(),
            members: vec![MemberIdentity {
                member_id: String::new(),
                group_instance_id: Some("pod-0".into()),
            }],
        },
        now,
    );
    assert_eq!(ok.members[0].1, None);
    assert!(b.c.members("g").iter().all(|m| m.member_id != id));
}

#[test]
fn commit_validation_follows_kafka() {
    let mut b = Bench::new();
    let now = b.now;
    // A standalone consumer (assign(), generation -1) may commit to an unknown group.
    assert_eq!(
        b.c.validate_offset_commit("solo", "", None, -1, now),
        Ok(())
    );
    assert_eq!(b.c.group_state("solo"), Some(GroupState::Empty));
    assert_eq!(
        b.c.validate_offset_commit("unknown", "m", None, 3, now),
        Err(KafkaError::IllegalGeneration)
    );
    assert_eq!(
        b.c.validate_offset_commit("", "", None, -1, now),
        Err(KafkaError::InvalidGroupId)
    );

    let a = b.stable_with_one();
    let now = b.now;
    assert_eq!(b.c.validate_offset_commit("g", &a, None, 1, now), Ok(()));
    assert_eq!(
        b.c.validate_offset_commit("g", &a, None, 0, now),
        Err(KafkaError::IllegalGeneration)
    );
    assert_eq!(
        b.c.validate_offset_commit("g", "ghost", None, 1, now),
        Err(KafkaError::UnknownMemberId)
    );
    assert_eq!(
        b.c.validate_offset_commit("g", "", None, -1, now),
        Err(KafkaError::UnknownMemberId),
        "a standalone commit into a group with members is refused"
    );
    // While a rebalance is being prepared, members may still commit with the ending
    // generation (the commit before revoking partitions).
    let (_, rc) = b.new_member();
    assert_eq!(b.c.validate_offset_commit("g", &a, None, 1, now), Ok(()));
    b.join(b.join_req(&a, None));
    let _ = b.join_answer(rc);
    assert_eq!(b.state(), Some(GroupState::CompletingRebalance));
    assert_eq!(
        b.c.validate_offset_commit("g", &a, None, 2, now),
        Err(KafkaError::RebalanceInProgress)
    );
}

#[test]
fn delete_group_only_when_empty() {
    let mut b = Bench::new();
    assert_eq!(b.c.delete_group("g", 0), Err(KafkaError::GroupIdNotFound));
    let a = b.stable_with_one();
    assert_eq!(b.c.delete_group("g", b.now), Err(KafkaError::NonEmptyGroup));
    let now = b.now;
    b.c.leave_group(
        LeaveGroupRequest {
            group_id: "g".into(),
            members: vec![MemberIdentity {
                member_id: a,
                group_instance_id: None,
            }],
        },
        now,
    );
    b.events();
    assert_eq!(b.c.delete_group("g", now), Ok(()));
    assert_eq!(b.state(), None);
    assert_eq!(b.c.describe_group("g").state, GroupState::Dead);
    let events = b.events();
    assert!(events
        .iter()
        .any(|e| matches!(e, Event::GroupDeleted { .. })));
    assert!(events.iter().any(|e| matches!(
        e,
        Event::GroupStateChanged {
            to: GroupState::Dead,
            ..
        }
    )));
}

#[test]
fn list_groups_filters_by_state() {
    let mut b = Bench::new();
    b.stable_with_one();
    let now = b.now;
    b.c.validate_offset_commit("solo", "", None, -1, now)
        .unwrap();
    assert_eq!(b.c.list_groups(&[]).len(), 2);
    let stable = b.c.list_groups(&[GroupState::Stable]);
    assert_eq!(stable.len(), 1);
    assert_eq!(stable[0].group_id, "g");
    assert_eq!(stable[0].protocol_type, "consumer");
    assert_eq!(GroupState::from_name("stable"), Some(GroupState::Stable));
}

#[test]
fn group_max_size_is_enforced() {
    let mut b = Bench::with(CoordinatorConfig {
        group_max_size: Some(1),
        ..Default::default()
    });
    b.stable_with_one();
    assert_eq!(
        b.join(b.join_req("", None)).1.unwrap().error,
        Some(KafkaError::GroupMaxSizeReached)
    );
}

#[test]
fn member_ids_are_deterministic_per_seed() {
    let ids = |seed| {
        let mut b = Bench::with(CoordinatorConfig {
            member_id_seed: seed,
            ..Default::default()
        });
        (0..3).map(|_| b.new_member().0).collect::<Vec<_>>()
    };
    assert_eq!(ids(7), ids(7));
    assert_ne!(ids(7), ids(8));
}

#[test]
fn events_serialize_with_a_type_tag() {
    let mut b = Bench::new();
    b.stable_with_one();
    for event in b.events() {
        let json = serde_json::to_value(&event).unwrap();
        assert!(json["type"].is_string());
        assert!(json["at"].is_i64());
        let back: Event = serde_json::from_value(json).unwrap();
        assert_eq!(back, event);
    }
}
