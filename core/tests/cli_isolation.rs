//! `minikafka consume --isolation`: what the CLI prints of a log holding an aborted, a
//! committed and an open transaction. The transactions are written over a plain Kafka
//! connection (the CLI has no transactional producer), as a client such as librdkafka
//! writes them: InitProducerId, AddPartitionsToTxn, a transactional batch, EndTxn.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Output};

use bytes::{Buf, BufMut, Bytes, BytesMut};
use kafka_protocol::messages::add_partitions_to_txn_request::AddPartitionsToTxnTopic;
use kafka_protocol::messages::produce_request::{PartitionProduceData, TopicProduceData};
use kafka_protocol::messages::{
    AddPartitionsToTxnRequest, EndTxnRequest, InitProducerIdRequest, ProduceRequest, ProducerId,
    RequestHeader, ResponseHeader, TopicName, TransactionalId,
};
use kafka_protocol::protocol::{Decodable, Encodable, HeaderVersion, Request, StrBytes};
use kafka_protocol::records::Compression;

use common::Server;
use minikafka::wire::encode_records;
use minikafka::Record;

const TXN_ID: &str = "cli-isolation";
const TOPIC: &str = "audit";

fn cli(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_minikafka"))
        .args(args)
        .output()
        .expect("cli runs")
}

/// The values `consume --from-beginning -e` prints with `extra` arguments.
fn consume(bootstrap: &str, extra: &[&str]) -> Vec<String> {
    let mut args = vec!["consume", TOPIC, "-b", bootstrap, "--from-beginning", "-e"];
    args.extend_from_slice(extra);
    let out = cli(&args);
    assert!(
        out.status.success(),
        "minikafka {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

/// One request, one answer, on a blocking socket.
fn call<R: Request>(stream: &mut TcpStream, request: R, version: i16) -> R::Response {
    let header = RequestHeader::default()
        .with_request_api_key(R::KEY)
        .with_request_api_version(version)
        .with_correlation_id(1)
        .with_client_id(Some(StrBytes::from_static_str("txn-writer")));
    let mut body = BytesMut::new();
    header
        .encode(&mut body, R::header_version(version))
        .unwrap();
    request.encode(&mut body, version).unwrap();
    let mut frame = BytesMut::new();
    frame.put_i32(body.len() as i32);
    frame.extend_from_slice(&body);
    stream.write_all(&frame).unwrap();
    let mut len = [0u8; 4];
    stream.read_exact(&mut len).unwrap();
    let mut answer = vec![0u8; (&len[..]).get_i32() as usize];
    stream.read_exact(&mut answer).unwrap();
    let mut answer = Bytes::from(answer);
    ResponseHeader::decode(
        &mut answer,
        <R::Response as HeaderVersion>::header_version(version),
    )
    .unwrap();
    R::Response::decode(&mut answer, version).unwrap()
}

/// A transactional batch (attribute bit 4) of `values` from producer `pid`.
fn transactional_batch(values: &[&str], pid: i64, epoch: i16, sequence: i32) -> Bytes {
    let records: Vec<Record> = values
        .iter()
        .map(|v| Record::from_value(v.to_string(), 1_700_000_000_000))
        .collect();
    let mut out = BytesMut::new();
    encode_records(&mut out, 0, &records, Compression::None);
    let mut bytes = out.to_vec();
    bytes[21..23].copy_from_slice(&0x10i16.to_be_bytes());
    bytes[43..51].copy_from_slice(&pid.to_be_bytes());
    bytes[51..53].copy_from_slice(&epoch.to_be_bytes());
    bytes[53..57].copy_from_slice(&sequence.to_be_bytes());
    let crc = crc32c::crc32c(&bytes[21..]);
    bytes[17..21].copy_from_slice(&crc.to_be_bytes());
    Bytes::from(bytes)
}

/// One transaction writing `values` to partition 0, ended with `end` (`None`: left open).
fn transaction(
    c: &mut TcpStream,
    (pid, epoch): (i64, i16),
    sequence: i32,
    values: &[&str],
    end: Option<bool>,
) {
    let id = || TransactionalId(StrBytes::from_static_str(TXN_ID));
    let topic = || TopicName(StrBytes::from_static_str(TOPIC));
    let added = call(
        c,
        AddPartitionsToTxnRequest::default()
            .with_v3_and_below_transactional_id(id())
            .with_v3_and_below_producer_id(ProducerId(pid))
            .with_v3_and_below_producer_epoch(epoch)
            .with_v3_and_below_topics(vec![AddPartitionsToTxnTopic::default()
                .with_name(topic())
                .with_partitions(vec![0])]),
        1,
    );
    assert_eq!(
        added.results_by_topic_v3_and_below[0].results_by_partition[0].partition_error_code,
        0
    );
    let produced = call(
        c,
        ProduceRequest::default()
            .with_transactional_id(Some(id()))
            .with_acks(-1)
            .with_timeout_ms(5000)
            .with_topic_data(vec![TopicProduceData::default()
                .with_name(topic())
                .with_partition_data(vec![PartitionProduceData::default()
                    .with_index(0)
                    .with_records(Some(transactional_batch(
                        values, pid, epoch, sequence,
                    )))])]),
        7,
    );
    assert_eq!(produced.responses[0].partition_responses[0].error_code, 0);
    if let Some(commit) = end {
        let ended = call(
            c,
            EndTxnRequest::default()
                .with_transactional_id(id())
                .with_producer_id(ProducerId(pid))
                .with_producer_epoch(epoch)
                .with_committed(commit),
            1,
        );
        assert_eq!(ended.error_code, 0);
    }
}

#[test]
fn consume_reads_committed_records_only_with_isolation_read_committed() {
    let data = std::env::temp_dir().join(format!("minikafka-cli-iso-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    let server = Server::start(&data, &[]);
    let b = server.addr.as_str();
    let created = cli(&["topics", "create", TOPIC, "-p", "1", "-b", b]);
    assert!(created.status.success());

    let mut c = TcpStream::connect(b).unwrap();
    let init = call(
        &mut c,
        InitProducerIdRequest::default()
            .with_transactional_id(Some(TransactionalId(StrBytes::from_static_str(TXN_ID))))
            .with_transaction_timeout_ms(60_000)
            .with_producer_id(ProducerId(-1))
            .with_producer_epoch(-1),
        1,
    );
    assert_eq!(init.error_code, 0);
    let producer = (init.producer_id.0, init.producer_epoch);
    // Offsets: 0-1 aborted, 2 ABORT, 3 committed, 4 COMMIT, 5 open: LSO 5, HW 6.
    transaction(
        &mut c,
        producer,
        0,
        &["aborted-1", "aborted-2"],
        Some(false),
    );
    transaction(&mut c, producer, 2, &["committed"], Some(true));
    transaction(&mut c, producer, 3, &["open"], None);

    // Kafka's default: everything up to the high watermark, markers never printed.
    assert_eq!(
        consume(b, &[]),
        ["aborted-1", "aborted-2", "committed", "open"]
    );
    assert_eq!(
        consume(b, &["--isolation", "read_uncommitted"]),
        consume(b, &[])
    );
    // read_committed: no aborted record, and -e stops at the last stable offset (the open
    // transaction's first record) instead of waiting at it for ever.
    assert_eq!(
        consume(b, &["--isolation", "read_committed"]),
        ["committed"]
    );
    let wrong = cli(&["consume", TOPIC, "-b", b, "--isolation", "committed"]);
    assert!(!wrong.status.success());
    let said = String::from_utf8_lossy(&wrong.stderr);
    assert!(
        said.contains("read_committed") && said.contains("read_uncommitted"),
        "{said}"
    );
    let help = String::from_utf8(cli(&["consume", "--help"]).stdout).unwrap();
    assert!(help.contains("--isolation"), "{help}");
    assert!(help.contains("read_committed"), "{help}");
    server.kill();
    let _ = std::fs::remove_dir_all(&data);
}
