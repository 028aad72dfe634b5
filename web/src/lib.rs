//! The minikafka visualiser: a Yew app that drives the simulated world of
//! [`minikafka::sim`] in the browser.
//!
//! - `state.rs`: the app state and its actions (Yew's `Reducible`), tested natively;
//! - `model.rs`: what the page draws, computed from the state; `stops.rs`: the partitions
//!   each rebalance stopped, and for how long;
//! - `view.rs`: the drawing; `app.rs`: the root component (clock, keyboard, URL);
//! - `live.rs`, `live_app.rs`: live mode (`?source=live`), a running server's events;
//! - `i18n.rs`: English and Chinese labels; `url.rs`: links that reopen a moment.

pub mod app;
pub mod controls;
pub mod event_text;
pub mod i18n;
pub mod live;
pub mod live_app;
pub mod live_json;
pub mod model;
pub mod panels;
pub mod px;
pub mod stage;
pub mod state;
pub mod stops;
pub mod url;
pub mod view;

#[cfg(test)]
mod tests;
