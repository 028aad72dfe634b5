//! The ordered map and set the core uses: `BTreeMap` and `BTreeSet`.
//!
//! Natively these are the standard library's. In the browser build they are
//! [`sorted::SortedMap`] and [`sorted::SortedSet`]: the same API over one sorted `Vec`.
//!
//! Why: the compiler writes a B-tree's code (insert, remove with its node merging and
//! stealing, clone, drop, search) anew for every key and value type, several kilobytes
//! each. The core has a few dozen such types, and their copies were a fifth of the
//! visualiser's wasm, which the browser downloads. A sorted `Vec` needs a binary search and
//! `Vec::insert`/`Vec::remove`, a few hundred bytes per type, and the maps the simulation
//! fills are small (a group's members, a topic's partitions), where it is as fast.
//! Natively nothing is downloaded, and a broker's maps can be large, so the tree stays.
//!
//! Code writes `use crate::collections::{BTreeMap, BTreeSet};` and gets the right one.
//! Both behave the same (ordered iteration, the same `insert`, `entry`, `range`, serde
//! form), which `cargo test -p minikafka --features sorted-vec` checks by running the
//! whole core with the sorted `Vec` natively.

pub mod sorted;

#[cfg(not(any(target_arch = "wasm32", feature = "sorted-vec")))]
pub use std::collections::{BTreeMap, BTreeSet};

#[cfg(any(target_arch = "wasm32", feature = "sorted-vec"))]
pub use sorted::{SortedMap as BTreeMap, SortedSet as BTreeSet};

#[cfg(test)]
mod tests;
