//! The sampler driven by hand: time and answers passed in, no sockets. A small cluster of
//! fixed data (`Fixture`) answers each request the way Kafka does, including the errors of
//! a broker that is not the leader or not the coordinator, so the multi-broker paths are
//! exercised: partition leaders and group coordinators on different brokers.

use std::collections::BTreeMap;
use std::sync::Arc;

use kafka_protocol::messages::consumer_group_describe_response as cgd;
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
use kafka_protocol::messages::{
    ApiKey, BrokerId, ConsumerGroupDescribeResponse, DescribeGroupsResponse,
    FindCoordinatorResponse, GroupId, ListGroupsResponse, ListOffsetsResponse, MetadataResponse,
    OffsetFetchResponse, TopicName,
};
use kafka_protocol::protocol::StrBytes;

use super::*;
use crate::event::{Event, RemovalReason, TopicPartitions};
use crate::group::consumer_protocol::{encode_assignment, Assignment};
use crate::group::GroupState;
use crate::live::{InferredReason, LiveMessage, LiveState};
use crate::record::Millis;

fn s(x: &str) -> StrBytes {
    StrBytes::from_string(x.to_string())
}

/// A member: (member id, client id, partitions by topic).
type FixtureMember = (String, String, Vec<(String, Vec<i32>)>);

#[derive(Clone)]
struct FixtureGroup {
    coordinator: i32,
    consumer: bool,
    state: &'static str,
    epoch: i32,
    members: Vec<FixtureMember>,
    committed: BTreeMap<(String, i32), i64>,
}

/// A cluster of fixed data.
#[derive(Clone)]
struct Fixture {
    brokers: Vec<i32>,
    /// Partitions by topic: (leader, log start, high watermark).
    topics: BTreeMap<String, Vec<(i32, i64, i64)>>,
    groups: BTreeMap<String, FixtureGroup>,
    /// Every request answered: (target node, or -1 for "any"; API).
    log: Vec<(i32, ApiKey)>,
}

const NOT_LEADER_OR_FOLLOWER: i16 = 6;
const NOT_COORDINATOR: i16 = 16;

impl Fixture {
    /// Three brokers; `orders` has partition 0 led by 1, 1 by 2, 2 by 3; group `billing`
    /// is coordinated by broker 2 and reads `orders` with two members.
    fn three_brokers() -> Fixture {
        let mut topics = BTreeMap::new();
        topics.insert(
            "orders".to_string(),
            vec![(1, 0, 10), (2, 5, 20), (3, 0, 0)],
        );
        topics.insert("audit".to_string(), vec![(3, 0, 7)]);
        let mut groups = BTreeMap::new();
        groups.insert(
            "billing".to_string(),
            FixtureGroup {
                coordinator: 2,
                consumer: false,
                state: "Stable",
                epoch: 0,
                members: vec![
                    (
                        "m1".into(),
                        "c1".into(),
                        vec![("orders".into(), vec![0, 1])],
                    ),
                    ("m2".into(), "c2".into(), vec![("orders".into(), vec![2])]),
                ],
                committed: [
                    (("orders".to_string(), 0), 8),
                    (("orders".to_string(), 1), 20),
                ]
                .into_iter()
                .collect(),
            },
        );
        Fixture {
            brokers: vec![1, 2, 3],
            topics,
            groups,
            log: Vec::new(),
        }
    }

    fn group(&mut self, id: &str) -> &mut FixtureGroup {
        self.groups.get_mut(id).expect("group in the fixture")
    }

    fn answer(&mut self, target: &Target, request: &ReadRequest) -> ReadResponse {
        let node = match target {
            Target::Any => -1,
            Target::Broker { node_id, address } => {
                assert_eq!(
                    address,
                    &format!("b{node_id}:9092"),
                    "the advertised address"
                );
                *node_id
            }
        };
        self.log.push((node, request.api_key()));
        match request {
            ReadRequest::Metadata(_) => ReadResponse::Metadata(
                MetadataResponse::default()
                    .with_controller_id(BrokerId(1))
                    .with_brokers(
                        self.brokers
                            .iter()
                            .map(|b| {
                                MetadataResponseBroker::default()
                                    .with_node_id(BrokerId(*b))
                                    .with_host(s(&format!("b{b}")))
                                    .with_port(9092)
                            })
                            .collect(),
                    )
                    .with_topics(
                        self.topics
                            .iter()
                            .map(|(name, ps)| {
                                MetadataResponseTopic::default()
                                    .with_name(Some(TopicName(s(name))))
                                    .with_is_internal(name.starts_with("__"))
                                    .with_partitions(
                                        ps.iter()
                                            .enumerate()
                                            .map(|(i, (leader, _, _))| {
                                                MetadataResponsePartition::default()
                                                    .with_partition_index(i as i32)
                                                    .with_leader_id(BrokerId(*leader))
                                            })
                                            .collect(),
                                    )
                            })
                            .collect(),
                    ),
            ),
            ReadRequest::ListOffsets(r) => ReadResponse::ListOffsets(
                ListOffsetsResponse::default().with_topics(
                    r.topics
                        .iter()
                        .map(|t| {
                            let ps = &self.topics[&t.name.to_string()];
                            ListOffsetsTopicResponse::default()
                                .with_name(t.name.clone())
                                .with_partitions(
                                    t.partitions
                                        .iter()
                                        .map(|p| {
                                            let (leader, start, hw) =
                                                ps[p.partition_index as usize];
                                            let answer = ListOffsetsPartitionResponse::default()
                                                .with_partition_index(p.partition_index);
                                            if leader != node {
                                                answer.with_error_code(NOT_LEADER_OR_FOLLOWER)
                                            } else {
                                                answer.with_offset(if p.timestamp == -2 {
                                                    start
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
            ),
            ReadRequest::ListGroups(_) => ReadResponse::ListGroups(
                ListGroupsResponse::default().with_groups(
                    self.groups
                        .iter()
                        .filter(|(_, g)| g.coordinator == node)
                        .map(|(id, g)| {
                            ListedGroup::default()
                                .with_group_id(GroupId(s(id)))
                                .with_protocol_type(s("consumer"))
                                .with_group_state(s(g.state))
                                .with_group_type(s(if g.consumer { "consumer" } else { "classic" }))
                        })
                        .collect(),
                ),
            ),
            ReadRequest::FindCoordinator(r) => {
                let g = &self.groups[&r.key.to_string()];
                ReadResponse::FindCoordinator(
                    FindCoordinatorResponse::default()
                        .with_node_id(BrokerId(g.coordinator))
                        .with_host(s(&format!("b{}", g.coordinator)))
                        .with_port(9092),
                )
            }
            ReadRequest::DescribeGroups(r) => ReadResponse::DescribeGroups(
                DescribeGroupsResponse::default().with_groups(
                    r.groups
                        .iter()
                        .map(|id| {
                            let g = &self.groups[&id.to_string()];
                            let answer = DescribedGroup::default().with_group_id(id.clone());
                            if g.coordinator != node {
                                return answer.with_error_code(NOT_COORDINATOR);
                            }
                            answer
                                .with_group_state(s(g.state))
                                .with_protocol_type(s("consumer"))
                                .with_protocol_data(s("range"))
                                .with_members(
                                    g.members
                                        .iter()
                                        .map(|(m, c, a)| {
                                            DescribedGroupMember::default()
                                                .with_member_id(s(m))
                                                .with_client_id(s(c))
                                                .with_client_host(s("/10.0.0.1"))
                                                .with_member_assignment(encode_assignment(
                                                    &Assignment {
                                                        partitions: tps(a),
                                                        user_data: None,
                                                    },
                                                ))
                                        })
                                        .collect(),
                                )
                        })
                        .collect(),
                ),
            ),
            ReadRequest::ConsumerGroupDescribe(r) => ReadResponse::ConsumerGroupDescribe(
                ConsumerGroupDescribeResponse::default().with_groups(
                    r.group_ids
                        .iter()
                        .map(|id| {
                            let g = &self.groups[&id.to_string()];
                            let answer = cgd::DescribedGroup::default().with_group_id(id.clone());
                            if g.coordinator != node {
                                return answer.with_error_code(NOT_COORDINATOR);
                            }
                            answer
                                .with_group_state(s(g.state))
                                .with_group_epoch(g.epoch)
                                .with_assignment_epoch(g.epoch)
                                .with_assignor_name(s("uniform"))
                                .with_members(
                                    g.members
                                        .iter()
                                        .map(|(m, c, a)| {
                                            cgd::Member::default()
                                                .with_member_id(s(m))
                                                .with_client_id(s(c))
                                                .with_client_host(s("/10.0.0.2"))
                                                .with_member_epoch(g.epoch)
                                                .with_assignment(
                                                    cgd::Assignment::default()
                                                        .with_topic_partitions(
                                                            a.iter()
                                                                .map(|(t, ps)| {
                                                                    cgd::TopicPartitions::default()
                                                                        .with_topic_name(TopicName(
                                                                            s(t),
                                                                        ))
                                                                        .with_partitions(ps.clone())
                                                                })
                                                                .collect(),
                                                        ),
                                                )
                                        })
                                        .collect(),
                                )
                        })
                        .collect(),
                ),
            ),
            ReadRequest::OffsetFetch(r) => {
                let g = &self.groups[&r.group_id.to_string()];
                if g.coordinator != node {
                    return ReadResponse::OffsetFetch(
                        OffsetFetchResponse::default().with_error_code(NOT_COORDINATOR),
                    );
                }
                let mut by_topic: BTreeMap<&str, Vec<OffsetFetchResponsePartition>> =
                    BTreeMap::new();
                for ((t, p), o) in &g.committed {
                    by_topic.entry(t).or_default().push(
                        OffsetFetchResponsePartition::default()
                            .with_partition_index(*p)
                            .with_committed_offset(*o),
                    );
                }
                ReadResponse::OffsetFetch(
                    OffsetFetchResponse::default().with_topics(
                        by_topic
                            .into_iter()
                            .map(|(t, ps)| {
                                OffsetFetchResponseTopic::default()
                                    .with_name(TopicName(s(t)))
                                    .with_partitions(ps)
                            })
                            .collect(),
                    ),
                )
            }
        }
    }
}

fn tps(a: &[(String, Vec<i32>)]) -> Vec<TopicPartitions> {
    a.iter()
        .map(|(t, ps)| TopicPartitions {
            topic: t.clone(),
            partitions: ps.clone(),
        })
        .collect()
}

/// Run rounds until one ends, every answer arriving `delay` ms after `now`.
fn round(sampler: &mut Sampler, cluster: &mut Fixture, now: Millis, delay: Millis) -> Outcome {
    let mut out = sampler.poll(now);
    assert!(!out.is_empty(), "a round is due at {now}");
    while !out.is_empty() {
        for o in out {
            let answer = cluster.answer(&o.target, &o.request);
            sampler.handle(now + delay, o.id, Ok(answer));
        }
        out = sampler.poll(now + delay);
    }
    sampler.poll_outcome().expect("the round ended")
}

fn sampled(outcome: Outcome) -> (Vec<Event>, bool) {
    match outcome {
        Outcome::Sampled { events, resnapshot } => (events, resnapshot),
        Outcome::Failed { error } => panic!("the round failed: {error}"),
    }
}

#[test]
fn a_round_asks_each_broker_what_only_it_knows() {
    let mut cluster = Fixture::three_brokers();
    let mut sampler = Sampler::new(WatchConfig::every(1_000));
    let (events, resnapshot) = sampled(round(&mut sampler, &mut cluster, 0, 10));
    assert!(
        events.is_empty() && resnapshot,
        "the first sample is a snapshot"
    );
    let log = &cluster.log;
    assert_eq!(
        log[0],
        (-1, ApiKey::Metadata),
        "metadata first, to any broker"
    );
    for b in [1, 2, 3] {
        assert!(
            log.contains(&(b, ApiKey::ListGroups)),
            "every broker lists its groups"
        );
        assert_eq!(
            log.iter()
                .filter(|e| **e == (b, ApiKey::ListOffsets))
                .count(),
            2,
            "earliest and latest, at the leader {b}"
        );
    }
    assert!(log.contains(&(-1, ApiKey::FindCoordinator)));
    assert!(
        log.contains(&(2, ApiKey::DescribeGroups)),
        "at the coordinator"
    );
    assert!(
        log.contains(&(2, ApiKey::OffsetFetch)),
        "at the coordinator"
    );
    assert!(
        log.iter().all(|(_, api)| READ_APIS.contains(api)),
        "read APIs only: {log:?}"
    );
    let sample = sampler.latest().unwrap();
    assert_eq!(sample.brokers.len(), 3);
    let orders = &sample.topics["orders"];
    assert_eq!(
        orders.iter().map(|p| p.leader).collect::<Vec<_>>(),
        [Some(1), Some(2), Some(3)]
    );
    assert_eq!(
        (orders[1].log_start_offset, orders[1].high_watermark),
        (5, 20)
    );
    assert!(orders.iter().all(|p| !p.stale));
    let billing = &sample.groups["billing"];
    assert_eq!(billing.coordinator, Some(2));
    assert_eq!(billing.state(), GroupState::Stable);
    assert_eq!(
        billing.members["m1"].assignment,
        Some(tps(&[("orders".into(), vec![0, 1])]))
    );
    assert_eq!(billing.committed[&("orders".to_string(), 0)], 8);
    let snapshot = sample.to_snapshot(5);
    assert_eq!(snapshot.brokers.len(), 3);
    assert_eq!(snapshot.topics[1].partitions[2].leader, Some(3));
}

#[test]
fn the_coordinator_is_found_once_and_again_after_it_moved() {
    let mut cluster = Fixture::three_brokers();
    let mut sampler = Sampler::new(WatchConfig::every(1_000));
    sampled(round(&mut sampler, &mut cluster, 0, 10));
    cluster.log.clear();
    sampled(round(&mut sampler, &mut cluster, 1_000, 10));
    assert!(
        !cluster
            .log
            .iter()
            .any(|(_, api)| *api == ApiKey::FindCoordinator),
        "known from the previous round"
    );
    // The coordinator moves to broker 3: broker 2 answers NOT_COORDINATOR.
    cluster.group("billing").coordinator = 3;
    cluster.group("billing").members.pop();
    let (events, _) = sampled(round(&mut sampler, &mut cluster, 2_000, 10));
    assert!(
        events.is_empty(),
        "a group not described is carried, not emptied: {events:?}"
    );
    assert!(sampler.latest().unwrap().groups["billing"].stale);
    cluster.log.clear();
    let (events, _) = sampled(round(&mut sampler, &mut cluster, 3_000, 10));
    assert!(
        cluster.log.contains(&(-1, ApiKey::FindCoordinator)),
        "looked up again"
    );
    assert!(cluster.log.contains(&(3, ApiKey::DescribeGroups)));
    assert!(events.iter().any(|e| matches!(
        e,
        Event::MemberRemoved { member_id, reason: RemovalReason::Unobserved, .. } if member_id == "m2"
    )));
    assert_eq!(
        sampler.latest().unwrap().groups["billing"].coordinator,
        Some(3)
    );
}

#[test]
fn changes_between_samples_are_the_live_views_events() {
    let mut cluster = Fixture::three_brokers();
    let mut sampler = Sampler::new(WatchConfig::every(1_000));
    sampled(round(&mut sampler, &mut cluster, 0, 10));
    let first = sampler.latest().unwrap().clone();
    // A third member joins and takes partition 1; commits and the high watermark move.
    let g = cluster.group("billing");
    g.members[0].2 = vec![("orders".into(), vec![0])];
    g.members
        .push(("m3".into(), "c3".into(), vec![("orders".into(), vec![1])]));
    g.committed.insert(("orders".into(), 0), 10);
    cluster.topics.get_mut("orders").unwrap()[2].2 = 4;
    let (events, resnapshot) = sampled(round(&mut sampler, &mut cluster, 1_000, 10));
    assert!(!resnapshot, "everything had an event: {events:?}");
    let kinds: Vec<&str> = events
        .iter()
        .map(|e| match e {
            Event::MemberJoined { .. } => "joined",
            Event::GenerationStarted { .. } => "generation",
            Event::AssignmentCompleted { .. } => "assigned",
            Event::OffsetCommitted { .. } => "committed",
            Event::RecordsAppended { .. } => "appended",
            _ => "other",
        })
        .collect();
    assert_eq!(
        kinds,
        ["appended", "joined", "generation", "assigned", "committed"]
    );
    assert!(
        events.iter().all(|e| e.at() == 1_000),
        "stamped with the sample's time"
    );
    // Folding the events over the first snapshot gives the second sample's picture.
    let mut folded = LiveState::default();
    folded.apply(LiveMessage::Snapshot(first.to_snapshot(0)));
    for event in events {
        folded.apply(LiveMessage::Event { event });
    }
    let mut fresh = LiveState::default();
    fresh.apply(LiveMessage::Snapshot(
        sampler.latest().unwrap().to_snapshot(1_000),
    ));
    assert_eq!(folded.topics, fresh.topics);
    assert_eq!(
        folded.groups["billing"].members,
        fresh.groups["billing"].members
    );
    assert_eq!(
        folded.groups["billing"].committed,
        fresh.groups["billing"].committed
    );
    assert_eq!(
        folded.groups["billing"].generation, 2,
        "the first generation seen, then one rebalance"
    );
}

#[test]
fn a_leader_change_or_a_lower_high_watermark_asks_for_a_new_snapshot() {
    let mut cluster = Fixture::three_brokers();
    let mut sampler = Sampler::new(WatchConfig::every(1_000));
    sampled(round(&mut sampler, &mut cluster, 0, 10));
    cluster.topics.get_mut("audit").unwrap()[0].0 = 1;
    let (_, resnapshot) = sampled(round(&mut sampler, &mut cluster, 1_000, 10));
    assert!(resnapshot, "the leader moved");
    let (_, resnapshot) = sampled(round(&mut sampler, &mut cluster, 2_000, 10));
    assert!(!resnapshot, "nothing moved");
    cluster.topics.get_mut("audit").unwrap()[0].2 = 3;
    let (_, resnapshot) = sampled(round(&mut sampler, &mut cluster, 3_000, 10));
    assert!(resnapshot, "truncated");
}

#[test]
fn filters_keep_other_groups_and_topics_out() {
    let mut cluster = Fixture::three_brokers();
    let mut other = cluster.groups["billing"].clone();
    other.coordinator = 1;
    cluster.groups.insert("shipping".into(), other);
    cluster
        .topics
        .insert("__consumer_offsets".into(), vec![(1, 0, 3)]);
    let mut config = WatchConfig::every(1_000);
    config.groups = NameFilter::new(["bill*".to_string()]);
    config.topics = NameFilter::new(["ord*".to_string()]);
    let mut sampler = Sampler::new(config);
    sampled(round(&mut sampler, &mut cluster, 0, 10));
    let sample = sampler.latest().unwrap();
    assert_eq!(sample.topics.keys().collect::<Vec<_>>(), ["orders"]);
    assert_eq!(sample.groups.keys().collect::<Vec<_>>(), ["billing"]);
    assert!(
        !cluster.log.contains(&(1, ApiKey::DescribeGroups)),
        "shipping is not described"
    );
    // `*` is every user topic, not the cluster's internal ones.
    let mut everything = Sampler::new(WatchConfig::every(1_000));
    sampled(round(&mut everything, &mut cluster, 0, 10));
    assert!(!everything
        .latest()
        .unwrap()
        .topics
        .contains_key("__consumer_offsets"));
}

#[test]
fn kip848_groups_are_described_with_consumer_group_describe() {
    let mut cluster = Fixture::three_brokers();
    let g = cluster.group("billing");
    g.consumer = true;
    g.state = "Reconciling";
    g.epoch = 7;
    let mut sampler = Sampler::new(WatchConfig::every(1_000));
    sampled(round(&mut sampler, &mut cluster, 0, 10));
    assert!(cluster.log.contains(&(2, ApiKey::ConsumerGroupDescribe)));
    assert!(!cluster
        .log
        .iter()
        .any(|(_, api)| *api == ApiKey::DescribeGroups));
    let g = &sampler.latest().unwrap().groups["billing"];
    assert_eq!(g.kind, GroupKind::Consumer);
    assert_eq!(g.generation, 7, "the group epoch");
    assert_eq!(g.state(), GroupState::CompletingRebalance);
    assert_eq!(g.members["m1"].member_epoch, Some(7));
    assert_eq!(g.protocol, "uniform");
}

#[test]
fn slow_answers_and_failures_slow_the_watch_down() {
    let mut cluster = Fixture::three_brokers();
    let mut sampler = Sampler::new(WatchConfig::every(1_000));
    sampled(round(&mut sampler, &mut cluster, 0, 10));
    assert_eq!(sampler.next_wakeup(), 1_000);
    // A round that takes 1.5 s: the next starts 3 s after it started.
    sampled(round(&mut sampler, &mut cluster, 1_000, 1_500));
    assert_eq!(sampler.next_wakeup(), 4_000);
    assert!(sampler.poll(3_999).is_empty(), "not before");
    assert_eq!(sampler.freshness().interval_ms, 3_000);
    // A failure: no sample, the previous one stays, slower still.
    let out = sampler.poll(4_000);
    let before = sampler.latest().cloned();
    sampler.handle(4_010, out[0].id, Err("connection refused".into()));
    assert_eq!(
        sampler.poll_outcome(),
        Some(Outcome::Failed {
            error: "connection refused".into()
        })
    );
    assert_eq!(sampler.latest().cloned(), before);
    assert_eq!(sampler.last_error(), Some("connection refused"));
    assert_eq!(sampler.next_wakeup(), 10_000);
    // Quick rounds bring the interval back down.
    sampled(round(&mut sampler, &mut cluster, 10_000, 10));
    assert_eq!(sampler.last_error(), None);
    assert_eq!(sampler.freshness().interval_ms, 3_000);
    assert_eq!(sampler.freshness().sampled_at, Some(10_000));
}

#[test]
fn a_round_without_an_answer_times_out() {
    let mut sampler = Sampler::new(WatchConfig::every(1_000));
    let out = sampler.poll(0);
    assert_eq!(out.len(), 1);
    assert_eq!(sampler.next_wakeup(), 30_001);
    assert!(sampler.poll(30_000).is_empty());
    assert!(sampler.poll_outcome().is_none());
    sampler.poll(30_001);
    assert!(matches!(
        sampler.poll_outcome(),
        Some(Outcome::Failed { .. })
    ));
    // The late answer is ignored.
    let mut cluster = Fixture::three_brokers();
    let late = cluster.answer(&out[0].target, &out[0].request);
    sampler.handle(30_002, out[0].id, Ok(late));
    assert!(sampler.poll_outcome().is_none());
}

#[test]
fn the_history_lists_rebalances_with_inferred_reasons() {
    let mut cluster = Fixture::three_brokers();
    let mut sampler = Sampler::new(WatchConfig::every(1_000));
    let mut history = History::new();
    let mut now = 0;
    let mut step = |cluster: &mut Fixture, history: &mut History| {
        sampled(round(&mut sampler, cluster, now, 10));
        history.record(Arc::new(sampler.latest().unwrap().clone()));
        now += 1_000;
    };
    step(&mut cluster, &mut history);
    // m3 joins: the group is rebalancing for two samples, then Stable.
    cluster
        .group("billing")
        .members
        .push(("m3".into(), "c3".into(), vec![]));
    cluster.group("billing").state = "PreparingRebalance";
    step(&mut cluster, &mut history);
    step(&mut cluster, &mut history);
    cluster.group("billing").state = "Stable";
    step(&mut cluster, &mut history);
    // m3 leaves while everything is read: a graceful leave.
    cluster.group("billing").members.pop();
    step(&mut cluster, &mut history);
    // m2 stops committing while records arrive for 6 s, then vanishes: a crash.
    cluster
        .group("billing")
        .committed
        .insert(("orders".into(), 2), 0);
    for _ in 0..7 {
        cluster.topics.get_mut("orders").unwrap()[2].2 += 5;
        step(&mut cluster, &mut history);
    }
    cluster.group("billing").members.pop();
    step(&mut cluster, &mut history);
    let r = history.rebalances();
    let reasons: Vec<InferredReason> = r.iter().map(|r| r.reason.clone()).collect();
    assert_eq!(
        reasons,
        [
            InferredReason::MemberAdded,
            InferredReason::MemberLeft,
            InferredReason::SessionTimeout
        ]
    );
    assert_eq!(r[0].added, ["m3"]);
    assert_eq!(r[0].not_stable_ms, 2_000, "not Stable from 1 s to 3 s");
    assert!(!r[0].ongoing);
    assert_eq!(r[1].removed, ["m3"]);
    assert_eq!(r[2].removed, ["m2"]);
    assert_eq!(history.samples().count(), 13);
    let lag = history.lag("billing");
    assert!(
        lag.last().unwrap().1 > lag.first().unwrap().1,
        "lag over time: {lag:?}"
    );
    let summary = history.lag_summary();
    assert_eq!(summary[0].group, "billing");
    assert_eq!(
        summary[0].points,
        [lag[0], *lag.last().unwrap()],
        "a point a minute, and the latest"
    );
    // Over 3 minutes at a sample a second: one point a minute, and the latest.
    let mut long = History::new();
    for i in 0..180 {
        long.record(Arc::new(ClusterSample {
            started_at: i * 1_000,
            groups: sampler.latest().unwrap().groups.clone(),
            ..ClusterSample::default()
        }));
    }
    let times: Vec<Millis> = long.lag_summary()[0].points.iter().map(|p| p.0).collect();
    assert_eq!(times, [0, 60_000, 120_000, 179_000]);
}

#[test]
fn the_history_is_bounded_to_an_hour() {
    let mut history = History::new();
    for i in 0..(HISTORY_SAMPLES as i64 + 10) {
        history.record(Arc::new(ClusterSample {
            started_at: i * 100,
            ..ClusterSample::default()
        }));
    }
    assert_eq!(history.samples().count(), HISTORY_SAMPLES);
    let mut sparse = History::new();
    for i in 0..10 {
        sparse.record(Arc::new(ClusterSample {
            started_at: i * 20 * 60 * 1000,
            ..ClusterSample::default()
        }));
    }
    assert_eq!(sparse.samples().count(), 4, "60 minutes back, inclusive");
}
