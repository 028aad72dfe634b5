//! `minikafka serve`: the broker on a TCP port, speaking the Kafka protocol.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use minikafka::net::group_commit::{Durability, SyncThread};
use minikafka::net::storage::{FileProvider, Flusher, FsyncPolicy};
use minikafka::net::{now_ms, CoreHooks, Server, ServerConfig};
use minikafka::sasl::Mechanism;
use minikafka::wire::{SaslConfig, WireBroker};
use minikafka::{Broker, BrokerConfig};

#[derive(Parser, Debug)]
#[command(
    after_help = "Environment: MINIKAFKA_CAPTURE_REQUESTS=<dir> also writes every request \
frame read to <dir>/<api key>-v<version>-<hash>.bin (fuzz/capture.sh builds the fuzz seed \
corpus with it). RUST_LOG sets the log filter (default info)."
)]
pub struct ServeArgs {
    /// Directory for segment files, topic manifests and committed offsets. Created if
    /// missing; a restart on the same directory recovers every topic, record and commit.
    #[arg(long, default_value = "./data")]
    data_dir: PathBuf,
    /// When written records are flushed to disk: `always` (before any acknowledgement
    /// leaves: nothing acknowledged is lost on a power cut), `interval=<ms>` (in the
    /// background every <ms>: a power cut may lose the last few ms), or `never` (the OS
    /// decides). A killed process loses nothing acknowledged under any policy.
    #[arg(long, default_value = "interval=5")]
    fsync: FsyncPolicy,
    /// Address to listen on for Kafka clients.
    #[arg(long, default_value = "127.0.0.1:9092")]
    listen: SocketAddr,
    /// Address clients are told to connect to (Metadata, FindCoordinator). Default: the
    /// listen address; 127.0.0.1 if listening on 0.0.0.0. Use an IPv4 literal: librdkafka
    /// may resolve `localhost` to ::1.
    #[arg(long)]
    advertise: Option<String>,
    /// Also serve live mode on this HTTP address: the visualiser (from --dist) and, at
    /// /live, a WebSocket of the broker's state and events. Off by default.
    #[arg(long)]
    http: Option<SocketAddr>,
    /// The built visualiser that --http serves (`make web` builds it).
    #[arg(long, default_value = "dist")]
    dist: PathBuf,
    /// Let live viewers reset a group's committed offsets and delete topics from the page.
    /// Off by default: anyone who can open the page could do it.
    #[arg(long, requires = "http")]
    http_admin: bool,
    /// Partitions of topics created automatically (`num.partitions`).
    #[arg(long, default_value_t = 1)]
    default_partitions: i32,
    /// Create a topic when a client asks for its metadata (`auto.create.topics.enable`).
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    auto_create_topics: bool,
    /// Largest request frame accepted, in bytes (`socket.request.max.bytes`).
    #[arg(long, default_value_t = 100 * 1024 * 1024)]
    max_request_bytes: usize,
    /// Connections served at once; more are refused with a log line.
    #[arg(long, default_value_t = 4096)]
    max_connections: usize,
    /// Bytes of requests read and not yet answered, over all connections
    /// (`queued.max.request.bytes`). When they are reached, connections wait before reading
    /// the next request, so many producers cost this much memory, not more. A request
    /// larger than this is still read when it is alone.
    #[arg(long, default_value_t = 64 * 1024 * 1024)]
    queued_max_request_bytes: usize,
    /// How long an empty group waits for more members before its first rebalance
    /// completes (`group.initial.rebalance.delay.ms`).
    #[arg(long, default_value_t = 3000)]
    group_initial_rebalance_delay_ms: i64,
    /// Session timeout of consumer-protocol (KIP-848) members
    /// (`group.consumer.session.timeout.ms`; the broker sets it, not the client).
    #[arg(long, default_value_t = 45_000)]
    group_consumer_session_timeout_ms: i32,
    /// How often consumer-protocol members heartbeat
    /// (`group.consumer.heartbeat.interval.ms`); each step of a reconciliation waits for one.
    #[arg(long, default_value_t = 5_000)]
    group_consumer_heartbeat_interval_ms: i32,
    /// Close a connection that sent nothing for this many ms (`connections.max.idle.ms`).
    #[arg(long, default_value_t = 600_000)]
    idle_timeout_ms: u64,
    /// Send fetched records from the segment files to the socket with `sendfile`, as Kafka
    /// does: they never pass through the server's memory. `false`: read them into memory
    /// and write them (one copy; `make bench` measures both)
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    sendfile: bool,
    /// Size of a segment file before the log rolls to a new one, for topics that do not
    /// set `segment.bytes` (`log.segment.bytes`). Kafka's default, 1 GiB. Each roll
    /// creates two files and syncs their directory; a small value (for example 1048576,
    /// the simulation's) shows segments rolling in the live view under a light load.
    #[arg(long, default_value_t = 1 << 30, value_parser = clap::value_parser!(u64).range(1024..=i32::MAX as u64))]
    segment_bytes: u64,
    /// TLS: the server's certificate chain, PEM (its own certificate first). With
    /// --tls-key, every Kafka connection is TLS (listener SSL, or SASL_SSL with
    /// --sasl-users). Fetched records are then copied through the server (no sendfile).
    #[arg(long, value_name = "PEM", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// TLS: the private key of --tls-cert, PEM (PKCS#8, PKCS#1 or SEC1).
    #[arg(long, value_name = "PEM", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// SASL: require a login on every Kafka connection (listener SASL_PLAINTEXT, or
    /// SASL_SSL with TLS). FILE has one `username:password` per line (the password is
    /// everything after the first ':'); blank lines and lines starting with '#' are
    /// ignored. Passwords are salted for SCRAM when the file is read.
    #[arg(long, value_name = "FILE")]
    sasl_users: Option<PathBuf>,
    /// SASL mechanisms offered, comma-separated.
    #[arg(
        long,
        value_name = "LIST",
        default_value = "PLAIN,SCRAM-SHA-256,SCRAM-SHA-512",
        requires = "sasl_users"
    )]
    sasl_mechanisms: String,
}

pub fn run(args: ServeArgs) -> ExitCode {
    init_logging();
    keep_freed_memory();
    super::runtime().block_on(serve(args))
}

/// Let glibc's allocator keep the memory of freed request frames for the next ones.
///
/// A produce request is read into a buffer of its size (often 1 MiB), held while the core
/// appends it, then freed. By default glibc maps such a buffer fresh (`mmap` above a
/// threshold) or hands a freed one back to the kernel (`madvise` when a thread's heap
/// shrinks), so every request paid a page fault per 4 KiB it was read into: a seventh of
/// the server's CPU under a produce load (`make rdkperf`, measured with `perf`). Raising
/// both thresholds keeps freed buffers in the heap; memory stays bounded by the requests
/// in flight (`--queued-max-request-bytes` over all connections), and the heap keeps at
/// most 32 MiB free at its top: `make rdkperf` checks the peak RSS.
fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes the allocator's tuning; it is called before any thread
    // of the server starts.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 32 << 20);
    }
}

pub(super) fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Colours only on a terminal: a log written to a file or a pipe stays plain text.
    use std::io::IsTerminal;
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_ansi(std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none())
        .with_writer(std::io::stderr)
        .try_init();
}

async fn serve(args: ServeArgs) -> ExitCode {
    if args.default_partitions < 1 {
        eprintln!("error: --default-partitions must be at least 1");
        return ExitCode::from(2);
    }
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => match minikafka::net::tls::server_config(cert, key) {
            Ok(tls) => Some(tls),
            Err(message) => {
                eprintln!("error: {message}");
                return ExitCode::from(2);
            }
        },
        _ => None,
    };
    let sasl = match &args.sasl_users {
        None => None,
        Some(path) => {
            let mechanisms = match Mechanism::parse_list(&args.sasl_mechanisms) {
                Ok(m) => m,
                Err(message) => {
                    eprintln!("error: --sasl-mechanisms: {message}");
                    return ExitCode::from(2);
                }
            };
            match minikafka::net::security::load_users(path) {
                Ok(credentials) => {
                    warn_if_readable_by_all(path);
                    Some(SaslConfig {
                        credentials,
                        mechanisms,
                        random: minikafka::net::os_random(),
                    })
                }
                Err(message) => {
                    eprintln!("error: {message}");
                    return ExitCode::from(2);
                }
            }
        }
    };
    let config = ServerConfig {
        tls,
        max_request_bytes: args.max_request_bytes,
        max_connections: args.max_connections.max(1),
        queued_max_request_bytes: args.queued_max_request_bytes.max(1),
        idle_timeout: Duration::from_millis(args.idle_timeout_ms.max(1)),
        sendfile: args.sendfile,
        ..ServerConfig::default()
    };
    let server = match Server::bind(args.listen, config).await {
        Ok(server) => server,
        Err(error) => {
            eprintln!("error: cannot listen on {}: {error}", args.listen);
            return ExitCode::FAILURE;
        }
    };
    let sasl_summary = sasl.as_ref().map(|s| {
        (
            s.credentials.len(),
            s.mechanisms
                .iter()
                .map(|m| m.name())
                .collect::<Vec<_>>()
                .join(","),
            s.mechanisms.contains(&Mechanism::Plain),
        )
    });
    let server = match sasl {
        Some(sasl) => server.with_sasl(sasl),
        None => server,
    };
    let protocol = server.security_protocol();
    let server = match args.http {
        None => server,
        Some(http) => match server.with_http(http, args.dist.clone()).await {
            Ok(s) => s.with_http_admin(args.http_admin),
            Err(error) => {
                eprintln!("error: cannot listen on {http} for HTTP: {error}");
                return ExitCode::FAILURE;
            }
        },
    };
    if args.http.is_some() && !args.dist.join("index.html").exists() {
        tracing::warn!(
            dist = %args.dist.display(),
            "no built visualiser there: the page will say so (run `make web`); /live works"
        );
    }
    let bound = server.local_addr().unwrap_or(args.listen);
    let (host, port) = match advertised(&args.advertise, bound) {
        Ok(hp) => hp,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    let mut broker_config = BrokerConfig {
        advertised_host: host.clone(),
        advertised_port: port,
        auto_create_topics: args.auto_create_topics,
        num_partitions: args.default_partitions,
        ..BrokerConfig::default()
    };
    broker_config.log.segment_bytes = args.segment_bytes;
    broker_config.coordinator.group_initial_rebalance_delay_ms =
        args.group_initial_rebalance_delay_ms.max(0);
    broker_config.consumer_groups.session_timeout_ms = args.group_consumer_session_timeout_ms;
    broker_config.consumer_groups.heartbeat_interval_ms = args.group_consumer_heartbeat_interval_ms;
    let provider = match FileProvider::open(&args.data_dir) {
        Ok(p) => p,
        Err(error) => {
            eprintln!("error: data directory {}: {error}", args.data_dir.display());
            return ExitCode::FAILURE;
        }
    };
    let flusher = provider.flusher();
    let broker = match Broker::open(broker_config, provider, now_ms()) {
        Ok(b) => b,
        Err(error) => {
            eprintln!("error: cannot load {}: {error}", args.data_dir.display());
            return ExitCode::FAILURE;
        }
    };
    let topics = broker.topic_names().len();
    let commits = broker.offsets().len();
    tracing::info!(
        data_dir = %args.data_dir.display(),
        topics,
        committed_offsets = commits,
        fsync = %args.fsync,
        "storage loaded"
    );
    let stop = Arc::new(AtomicBool::new(false));
    let background = match args.fsync {
        FsyncPolicy::Interval(every) => Some(spawn_flusher(flusher.clone(), every, stop.clone())),
        _ => None,
    };
    tracing::info!("minikafka listening on {bound} ({protocol}), advertised as {host}:{port}");
    out!(
        "minikafka is serving Kafka clients on {host}:{port} ({protocol}), data in {} (Ctrl-C to stop)",
        args.data_dir.display()
    );
    if let Some((users, mechanisms, plain)) = &sasl_summary {
        out!("SASL: {users} user(s), mechanisms {mechanisms}");
        if *plain && protocol == "SASL_PLAINTEXT" {
            tracing::warn!("PLAIN without TLS: passwords cross the network in clear (add --tls-cert/--tls-key, or --sasl-mechanisms SCRAM-SHA-256,SCRAM-SHA-512)");
        }
    }
    if protocol.ends_with("SSL") && args.sendfile {
        tracing::info!(
            "TLS: fetched records are encrypted in the server, so sent without sendfile"
        );
    }
    if let Some(http) = server.http_addr() {
        out!(
            "live visualiser: http://{http}/?source=live ({})",
            if args.http_admin {
                "viewers may reset offsets and delete topics: --http-admin"
            } else {
                "read-only"
            }
        );
        out!("simulation:      http://{http}/?scenario=S1 (the teaching scenarios S1..S14, in the browser)");
    }
    let (sync, durable) = match args.fsync {
        FsyncPolicy::Always => {
            let (sync, durable) = SyncThread::spawn(flusher.clone());
            (Some(sync), Some(durable))
        }
        _ => (None, None),
    };
    let hooks = FlushHooks {
        flusher: flusher.clone(),
        sync,
        durable,
    };
    let result = server.run(broker, hooks, shutdown_signal()).await;
    stop.store(true, Ordering::Release);
    if let Some(thread) = background {
        let _ = thread.join();
    }
    let result = result.map(|(_, mut hooks)| {
        if let Some(sync) = hooks.sync.take() {
            // How many appends each fsync covered: the measure of group commit.
            tracing::info!("{}", sync.stop());
        }
    });
    // What the flushes while serving cost (the final one below is not counted).
    tracing::info!("{}", flusher.cost());
    // A graceful stop flushes under every policy.
    if let Err(error) = flusher.sync() {
        tracing::error!(%error, "final flush failed");
        return ExitCode::FAILURE;
    }
    match result {
        Ok(_) => {
            tracing::info!("stopped; everything flushed");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// A users file others can read holds passwords: say so (it still works).
fn warn_if_readable_by_all(path: &std::path::Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = std::fs::metadata(path) {
        if meta.permissions().mode() & 0o004 != 0 {
            tracing::warn!(
                file = %path.display(),
                "the SASL users file is readable by every user of this machine (chmod 600 it)"
            );
        }
    }
}

/// `--fsync always`: a step that wrote records asks the fsync thread for a flush, and its
/// answers wait for it (group commit: `minikafka::net::group_commit`).
struct FlushHooks {
    flusher: Arc<Flusher>,
    sync: Option<SyncThread>,
    durable: Option<tokio::sync::mpsc::UnboundedReceiver<u64>>,
}

impl CoreHooks<FileProvider> for FlushHooks {
    fn after_step(&mut self, _wire: &mut WireBroker<FileProvider>) -> Durability {
        match self.sync.as_mut() {
            Some(sync) if self.flusher.has_pending() => Durability::After(sync.request()),
            _ => Durability::Now,
        }
    }

    fn durable_tickets(&mut self) -> Option<tokio::sync::mpsc::UnboundedReceiver<u64>> {
        self.durable.take()
    }
}

/// `--fsync interval=<ms>`: a thread that flushes written files every `every`.
fn spawn_flusher(
    flusher: Arc<Flusher>,
    every: Duration,
    stop: Arc<AtomicBool>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        while !stop.load(Ordering::Acquire) {
            std::thread::sleep(every);
            if let Err(error) = flusher.sync() {
                tracing::error!(%error, "background fsync failed");
            }
        }
    })
}

/// The host and port clients are told to use.
fn advertised(advertise: &Option<String>, bound: SocketAddr) -> Result<(String, i32), String> {
    match advertise {
        Some(text) => {
            let (host, port) = match text.rsplit_once(':') {
                Some((h, p)) => (
                    h.to_string(),
                    p.parse::<u16>()
                        .map_err(|_| format!("--advertise {text}: '{p}' is not a port"))?,
                ),
                None => (text.clone(), bound.port()),
            };
            if host.is_empty() {
                return Err(format!("--advertise {text}: no host"));
            }
            Ok((host, i32::from(port)))
        }
        None => {
            let ip = match bound.ip() {
                ip if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
                ip => ip,
            };
            Ok((ip.to_string(), i32::from(bound.port())))
        }
    }
}

/// Ctrl-C or SIGTERM.
pub(super) async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => tracing::info!("Ctrl-C: shutting down"),
        _ = term => tracing::info!("SIGTERM: shutting down"),
    }
}
