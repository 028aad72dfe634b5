//! Producer tests, driving a real [`Broker`] through [`dispatch`].

use crate::collections::BTreeMap;

use proptest::prelude::*;

use super::*;
use crate::broker::{Broker, BrokerConfig};
use crate::client::partitioner::partition_for_key;
use crate::client::protocol::dispatch;

/// A producer wired to a broker. Requests reach the broker when the producer emits them;
/// answers come back at once unless `hold_answers` is set.
struct Net {
    broker: Broker,
    producer: Producer,
    now: Millis,
    events: Vec<ProducerEvent>,
    /// Every request with the time it left.
    requests: Vec<(Millis, Request)>,
    hold_answers: bool,
    held: Vec<(u64, Response)>,
}

impl Net {
    fn new(config: ProducerConfig) -> Net {
        Net::with_broker(BrokerConfig::default(), config)
    }

    fn with_broker(broker: BrokerConfig, config: ProducerConfig) -> Net {
        Net {
            broker: Broker::new(broker, 0),
            producer: Producer::new(config, 0),
            now: 0,
            events: Vec::new(),
            requests: Vec::new(),
            hold_answers: false,
            held: Vec::new(),
        }
    }

    fn topic(mut self, name: &str, partitions: i32) -> Net {
        self.broker.create_topic(name, partitions, None, 0).unwrap();
        self
    }

    fn send(&mut self, topic: &str, key: Option<&str>, value: &str) -> SendId {
        let key = key.map(|k| Bytes::from(k.to_string()));
        let value = Some(Bytes::from(value.to_string()));
        let id = self
            .producer
            .send(topic, key, value, vec![], None, self.now)
            .unwrap();
        self.pump();
        id
    }

    /// Run the producer until it has nothing more to say at `now`.
    fn pump(&mut self) {
        for _ in 0..1000 {
            self.producer.handle_timeout(self.now);
            let mut sent = false;
            while let Some((id, request)) = self.producer.poll_transmit(self.now) {
                sent = true;
                self.requests.push((self.now, request.clone()));
                if let Some(answer) = dispatch(&mut self.broker, id, "p", request, self.now) {
                    if self.hold_answers {
                        self.held.push((id, answer));
                    } else {
                        self.producer.handle_response(id, answer, self.now);
                    }
                }
            }
            while let Some(event) = self.producer.poll_event() {
                self.events.push(event);
            }
            if !sent {
                return;
            }
        }
        panic!("the producer never went quiet");
    }

    /// Move the clock to `t`, stopping at every deadline the producer asks for.
    fn advance_to(&mut self, t: Millis) {
        self.pump();
        for _ in 0..100_000 {
            match self.producer.poll_timeout() {
                Some(next) if next <= t => {
                    assert!(
                        next >= self.now,
                        "deadline {next} in the past at {}",
                        self.now
                    );
                    self.now = next;
                    self.pump();
                    // Progress check: a deadline that does not move would spin forever.
                    if self.producer.poll_timeout() == Some(next) {
                        panic!("poll_timeout stuck at {next}");
                    }
                }
                _ => {
                    self.now = t;
                    self.pump();
                    return;
                }
            }
        }
        panic!("too many deadlines");
    }

    fn deliver_held(&mut self) {
        for (id, answer) in std::mem::take(&mut self.held) {
            self.producer.handle_response(id, answer, self.now);
        }
        self.pump();
    }

    fn produce_requests(&self) -> Vec<(Millis, Vec<(TopicPartition, u32)>)> {
        self.requests
            .iter()
            .filter_map(|(at, r)| match r {
                Request::Produce { batches, .. } => Some((
                    *at,
                    batches
                        .iter()
                        .map(|(tp, b)| (tp.clone(), b.info.record_count))
                        .collect(),
                )),
                _ => None,
            })
            .collect()
    }

    fn acked(&self) -> BTreeMap<SendId, (TopicPartition, Offset)> {
        self.events
            .iter()
            .filter_map(|e| match e {
                ProducerEvent::Acked { id, tp, offset, .. } => Some((*id, (tp.clone(), *offset))),
                _ => None,
            })
            .collect()
    }

    /// The partition's log as `(offset, value)`.
    fn log(&mut self, topic: &str, partition: i32) -> Vec<(Offset, String)> {
        let fetched = self
            .broker
            .fetch(topic, partition, 0, u32::MAX, None, self.now)
            .unwrap();
        fetched
            .batches
            .iter()
            .flat_map(|b| b.consumer_records().unwrap().collect::<Vec<_>>())
            .map(|r| {
                let value = r.record.value.unwrap_or_default();
                (r.offset, String::from_utf8(value.to_vec()).unwrap())
            })
            .collect()
    }
}

fn config() -> ProducerConfig {
    ProducerConfig::default()
}

#[test]
fn keyed_records_land_in_the_murmur2_partition() {
    let mut net = Net::new(config()).topic("orders", 6);
    let keys: Vec<String> = (0..30).map(|i| format!("customer-{i}")).collect();
    let ids: Vec<SendId> = keys
        .iter()
        .map(|k| net.send("orders", Some(k), &format!("order of {k}")))
        .collect();
    net.advance_to(10);
    let acked = net.acked();
    assert_eq!(acked.len(), keys.len());
    for (id, key) in ids.iter().zip(&keys) {
        let (tp, offset) = &acked[id];
        assert_eq!(tp.partition, partition_for_key(key.as_bytes(), 6), "{key}");
        let log = net.log("orders", tp.partition);
        assert!(log.contains(&(*offset, format!("order of {key}"))));
    }
    let partitions: crate::collections::BTreeSet<i32> =
        acked.values().map(|(tp, _)| tp.partition).collect();
    assert!(partitions.len() > 3, "30 keys spread over the partitions");
}

#[test]
fn keyless_records_stick_to_a_partition_until_batch_size_bytes() {
    let mut net = Net::new(ProducerConfig {
        batch_size: 1000,
        ..config()
    })
    .topic("clicks", 4);
    // Each record counts 8 + 100 = 108 bytes: the 10th crosses 1000, so the 11th switches.
    let value = "x".repeat(100);
    let ids: Vec<SendId> = (0..25).map(|_| net.send("clicks", None, &value)).collect();
    net.advance_to(10);
    let acked = net.acked();
    let partitions: Vec<i32> = ids.iter().map(|id| acked[id].0.partition).collect();
    assert!(partitions[..10].iter().all(|p| *p == partitions[0]));
    assert!(partitions[10..20].iter().all(|p| *p == partitions[10]));
    assert!(partitions[20..].iter().all(|p| *p == partitions[20]));
    assert_ne!(partitions[0], partitions[10]);
    assert_ne!(partitions[10], partitions[20]);
    assert_eq!(
        net.producer.sticky_partition("clicks"),
        Some(partitions[20])
    );
}

#[test]
fn records_within_linger_share_a_batch_and_a_late_one_goes_alone() {
    let mut net = Net::new(config()).topic("t", 1);
    net.send("t", None, "a"); // metadata first, then lingers from 0
    net.now = 3;
    net.send("t", None, "b");
    net.advance_to(4);
    assert!(net.produce_requests().is_empty(), "still lingering");
    net.advance_to(5);
    let tp = TopicPartition::new("t", 0);
    assert_eq!(net.produce_requests(), vec![(5, vec![(tp.clone(), 2)])]);

    net.advance_to(100);
    net.send("t", None, "c");
    net.advance_to(104);
    assert_eq!(net.produce_requests().len(), 1);
    net.advance_to(200);
    assert_eq!(net.produce_requests()[1], (105, vec![(tp, 1)]));
    let offsets: Vec<Offset> = net.acked().values().map(|(_, o)| *o).collect();
    assert_eq!(offsets, vec![0, 1, 2]);
}

#[test]
fn a_full_batch_goes_without_waiting_and_ready_partitions_share_a_request() {
    let mut net = Net::new(ProducerConfig {
        batch_size: 300,
        linger_ms: 1000,
        ..config()
    })
    .topic("t", 2);
    net.advance_to(1);
    // Two keys in two partitions; 2 x (8 + 1 + 100) + 61 = 279, a third does not fit.
    let key_in = |p: i32| {
        (0..100)
            .map(|i| format!("k{i}"))
            .find(|k| partition_for_key(k.as_bytes(), 2) == p)
            .unwrap()
    };
    let (k0, k1) = (key_in(0), key_in(1));
    let v = "v".repeat(100);
    for _ in 0..3 {
        net.send("t", Some(&k0), &v);
    }
    // The first batch of k0 is closed by the third record: it leaves now, alone.
    assert_eq!(net.produce_requests().len(), 1);
    assert_eq!(net.produce_requests()[0].1[0].1, 2);
    net.send("t", Some(&k1), &v);
    net.producer.flush();
    net.pump();
    let last = net.produce_requests().pop().unwrap();
    assert_eq!(last.1.len(), 2, "both partitions in one Produce request");
    assert_eq!(net.producer.pending_records(), 0);
}

#[test]
fn acks_zero_reports_offset_minus_one_and_never_learns() {
    let mut net = Net::new(ProducerConfig {
        acks: Acks::None,
        ..config()
    })
    .topic("t", 1);
    for v in ["a", "b", "c"] {
        net.send("t", None, v);
    }
    net.advance_to(10);
    let acked = net.acked();
    assert_eq!(acked.len(), 3);
    assert!(acked.values().all(|(_, offset)| *offset == -1));
    assert_eq!(net.producer.in_flight(), 0);
    assert_eq!(net.log("t", 0).len(), 3, "the records did arrive");

    // Lose the request on the way: the producer still says Acked.
    let mut lone = Producer::new(
        ProducerConfig {
            acks: Acks::None,
            ..config()
        },
        0,
    );
    assert!(lone.poll_transmit(0).is_none(), "nothing to say yet");
    let sent = lone.send("t", None, Some("lost".into()), vec![], None, 0);
    let (metadata_id, _) = lone.poll_transmit(0).unwrap();
    let mut broker = Broker::new(BrokerConfig::default(), 0);
    broker.create_topic("t", 1, None, 0).unwrap();
    let answer = dispatch(
        &mut broker,
        0,
        "p",
        Request::Metadata {
            topics: vec!["t".into()],
            allow_auto_create: true,
        },
        0,
    )
    .unwrap();
    lone.handle_response(metadata_id, answer, 0);
    lone.flush();
    let (_, request) = lone.poll_transmit(0).unwrap();
    drop(request); // the network ate it
    let events: Vec<_> = std::iter::from_fn(|| lone.poll_event()).collect();
    assert!(events.contains(&ProducerEvent::Acked {
        id: sent.unwrap(),
        tp: TopicPartition::new("t", 0),
        offset: -1,
        timestamp: 0,
    }));
    assert_eq!(lone.pending_records(), 0, "nothing left to wait for");
}

#[test]
fn acks_one_and_all_give_dense_offsets_matching_the_log() {
    for acks in [Acks::Leader, Acks::All] {
        let mut net = Net::new(ProducerConfig { acks, ..config() }).topic("t", 1);
        let mut ids = Vec::new();
        for i in 0..12 {
            ids.push(net.send("t", None, &format!("r{i}")));
            net.advance_to(net.now + (i % 4) * 3);
        }
        net.advance_to(net.now + 10);
        let acked = net.acked();
        let offsets: Vec<Offset> = ids.iter().map(|id| acked[id].1).collect();
        assert_eq!(offsets, (0..12).collect::<Vec<_>>(), "{acks:?}");
        let log = net.log("t", 0);
        let expected: Vec<(Offset, String)> = (0..12).map(|i| (i, format!("r{i}"))).collect();
        assert_eq!(log, expected);
        assert!(net.produce_requests().len() > 1, "several batches");
    }
}

#[test]
fn an_unknown_topic_is_asked_for_and_auto_created() {
    let mut net = Net::new(config());
    let id = net.send("new-topic", Some("k"), "hello");
    assert_eq!(
        net.requests[0].1,
        Request::Metadata {
            topics: vec!["new-topic".into()],
            allow_auto_create: true
        }
    );
    assert!(net.broker.topic("new-topic").is_some(), "auto-created");
    assert_eq!(
        net.events[0],
        ProducerEvent::MetadataUpdated {
            topic: "new-topic".into(),
            partitions: 1
        }
    );
    net.advance_to(10);
    assert_eq!(net.acked()[&id], (TopicPartition::new("new-topic", 0), 0));
}

#[test]
fn records_of_one_partition_keep_their_send_order() {
    let mut net = Net::new(ProducerConfig {
        batch_size: 200,
        ..config()
    })
    .topic("t", 3);
    net.hold_answers = true;
    let mut sent: Vec<(SendId, String)> = Vec::new();
    for round in 0..20 {
        for key in ["a", "b", "c", "d"] {
            let value = format!("{key}-{round}");
            sent.push((net.send("t", Some(key), &value), value));
        }
        net.advance_to(net.now + 2);
        if round % 3 == 0 {
            assert!(net.producer.in_flight() <= 5);
            net.deliver_held();
        }
    }
    net.producer.flush();
    for _ in 0..20 {
        net.deliver_held();
    }
    let acked = net.acked();
    assert_eq!(acked.len(), sent.len());
    for partition in 0..3 {
        let mine: Vec<&(SendId, String)> = sent
            .iter()
            .filter(|(id, _)| acked[id].0.partition == partition)
            .collect();
        let offsets: Vec<Offset> = mine.iter().map(|(id, _)| acked[id].1).collect();
        assert!(offsets.windows(2).all(|w| w[0] < w[1]), "{offsets:?}");
        let log: Vec<String> = net
            .log("t", partition)
            .into_iter()
            .map(|(_, v)| v)
            .collect();
        let values: Vec<String> = mine.iter().map(|(_, v)| v.clone()).collect();
        assert_eq!(log, values, "the log is the send order");
    }
}

#[test]
fn max_in_flight_bounds_unanswered_requests() {
    let mut net = Net::new(ProducerConfig {
        max_in_flight_requests_per_connection: 2,
        linger_ms: 0,
        ..config()
    })
    .topic("t", 8);
    net.send("t", Some("warm-up"), "metadata first");
    net.hold_answers = true;
    for i in 0..8 {
        net.send("t", Some(&format!("key-{i}")), "v");
        net.advance_to(net.now + 1);
    }
    assert_eq!(net.producer.in_flight(), 2);
    assert!(net.producer.buffered_records() > 0);
    for _ in 0..10 {
        net.deliver_held();
    }
    assert_eq!(net.acked().len(), 9);
}

#[test]
fn retriable_errors_are_retried_until_the_delivery_timeout() {
    let mut net = Net::new(config()).topic("t", 2);
    net.send("t", Some("warm-up"), "x");
    net.advance_to(10);
    // The topic goes away; auto-create brings it back with 1 partition (num.partitions).
    net.broker.delete_topic("t", 10).unwrap();
    let key1 = (0..100)
        .map(|i| format!("k{i}"))
        .find(|k| partition_for_key(k.as_bytes(), 2) == 1)
        .unwrap();
    let key0 = (0..100)
        .map(|i| format!("k{i}"))
        .find(|k| partition_for_key(k.as_bytes(), 2) == 0)
        .unwrap();
    let lost = net.send("t", Some(&key1), "to partition 1");
    let kept = net.send("t", Some(&key0), "to partition 0");
    net.advance_to(1_000);
    // UNKNOWN_TOPIC_OR_PARTITION triggered a refresh, which re-created the topic.
    assert_eq!(net.broker.topic("t").unwrap().partition_count(), 1);
    assert_eq!(net.acked()[&kept], (TopicPartition::new("t", 0), 0));
    assert!(
        net.produce_requests().len() > 3,
        "partition 1 is being retried"
    );
    net.advance_to(200_000);
    let outcome: Vec<&ProducerEvent> = net
        .events
        .iter()
        .filter(|e| matches!(e, ProducerEvent::Failed { id, .. } | ProducerEvent::Expired { id, .. } if *id == lost))
        .collect();
    // It was backing off for its next retry when delivery.timeout.ms ran out.
    assert_eq!(
        outcome,
        vec![&ProducerEvent::Expired {
            id: lost,
            tp: TopicPartition::new("t", 1),
            last_error: Some(KafkaError::UnknownTopicOrPartition)
        }]
    );
    assert!(net.events.iter().any(|e| *e
        == ProducerEvent::MetadataUpdated {
            topic: "t".into(),
            partitions: 1
        }));
}

#[test]
fn message_too_large_splits_a_batch_then_fails_a_single_record() {
    let broker = BrokerConfig {
        message_max_bytes: 200,
        ..BrokerConfig::default()
    };
    let mut net = Net::with_broker(broker, config()).topic("t", 1);
    let v = "v".repeat(100);
    let a = net.send("t", None, &v);
    let b = net.send("t", None, &v); // 61 + 2 x 108 = 277 > 200: split into two of 169
    net.advance_to(10);
    let acked = net.acked();
    assert_eq!((acked[&a].1, acked[&b].1), (0, 1));
    let big = net.send("t", None, &"w".repeat(300));
    net.advance_to(30);
    assert!(net.events.contains(&ProducerEvent::Failed {
        id: big,
        tp: TopicPartition::new("t", 0),
        error: KafkaError::MessageTooLarge
    }));
    assert_eq!(
        net.produce_requests().len(),
        3 + 1,
        "no retry for a lone record"
    );
}

#[test]
fn a_lost_answer_means_a_retry_and_a_duplicate_in_the_log() {
    let mut net = Net::new(config()).topic("t", 1);
    net.hold_answers = true;
    let id = net.send("t", None, "once");
    net.deliver_held(); // the metadata answer
    net.advance_to(10);
    assert_eq!(net.held.len(), 1, "the Produce answer is held...");
    net.held.clear(); // ...and lost
    net.hold_answers = false;
    net.advance_to(30_004);
    assert!(net.acked().is_empty());
    net.advance_to(40_000);
    assert_eq!(net.acked()[&id], (TopicPartition::new("t", 0), 1));
    let values: Vec<String> = net.log("t", 0).into_iter().map(|(_, v)| v).collect();
    assert_eq!(
        values,
        vec!["once", "once"],
        "written twice: no idempotence"
    );
}

#[test]
fn records_for_a_topic_that_never_appears_expire() {
    let broker = BrokerConfig {
        auto_create_topics: false,
        ..BrokerConfig::default()
    };
    let mut net = Net::with_broker(broker, config());
    let id = net.send("missing", None, "v");
    net.advance_to(119_999);
    assert_eq!(net.producer.waiting_for_metadata(), 1);
    let metadata_requests = net
        .requests
        .iter()
        .filter(|(_, r)| matches!(r, Request::Metadata { .. }))
        .count();
    assert!(metadata_requests > 100, "asked every retry.backoff.ms");
    net.advance_to(120_000);
    assert_eq!(
        net.events,
        vec![ProducerEvent::Expired {
            id,
            tp: TopicPartition::new("missing", -1),
            last_error: Some(KafkaError::UnknownTopicOrPartition)
        }]
    );
    assert_eq!(net.producer.pending_records(), 0);
    assert_eq!(net.producer.poll_timeout(), None, "nothing left to do");
}

#[test]
fn a_metadata_refresh_sees_new_partitions_and_keys_move() {
    let mut net = Net::new(config()).topic("t", 2);
    let key = (0..100)
        .map(|i| format!("user-{i}"))
        .find(|k| partition_for_key(k.as_bytes(), 2) != partition_for_key(k.as_bytes(), 4))
        .unwrap();
    let before = net.send("t", Some(&key), "before");
    net.advance_to(1_000);
    net.broker.create_partitions("t", 4, 1_000).unwrap();
    net.advance_to(300_000);
    assert!(net.events.iter().any(|e| *e
        == ProducerEvent::MetadataUpdated {
            topic: "t".into(),
            partitions: 4
        }));
    let after = net.send("t", Some(&key), "after");
    net.advance_to(301_000);
    let acked = net.acked();
    assert_eq!(
        acked[&before].0.partition,
        partition_for_key(key.as_bytes(), 2)
    );
    assert_eq!(
        acked[&after].0.partition,
        partition_for_key(key.as_bytes(), 4)
    );
    assert_ne!(
        acked[&before].0, acked[&after].0,
        "same key, another partition"
    );
}

#[test]
fn send_rejects_bad_topics_and_huge_records() {
    let mut p = Producer::new(config(), 0);
    assert_eq!(
        p.send("bad topic!", None, None, vec![], None, 0),
        Err(ProducerError::InvalidTopic("bad topic!".into()))
    );
    let huge = Bytes::from(vec![0u8; 1_048_576]);
    assert!(matches!(
        p.send("t", None, Some(huge), vec![], None, 0),
        Err(ProducerError::RecordTooLarge { max: 1_048_576, .. })
    ));
    assert_eq!(p.send("t", None, None, vec![], None, 0), Ok(0));
    assert_eq!(p.send("t", None, None, vec![], Some(7), 0), Ok(1));
}

#[test]
fn the_queues_show_what_is_pending() {
    let mut net = Net::new(ProducerConfig {
        linger_ms: 50,
        ..config()
    })
    .topic("t", 1);
    net.send("t", None, "a");
    net.now = 20;
    net.send("t", None, "bb");
    let queues = net.producer.partition_queues(30);
    assert_eq!(queues.len(), 1);
    assert_eq!(
        queues[0],
        PartitionQueueView {
            tp: TopicPartition::new("t", 0),
            in_flight: false,
            batches: vec![BatchView {
                records: 2,
                bytes: 61 + 9 + 10,
                age_ms: 30,
                retries: 0,
                ready: false
            }]
        }
    );
    assert_eq!(net.producer.buffered_records(), 2);
    assert_eq!(net.producer.poll_timeout(), Some(50), "linger ends");
    net.producer.flush();
    assert!(net.producer.partition_queues(30)[0].batches[0].ready);
}

fn scripted_run(seed: u64) -> Vec<ProducerEvent> {
    let mut net = Net::new(ProducerConfig {
        seed,
        batch_size: 500,
        ..config()
    })
    .topic("t", 5);
    for i in 0..60 {
        let key = (i % 3 == 0).then(|| format!("k{i}"));
        net.send("t", key.as_deref(), &"z".repeat(40 + i % 7));
        net.advance_to(net.now + i as Millis % 4);
    }
    net.advance_to(net.now + 100);
    net.events
}

#[test]
fn the_same_seed_gives_the_same_run() {
    let a = scripted_run(11);
    assert_eq!(a, scripted_run(11));
    assert_ne!(a, scripted_run(12), "keyless records go elsewhere");
}

#[derive(Debug, Clone)]
enum Op {
    Send {
        topic: usize,
        key: Option<u8>,
        len: usize,
    },
    Advance(Millis),
    Flush,
    Deliver(usize),
    Lose(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0..3usize, proptest::option::of(0..6u8), 0..300usize)
            .prop_map(|(topic, key, len)| Op::Send { topic, key, len }),
        3 => (0..40 as Millis).prop_map(Op::Advance),
        1 => Just(Op::Flush),
        3 => any::<usize>().prop_map(Op::Deliver),
        1 => any::<usize>().prop_map(Op::Lose),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Whatever the timing, with answers late, reordered or lost: every send gets exactly
    /// one outcome, each partition's acked offsets follow the send order, and an acked
    /// offset holds the record that was sent.
    #[test]
    fn no_record_is_lost_or_reordered(ops in proptest::collection::vec(op(), 1..120), seed in any::<u64>()) {
        const TOPICS: [&str; 3] = ["a", "b", "c"];
        let broker = BrokerConfig { num_partitions: 2, ..BrokerConfig::default() };
        let config = ProducerConfig { seed, batch_size: 400, ..config() };
        // "c" is not created: the producer's metadata request creates it.
        let mut net = Net::with_broker(broker, config).topic("a", 3).topic("b", 1);
        net.hold_answers = true;
        let mut sent: BTreeMap<SendId, (usize, Option<u8>, String)> = BTreeMap::new();
        for op in ops {
            match op {
                Op::Send { topic, key, len } => {
                    let value = format!("{}:{}", sent.len(), "p".repeat(len));
                    let key_text = key.map(|k| format!("key-{k}"));
                    let id = net.send(TOPICS[topic], key_text.as_deref(), &value);
                    sent.insert(id, (topic, key, value));
                }
                Op::Advance(ms) => net.advance_to(net.now + ms),
                Op::Flush => { net.producer.flush(); net.pump(); }
                Op::Deliver(i) if !net.held.is_empty() => {
                    let (id, answer) = net.held.remove(i % net.held.len());
                    net.producer.handle_response(id, answer, net.now);
                    net.pump();
                }
                Op::Lose(i) if !net.held.is_empty() => {
                    net.held.remove(i % net.held.len());
                }
                Op::Deliver(_) | Op::Lose(_) => {}
            }
        }
        // Wind down: from now on every request is answered at once.
        net.hold_answers = false;
        net.producer.flush();
        net.deliver_held();
        for _ in 0..1000 {
            if net.producer.pending_records() == 0 {
                break;
            }
            let next = net.producer.poll_timeout().unwrap_or(net.now + 1);
            net.advance_to(next.max(net.now));
        }
        prop_assert_eq!(net.producer.pending_records(), 0);

        let mut outcomes: BTreeMap<SendId, usize> = BTreeMap::new();
        let mut last_offset: BTreeMap<TopicPartition, Offset> = BTreeMap::new();
        let mut acked = Vec::new();
        for event in &net.events {
            match event {
                ProducerEvent::Acked { id, .. }
                | ProducerEvent::Failed { id, .. }
                | ProducerEvent::Expired { id, .. } => *outcomes.entry(*id).or_default() += 1,
                ProducerEvent::MetadataUpdated { .. } => {}
            }
            if let ProducerEvent::Acked { id, tp, offset, .. } = event {
                acked.push((*id, tp.clone(), *offset));
            }
        }
        prop_assert_eq!(outcomes.len(), sent.len());
        prop_assert!(outcomes.values().all(|n| *n == 1), "one outcome per send");
        // Answers are only lost in the first few seconds, and a lost answer costs one
        // request.timeout.ms (30 s): well within delivery.timeout.ms, so all get through.
        prop_assert_eq!(acked.len(), sent.len(), "{:?}", net.events);
        acked.sort();
        for (id, tp, offset) in acked {
            let (topic, key, value) = &sent[&id];
            prop_assert_eq!(&tp.topic, TOPICS[*topic]);
            if let Some(k) = key {
                let partitions = net.broker.topic(&tp.topic).unwrap().partition_count();
                prop_assert_eq!(tp.partition, partition_for_key(format!("key-{k}").as_bytes(), partitions));
            }
            if let Some(previous) = last_offset.insert(tp.clone(), offset) {
                prop_assert!(previous < offset, "{} acked at {} after {}", id, offset, previous);
            }
            let log = net.log(&tp.topic, tp.partition);
            prop_assert!(log.contains(&(offset, value.clone())), "record {} at {}", id, offset);
        }
    }
}

#[test]
fn a_chosen_partition_bypasses_the_partitioner() {
    let mut net = Net::new(config()).topic("t", 3);
    let mut ids = Vec::new();
    // The first waits for the topic's metadata, the others go straight to their batch:
    // both paths honour the choice.
    for (partition, key) in [(2, "a"), (2, "b"), (0, "a"), (1, "c")] {
        let id = net
            .producer
            .send_to(
                "t",
                Some(partition),
                Some(Bytes::from(key)),
                Some(Bytes::from("v")),
                vec![],
                None,
                net.now,
            )
            .unwrap();
        ids.push((id, partition));
        net.pump();
    }
    let missing = net
        .producer
        .send_to("t", Some(7), None, Some(Bytes::from("v")), vec![], None, 0)
        .unwrap();
    net.advance_to(10);
    let acked = net.acked();
    for (id, partition) in ids {
        assert_eq!(acked[&id].0, TopicPartition::new("t", partition));
    }
    assert!(net.events.iter().any(|e| matches!(
        e,
        ProducerEvent::Failed { id, tp, error: KafkaError::UnknownTopicOrPartition }
            if *id == missing && *tp == TopicPartition::new("t", 7)
    )));
}
