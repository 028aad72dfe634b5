//! `minikafka topics|groups|offsets`: admin commands over the Kafka protocol, against any
//! broker (minikafka or Apache Kafka).

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use kafka_protocol::messages::create_topics_request::{CreatableTopic, CreatableTopicConfig};
use kafka_protocol::messages::list_offsets_request::{ListOffsetsPartition, ListOffsetsTopic};
use kafka_protocol::messages::metadata_request::MetadataRequestTopic;
use kafka_protocol::messages::offset_commit_request::{
    OffsetCommitRequestPartition, OffsetCommitRequestTopic,
};
use kafka_protocol::messages::*;
use kafka_protocol::protocol::StrBytes;

use minikafka::group::consumer_protocol::decode_assignment;
use minikafka::net::client::{serves, Receiver, Sender};
use minikafka::KafkaError;

use super::runtime;

#[derive(Parser, Debug)]
pub struct TopicsArgs {
    #[command(subcommand)]
    command: TopicsCommand,
    /// Broker address.
    #[arg(long, short, global = true, default_value = "127.0.0.1:9092")]
    bootstrap: String,
    /// Kafka client properties for TLS and SASL (`security.protocol`, `sasl.mechanism`,
    /// `sasl.username`, `sasl.password`, `ssl.ca.location`,
    /// `ssl.endpoint.identification.algorithm`), as Kafka's tools take them.
    #[arg(long, global = true, value_name = "FILE")]
    command_config: Option<std::path::PathBuf>,
}

#[derive(Subcommand, Debug)]
enum TopicsCommand {
    /// Create a topic.
    Create {
        /// Topic name (letters, digits, `.`, `_`, `-`).
        name: String,
        /// Number of partitions.
        #[arg(long, short, default_value_t = 1)]
        partitions: i32,
        /// A topic config, `key=value` (retention.ms, retention.bytes, segment.bytes,
        /// segment.ms, cleanup.policy=delete). Repeatable.
        #[arg(long = "config", short = 'c')]
        configs: Vec<String>,
    },
    /// List topics with their partition counts.
    List,
    /// Show a topic's partitions with their log start and log end offsets, and its configs
    /// (retention.ms, segment.bytes, cleanup.policy, ...), each with its source: a topic
    /// override, or the broker's default. From a broker without DescribeConfigs (v1), the
    /// partitions and a line saying its configs are not available.
    Describe {
        /// Topic name.
        name: String,
    },
    /// Add partitions to a topic, up to a new total (Kafka's CreatePartitions). Partitions
    /// cannot be removed; keys already written stay where they are, new records of a key
    /// may go to another partition.
    AddPartitions {
        /// Topic name.
        name: String,
        /// The new partition count (more than the topic has now).
        #[arg(long, value_name = "N")]
        total: i32,
    },
    /// Delete a topic, its records and every group's committed offsets for it.
    Delete {
        /// Topic name.
        name: String,
    },
}

#[derive(Parser, Debug)]
pub struct GroupsArgs {
    #[command(subcommand)]
    command: GroupsCommand,
    /// Broker address.
    #[arg(long, short, global = true, default_value = "127.0.0.1:9092")]
    bootstrap: String,
    /// Kafka client properties for TLS and SASL (`security.protocol`, `sasl.mechanism`,
    /// `sasl.username`, `sasl.password`, `ssl.ca.location`,
    /// `ssl.endpoint.identification.algorithm`), as Kafka's tools take them.
    #[arg(long, global = true, value_name = "FILE")]
    command_config: Option<std::path::PathBuf>,
}

#[derive(Subcommand, Debug)]
enum GroupsCommand {
    /// List consumer groups and their states.
    List,
    /// A group's state, members, their partitions, committed offsets and lag.
    Describe {
        /// Group id.
        group: String,
    },
}

#[derive(Parser, Debug)]
pub struct OffsetsArgs {
    #[command(subcommand)]
    command: OffsetsCommand,
    /// Broker address.
    #[arg(long, short, global = true, default_value = "127.0.0.1:9092")]
    bootstrap: String,
    /// Kafka client properties for TLS and SASL (`security.protocol`, `sasl.mechanism`,
    /// `sasl.username`, `sasl.password`, `ssl.ca.location`,
    /// `ssl.endpoint.identification.algorithm`), as Kafka's tools take them.
    #[arg(long, global = true, value_name = "FILE")]
    command_config: Option<std::path::PathBuf>,
}

#[derive(Subcommand, Debug)]
enum OffsetsCommand {
    /// Move a group's committed offsets for a topic (every partition, or those given with
    /// --partition). The group must have no active members: stop its consumers first, as
    /// with kafka-consumer-groups. Targets outside the log are clamped to it, and said so.
    #[command(group(clap::ArgGroup::new("target").required(true).args(["to", "shift_by", "to_datetime"])))]
    Reset {
        /// Group id.
        #[arg(long, short)]
        group: String,
        /// Topic whose committed offsets move.
        #[arg(long, short)]
        topic: String,
        /// Only this partition (repeatable). Default: every partition of the topic.
        #[arg(long = "partition", short, value_name = "N")]
        partitions: Vec<i32>,
        /// `earliest`, `latest`, or an offset.
        #[arg(long)]
        to: Option<String>,
        /// Move each committed offset by N (negative: back), e.g. --shift-by -10 to read
        /// the last ten records again.
        #[arg(long, value_name = "N", allow_hyphen_values = true)]
        shift_by: Option<i64>,
        /// The first offset whose record's timestamp is at or after this time (ms since
        /// the epoch, or 2024-05-01T12:00:00, UTC unless it ends in Z or +HH:MM); the log
        /// end when every record is older. Kafka's ListOffsets by timestamp.
        #[arg(long, value_name = "TIME")]
        to_datetime: Option<String>,
        /// Show the plan (current and new offset of each partition) and change nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

fn s(text: &str) -> StrBytes {
    StrBytes::from_string(text.to_string())
}

fn error_text(code: i16) -> String {
    KafkaError::from_code(code).map_or_else(|| format!("error code {code}"), |e| e.to_string())
}

/// Where an admin command connects: the broker, and the file of its TLS and SASL settings.
struct Target {
    bootstrap: String,
    command_config: Option<std::path::PathBuf>,
}

/// Run an admin command; its errors are one line on stderr.
fn run<F>(target: &Target, f: F) -> ExitCode
where
    F: AsyncFnOnce(&mut Sender, &mut Receiver) -> Result<(), String>,
{
    runtime().block_on(async {
        let (bootstrap, config) = (&target.bootstrap, target.command_config.as_deref());
        let (mut sender, mut receiver) =
            match super::connect_cli(bootstrap, "minikafka-admin", config).await {
                Ok(c) => c,
                Err(message) => {
                    eprintln!("error: {message}");
                    return ExitCode::FAILURE;
                }
            };
        match f(&mut sender, &mut receiver).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(message) => {
                eprintln!("error: {message}");
                ExitCode::FAILURE
            }
        }
    })
}

macro_rules! call {
    ($tx:expr, $rx:expr, $req:expr, $v:expr) => {
        $tx.roundtrip($rx, $req, $v)
            .await
            .map_err(|e| format!("request failed: {e}"))?
    };
}

pub fn topics(args: TopicsArgs) -> ExitCode {
    let target = Target {
        bootstrap: args.bootstrap.clone(),
        command_config: args.command_config.clone(),
    };
    run(&target, async move |tx, rx| {
        match args.command {
            TopicsCommand::Create {
                name,
                partitions,
                configs,
            } => {
                let mut topic = CreatableTopic::default()
                    .with_name(TopicName(s(&name)))
                    .with_num_partitions(partitions)
                    .with_replication_factor(1);
                for c in &configs {
                    let (k, v) = c
                        .split_once('=')
                        .ok_or_else(|| format!("--config {c}: expected key=value"))?;
                    topic.configs.push(
                        CreatableTopicConfig::default()
                            .with_name(s(k))
                            .with_value(Some(s(v))),
                    );
                }
                let r = call!(
                    tx,
                    rx,
                    CreateTopicsRequest::default()
                        .with_topics(vec![topic])
                        .with_timeout_ms(10_000),
                    4
                );
                let t = &r.topics[0];
                if t.error_code != 0 {
                    return Err(t
                        .error_message
                        .as_ref()
                        .map_or_else(|| error_text(t.error_code), |m| m.to_string()));
                }
                out!("created topic '{name}' with {partitions} partition(s)");
                Ok(())
            }
            TopicsCommand::List => {
                let meta = metadata(tx, rx, None).await?;
                if meta.topics.is_empty() {
                    out!("(no topics)");
                }
                for t in meta.topics {
                    let name = t.name.map(|n| n.to_string()).unwrap_or_default();
                    out!("{name}\t{} partition(s)", t.partitions.len());
                }
                Ok(())
            }
            TopicsCommand::Describe { name } => {
                let meta = metadata(tx, rx, Some(&name)).await?;
                let t = meta.topics.first().ok_or("no answer")?;
                if t.error_code != 0 {
                    return Err(format!("topic '{name}': {}", error_text(t.error_code)));
                }
                if t.topic_id.is_nil() {
                    out!("topic {name}");
                } else {
                    out!("topic {name}  id {}", t.topic_id);
                }
                out!("partition\tlog-start\tlog-end\trecords");
                for p in 0..t.partitions.len() as i32 {
                    let start = list_offset(tx, rx, &name, p, -2).await?;
                    let end = list_offset(tx, rx, &name, p, -1).await?;
                    out!("{p}\t\t{start}\t\t{end}\t{}", end - start);
                }
                // A broker closes the connection on an API it does not serve (Kafka before
                // 1.1 has no DescribeConfigs v1): what was shown stands, and is a success.
                if !serves(tx.api_versions(), ApiKey::DescribeConfigs, 1) {
                    out!("");
                    out!("configs: not available from this broker (it does not serve DescribeConfigs v1)");
                    return Ok(());
                }
                let r = call!(
                    tx,
                    rx,
                    DescribeConfigsRequest::default().with_resources(vec![
                        describe_configs_request::DescribeConfigsResource::default()
                            .with_resource_type(2)
                            .with_resource_name(s(&name))
                            .with_configuration_keys(None)
                    ]),
                    1
                );
                let result = r.results.first().ok_or("empty DescribeConfigs answer")?;
                if result.error_code != 0 {
                    return Err(format!(
                        "topic '{name}' configs: {}",
                        error_text(result.error_code)
                    ));
                }
                let width = result
                    .configs
                    .iter()
                    .map(|c| c.name.len())
                    .max()
                    .unwrap_or(6);
                let values: Vec<String> = result
                    .configs
                    .iter()
                    .map(|c| {
                        c.value
                            .as_ref()
                            .map_or("(secret)".into(), |v| v.to_string())
                    })
                    .collect();
                let value_width = values.iter().map(String::len).max().unwrap_or(5).max(5);
                out!("");
                out!("{:width$}  {:value_width$}  source", "config", "value");
                for (c, value) in result.configs.iter().zip(values) {
                    let source = match c.config_source {
                        1 => "topic override",
                        5 => "default",
                        2..=4 => "broker setting",
                        _ => "other",
                    };
                    out!("{:width$}  {value:value_width$}  {source}", c.name.as_str());
                }
                Ok(())
            }
            TopicsCommand::AddPartitions { name, total } => {
                let meta = metadata(tx, rx, Some(&name)).await?;
                let before = meta
                    .topics
                    .first()
                    .filter(|t| t.error_code == 0)
                    .map(|t| t.partitions.len());
                let r = call!(
                    tx,
                    rx,
                    CreatePartitionsRequest::default()
                        .with_topics(vec![
                            create_partitions_request::CreatePartitionsTopic::default()
                                .with_name(TopicName(s(&name)))
                                .with_count(total)
                                .with_assignments(None)
                        ])
                        .with_timeout_ms(10_000),
                    1
                );
                let t = r.results.first().ok_or("empty CreatePartitions answer")?;
                if t.error_code != 0 {
                    let why = t
                        .error_message
                        .as_ref()
                        .map_or_else(|| error_text(t.error_code), |m| m.to_string());
                    let code = KafkaError::from_code(t.error_code)
                        .map_or_else(|| t.error_code.to_string(), |e| e.name().to_string());
                    return Err(format!("{why} ({code})"));
                }
                match before {
                    Some(n) => out!("topic '{name}' now has {total} partitions (was {n})"),
                    None => out!("topic '{name}' now has {total} partitions"),
                }
                Ok(())
            }
            TopicsCommand::Delete { name } => {
                let r = call!(
                    tx,
                    rx,
                    DeleteTopicsRequest::default()
                        .with_topic_names(vec![TopicName(s(&name))])
                        .with_timeout_ms(10_000),
                    3
                );
                let code = r.responses.first().map_or(0, |t| t.error_code);
                if code != 0 {
                    return Err(format!("topic '{name}': {}", error_text(code)));
                }
                out!("deleted topic '{name}'");
                Ok(())
            }
        }
    })
}

pub fn groups(args: GroupsArgs) -> ExitCode {
    let target = Target {
        bootstrap: args.bootstrap.clone(),
        command_config: args.command_config.clone(),
    };
    run(&target, async move |tx, rx| {
        match args.command {
            // ListGroups v5 says each group's state and type (classic or consumer, KIP-848):
            // DescribeGroups knows only classic groups.
            GroupsCommand::List if serves(tx.api_versions(), ApiKey::ListGroups, 5) => {
                let r = call!(tx, rx, ListGroupsRequest::default(), 5);
                if r.error_code != 0 {
                    return Err(error_text(r.error_code));
                }
                if r.groups.is_empty() {
                    out!("(no groups)");
                }
                for g in r.groups {
                    let kind = if g.group_type.as_str() == "consumer" {
                        "\tconsumer protocol"
                    } else {
                        ""
                    };
                    out!("{}\t{}{kind}", g.group_id.as_str(), g.group_state.as_str());
                }
                Ok(())
            }
            GroupsCommand::List => {
                let r = call!(tx, rx, ListGroupsRequest::default(), 2);
                if r.error_code != 0 {
                    return Err(error_text(r.error_code));
                }
                if r.groups.is_empty() {
                    out!("(no groups)");
                }
                for g in r.groups {
                    // ListGroups before v4 has no state: ask DescribeGroups.
                    let d = call!(
                        tx,
                        rx,
                        DescribeGroupsRequest::default().with_groups(vec![g.group_id.clone()]),
                        4
                    );
                    let state = d.groups.first().map(|x| x.group_state.to_string());
                    out!("{}\t{}", g.group_id.as_str(), state.unwrap_or_default());
                }
                Ok(())
            }
            GroupsCommand::Describe { group } => {
                let d = call!(
                    tx,
                    rx,
                    DescribeGroupsRequest::default().with_groups(vec![GroupId(s(&group))]),
                    4
                );
                let g = d.groups.first().ok_or("no answer")?;
                // A consumer-protocol group (KIP-848) is not a classic group: DescribeGroups
                // says GROUP_ID_NOT_FOUND, ConsumerGroupDescribe tells it.
                const GROUP_ID_NOT_FOUND: i16 = 69;
                let modern = if g.error_code == GROUP_ID_NOT_FOUND
                    && serves(tx.api_versions(), ApiKey::ConsumerGroupDescribe, 0)
                {
                    let c = call!(
                        tx,
                        rx,
                        ConsumerGroupDescribeRequest::default()
                            .with_group_ids(vec![GroupId(s(&group))]),
                        0
                    );
                    c.groups.into_iter().next().filter(|c| c.error_code == 0)
                } else {
                    None
                };
                if g.error_code != 0 && modern.is_none() {
                    return Err(error_text(g.error_code));
                }
                let committed = call!(
                    tx,
                    rx,
                    OffsetFetchRequest::default()
                        .with_group_id(GroupId(s(&group)))
                        .with_topics(None),
                    5
                );
                if committed.error_code != 0 {
                    return Err(error_text(committed.error_code));
                }
                // DescribeGroups answers any id, known or not, with state Dead and no
                // members. With no committed offset either, the group does not exist
                // (kafka-consumer-groups says the same and fails).
                if modern.is_none()
                    && g.group_state.as_str() == "Dead"
                    && g.members.is_empty()
                    && committed.topics.iter().all(|t| t.partitions.is_empty())
                {
                    return Err(format!("group '{group}' does not exist"));
                }
                let mut owner = std::collections::BTreeMap::new();
                if let Some(c) = &modern {
                    describe_consumer_group(&group, c, &mut owner);
                } else {
                    out!(
                        "group {group}  state {}  protocol {} {}",
                        g.group_state.as_str(),
                        g.protocol_type.as_str(),
                        g.protocol_data.as_str()
                    );
                    if g.members.is_empty() {
                        out!("(no active members)");
                    } else {
                        out!("member\tclient-id\thost\tpartitions");
                    }
                    // Two kcats are both `rdkafka`: where members share a client id, the owner
                    // column names them by member id, as their own lines above do.
                    let shared = |client_id: &str| {
                        g.members
                            .iter()
                            .filter(|o| o.client_id.as_str() == client_id)
                            .count()
                            > 1
                    };
                    for m in &g.members {
                        let owner_name = if shared(m.client_id.as_str()) {
                            m.member_id.to_string()
                        } else {
                            m.client_id.to_string()
                        };
                        let parts = match decode_assignment(&m.member_assignment) {
                            Ok(a) => a
                                .partitions
                                .iter()
                                .flat_map(|t| {
                                    t.partitions.iter().map(move |p| (t.topic.clone(), *p))
                                })
                                .map(|(topic, p)| {
                                    let name = format!("{topic}-{p}");
                                    owner.insert((topic, p), owner_name.clone());
                                    name
                                })
                                .collect::<Vec<_>>()
                                .join(","),
                            Err(_) if m.member_assignment.is_empty() => "(none: standby)".into(),
                            Err(_) => "(not the consumer protocol)".into(),
                        };
                        let parts = if parts.is_empty() {
                            "(none: standby)".to_string()
                        } else {
                            parts
                        };
                        let instance = m
                            .group_instance_id
                            .as_ref()
                            .map(|i| format!(" (static: {})", i.as_str()))
                            .unwrap_or_default();
                        out!(
                            "{}{instance}\t{}\t{}\t{parts}",
                            m.member_id.as_str(),
                            m.client_id.as_str(),
                            m.client_host.as_str()
                        );
                    }
                }
                out!("topic\tpartition\tcommitted\tlog-end\tlag\towner");
                for t in &committed.topics {
                    for p in &t.partitions {
                        let end = list_offset(tx, rx, t.name.as_str(), p.partition_index, -1)
                            .await
                            .ok();
                        let lag = end.map_or("?".into(), |e| (e - p.committed_offset).to_string());
                        let tp = (t.name.to_string(), p.partition_index);
                        out!(
                            "{}\t{}\t\t{}\t\t{}\t{lag}\t{}",
                            t.name.as_str(),
                            p.partition_index,
                            p.committed_offset,
                            end.map_or("?".into(), |e| e.to_string()),
                            owner.get(&tp).map_or("-", String::as_str)
                        );
                    }
                }
                Ok(())
            }
        }
    })
}

pub fn offsets(args: OffsetsArgs) -> ExitCode {
    let target = Target {
        bootstrap: args.bootstrap.clone(),
        command_config: args.command_config.clone(),
    };
    run(&target, async move |tx, rx| {
        match args.command {
            OffsetsCommand::Reset {
                group,
                topic,
                partitions: only,
                to,
                shift_by,
                to_datetime,
                dry_run,
            } => {
                let at_time = match to_datetime.as_deref().map(super::time::parse_time) {
                    None => None,
                    Some(Ok(ms)) => Some(ms),
                    Some(Err(message)) => return Err(format!("--to-datetime {message}")),
                };
                let asked_offset = match to.as_deref() {
                    None | Some("earliest" | "latest") => None,
                    Some(n) => {
                        Some(n.parse::<i64>().ok().filter(|n| *n >= 0).ok_or_else(|| {
                            format!("--to {n}: expected earliest, latest or an offset")
                        })?)
                    }
                };
                let d = call!(
                    tx,
                    rx,
                    DescribeGroupsRequest::default().with_groups(vec![GroupId(s(&group))]),
                    4
                );
                if let Some(g) = d.groups.first() {
                    if !g.members.is_empty() && !dry_run {
                        return Err(format!(
                        "group '{group}' has {} active member(s) (state {}): stop its consumers first",
                        g.members.len(),
                        g.group_state.as_str()
                    ));
                    }
                }
                let meta = metadata(tx, rx, Some(&topic)).await?;
                let t = meta.topics.first().ok_or("no answer")?;
                if t.error_code != 0 {
                    return Err(format!("topic '{topic}': {}", error_text(t.error_code)));
                }
                let count = t.partitions.len() as i32;
                if let Some(p) = only.iter().find(|p| !(0..count).contains(*p)) {
                    return Err(format!(
                        "topic '{topic}' has {count} partition(s) (0..{}): there is no partition {p}",
                        count - 1
                    ));
                }
                let chosen: Vec<i32> = if only.is_empty() {
                    (0..count).collect()
                } else {
                    let mut only = only.clone();
                    only.sort_unstable();
                    only.dedup();
                    only
                };
                // The committed offsets now (the plan shows them; --shift-by moves them).
                let fetched = call!(
                    tx,
                    rx,
                    OffsetFetchRequest::default()
                        .with_group_id(GroupId(s(&group)))
                        .with_topics(None),
                    5
                );
                let current = |p: i32| {
                    fetched
                        .topics
                        .iter()
                        .filter(|t| t.name.as_str() == topic)
                        .flat_map(|t| &t.partitions)
                        .find(|x| x.partition_index == p && x.committed_offset >= 0)
                        .map(|x| x.committed_offset)
                };
                let mut partitions = Vec::new();
                let mut plan = Vec::new();
                for p in chosen {
                    let start = list_offset(tx, rx, &topic, p, -2).await?;
                    let end = list_offset(tx, rx, &topic, p, -1).await?;
                    let asked = match (to.as_deref(), shift_by, at_time) {
                        (Some("earliest"), _, _) => start,
                        (Some("latest"), _, _) => end,
                        (Some(_), _, _) => asked_offset.unwrap_or(end),
                        (None, Some(by), _) => current(p)
                            .ok_or_else(|| {
                                format!(
                                    "{topic}-{p}: group '{group}' has no committed offset to shift"
                                )
                            })?
                            .saturating_add(by),
                        (None, None, Some(ms)) => match list_offset(tx, rx, &topic, p, ms).await? {
                            -1 => end, // every record is older
                            offset => offset,
                        },
                        (None, None, None) => unreachable!("clap requires a target"),
                    };
                    // Like kafka-consumer-groups: an offset outside the log is clamped to
                    // it. Committed past the end, the next consumer would get
                    // OFFSET_OUT_OF_RANGE and silently start over by its
                    // auto.offset.reset, and the lag would read negative.
                    let target = asked.clamp(start, end);
                    let note = (target != asked).then(|| {
                        let edge = if asked > end { "log end" } else { "log start" };
                        format!(
                            "{asked} is outside {start}..{end}: clamped to the {edge}, {target}"
                        )
                    });
                    plan.push((p, current(p), target, note));
                    partitions.push(
                        OffsetCommitRequestPartition::default()
                            .with_partition_index(p)
                            .with_committed_offset(target),
                    );
                }
                if dry_run {
                    out!("plan for group {group} (--dry-run: nothing changed)");
                    out!("topic\tpartition\tcurrent\tnew");
                    for (p, now, target, note) in &plan {
                        let now = now.map_or("-".to_string(), |o| o.to_string());
                        out!("{topic}\t{p}\t\t{now}\t{target}");
                        if let Some(note) = note {
                            out!("  ({note})");
                        }
                    }
                    return Ok(());
                }
                let r = call!(
                    tx,
                    rx,
                    OffsetCommitRequest::default()
                        .with_group_id(GroupId(s(&group)))
                        .with_generation_id_or_member_epoch(-1)
                        .with_topics(vec![OffsetCommitRequestTopic::default()
                            .with_name(TopicName(s(&topic)))
                            .with_partitions(partitions.clone())]),
                    7
                );
                for ((p, _, target, note), answer) in
                    plan.iter().zip(r.topics.iter().flat_map(|t| &t.partitions))
                {
                    if answer.error_code != 0 {
                        return Err(format!("{topic}-{p}: {}", error_text(answer.error_code)));
                    }
                    out!("{group}: {topic}-{p} committed offset set to {target}");
                    if let Some(note) = note {
                        out!("  ({note})");
                    }
                }
                Ok(())
            }
        }
    })
}

/// `groups describe` of a consumer-protocol group (KIP-848): its epochs and the broker's
/// assignor, then each member with its epoch, the partitions it owns and, while it
/// reconciles, its target. Fills `owner` (partition to owner) for the offsets table.
fn describe_consumer_group(
    group: &str,
    c: &consumer_group_describe_response::DescribedGroup,
    owner: &mut std::collections::BTreeMap<(String, i32), String>,
) {
    out!(
        "group {group}  state {}  protocol consumer (KIP-848)  assignor {}  group epoch {}  assignment epoch {}",
        c.group_state.as_str(),
        c.assignor_name.as_str(),
        c.group_epoch,
        c.assignment_epoch
    );
    if c.members.is_empty() {
        out!("(no active members)");
        return;
    }
    out!("member\tclient-id\thost\tepoch\tpartitions");
    let names = |a: &consumer_group_describe_response::Assignment| -> Vec<(String, i32)> {
        let mut parts: Vec<(String, i32)> = a
            .topic_partitions
            .iter()
            .flat_map(|t| t.partitions.iter().map(|p| (t.topic_name.to_string(), *p)))
            .collect();
        parts.sort();
        parts
    };
    let shared = |client_id: &str| {
        c.members
            .iter()
            .filter(|o| o.client_id.as_str() == client_id)
            .count()
            > 1
    };
    for m in &c.members {
        let owner_name = if shared(m.client_id.as_str()) {
            m.member_id.to_string()
        } else {
            m.client_id.to_string()
        };
        let owned = names(&m.assignment);
        let target = names(&m.target_assignment);
        for tp in &owned {
            owner.insert(tp.clone(), owner_name.clone());
        }
        let list = |parts: &[(String, i32)]| {
            parts
                .iter()
                .map(|(t, p)| format!("{t}-{p}"))
                .collect::<Vec<_>>()
                .join(",")
        };
        let mut parts = if owned.is_empty() {
            "(none)".to_string()
        } else {
            list(&owned)
        };
        if target != owned {
            parts.push_str(&format!("  (reconciling towards: {})", list(&target)));
        }
        let instance = m
            .instance_id
            .as_ref()
            .map(|i| format!(" (static: {})", i.as_str()))
            .unwrap_or_default();
        out!(
            "{}{instance}\t{}\t{}\t{}\t{parts}",
            m.member_id.as_str(),
            m.client_id.as_str(),
            m.client_host.as_str(),
            m.member_epoch
        );
    }
}

async fn metadata(
    tx: &mut Sender,
    rx: &mut Receiver,
    topic: Option<&str>,
) -> Result<MetadataResponse, String> {
    let topics =
        topic.map(|t| vec![MetadataRequestTopic::default().with_name(Some(TopicName(s(t))))]);
    Ok(call!(
        tx,
        rx,
        MetadataRequest::default()
            .with_topics(topics)
            .with_allow_auto_topic_creation(false),
        4
    ))
}

async fn list_offset(
    tx: &mut Sender,
    rx: &mut Receiver,
    topic: &str,
    partition: i32,
    timestamp: i64,
) -> Result<i64, String> {
    let r = call!(
        tx,
        rx,
        ListOffsetsRequest::default()
            .with_replica_id(BrokerId(-1))
            .with_topics(vec![ListOffsetsTopic::default()
                .with_name(TopicName(s(topic)))
                .with_partitions(vec![ListOffsetsPartition::default()
                    .with_partition_index(partition)
                    .with_timestamp(timestamp)])]),
        2
    );
    let p = r
        .topics
        .first()
        .and_then(|t| t.partitions.first())
        .ok_or("empty ListOffsets answer")?;
    if p.error_code != 0 {
        return Err(format!("{topic}-{partition}: {}", error_text(p.error_code)));
    }
    Ok(p.offset)
}
