//! DescribeCluster (key 60, KIP-700): the cluster id, the controller and the brokers,
//! what admin clients ask instead of a Metadata request for no topics.
//!
//! minikafka is one broker: it is the whole list, and the controller. There is no
//! authorizer, so when the client asks for the cluster's authorized operations the answer
//! is every operation Kafka defines on a cluster, as a Kafka broker without an authorizer
//! answers (it allows everything); otherwise Kafka's "not asked" value, `i32::MIN`.

use kafka_protocol::messages::describe_cluster_response::DescribeClusterBroker;
use kafka_protocol::messages::{
    BrokerId, DescribeClusterRequest, DescribeClusterResponse, ResponseKind,
};
use kafka_protocol::protocol::VersionRange;

use super::{text, Ctx, Reply};
use crate::log::StorageProvider;

/// v0..v1: v0 is flexible already; v1 adds the endpoint type (brokers, or controllers,
/// which a broker does not describe); v2 adds fenced brokers, which one broker never has.
pub const VERSIONS: VersionRange = VersionRange { min: 0, max: 1 };

/// Kafka's `AclOperation` codes allowed on a cluster: CREATE (5), ALTER (7), DESCRIBE (8),
/// CLUSTER_ACTION (9), DESCRIBE_CONFIGS (10), ALTER_CONFIGS (11), IDEMPOTENT_WRITE (12),
/// as a bit field.
pub const CLUSTER_OPERATIONS: i32 =
    (1 << 5) | (1 << 7) | (1 << 8) | (1 << 9) | (1 << 10) | (1 << 11) | (1 << 12);

/// Endpoint type 1: brokers (2 is controllers).
const BROKERS: i8 = 1;

pub(super) fn handle<P: StorageProvider>(
    ctx: &mut Ctx<'_, P>,
    request: DescribeClusterRequest,
    version: i16,
) -> Reply {
    let config = ctx.broker.config();
    if version >= 1 && request.endpoint_type != BROKERS {
        return Reply::Now(ResponseKind::DescribeCluster(
            DescribeClusterResponse::default()
                .with_endpoint_type(request.endpoint_type)
                .with_error_code(kafka_protocol::ResponseError::UnsupportedEndpointType.code())
                .with_error_message(Some(text(
                    "this broker describes brokers only (endpoint type 1)",
                ))),
        ));
    }
    let broker = DescribeClusterBroker::default()
        .with_broker_id(BrokerId(config.node_id))
        .with_host(text(&config.advertised_host))
        .with_port(config.advertised_port)
        .with_rack(None);
    let operations = if request.include_cluster_authorized_operations {
        CLUSTER_OPERATIONS
    } else {
        i32::MIN
    };
    Reply::Now(ResponseKind::DescribeCluster(
        DescribeClusterResponse::default()
            .with_endpoint_type(BROKERS)
            .with_cluster_id(text(&config.cluster_id))
            .with_controller_id(BrokerId(config.node_id))
            .with_brokers(vec![broker])
            .with_cluster_authorized_operations(operations),
    ))
}
