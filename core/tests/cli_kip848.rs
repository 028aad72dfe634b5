//! `minikafka consume --group-protocol consumer` (KIP-848) against `minikafka serve`: two
//! CLI consumers share a topic in one consumer-protocol group, each reading and committing
//! its own partitions; and the refusals, each saying why.

mod common;

use std::collections::BTreeMap;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{cli, ok, Server};

/// A consumer-protocol member of `group` reading `topic` from the beginning, committing
/// every 300 ms.
fn member(b: &str, topic: &str, group: &str) -> Child {
    Command::new(env!("CARGO_BIN_EXE_minikafka"))
        .args([
            "consume",
            topic,
            "-g",
            group,
            "--group-protocol",
            "consumer",
            "--from-beginning",
            "--commit-interval",
            "300",
            "-b",
            b,
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// `groups describe`, parsed: the member lines (id, epoch, partitions) and, per partition,
/// the committed offset and owner.
struct Described {
    text: String,
    members: Vec<(String, i32, String)>,
    offsets: BTreeMap<i32, (i64, String)>,
}

fn describe(b: &str, group: &str) -> Described {
    let out = cli(&["groups", "describe", group, "-b", b], None);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let mut members = Vec::new();
    let mut offsets = BTreeMap::new();
    for line in text.lines() {
        let cols: Vec<&str> = line.split('\t').filter(|c| !c.is_empty()).collect();
        if line.starts_with("six\t") && cols.len() == 6 {
            offsets.insert(
                cols[1].parse().unwrap(),
                (cols[2].parse().unwrap(), cols[5].to_string()),
            );
        } else if cols.len() == 5 && cols[1] == "minikafka-cli" {
            members.push((
                cols[0].to_string(),
                cols[3].parse().unwrap(),
                cols[4].to_string(),
            ));
        }
    }
    Described {
        text,
        members,
        offsets,
    }
}

/// The partitions a member line says it owns: not `(none)`, not the target it is still
/// reconciling towards.
fn owned(partitions: &str) -> Vec<&str> {
    let owned = partitions.split("  (").next().unwrap_or_default();
    if owned == "(none)" || owned.is_empty() {
        Vec::new()
    } else {
        owned.split(',').collect()
    }
}

/// Ask `describe` until `done` says yes; fail after 40 s with the last answer.
fn wait_for(b: &str, group: &str, what: &str, done: impl Fn(&Described) -> bool) -> Described {
    let deadline = Instant::now() + Duration::from_secs(40);
    loop {
        let d = describe(b, group);
        if done(&d) {
            return d;
        }
        assert!(Instant::now() < deadline, "{what}; last seen:\n{}", d.text);
        std::thread::sleep(Duration::from_millis(300));
    }
}

fn produce_to_every_partition(b: &str, records: &str) {
    for p in 0..6 {
        ok(
            &["produce", "six", "--partition", &p.to_string(), "-b", b],
            Some(records),
        );
    }
}

#[test]
fn two_cli_consumers_share_a_topic_in_a_consumer_protocol_group() {
    let data = std::env::temp_dir().join(format!("minikafka-cli-kip848-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    let server = Server::start(&data, &[]);
    let b = server.addr.as_str();
    ok(&["topics", "create", "six", "-p", "6", "-b", b], None);
    produce_to_every_partition(b, "a\nb\nc\n");

    let mut first = member(b, "six", "kip");
    let d = wait_for(b, "kip", "the first member owns all 6 partitions", |d| {
        d.members.len() == 1 && owned(&d.members[0].2).len() == 6
    });
    assert!(
        d.text
            .starts_with("group kip  state Stable  protocol consumer (KIP-848)  assignor uniform"),
        "{}",
        d.text
    );
    assert!(
        ok(&["groups", "list", "-b", b], None).contains("kip\tStable\tconsumer protocol"),
        "groups list names the protocol"
    );

    let mut second = member(b, "six", "kip");
    // Both members hold 3 partitions at the same epoch, and every partition is committed
    // to its end (3) by its owner.
    let d = wait_for(
        b,
        "kip",
        "two members with 3 partitions each, all committed",
        |d| {
            d.members.len() == 2
                && d.members
                    .iter()
                    .all(|m| m.2 == owned(&m.2).join(",") && owned(&m.2).len() == 3)
                && d.members[0].1 == d.members[1].1
                && d.offsets.len() == 6
                && d.offsets.values().all(|(committed, _)| *committed == 3)
        },
    );
    let ids: Vec<&str> = d.members.iter().map(|m| m.0.as_str()).collect();
    for (partition, (_, owner)) in &d.offsets {
        assert!(
            ids.contains(&owner.as_str()),
            "partition {partition}: {}",
            d.text
        );
    }
    assert!(
        d.offsets.values().any(|(_, o)| o == ids[0])
            && d.offsets.values().any(|(_, o)| o == ids[1]),
        "each member owns some: {}",
        d.text
    );

    // More records: both members read theirs, and the commits advance.
    produce_to_every_partition(b, "d\ne\n");
    wait_for(b, "kip", "every partition committed at 5", |d| {
        d.members.len() == 2 && d.offsets.values().all(|(committed, _)| *committed == 5)
    });

    for m in [&mut first, &mut second] {
        let _ = m.kill();
        let _ = m.wait();
    }
    drop(server);
    let _ = std::fs::remove_dir_all(&data);
}

#[test]
fn the_cli_says_why_it_cannot_use_the_consumer_protocol() {
    let data = std::env::temp_dir().join(format!(
        "minikafka-cli-kip848-refused-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&data);
    let server = Server::start(&data, &["--group-initial-rebalance-delay-ms", "0"]);
    let b = server.addr.as_str();
    ok(&["topics", "create", "two", "-p", "2", "-b", b], None);

    // --help tells the two protocols apart.
    let help = ok(&["consume", "--help"], None);
    assert!(help.contains("--group-protocol <GROUP_PROTOCOL>"), "{help}");
    assert!(help.contains("no stop-the-world"), "{help}");
    assert!(help.contains("[default: classic]"), "{help}");

    // A client-side assignor is the classic protocol's.
    let out = cli(
        &[
            "consume",
            "two",
            "-g",
            "x",
            "--group-protocol",
            "consumer",
            "--assignor",
            "range",
            "-b",
            b,
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("use --remote-assignor uniform|range"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // An assignor the broker does not have.
    let out = cli(
        &[
            "consume",
            "two",
            "-g",
            "y",
            "--group-protocol",
            "consumer",
            "--remote-assignor",
            "sticky",
            "-b",
            b,
        ],
        None,
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("UNSUPPORTED_ASSIGNOR"), "{err}");

    // A group id in use by a classic group with members: one id speaks one protocol.
    let mut classic = Command::new(env!("CARGO_BIN_EXE_minikafka"))
        .args(["consume", "two", "-g", "old", "-b", b])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !ok(&["groups", "list", "-b", b], None).contains("old\tStable") {
        assert!(Instant::now() < deadline, "the classic member joins");
        std::thread::sleep(Duration::from_millis(200));
    }
    let out = cli(
        &[
            "consume",
            "two",
            "-g",
            "old",
            "--group-protocol",
            "consumer",
            "-b",
            b,
        ],
        None,
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("GROUP_ID_NOT_FOUND"), "{err}");
    assert!(
        err.contains("group 'old' is a classic group with members: one group id speaks one protocol; use --group-protocol classic"),
        "{err}"
    );
    let _ = classic.kill();
    let _ = classic.wait();
    drop(server);
    let _ = std::fs::remove_dir_all(&data);
}
