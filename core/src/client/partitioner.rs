//! Which partition a record goes to: Kafka's default partitioner, bit for bit.
//!
//! - A record **with a key** goes to `toPositive(murmur2(key)) % numPartitions`. The hash is
//!   the one the Java client uses (`Utils.murmur2`), so a key lands in the same partition
//!   whether a Java, librdkafka (`murmur2_random`) or minikafka producer wrote it. That is
//!   what "all records with the same key are in the same partition, in order" rests on, and
//!   also why adding partitions to a topic breaks it: the modulus changes, so most keys
//!   move to another partition from then on, while their older records stay where they were.
//! - A record **without a key** has no partition it must go to. Kafka used to spread such
//!   records round-robin, one record per partition, which made many tiny batches. Since
//!   KIP-480 (2.4) the producer *sticks* to one partition until it has produced a batch
//!   worth of bytes there, then switches; KIP-794 (3.3) made the switch depend on bytes
//!   produced (`batch.size`) rather than on when a batch happens to be sent, so that the
//!   spread stays uniform. [`StickyPartitioner`] does that, with a seeded generator
//!   instead of `ThreadLocalRandom` so runs are reproducible.

use crate::collections::BTreeMap;

use crate::rng::SplitMix64;

/// Java's `Utils.murmur2`: 32-bit MurmurHash2 with Kafka's seed `0x9747b28c`.
///
/// Java has no unsigned ints, so the reference works on `int` with wrapping multiplication
/// and `>>>` (logical shift). We compute on `u32`, where `*` wraps and `>>` is logical, and
/// reinterpret the bits as `i32` at the end: the same bits, the same (possibly negative)
/// number Java returns.
pub fn murmur2(data: &[u8]) -> i32 {
    const SEED: u32 = 0x9747_b28c;
    const M: u32 = 0x5bd1_e995;
    const R: u32 = 24;

    // Java's `length` is an `int`: the length wraps the same way here.
    let mut h: u32 = SEED ^ (data.len() as u32);
    let mut chunks = data.chunks_exact(4);
    for chunk in &mut chunks {
        // Little-endian, as Java assembles `k` from `data[i4 + 0..4] & 0xff`.
        let mut k = u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h = h.wrapping_mul(M);
        h ^= k;
    }
    // Java's fall-through `switch (length % 4)` on the last 1 to 3 bytes.
    let tail = chunks.remainder();
    if tail.len() == 3 {
        h ^= u32::from(tail[2]) << 16;
    }
    if tail.len() >= 2 {
        h ^= u32::from(tail[1]) << 8;
    }
    if !tail.is_empty() {
        h ^= u32::from(tail[0]);
        h = h.wrapping_mul(M);
    }
    h ^= h >> 13;
    h = h.wrapping_mul(M);
    h ^= h >> 15;
    h as i32
}

/// Java's `Utils.toPositive`: clear the sign bit. Not `abs()`: `abs(i32::MIN)` overflows,
/// and Kafka wants every hash to map to a valid partition.
pub fn to_positive(n: i32) -> i32 {
    n & 0x7fff_ffff
}

/// The partition of a keyed record: `toPositive(murmur2(key)) % numPartitions`, as in
/// Java's `BuiltInPartitioner.partitionForKey`. `num_partitions` must be at least 1.
pub fn partition_for_key(key: &[u8], num_partitions: i32) -> i32 {
    to_positive(murmur2(key)) % num_partitions
}

/// Where one topic's keyless records currently go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Sticky {
    /// The sticky partition.
    partition: i32,
    /// Bytes of keyless records produced to it since it was chosen.
    produced_bytes: usize,
}

/// The default partitioner: murmur2 for keyed records, "uniform sticky" (KIP-794) for
/// keyless ones.
///
/// Keyless records of a topic all go to one partition until `batch.size` bytes were
/// produced to it; then the next partition is drawn at random among the *others*. Sticking
/// fills batches (fewer, bigger requests: better throughput and compression), and counting
/// bytes rather than batches keeps the long-run spread even. The Java client can also
/// weigh the draw by how backed-up each partition is (`partitioner.adaptive.partitioning.enable`);
/// with one broker there is nothing to adapt to, so we draw uniformly.
#[derive(Debug, Clone)]
pub struct StickyPartitioner {
    batch_size: usize,
    rng: SplitMix64,
    topics: BTreeMap<String, Sticky>,
}

impl StickyPartitioner {
    /// A partitioner that switches after `batch_size` bytes, drawing from a generator
    /// seeded with `seed` (same seed, same inputs: same partitions).
    pub fn new(batch_size: usize, seed: u64) -> StickyPartitioner {
        StickyPartitioner {
            batch_size: batch_size.max(1),
            rng: SplitMix64::new(seed),
            topics: BTreeMap::new(),
        }
    }

    /// The partition for a record of `size_bytes` bytes with `key`, in a topic of
    /// `num_partitions` (at least 1) partitions. Keyed records are hashed and do not move
    /// the sticky partition; keyless ones are counted against it.
    pub fn partition(
        &mut self,
        topic: &str,
        key: Option<&[u8]>,
        size_bytes: usize,
        num_partitions: i32,
    ) -> i32 {
        let num_partitions = num_partitions.max(1);
        if let Some(key) = key {
            return partition_for_key(key, num_partitions);
        }
        let current = match self.topics.get(topic) {
            // A refresh may have changed the count; a partition that no longer fits is
            // dropped (partitions only grow in Kafka, but a topic can be re-created).
            Some(sticky) if sticky.partition < num_partitions => *sticky,
            _ => {
                let first = self.draw(num_partitions, None);
                Sticky {
                    partition: first,
                    produced_bytes: 0,
                }
            }
        };
        let chosen = current.partition;
        let produced_bytes = current.produced_bytes + size_bytes;
        // The record goes where we were sticking; the switch applies to the *next* one,
        // as in Java's `BuiltInPartitioner.updatePartitionInfo`.
        let next = if produced_bytes >= self.batch_size {
            Sticky {
                partition: self.draw(num_partitions, Some(chosen)),
                produced_bytes: 0,
            }
        } else {
            Sticky {
                partition: chosen,
                produced_bytes,
            }
        };
        self.topics.insert(topic.to_string(), next);
        chosen
    }

    /// Where the next keyless record of `topic` would go, if a partition was chosen yet.
    pub fn sticky_partition(&self, topic: &str) -> Option<i32> {
        self.topics.get(topic).map(|s| s.partition)
    }

    /// A uniformly drawn partition, never `avoid` when there is another one.
    fn draw(&mut self, num_partitions: i32, avoid: Option<i32>) -> i32 {
        let n = num_partitions.max(1) as u64;
        match avoid {
            Some(current) if n > 1 => {
                // Draw among the n-1 others: skip over the current one.
                let pick = (self.rng.next_u64() % (n - 1)) as i32;
                if pick >= current {
                    pick + 1
                } else {
                    pick
                }
            }
            _ => (self.rng.next_u64() % n) as i32,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Kafka's `UtilsTest.testMurmur2` and librdkafka's `unittest_murmur2`
    /// (`java_murmur2_results`): the Java client's own answers.
    #[test]
    fn murmur2_matches_the_java_client() {
        let java: &[(&str, i32)] = &[
            ("21", -973_932_308),
            ("foobar", -790_332_482),
            ("a-little-bit-long-string", -985_981_536),
            ("a-little-bit-longer-string", -1_486_304_829),
            (
                "lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8",
                -58_897_971,
            ),
            ("abc", 479_470_107),
        ];
        let librdkafka: &[(&str, u32)] = &[
            ("kafka", 0xd067_cf64),
            ("giberish123456789", 0x8f55_2b0c),
            ("1234", 0x9fc9_7b14),
            ("234", 0xe7c0_09ca),
            ("34", 0x8739_30da),
            ("4", 0x5a4b_5ca1),
            ("PreAmbleWillBeRemoved,ThePrePartThatIs", 0x7842_4f1c),
            ("reAmbleWillBeRemoved,ThePrePartThatIs", 0x4a62_b377),
            ("eAmbleWillBeRemoved,ThePrePartThatIs", 0xe0e4_e09e),
            ("AmbleWillBeRemoved,ThePrePartThatIs", 0x62b8_b43f),
            ("", 0x106e_08d9),
        ];
        for (input, expected) in java {
            assert_eq!(murmur2(input.as_bytes()), *expected, "{input:?}");
        }
        for (input, expected) in librdkafka {
            assert_eq!(murmur2(input.as_bytes()) as u32, *expected, "{input:?}");
        }
    }

    #[test]
    fn keys_map_to_partitions_like_the_java_client() {
        // 0xd067cf64 & 0x7fffffff = 1348980580; "foobar": -790332482 & 0x7fffffff = 1357151166.
        assert_eq!(to_positive(murmur2(b"kafka")), 1_348_980_580);
        assert_eq!(partition_for_key(b"kafka", 10), 0);
        assert_eq!(partition_for_key(b"kafka", 3), 1_348_980_580 % 3);
        assert_eq!(partition_for_key(b"foobar", 6), 1_357_151_166 % 6);
        assert_eq!(partition_for_key(b"foobar", 1), 0);
        assert_eq!(to_positive(i32::MIN), 0);
        assert_eq!(to_positive(-1), i32::MAX);
        // Growing the topic moves keys: the classic surprise of CreatePartitions.
        assert_ne!(
            partition_for_key(b"kafka", 3),
            partition_for_key(b"kafka", 4)
        );
    }

    #[test]
    fn keyless_records_stick_then_switch_after_batch_size() {
        let mut p = StickyPartitioner::new(100, 7);
        let first = p.partition("t", None, 30, 4);
        // 30 + 30 + 30 = 90 < 100: still sticking; the fourth (120) is the last one here.
        for _ in 0..3 {
            assert_eq!(p.partition("t", None, 30, 4), first);
        }
        let second = p.partition("t", None, 30, 4);
        assert_ne!(second, first, "never switch to the same partition");
        // Keyed records neither move nor count against the sticky partition.
        assert_eq!(p.partition("t", Some(b"kafka"), 1000, 4), 1_348_980_580 % 4);
        assert_eq!(p.sticky_partition("t"), Some(second));
    }

    #[test]
    fn switching_visits_every_partition_and_is_seeded() {
        let run = |seed| {
            let mut p = StickyPartitioner::new(10, seed);
            (0..200)
                .map(|_| p.partition("t", None, 10, 5))
                .collect::<Vec<_>>()
        };
        let a = run(1);
        assert_eq!(a, run(1), "same seed, same partitions");
        assert_ne!(a, run(2));
        assert!(
            a.windows(2).all(|w| w[0] != w[1]),
            "each record fills a batch"
        );
        for partition in 0..5 {
            assert!(a.contains(&partition));
        }
        // One partition: nothing to switch to.
        let mut one = StickyPartitioner::new(10, 3);
        assert!((0..10).all(|_| one.partition("t", None, 50, 1) == 0));
    }
}
