//! Live mode: what a running server tells a viewer, and the viewer's picture of it.
//!
//! The native server (`minikafka serve --http`) sends each browser a [`Snapshot`] of the
//! broker, then every [`Event`] as it happens, as JSON [`LiveMessage`]s. The visualiser
//! folds them into a [`LiveState`]: the same facts the simulation view draws (partitions
//! with their offsets, groups with generation, members, assignments and committed offsets,
//! producers by `client.id`), but learnt only from what the broker reports. Like the rest
//! of the core this is sans-IO: messages and the time come in, a state comes out, so the
//! folding is tested natively without a browser or a socket.
//!
//! Why a snapshot *and* events: a viewer can connect at any moment, so it first needs the
//! broker as it is; after that, events are small and say what changed and why. A viewer
//! that falls too far behind is told how many events it missed and simply gets a new
//! snapshot: the state is rebuilt from it, nothing is guessed.
//!
//! - `message.rs`: the messages ([`LiveMessage`]) and [`Snapshot::of`], which a server
//!   builds from its broker;
//! - `state.rs`: [`LiveState`], the viewer's fold of the messages;
//! - `admin.rs`: what a viewer may ask of a server started with `--http-admin`;
//! - `watch.rs`: what `minikafka watch` adds: how fresh its picture is, its rebalance list;
//! - `frames.rs`: the watch's hour as a viewer gets it (a snapshot per sample), bounded;
//! - `epochs.rs`: a consumer-protocol (KIP-848) group's group and member epochs, owned and
//!   target partitions, which no event carries.

mod admin;
mod epochs;
mod frames;
mod message;
mod state;
mod watch;

pub use admin::{apply_admin, AdminRequest, ResetTo};
pub use epochs::{epochs_of, group_epochs, EpochsSent, GroupEpochs, MemberEpoch};
pub use frames::{cost, thin, FRAMES_MS, FRAME_BUDGET};
pub use message::{
    BrokerSnapshot, CommittedSnapshot, GroupSnapshot, LiveMessage, MemberSnapshot,
    PartitionSnapshot, Snapshot, TopicSnapshot, TxnBatch, TXN_LOOKBACK,
};
pub use state::{
    DepartedMember, LiveGroup, LiveMember, LiveProducer, LiveState, DEPARTED_SHOWN_MS,
    RATE_WINDOW_MS, RECENT_EVENTS,
};
pub use watch::{GroupLag, InferredReason, Rebalance, WatchStatus};

#[cfg(test)]
mod tests;
