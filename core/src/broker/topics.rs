//! Topic administration and Metadata.

use serde::{Deserialize, Serialize};

use crate::broker::Broker;
use crate::error::KafkaError;
use crate::event::Event;
use crate::log::LogConfig;
use crate::log::{PartitionLog, StorageError, StorageProvider, TopicManifest};
use crate::record::Millis;
use crate::topic::{validate_topic_name, Topic, TopicDescription, MAX_PARTITIONS};

/// A broker as Metadata lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrokerMetadata {
    /// `node.id`.
    pub node_id: i32,
    /// Host to connect to.
    pub host: String,
    /// Port to connect to.
    pub port: i32,
}

/// One topic in a Metadata answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopicMetadata {
    /// Topic name.
    pub name: String,
    /// `None`, or why the topic is not there (`UNKNOWN_TOPIC_OR_PARTITION`,
    /// `INVALID_TOPIC_EXCEPTION`).
    pub error: Option<KafkaError>,
    /// Topic id.
    pub topic_id: [u8; 16],
    /// Partition count; every partition is led by this broker.
    pub partitions: i32,
    /// Internal topics (`__consumer_offsets`) are flagged in Kafka; we have none exposed.
    pub is_internal: bool,
}

/// The Metadata answer: who the brokers are and where every partition lives. With one
/// broker, every partition's leader is this broker, and it is also the group coordinator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MetadataResponse {
    /// The brokers (just this one).
    pub brokers: Vec<BrokerMetadata>,
    /// Cluster id.
    pub cluster_id: String,
    /// The controller (this broker).
    pub controller_id: i32,
    /// Topics asked for, or all.
    pub topics: Vec<TopicMetadata>,
}

impl<P: StorageProvider> Broker<P> {
    /// CreateTopics for one topic. `config` defaults to the broker's log settings.
    pub fn create_topic(
        &mut self,
        name: &str,
        partitions: i32,
        config: Option<LogConfig>,
        now: Millis,
    ) -> Result<(), KafkaError> {
        validate_topic_name(name)?;
        if self.topics.contains_key(name) {
            return Err(KafkaError::TopicAlreadyExists);
        }
        if partitions <= 0 || partitions > MAX_PARTITIONS {
            return Err(KafkaError::InvalidPartitions);
        }
        let topic_id = self.next_topic_id();
        let config = config.unwrap_or_else(|| self.config.log.clone());
        let mut topic = Topic::from_logs(name.to_string(), topic_id, config, now, Vec::new());
        let provider = &mut self.provider;
        let manifest = TopicManifest {
            partitions,
            ..topic.manifest()
        };
        topic.add_partitions(partitions, |p| open_log(provider, &manifest, p))?;
        provider.save_topic(&manifest).map_err(storage_error)?;
        self.topics.insert(name.to_string(), topic);
        self.events.push_back(Event::TopicCreated {
            at: now,
            topic: name.to_string(),
            partitions,
        });
        Ok(())
    }

    /// DeleteTopics for one topic: its logs go, and so do the offsets every group committed
    /// for it (a topic re-created with the same name starts from scratch).
    pub fn delete_topic(&mut self, name: &str, now: Millis) -> Result<(), KafkaError> {
        if self.topics.remove(name).is_none() {
            return Err(KafkaError::UnknownTopicOrPartition);
        }
        self.provider.delete_topic(name).map_err(storage_error)?;
        self.producers.topic_deleted(name);
        self.offsets.delete_topic(name, now);
        self.events.push_back(Event::TopicDeleted {
            at: now,
            topic: name.to_string(),
        });
        Ok(())
    }

    /// CreatePartitions: grow a topic to `total` partitions.
    pub fn create_partitions(
        &mut self,
        name: &str,
        total: i32,
        now: Millis,
    ) -> Result<(), KafkaError> {
        let topic = self
            .topics
            .get_mut(name)
            .ok_or(KafkaError::UnknownTopicOrPartition)?;
        let from = topic.partition_count();
        let provider = &mut self.provider;
        let manifest = TopicManifest {
            partitions: total,
            ..topic.manifest()
        };
        topic.add_partitions(total, |p| open_log(provider, &manifest, p))?;
        provider.save_topic(&manifest).map_err(storage_error)?;
        self.events.push_back(Event::PartitionsAdded {
            at: now,
            topic: name.to_string(),
            from,
            to: total,
        });
        Ok(())
    }

    /// AlterConfigs for one topic: its log settings become `config`, for every partition,
    /// and are saved with the topic so that a restart keeps them. They apply from the next
    /// append and retention check; segments already written are not rewritten, as in Kafka.
    pub fn alter_topic_config(&mut self, name: &str, config: LogConfig) -> Result<(), KafkaError> {
        let topic = self
            .topics
            .get_mut(name)
            .ok_or(KafkaError::UnknownTopicOrPartition)?;
        let manifest = TopicManifest {
            config: config.clone(),
            ..topic.manifest()
        };
        self.provider.save_topic(&manifest).map_err(storage_error)?;
        for log in &mut topic.partitions {
            log.set_config(config.clone());
        }
        topic.config = config;
        Ok(())
    }

    /// Topic names, sorted (cheaper than [`Broker::list_topics`], which describes segments).
    pub fn topic_names(&self) -> Vec<String> {
        self.topics.keys().cloned().collect()
    }

    /// Every topic, described, by name.
    pub fn list_topics(&self) -> Vec<TopicDescription> {
        self.topics.values().map(Topic::describe).collect()
    }

    /// One topic, described.
    pub fn describe_topic(&self, name: &str) -> Result<TopicDescription, KafkaError> {
        self.topics
            .get(name)
            .map(Topic::describe)
            .ok_or(KafkaError::UnknownTopicOrPartition)
    }

    /// Metadata for `topics` (`None`: all topics). With `allow_auto_create` and the
    /// broker's `auto.create.topics.enable`, unknown topics are created with
    /// `num.partitions` partitions, as Kafka does for producers that just start writing.
    pub fn metadata(
        &mut self,
        topics: Option<&[String]>,
        allow_auto_create: bool,
        now: Millis,
    ) -> MetadataResponse {
        let names: Vec<String> = match topics {
            Some(names) => names.to_vec(),
            None => self.topics.keys().cloned().collect(),
        };
        let mut out = Vec::with_capacity(names.len());
        for name in names {
            if !self.topics.contains_key(&name)
                && allow_auto_create
                && self.config.auto_create_topics
                && validate_topic_name(&name).is_ok()
            {
                let partitions = self.config.num_partitions.max(1);
                // Cannot fail: the name is valid and the topic absent.
                let _ = self.create_topic(&name, partitions, None, now);
            }
            out.push(match self.topics.get(&name) {
                Some(topic) => TopicMetadata {
                    name,
                    error: None,
                    topic_id: topic.topic_id,
                    partitions: topic.partition_count(),
                    is_internal: false,
                },
                None => TopicMetadata {
                    error: Some(
                        validate_topic_name(&name)
                            .err()
                            .unwrap_or(KafkaError::UnknownTopicOrPartition),
                    ),
                    name,
                    topic_id: [0; 16],
                    partitions: 0,
                    is_internal: false,
                },
            });
        }
        MetadataResponse {
            brokers: vec![BrokerMetadata {
                node_id: self.config.node_id,
                host: self.config.advertised_host.clone(),
                port: self.config.advertised_port,
            }],
            cluster_id: self.config.cluster_id.clone(),
            controller_id: self.config.node_id,
            topics: out,
        }
    }
}

/// Open the log of a new partition through the provider.
fn open_log<P: StorageProvider>(
    provider: &mut P,
    manifest: &TopicManifest,
    partition: i32,
) -> Result<PartitionLog<P::Storage>, KafkaError> {
    let storage = provider
        .open_partition(manifest, partition)
        .map_err(storage_error)?;
    PartitionLog::with_storage(storage, manifest.config.clone()).map_err(storage_error)
}

/// A storage failure as Kafka reports it. (The provider logs the details: the core has
/// no logger.)
fn storage_error(_: StorageError) -> KafkaError {
    KafkaError::KafkaStorageError
}
