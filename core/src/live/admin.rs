//! Admin actions from a live viewer (`serve --http-admin`): the two things a teacher wants
//! to do from the page without a terminal, done through the same broker calls the CLI's
//! `offsets reset` and `topics delete` end in (the CLI reaches them over the wire).

use serde::{Deserialize, Serialize};

use crate::log::StorageProvider;
use crate::record::{Millis, Offset};
use crate::Broker;

/// What a viewer may ask of a server started with `--http-admin`: the same broker calls
/// the CLI's `offsets reset` and `topics delete` end in. Sent as JSON text on the live
/// WebSocket, e.g. `{"action":"reset_offsets","group":"g","topic":"t","to":"earliest"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum AdminRequest {
    /// Move a group's committed offsets for every partition of a topic. Like
    /// `kafka-consumer-groups --reset-offsets`, only for a group with no members: a live
    /// member would overwrite them with its next commit.
    ResetOffsets {
        /// Group id.
        group: String,
        /// Topic whose partitions' committed offsets move.
        topic: String,
        /// Where to.
        to: ResetTo,
    },
    /// Delete a topic, its records and every group's committed offsets for it.
    DeleteTopic {
        /// Topic name.
        topic: String,
    },
}

/// Where [`AdminRequest::ResetOffsets`] moves a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResetTo {
    /// Each partition's log start: re-read everything still held.
    Earliest,
    /// Each partition's high watermark: skip everything there is.
    Latest,
    /// One offset for every partition (clamped to what each partition holds).
    Offset(Offset),
}

/// Carry out an admin request on the broker; `Ok` says what was done, `Err` why not.
pub fn apply_admin<P: StorageProvider>(
    broker: &mut Broker<P>,
    request: &AdminRequest,
    now: Millis,
) -> Result<String, String> {
    use crate::broker::{OffsetCommit, OffsetCommitRequest};
    match request {
        AdminRequest::DeleteTopic { topic } => broker
            .delete_topic(topic, now)
            .map(|()| format!("topic {topic} deleted, with its records and committed offsets"))
            .map_err(|e| format!("topic {topic}: {e}")),
        AdminRequest::ResetOffsets { group, topic, to } => {
            let members = broker.describe_group(group).members.len();
            if members > 0 {
                return Err(format!(
                    "group {group} has {members} member(s): stop its consumers first (a live member would overwrite the reset with its next commit)"
                ));
            }
            let description = broker
                .describe_topic(topic)
                .map_err(|e| format!("topic {topic}: {e}"))?;
            let offsets: Vec<OffsetCommit> = description
                .partitions
                .iter()
                .map(|p| OffsetCommit {
                    topic: topic.clone(),
                    partition: p.partition,
                    offset: match to {
                        ResetTo::Earliest => p.log_start_offset,
                        ResetTo::Latest => p.high_watermark,
                        ResetTo::Offset(o) => (*o).clamp(p.log_start_offset, p.high_watermark),
                    },
                    leader_epoch: None,
                    metadata: String::new(),
                })
                .collect();
            let summary: Vec<String> = offsets
                .iter()
                .map(|o| format!("{}-{} = {}", o.topic, o.partition, o.offset))
                .collect();
            let results = broker.commit_offsets(
                OffsetCommitRequest {
                    group_id: group.clone(),
                    generation_id: -1,
                    member_id: String::new(),
                    group_instance_id: None,
                    offsets,
                },
                now,
            );
            match results
                .into_iter()
                .find_map(|(t, p, r)| r.err().map(|e| (t, p, e)))
            {
                Some((t, p, e)) => Err(format!("{t}-{p}: {e}")),
                None => Ok(format!("group {group}: committed {}", summary.join(", "))),
            }
        }
    }
}
