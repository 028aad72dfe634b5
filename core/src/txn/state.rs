//! A transaction's state (Kafka's `TransactionState`) and what the coordinator keeps per
//! transactional id (Kafka's `TransactionMetadata`).

use crate::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::offsets::{OffsetAndMetadata, OffsetKey};
use crate::record::Millis;

/// The state of a transactional id's current (or last) transaction. Kafka's names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum TxnState {
    /// No transaction yet: InitProducerId just gave out a producer id and epoch.
    Empty,
    /// A transaction began (the first AddPartitionsToTxn or AddOffsetsToTxn) and has not
    /// ended. Its timeout runs.
    Ongoing,
    /// EndTxn(commit) arrived and the decision is in the log: the commit *will* happen,
    /// whatever crashes next. The markers are being written.
    PrepareCommit,
    /// The transaction will be aborted (EndTxn(abort), a fence or a timeout); markers are
    /// being written.
    PrepareAbort,
    /// Every partition has its COMMIT marker and the staged offsets are committed.
    CompleteCommit,
    /// Every partition has its ABORT marker and the staged offsets are dropped.
    CompleteAbort,
    /// The transactional id expired (`transactional.id.expiration.ms`) and is forgotten.
    Dead,
    /// The epoch is being bumped to fence a zombie (InitProducerId from a new instance, or
    /// a timeout) before its open transaction is aborted. Never written to the log: the
    /// next state, `PrepareAbort` with the new epoch, is.
    PrepareEpochFence,
}

impl TxnState {
    /// Kafka's name for the state.
    pub fn name(self) -> &'static str {
        match self {
            TxnState::Empty => "Empty",
            TxnState::Ongoing => "Ongoing",
            TxnState::PrepareCommit => "PrepareCommit",
            TxnState::PrepareAbort => "PrepareAbort",
            TxnState::CompleteCommit => "CompleteCommit",
            TxnState::CompleteAbort => "CompleteAbort",
            TxnState::Dead => "Dead",
            TxnState::PrepareEpochFence => "PrepareEpochFence",
        }
    }

    /// The state's number in the transaction log (Kafka's ids: 0..7 in this order).
    pub fn code(self) -> i8 {
        match self {
            TxnState::Empty => 0,
            TxnState::Ongoing => 1,
            TxnState::PrepareCommit => 2,
            TxnState::PrepareAbort => 3,
            TxnState::CompleteCommit => 4,
            TxnState::CompleteAbort => 5,
            TxnState::Dead => 6,
            TxnState::PrepareEpochFence => 7,
        }
    }

    /// The state for a number read from the transaction log.
    pub fn from_code(code: i8) -> Option<TxnState> {
        Some(match code {
            0 => TxnState::Empty,
            1 => TxnState::Ongoing,
            2 => TxnState::PrepareCommit,
            3 => TxnState::PrepareAbort,
            4 => TxnState::CompleteCommit,
            5 => TxnState::CompleteAbort,
            6 => TxnState::Dead,
            7 => TxnState::PrepareEpochFence,
            _ => return None,
        })
    }

    /// The states this one may be entered from (Kafka's `validPreviousStates`). The
    /// coordinator checks every transition against this table.
    pub fn valid_previous_states(self) -> &'static [TxnState] {
        use TxnState::*;
        match self {
            Empty => &[Empty, CompleteCommit, CompleteAbort],
            Ongoing => &[Ongoing, Empty, CompleteCommit, CompleteAbort],
            PrepareCommit => &[Ongoing],
            PrepareAbort => &[Ongoing, PrepareEpochFence],
            CompleteCommit => &[PrepareCommit],
            CompleteAbort => &[PrepareAbort],
            Dead => &[Empty, CompleteCommit, CompleteAbort],
            PrepareEpochFence => &[Ongoing],
        }
    }

    /// A transaction has ended (or never began): a new one may begin.
    pub fn is_idle(self) -> bool {
        matches!(
            self,
            TxnState::Empty | TxnState::CompleteCommit | TxnState::CompleteAbort
        )
    }
}

impl fmt::Display for TxnState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An epoch at or above this cannot be bumped by InitProducerId any more: the next one
/// gets a new producer id at epoch 0 (Kafka's `isEpochExhausted`: `Short.MaxValue - 1`,
/// which leaves one last bump for fencing).
pub(crate) const EXHAUSTED_EPOCH: i16 = i16::MAX - 1;

/// What the coordinator keeps for one transactional id, and writes to its log at every
/// change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransactionMetadata {
    /// The producer's `transactional.id`: stable across restarts of the application.
    pub transactional_id: String,
    /// The producer id now mapped to it.
    pub producer_id: i64,
    /// The previous producer id, after its epochs ran out (-1: none).
    pub last_producer_id: i64,
    /// The current epoch. Requests with an older one come from a fenced zombie.
    pub producer_epoch: i16,
    /// The epoch before the last bump, so that a retried InitProducerId (KIP-360) gets the
    /// same answer instead of being fenced (-1: none, or a new instance bumped it).
    pub last_producer_epoch: i16,
    /// The producer's `transaction.timeout.ms`.
    pub timeout_ms: i32,
    /// Where the current (or last) transaction is.
    pub state: TxnState,
    /// The partitions of the current transaction: each gets a marker at the end.
    pub partitions: BTreeSet<(String, i32)>,
    /// The groups whose offsets the current transaction commits (AddOffsetsToTxn).
    pub groups: BTreeSet<String>,
    /// The offsets staged by TxnOffsetCommit: the latest per partition wins. Committed or
    /// dropped when the transaction ends.
    pub pending_offsets: BTreeMap<OffsetKey, OffsetAndMetadata>,
    /// When the current transaction began (-1: none); its timeout counts from here.
    pub start_timestamp: Millis,
    /// When the metadata last changed.
    pub last_update_timestamp: Millis,
}

impl TransactionMetadata {
    /// A transactional id seen for the first time: its producer id, no epoch yet.
    pub(crate) fn new(
        transactional_id: String,
        producer_id: i64,
        timeout_ms: i32,
        now: Millis,
    ) -> TransactionMetadata {
        TransactionMetadata {
            transactional_id,
            producer_id,
            last_producer_id: -1,
            producer_epoch: -1,
            last_producer_epoch: -1,
            timeout_ms,
            state: TxnState::Empty,
            partitions: BTreeSet::new(),
            groups: BTreeSet::new(),
            pending_offsets: BTreeMap::new(),
            start_timestamp: -1,
            last_update_timestamp: now,
        }
    }

    /// When an ongoing transaction is aborted by the coordinator itself.
    pub fn deadline(&self) -> Option<Millis> {
        (self.state == TxnState::Ongoing)
            .then(|| self.start_timestamp + Millis::from(self.timeout_ms))
    }

    /// Whether InitProducerId can no longer bump the epoch.
    pub fn is_epoch_exhausted(&self) -> bool {
        self.producer_epoch >= EXHAUSTED_EPOCH
    }

    /// Begin a transaction if none is open: the partitions, groups and offsets of the last
    /// one are forgotten, and the timeout starts now.
    pub(crate) fn begin(&mut self, now: Millis) {
        if self.state.is_idle() {
            self.state = TxnState::Ongoing;
            self.partitions.clear();
            self.groups.clear();
            self.pending_offsets.clear();
            self.start_timestamp = now;
        }
    }
}
