//! The transactional producer and a `read_committed` consumer against a broker.

use crate::client::consumer::{AutoOffsetReset, Consumer, ConsumerConfig, GroupMetadata};
use crate::client::producer::{Producer, ProducerConfig, TransactionEvent, TransactionState};
use crate::client::protocol::dispatch;
use crate::client::TopicPartition;
use crate::error::KafkaError;
use crate::log::IsolationLevel;
use crate::{Broker, BrokerConfig};

fn broker() -> Broker {
    let mut b = Broker::new(BrokerConfig::default(), 0);
    b.create_topic("in", 1, None, 0).unwrap();
    b.create_topic("out", 1, None, 0).unwrap();
    b
}

fn producer(id: &str) -> Producer {
    Producer::new(
        ProducerConfig {
            transactional_id: Some(id.into()),
            linger_ms: 0,
            ..ProducerConfig::default()
        },
        0,
    )
}

/// Move every request and answer until the producer is quiet; returns its events.
fn run(b: &mut Broker, p: &mut Producer, now: &mut i64) -> Vec<TransactionEvent> {
    let mut events = Vec::new();
    for _ in 0..50 {
        *now += 10;
        p.handle_timeout(*now);
        while let Some((id, request)) = p.poll_transmit(*now) {
            if let Some(response) = dispatch(b, id, "p", request, *now) {
                p.handle_response(id, response, *now);
            }
        }
        while p.poll_event().is_some() {}
        events.extend(std::iter::from_fn(|| p.poll_transaction_event()));
    }
    events
}

fn send(p: &mut Producer, value: &str, now: i64) {
    p.send(
        "out",
        None,
        Some(value.to_string().into()),
        Vec::new(),
        None,
        now,
    )
    .unwrap();
}

fn read(b: &mut Broker, isolation: IsolationLevel, now: &mut i64) -> (Vec<String>, i64) {
    let tp = TopicPartition::new("out", 0);
    let mut c = Consumer::new(
        ConsumerConfig {
            auto_offset_reset: AutoOffsetReset::Earliest,
            isolation_level: isolation,
            ..ConsumerConfig::default()
        },
        *now,
    );
    c.assign(std::slice::from_ref(&tp));
    let mut got = Vec::new();
    for _ in 0..20 {
        *now += 600;
        while let Some((id, request)) = c.poll_transmit(*now) {
            let response = dispatch(b, id, "c", request, *now).unwrap();
            c.handle_response(id, response, *now);
        }
        got.extend(
            c.poll(*now)
                .into_iter()
                .map(|r| String::from_utf8(r.record.value.unwrap().to_vec()).unwrap()),
        );
    }
    (got, c.position(&tp).unwrap())
}

#[test]
fn a_committed_transaction_shows_its_records_and_offsets_an_aborted_one_neither() {
    let mut b = broker();
    let mut now = 0;
    let mut p = producer("app");
    assert!(p.begin_transaction().is_err(), "init_transactions first");
    p.init_transactions().unwrap();
    let events = run(&mut b, &mut p, &mut now);
    assert!(matches!(
        events[..],
        [TransactionEvent::Initialized { epoch: 0, .. }]
    ));

    p.begin_transaction().unwrap();
    send(&mut p, "a1", now);
    send(&mut p, "a2", now);
    let group = GroupMetadata {
        group_id: "g".into(),
        generation_id: -1,
        member_id: String::new(),
        group_instance_id: None,
    };
    p.send_offsets_to_transaction(vec![(TopicPartition::new("in", 0), 7)], group.clone())
        .unwrap();
    p.commit_transaction().unwrap();
    assert_eq!(
        run(&mut b, &mut p, &mut now),
        vec![TransactionEvent::Committed]
    );
    assert_eq!(b.offsets().fetch("g", "in", 0).unwrap().offset, 7);

    p.begin_transaction().unwrap();
    send(&mut p, "b1", now);
    p.send_offsets_to_transaction(vec![(TopicPartition::new("in", 0), 9)], group)
        .unwrap();
    run(&mut b, &mut p, &mut now);
    p.abort_transaction().unwrap();
    assert_eq!(
        run(&mut b, &mut p, &mut now),
        vec![TransactionEvent::Aborted]
    );
    assert_eq!(
        b.offsets().fetch("g", "in", 0).unwrap().offset,
        7,
        "dropped"
    );
    assert_eq!(p.transaction_state(), Some(TransactionState::Ready));

    // Log: a1 a2 COMMIT b1 ABORT. read_committed skips b1 and both markers, and ends at
    // the log end; read_uncommitted returns b1 too.
    let (committed, position) = read(&mut b, IsolationLevel::ReadCommitted, &mut now);
    assert_eq!(committed, ["a1", "a2"]);
    assert_eq!(position, 5);
    let (uncommitted, _) = read(&mut b, IsolationLevel::ReadUncommitted, &mut now);
    assert_eq!(uncommitted, ["a1", "a2", "b1"]);
}

#[test]
fn a_second_instance_fences_the_first_and_aborts_its_transaction() {
    let mut b = broker();
    let mut now = 0;
    let mut zombie = producer("app");
    zombie.init_transactions().unwrap();
    run(&mut b, &mut zombie, &mut now);
    zombie.begin_transaction().unwrap();
    send(&mut zombie, "z1", now);
    run(&mut b, &mut zombie, &mut now);

    let mut fresh = producer("app");
    fresh.init_transactions().unwrap();
    let events = run(&mut b, &mut fresh, &mut now);
    // CONCURRENT_TRANSACTIONS first (the zombie's transaction is aborted), then epoch 2.
    assert!(matches!(
        events[..],
        [TransactionEvent::Initialized { epoch: 2, .. }]
    ));

    send(&mut zombie, "z2", now);
    zombie.commit_transaction().unwrap();
    let events = run(&mut b, &mut zombie, &mut now);
    assert_eq!(
        events,
        vec![TransactionEvent::Failed {
            error: Some(KafkaError::ProducerFenced),
            fatal: true
        }]
    );
    assert_eq!(
        zombie.transaction_state(),
        Some(TransactionState::Fatal(KafkaError::ProducerFenced))
    );
    let (committed, _) = read(&mut b, IsolationLevel::ReadCommitted, &mut now);
    assert!(committed.is_empty(), "{committed:?}");
}

#[test]
fn a_transactional_producer_sends_only_inside_a_transaction() {
    let mut p = producer("app");
    assert!(p.send("out", None, None, Vec::new(), None, 0).is_err());
    assert!(p.poll_event().is_none());
}
