//! `minikafka watch` follows a KIP-848 consumer group (the `consumer` protocol) of a real
//! minikafka server: ListGroups v5 says its type, ConsumerGroupDescribe describes it at
//! its coordinator, and the page gets the group epoch as its generation, its members with
//! their assignments, and a member that joins later as an event. Several monitoring tools
//! show such groups as DEAD; the watch must not.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use kafka_protocol::messages::*;
use kafka_protocol::protocol::StrBytes;
use serde_json::Value;
use tokio_tungstenite::tungstenite::Message;

use minikafka::net::security::ClientSecurity;
use minikafka::net::watch::{Watch, WatchOptions};
use minikafka::net::ServerConfig;
use minikafka::watch::WatchConfig;
use minikafka_tests::{test_config, Client, TestServer};

fn s(x: &str) -> StrBytes {
    StrBytes::from_string(x.to_string())
}

/// Join (or heartbeat in) group `kip` as a KIP-848 member subscribed to `orders`.
async fn heartbeat(c: &mut Client, member_id: &str, epoch: i32) -> ConsumerGroupHeartbeatResponse {
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
    r
}

async fn until(log: &Arc<Mutex<Vec<Value>>>, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(v) = log.lock().unwrap().iter().find(|v| pred(v)) {
            return v.clone();
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kip848_group_is_described_with_its_epoch_and_members() {
    let server = TestServer::memory(test_config(), ServerConfig::default()).await;
    let mut admin = Client::connect(server.addr, "admin").await;
    let created = admin
        .call(
            CreateTopicsRequest::default().with_topics(vec![
                create_topics_request::CreatableTopic::default()
                    .with_name(TopicName(s("orders")))
                    .with_num_partitions(2)
                    .with_replication_factor(1),
            ]),
            5,
        )
        .await;
    assert_eq!(created.topics[0].error_code, 0);
    let mut first = Client::connect(server.addr, "kip-a").await;
    let joined = heartbeat(&mut first, "", 0).await;
    let a = joined.member_id.clone().unwrap().to_string();

    let watch = Watch::bind(
        "127.0.0.1:0".parse::<SocketAddr>().unwrap(),
        "/nonexistent".into(),
    )
    .await
    .unwrap();
    let http = watch.http_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let options = WatchOptions {
        bootstrap: vec![server.addr.to_string()],
        config: WatchConfig::every(200),
        security: ClientSecurity::default(),
        client_id: "kip848-watch".into(),
    };
    let running = tokio::spawn(watch.run(options, async {
        let _ = stopped.await;
    }));
    let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://{http}/live"))
        .await
        .unwrap();
    let messages: Arc<Mutex<Vec<Value>>> = Arc::default();
    let filled = messages.clone();
    tokio::spawn(async move {
        while let Some(Ok(Message::Text(text))) = ws.next().await {
            filled
                .lock()
                .unwrap()
                .push(serde_json::from_str(&text).unwrap());
        }
    });

    let snapshot = until(&messages, "the KIP-848 group", |m| {
        m["type"] == "snapshot"
            && m["groups"]
                .as_array()
                .is_some_and(|gs| gs.iter().any(|g| g["group_id"] == "kip"))
    })
    .await;
    let group = snapshot["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["group_id"] == "kip")
        .unwrap();
    assert_ne!(group["state"], "Dead");
    assert_eq!(group["protocol_type"], "consumer");
    assert_eq!(group["protocol"], "uniform", "the broker's assignor");
    assert!(
        group["generation"].as_i64().unwrap() >= 1,
        "the group epoch"
    );
    let members = group["members"].as_array().unwrap();
    assert_eq!(members.len(), 1);
    assert_eq!(members[0]["member_id"], a.as_str());
    assert_eq!(members[0]["client_id"], "kip-a");
    let owned: usize = members[0]["assignment"]
        .as_array()
        .unwrap()
        .iter()
        .map(|tp| tp["partitions"].as_array().unwrap().len())
        .sum();
    assert_eq!(owned, 2, "both partitions, assigned by the broker");
    // The epochs the page draws: the group epoch, a's member epoch, owned and target.
    let epochs = &group["epochs"];
    assert_eq!(epochs["group_epoch"], group["generation"]);
    let ea = &epochs["members"][0];
    assert_eq!(ea["member_id"], a.as_str());
    assert!(ea["member_epoch"].as_i64().unwrap() >= 1, "{ea}");
    assert_eq!(ea["owned"], ea["target"], "reconciled: owns its target");
    // The kept samples came on connecting: frames of the hour, each a snapshot.
    let history = until(&messages, "the history", |m| m["type"] == "history").await;
    assert!(history["samples"].as_array().is_some());

    // A second member joins: an event, and the epoch goes up.
    let mut second = Client::connect(server.addr, "kip-b").await;
    let b = heartbeat(&mut second, "", 0).await;
    let b = b.member_id.unwrap().to_string();
    let joined = until(&messages, "the second member", |m| {
        m["event"]["type"] == "MemberJoined" && m["event"]["member_id"] == b.as_str()
    })
    .await;
    assert_eq!(joined["event"]["group"], "kip");
    assert_eq!(joined["event"]["client_id"], "kip-b");
    let epoch = until(&messages, "a new group epoch", |m| {
        m["event"]["type"] == "GenerationStarted" && m["event"]["group"] == "kip"
    })
    .await;
    assert!(epoch["event"]["generation"].as_i64().unwrap() > group["generation"].as_i64().unwrap());
    // The epochs follow: b is in them with a target of its own.
    let b_in_epochs = until(&messages, "b in the group's epochs", |m| {
        m["type"] == "epochs"
            && m["group"] == "kip"
            && m["epochs"]["members"].as_array().is_some_and(|ms| {
                ms.iter().any(|x| {
                    x["member_id"] == b.as_str()
                        && x["target"].as_array().is_some_and(|t| !t.is_empty())
                })
            })
    })
    .await;
    assert!(
        b_in_epochs["epochs"]["group_epoch"].as_i64().unwrap()
            > group["generation"].as_i64().unwrap()
    );
    let _ = stop.send(());
    running.await.unwrap().unwrap();
}
