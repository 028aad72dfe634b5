//! The sorted `Vec` map and set against the standard library's B-tree ones: the same
//! operations give the same answers and the same contents.

use super::sorted::{SortedMap, SortedSet};
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Bound;

/// One map or set operation on small keys, so that keys collide often.
#[derive(Debug, Clone)]
enum Op {
    Insert(u8, u16),
    Remove(u8),
    EntryOrInsert(u8, u16),
    EntryModify(u8),
    EntryRemove(u8),
    Retain(u8),
    PopFirst,
    PopLast,
    SplitOffAppend(u8),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0u8..40, any::<u16>()).prop_map(|(k, v)| Op::Insert(k, v)),
        (0u8..40).prop_map(Op::Remove),
        (0u8..40, any::<u16>()).prop_map(|(k, v)| Op::EntryOrInsert(k, v)),
        (0u8..40).prop_map(Op::EntryModify),
        (0u8..40).prop_map(Op::EntryRemove),
        (0u8..40).prop_map(Op::Retain),
        Just(Op::PopFirst),
        Just(Op::PopLast),
        (0u8..40).prop_map(Op::SplitOffAppend),
    ]
}

/// Every kind of range bound over `lo..hi`, skipping the ranges both maps panic on.
fn bounds(lo: u8, hi: u8) -> Vec<(Bound<u8>, Bound<u8>)> {
    let mut out = Vec::new();
    for start in [Bound::Included(lo), Bound::Excluded(lo), Bound::Unbounded] {
        for end in [Bound::Included(hi), Bound::Excluded(hi), Bound::Unbounded] {
            let panics = match (start, end) {
                (Bound::Excluded(s), Bound::Excluded(e)) => s >= e,
                (
                    Bound::Included(s) | Bound::Excluded(s),
                    Bound::Included(e) | Bound::Excluded(e),
                ) => s > e,
                _ => false,
            };
            if !panics {
                out.push((start, end));
            }
        }
    }
    out
}

proptest! {
    #[test]
    fn the_map_answers_like_btreemap(ops in proptest::collection::vec(op(), 0..120), lo in 0u8..40, hi in 0u8..40) {
        let mut ours: SortedMap<u8, u16> = SortedMap::new();
        let mut std: BTreeMap<u8, u16> = BTreeMap::new();
        for op in ops {
            match op {
                Op::Insert(k, v) => prop_assert_eq!(ours.insert(k, v), std.insert(k, v)),
                Op::Remove(k) => prop_assert_eq!(ours.remove(&k), std.remove(&k)),
                Op::EntryOrInsert(k, v) => {
                    prop_assert_eq!(*ours.entry(k).or_insert(v), *std.entry(k).or_insert(v));
                }
                Op::EntryModify(k) => {
                    ours.entry(k).and_modify(|v| *v = v.wrapping_add(1)).or_default();
                    std.entry(k).and_modify(|v| *v = v.wrapping_add(1)).or_default();
                }
                Op::EntryRemove(k) => {
                    let a = match ours.entry(k) {
                        super::sorted::Entry::Occupied(e) => Some(e.remove()),
                        super::sorted::Entry::Vacant(_) => None,
                    };
                    let b = match std.entry(k) {
                        std::collections::btree_map::Entry::Occupied(e) => Some(e.remove()),
                        std::collections::btree_map::Entry::Vacant(_) => None,
                    };
                    prop_assert_eq!(a, b);
                }
                Op::Retain(k) => {
                    ours.retain(|key, v| { *v ^= 1; *key != k });
                    std.retain(|key, v| { *v ^= 1; *key != k });
                }
                Op::PopFirst => prop_assert_eq!(ours.pop_first(), std.pop_first()),
                Op::PopLast => prop_assert_eq!(ours.pop_last(), std.pop_last()),
                Op::SplitOffAppend(k) => {
                    let mut a = ours.split_off(&k);
                    let mut b = std.split_off(&k);
                    prop_assert!(a.iter().eq(b.iter()));
                    prop_assert!(ours.iter().eq(std.iter()));
                    ours.append(&mut a);
                    std.append(&mut b);
                    prop_assert!(a.is_empty() && b.is_empty());
                }
            }
            prop_assert!(ours.iter().eq(std.iter()));
            prop_assert!(ours.iter().rev().eq(std.iter().rev()));
            prop_assert_eq!(ours.len(), std.len());
        }
        for k in 0..40u8 {
            prop_assert_eq!(ours.get(&k), std.get(&k));
            prop_assert_eq!(ours.contains_key(&k), std.contains_key(&k));
        }
        prop_assert_eq!(ours.first_key_value(), std.first_key_value());
        prop_assert_eq!(ours.last_key_value(), std.last_key_value());
        prop_assert!(ours.keys().eq(std.keys()));
        prop_assert!(ours.values().eq(std.values()));
        for range in bounds(lo, hi) {
            prop_assert!(ours.range(range).eq(std.range(range)), "{:?}", range);
        }
        prop_assert_eq!(format!("{ours:?}"), format!("{std:?}"));
        prop_assert_eq!(serde_json::to_string(&ours).unwrap(), serde_json::to_string(&std).unwrap());
        let back: SortedMap<u8, u16> = serde_json::from_str(&serde_json::to_string(&std).unwrap()).unwrap();
        prop_assert_eq!(back, ours);
    }

    #[test]
    fn the_set_answers_like_btreeset(
        a in proptest::collection::vec(0u8..40, 0..60),
        b in proptest::collection::vec(0u8..40, 0..60),
        removes in proptest::collection::vec(0u8..40, 0..20),
        lo in 0u8..40,
        hi in 0u8..40,
    ) {
        let mut ours_a: SortedSet<u8> = SortedSet::new();
        let mut std_a: BTreeSet<u8> = BTreeSet::new();
        for x in &a {
            prop_assert_eq!(ours_a.insert(*x), std_a.insert(*x));
        }
        for x in &removes {
            prop_assert_eq!(ours_a.remove(x), std_a.remove(x));
        }
        let ours_b: SortedSet<u8> = b.iter().copied().collect();
        let std_b: BTreeSet<u8> = b.iter().copied().collect();
        prop_assert!(ours_a.iter().eq(std_a.iter()));
        prop_assert!(ours_b.iter().eq(std_b.iter()));
        prop_assert!(ours_a.difference(&ours_b).eq(std_a.difference(&std_b)));
        prop_assert!(ours_a.intersection(&ours_b).eq(std_a.intersection(&std_b)));
        prop_assert!(ours_a.union(&ours_b).eq(std_a.union(&std_b)));
        prop_assert!(ours_a.symmetric_difference(&ours_b).eq(std_a.symmetric_difference(&std_b)));
        prop_assert_eq!(ours_a.is_subset(&ours_b), std_a.is_subset(&std_b));
        prop_assert_eq!(ours_a.is_disjoint(&ours_b), std_a.is_disjoint(&std_b));
        prop_assert!((&ours_a - &ours_b).iter().eq((&std_a - &std_b).iter()));
        prop_assert!((&ours_a | &ours_b).iter().eq((&std_a | &std_b).iter()));
        prop_assert!((&ours_a & &ours_b).iter().eq((&std_a & &std_b).iter()));
        prop_assert_eq!(ours_a.first(), std_a.first());
        prop_assert_eq!(ours_a.last(), std_a.last());
        for range in bounds(lo, hi) {
            prop_assert!(ours_a.range(range).eq(std_a.range(range)), "{:?}", range);
        }
        prop_assert_eq!(format!("{ours_a:?}"), format!("{std_a:?}"));
        prop_assert_eq!(serde_json::to_string(&ours_a).unwrap(), serde_json::to_string(&std_a).unwrap());
    }
}

#[test]
fn insert_keeps_the_first_key_as_btreemap_does() {
    // Keys equal by `Ord` but distinguishable: the map keeps the one it has.
    #[derive(Debug, Clone, Copy)]
    struct K(u8, char);
    impl PartialEq for K {
        fn eq(&self, o: &Self) -> bool {
            self.0 == o.0
        }
    }
    impl Eq for K {}
    impl PartialOrd for K {
        fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
            Some(self.cmp(o))
        }
    }
    impl Ord for K {
        fn cmp(&self, o: &Self) -> std::cmp::Ordering {
            self.0.cmp(&o.0)
        }
    }
    let mut ours = SortedMap::new();
    let mut std = BTreeMap::new();
    for (k, v) in [(K(1, 'a'), 1), (K(1, 'b'), 2)] {
        assert_eq!(ours.insert(k, v), std.insert(k, v));
    }
    let (ok, ov) = ours.first_key_value().unwrap();
    let (sk, sv) = std.first_key_value().unwrap();
    assert_eq!((ok.1, ov), (sk.1, sv));
}

#[test]
#[should_panic(expected = "range start is greater than range end")]
fn a_decreasing_range_panics_as_in_btreemap() {
    let map: SortedMap<u8, u8> = (0..10).map(|k| (k, k)).collect();
    let (start, end) = (5, 3);
    let _ = map.range(start..end).count();
}
