//! `minikafka watch` against a `minikafka serve` started as a separate process, as if it
//! were a foreign cluster:
//!
//! - a group scales out, one member is killed (SIGKILL: its session times out), the other
//!   closes cleanly, and commits advance while records keep arriving. `serve --http`'s own
//!   WebSocket is the ground truth (the broker's events, with its clock); the watch's
//!   WebSocket must show each member change and each commit within two samples, and its
//!   rebalance list must give the right (inferred) reasons;
//! - the server's request log (`minikafka::requests=trace`) shows that the watch sent read
//!   APIs only;
//! - over SASL_SSL with a SCRAM user; a wrong password stops the watch with a clear error.

mod common;

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{cli, ok, Server};
use futures_util::StreamExt;
use serde_json::Value;
use tokio_tungstenite::tungstenite::Message;

/// The watch's `--interval`, ms.
const INTERVAL: i64 = 500;
/// "Within two samples": two intervals, and a little for the round itself.
const WITHIN: i64 = 2 * INTERVAL + 150;

/// A child process, killed when dropped.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Proc {
    fn signal(&self, signal: i32) {
        // SAFETY: kill(2) on a child we started and have not reaped.
        unsafe {
            libc::kill(self.0.id() as i32, signal);
        }
    }
}

/// `minikafka watch` on a free HTTP port; its page address, or its stderr if it stopped.
fn start_watch(bootstrap: &str, extra: &[&str]) -> Result<(Proc, String), String> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_minikafka"))
        .args([
            "watch",
            "--bootstrap",
            bootstrap,
            "--http",
            "127.0.0.1:0",
            "--interval",
            &format!("{INTERVAL}ms"),
            "--client-id",
            "watch-test",
            "--dist",
            "/nonexistent",
        ])
        .args(extra)
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("watch starts");
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let http = loop {
        match lines.next() {
            Some(Ok(line)) => {
                if let Some(rest) = line.strip_prefix("live visualiser: http://") {
                    break rest.split('/').next().unwrap().to_string();
                }
            }
            _ => {
                let _ = child.wait();
                let mut err = String::new();
                child
                    .stderr
                    .take()
                    .unwrap()
                    .read_to_string(&mut err)
                    .unwrap();
                return Err(err);
            }
        }
    };
    // The watch fails at its first round (a refused login, say) after printing its address.
    std::thread::sleep(Duration::from_millis(3 * INTERVAL as u64));
    if let Ok(Some(_)) = child.try_wait() {
        let mut err = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        return Err(err);
    }
    Ok((Proc(child), http))
}

type Log = Arc<Mutex<Vec<Value>>>;

/// Every message of a `/live` WebSocket, in a list that fills in the background.
async fn listen(addr: &str) -> Log {
    let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/live"))
        .await
        .unwrap_or_else(|e| panic!("WebSocket to {addr}: {e}"));
    let log: Log = Arc::default();
    let filled = log.clone();
    tokio::spawn(async move {
        while let Some(Ok(message)) = ws.next().await {
            if let Message::Text(text) = message {
                let value: Value = serde_json::from_str(&text).unwrap();
                filled.lock().unwrap().push(value);
            }
        }
    });
    log
}

/// Wait (at most `secs`) until `pred` holds of the messages so far.
async fn until(log: &Log, secs: u64, what: &str, pred: impl Fn(&[Value]) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !pred(&log.lock().unwrap()) {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The events of a message list.
fn events(log: &Log) -> Vec<Value> {
    log.lock()
        .unwrap()
        .iter()
        .filter(|m| m["type"] == "event")
        .map(|m| m["event"].clone())
        .collect()
}

fn of_type<'a>(events: &'a [Value], kind: &str) -> Vec<&'a Value> {
    events.iter().filter(|e| e["type"] == kind).collect()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn consumer(bootstrap: &str) -> Proc {
    Proc(
        Command::new(env!("CARGO_BIN_EXE_minikafka"))
            .args([
                "consume",
                "orders",
                "-b",
                bootstrap,
                "-g",
                "billing",
                "--from-beginning",
                "--session-timeout",
                "6000",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("consumer starts"),
    )
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("minikafka-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_watch_follows_a_group_scaling_out_and_in_within_two_samples() {
    let dir = temp_dir("watch");
    let http_port = free_port();
    let server = Server::start_logging(
        &dir.join("data"),
        &[
            "--http",
            &format!("127.0.0.1:{http_port}"),
            "--group-initial-rebalance-delay-ms",
            "0",
        ],
        "info,minikafka::requests=trace",
    );
    let b = server.addr.clone();
    ok(&["topics", "create", "orders", "-p", "2", "-b", &b], None);
    let lines: String = (0..20).map(|i| format!("r{i}\n")).collect();
    ok(&["produce", "orders", "-b", &b], Some(&lines));

    let (_watch, page) = start_watch(&b, &[]).expect("the watch runs");
    let truth = listen(&format!("127.0.0.1:{http_port}")).await;
    let seen = listen(&page).await;
    until(&seen, 10, "the watch's picture of orders", |msgs| {
        msgs.iter().any(|m| {
            m["type"] == "snapshot"
                && m["topics"].as_array().is_some_and(|ts| {
                    ts.iter().any(|t| {
                        t["name"] == "orders"
                            && t["partitions"]
                                .as_array()
                                .unwrap()
                                .iter()
                                .map(|p| p["high_watermark"].as_i64().unwrap())
                                .sum::<i64>()
                                == 20
                    })
                })
        })
    })
    .await;
    {
        let msgs = seen.lock().unwrap();
        assert_eq!(msgs[0]["type"], "hello");
        assert_eq!(msgs[0]["admin"], false, "read-only");
        assert!(
            msgs.iter()
                .any(|m| m["type"] == "watch" && m["sampled_at"].is_i64()),
            "the page is told how fresh the picture is"
        );
    }

    // Records keep arriving, so a dead member's partitions fall behind.
    let producing = Arc::new(AtomicBool::new(true));
    let producer = {
        let producing = producing.clone();
        let b = b.clone();
        std::thread::spawn(move || {
            let mut n = 0;
            while producing.load(Ordering::Relaxed) {
                let lines: String = (0..4).map(|i| format!("p{n}-{i}\n")).collect();
                ok(&["produce", "orders", "-b", &b], Some(&lines));
                n += 1;
                std::thread::sleep(Duration::from_millis(300));
            }
        })
    };

    let a = consumer(&b);
    until(&truth, 20, "the first member", |msgs| {
        msgs.iter()
            .filter(|m| m["event"]["type"] == "MemberJoined")
            .count()
            == 1
    })
    .await;
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let second = consumer(&b);
    until(&truth, 20, "the second member's assignment", |msgs| {
        msgs.iter().any(|m| {
            m["event"]["type"] == "AssignmentCompleted"
                && m["event"]["assignment"].as_array().unwrap().len() == 2
        })
    })
    .await;
    // Both commit (every 5 s), then the second member crashes.
    tokio::time::sleep(Duration::from_millis(6_000)).await;
    second.signal(libc::SIGKILL);
    until(&truth, 30, "the crashed member's session timeout", |msgs| {
        msgs.iter().any(|m| {
            m["event"]["type"] == "MemberRemoved" && m["event"]["reason"] == "session_timeout"
        })
    })
    .await;
    tokio::time::sleep(Duration::from_millis(6_000)).await;
    // The first one closes cleanly: it commits, then leaves.
    a.signal(libc::SIGINT);
    until(&truth, 20, "the clean leave", |msgs| {
        msgs.iter()
            .any(|m| m["event"]["type"] == "MemberRemoved" && m["event"]["reason"] == "leave_group")
    })
    .await;
    tokio::time::sleep(Duration::from_millis((WITHIN + 500) as u64)).await;
    producing.store(false, Ordering::Relaxed);
    producer.join().unwrap();

    let truth_events = events(&truth);
    let seen_events = events(&seen);
    let at = |e: &Value| e["at"].as_i64().unwrap();
    // Each member change, within two samples.
    for kind in ["MemberJoined", "MemberRemoved"] {
        let happened = of_type(&truth_events, kind);
        assert!(!happened.is_empty(), "no {kind} in {truth_events:?}");
        for e in happened {
            let id = &e["member_id"];
            assert!(
                of_type(&seen_events, kind)
                    .iter()
                    .any(|w| w["member_id"] == *id && at(w) <= at(e) + WITHIN),
                "{kind} of {id} at {} not seen within two samples: {:?}",
                at(e),
                of_type(&seen_events, kind)
            );
        }
    }
    // Each commit that advanced a partition, within two samples (a later commit in the
    // same sample may show instead: it is at least as far).
    let mut last = std::collections::BTreeMap::new();
    let mut advanced = 0;
    for e in of_type(&truth_events, "OffsetCommitted") {
        let tp = (e["topic"].to_string(), e["partition"].as_i64().unwrap());
        let offset = e["offset"].as_i64().unwrap();
        if last.insert(tp.clone(), offset).is_some_and(|o| o >= offset) {
            continue;
        }
        advanced += 1;
        assert!(
            of_type(&seen_events, "OffsetCommitted").iter().any(|w| {
                (w["topic"].to_string(), w["partition"].as_i64().unwrap()) == tp
                    && w["offset"].as_i64().unwrap() >= offset
                    && at(w) <= at(e) + WITHIN
            }),
            "commit {tp:?} = {offset} at {} not seen within two samples",
            at(e)
        );
    }
    assert!(advanced >= 2, "commits advanced: {advanced}");
    // The records that kept arriving moved the high watermark.
    assert!(of_type(&seen_events, "RecordsAppended").len() >= 10);

    // The rebalance list, with the reasons inferred from outside.
    let status = seen
        .lock()
        .unwrap()
        .iter()
        .rev()
        .find(|m| m["type"] == "watch")
        .cloned()
        .unwrap();
    let rebalances = status["rebalances"].as_array().unwrap();
    let removed_ids: Vec<&Value> = of_type(&truth_events, "MemberRemoved")
        .into_iter()
        .map(|e| &e["member_id"])
        .collect();
    let crashed = of_type(&truth_events, "MemberRemoved")
        .into_iter()
        .find(|e| e["reason"] == "session_timeout")
        .map(|e| e["member_id"].clone())
        .unwrap();
    let left = removed_ids.iter().find(|id| ***id != crashed).unwrap();
    let reason_for = |list: &str, id: &Value| {
        rebalances
            .iter()
            .find(|r| r[list].as_array().unwrap().contains(id))
            .map(|r| r["reason"].clone())
            .unwrap_or_else(|| panic!("no rebalance with {id} in {list}: {rebalances:?}"))
    };
    assert_eq!(reason_for("added", &crashed), "member_added");
    assert_eq!(reason_for("removed", &crashed), "session_timeout");
    assert_eq!(reason_for("removed", left), "member_left");
    // Lag over time, for the page's hour chart: billing's, ending at the latest sample.
    let lag = status["lag"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["group"] == "billing")
        .expect("billing's lag");
    let points = lag["points"].as_array().unwrap();
    assert!(!points.is_empty());
    assert_eq!(points.last().unwrap()[0], status["sampled_at"]);

    // Read-only: every request the watch sent, as the server logged it.
    drop(server);
    let log = std::fs::read_to_string(dir.join("data.log")).unwrap();
    let apis: std::collections::BTreeSet<String> = log
        .lines()
        .filter(|l| l.contains("client_id=watch-test"))
        .filter_map(|l| {
            let rest = &l[l.find("api=")? + 4..];
            Some(
                rest.split_whitespace()
                    .next()?
                    .trim_matches('"')
                    .to_string(),
            )
        })
        .collect();
    let allowed: Vec<String> = minikafka::watch::READ_APIS
        .iter()
        .map(|api| format!("{api:?}"))
        .collect();
    for api in &apis {
        assert!(allowed.contains(api), "the watch sent {api}");
    }
    for api in [
        "Metadata",
        "ListGroups",
        "FindCoordinator",
        "DescribeGroups",
        "OffsetFetch",
        "ListOffsets",
    ] {
        assert!(apis.contains(api), "{api} not in {apis:?}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// `ca.pem`, and `server.pem` / `server.key` for 127.0.0.1 signed by it.
fn make_certs(dir: &Path) {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "minikafka watch test CA");
    let ca_key = KeyPair::generate().unwrap();
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let params = CertificateParams::new(vec!["127.0.0.1".to_string()]).unwrap();
    let key = KeyPair::generate().unwrap();
    let cert = params.signed_by(&key, &ca, &ca_key).unwrap();
    std::fs::write(dir.join("ca.pem"), ca.pem()).unwrap();
    std::fs::write(dir.join("server.pem"), cert.pem()).unwrap();
    std::fs::write(dir.join("server.key"), key.serialize_pem()).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_watch_over_sasl_ssl_with_scram() {
    let dir = temp_dir("watch-sasl");
    make_certs(&dir);
    std::fs::write(dir.join("users.txt"), "alice:alice-pw-1\n").unwrap();
    let p = |name: &str| dir.join(name).to_string_lossy().into_owned();
    let server = Server::start(
        &dir.join("data"),
        &[
            "--tls-cert",
            &p("server.pem"),
            "--tls-key",
            &p("server.key"),
            "--sasl-users",
            &p("users.txt"),
        ],
    );
    let b = server.addr.clone();
    let config = |name: &str, password: &str| {
        let path = dir.join(name);
        std::fs::write(
            &path,
            format!(
                "security.protocol=SASL_SSL\nsasl.mechanism=SCRAM-SHA-256\nsasl.username=alice\nsasl.password={password}\nssl.ca.location={}\n",
                p("ca.pem")
            ),
        )
        .unwrap();
        path.to_string_lossy().into_owned()
    };
    let good = config("good.properties", "alice-pw-1");
    let bad = config("bad.properties", "wrong");
    ok(
        &[
            "topics",
            "create",
            "invoices",
            "-b",
            &b,
            "--command-config",
            &good,
        ],
        None,
    );
    let (_watch, page) = start_watch(&b, &["--command-config", &good]).expect("the watch logs in");
    let seen = listen(&page).await;
    until(&seen, 10, "the topic, seen over SASL_SSL", |msgs| {
        msgs.iter().any(|m| {
            m["type"] == "snapshot"
                && m["topics"]
                    .as_array()
                    .is_some_and(|ts| ts.iter().any(|t| t["name"] == "invoices"))
        })
    })
    .await;
    let refused = match start_watch(&b, &["--command-config", &bad]) {
        Ok(_) => panic!("a wrong password must stop the watch"),
        Err(stderr) => stderr,
    };
    assert!(
        refused.contains("SASL authentication as \"alice\" with SCRAM-SHA-256 failed"),
        "{refused}"
    );
    let plaintext = match start_watch(&b, &[]) {
        Ok(_) => panic!("a watch without TLS must not get a sample"),
        Err(stderr) => stderr,
    };
    assert!(
        plaintext.contains("error: no sample of the cluster"),
        "{plaintext}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_input_is_refused_with_a_message() {
    let out = cli(&["watch", "--bootstrap", "nohostport"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("expected HOST:PORT"));
    let out = cli(
        &["watch", "--bootstrap", "127.0.0.1:9092", "--interval", "5"],
        None,
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unit"));
    // Nobody listens on port 1: a clear error, no panic.
    let out = cli(
        &[
            "watch",
            "--bootstrap",
            "127.0.0.1:1",
            "--http",
            "127.0.0.1:0",
            "--dist",
            "/nonexistent",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("error: no sample of the cluster at 127.0.0.1:1") && err.contains("refused"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}
