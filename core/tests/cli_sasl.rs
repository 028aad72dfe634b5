//! TLS and SASL end to end, as a user runs them: `minikafka serve --tls-cert --tls-key
//! --sasl-users` (listener SASL_SSL) and the CLI's `topics`, `produce`, `consume` and
//! `groups` with `--command-config`, with SCRAM-SHA-256, SCRAM-SHA-512 and PLAIN; a wrong
//! password, a client without TLS and a client that does not trust the certificate are
//! refused with a clear error; bad users files and keys stop `serve` with a message. The
//! certificates (a CA and a server certificate for 127.0.0.1 signed by it) are made here.

mod common;

use std::io::Write;
use std::path::Path;

use common::{cli, ok, Server};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};

fn refused(args: &[&str]) -> String {
    let out = cli(args, None);
    assert!(!out.status.success(), "minikafka {args:?} succeeded");
    String::from_utf8(out.stderr).unwrap()
}

/// `ca.pem`, and `server.pem` / `server.key` for 127.0.0.1 and localhost signed by it
/// (`other.pem` / `other.key`: for kafka.example only).
fn make_certs(dir: &Path) {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "minikafka test CA");
    let ca_key = KeyPair::generate().unwrap();
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let params =
        CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()]).unwrap();
    let key = KeyPair::generate().unwrap();
    let cert = params.signed_by(&key, &ca, &ca_key).unwrap();
    std::fs::write(dir.join("ca.pem"), ca.pem()).unwrap();
    std::fs::write(dir.join("ca.key"), ca_key.serialize_pem()).unwrap();
    std::fs::write(dir.join("server.pem"), cert.pem()).unwrap();
    std::fs::write(dir.join("server.key"), key.serialize_pem()).unwrap();
    // A certificate from the same CA for another name only.
    let other = CertificateParams::new(vec!["kafka.example".to_string()]).unwrap();
    let other_key = KeyPair::generate().unwrap();
    let other = other.signed_by(&other_key, &ca, &ca_key).unwrap();
    std::fs::write(dir.join("other.pem"), other.pem()).unwrap();
    std::fs::write(dir.join("other.key"), other_key.serialize_pem()).unwrap();
}

fn properties(dir: &Path, name: &str, lines: &[&str]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    path.to_string_lossy().into_owned()
}

#[test]
fn the_cli_over_sasl_ssl() {
    let dir = std::env::temp_dir().join(format!("minikafka-cli-sasl-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    make_certs(&dir);
    let users = dir.join("users.txt");
    std::fs::write(&users, "# test users\nalice:alice-pw-1\nbob:bob pw: 2\n").unwrap();
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
    let b = b.as_str();
    let ca = format!("ssl.ca.location={}", p("ca.pem"));
    let scram256 = properties(
        &dir,
        "scram256.properties",
        &[
            "security.protocol=SASL_SSL",
            "sasl.mechanism=SCRAM-SHA-256",
            "sasl.username=alice",
            "sasl.password=alice-pw-1",
            &ca,
        ],
    );
    let scram512 = properties(
        &dir,
        "scram512.properties",
        &[
            "security.protocol=SASL_SSL",
            "sasl.mechanism=SCRAM-SHA-512",
            "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"bob\" password=\"bob pw: 2\";",
            &ca,
        ],
    );
    let plain = properties(
        &dir,
        "plain.properties",
        &[
            "security.protocol=SASL_SSL",
            "sasl.mechanism=PLAIN",
            "sasl.username=bob",
            "sasl.password=bob pw: 2",
            &ca,
        ],
    );

    // Admin, produce and consume, each with a different mechanism.
    ok(
        &[
            "topics",
            "create",
            "orders",
            "-p",
            "2",
            "-b",
            b,
            "--command-config",
            &scram256,
        ],
        None,
    );
    let input: String = (0..300).map(|i| format!("key{i}:value{i}\n")).collect();
    ok(
        &[
            "produce",
            "orders",
            "-b",
            b,
            "--key-separator",
            ":",
            "--command-config",
            &scram512,
        ],
        Some(&input),
    );
    let all = ok(
        &[
            "consume",
            "orders",
            "-b",
            b,
            "--from-beginning",
            "-e",
            "--command-config",
            &plain,
        ],
        None,
    );
    assert_eq!(all.lines().count(), 300, "{all}");
    for i in [0, 150, 299] {
        assert!(all.lines().any(|l| l == format!("value{i}")), "value{i}");
    }
    let grouped = ok(
        &[
            "consume",
            "orders",
            "-b",
            b,
            "-g",
            "billing",
            "--from-beginning",
            "-e",
            "--command-config",
            &scram256,
        ],
        None,
    );
    assert_eq!(grouped.lines().count(), 300);
    let groups = ok(
        &["groups", "list", "-b", b, "--command-config", &scram512],
        None,
    );
    assert!(groups.contains("billing"), "{groups}");

    // Refusals, each saying why.
    let wrong = properties(
        &dir,
        "wrong.properties",
        &[
            "security.protocol=SASL_SSL",
            "sasl.mechanism=SCRAM-SHA-256",
            "sasl.username=alice",
            "sasl.password=not-alices",
            &ca,
        ],
    );
    let error = refused(&["topics", "list", "-b", b, "--command-config", &wrong]);
    assert!(
        error.contains("SASL authentication as \"alice\" with SCRAM-SHA-256 failed: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256"),
        "{error}"
    );
    let error = refused(&["topics", "list", "-b", b]);
    assert!(error.contains("TLS"), "a plaintext client: {error}");
    let untrusted = properties(
        &dir,
        "untrusted.properties",
        &[
            "security.protocol=SASL_SSL",
            "sasl.mechanism=PLAIN",
            "sasl.username=bob",
            "sasl.password=bob pw: 2",
            &format!("ssl.ca.location={}", p("server.pem")),
        ],
    );
    let error = refused(&["topics", "list", "-b", b, "--command-config", &untrusted]);
    assert!(error.contains("TLS handshake"), "{error}");

    // The server's log: who logged in with what, the refusal, never a password.
    let log = std::fs::read_to_string(&server.log).unwrap();
    assert!(log.contains("SASL_SSL"), "the listener's protocol");
    assert!(log.contains("user=alice mechanism=SCRAM-SHA-256"));
    assert!(log.contains("user=bob mechanism=SCRAM-SHA-512"));
    assert!(log.contains("user=bob mechanism=PLAIN"));
    assert!(log.contains("SASL authentication failed") && log.contains("user=\"alice\""));
    for secret in ["alice-pw-1", "bob pw: 2", "not-alices"] {
        assert!(!log.contains(secret), "a password in the log");
    }
    server.kill();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn serve_refuses_bad_users_files_and_keys_with_a_message() {
    let dir = std::env::temp_dir().join(format!("minikafka-bad-sasl-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    make_certs(&dir);
    std::fs::write(dir.join("bad-users.txt"), "alice:a\nbob\n").unwrap();
    let p = |name: &str| dir.join(name).to_string_lossy().into_owned();
    let data = p("data");
    let serve = |extra: &[&str]| {
        let mut args = vec!["serve", "--listen", "127.0.0.1:0", "--data-dir", &data];
        args.extend_from_slice(extra);
        let out = cli(&args, None);
        assert_eq!(out.status.code(), Some(2), "{extra:?}");
        String::from_utf8(out.stderr).unwrap()
    };
    let error = serve(&["--sasl-users", &p("bad-users.txt")]);
    assert!(
        error.contains("line 2: expected username:password"),
        "{error}"
    );
    let error = serve(&["--sasl-users", &p("missing.txt")]);
    assert!(error.contains("cannot read the SASL users file"), "{error}");
    let error = serve(&["--tls-cert", &p("server.pem"), "--tls-key", &p("ca.key")]);
    assert!(error.contains("do not go together"), "{error}");
    let error = serve(&[
        "--tls-cert",
        &p("server.key"),
        "--tls-key",
        &p("server.key"),
    ]);
    assert!(error.contains("no certificate in"), "{error}");
    let error = serve(&[
        "--sasl-users",
        &p("bad-users.txt"),
        "--sasl-mechanisms",
        "GSSAPI",
    ]);
    assert!(error.contains("unknown SASL mechanism"), "{error}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// SASL without TLS (SASL_PLAINTEXT), and Kafka's `sasl.server.max.receive.size`: before a
/// login a frame over 512 KiB closes the connection (a stranger cannot make the server
/// allocate 100 MiB); after it, the usual limit holds, so a 600 KB record goes through.
#[test]
fn sasl_plaintext_and_the_frame_limit_before_login() {
    use std::io::Read;
    let dir = std::env::temp_dir().join(format!("minikafka-sasl-plain-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("users.txt"), "carol:carol-pw\n").unwrap();
    let users = dir.join("users.txt").to_string_lossy().into_owned();
    let server = Server::start(
        &dir.join("data"),
        &["--sasl-users", &users, "--sasl-mechanisms", "SCRAM-SHA-512"],
    );
    let b = server.addr.clone();
    let b = b.as_str();

    // A 1 MiB frame before any login: closed without an answer.
    let mut socket = std::net::TcpStream::connect(b).unwrap();
    socket.write_all(&(1024 * 1024i32).to_be_bytes()).unwrap();
    let _ = socket.write_all(&vec![0u8; 64 * 1024]);
    socket
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    let mut answer = Vec::new();
    let _ = socket.read_to_end(&mut answer);
    assert!(answer.is_empty(), "answered: {answer:?}");

    let config = properties(
        &dir,
        "client.properties",
        &[
            "security.protocol=SASL_PLAINTEXT",
            "sasl.mechanism=SCRAM-SHA-512",
            "sasl.username=carol",
            "sasl.password=carol-pw",
        ],
    );
    let big = format!("{}\n", "x".repeat(600_000));
    ok(
        &["produce", "big", "-b", b, "--command-config", &config],
        Some(&big),
    );
    let read = ok(
        &[
            "consume",
            "big",
            "-b",
            b,
            "--from-beginning",
            "-e",
            "--command-config",
            &config,
        ],
        None,
    );
    assert_eq!(read.trim_end().len(), 600_000);
    // PLAIN is not offered here: the CLI says what is.
    let plain = properties(
        &dir,
        "plain.properties",
        &[
            "security.protocol=SASL_PLAINTEXT",
            "sasl.mechanism=PLAIN",
            "sasl.username=carol",
            "sasl.password=carol-pw",
        ],
    );
    let error = refused(&["topics", "list", "-b", b, "--command-config", &plain]);
    assert!(
        error.contains("the broker does not enable it") && error.contains("SCRAM-SHA-512"),
        "{error}"
    );
    let log = std::fs::read_to_string(&server.log).unwrap();
    assert!(log.contains("(SASL_PLAINTEXT)"));
    assert!(
        log.contains("request frame length out of range") && log.contains("limit=524288"),
        "{log}"
    );
    server.kill();
    let _ = std::fs::remove_dir_all(&dir);
}

/// TLS without SASL (listener SSL): `security.protocol=SSL`; a certificate from the
/// trusted CA for another name is refused by default and accepted with
/// `ssl.endpoint.identification.algorithm=none` (the chain is still checked).
#[test]
fn ssl_without_sasl_and_hostname_checks() {
    let dir = std::env::temp_dir().join(format!("minikafka-ssl-only-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    make_certs(&dir);
    let p = |name: &str| dir.join(name).to_string_lossy().into_owned();
    let tls = |cert: &str, key: &str| {
        [
            "--tls-cert".to_string(),
            p(cert),
            "--tls-key".into(),
            p(key),
        ]
    };
    let args = tls("server.pem", "server.key");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let server = Server::start(&dir.join("data"), &args);
    // The same CA, a certificate for kafka.example only.
    let args = tls("other.pem", "other.key");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let other = Server::start(&dir.join("other-data"), &args);
    let ca = format!("ssl.ca.location={}", p("ca.pem"));
    let ssl = properties(&dir, "ssl.properties", &["security.protocol=SSL", &ca]);
    let lax = properties(
        &dir,
        "lax.properties",
        &[
            "security.protocol=SSL",
            &ca,
            "ssl.endpoint.identification.algorithm=none",
        ],
    );
    let (b, o) = (server.addr.as_str(), other.addr.as_str());
    let input = "a\nb\nc\n";
    ok(
        &["produce", "t", "-b", b, "--command-config", &ssl],
        Some(input),
    );
    let read = ok(
        &[
            "consume",
            "t",
            "-b",
            b,
            "--from-beginning",
            "-e",
            "--command-config",
            &ssl,
        ],
        None,
    );
    assert_eq!(read, input);
    let error = refused(&["topics", "list", "-b", o, "--command-config", &ssl]);
    assert!(
        error.contains("TLS handshake") && error.contains("not valid for name"),
        "{error}"
    );
    ok(
        &["topics", "create", "lax", "-b", o, "--command-config", &lax],
        None,
    );
    let listed = ok(&["topics", "list", "-b", o, "--command-config", &lax], None);
    assert!(listed.contains("lax"), "{listed}");
    let log = std::fs::read_to_string(&server.log).unwrap();
    assert!(log.contains("(SSL)"), "the listener's protocol");
    server.kill();
    other.kill();
    let _ = std::fs::remove_dir_all(&dir);
}
