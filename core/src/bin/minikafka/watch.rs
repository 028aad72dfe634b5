//! `minikafka watch`: the live view of any Kafka cluster, read-only.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use minikafka::net::security::ClientSecurity;
use minikafka::net::watch::{Watch, WatchOptions};
use minikafka::watch::{NameFilter, WatchConfig};

/// `minikafka watch`'s options (the command's help is on `Command::Watch` in `main.rs`).
#[derive(Parser, Debug)]
pub struct WatchArgs {
    /// Brokers to start from: HOST:PORT, several separated by commas. The others are
    /// learnt from Metadata.
    #[arg(
        long,
        short,
        required = true,
        value_delimiter = ',',
        value_name = "HOST:PORT"
    )]
    bootstrap: Vec<String>,
    /// Serve the page and its /live WebSocket on this address.
    #[arg(long, default_value = "127.0.0.1:8080")]
    http: SocketAddr,
    /// The built visualiser (`make web` builds it).
    #[arg(long, default_value = "dist")]
    dist: PathBuf,
    /// How often to sample: `500ms`, `1s`, `2m` (at least 100ms).
    #[arg(long, default_value = "1s", value_parser = parse_interval)]
    interval: i64,
    /// Watch only these groups: an exact name or a glob (`*` any run, `?` one character).
    /// Repeat for several. Default: every group.
    #[arg(long = "group", short, value_name = "GROUP")]
    groups: Vec<String>,
    /// Watch only these topics (exact or glob, repeatable). Default: every topic but the
    /// cluster's internal ones (`__consumer_offsets`, which you may name to watch it).
    #[arg(long = "topic", short, value_name = "TOPIC")]
    topics: Vec<String>,
    /// Kafka client properties for TLS and SASL (`security.protocol`, `sasl.mechanism`,
    /// `sasl.username`, `sasl.password`, `ssl.ca.location`,
    /// `ssl.endpoint.identification.algorithm`), as Kafka's tools take them.
    #[arg(long, value_name = "FILE")]
    command_config: Option<PathBuf>,
    /// The `client.id` the cluster sees in its logs.
    #[arg(long, default_value = "minikafka-watch")]
    client_id: String,
}

/// `500ms`, `1s`, `1.5s`, `2m` as milliseconds.
fn parse_interval(text: &str) -> Result<i64, String> {
    let text = text.trim();
    let (number, unit) = match text.find(|c: char| !(c.is_ascii_digit() || c == '.')) {
        Some(at) => text.split_at(at),
        None => return Err(format!("{text:?}: give a unit: 500ms, 1s, 2m")),
    };
    let value: f64 = number
        .parse()
        .map_err(|_| format!("{text:?}: expected a number and a unit, such as 1s"))?;
    let ms = match unit {
        "ms" => value,
        "s" => value * 1_000.0,
        "m" => value * 60_000.0,
        other => return Err(format!("{text:?}: unknown unit {other:?} (ms, s or m)")),
    };
    if !(100.0..=3_600_000.0).contains(&ms) {
        return Err(format!(
            "{text:?}: the interval must be between 100ms and 60m"
        ));
    }
    Ok(ms as i64)
}

pub fn run(args: WatchArgs) -> ExitCode {
    super::serve::init_logging();
    super::runtime().block_on(watch(args))
}

async fn watch(args: WatchArgs) -> ExitCode {
    let bootstrap: Vec<String> = args
        .bootstrap
        .iter()
        .map(|b| b.trim().to_string())
        .filter(|b| !b.is_empty())
        .collect();
    if let Some(bad) = bootstrap.iter().find(|b| {
        !b.rsplit_once(':')
            .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok())
    }) {
        eprintln!("error: --bootstrap {bad:?}: expected HOST:PORT, such as 127.0.0.1:9092");
        return ExitCode::from(2);
    }
    if bootstrap.is_empty() {
        eprintln!("error: --bootstrap: give at least one HOST:PORT");
        return ExitCode::from(2);
    }
    let security = match &args.command_config {
        None => ClientSecurity::default(),
        Some(path) => match ClientSecurity::load(path) {
            Ok(security) => {
                for key in &security.ignored {
                    eprintln!("warning: --command-config: {key} is not used by minikafka watch");
                }
                security
            }
            Err(e) => {
                eprintln!("error: --command-config {e}");
                return ExitCode::from(2);
            }
        },
    };
    let mut config = WatchConfig::every(args.interval);
    config.groups = NameFilter::new(args.groups);
    config.topics = NameFilter::new(args.topics);
    let watch = match Watch::bind(args.http, args.dist.clone()).await {
        Ok(watch) => watch,
        Err(error) => {
            eprintln!("error: cannot listen on {} for HTTP: {error}", args.http);
            return ExitCode::FAILURE;
        }
    };
    if !args.dist.join("index.html").exists() {
        tracing::warn!(
            dist = %args.dist.display(),
            "no built visualiser there: the page will say so (run `make web`); /live works"
        );
    }
    let http = watch.http_addr().unwrap_or(args.http);
    out!(
        "watching {} (read-only), every {} ms",
        bootstrap.join(","),
        args.interval
    );
    out!("live visualiser: http://{http}/?source=live");
    let options = WatchOptions {
        bootstrap,
        config,
        security,
        client_id: args.client_id,
    };
    match watch.run(options, super::serve::shutdown_signal()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse_interval;

    #[test]
    fn intervals_need_a_unit_and_a_sane_size() {
        assert_eq!(parse_interval("1s"), Ok(1_000));
        assert_eq!(parse_interval("250ms"), Ok(250));
        assert_eq!(parse_interval("1.5s"), Ok(1_500));
        assert_eq!(parse_interval("2m"), Ok(120_000));
        assert!(parse_interval("1").unwrap_err().contains("unit"));
        assert!(parse_interval("10ms").unwrap_err().contains("between"));
        assert!(parse_interval("1h").unwrap_err().contains("unknown unit"));
        assert!(parse_interval("s").is_err());
    }
}
