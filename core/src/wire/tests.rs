//! [`WireBroker`] without sockets: request frames in, response frames out, and the time
//! passed in, as the group coordinator's tests do. The frames are written and read by the
//! core's own client codec (`client_codec.rs`), so each test speaks in core requests and
//! responses and states what it expects in its body. What is timed here (a parked
//! JoinGroup, a long-polled Fetch, a rebalance timeout) is checked to the millisecond.

use std::collections::{HashMap, VecDeque};

use bytes::Bytes;

use super::client_codec::{
    decode_response_frame, encode_request_frame, AwaitedAnswer, WireContext,
};
use super::{ConnectionId, WireBroker};
use crate::broker::{Broker, BrokerConfig};
use crate::client::protocol::{Acks, FetchTarget, Request, Response, TopicPartition};
use crate::error::KafkaError;
use crate::group::{HeartbeatRequest, JoinGroupRequest, JoinProtocol, SyncGroupRequest};
use crate::log::IsolationLevel;
use crate::record::{Millis, Record, RecordBatch};

/// The wire side of the test: a broker behind the wire protocol, and for each connection
/// the answers it still waits for, in request order.
struct Wire {
    broker: WireBroker,
    awaited: HashMap<ConnectionId, VecDeque<AwaitedAnswer>>,
    next_correlation: i32,
    /// The codec's context: the group protocol and topic ids.
    cx: WireContext,
}

impl Wire {
    /// A broker with topic `t` (one partition), `group.initial.rebalance.delay.ms` 3 s.
    fn new() -> Wire {
        let mut broker = Broker::new(BrokerConfig::default(), 0);
        broker.create_topic("t", 1, None, 0).unwrap();
        Wire {
            broker: WireBroker::new(broker),
            awaited: HashMap::new(),
            next_correlation: 1,
            cx: WireContext::default(),
        }
    }

    /// Send `request` on `connection` at `now`, tagged `id`.
    fn send(&mut self, connection: ConnectionId, id: u64, request: Request, now: Millis) {
        let correlation = self.next_correlation;
        self.next_correlation += 1;
        let (frame, awaited) =
            encode_request_frame("test", correlation, id, request, &self.cx).unwrap();
        if let Some(awaited) = awaited {
            self.awaited
                .entry(connection)
                .or_default()
                .push_back(awaited);
        }
        // The frame after its length prefix, as the net layer hands it over.
        self.broker
            .handle_frame(connection, frame.slice(4..), now)
            .unwrap();
    }

    /// Every answer written since the last call, in the order written: the connection, the
    /// request's id and the response. Answers are matched to their requests by correlation
    /// id, so the tests see the order the broker wrote them in.
    fn answers(&mut self) -> Vec<(ConnectionId, u64, Response)> {
        let mut out = Vec::new();
        while let Some(t) = self.broker.poll_transmit() {
            let Some(frame) = t.response else { continue };
            let frame = frame.to_bytes().unwrap();
            let correlation = i32::from_be_bytes(frame[4..8].try_into().unwrap());
            let waiting = self.awaited.entry(t.connection).or_default();
            let at = waiting
                .iter()
                .position(|a| a.correlation == correlation)
                .expect("an answer to a request that was sent");
            let awaited = waiting.remove(at).unwrap();
            let response = decode_response_frame(&awaited, frame.slice(4..), &self.cx).unwrap();
            out.push((t.connection, awaited.id, response));
        }
        out
    }
}

fn join(member_id: &str) -> Request {
    Request::JoinGroup(JoinGroupRequest {
        group_id: "g".into(),
        session_timeout_ms: 30_000,
        rebalance_timeout_ms: 10_000,
        member_id: member_id.into(),
        group_instance_id: None,
        protocol_type: "consumer".into(),
        protocols: vec![JoinProtocol {
            name: "range".into(),
            metadata: Bytes::from_static(b"m"),
        }],
        client_id: "test".into(),
        client_host: String::new(),
        require_known_member_id: true,
    })
}

fn fetch_from(offset: i64) -> Request {
    Request::Fetch {
        targets: vec![FetchTarget {
            tp: TopicPartition::new("t", 0),
            offset,
        }],
        max_partition_bytes: 1 << 20,
        isolation_level: IsolationLevel::ReadUncommitted,
    }
}

fn produce(value: &str, now: Millis) -> Request {
    Request::Produce {
        acks: Acks::Leader,
        batches: vec![(
            TopicPartition::new("t", 0),
            RecordBatch::from_records(vec![Record::from_value(value.to_string(), now)]).unwrap(),
        )],
    }
}

fn metadata() -> Request {
    Request::Metadata {
        topics: vec!["t".into()],
        allow_auto_create: false,
    }
}

/// The member id the coordinator hands out with `MEMBER_ID_REQUIRED` (JoinGroup v4+).
fn member_id_of(answer: &Response) -> String {
    match answer {
        Response::JoinGroup(r) if r.error == Some(KafkaError::MemberIdRequired) => {
            r.member_id.clone()
        }
        other => panic!("expected MEMBER_ID_REQUIRED, got {other:?}"),
    }
}

/// The values of the records in a Fetch answer for `t-0`.
fn fetched_values(answer: &Response) -> Vec<String> {
    let Response::Fetch(parts) = answer else {
        panic!("expected a Fetch answer, got {answer:?}");
    };
    let partition = parts[0].1.as_ref().expect("no error");
    partition
        .batches
        .iter()
        .flat_map(|b| b.consumer_records().expect("decoded by the client"))
        .map(|r| {
            String::from_utf8_lossy(r.record.value.as_deref().unwrap_or_default()).into_owned()
        })
        .collect()
}

#[test]
fn a_join_group_is_parked_until_the_initial_rebalance_delay_is_over() {
    let mut wire = Wire::new();
    wire.send(1, 1, join(""), 0);
    let first = wire.answers();
    assert_eq!(first.len(), 1, "MEMBER_ID_REQUIRED is answered at once");
    let member = member_id_of(&first[0].2);

    wire.send(1, 2, join(&member), 0);
    assert!(wire.answers().is_empty(), "the JoinGroup is parked");
    assert_eq!(wire.broker.poll_timeout(), Some(3_000));
    wire.broker.handle_timeout(2_999);
    assert!(
        wire.answers().is_empty(),
        "still parked 1 ms before the delay ends"
    );

    wire.broker.handle_timeout(3_000);
    let answers = wire.answers();
    assert_eq!(answers.len(), 1);
    let (connection, id, Response::JoinGroup(joined)) = &answers[0] else {
        panic!("expected the JoinGroup answer, got {answers:?}");
    };
    assert_eq!((*connection, *id), (1, 2));
    assert_eq!(joined.error, None);
    assert_eq!(joined.generation_id, 1);
    assert_eq!(joined.leader, member, "the only member leads");
}

#[test]
fn a_long_poll_fetch_is_answered_when_a_produce_brings_records() {
    let mut wire = Wire::new();
    wire.send(1, 1, fetch_from(0), 100);
    assert!(
        wire.answers().is_empty(),
        "nothing to read: the Fetch waits"
    );
    assert_eq!(wire.broker.poll_timeout(), Some(600), "max_wait_ms is 500");

    wire.send(2, 7, produce("hello", 200), 200);
    let answers = wire.answers();
    assert_eq!(
        answers.len(),
        2,
        "the produce and the waiting fetch: {answers:?}"
    );
    assert_eq!((answers[0].0, answers[0].1), (2, 7));
    assert!(matches!(&answers[0].2, Response::Produce(p) if p[0].1.is_ok()));
    assert_eq!((answers[1].0, answers[1].1), (1, 1));
    assert_eq!(fetched_values(&answers[1].2), vec!["hello"]);
    assert!(
        wire.broker.poll_timeout() > Some(600),
        "no fetch waits any more: the next timer is the broker's retention check"
    );
}

#[test]
fn a_long_poll_fetch_with_nothing_to_read_is_answered_empty_exactly_at_max_wait() {
    let mut wire = Wire::new();
    wire.send(1, 1, fetch_from(0), 100);
    wire.broker.handle_timeout(599);
    assert!(wire.answers().is_empty(), "499 ms after: still waiting");

    wire.broker.handle_timeout(600);
    let answers = wire.answers();
    assert_eq!(answers.len(), 1);
    assert_eq!((answers[0].0, answers[0].1), (1, 1));
    assert_eq!(
        fetched_values(&answers[0].2),
        Vec::<String>::new(),
        "an empty answer, not an error"
    );
}

#[test]
fn answers_on_one_connection_leave_in_request_order_and_other_connections_do_not_wait() {
    let mut wire = Wire::new();
    wire.send(1, 1, join(""), 0);
    let member = member_id_of(&wire.answers()[0].2);

    // On connection 1: a JoinGroup that parks, then a Metadata the broker answers at once.
    wire.send(1, 2, join(&member), 0);
    wire.send(1, 3, metadata(), 10);
    assert!(
        wire.answers().is_empty(),
        "the Metadata answer is held back behind the parked JoinGroup"
    );
    // On connection 2, a Metadata is not held back by connection 1.
    wire.send(2, 4, metadata(), 20);
    let answers = wire.answers();
    assert_eq!(answers.len(), 1);
    assert_eq!((answers[0].0, answers[0].1), (2, 4));

    wire.broker.handle_timeout(3_000);
    let order: Vec<(ConnectionId, u64)> = wire.answers().iter().map(|a| (a.0, a.1)).collect();
    assert_eq!(
        order,
        vec![(1, 2), (1, 3)],
        "JoinGroup first, then Metadata"
    );
}

/// A long-polled Fetch holds back the answers of later requests on its connection, as a
/// parked JoinGroup does (a Fetch waits in the wire layer, a JoinGroup in the coordinator):
/// a Metadata sent after it leaves only when the Fetch's max wait is over; a Produce sent
/// after it on the same connection wakes it with its record and is still answered second.
#[test]
fn a_waiting_fetch_holds_back_the_later_answers_of_its_connection() {
    let mut wire = Wire::new();
    wire.send(1, 1, fetch_from(0), 100);
    wire.send(1, 2, metadata(), 110);
    assert!(
        wire.answers().is_empty(),
        "the Metadata answer waits behind the Fetch"
    );
    wire.broker.handle_timeout(599);
    assert!(wire.answers().is_empty(), "1 ms before the max wait");
    wire.broker.handle_timeout(600);
    let answers = wire.answers();
    let order: Vec<(ConnectionId, u64)> = answers.iter().map(|a| (a.0, a.1)).collect();
    assert_eq!(order, vec![(1, 1), (1, 2)], "Fetch first, then Metadata");
    assert_eq!(fetched_values(&answers[0].2), Vec::<String>::new());
    assert!(matches!(&answers[1].2, Response::Metadata(_)));

    // The Produce that brings the record arrives on the Fetch's own connection.
    wire.send(1, 3, fetch_from(0), 1_000);
    wire.send(1, 4, produce("same connection", 1_010), 1_010);
    let answers = wire.answers();
    let order: Vec<(ConnectionId, u64)> = answers.iter().map(|a| (a.0, a.1)).collect();
    assert_eq!(
        order,
        vec![(1, 3), (1, 4)],
        "the Fetch the Produce woke, then the Produce"
    );
    assert_eq!(fetched_values(&answers[0].2), vec!["same connection"]);
    assert!(matches!(&answers[1].2, Response::Produce(p) if p[0].1.is_ok()));
}

#[test]
fn a_member_that_does_not_rejoin_is_removed_exactly_at_the_rebalance_timeout() {
    let mut wire = Wire::new();
    // Member a joins alone (generation 1) and gets its assignment.
    wire.send(1, 1, join(""), 0);
    let a = member_id_of(&wire.answers()[0].2);
    wire.send(1, 2, join(&a), 0);
    wire.broker.handle_timeout(3_000);
    assert_eq!(wire.answers().len(), 1, "a joined");
    wire.send(
        1,
        3,
        Request::SyncGroup(SyncGroupRequest {
            group_id: "g".into(),
            generation_id: 1,
            member_id: a.clone(),
            group_instance_id: None,
            protocol_type: None,
            protocol_name: None,
            assignments: vec![(a.clone(), Bytes::new())],
        }),
        3_000,
    );
    assert_eq!(wire.answers().len(), 1, "a synced");

    // Member b joins at 4 s: a rebalance starts, which waits for a up to its rebalance
    // timeout (10 s). a never rejoins.
    wire.send(2, 4, join(""), 4_000);
    let b = member_id_of(&wire.answers()[0].2);
    wire.send(2, 5, join(&b), 4_000);
    wire.send(
        1,
        6,
        Request::Heartbeat(HeartbeatRequest {
            group_id: "g".into(),
            generation_id: 1,
            member_id: a.clone(),
            group_instance_id: None,
        }),
        5_000,
    );
    let answers = wire.answers();
    assert_eq!(answers.len(), 1);
    assert_eq!(
        answers[0].2,
        Response::Heartbeat(Err(KafkaError::RebalanceInProgress)),
        "a is told to rejoin"
    );

    wire.broker.handle_timeout(13_999);
    assert!(
        wire.answers().is_empty(),
        "b still waits 1 ms before the timeout"
    );
    wire.broker.handle_timeout(14_000);
    let answers = wire.answers();
    assert_eq!(answers.len(), 1);
    let (2, 5, Response::JoinGroup(joined)) = &answers[0] else {
        panic!("expected b's JoinGroup answer, got {answers:?}");
    };
    assert_eq!(joined.generation_id, 2);
    assert_eq!(joined.leader, b, "a was removed; b leads");
    let members: Vec<&str> = joined
        .members
        .iter()
        .map(|m| m.member_id.as_str())
        .collect();
    assert_eq!(members, vec![b.as_str()]);
}

/// Send a raw Kafka request on a fresh connection and decode its answer.
fn raw<R: kafka_protocol::protocol::Request>(
    wire: &mut Wire,
    request: &R,
    version: i16,
) -> R::Response {
    use super::client_codec::{decode_raw_frame, encode_raw_frame};
    let frame = encode_raw_frame("test", 77, request, version).unwrap();
    wire.broker.handle_frame(99, frame.slice(4..), 0).unwrap();
    let answer = wire
        .broker
        .poll_transmit()
        .unwrap()
        .response
        .unwrap()
        .to_bytes()
        .unwrap();
    decode_raw_frame::<R>(answer.slice(4..), 77, version).unwrap()
}

#[test]
fn describe_configs_tells_topic_overrides_from_defaults() {
    use kafka_protocol::messages::describe_configs_request::DescribeConfigsResource;
    use kafka_protocol::messages::DescribeConfigsRequest;
    use kafka_protocol::protocol::StrBytes;
    let mut wire = Wire::new();
    let config = crate::log::LogConfig {
        retention_ms: Some(60_000),
        ..BrokerConfig::default().log
    };
    wire.broker
        .broker_mut()
        .create_topic("short", 1, Some(config), 0)
        .unwrap();
    let resource = |kind: i8, name: &str| {
        DescribeConfigsResource::default()
            .with_resource_type(kind)
            .with_resource_name(StrBytes::from_string(name.into()))
    };
    for version in 1..=4 {
        let request = DescribeConfigsRequest::default().with_resources(vec![
            resource(2, "short"),
            resource(2, "nosuch"),
            resource(2, "t")
                .with_configuration_keys(Some(vec![StrBytes::from_static_str("segment.bytes")])),
            resource(4, "1"),
            resource(3, "x"),
        ]);
        let r = raw(&mut wire, &request, version);
        let short: Vec<(String, Option<String>, i8)> = r.results[0]
            .configs
            .iter()
            .map(|c| {
                (
                    c.name.to_string(),
                    c.value.as_ref().map(|v| v.to_string()),
                    c.config_source,
                )
            })
            .collect();
        let some = |s: &str| Some(s.to_string());
        assert_eq!(
            short,
            vec![
                ("cleanup.policy".into(), some("delete"), 5),
                ("compression.type".into(), some("producer"), 5),
                ("delete.retention.ms".into(), some("86400000"), 5),
                ("max.message.bytes".into(), some("1048588"), 5),
                ("message.format.version".into(), some("3.0-IV1"), 5),
                ("retention.bytes".into(), some("-1"), 5),
                ("retention.ms".into(), some("60000"), 1),
                ("segment.bytes".into(), some("1048576"), 5),
                ("segment.ms".into(), some("-1"), 5),
            ],
            "v{version}"
        );
        assert_eq!(r.results[0].error_code, 0);
        assert_eq!(
            r.results[1].error_code,
            KafkaError::UnknownTopicOrPartition.code()
        );
        assert_eq!(r.results[2].configs.len(), 1, "only the key asked for");
        assert_eq!(r.results[2].configs[0].name.as_str(), "segment.bytes");
        let broker = &r.results[3];
        assert_eq!(broker.error_code, 0);
        assert!(broker
            .configs
            .iter()
            .any(|c| c.name.as_str() == "log.retention.ms" && c.config_source == 4));
        assert_eq!(r.results[4].error_code, KafkaError::InvalidRequest.code());
        if version >= 3 {
            assert_eq!(
                r.results[0].configs[6].config_type, 5,
                "retention.ms is a LONG"
            );
        }
    }
}

#[test]
fn create_partitions_grows_a_topic_and_refuses_what_kafka_refuses() {
    use kafka_protocol::messages::create_partitions_request::CreatePartitionsTopic;
    use kafka_protocol::messages::{CreatePartitionsRequest, TopicName};
    use kafka_protocol::protocol::StrBytes;
    let topic = |name: &str, count: i32| {
        CreatePartitionsTopic::default()
            .with_name(TopicName(StrBytes::from_string(name.into())))
            .with_count(count)
    };
    for version in 0..=3 {
        let mut wire = Wire::new();
        // Validate only: checked, nothing changes.
        let r = raw(
            &mut wire,
            &CreatePartitionsRequest::default()
                .with_topics(vec![topic("t", 3)])
                .with_validate_only(true),
            version,
        );
        assert_eq!(r.results[0].error_code, 0);
        assert_eq!(
            wire.broker.broker().topic("t").unwrap().partition_count(),
            1
        );

        let r = raw(
            &mut wire,
            &CreatePartitionsRequest::default().with_topics(vec![
                topic("t", 3),
                topic("nosuch", 2),
                topic("t2", 1),
            ]),
            version,
        );
        // t2 does not exist either.
        let codes: Vec<i16> = r.results.iter().map(|t| t.error_code).collect();
        let unknown = KafkaError::UnknownTopicOrPartition.code();
        assert_eq!(codes, vec![0, unknown, unknown], "v{version}");
        assert_eq!(
            wire.broker.broker().topic("t").unwrap().partition_count(),
            3
        );

        // Not larger: the same count, or fewer.
        let invalid = KafkaError::InvalidPartitions.code();
        for count in [3, 2] {
            let r = raw(
                &mut wire,
                &CreatePartitionsRequest::default().with_topics(vec![topic("t", count)]),
                version,
            );
            assert_eq!(r.results[0].error_code, invalid, "{count} v{version}");
            assert!(r.results[0]
                .error_message
                .as_ref()
                .unwrap()
                .contains("3 partition(s)"));
        }
        // Named twice.
        let r = raw(
            &mut wire,
            &CreatePartitionsRequest::default().with_topics(vec![topic("t", 4), topic("t", 5)]),
            version,
        );
        assert!(r
            .results
            .iter()
            .all(|t| t.error_code == KafkaError::InvalidRequest.code()));
        assert_eq!(
            wire.broker.broker().topic("t").unwrap().partition_count(),
            3
        );
    }
}

/// A client's batch (encoded, one batch for many records) is searched record by record
/// (here, beside the encoder, because the log comes before `wire` in the reading order):
/// offsetsForTimes(t0 + 5.5 s) over records stamped t0, t0 + 1 s, ... is 6, not the
/// batch's base offset (issue 15).
#[cfg(not(target_arch = "wasm32"))]
#[test]
fn offset_for_timestamp_finds_the_record_inside_an_encoded_batch() {
    use crate::log::{LogConfig, PartitionLog};
    use kafka_protocol::records::Compression;
    let t0 = 1_700_000_000_000;
    for compression in [Compression::None, Compression::Gzip, Compression::Snappy] {
        let mut log = PartitionLog::new(LogConfig {
            retention_ms: None,
            ..LogConfig::default()
        });
        log.append_records(
            (0..2)
                .map(|i| Record::from_value("v", t0 - 10_000 + i))
                .collect(),
            0,
        )
        .unwrap(); // offsets 0..2
        let records: Vec<Record> = (0..10)
            .map(|i| Record::from_value("v", t0 + i * 1_000))
            .collect();
        let mut out = bytes::BytesMut::new();
        super::encode_records(&mut out, 0, &records, compression);
        let header = super::read_header(&out).unwrap();
        let encoded = crate::record::RecordBatch::from_encoded(
            out.freeze(),
            header.record_count,
            header.first_timestamp,
            header.max_timestamp,
        );
        log.append(encoded, 0).unwrap(); // offsets 2..12
        let find = |t| log.offset_for_timestamp(t).unwrap();
        assert_eq!(
            find(t0 + 5_500),
            Some((2 + 6, t0 + 6_000)),
            "{compression:?}"
        );
        assert_eq!(find(t0), Some((2, t0)));
        assert_eq!(find(t0 + 9_000), Some((11, t0 + 9_000)));
        assert_eq!(find(t0 + 9_001), None);
        log.delete_records_before(5).unwrap();
        assert_eq!(
            log.offset_for_timestamp(t0 + 1_000).unwrap(),
            Some((5, t0 + 3_000))
        );
    }
}

/// `group.protocol=consumer` through the client codec: two core consumers, each on its own
/// connection, join one consumer-protocol group over ConsumerGroupHeartbeat (v0 while the
/// coordinator has to issue the member id, v1 after), are told their partitions by topic
/// id, and commit at OffsetCommit v9 with their member epochs.
#[test]
fn two_consumer_protocol_members_share_a_topic_through_the_codec() {
    use crate::client::consumer::{Consumer, ConsumerConfig, GroupProtocol};
    let mut wire = Wire::new();
    wire.broker
        .broker_mut()
        .create_topic("six", 6, None, 0)
        .unwrap();
    let id = uuid::Uuid::from_bytes(wire.broker.broker().topic("six").unwrap().topic_id);
    wire.cx.consumer_protocol = true;
    wire.cx.topic_ids.insert("six", id);
    let mut consumers: Vec<Consumer> = ["a", "b"]
        .iter()
        .map(|name| {
            let mut c = Consumer::new(
                ConsumerConfig {
                    client_id: name.to_string(),
                    group_id: Some("g".into()),
                    group_protocol: GroupProtocol::Consumer,
                    ..ConsumerConfig::default()
                },
                0,
            );
            c.subscribe(&["six"]);
            c
        })
        .collect();
    /// Run until `until` in 100 ms ticks: each consumer polls and sends, the broker answers.
    fn step(consumers: &mut [Consumer], wire: &mut Wire, now: &mut Millis, until: Millis) {
        while *now < until {
            *now += 100;
            for (i, c) in consumers.iter_mut().enumerate() {
                c.handle_timeout(*now);
                c.poll(*now);
                while let Some((request_id, request)) = c.poll_transmit(*now) {
                    wire.send(i as ConnectionId + 1, request_id, request, *now);
                }
            }
            wire.broker.handle_timeout(*now);
            for (connection, request_id, response) in wire.answers() {
                consumers[connection as usize - 1].handle_response(request_id, response, *now);
            }
        }
    }
    let mut now: Millis = 0;
    step(&mut consumers, &mut wire, &mut now, 20_000);
    let owned = |c: &Consumer| -> Vec<i32> {
        let mut ps: Vec<i32> = c.assignment().iter().map(|tp| tp.partition).collect();
        ps.sort_unstable();
        ps
    };
    let (a, b) = (owned(&consumers[0]), owned(&consumers[1]));
    assert_eq!((a.len(), b.len()), (3, 3), "{a:?} {b:?}");
    assert!(a.iter().all(|p| !b.contains(p)));
    // The coordinator knows both, at the epochs the members think they are at.
    let group = wire.broker.broker().consumer_groups().group("g").unwrap();
    for c in &consumers {
        assert_eq!(
            group.members[c.member_id()].member_epoch,
            c.member_epoch(),
            "{}",
            c.member_id()
        );
    }
    // Each commits offset 1 on its first partition (OffsetCommit v9, the member epoch).
    for (c, p) in consumers.iter_mut().zip([a[0], b[0]]) {
        c.commit_async(Some(vec![(TopicPartition::new("six", p), 1)]), now)
            .unwrap();
    }
    let until = now + 1_000;
    step(&mut consumers, &mut wire, &mut now, until);
    for p in [a[0], b[0]] {
        let committed = wire
            .broker
            .broker()
            .fetch_offsets("g", Some(&[("six".to_string(), p)]));
        assert_eq!(committed[0].2.as_ref().map(|o| o.offset), Some(1), "{p}");
    }
}

/// KIP-74 over the wire: the first partition with data may exceed `max_bytes` with its
/// first batch; a later partition whose first batch does not fit in what is left gets no
/// records. librdkafka's 0082_fetch_max_bytes (900 KB batches, fetch.max.bytes 1 MB)
/// dropped its connection on a 1.8 MB answer before.
#[test]
fn only_the_first_partition_with_data_may_go_past_max_bytes() {
    use kafka_protocol::messages::fetch_request::{FetchPartition, FetchTopic};
    use kafka_protocol::messages::{FetchRequest, TopicName};
    use kafka_protocol::protocol::StrBytes;
    let mut wire = Wire::new();
    let broker = wire.broker.broker_mut();
    broker.create_topic("big", 3, None, 0).unwrap();
    for p in 0..3 {
        let value = "x".repeat(600);
        let batch = RecordBatch::from_records(vec![Record::from_value(value, 0)]).unwrap();
        broker.produce("big", p, batch, None, 0).unwrap();
    }
    let size = |r: &kafka_protocol::messages::FetchResponse, p: usize| {
        r.responses[0].partitions[p]
            .records
            .as_ref()
            .map_or(0, |b| b.len())
    };
    let fetch = |max_bytes: i32| {
        let partitions = (0..3)
            .map(|p| {
                FetchPartition::default()
                    .with_partition(p)
                    .with_partition_max_bytes(1_000_000)
            })
            .collect();
        FetchRequest::default()
            .with_max_wait_ms(0)
            .with_min_bytes(1)
            .with_max_bytes(max_bytes)
            .with_topics(vec![FetchTopic::default()
                .with_topic(TopicName(StrBytes::from_static_str("big")))
                .with_partitions(partitions)])
    };
    // Room for two batches: partitions 0 and 1, not 2.
    let r = raw(&mut wire, &fetch(1_500), 11);
    let one = size(&r, 0);
    assert!(one > 600 && one < 750, "{one}");
    assert_eq!((size(&r, 1), size(&r, 2)), (one, 0));
    // Room for less than one: partition 0 still gets its batch whole, the others nothing.
    let r = raw(&mut wire, &fetch(100), 11);
    assert_eq!((size(&r, 0), size(&r, 1), size(&r, 2)), (one, 0, 0));
    // Their offsets still come back, so the consumer knows its lag.
    assert_eq!(r.responses[0].partitions[2].high_watermark, 1);
}

/// The consumer protocol names topics by id: a heartbeat that reports partitions of a
/// topic whose id the application never looked up is refused by the codec, with the
/// topic's name, instead of being sent without them.
#[test]
fn a_heartbeat_naming_a_topic_without_a_known_id_is_not_sent() {
    use crate::group::modern::{Assignment, HeartbeatRequest};
    let mut owned = Assignment::new();
    owned.insert("unknown", 0);
    let request = Request::ConsumerGroupHeartbeat(HeartbeatRequest {
        group_id: "g".into(),
        member_id: "m".into(),
        member_epoch: 3,
        instance_id: None,
        rack_id: None,
        rebalance_timeout_ms: -1,
        subscribed_topic_names: None,
        subscribed_topic_regex: None,
        server_assignor: None,
        owned: Some(owned),
        client_id: "c".into(),
        client_host: "h".into(),
    });
    let error = encode_request_frame("test", 1, 1, request, &WireContext::default())
        .err()
        .unwrap()
        .to_string();
    assert_eq!(
        error,
        "no topic id known for unknown: the consumer protocol names topics by id"
    );
}
