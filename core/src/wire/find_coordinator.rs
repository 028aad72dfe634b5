//! FindCoordinator (key 10): which broker runs this group's coordinator.
//!
//! In a Kafka cluster a group's coordinator is the leader of the `__consumer_offsets`
//! partition its id hashes to, so it can be any broker; a consumer asks before it joins or
//! commits. minikafka is one broker, so the answer is always itself. Transaction
//! coordinators (key type 1) are not served.

use kafka_protocol::messages::find_coordinator_response::Coordinator;
use kafka_protocol::messages::{
    BrokerId, FindCoordinatorRequest, FindCoordinatorResponse, ResponseKind,
};
use kafka_protocol::protocol::{StrBytes, VersionRange};

use super::{text, Ctx, Reply};
use crate::log::StorageProvider;
use crate::KafkaError;

/// v0..v4: v3 is the first flexible version; v4 asks for several keys at once.
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
    let error = if request.key_type == 0 {
        0
    } else {
        KafkaError::CoordinatorNotAvailable.code()
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
