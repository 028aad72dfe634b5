//! Any bytes as a committed-offsets record: the offsets-log key and value decoders.
#![no_main]

use libfuzzer_sys::fuzz_target;
use minikafka::offsets::{OffsetAndMetadata, OffsetKey};

fuzz_target!(|data: &[u8]| {
    let (key, value) = data.split_at(data.len() / 2);
    let _ = OffsetKey::decode(key);
    let _ = OffsetAndMetadata::decode(value);
});
