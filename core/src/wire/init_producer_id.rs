//! InitProducerId (key 22): a producer id for an idempotent producer.
//!
//! kafka-python 3 and the Java client enable idempotence by default, so they ask for an id
//! before their first Produce. The id and the sequence numbers in every batch let the
//! broker drop a retried batch instead of writing it twice (see `broker/producers.rs`).
//! Transactional producers (a `transactional.id`) are refused: minikafka has no
//! transaction coordinator.

use kafka_protocol::messages::{
    InitProducerIdRequest, InitProducerIdResponse, ProducerId, ResponseKind,
};
use kafka_protocol::protocol::VersionRange;

use super::{Ctx, Reply};
use crate::log::StorageProvider;
use crate::KafkaError;

/// v0..v4: v2 is the first flexible version, v3 lets a producer bump its epoch (KIP-360).
pub const VERSIONS: VersionRange = VersionRange { min: 0, max: 4 };

pub(super) fn handle<P: StorageProvider>(
    ctx: &mut Ctx<'_, P>,
    request: InitProducerIdRequest,
    _version: i16,
) -> Reply {
    if request.transactional_id.is_some() {
        tracing::warn!(
            client = ctx.client_id,
            "transactional producer refused: transactions are not supported"
        );
        return Reply::Now(ResponseKind::InitProducerId(
            InitProducerIdResponse::default()
                .with_error_code(KafkaError::InvalidRequest.code())
                .with_producer_id(ProducerId(-1))
                .with_producer_epoch(-1),
        ));
    }
    let existing =
        (request.producer_id.0 >= 0).then_some((request.producer_id.0, request.producer_epoch));
    let (id, epoch) = ctx.broker.init_producer_id(existing);
    Reply::Now(ResponseKind::InitProducerId(
        InitProducerIdResponse::default()
            .with_producer_id(ProducerId(id))
            .with_producer_epoch(epoch),
    ))
}
