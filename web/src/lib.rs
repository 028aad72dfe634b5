//! The minikafka visualiser: a Yew app that draws the simulated world of
//! [`minikafka::sim`], or a running server's events (live mode), in the browser.
//!
//! Split by mode and by layer. Each mode keeps its state as Yew's `Reducible` (actions in,
//! state out, tested natively) and feeds the shared stage through one view-model type.
//!
//! - `app.rs`: the root component, which picks the mode from the link;
//! - `store.rs`: the reducer both modes hand to Yew;
//! - `sim/`: the simulation's page: its state and typed actions, the learner's controls,
//!   the rebalance stops, the panels' view model and views, the page component;
//! - `live/`: live mode (`?source=live`): the server's JSON messages, the page state, the
//!   WebSocket component;
//! - `stage/`: the picture both modes draw (see its module doc);
//! - `panels/`: the foldable panels around the stage, and the cards both modes put in them;
//! - `event_text.rs`: event lines in both languages; `i18n.rs`: labels by typed key;
//!   `url.rs`: links that reopen a moment; `px.rs`: SVG numbers.

pub mod app;
pub mod event_text;
pub mod i18n;
pub mod live;
pub mod panels;
pub mod px;
pub mod sim;
pub mod stage;
pub mod store;
pub mod url;
