//! Transactions through the broker: markers in the logs, `read_committed` reads, staged
//! offsets, fencing at the partitions, the timer, and a restart in the middle of a commit.

use crate::broker::*;
use crate::error::KafkaError;
use crate::log::{IsolationLevel, LogStorage, MemoryStorage, StorageError, TopicManifest};
use crate::record::{Millis, ProducerInfo, Record, RecordBatch};
use crate::txn::{
    AddOffsetsToTxnRequest, AddPartitionsToTxnRequest, EndTxnRequest, InitProducerIdRequest,
    TxnOffsetCommit, TxnOffsetCommitRequest,
};

const RC: IsolationLevel = IsolationLevel::ReadCommitted;
const RU: IsolationLevel = IsolationLevel::ReadUncommitted;

fn broker() -> Broker {
    let mut b = Broker::new(BrokerConfig::default(), 0);
    b.create_topic("in", 1, None, 0).unwrap();
    b.create_topic("out", 1, None, 0).unwrap();
    b
}

fn init<P: StorageProvider>(b: &mut Broker<P>, id: &str, now: Millis) -> (i64, i16) {
    let req = InitProducerIdRequest {
        transactional_id: id.into(),
        transaction_timeout_ms: 60_000,
        producer_id: -1,
        producer_epoch: -1,
    };
    match b.init_transactional_producer_id(req.clone(), now) {
        Err(KafkaError::ConcurrentTransactions) => b.init_transactional_producer_id(req, now),
        other => other,
    }
    .unwrap()
}

fn add<P: StorageProvider>(b: &mut Broker<P>, id: &str, p: (i64, i16), topic: &str) {
    let req = AddPartitionsToTxnRequest {
        transactional_id: id.into(),
        producer_id: p.0,
        producer_epoch: p.1,
        partitions: vec![(topic.into(), 0)],
    };
    for (_, _, result) in b.add_partitions_to_txn(req, 0) {
        result.unwrap();
    }
}

/// A transactional batch from `p` with sequence `seq`.
fn send<P: StorageProvider>(
    b: &mut Broker<P>,
    p: (i64, i16),
    topic: &str,
    seq: i32,
    value: &str,
) -> Result<i64, KafkaError> {
    let batch = RecordBatch::from_records(vec![Record::from_value(value.to_string(), 0)])
        .unwrap()
        .with_producer(ProducerInfo::transactional(p.0, p.1));
    let producer = ProducerBatch {
        producer_id: p.0,
        producer_epoch: p.1,
        base_sequence: seq,
        record_count: 1,
    };
    b.produce_idempotent(topic, 0, batch, &producer, None, 0)
        .map(|r| r.base_offset)
}

fn end<P: StorageProvider>(b: &mut Broker<P>, id: &str, p: (i64, i16), commit: bool) {
    let req = EndTxnRequest {
        transactional_id: id.into(),
        producer_id: p.0,
        producer_epoch: p.1,
        commit,
    };
    b.end_txn(req, 0).unwrap();
}

fn stage<P: StorageProvider>(b: &mut Broker<P>, id: &str, p: (i64, i16), offset: i64) {
    let add = AddOffsetsToTxnRequest {
        transactional_id: id.into(),
        producer_id: p.0,
        producer_epoch: p.1,
        group_id: "g".into(),
    };
    b.add_offsets_to_txn(add, 0).unwrap();
    let req = TxnOffsetCommitRequest {
        transactional_id: id.into(),
        group_id: "g".into(),
        producer_id: p.0,
        producer_epoch: p.1,
        generation_id: -1,
        member_id: String::new(),
        group_instance_id: None,
        offsets: vec![TxnOffsetCommit {
            topic: "in".into(),
            partition: 0,
            offset,
            leader_epoch: None,
            metadata: String::new(),
        }],
    };
    for (_, _, result) in b.txn_offset_commit(req, 0) {
        result.unwrap();
    }
}

/// What a read_committed consumer keeps of a fetch: no markers, no aborted batches.
fn committed_values(fetch: &FetchPartition) -> Vec<String> {
    let aborted = fetch.aborted_transactions.clone().unwrap();
    fetch
        .batches
        .iter()
        .filter(|b| !b.is_control())
        .filter(|b| {
            let (p, base) = (b.info.producer.producer_id, b.info.base_offset);
            !aborted
                .iter()
                .any(|a| a.producer_id == p && a.first_offset <= base && base < a.last_offset)
        })
        .flat_map(|b| b.consumer_records().unwrap().collect::<Vec<_>>())
        .map(|r| String::from_utf8(r.record.value.unwrap().to_vec()).unwrap())
        .collect()
}

fn read<P: StorageProvider>(
    b: &mut Broker<P>,
    topic: &str,
    level: IsolationLevel,
) -> FetchPartition {
    b.fetch_isolated(topic, 0, 0, u32::MAX, level, None, 0)
        .unwrap()
}

#[test]
fn a_committed_transaction_becomes_visible_with_its_marker() {
    let mut b = broker();
    let p = init(&mut b, "app", 0);
    add(&mut b, "app", p, "out");
    assert_eq!(send(&mut b, p, "out", 0, "invoice-1"), Ok(0));
    assert_eq!(send(&mut b, p, "out", 1, "invoice-2"), Ok(1));
    let open = read(&mut b, "out", RC);
    assert!(open.batches.is_empty(), "read_committed waits at the LSO");
    assert_eq!((open.last_stable_offset, open.high_watermark), (0, 2));
    assert_eq!(read(&mut b, "out", RU).batches.len(), 2);
    assert_eq!(
        b.list_offset_isolated("out", 0, OffsetSpec::Latest, RC),
        Ok((0, -1))
    );
    assert_eq!(
        b.list_offset_isolated("out", 0, OffsetSpec::Latest, RU),
        Ok((2, -1))
    );

    end(&mut b, "app", p, true);
    let log = b.topic("out").unwrap().partition(0).unwrap();
    assert_eq!(log.log_end_offset(), 3, "the marker took offset 2");
    let done = read(&mut b, "out", RC);
    assert_eq!(done.last_stable_offset, 3);
    assert!(done.batches[2].is_control());
    assert_eq!(committed_values(&done), vec!["invoice-1", "invoice-2"]);
    assert_eq!(
        b.list_offset_isolated("out", 0, OffsetSpec::Latest, RC),
        Ok((3, -1))
    );
    // A new transaction of the same producer continues its sequence numbers.
    add(&mut b, "app", p, "out");
    assert_eq!(send(&mut b, p, "out", 2, "invoice-3"), Ok(3));
}

#[test]
fn aborted_records_stay_visible_to_read_uncommitted_and_are_listed_for_read_committed() {
    let mut b = broker();
    let p = init(&mut b, "app", 0);
    add(&mut b, "app", p, "out");
    send(&mut b, p, "out", 0, "lost-invoice").unwrap();
    end(&mut b, "app", p, false);
    add(&mut b, "app", p, "out");
    send(&mut b, p, "out", 1, "good-invoice").unwrap();
    end(&mut b, "app", p, true);
    let rc = read(&mut b, "out", RC);
    let aborted = rc.aborted_transactions.clone().unwrap();
    assert_eq!(aborted.len(), 1, "not an empty stub");
    assert_eq!((aborted[0].producer_id, aborted[0].first_offset), (p.0, 0));
    assert_eq!(committed_values(&rc), vec!["good-invoice"]);
    let ru = read(&mut b, "out", RU);
    assert_eq!(ru.aborted_transactions, None);
    let data: Vec<_> = ru.batches.iter().filter(|b| !b.is_control()).collect();
    assert_eq!(data.len(), 2, "read_uncommitted hides nothing");
}

#[test]
fn staged_offsets_are_unstable_until_the_commit_and_dropped_by_an_abort() {
    let mut b = broker();
    let p = init(&mut b, "app", 0);
    let wanted = [("in".to_string(), 0)];
    stage(&mut b, "app", p, 42);
    assert_eq!(
        b.fetch_offsets("g", Some(&wanted))[0].2,
        None,
        "staged, not committed"
    );
    assert_eq!(
        b.fetch_offsets_stable("g", Some(&wanted), true)[0].2,
        Err(KafkaError::UnstableOffsetCommit)
    );
    assert_eq!(
        b.fetch_offsets_stable("g", Some(&wanted), false)[0].2,
        Ok(None)
    );
    end(&mut b, "app", p, true); // offsets only: no partition, no marker
    let committed = b.fetch_offsets_stable("g", Some(&wanted), true);
    assert_eq!(
        committed[0].2.as_ref().unwrap().as_ref().unwrap().offset,
        42
    );

    stage(&mut b, "app", p, 50);
    end(&mut b, "app", p, false);
    let after_abort = b.fetch_offsets_stable("g", Some(&wanted), true);
    assert_eq!(
        after_abort[0].2.as_ref().unwrap().as_ref().unwrap().offset,
        42
    );
}

#[test]
fn partitions_refuse_batches_outside_the_transaction_and_from_zombies() {
    let mut b = broker();
    let old = init(&mut b, "app", 0);
    assert_eq!(
        send(&mut b, old, "out", 0, "x"),
        Err(KafkaError::InvalidTxnState)
    );
    add(&mut b, "app", old, "out");
    send(&mut b, old, "out", 0, "zombie-write").unwrap();
    let new = init(&mut b, "app", 0); // fences `old`, aborts its transaction
    assert_eq!(new.1, old.1 + 2);
    assert_eq!(
        send(&mut b, old, "out", 1, "late"),
        Err(KafkaError::InvalidProducerEpoch)
    );
    let rc = read(&mut b, "out", RC);
    assert_eq!(
        rc.last_stable_offset, 2,
        "the fence's abort marker closed it"
    );
    assert!(committed_values(&rc).is_empty());
    // Markers are written by the coordinator only.
    let forged =
        RecordBatch::control_marker(crate::record::ControlType::Commit, new.0, new.1, 0, 0);
    assert_eq!(
        b.produce("out", 0, forged, None, 0),
        Err(KafkaError::InvalidRecord)
    );
    // An unknown partition: nothing is added.
    let req = AddPartitionsToTxnRequest {
        transactional_id: "app".into(),
        producer_id: new.0,
        producer_epoch: new.1,
        partitions: vec![("out".into(), 0), ("nope".into(), 0)],
    };
    let results: Vec<_> = b
        .add_partitions_to_txn(req, 0)
        .into_iter()
        .map(|r| r.2)
        .collect();
    assert_eq!(
        results,
        vec![
            Err(KafkaError::OperationNotAttempted),
            Err(KafkaError::UnknownTopicOrPartition)
        ]
    );
}

#[test]
fn the_broker_timer_aborts_an_expired_transaction() {
    let mut b = broker();
    let p = init(&mut b, "app", 0);
    add(&mut b, "app", p, "out");
    send(&mut b, p, "out", 0, "never-committed").unwrap();
    assert_eq!(b.poll_timeout(), Some(60_000));
    b.handle_timeout(60_000);
    let rc = read(&mut b, "out", RC);
    assert_eq!((rc.last_stable_offset, rc.high_watermark), (2, 2));
    assert!(committed_values(&rc).is_empty());
}

/// Storage a restarted broker opens: copies of what the first one had.
struct Snapshot {
    topics: Vec<(TopicManifest, Vec<MemoryStorage>)>,
    offsets: MemoryStorage,
    transactions: MemoryStorage,
}

impl Snapshot {
    fn of(b: &Broker) -> Snapshot {
        Snapshot {
            topics: ["in", "out"]
                .iter()
                .map(|name| {
                    let t = b.topic(name).unwrap();
                    let logs = t.partitions.iter().map(|l| l.storage().clone()).collect();
                    (t.manifest(), logs)
                })
                .collect(),
            offsets: b.offsets().log().storage().clone(),
            transactions: b.transactions().log().storage().clone(),
        }
    }
}

impl StorageProvider for Snapshot {
    type Storage = MemoryStorage;

    fn open_partition(
        &mut self,
        topic: &TopicManifest,
        p: i32,
    ) -> Result<MemoryStorage, StorageError> {
        let (_, logs) = self
            .topics
            .iter()
            .find(|(m, _)| m.name == topic.name)
            .unwrap();
        Ok(logs[p as usize].clone())
    }
    fn open_offsets_log(&mut self) -> Result<MemoryStorage, StorageError> {
        Ok(self.offsets.clone())
    }
    fn open_transaction_log(&mut self) -> Result<MemoryStorage, StorageError> {
        Ok(self.transactions.clone())
    }
    fn save_topic(&mut self, _: &TopicManifest) -> Result<(), StorageError> {
        Ok(())
    }
    fn delete_topic(&mut self, _: &str) -> Result<(), StorageError> {
        Ok(())
    }
    fn saved_topics(&mut self) -> Result<Vec<TopicManifest>, StorageError> {
        Ok(self.topics.iter().map(|(m, _)| m.clone()).collect())
    }
}

#[test]
fn a_restart_between_the_decision_and_the_markers_completes_the_commit() {
    let mut b = broker();
    let p = init(&mut b, "app", 0);
    add(&mut b, "app", p, "out");
    send(&mut b, p, "out", 0, "invoice").unwrap();
    stage(&mut b, "app", p, 7);
    // The decision reaches the coordinator's log; the broker dies before any marker.
    b.transactions
        .end_txn(
            EndTxnRequest {
                transactional_id: "app".into(),
                producer_id: p.0,
                producer_epoch: p.1,
                commit: true,
            },
            0,
        )
        .unwrap();
    assert_eq!(
        b.topic("out")
            .unwrap()
            .partition(0)
            .unwrap()
            .log_end_offset(),
        1
    );
    let snapshot = Snapshot::of(&b);
    assert!(
        snapshot
            .transactions
            .segments()
            .iter()
            .map(|s| s.record_count)
            .sum::<u64>()
            > 0
    );

    let mut again = Broker::open(BrokerConfig::default(), snapshot, 10).unwrap();
    let rc = again
        .fetch_isolated("out", 0, 0, u32::MAX, RC, None, 10)
        .unwrap();
    assert_eq!(committed_values(&rc), vec!["invoice"]);
    assert_eq!(
        rc.last_stable_offset, 2,
        "the marker was written at the restart"
    );
    let wanted = [("in".to_string(), 0)];
    let offsets = again.fetch_offsets_stable("g", Some(&wanted), true);
    assert_eq!(offsets[0].2.as_ref().unwrap().as_ref().unwrap().offset, 7);
    assert_eq!(
        again.transactions().transaction("app").unwrap().state,
        crate::txn::TxnState::CompleteCommit
    );
}
