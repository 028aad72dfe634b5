//! The structure-aware request-sequence generator (`minikafka_tests::sequence`, also the
//! cargo-fuzz target `request_sequence`) on stable Rust: a bounded number of sequences from
//! seeded random bytes, each through a fresh `WireBroker`, with the invariants of
//! [`minikafka_tests::sequence::run`] checked after every step.
//!
//! `MINIKAFKA_SEQ_ITERATIONS` and `MINIKAFKA_SEQ_SEED` run more or other sequences; a
//! failure names the seed and the sequence.

use minikafka_tests::sequence::{run, Reached};

const SEQUENCES_DEFAULT: u64 = 3_000;

/// xorshift64*, as in fuzz_smoke.rs.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

#[test]
fn random_valid_request_sequences_keep_the_broker_invariants() {
    let seed = env("MINIKAFKA_SEQ_SEED", 0x5E0_5E0).max(1);
    let sequences = env("MINIKAFKA_SEQ_ITERATIONS", SEQUENCES_DEFAULT);
    let mut rng = Rng(seed);
    let mut total = Reached::default();
    for i in 0..sequences {
        let len = 256 + (rng.next() % 4096) as usize;
        let data: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        let reached = std::panic::catch_unwind(|| run(&data)).unwrap_or_else(|panic| {
            eprintln!("seed {seed:#x}, sequence {i} ({len} bytes) broke an invariant");
            std::panic::resume_unwind(panic)
        });
        total.add(&reached);
    }
    eprintln!(
        "{sequences} sequences: {} requests, {} answered, highest high watermark {}, \
         answers with error code 0 per API key: {:?}",
        total.requests, total.answered, total.max_high_watermark, total.ok
    );
    // The generator gets past the decoders into the broker's logic: records appended, a
    // group joined and synced, heartbeats accepted, a transaction ended, configs altered.
    assert!(total.max_high_watermark > 0, "records were appended");
    for (key, what) in [
        (0, "Produce"),
        (1, "Fetch"),
        (11, "JoinGroup"),
        (14, "SyncGroup"),
        (12, "Heartbeat"),
        (8, "OffsetCommit"),
        (19, "CreateTopics"),
        (22, "InitProducerId"),
        (24, "AddPartitionsToTxn"),
        (26, "EndTxn"),
        (33, "AlterConfigs"),
    ] {
        assert!(
            total.ok.get(&key).copied().unwrap_or(0) > 0,
            "no {what} succeeded in {sequences} sequences: {:?}",
            total.ok
        );
    }
}
