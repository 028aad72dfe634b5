//! The minikafka visualiser: a Yew app that drives the simulated world of
//! [`minikafka::sim`] in the browser.
//!
//! - `state.rs`: the app state and its actions (Yew's `Reducible`), tested natively;
//!   `controls.rs`: the learner's buttons as types (label, test id, command);
//!   `stops.rs`: the partitions each rebalance stopped, and for how long;
//! - `stage/`: the picture both modes draw (see its module doc);
//! - `model.rs`: what the panels below the stage show, computed from the state;
//! - `view.rs`: the panels; `panels.rs`: their foldable frame; `px.rs`: SVG numbers;
//!   `app.rs`: the root component (clock, keyboard, URL);
//! - `live_page.rs`, `live_app.rs`, `live_json.rs`: live mode (`?source=live`), a running
//!   server's events; `event_text.rs`: event lines in both languages;
//! - `i18n.rs`: English and Chinese labels by typed key; `url.rs`: links that reopen a
//!   moment.

pub mod app;
pub mod controls;
pub mod event_text;
pub mod i18n;
pub mod live_app;
pub mod live_json;
pub mod live_page;
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
