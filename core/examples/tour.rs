//! `make demo`: a guided tour of the broker core, replaying the seed's central lesson.
//!
//! One topic with one partition, one group with two consumers: A reads partition 0, B is a
//! standby member. A has processed up to offset 99 but its last commit stored 95. A's pod is
//! killed. The coordinator notices (session timeout), rebalances, hands partition 0 to B,
//! and B resumes from the committed offset 95: records 95..99 are processed twice. That is
//! at-least-once delivery, and this program shows every step as the broker's own events.
//!
//! The consumers here are written out by hand (the client state machines come later) so
//! you can see that everything a consumer knows, its *position*, lives in the consumer:
//! the broker never stores it.

use bytes::Bytes;
use minikafka::broker::{OffsetCommit, OffsetCommitRequest};
use minikafka::event::TopicPartitions;
use minikafka::group::consumer_protocol::{
    encode_assignment, encode_subscription, Assignment, Subscription,
};
use minikafka::group::{
    GroupOutput, HeartbeatRequest, JoinGroupRequest, JoinProtocol, SyncGroupRequest,
};
use minikafka::{Broker, BrokerConfig, Millis, Record, RecordBatch};

const GROUP: &str = "billing";
const TOPIC: &str = "orders";

/// A hand-written consumer: just the facts a real one keeps.
struct Consumer {
    name: &'static str,
    member_id: String,
    generation: i32,
    /// The consumer's position: the next offset it will fetch. Only the consumer knows it.
    position: Option<i64>,
}

fn main() {
    let mut now: Millis = 0;
    let mut broker = Broker::new(BrokerConfig::default(), now);
    let mut step = 0;
    let mut say = |text: &str| {
        step += 1;
        println!("\n== {step}. {text}");
    };
    let show = |broker: &mut Broker| {
        while let Some(event) = broker.poll_event() {
            // Heartbeats and fetches are frequent; the story is in the rest.
            if !matches!(event, minikafka::Event::Heartbeat { error: None, .. }) {
                println!("   [{:>6} ms] {event}", event.at());
            }
        }
    };

    say("Create topic `orders` with one partition and produce 100 orders (offsets 0..99).");
    broker
        .create_topic(TOPIC, 1, None, now)
        .expect("fresh broker");
    let records: Vec<Record> = (0..100)
        .map(|i| Record::keyed(format!("customer-{}", i % 7), format!("order #{i}"), now))
        .collect();
    let batch = RecordBatch::from_records(records).expect("non-empty");
    broker
        .produce(TOPIC, 0, batch, Some("shop"), now)
        .expect("topic exists");
    show(&mut broker);

    say("Consumers A and B join group `billing` (JoinGroup; MEMBER_ID_REQUIRED first).");
    let mut a = Consumer {
        name: "A",
        member_id: String::new(),
        generation: -1,
        position: None,
    };
    let mut b = Consumer {
        name: "B",
        member_id: String::new(),
        generation: -1,
        position: None,
    };
    let mut request = 0;
    let mut parked = Vec::new();
    for c in [&mut a, &mut b] {
        request += 1;
        let first = broker
            .join_group(request, join(c), now)
            .expect("answered at once");
        println!(
            "   {} got {} and member id {}",
            c.name,
            first.error.map(|e| e.name()).unwrap_or("NONE"),
            first.member_id
        );
        c.member_id = first.member_id;
        request += 1;
        assert!(
            broker.join_group(request, join(c), now).is_none(),
            "parked until the join phase ends"
        );
        parked.push(request);
    }
    println!("   both JoinGroups are parked: the coordinator waits group.initial.rebalance.delay.ms for more members");
    let mut outputs = Vec::new();
    while outputs.is_empty() {
        // Sans-IO: the broker says when it next needs the clock; we jump straight there.
        now = broker.poll_timeout().expect("the initial delay");
        broker.handle_timeout(now);
        outputs.extend(std::iter::from_fn(|| broker.poll_output()));
    }
    let mut leader = String::new();
    let mut members = Vec::new();
    for output in outputs {
        let GroupOutput::Join { response, .. } = output else {
            continue;
        };
        let c = if response.member_id == a.member_id {
            &mut a
        } else {
            &mut b
        };
        c.generation = response.generation_id;
        leader = response.leader.clone();
        if !response.members.is_empty() {
            members = response
                .members
                .iter()
                .map(|m| m.member_id.clone())
                .collect::<Vec<_>>();
        }
    }
    show(&mut broker);

    say("The leader assigns partition 0 to A; B gets nothing: a standby member (SyncGroup).");
    let assignments: Vec<(String, Bytes)> = members
        .iter()
        .map(|m| {
            let partitions = if *m == a.member_id { vec![0] } else { vec![] };
            (
                m.clone(),
                encode_assignment(&Assignment {
                    partitions: vec![TopicPartitions {
                        topic: TOPIC.into(),
                        partitions,
                    }],
                    user_data: None,
                }),
            )
        })
        .collect();
    for c in [&a, &b] {
        request += 1;
        let assign = if c.member_id == leader {
            assignments.clone()
        } else {
            vec![]
        };
        let _ = broker.sync_group(request, sync(c, assign), now);
    }
    while broker.poll_output().is_some() {}
    show(&mut broker);

    say("A fetches from the committed offset (none: auto.offset.reset=earliest -> 0) and processes 0..99.");
    let committed = broker.fetch_offsets(GROUP, Some(&[(TOPIC.to_string(), 0)]));
    a.position = Some(committed[0].2.as_ref().map(|o| o.offset).unwrap_or(0));
    while a.position < Some(100) {
        now += 100;
        let fetched = broker
            .fetch(TOPIC, 0, a.position.unwrap(), 1 << 20, Some("A"), now)
            .expect("in range");
        for batch in &fetched.batches {
            for record in batch.consumer_records().expect("decoded") {
                if record.offset >= a.position.unwrap() {
                    a.position = Some(record.offset + 1);
                }
                // Auto-commit fired while A was at offset 95: it stored 95.
                if record.offset == 94 {
                    let result = broker.commit_offsets(commit(&a, 95), now);
                    assert!(result[0].2.is_ok());
                }
            }
        }
    }
    println!(
        "   A's position is {} (in A's memory only); the committed offset is 95",
        a.position.unwrap()
    );
    show(&mut broker);

    say("A's pod is killed: no LeaveGroup, no last commit. B keeps heartbeating.");
    let crash_at = now;
    loop {
        now += 3_000; // heartbeat.interval.ms
        broker.handle_timeout(now);
        if let Err(error) = broker.heartbeat(heartbeat(&b), now) {
            println!("   B's heartbeat answered {}: B must rejoin", error.name());
            break;
        }
    }
    println!(
        "   the coordinator waited session.timeout.ms ({} ms since the crash)",
        now - crash_at
    );
    show(&mut broker);

    say("B rejoins alone; it becomes leader and takes partition 0.");
    request += 1;
    let _ = broker.join_group(request, join(&b), now);
    let mut generation = b.generation;
    while let Some(output) = broker.poll_output() {
        if let GroupOutput::Join { response, .. } = output {
            generation = response.generation_id;
        }
    }
    b.generation = generation;
    let mine = vec![(
        b.member_id.clone(),
        encode_assignment(&Assignment {
            partitions: vec![TopicPartitions {
                topic: TOPIC.into(),
                partitions: vec![0],
            }],
            user_data: None,
        }),
    )];
    request += 1;
    let _ = broker.sync_group(request, sync(&b, mine), now);
    show(&mut broker);

    say("B asks for the committed offset (OffsetFetch) and resumes there.");
    let committed = broker.fetch_offsets(GROUP, Some(&[(TOPIC.to_string(), 0)]));
    b.position = committed[0].2.as_ref().map(|o| o.offset);
    println!("   committed offset: {:?}", b.position);
    let fetched = broker
        .fetch(TOPIC, 0, b.position.unwrap(), 1 << 20, Some("B"), now)
        .expect("in range");
    let again: Vec<i64> = fetched
        .batches
        .iter()
        .flat_map(|batch| {
            batch
                .consumer_records()
                .expect("decoded")
                .map(|r| r.offset)
                .collect::<Vec<_>>()
        })
        .filter(|o| *o >= b.position.unwrap())
        .collect();
    show(&mut broker);
    println!(
        "\n   B processes offsets {:?} again: A had processed them but never committed past 95.",
        again
    );
    println!(
        "   That is at-least-once delivery: nothing is lost, {} records are duplicated.",
        again.len()
    );
    println!(
        "   Commit more often (after every record or batch) to shrink the window; make processing"
    );
    println!("   idempotent to make the duplicates harmless.");
}

fn join(c: &Consumer) -> JoinGroupRequest {
    JoinGroupRequest {
        group_id: GROUP.into(),
        session_timeout_ms: 10_000,
        rebalance_timeout_ms: 30_000,
        member_id: c.member_id.clone(),
        group_instance_id: None,
        protocol_type: "consumer".into(),
        protocols: vec![JoinProtocol {
            name: "range".into(),
            metadata: encode_subscription(&Subscription {
                topics: vec![TOPIC.into()],
                generation_id: -1,
                ..Default::default()
            }),
        }],
        client_id: c.name.into(),
        client_host: "/10.0.0.1".into(),
        require_known_member_id: true,
    }
}

fn sync(c: &Consumer, assignments: Vec<(String, Bytes)>) -> SyncGroupRequest {
    SyncGroupRequest {
        group_id: GROUP.into(),
        generation_id: c.generation,
        member_id: c.member_id.clone(),
        group_instance_id: None,
        protocol_type: Some("consumer".into()),
        protocol_name: Some("range".into()),
        assignments,
    }
}

fn heartbeat(c: &Consumer) -> HeartbeatRequest {
    HeartbeatRequest {
        group_id: GROUP.into(),
        generation_id: c.generation,
        member_id: c.member_id.clone(),
        group_instance_id: None,
    }
}

fn commit(c: &Consumer, offset: i64) -> OffsetCommitRequest {
    OffsetCommitRequest {
        group_id: GROUP.into(),
        generation_id: c.generation,
        member_id: c.member_id.clone(),
        group_instance_id: None,
        offsets: vec![OffsetCommit {
            topic: TOPIC.into(),
            partition: 0,
            offset,
            leader_epoch: None,
            metadata: String::new(),
        }],
    }
}
