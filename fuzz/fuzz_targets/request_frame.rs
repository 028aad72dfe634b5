//! Any bytes as one request frame (after the length prefix), through the wire adapter as a
//! connection would send them. No input may panic or abort the broker.
#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use minikafka::wire::WireBroker;
use minikafka::{Broker, BrokerConfig};

fuzz_target!(|data: &[u8]| {
    let mut wire = WireBroker::new(Broker::new(BrokerConfig::default(), 0));
    wire.connection_opened(1, "127.0.0.1");
    let _ = wire.handle_frame(1, Bytes::copy_from_slice(data), 0);
    wire.handle_timeout(1_000);
    while wire.poll_transmit().is_some() {}
    while wire.poll_event().is_some() {}
});
