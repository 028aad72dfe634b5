//! Clients: a producer and a consumer as sans-IO state machines.
//!
//! Most of Kafka's lessons are about what the *consumer* does: it keeps its own position
//! per partition, seeks by changing that position, commits offsets to the broker, and runs
//! the partition assignment when it leads its group. These clients behave like the Java
//! client in the ways a learner can observe, and they talk to the broker only through
//! [`protocol::Request`] and [`protocol::Response`].

pub mod assignor;
pub mod consumer;
pub mod partitioner;
pub mod producer;
pub mod protocol;

pub use protocol::{Acks, Request, Response, TopicPartition};
