//! A newcomer's first hour with the CLI (issue 20): each command run as a user types it,
//! against a `minikafka serve` process, and what it must say.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{cli, ok, Server};

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).to_string()
}

fn data_dir(name: &str) -> std::path::PathBuf {
    let data = std::env::temp_dir().join(format!("minikafka-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    data
}

/// A running CLI process whose stderr lines are collected as they come.
struct Running {
    child: Child,
    lines: std::sync::mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Running {
    fn start(args: &[&str]) -> Running {
        let mut child = Command::new(env!("CARGO_BIN_EXE_minikafka"))
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("cli runs");
        let err = child.stderr.take().unwrap();
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Running {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Wait (at most 20 s) for a stderr line containing `text`.
    fn wait_for(&mut self, text: &str) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(line) = self.lines.recv_timeout(Duration::from_millis(100)) {
                let found = line.contains(text);
                self.seen.push(line);
                if found {
                    return;
                }
            }
        }
        panic!("no {text:?} on stderr in 20 s: {:?}", self.seen);
    }

    /// SIGTERM (what Ctrl-C does to it), then its exit code and every stderr line.
    fn stop(mut self) -> (Option<i32>, String) {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        let status = self.child.wait().unwrap();
        while let Ok(line) = self.lines.recv_timeout(Duration::from_millis(500)) {
            self.seen.push(line);
        }
        (status.code(), self.seen.join("\n"))
    }
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

#[test]
fn consuming_a_topic_that_does_not_exist_says_so() {
    let data = data_dir("nosuch-off");
    let server = Server::start(&data, &["--auto-create-topics", "false"]);
    let b = server.addr.as_str();
    let started = Instant::now();
    let out = cli(&["consume", "nosuch", "-g", "g5", "-b", b], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(started.elapsed() < Duration::from_secs(5), "fails at once");
    assert!(
        stderr(&out).starts_with(
            "error: topic 'nosuch' does not exist, and the broker does not create topics on demand"
        ),
        "{}",
        stderr(&out)
    );
    let out = cli(&["consume", "nosuch", "-b", b], None);
    assert_eq!(out.status.code(), Some(1));
    drop(server);
    let _ = std::fs::remove_dir_all(&data);

    let data = data_dir("nosuch-on");
    let server = Server::start(&data, &[]);
    let b = server.addr.as_str();
    // Stopped before it joined: no commit, no UNKNOWN_MEMBER_ID.
    let mut consumer = Running::start(&["consume", "nosuch", "-g", "g5", "-b", b]);
    consumer.wait_for("topic 'nosuch' did not exist: the broker created it (1 partition");
    let (code, said) = consumer.stop();
    assert_eq!(code, Some(0), "{said}");
    assert!(!said.contains("commit failed"), "{said}");
    assert!(said.contains("nothing to commit"), "{said}");
    // Stopped after it joined, with nothing read: still nothing to commit.
    let mut consumer = Running::start(&["consume", "nosuch", "-g", "g5", "-b", b]);
    consumer.wait_for("assigned: nosuch-0");
    let (code, said) = consumer.stop();
    assert_eq!(code, Some(0), "{said}");
    assert!(!said.contains("commit failed"), "{said}");
    assert!(!said.contains("did not exist"), "it exists now: {said}");
    drop(server);
    let _ = std::fs::remove_dir_all(&data);
}

#[test]
fn produce_chooses_partitions_headers_and_timestamps_and_says_where_records_went() {
    let data = data_dir("produce");
    let server = Server::start(&data, &[]);
    let b = server.addr.as_str();
    ok(&["topics", "create", "t", "-p", "3", "-b", b], None);
    // -v: one line per record, where it went; the same key, the same partition.
    let placed = ok(
        &["produce", "t", "--key-separator", ":", "-v", "-b", b],
        Some("k1:a\nk2:b\nk1:c\n"),
    );
    let lines: Vec<&str> = placed.lines().collect();
    assert_eq!(lines.len(), 3, "{placed}");
    let partition_of = |line: &str| line.split_whitespace().next().unwrap().to_string();
    let k1: Vec<&&str> = lines.iter().filter(|l| l.contains("key k1")).collect();
    assert_eq!(k1.len(), 2, "{placed}");
    assert_eq!(partition_of(k1[0]), partition_of(k1[1]), "{placed}");
    assert!(
        k1[0].starts_with("t-") && k1[0].contains(" offset "),
        "{placed}"
    );
    // --partition, headers and an explicit timestamp.
    let placed = ok(
        &[
            "produce",
            "t",
            "--partition",
            "2",
            "-H",
            "trace=42",
            "-H",
            "source=cli",
            "--timestamp",
            "2023-11-14T22:13:20Z",
            "-v",
            "-b",
            b,
        ],
        Some("x\ny\n"),
    );
    for line in placed.lines() {
        assert!(line.starts_with("t-2 offset "), "{placed}");
        assert!(
            line.ends_with("(no key)  2023-11-14T22:13:20.000Z"),
            "{placed}"
        );
    }
    let read = ok(
        &["consume", "t", "-p", "2", "-o", "beginning", "-e", "-b", b],
        None,
    );
    assert!(read.ends_with("x\ny\n"), "{read}");
    // Partition 5 of 3, a header without '=', a time nobody can read: errors, not panics.
    let out = cli(&["produce", "t", "-p", "5", "-b", b], Some("x\n"));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out).trim(),
        "error: topic 't' has 3 partitions (0..2): there is no partition 5"
    );
    let out = cli(&["produce", "t", "-H", "nope", "-b", b], Some("x\n"));
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("expected key=value"));
    let out = cli(
        &["produce", "t", "--timestamp", "soon", "-b", b],
        Some("x\n"),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("expected milliseconds since the epoch"));
    drop(server);
    let _ = std::fs::remove_dir_all(&data);
}

/// The committed offsets `groups describe` shows for `topic`, by partition.
fn committed(b: &str, group: &str, topic: &str) -> Vec<(i32, i64)> {
    let out = cli(&["groups", "describe", group, "-b", b], None);
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.starts_with(&format!("{topic}\t")))
        .map(|l| {
            let cols: Vec<&str> = l.split_whitespace().collect();
            (cols[1].parse().unwrap(), cols[2].parse().unwrap())
        })
        .collect()
}

impl Running {
    /// SIGKILL: no last commit, no LeaveGroup.
    fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Wait (at most 20 s) for `n` lines on stdout.
    fn stdout_lines(&mut self, n: usize) -> Vec<String> {
        let out = self.child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut lines = Vec::new();
        while lines.len() < n {
            lines.push(
                rx.recv_timeout(Duration::from_secs(20))
                    .unwrap_or_else(|_| panic!("{n} lines on stdout, got {lines:?}")),
            );
        }
        lines
    }
}

#[test]
fn consume_formats_records_and_takes_the_consumer_settings_of_a_demonstration() {
    let data = data_dir("consume");
    let server = Server::start(&data, &[]);
    let b = server.addr.as_str();
    ok(
        &[
            "produce",
            "t",
            "--key-separator",
            ":",
            "-H",
            "trace=42",
            "-H",
            "from=cli",
            "--timestamp",
            "1700000000000",
            "-b",
            b,
        ],
        Some(&(0..10).map(|i| format!("k{i}:v{i}\n")).collect::<String>()),
    );
    // A kcat-like format: every field, escapes, no newline added.
    let formatted = ok(
        &[
            "consume",
            "t",
            "--from-beginning",
            "-e",
            "-n",
            "2",
            "-f",
            "%t|%p|%o|%k|%v|%s|%T|%h|100%%\\t.\\n",
            "-b",
            b,
        ],
        None,
    );
    assert_eq!(
        formatted,
        "t|0|0|k0|v0|v0|1700000000000|trace=42,from=cli|100%\t.\n\
         t|0|1|k1|v1|v1|1700000000000|trace=42,from=cli|100%\t.\n"
    );

    // --commit: what a member killed with SIGKILL (no last commit) leaves committed.
    for (mode, expected) in [("record", Some(10)), ("batch", Some(10)), ("none", None)] {
        let group = format!("g-{mode}");
        let mut member = Running::start(&[
            "consume",
            "t",
            "-g",
            &group,
            "--from-beginning",
            "--commit",
            mode,
            "-b",
            b,
        ]);
        member.stdout_lines(10);
        std::thread::sleep(Duration::from_millis(500));
        let now = committed(b, &group, "t");
        member.kill();
        assert_eq!(now.first().map(|c| c.1), expected, "--commit {mode}");
    }
    // auto with a long interval: nothing yet; -n then commits exactly what it printed.
    let mut member = Running::start(&[
        "consume",
        "t",
        "-g",
        "g-auto",
        "--from-beginning",
        "--commit",
        "auto",
        "--commit-interval",
        "60000",
        "-b",
        b,
    ]);
    member.stdout_lines(10);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(committed(b, "g-auto", "t"), vec![]);
    member.kill();

    // --assignor and --session-timeout: the group's protocol, and a killed member removed
    // after 6 s rather than 45.
    let mut member = Running::start(&[
        "consume",
        "t",
        "-g",
        "g-coop",
        "--assignor",
        "cooperative-sticky",
        "--session-timeout",
        "6000",
        "-b",
        b,
    ]);
    member.wait_for("assigned: t-0");
    let described = ok(&["groups", "describe", "g-coop", "-b", b], None);
    assert!(
        described.contains("state Stable  protocol consumer cooperative-sticky"),
        "{described}"
    );
    member.kill();
    let killed = Instant::now();
    loop {
        let described = ok(&["groups", "describe", "g-coop", "-b", b], None);
        if described.contains("(no active members)") {
            break;
        }
        assert!(
            killed.elapsed() < Duration::from_secs(15),
            "still a member: {described}"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    assert!(
        killed.elapsed() >= Duration::from_secs(4),
        "removed by its session timeout"
    );

    // --instance-id: a static member stays in the group when it stops.
    let mut member = Running::start(&[
        "consume",
        "t",
        "-g",
        "g-static",
        "--instance-id",
        "pod-1",
        "--from-beginning",
        "-b",
        b,
    ]);
    member.wait_for("assigned: t-0");
    // Stopped only once it printed the ten records: what it printed is what it commits
    // (stopped at once, on a busy machine it had printed nothing yet).
    assert_eq!(member.stdout_lines(10).len(), 10);
    let (code, said) = member.stop();
    assert_eq!(code, Some(0), "{said}");
    assert!(said.contains("staying in the group"), "{said}");
    let described = ok(&["groups", "describe", "g-static", "-b", b], None);
    assert!(described.contains("(static: pod-1)"), "{described}");
    assert_eq!(committed(b, "g-static", "t"), vec![(0, 10)], "{described}");

    let out = cli(&["consume", "t", "--assignor", "fair", "-b", b], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("cooperative-sticky"),
        "{}",
        stderr(&out)
    );
    drop(server);
    let _ = std::fs::remove_dir_all(&data);
}

#[test]
fn offsets_reset_per_partition_by_shift_or_time_with_a_dry_run() {
    let data = data_dir("reset");
    let server = Server::start(&data, &[]);
    let b = server.addr.as_str();
    ok(&["topics", "create", "r", "-p", "2", "-b", b], None);
    let january = ["--timestamp", "2024-01-01T00:00:00Z"];
    let june = ["--timestamp", "2024-06-01T00:00:00Z"];
    for (partition, time, lines) in [
        ("0", january, "a\nb\nc\nd\ne\n"),
        ("0", june, "f\ng\nh\ni\nj\n"),
        ("1", june, "w\nx\ny\nz\n"),
    ] {
        let mut args = vec!["produce", "r", "-p", partition, "-b", b];
        args.extend(time);
        ok(&args, Some(lines));
    }
    ok(
        &[
            "consume",
            "r",
            "-g",
            "rg",
            "--from-beginning",
            "-e",
            "-b",
            b,
        ],
        None,
    );
    assert_eq!(committed(b, "rg", "r"), vec![(0, 10), (1, 4)]);
    // --dry-run shows the plan and changes nothing.
    let plan = ok(
        &[
            "offsets",
            "reset",
            "-g",
            "rg",
            "-t",
            "r",
            "--shift-by",
            "-3",
            "--dry-run",
            "-b",
            b,
        ],
        None,
    );
    assert_eq!(
        plan,
        "plan for group rg (--dry-run: nothing changed)\n\
         topic\tpartition\tcurrent\tnew\n\
         r\t0\t\t10\t7\n\
         r\t1\t\t4\t1\n"
    );
    assert_eq!(committed(b, "rg", "r"), vec![(0, 10), (1, 4)]);
    // One partition, by time: the first record at or after March is June's first, 5.
    let done = ok(
        &[
            "offsets",
            "reset",
            "-g",
            "rg",
            "-t",
            "r",
            "-p",
            "0",
            "--to-datetime",
            "2024-03-01",
            "-b",
            b,
        ],
        None,
    );
    assert_eq!(done, "rg: r-0 committed offset set to 5\n");
    assert_eq!(committed(b, "rg", "r"), vec![(0, 5), (1, 4)]);
    // Shifted past the log start: clamped, and said so.
    let done = ok(
        &[
            "offsets",
            "reset",
            "-g",
            "rg",
            "-t",
            "r",
            "-p",
            "1",
            "--shift-by",
            "-30",
            "-b",
            b,
        ],
        None,
    );
    assert!(done.contains("clamped to the log start, 0"), "{done}");
    assert_eq!(committed(b, "rg", "r"), vec![(0, 5), (1, 0)]);
    // After every record: the log end.
    ok(
        &[
            "offsets",
            "reset",
            "-g",
            "rg",
            "-t",
            "r",
            "--to-datetime",
            "2030-01-01",
            "-b",
            b,
        ],
        None,
    );
    assert_eq!(committed(b, "rg", "r"), vec![(0, 10), (1, 4)]);
    // No target, a partition that does not exist, shifting a group without offsets.
    let out = cli(&["offsets", "reset", "-g", "rg", "-t", "r", "-b", b], None);
    assert_eq!(out.status.code(), Some(2));
    let out = cli(
        &[
            "offsets", "reset", "-g", "rg", "-t", "r", "-p", "7", "--to", "0", "-b", b,
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("there is no partition 7"),
        "{}",
        stderr(&out)
    );
    let out = cli(
        &[
            "offsets",
            "reset",
            "-g",
            "new",
            "-t",
            "r",
            "--shift-by",
            "1",
            "-b",
            b,
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("has no committed offset to shift"),
        "{}",
        stderr(&out)
    );
    drop(server);
    let _ = std::fs::remove_dir_all(&data);
}

#[test]
fn topics_describe_shows_configs_and_add_partitions_grows_a_topic() {
    let data = data_dir("topicconfigs");
    let server = Server::start(&data, &[]);
    let b = server.addr.as_str();
    ok(
        &[
            "topics",
            "create",
            "orders",
            "-p",
            "2",
            "--config",
            "retention.ms=60000",
            "-b",
            b,
        ],
        None,
    );
    let described = ok(&["topics", "describe", "orders", "-b", b], None);
    let config_lines: Vec<Vec<&str>> = described
        .lines()
        .skip_while(|l| !l.starts_with("config"))
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(
        config_lines,
        vec![
            vec!["config", "value", "source"],
            vec!["cleanup.policy", "delete", "default"],
            vec!["compression.type", "producer", "default"],
            vec!["delete.retention.ms", "86400000", "default"],
            vec!["max.message.bytes", "1048588", "default"],
            vec!["message.format.version", "3.0-IV1", "default"],
            vec!["retention.bytes", "-1", "default"],
            vec!["retention.ms", "60000", "topic", "override"],
            vec!["segment.bytes", "1073741824", "default"],
            vec!["segment.ms", "-1", "default"],
        ],
        "{described}"
    );

    let out = ok(
        &[
            "topics",
            "add-partitions",
            "orders",
            "--total",
            "5",
            "-b",
            b,
        ],
        None,
    );
    assert_eq!(out.trim(), "topic 'orders' now has 5 partitions (was 2)");
    let described = ok(&["topics", "describe", "orders", "-b", b], None);
    assert!(
        described.contains("\n4\t"),
        "partition 4 listed: {described}"
    );
    // Records can go to a new partition at once.
    let produced = ok(
        &["produce", "orders", "-p", "4", "-v", "-b", b],
        Some("x\n"),
    );
    assert!(produced.contains("orders-4 offset 0"), "{produced}");

    // Not more than now: Kafka's INVALID_PARTITIONS, exit 1.
    for total in ["5", "3"] {
        let out = cli(
            &[
                "topics",
                "add-partitions",
                "orders",
                "--total",
                total,
                "-b",
                b,
            ],
            None,
        );
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        assert!(
            stderr(&out).starts_with("error: topic 'orders'")
                && stderr(&out).contains("INVALID_PARTITIONS"),
            "{}",
            stderr(&out)
        );
    }
    let out = cli(
        &[
            "topics",
            "add-partitions",
            "nosuch",
            "--total",
            "3",
            "-b",
            b,
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("UNKNOWN_TOPIC_OR_PARTITION"),
        "{}",
        stderr(&out)
    );
    // --total is required (a usage error, exit 2).
    let out = cli(&["topics", "add-partitions", "orders", "-b", b], None);
    assert_eq!(out.status.code(), Some(2));
    drop(server);
    let _ = std::fs::remove_dir_all(&data);
}
