//! Transaction coordinator settings, with Kafka's broker defaults.

use serde::{Deserialize, Serialize};

use crate::record::Millis;

/// Broker-side settings of the transaction coordinator. The defaults are Kafka's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TxnConfig {
    /// `transaction.max.timeout.ms`: a producer asking for a longer
    /// `transaction.timeout.ms` gets `INVALID_TRANSACTION_TIMEOUT`. An open transaction
    /// holds back every `read_committed` consumer of its partitions (the last stable
    /// offset cannot pass it), so the broker bounds how long one may stay open.
    pub transaction_max_timeout_ms: i32,
    /// `transactional.id.expiration.ms`: a transactional id with no transaction and no
    /// request for this long is forgotten (state `Dead`, then removed). Kafka: 7 days.
    pub transactional_id_expiration_ms: Millis,
}

impl Default for TxnConfig {
    fn default() -> Self {
        TxnConfig {
            transaction_max_timeout_ms: 900_000,
            transactional_id_expiration_ms: 7 * 24 * 60 * 60 * 1000,
        }
    }
}
