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

use std::borrow::Borrow;
use std::cmp::Ordering;
use std::fmt;
use std::iter::FusedIterator;
use std::ops::{Bound, Index, RangeBounds};
use std::{slice, vec};

/// A map kept as a `Vec` of `(key, value)` sorted by key, with the API of `BTreeMap`.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SortedMap<K, V> {
    entries: Vec<(K, V)>,
}

impl<K, V> Default for SortedMap<K, V> {
    fn default() -> Self {
        Self::new()
    }
}

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

impl<K, V> SortedMap<K, V> {
    /// An empty map.
    pub const fn new() -> Self {
        Self {
            entries: Vec::new(),
        }
    }

    /// How many entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// No entries?
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Remove every entry.
    pub fn clear(&mut self) {
        self.entries.clear();
    }

    /// The entries in key order.
    pub fn iter(&self) -> Iter<'_, K, V> {
        Iter(self.entries.iter())
    }

    /// The entries in key order, values mutable.
    pub fn iter_mut(&mut self) -> IterMut<'_, K, V> {
        IterMut(self.entries.iter_mut())
    }

    /// The keys in order.
    pub fn keys(&self) -> Keys<'_, K, V> {
        Keys(self.entries.iter())
    }

    /// The values in key order.
    pub fn values(&self) -> Values<'_, K, V> {
        Values(self.entries.iter())
    }

    /// The values in key order, mutable.
    pub fn values_mut(&mut self) -> ValuesMut<'_, K, V> {
        ValuesMut(self.entries.iter_mut())
    }

    /// The keys in order, by value.
    pub fn into_keys(self) -> IntoKeys<K, V> {
        IntoKeys(self.entries.into_iter())
    }

    /// The values in key order, by value.
    pub fn into_values(self) -> IntoValues<K, V> {
        IntoValues(self.entries.into_iter())
    }

    /// The entry with the smallest key.
    pub fn first_key_value(&self) -> Option<(&K, &V)> {
        self.entries.first().map(|(k, v)| (k, v))
    }

    /// The entry with the largest key.
    pub fn last_key_value(&self) -> Option<(&K, &V)> {
        self.entries.last().map(|(k, v)| (k, v))
    }

    /// The entry with the smallest key, to read or remove.
    pub fn first_entry(&mut self) -> Option<OccupiedEntry<'_, K, V>> {
        (!self.entries.is_empty()).then_some(OccupiedEntry {
            map: self,
            index: 0,
        })
    }

    /// The entry with the largest key, to read or remove.
    pub fn last_entry(&mut self) -> Option<OccupiedEntry<'_, K, V>> {
        let index = self.entries.len().checked_sub(1)?;
        Some(OccupiedEntry { map: self, index })
    }

    /// Remove and return the entry with the smallest key.
    pub fn pop_first(&mut self) -> Option<(K, V)> {
        (!self.entries.is_empty()).then(|| self.entries.remove(0))
    }

    /// Remove and return the entry with the largest key.
    pub fn pop_last(&mut self) -> Option<(K, V)> {
        self.entries.pop()
    }

    /// Keep only the entries for which `keep` is true (it may change the value).
    pub fn retain<F: FnMut(&K, &mut V) -> bool>(&mut self, mut keep: F) {
        self.entries.retain_mut(|(k, v)| keep(k, v));
    }
}

impl<K: Ord, V> SortedMap<K, V> {
    /// Where `key` is (`Ok`) or would go (`Err`).
    fn find<Q>(&self, key: &Q) -> Result<usize, usize>
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.entries.binary_search_by(|(k, _)| k.borrow().cmp(key))
    }

    /// The value for `key`.
    pub fn get<Q>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.find(key).ok().map(|i| &self.entries[i].1)
    }

    /// The stored key and the value for `key`.
    pub fn get_key_value<Q>(&self, key: &Q) -> Option<(&K, &V)>
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.find(key).ok().map(|i| {
            let (k, v) = &self.entries[i];
            (k, v)
        })
    }

    /// The value for `key`, mutable.
    pub fn get_mut<Q>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        match self.find(key) {
            Ok(i) => Some(&mut self.entries[i].1),
            Err(_) => None,
        }
    }

    /// Is there a value for `key`?
    pub fn contains_key<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.find(key).is_ok()
    }

    /// Set `key` to `value`; the old value if there was one (the old key stays).
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        match self.find(&key) {
            Ok(i) => Some(std::mem::replace(&mut self.entries[i].1, value)),
            Err(i) => {
                self.entries.insert(i, (key, value));
                None
            }
        }
    }

    /// Remove `key`; its value if there was one.
    pub fn remove<Q>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.remove_entry(key).map(|(_, v)| v)
    }

    /// Remove `key`; the stored key and its value if there was one.
    pub fn remove_entry<Q>(&mut self, key: &Q) -> Option<(K, V)>
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.find(key).ok().map(|i| self.entries.remove(i))
    }

    /// The place of `key` in the map, to read, insert or change in one lookup.
    pub fn entry(&mut self, key: K) -> Entry<'_, K, V> {
        match self.find(&key) {
            Ok(index) => Entry::Occupied(OccupiedEntry { map: self, index }),
            Err(index) => Entry::Vacant(VacantEntry {
                map: self,
                index,
                key,
            }),
        }
    }

    /// The entries whose keys are in `range`, in order.
    pub fn range<Q, R>(&self, range: R) -> Iter<'_, K, V>
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
        R: RangeBounds<Q>,
    {
        let (start, end) = index_range(&self.entries, |(k, _)| k.borrow(), &range);
        Iter(self.entries[start..end].iter())
    }

    /// The entries whose keys are in `range`, in order, values mutable.
    pub fn range_mut<Q, R>(&mut self, range: R) -> IterMut<'_, K, V>
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
        R: RangeBounds<Q>,
    {
        let (start, end) = index_range(&self.entries, |(k, _)| k.borrow(), &range);
        IterMut(self.entries[start..end].iter_mut())
    }

    /// Move every entry of `other` into `self` (`other`'s value wins on equal keys).
    pub fn append(&mut self, other: &mut Self) {
        self.extend(std::mem::take(&mut other.entries));
    }

    /// Split off the entries with keys from `key` on.
    pub fn split_off<Q>(&mut self, key: &Q) -> Self
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        let at = self.entries.partition_point(|(k, _)| k.borrow() < key);
        Self {
            entries: self.entries.split_off(at),
        }
    }
}

impl<K: Ord, V> Extend<(K, V)> for SortedMap<K, V> {
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}

impl<'a, K: Ord + Copy, V: Copy> Extend<(&'a K, &'a V)> for SortedMap<K, V> {
    fn extend<I: IntoIterator<Item = (&'a K, &'a V)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.insert(*k, *v);
        }
    }
}

impl<K: Ord, V> FromIterator<(K, V)> for SortedMap<K, V> {
    /// Built by inserting, so with equal keys the last value wins, as with `BTreeMap`.
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut map = Self::new();
        map.extend(iter);
        map
    }
}

impl<K: Ord, V, const N: usize> From<[(K, V); N]> for SortedMap<K, V> {
    fn from(items: [(K, V); N]) -> Self {
        items.into_iter().collect()
    }
}

impl<K: Ord + Borrow<Q>, Q: Ord + ?Sized, V> Index<&Q> for SortedMap<K, V> {
    type Output = V;

    /// The value for `key`; panics if there is none, like `BTreeMap`'s.
    fn index(&self, key: &Q) -> &V {
        self.get(key).expect("no entry found for key")
    }
}

impl<K: fmt::Debug, V: fmt::Debug> fmt::Debug for SortedMap<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<'a, K, V> IntoIterator for &'a SortedMap<K, V> {
    type Item = (&'a K, &'a V);
    type IntoIter = Iter<'a, K, V>;

    fn into_iter(self) -> Iter<'a, K, V> {
        self.iter()
    }
}

impl<'a, K, V> IntoIterator for &'a mut SortedMap<K, V> {
    type Item = (&'a K, &'a mut V);
    type IntoIter = IterMut<'a, K, V>;

    fn into_iter(self) -> IterMut<'a, K, V> {
        self.iter_mut()
    }
}

impl<K, V> IntoIterator for SortedMap<K, V> {
    type Item = (K, V);
    type IntoIter = vec::IntoIter<(K, V)>;

    fn into_iter(self) -> vec::IntoIter<(K, V)> {
        self.entries.into_iter()
    }
}

/// One place in a [`SortedMap`], from [`SortedMap::entry`].
pub enum Entry<'a, K, V> {
    /// The key is not in the map.
    Vacant(VacantEntry<'a, K, V>),
    /// The key is in the map.
    Occupied(OccupiedEntry<'a, K, V>),
}

/// A key that is not in the map yet, and where it goes.
pub struct VacantEntry<'a, K, V> {
    map: &'a mut SortedMap<K, V>,
    index: usize,
    key: K,
}

/// A key that is in the map.
pub struct OccupiedEntry<'a, K, V> {
    map: &'a mut SortedMap<K, V>,
    index: usize,
}

impl<'a, K, V> Entry<'a, K, V> {
    /// The value, inserting `default` first if the key was missing.
    pub fn or_insert(self, default: V) -> &'a mut V {
        match self {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => e.insert(default),
        }
    }

    /// The value, inserting `default()` first if the key was missing.
    pub fn or_insert_with<F: FnOnce() -> V>(self, default: F) -> &'a mut V {
        match self {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => e.insert(default()),
        }
    }

    /// The value, inserting `default(&key)` first if the key was missing.
    pub fn or_insert_with_key<F: FnOnce(&K) -> V>(self, default: F) -> &'a mut V {
        match self {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => {
                let value = default(&e.key);
                e.insert(value)
            }
        }
    }

    /// Change the value in place if the key is present.
    pub fn and_modify<F: FnOnce(&mut V)>(mut self, change: F) -> Self {
        if let Entry::Occupied(e) = &mut self {
            change(e.get_mut());
        }
        self
    }

    /// The entry's key.
    pub fn key(&self) -> &K {
        match self {
            Entry::Occupied(e) => e.key(),
            Entry::Vacant(e) => e.key(),
        }
    }
}

impl<'a, K, V: Default> Entry<'a, K, V> {
    /// The value, inserting `V::default()` first if the key was missing.
    pub fn or_default(self) -> &'a mut V {
        self.or_insert_with(V::default)
    }
}

impl<'a, K, V> VacantEntry<'a, K, V> {
    /// The key that would be inserted.
    pub fn key(&self) -> &K {
        &self.key
    }

    /// Give the key back without inserting.
    pub fn into_key(self) -> K {
        self.key
    }

    /// Insert `value` under the key; the value, mutable.
    pub fn insert(self, value: V) -> &'a mut V {
        self.map.entries.insert(self.index, (self.key, value));
        &mut self.map.entries[self.index].1
    }
}

impl<'a, K, V> OccupiedEntry<'a, K, V> {
    /// The stored key.
    pub fn key(&self) -> &K {
        &self.map.entries[self.index].0
    }

    /// The value.
    pub fn get(&self) -> &V {
        &self.map.entries[self.index].1
    }

    /// The value, mutable.
    pub fn get_mut(&mut self) -> &mut V {
        &mut self.map.entries[self.index].1
    }

    /// The value, mutable, for as long as the map is borrowed.
    pub fn into_mut(self) -> &'a mut V {
        &mut self.map.entries[self.index].1
    }

    /// Replace the value; the old one.
    pub fn insert(&mut self, value: V) -> V {
        std::mem::replace(self.get_mut(), value)
    }

    /// Remove the entry; its value.
    pub fn remove(self) -> V {
        self.remove_entry().1
    }

    /// Remove the entry; its key and value.
    pub fn remove_entry(self) -> (K, V) {
        self.map.entries.remove(self.index)
    }
}

/// The entries of a [`SortedMap`] in key order.
pub struct Iter<'a, K, V>(slice::Iter<'a, (K, V)>);

/// The entries of a [`SortedMap`] in key order, values mutable.
pub struct IterMut<'a, K, V>(slice::IterMut<'a, (K, V)>);

/// The keys of a [`SortedMap`] in order.
pub struct Keys<'a, K, V>(slice::Iter<'a, (K, V)>);

/// The values of a [`SortedMap`] in key order.
pub struct Values<'a, K, V>(slice::Iter<'a, (K, V)>);

/// The values of a [`SortedMap`] in key order, mutable.
pub struct ValuesMut<'a, K, V>(slice::IterMut<'a, (K, V)>);

/// The keys of a [`SortedMap`] in order, by value.
pub struct IntoKeys<K, V>(vec::IntoIter<(K, V)>);

/// The values of a [`SortedMap`] in key order, by value.
pub struct IntoValues<K, V>(vec::IntoIter<(K, V)>);

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

clone_without_bounds!(Iter<'a, K, V>);
clone_without_bounds!(Keys<'a, K, V>);
clone_without_bounds!(Values<'a, K, V>);
clone_without_bounds!(SetIter<'a, T>);
clone_without_bounds!(Union<'a, T> { a, b });

sorted_iter!(Iter<'a, K, V>, (&'a K, &'a V), |(k, v)| (k, v));
sorted_iter!(IterMut<'a, K, V>, (&'a K, &'a mut V), |(k, v)| (&*k, v));
sorted_iter!(Keys<'a, K, V>, &'a K, |(k, _)| k);
sorted_iter!(Values<'a, K, V>, &'a V, |(_, v)| v);
sorted_iter!(ValuesMut<'a, K, V>, &'a mut V, |(_, v)| v);
sorted_iter!(IntoKeys<K, V>, K, |(k, _)| k);
sorted_iter!(IntoValues<K, V>, V, |(_, v)| v);
sorted_iter!(SetIter<'a, T>, &'a T, |t| t);

/// A set kept as a sorted `Vec` without duplicates, with the API of `BTreeSet`.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SortedSet<T> {
    items: Vec<T>,
}

impl<T> Default for SortedSet<T> {
    fn default() -> Self {
        Self::new()
    }
}

/// The elements of a [`SortedSet`] in order.
pub struct SetIter<'a, T>(slice::Iter<'a, T>);

impl<T> SortedSet<T> {
    /// An empty set.
    pub const fn new() -> Self {
        Self { items: Vec::new() }
    }

    /// How many elements.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// No elements?
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Remove every element.
    pub fn clear(&mut self) {
        self.items.clear();
    }

    /// The elements in order.
    pub fn iter(&self) -> SetIter<'_, T> {
        SetIter(self.items.iter())
    }

    /// The smallest element.
    pub fn first(&self) -> Option<&T> {
        self.items.first()
    }

    /// The largest element.
    pub fn last(&self) -> Option<&T> {
        self.items.last()
    }

    /// Remove and return the smallest element.
    pub fn pop_first(&mut self) -> Option<T> {
        (!self.items.is_empty()).then(|| self.items.remove(0))
    }

    /// Remove and return the largest element.
    pub fn pop_last(&mut self) -> Option<T> {
        self.items.pop()
    }

    /// Keep only the elements for which `keep` is true.
    pub fn retain<F: FnMut(&T) -> bool>(&mut self, keep: F) {
        self.items.retain(keep);
    }
}

impl<T: Ord> SortedSet<T> {
    /// Where `value` is (`Ok`) or would go (`Err`).
    fn find<Q>(&self, value: &Q) -> Result<usize, usize>
    where
        T: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.items.binary_search_by(|t| t.borrow().cmp(value))
    }

    /// Is `value` in the set?
    pub fn contains<Q>(&self, value: &Q) -> bool
    where
        T: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.find(value).is_ok()
    }

    /// The stored element equal to `value`.
    pub fn get<Q>(&self, value: &Q) -> Option<&T>
    where
        T: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.find(value).ok().map(|i| &self.items[i])
    }

    /// Add `value`; false (and the set unchanged) if an equal element was there.
    pub fn insert(&mut self, value: T) -> bool {
        match self.find(&value) {
            Ok(_) => false,
            Err(i) => {
                self.items.insert(i, value);
                true
            }
        }
    }

    /// Add `value`, replacing an equal element; the replaced one.
    pub fn replace(&mut self, value: T) -> Option<T> {
        match self.find(&value) {
            Ok(i) => Some(std::mem::replace(&mut self.items[i], value)),
            Err(i) => {
                self.items.insert(i, value);
                None
            }
        }
    }

    /// Remove `value`; whether it was there.
    pub fn remove<Q>(&mut self, value: &Q) -> bool
    where
        T: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.take(value).is_some()
    }

    /// Remove `value`; the stored element if it was there.
    pub fn take<Q>(&mut self, value: &Q) -> Option<T>
    where
        T: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.find(value).ok().map(|i| self.items.remove(i))
    }

    /// The elements in `range`, in order.
    pub fn range<Q, R>(&self, range: R) -> SetIter<'_, T>
    where
        T: Borrow<Q>,
        Q: Ord + ?Sized,
        R: RangeBounds<Q>,
    {
        let (start, end) = index_range(&self.items, |t| t.borrow(), &range);
        SetIter(self.items[start..end].iter())
    }

    /// Move every element of `other` into `self`.
    pub fn append(&mut self, other: &mut Self) {
        self.extend(std::mem::take(&mut other.items));
    }

    /// Split off the elements from `value` on.
    pub fn split_off<Q>(&mut self, value: &Q) -> Self
    where
        T: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        let at = self.items.partition_point(|t| t.borrow() < value);
        Self {
            items: self.items.split_off(at),
        }
    }

    /// The elements of `self` not in `other`, in order.
    pub fn difference<'a>(&'a self, other: &'a Self) -> impl Iterator<Item = &'a T> + Clone {
        self.iter().filter(move |t| !other.contains(*t))
    }

    /// The elements in both sets, in order.
    pub fn intersection<'a>(&'a self, other: &'a Self) -> impl Iterator<Item = &'a T> + Clone {
        self.iter().filter(move |t| other.contains(*t))
    }

    /// The elements in either set, in order, each once.
    pub fn union<'a>(&'a self, other: &'a Self) -> impl Iterator<Item = &'a T> + Clone {
        Union {
            a: &self.items,
            b: &other.items,
        }
    }

    /// The elements in exactly one of the sets, in order.
    pub fn symmetric_difference<'a>(
        &'a self,
        other: &'a Self,
    ) -> impl Iterator<Item = &'a T> + Clone {
        self.union(other)
            .filter(move |t| !(self.contains(*t) && other.contains(*t)))
    }

    /// Is every element of `self` in `other`?
    pub fn is_subset(&self, other: &Self) -> bool {
        self.iter().all(|t| other.contains(t))
    }

    /// Is every element of `other` in `self`?
    pub fn is_superset(&self, other: &Self) -> bool {
        other.is_subset(self)
    }

    /// No element in common?
    pub fn is_disjoint(&self, other: &Self) -> bool {
        !self.iter().any(|t| other.contains(t))
    }
}

/// Two sorted slices merged, equal elements once (the first slice's).
struct Union<'a, T> {
    a: &'a [T],
    b: &'a [T],
}

impl<'a, T: Ord> Iterator for Union<'a, T> {
    type Item = &'a T;

    fn next(&mut self) -> Option<&'a T> {
        let order = match (self.a.first(), self.b.first()) {
            (None, None) => return None,
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (Some(x), Some(y)) => x.cmp(y),
        };
        let (next, rest_a, rest_b) = match order {
            Ordering::Less => (&self.a[0], &self.a[1..], self.b),
            Ordering::Greater => (&self.b[0], self.a, &self.b[1..]),
            Ordering::Equal => (&self.a[0], &self.a[1..], &self.b[1..]),
        };
        self.a = rest_a;
        self.b = rest_b;
        Some(next)
    }
}

impl<T: Ord> Extend<T> for SortedSet<T> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, iter: I) {
        for t in iter {
            self.insert(t);
        }
    }
}

impl<'a, T: Ord + Copy> Extend<&'a T> for SortedSet<T> {
    fn extend<I: IntoIterator<Item = &'a T>>(&mut self, iter: I) {
        for t in iter {
            self.insert(*t);
        }
    }
}

impl<T: Ord> FromIterator<T> for SortedSet<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        let mut set = Self::new();
        set.extend(iter);
        set
    }
}

impl<T: Ord, const N: usize> From<[T; N]> for SortedSet<T> {
    fn from(items: [T; N]) -> Self {
        items.into_iter().collect()
    }
}

impl<T: Ord + Clone> std::ops::Sub<&SortedSet<T>> for &SortedSet<T> {
    type Output = SortedSet<T>;

    /// The elements of `self` not in `other`.
    fn sub(self, other: &SortedSet<T>) -> SortedSet<T> {
        SortedSet {
            items: self.difference(other).cloned().collect(),
        }
    }
}

impl<T: Ord + Clone> std::ops::BitOr<&SortedSet<T>> for &SortedSet<T> {
    type Output = SortedSet<T>;

    /// The elements of either set.
    fn bitor(self, other: &SortedSet<T>) -> SortedSet<T> {
        SortedSet {
            items: self.union(other).cloned().collect(),
        }
    }
}

impl<T: Ord + Clone> std::ops::BitAnd<&SortedSet<T>> for &SortedSet<T> {
    type Output = SortedSet<T>;

    /// The elements of both sets.
    fn bitand(self, other: &SortedSet<T>) -> SortedSet<T> {
        SortedSet {
            items: self.intersection(other).cloned().collect(),
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for SortedSet<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl<'a, T> IntoIterator for &'a SortedSet<T> {
    type Item = &'a T;
    type IntoIter = SetIter<'a, T>;

    fn into_iter(self) -> SetIter<'a, T> {
        self.iter()
    }
}

impl<T> IntoIterator for SortedSet<T> {
    type Item = T;
    type IntoIter = vec::IntoIter<T>;

    fn into_iter(self) -> vec::IntoIter<T> {
        self.items.into_iter()
    }
}

impl<K: serde::Serialize, V: serde::Serialize> serde::Serialize for SortedMap<K, V> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

impl<'de, K: serde::Deserialize<'de> + Ord, V: serde::Deserialize<'de>> serde::Deserialize<'de>
    for SortedMap<K, V>
{
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MapVisitor<K, V>(std::marker::PhantomData<(K, V)>);

        impl<'de, K: serde::Deserialize<'de> + Ord, V: serde::Deserialize<'de>>
            serde::de::Visitor<'de> for MapVisitor<K, V>
        {
            type Value = SortedMap<K, V>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut access: A,
            ) -> Result<Self::Value, A::Error> {
                let mut map = SortedMap::new();
                while let Some((k, v)) = access.next_entry()? {
                    map.insert(k, v);
                }
                Ok(map)
            }
        }

        deserializer.deserialize_map(MapVisitor(std::marker::PhantomData))
    }
}

impl<T: serde::Serialize> serde::Serialize for SortedSet<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl<'de, T: serde::Deserialize<'de> + Ord> serde::Deserialize<'de> for SortedSet<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SetVisitor<T>(std::marker::PhantomData<T>);

        impl<'de, T: serde::Deserialize<'de> + Ord> serde::de::Visitor<'de> for SetVisitor<T> {
            type Value = SortedSet<T>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a sequence")
            }

            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut access: A,
            ) -> Result<Self::Value, A::Error> {
                let mut set = SortedSet::new();
                while let Some(t) = access.next_element()? {
                    set.insert(t);
                }
                Ok(set)
            }
        }

        deserializer.deserialize_seq(SetVisitor(std::marker::PhantomData))
    }
}
