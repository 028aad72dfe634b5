//! The transaction coordinator: Kafka's exactly-once machinery (KIP-98, KIP-447).
//!
//! Idempotence stops a *retried* batch from being written twice. It cannot help an
//! application that reads `orders`, writes `invoices` and commits its position in
//! `orders`: if it crashes between the write and the commit, its replacement writes those
//! invoices again. A **transaction** makes the three steps one: the output records and the
//! consumed offsets become visible together, or not at all.
//!
//! A producer with a `transactional.id` talks to the transaction coordinator with five
//! requests, one file each:
//!
//! 1. **InitProducerId** ([`init_producer_id`]): "I am `orders-app-1`". The coordinator
//!    maps the transactional id to a producer id and bumps its *epoch*. The bump is what
//!    fences a zombie: the previous instance still has the old epoch, and everything it
//!    sends from now on is refused (`PRODUCER_FENCED`). Its open transaction is aborted.
//! 2. **AddPartitionsToTxn** ([`add_partitions_to_txn`]): "I am about to write to
//!    `invoices-0`". The coordinator must know every partition of the transaction, to put a
//!    marker in each at the end. The first one *begins* the transaction.
//! 3. **AddOffsetsToTxn** ([`add_offsets_to_txn`]): "I will commit offsets of group
//!    `orders-app`". It also begins the transaction, so a transaction of offsets only
//!    works too.
//! 4. **TxnOffsetCommit** ([`txn_offset_commit`]): the consumed offsets, *staged*: they are
//!    kept aside, invisible to OffsetFetch, until the transaction ends.
//! 5. **EndTxn** ([`end_txn`]): commit or abort. The coordinator writes its decision to its
//!    log first (`PrepareCommit`), then has a **control batch** (a marker) appended to
//!    every partition of the transaction, then materialises or drops the staged offsets,
//!    and finally writes `CompleteCommit`.
//!
//! The states, Kafka's names (`TransactionState`):
//!
//! ```text
//!                AddPartitions / AddOffsets        EndTxn(commit)            markers written
//!   Empty -----------------------------------> Ongoing --------> PrepareCommit ------> CompleteCommit
//!     ^                                          |  |  EndTxn(abort)                        |
//!     |                                          |  +-----------> PrepareAbort -------> CompleteAbort
//!     |             timeout / InitProducerId     |                     ^                    |
//!     |          +--------------------------------+                    |                    |
//!     |          v                                                     |                    |
//!     |   PrepareEpochFence (epoch + 1) --------------------------------+                    |
//!     +--------------------- InitProducerId, next AddPartitions/AddOffsets ----------------+
//!   (Empty, CompleteCommit, CompleteAbort) --- transactional.id.expiration.ms ---> Dead
//! ```
//!
//! Every state change is first written to the coordinator's own log, like Kafka's
//! `__transaction_state` (see `txn_log.rs`), so a restarted coordinator finds each transaction
//! where it was; one caught between `Prepare*` and `Complete*` gets its markers written
//! again, so no transaction is ever left half visible.
//!
//! Sans-IO, like the group coordinator: the coordinator never touches a partition. It
//! queues [`MarkerRequest`]s (Kafka's WriteTxnMarkers) for the broker, which writes the
//! markers and calls [`TransactionCoordinator::markers_written`]; time moves only through
//! [`TransactionCoordinator::handle_timeout`].

pub mod add_offsets_to_txn;
pub mod add_partitions_to_txn;
mod config;
mod coordinator;
pub mod end_txn;
pub mod init_producer_id;
mod state;
mod timeouts;
pub mod txn_log;
pub mod txn_offset_commit;

#[cfg(test)]
mod tests;

pub use add_offsets_to_txn::AddOffsetsToTxnRequest;
pub use add_partitions_to_txn::AddPartitionsToTxnRequest;
pub use config::TxnConfig;
pub use coordinator::{MarkerRequest, TransactionCoordinator, TxnTransition, COORDINATOR_EPOCH};
pub use end_txn::EndTxnRequest;
pub use init_producer_id::InitProducerIdRequest;
pub use state::{TransactionMetadata, TxnState};
pub use txn_offset_commit::{TxnOffsetCommit, TxnOffsetCommitRequest};
