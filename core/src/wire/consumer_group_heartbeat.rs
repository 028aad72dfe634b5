//! ConsumerGroupHeartbeat (key 68): the one request of the consumer group protocol
//! (KIP-848). It joins, heartbeats, reports owned partitions and leaves; the coordinator
//! answers with the member epoch and, when it changed, the assignment. See
//! `group/modern/` for the protocol itself.
//!
//! Topics travel by **topic id** here, not by name: the adapter maps ids to names with the
//! broker's topics (an id it does not know is dropped: that topic was deleted) and names
//! back to ids in the answer. Consumers learn the names with Metadata v10+.

use kafka_protocol::messages::consumer_group_heartbeat_response::{
    Assignment as WireAssignment, TopicPartitions,
};
use kafka_protocol::messages::{
    ConsumerGroupHeartbeatRequest, ConsumerGroupHeartbeatResponse, ResponseKind,
};
use kafka_protocol::protocol::VersionRange;
use uuid::Uuid;

use super::{text, Ctx, Reply};
use crate::group::modern::{Assignment, HeartbeatRequest};
use crate::log::StorageProvider;

/// v0..v1: v1 (KIP-1082, Kafka 4.0) has the client choose its member id; librdkafka 2.10+
/// sends only v1.
pub const VERSIONS: VersionRange = VersionRange { min: 0, max: 1 };

/// Topic name to id, and back, from the broker's topics.
pub(super) fn topic_ids<P: StorageProvider>(ctx: &Ctx<'_, P>) -> Vec<(String, Uuid)> {
    ctx.broker
        .topic_names()
        .into_iter()
        .filter_map(|name| {
            let id = ctx.broker.topic(&name)?.topic_id;
            Some((name, Uuid::from_bytes(id)))
        })
        .collect()
}

pub(super) fn handle<P: StorageProvider>(
    ctx: &mut Ctx<'_, P>,
    request: ConsumerGroupHeartbeatRequest,
    version: i16,
) -> Reply {
    let ids = topic_ids(ctx);
    let name_of = |id: &Uuid| ids.iter().find(|(_, i)| i == id).map(|(n, _)| n.clone());
    let owned = request.topic_partitions.as_ref().map(|topics| {
        let mut a = Assignment::new();
        for t in topics {
            if let Some(name) = name_of(&t.topic_id) {
                for p in &t.partitions {
                    a.insert(&name, *p);
                }
            }
        }
        a
    });
    let req = HeartbeatRequest {
        group_id: request.group_id.to_string(),
        member_id: request.member_id.to_string(),
        member_epoch: request.member_epoch,
        instance_id: request.instance_id.map(|s| s.to_string()),
        rack_id: request.rack_id.map(|s| s.to_string()),
        rebalance_timeout_ms: request.rebalance_timeout_ms,
        subscribed_topic_names: request
            .subscribed_topic_names
            .map(|names| names.iter().map(|n| n.to_string()).collect()),
        subscribed_topic_regex: request.subscribed_topic_regex.map(|s| s.to_string()),
        server_assignor: request.server_assignor.map(|s| s.to_string()),
        owned,
        client_id: ctx.client_id.to_string(),
        client_host: ctx.client_host.to_string(),
    };
    let answer = ctx.broker.consumer_group_heartbeat(req, version, ctx.now);
    let assignment = answer.assignment.map(|a| {
        WireAssignment::default().with_topic_partitions(
            a.0.iter()
                .filter(|(_, ps)| !ps.is_empty())
                .filter_map(|(name, ps)| {
                    let id = ids.iter().find(|(n, _)| n == name)?.1;
                    Some(
                        TopicPartitions::default()
                            .with_topic_id(id)
                            .with_partitions(ps.iter().copied().collect()),
                    )
                })
                .collect(),
        )
    });
    let member_id = (!answer.member_id.is_empty()).then(|| text(&answer.member_id));
    Reply::Now(ResponseKind::ConsumerGroupHeartbeat(
        ConsumerGroupHeartbeatResponse::default()
            .with_error_code(answer.error.map_or(0, |e| e.code()))
            .with_error_message(answer.error_message.map(|m| text(&m)))
            .with_member_id(member_id)
            .with_member_epoch(answer.member_epoch)
            .with_heartbeat_interval_ms(answer.heartbeat_interval_ms)
            .with_assignment(assignment),
    ))
}
