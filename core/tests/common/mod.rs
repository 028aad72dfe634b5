//! A `minikafka serve` process for the tests in this folder, on a free port.

use std::io::Write;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

/// A server process; killed when dropped.
pub struct Server {
    child: Child,
    /// Where Kafka clients connect.
    pub addr: String,
    /// Its log (stderr), next to the data directory.
    #[allow(dead_code)] // not every test file reads it
    pub log: PathBuf,
}

impl Server {
    /// Start on 127.0.0.1 and a free port with `data` as its data directory, `--fsync
    /// always`, and `extra` arguments; wait for its address.
    pub fn start(data: &Path, extra: &[&str]) -> Server {
        Server::start_logging(data, extra, "info")
    }

    /// [`Server::start`] with `RUST_LOG` set to `filter` (`info,minikafka::requests=trace`
    /// logs every request).
    pub fn start_logging(data: &Path, extra: &[&str], filter: &str) -> Server {
        let log = data.with_extension("log");
        let log_file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_minikafka"))
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--fsync",
                "always",
                "--data-dir",
            ])
            .arg(data)
            .args(extra)
            .env("RUST_LOG", filter)
            // Not NO_COLOR: the server must itself keep colour codes out of a log file.
            .env_remove("NO_COLOR")
            .stdout(Stdio::piped())
            .stderr(log_file)
            .spawn()
            .expect("server starts");
        // "minikafka is serving Kafka clients on 127.0.0.1:PORT (PLAINTEXT), data in ..."
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let addr = line
            .split_whitespace()
            .find(|w| w.starts_with("127.0.0.1:"))
            .unwrap_or_else(|| panic!("address in {line:?}"))
            .trim_end_matches(',')
            .to_string();
        Server { child, addr, log }
    }

    /// The server's resident memory, in MB.
    #[allow(dead_code)] // not every test file measures it
    pub fn rss_mb(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let kb: f64 = status
            .lines()
            .find(|l| l.starts_with("VmRSS:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|n| n.parse().ok())
            .unwrap();
        kb / 1024.0
    }

    /// SIGKILL it and wait.
    #[allow(dead_code)] // not every test file kills it
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Run the `minikafka` CLI with `args`, `stdin` written to it (then closed).
#[allow(dead_code)] // not every test file runs the CLI
pub fn cli(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_minikafka"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cli runs");
    let mut input = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).unwrap();
    }
    drop(input);
    child.wait_with_output().unwrap()
}

/// [`cli`], which must succeed; its stdout.
#[allow(dead_code)] // not every test file runs the CLI
pub fn ok(args: &[&str], stdin: Option<&str>) -> String {
    let out = cli(args, stdin);
    assert!(
        out.status.success(),
        "minikafka {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}
