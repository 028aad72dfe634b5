//! Metadata (key 3): which topics and partitions exist, and which broker leads each one.
//!
//! Clients call it on start, before producing to a topic they have not seen, and every
//! `metadata.max.age.ms`. minikafka is one broker, so it is the leader of every partition,
//! its only replica and its whole in-sync replica set. The host and port it returns are
//! the *advertised* address: clients open new connections to it, so it must be reachable
//! from them (an IPv4 literal by default: librdkafka may resolve `localhost` to `::1`).
//!
//! With `allow_auto_topic_creation` (always on before v4) and the broker's
//! `auto.create.topics.enable`, asking for an unknown topic creates it, as Kafka does.

use kafka_protocol::messages::metadata_response::{
    MetadataResponseBroker, MetadataResponsePartition, MetadataResponseTopic,
};
use kafka_protocol::messages::{
    BrokerId, MetadataRequest, MetadataResponse, ResponseKind, TopicName,
};
use kafka_protocol::protocol::VersionRange;
use uuid::Uuid;

use super::{text, Ctx, Reply};
use crate::log::StorageProvider;
use crate::KafkaError;

/// v0..v12: v9 is the first flexible version; v10 adds topic ids; v13 (a top-level error
/// code) is not needed by any client in the notes.
pub const VERSIONS: VersionRange = VersionRange { min: 0, max: 12 };

pub(super) fn handle<P: StorageProvider>(
    ctx: &mut Ctx<'_, P>,
    request: MetadataRequest,
    version: i16,
) -> Reply {
    // Before v1 an empty list meant "all topics"; from v1 on that is a null list.
    let wanted: Option<Vec<String>> = match request.topics {
        None => None,
        Some(topics) if topics.is_empty() && version == 0 => None,
        Some(topics) => Some(
            topics
                .into_iter()
                .map(|t| match t.name {
                    Some(name) => name.to_string(),
                    // v12 allows asking by id alone.
                    None => topic_name_by_id(ctx, t.topic_id).unwrap_or_default(),
                })
                .collect(),
        ),
    };
    let allow_auto_create = version < 4 || request.allow_auto_topic_creation;
    let meta = ctx
        .broker
        .metadata(wanted.as_deref(), allow_auto_create, ctx.now);
    let node = BrokerId(meta.controller_id);
    let brokers = meta
        .brokers
        .iter()
        .map(|b| {
            MetadataResponseBroker::default()
                .with_node_id(BrokerId(b.node_id))
                .with_host(text(&b.host))
                .with_port(b.port)
        })
        .collect();
    let topics = meta
        .topics
        .into_iter()
        .map(|t| {
            let error = match t.error {
                // An empty name (asked by an unknown id) is UNKNOWN_TOPIC_ID.
                Some(_) if t.name.is_empty() && version >= 10 => KafkaError::UnknownTopicId.code(),
                Some(e) => e.code(),
                None => 0,
            };
            let partitions = (0..t.partitions)
                .map(|p| {
                    MetadataResponsePartition::default()
                        .with_partition_index(p)
                        .with_leader_id(node)
                        .with_replica_nodes(vec![node])
                        .with_isr_nodes(vec![node])
                })
                .collect();
            MetadataResponseTopic::default()
                .with_error_code(error)
                .with_name(Some(TopicName(text(&t.name))))
                .with_topic_id(Uuid::from_bytes(t.topic_id))
                .with_is_internal(t.is_internal)
                .with_partitions(partitions)
        })
        .collect();
    Reply::Now(ResponseKind::Metadata(
        MetadataResponse::default()
            .with_brokers(brokers)
            .with_cluster_id(Some(text(&meta.cluster_id)))
            .with_controller_id(node)
            .with_topics(topics),
    ))
}

fn topic_name_by_id<P: StorageProvider>(ctx: &Ctx<'_, P>, id: Uuid) -> Option<String> {
    ctx.broker.topic_names().into_iter().find(|name| {
        ctx.broker
            .topic(name)
            .is_some_and(|t| t.topic_id == *id.as_bytes())
    })
}
