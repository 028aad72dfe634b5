//! [`SortedSet`]: a set kept as one sorted `Vec`, with `BTreeSet`'s API.

use std::borrow::Borrow;
use std::cmp::Ordering;
use std::fmt;
use std::iter::FusedIterator;
use std::ops::RangeBounds;
use std::{slice, vec};

use super::{clone_without_bounds, index_range, sorted_iter};

clone_without_bounds!(SetIter<'a, T>);
clone_without_bounds!(Union<'a, T> { a, b });
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
