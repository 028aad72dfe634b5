//! Live mode, server side: a WebSocket viewer gets a snapshot, then the events of what real
//! clients do through the Kafka port; a viewer that never reads costs bounded memory and
//! does not delay produce acknowledgements; the page's files are served.

use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use futures_util::{SinkExt, StreamExt};
use kafka_protocol::messages::offset_commit_request::{
    OffsetCommitRequestPartition, OffsetCommitRequestTopic,
};
use kafka_protocol::messages::produce_request::{PartitionProduceData, TopicProduceData};
use kafka_protocol::messages::*;
use kafka_protocol::protocol::StrBytes;
use kafka_protocol::records::Compression;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::Message;

use minikafka::wire::encode_records;
use minikafka::Record;
use minikafka_tests::{join_request, test_config, Client, TempDir, TestServer};

fn s(x: &str) -> StrBytes {
    StrBytes::from_string(x.to_string())
}

async fn produce(c: &mut Client, topic: &str, value: &str) -> i16 {
    let mut records = BytesMut::new();
    encode_records(
        &mut records,
        0,
        &[Record::from_value(value.to_string(), 1)],
        Compression::None,
    );
    let r = c
        .call(
            ProduceRequest::default()
                .with_acks(-1)
                .with_timeout_ms(5000)
                .with_topic_data(vec![TopicProduceData::default()
                    .with_name(TopicName(s(topic)))
                    .with_partition_data(vec![PartitionProduceData::default()
                        .with_index(0)
                        .with_records(Some(records.freeze()))])]),
            9,
        )
        .await;
    r.responses[0].partition_responses[0].error_code
}

/// One Produce request with a batch for each of `partitions` partitions: as many events.
async fn produce_wide(c: &mut Client, topic: &str, partitions: i32, value: &str) {
    let mut records = BytesMut::new();
    encode_records(
        &mut records,
        0,
        &[Record::from_value(value.to_string(), 1)],
        Compression::None,
    );
    let records = records.freeze();
    let r = c
        .call(
            ProduceRequest::default()
                .with_acks(-1)
                .with_timeout_ms(5000)
                .with_topic_data(vec![TopicProduceData::default()
                    .with_name(TopicName(s(topic)))
                    .with_partition_data(
                        (0..partitions)
                            .map(|p| {
                                PartitionProduceData::default()
                                    .with_index(p)
                                    .with_records(Some(records.clone()))
                            })
                            .collect(),
                    )]),
            9,
        )
        .await;
    assert!(r.responses[0]
        .partition_responses
        .iter()
        .all(|p| p.error_code == 0));
}

/// Create `topic` the way a producer does: Metadata with auto-creation allowed.
async fn create_by_metadata(c: &mut Client, topic: &str) {
    let _ = c
        .call(
            MetadataRequest::default()
                .with_topics(Some(vec![metadata_request::MetadataRequestTopic::default(
                )
                .with_name(Some(TopicName(s(topic))))]))
                .with_allow_auto_topic_creation(true),
            9,
        )
        .await;
}

/// Read messages until one satisfies `pred`, or fail after 10 s.
async fn until<S>(ws: &mut S, what: &str, pred: impl Fn(&Value) -> bool) -> Value
where
    S: StreamExt<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let msg = tokio::time::timeout(left, ws.next())
            .await
            .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
            .expect("stream open")
            .expect("message");
        if let Message::Text(text) = msg {
            let v: Value = serde_json::from_str(&text).unwrap();
            if pred(&v) {
                return v;
            }
        }
    }
}

fn event_type(v: &Value) -> &str {
    v["event"]["type"].as_str().unwrap_or("")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_viewer_gets_a_snapshot_then_produce_join_and_commit_events() {
    let dist = TempDir::new("dist");
    std::fs::write(dist.0.join("index.html"), "<html>minikafka</html>").unwrap();
    let server = TestServer::memory_live(test_config(), &dist.0).await;
    let http = server.http.unwrap();
    let mut c = Client::connect(server.addr, "live-producer").await;
    assert_eq!(
        produce(&mut c, "before", "x").await,
        3,
        "no auto-create on produce"
    );
    create_by_metadata(&mut c, "orders").await;
    assert_eq!(produce(&mut c, "orders", "first").await, 0);

    let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://{http}/live"))
        .await
        .expect("websocket");
    let snap = until(&mut ws, "the snapshot", |v| v["type"] == "snapshot").await;
    let orders = &snap["topics"][0];
    assert_eq!(orders["name"], "orders");
    assert_eq!(orders["partitions"][0]["high_watermark"], 1);

    assert_eq!(produce(&mut c, "orders", "second").await, 0);
    let appended = until(&mut ws, "the append", |v| {
        event_type(v) == "RecordsAppended"
    })
    .await;
    assert_eq!(appended["event"]["topic"], "orders");
    assert_eq!(appended["event"]["client_id"], "live-producer");

    // A member joins (MEMBER_ID_REQUIRED, then the real join), syncs and commits.
    let join = |member: &str| join_request("viewers", member, Bytes::new());
    let mut m = Client::connect(server.addr, "live-member").await;
    let first = m.call(join(""), 5).await;
    let joined = m.call(join(first.member_id.as_str()), 5).await;
    assert_eq!(joined.error_code, 0);
    until(&mut ws, "the join", |v| event_type(v) == "MemberJoined").await;
    let _ = m
        .call(
            SyncGroupRequest::default()
                .with_group_id(GroupId(s("viewers")))
                .with_generation_id(joined.generation_id)
                .with_member_id(joined.member_id.clone()),
            3,
        )
        .await;
    let commit = m
        .call(
            OffsetCommitRequest::default()
                .with_group_id(GroupId(s("viewers")))
                .with_generation_id_or_member_epoch(joined.generation_id)
                .with_member_id(joined.member_id.clone())
                .with_topics(vec![OffsetCommitRequestTopic::default()
                    .with_name(TopicName(s("orders")))
                    .with_partitions(vec![OffsetCommitRequestPartition::default()
                        .with_partition_index(0)
                        .with_committed_offset(2)])]),
            7,
        )
        .await;
    assert_eq!(commit.topics[0].partitions[0].error_code, 0);
    let committed = until(&mut ws, "the commit", |v| {
        event_type(v) == "OffsetCommitted"
    })
    .await;
    assert_eq!(committed["event"]["offset"], 2);

    // A second viewer, independent, sees the group in its snapshot.
    let (mut ws2, _) = tokio_tungstenite::connect_async(format!("ws://{http}/live"))
        .await
        .unwrap();
    let snap = until(&mut ws2, "the second snapshot", |v| v["type"] == "snapshot").await;
    let group = &snap["groups"][0];
    assert_eq!(group["group_id"], "viewers");
    assert_eq!(group["members"][0]["client_id"], "live-member");
    assert_eq!(group["committed"][0]["offset"], 2);
    ws.close(None).await.unwrap();
    ws2.close(None).await.unwrap();

    // The page's files come from dist/, and nothing outside it.
    let page = http_get(http, "/").await;
    assert!(
        page.starts_with("HTTP/1.1 200") && page.contains("minikafka"),
        "{page}"
    );
    let outside = http_get(http, "/../Cargo.toml").await;
    assert!(outside.starts_with("HTTP/1.1 404"), "{outside}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_viewer_that_never_reads_neither_grows_memory_nor_delays_acks() {
    let dist = TempDir::new("dist-slow");
    let server = TestServer::memory_live(test_config(), &dist.0).await;
    let http = server.http.unwrap();
    let mut c = Client::connect(server.addr, "fast-producer").await;
    let created = c
        .call(
            CreateTopicsRequest::default().with_topics(vec![
                create_topics_request::CreatableTopic::default()
                    .with_name(TopicName(s("busy")))
                    .with_num_partitions(64)
                    .with_replication_factor(1),
            ]),
            5,
        )
        .await;
    assert_eq!(created.topics[0].error_code, 0);
    // A viewer that connects and then never reads a byte.
    let (stalled, _) = tokio_tungstenite::connect_async(format!("ws://{http}/live"))
        .await
        .unwrap();
    let baseline = {
        let started = Instant::now();
        for i in 0..50 {
            produce_wide(&mut c, "busy", 64, &format!("warm {i}")).await;
        }
        started.elapsed() / 50
    };
    let rss_before = rss_mb();
    let started = Instant::now();
    // 2,000 requests of 64 batches: 128,000 events, far more than the socket buffers and
    // the event buffer hold.
    let n = 2_000;
    for i in 0..n {
        produce_wide(&mut c, "busy", 64, &format!("record {i}")).await;
    }
    let per_ack = started.elapsed() / n;
    let rss_after = rss_mb();
    eprintln!(
        "acks: {baseline:?} each before, {per_ack:?} each with a stalled viewer over \
         {} events; this process's RSS {rss_before:.0} -> {rss_after:.0} MB",
        n * 64
    );
    // The broker never waits for the viewer: acks stay in the same range (generous bound,
    // the machine is shared), and memory does not grow with the events it did not read.
    assert!(
        per_ack < baseline * 20 + Duration::from_millis(5),
        "{per_ack:?}"
    );
    assert!(
        rss_after - rss_before < 64.0,
        "{rss_before} -> {rss_after} MB"
    );
    // The stalled viewer, read at last, is told it missed events and gets a fresh snapshot.
    let mut stalled = stalled;
    let missed = until(&mut stalled, "the missed notice", |v| v["type"] == "missed").await;
    assert!(missed["count"].as_u64().unwrap() > 0);
    let snap = until(&mut stalled, "the fresh snapshot", |v| {
        v["type"] == "snapshot"
    })
    .await;
    assert_eq!(snap["topics"][0]["partitions"][0]["high_watermark"], 50 + n);
    server.stop().await;
}

fn rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse::<f64>().ok())
        .unwrap()
        / 1024.0
}

async fn http_get(addr: std::net::SocketAddr, path: &str) -> String {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(
            format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes(),
        )
        .await
        .unwrap();
    let mut out = String::new();
    stream.read_to_string(&mut out).await.unwrap();
    out
}

/// An admin answer and the event it caused: they travel separately, either may come first.
async fn answer_and_event<S>(ws: &mut S, event: &str) -> (Value, Value)
where
    S: StreamExt<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    let (mut answer, mut seen) = (None, None);
    while answer.is_none() || seen.is_none() {
        let v = until(ws, event, |v| {
            v["type"] == "admin_result" || event_type(v) == event
        })
        .await;
        if v["type"] == "admin_result" {
            answer = Some(v);
        } else {
            seen = Some(v);
        }
    }
    (answer.unwrap(), seen.unwrap())
}

/// Admin requests: refused by a read-only server (the default), carried out with
/// `--http-admin`, their effects seen as ordinary events.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_requests_are_refused_by_default_and_carried_out_with_http_admin() {
    let dist = TempDir::new("dist");
    std::fs::write(dist.0.join("index.html"), "<html>minikafka</html>").unwrap();
    for admin in [false, true] {
        let server = if admin {
            TestServer::memory_live_admin(test_config(), &dist.0).await
        } else {
            TestServer::memory_live(test_config(), &dist.0).await
        };
        let mut c = Client::connect(server.addr, "ops").await;
        create_by_metadata(&mut c, "orders").await;
        for v in ["a", "b", "c"] {
            assert_eq!(produce(&mut c, "orders", v).await, 0);
        }
        let (mut ws, _) =
            tokio_tungstenite::connect_async(format!("ws://{}/live", server.http.unwrap()))
                .await
                .expect("websocket");
        let hello = until(&mut ws, "hello", |_| true).await;
        assert_eq!(hello["type"], "hello", "the first message");
        assert_eq!(hello["admin"], admin);
        assert_eq!(
            hello["bootstrap"],
            format!("127.0.0.1:{}", server.addr.port()),
            "the address Kafka clients use"
        );
        let ask = |text: &str| Message::Text(text.to_string().into());
        ws.send(ask(
            r#"{"action":"reset_offsets","group":"ops","topic":"orders","to":"latest"}"#,
        ))
        .await
        .unwrap();
        if !admin {
            let answer = until(&mut ws, "the refusal", |v| v["type"] == "admin_result").await;
            // Nothing changed.
            assert_eq!(produce(&mut c, "orders", "d").await, 0);
            assert_eq!(answer["ok"], false);
            assert!(answer["message"].as_str().unwrap().contains("--http-admin"));
            continue;
        }
        let (answer, committed) = answer_and_event(&mut ws, "OffsetCommitted").await;
        assert_eq!(answer["ok"], true, "{answer}");
        assert_eq!(committed["event"]["offset"], 3);
        ws.send(ask(r#"{"action":"delete_topic","topic":"orders"}"#))
            .await
            .unwrap();
        let (answer, _) = answer_and_event(&mut ws, "TopicDeleted").await;
        assert_eq!(answer["ok"], true, "{answer}");
        ws.send(ask("{nonsense")).await.unwrap();
        let answer = until(&mut ws, "the refusal", |v| v["type"] == "admin_result").await;
        assert_eq!(answer["ok"], false);
        assert!(answer["message"]
            .as_str()
            .unwrap()
            .contains("not an admin request"));
        // The topic is gone for Kafka clients too.
        assert_eq!(produce(&mut c, "orders", "d").await, 3);
    }
}

/// Any web page can open a WebSocket to 127.0.0.1: with `--http-admin`, admin actions are
/// still only taken from the page the server served (same Origin), never from another site.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_requests_from_another_origin_are_refused() {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let dist = TempDir::new("dist");
    std::fs::write(dist.0.join("index.html"), "<html>minikafka</html>").unwrap();
    let server = TestServer::memory_live_admin(test_config(), &dist.0).await;
    let http = server.http.unwrap();
    let mut c = Client::connect(server.addr, "ops").await;
    create_by_metadata(&mut c, "orders").await;
    for (origin, allowed) in [
        ("http://evil.example".to_string(), false),
        (format!("http://127.0.0.1:{}", http.port() + 1), false),
        (format!("http://{http}"), true),
    ] {
        let mut request = format!("ws://{http}/live").into_client_request().unwrap();
        request
            .headers_mut()
            .insert("Origin", origin.parse().unwrap());
        let (mut ws, _) = tokio_tungstenite::connect_async(request)
            .await
            .expect("websocket");
        let hello = until(&mut ws, "hello", |v| v["type"] == "hello").await;
        assert_eq!(hello["admin"], allowed, "{origin}");
        ws.send(Message::Text(
            r#"{"action":"reset_offsets","group":"ops","topic":"orders","to":"latest"}"#.into(),
        ))
        .await
        .unwrap();
        let answer = until(&mut ws, "the answer", |v| v["type"] == "admin_result").await;
        assert_eq!(answer["ok"], allowed, "{origin}: {answer}");
        if !allowed {
            assert!(answer["message"]
                .as_str()
                .unwrap()
                .contains("another origin"));
        }
    }
}

/// Join (or heartbeat in) group `kip` as a KIP-848 member subscribed to `orders`.
async fn kip848_heartbeat(c: &mut Client, member_id: &str, epoch: i32) -> String {
    let r = c
        .call(
            ConsumerGroupHeartbeatRequest::default()
                .with_group_id(GroupId(s("kip")))
                .with_member_id(s(member_id))
                .with_member_epoch(epoch)
                .with_rebalance_timeout_ms(30_000)
                .with_subscribed_topic_names(Some(vec![TopicName(s("orders"))]))
                .with_topic_partitions(Some(Vec::new())),
            0,
        )
        .await;
    assert_eq!(r.error_code, 0, "{r:?}");
    r.member_id.unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_viewer_gets_a_kip848_groups_epochs_as_they_move() {
    let dist = TempDir::new("dist-kip848");
    let server = TestServer::memory_live(test_config(), &dist.0).await;
    let http = server.http.unwrap();
    let mut c = Client::connect(server.addr, "admin").await;
    create_by_metadata(&mut c, "orders").await;
    let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://{http}/live"))
        .await
        .expect("websocket");
    until(&mut ws, "the snapshot", |v| v["type"] == "snapshot").await;
    let mut first = Client::connect(server.addr, "kip-a").await;
    let a = kip848_heartbeat(&mut first, "", 0).await;
    // No event carries member epochs: an `epochs` message does.
    let epochs = until(&mut ws, "a's epochs", |v| {
        v["type"] == "epochs" && v["group"] == "kip"
    })
    .await;
    let ea = &epochs["epochs"]["members"][0];
    assert_eq!(ea["member_id"], a.as_str());
    assert!(ea["member_epoch"].as_i64().unwrap() >= 1, "{epochs}");
    assert_eq!(ea["owned"], ea["target"], "nobody else held them: {epochs}");
    let group_epoch = epochs["epochs"]["group_epoch"].as_i64().unwrap();
    // b joins: a higher group epoch, b's target is not owned yet.
    let mut second = Client::connect(server.addr, "kip-b").await;
    let b = kip848_heartbeat(&mut second, "", 0).await;
    let moved = until(&mut ws, "b in the epochs", |v| {
        v["type"] == "epochs"
            && v["epochs"]["members"]
                .as_array()
                .is_some_and(|ms| ms.iter().any(|m| m["member_id"] == b.as_str()))
    })
    .await;
    assert!(moved["epochs"]["group_epoch"].as_i64().unwrap() > group_epoch);
    // A viewer connecting now gets the epochs in its snapshot.
    let (mut ws2, _) = tokio_tungstenite::connect_async(format!("ws://{http}/live"))
        .await
        .unwrap();
    let snap = until(&mut ws2, "the second snapshot", |v| v["type"] == "snapshot").await;
    let group = snap["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["group_id"] == "kip")
        .unwrap();
    assert_eq!(group["epochs"]["members"].as_array().unwrap().len(), 2);
    server.stop().await;
}
