//! Structure-aware: the input chooses a sequence of *valid* requests (API, version in the
//! served range, field values) and clock moves, fed to one stateful `WireBroker`, so the
//! broker's logic is reached and not only its decoders. The generator and its invariants
//! (one answer per request, in order per connection, decoding at the request's version;
//! log start <= last stable <= high watermark <= log end, high watermarks never going down)
//! are in `tests/src/sequence.rs`, which the stable test `tests/tests/request_sequence.rs`
//! also runs.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[allow(dead_code)]
#[path = "../../tests/src/sequence.rs"]
mod sequence;

fuzz_target!(|data: &[u8]| {
    sequence::run(data);
});
