//! Live mode (`?source=live`): a running `minikafka serve --http` streams its events over a
//! WebSocket, and the page draws what real clients do on the same stage as the simulation.
//!
//! - `json.rs`: the server's messages, read from JSON;
//! - `page.rs`: the page's state (Yew's `Reducible`) and its view model, tested natively;
//! - `app.rs`: the page component (the socket, the timer, the layout).

pub mod app;
pub mod json;
pub mod page;
