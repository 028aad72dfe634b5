//! Clients: a producer and a consumer as sans-IO state machines.
//!
//! Most of Kafka's lessons are about what the *consumer* does: it keeps its own position
//! per partition, seeks by changing that position, commits offsets to the broker, and runs
//! the partition assignment when it leads its group. These clients behave like the Java
//! client in the ways a learner can observe, and they talk to the broker only through
//! [`protocol::Request`] and [`protocol::Response`].
//!
//! A consumer that seeks and commits, against a broker in the same process:
//!
//! ```
//! use minikafka::client::consumer::{AutoOffsetReset, Consumer, ConsumerConfig};
//! use minikafka::client::protocol::dispatch;
//! use minikafka::client::TopicPartition;
//! use minikafka::{Broker, BrokerConfig, Record, RecordBatch};
//!
//! // A broker with one topic of 10 records.
//! let mut broker = Broker::new(BrokerConfig::default(), 0);
//! broker.create_topic("orders", 1, None, 0).unwrap();
//! let records = (0..10).map(|i| Record::from_value(format!("order {i}"), 0)).collect();
//! broker.produce("orders", 0, RecordBatch::from_records(records).unwrap(), None, 0).unwrap();
//!
//! // A consumer reading partition 0 by hand (assign, not subscribe), committing to group "billing".
//! let tp = TopicPartition::new("orders", 0);
//! let mut consumer = Consumer::new(
//!     ConsumerConfig {
//!         group_id: Some("billing".into()),
//!         enable_auto_commit: false,
//!         auto_offset_reset: AutoOffsetReset::Earliest,
//!         ..ConsumerConfig::default()
//!     },
//!     0,
//! );
//! consumer.assign(&[tp.clone()]);
//! // seek only moves the consumer's own position; the broker hears of it at the next fetch.
//! consumer.seek(&tp, 7).unwrap();
//!
//! // The driver: move requests to the broker and answers back (sans-IO: no sockets here).
//! let mut now = 0;
//! let mut got = Vec::new();
//! while got.len() < 3 {
//!     now += 10;
//!     while let Some((id, request)) = consumer.poll_transmit(now) {
//!         if let Some(response) = dispatch(&mut broker, id, "example", request, now) {
//!             consumer.handle_response(id, response, now);
//!         }
//!     }
//!     got.extend(consumer.poll(now));
//! }
//! assert_eq!(got.iter().map(|r| r.offset).collect::<Vec<_>>(), vec![7, 8, 9]);
//!
//! // Processed 7..9: commit the *next* offset to read, 10.
//! consumer.commit_sync(Some(vec![(tp.clone(), 10)]), now).unwrap();
//! while let Some((id, request)) = consumer.poll_transmit(now) {
//!     let response = dispatch(&mut broker, id, "example", request, now).unwrap();
//!     consumer.handle_response(id, response, now);
//! }
//! assert_eq!(broker.offsets().fetch("billing", "orders", 0).unwrap().offset, 10);
//! assert_eq!(consumer.committed(&tp), Some(10));
//! ```

pub mod assignor;
pub mod consumer;
pub mod partitioner;
pub mod producer;
pub mod protocol;

pub use protocol::{Acks, Request, Response, TopicPartition};
