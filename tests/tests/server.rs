//! The native server over real sockets: every API it serves, long polling, response order,
//! bad frames, and restart recovery. A minimal client built on `kafka-protocol` plays the
//! Kafka client, at old (non-flexible) and new (flexible) versions.

use std::time::Duration;

use bytes::{Bytes, BytesMut};
use kafka_protocol::messages::create_topics_request::CreatableTopic;
use kafka_protocol::messages::fetch_request::{FetchPartition, FetchTopic};
use kafka_protocol::messages::list_offsets_request::{ListOffsetsPartition, ListOffsetsTopic};
use kafka_protocol::messages::metadata_request::MetadataRequestTopic;
use kafka_protocol::messages::offset_commit_request::{
    OffsetCommitRequestPartition, OffsetCommitRequestTopic,
};
use kafka_protocol::messages::offset_fetch_request::OffsetFetchRequestTopic;
use kafka_protocol::messages::produce_request::{PartitionProduceData, TopicProduceData};
use kafka_protocol::messages::sync_group_request::SyncGroupRequestAssignment;
use kafka_protocol::messages::*;
use kafka_protocol::protocol::{Decodable, HeaderVersion, StrBytes};
use kafka_protocol::records::{Compression, RecordBatchDecoder};
use tokio::io::AsyncWriteExt;

use minikafka::net::ServerConfig;
use minikafka::wire::encode_records;
use minikafka::Record;
use minikafka_tests::{join_request, test_config, Client, TempDir, TestServer};

fn s(text: &str) -> StrBytes {
    StrBytes::from_string(text.to_string())
}

fn topic(name: &str) -> TopicName {
    TopicName(s(name))
}

fn batch(values: &[&str], compression: Compression) -> Bytes {
    let records: Vec<Record> = values
        .iter()
        .map(|v| Record::keyed("k", v.to_string(), 1_700_000_000_000))
        .collect();
    let mut out = BytesMut::new();
    encode_records(&mut out, 0, &records, compression);
    out.freeze()
}

async fn create_topic(c: &mut Client, name: &str, partitions: i32) {
    let r = c
        .call(
            CreateTopicsRequest::default()
                .with_topics(vec![CreatableTopic::default()
                    .with_name(topic(name))
                    .with_num_partitions(partitions)
                    .with_replication_factor(1)])
                .with_timeout_ms(5000),
            5,
        )
        .await;
    assert_eq!(r.topics[0].error_code, 0, "{:?}", r.topics[0].error_message);
}

async fn produce(c: &mut Client, name: &str, partition: i32, records: Bytes, version: i16) -> i64 {
    let (error_code, base_offset) = produce_answer(c, name, partition, records, version).await;
    assert_eq!(error_code, 0);
    base_offset
}

/// A produce (acks=all) and the partition's answer: (error code, base offset).
async fn produce_answer(
    c: &mut Client,
    name: &str,
    partition: i32,
    records: Bytes,
    version: i16,
) -> (i16, i64) {
    let r = c
        .call(produce_request(name, partition, records), version)
        .await;
    let p = &r.responses[0].partition_responses[0];
    (p.error_code, p.base_offset)
}

/// A Produce of `records` to one partition, acks=all.
fn produce_request(name: &str, partition: i32, records: Bytes) -> ProduceRequest {
    ProduceRequest::default()
        .with_acks(-1)
        .with_timeout_ms(5000)
        .with_topic_data(vec![TopicProduceData::default()
            .with_name(topic(name))
            .with_partition_data(vec![PartitionProduceData::default()
                .with_index(partition)
                .with_records(Some(records))])])
}

fn fetch_request(name: &str, partition: i32, offset: i64, max_wait_ms: i32) -> FetchRequest {
    FetchRequest::default()
        .with_replica_id(BrokerId(-1))
        .with_max_wait_ms(max_wait_ms)
        .with_min_bytes(1)
        .with_max_bytes(1 << 20)
        .with_topics(vec![FetchTopic::default()
            .with_topic(topic(name))
            .with_partitions(vec![FetchPartition::default()
                .with_partition(partition)
                .with_fetch_offset(offset)
                .with_partition_max_bytes(1 << 20)])])
}

fn values_of(records: &Bytes) -> Vec<(i64, String)> {
    let mut buf = records.clone();
    let mut out = Vec::new();
    for set in RecordBatchDecoder::decode_all(&mut buf).expect("batches decode") {
        for r in set.records {
            let v = String::from_utf8(r.value.unwrap().to_vec()).unwrap();
            out.push((r.offset, v));
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_versions_lists_every_api_and_answers_too_high_versions_with_v0() {
    let server = TestServer::memory(test_config(), ServerConfig::default()).await;
    let mut c = Client::connect(server.addr, "t").await;
    let r = c
        .call(
            ApiVersionsRequest::default()
                .with_client_software_name(s("test"))
                .with_client_software_version(s("1")),
            3,
        )
        .await;
    assert_eq!(r.error_code, 0);
    let keys: Vec<i16> = r.api_keys.iter().map(|k| k.api_key).collect();
    for key in [0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 15, 16, 18, 19, 20, 21] {
        assert!(keys.contains(&key), "API key {key} advertised");
    }
    // Version 9 does not exist yet: the answer is a v0 body with UNSUPPORTED_VERSION and
    // the list, so the client can retry lower.
    // (The crate cannot encode a version it does not know, so the frame is written by hand.)
    let corr = 77;
    let raw: &[u8] = &[0, 0, 0, 11, 0, 18, 0, 9, 0, 0, 0, 77, 0xFF, 0xFF, 0];
    c.stream.write_all(raw).await.unwrap();
    let mut frame = c.read_frame().await.unwrap();
    let header = ResponseHeader::decode(&mut frame, 0).unwrap();
    assert_eq!(header.correlation_id, corr);
    let body = ApiVersionsResponse::decode(&mut frame, 0).unwrap();
    assert_eq!(body.error_code, 35);
    assert!(!body.api_keys.is_empty());
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn produce_and_fetch_keep_the_bytes_at_old_and_flexible_versions() {
    let server = TestServer::memory(test_config(), ServerConfig::default()).await;
    let mut c = Client::connect(server.addr, "t").await;
    create_topic(&mut c, "bytes", 2).await;
    let gz = batch(&["a", "b", "c"], Compression::Gzip);
    let plain = batch(&["d"], Compression::None);
    assert_eq!(produce(&mut c, "bytes", 1, gz.clone(), 3).await, 0);
    assert_eq!(produce(&mut c, "bytes", 1, plain, 9).await, 3);
    for version in [4, 11, 12] {
        let r = c.call(fetch_request("bytes", 1, 0, 0), version).await;
        let p = &r.responses[0].partitions[0];
        assert_eq!((p.error_code, p.high_watermark), (0, 4));
        let records = p.records.clone().unwrap();
        // The compressed batch comes back byte for byte (its CRC still holds).
        assert_eq!(&records[12..gz.len()], &gz[12..], "v{version}");
        let values = values_of(&records);
        assert_eq!(
            values,
            vec![
                (0, "a".into()),
                (1, "b".into()),
                (2, "c".into()),
                (3, "d".into())
            ]
        );
    }
    // Fetching from the middle returns the whole batch that holds the offset.
    let r = c.call(fetch_request("bytes", 1, 1, 0), 12).await;
    let got = values_of(r.responses[0].partitions[0].records.as_ref().unwrap());
    assert_eq!(got[0].0, 0, "whole batch from its base offset");
    // Out of range and unknown partitions are errors, not disconnects.
    let r = c.call(fetch_request("bytes", 1, 99, 0), 12).await;
    assert_eq!(r.responses[0].partitions[0].error_code, 1);
    let r = c.call(fetch_request("bytes", 7, 0, 0), 12).await;
    assert_eq!(r.responses[0].partitions[0].error_code, 3);
    // A corrupt batch is refused with CORRUPT_MESSAGE and nothing is appended.
    let mut bad = batch(&["x"], Compression::None).to_vec();
    let last = bad.len() - 1;
    bad[last] ^= 1;
    let r = c
        .call(
            ProduceRequest::default().with_acks(1).with_topic_data(vec![
                TopicProduceData::default()
                    .with_name(topic("bytes"))
                    .with_partition_data(vec![PartitionProduceData::default()
                        .with_index(0)
                        .with_records(Some(Bytes::from(bad)))]),
            ]),
            7,
        )
        .await;
    assert_eq!(r.responses[0].partition_responses[0].error_code, 2);
    server.stop().await;
}

/// The core's timers run on the server's clock. A Fetch at the log end is parked by the
/// core until its max wait is over (to the millisecond in `core/src/wire/tests.rs`); on a
/// server with no other traffic, only the core task's sleep until `poll_timeout` can wake
/// the broker to answer it. A server whose timer never fired leaves it unanswered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_timer_answers_a_parked_fetch_when_its_max_wait_is_over() {
    let server = TestServer::memory(test_config(), ServerConfig::default()).await;
    let mut consumer = Client::connect(server.addr, "consumer").await;
    create_topic(&mut consumer, "wait", 1).await;

    let r = tokio::time::timeout(
        Duration::from_secs(10),
        consumer.call(fetch_request("wait", 0, 0, 300), 12),
    )
    .await
    .expect("answered when its 300 ms max wait is over, not left waiting");
    let p = &r.responses[0].partitions[0];
    assert_eq!((p.error_code, p.high_watermark), (0, 0));
    assert!(
        p.records.as_ref().unwrap().is_empty(),
        "an empty answer: nothing was produced"
    );
    server.stop().await;
}

/// A connection is read on while one of its requests waits: a Fetch parked for 60 s, then
/// on the same connection the Produce that brings its record. Only if the reader task hands
/// the Produce to the core while the Fetch is unanswered does the record wake the Fetch;
/// then the writer sends both answers in request order (the Fetch first, although the
/// Produce completed first). A reader that waited for each answer before reading the next
/// request would leave both unanswered for 60 s. (The wire layer's part, waking and
/// ordering, is `a_waiting_fetch_holds_back_the_later_answers_of_its_connection` in
/// `core/src/wire/tests.rs`.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_waiting_fetch_does_not_stop_its_connection_from_being_read() {
    let server = TestServer::memory(test_config(), ServerConfig::default()).await;
    let mut c = Client::connect(server.addr, "t").await;
    create_topic(&mut c, "wait", 1).await;

    let fetch = c.send(&fetch_request("wait", 0, 0, 60_000), 12).await;
    let records = batch(&["late"], Compression::None);
    let produce = c
        .send(&produce_request("wait", 0, records).with_acks(1), 9)
        .await;
    let (first, second) = tokio::time::timeout(Duration::from_secs(10), async {
        (c.read_frame().await, c.read_frame().await)
    })
    .await
    .expect("both answered long before the Fetch's 60 s max wait");
    let (mut first, mut second) = (first.unwrap(), second.unwrap());
    let first_header = ResponseHeader::decode(&mut first, FetchResponse::header_version(12));
    let second_header = ResponseHeader::decode(&mut second, ProduceResponse::header_version(9));
    let (first_header, second_header) = (first_header.unwrap(), second_header.unwrap());
    assert_eq!(
        (first_header.correlation_id, second_header.correlation_id),
        (fetch, produce),
        "answers in request order: the Fetch, then the Produce"
    );
    let fetched = FetchResponse::decode(&mut first, 12).unwrap();
    let got = values_of(fetched.responses[0].partitions[0].records.as_ref().unwrap());
    assert_eq!(got, vec![(0, "late".to_string())], "woken by the Produce");
    let produced = ProduceResponse::decode(&mut second, 9).unwrap();
    let p = &produced.responses[0].partition_responses[0];
    assert_eq!((p.error_code, p.base_offset), (0, 0));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metadata_auto_creates_and_list_offsets_finds_earliest_latest_and_times() {
    let server = TestServer::memory(test_config(), ServerConfig::default()).await;
    let mut c = Client::connect(server.addr, "t").await;
    for version in [1, 4, 9, 12] {
        let name = format!("auto-{version}");
        let r = c
            .call(
                MetadataRequest::default()
                    .with_topics(Some(vec![
                        MetadataRequestTopic::default().with_name(Some(topic(&name)))
                    ]))
                    .with_allow_auto_topic_creation(true),
                version,
            )
            .await;
        assert_eq!(r.brokers[0].port, i32::from(server.addr.port()));
        assert_eq!(r.topics[0].error_code, 0, "v{version}");
        assert_eq!(r.topics[0].partitions.len(), 1);
    }
    let r = c
        .call(
            MetadataRequest::default()
                .with_topics(Some(vec![
                    MetadataRequestTopic::default().with_name(Some(topic("no-auto")))
                ]))
                .with_allow_auto_topic_creation(false),
            9,
        )
        .await;
    assert_eq!(r.topics[0].error_code, 3, "UNKNOWN_TOPIC_OR_PARTITION");

    create_topic(&mut c, "times", 1).await;
    let mut early = Record::from_value("old", 1_000);
    early.key = None;
    let mut out = BytesMut::new();
    encode_records(&mut out, 0, &[early], Compression::None);
    produce(&mut c, "times", 0, out.freeze(), 9).await;
    let mut out = BytesMut::new();
    encode_records(
        &mut out,
        0,
        &[Record::from_value("new", 5_000)],
        Compression::None,
    );
    produce(&mut c, "times", 0, out.freeze(), 9).await;
    for (timestamp, offset) in [(-2, 0), (-1, 2), (3_000, 1), (9_999, -1)] {
        for version in [1, 6] {
            let r = c
                .call(
                    ListOffsetsRequest::default()
                        .with_replica_id(BrokerId(-1))
                        .with_topics(vec![ListOffsetsTopic::default()
                            .with_name(topic("times"))
                            .with_partitions(vec![ListOffsetsPartition::default()
                                .with_partition_index(0)
                                .with_timestamp(timestamp)])]),
                    version,
                )
                .await;
            let p = &r.topics[0].partitions[0];
            assert_eq!(
                (p.error_code, p.offset),
                (0, offset),
                "ts {timestamp} v{version}"
            );
        }
    }
    server.stop().await;
}

/// ListOffsets by timestamp answers the first *record* at or after it, inside a client's
/// batch too: offsetsForTimes(t0 + 5.5 s) over ten records stamped t0, t0 + 1 s, ... in one
/// batch is 6 (it was the batch's base offset, 0), compressed or not (issue 15; librdkafka
/// tests 0054 and 0059). -3 finds the newest record.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_offsets_by_timestamp_finds_the_record_inside_a_batch() {
    let server = TestServer::memory(test_config(), ServerConfig::default()).await;
    let mut c = Client::connect(server.addr, "t").await;
    let t0 = 1_700_000_000_000;
    for (name, compression) in [("plain", Compression::None), ("gz", Compression::Gzip)] {
        create_topic(&mut c, name, 1).await;
        let records: Vec<Record> = (0..10)
            .map(|i| Record::from_value(format!("r{i}"), t0 + i * 1_000))
            .collect();
        let mut out = BytesMut::new();
        encode_records(&mut out, 0, &records, compression);
        produce(&mut c, name, 0, out.freeze(), 9).await;
        for (timestamp, offset, found) in [
            (t0 + 5_500, 6, t0 + 6_000),
            (t0, 0, t0),
            (t0 - 1, 0, t0),
            (t0 + 9_000, 9, t0 + 9_000),
            (t0 + 9_001, -1, -1),
        ] {
            let r = c
                .call(
                    ListOffsetsRequest::default()
                        .with_replica_id(BrokerId(-1))
                        .with_topics(vec![ListOffsetsTopic::default()
                            .with_name(topic(name))
                            .with_partitions(vec![ListOffsetsPartition::default()
                                .with_partition_index(0)
                                .with_timestamp(timestamp)])]),
                    6,
                )
                .await;
            let p = &r.topics[0].partitions[0];
            assert_eq!(
                (p.error_code, p.offset, p.timestamp),
                (0, offset, found),
                "{name}: ts {timestamp}"
            );
        }
        // -3 (v7, KIP-734): the record with the largest timestamp; before v7 it is
        // UNSUPPORTED_VERSION, as in Kafka.
        for (version, code, offset, found) in [(7, 0, 9, t0 + 9_000), (6, 35, -1, -1)] {
            let r = c
                .call(
                    ListOffsetsRequest::default()
                        .with_replica_id(BrokerId(-1))
                        .with_topics(vec![ListOffsetsTopic::default()
                            .with_name(topic(name))
                            .with_partitions(vec![ListOffsetsPartition::default()
                                .with_partition_index(0)
                                .with_timestamp(-3)])]),
                    version,
                )
                .await;
            let p = &r.topics[0].partitions[0];
            assert_eq!(
                (p.error_code, p.offset, p.timestamp),
                (code, offset, found),
                "{name}: max timestamp at v{version}"
            );
        }
    }
    server.stop().await;
}

/// CreateTopics with `max.message.bytes` (librdkafka test 0129 creates its topic with
/// max.message.bytes=10000, segment.bytes=20000): accepted, and a batch over it is
/// MESSAGE_TOO_LARGE while a smaller one is written. A config minikafka does not know is
/// still INVALID_CONFIG.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_topics_honours_max_message_bytes() {
    use kafka_protocol::messages::create_topics_request::CreatableTopicConfig;
    let server = TestServer::memory(test_config(), ServerConfig::default()).await;
    let mut c = Client::connect(server.addr, "t").await;
    let create = |name: &str, configs: &[(&str, &str)]| {
        CreateTopicsRequest::default()
            .with_topics(vec![CreatableTopic::default()
                .with_name(topic(name))
                .with_num_partitions(1)
                .with_replication_factor(1)
                .with_configs(
                    configs
                        .iter()
                        .map(|(k, v)| {
                            CreatableTopicConfig::default()
                                .with_name(s(k))
                                .with_value(Some(s(v)))
                        })
                        .collect(),
                )])
            .with_timeout_ms(5000)
    };
    let r = c
        .call(
            create(
                "capped",
                &[("max.message.bytes", "10000"), ("segment.bytes", "20000")],
            ),
            5,
        )
        .await;
    assert_eq!(r.topics[0].error_code, 0, "{:?}", r.topics[0].error_message);
    let r = c.call(create("odd", &[("no.such.config", "1")]), 5).await;
    assert_eq!(r.topics[0].error_code, 40, "INVALID_CONFIG");
    let big = "x".repeat(12_000);
    let (code, _) = produce_answer(&mut c, "capped", 0, batch(&[&big], Compression::None), 9).await;
    assert_eq!(code, 10, "MESSAGE_TOO_LARGE");
    let small = "x".repeat(5_000);
    assert_eq!(
        produce(&mut c, "capped", 0, batch(&[&small], Compression::None), 9).await,
        0
    );
    server.stop().await;
}

/// CreateTopics with manual replica assignments (librdkafka test 0081 places partitions on
/// the brokers it found): accepted when every partition's only replica is this broker
/// (node 1) and the count and replication factor are -1, as Kafka requires.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_topics_accepts_assignments_to_this_broker() {
    use kafka_protocol::messages::create_topics_request::CreatableReplicaAssignment;
    let server = TestServer::memory(test_config(), ServerConfig::default()).await;
    let mut c = Client::connect(server.addr, "t").await;
    let create = |name: &str, count: i32, replicas: &[(i32, &[i32])]| {
        CreateTopicsRequest::default()
            .with_topics(vec![CreatableTopic::default()
                .with_name(topic(name))
                .with_num_partitions(count)
                .with_replication_factor(-1)
                .with_assignments(
                    replicas
                        .iter()
                        .map(|(p, ids)| {
                            CreatableReplicaAssignment::default()
                                .with_partition_index(*p)
                                .with_broker_ids(ids.iter().map(|id| BrokerId(*id)).collect())
                        })
                        .collect(),
                )])
            .with_timeout_ms(5000)
    };
    for (name, count, replicas, code) in [
        ("placed", -1, &[(0, &[1][..]), (1, &[1]), (2, &[1])][..], 0),
        ("both", 3, &[(0, &[1][..]), (1, &[1]), (2, &[1])][..], 42),
        ("elsewhere", -1, &[(0, &[1][..]), (1, &[2])][..], 42),
        ("gap", -1, &[(0, &[1][..]), (2, &[1])][..], 42),
    ] {
        let r = c.call(create(name, count, replicas), 5).await;
        assert_eq!(
            r.topics[0].error_code, code,
            "{name}: {:?}",
            r.topics[0].error_message
        );
    }
    let m = c
        .call(
            MetadataRequest::default().with_topics(Some(vec![
                MetadataRequestTopic::default().with_name(Some(topic("placed")))
            ])),
            9,
        )
        .await;
    assert_eq!(m.topics[0].partitions.len(), 3);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consumer_group_forms_commits_is_described_and_leaves() {
    let server = TestServer::memory(test_config(), ServerConfig::default()).await;
    let mut c = Client::connect(server.addr, "member-a").await;
    create_topic(&mut c, "orders", 1).await;
    let fc = c
        .call(FindCoordinatorRequest::default().with_key(s("g")), 2)
        .await;
    assert_eq!((fc.error_code, fc.port), (0, i32::from(server.addr.port())));
    let join = |member: &str| join_request("g", member, Bytes::from_static(b"\x00\x01"));
    // KIP-394: the first join is refused with a member id to use.
    let first = c.call(join(""), 5).await;
    assert_eq!(first.error_code, 79, "MEMBER_ID_REQUIRED");
    let member = first.member_id.to_string();
    assert!(member.starts_with("member-a-"));
    let joined = c.call(join(&member), 5).await;
    assert_eq!(joined.error_code, 0);
    assert_eq!(joined.leader.as_str(), member);
    assert_eq!(joined.members.len(), 1, "the leader gets the member list");
    let generation = joined.generation_id;
    let synced = c
        .call(
            SyncGroupRequest::default()
                .with_group_id(GroupId(s("g")))
                .with_generation_id(generation)
                .with_member_id(s(&member))
                .with_assignments(vec![SyncGroupRequestAssignment::default()
                    .with_member_id(s(&member))
                    .with_assignment(Bytes::from_static(b"assignment"))]),
            3,
        )
        .await;
    assert_eq!(synced.error_code, 0);
    assert_eq!(&synced.assignment[..], b"assignment");
    let hb = c
        .call(
            HeartbeatRequest::default()
                .with_group_id(GroupId(s("g")))
                .with_generation_id(generation)
                .with_member_id(s(&member)),
            4,
        )
        .await;
    assert_eq!(hb.error_code, 0);
    // Commit at an old version, read back at a flexible one.
    let commit = c
        .call(
            OffsetCommitRequest::default()
                .with_group_id(GroupId(s("g")))
                .with_generation_id_or_member_epoch(generation)
                .with_member_id(s(&member))
                .with_topics(vec![OffsetCommitRequestTopic::default()
                    .with_name(topic("orders"))
                    .with_partitions(vec![OffsetCommitRequestPartition::default()
                        .with_partition_index(0)
                        .with_committed_offset(42)])]),
            2,
        )
        .await;
    assert_eq!(commit.topics[0].partitions[0].error_code, 0);
    let stale = c
        .call(
            OffsetCommitRequest::default()
                .with_group_id(GroupId(s("g")))
                .with_generation_id_or_member_epoch(generation + 5)
                .with_member_id(s(&member))
                .with_topics(vec![OffsetCommitRequestTopic::default()
                    .with_name(topic("orders"))
                    .with_partitions(vec![OffsetCommitRequestPartition::default()
                        .with_partition_index(0)
                        .with_committed_offset(1)])]),
            8,
        )
        .await;
    assert_eq!(
        stale.topics[0].partitions[0].error_code, 22,
        "ILLEGAL_GENERATION"
    );
    for version in [1, 7] {
        let fetched = c
            .call(
                OffsetFetchRequest::default()
                    .with_group_id(GroupId(s("g")))
                    .with_topics(Some(vec![OffsetFetchRequestTopic::default()
                        .with_name(topic("orders"))
                        .with_partition_indexes(vec![0])])),
                version,
            )
            .await;
        assert_eq!(
            fetched.topics[0].partitions[0].committed_offset, 42,
            "v{version}"
        );
    }
    let described = c
        .call(
            DescribeGroupsRequest::default().with_groups(vec![GroupId(s("g"))]),
            5,
        )
        .await;
    let g = &described.groups[0];
    assert_eq!((g.group_state.as_str(), g.members.len()), ("Stable", 1));
    assert_eq!(g.members[0].client_id.as_str(), "member-a");
    assert_eq!(g.members[0].client_host.as_str(), "127.0.0.1");
    let listed = c.call(ListGroupsRequest::default(), 4).await;
    assert_eq!(listed.groups[0].group_id.as_str(), "g");
    let left = c
        .call(
            LeaveGroupRequest::default()
                .with_group_id(GroupId(s("g")))
                .with_member_id(s(&member)),
            1,
        )
        .await;
    assert_eq!(left.error_code, 0);
    let described = c
        .call(
            DescribeGroupsRequest::default().with_groups(vec![GroupId(s("g"))]),
            0,
        )
        .await;
    assert_eq!(described.groups[0].group_state.as_str(), "Empty");
    let deleted = c
        .call(
            DeleteTopicsRequest::default()
                .with_topic_names(vec![topic("orders"), topic("missing")]),
            4,
        )
        .await;
    assert_eq!(deleted.responses[0].error_code, 0);
    assert_eq!(deleted.responses[1].error_code, 3);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_frames_close_only_their_own_connection() {
    let limits = ServerConfig {
        max_request_bytes: 1024 * 1024,
        ..ServerConfig::default()
    };
    let server = TestServer::memory(test_config(), limits).await;
    let mut healthy = Client::connect(server.addr, "healthy").await;
    create_topic(&mut healthy, "still-here", 1).await;

    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("2 GB length prefix", 0x7fff_ffffu32.to_be_bytes().to_vec()),
        ("negative length", (-5i32).to_be_bytes().to_vec()),
        (
            "over the request limit",
            (2 * 1024 * 1024i32).to_be_bytes().to_vec(),
        ),
        (
            "too short for a header",
            [&3i32.to_be_bytes()[..], &[0, 1, 0]].concat(),
        ),
        (
            "unknown API key",
            [&8i32.to_be_bytes()[..], &[0x03, 0xE7, 0, 0, 0, 0, 0, 1]].concat(),
        ),
        (
            "Produce v1 (older than served)",
            [
                &10i32.to_be_bytes()[..],
                &[0, 0, 0, 1, 0, 0, 0, 1, 0xFF, 0xFF],
            ]
            .concat(),
        ),
        (
            // A few bytes claiming two billion topics: the decoder would reserve ~150 GB
            // up front and abort the process if the bounds check did not refuse it first.
            "an array of two billion topics",
            [
                &22i32.to_be_bytes()[..],
                &[0, 3, 0, 4, 0, 0, 0, 1, 0xFF, 0xFF],
                &0x7fff_ffffi32.to_be_bytes(),
                &[0; 8],
            ]
            .concat(),
        ),
        (
            "garbage body",
            [
                &16i32.to_be_bytes()[..],
                &[0, 3, 0, 9, 0, 0, 0, 1],
                &[0xFF; 8],
            ]
            .concat(),
        ),
    ];
    for (what, bytes) in cases {
        let mut bad = Client::connect(server.addr, "bad").await;
        bad.stream.write_all(&bytes).await.unwrap();
        assert!(
            bad.closed_within(Duration::from_secs(5)).await,
            "{what}: closed"
        );
        // Every other client keeps being served.
        let r = healthy
            .call(MetadataRequest::default().with_topics(None), 9)
            .await;
        assert_eq!(r.topics.len(), 1, "after {what}");
    }
    // A client that dies in the middle of a request.
    let mut dying = Client::connect(server.addr, "dying").await;
    dying.stream.write_all(&100i32.to_be_bytes()).await.unwrap();
    dying.stream.write_all(&[0, 3, 0, 9]).await.unwrap();
    drop(dying);
    let r = healthy
        .call(MetadataRequest::default().with_topics(None), 9)
        .await;
    assert_eq!(r.topics.len(), 1, "after a connection killed mid-request");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_server_recovers_records_and_committed_offsets() {
    let dir = TempDir::new("restart");
    let server = TestServer::files(&dir.0, test_config()).await;
    let mut c = Client::connect(server.addr, "t").await;
    create_topic(&mut c, "durable", 3).await;
    for i in 0..50 {
        let value = format!("v{i}");
        produce(
            &mut c,
            "durable",
            i % 3,
            batch(&[&value], Compression::Snappy),
            9,
        )
        .await;
    }
    let commit = c
        .call(
            OffsetCommitRequest::default()
                .with_group_id(GroupId(s("keeper")))
                .with_generation_id_or_member_epoch(-1)
                .with_topics(vec![OffsetCommitRequestTopic::default()
                    .with_name(topic("durable"))
                    .with_partitions(vec![OffsetCommitRequestPartition::default()
                        .with_partition_index(2)
                        .with_committed_offset(7)])]),
            8,
        )
        .await;
    assert_eq!(commit.topics[0].partitions[0].error_code, 0);
    drop(c);
    server.stop().await;

    let server = TestServer::files(&dir.0, test_config()).await;
    let mut c = Client::connect(server.addr, "t").await;
    let mut total = 0;
    for p in 0..3 {
        let r = c.call(fetch_request("durable", p, 0, 0), 12).await;
        let got = values_of(r.responses[0].partitions[0].records.as_ref().unwrap());
        assert_eq!(
            got.len() as i64,
            r.responses[0].partitions[0].high_watermark
        );
        total += got.len();
    }
    assert_eq!(total, 50, "every acknowledged record is back");
    let fetched = c
        .call(
            OffsetFetchRequest::default()
                .with_group_id(GroupId(s("keeper")))
                .with_topics(None),
            7,
        )
        .await;
    assert_eq!(fetched.topics[0].partitions[0].committed_offset, 7);
    // And the log goes on from where it was.
    let next = produce(
        &mut c,
        "durable",
        0,
        batch(&["after"], Compression::None),
        9,
    )
    .await;
    assert_eq!(next, 17);
    server.stop().await;
}

async fn init_producer_id(c: &mut Client) -> InitProducerIdResponse {
    c.call(
        InitProducerIdRequest::default()
            .with_transactional_id(None)
            .with_transaction_timeout_ms(60_000),
        2,
    )
    .await
}

/// Records "a", "b", "c" as an idempotent producer's batch with sequence `seq`.
fn sequenced_batch(pid: i64, epoch: i16, seq: i32) -> Bytes {
    let mut bytes = batch(&["a", "b", "c"], Compression::None).to_vec();
    bytes[43..51].copy_from_slice(&pid.to_be_bytes());
    bytes[51..53].copy_from_slice(&epoch.to_be_bytes());
    bytes[53..57].copy_from_slice(&seq.to_be_bytes());
    let crc = crc32c::crc32c(&bytes[21..]);
    bytes[17..21].copy_from_slice(&crc.to_be_bytes());
    Bytes::from(bytes)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idempotent_retries_are_written_once_and_delete_records_moves_the_log_start() {
    use kafka_protocol::messages::delete_records_request::{
        DeleteRecordsPartition, DeleteRecordsTopic,
    };
    let server = TestServer::memory(test_config(), ServerConfig::default()).await;
    let mut c = Client::connect(server.addr, "idem").await;
    create_topic(&mut c, "once", 1).await;
    let init = init_producer_id(&mut c).await;
    assert_eq!(init.error_code, 0);
    let (pid, epoch) = (init.producer_id.0, init.producer_epoch);
    assert!(pid >= 0);
    // A batch from that producer, sequence 0..2, sent twice (a retry after a lost answer).
    let sequenced = |seq: i32| sequenced_batch(pid, epoch, seq);
    assert_eq!(produce(&mut c, "once", 0, sequenced(0), 9).await, 0);
    assert_eq!(
        produce(&mut c, "once", 0, sequenced(0), 9).await,
        0,
        "the retry gets the first offset"
    );
    assert_eq!(produce(&mut c, "once", 0, sequenced(3), 9).await, 3);
    let r = c.call(fetch_request("once", 0, 0, 0), 12).await;
    assert_eq!(
        r.responses[0].partitions[0].high_watermark, 6,
        "written once"
    );
    // A gap in the sequence is refused.
    let (gap, _) = produce_answer(&mut c, "once", 0, sequenced(50), 9).await;
    assert_eq!(gap, 45, "OUT_OF_ORDER_SEQUENCE_NUMBER");
    // A transactional producer gets an id of its own (transactions.rs tests the rest).
    let txn = c
        .call(
            InitProducerIdRequest::default()
                .with_transactional_id(Some(TransactionalId(s("tx"))))
                .with_transaction_timeout_ms(60_000),
            2,
        )
        .await;
    assert_eq!(txn.error_code, 0);
    assert_ne!(txn.producer_id.0, pid);

    let deleted = c
        .call(
            DeleteRecordsRequest::default().with_topics(vec![DeleteRecordsTopic::default()
                .with_name(topic("once"))
                .with_partitions(vec![DeleteRecordsPartition::default()
                    .with_partition_index(0)
                    .with_offset(4)])]),
            1,
        )
        .await;
    assert_eq!(deleted.topics[0].partitions[0].low_watermark, 4);
    let r = c.call(fetch_request("once", 0, 2, 0), 12).await;
    assert_eq!(
        r.responses[0].partitions[0].error_code, 1,
        "below the log start: OFFSET_OUT_OF_RANGE"
    );
    assert_eq!(r.responses[0].partitions[0].log_start_offset, 4);
    server.stop().await;
}

/// Kafka rebuilds idempotent producer state from the log after a restart; so does
/// minikafka: a retry that straddles a restart is still written once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idempotent_retry_across_a_restart_is_written_once() {
    let dir = TempDir::new("idem-restart");
    let server = TestServer::files(&dir.0, test_config()).await;
    let mut c = Client::connect(server.addr, "idem").await;
    create_topic(&mut c, "once", 1).await;
    let init = init_producer_id(&mut c).await;
    let (pid, epoch) = (init.producer_id.0, init.producer_epoch);
    let sequenced = |seq: i32| sequenced_batch(pid, epoch, seq);
    // A plain batch first, then the producer's two batches.
    produce(&mut c, "once", 0, batch(&["plain"], Compression::None), 9).await;
    assert_eq!(produce(&mut c, "once", 0, sequenced(0), 9).await, 1);
    assert_eq!(produce(&mut c, "once", 0, sequenced(3), 9).await, 4);
    drop(c);
    server.stop().await;

    let server = TestServer::files(&dir.0, test_config()).await;
    let mut c = Client::connect(server.addr, "idem").await;
    assert_eq!(
        produce(&mut c, "once", 0, sequenced(3), 9).await,
        4,
        "the retry of the last batch gets its first offset back"
    );
    assert_eq!(produce(&mut c, "once", 0, sequenced(0), 9).await, 1);
    let r = c.call(fetch_request("once", 0, 0, 0), 12).await;
    assert_eq!(
        r.responses[0].partitions[0].high_watermark, 7,
        "written once"
    );
    // The sequence goes on where it was; a gap is still refused.
    assert_eq!(produce(&mut c, "once", 0, sequenced(6), 9).await, 7);
    let (gap, _) = produce_answer(&mut c, "once", 0, sequenced(50), 9).await;
    assert_eq!(gap, 45, "OUT_OF_ORDER_SEQUENCE_NUMBER");
    server.stop().await;
}

/// Member ids are `<client.id>-<uuid>` from a seeded generator; a restarted server must not
/// hand out the ids of its previous life, or a client from before the restart would be
/// taken for the new member that got its id.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_server_does_not_reissue_member_ids() {
    let dir = TempDir::new("member-ids");
    let join = || join_request("g", "", Bytes::from_static(b"\x00\x01"));
    let mut ids = Vec::new();
    for _ in 0..2 {
        let server = TestServer::files(&dir.0, test_config()).await;
        let mut c = Client::connect(server.addr, "rdkafka").await;
        let first = c.call(join(), 5).await;
        assert_eq!(first.error_code, 79, "MEMBER_ID_REQUIRED");
        ids.push(first.member_id.to_string());
        drop(c);
        server.stop().await;
        // A different start time seeds a different sequence.
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    assert!(ids.iter().all(|id| id.starts_with("rdkafka-")), "{ids:?}");
    assert_ne!(ids[0], ids[1], "the first member id of each life differs");
}
