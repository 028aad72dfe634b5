//! A newcomer's first hour with the CLI (issue 20): each command run as a user types it,
//! against a `minikafka serve` process, and what it must say.

mod common;

use std::io::Write;
use std::process::{Command, Output, Stdio};

use common::Server;

fn cli(args: &[&str], stdin: Option<&str>) -> Output {
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

fn ok(args: &[&str], stdin: Option<&str>) -> String {
    let out = cli(args, stdin);
    assert!(
        out.status.success(),
        "minikafka {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).to_string()
}

fn data_dir(name: &str) -> std::path::PathBuf {
    let data = std::env::temp_dir().join(format!("minikafka-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    data
}

#[test]
fn describing_a_group_that_does_not_exist_fails() {
    let data = data_dir("nogroup");
    let server = Server::start(&data, &[]);
    let b = server.addr.as_str();
    let out = cli(&["groups", "describe", "nosuchgroup", "-b", b], None);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(
        stderr(&out).trim(),
        "error: group 'nosuchgroup' does not exist"
    );
    assert!(out.stdout.is_empty());
    // A group with committed offsets and no members is Empty, and described.
    ok(&["produce", "t", "-b", b], Some("a\nb\n"));
    ok(
        &[
            "consume",
            "t",
            "-g",
            "g",
            "--from-beginning",
            "-n",
            "2",
            "-b",
            b,
        ],
        None,
    );
    let described = ok(&["groups", "describe", "g", "-b", b], None);
    assert!(described.contains("state Empty"), "{described}");
    drop(server);
    let _ = std::fs::remove_dir_all(&data);
}

#[test]
fn the_http_port_is_recognised() {
    let data = data_dir("http-port");
    // A free port for --http (bound and released: another process could take it in
    // between, which the test would report as a server that did not start).
    let http = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .to_string();
    let server = Server::start(&data, &["--http", &http]);
    for args in [
        vec!["topics", "list", "-b", &http],
        vec!["consume", "demo", "-b", &http],
        vec!["produce", "demo", "-b", &http],
    ] {
        let out = cli(&args, Some("x\n"));
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert_eq!(
            stderr(&out).trim(),
            format!(
                "error: {http} answered like an HTTP server, not a Kafka broker; the Kafka port is probably 9092"
            ),
            "{args:?}"
        );
    }
    // The Kafka port still answers.
    ok(&["topics", "list", "-b", &server.addr], None);
    server.kill();
    let _ = std::fs::remove_dir_all(&data);
}
