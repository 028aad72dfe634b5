//! The CLI against a broker that serves less than minikafka does. A proxy in front of a
//! real `minikafka serve` plays a broker without one API: DescribeConfigs (Kafka before
//! 0.11, or a trimmed-down implementation), or ConsumerGroupHeartbeat (Kafka before 4.0).
//! It removes the API from the ApiVersions answer and, as Kafka does with a request it
//! does not serve, closes the connection on one.

mod common;

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use bytes::{Bytes, BytesMut};
use kafka_protocol::messages::{ApiKey, ApiVersionsResponse};
use kafka_protocol::protocol::{Decodable, Encodable};

use common::{cli, ok, Server};

/// One length-prefixed frame, without its length; `None` when the stream ends.
fn read_frame(stream: &mut TcpStream) -> Option<Vec<u8>> {
    let mut len = [0u8; 4];
    stream.read_exact(&mut len).ok()?;
    let mut frame = vec![0u8; i32::from_be_bytes(len) as usize];
    stream.read_exact(&mut frame).ok()?;
    Some(frame)
}

fn write_frame(stream: &mut TcpStream, frame: &[u8]) -> bool {
    let len = (frame.len() as i32).to_be_bytes();
    stream.write_all(&len).is_ok() && stream.write_all(frame).is_ok()
}

/// A broker without one API, in front of `upstream`.
struct OldBroker {
    addr: String,
    /// Whether a client sent it a request of that API anyway.
    asked_anyway: Arc<AtomicBool>,
}

impl OldBroker {
    fn start(upstream: &str, without: ApiKey) -> OldBroker {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let asked_anyway = Arc::new(AtomicBool::new(false));
        let asked = asked_anyway.clone();
        let upstream = upstream.to_string();
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                let server = TcpStream::connect(&upstream).unwrap();
                proxy(client, server, asked.clone(), without);
            }
        });
        OldBroker { addr, asked_anyway }
    }
}

/// Pass frames both ways, except a request of `without` (the connection is closed) and the
/// ApiVersions answer (`without` is taken out of it).
fn proxy(client: TcpStream, server: TcpStream, asked: Arc<AtomicBool>, without: ApiKey) {
    // The ApiVersions requests' correlation ids and versions, for the answers.
    let api_versions: Arc<Mutex<HashMap<i32, i16>>> = Arc::default();
    let (mut from_client, mut to_server) =
        (client.try_clone().unwrap(), server.try_clone().unwrap());
    let (both_client, both_server) = (client.try_clone().unwrap(), server.try_clone().unwrap());
    let requests = api_versions.clone();
    std::thread::spawn(move || {
        while let Some(frame) = read_frame(&mut from_client) {
            let key = i16::from_be_bytes([frame[0], frame[1]]);
            let version = i16::from_be_bytes([frame[2], frame[3]]);
            let correlation = i32::from_be_bytes(frame[4..8].try_into().unwrap());
            if key == without as i16 {
                asked.store(true, Ordering::SeqCst);
                break;
            }
            if key == ApiKey::ApiVersions as i16 {
                requests.lock().unwrap().insert(correlation, version);
            }
            if !write_frame(&mut to_server, &frame) {
                break;
            }
        }
        let _ = both_client.shutdown(Shutdown::Both);
        let _ = both_server.shutdown(Shutdown::Both);
    });
    let (mut from_server, mut to_client) = (server, client);
    std::thread::spawn(move || {
        while let Some(mut frame) = read_frame(&mut from_server) {
            let correlation = i32::from_be_bytes(frame[0..4].try_into().unwrap());
            // The ApiVersions answer's header is always v0: the correlation id alone.
            if let Some(version) = api_versions.lock().unwrap().remove(&correlation) {
                let mut body = Bytes::copy_from_slice(&frame[4..]);
                let mut answer = ApiVersionsResponse::decode(&mut body, version).unwrap();
                answer.api_keys.retain(|k| k.api_key != without as i16);
                let mut out = BytesMut::from(&frame[..4]);
                answer.encode(&mut out, version).unwrap();
                frame = out.to_vec();
            }
            if !write_frame(&mut to_client, &frame) {
                break;
            }
        }
    });
}

/// `topics describe` shows what the broker can tell (partitions, log start and end), says
/// the configs are not available, and succeeds, without sending the request the broker
/// would close the connection on. The same command against the server itself lists the
/// configs, so the difference is the broker's ApiVersions answer.
#[test]
fn topics_describe_without_describe_configs_shows_the_partitions_and_exits_0() {
    let data = std::env::temp_dir().join(format!("minikafka-old-broker-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    let server = Server::start(&data, &[]);
    let b = server.addr.as_str();
    ok(
        &["topics", "create", "orders", "--partitions", "2", "-b", b],
        None,
    );
    ok(
        &["produce", "orders", "-p", "1", "-b", b],
        Some("a\nb\nc\n"),
    );
    let old = OldBroker::start(b, ApiKey::DescribeConfigs);

    let out = cli(&["topics", "describe", "orders", "-b", &old.addr], None);
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "exit 0: {stdout}{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(
        lines.contains(&"partition\tlog-start\tlog-end\trecords"),
        "{stdout}"
    );
    assert!(lines.contains(&"0\t\t0\t\t0\t0"), "{stdout}");
    assert!(lines.contains(&"1\t\t0\t\t3\t3"), "{stdout}");
    assert!(
        lines.contains(
            &"configs: not available from this broker (it does not serve DescribeConfigs v1)"
        ),
        "{stdout}"
    );
    assert!(!stdout.contains("retention.ms"), "{stdout}");
    assert!(
        !old.asked_anyway.load(Ordering::SeqCst),
        "no DescribeConfigs sent to a broker that does not list it"
    );

    let direct = ok(&["topics", "describe", "orders", "-b", b], None);
    assert!(direct.contains("retention.ms"), "{direct}");
    assert!(!direct.contains("not available"), "{direct}");
    server.kill();
    let _ = std::fs::remove_dir_all(&data);
    let _ = std::fs::remove_file(data.with_extension("log"));
}

/// `consume --group-protocol consumer` against a broker without ConsumerGroupHeartbeat
/// (Kafka before 4.0) says so and what to do, and exits 1 without sending the request the
/// broker would close the connection on.
#[test]
fn the_consumer_protocol_against_a_broker_without_it_is_a_clear_error() {
    let data = std::env::temp_dir().join(format!(
        "minikafka-old-broker-kip848-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&data);
    let server = Server::start(&data, &[]);
    let b = server.addr.as_str();
    ok(&["topics", "create", "orders", "-b", b], None);
    let old = OldBroker::start(b, ApiKey::ConsumerGroupHeartbeat);
    let out = cli(
        &[
            "consume",
            "orders",
            "-g",
            "g",
            "--group-protocol",
            "consumer",
            "-b",
            &old.addr,
        ],
        None,
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("the broker does not serve ConsumerGroupHeartbeat v1, which group.protocol=consumer (KIP-848) needs: it is older than Kafka 4.0"),
        "{stderr}"
    );
    assert!(
        !old.asked_anyway.load(Ordering::SeqCst),
        "no ConsumerGroupHeartbeat sent to a broker that does not list it"
    );
    server.kill();
    let _ = std::fs::remove_dir_all(&data);
}
