//! Broker facade tests: topics, the data path, commits, events and time.

use crate::broker::*;
use crate::error::KafkaError;
use crate::event::{Event, LogStartReason};
use crate::group::{
    GroupState, HeartbeatRequest, JoinGroupRequest, JoinProtocol, SyncGroupRequest,
};
use crate::log::LogConfig;
use crate::record::{Millis, Record, RecordBatch};

fn broker() -> Broker {
    Broker::new(BrokerConfig::default(), 0)
}

fn batch(values: &[&str], timestamp: Millis) -> RecordBatch {
    RecordBatch::from_records(
        values
            .iter()
            .map(|v| Record::from_value(v.to_string(), timestamp))
            .collect(),
    )
    .unwrap()
}

fn events(b: &mut Broker) -> Vec<Event> {
    std::iter::from_fn(|| b.poll_event()).collect()
}

fn values(fetch: &FetchPartition, from: i64) -> Vec<String> {
    fetch
        .batches
        .iter()
        .flat_map(|b| b.consumer_records().unwrap().collect::<Vec<_>>())
        .filter(|r| r.offset >= from)
        .map(|r| String::from_utf8(r.record.value.unwrap().to_vec()).unwrap())
        .collect()
}

fn commit(group: &str, generation: i32, member: &str, offset: i64) -> OffsetCommitRequest {
    OffsetCommitRequest {
        group_id: group.into(),
        generation_id: generation,
        member_id: member.into(),
        group_instance_id: None,
        offsets: vec![OffsetCommit {
            topic: "orders".into(),
            partition: 0,
            offset,
            leader_epoch: None,
            metadata: String::new(),
        }],
    }
}

#[test]
fn topic_administration_and_its_errors() {
    let mut b = broker();
    b.create_topic("orders", 3, None, 10).unwrap();
    assert_eq!(
        b.create_topic("orders", 3, None, 10),
        Err(KafkaError::TopicAlreadyExists)
    );
    assert_eq!(
        b.create_topic("bad name", 3, None, 10),
        Err(KafkaError::InvalidTopic)
    );
    assert_eq!(
        b.create_topic("zero", 0, None, 10),
        Err(KafkaError::InvalidPartitions)
    );
    assert_eq!(
        b.create_topic("neg", -1, None, 10),
        Err(KafkaError::InvalidPartitions)
    );
    assert_eq!(b.list_topics().len(), 1);
    assert_eq!(b.describe_topic("orders").unwrap().partitions.len(), 3);
    assert_eq!(
        b.describe_topic("nope"),
        Err(KafkaError::UnknownTopicOrPartition)
    );

    assert_eq!(
        b.create_partitions("orders", 2, 20),
        Err(KafkaError::InvalidPartitions)
    );
    assert_eq!(
        b.create_partitions("nope", 5, 20),
        Err(KafkaError::UnknownTopicOrPartition)
    );
    b.create_partitions("orders", 5, 20).unwrap();
    assert_eq!(b.topic("orders").unwrap().partition_count(), 5);

    assert_eq!(
        b.delete_topic("nope", 30),
        Err(KafkaError::UnknownTopicOrPartition)
    );
    b.delete_topic("orders", 30).unwrap();
    assert!(b.list_topics().is_empty());
    let kinds: Vec<&str> = events(&mut b)
        .iter()
        .map(|e| match e {
            Event::TopicCreated { .. } => "created",
            Event::PartitionsAdded { from: 3, to: 5, .. } => "added",
            Event::TopicDeleted { .. } => "deleted",
            _ => "other",
        })
        .collect();
    assert_eq!(kinds, vec!["created", "added", "deleted"]);
}

#[test]
fn produce_assigns_dense_offsets_and_fetch_returns_them() {
    let mut b = broker();
    b.create_topic("orders", 2, None, 0).unwrap();
    let first = b
        .produce("orders", 0, batch(&["a", "b"], 5), Some("producer-1"), 5)
        .unwrap();
    let second = b.produce("orders", 0, batch(&["c"], 6), None, 6).unwrap();
    assert_eq!((first.base_offset, second.base_offset), (0, 2));
    assert_eq!(
        b.produce("nope", 0, batch(&["x"], 0), None, 0),
        Err(KafkaError::UnknownTopicOrPartition)
    );
    assert_eq!(
        b.produce("orders", 2, batch(&["x"], 0), None, 0),
        Err(KafkaError::UnknownTopicOrPartition)
    );

    let fetched = b
        .fetch("orders", 0, 1, 1 << 20, Some("consumer-1"), 7)
        .unwrap();
    assert_eq!(values(&fetched, 1), vec!["b", "c"]);
    assert_eq!(fetched.high_watermark, 3);
    // At the log end: an empty answer, not an error (the consumer is caught up).
    assert!(b
        .fetch("orders", 0, 3, 1 << 20, None, 7)
        .unwrap()
        .batches
        .is_empty());
    assert_eq!(
        b.fetch("orders", 0, 4, 1 << 20, None, 8),
        Err(KafkaError::OffsetOutOfRange)
    );
    assert_eq!(
        b.fetch("orders", 1, -1, 1 << 20, None, 8),
        Err(KafkaError::OffsetOutOfRange)
    );

    let events = events(&mut b);
    assert!(matches!(
        &events[1],
        Event::RecordsAppended { base_offset: 0, count: 2, log_end_offset: 2, client_id: Some(c), .. } if c == "producer-1"
    ));
    assert!(events.iter().any(|e| matches!(
        e,
        Event::FetchServed {
            fetch_offset: 1,
            records: 3,
            ..
        }
    )));
    assert!(events.iter().any(|e| matches!(
        e,
        Event::FetchOutOfRange {
            fetch_offset: 4,
            log_start_offset: 0,
            log_end_offset: 3,
            ..
        }
    )));
}

#[test]
fn a_batch_over_message_max_bytes_is_refused() {
    let mut b = Broker::new(
        BrokerConfig {
            message_max_bytes: 100,
            ..Default::default()
        },
        0,
    );
    b.create_topic("t", 1, None, 0).unwrap();
    let big = "x".repeat(200);
    assert_eq!(
        b.produce("t", 0, batch(&[&big], 0), None, 0),
        Err(KafkaError::MessageTooLarge)
    );
    assert_eq!(
        b.topic("t").unwrap().partition(0).unwrap().log_end_offset(),
        0
    );
}

/// A topic's `max.message.bytes` overrides the broker's `message.max.bytes`, both ways.
#[test]
fn a_topic_max_message_bytes_overrides_the_broker_limit() {
    let mut b = Broker::new(
        BrokerConfig {
            message_max_bytes: 100,
            ..Default::default()
        },
        0,
    );
    let with_max = |n| LogConfig {
        max_message_bytes: Some(n),
        ..LogConfig::default()
    };
    b.create_topic("big", 1, Some(with_max(1_000)), 0).unwrap();
    b.create_topic("small", 1, Some(with_max(50)), 0).unwrap();
    let value = "x".repeat(200);
    assert!(b.produce("big", 0, batch(&[&value], 0), None, 0).is_ok());
    assert_eq!(
        b.produce("small", 0, batch(&["x"], 0), None, 0),
        Err(KafkaError::MessageTooLarge)
    );
    let value = "x".repeat(2_000);
    assert_eq!(
        b.produce("big", 0, batch(&[&value], 0), None, 0),
        Err(KafkaError::MessageTooLarge)
    );
}

#[test]
fn list_offsets_earliest_latest_and_by_timestamp() {
    let mut b = broker();
    b.create_topic("orders", 1, None, 0).unwrap();
    b.produce("orders", 0, batch(&["a", "b"], 1_000), None, 1_000)
        .unwrap();
    b.produce("orders", 0, batch(&["c"], 2_000), None, 2_000)
        .unwrap();
    assert_eq!(
        b.list_offset("orders", 0, OffsetSpec::Earliest),
        Ok((0, -1))
    );
    assert_eq!(b.list_offset("orders", 0, OffsetSpec::Latest), Ok((3, -1)));
    assert_eq!(
        b.list_offset("orders", 0, OffsetSpec::Timestamp(1_500)),
        Ok((2, 2_000))
    );
    assert_eq!(
        b.list_offset("orders", 0, OffsetSpec::Timestamp(0)),
        Ok((0, 1_000))
    );
    assert_eq!(
        b.list_offset("orders", 0, OffsetSpec::Timestamp(9_999)),
        Ok((-1, -1))
    );
    assert_eq!(
        b.list_offset("orders", 1, OffsetSpec::Latest),
        Err(KafkaError::UnknownTopicOrPartition)
    );
    assert_eq!(OffsetSpec::from_kafka(-2), Ok(OffsetSpec::Earliest));
    assert_eq!(OffsetSpec::from_kafka(-3), Ok(OffsetSpec::MaxTimestamp));
    assert_eq!(
        OffsetSpec::from_kafka(-4),
        Err(KafkaError::UnsupportedVersion)
    );
}

/// ListOffsets -3 (KIP-734): the record with the largest timestamp, the first on a tie,
/// whatever its place in the log; -1 on an empty partition or below the log start.
#[test]
fn list_offsets_max_timestamp_finds_the_newest_record() {
    let mut b = broker();
    b.create_topic("t", 1, None, 0).unwrap();
    assert_eq!(
        b.list_offset("t", 0, OffsetSpec::MaxTimestamp),
        Ok((-1, -1))
    );
    b.produce("t", 0, batch(&["a", "b"], 1_000), None, 1_000)
        .unwrap();
    b.produce("t", 0, batch(&["c", "d"], 5_000), None, 5_000)
        .unwrap();
    b.produce("t", 0, batch(&["e"], 2_000), None, 6_000)
        .unwrap();
    b.produce("t", 0, batch(&["f"], 5_000), None, 7_000)
        .unwrap();
    assert_eq!(
        b.list_offset("t", 0, OffsetSpec::MaxTimestamp),
        Ok((2, 5_000))
    );
}

#[test]
fn retention_runs_on_the_timer_and_raises_the_log_start() {
    let config = BrokerConfig {
        retention_check_interval_ms: 1_000,
        log: LogConfig {
            segment_bytes: 1, // every batch gets its own segment
            retention_ms: Some(10_000),
            ..LogConfig::default()
        },
        ..BrokerConfig::default()
    };
    let mut b = Broker::new(config, 0);
    b.create_topic("t", 1, None, 0).unwrap();
    b.produce("t", 0, batch(&["old"], 0), None, 0).unwrap();
    b.produce("t", 0, batch(&["new"], 9_000), None, 9_000)
        .unwrap();
    b.produce("t", 0, batch(&["newest"], 9_500), None, 9_500)
        .unwrap();
    assert_eq!(b.poll_timeout(), Some(1_000));
    b.handle_timeout(10_500);
    assert_eq!(b.list_offset("t", 0, OffsetSpec::Earliest), Ok((1, -1)));
    assert_eq!(
        b.fetch("t", 0, 0, 1 << 20, None, 10_500),
        Err(KafkaError::OffsetOutOfRange)
    );
    assert!(events(&mut b).iter().any(|e| matches!(
        e,
        Event::LogStartMoved {
            from: 0,
            to: 1,
            reason: LogStartReason::RetentionTime,
            ..
        }
    )));
    assert_eq!(b.poll_timeout(), Some(11_500));
}

#[test]
fn delete_records_moves_the_low_watermark() {
    let mut b = broker();
    b.create_topic("t", 1, None, 0).unwrap();
    b.produce("t", 0, batch(&["a", "b", "c"], 0), None, 0)
        .unwrap();
    assert_eq!(b.delete_records("t", 0, 2, 1), Ok(2));
    assert_eq!(
        b.delete_records("t", 0, 9, 1),
        Err(KafkaError::OffsetOutOfRange)
    );
    assert_eq!(b.delete_records("t", 0, -1, 1), Ok(3));
    assert!(events(&mut b).iter().any(|e| matches!(
        e,
        Event::LogStartMoved {
            to: 2,
            reason: LogStartReason::DeleteRecords,
            ..
        }
    )));
}

#[test]
fn metadata_auto_creates_topics_when_allowed() {
    let mut b = broker();
    let asked = vec!["fresh".to_string(), "bad/name".to_string()];
    let answer = b.metadata(Some(&asked), false, 0);
    assert_eq!(
        answer.topics[0].error,
        Some(KafkaError::UnknownTopicOrPartition)
    );
    let answer = b.metadata(Some(&asked), true, 0);
    assert_eq!(answer.topics[0].error, None);
    assert_eq!(answer.topics[0].partitions, 1);
    assert_eq!(answer.topics[1].error, Some(KafkaError::InvalidTopic));
    assert_eq!(answer.brokers[0].port, 9092);
    assert_eq!(b.metadata(None, false, 0).topics.len(), 1);
    let mut strict = Broker::new(
        BrokerConfig {
            auto_create_topics: false,
            ..Default::default()
        },
        0,
    );
    assert!(strict.metadata(Some(&asked), true, 0).topics[0]
        .error
        .is_some());
}

/// The seed's first lesson: the broker keeps no positions. A consumer that processed up to
/// offset 99 but last committed 95 resumes at 95 after a restart, and re-reads 95..100.
#[test]
fn a_restarted_consumer_resumes_from_its_last_commit_and_rereads() {
    let mut b = broker();
    b.create_topic("orders", 1, None, 0).unwrap();
    let all: Vec<String> = (0..100).map(|i| format!("order-{i}")).collect();
    let refs: Vec<&str> = all.iter().map(String::as_str).collect();
    b.produce("orders", 0, batch(&refs, 0), None, 0).unwrap();
    // A standalone consumer (assign(), generation -1) commits 95 and keeps reading.
    let result = b.commit_offsets(commit("billing", -1, "", 95), 1);
    assert_eq!(result[0].2, Ok(()));
    let _ = b.fetch("orders", 0, 95, 1 << 20, None, 2).unwrap();
    // ...crash. The new process asks where the group was.
    let committed = b.fetch_offsets("billing", Some(&[("orders".to_string(), 0)]));
    let resume_at = committed[0].2.as_ref().unwrap().offset;
    assert_eq!(resume_at, 95);
    let reread = b.fetch("orders", 0, resume_at, 1 << 20, None, 3).unwrap();
    assert_eq!(values(&reread, resume_at), refs[95..].to_vec());
    // A group that never committed has no offset: auto.offset.reset decides.
    assert_eq!(
        b.fetch_offsets("other", Some(&[("orders".to_string(), 0)]))[0].2,
        None
    );
}

#[test]
fn commits_are_validated_per_group_and_per_partition() {
    let mut b = broker();
    b.create_topic("orders", 1, None, 0).unwrap();
    let mut req = commit("g", -1, "", 1);
    req.offsets.push(OffsetCommit {
        topic: "missing".into(),
        partition: 0,
        offset: 1,
        leader_epoch: None,
        metadata: String::new(),
    });
    req.offsets.push(OffsetCommit {
        topic: "orders".into(),
        partition: 0,
        offset: 2,
        leader_epoch: Some(0),
        metadata: "x".repeat(4097),
    });
    let results = b.commit_offsets(req, 5);
    assert_eq!(results[0].2, Ok(()));
    assert_eq!(results[1].2, Err(KafkaError::UnknownTopicOrPartition));
    assert_eq!(results[2].2, Err(KafkaError::OffsetMetadataTooLarge));
    let stored = b.fetch_offsets("g", None);
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].2.as_ref().unwrap().commit_timestamp, 5);

    // A member-less generation on an unknown group is from a past life.
    let results = b.commit_offsets(commit("ghosts", 3, "m", 1), 6);
    assert_eq!(results[0].2, Err(KafkaError::IllegalGeneration));
    let evs = events(&mut b);
    assert!(evs
        .iter()
        .any(|e| matches!(e, Event::OffsetCommitted { offset: 1, .. })));
    assert!(evs.iter().any(|e| matches!(
        e,
        Event::OffsetCommitRejected {
            error: KafkaError::IllegalGeneration,
            ..
        }
    )));
}

#[test]
fn a_group_member_commits_with_its_generation_and_events_keep_their_order() {
    let mut b = broker();
    b.create_topic("orders", 1, None, 0).unwrap();
    let join = |member_id: &str| JoinGroupRequest {
        group_id: "g".into(),
        session_timeout_ms: 10_000,
        rebalance_timeout_ms: 10_000,
        member_id: member_id.into(),
        group_instance_id: None,
        protocol_type: "consumer".into(),
        protocols: vec![JoinProtocol {
            name: "range".into(),
            metadata: Default::default(),
        }],
        client_id: "consumer".into(),
        client_host: "/10.0.0.1".into(),
        require_known_member_id: true,
    };
    let member_id = b.join_group(1, join(""), 0).unwrap().member_id;
    assert!(b.join_group(2, join(&member_id), 0).is_none());
    assert_eq!(b.poll_timeout(), Some(3_000), "the initial rebalance delay");
    b.handle_timeout(3_000);
    let Some(crate::group::GroupOutput::Join {
        request: 2,
        response,
    }) = b.poll_output()
    else {
        panic!("the parked join is answered")
    };
    let generation = response.generation_id;
    let sync = SyncGroupRequest {
        group_id: "g".into(),
        generation_id: generation,
        member_id: member_id.clone(),
        group_instance_id: None,
        protocol_type: None,
        protocol_name: None,
        assignments: vec![(member_id.clone(), Default::default())],
    };
    assert!(b.sync_group(3, sync, 3_001).unwrap().error.is_none());
    assert_eq!(b.describe_group("g").state, GroupState::Stable);
    assert_eq!(
        b.commit_offsets(commit("g", generation, &member_id, 7), 3_002)[0].2,
        Ok(())
    );
    assert_eq!(
        b.commit_offsets(commit("g", generation - 1, &member_id, 8), 3_003)[0].2,
        Err(KafkaError::IllegalGeneration)
    );
    let hb = HeartbeatRequest {
        group_id: "g".into(),
        generation_id: generation,
        member_id: member_id.clone(),
        group_instance_id: None,
    };
    assert_eq!(b.heartbeat(hb, 3_004), Ok(()));
    assert_eq!(b.delete_group("g", 3_005), Err(KafkaError::NonEmptyGroup));
    assert_eq!(b.list_groups(&[]).len(), 1);

    let evs = events(&mut b);
    let times: Vec<Millis> = evs.iter().map(Event::at).collect();
    assert!(
        times.windows(2).all(|w| w[0] <= w[1]),
        "events come out in time order: {times:?}"
    );
    assert!(evs
        .iter()
        .any(|e| matches!(e, Event::AssignmentCompleted { .. })));
}

#[test]
fn deleting_a_group_or_a_topic_deletes_its_offsets() {
    let mut b = broker();
    b.create_topic("orders", 1, None, 0).unwrap();
    b.commit_offsets(commit("g", -1, "", 3), 1);
    b.commit_offsets(commit("h", -1, "", 4), 1);
    b.delete_group("g", 2).unwrap();
    assert!(b.fetch_offsets("g", None).is_empty());
    assert_eq!(b.delete_group("g", 2), Err(KafkaError::GroupIdNotFound));
    assert!(events(&mut b)
        .iter()
        .any(|e| matches!(e, Event::OffsetsDeleted { count: 1, .. })));
    b.delete_topic("orders", 3).unwrap();
    assert!(b.fetch_offsets("h", None).is_empty());
    assert!(b.offsets().is_empty());
}

#[test]
fn same_seed_same_topic_ids() {
    let mut a = broker();
    let mut b = broker();
    a.create_topic("t", 1, None, 0).unwrap();
    b.create_topic("t", 1, None, 0).unwrap();
    assert_eq!(
        a.topic("t").unwrap().topic_id,
        b.topic("t").unwrap().topic_id
    );
    assert_ne!(a.topic("t").unwrap().topic_id, [0; 16]);
}

/// A restart: a group that committed offsets outside group management has no group
/// metadata record, only offsets. It is Empty, as Kafka loads it from
/// `__consumer_offsets`: listed, described, and deletable with its offsets.
#[test]
fn after_a_restart_a_group_known_by_its_offsets_is_empty() {
    use crate::group_state::GroupState;
    use crate::log::{MemoryStorage, StorageError, StorageProvider, TopicManifest};

    /// Storage that hands back one offsets log, as a disk would after a restart.
    struct Restarted(MemoryStorage);
    impl StorageProvider for Restarted {
        type Storage = MemoryStorage;
        fn open_partition(
            &mut self,
            _: &TopicManifest,
            _: i32,
        ) -> Result<MemoryStorage, StorageError> {
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

    let mut before = broker();
    before.create_topic("orders", 1, None, 0).unwrap();
    before.commit_offsets(commit("g", -1, "", 3), 1);
    let offsets_log = before.offsets().log().storage().clone();
    let mut b = Broker::open(BrokerConfig::default(), Restarted(offsets_log), 10).unwrap();
    assert!(
        b.coordinator().group_ids().is_empty(),
        "no group metadata was written for it"
    );
    assert_eq!(b.describe_group("g").state, GroupState::Empty);
    assert_eq!(b.describe_group("nosuch").state, GroupState::Dead);
    let listed = b.list_groups(&[]);
    assert_eq!(listed.len(), 1);
    assert_eq!(
        (listed[0].group_id.as_str(), listed[0].state),
        ("g", GroupState::Empty)
    );
    assert!(b.list_groups(&[GroupState::Stable]).is_empty());
    assert_eq!(b.list_groups(&[GroupState::Empty]).len(), 1);
    b.delete_group("g", 11).unwrap();
    assert!(b.fetch_offsets("g", None).is_empty());
    assert_eq!(b.describe_group("g").state, GroupState::Dead);
    assert_eq!(b.delete_group("g", 12), Err(KafkaError::GroupIdNotFound));
}
