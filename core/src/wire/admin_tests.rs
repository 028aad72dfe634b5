//! The admin APIs over the wire, without sockets: AlterConfigs, IncrementalAlterConfigs,
//! DescribeConfigs after them, and a compacted topic's Produce. Each test sends raw Kafka
//! requests (encoded by the `kafka-protocol` crate, as a client would) to a [`WireBroker`]
//! and reads its answers.

use kafka_protocol::messages::describe_configs_request::DescribeConfigsResource;
use kafka_protocol::messages::{
    alter_configs_request, incremental_alter_configs_request, AlterConfigsRequest,
    DescribeConfigsRequest, IncrementalAlterConfigsRequest,
};
use kafka_protocol::protocol::StrBytes;

use super::client_codec::{decode_raw_frame, encode_raw_frame};
use super::WireBroker;
use crate::broker::{Broker, BrokerConfig};
use crate::error::KafkaError;
use crate::record::Millis;

fn s(x: &str) -> StrBytes {
    StrBytes::from_string(x.to_string())
}

/// A broker with topic `t` (one partition).
fn wire() -> WireBroker {
    let mut broker = Broker::new(BrokerConfig::default(), 0);
    broker.create_topic("t", 1, None, 0).unwrap();
    WireBroker::new(broker)
}

/// Send `request` at `version` and decode its answer.
fn raw<R: kafka_protocol::protocol::Request>(
    wire: &mut WireBroker,
    request: &R,
    version: i16,
    now: Millis,
) -> R::Response {
    let frame = encode_raw_frame("admin-test", 5, request, version).unwrap();
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

/// DescribeConfigs of topic `name`: (config, value, source) for each config.
fn describe(wire: &mut WireBroker, name: &str) -> Vec<(String, String, i8)> {
    let request =
        DescribeConfigsRequest::default().with_resources(vec![DescribeConfigsResource::default()
            .with_resource_type(2)
            .with_resource_name(s(name))]);
    let r = raw(wire, &request, 4, 0);
    assert_eq!(r.results[0].error_code, 0, "{name}");
    r.results[0]
        .configs
        .iter()
        .map(|c| {
            (
                c.name.to_string(),
                c.value.as_ref().map(|v| v.to_string()).unwrap_or_default(),
                c.config_source,
            )
        })
        .collect()
}

/// The value and source of one config of topic `name`.
fn config(wire: &mut WireBroker, name: &str, key: &str) -> (String, i8) {
    describe(wire, name)
        .into_iter()
        .find(|(k, _, _)| k == key)
        .map(|(_, v, source)| (v, source))
        .unwrap_or_else(|| panic!("{key} is reported"))
}

fn alter(resource_type: i8, name: &str, configs: &[(&str, &str)]) -> AlterConfigsRequest {
    AlterConfigsRequest::default().with_resources(vec![
        alter_configs_request::AlterConfigsResource::default()
            .with_resource_type(resource_type)
            .with_resource_name(s(name))
            .with_configs(
                configs
                    .iter()
                    .map(|(k, v)| {
                        alter_configs_request::AlterableConfig::default()
                            .with_name(s(k))
                            .with_value(Some(s(v)))
                    })
                    .collect(),
            ),
    ])
}

fn incremental(name: &str, changes: &[(&str, i8, Option<&str>)]) -> IncrementalAlterConfigsRequest {
    IncrementalAlterConfigsRequest::default().with_resources(vec![
        incremental_alter_configs_request::AlterConfigsResource::default()
            .with_resource_type(2)
            .with_resource_name(s(name))
            .with_configs(
                changes
                    .iter()
                    .map(|(k, op, v)| {
                        incremental_alter_configs_request::AlterableConfig::default()
                            .with_name(s(k))
                            .with_config_operation(*op)
                            .with_value(v.map(s))
                    })
                    .collect(),
            ),
    ])
}

const TOPIC: i8 = 1;
const DEFAULT: i8 = 5;

#[test]
fn describe_configs_reports_every_known_topic_config_with_kafka_defaults() {
    let mut wire = wire();
    let configs = describe(&mut wire, "t");
    let names: Vec<&str> = configs.iter().map(|(k, _, _)| k.as_str()).collect();
    assert_eq!(
        names,
        vec![
            "cleanup.policy",
            "compression.type",
            "delete.retention.ms",
            "max.message.bytes",
            "message.format.version",
            "retention.bytes",
            "retention.ms",
            "segment.bytes",
            "segment.ms",
        ]
    );
    assert!(configs.iter().all(|(_, _, source)| *source == DEFAULT));
    assert_eq!(
        config(&mut wire, "t", "max.message.bytes"),
        ("1048588".into(), DEFAULT)
    );
    assert_eq!(
        config(&mut wire, "t", "compression.type"),
        ("producer".into(), DEFAULT)
    );
    assert_eq!(
        config(&mut wire, "t", "delete.retention.ms"),
        ("86400000".into(), DEFAULT)
    );
}

#[test]
fn alter_configs_replaces_the_whole_set_and_the_broker_honours_it() {
    let mut wire = wire();
    for version in 0..=2 {
        // Set two configs: both become overrides.
        let r = raw(
            &mut wire,
            &alter(
                2,
                "t",
                &[("retention.ms", "60000"), ("max.message.bytes", "2000")],
            ),
            version,
            0,
        );
        assert_eq!(r.responses[0].error_code, 0, "v{version}");
        assert_eq!(r.responses[0].resource_name.as_str(), "t");
        assert_eq!(
            config(&mut wire, "t", "retention.ms"),
            ("60000".into(), TOPIC)
        );
        assert_eq!(
            config(&mut wire, "t", "max.message.bytes"),
            ("2000".into(), TOPIC)
        );
        let topic = wire.broker().topic("t").unwrap();
        assert_eq!(topic.partitions[0].config().max_message_bytes, Some(2000));

        // The next AlterConfigs names only one: the other goes back to its default.
        let r = raw(
            &mut wire,
            &alter(2, "t", &[("message.format.version", "0.10.0.0")]),
            version,
            0,
        );
        assert_eq!(r.responses[0].error_code, 0);
        assert_eq!(
            config(&mut wire, "t", "message.format.version"),
            ("0.10.0.0".into(), TOPIC)
        );
        assert_eq!(
            config(&mut wire, "t", "retention.ms"),
            ("604800000".into(), DEFAULT)
        );
        assert_eq!(
            config(&mut wire, "t", "max.message.bytes"),
            ("1048588".into(), DEFAULT)
        );
        // Back to all defaults for the next version.
        raw(&mut wire, &alter(2, "t", &[]), version, 0);
    }

    // A config named twice: the last value wins (what librdkafka's helper relies on).
    let r = raw(
        &mut wire,
        &alter(
            2,
            "t",
            &[("compression.type", "gzip"), ("compression.type", "lz4")],
        ),
        2,
        0,
    );
    assert_eq!(r.responses[0].error_code, 0);
    assert_eq!(config(&mut wire, "t", "compression.type").0, "lz4");

    // Max message size is honoured by Produce at once.
    raw(
        &mut wire,
        &alter(2, "t", &[("max.message.bytes", "100")]),
        2,
        0,
    );
    let big = crate::record::RecordBatch::from_records(vec![crate::record::Record::from_value(
        "x".repeat(500),
        0,
    )])
    .unwrap();
    assert_eq!(
        wire.broker_mut().produce("t", 0, big, None, 0),
        Err(KafkaError::MessageTooLarge)
    );
}

#[test]
fn alter_configs_refuses_what_kafka_refuses_and_changes_nothing() {
    let mut wire = wire();
    let before = describe(&mut wire, "t");
    let cases: Vec<(AlterConfigsRequest, KafkaError)> = vec![
        (
            alter(2, "t", &[("retention.ms", "1"), ("flush.ms", "10")]),
            KafkaError::InvalidConfig,
        ),
        (
            alter(2, "t", &[("compression.type", "brotli")]),
            KafkaError::InvalidConfig,
        ),
        (
            alter(2, "t", &[("cleanup.policy", "shred")]),
            KafkaError::InvalidConfig,
        ),
        (
            alter(2, "nosuch", &[("retention.ms", "1")]),
            KafkaError::UnknownTopicOrPartition,
        ),
        (
            alter(4, "1", &[("log.retention.ms", "1")]),
            KafkaError::InvalidRequest,
        ),
        (
            alter(4, "7", &[("log.retention.ms", "1")]),
            KafkaError::InvalidRequest,
        ),
        (
            alter(8, "1", &[("kafka.server", "DEBUG")]),
            KafkaError::InvalidRequest,
        ),
    ];
    for (request, error) in cases {
        let r = raw(&mut wire, &request, 1, 0);
        assert_eq!(r.responses[0].error_code, error.code(), "{request:?}");
        assert!(r.responses[0].error_message.is_some());
    }
    assert_eq!(describe(&mut wire, "t"), before, "nothing changed");
    // The broker with nothing to change: fine.
    let r = raw(&mut wire, &alter(4, "1", &[]), 1, 0);
    assert_eq!(r.responses[0].error_code, 0);
    // validate_only checks and changes nothing.
    let request = alter(2, "t", &[("retention.ms", "5")]).with_validate_only(true);
    assert_eq!(raw(&mut wire, &request, 1, 0).responses[0].error_code, 0);
    assert_eq!(describe(&mut wire, "t"), before);
}

#[test]
fn incremental_alter_configs_sets_deletes_appends_and_subtracts() {
    const SET: i8 = 0;
    const DELETE: i8 = 1;
    const APPEND: i8 = 2;
    const SUBTRACT: i8 = 3;
    let mut wire = wire();
    for version in 0..=1 {
        let r = raw(
            &mut wire,
            &incremental(
                "t",
                &[
                    ("cleanup.policy", APPEND, Some("compact")),
                    ("retention.ms", SET, Some("1000")),
                ],
            ),
            version,
            0,
        );
        assert_eq!(r.responses[0].error_code, 0, "v{version}");
        assert_eq!(
            config(&mut wire, "t", "cleanup.policy"),
            ("compact,delete".into(), TOPIC),
            "both policies, in one fixed order"
        );
        assert_eq!(
            config(&mut wire, "t", "retention.ms"),
            ("1000".into(), TOPIC)
        );
        // A second incremental change leaves retention.ms alone.
        let r = raw(
            &mut wire,
            &incremental("t", &[("cleanup.policy", SUBTRACT, Some("compact"))]),
            version,
            0,
        );
        assert_eq!(r.responses[0].error_code, 0);
        assert_eq!(
            config(&mut wire, "t", "cleanup.policy"),
            ("delete".into(), DEFAULT)
        );
        assert_eq!(config(&mut wire, "t", "retention.ms").0, "1000");
        let r = raw(
            &mut wire,
            &incremental("t", &[("retention.ms", DELETE, None)]),
            version,
            0,
        );
        assert_eq!(r.responses[0].error_code, 0);
        assert_eq!(
            config(&mut wire, "t", "retention.ms"),
            ("604800000".into(), DEFAULT)
        );
    }

    let before = describe(&mut wire, "t");
    let refused = [
        (
            incremental(
                "t",
                &[
                    ("retention.ms", SET, Some("1")),
                    ("retention.ms", SET, Some("2")),
                ],
            ),
            KafkaError::InvalidRequest,
        ),
        (
            incremental("t", &[("retention.ms", SET, None)]),
            KafkaError::InvalidRequest,
        ),
        (
            incremental("t", &[("retention.ms", 9, Some("1"))]),
            KafkaError::InvalidRequest,
        ),
        (
            incremental("t", &[("retention.ms", APPEND, Some("1"))]),
            KafkaError::InvalidConfig,
        ),
        (
            incremental(
                "t",
                &[
                    ("retention.ms", SET, Some("1")),
                    ("cleanup.policy", SUBTRACT, Some("delete")),
                ],
            ),
            KafkaError::InvalidConfig,
        ),
        (
            incremental("nosuch", &[("retention.ms", SET, Some("1"))]),
            KafkaError::UnknownTopicOrPartition,
        ),
    ];
    for (request, error) in refused {
        let r = raw(&mut wire, &request, 1, 0);
        assert_eq!(r.responses[0].error_code, error.code(), "{request:?}");
    }
    assert_eq!(describe(&mut wire, "t"), before, "nothing changed");
}

#[test]
fn a_compact_only_topic_is_never_shortened_by_retention() {
    let mut wire = wire();
    let r = raw(
        &mut wire,
        &alter(
            2,
            "t",
            &[
                ("cleanup.policy", "compact"),
                ("retention.ms", "1"),
                ("segment.bytes", "100"),
            ],
        ),
        2,
        0,
    );
    assert_eq!(r.responses[0].error_code, 0);
    for i in 0..5 {
        let batch = crate::record::RecordBatch::from_records(vec![crate::record::Record::keyed(
            format!("k{i}"),
            "v".repeat(80),
            i,
        )])
        .unwrap();
        wire.broker_mut().produce("t", 0, batch, None, i).unwrap();
    }
    wire.handle_timeout(10_000_000);
    let topic = wire.broker().topic("t").unwrap();
    assert!(topic.partitions[0].segments().len() > 1);
    assert_eq!(topic.partitions[0].log_start_offset(), 0, "nothing deleted");
    // The core refuses a keyless record too, whoever produces (the simulation's clients).
    let keyless =
        crate::record::RecordBatch::from_records(vec![crate::record::Record::from_value("v", 9)])
            .unwrap();
    assert_eq!(
        wire.broker_mut().produce("t", 0, keyless, None, 9),
        Err(KafkaError::InvalidRecord)
    );
}

/// A Produce request of one batch of `records` (key, value) for `t`-0.
fn produce_request(
    records: &[(Option<&str>, &str)],
    compression: kafka_protocol::records::Compression,
) -> kafka_protocol::messages::ProduceRequest {
    use kafka_protocol::messages::produce_request::{PartitionProduceData, TopicProduceData};
    use kafka_protocol::messages::{ProduceRequest, TopicName};
    let records: Vec<crate::record::Record> = records
        .iter()
        .map(|(k, v)| crate::record::Record {
            key: k.map(|k| bytes::Bytes::from(k.to_string())),
            value: Some(bytes::Bytes::from(v.to_string())),
            headers: Vec::new(),
            timestamp: 1,
        })
        .collect();
    let mut bytes = bytes::BytesMut::new();
    super::encode_records(&mut bytes, 0, &records, compression);
    ProduceRequest::default()
        .with_acks(-1)
        .with_topic_data(vec![TopicProduceData::default()
            .with_name(TopicName(s("t")))
            .with_partition_data(vec![PartitionProduceData::default()
                .with_index(0)
                .with_records(Some(bytes.freeze()))])])
}

#[test]
fn a_compacted_topic_refuses_keyless_records_by_their_index_in_the_batch() {
    use kafka_protocol::records::Compression;
    let mut wire = wire();
    let r = raw(
        &mut wire,
        &incremental("t", &[("cleanup.policy", 2, Some("compact"))]),
        1,
        0,
    );
    assert_eq!(r.responses[0].error_code, 0);
    let mixed = [
        (Some("k0"), "a"),
        (None, "b"),
        (Some("k2"), "c"),
        (None, "d"),
    ];
    for compression in [Compression::None, Compression::Gzip, Compression::Lz4] {
        for version in [7, 8, 10] {
            let r = raw(&mut wire, &produce_request(&mixed, compression), version, 0);
            let p = &r.responses[0].partition_responses[0];
            assert_eq!(
                p.error_code,
                KafkaError::InvalidRecord.code(),
                "{compression:?} v{version}"
            );
            let indexes: Vec<i32> = p.record_errors.iter().map(|e| e.batch_index).collect();
            if version >= 8 {
                assert_eq!(indexes, vec![1, 3], "{compression:?} v{version}");
                assert!(p.error_message.is_some());
            } else {
                assert!(indexes.is_empty(), "v7 has no record_errors");
            }
        }
    }
    let log = &wire.broker().topic("t").unwrap().partitions[0];
    assert_eq!(
        log.log_end_offset(),
        0,
        "nothing of a refused batch is written"
    );

    // Keyed records are written; a keyless one is fine again once compact is removed.
    let keyed = [(Some("k0"), "a"), (Some("k1"), "b")];
    let r = raw(&mut wire, &produce_request(&keyed, Compression::None), 9, 0);
    assert_eq!(r.responses[0].partition_responses[0].error_code, 0);
    raw(
        &mut wire,
        &incremental("t", &[("cleanup.policy", 3, Some("compact"))]),
        1,
        0,
    );
    let r = raw(&mut wire, &produce_request(&mixed, Compression::None), 9, 0);
    assert_eq!(r.responses[0].partition_responses[0].error_code, 0);
    assert_eq!(
        wire.broker().topic("t").unwrap().partitions[0].log_end_offset(),
        6
    );
}

#[test]
fn create_partitions_accepts_assignments_to_this_broker_only() {
    use kafka_protocol::messages::create_partitions_request::{
        CreatePartitionsAssignment, CreatePartitionsTopic,
    };
    use kafka_protocol::messages::{BrokerId, CreatePartitionsRequest, TopicName};
    let request = |count: i32, brokers: &[&[i32]]| {
        CreatePartitionsRequest::default().with_topics(vec![CreatePartitionsTopic::default()
            .with_name(TopicName(s("t")))
            .with_count(count)
            .with_assignments(Some(
                brokers
                    .iter()
                    .map(|b| {
                        CreatePartitionsAssignment::default()
                            .with_broker_ids(b.iter().map(|id| BrokerId(*id)).collect())
                    })
                    .collect(),
            ))])
    };
    let mut wire = wire();
    let invalid = KafkaError::InvalidRequest.code();
    for (count, brokers) in [
        (3, vec![&[1][..]]),    // 2 new partitions, 1 assignment
        (2, vec![&[2][..]]),    // a broker that does not exist
        (2, vec![&[1, 2][..]]), // two replicas
    ] {
        let r = raw(&mut wire, &request(count, &brokers), 3, 0);
        assert_eq!(r.results[0].error_code, invalid, "{count} {brokers:?}");
    }
    assert_eq!(wire.broker().topic("t").unwrap().partition_count(), 1);
    let r = raw(&mut wire, &request(3, &[&[1], &[1]]), 3, 0);
    assert_eq!(r.results[0].error_code, 0);
    assert_eq!(wire.broker().topic("t").unwrap().partition_count(), 3);
}

/// Topics `t` and `u`; group `g` with committed offsets and no members; group `live` with
/// committed offsets and one Stable member subscribed to `t`.
fn groups() -> WireBroker {
    use crate::broker::{OffsetCommit, OffsetCommitRequest};
    use crate::group::consumer_protocol::{encode_subscription, Subscription};
    use crate::group::{GroupOutput, JoinGroupRequest, JoinProtocol, SyncGroupRequest};
    let mut wire = wire();
    let b = wire.broker_mut();
    b.create_topic("u", 1, None, 0).unwrap();
    for group in ["g", "live"] {
        let offsets = ["t", "u"]
            .iter()
            .map(|topic| OffsetCommit {
                topic: topic.to_string(),
                partition: 0,
                offset: 5,
                leader_epoch: None,
                metadata: String::new(),
            })
            .collect();
        let r = b.commit_offsets(
            OffsetCommitRequest {
                group_id: group.into(),
                generation_id: -1,
                member_id: String::new(),
                group_instance_id: None,
                offsets,
            },
            0,
        );
        assert!(r.iter().all(|(_, _, result)| result.is_ok()));
    }
    let subscription = encode_subscription(&Subscription {
        topics: vec!["t".into()],
        generation_id: -1,
        ..Default::default()
    });
    let join = |member_id: &str| JoinGroupRequest {
        group_id: "live".into(),
        session_timeout_ms: 30_000,
        rebalance_timeout_ms: 30_000,
        member_id: member_id.into(),
        group_instance_id: None,
        protocol_type: "consumer".into(),
        protocols: vec![JoinProtocol {
            name: "range".into(),
            metadata: subscription.clone(),
        }],
        client_id: "c".into(),
        client_host: "/127.0.0.1".into(),
        require_known_member_id: true,
    };
    let member_id = b.join_group(1, join(""), 0).unwrap().member_id;
    assert!(b.join_group(2, join(&member_id), 0).is_none());
    b.handle_timeout(3_000);
    let Some(GroupOutput::Join { response, .. }) = b.poll_output() else {
        panic!("the join is answered after the initial delay")
    };
    let sync = SyncGroupRequest {
        group_id: "live".into(),
        generation_id: response.generation_id,
        member_id: member_id.clone(),
        group_instance_id: None,
        protocol_type: None,
        protocol_name: None,
        assignments: vec![(member_id, Default::default())],
    };
    assert!(b.sync_group(3, sync, 3_000).unwrap().error.is_none());
    wire
}

#[test]
fn delete_groups_follows_kafka_rules_and_takes_the_offsets_along() {
    use kafka_protocol::messages::{DeleteGroupsRequest, GroupId};
    for version in 0..=2 {
        let mut wire = groups();
        let request = DeleteGroupsRequest::default().with_groups_names(
            ["live", "nosuch", "g", "g"]
                .iter()
                .map(|g| GroupId(s(g)))
                .collect(),
        );
        let r = raw(&mut wire, &request, version, 3_001);
        let results: Vec<(String, i16)> = r
            .results
            .iter()
            .map(|g| (g.group_id.to_string(), g.error_code))
            .collect();
        assert_eq!(
            results,
            vec![
                ("live".into(), KafkaError::NonEmptyGroup.code()),
                ("nosuch".into(), KafkaError::GroupIdNotFound.code()),
                ("g".into(), 0),
            ],
            "v{version}: a group named twice is answered once"
        );
        assert!(wire.broker().fetch_offsets("g", None).is_empty());
        assert_eq!(wire.broker().fetch_offsets("live", None).len(), 2);
        let again = DeleteGroupsRequest::default().with_groups_names(vec![GroupId(s("g"))]);
        let r = raw(&mut wire, &again, version, 3_002);
        assert_eq!(r.results[0].error_code, KafkaError::GroupIdNotFound.code());
    }
}

#[test]
fn offset_delete_keeps_what_live_members_subscribe_to() {
    use kafka_protocol::messages::offset_delete_request::{
        OffsetDeleteRequestPartition, OffsetDeleteRequestTopic,
    };
    use kafka_protocol::messages::{GroupId, OffsetDeleteRequest, TopicName};
    let request = |group: &str, partitions: &[(&str, i32)]| {
        OffsetDeleteRequest::default()
            .with_group_id(GroupId(s(group)))
            .with_topics(
                partitions
                    .iter()
                    .map(|(topic, p)| {
                        OffsetDeleteRequestTopic::default()
                            .with_name(TopicName(s(topic)))
                            .with_partitions(vec![
                                OffsetDeleteRequestPartition::default().with_partition_index(*p)
                            ])
                    })
                    .collect(),
            )
    };
    let mut wire = groups();
    let codes = |r: &kafka_protocol::messages::OffsetDeleteResponse| -> Vec<(String, i16)> {
        r.topics
            .iter()
            .map(|t| (t.name.to_string(), t.partitions[0].error_code))
            .collect()
    };
    // A live consumer group: its subscribed topic stays, the other goes.
    let r = raw(
        &mut wire,
        &request("live", &[("t", 0), ("u", 0), ("t", 7), ("gone", 0)]),
        0,
        3_001,
    );
    assert_eq!(r.error_code, 0);
    let unknown = KafkaError::UnknownTopicOrPartition.code();
    assert_eq!(
        codes(&r),
        vec![
            ("t".into(), KafkaError::GroupSubscribedToTopic.code()),
            ("u".into(), 0),
            ("t".into(), unknown),
            ("gone".into(), unknown),
        ]
    );
    let left: Vec<String> = wire
        .broker()
        .fetch_offsets("live", None)
        .into_iter()
        .map(|(topic, _, _)| topic)
        .collect();
    assert_eq!(left, vec!["t".to_string()]);
    // An Empty group loses any of them; one never committed is fine too.
    let r = raw(&mut wire, &request("g", &[("t", 0), ("u", 0)]), 0, 3_002);
    assert_eq!(codes(&r), vec![("t".into(), 0), ("u".into(), 0)]);
    assert!(wire.broker().fetch_offsets("g", None).is_empty());
    let r = raw(&mut wire, &request("g", &[("t", 0)]), 0, 3_003);
    assert_eq!(codes(&r), vec![("t".into(), 0)]);
    // No such group: one top-level error, no partitions.
    let r = raw(&mut wire, &request("nosuch", &[("t", 0)]), 0, 3_004);
    assert_eq!(r.error_code, KafkaError::GroupIdNotFound.code());
    assert!(r.topics.is_empty());
}

#[test]
fn describe_cluster_names_this_broker_as_the_whole_cluster() {
    use kafka_protocol::messages::DescribeClusterRequest;
    let mut wire = wire();
    for version in 0..=1 {
        for asked in [false, true] {
            let r = raw(
                &mut wire,
                &DescribeClusterRequest::default()
                    .with_include_cluster_authorized_operations(asked),
                version,
                0,
            );
            assert_eq!(r.error_code, 0);
            let config = BrokerConfig::default();
            assert_eq!(r.cluster_id.as_str(), config.cluster_id);
            assert_eq!(r.controller_id.0, config.node_id);
            assert_eq!(r.brokers.len(), 1);
            assert_eq!(r.brokers[0].broker_id.0, config.node_id);
            assert_eq!(r.brokers[0].host.as_str(), config.advertised_host);
            assert_eq!(r.brokers[0].port, config.advertised_port);
            let operations = if asked {
                super::describe_cluster::CLUSTER_OPERATIONS
            } else {
                i32::MIN
            };
            assert_eq!(r.cluster_authorized_operations, operations);
        }
    }
    // Controllers (endpoint type 2) are not described by a broker.
    let r = raw(
        &mut wire,
        &DescribeClusterRequest::default().with_endpoint_type(2),
        1,
        0,
    );
    assert_eq!(r.error_code, 115, "UNSUPPORTED_ENDPOINT_TYPE");
}

#[test]
fn a_topic_compression_type_is_the_codec_batches_are_stored_in() {
    use kafka_protocol::records::{
        Compression, Record as WireRecord, RecordBatchDecoder, RecordBatchEncoder,
        RecordEncodeOptions, TimestampType,
    };
    // An idempotent producer's gzip batch of two records (producer 77, sequences 5 and 6).
    let record = |i: i64| WireRecord {
        transactional: false,
        control: false,
        delete_horizon: false,
        partition_leader_epoch: -1,
        producer_id: 77,
        producer_epoch: 2,
        timestamp_type: TimestampType::Creation,
        offset: i,
        sequence: 5 + i as i32,
        timestamp: 1_000 + i,
        key: Some(bytes::Bytes::from(format!("k{i}"))),
        value: Some(bytes::Bytes::from(format!("v{i}"))),
        headers: Default::default(),
    };
    let mut gzip = bytes::BytesMut::new();
    RecordBatchEncoder::encode(
        &mut gzip,
        [record(0), record(1)].iter(),
        &RecordEncodeOptions {
            version: 2,
            compression: Compression::Gzip,
        },
    )
    .unwrap();
    let gzip = gzip.freeze();
    let expected = RecordBatchDecoder::decode(&mut gzip.clone())
        .unwrap()
        .records;
    // The whole path through Produce; `recompress` byte for byte is tested below.
    let mut wire = wire();
    for (compression_type, codec) in [("lz4", 3u8), ("uncompressed", 0), ("producer", 1)] {
        raw(
            &mut wire,
            &alter(2, "t", &[("compression.type", compression_type)]),
            2,
            0,
        );
        let request = {
            use kafka_protocol::messages::produce_request::{
                PartitionProduceData, TopicProduceData,
            };
            use kafka_protocol::messages::{ProduceRequest, TopicName};
            ProduceRequest::default()
                .with_acks(-1)
                .with_topic_data(vec![TopicProduceData::default()
                    .with_name(TopicName(s("t")))
                    .with_partition_data(vec![PartitionProduceData::default()
                        .with_index(0)
                        .with_records(Some(gzip.clone()))])])
        };
        let before = wire.broker().topic("t").unwrap().partitions[0].log_end_offset();
        let r = raw(&mut wire, &request, 9, 0);
        let p = &r.responses[0].partition_responses[0];
        assert_eq!(p.error_code, 0, "{compression_type}");
        let log = &wire.broker().topic("t").unwrap().partitions[0];
        let read = log.read(before, 1 << 20, u32::MAX).unwrap();
        let crate::record::BatchRecords::Encoded(stored) = &read.batches[0].records else {
            panic!("an encoded batch")
        };
        let header = super::read_header(stored).unwrap();
        assert_eq!(header.codec, codec, "{compression_type}");
        assert_eq!((header.producer_id, header.base_sequence), (77, 5));
        let records = RecordBatchDecoder::decode(&mut stored.clone())
            .unwrap()
            .records;
        assert_eq!(records.len(), 2);
        for (got, want) in records.iter().zip(&expected) {
            assert_eq!(
                (&got.key, &got.value, got.timestamp, got.sequence),
                (&want.key, &want.value, want.timestamp, want.sequence),
                "{compression_type}"
            );
        }
        // The next run sends the same sequence numbers: a new topic forgets them.
        wire.broker_mut().delete_topic("t", 0).unwrap();
        wire.broker_mut().create_topic("t", 1, None, 0).unwrap();
    }
}

/// A record whose header key appears twice (Kafka allows it; a decode and re-encode through
/// a map of headers would lose one) comes back byte for byte from every codec.
#[test]
fn recompressing_keeps_every_record_byte() {
    // One record with the header key "h" twice, encoded by hand (uncompressed): key "k",
    // value "v", headers h=1, h=2.
    let record: Vec<u8> = {
        let mut r = vec![0u8]; // attributes
        r.push(0); // timestamp delta 0
        r.push(0); // offset delta 0
        r.extend_from_slice(&[2, b'k']); // key length 1 (zigzag 2)
        r.extend_from_slice(&[2, b'v']); // value length 1
        r.push(4); // 2 headers
        for v in [b'1', b'2'] {
            r.extend_from_slice(&[2, b'h', 2, v]);
        }
        r
    };
    let mut body = vec![(record.len() as u8) * 2]; // length as a zigzag varint
    body.extend_from_slice(&record);
    let mut batch = vec![0u8; 61];
    batch[8..12].copy_from_slice(&((49 + body.len()) as i32).to_be_bytes());
    batch[12..16].copy_from_slice(&(-1i32).to_be_bytes());
    batch[16] = 2; // magic
    batch[43..51].copy_from_slice(&(-1i64).to_be_bytes()); // producer id
    batch[51..53].copy_from_slice(&(-1i16).to_be_bytes());
    batch[53..57].copy_from_slice(&(-1i32).to_be_bytes());
    batch[57..61].copy_from_slice(&1i32.to_be_bytes()); // one record
    batch.extend_from_slice(&body);
    let crc = crc32c::crc32c(&batch[21..]);
    batch[17..21].copy_from_slice(&crc.to_be_bytes());
    let plain = bytes::Bytes::from(batch);
    for codec in [1u8, 2, 3, 4] {
        let packed = super::batch::recompress(plain.clone(), codec).unwrap();
        assert_eq!(super::read_header(&packed).unwrap().codec, codec);
        let back = super::batch::recompress(packed, 0).unwrap();
        assert_eq!(back, plain, "codec {codec} and back: the same bytes");
    }
}
