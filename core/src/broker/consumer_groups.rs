//! Consumer-protocol (KIP-848) groups on the broker: what needs both the coordinator and
//! the rest of the broker. The topics' partition counts for the assignor, the rule that
//! one group id belongs to one protocol, commits with member epochs, and writing the
//! groups to the offsets log.

use crate::collections::BTreeMap;

use crate::broker::Broker;
use crate::error::KafkaError;
use crate::group::modern::{
    ConsumerGroupCoordinator, ConsumerGroupDescription, ConsumerGroupState, HeartbeatRequest,
    HeartbeatResponse,
};
use crate::group::GroupState;
use crate::log::StorageProvider;
use crate::record::Millis;

/// The consumer-protocol coordinator, with a regex engine for regex subscriptions in the
/// native build (the browser build has none: its page has a size budget).
pub(crate) fn consumer_group_coordinator(
    config: crate::group::modern::ConsumerGroupConfig,
) -> ConsumerGroupCoordinator {
    #[allow(unused_mut)]
    let mut c = ConsumerGroupCoordinator::new(config);
    #[cfg(not(target_arch = "wasm32"))]
    c.set_regex_matcher(full_match);
    c
}

/// Does `pattern` match all of `topic`? Kafka matches subscription regexes with RE2J, whole
/// names only; the `regex` crate has the same (RE2) syntax, but for a few corners (RE2J
/// knows `\Q...\E` quoting, which the crate refuses). `Err`: not a valid regex, with
/// the crate's description. The pattern is checked alone first: wrapped in `^(?:...)$`,
/// an unbalanced one such as `a)|(b` would compile.
#[cfg(not(target_arch = "wasm32"))]
fn full_match(pattern: &str, topic: &str) -> Result<bool, String> {
    // The crate's message ends with its one-line description ("error: unclosed group").
    let description = |e: regex::Error| {
        let text = e.to_string();
        let last = text.lines().last().unwrap_or("").trim();
        last.strip_prefix("error: ").unwrap_or(last).to_string()
    };
    regex::Regex::new(pattern).map_err(description)?;
    let re = regex::Regex::new(&format!("^(?:{pattern})$")).map_err(description)?;
    Ok(re.is_match(topic))
}

impl<P: StorageProvider> Broker<P> {
    /// The consumer-protocol coordinator, read-only.
    pub fn consumer_groups(&self) -> &ConsumerGroupCoordinator {
        &self.consumer_groups
    }

    /// Every topic's partition count: the metadata image the assignors work from.
    pub(crate) fn partition_counts(&self) -> BTreeMap<String, i32> {
        self.topics
            .iter()
            .map(|(name, t)| (name.clone(), t.partition_count()))
            .collect()
    }

    /// ConsumerGroupHeartbeat; see
    /// [`ConsumerGroupCoordinator::heartbeat`]. A group id belongs to one protocol: a
    /// classic group with members answers `GROUP_ID_NOT_FOUND` (Kafka 4 without online
    /// migration: "Group ... is not a consumer group"); an Empty classic group (only
    /// committed offsets left) is converted, its offsets kept.
    pub fn consumer_group_heartbeat(
        &mut self,
        req: HeartbeatRequest,
        version: i16,
        now: Millis,
    ) -> HeartbeatResponse {
        if !self.consumer_groups.has_group(&req.group_id) {
            match self.coordinator.group_state(&req.group_id) {
                None | Some(GroupState::Dead) => {}
                Some(GroupState::Empty) => {
                    // Kafka replaces an empty classic group by the new consumer group.
                    let _ = self.coordinator.delete_group(&req.group_id, now);
                    self.absorb_coordinator_events();
                }
                Some(_) => {
                    return HeartbeatResponse::error(
                        KafkaError::GroupIdNotFound,
                        format!("Group {} is not a consumer group.", req.group_id),
                    )
                }
            }
        }
        let topics = self.partition_counts();
        let group_id = req.group_id.clone();
        let response = self.consumer_groups.heartbeat(req, version, &topics, now);
        self.absorb_consumer_group_events(now);
        self.store_consumer_group(&group_id, now);
        response
    }

    /// OffsetFetch v9's member check (KIP-848); see
    /// [`ConsumerGroupCoordinator::validate_offset_fetch`]. A classic group has none: Kafka
    /// lets anyone read its offsets, whatever member id and epoch come with the request.
    pub fn validate_offset_fetch(
        &self,
        group_id: &str,
        member_id: Option<&str>,
        member_epoch: i32,
    ) -> Result<(), KafkaError> {
        self.consumer_groups
            .validate_offset_fetch(group_id, member_id, member_epoch)
    }

    /// ConsumerGroupDescribe for one group.
    pub fn consumer_group_describe(&self, group_id: &str) -> ConsumerGroupDescription {
        self.consumer_groups.describe(group_id)
    }

    /// Consumer-protocol groups for ListGroups: id and state.
    pub fn list_consumer_groups(&self) -> Vec<(String, ConsumerGroupState)> {
        self.consumer_groups.list()
    }

    /// Move the consumer-protocol coordinator's events to the broker's queue, and write
    /// the groups an expiry changed.
    pub(crate) fn absorb_consumer_group_events(&mut self, now: Millis) {
        let mut touched = Vec::new();
        while let Some(event) = self.consumer_groups.poll_event() {
            if let Some(group) = event_group(&event) {
                touched.push(group.to_string());
            }
            self.events.push_back(event);
        }
        touched.dedup();
        for group in touched {
            self.store_consumer_group(&group, now);
        }
    }

    /// Write the group's record if it changed (see `group/modern/persist.rs`).
    #[cfg(not(target_arch = "wasm32"))]
    pub(crate) fn store_consumer_group(&mut self, group_id: &str, now: Millis) {
        let value = self
            .consumer_groups
            .stored_group(group_id)
            .map(|s| bytes::Bytes::from(s.encode()));
        // A failed write is not fatal: the group lives on in memory, and the next change
        // writes it whole again.
        let _ = self.offsets.store_consumer_group(group_id, value, now);
    }

    /// The browser build never reopens a broker: nothing to write.
    #[cfg(target_arch = "wasm32")]
    pub(crate) fn store_consumer_group(&mut self, _group_id: &str, _now: Millis) {}
}

fn event_group(event: &crate::event::Event) -> Option<&str> {
    use crate::event::Event;
    match event {
        Event::MemberJoined { group, .. }
        | Event::MemberRemoved { group, .. }
        | Event::StaticMemberReplaced { group, .. }
        | Event::AssignmentCompleted { group, .. } => Some(group),
        _ => None,
    }
}
