//! FindCoordinator (key 10): which broker runs this group's coordinator.
//!
//! In a Kafka cluster a group's coordinator is the leader of the `__consumer_offsets`
//! partition its id hashes to, so it can be any broker; a consumer asks before it joins or
//! commits. A transactional producer asks the same way, with key type 1 and its
//! `transactional.id`, for its transaction coordinator (the leader of a
//! `__transaction_state` partition in Kafka). minikafka is one broker, so both answers are
//! itself.

use kafka_protocol::messages::find_coordinator_response::Coordinator;
use kafka_protocol::messages::{
    BrokerId, FindCoordinatorRequest, FindCoordinatorResponse, ResponseKind,
};
use kafka_protocol::protocol::{StrBytes, VersionRange};

use super::{text, Ctx, Reply};
use crate::log::StorageProvider;
use crate::KafkaError;

/// v0..v4: v1 adds the key type (librdkafka and kafkajs send v2 for both kinds), v3 is the
/// first flexible version; v4 asks for several keys at once.
pub const VERSIONS: VersionRange = VersionRange { min: 0, max: 4 };

pub(super) fn handle<P: StorageProvider>(
    ctx: &mut Ctx<'_, P>,
    request: FindCoordinatorRequest,
    version: i16,
) -> Reply {
    let config = ctx.broker.config();
    let node = BrokerId(config.node_id);
    let host = text(&config.advertised_host);
    let port = config.advertised_port;
    // 0: a group, 1: a transactional id. Anything else is not a coordinator Kafka knows.
    let error = if matches!(request.key_type, 0 | 1) {
        0
    } else {
        KafkaError::InvalidRequest.code()
    };
    let response = if version >= 4 {
        let coordinators = request
            .coordinator_keys
            .into_iter()
            .map(|key: StrBytes| {
                Coordinator::default()
                    .with_key(key)
                    .with_node_id(node)
                    .with_host(host.clone())
                    .with_port(port)
                    .with_error_code(error)
            })
            .collect();
        FindCoordinatorResponse::default().with_coordinators(coordinators)
    } else {
        FindCoordinatorResponse::default()
            .with_error_code(error)
            .with_node_id(node)
            .with_host(host)
            .with_port(port)
    };
    Reply::Now(ResponseKind::FindCoordinator(response))
}
