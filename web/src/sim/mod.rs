//! The simulation's page: a seeded world from [`minikafka::sim`], a scenario's script and
//! the learner's own actions, played, paused, stepped and rewound.
//!
//! - `state.rs`: the state and its typed actions (Yew's `Reducible`), tested natively;
//! - `controls.rs`: the learner's buttons as types (label, test id, command);
//! - `stops.rs`: the partitions each rebalance stopped, and for how long;
//! - `model.rs`: what the panels below the stage show, computed from the state;
//! - `view.rs`: those panels (narration, members, events, controls);
//! - `app.rs`: the page component (clock, keyboard, URL, layout).

pub mod app;
pub mod controls;
pub mod model;
pub mod state;
pub mod stops;
pub mod view;

#[cfg(test)]
mod tests;
