//! Time: transaction timeouts and the expiry of idle transactional ids.
//!
//! A producer that dies mid-transaction leaves it open, and an open transaction holds the
//! last stable offset of its partitions back: no `read_committed` consumer gets past it.
//! So the coordinator aborts, by itself, any transaction open for longer than the
//! producer's `transaction.timeout.ms`. It bumps the epoch while doing so
//! (`PrepareEpochFence`): if the producer was only paused, its next request is refused
//! with `PRODUCER_FENCED` instead of continuing a transaction that no longer exists.
//! (Kafka looks for expired transactions every 10 s,
//! `transaction.abort.timed.out.transaction.cleanup.interval.ms`; here the deadline itself
//! is the timer.)
//!
//! A transactional id unused for `transactional.id.expiration.ms` is forgotten: `Dead`,
//! a tombstone in the log.

use crate::log::LogStorage;
use crate::record::Millis;
use crate::txn::coordinator::TransactionCoordinator;
use crate::txn::state::{TransactionMetadata, TxnState};

impl<S: LogStorage> TransactionCoordinator<S> {
    /// The earliest time at which [`handle_timeout`](Self::handle_timeout) has work to do.
    pub fn poll_timeout(&self) -> Option<Millis> {
        let expiration = self.config.transactional_id_expiration_ms;
        self.transactions
            .values()
            .filter_map(|m| next_deadline(m, expiration))
            .min()
    }

    /// Abort every transaction whose timeout passed, and forget expired ids. The aborts'
    /// markers are queued for the broker.
    pub fn handle_timeout(&mut self, now: Millis) {
        let expiration = self.config.transactional_id_expiration_ms;
        let due: Vec<(String, TxnState)> = self
            .transactions
            .values()
            .filter(|m| next_deadline(m, expiration).is_some_and(|d| d <= now))
            .map(|m| (m.transactional_id.clone(), m.state))
            .collect();
        for (id, state) in due {
            if state == TxnState::Ongoing {
                // In memory a write cannot fail; on disk, the next call tries again.
                let _ = self.fence_and_abort(&id, now);
            } else if let Some(current) = self.transactions.get(&id) {
                let mut dead = current.clone();
                dead.state = TxnState::Dead;
                dead.last_update_timestamp = now;
                let _ = self.write(dead, now);
            }
        }
    }
}

/// When this transactional id next needs the timer: its transaction's timeout if one is
/// open, its expiry if it is idle.
fn next_deadline(m: &TransactionMetadata, expiration: Millis) -> Option<Millis> {
    match m.state {
        TxnState::Ongoing => m.deadline(),
        s if s.is_idle() => Some(m.last_update_timestamp.saturating_add(expiration)),
        _ => None,
    }
}
