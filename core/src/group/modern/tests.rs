//! The consumer protocol step by step, time driven by hand.

use crate::collections::BTreeMap;

use crate::error::KafkaError;
use crate::group::modern::{
    Assignment, ConsumerGroupConfig, ConsumerGroupCoordinator, ConsumerGroupState,
    HeartbeatRequest, HeartbeatResponse, MemberState,
};
use crate::record::Millis;

pub(super) struct Bench {
    pub c: ConsumerGroupCoordinator,
    pub topics: BTreeMap<String, i32>,
    pub now: Millis,
}

pub(super) fn request(member: &str, epoch: i32) -> HeartbeatRequest {
    HeartbeatRequest {
        group_id: "g".into(),
        member_id: member.into(),
        member_epoch: epoch,
        instance_id: None,
        rack_id: None,
        rebalance_timeout_ms: -1,
        subscribed_topic_names: None,
        subscribed_topic_regex: None,
        server_assignor: None,
        // A join lists no partitions (Kafka refuses one that does); a heartbeat that
        // does not say what it owns means "unchanged".
        owned: (epoch == 0).then(Assignment::new),
        client_id: "c".into(),
        client_host: "h".into(),
    }
}

impl Bench {
    pub fn new(topics: &[(&str, i32)]) -> Bench {
        Bench {
            c: ConsumerGroupCoordinator::new(ConsumerGroupConfig::default()),
            topics: topics.iter().map(|(t, n)| (t.to_string(), *n)).collect(),
            now: 0,
        }
    }

    pub fn send(&mut self, req: HeartbeatRequest) -> HeartbeatResponse {
        self.c.heartbeat(req, 1, &self.topics, self.now)
    }

    pub fn join(&mut self, member: &str, topics: &[&str]) -> HeartbeatResponse {
        let mut r = request(member, 0);
        r.rebalance_timeout_ms = 30_000;
        r.subscribed_topic_names = Some(topics.iter().map(|t| t.to_string()).collect());
        r.owned = Some(Assignment::new());
        self.send(r)
    }

    /// A well-behaved member: it says it owns what it was last given.
    pub fn beat(&mut self, member: &str) -> HeartbeatResponse {
        let m = self.c.group("g").unwrap().members[member].clone();
        let mut r = request(member, m.member_epoch);
        r.owned = Some(m.assigned.clone());
        self.send(r)
    }

    pub fn member(&self, member: &str) -> crate::group::modern::ConsumerMember {
        self.c.group("g").unwrap().members[member].clone()
    }

    pub fn advance(&mut self, ms: Millis) {
        self.now += ms;
        self.c.handle_timeout(self.now);
    }
}

fn parts(a: &Assignment) -> Vec<(String, i32)> {
    a.iter().map(|(t, p)| (t.to_string(), p)).collect()
}

#[test]
fn the_first_member_gets_every_partition_at_epoch_one() {
    let mut b = Bench::new(&[("t", 3)]);
    let r = b.join("a", &["t"]);
    assert_eq!(r.error, None);
    assert_eq!(r.member_epoch, 1);
    assert_eq!(r.assignment.unwrap().len(), 3);
    assert_eq!(b.c.group("g").unwrap().state(), ConsumerGroupState::Stable);
}

#[test]
fn a_v0_join_gets_a_member_id_and_v1_must_bring_one() {
    let mut b = Bench::new(&[("t", 1)]);
    let mut r = request("", 0);
    r.rebalance_timeout_ms = 1000;
    r.subscribed_topic_names = Some(vec!["t".into()]);
    let v0 = b.c.heartbeat(r.clone(), 0, &b.topics, 0);
    assert_eq!(v0.error, None);
    assert!(!v0.member_id.is_empty());
    let v1 = b.c.heartbeat(r, 1, &b.topics, 0);
    assert_eq!(v1.error, Some(KafkaError::InvalidRequest));
}

/// The heart of KIP-848: a new member takes its share only after the old owner confirms
/// it let go, and meanwhile the old owner keeps reading the rest.
#[test]
fn a_second_member_waits_until_the_first_revokes() {
    let mut b = Bench::new(&[("t", 4)]);
    b.join("a", &["t"]);
    let rb = b.join("b", &["t"]);
    // b is at the new epoch 2 but gets nothing: a still holds everything.
    assert_eq!(rb.member_epoch, 2);
    assert_eq!(rb.assignment, Some(Assignment::new()));
    assert_eq!(b.member("b").state, MemberState::UnreleasedPartitions);

    // a is told to keep two partitions, and stays at epoch 1 until it confirms.
    let ra = b.beat("a");
    assert_eq!(ra.member_epoch, 1);
    assert_eq!(ra.assignment.as_ref().unwrap().len(), 2);
    assert_eq!(b.member("a").state, MemberState::UnrevokedPartitions);
    // b still cannot get them.
    assert_eq!(b.beat("b").assignment, None);

    // a confirms (its owned partitions no longer list the revoked ones): epoch 2.
    let ra = b.beat("a");
    assert_eq!(ra.member_epoch, 2);
    assert_eq!(b.member("a").state, MemberState::Stable);
    // Now b gets its two.
    let rb = b.beat("b");
    assert_eq!(rb.assignment.unwrap().len(), 2);
    assert_eq!(b.member("b").state, MemberState::Stable);
    assert_eq!(b.c.group("g").unwrap().state(), ConsumerGroupState::Stable);
    let (a, bb) = (b.member("a").assigned, b.member("b").assigned);
    assert!(a.intersect(&bb).is_empty());
}

#[test]
fn a_member_that_leaves_gives_its_partitions_to_the_others() {
    let mut b = Bench::new(&[("t", 2)]);
    b.join("a", &["t"]);
    b.join("b", &["t"]);
    for _ in 0..3 {
        b.beat("a");
        b.beat("b");
    }
    assert_eq!(b.member("a").assigned.len(), 1);
    let epoch = b.member("b").member_epoch;
    let left = b.send(request("b", -1));
    assert_eq!(left.member_epoch, -1);
    let g = b.c.group("g").unwrap();
    assert_eq!(g.group_epoch, epoch + 1);
    let r = b.beat("a");
    assert_eq!(r.assignment.unwrap().len(), 2);
}

#[test]
fn a_silent_member_is_removed_after_the_session_timeout() {
    let mut b = Bench::new(&[("t", 2)]);
    b.join("a", &["t"]);
    b.join("b", &["t"]);
    b.advance(40_000);
    b.beat("a");
    b.advance(6_000); // b: 46 s without a heartbeat
    let g = b.c.group("g").unwrap();
    assert!(!g.members.contains_key("b"));
    assert!(g.members.contains_key("a"));
    assert_eq!(
        b.send(request("b", 2)).error,
        Some(KafkaError::UnknownMemberId)
    );
}

#[test]
fn a_member_that_does_not_revoke_in_time_is_fenced() {
    let mut b = Bench::new(&[("t", 2)]);
    b.join("a", &["t"]);
    b.join("b", &["t"]);
    // a hears it must revoke, but then keeps heartbeating without letting go.
    b.beat("a");
    assert_eq!(b.member("a").state, MemberState::UnrevokedPartitions);
    let stuck = {
        let mut r = request("a", 1);
        r.owned = Some(Assignment::from_pairs([("t", &[0, 1][..])]));
        r
    };
    for _ in 0..5 {
        b.advance(5_000);
        assert_eq!(b.send(stuck.clone()).error, None);
        b.beat("b");
    }
    b.advance(6_000); // past the 30 s rebalance timeout
    assert!(!b.c.group("g").unwrap().members.contains_key("a"));
    // b gets everything.
    b.beat("b");
    assert_eq!(b.beat("b").error, None);
    assert_eq!(b.member("b").assigned.len(), 2);
}

#[test]
fn epochs_ahead_are_fenced_and_one_lost_response_is_forgiven() {
    let mut b = Bench::new(&[("t", 2)]);
    b.join("a", &["t"]);
    assert_eq!(
        b.send(request("a", 7)).error,
        Some(KafkaError::FencedMemberEpoch)
    );
    b.join("b", &["t"]);
    b.beat("a"); // revoke one
    b.beat("a"); // confirmed: epoch 2
    assert_eq!(b.member("a").member_epoch, 2);
    // The response with epoch 2 was lost: a heartbeats again at epoch 1, owning only
    // what it was given. Accepted, and told its assignment again.
    let mut r = request("a", 1);
    r.owned = Some(b.member("a").assigned.clone());
    let again = b.send(r);
    assert_eq!(again.error, None);
    assert_eq!(again.member_epoch, 2);
    assert!(again.assignment.is_some());
    // At epoch 1 but claiming a partition it no longer has: fenced.
    let mut r = request("a", 1);
    r.owned = Some(Assignment::from_pairs([("t", &[0, 1][..])]));
    assert_eq!(b.send(r).error, Some(KafkaError::FencedMemberEpoch));
}

#[test]
fn a_static_member_restarts_without_a_reassignment() {
    let mut b = Bench::new(&[("t", 4)]);
    let mut join_a = request("a1", 0);
    join_a.instance_id = Some("inst-a".into());
    join_a.rebalance_timeout_ms = 30_000;
    join_a.subscribed_topic_names = Some(vec!["t".into()]);
    b.send(join_a.clone());
    b.join("b", &["t"]);
    for _ in 0..3 {
        b.beat("a1");
        b.beat("b");
    }
    let before = b.member("a1");
    let group_epoch = b.c.group("g").unwrap().group_epoch;

    // A second process with the same instance id while a1 is alive: refused.
    let mut dup = join_a.clone();
    dup.member_id = "a2".into();
    assert_eq!(
        b.send(dup.clone()).error,
        Some(KafkaError::UnreleasedInstanceId)
    );

    // a1 shuts down with epoch -2 and comes back as a2 within the session.
    let mut leave = request("a1", -2);
    leave.instance_id = Some("inst-a".into());
    assert_eq!(b.send(leave).member_epoch, -2);
    b.advance(10_000);
    let back = b.send(dup);
    assert_eq!(back.error, None);
    assert_eq!(back.member_epoch, before.member_epoch);
    assert_eq!(back.assignment.as_ref(), Some(&before.assigned));
    let g = b.c.group("g").unwrap();
    assert_eq!(g.group_epoch, group_epoch, "no rebalance");
    assert!(!g.members.contains_key("a1"));
    assert_eq!(g.static_members["inst-a"], "a2");
}

#[test]
fn a_static_member_that_does_not_come_back_is_removed_at_its_session_timeout() {
    let mut b = Bench::new(&[("t", 2)]);
    let mut j = request("a1", 0);
    j.instance_id = Some("i".into());
    j.rebalance_timeout_ms = 30_000;
    j.subscribed_topic_names = Some(vec!["t".into()]);
    b.send(j);
    b.join("b", &["t"]);
    for _ in 0..3 {
        b.beat("a1");
        b.beat("b");
    }
    let mut leave = request("a1", -2);
    leave.instance_id = Some("i".into());
    b.send(leave);
    // Its partition is kept for it: nobody else reads it meanwhile.
    for _ in 0..3 {
        b.advance(5_000);
        b.beat("b");
    }
    assert_eq!(b.member("b").assigned.len(), 1);
    for _ in 0..7 {
        b.advance(5_000);
        b.beat("b");
    }
    assert!(!b.c.group("g").unwrap().members.contains_key("a1"));
    b.beat("b");
    assert_eq!(b.member("b").assigned.len(), 2);
}

#[test]
fn an_unknown_assignor_is_refused_and_range_is_honoured() {
    let mut b = Bench::new(&[("x", 2), ("y", 2)]);
    let mut r = request("a", 0);
    r.rebalance_timeout_ms = 1000;
    r.subscribed_topic_names = Some(vec!["x".into()]);
    r.server_assignor = Some("sticky".into());
    assert_eq!(
        b.send(r.clone()).error,
        Some(KafkaError::UnsupportedAssignor)
    );
    r.server_assignor = Some("range".into());
    r.subscribed_topic_names = Some(vec!["x".into(), "y".into()]);
    b.send(r.clone());
    r.member_id = "b".into();
    b.send(r);
    for _ in 0..3 {
        b.beat("a");
        b.beat("b");
    }
    assert_eq!(b.c.group("g").unwrap().assignor, "range");
    // Range: same partition numbers of both topics to the same member.
    assert_eq!(
        parts(&b.member("a").assigned),
        vec![("x".to_string(), 0), ("y".to_string(), 0)]
    );
    assert_eq!(
        parts(&b.member("b").assigned),
        vec![("x".to_string(), 1), ("y".to_string(), 1)]
    );
}

#[test]
fn more_partitions_in_a_subscribed_topic_bump_the_group_epoch() {
    let mut b = Bench::new(&[("t", 1)]);
    b.join("a", &["t"]);
    b.topics.insert("t".into(), 3);
    let r = b.beat("a");
    assert_eq!(r.member_epoch, 2);
    assert_eq!(r.assignment.unwrap().len(), 3);
}

#[test]
fn commits_check_the_member_epoch() {
    let mut b = Bench::new(&[("t", 2)]);
    b.join("a", &["t"]);
    assert_eq!(b.c.validate_offset_commit("g", "a", 1, 0), Ok(()));
    b.join("b", &["t"]);
    b.beat("a");
    b.beat("a"); // a at epoch 2
    assert_eq!(
        b.c.validate_offset_commit("g", "a", 1, 0),
        Err(KafkaError::StaleMemberEpoch)
    );
    // Ahead of the coordinator is stale too, as in Kafka: FENCED is the heartbeat's.
    assert_eq!(
        b.c.validate_offset_commit("g", "a", 3, 0),
        Err(KafkaError::StaleMemberEpoch)
    );
    assert_eq!(
        b.c.validate_offset_commit("g", "zz", 2, 0),
        Err(KafkaError::UnknownMemberId)
    );
    assert_eq!(
        b.c.validate_offset_commit("g", "", -1, 0),
        Err(KafkaError::UnknownMemberId)
    );
}

#[test]
fn offset_fetches_check_the_member_epoch_unless_they_come_from_outside() {
    let mut b = Bench::new(&[("t", 2)]);
    b.join("a", &["t"]);
    assert_eq!(b.c.validate_offset_fetch("g", Some("a"), 1), Ok(()));
    b.now = 1_000;
    b.join("b", &["t"]);
    b.beat("a");
    b.beat("a"); // a at epoch 2, after giving one partition up
    assert_eq!(b.member("a").member_epoch, 2);
    assert_eq!(b.c.validate_offset_fetch("g", Some("a"), 2), Ok(()));
    assert_eq!(
        b.c.validate_offset_fetch("g", Some("a"), 1),
        Err(KafkaError::StaleMemberEpoch)
    );
    assert_eq!(
        b.c.validate_offset_fetch("g", Some("a"), 3),
        Err(KafkaError::StaleMemberEpoch)
    );
    assert_eq!(
        b.c.validate_offset_fetch("g", Some("ghost"), 2),
        Err(KafkaError::UnknownMemberId)
    );
    // A member id with epoch -1 is still a member's request: checked.
    assert_eq!(
        b.c.validate_offset_fetch("g", Some("a"), -1),
        Err(KafkaError::StaleMemberEpoch)
    );
    // No member id and epoch -1: an admin tool, or OffsetFetch before v9.
    assert_eq!(b.c.validate_offset_fetch("g", None, -1), Ok(()));
    // A group the consumer-protocol coordinator does not have: nothing to check here.
    assert_eq!(b.c.validate_offset_fetch("other", Some("a"), 5), Ok(()));
    // A member that left is unknown.
    let mut leave = request("b", -1);
    leave.owned = None;
    b.send(leave);
    assert_eq!(
        b.c.validate_offset_fetch("g", Some("b"), 2),
        Err(KafkaError::UnknownMemberId)
    );
}

#[test]
fn a_group_survives_a_reload_with_its_epochs_and_assignments() {
    let mut b = Bench::new(&[("t", 4)]);
    b.join("a", &["t"]);
    b.join("b", &["t"]);
    for _ in 0..3 {
        b.beat("a");
        b.beat("b");
    }
    let stored = b.c.stored_group("g").unwrap();
    let bytes = stored.encode();
    let mut c = ConsumerGroupCoordinator::new(ConsumerGroupConfig::default());
    c.load_group(
        crate::group::modern::StoredConsumerGroup::decode(&bytes).unwrap(),
        100_000,
    );
    let before = b.member("a");
    b.c = c;
    b.now = 100_000;
    let r = b.beat("a");
    assert_eq!(r.error, None);
    assert_eq!(r.member_epoch, before.member_epoch);
    assert_eq!(b.member("a").assigned, before.assigned);
    // Sessions restarted at the load: nobody expires just after it.
    b.advance(44_000);
    assert_eq!(b.c.group("g").unwrap().members.len(), 2);
}

#[test]
fn a_regex_subscription_follows_the_topics_that_exist() {
    let mut b = Bench::new(&[("x1", 1), ("x2", 1), ("y", 1)]);
    // A stand-in for the native broker's regex engine: "prefix.*" only.
    b.c.set_regex_matcher(|pattern, topic| match pattern.strip_suffix(".*") {
        Some(prefix) => Ok(topic.starts_with(prefix)),
        None => Err("only prefix.* here".into()),
    });
    let mut r = request("a", 0);
    r.rebalance_timeout_ms = 30_000;
    r.subscribed_topic_regex = Some("x.*".into());
    let first = b.send(r);
    assert_eq!(first.error, None);
    // Resolved at the next heartbeat, as Kafka resolves a new regex asynchronously.
    assert_eq!(first.assignment, Some(Assignment::new()));
    let second = b.beat("a");
    assert_eq!(
        parts(&second.assignment.unwrap()),
        vec![("x1".to_string(), 0), ("x2".to_string(), 0)]
    );
    // A matching topic created later joins at the next heartbeat.
    b.topics.insert("x3".into(), 2);
    let r = b.beat("a");
    assert_eq!(r.member_epoch, 3);
    assert_eq!(r.assignment.unwrap().len(), 4);
}

#[test]
fn a_regex_that_does_not_compile_is_refused_before_anything_changes() {
    let mut b = Bench::new(&[("x1", 1), ("y", 1)]);
    // A stand-in engine that knows "prefix.*" only; anything else does not compile.
    b.c.set_regex_matcher(|pattern, topic| match pattern.strip_suffix(".*") {
        Some(prefix) => Ok(topic.starts_with(prefix)),
        None => Err("missing closing )".into()),
    });
    let mut r = request("a", 0);
    r.rebalance_timeout_ms = 30_000;
    r.subscribed_topic_regex = Some("x(".into());
    let refused = b.send(r.clone());
    assert_eq!(refused.error, Some(KafkaError::InvalidRegularExpression));
    assert_eq!(
        refused.error_message.as_deref(),
        Some("SubscribedTopicRegex `x(` is not a valid regular expression: missing closing ).")
    );
    // Not admitted: no group, no member.
    assert!(b.c.group("g").is_none());

    // A member with a good regex that switches to a bad one keeps its subscription.
    r.subscribed_topic_regex = Some("x.*".into());
    assert_eq!(b.send(r).error, None);
    b.beat("a");
    let before = b.member("a");
    let epoch = b.c.group("g").unwrap().group_epoch;
    let mut change = request("a", before.member_epoch);
    change.subscribed_topic_regex = Some("y(".into());
    let refused = b.send(change.clone());
    assert_eq!(refused.error, Some(KafkaError::InvalidRegularExpression));
    assert_eq!(b.member("a").subscribed_regex.as_deref(), Some("x.*"));
    assert_eq!(b.c.group("g").unwrap().group_epoch, epoch);
    // The epoch check comes first, as in Kafka: a fenced member hears that.
    change.member_epoch = before.member_epoch + 5;
    assert_eq!(b.send(change).error, Some(KafkaError::FencedMemberEpoch));
}

#[test]
fn a_join_that_lists_owned_partitions_or_none_at_all_is_refused_as_kafka_does() {
    let mut b = Bench::new(&[("t", 2)]);
    for owned in [None, Some(Assignment::from_pairs([("t", &[0][..])]))] {
        let mut r = request("a", 0);
        r.rebalance_timeout_ms = 30_000;
        r.subscribed_topic_names = Some(vec!["t".into()]);
        r.owned = owned;
        let answer = b.send(r);
        assert_eq!(answer.error, Some(KafkaError::InvalidRequest));
        assert_eq!(
            answer.error_message.as_deref(),
            Some("TopicPartitions must be empty when (re-)joining.")
        );
    }
    // Nobody was admitted; an empty list joins.
    assert!(b.c.group("g").is_none_or(|g| g.members.is_empty()));
    assert_eq!(b.join("a", &["t"]).error, None);
}
