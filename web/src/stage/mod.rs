//! The stage: one picture of the whole story, drawn the same way by the simulation and by
//! live mode.
//!
//! Data flows left to right, as the records do: producers on the left, each partition as a
//! log of offset cells in the middle, consumer groups on the right with their coordinator on
//! top. The three layers of offsets are *drawn on the log* (log start, the group's committed
//! flag, each owner's cursor, the high watermark), so the lesson is in the picture rather
//! than in text under it.
//!
//! - `model.rs`: what the stage shows, one plain type that both modes fill in;
//! - `window.rs`: which offset cells fit on a projector (about two dozen, with a break);
//! - `steps.rs`: the five steps of a rebalance and where the latest one stands;
//! - `txn.rs`: transactions on a log (brackets, markers, aborted records, the LSO);
//! - `kip848.rs`: a consumer-protocol group's epochs, targets and assignment heartbeats;
//! - `from_sim.rs`, `from_live.rs`: the two modes' state turned into that model;
//! - `layout.rs`: where everything goes, in SVG units (pure, so geometry is tested natively);
//! - `view.rs`: the SVG, drawn from the layout.

pub mod from_live;
pub mod from_sim;
pub mod kip848;
pub mod layout;
pub mod model;
pub mod steps;
pub mod text;
pub mod txn;
pub mod view;
pub mod window;

#[cfg(test)]
mod tests;

pub use model::*;
