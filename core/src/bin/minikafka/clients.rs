//! `minikafka produce` and `minikafka consume`: the core's producer and consumer state
//! machines, driven over TCP against any Kafka broker (minikafka or Apache Kafka).

use std::io::{BufRead, Write};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use bytes::Bytes;
use clap::{Parser, ValueEnum};
use tokio::sync::mpsc;

use minikafka::client::assignor::AssignorKind;
use minikafka::client::consumer::{
    AutoOffsetReset, Consumer, ConsumerConfig, ConsumerEvent, GroupProtocol, PolledRecord,
};
use minikafka::client::producer::{Producer, ProducerConfig, ProducerEvent};
use minikafka::client::protocol::{Acks, Request, Response};
use minikafka::client::TopicPartition;
use minikafka::log::IsolationLevel;
use minikafka::net::client::{Receiver, Sender};
use minikafka::net::now_ms;
use minikafka::record::Header;

use super::runtime;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum AcksArg {
    /// Wait for nothing (fire and forget).
    #[value(name = "0")]
    Zero,
    /// Wait for the leader to append.
    #[value(name = "1")]
    One,
    /// Wait for every in-sync replica (and, on minikafka, the --fsync policy).
    All,
}

/// `isolation.level`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum IsolationArg {
    /// Every record up to the high watermark, those of open and aborted transactions too.
    #[value(name = "read_uncommitted")]
    ReadUncommitted,
    /// Only committed records: stop at the last stable offset (the first record of the
    /// earliest open transaction) and skip the records of aborted transactions.
    #[value(name = "read_committed")]
    ReadCommitted,
}

impl From<IsolationArg> for IsolationLevel {
    fn from(arg: IsolationArg) -> Self {
        match arg {
            IsolationArg::ReadUncommitted => IsolationLevel::ReadUncommitted,
            IsolationArg::ReadCommitted => IsolationLevel::ReadCommitted,
        }
    }
}

#[derive(Parser, Debug)]
pub struct ProduceArgs {
    /// Topic to write to (created by the broker if it auto-creates topics).
    topic: String,
    /// Broker address.
    #[arg(long, short, default_value = "127.0.0.1:9092")]
    bootstrap: String,
    /// Kafka client properties for TLS and SASL (`security.protocol`, `sasl.mechanism`,
    /// `sasl.username`, `sasl.password`, `ssl.ca.location`,
    /// `ssl.endpoint.identification.algorithm`), as Kafka's tools take them.
    #[arg(long, value_name = "FILE")]
    command_config: Option<std::path::PathBuf>,
    /// Split each line into key and value at the first occurrence of this string (lines
    /// without it get no key). Without it, lines are values with no key.
    #[arg(long)]
    key_separator: Option<String>,
    /// Acknowledgements to wait for.
    #[arg(long, value_enum, default_value_t = AcksArg::All)]
    acks: AcksArg,
    /// `linger.ms`: how long a batch waits for more records.
    #[arg(long, default_value_t = 5)]
    linger_ms: i64,
    /// `client.id`.
    #[arg(long, default_value = "minikafka-cli")]
    client_id: String,
    /// Write every record to this partition instead of letting the partitioner choose
    /// (without it: a keyed record goes to murmur2(key) % partitions, as in Java; records
    /// without a key stick to one partition per batch).
    #[arg(long, short)]
    partition: Option<i32>,
    /// A header on every record, `key=value` (repeatable: `-H trace=42 -H source=cli`).
    #[arg(long = "header", short = 'H', value_name = "KEY=VALUE")]
    headers: Vec<String>,
    /// The records' timestamp (CreateTime) instead of now: milliseconds since the epoch,
    /// or a date and time such as 2024-05-01T12:00:00 (UTC unless it ends in Z or
    /// +HH:MM). Useful to try `offsets reset --to-datetime`.
    #[arg(long, value_name = "TIME")]
    timestamp: Option<String>,
    /// Print where each record went, as it is acknowledged: `demo-0 offset 5  key k1
    /// 2024-05-01T12:00:00.000Z` (the partition the partitioner chose, the offset the
    /// broker gave, the timestamp).
    #[arg(long, short)]
    verbose: bool,
}

#[derive(Parser, Debug)]
pub struct ConsumeArgs {
    /// Topic to read.
    topic: String,
    /// Broker address.
    #[arg(long, short, default_value = "127.0.0.1:9092")]
    bootstrap: String,
    /// Kafka client properties for TLS and SASL (`security.protocol`, `sasl.mechanism`,
    /// `sasl.username`, `sasl.password`, `ssl.ca.location`,
    /// `ssl.endpoint.identification.algorithm`), as Kafka's tools take them.
    #[arg(long, value_name = "FILE")]
    command_config: Option<std::path::PathBuf>,
    /// Join this consumer group (subscribe; partitions are assigned by the group). What was
    /// printed is committed every 5 s and on exit, so a restart resumes after it. Without
    /// it, every partition is read by manual assignment.
    #[arg(long, short)]
    group: Option<String>,
    /// Start at the log start when there is no committed offset (auto.offset.reset =
    /// earliest); the default is the log end, as in Kafka.
    #[arg(long)]
    from_beginning: bool,
    /// Read only this partition (manual assignment, no group membership).
    #[arg(long, short)]
    partition: Option<i32>,
    /// With --partition: seek here first (a client-side seek: the broker only sees the
    /// next fetch). A number, `beginning` or `end`.
    #[arg(long, short, requires = "partition")]
    offset: Option<String>,
    /// Stop after this many records (committing them first, in a group).
    #[arg(long, short = 'n')]
    max_messages: Option<u64>,
    /// Print `partition offset key value` instead of the value alone.
    #[arg(long, short)]
    verbose: bool,
    /// Stop when every assigned partition is read to its end (like kcat -e): the high
    /// watermark, or with read_committed the last stable offset.
    #[arg(long, short = 'e')]
    exit_at_end: bool,
    /// `isolation.level`: read_uncommitted (Kafka's default) returns the records of open
    /// and aborted transactions too; read_committed returns committed records only.
    #[arg(long, value_enum, default_value_t = IsolationArg::ReadUncommitted)]
    isolation: IsolationArg,
    /// `client.id`.
    #[arg(long, default_value = "minikafka-cli")]
    client_id: String,
    /// Print each record with this format, as kcat's -f: %t topic, %p partition, %o offset,
    /// %k key, %v (or %s) value, %T timestamp (ms since the epoch), %h headers
    /// (`k=v,k2=v2`), %% a percent sign; \n, \t and \\ are a newline, a tab and a
    /// backslash. No newline is added: end it with \n, e.g. -f '%p %o %k %v\n'.
    #[arg(long, short, value_name = "FORMAT", conflicts_with = "verbose")]
    format: Option<String>,
    /// `group.protocol` (with --group): how this member takes part in its group.
    /// `classic`: JoinGroup/SyncGroup rebalances; every member stops at a barrier, and a
    /// member (the leader) computes the assignment with --assignor. `consumer` (KIP-848,
    /// Kafka 4.0): one ConsumerGroupHeartbeat; the broker computes each member's target
    /// with --remote-assignor, and a member gives up only the partitions that move while it
    /// keeps reading the others: no stop-the-world. The broker then sets the session
    /// timeout and heartbeat interval (--session-timeout is not sent). One group id speaks
    /// one protocol.
    #[arg(long, value_enum, default_value_t = GroupProtocolArg::Classic, requires = "group")]
    group_protocol: GroupProtocolArg,
    /// `group.remote.assignor` (with --group-protocol consumer): the broker's assignor,
    /// `uniform` or `range`. Default: the broker's (uniform).
    #[arg(long, value_name = "NAME")]
    remote_assignor: Option<String>,
    /// `session.timeout.ms` (with --group, classic protocol): how long the coordinator
    /// waits for a heartbeat before it removes this member (and a static member's
    /// partitions move). Heartbeats go every third of it, at most every 3 s.
    #[arg(long, value_name = "MS", default_value_t = 45_000)]
    session_timeout: i32,
    /// `partition.assignment.strategy` (with --group, classic protocol), repeatable in order
    /// of preference: range, roundrobin, sticky (eager: every member gives up everything in
    /// a rebalance) or cooperative-sticky (only the partitions that move are revoked).
    /// Default: range then cooperative-sticky, as Java's.
    #[arg(long = "assignor", value_enum, value_name = "ASSIGNOR")]
    assignors: Vec<AssignorArg>,
    /// `group.instance.id` (with --group): a static member. Restarted within the session
    /// timeout, it gets its partitions back without a rebalance; on exit it sends no
    /// LeaveGroup.
    #[arg(long, value_name = "ID", requires = "group")]
    instance_id: Option<String>,
    /// When a group member commits what it printed: `auto` every --commit-interval (and
    /// on exit), `record` after each record, `batch` after each poll's records, `none`
    /// never (a restart then starts again from the last commit, or by
    /// auto.offset.reset).
    #[arg(long, value_enum, default_value_t = CommitArg::Auto)]
    commit: CommitArg,
    /// With `--commit auto`: `auto.commit.interval.ms`.
    #[arg(long, value_name = "MS", default_value_t = 5_000)]
    commit_interval: u64,
}

/// When a group member commits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CommitArg {
    /// Every --commit-interval, and on exit.
    Auto,
    /// After each record is printed.
    Record,
    /// After the records of each poll are printed.
    Batch,
    /// Never: the group's committed offsets stay where they were.
    None,
}

/// `group.protocol`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum GroupProtocolArg {
    /// JoinGroup and SyncGroup: the group rebalances as a whole.
    Classic,
    /// KIP-848's ConsumerGroupHeartbeat: the broker assigns, members reconcile on their own.
    Consumer,
}

/// `partition.assignment.strategy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum AssignorArg {
    /// Contiguous ranges of each topic's partitions (eager).
    Range,
    /// Every partition dealt out in turn (eager).
    Roundrobin,
    /// Balanced, keeping what each member owned (eager).
    Sticky,
    /// Sticky, and only moved partitions are revoked (cooperative).
    CooperativeSticky,
}

impl From<AssignorArg> for AssignorKind {
    fn from(arg: AssignorArg) -> Self {
        match arg {
            AssignorArg::Range => AssignorKind::Range,
            AssignorArg::Roundrobin => AssignorKind::RoundRobin,
            AssignorArg::Sticky => AssignorKind::Sticky,
            AssignorArg::CooperativeSticky => AssignorKind::CooperativeSticky,
        }
    }
}

/// A record printed with a kcat-like format (see `--format`).
fn format_record(format: &str, record: &PolledRecord) -> Vec<u8> {
    let mut out = Vec::new();
    let mut chars = format.chars();
    while let Some(c) = chars.next() {
        match c {
            '%' => match chars.next() {
                Some('t') => out.extend(record.tp.topic.as_bytes()),
                Some('p') => out.extend(record.tp.partition.to_string().as_bytes()),
                Some('o') => out.extend(record.offset.to_string().as_bytes()),
                Some('k') => out.extend(record.record.key.as_deref().unwrap_or_default()),
                Some('v' | 's') => out.extend(record.record.value.as_deref().unwrap_or_default()),
                Some('T') => out.extend(record.record.timestamp.to_string().as_bytes()),
                Some('h') => {
                    let headers: Vec<String> = record
                        .record
                        .headers
                        .iter()
                        .map(|h| {
                            let value = h.value.as_deref().unwrap_or_default();
                            format!("{}={}", h.key, String::from_utf8_lossy(value))
                        })
                        .collect();
                    out.extend(headers.join(",").as_bytes());
                }
                Some('%') => out.push(b'%'),
                Some(other) => {
                    out.push(b'%');
                    out.extend(other.to_string().as_bytes());
                }
                None => out.push(b'%'),
            },
            '\\' => match chars.next() {
                Some('n') => out.push(b'\n'),
                Some('t') => out.push(b'\t'),
                Some('\\') => out.push(b'\\'),
                Some(other) => {
                    out.push(b'\\');
                    out.extend(other.to_string().as_bytes());
                }
                None => out.push(b'\\'),
            },
            c => out.extend(c.to_string().as_bytes()),
        }
    }
    out
}

/// Move the state machine's requests to the wire.
async fn transmit<F>(sender: &mut Sender, mut next: F) -> std::io::Result<()>
where
    F: FnMut() -> Option<(u64, Request)>,
{
    while let Some((id, request)) = next() {
        sender.send(id, request).await?;
    }
    Ok(())
}

fn sleep_until(at: Option<i64>) -> Duration {
    match at {
        Some(at) => Duration::from_millis(at.saturating_sub(now_ms()).clamp(0, 1000) as u64),
        None => Duration::from_millis(1000),
    }
}

pub fn produce(args: ProduceArgs) -> ExitCode {
    runtime().block_on(produce_async(args))
}

async fn produce_async(args: ProduceArgs) -> ExitCode {
    let mut headers = Vec::new();
    for h in &args.headers {
        let Some((key, value)) = h.split_once('=') else {
            eprintln!("error: --header {h:?}: expected key=value");
            return ExitCode::from(2);
        };
        headers.push(Header {
            key: key.to_string(),
            value: Some(Bytes::from(value.to_string())),
        });
    }
    let timestamp = match args.timestamp.as_deref().map(super::time::parse_time) {
        None => None,
        Some(Ok(ms)) => Some(ms),
        Some(Err(message)) => {
            eprintln!("error: --timestamp {message}");
            return ExitCode::from(2);
        }
    };
    let (mut sender, mut receiver) = match super::connect_cli(
        &args.bootstrap,
        &args.client_id,
        args.command_config.as_deref(),
    )
    .await
    {
        Ok(c) => c,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::FAILURE;
        }
    };
    if let Some(p) = args.partition {
        // A partition the topic does not have: say which ones it has, before reading any
        // input. (A topic that does not exist yet is created with the broker's default
        // count; a partition it lacks then fails each record.)
        match topic_metadata(&mut sender, &mut receiver, &args.topic, false).await {
            Ok((0, count)) if p < 0 || p >= count => {
                eprintln!("error: {}", no_such_partition(&args.topic, p, count));
                return ExitCode::FAILURE;
            }
            Ok(_) => {}
            Err(message) => {
                eprintln!("error: {message}");
                return ExitCode::FAILURE;
            }
        }
    }
    let acks = match args.acks {
        AcksArg::Zero => Acks::None,
        AcksArg::One => Acks::Leader,
        AcksArg::All => Acks::All,
    };
    let mut producer = Producer::new(
        ProducerConfig {
            client_id: args.client_id.clone(),
            acks,
            linger_ms: args.linger_ms,
            ..ProducerConfig::default()
        },
        now_ms(),
    );
    // Lines come from a blocking thread; a bounded channel keeps memory flat on huge input.
    let (lines_tx, mut lines) = mpsc::channel::<String>(10_000);
    std::thread::spawn(move || {
        let stdin = std::io::stdin();
        for line in stdin.lock().lines() {
            let Ok(line) = line else { break };
            if lines_tx.blocking_send(line).is_err() {
                break;
            }
        }
    });
    let (mut sent, mut acked, mut failed) = (0u64, 0u64, 0u64);
    let mut input_done = false;
    let started = Instant::now();
    let mut last_progress = Instant::now();
    let mut responses = spawn_receiver(receiver);
    // With --verbose, each record's key until it is acknowledged.
    let mut keys: std::collections::HashMap<u64, Option<Bytes>> = Default::default();
    let send = |producer: &mut Producer,
                keys: &mut std::collections::HashMap<u64, Option<Bytes>>,
                line: String| {
        let (key, value) = split_line(line, args.key_separator.as_deref());
        let id = producer.send_to(
            &args.topic,
            args.partition,
            key.clone(),
            Some(value),
            headers.clone(),
            timestamp,
            now_ms(),
        )?;
        if args.verbose {
            keys.insert(id, key);
        }
        Ok::<_, minikafka::client::producer::ProducerError>(())
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    loop {
        if let Err(error) = transmit(&mut sender, || producer.poll_transmit(now_ms())).await {
            eprintln!("error: connection lost: {error}");
            return ExitCode::FAILURE;
        }
        while let Some(event) = producer.poll_event() {
            match event {
                ProducerEvent::Acked {
                    id,
                    tp,
                    offset,
                    timestamp,
                } => {
                    acked += 1;
                    if let Some(key) = keys.remove(&id) {
                        let key = key.as_deref().map_or_else(
                            || "(no key)".to_string(),
                            |k| format!("key {}", String::from_utf8_lossy(k)),
                        );
                        let at = super::time::format_time(timestamp);
                        let _ = writeln!(out, "{tp} offset {offset}  {key}  {at}");
                    }
                }
                ProducerEvent::Failed { tp, error, .. } => {
                    failed += 1;
                    eprintln!("error: a record to {tp} failed: {error}");
                }
                ProducerEvent::Expired { tp, last_error, .. } => {
                    failed += 1;
                    eprintln!("error: a record to {tp} expired (last error: {last_error:?})");
                }
                ProducerEvent::MetadataUpdated { .. } => {}
            }
        }
        let _ = out.flush();
        if input_done && producer.pending_records() == 0 && producer.in_flight() == 0 {
            break;
        }
        if last_progress.elapsed() >= Duration::from_secs(2) {
            eprintln!("… {sent} sent, {acked} acknowledged");
            last_progress = Instant::now();
        }
        let room = producer.pending_records() < 100_000;
        tokio::select! {
            line = lines.recv(), if !input_done && room => match line {
                Some(line) => {
                    if let Err(error) = send(&mut producer, &mut keys, line) {
                        eprintln!("error: {error}");
                        return ExitCode::FAILURE;
                    }
                    sent += 1;
                    // Take whatever else is ready without waiting.
                    while producer.pending_records() < 100_000 {
                        let Ok(line) = lines.try_recv() else { break };
                        if send(&mut producer, &mut keys, line).is_ok() {
                            sent += 1;
                        }
                    }
                }
                None => {
                    input_done = true;
                    producer.flush();
                }
            },
            answer = responses.recv() => match answered(answer) {
                Ok((id, response)) => producer.handle_response(id, response, now_ms()),
                Err(code) => return code,
            },
            _ = tokio::time::sleep(sleep_until(producer.poll_timeout())) => producer.handle_timeout(now_ms()),
        }
    }
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "produced {acked} of {sent} records to '{}' in {secs:.2}s ({:.0} records/s){}",
        args.topic,
        acked as f64 / secs.max(1e-9),
        if failed > 0 {
            format!(", {failed} failed")
        } else {
            String::new()
        }
    );
    if failed > 0 || acked < sent {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// Read answers on a task of their own, so the driver can wait on them with `select!`.
fn spawn_receiver(
    mut owned: Receiver,
) -> mpsc::UnboundedReceiver<std::io::Result<(u64, Response)>> {
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        loop {
            let answer = owned.receive().await;
            let failed = answer.is_err();
            if tx.send(answer).is_err() || failed {
                break;
            }
        }
    });
    rx
}

/// An answer from the receiving task, or the exit status after saying why there is none.
fn answered(answer: Option<std::io::Result<(u64, Response)>>) -> Result<(u64, Response), ExitCode> {
    match answer {
        Some(Ok(answer)) => Ok(answer),
        Some(Err(error)) => {
            eprintln!("error: connection lost: {error}");
            Err(ExitCode::FAILURE)
        }
        None => {
            eprintln!("error: connection closed");
            Err(ExitCode::FAILURE)
        }
    }
}

/// A stdin line as key and value.
fn split_line(line: String, separator: Option<&str>) -> (Option<Bytes>, Bytes) {
    if let Some(sep) = separator {
        if let Some((k, v)) = line.split_once(sep) {
            return (Some(Bytes::from(k.to_string())), Bytes::from(v.to_string()));
        }
    }
    (None, Bytes::from(line))
}

pub fn consume(args: ConsumeArgs) -> ExitCode {
    runtime().block_on(consume_async(args))
}

async fn consume_async(args: ConsumeArgs) -> ExitCode {
    let (mut sender, mut receiver) = match super::connect_cli(
        &args.bootstrap,
        &args.client_id,
        args.command_config.as_deref(),
    )
    .await
    {
        Ok(c) => c,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::FAILURE;
        }
    };
    let in_group = args.group.is_some() && args.partition.is_none();
    let consumer_protocol = args.group_protocol == GroupProtocolArg::Consumer;
    // Java refuses a client-side assignor with the consumer protocol: the broker assigns.
    if consumer_protocol && !args.assignors.is_empty() {
        eprintln!("error: --assignor is the classic protocol's (partition.assignment.strategy); with --group-protocol consumer the broker assigns: use --remote-assignor uniform|range");
        return ExitCode::from(2);
    }
    if !consumer_protocol && args.remote_assignor.is_some() {
        eprintln!("error: --remote-assignor needs --group-protocol consumer (with the classic protocol, use --assignor)");
        return ExitCode::from(2);
    }
    if consumer_protocol && args.partition.is_some() {
        eprintln!("error: --partition reads by manual assignment, outside any group protocol: drop --group-protocol consumer or --partition");
        return ExitCode::from(2);
    }
    // Which partitions exist? Asked once, before anything else: a topic that does not
    // exist would otherwise be waited for in silence.
    let partition_count = match topic_partitions(&mut sender, &mut receiver, &args.topic).await {
        Ok(n) => n,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::FAILURE;
        }
    };
    if consumer_protocol {
        // The consumer protocol names topics by id: learn this one's (Metadata v10+).
        let enabled = match topic_id(&mut sender, &mut receiver, &args.topic).await {
            Ok(id) => {
                let mut ids = minikafka::net::client::TopicIds::default();
                ids.insert(&args.topic, id);
                minikafka::net::client::use_consumer_protocol(&mut sender, &mut receiver, ids)
                    .map_err(|e| e.to_string())
            }
            Err(message) => Err(message),
        };
        if let Err(message) = enabled {
            eprintln!("error: {message}");
            return ExitCode::FAILURE;
        }
    }
    let mut consumer = Consumer::new(
        ConsumerConfig {
            client_id: args.client_id.clone(),
            group_id: args.group.clone(),
            group_instance_id: args.instance_id.clone(),
            group_protocol: if consumer_protocol {
                GroupProtocol::Consumer
            } else {
                GroupProtocol::Classic
            },
            group_remote_assignor: args.remote_assignor.clone(),
            session_timeout_ms: args.session_timeout,
            heartbeat_interval_ms: i64::from(args.session_timeout / 3).clamp(1, 3_000),
            assignors: if args.assignors.is_empty() {
                ConsumerConfig::default().assignors
            } else {
                args.assignors.iter().map(|a| (*a).into()).collect()
            },
            // Offsets are committed by this loop, after the records are printed (see
            // `processed`): auto-commit would commit positions, which run ahead of what
            // was printed when --max-messages stops in the middle of a poll.
            enable_auto_commit: false,
            isolation_level: args.isolation.into(),
            auto_offset_reset: if args.from_beginning {
                AutoOffsetReset::Earliest
            } else {
                AutoOffsetReset::Latest
            },
            ..ConsumerConfig::default()
        },
        now_ms(),
    );
    if in_group {
        consumer.subscribe(&[args.topic.as_str()]);
    } else {
        let partitions = match args.partition {
            // A partition that does not exist would be fetched for ever (each fetch
            // answered UNKNOWN_TOPIC_OR_PARTITION): say which ones exist instead.
            Some(p) if p < 0 || p >= partition_count => {
                eprintln!(
                    "error: {}",
                    no_such_partition(&args.topic, p, partition_count)
                );
                return ExitCode::FAILURE;
            }
            Some(p) => vec![p],
            None => (0..partition_count).collect(),
        };
        let tps: Vec<TopicPartition> = partitions
            .iter()
            .map(|p| TopicPartition::new(args.topic.clone(), *p))
            .collect();
        consumer.assign(&tps);
        match args.offset.as_deref() {
            None if args.from_beginning => consumer.seek_to_beginning(&tps),
            None => {}
            Some("beginning") => consumer.seek_to_beginning(&tps),
            Some("end") => consumer.seek_to_end(&tps),
            Some(n) => match n.parse::<i64>() {
                Ok(offset) if offset >= 0 => {
                    for tp in &tps {
                        if let Err(error) = consumer.seek(tp, offset) {
                            eprintln!("error: seek {tp} to {offset}: {error}");
                            return ExitCode::FAILURE;
                        }
                    }
                }
                _ => {
                    eprintln!("error: --offset {n}: expected a number, beginning or end");
                    return ExitCode::from(2);
                }
            },
        }
    }
    if args.session_timeout <= 0 {
        eprintln!("error: --session-timeout must be positive (milliseconds)");
        return ExitCode::from(2);
    }
    let commit_interval = Duration::from_millis(args.commit_interval.max(1));
    let commit = if in_group {
        args.commit
    } else {
        CommitArg::None
    };
    let mut responses = spawn_receiver(receiver);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut count: u64 = 0;
    let mut ctrl_c = Box::pin(stop_signal());
    let mut closing: Option<Instant> = None;
    let mut last_commit = Instant::now();
    loop {
        let now = now_ms();
        let mut printed = false;
        for record in consumer.poll(now) {
            let value = record
                .record
                .value
                .as_deref()
                .map(String::from_utf8_lossy)
                .unwrap_or_default();
            let written = if let Some(format) = &args.format {
                out.write_all(&format_record(format, &record))
            } else if args.verbose {
                let key = record
                    .record
                    .key
                    .as_deref()
                    .map(String::from_utf8_lossy)
                    .unwrap_or_default();
                writeln!(
                    out,
                    "{} {} {} {}",
                    record.tp.partition, record.offset, key, value
                )
            } else {
                writeln!(out, "{value}")
            };
            if written.is_err() {
                return ExitCode::SUCCESS; // stdout closed (| head): stop quietly
            }
            consumer.mark_processed(&record.tp, record.offset);
            if commit == CommitArg::Record {
                let _ = out.flush();
                let _ = consumer
                    .commit_sync(Some(vec![(record.tp.clone(), record.offset + 1)]), now_ms());
            }
            printed = true;
            count += 1;
            if args.max_messages.is_some_and(|max| count >= max) {
                break;
            }
        }
        let _ = out.flush();
        if printed && commit == CommitArg::Batch {
            commit_printed(&mut consumer, true);
        }
        while let Some(event) = consumer.poll_event() {
            match event {
                ConsumerEvent::PartitionsAssigned(tps) if !tps.is_empty() => {
                    eprintln!("assigned: {}", list(&tps))
                }
                ConsumerEvent::PartitionsRevoked(tps) if !tps.is_empty() => {
                    eprintln!("revoked: {}", list(&tps))
                }
                ConsumerEvent::PartitionsLost(tps) => eprintln!("lost: {}", list(&tps)),
                ConsumerEvent::OffsetOutOfRange { tp, offset } => {
                    eprintln!("{tp}: offset {offset} is out of range")
                }
                // The seed's lesson: a position the log no longer (or never) had is not an
                // error the application sees; auto.offset.reset quietly moves it. Say so.
                ConsumerEvent::PositionReset {
                    tp,
                    from: Some(from),
                    to,
                    out_of_range: true,
                } => eprintln!(
                    "offset {from} out of range on {tp}: reset to {} ({to})",
                    if args.from_beginning {
                        "earliest"
                    } else {
                        "latest"
                    }
                ),
                ConsumerEvent::NoOffsetForPartition(tp) => {
                    eprintln!("{tp}: no committed offset and auto.offset.reset=none")
                }
                ConsumerEvent::CommitCompleted { error: Some(e), .. } => {
                    eprintln!("commit failed: {e}")
                }
                ConsumerEvent::Fatal(e) => {
                    eprintln!("error: {e}");
                    if let Some(hint) = fatal_hint(e, consumer_protocol, args.group.as_deref()) {
                        eprintln!("{hint}");
                    }
                    return ExitCode::FAILURE;
                }
                _ => {}
            }
        }
        if commit == CommitArg::Auto
            && closing.is_none()
            && last_commit.elapsed() >= commit_interval
        {
            let done = processed(&consumer);
            if !done.is_empty() {
                let _ = consumer.commit_async(Some(done), now_ms());
            }
            last_commit = Instant::now();
        }
        let reached_end = args.exit_at_end
            && !consumer.assignment().is_empty()
            && consumer.buffered_records() == 0
            && consumer.assignment().iter().all(|tp| {
                match (consumer.position(tp), consumer.end_offset(tp)) {
                    (Some(position), Some(end)) => position >= end,
                    _ => false,
                }
            });
        let done = args.max_messages.is_some_and(|max| count >= max) || reached_end;
        if done && closing.is_none() {
            // Commit what was printed, not the position: `poll` may have returned
            // records past --max-messages that were never shown.
            commit_printed(&mut consumer, commit != CommitArg::None);
            consumer.close(now_ms());
            closing = Some(Instant::now());
        }
        if let Err(error) = transmit(&mut sender, || consumer.poll_transmit(now_ms())).await {
            eprintln!("error: connection lost: {error}");
            return ExitCode::FAILURE;
        }
        if let Some(since) = closing {
            // Give the final commit and LeaveGroup a moment to be answered.
            if consumer.requests_in_flight() == 0 || since.elapsed() > Duration::from_secs(5) {
                eprintln!("consumed {count} record(s)");
                return ExitCode::SUCCESS;
            }
        }
        tokio::select! {
            answer = responses.recv() => match answered(answer) {
                Ok((id, response)) => consumer.handle_response(id, response, now_ms()),
                Err(code) => return code,
            },
            // Records still buffered: go round again at once to poll them.
            _ = tokio::time::sleep(if consumer.buffered_records() > 0 {
                Duration::ZERO
            } else {
                sleep_until(consumer.poll_timeout())
            }) => consumer.handle_timeout(now_ms()),
            _ = &mut ctrl_c, if closing.is_none() => {
                let leaving = if args.instance_id.is_some() {
                    "staying in the group (a static member sends no LeaveGroup: its partitions wait for it until its session times out)"
                } else {
                    "leaving the group"
                };
                if !in_group {
                    eprintln!("stopping");
                } else if consumer.assignment().is_empty() {
                    eprintln!("stopping: {leaving} (nothing assigned, nothing to commit)");
                } else if processed(&consumer).is_empty() {
                    eprintln!("stopping: {leaving} (nothing read, nothing to commit)");
                } else if commit == CommitArg::None {
                    eprintln!("stopping: {leaving} without committing (--commit none)");
                } else {
                    eprintln!("stopping: committing, {leaving}");
                }
                commit_printed(&mut consumer, commit != CommitArg::None);
                consumer.close(now_ms());
                closing = Some(Instant::now());
            }
        }
    }
}

fn list(tps: &[TopicPartition]) -> String {
    tps.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// "topic 'demo' has 1 partition (0)", for a partition that does not exist.
fn no_such_partition(topic: &str, asked: i32, count: i32) -> String {
    let which = match count {
        0 => "no partitions".to_string(),
        1 => "1 partition (0)".to_string(),
        n => format!("{n} partitions (0..{})", n - 1),
    };
    format!("topic '{topic}' has {which}: there is no partition {asked}")
}

/// Commit what was printed (a group member with something assigned and printed only: a
/// member that never joined has nothing to commit, and its commit would only be refused
/// with UNKNOWN_MEMBER_ID).
fn commit_printed(consumer: &mut Consumer, in_group: bool) {
    let done = processed(consumer);
    if in_group && !done.is_empty() {
        let _ = consumer.commit_sync(Some(done), now_ms());
    }
}

/// The answer to a Metadata request for `topic`: its error code and partition count.
pub(super) async fn topic_metadata(
    sender: &mut Sender,
    receiver: &mut Receiver,
    topic: &str,
    allow_auto_create: bool,
) -> Result<(i16, i32), String> {
    let t = metadata_of(sender, receiver, topic, allow_auto_create, 4).await?;
    Ok((t.error_code, t.partitions.len() as i32))
}

/// Metadata at `version` for the one topic `topic`: its part of the answer.
async fn metadata_of(
    sender: &mut Sender,
    receiver: &mut Receiver,
    topic: &str,
    allow_auto_create: bool,
    version: i16,
) -> Result<kafka_protocol::messages::metadata_response::MetadataResponseTopic, String> {
    use kafka_protocol::messages::metadata_request::MetadataRequestTopic;
    use kafka_protocol::messages::{MetadataRequest, TopicName};
    use kafka_protocol::protocol::StrBytes;
    let answer = sender
        .roundtrip(
            receiver,
            MetadataRequest::default()
                .with_topics(Some(vec![MetadataRequestTopic::default().with_name(Some(
                    TopicName(StrBytes::from_string(topic.to_string())),
                ))]))
                .with_allow_auto_topic_creation(allow_auto_create),
            version,
        )
        .await
        .map_err(|e| format!("metadata: {e}"))?;
    answer
        .topics
        .into_iter()
        .next()
        .ok_or_else(|| format!("topic '{topic}': no answer to Metadata"))
}

/// How many partitions `topic` has. A topic that does not exist is created when the broker
/// creates topics on demand (`auto.create.topics.enable`, as Java's consumer asks by
/// default), and the consumer says so; otherwise it is an error, at once.
async fn topic_partitions(
    sender: &mut Sender,
    receiver: &mut Receiver,
    topic: &str,
) -> Result<i32, String> {
    const UNKNOWN_TOPIC: i16 = 3;
    const LEADER_NOT_AVAILABLE: i16 = 5;
    match topic_metadata(sender, receiver, topic, false).await? {
        (0, count) => return Ok(count),
        (UNKNOWN_TOPIC, _) => {}
        (code, _) => return Err(format!("topic '{topic}': {}", kafka_error(code))),
    }
    // Not there: may the broker create it?
    for _ in 0..50 {
        match topic_metadata(sender, receiver, topic, true).await? {
            (0, count) if count > 0 => {
                eprintln!(
                    "topic '{topic}' did not exist: the broker created it ({}, auto.create.topics.enable); waiting for records",
                    match count {
                        1 => "1 partition".to_string(),
                        n => format!("{n} partitions"),
                    }
                );
                return Ok(count);
            }
            // Being created: ask again in a moment.
            (0 | LEADER_NOT_AVAILABLE, _) => {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            (UNKNOWN_TOPIC, _) => {
                return Err(format!(
                    "topic '{topic}' does not exist, and the broker does not create topics on demand (auto.create.topics.enable=false): create it first with `minikafka topics create {topic}`"
                ))
            }
            (code, _) => return Err(format!("topic '{topic}': {}", kafka_error(code))),
        }
    }
    Err(format!("topic '{topic}' is still being created after 5 s"))
}

/// The id of `topic` (Metadata v12): the consumer protocol names topics by id.
async fn topic_id(
    sender: &mut Sender,
    receiver: &mut Receiver,
    topic: &str,
) -> Result<uuid::Uuid, String> {
    use kafka_protocol::messages::ApiKey;
    const VERSION: i16 = 12;
    if !minikafka::net::client::serves(sender.api_versions(), ApiKey::Metadata, VERSION) {
        return Err(format!(
            "the broker does not serve Metadata v{VERSION} (topic ids), which group.protocol=consumer needs: it is older than Kafka 4.0; use --group-protocol classic"
        ));
    }
    let t = metadata_of(sender, receiver, topic, true, VERSION).await?;
    if t.error_code != 0 {
        return Err(format!("topic '{topic}': {}", kafka_error(t.error_code)));
    }
    if t.topic_id.is_nil() {
        return Err(format!("topic '{topic}': the broker gave no topic id"));
    }
    Ok(t.topic_id)
}

/// What to do about a fatal group error, when there is something to say.
fn fatal_hint(
    error: minikafka::KafkaError,
    consumer_protocol: bool,
    group: Option<&str>,
) -> Option<String> {
    use minikafka::KafkaError;
    let group = group.unwrap_or_default();
    match (error, consumer_protocol) {
        (KafkaError::GroupIdNotFound, true) => Some(format!(
            "group '{group}' is a classic group with members: one group id speaks one protocol; use --group-protocol classic, or another group id"
        )),
        (KafkaError::InconsistentGroupProtocol, false) => Some(format!(
            "group '{group}' may be a consumer-protocol group: one group id speaks one protocol; use --group-protocol consumer, or another group id"
        )),
        (KafkaError::UnsupportedVersion, true) => Some(
            "the broker refused the consumer protocol (a broker before Kafka 4.0, or group.coordinator.rebalance.protocols without consumer); use --group-protocol classic".to_string(),
        ),
        (KafkaError::UnsupportedAssignor, true) => Some(
            "the broker does not have that --remote-assignor (Kafka's are uniform and range)".to_string(),
        ),
        _ => None,
    }
}

fn kafka_error(code: i16) -> String {
    minikafka::KafkaError::from_code(code)
        .map_or_else(|| format!("error {code}"), |e| e.to_string())
}

/// Ctrl-C or SIGTERM: stop gracefully (commit, leave the group), as a consumer should.
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// What was printed, per partition: the offsets to commit.
fn processed(consumer: &Consumer) -> Vec<(TopicPartition, i64)> {
    consumer
        .assignment()
        .into_iter()
        .filter_map(|tp| {
            let done = consumer.offsets(&tp)?.processed?;
            Some((tp, done))
        })
        .collect()
}
