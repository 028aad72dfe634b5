//! KIP-848 over the wire: ConsumerGroupHeartbeat v1 with topic ids, ConsumerGroupDescribe,
//! ListGroups v5 types, the one-protocol-per-group rule, OffsetCommit v9 member epochs.

use kafka_protocol::messages::consumer_group_heartbeat_request::TopicPartitions;
use kafka_protocol::messages::join_group_request::JoinGroupRequestProtocol;
use kafka_protocol::messages::offset_commit_request::{
    OffsetCommitRequestPartition, OffsetCommitRequestTopic,
};
use kafka_protocol::messages::{
    ConsumerGroupDescribeRequest, ConsumerGroupHeartbeatRequest, DescribeGroupsRequest, GroupId,
    JoinGroupRequest, ListGroupsRequest, OffsetCommitRequest, TopicName,
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
