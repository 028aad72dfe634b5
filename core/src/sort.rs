//! One small stable sort, used instead of the standard library's.
//!
//! Why not `slice::sort`: the standard sort (driftsort, and ipnsort for `sort_unstable`) is
//! fast on big inputs, but it is generic code of several kilobytes that the compiler builds
//! anew for every element type and every comparison closure. The browser downloads each of
//! those copies: 29 of them were a tenth of the visualiser's wasm. The lists the core sorts
//! are short (a group's members, a topic's partitions, one request's batches, a scenario's
//! script), so an insertion sort is just as good here, and its copies are a few dozen bytes.
//!
//! The same holds for `collect()` into a `BTreeMap` or `BTreeSet`: `FromIterator` sorts its
//! input with the standard sort before building the tree. [`map_of`] and [`set_of`] build
//! the tree by inserting instead. With equal keys the last value wins, as with `collect()`.

use crate::collections::{BTreeMap, BTreeSet};
use std::cmp::Ordering;

/// Sort `v` ascending; stable (equal elements keep their order), like `slice::sort`.
pub fn sort<T: Ord>(v: &mut [T]) {
    sort_by(v, T::cmp);
}

/// Sort `v` by the comparison `compare`; stable, like `slice::sort_by`.
pub fn sort_by<T, F: FnMut(&T, &T) -> Ordering>(v: &mut [T], mut compare: F) {
    for i in 1..v.len() {
        // Move v[i] left past every element greater than it: never past an equal one,
        // which is what keeps the sort stable.
        let mut j = i;
        while j > 0 && compare(&v[j - 1], &v[j]) == Ordering::Greater {
            v.swap(j - 1, j);
            j -= 1;
        }
    }
}

/// Sort `v` by the key `key` gives each element; stable, like `slice::sort_by_key`.
pub fn sort_by_key<T, K: Ord, F: FnMut(&T) -> K>(v: &mut [T], mut key: F) {
    sort_by(v, |a, b| key(a).cmp(&key(b)));
}

/// A `BTreeMap` of `items`, built by inserting: what `collect()` gives, without its sort.
pub fn map_of<K: Ord, V>(items: impl IntoIterator<Item = (K, V)>) -> BTreeMap<K, V> {
    let mut map = BTreeMap::new();
    map.extend(items);
    map
}

/// A `BTreeSet` of `items`, built by inserting: what `collect()` gives, without its sort.
pub fn set_of<T: Ord>(items: impl IntoIterator<Item = T>) -> BTreeSet<T> {
    let mut set = BTreeSet::new();
    set.extend(items);
    set
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn equal_keys_keep_their_order() {
        let mut v = vec![(2, 'a'), (1, 'b'), (2, 'c'), (1, 'd'), (0, 'e'), (2, 'f')];
        sort_by_key(&mut v, |&(k, _)| k);
        assert_eq!(
            v,
            vec![(0, 'e'), (1, 'b'), (1, 'd'), (2, 'a'), (2, 'c'), (2, 'f')]
        );
    }

    #[test]
    fn empty_and_single_lists_are_sorted() {
        let mut empty: Vec<i32> = vec![];
        sort(&mut empty);
        assert!(empty.is_empty());
        let mut one = vec![7];
        sort(&mut one);
        assert_eq!(one, vec![7]);
    }

    #[test]
    fn with_equal_keys_the_last_value_wins_as_with_collect() {
        let items = [("a", 1), ("b", 2), ("a", 3)];
        let collected: BTreeMap<_, _> = items.iter().copied().collect();
        assert_eq!(map_of(items), collected);
        assert_eq!(map_of(items)["a"], 3);
    }

    proptest! {
        #[test]
        fn sort_is_the_standard_stable_sort(v in prop::collection::vec((0u8..8, any::<u16>()), 0..60)) {
            let mut expected = v.clone();
            expected.sort();
            let mut got = v.clone();
            sort(&mut got);
            prop_assert_eq!(&got, &expected);

            // By a key with many ties, stability shows.
            let mut expected = v.clone();
            expected.sort_by_key(|&(k, _)| k);
            let mut got = v.clone();
            sort_by_key(&mut got, |&(k, _)| k);
            prop_assert_eq!(&got, &expected);

            let mut expected = v.clone();
            expected.sort_by_key(|a| std::cmp::Reverse(a.0));
            let mut got = v;
            sort_by(&mut got, |a, b| b.0.cmp(&a.0));
            prop_assert_eq!(got, expected);
        }

        #[test]
        fn map_of_and_set_of_are_collect(v in prop::collection::vec((0u8..16, any::<u16>()), 0..60)) {
            prop_assert_eq!(map_of(v.iter().copied()), v.iter().copied().collect::<BTreeMap<_, _>>());
            prop_assert_eq!(set_of(v.iter().copied()), v.iter().copied().collect::<BTreeSet<_>>());
        }
    }
}
