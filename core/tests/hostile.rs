//! Hostile input and damaged storage against a real `minikafka serve` process.
//!
//! - 1,000 idle connections, a client that sends requests and never reads the answers, and
//!   garbage frames (2 GB and negative length prefixes, truncated frames, unknown API keys),
//!   all at once, while a healthy client keeps producing and fetching: its requests stay
//!   answered within a bound, and the server's memory stays bounded.
//! - A torn segment tail and a torn offsets-log tail: the restarted server cuts them at the
//!   last valid batch, says so in its log, and serves everything before.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use minikafka::client::protocol::{Acks, FetchTarget, Request, Response, TopicPartition};
use minikafka::log::IsolationLevel;
use minikafka::net::client::connect;
use minikafka::{Record, RecordBatch};

use common::Server;

fn temp(label: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("minikafka-{label}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn batch(values: &[String]) -> RecordBatch {
    RecordBatch::from_records(
        values
            .iter()
            .map(|v| Record::from_value(v.clone(), 1))
            .collect(),
    )
    .unwrap()
}

/// A healthy client: produce `n` batches and fetch each back, returning the slowest answer.
async fn healthy_round(addr: &str, topic: &str, n: usize) -> Duration {
    let (mut tx, mut rx) = connect(addr, "healthy").await.expect("connects");
    let mut slowest = Duration::ZERO;
    let mut id = 0;
    let mut call = async |tx: &mut minikafka::net::client::Sender, request: Request| {
        id += 1;
        let started = Instant::now();
        tx.send(id, request).await.unwrap();
        let (got, response) = tokio::time::timeout(Duration::from_secs(20), rx.receive())
            .await
            .expect("answered within 20 s")
            .unwrap();
        assert_eq!(got, id);
        (started.elapsed(), response)
    };
    let tp = TopicPartition::new(topic, 0);
    let (_, meta) = call(
        &mut tx,
        Request::Metadata {
            topics: vec![topic.into()],
            allow_auto_create: true,
        },
    )
    .await;
    assert!(matches!(meta, Response::Metadata(_)));
    let mut next = None;
    for i in 0..n {
        let (took, produced) = call(
            &mut tx,
            Request::Produce {
                acks: Acks::All,
                batches: vec![(tp.clone(), batch(&[format!("healthy-{i}")]))],
            },
        )
        .await;
        slowest = slowest.max(took);
        let Response::Produce(results) = produced else {
            panic!("produce answer")
        };
        let offset = results[0].1.as_ref().expect("produced").base_offset;
        next.get_or_insert(offset);
        let (took, fetched) = call(
            &mut tx,
            Request::Fetch {
                targets: vec![FetchTarget {
                    tp: tp.clone(),
                    offset,
                }],
                max_partition_bytes: 1 << 20,
                isolation_level: IsolationLevel::ReadUncommitted,
            },
        )
        .await;
        slowest = slowest.max(took);
        let Response::Fetch(parts) = fetched else {
            panic!("fetch answer")
        };
        let got = parts[0].1.as_ref().expect("fetched");
        assert_eq!(got.batches[0].info.base_offset, offset);
    }
    slowest
}

#[test]
fn hostile_clients_do_not_stop_a_healthy_one_and_memory_stays_bounded() {
    let data = temp("hostile");
    let server = Server::start(&data, &["--max-request-bytes", "1048576"]);
    let addr = server.addr.clone();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let baseline = runtime.block_on(healthy_round(&addr, "healthy", 20));
    let rss_before = server.rss_mb();

    // 1,000 idle connections.
    let idle: Vec<TcpStream> = (0..1000)
        .map(|_| TcpStream::connect(&addr).expect("idle connection"))
        .collect();
    // A client that sends up to 2 million Metadata requests (each answer larger than the
    // request) and never reads a byte.
    let mut deaf = TcpStream::connect(&addr).unwrap();
    deaf.set_write_timeout(Some(Duration::from_secs(2)))
        .unwrap();
    let metadata_v4 = [
        0u8, 3, 0, 4, 0, 0, 0, 1, 0, 4, b'd', b'e', b'a', b'f', 0xFF, 0xFF, 0xFF, 0xFF, 1,
    ];
    let mut frame = Vec::new();
    for _ in 0..1000 {
        frame.extend_from_slice(&(metadata_v4.len() as i32).to_be_bytes());
        frame.extend_from_slice(&metadata_v4);
    }
    let mut sent = 0;
    for _ in 0..2000 {
        // Once the server stops reading (in-flight limit) the socket buffers fill and the
        // write times out: that is the backpressure working.
        if deaf.write_all(&frame).is_err() {
            break;
        }
        sent += 1000;
    }
    // Garbage, each on its own connection.
    let garbage: Vec<Vec<u8>> = vec![
        0x7fff_ffffi32.to_be_bytes().to_vec(),
        (-1i32).to_be_bytes().to_vec(),
        [&50i32.to_be_bytes()[..], &[0, 3, 0, 4, 0, 0]].concat(),
        [&8i32.to_be_bytes()[..], &[0x7F, 0x7F, 0, 0, 0, 0, 0, 9]].concat(),
        vec![0xAB; 4096],
    ];
    let mut closed = 0;
    for bytes in &garbage {
        let mut s = TcpStream::connect(&addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let _ = s.write_all(bytes);
        if bytes.len() == 10 {
            // The truncated frame: the client goes away mid-request.
            drop(s);
            continue;
        }
        let mut buf = [0u8; 16];
        if matches!(s.read(&mut buf), Ok(0) | Err(_)) {
            closed += 1;
        }
    }
    assert_eq!(
        closed,
        garbage.len() - 1,
        "each bad frame closed its connection"
    );

    // Meanwhile the healthy client is served as before.
    let slowest = runtime.block_on(healthy_round(&addr, "healthy", 50));
    let rss_after = server.rss_mb();
    eprintln!(
        "healthy client: slowest answer {:?} before, {slowest:?} under attack; \
         server RSS {rss_before:.0} MB before, {rss_after:.0} MB with 1,000 idle \
         connections and a deaf client that got {sent} requests in",
        baseline
    );
    assert!(
        slowest < Duration::from_secs(2),
        "bounded latency: {slowest:?}"
    );
    assert!(rss_after < 150.0, "bounded memory: {rss_after:.0} MB");
    assert!(
        sent < 2_000_000,
        "the deaf client was stopped by backpressure"
    );
    drop(idle);
    drop(deaf);
    server.kill();
    let _ = std::fs::remove_dir_all(&data);
    let _ = std::fs::remove_file(data.with_extension("log"));
}

#[test]
fn torn_segment_and_offsets_tails_are_cut_logged_and_the_rest_served() {
    let data = temp("torn");
    let server = Server::start(&data, &[]);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let addr = server.addr.clone();
    runtime.block_on(async {
        let (mut tx, mut rx) = connect(&addr, "writer").await.unwrap();
        let tp = TopicPartition::new("torn", 0);
        let mut id = 0;
        for i in 0..10 {
            id += 1;
            let request = if i == 0 {
                Request::Metadata {
                    topics: vec!["torn".into()],
                    allow_auto_create: true,
                }
            } else {
                Request::Produce {
                    acks: Acks::All,
                    batches: vec![(tp.clone(), batch(&[format!("record-{i}")]))],
                }
            };
            tx.send(id, request).await.unwrap();
            rx.receive().await.unwrap();
        }
        // Two commits: the second will be torn off.
        for offset in [4, 8] {
            id += 1;
            tx.send(
                id,
                Request::OffsetCommit(minikafka::broker::OffsetCommitRequest {
                    group_id: "keeper".into(),
                    generation_id: -1,
                    member_id: String::new(),
                    group_instance_id: None,
                    offsets: vec![minikafka::broker::OffsetCommit {
                        topic: "torn".into(),
                        partition: 0,
                        offset,
                        leader_epoch: None,
                        metadata: String::new(),
                    }],
                }),
            )
            .await
            .unwrap();
            rx.receive().await.unwrap();
        }
    });
    server.kill();

    // Tear the last 7 bytes off the partition's segment and off the offsets log.
    let tear = |path: std::path::PathBuf| {
        let len = std::fs::metadata(&path).unwrap().len();
        std::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .unwrap()
            .set_len(len - 7)
            .unwrap();
    };
    tear(data.join("logs/torn-0/00000000000000000000.log"));
    tear(data.join("internal/__consumer_offsets-0/00000000000000000000.log"));

    let server = Server::start(&data, &[]);
    let addr = server.addr.clone();
    runtime.block_on(async {
        let (mut tx, mut rx) = connect(&addr, "reader").await.unwrap();
        tx.send(
            1,
            Request::Fetch {
                targets: vec![FetchTarget {
                    tp: TopicPartition::new("torn", 0),
                    offset: 0,
                }],
                max_partition_bytes: 1 << 20,
                isolation_level: IsolationLevel::ReadUncommitted,
            },
        )
        .await
        .unwrap();
        let (_, Response::Fetch(parts)) = rx.receive().await.unwrap() else {
            panic!("fetch answer")
        };
        let got = parts[0].1.as_ref().unwrap();
        assert_eq!(got.high_watermark, 8, "the torn ninth record is gone");
        let values: Vec<String> = got
            .batches
            .iter()
            .flat_map(|b| b.consumer_records().unwrap())
            .map(|r| String::from_utf8(r.record.value.unwrap().to_vec()).unwrap())
            .collect();
        assert_eq!(values.len(), 8);
        assert_eq!(values[7], "record-8");
        tx.send(
            2,
            Request::OffsetFetch {
                group_id: "keeper".into(),
                partitions: vec![TopicPartition::new("torn", 0)],
                require_stable: false,
            },
        )
        .await
        .unwrap();
        let (_, Response::OffsetFetch(offsets)) = rx.receive().await.unwrap() else {
            panic!("offset fetch answer")
        };
        assert_eq!(
            offsets[0].1.as_ref().unwrap().as_ref().map(|o| o.offset),
            Some(4),
            "the torn second commit is gone, the first is intact"
        );
        // And the log takes new records from where it was cut.
        tx.send(
            3,
            Request::Produce {
                acks: Acks::All,
                batches: vec![(TopicPartition::new("torn", 0), batch(&["after".into()]))],
            },
        )
        .await
        .unwrap();
        let (_, Response::Produce(r)) = rx.receive().await.unwrap() else {
            panic!("produce answer")
        };
        assert_eq!(r[0].1.as_ref().unwrap().base_offset, 8);
    });
    let log = std::fs::read_to_string(&server.log).unwrap();
    assert_eq!(
        log.matches("torn or corrupt tail: truncating to the last valid batch")
            .count(),
        2,
        "both cuts are logged: {log}"
    );
    assert!(log.contains("dropped_bytes="), "{log}");
    server.kill();
    let _ = std::fs::remove_dir_all(&data);
    let _ = std::fs::remove_file(data.with_extension("log"));
}
