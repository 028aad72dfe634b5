//! Transactions over the wire (issue 14): the five APIs at the versions real clients send,
//! `read_committed` fetches that stop at the last stable offset and list the aborted
//! transactions, and a transaction left open by a killed server that is aborted after the
//! restart, never half visible.

use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use kafka_protocol::messages::add_partitions_to_txn_request::AddPartitionsToTxnTopic;
use kafka_protocol::messages::create_topics_request::CreatableTopic;
use kafka_protocol::messages::fetch_request::{FetchPartition, FetchTopic};
use kafka_protocol::messages::list_offsets_request::{ListOffsetsPartition, ListOffsetsTopic};
use kafka_protocol::messages::offset_fetch_request::OffsetFetchRequestTopic;
use kafka_protocol::messages::produce_request::{PartitionProduceData, TopicProduceData};
use kafka_protocol::messages::txn_offset_commit_request::{
    TxnOffsetCommitRequestPartition, TxnOffsetCommitRequestTopic,
};
use kafka_protocol::messages::*;
use kafka_protocol::protocol::StrBytes;
use kafka_protocol::records::{Compression, RecordBatchDecoder};

use minikafka::client::protocol::FetchTarget;
use minikafka::client::{Request, Response, TopicPartition};
use minikafka::log::IsolationLevel;
use minikafka::net::client::connect;
use minikafka::net::ServerConfig;
use minikafka::wire::encode_records;
use minikafka::Record;
use minikafka_tests::{test_config, Client, TempDir, TestServer};

const TXN_ID: &str = "orders-app";

fn s(text: &str) -> StrBytes {
    StrBytes::from_string(text.to_string())
}

fn topic(name: &str) -> TopicName {
    TopicName(s(name))
}

async fn create_topic(c: &mut Client, name: &str) {
    let r = c
        .call(
            CreateTopicsRequest::default()
                .with_topics(vec![CreatableTopic::default()
                    .with_name(topic(name))
                    .with_num_partitions(1)
                    .with_replication_factor(1)])
                .with_timeout_ms(5000),
            5,
        )
        .await;
    assert_eq!(r.topics[0].error_code, 0);
}

/// A producer's batch: plain (pid -1), or transactional (attribute bit 4) with its id,
/// epoch and first sequence.
fn batch(values: &[&str], producer: Option<(i64, i16, i32)>) -> Bytes {
    let records: Vec<Record> = values
        .iter()
        .map(|v| Record::from_value(v.to_string(), 1_700_000_000_000))
        .collect();
    let mut out = BytesMut::new();
    encode_records(&mut out, 0, &records, Compression::None);
    let mut bytes = out.to_vec();
    if let Some((pid, epoch, seq)) = producer {
        bytes[21..23].copy_from_slice(&0x10i16.to_be_bytes());
        bytes[43..51].copy_from_slice(&pid.to_be_bytes());
        bytes[51..53].copy_from_slice(&epoch.to_be_bytes());
        bytes[53..57].copy_from_slice(&seq.to_be_bytes());
        let crc = crc32c::crc32c(&bytes[21..]);
        bytes[17..21].copy_from_slice(&crc.to_be_bytes());
    }
    Bytes::from(bytes)
}

/// Produce to partition 0 (v9): (error code, base offset).
async fn produce(c: &mut Client, name: &str, records: Bytes) -> (i16, i64) {
    let r = c
        .call(
            ProduceRequest::default()
                .with_transactional_id(Some(TransactionalId(s(TXN_ID))))
                .with_acks(-1)
                .with_timeout_ms(5000)
                .with_topic_data(vec![TopicProduceData::default()
                    .with_name(topic(name))
                    .with_partition_data(vec![PartitionProduceData::default()
                        .with_index(0)
                        .with_records(Some(records))])]),
            9,
        )
        .await;
    let p = &r.responses[0].partition_responses[0];
    (p.error_code, p.base_offset)
}

fn fetch_request(name: &str, offset: i64, isolation: i8, max_wait_ms: i32) -> FetchRequest {
    FetchRequest::default()
        .with_replica_id(BrokerId(-1))
        .with_max_wait_ms(max_wait_ms)
        .with_min_bytes(1)
        .with_max_bytes(1 << 20)
        .with_isolation_level(isolation)
        .with_topics(vec![FetchTopic::default()
            .with_topic(topic(name))
            .with_partitions(vec![FetchPartition::default()
                .with_partition(0)
                .with_fetch_offset(offset)
                .with_partition_max_bytes(1 << 20)])])
}

/// What a fetch from offset 0 at `isolation` sees: (values with offsets, whether each batch
/// is a control batch, high watermark, LSO, aborted transactions as (pid, first offset)).
struct Seen {
    values: Vec<(i64, String)>,
    markers: usize,
    high_watermark: i64,
    last_stable: i64,
    aborted: Option<Vec<(i64, i64)>>,
}

async fn fetch(c: &mut Client, name: &str, isolation: i8) -> Seen {
    let r = c.call(fetch_request(name, 0, isolation, 0), 12).await;
    let p = &r.responses[0].partitions[0];
    assert_eq!(p.error_code, 0);
    let mut seen = Seen {
        values: Vec::new(),
        markers: 0,
        high_watermark: p.high_watermark,
        last_stable: p.last_stable_offset,
        aborted: p.aborted_transactions.as_ref().map(|list| {
            list.iter()
                .map(|a| (a.producer_id.0, a.first_offset))
                .collect()
        }),
    };
    let mut buf = p.records.clone().unwrap_or_default();
    for set in RecordBatchDecoder::decode_all(&mut buf).expect("batches decode") {
        for r in set.records {
            if r.control {
                seen.markers += 1;
                continue;
            }
            let v = String::from_utf8(r.value.unwrap().to_vec()).unwrap();
            seen.values.push((r.offset, v));
        }
    }
    seen
}

/// InitProducerId for [`TXN_ID`] at v4, retried while the coordinator answers
/// CONCURRENT_TRANSACTIONS (a previous instance's transaction being aborted).
async fn init_transactional(c: &mut Client) -> (i64, i16) {
    init_with_timeout(c, 60_000).await
}

async fn init_with_timeout(c: &mut Client, timeout_ms: i32) -> (i64, i16) {
    for _ in 0..50 {
        let r = c
            .call(
                InitProducerIdRequest::default()
                    .with_transactional_id(Some(TransactionalId(s(TXN_ID))))
                    .with_transaction_timeout_ms(timeout_ms)
                    .with_producer_id(ProducerId(-1))
                    .with_producer_epoch(-1),
                4,
            )
            .await;
        match r.error_code {
            0 => return (r.producer_id.0, r.producer_epoch),
            51 => tokio::time::sleep(Duration::from_millis(20)).await,
            other => panic!("InitProducerId failed with {other}"),
        }
    }
    panic!("CONCURRENT_TRANSACTIONS for a second");
}

/// AddPartitionsToTxn at `version` for partition 0 of `name`: its error code.
async fn add_partition(c: &mut Client, name: &str, pid: i64, epoch: i16, version: i16) -> i16 {
    let r = c
        .call(
            AddPartitionsToTxnRequest::default()
                .with_v3_and_below_transactional_id(TransactionalId(s(TXN_ID)))
                .with_v3_and_below_producer_id(ProducerId(pid))
                .with_v3_and_below_producer_epoch(epoch)
                .with_v3_and_below_topics(vec![AddPartitionsToTxnTopic::default()
                    .with_name(topic(name))
                    .with_partitions(vec![0])]),
            version,
        )
        .await;
    r.results_by_topic_v3_and_below[0].results_by_partition[0].partition_error_code
}

async fn end_txn(c: &mut Client, pid: i64, epoch: i16, commit: bool, version: i16) -> i16 {
    c.call(
        EndTxnRequest::default()
            .with_transactional_id(TransactionalId(s(TXN_ID)))
            .with_producer_id(ProducerId(pid))
            .with_producer_epoch(epoch)
            .with_committed(commit),
        version,
    )
    .await
    .error_code
}

async fn list_latest(c: &mut Client, name: &str, isolation: i8) -> i64 {
    let r = c
        .call(
            ListOffsetsRequest::default()
                .with_replica_id(BrokerId(-1))
                .with_isolation_level(isolation)
                .with_topics(vec![ListOffsetsTopic::default()
                    .with_name(topic(name))
                    .with_partitions(vec![ListOffsetsPartition::default()
                        .with_partition_index(0)
                        .with_timestamp(-1)])]),
            4,
        )
        .await;
    r.topics[0].partitions[0].offset
}

async fn offset_fetch_stable(c: &mut Client, group: &str, name: &str) -> (i16, i64) {
    let r = c
        .call(
            OffsetFetchRequest::default()
                .with_group_id(GroupId(s(group)))
                .with_require_stable(true)
                .with_topics(Some(vec![OffsetFetchRequestTopic::default()
                    .with_name(topic(name))
                    .with_partition_indexes(vec![0])])),
            7,
        )
        .await;
    let p = &r.topics[0].partitions[0];
    (p.error_code, p.committed_offset)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transaction_over_the_wire_commits_aborts_and_read_committed_stops_at_the_lso() {
    let server = TestServer::memory(test_config(), ServerConfig::default()).await;
    let mut c = Client::connect(server.addr, "txn").await;
    create_topic(&mut c, "invoices").await;
    create_topic(&mut c, "orders").await;
    let found = c
        .call(
            FindCoordinatorRequest::default()
                .with_key(s(TXN_ID))
                .with_key_type(1),
            2,
        )
        .await;
    assert_eq!(
        found.error_code, 0,
        "the transaction coordinator is this broker"
    );
    assert_eq!(found.port, server.addr.port() as i32);
    let (pid, epoch) = init_transactional(&mut c).await;

    // Offset 0: a plain record. Transaction 1 writes 1..=2 and is aborted (marker at 3).
    produce(&mut c, "invoices", batch(&["plain"], None)).await;
    assert_eq!(add_partition(&mut c, "invoices", pid, epoch, 0).await, 0);
    let (error, base) = produce(
        &mut c,
        "invoices",
        batch(&["a1", "a2"], Some((pid, epoch, 0))),
    )
    .await;
    assert_eq!((error, base), (0, 1));
    let open = fetch(&mut c, "invoices", 1).await;
    assert_eq!(
        open.last_stable, 1,
        "the LSO is the open transaction's first offset"
    );
    assert_eq!(open.high_watermark, 3);
    assert_eq!(open.values, vec![(0, "plain".to_string())]);
    assert_eq!(list_latest(&mut c, "invoices", 1).await, 1);
    assert_eq!(list_latest(&mut c, "invoices", 0).await, 3);
    assert_eq!(fetch(&mut c, "invoices", 0).await.values.len(), 3);
    assert_eq!(end_txn(&mut c, pid, epoch, false, 1).await, 0);

    // Transaction 2 writes 4 and commits (marker at 5), with the offsets of group g.
    assert_eq!(add_partition(&mut c, "invoices", pid, epoch, 3).await, 0);
    let (error, base) = produce(&mut c, "invoices", batch(&["b1"], Some((pid, epoch, 2)))).await;
    assert_eq!((error, base), (0, 4));
    let added = c
        .call(
            AddOffsetsToTxnRequest::default()
                .with_transactional_id(TransactionalId(s(TXN_ID)))
                .with_producer_id(ProducerId(pid))
                .with_producer_epoch(epoch)
                .with_group_id(GroupId(s("g"))),
            3,
        )
        .await;
    assert_eq!(added.error_code, 0);
    let staged = c
        .call(
            TxnOffsetCommitRequest::default()
                .with_transactional_id(TransactionalId(s(TXN_ID)))
                .with_group_id(GroupId(s("g")))
                .with_producer_id(ProducerId(pid))
                .with_producer_epoch(epoch)
                .with_generation_id(-1)
                .with_topics(vec![TxnOffsetCommitRequestTopic::default()
                    .with_name(topic("orders"))
                    .with_partitions(vec![TxnOffsetCommitRequestPartition::default()
                        .with_partition_index(0)
                        .with_committed_offset(42)])]),
            3,
        )
        .await;
    assert_eq!(staged.topics[0].partitions[0].error_code, 0);
    assert_eq!(
        offset_fetch_stable(&mut c, "g", "orders").await.0,
        88,
        "UNSTABLE_OFFSET_COMMIT while the offset is staged"
    );

    // A read_committed fetch waiting at the LSO is woken by the commit marker.
    let mut waiter = Client::connect(server.addr, "reader").await;
    let parked = waiter
        .send(&fetch_request("invoices", 4, 1, 10_000), 12)
        .await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = Instant::now();
    assert_eq!(end_txn(&mut c, pid, epoch, true, 3).await, 0);
    let woken = waiter.receive::<FetchRequest>(parked, 12).await;
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "woken by the marker"
    );
    assert_eq!(woken.responses[0].partitions[0].last_stable_offset, 6);
    assert_eq!(offset_fetch_stable(&mut c, "g", "orders").await, (0, 42));

    let committed = fetch(&mut c, "invoices", 1).await;
    assert_eq!((committed.high_watermark, committed.last_stable), (6, 6));
    assert_eq!(
        committed.aborted,
        Some(vec![(pid, 1)]),
        "the aborted transaction is listed, never an empty stub"
    );
    assert_eq!(committed.markers, 2, "markers travel as control batches");
    // What a read_committed consumer keeps: the aborted producer's records dropped.
    let kept: Vec<&str> = committed
        .values
        .iter()
        .filter(|(o, _)| !(1..3).contains(o))
        .map(|(_, v)| v.as_str())
        .collect();
    assert_eq!(kept, ["plain", "b1"]);
    let everything = fetch(&mut c, "invoices", 0).await;
    assert_eq!(
        everything.values.len(),
        4,
        "read_uncommitted sees the aborted records"
    );
    assert_eq!(everything.aborted, None);

    // The core's TCP client (the CLI's) turns the answer into what its consumer applies:
    // batches with their producer facts, markers as control batches, ranges to the marker.
    let (mut tx, mut rx) = connect(&server.addr.to_string(), "cli").await.unwrap();
    let fetch_cli = Request::Fetch {
        targets: vec![FetchTarget {
            tp: TopicPartition::new("invoices", 0),
            offset: 0,
        }],
        max_partition_bytes: 1 << 20,
        isolation_level: IsolationLevel::ReadCommitted,
    };
    tx.send(1, fetch_cli).await.unwrap();
    let Response::Fetch(parts) = rx.receive().await.unwrap().1 else {
        panic!("a fetch answer")
    };
    let read = parts[0].1.as_ref().unwrap();
    let aborted = read.aborted_transactions.as_ref().unwrap();
    assert_eq!(
        (
            aborted[0].producer_id,
            aborted[0].first_offset,
            aborted[0].last_offset
        ),
        (pid, 1, 3)
    );
    let markers: Vec<i64> = read
        .batches
        .iter()
        .filter(|b| b.is_control())
        .map(|b| b.info.base_offset)
        .collect();
    assert_eq!(markers, [3, 5]);
    assert!(read.batches[1].info.producer.transactional);

    // A transaction of offsets only (no partition written) still begins and commits.
    let added = c
        .call(
            AddOffsetsToTxnRequest::default()
                .with_transactional_id(TransactionalId(s(TXN_ID)))
                .with_producer_id(ProducerId(pid))
                .with_producer_epoch(epoch)
                .with_group_id(GroupId(s("g"))),
            0,
        )
        .await;
    assert_eq!(added.error_code, 0);
    let staged = c
        .call(
            TxnOffsetCommitRequest::default()
                .with_transactional_id(TransactionalId(s(TXN_ID)))
                .with_group_id(GroupId(s("g")))
                .with_producer_id(ProducerId(pid))
                .with_producer_epoch(epoch)
                .with_topics(vec![TxnOffsetCommitRequestTopic::default()
                    .with_name(topic("orders"))
                    .with_partitions(vec![TxnOffsetCommitRequestPartition::default()
                        .with_partition_index(0)
                        .with_committed_offset(50)])]),
            0,
        )
        .await;
    assert_eq!(staged.topics[0].partitions[0].error_code, 0);
    assert_eq!(end_txn(&mut c, pid, epoch, true, 0).await, 0);
    assert_eq!(offset_fetch_stable(&mut c, "g", "orders").await, (0, 50));

    // A second instance fences the first: its epoch is refused from now on.
    let (pid2, epoch2) = init_transactional(&mut c).await;
    assert_eq!(pid2, pid);
    assert!(epoch2 > epoch);
    assert_eq!(
        add_partition(&mut c, "invoices", pid, epoch, 3).await,
        90,
        "PRODUCER_FENCED"
    );
    assert_eq!(
        add_partition(&mut c, "invoices", pid, epoch, 1).await,
        47,
        "old versions: INVALID_PRODUCER_EPOCH"
    );
    assert_eq!(end_txn(&mut c, pid, epoch, true, 1).await, 47);
    server.stop().await;
}

/// The pitfall of the issue: a broker killed with a transaction open must not show half of
/// it after the restart. The open transaction holds the LSO until the coordinator aborts
/// it (here: the producer's replacement calls InitProducerId); then read_committed lists it
/// as aborted, and read_uncommitted still shows its records.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transaction_open_when_the_server_is_killed_is_aborted_after_restart_never_half_visible()
{
    let dir = TempDir::new("txn-kill");
    let server = TestServer::files(&dir.0, test_config()).await;
    let mut c = Client::connect(server.addr, "txn").await;
    create_topic(&mut c, "out").await;
    let (pid, epoch) = init_transactional(&mut c).await;
    // Transaction 1 (offsets 0..=1, marker at 2) commits.
    assert_eq!(add_partition(&mut c, "out", pid, epoch, 3).await, 0);
    produce(&mut c, "out", batch(&["c1", "c2"], Some((pid, epoch, 0)))).await;
    assert_eq!(end_txn(&mut c, pid, epoch, true, 3).await, 0);
    // Transaction 2 (offsets 3..=4) is open when the server dies.
    assert_eq!(add_partition(&mut c, "out", pid, epoch, 3).await, 0);
    let (error, base) = produce(&mut c, "out", batch(&["x1", "x2"], Some((pid, epoch, 2)))).await;
    assert_eq!((error, base), (0, 3));
    drop(c);
    server.kill().await;

    let server = TestServer::files(&dir.0, test_config()).await;
    let mut c = Client::connect(server.addr, "txn").await;
    let after = fetch(&mut c, "out", 1).await;
    assert_eq!(after.high_watermark, 5);
    assert_eq!(
        after.last_stable, 3,
        "the open transaction still holds the LSO"
    );
    assert_eq!(after.markers, 1, "the commit marker came back from disk");
    assert_eq!(
        after.values,
        vec![(0, "c1".to_string()), (1, "c2".to_string())],
        "read_committed: the committed transaction only"
    );
    // The replacement instance: the open transaction is aborted and the old epoch fenced.
    let (pid2, epoch2) = init_transactional(&mut c).await;
    assert_eq!(pid2, pid);
    assert!(epoch2 > epoch);
    let done = fetch(&mut c, "out", 1).await;
    assert_eq!(
        (done.high_watermark, done.last_stable),
        (6, 6),
        "abort marker at 5"
    );
    assert_eq!(done.aborted, Some(vec![(pid, 3)]));
    let (error, _) = produce(&mut c, "out", batch(&["zombie"], Some((pid, epoch, 4)))).await;
    assert_ne!(error, 0, "the old instance's epoch is refused");
    assert_eq!(fetch(&mut c, "out", 0).await.values.len(), 4);
    drop(c);
    server.stop().await;

    // And once more from disk: the abort is remembered.
    let server = TestServer::files(&dir.0, test_config()).await;
    let mut c = Client::connect(server.addr, "txn").await;
    let again = fetch(&mut c, "out", 1).await;
    assert_eq!((again.high_watermark, again.last_stable), (6, 6));
    assert_eq!(again.aborted, Some(vec![(pid, 3)]));
    server.stop().await;
}

/// Nobody comes back for a transaction the killed server left open: the restarted
/// coordinator aborts it when its timeout (counted from its start) runs out, by itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_orphaned_transaction_is_aborted_by_its_timeout_after_a_restart() {
    let dir = TempDir::new("txn-timeout");
    let server = TestServer::files(&dir.0, test_config()).await;
    let mut c = Client::connect(server.addr, "txn").await;
    create_topic(&mut c, "out").await;
    let (pid, epoch) = init_with_timeout(&mut c, 1_000).await;
    assert_eq!(add_partition(&mut c, "out", pid, epoch, 3).await, 0);
    produce(&mut c, "out", batch(&["orphan"], Some((pid, epoch, 0)))).await;
    drop(c);
    server.kill().await;

    let server = TestServer::files(&dir.0, test_config()).await;
    let mut c = Client::connect(server.addr, "reader").await;
    let deadline = Instant::now() + Duration::from_secs(10);
    let done = loop {
        let seen = fetch(&mut c, "out", 1).await;
        if seen.last_stable == seen.high_watermark || Instant::now() > deadline {
            break seen;
        }
        assert_eq!(
            seen.last_stable, 0,
            "held at the open transaction until then"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(
        (done.high_watermark, done.last_stable),
        (2, 2),
        "aborted: marker at 1"
    );
    assert_eq!(done.aborted, Some(vec![(pid, 0)]));
    server.stop().await;
}
