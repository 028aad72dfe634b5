//! The broker: one API over topics, partition logs, the offset store and the group
//! coordinator. Drivers (the browser, the native server, the simulation, tests) talk only
//! to [`Broker`].
//!
//! Like the rest of the core it is sans-IO: every call takes `now`, answers at once or
//! parks its answer (JoinGroup, SyncGroup) for [`Broker::poll_output`], and reports every
//! state change as an [`Event`] through [`Broker::poll_event`]. [`Broker::poll_timeout`]
//! says when to call [`Broker::handle_timeout`] next.
//!
//! What the broker does **not** keep is as instructive as what it does: it has no idea
//! where a consumer is reading. A consumer's *position* lives in the consumer; the broker
//! only serves the offsets it is asked for and stores the *committed* offsets it is given.
//! That is why a consumer that restarts resumes from its last commit, and re-reads whatever
//! it processed after that commit.
//!
//! - `topics.rs`: CreateTopics, DeleteTopics, CreatePartitions, Metadata.
//! - `data.rs`: Produce, Fetch, ListOffsets, DeleteRecords, and retention.
//! - `groups.rs`: the group APIs and OffsetCommit / OffsetFetch.
//! - `producers.rs`: idempotent producers (InitProducerId, sequence numbers).
//! - `transactions.rs`: the transaction APIs, markers, and `read_committed` reads.

mod consumer_groups;
mod data;
mod groups;
mod producers;
mod topics;
mod transactions;

#[cfg(test)]
mod restart_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod transaction_tests;

use crate::collections::BTreeMap;
use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

pub use data::{FetchPartition, OffsetSpec, ProduceResult};
pub use groups::{OffsetCommit, OffsetCommitRequest};
pub use producers::{ProducerBatch, ProducerStates, SequenceCheck};
pub use topics::{BrokerMetadata, MetadataResponse, TopicMetadata};

use crate::broker::consumer_groups::consumer_group_coordinator;
use crate::event::Event;
use crate::group::modern::{ConsumerGroupConfig, ConsumerGroupCoordinator};
use crate::group::{CoordinatorConfig, GroupCoordinator, GroupOutput};
use crate::log::{LogConfig, MemoryProvider, PartitionLog, StorageError, StorageProvider};
use crate::offsets::{OffsetStore, RebuildError};
use crate::record::Millis;
use crate::rng::SplitMix64;
use crate::topic::Topic;
use crate::txn::{TransactionCoordinator, TxnConfig};

/// Broker settings. Defaults are Kafka's where Kafka has one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BrokerConfig {
    /// `node.id`: this broker's id in Metadata answers.
    pub node_id: i32,
    /// The host clients should connect to (`advertised.listeners`).
    pub advertised_host: String,
    /// The port clients should connect to.
    pub advertised_port: i32,
    /// The cluster id reported in Metadata.
    pub cluster_id: String,
    /// `auto.create.topics.enable`: create a topic when a client asks for its metadata.
    pub auto_create_topics: bool,
    /// `num.partitions`: partitions of auto-created topics.
    pub num_partitions: i32,
    /// Log settings of new topics (`log.segment.bytes`, `log.retention.ms`, ...).
    pub log: LogConfig,
    /// `message.max.bytes`: the largest batch a producer may send.
    pub message_max_bytes: u32,
    /// `log.retention.check.interval.ms`: how often retention runs.
    pub retention_check_interval_ms: Millis,
    /// Group coordinator settings.
    pub coordinator: CoordinatorConfig,
    /// Consumer-protocol (KIP-848) group settings.
    pub consumer_groups: ConsumerGroupConfig,
    /// Transaction coordinator settings.
    pub transactions: TxnConfig,
    /// Seed for topic ids (Kafka draws random UUIDs; we want reproducible runs).
    pub topic_id_seed: u64,
}

impl Default for BrokerConfig {
    fn default() -> Self {
        BrokerConfig {
            node_id: 1,
            advertised_host: "localhost".into(),
            advertised_port: 9092,
            cluster_id: "minikafka".into(),
            auto_create_topics: true,
            num_partitions: 1,
            log: LogConfig::default(),
            message_max_bytes: 1_048_588,
            retention_check_interval_ms: 300_000,
            coordinator: CoordinatorConfig::default(),
            consumer_groups: ConsumerGroupConfig::default(),
            transactions: TxnConfig::default(),
            topic_id_seed: 0,
        }
    }
}

/// A single Kafka broker: controller, partition leader and group coordinator in one.
///
/// `P` says where its logs live: [`MemoryProvider`] (the default) or the native server's
/// segment files.
pub struct Broker<P: StorageProvider = MemoryProvider> {
    pub(crate) config: BrokerConfig,
    pub(crate) topics: BTreeMap<String, Topic<P::Storage>>,
    pub(crate) offsets: OffsetStore<P::Storage>,
    pub(crate) provider: P,
    pub(crate) producers: ProducerStates,
    pub(crate) coordinator: GroupCoordinator,
    pub(crate) consumer_groups: ConsumerGroupCoordinator,
    pub(crate) transactions: TransactionCoordinator<P::Storage>,
    pub(crate) events: VecDeque<Event>,
    pub(crate) next_retention_check: Millis,
    pub(crate) topic_ids: SplitMix64,
    /// Transactions completed since start, per transactional id: (committed, aborted).
    pub(crate) txn_outcomes: BTreeMap<String, (u64, u64)>,
}

/// Why a broker could not open its logs at startup.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoadError {
    /// The storage failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// The committed-offsets log could not be replayed.
    #[error("committed offsets: {0}")]
    Offsets(#[from] RebuildError),
    /// The transaction log could not be replayed.
    #[error("transaction log: {0}")]
    Transactions(RebuildError),
}

impl<P: StorageProvider + Clone> Clone for Broker<P>
where
    P::Storage: Clone,
{
    fn clone(&self) -> Self {
        Broker {
            config: self.config.clone(),
            topics: self.topics.clone(),
            offsets: self.offsets.clone(),
            provider: self.provider.clone(),
            producers: self.producers.clone(),
            coordinator: self.coordinator.clone(),
            consumer_groups: self.consumer_groups.clone(),
            transactions: self.transactions.clone(),
            events: self.events.clone(),
            next_retention_check: self.next_retention_check,
            topic_ids: self.topic_ids.clone(),
            txn_outcomes: self.txn_outcomes.clone(),
        }
    }
}

impl<P: StorageProvider> std::fmt::Debug for Broker<P>
where
    P::Storage: std::fmt::Debug,
{
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Broker")
            .field("config", &self.config)
            .field("topics", &self.topics)
            .field("offsets", &self.offsets)
            .field("coordinator", &self.coordinator)
            .field("transactions", &self.transactions)
            .finish_non_exhaustive()
    }
}

impl Broker {
    /// A broker with no topics, in memory, started at `now`.
    pub fn new(config: BrokerConfig, now: Millis) -> Broker {
        Broker {
            coordinator: GroupCoordinator::new(config.coordinator.clone()),
            consumer_groups: consumer_group_coordinator(config.consumer_groups.clone()),
            transactions: TransactionCoordinator::new(config.transactions.clone()),
            offsets: OffsetStore::new(),
            provider: MemoryProvider,
            producers: ProducerStates::new(now.max(0)),
            topics: BTreeMap::new(),
            events: VecDeque::new(),
            next_retention_check: now + config.retention_check_interval_ms,
            topic_ids: SplitMix64::new(config.topic_id_seed),
            txn_outcomes: BTreeMap::new(),
            config,
        }
    }
}

impl<P: StorageProvider> Broker<P> {
    /// A broker over `provider`'s storage, with every topic, committed offset and
    /// transaction a previous run saved there: what a broker does at startup. Transactions
    /// whose decision was written but whose markers may not all be are completed now.
    pub fn open(config: BrokerConfig, mut provider: P, now: Millis) -> Result<Self, LoadError> {
        let mut topics = BTreeMap::new();
        for manifest in provider.saved_topics()? {
            let mut logs = Vec::with_capacity(manifest.partitions.max(0) as usize);
            for p in 0..manifest.partitions {
                let storage = provider.open_partition(&manifest, p)?;
                logs.push(PartitionLog::with_storage(
                    storage,
                    manifest.config.clone(),
                )?);
            }
            topics.insert(
                manifest.name.clone(),
                Topic::from_logs(
                    manifest.name,
                    manifest.topic_id,
                    manifest.config,
                    manifest.created_at,
                    logs,
                ),
            );
        }
        let offsets_log =
            PartitionLog::with_storage(provider.open_offsets_log()?, OffsetStore::log_config())?;
        let offsets = OffsetStore::rebuild(offsets_log)?;
        let txn_log = PartitionLog::with_storage(
            provider.open_transaction_log()?,
            OffsetStore::log_config(),
        )?;
        let transactions = TransactionCoordinator::rebuild(config.transactions.clone(), txn_log)
            .map_err(LoadError::Transactions)?;
        // Milliseconds times 1000: ids a previous run handed out are far below.
        let mut producers = ProducerStates::new(now.max(0).saturating_mul(1000));
        for topic in topics.values() {
            for (p, log) in topic.partitions.iter().enumerate() {
                producers.rebuild_from(&topic.name, p as i32, log)?;
            }
        }
        // Seeded with the start time too: a restarted broker must not issue the ids of
        // the topics it already has again.
        let topic_ids = SplitMix64::new(config.topic_id_seed ^ now as u64);
        // Member ids too: a client that was a member before the restart still holds its id,
        // and must get UNKNOWN_MEMBER_ID, not find a new member wearing the same id.
        let mut coordinator = config.coordinator.clone();
        coordinator.member_id_seed ^= (now as u64).rotate_left(17);
        // Groups as their last settled generation left them, every session restarted now.
        let coordinator = GroupCoordinator::new(coordinator);
        #[cfg(not(target_arch = "wasm32"))]
        let coordinator = {
            let mut coordinator = coordinator;
            for record in offsets.saved_groups() {
                coordinator.load_group(record, now);
            }
            coordinator
        };
        let mut consumer_config = config.consumer_groups.clone();
        consumer_config.member_id_seed ^= (now as u64).rotate_left(29);
        #[allow(unused_mut)]
        let mut consumer_groups = consumer_group_coordinator(consumer_config);
        #[cfg(not(target_arch = "wasm32"))]
        for (_, value) in offsets.saved_consumer_groups() {
            // A record this build cannot read is skipped: its members rejoin from scratch.
            if let Ok(stored) = crate::group::modern::StoredConsumerGroup::decode(value) {
                consumer_groups.load_group(stored, now);
            }
        }
        let mut broker = Broker {
            coordinator,
            consumer_groups,
            transactions,
            offsets,
            provider,
            producers,
            topics,
            events: VecDeque::new(),
            next_retention_check: now + config.retention_check_interval_ms,
            topic_ids,
            txn_outcomes: BTreeMap::new(),
            config,
        };
        broker.write_pending_markers(now);
        Ok(broker)
    }

    /// The storage provider (the native server flushes through it).
    pub fn provider_mut(&mut self) -> &mut P {
        &mut self.provider
    }

    /// The settings.
    pub fn config(&self) -> &BrokerConfig {
        &self.config
    }

    /// The committed offsets.
    pub fn offsets(&self) -> &OffsetStore<P::Storage> {
        &self.offsets
    }

    /// The group coordinator, read-only (change groups through the broker's calls).
    pub fn coordinator(&self) -> &GroupCoordinator {
        &self.coordinator
    }

    /// The transaction coordinator, read-only (change transactions through the broker's
    /// calls).
    pub fn transactions(&self) -> &TransactionCoordinator<P::Storage> {
        &self.transactions
    }

    /// Transactions completed since this broker started, per transactional id:
    /// `(committed, aborted)`, aborts by timeout or fencing included.
    pub fn transaction_outcomes(&self) -> &BTreeMap<String, (u64, u64)> {
        &self.txn_outcomes
    }

    /// A topic, read-only.
    pub fn topic(&self, name: &str) -> Option<&Topic<P::Storage>> {
        self.topics.get(name)
    }

    /// The next parked JoinGroup/SyncGroup answer that is ready.
    pub fn poll_output(&mut self) -> Option<GroupOutput> {
        self.coordinator.poll_output()
    }

    /// The next event, in the order things happened.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.absorb_coordinator_events();
        self.events.pop_front()
    }

    /// When [`Broker::handle_timeout`] next has work to do.
    pub fn poll_timeout(&self) -> Option<Millis> {
        let retention = Some(self.next_retention_check);
        self.coordinator
            .poll_timeout()
            .into_iter()
            .chain(self.consumer_groups.poll_timeout())
            .chain(self.transactions.poll_timeout())
            .chain(retention)
            .min()
    }

    /// Fire everything due at `now`: session and rebalance timeouts, transaction timeouts,
    /// and retention.
    pub fn handle_timeout(&mut self, now: Millis) {
        self.coordinator.handle_timeout(now);
        self.absorb_coordinator_events();
        self.consumer_groups.handle_timeout(now);
        self.absorb_consumer_group_events(now);
        self.transactions.handle_timeout(now);
        self.write_pending_markers(now);
        if now >= self.next_retention_check {
            self.apply_retention(now);
            self.next_retention_check = now + self.config.retention_check_interval_ms.max(1);
        }
    }

    /// Move the coordinator's events into the broker's queue, keeping their order
    /// relative to the broker's own events. Called after every call into the coordinator.
    pub(crate) fn absorb_coordinator_events(&mut self) {
        while let Some(event) = self.coordinator.poll_event() {
            #[cfg(not(target_arch = "wasm32"))]
            self.store_group_metadata(&event);
            self.events.push_back(event);
        }
    }

    /// Write a group's metadata to the offsets log when its generation settles, as Kafka
    /// does: when the group becomes Stable (the leader's assignment is in), becomes Empty,
    /// or a static member takes its old place under a new member id; a tombstone when it
    /// is deleted. [`Broker::open`] loads it back, so members survive a restart. The
    /// coordinator's state is read after the call that caused the event: a group that has
    /// already moved on to another rebalance is not written (its last settled generation
    /// is what a restart resumes).
    ///
    /// Not in the browser build: its broker is never reopened from storage, and the page
    /// has a size budget.
    #[cfg(not(target_arch = "wasm32"))]
    fn store_group_metadata(&mut self, event: &Event) {
        use crate::group::GroupState;
        let (group, at) = match event {
            Event::GroupStateChanged {
                at,
                group,
                to: GroupState::Stable | GroupState::Empty | GroupState::Dead,
                ..
            }
            | Event::StaticMemberReplaced { at, group, .. }
            | Event::GroupDeleted { at, group } => (group, *at),
            _ => return,
        };
        if self.coordinator.group_state(group).is_none() {
            self.offsets.delete_group_metadata(group, at);
        } else if let Some(record) = self.coordinator.group_record(group, at) {
            if self.offsets.group_metadata(group).is_some_and(|stored| {
                stored.generation == record.generation && stored.members == record.members
            }) {
                return; // already stored (Stable then a second event of the same call)
            }
            // A failed append leaves the previous record: a restart then resumes an older
            // generation, whose members are told to rejoin, which is safe.
            let _ = self.offsets.store_group(record, at);
        }
    }

    /// Kafka's topic ids are random UUIDs; ours come from a seeded generator so that runs
    /// are reproducible.
    pub(crate) fn next_topic_id(&mut self) -> [u8; 16] {
        self.topic_ids.next_uuid()
    }
}
