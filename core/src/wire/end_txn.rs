//! EndTxn (key 26): commit or abort the open transaction.
//!
//! The coordinator writes its decision first (`PrepareCommit` or `PrepareAbort`), then the
//! broker appends a marker (a control batch) to every partition of the transaction and
//! commits or drops the staged offsets; all of it before the answer, in one process. A
//! `read_committed` consumer waiting at the last stable offset is woken by the markers.

use kafka_protocol::messages::{EndTxnRequest, EndTxnResponse, ProducerId, ResponseKind};
use kafka_protocol::protocol::VersionRange;

use super::{fenced_before, Ctx, Reply};
use crate::log::StorageProvider;
use crate::txn::EndTxnRequest as CoreRequest;

/// v0..v3: librdkafka sends up to v1, kafkajs v1, kafka-python v3 (v2 knows
/// `PRODUCER_FENCED`, v3 is flexible). v5 bumps the epoch on every transaction (KIP-890
/// part 2), a different protocol: not served, nor v4.
pub const VERSIONS: VersionRange = VersionRange { min: 0, max: 3 };

pub(super) fn handle<P: StorageProvider>(
    ctx: &mut Ctx<'_, P>,
    request: EndTxnRequest,
    version: i16,
) -> Reply {
    let result = ctx.broker.end_txn(
        CoreRequest {
            transactional_id: request.transactional_id.to_string(),
            producer_id: request.producer_id.0,
            producer_epoch: request.producer_epoch,
            commit: request.committed,
        },
        ctx.now,
    );
    Reply::Now(ResponseKind::EndTxn(
        EndTxnResponse::default()
            .with_error_code(fenced_before(2, version, &result))
            .with_producer_id(ProducerId(-1))
            .with_producer_epoch(-1),
    ))
}
