//! The consumer-protocol coordinator: every consumer-protocol group on this broker, its
//! settings, and its event queue. The heartbeat is in `heartbeat.rs`, timers in
//! `timeouts.rs`, reading in `describe.rs`, commit checks in `commit.rs`.

use crate::collections::BTreeMap;
use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use crate::event::{Event, MemberAssignment, RemovalReason};
use crate::group::modern::assignor::UNIFORM;
use crate::group::modern::group::ConsumerGroup;
use crate::record::Millis;
use crate::rng::{uuid_string, SplitMix64};

/// Broker settings of the consumer protocol (Kafka's `group.consumer.*`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsumerGroupConfig {
    /// `group.consumer.session.timeout.ms`: in this protocol the *broker* sets the session
    /// timeout, not the client (45 s in Kafka).
    pub session_timeout_ms: i32,
    /// `group.consumer.heartbeat.interval.ms`: how often members heartbeat (5 s in Kafka).
    /// Every step of a reconciliation waits for a heartbeat, so this also paces rebalances.
    pub heartbeat_interval_ms: i32,
    /// `group.consumer.assignors`' first entry: the assignor used when members name none.
    pub default_assignor: String,
    /// `group.consumer.max.size`.
    pub max_size: Option<usize>,
    /// Seed for the member ids this coordinator issues (v0 joins).
    pub member_id_seed: u64,
}

impl Default for ConsumerGroupConfig {
    fn default() -> Self {
        ConsumerGroupConfig {
            session_timeout_ms: 45_000,
            heartbeat_interval_ms: 5_000,
            default_assignor: UNIFORM.to_string(),
            max_size: None,
            member_id_seed: 0x848,
        }
    }
}

/// Every consumer-protocol group. Sans-IO: requests and the time come in, responses and
/// [`Event`]s go out.
#[derive(Debug, Clone)]
pub struct ConsumerGroupCoordinator {
    pub(crate) config: ConsumerGroupConfig,
    pub(crate) groups: BTreeMap<String, ConsumerGroup>,
    pub(crate) events: VecDeque<Event>,
    pub(crate) rng: SplitMix64,
    /// How a subscription regex is matched against a topic name (a full match, as Kafka's
    /// RE2J). Supplied by the native broker; without one, regexes match nothing (the
    /// browser build carries no regex engine).
    pub(crate) regex_matcher: Option<RegexMatcher>,
}

/// `(pattern, topic) -> matches?`; `Err` with the engine's description for a pattern
/// that does not compile (the heartbeat then answers `INVALID_REGULAR_EXPRESSION`).
pub type RegexMatcher = fn(&str, &str) -> Result<bool, String>;

impl ConsumerGroupCoordinator {
    /// No groups yet.
    pub fn new(config: ConsumerGroupConfig) -> ConsumerGroupCoordinator {
        let rng = SplitMix64::new(config.member_id_seed);
        ConsumerGroupCoordinator {
            config,
            groups: BTreeMap::new(),
            events: VecDeque::new(),
            rng,
            regex_matcher: None,
        }
    }

    /// Resolve regex subscriptions with `matcher` from now on.
    pub fn set_regex_matcher(&mut self, matcher: RegexMatcher) {
        self.regex_matcher = Some(matcher);
    }

    /// The settings.
    pub fn config(&self) -> &ConsumerGroupConfig {
        &self.config
    }

    /// A group, read-only.
    pub fn group(&self, group_id: &str) -> Option<&ConsumerGroup> {
        self.groups.get(group_id)
    }

    /// Every group id.
    pub fn group_ids(&self) -> Vec<&str> {
        self.groups.keys().map(String::as_str).collect()
    }

    /// Does this coordinator have the group (with or without members)?
    pub fn has_group(&self, group_id: &str) -> bool {
        self.groups.contains_key(group_id)
    }

    /// Forget a group with no members: a classic JoinGroup may take the id over, or
    /// DeleteGroups removes it. `NON_EMPTY_GROUP` if it has members.
    pub fn delete_group(&mut self, group_id: &str) -> Result<(), crate::KafkaError> {
        match self.groups.get(group_id) {
            None => Err(crate::KafkaError::GroupIdNotFound),
            Some(g) if !g.members.is_empty() => Err(crate::KafkaError::NonEmptyGroup),
            Some(_) => {
                self.groups.remove(group_id);
                Ok(())
            }
        }
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// A fresh member id for a v0 join (v1 clients choose their own, KIP-1082).
    pub(crate) fn new_member_id(&mut self) -> String {
        uuid_string(&self.rng.next_uuid())
    }

    /// Say that the target assignment of `group_id` changed.
    pub(crate) fn target_event(&mut self, group_id: &str, now: Millis) {
        let Some(group) = self.groups.get(group_id) else {
            return;
        };
        let assignment = group
            .target
            .iter()
            .map(|(member_id, a)| {
                let m = group.members.get(member_id);
                MemberAssignment {
                    member_id: member_id.clone(),
                    group_instance_id: m.and_then(|m| m.instance_id.clone()),
                    client_id: m.map(|m| m.client_id.clone()).unwrap_or_default(),
                    partitions: Some(a.to_topic_partitions()),
                }
            })
            .collect();
        self.events.push_back(Event::AssignmentCompleted {
            at: now,
            group: group_id.to_string(),
            generation: group.assignment_epoch,
            assignment,
        });
    }

    /// Take a member out and bump the group epoch: its partitions go to the others at
    /// their next heartbeats.
    pub(crate) fn remove_member(
        &mut self,
        group_id: &str,
        member_id: &str,
        reason: RemovalReason,
        now: Millis,
    ) {
        let Some(group) = self.groups.get_mut(group_id) else {
            return;
        };
        let Some(member) = group.members.remove(member_id) else {
            return;
        };
        if let Some(instance) = &member.instance_id {
            if group.static_members.get(instance).map(String::as_str) == Some(member_id) {
                group.static_members.remove(instance);
            }
        }
        group.target.remove(member_id);
        group.group_epoch += 1;
        self.events.push_back(Event::MemberRemoved {
            at: now,
            group: group_id.to_string(),
            member_id: member_id.to_string(),
            reason,
        });
    }
}
