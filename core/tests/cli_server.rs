//! `minikafka serve` and the CLI clients, run as a user would: a server process on a free
//! port, `topics`, `produce`, `consume`, `groups`, `offsets`, then a SIGKILL and a restart.

mod common;

use std::time::Duration;

use common::{cli, ok, Server};

#[test]
fn the_cli_produces_consumes_manages_groups_and_survives_a_restart() {
    let data = std::env::temp_dir().join(format!("minikafka-cli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    let server = Server::start(&data, &[]);
    let b = server.addr.clone();
    let b = b.as_str();

    ok(&["topics", "create", "events", "-p", "3", "-b", b], None);
    let listed = ok(&["topics", "list", "-b", b], None);
    assert!(listed.contains("events\t3 partition(s)"), "{listed}");
    let dup = cli(&["topics", "create", "events", "-b", b], None);
    assert!(!dup.status.success());
    assert!(String::from_utf8_lossy(&dup.stderr).contains("already exists"));

    let input: String = (0..1000).map(|i| format!("key{i}:value{i}\n")).collect();
    ok(
        &["produce", "events", "-b", b, "--key-separator", ":"],
        Some(&input),
    );
    let all = ok(
        &["consume", "events", "-b", b, "--from-beginning", "-e"],
        None,
    );
    let mut values: Vec<&str> = all.lines().collect();
    values.sort_unstable();
    let mut expected: Vec<String> = (0..1000).map(|i| format!("value{i}")).collect();
    expected.sort_unstable();
    assert_eq!(values, expected);

    // A client-side seek: partition 0 from offset 2, one record, verbose.
    let one = ok(
        &[
            "consume", "events", "-b", b, "-p", "0", "-o", "2", "-n", "1", "-v",
        ],
        None,
    );
    let fields: Vec<&str> = one.split_whitespace().collect();
    assert_eq!(&fields[..2], &["0", "2"], "{one}");
    assert!(fields[2].starts_with("key") && fields[3].starts_with("value"));

    // A group reads 10 records and commits exactly those on its way out.
    let ten = ok(
        &[
            "consume",
            "events",
            "-b",
            b,
            "-g",
            "readers",
            "--from-beginning",
            "-n",
            "10",
        ],
        None,
    );
    assert_eq!(ten.lines().count(), 10);
    let described = ok(&["groups", "describe", "readers", "-b", b], None);
    assert!(described.contains("state Empty"), "{described}");
    let committed: i64 = described
        .lines()
        .filter(|l| l.starts_with("events\t"))
        .map(|l| l.split_whitespace().nth(2).unwrap().parse::<i64>().unwrap())
        .sum();
    assert_eq!(committed, 10, "{described}");
    // The next member of the group goes on from there: no record twice.
    let rest = ok(
        &[
            "consume",
            "events",
            "-b",
            b,
            "-g",
            "readers",
            "--from-beginning",
            "-e",
        ],
        None,
    );
    assert_eq!(rest.lines().count(), 990);

    ok(
        &[
            "offsets", "reset", "-g", "readers", "-t", "events", "--to", "earliest", "-b", b,
        ],
        None,
    );
    let described = ok(&["groups", "describe", "readers", "-b", b], None);
    assert!(described.contains("events\t0\t\t0\t"), "{described}");
    ok(
        &[
            "offsets", "reset", "-g", "readers", "-t", "events", "--to", "7", "-b", b,
        ],
        None,
    );
    let bad = cli(
        &[
            "offsets", "reset", "-g", "readers", "-t", "events", "--to", "soon", "-b", b,
        ],
        None,
    );
    assert!(String::from_utf8_lossy(&bad.stderr).contains("expected earliest, latest or an offset"));
    // A partition that does not exist: a clear error at once, not a consumer fetching for
    // ever.
    let missing = cli(
        &["consume", "events", "--partition", "99", "-e", "-b", b],
        None,
    );
    assert_eq!(missing.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert!(
        stderr.contains("topic 'events' has 3 partitions (0..2): there is no partition 99"),
        "{stderr}"
    );
    // A position past the log end: auto.offset.reset moves it, and the consumer says so.
    let reset = cli(
        &[
            "consume",
            "events",
            "-p",
            "0",
            "-o",
            "999999",
            "--from-beginning",
            "-e",
            "-b",
            b,
        ],
        None,
    );
    let stderr = String::from_utf8_lossy(&reset.stderr);
    assert!(
        stderr.contains("offset 999999 out of range on events-0: reset to earliest (0)"),
        "{stderr}"
    );
    assert!(!reset.stdout.is_empty(), "then it reads from the start");
    // Past the log end: clamped to it, and said so (a committed offset beyond the end would
    // read as a negative lag and send the next consumer back by auto.offset.reset).
    let clamped = ok(
        &[
            "offsets", "reset", "-g", "readers", "-t", "events", "--to", "999999", "-b", b,
        ],
        None,
    );
    assert!(clamped.contains("clamped to the log end"), "{clamped}");
    assert!(!clamped.contains("set to 999999"), "{clamped}");
    let described = ok(&["groups", "describe", "readers", "-b", b], None);
    for line in described.lines().filter(|l| l.starts_with("events\t")) {
        let cols: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(cols[2], cols[3], "committed = log end: {line}");
        assert_eq!(cols[4], "0", "lag 0, not negative: {line}");
    }
    ok(
        &[
            "offsets", "reset", "-g", "readers", "-t", "events", "--to", "7", "-b", b,
        ],
        None,
    );

    // Its log, written to a file, is plain text: no terminal colour codes.
    let log = std::fs::read_to_string(&server.log).unwrap();
    assert!(log.contains("listening on"), "{log}");
    assert!(!log.contains('\u{1b}'), "ANSI codes in a log file: {log}");
    // The server is killed, not stopped, and comes back on the same directory.
    server.kill();
    std::thread::sleep(Duration::from_millis(100));
    let server = Server::start(&data, &[]);
    let b = server.addr.as_str();
    let again = ok(
        &["consume", "events", "-b", b, "--from-beginning", "-e"],
        None,
    );
    assert_eq!(
        again.lines().count(),
        1000,
        "every record after the restart"
    );
    let described = ok(&["groups", "describe", "readers", "-b", b], None);
    let committed: Vec<&str> = described
        .lines()
        .filter(|l| l.starts_with("events\t"))
        .map(|l| l.split_whitespace().nth(2).unwrap())
        .collect();
    assert_eq!(
        committed,
        vec!["7", "7", "7"],
        "commits after the restart: {described}"
    );
    ok(&["topics", "delete", "events", "-b", b], None);
    let gone = cli(&["topics", "describe", "events", "-b", b], None);
    assert!(String::from_utf8_lossy(&gone.stderr).contains("UNKNOWN_TOPIC_OR_PARTITION"));
    drop(server);
    let _ = std::fs::remove_dir_all(&data);
    let _ = std::fs::remove_file(data.with_extension("log"));
}

#[test]
fn an_unreachable_broker_is_a_clear_error() {
    let out = cli(&["consume", "t", "-b", "127.0.0.1:1"], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot connect to 127.0.0.1:1"));
    let out = cli(&["serve", "--fsync", "sometimes"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("expected always, never or interval"));
}

#[test]
fn a_second_server_on_the_same_data_directory_is_refused() {
    let data = std::env::temp_dir().join(format!("minikafka-lock-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    let first = Server::start(&data, &[]);
    let data_arg = data.to_string_lossy().to_string();
    let out = cli(
        &["serve", "--listen", "127.0.0.1:0", "--data-dir", &data_arg],
        None,
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "the second server must not start"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("in use by another minikafka process"),
        "{stderr}"
    );
    drop(first);
    let _ = std::fs::remove_dir_all(&data);
}

#[test]
fn groups_describe_tells_apart_members_that_share_a_client_id() {
    let data = std::env::temp_dir().join(format!("minikafka-cli-shared-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    let server = Server::start(&data, &["--group-initial-rebalance-delay-ms", "0"]);
    let b = server.addr.as_str();
    ok(&["topics", "create", "shared", "-p", "2", "-b", b], None);
    // Records in both partitions, so that both owners read and commit.
    for p in ["0", "1"] {
        ok(
            &["produce", "shared", "--partition", p, "-b", b],
            Some("a\nb\n"),
        );
    }
    // Two consumers with the same client.id, as two kcats are both `rdkafka`.
    let member = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_minikafka"))
            .args([
                "consume",
                "shared",
                "-g",
                "twins",
                "--from-beginning",
                "--client-id",
                "rdkafka",
                "-b",
                b,
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap()
    };
    let mut members = [member(), member()];
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let owners = loop {
        // Until the first member joins, the group does not exist (and says so).
        let out = cli(&["groups", "describe", "twins", "-b", b], None);
        let described = String::from_utf8_lossy(&out.stdout).to_string();
        let owners: Vec<String> = described
            .lines()
            .filter(|l| l.starts_with("shared\t"))
            .filter_map(|l| l.split('\t').next_back().map(str::to_string))
            .collect();
        let ids: Vec<&str> = described
            .lines()
            .filter(|l| l.contains("\trdkafka\t"))
            .filter_map(|l| l.split('\t').next())
            .collect();
        // Both members hold a partition: each partition's owner is one of the two member ids.
        if ids.len() == 2 && owners.len() == 2 && owners.iter().all(|o| ids.contains(&o.as_str())) {
            break owners;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "two members, each named by its member id as the owner: {described}"
        );
        std::thread::sleep(std::time::Duration::from_millis(300));
    };
    assert_ne!(owners[0], owners[1], "the two members are told apart");
    for m in &mut members {
        let _ = m.kill();
        let _ = m.wait();
    }
}
