#!/usr/bin/env python3
"""Real Kafka clients over TLS and SASL against a real minikafka server.

One `minikafka serve` is started here with a TLS certificate made at test time (the
`openssl` command line: a CA, and a server certificate for 127.0.0.1 and localhost signed
by it, in a temporary directory) and a users file, so its listener is SASL_SSL. Then:

1. kcat (SCRAM-SHA-512), confluent-kafka (SCRAM-SHA-256), kafka-python (SCRAM-SHA-512) and
   kafkajs (SCRAM-SHA-256) each produce 200 records to a topic of their own and read every
   one back, verifying the server's certificate against the CA;
2. confluent-kafka does the same with PLAIN;
3. confluent-kafka with a wrong password is refused: its error names the failed SASL
   authentication and the server's reason, and produces nothing;
4. a client without TLS is refused at the TLS handshake;
5. the server's log names each login's user and mechanism (and the refused one), and no
   password appears in it.

Usage: sasl.py [--bin target/debug/minikafka] [--clients kcat,confluent,kafka-python,kafkajs]
Exit status 0 only if every check passed.
"""
import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
COUNT = 200
ALL_CLIENTS = ["kcat", "confluent", "kafka-python", "kafkajs"]
USERS = {"alice": "alice-s3cret-pw", "bob": "bob-0ther-pw"}


def log(msg):
    print(f"[sasl] {msg}", flush=True)


class Failure(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failure(what)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_certs(d):
    """A CA and a server certificate for 127.0.0.1 / localhost signed by it (PEM)."""
    def openssl(*args):
        subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=d)
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out",
            "ca.pem", "-days", "2", "-subj", "/CN=minikafka test CA")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out",
            "server.csr", "-subj", "/CN=localhost")
    with open(os.path.join(d, "san.ext"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "san.ext")
    return tuple(os.path.join(d, n) for n in ("ca.pem", "server.pem", "server.key"))


def start_server(binary, work, port, cert, key):
    users = os.path.join(work, "users.txt")
    with open(users, "w") as f:
        f.write("# test users\n" + "".join(f"{u}:{p}\n" for u, p in USERS.items()))
    os.chmod(users, 0o600)
    log_path = os.path.join(work, "server.log")
    logf = open(log_path, "w")
    proc = subprocess.Popen(
        [binary, "serve", "--listen", f"127.0.0.1:{port}", "--data-dir",
         os.path.join(work, "data"), "--tls-cert", cert, "--tls-key", key,
         "--sasl-users", users, "--group-initial-rebalance-delay-ms", "0"],
        stdout=logf, stderr=subprocess.STDOUT, env={**os.environ, "RUST_LOG": "info"})
    deadline = time.time() + 20
    while time.time() < deadline:
        if proc.poll() is not None:
            raise Failure(f"server exited with {proc.returncode}; see {log_path}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, log_path
        except OSError:
            time.sleep(0.05)
    raise Failure("server did not start listening")


def values(n):
    return {f"value-{i}" for i in range(n)}


def librdkafka_conf(bootstrap, ca, mechanism, user, password):
    return {"bootstrap.servers": bootstrap, "security.protocol": "SASL_SSL",
            "sasl.mechanism": mechanism, "sasl.username": user, "sasl.password": password,
            "ssl.ca.location": ca}


def run_kcat(bootstrap, ca, topic):
    common = ["kcat", "-b", bootstrap, "-X", "security.protocol=SASL_SSL",
              "-X", "sasl.mechanisms=SCRAM-SHA-512", "-X", "sasl.username=bob",
              "-X", f"sasl.password={USERS['bob']}", "-X", f"ssl.ca.location={ca}", "-t", topic]
    data = "".join(f"k{i}:value-{i}\n" for i in range(COUNT))
    p = subprocess.run(common + ["-P", "-K:"], input=data, text=True, capture_output=True,
                       timeout=60)
    check(p.returncode == 0, f"kcat produce failed: {p.stderr}")
    p = subprocess.run(common + ["-C", "-e", "-o", "beginning", "-f", "%s\n"], text=True,
                       capture_output=True, timeout=60)
    check(p.returncode == 0, f"kcat consume failed: {p.stderr}")
    return set(p.stdout.split())


def confluent_roundtrip(conf, topic):
    from confluent_kafka import Consumer, Producer
    errors = []
    producer = Producer({**conf, "error_cb": lambda e: errors.append(e)})
    delivered = []
    for i in range(COUNT):
        producer.produce(topic, key=f"k{i}", value=f"value-{i}",
                         on_delivery=lambda err, msg: delivered.append(err))
    left = producer.flush(20)
    check(left == 0 and len(delivered) == COUNT and not any(delivered),
          f"confluent-kafka: {left} undelivered, errors {errors[:3]}")
    consumer = Consumer({**conf, "group.id": f"confluent-{topic}",
                         "auto.offset.reset": "earliest"})
    consumer.subscribe([topic])
    seen = set()
    deadline = time.time() + 30
    while len(seen) < COUNT and time.time() < deadline:
        m = consumer.poll(1)
        if m is not None and m.error() is None:
            seen.add(m.value().decode())
    consumer.close()
    return seen


def run_confluent(bootstrap, ca, topic):
    return confluent_roundtrip(
        librdkafka_conf(bootstrap, ca, "SCRAM-SHA-256", "alice", USERS["alice"]), topic)


def run_kafka_python(bootstrap, ca, topic):
    from kafka import KafkaConsumer, KafkaProducer
    conf = dict(bootstrap_servers=bootstrap, security_protocol="SASL_SSL",
                sasl_mechanism="SCRAM-SHA-512", sasl_plain_username="bob",
                sasl_plain_password=USERS["bob"], ssl_cafile=ca)
    producer = KafkaProducer(acks="all", **conf)
    for i in range(COUNT):
        producer.send(topic, key=f"k{i}".encode(), value=f"value-{i}".encode())
    producer.flush(30)
    producer.close()
    consumer = KafkaConsumer(topic, group_id=f"kafka-python-{topic}",
                             auto_offset_reset="earliest", consumer_timeout_ms=10000, **conf)
    seen = set()
    deadline = time.time() + 30
    for m in consumer:
        seen.add(m.value.decode())
        if len(seen) >= COUNT or time.time() > deadline:
            break
    consumer.close()
    return seen


def run_kafkajs(bootstrap, ca, topic):
    p = subprocess.run(["node", "kafkajs_sasl.mjs", bootstrap, topic, str(COUNT),
                        "SCRAM-SHA-256", "alice", USERS["alice"], ca],
                       cwd=HERE, capture_output=True, text=True, timeout=90)
    lines = p.stdout.split("\n")
    check(p.returncode == 0, f"kafkajs failed: {p.stdout} {p.stderr}")
    check(f"delivered {COUNT}" in lines, f"kafkajs: {p.stdout}")
    # The script prints each distinct value it read.
    return {l.split(" ", 1)[1] for l in lines if l.startswith("value ")}


RUNNERS = {"kcat": run_kcat, "confluent": run_confluent, "kafka-python": run_kafka_python,
           "kafkajs": run_kafkajs}


def wrong_password(bootstrap, ca):
    """confluent-kafka with a wrong password: the error must say why."""
    from confluent_kafka import KafkaError, Producer
    errors = []
    conf = librdkafka_conf(bootstrap, ca, "SCRAM-SHA-256", "alice", "not-the-password")
    producer = Producer({**conf, "log_level": 0, "error_cb": lambda e: errors.append(e)})
    delivered = []
    producer.produce("sasl-refused", value="x",
                     on_delivery=lambda err, msg: delivered.append(err))
    deadline = time.time() + 15
    while not errors and time.time() < deadline:
        producer.poll(0.2)
    producer.purge()
    producer.flush(1)
    check(errors, "no error for a wrong password")
    auth = [e for e in errors if e.code() == KafkaError._AUTHENTICATION]
    check(auth, f"the error is not an authentication error: {errors}")
    text = auth[0].str()
    log(f"  refused as expected: {text}")
    check("SASL authentication error" in text and "invalid credentials" in text
          and "SCRAM-SHA-256" in text, f"unclear error: {text}")
    check(not any(e is None for e in delivered), "a record was delivered with a wrong password")


def no_tls(bootstrap):
    """A client that skips TLS gets no Kafka answer."""
    from confluent_kafka.admin import AdminClient
    errors = []
    admin = AdminClient({"bootstrap.servers": bootstrap, "security.protocol": "PLAINTEXT",
                         "log_level": 0, "error_cb": lambda e: errors.append(e)})
    md = None
    try:
        md = admin.list_topics(timeout=3)
    except Exception as e:  # KafkaException: transport failure
        log(f"  plaintext client refused as expected: {e}")
    check(md is None, "a plaintext client got metadata from a SASL_SSL listener")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "debug", "minikafka"))
    ap.add_argument("--clients", default=",".join(ALL_CLIENTS))
    args = ap.parse_args()
    binary = os.path.abspath(args.bin)
    check(shutil.which("openssl"), "the openssl command is needed (make clients-tools)")
    work = tempfile.mkdtemp(prefix="minikafka-sasl-")
    proc = None
    failures = []
    try:
        ca, cert, key = make_certs(work)
        port = free_port()
        bootstrap = f"127.0.0.1:{port}"
        proc, log_path = start_server(binary, work, port, cert, key)
        log(f"server on {bootstrap} (SASL_SSL), log {log_path}")
        steps = [(f"{c} produces and consumes over SASL_SSL",
                  lambda c=c: check(RUNNERS[c](bootstrap, ca, f"sasl-{c}") == values(COUNT),
                                    f"{c}: not every record came back"))
                 for c in args.clients.split(",")]
        steps.append(("confluent-kafka with PLAIN over SASL_SSL", lambda: check(
            confluent_roundtrip(librdkafka_conf(bootstrap, ca, "PLAIN", "bob", USERS["bob"]),
                                "sasl-plain") == values(COUNT), "PLAIN: records missing")))
        steps.append(("a wrong password is refused, clearly", lambda: wrong_password(bootstrap, ca)))
        steps.append(("a client without TLS is refused", lambda: no_tls(bootstrap)))
        for name, step in steps:
            log(name)
            try:
                step()
                log("  ok")
            except (Failure, subprocess.TimeoutExpired, Exception) as e:  # noqa: BLE001
                log(f"  FAILED: {e}")
                failures.append(name)
        with open(log_path) as f:
            server_log = f.read()
        log("the server's log names users and mechanisms, never a password")
        try:
            for needle in ["SASL authentication succeeded", "user=alice mechanism=SCRAM-SHA-256",
                           "user=bob mechanism=SCRAM-SHA-512", "user=bob mechanism=PLAIN",
                           'SASL authentication failed', 'user="alice"',
                           "TLS handshake failed"]:
                check(needle in server_log, f"not in the server log: {needle}")
            for secret in [*USERS.values(), "not-the-password"]:
                check(secret not in server_log, "a password is in the server log")
            log("  ok")
        except Failure as e:
            log(f"  FAILED: {e}")
            failures.append("server log")
    except Failure as e:
        log(f"FAILED: {e}")
        failures.append(str(e))
    finally:
        if proc and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.send_signal(signal.SIGKILL)
                proc.wait()
    if failures:
        log(f"{len(failures)} failed: {failures}; work directory kept: {work}")
        return 1
    shutil.rmtree(work, ignore_errors=True)
    log("all passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
