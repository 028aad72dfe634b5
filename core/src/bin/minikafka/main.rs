//! `minikafka`: the native command line.
//!
//! - `minikafka serve`: the broker as a TCP server speaking the Kafka protocol, so kcat,
//!   confluent-kafka, kafka-python and kafkajs work against it.
//! - `minikafka watch`: any Kafka cluster, sampled read-only, in the live visualiser.
//! - `minikafka scenario S1`: a teaching scenario in the simulated world, narrated.
//! - `minikafka replay <run>`: replay a run string from a scenario or the visualiser.

/// `println!` that does not panic when stdout is closed (`minikafka groups list | head`):
/// the rest of the output is simply dropped.
#[cfg(not(target_arch = "wasm32"))]
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

#[cfg(not(target_arch = "wasm32"))]
mod admin;
#[cfg(not(target_arch = "wasm32"))]
mod clients;
#[cfg(not(target_arch = "wasm32"))]
mod scenario;
#[cfg(not(target_arch = "wasm32"))]
mod serve;
#[cfg(not(target_arch = "wasm32"))]
mod time;
#[cfg(not(target_arch = "wasm32"))]
mod watch;

#[cfg(not(target_arch = "wasm32"))]
mod cli {
    use std::process::ExitCode;

    use clap::{Parser, Subcommand};

    /// minikafka: a Kafka broker core you can read and watch.
    #[derive(Parser, Debug)]
    #[command(name = "minikafka", version, about, long_about = None)]
    struct Cli {
        #[command(subcommand)]
        command: Command,
    }

    #[derive(Subcommand, Debug)]
    enum Command {
        /// Run the broker as a TCP server that speaks the Kafka wire protocol. Real
        /// clients (kcat, confluent-kafka, kafka-python, kafkajs) connect to --listen.
        Serve(super::serve::ServeArgs),
        /// Follow any Kafka cluster (Apache Kafka, Redpanda, minikafka) read-only and show
        /// it in the live visualiser: groups, lag over time, rebalances, partition leaders.
        ///
        /// Every --interval the watch samples the cluster with read requests only
        /// (Metadata, ListGroups, FindCoordinator, DescribeGroups, ConsumerGroupDescribe,
        /// OffsetFetch, ListOffsets), over one connection per broker, and turns the
        /// differences between two samples into the events `serve --http` streams: members
        /// joining and leaving, new assignments, commits, high watermarks. It never writes
        /// to the cluster and never joins a group. When the cluster answers slowly the
        /// interval grows; the page says how old its picture is. Rebalance reasons are
        /// inferred (no read API reports them) and marked so. Open
        /// http://<--http>/?source=live.
        Watch(super::watch::WatchArgs),
        /// Produce the lines of standard input as records (the core's producer state
        /// machine over TCP). `--key-separator :` makes `k:v` lines keyed records.
        Produce(super::clients::ProduceArgs),
        /// Print a topic's records (the core's consumer state machine over TCP): in a group
        /// with --group, or by manual assignment with a client-side seek.
        Consume(super::clients::ConsumeArgs),
        /// Create, list, describe or delete topics.
        Topics(super::admin::TopicsArgs),
        /// List consumer groups, or describe one: members, partitions, committed offsets, lag.
        Groups(super::admin::GroupsArgs),
        /// Reset a stopped group's committed offsets to earliest, latest or an offset.
        Offsets(super::admin::OffsetsArgs),
        /// Run a teaching scenario (S1, S1b, S2 .. S11) in the simulated world and narrate
        /// it: what happens, when, and why. `--list` shows them all.
        Scenario(super::scenario::ScenarioArgs),
        /// Replay a run from its string (the `mk1.` string a scenario or the visualiser
        /// prints) and show its events and outcome: the same seed and commands give the
        /// same run.
        Replay(super::scenario::ReplayArgs),
    }

    pub fn main() -> ExitCode {
        match Cli::parse().command {
            Command::Serve(args) => super::serve::run(args),
            Command::Watch(args) => super::watch::run(args),
            Command::Produce(args) => super::clients::produce(args),
            Command::Consume(args) => super::clients::consume(args),
            Command::Topics(args) => super::admin::topics(args),
            Command::Groups(args) => super::admin::groups(args),
            Command::Offsets(args) => super::admin::offsets(args),
            Command::Scenario(args) => super::scenario::run_scenario(args),
            Command::Replay(args) => super::scenario::run_replay(args),
        }
    }
}

/// A tokio runtime for the commands that do network IO.
#[cfg(not(target_arch = "wasm32"))]
fn runtime() -> tokio::runtime::Runtime {
    match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            std::process::exit(1);
        }
    }
}

/// Connect as the CLI does, with `--command-config`'s TLS and SASL (warning about the
/// properties it does not use); the error is one line for stderr.
#[cfg(not(target_arch = "wasm32"))]
async fn connect_cli(
    bootstrap: &str,
    client_id: &str,
    command_config: Option<&std::path::Path>,
) -> Result<
    (
        minikafka::net::client::Sender,
        minikafka::net::client::Receiver,
    ),
    String,
> {
    use minikafka::net::security::ClientSecurity;
    let security = match command_config {
        None => ClientSecurity::default(),
        Some(path) => {
            let security =
                ClientSecurity::load(path).map_err(|e| format!("--command-config {e}"))?;
            for key in &security.ignored {
                eprintln!("warning: --command-config: {key} is not used by minikafka's clients");
            }
            security
        }
    };
    minikafka::net::client::connect_secure(bootstrap, client_id, &security)
        .await
        .map_err(|error| cannot_connect(bootstrap, &error))
}

/// Why a connection to `addr` failed, as one line after `error: `. An answer that was not
/// Kafka's (an HTTP server, say) names itself; anything else is "cannot connect".
#[cfg(not(target_arch = "wasm32"))]
fn cannot_connect(addr: &str, error: &std::io::Error) -> String {
    if error.kind() == std::io::ErrorKind::InvalidData {
        error.to_string()
    } else {
        format!("cannot connect to {addr}: {error}")
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    cli::main()
}

/// The CLI is native only; the wasm build of the crate is the library.
#[cfg(target_arch = "wasm32")]
fn main() {}
