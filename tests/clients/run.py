#!/usr/bin/env python3
"""Real Kafka clients against a real minikafka server.

For each client (kcat, confluent-kafka, kafka-python, kafkajs), against one `minikafka serve`
started here on a free port with a fresh data directory:

1. produce 10,000 keyed records to a 3-partition topic, acks=all;
2. consume them all back by partition from an explicit offset (manual assignment), and once
   more from offset 100 of partition 0;
3. run a group of two members on a 1-partition topic (one active, one standby), SIGKILL the
   active member's process, and check the standby resumes exactly at the committed offset:
   the only records processed twice are the uncommitted tail, and none is lost.

Then the server itself is SIGKILLed and restarted on the same data directory, and every
record and committed offset must still be there.

Usage: run.py [--clients kcat,confluent,kafka-python,kafkajs] [--bin target/debug/minikafka]
Exit status 0 only if every check passed. The server's log is kept in the work directory.
"""
import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
RECORDS = 10_000
GROUP_RECORDS = 2_000
GROUP_EXTRA = 100
ALL_CLIENTS = ["kcat", "confluent", "kafka-python", "kafkajs"]


def log(msg):
    print(f"[clients] {msg}", flush=True)


class Failure(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failure(what)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, binary, data_dir, port, log_path):
        self.binary, self.data_dir, self.port, self.log_path = binary, data_dir, port, log_path
        self.proc = None

    @property
    def bootstrap(self):
        return f"127.0.0.1:{self.port}"

    def start(self):
        logf = open(self.log_path, "a")
        self.proc = subprocess.Popen(
            [self.binary, "serve", "--listen", self.bootstrap, "--data-dir", self.data_dir],
            stdout=logf, stderr=subprocess.STDOUT,
            env={**os.environ, "RUST_LOG": os.environ.get("RUST_LOG", "info")})
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise Failure(f"server exited with {self.proc.returncode}; see {self.log_path}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise Failure("server did not start listening")

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()


class Member:
    """A group member process; collects the "<offset> <value>" lines it prints."""

    def __init__(self, name, argv):
        self.name = name
        self.lines = []
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, cwd=HERE)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            parts = line.split()
            if len(parts) >= 1 and parts[0].isdigit():
                self.lines.append(int(parts[0]))

    def kill(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.reader.join(timeout=5)


def run(argv, stdin=None, timeout=180):
    r = subprocess.run(argv, input=stdin, capture_output=True, text=True, timeout=timeout, cwd=HERE)
    if r.returncode != 0:
        raise Failure(f"{' '.join(argv[:4])}... exited {r.returncode}: {r.stderr[-2000:]}")
    return r.stdout


# ---- the four clients, each playing the same roles ------------------------------------

class Client:
    def __init__(self, name, python, bootstrap):
        self.name, self.python, self.bootstrap = name, python, bootstrap

    def produce(self, topic, count):
        if self.name == "kcat":
            lines = "".join(f"key-{i}:value-{i}\n" for i in range(count))
            run(["kcat", "-P", "-b", self.bootstrap, "-t", topic, "-K:", "-X", "acks=all"],
                stdin=lines)
            return count  # kcat exits non-zero on a delivery failure
        out = run(self._argv("produce", topic, str(count)))
        delivered = [l for l in out.splitlines() if l.startswith("delivered")]
        check(delivered, f"{self.name} produce printed no delivery count: {out[-500:]}")
        return int(delivered[-1].split()[1])

    def assigned(self, topic, partition, offset):
        if self.name == "kcat":
            out = run(["kcat", "-C", "-b", self.bootstrap, "-t", topic, "-p", str(partition),
                       "-o", str(offset), "-e", "-q", "-f", "%p %o %s\\n"])
        else:
            out = run(self._argv("assigned", topic, str(partition), str(offset)))
        rows = []
        for line in out.splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[1].isdigit():
                rows.append((int(parts[0]), int(parts[1]), parts[2]))
            elif line.strip():
                raise Failure(f"{self.name} assigned consumer said: {line}")
        return rows

    def member(self, topic, group, every, name):
        if self.name == "kcat":
            argv = ["kcat", "-b", self.bootstrap, "-G", group, "-u", "-q",
                    "-X", "auto.offset.reset=earliest", "-X", "auto.commit.interval.ms=100",
                    "-X", "session.timeout.ms=6000", "-X", "heartbeat.interval.ms=500",
                    "-f", "%o %s\\n", topic]
        else:
            argv = self._argv("member", topic, group, str(every))
        return Member(name, argv)

    def _argv(self, role, *args):
        if self.name == "kafkajs":
            return ["node", "kafkajs_client.mjs", role, self.bootstrap, *args]
        return [self.python, "py_client.py", self.name, role, self.bootstrap, *args]


# ---- checks with confluent-kafka as the neutral observer -------------------------------

_ADMINS = {}


def admin(bootstrap):
    # Kept alive: an AdminClient destroyed before its futures resolve fails them.
    from confluent_kafka.admin import AdminClient
    if bootstrap not in _ADMINS:
        _ADMINS[bootstrap] = AdminClient({"bootstrap.servers": bootstrap})
    return _ADMINS[bootstrap]


def create_topic(bootstrap, name, partitions):
    from confluent_kafka.admin import NewTopic
    futures = admin(bootstrap).create_topics([NewTopic(name, partitions, 1)], request_timeout=15)
    futures[name].result(15)


def committed(bootstrap, group, topic, partitions):
    from confluent_kafka import Consumer, TopicPartition
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": group})
    try:
        got = c.committed([TopicPartition(topic, p) for p in range(partitions)], timeout=15)
        return [tp.offset for tp in got]
    finally:
        c.close()


def high_watermarks(bootstrap, topic, partitions):
    from confluent_kafka import Consumer, TopicPartition
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "watermarks"})
    try:
        return [c.get_watermark_offsets(TopicPartition(topic, p), timeout=15)[1]
                for p in range(partitions)]
    finally:
        c.close()


def group_members(bootstrap, group):
    try:
        f = admin(bootstrap).describe_consumer_groups([group], request_timeout=10)[group]
        d = f.result(10)
        return str(d.state), len(d.members)
    except Exception as e:  # noqa: BLE001 - the group may not exist yet
        return f"error {e}", 0


def wait_for(what, cond, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if cond():
            return
        time.sleep(0.2)
    raise Failure(f"timed out waiting for {what}")


def produce_with_confluent(bootstrap, topic, count):
    from confluent_kafka import Producer
    p = Producer({"bootstrap.servers": bootstrap, "acks": "all"})
    for i in range(count):
        p.produce(topic, key=f"key-{i}", value=f"value-{i}")
        if i % 1000 == 0:
            p.poll(0)
    check(p.flush(30) == 0, "observer producer flushed")


# ---- the test itself --------------------------------------------------------------------

def test_client(client, bootstrap, results):
    name = client.name
    three, one, group = f"{name}-three", f"{name}-one", f"{name}-group"

    # 1. produce 10,000 records to 3 partitions
    create_topic(bootstrap, three, 3)
    started = time.time()
    delivered = client.produce(three, RECORDS)
    check(delivered == RECORDS, f"{name}: delivered {delivered} of {RECORDS}")
    marks = high_watermarks(bootstrap, three, 3)
    check(sum(marks) == RECORDS, f"{name}: topic holds {sum(marks)} records, expected {RECORDS}")
    check(all(m > 0 for m in marks), f"{name}: keys spread over all 3 partitions: {marks}")
    log(f"{name}: produced {RECORDS} records in {time.time() - started:.1f}s, per partition {marks}")

    # 2. read them back by partition from an explicit offset
    values = []
    for p in range(3):
        rows = client.assigned(three, p, 0)
        check([r[1] for r in rows] == list(range(marks[p])),
              f"{name}: partition {p} read back offsets 0..{marks[p]} in order")
        values += [r[2] for r in rows]
    check(sorted(values) == sorted(f"value-{i}" for i in range(RECORDS)),
          f"{name}: every produced value read back exactly once")
    rows = client.assigned(three, 0, 100)
    check(rows and rows[0][1] == 100 and len(rows) == marks[0] - 100,
          f"{name}: reading partition 0 from offset 100 starts at 100")
    log(f"{name}: read all {RECORDS} back with manual assignment; seek to offset 100 works")

    # 3. a group of two on one partition: kill the active member, the standby takes over
    create_topic(bootstrap, one, 1)
    a = client.member(one, group, 50, "A")
    wait_for(f"{name}: first member in the group",
             lambda: group_members(bootstrap, group) == ("ConsumerGroupState.STABLE", 1), 40)
    b = client.member(one, group, 50, "B")
    wait_for(f"{name}: second member in the group",
             lambda: group_members(bootstrap, group) == ("ConsumerGroupState.STABLE", 2), 40)
    produce_with_confluent(bootstrap, one, GROUP_RECORDS)
    try:
        wait_for(f"{name}: one member processing", lambda: len(a.lines) + len(b.lines) >= 300, 60)
        active, standby = (a, b) if len(a.lines) >= len(b.lines) else (b, a)
        if name == "kcat":
            # kcat commits automatically in the background: wait for its first commit, so
            # that the kill tests a takeover from a real committed offset.
            wait_for(f"{name}: an automatic commit",
                     lambda: committed(bootstrap, group, one, 1)[0] > 0, 30)
        check(not standby.lines, f"{name}: the standby processed nothing while the other was active")
        active.kill()
        done = list(active.lines)
        commit = committed(bootstrap, group, one, 1)[0]
        log(f"{name}: killed the active member ({active.name}) after it processed "
            f"{len(done)} records; committed offset {commit}")
        check(done == list(range(len(done))), f"{name}: active member read in order")
        check(0 <= commit <= len(done), f"{name}: committed offset {commit} within what was processed")
        # More records arrive while the group has no live owner for the partition.
        produce_with_confluent(bootstrap, one, GROUP_EXTRA)
        total = GROUP_RECORDS + GROUP_EXTRA
        wait_for(f"{name}: standby reaching the end",
                 lambda: standby.lines and standby.lines[-1] >= total - 1, 90)
        took_over = list(standby.lines)
        check(took_over[0] == commit,
              f"{name}: standby started at {took_over[0]}, the committed offset is {commit}")
        check(took_over == list(range(commit, total)),
              f"{name}: standby read {commit}..{total - 1} in order")
        redelivered = len(done) - commit
        log(f"{name}: standby took over at the committed offset {commit}; "
            f"{redelivered} uncommitted records redelivered, none lost")
        results[name] = {"group": group, "committed_before_restart": None, "three": three}
    finally:
        a.kill()
        b.kill()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clients", default=",".join(ALL_CLIENTS))
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "debug", "minikafka"))
    ap.add_argument("--python", default=os.path.join(HERE, ".venv", "bin", "python"))
    args = ap.parse_args()
    clients = [c for c in args.clients.split(",") if c]
    for c in clients:
        check(c in ALL_CLIENTS, f"unknown client {c}")

    work = tempfile.mkdtemp(prefix="minikafka-clients-")
    server = Server(args.bin, os.path.join(work, "data"), free_port(), os.path.join(work, "server.log"))
    log(f"server {server.bootstrap}, data and log in {work}")
    server.start()
    results, failed = {}, []
    try:
        for name in clients:
            try:
                test_client(Client(name, args.python, server.bootstrap), server.bootstrap, results)
            except Exception as e:  # noqa: BLE001 - a client error is that client's failure
                failed.append(f"{name}: {e}")
                log(f"FAIL {name}: {e}")

        # 4. the server dies and comes back: records and commits must survive
        before = {}
        for name, r in results.items():
            before[name] = (high_watermarks(server.bootstrap, r["three"], 3),
                            committed(server.bootstrap, r["group"], f"{name}-one", 1))
        server.kill()
        log("server SIGKILLed; restarting on the same data directory")
        server.start()
        for name, (marks, commits) in before.items():
            try:
                after = high_watermarks(server.bootstrap, results[name]["three"], 3)
                check(after == marks, f"{name}: high watermarks {after} after restart, {marks} before")
                rows = []
                for p in range(3):
                    rows += Client("confluent", args.python, server.bootstrap).assigned(
                        results[name]["three"], p, 0)
                check(len(rows) == RECORDS, f"{name}: {len(rows)} records readable after restart")
                now = committed(server.bootstrap, results[name]["group"], f"{name}-one", 1)
                check(now == commits, f"{name}: committed offsets {now} after restart, {commits} before")
                log(f"{name}: records and committed offsets survived the restart")
            except Exception as e:  # noqa: BLE001
                failed.append(f"{name} after restart: {e}")
                log(f"FAIL {name} after restart: {e}")
    finally:
        server.kill()
    if failed:
        log(f"{len(failed)} failure(s); server log: {os.path.join(work, 'server.log')}")
        for f in failed:
            print("  " + f)
        return 1
    shutil.rmtree(work, ignore_errors=True)
    log(f"all checks passed for {', '.join(clients)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
