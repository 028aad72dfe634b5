//! AddOffsetsToTxn (key 25): "this transaction will also commit offsets of this group".
//!
//! Sent by `send_offsets_to_transaction` before the TxnOffsetCommit itself, which goes to the
//! group coordinator. Like AddPartitionsToTxn it begins the transaction, so a transaction
//! of offsets only (a consumer that filtered every record out) still starts and ends.

use kafka_protocol::messages::{AddOffsetsToTxnRequest, AddOffsetsToTxnResponse, ResponseKind};
use kafka_protocol::protocol::VersionRange;

use super::{fenced_before, Ctx, Reply};
use crate::log::StorageProvider;
use crate::txn::AddOffsetsToTxnRequest as CoreRequest;

/// v0..v3: librdkafka sends v0, kafkajs v1, kafka-python v3 (v2 knows `PRODUCER_FENCED`, v3
/// is flexible). v4 adds KIP-890's `TRANSACTION_ABORTABLE`: not served.
pub const VERSIONS: VersionRange = VersionRange { min: 0, max: 3 };

pub(super) fn handle<P: StorageProvider>(
    ctx: &mut Ctx<'_, P>,
    request: AddOffsetsToTxnRequest,
    version: i16,
) -> Reply {
    let result = ctx.broker.add_offsets_to_txn(
        CoreRequest {
            transactional_id: request.transactional_id.to_string(),
            producer_id: request.producer_id.0,
            producer_epoch: request.producer_epoch,
            group_id: request.group_id.to_string(),
        },
        ctx.now,
    );
    Reply::Now(ResponseKind::AddOffsetsToTxn(
        AddOffsetsToTxnResponse::default().with_error_code(fenced_before(2, version, &result)),
    ))
}
