//! `minikafka watch` against a small **in-process fake cluster** of three brokers.
//!
//! minikafka is one broker, so the multi-broker paths of the watch cannot be tested
//! against it: partition leaders on different brokers, a group coordinator that is not the
//! bootstrap server, a coordinator that moves. Three tokio listeners answer the read APIs
//! from fixed data with the kafka-protocol crate, each only what a real broker in its place
//! would (a broker that is not a partition's leader answers NOT_LEADER_OR_FOLLOWER, one
//! that is not the group's coordinator NOT_COORDINATOR). The watch runs in this process
//! (`minikafka::net::watch::Watch`), and its WebSocket is read as the page reads it.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::{BufMut, Bytes, BytesMut};
use futures_util::StreamExt;
use kafka_protocol::messages::api_versions_response::ApiVersion;
use kafka_protocol::messages::describe_groups_response::{DescribedGroup, DescribedGroupMember};
use kafka_protocol::messages::list_groups_response::ListedGroup;
use kafka_protocol::messages::list_offsets_response::{
    ListOffsetsPartitionResponse, ListOffsetsTopicResponse,
};
use kafka_protocol::messages::metadata_response::{
    MetadataResponseBroker, MetadataResponsePartition, MetadataResponseTopic,
};
use kafka_protocol::messages::offset_fetch_response::{
    OffsetFetchResponsePartition, OffsetFetchResponseTopic,
};
use kafka_protocol::messages::*;
use kafka_protocol::protocol::{Decodable, Encodable, StrBytes};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::Message;

use minikafka::group::consumer_protocol::{encode_assignment, Assignment};
use minikafka::net::security::ClientSecurity;
use minikafka::net::watch::{Watch, WatchOptions};
use minikafka::watch::{WatchConfig, READ_APIS};

fn s(x: &str) -> StrBytes {
    StrBytes::from_string(x.to_string())
}

const NOT_LEADER_OR_FOLLOWER: i16 = 6;
const NOT_COORDINATOR: i16 = 16;

/// What the fake cluster knows; tests change it while the watch runs.
struct Data {
    /// Node id and port of each broker.
    brokers: Vec<(i32, u16)>,
    /// `orders`: (leader, high watermark) per partition.
    orders: Vec<(i32, i64)>,
    /// The coordinator of group `billing`.
    coordinator: i32,
    /// `billing`'s members: (member id, partitions of `orders`).
    members: Vec<(String, Vec<i32>)>,
    committed: BTreeMap<i32, i64>,
    /// Every request: (broker, API).
    log: Vec<(i32, ApiKey)>,
    /// Connections accepted, by broker.
    connections: BTreeMap<i32, usize>,
}

type Shared = Arc<Mutex<Data>>;

/// One fake broker: accepts connections, answers each request from `data`.
async fn broker(node: i32, listener: TcpListener, data: Shared) {
    loop {
        let Ok((mut socket, _)) = listener.accept().await else {
            return;
        };
        *data.lock().unwrap().connections.entry(node).or_default() += 1;
        let data = data.clone();
        tokio::spawn(async move {
            loop {
                let mut len = [0u8; 4];
                if socket.read_exact(&mut len).await.is_err() {
                    return;
                }
                let mut frame = vec![0u8; u32::from_be_bytes(len) as usize];
                socket.read_exact(&mut frame).await.unwrap();
                let key = ApiKey::try_from(i16::from_be_bytes([frame[0], frame[1]])).unwrap();
                let version = i16::from_be_bytes([frame[2], frame[3]]);
                let mut body = Bytes::from(frame);
                let header =
                    RequestHeader::decode(&mut body, key.request_header_version(version)).unwrap();
                let request = RequestKind::decode(key, &mut body, version).unwrap();
                let response = answer(node, request, &mut data.lock().unwrap());
                let mut out = BytesMut::new();
                ResponseHeader::default()
                    .with_correlation_id(header.correlation_id)
                    .encode(&mut out, key.response_header_version(version))
                    .unwrap();
                response.encode(&mut out, version).unwrap();
                let mut framed = BytesMut::new();
                framed.put_u32(out.len() as u32);
                framed.extend_from_slice(&out);
                if socket.write_all(&framed).await.is_err() {
                    return;
                }
            }
        });
    }
}

fn answer(node: i32, request: RequestKind, d: &mut Data) -> ResponseKind {
    match request {
        RequestKind::ApiVersions(_) => {
            d.log.push((node, ApiKey::ApiVersions));
            // Every API a client may need, at the versions Kafka 3.x serves.
            let keys = [
                (ApiKey::Produce, 9),
                (ApiKey::Fetch, 13),
                (ApiKey::ListOffsets, 8),
                (ApiKey::Metadata, 12),
                (ApiKey::OffsetCommit, 8),
                (ApiKey::OffsetFetch, 8),
                (ApiKey::FindCoordinator, 4),
                (ApiKey::JoinGroup, 9),
                (ApiKey::Heartbeat, 4),
                (ApiKey::LeaveGroup, 5),
                (ApiKey::SyncGroup, 5),
                (ApiKey::DescribeGroups, 5),
                (ApiKey::ListGroups, 4),
                (ApiKey::ApiVersions, 3),
            ];
            ResponseKind::ApiVersions(
                ApiVersionsResponse::default().with_api_keys(
                    keys.iter()
                        .map(|(k, max)| {
                            ApiVersion::default()
                                .with_api_key(*k as i16)
                                .with_min_version(0)
                                .with_max_version(*max)
                        })
                        .collect(),
                ),
            )
        }
        RequestKind::Metadata(_) => {
            d.log.push((node, ApiKey::Metadata));
            ResponseKind::Metadata(
                MetadataResponse::default()
                    .with_controller_id(BrokerId(1))
                    .with_brokers(
                        d.brokers
                            .iter()
                            .map(|(id, port)| {
                                MetadataResponseBroker::default()
                                    .with_node_id(BrokerId(*id))
                                    .with_host(s("127.0.0.1"))
                                    .with_port(i32::from(*port))
                            })
                            .collect(),
                    )
                    .with_topics(vec![MetadataResponseTopic::default()
                        .with_name(Some(TopicName(s("orders"))))
                        .with_partitions(
                            d.orders
                                .iter()
                                .enumerate()
                                .map(|(i, (leader, _))| {
                                    MetadataResponsePartition::default()
                                        .with_partition_index(i as i32)
                                        .with_leader_id(BrokerId(*leader))
                                })
                                .collect(),
                        )]),
            )
        }
        RequestKind::ListOffsets(r) => {
            d.log.push((node, ApiKey::ListOffsets));
            ResponseKind::ListOffsets(
                ListOffsetsResponse::default().with_topics(
                    r.topics
                        .iter()
                        .map(|t| {
                            ListOffsetsTopicResponse::default()
                                .with_name(t.name.clone())
                                .with_partitions(
                                    t.partitions
                                        .iter()
                                        .map(|p| {
                                            let (leader, hw) = d.orders[p.partition_index as usize];
                                            let a = ListOffsetsPartitionResponse::default()
                                                .with_partition_index(p.partition_index);
                                            if leader != node {
                                                a.with_error_code(NOT_LEADER_OR_FOLLOWER)
                                            } else {
                                                a.with_offset(if p.timestamp == -2 {
                                                    0
                                                } else {
                                                    hw
                                                })
                                            }
                                        })
                                        .collect(),
                                )
                        })
                        .collect(),
                ),
            )
        }
        RequestKind::ListGroups(_) => {
            d.log.push((node, ApiKey::ListGroups));
            let groups = if d.coordinator == node {
                vec![ListedGroup::default()
                    .with_group_id(GroupId(s("billing")))
                    .with_protocol_type(s("consumer"))
                    .with_group_state(s("Stable"))]
            } else {
                Vec::new()
            };
            ResponseKind::ListGroups(ListGroupsResponse::default().with_groups(groups))
        }
        RequestKind::FindCoordinator(_) => {
            d.log.push((node, ApiKey::FindCoordinator));
            let port = d.brokers.iter().find(|b| b.0 == d.coordinator).unwrap().1;
            ResponseKind::FindCoordinator(
                FindCoordinatorResponse::default()
                    .with_node_id(BrokerId(d.coordinator))
                    .with_host(s("127.0.0.1"))
                    .with_port(i32::from(port)),
            )
        }
        RequestKind::DescribeGroups(_) => {
            d.log.push((node, ApiKey::DescribeGroups));
            let g = DescribedGroup::default().with_group_id(GroupId(s("billing")));
            let g = if d.coordinator != node {
                g.with_error_code(NOT_COORDINATOR)
            } else {
                g.with_group_state(s("Stable"))
                    .with_protocol_type(s("consumer"))
                    .with_protocol_data(s("range"))
                    .with_members(
                        d.members
                            .iter()
                            .map(|(id, parts)| {
                                DescribedGroupMember::default()
                                    .with_member_id(s(id))
                                    .with_client_id(s(&format!("client-{id}")))
                                    .with_client_host(s("/10.1.2.3"))
                                    .with_member_assignment(encode_assignment(&Assignment {
                                        partitions: vec![minikafka::event::TopicPartitions {
                                            topic: "orders".into(),
                                            partitions: parts.clone(),
                                        }],
                                        user_data: None,
                                    }))
                            })
                            .collect(),
                    )
            };
            ResponseKind::DescribeGroups(DescribeGroupsResponse::default().with_groups(vec![g]))
        }
        RequestKind::OffsetFetch(_) => {
            d.log.push((node, ApiKey::OffsetFetch));
            if d.coordinator != node {
                return ResponseKind::OffsetFetch(
                    OffsetFetchResponse::default().with_error_code(NOT_COORDINATOR),
                );
            }
            ResponseKind::OffsetFetch(OffsetFetchResponse::default().with_topics(vec![
                OffsetFetchResponseTopic::default()
                    .with_name(TopicName(s("orders")))
                    .with_partitions(
                        d.committed
                            .iter()
                            .map(|(p, o)| {
                                OffsetFetchResponsePartition::default()
                                    .with_partition_index(*p)
                                    .with_committed_offset(*o)
                            })
                            .collect(),
                    ),
            ]))
        }
        other => panic!("the watch sent {other:?}: not a read it should send"),
    }
}

/// Wait (at most 10 s) until a message satisfies `pred`.
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
async fn leaders_and_coordinators_on_different_brokers() {
    let mut listeners = Vec::new();
    for _ in 0..3 {
        listeners.push(TcpListener::bind("127.0.0.1:0").await.unwrap());
    }
    let ports: Vec<u16> = listeners
        .iter()
        .map(|l| l.local_addr().unwrap().port())
        .collect();
    let data: Shared = Arc::new(Mutex::new(Data {
        brokers: vec![(1, ports[0]), (2, ports[1]), (3, ports[2])],
        orders: vec![(1, 10), (2, 20), (3, 30)],
        coordinator: 2,
        members: vec![("m1".into(), vec![0, 1]), ("m2".into(), vec![2])],
        committed: [(0, 5), (1, 20)].into_iter().collect(),
        log: Vec::new(),
        connections: BTreeMap::new(),
    }));
    for (i, listener) in listeners.into_iter().enumerate() {
        tokio::spawn(broker(i as i32 + 1, listener, data.clone()));
    }
    let watch = Watch::bind(
        "127.0.0.1:0".parse::<SocketAddr>().unwrap(),
        "/nonexistent".into(),
    )
    .await
    .unwrap();
    let http = watch.http_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let options = WatchOptions {
        // Only broker 1: the others are learnt from Metadata.
        bootstrap: vec![format!("127.0.0.1:{}", ports[0])],
        config: WatchConfig::every(200),
        security: ClientSecurity::default(),
        client_id: "fake-cluster-test".into(),
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

    // The snapshot: three brokers, each partition's leader, the group from its coordinator.
    let snapshot = until(&messages, "a snapshot of the cluster", |m| {
        m["type"] == "snapshot" && m["brokers"].as_array().is_some_and(|b| b.len() == 3)
    })
    .await;
    let partitions = snapshot["topics"][0]["partitions"].as_array().unwrap();
    let leaders: Vec<i64> = partitions
        .iter()
        .map(|p| p["leader"].as_i64().unwrap())
        .collect();
    assert_eq!(leaders, [1, 2, 3]);
    let hws: Vec<i64> = partitions
        .iter()
        .map(|p| p["high_watermark"].as_i64().unwrap())
        .collect();
    assert_eq!(hws, [10, 20, 30], "each from its leader");
    let group = &snapshot["groups"][0];
    assert_eq!(group["group_id"], "billing");
    assert_eq!(group["members"].as_array().unwrap().len(), 2);
    assert_eq!(group["committed"].as_array().unwrap().len(), 2);
    assert_eq!(
        snapshot["brokers"][1]["address"],
        format!("127.0.0.1:{}", ports[1])
    );

    // A few more rounds: still one connection per broker.
    let rounds = |m: &Vec<Value>| m.iter().filter(|v| v["type"] == "watch").count();
    let before = rounds(&messages.lock().unwrap());
    while rounds(&messages.lock().unwrap()) < before + 3 {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    {
        let d = data.lock().unwrap();
        assert_eq!(
            d.connections,
            [(1, 1), (2, 1), (3, 1)].into_iter().collect(),
            "one connection per broker, reused"
        );
        for (node, api) in &d.log {
            assert!(READ_APIS.contains(api), "{api:?} sent to {node}");
            if matches!(api, ApiKey::DescribeGroups | ApiKey::OffsetFetch) {
                assert_eq!(*node, 2, "{api:?} goes to the coordinator");
            }
        }
        for node in [1, 2, 3] {
            assert!(
                d.log.contains(&(node, ApiKey::ListOffsets)),
                "leader {node}"
            );
            assert!(d.log.contains(&(node, ApiKey::ListGroups)), "broker {node}");
        }
        assert_eq!(
            d.log
                .iter()
                .filter(|(_, api)| *api == ApiKey::FindCoordinator)
                .count(),
            1,
            "the coordinator is looked up once, then known"
        );
    }

    // The coordinator moves to broker 3, and a member joins there; records arrive on p2.
    {
        let mut d = data.lock().unwrap();
        d.coordinator = 3;
        d.members.push(("m3".into(), vec![]));
        d.orders[2].1 = 35;
        d.log.clear();
    }
    let joined = until(&messages, "the new member, from the new coordinator", |m| {
        m["type"] == "event"
            && m["event"]["type"] == "MemberJoined"
            && m["event"]["member_id"] == "m3"
    })
    .await;
    assert_eq!(joined["event"]["client_id"], "client-m3");
    until(&messages, "the high watermark of p2", |m| {
        m["event"]["type"] == "RecordsAppended"
            && m["event"]["partition"] == 2
            && m["event"]["log_end_offset"] == 35
    })
    .await;
    {
        let d = data.lock().unwrap();
        assert!(d.log.contains(&(3, ApiKey::DescribeGroups)));
        assert!(d.log.contains(&(3, ApiKey::OffsetFetch)));
        assert!(d.log.iter().any(|(_, api)| *api == ApiKey::FindCoordinator));
    }
    let _ = stop.send(());
    running.await.unwrap().unwrap();
}
