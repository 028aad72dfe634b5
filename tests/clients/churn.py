#!/usr/bin/env python3
"""Group churn with real clients: confluent-kafka members join, leave and crash during
rebalances, then the group must settle.

For --seconds (default 20) a member of group "churn" (6-partition topic, records flowing)
is started, stopped gracefully (close: commit and LeaveGroup) or SIGKILLed every 0.2-0.8 s,
keeping 1 to 6 alive. Then three members stay and the group must converge within the
session timeout plus a margin: Stable, three members, every partition assigned to exactly
one of them, each of them with partitions, and no member stuck without an answer (every
live member saw its assignment after the churn ended). Each member's log of group errors
is checked for an UNKNOWN_MEMBER_ID storm.

Usage: churn.py [--seconds 20] [--bin target/debug/minikafka] [--seed N]
"""
import argparse
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
PARTITIONS = 6

MEMBER = r'''
import sys, time
from confluent_kafka import Consumer
bootstrap, name = sys.argv[1], sys.argv[2]
out = lambda line: (sys.stdout.write(f"{time.time():.3f} {line}\n"), sys.stdout.flush())
def assigned(c, parts):
    out("assigned " + ",".join(str(p.partition) for p in parts))
def revoked(c, parts):
    out("revoked " + ",".join(str(p.partition) for p in parts))
def error(err):
    out(f"error {err.name()}")
c = Consumer({"bootstrap.servers": bootstrap, "group.id": "churn", "client.id": name,
              "session.timeout.ms": 6000, "heartbeat.interval.ms": 300,
              "auto.offset.reset": "earliest", "error_cb": error})
c.subscribe(["churn"], on_assign=assigned, on_revoke=revoked, on_lost=revoked)
import signal
stop = []
signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
while not stop:
    m = c.poll(0.1)
    if m is not None and m.error():
        out(f"error {m.error().name()}")
c.close()
out("closed")
'''


def say(msg):
    print(f"[churn] {msg}", flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Member:
    def __init__(self, python, bootstrap, name):
        self.name = name
        self.lines = []
        self.proc = subprocess.Popen([python, "-c", MEMBER, bootstrap, name],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)

    def errors(self, name):
        return sum(1 for l in self.lines if l.split()[1:] == ["error", name])

    def last_assignment_after(self, t):
        got = None
        for l in self.lines:
            parts = l.split()
            if float(parts[0]) >= t and parts[1] == "assigned":
                got = [int(p) for p in parts[2].split(",")] if len(parts) > 2 else []
        return got


def describe(admin, group):
    d = admin.describe_consumer_groups([group], request_timeout=10)[group].result(10)
    members = {m.client_id: sorted(tp.partition for tp in m.assignment.topic_partitions)
               for m in d.members}
    return str(d.state).split(".")[-1], members


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "debug", "minikafka"))
    ap.add_argument("--python", default=os.path.join(HERE, ".venv", "bin", "python"))
    ap.add_argument("--seed", type=int, default=int(time.time()))
    args = ap.parse_args()
    rng = random.Random(args.seed)
    from confluent_kafka import Producer
    from confluent_kafka.admin import AdminClient, NewTopic

    work = tempfile.mkdtemp(prefix="minikafka-churn-")
    port = free_port()
    bootstrap = f"127.0.0.1:{port}"
    server = subprocess.Popen([args.bin, "serve", "--listen", bootstrap, "--data-dir",
                               os.path.join(work, "data")],
                              stdout=open(os.path.join(work, "server.log"), "w"),
                              stderr=subprocess.STDOUT)
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            break
        except OSError:
            time.sleep(0.05)
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic("churn", PARTITIONS, 1)])["churn"].result(15)
    producing = threading.Event()
    producing.set()

    def produce():
        p = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5})
        n = 0
        while producing.is_set():
            p.produce("churn", value=f"v{n}".encode())
            n += 1
            p.poll(0.002)
        p.flush(10)

    producer = threading.Thread(target=produce, daemon=True)
    producer.start()
    members, gone, failures = [], [], []
    serial = 0
    say(f"churning for {args.seconds:.0f}s (seed {args.seed})")
    started = time.time()
    counts = {"start": 0, "stop": 0, "kill": 0}
    try:
        while time.time() - started < args.seconds:
            alive = [m for m in members if m.proc.poll() is None]
            action = rng.choice(["start", "start", "stop", "kill"]) if 1 < len(alive) < 6 else (
                "start" if len(alive) <= 1 else rng.choice(["stop", "kill"]))
            if action == "start":
                serial += 1
                members.append(Member(args.python, bootstrap, f"m{serial}"))
            else:
                victim = rng.choice(alive)
                victim.stop() if action == "stop" else victim.kill()
                members.remove(victim)
                gone.append(victim)
            counts[action] += 1
            time.sleep(rng.uniform(0.2, 0.8))
        # Settle on three members.
        alive = [m for m in members if m.proc.poll() is None]
        while len(alive) < 3:
            serial += 1
            alive.append(Member(args.python, bootstrap, f"m{serial}"))
        for extra in alive[3:]:
            extra.stop()
            gone.append(extra)
        final = alive[:3]
        settled_at = time.time()
        say(f"{counts['start']} starts, {counts['stop']} graceful stops, {counts['kill']} kills; "
            f"now waiting for {', '.join(m.name for m in final)} to settle")
        deadline = settled_at + 6 + 30  # session timeout of the killed, plus a margin
        state, assignment = None, {}
        while time.time() < deadline:
            try:
                state, assignment = describe(admin, "churn")
            except Exception:  # noqa: BLE001 - retried until the deadline
                state = None
            names = sorted(m.name for m in final)
            parts = sorted(p for ps in assignment.values() for p in ps)
            if (state == "STABLE" and sorted(assignment) == names
                    and parts == list(range(PARTITIONS))
                    and all(assignment[n] for n in names)):
                break
            time.sleep(0.5)
        else:
            failures.append(f"group did not converge: state {state}, assignment {assignment}")
        took = time.time() - settled_at
        time.sleep(1.5)  # let the last assignment callbacks print
        for m in final:
            got = m.last_assignment_after(settled_at - 5)
            want = assignment.get(m.name)
            if want and got is not None and sorted(got) != want:
                failures.append(f"{m.name} last saw {got}, the group says {want}")
            if got is None and want:
                failures.append(f"{m.name} never saw its assignment after the churn")
        storms = {m.name: m.errors("UNKNOWN_MEMBER_ID") for m in members + gone}
        worst = max(storms.values(), default=0)
        if worst > 5:
            failures.append(f"UNKNOWN_MEMBER_ID storm: {storms}")
        say(f"converged in {took:.1f}s to {assignment}; most UNKNOWN_MEMBER_ID errors seen by "
            f"one member: {worst}")
    finally:
        producing.clear()
        for m in members + gone:
            if m.proc.poll() is None:
                m.kill()
        server.send_signal(signal.SIGKILL)
        server.wait()
    if failures:
        for f in failures:
            say("FAIL " + f)
        say(f"server log in {work}")
        return 1
    say("the group converged")
    return 0


if __name__ == "__main__":
    sys.exit(main())
