//! KIP-848 over the wire: ConsumerGroupHeartbeat v1 with topic ids, ConsumerGroupDescribe,
//! ListGroups v5 types, the one-protocol-per-group rule, OffsetCommit v9 member epochs,
//! OffsetFetch v8 (several groups) and v9 (member epochs), the regex check.

use kafka_protocol::messages::consumer_group_heartbeat_request::TopicPartitions;
use kafka_protocol::messages::join_group_request::JoinGroupRequestProtocol;
use kafka_protocol::messages::offset_commit_request::{
    OffsetCommitRequestPartition, OffsetCommitRequestTopic,
};
use kafka_protocol::messages::offset_fetch_request::{
    OffsetFetchRequestGroup, OffsetFetchRequestTopic, OffsetFetchRequestTopics,
};
use kafka_protocol::messages::{
    ApiKey, ApiVersionsRequest, ConsumerGroupDescribeRequest, ConsumerGroupHeartbeatRequest,
    DescribeGroupsRequest, GroupId, JoinGroupRequest, ListGroupsRequest, OffsetCommitRequest,
    OffsetFetchRequest, TopicName,
};
use kafka_protocol::protocol::StrBytes;
use uuid::Uuid;

use super::client_codec::{decode_raw_frame, encode_raw_frame};
use super::WireBroker;
use crate::broker::{Broker, BrokerConfig};
use crate::error::KafkaError;
use crate::record::Millis;

fn s(x: &str) -> StrBytes {
    StrBytes::from_string(x.to_string())
}

fn raw<R: kafka_protocol::protocol::Request>(
    wire: &mut WireBroker,
    request: &R,
    version: i16,
    now: Millis,
) -> R::Response {
    let frame = encode_raw_frame("kip848-test", 5, request, version).unwrap();
    wire.handle_frame(1, frame.slice(4..), now).unwrap();
    let answer = wire
        .poll_transmit()
        .unwrap()
        .response
        .unwrap()
        .to_bytes()
        .unwrap();
    decode_raw_frame::<R>(answer.slice(4..), 5, version).unwrap()
}

fn join(member: &str) -> ConsumerGroupHeartbeatRequest {
    ConsumerGroupHeartbeatRequest::default()
        .with_group_id(GroupId(s("g")))
        .with_member_id(s(member))
        .with_member_epoch(0)
        .with_rebalance_timeout_ms(30_000)
        .with_subscribed_topic_names(Some(vec![TopicName(s("t"))]))
        .with_topic_partitions(Some(Vec::new()))
}

fn setup() -> (WireBroker, Uuid) {
    let mut config = BrokerConfig::default();
    // A classic JoinGroup is then answered at once (no initial rebalance delay).
    config.coordinator.group_initial_rebalance_delay_ms = 0;
    let mut broker = Broker::new(config, 0);
    broker.create_topic("t", 2, None, 0).unwrap();
    let id = Uuid::from_bytes(broker.topic("t").unwrap().topic_id);
    (WireBroker::new(broker), id)
}

#[test]
fn a_v1_member_joins_and_gets_partitions_by_topic_id() {
    let (mut wire, id) = setup();
    let r = raw(&mut wire, &join("m-1"), 1, 0);
    assert_eq!(r.error_code, 0);
    assert_eq!(r.member_id.as_deref(), Some("m-1"));
    assert_eq!(r.member_epoch, 1);
    assert_eq!(r.heartbeat_interval_ms, 5_000);
    let a = r.assignment.unwrap();
    assert_eq!(a.topic_partitions.len(), 1);
    assert_eq!(a.topic_partitions[0].topic_id, id);
    assert_eq!(a.topic_partitions[0].partitions, vec![0, 1]);

    // v1 without a member id is refused; v0 gets one issued.
    let r = raw(&mut wire, &join(""), 1, 0);
    assert_eq!(r.error_code, KafkaError::InvalidRequest.code());
    let r = raw(&mut wire, &join(""), 0, 0);
    assert_eq!(r.error_code, 0);
    assert!(r.member_id.is_some_and(|m| !m.is_empty()));

    let d = raw(
        &mut wire,
        &ConsumerGroupDescribeRequest::default().with_group_ids(vec![GroupId(s("g"))]),
        1,
        0,
    );
    let g = &d.groups[0];
    assert_eq!(g.error_code, 0);
    assert_eq!(g.assignor_name.as_str(), "uniform");
    assert_eq!(g.group_epoch, 2);
    assert_eq!(g.members.len(), 2);
    assert_eq!(g.group_state.as_str(), "Reconciling");
}

#[test]
fn the_owner_revokes_before_the_new_member_gets_a_partition() {
    let (mut wire, id) = setup();
    raw(&mut wire, &join("a"), 1, 0);
    let b = raw(&mut wire, &join("b"), 1, 0);
    assert_eq!(b.member_epoch, 2);
    assert!(b.assignment.unwrap().topic_partitions.is_empty());
    let beat = |member: &str, epoch: i32, owned: &[i32]| {
        ConsumerGroupHeartbeatRequest::default()
            .with_group_id(GroupId(s("g")))
            .with_member_id(s(member))
            .with_member_epoch(epoch)
            .with_rebalance_timeout_ms(-1)
            .with_topic_partitions(Some(vec![TopicPartitions::default()
                .with_topic_id(id)
                .with_partitions(owned.to_vec())]))
    };
    // a is told to keep one partition, still at epoch 1.
    let a = raw(&mut wire, &beat("a", 1, &[0, 1]), 1, 0);
    assert_eq!(a.member_epoch, 1);
    let kept = a.assignment.unwrap().topic_partitions[0].partitions.clone();
    assert_eq!(kept.len(), 1);
    // b's heartbeat changes nothing while a holds both.
    let r = raw(&mut wire, &beat("b", 2, &[]), 1, 0);
    assert!(r.assignment.is_none());
    // a confirms: epoch 2. Then b gets the other partition.
    assert_eq!(raw(&mut wire, &beat("a", 1, &kept), 1, 0).member_epoch, 2);
    let r = raw(&mut wire, &beat("b", 2, &[]), 1, 0);
    let got = r.assignment.unwrap().topic_partitions[0].partitions.clone();
    assert_eq!(got.len(), 1);
    assert_ne!(got, kept);

    // OffsetCommit v9 with a's old epoch: stale.
    let commit = |epoch: i32| {
        OffsetCommitRequest::default()
            .with_group_id(GroupId(s("g")))
            .with_member_id(s("a"))
            .with_generation_id_or_member_epoch(epoch)
            .with_topics(vec![OffsetCommitRequestTopic::default()
                .with_name(TopicName(s("t")))
                .with_partitions(vec![OffsetCommitRequestPartition::default()
                    .with_partition_index(kept[0])
                    .with_committed_offset(0)])])
    };
    let r = raw(&mut wire, &commit(1), 9, 0);
    assert_eq!(
        r.topics[0].partitions[0].error_code,
        KafkaError::StaleMemberEpoch.code()
    );
    let r = raw(&mut wire, &commit(2), 9, 0);
    assert_eq!(r.topics[0].partitions[0].error_code, 0);
    // Before v9 the field is a generation: Kafka 4 refuses it from such a member.
    let r = raw(&mut wire, &commit(2), 8, 0);
    assert_eq!(
        r.topics[0].partitions[0].error_code,
        KafkaError::UnsupportedVersion.code()
    );
}

#[test]
fn one_group_id_speaks_one_protocol() {
    let (mut wire, _) = setup();
    raw(&mut wire, &join("a"), 1, 0);
    let classic = JoinGroupRequest::default()
        .with_group_id(GroupId(s("g")))
        .with_session_timeout_ms(10_000)
        .with_rebalance_timeout_ms(10_000)
        .with_protocol_type(s("consumer"))
        .with_protocols(vec![JoinGroupRequestProtocol::default()
            .with_name(s("range"))
            .with_metadata(bytes::Bytes::new())]);
    let r = raw(&mut wire, &classic, 7, 0);
    assert_eq!(r.error_code, KafkaError::InconsistentGroupProtocol.code());
    let d = raw(
        &mut wire,
        &DescribeGroupsRequest::default().with_groups(vec![GroupId(s("g"))]),
        5,
        0,
    );
    assert_eq!(d.groups[0].error_code, KafkaError::GroupIdNotFound.code());

    // ListGroups v5: the type, and the type filter.
    let all = raw(&mut wire, &ListGroupsRequest::default(), 5, 0);
    assert_eq!(all.groups.len(), 1);
    assert_eq!(all.groups[0].group_type.as_str(), "consumer");
    assert_eq!(all.groups[0].group_state.as_str(), "Stable");
    let classic_only = raw(
        &mut wire,
        &ListGroupsRequest::default().with_types_filter(vec![s("classic")]),
        5,
        0,
    );
    assert!(classic_only.groups.is_empty());

    // A classic group with members refuses a consumer-protocol heartbeat.
    let mut other = join("x");
    other.group_id = GroupId(s("classic-g"));
    let mut classic = classic;
    classic.group_id = GroupId(s("classic-g"));
    classic.member_id = s("");
    let first = raw(&mut wire, &classic, 3, 0); // v3: no MEMBER_ID_REQUIRED round
    assert_eq!(first.error_code, 0, "{first:?}");
    let r = raw(&mut wire, &other, 1, 0);
    assert_eq!(r.error_code, KafkaError::GroupIdNotFound.code());
}

/// An OffsetFetch v8+ question for one group: partitions 0 and 1 of `t`.
fn fetch_group(group: &str, member: Option<&str>, epoch: i32) -> OffsetFetchRequestGroup {
    OffsetFetchRequestGroup::default()
        .with_group_id(GroupId(s(group)))
        .with_member_id(member.map(s))
        .with_member_epoch(epoch)
        .with_topics(Some(vec![OffsetFetchRequestTopics::default()
            .with_name(TopicName(s("t")))
            .with_partition_indexes(vec![0, 1])]))
}

#[test]
fn offset_fetch_v8_batches_groups_and_v9_checks_the_member_epoch() {
    let (mut wire, id) = setup();
    let versions = raw(&mut wire, &ApiVersionsRequest::default(), 3, 0);
    let served = versions
        .api_keys
        .iter()
        .find(|k| k.api_key == ApiKey::OffsetFetch as i16)
        .unwrap();
    assert_eq!((served.min_version, served.max_version), (1, 9));

    // a joins the consumer-protocol group "g" and commits offset 7 on both partitions.
    raw(&mut wire, &join("a"), 1, 0);
    let commit = OffsetCommitRequest::default()
        .with_group_id(GroupId(s("g")))
        .with_member_id(s("a"))
        .with_generation_id_or_member_epoch(1)
        .with_topics(vec![OffsetCommitRequestTopic::default()
            .with_name(TopicName(s("t")))
            .with_partitions(
                [0, 1]
                    .map(|p| {
                        OffsetCommitRequestPartition::default()
                            .with_partition_index(p)
                            .with_committed_offset(7)
                    })
                    .to_vec(),
            )]);
    assert_eq!(
        raw(&mut wire, &commit, 9, 0).topics[0].partitions[0].error_code,
        0
    );

    // v8: two groups in one request, "g" and "nobody" (nothing committed: offset -1).
    let both = OffsetFetchRequest::default().with_groups(vec![
        fetch_group("g", None, -1),
        fetch_group("nobody", None, -1),
    ]);
    let r = raw(&mut wire, &both, 8, 0);
    assert_eq!(r.groups.len(), 2);
    assert_eq!(r.groups[0].group_id.as_str(), "g");
    assert_eq!(r.groups[0].error_code, 0);
    let offsets: Vec<i64> = r.groups[0].topics[0]
        .partitions
        .iter()
        .map(|p| p.committed_offset)
        .collect();
    assert_eq!(offsets, vec![7, 7]);
    assert_eq!(r.groups[1].group_id.as_str(), "nobody");
    assert_eq!(r.groups[1].topics[0].partitions[0].committed_offset, -1);

    // v9: the member at its epoch reads; a wrong epoch is stale, a stranger unknown, and
    // each error is its own group's.
    let ask = |member: Option<&str>, epoch: i32| {
        OffsetFetchRequest::default().with_groups(vec![
            fetch_group("g", member, epoch),
            fetch_group("nobody", None, -1),
        ])
    };
    let r = raw(&mut wire, &ask(Some("a"), 1), 9, 0);
    assert_eq!(r.groups[0].error_code, 0);
    assert_eq!(r.groups[0].topics[0].partitions[1].committed_offset, 7);
    let r = raw(&mut wire, &ask(Some("a"), 0), 9, 0);
    assert_eq!(r.groups[0].error_code, KafkaError::StaleMemberEpoch.code());
    assert!(r.groups[0].topics.is_empty());
    assert_eq!(r.groups[1].error_code, 0);
    let r = raw(&mut wire, &ask(Some("stranger"), 1), 9, 0);
    assert_eq!(r.groups[0].error_code, KafkaError::UnknownMemberId.code());
    // No member id and epoch -1: an admin's fetch, never checked.
    let r = raw(&mut wire, &ask(None, -1), 9, 0);
    assert_eq!(r.groups[0].error_code, 0);

    // After b joins, a's epoch moves on once it gives a partition up: 1 is stale then.
    raw(&mut wire, &join("b"), 1, 0);
    let beat = |owned: Vec<i32>| {
        ConsumerGroupHeartbeatRequest::default()
            .with_group_id(GroupId(s("g")))
            .with_member_id(s("a"))
            .with_member_epoch(1)
            .with_rebalance_timeout_ms(-1)
            .with_topic_partitions(Some(vec![TopicPartitions::default()
                .with_topic_id(id)
                .with_partitions(owned)]))
    };
    let kept = raw(&mut wire, &beat(vec![0, 1]), 1, 0)
        .assignment
        .unwrap()
        .topic_partitions[0]
        .partitions
        .clone();
    let r = raw(&mut wire, &beat(kept), 1, 0);
    assert_eq!(r.member_epoch, 2);
    let r = raw(&mut wire, &ask(Some("a"), 1), 9, 0);
    assert_eq!(r.groups[0].error_code, KafkaError::StaleMemberEpoch.code());
    assert_eq!(
        raw(&mut wire, &ask(Some("a"), 2), 9, 0).groups[0].error_code,
        0
    );

    // v7 and older: one group, no member check, offsets as before.
    let old = OffsetFetchRequest::default()
        .with_group_id(GroupId(s("g")))
        .with_topics(Some(vec![OffsetFetchRequestTopic::default()
            .with_name(TopicName(s("t")))
            .with_partition_indexes(vec![0])]));
    let r = raw(&mut wire, &old, 7, 0);
    assert_eq!(r.error_code, 0);
    assert_eq!(r.topics[0].partitions[0].committed_offset, 7);
}

#[test]
fn a_regex_that_does_not_compile_is_invalid_regular_expression() {
    let (mut wire, _) = setup();
    let with_regex = |member: &str, regex: &str| {
        let mut r = join(member);
        r.subscribed_topic_names = None;
        r.subscribed_topic_regex = Some(s(regex));
        r
    };
    let r = raw(&mut wire, &with_regex("a", "t("), 1, 0);
    assert_eq!(r.error_code, 128);
    assert_eq!(r.error_code, KafkaError::InvalidRegularExpression.code());
    let message = r.error_message.unwrap();
    assert!(
        message.starts_with("SubscribedTopicRegex `t(` is not a valid regular expression: "),
        "{message}"
    );
    // Unbalanced the other way: it would compile inside ^(?:...)$, but not alone.
    let r = raw(&mut wire, &with_regex("a", "t)|(u"), 1, 0);
    assert_eq!(r.error_code, 128);
    // Nobody was admitted; a good regex joins and matches "t" at the next heartbeat.
    let d = raw(
        &mut wire,
        &ConsumerGroupDescribeRequest::default().with_group_ids(vec![GroupId(s("g"))]),
        1,
        0,
    );
    assert_eq!(d.groups[0].error_code, KafkaError::GroupIdNotFound.code());
    let r = raw(&mut wire, &with_regex("a", "t|u"), 1, 0);
    assert_eq!(r.error_code, 0);
    let next = ConsumerGroupHeartbeatRequest::default()
        .with_group_id(GroupId(s("g")))
        .with_member_id(s("a"))
        .with_member_epoch(r.member_epoch)
        .with_rebalance_timeout_ms(-1);
    let r = raw(&mut wire, &next, 1, 0);
    let a = r.assignment.unwrap();
    assert_eq!(a.topic_partitions[0].partitions, vec![0, 1]);
}
