//! Any bytes as a Produce record set: the header and CRC check and the splitter.
#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = minikafka::wire::read_header(data);
    let _ = minikafka::wire::split_record_set(Bytes::copy_from_slice(data));
});
