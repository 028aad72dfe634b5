//! [`SortedMap`] and [`SortedSet`]: a map and a set kept as one sorted `Vec`, with the API of
//! `BTreeMap` and `BTreeSet` that the core uses. See [`crate::collections`] for why.
//!
//! Lookups are binary searches; an insert or a remove moves the entries after it by one
//! (`Vec::insert`, `Vec::remove`). For the core's maps (a group's members, a topic's
//! partitions, a producer's in-flight batches) that is as fast as a tree, and the code the
//! compiler writes for each key and value type is a few hundred bytes instead of several
//! kilobytes.
//!
//! Semantics follow the standard library: iteration in ascending key order, `insert` on a
//! present key replaces the value and keeps the key, a set's `insert` of a present element
//! keeps the old one, `range` panics on a decreasing or empty-excluded range.

use std::ops::{Bound, RangeBounds};

mod map;
mod set;

pub use map::*;
pub use set::*;

/// The index range of the entries whose keys are inside `range`. Panics like `BTreeMap::range`
/// when the range's start is after its end, or when both bounds exclude the same key.
fn index_range<T, Q, R>(sorted: &[T], key: impl Fn(&T) -> &Q, range: &R) -> (usize, usize)
where
    Q: Ord + ?Sized,
    R: RangeBounds<Q>,
{
    match (range.start_bound(), range.end_bound()) {
        (Bound::Excluded(s), Bound::Excluded(e)) if s == e => {
            panic!("range start and end are equal and excluded in BTreeMap")
        }
        (Bound::Included(s) | Bound::Excluded(s), Bound::Included(e) | Bound::Excluded(e))
            if s > e =>
        {
            panic!("range start is greater than range end in BTreeMap")
        }
        _ => {}
    }
    let start = match range.start_bound() {
        Bound::Included(s) => sorted.partition_point(|t| key(t) < s),
        Bound::Excluded(s) => sorted.partition_point(|t| key(t) <= s),
        Bound::Unbounded => 0,
    };
    let end = match range.end_bound() {
        Bound::Included(e) => sorted.partition_point(|t| key(t) <= e),
        Bound::Excluded(e) => sorted.partition_point(|t| key(t) < e),
        Bound::Unbounded => sorted.len(),
    };
    (start, end.max(start))
}

/// The iterator traits for a wrapper `$name` over a slice or vec iterator, with `$map`
/// turning each element into the item.
macro_rules! sorted_iter {
    ($name:ident<$($lt:lifetime,)? $($t:ident),*>, $item:ty, |$e:pat_param| $map:expr) => {
        impl<$($lt,)? $($t),*> Iterator for $name<$($lt,)? $($t),*> {
            type Item = $item;

            fn next(&mut self) -> Option<$item> {
                self.0.next().map(|$e| $map)
            }

            fn size_hint(&self) -> (usize, Option<usize>) {
                self.0.size_hint()
            }

            fn count(self) -> usize {
                self.0.len()
            }

            fn last(mut self) -> Option<$item> {
                self.next_back()
            }
        }

        impl<$($lt,)? $($t),*> DoubleEndedIterator for $name<$($lt,)? $($t),*> {
            fn next_back(&mut self) -> Option<$item> {
                self.0.next_back().map(|$e| $map)
            }
        }

        impl<$($lt,)? $($t),*> ExactSizeIterator for $name<$($lt,)? $($t),*> {}

        impl<$($lt,)? $($t),*> FusedIterator for $name<$($lt,)? $($t),*> {}
    };
}

/// `Clone` for a wrapper over a slice iterator, without the `Clone` bounds a derive would add.
macro_rules! clone_without_bounds {
    ($name:ident<$lt:lifetime, $($t:ident),*> { $($field:ident),* }) => {
        impl<$lt, $($t),*> Clone for $name<$lt, $($t),*> {
            fn clone(&self) -> Self {
                $name { $($field: self.$field.clone()),* }
            }
        }
    };
    ($name:ident<$lt:lifetime, $($t:ident),*>) => {
        impl<$lt, $($t),*> Clone for $name<$lt, $($t),*> {
            fn clone(&self) -> Self {
                $name(self.0.clone())
            }
        }
    };
}

use {clone_without_bounds, sorted_iter};
