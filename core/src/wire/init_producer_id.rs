//! InitProducerId (key 22): a producer id and epoch, for idempotence and for transactions.
//!
//! Without a `transactional.id` (kafka-python 3 and the Java client enable idempotence by
//! default) it hands out a fresh id: the id and the sequence numbers in every batch let the
//! broker drop a retried batch instead of writing it twice (see `broker/producers.rs`).
//!
//! With a `transactional.id` it goes to the transaction coordinator (`txn/`): the same id
//! comes back with its epoch bumped, which fences the previous instance (a zombie), and an
//! open transaction of that instance is aborted. `CONCURRENT_TRANSACTIONS` asks the client
//! to retry while that abort completes.

use kafka_protocol::messages::{
    InitProducerIdRequest, InitProducerIdResponse, ProducerId, ResponseKind,
};
use kafka_protocol::protocol::VersionRange;

use super::{fenced_before, Ctx, Reply};
use crate::log::StorageProvider;
use crate::txn::InitProducerIdRequest as CoreRequest;

/// v0..v4: librdkafka and kafka-python send up to v4, kafkajs v1. v2 is the first flexible
/// version, v3 lets a producer bump its own epoch (KIP-360), v4 knows `PRODUCER_FENCED`
/// (older versions hear `INVALID_PRODUCER_EPOCH` instead). v5 is KIP-890: not served.
pub const VERSIONS: VersionRange = VersionRange { min: 0, max: 4 };

pub(super) fn handle<P: StorageProvider>(
    ctx: &mut Ctx<'_, P>,
    request: InitProducerIdRequest,
    version: i16,
) -> Reply {
    let response = match request.transactional_id {
        Some(transactional_id) => {
            let result = ctx.broker.init_transactional_producer_id(
                CoreRequest {
                    transactional_id: transactional_id.to_string(),
                    transaction_timeout_ms: request.transaction_timeout_ms,
                    producer_id: request.producer_id.0,
                    producer_epoch: request.producer_epoch,
                },
                ctx.now,
            );
            let code = fenced_before(4, version, &result);
            let (id, epoch) = result.unwrap_or((-1, -1));
            InitProducerIdResponse::default()
                .with_error_code(code)
                .with_producer_id(ProducerId(id))
                .with_producer_epoch(epoch)
        }
        None => {
            let existing = (request.producer_id.0 >= 0)
                .then_some((request.producer_id.0, request.producer_epoch));
            let (id, epoch) = ctx.broker.init_producer_id(existing);
            InitProducerIdResponse::default()
                .with_producer_id(ProducerId(id))
                .with_producer_epoch(epoch)
        }
    };
    Reply::Now(ResponseKind::InitProducerId(response))
}
