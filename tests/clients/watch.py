"""`minikafka watch` following a confluent-kafka group on a cluster it does not run.

A `minikafka serve` started here plays the foreign cluster; `minikafka watch` samples it
every second (a separate process, started and stopped by PID) and this script reads the
watch's `/live` WebSocket as the page does (a minimal WebSocket client, standard library
only). Member processes (tests/clients/live_demo.py: confluent-kafka, commit every 5
records, session.timeout.ms 6000) and a producer use the cluster:

1. the group scales out, one member at a time, from one to three members;
2. one member is SIGKILLed: the coordinator removes it when its session times out;
3. one member is stopped cleanly (SIGTERM: it commits, then LeaveGroup);
4. the members left keep committing.

The truth is the cluster's own event log (`RUST_LOG=minikafka::events=debug`, each line
stamped by the server): every join and removal must show in the watch's frames (one
snapshot per sample, `{"type":"history"}`) within 2 samples of when it happened, commits
must advance in the frames, and the rebalance list (`{"type":"watch"}`) must give the right
inferred reasons: member added for each join, session timeout for the killed member,
member left for the one stopped cleanly.

Usage: watch.py --bin target/debug/minikafka
"""
import argparse
import base64
import datetime
import json
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

from run import Failure, check, free_port, log

HERE = os.path.dirname(os.path.abspath(__file__))
DEMO = os.path.join(HERE, "live_demo.py")
TOPIC, GROUP = "orders", "billing"


class WatchFeed:
    """The watch's WebSocket, read on a thread: every message, as JSON."""

    def __init__(self, port):
        deadline = time.time() + 20
        while True:
            try:
                self.sock = socket.create_connection(("127.0.0.1", port), timeout=2)
                break
            except OSError:
                if time.time() > deadline:
                    raise Failure("the watch's HTTP port never opened")
                time.sleep(0.1)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((
            f"GET /live HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode())
        self.sock.settimeout(None)
        self.file = self.sock.makefile("rb")
        status = self.file.readline()
        check(b" 101 " in status, f"WebSocket upgrade refused: {status!r}")
        while self.file.readline() not in (b"\r\n", b""):
            pass
        self.messages = []
        self.lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        data = b""
        while True:
            head = self.file.read(2)
            if len(head) < 2:
                return
            fin, op, n = head[0] & 0x80, head[0] & 0x0F, head[1] & 0x7F
            if n == 126:
                n = struct.unpack(">H", self.file.read(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self.file.read(8))[0]
            if head[1] & 0x80:
                self.file.read(4)  # a server never masks; read past it anyway
            payload = self.file.read(n)
            if op == 8:
                return
            if op in (9, 10):
                continue
            data += payload
            if fin:
                with self.lock:
                    self.messages.append(json.loads(data))
                data = b""

    def of_type(self, kind):
        with self.lock:
            return [m for m in self.messages if m.get("type") == kind]

    def frames(self):
        return [f for m in self.of_type("history") for f in m["samples"]]

    def status(self):
        statuses = self.of_type("watch")
        return statuses[-1] if statuses else {}


def members_in(frame):
    for g in frame["groups"]:
        if g["group_id"] == GROUP:
            return {m["member_id"]: m["client_id"] for m in g["members"]}
    return {}


def committed_sum(frame):
    for g in frame["groups"]:
        if g["group_id"] == GROUP:
            return sum(c["offset"] for c in g["committed"])
    return 0


def server_events(path):
    """(ms since the epoch, text) of the group's joins and removals in the server log."""
    out = []
    for line in open(path, errors="replace"):
        m = re.match(r"(\S+Z)\s+\w+\s+group " + GROUP + r": (\S+) (joined|removed: .*)$", line.strip())
        if m:
            at = datetime.datetime.fromisoformat(m.group(1).replace("Z", "+00:00")).timestamp()
            out.append((int(at * 1000), m.group(2), m.group(3)))
    return out


def wait_for(what, cond, timeout=40):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if cond():
            return
        time.sleep(0.2)
    raise Failure(f"timed out waiting for {what}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    args = ap.parse_args()
    binary = os.path.abspath(args.bin)
    work = tempfile.mkdtemp(prefix="mk-watch-")
    kport, hport = free_port(), free_port()
    bootstrap = f"127.0.0.1:{kport}"
    server_log = os.path.join(work, "server.log")
    procs = []

    def start(argv, name, env=None, logfile=None):
        out = open(logfile or os.path.join(work, f"{name}.log"), "a")
        p = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, cwd=HERE,
                             env={**os.environ, **(env or {})})
        p.name = name
        procs.append(p)
        return p

    try:
        start([binary, "serve", "--listen", bootstrap, "--data-dir", os.path.join(work, "data"),
               "--group-initial-rebalance-delay-ms", "0"], "cluster",
              env={"RUST_LOG": "info,minikafka::events=debug", "NO_COLOR": "1"}, logfile=server_log)
        deadline = time.time() + 20
        while subprocess.run([binary, "topics", "create", TOPIC, "--partitions", "4",
                              "--bootstrap", bootstrap], capture_output=True).returncode != 0:
            check(time.time() < deadline, "the cluster never accepted a topic")
            time.sleep(0.2)
        start([sys.executable, DEMO, "producer", "--bootstrap", bootstrap, "--topic", TOPIC,
               "--rate", "40"], "producer")
        watch = start([binary, "watch", "--bootstrap", bootstrap, "--http", f"127.0.0.1:{hport}",
                       "--dist", work, "--interval", "1s"], "watch")
        feed = WatchFeed(hport)
        wait_for("the first frames", lambda: len(feed.frames()) >= 2)

        def member(name):
            return start([sys.executable, DEMO, "member", "--bootstrap", bootstrap, "--topic", TOPIC,
                          "--group", GROUP, "--client-id", name], name)

        def shown(name):
            frames = feed.frames()
            return bool(frames) and name in members_in(frames[-1]).values()

        members = {}
        for name in ["consumer-a", "consumer-b", "consumer-c"]:
            members[name] = member(name)
            wait_for(f"{name} in the watch's picture", lambda: shown(name))
            wait_for(f"{name}'s group Stable", lambda: any(
                g["group_id"] == GROUP and g["state"] == "Stable" for g in feed.frames()[-1]["groups"]))
            time.sleep(3)
        log("scaled out to 3 members, each seen by the watch")
        frames = feed.frames()
        commits_before = committed_sum(frames[-1])

        # A crash: no LeaveGroup; the coordinator removes it after its 6 s session.
        members["consumer-b"].send_signal(signal.SIGKILL)
        wait_for("consumer-b gone from the watch's picture", lambda: not shown("consumer-b"), timeout=60)
        time.sleep(4)
        # A clean stop: it commits and leaves.
        members["consumer-c"].send_signal(signal.SIGTERM)
        wait_for("consumer-c gone from the watch's picture", lambda: not shown("consumer-c"), timeout=60)
        time.sleep(5)
        log("one member killed, one stopped, both seen leaving")

        frames = feed.frames()
        check(committed_sum(frames[-1]) > commits_before,
              f"commits advance: {commits_before} -> {committed_sum(frames[-1])}")

        # Every join and removal the cluster logged shows in the frames within 2 samples.
        events = server_events(server_log)
        check(len([e for e in events if e[2] == "joined"]) >= 3, f"three joins logged: {events}")
        check(any("session timeout" in e[2] for e in events), f"a session timeout logged: {events}")
        at = [f["at"] for f in frames]
        interval = max(b - a for a, b in zip(at[-10:], at[-9:]))
        check(interval <= 1500, f"a sample a second: {at[-10:]}")
        for (t, member_id, what) in events:
            after = [f for f in frames if f["at"] >= t][:2]
            check(len(after) == 2, f"two samples after {what} of {member_id} at {t}")
            if what == "joined":
                ok = any(member_id in members_in(f) for f in after)
            else:
                ok = any(member_id not in members_in(f) for f in after)
            check(ok, f"{member_id} {what} at {t}: not in the next 2 samples "
                      f"({[sorted(members_in(f).values()) for f in after]} at {[f['at'] for f in after]})")
        log(f"{len(events)} group changes, each in the watch's frames within 2 samples")

        # The rebalance list, with inferred reasons.
        ids = {}
        for f in frames:
            ids.update(members_in(f))
        rebalances = [r for r in feed.status().get("rebalances", []) if r["group"] == GROUP]
        reasons = [(r["reason"], sorted(ids.get(m, m) for m in r.get("added", [])),
                    sorted(ids.get(m, m) for m in r.get("removed", []))) for r in rebalances]
        log(f"rebalances: {reasons}")
        added = [c for (reason, a, _) in reasons if reason == "member_added" for c in a]
        check({"consumer-b", "consumer-c"} <= set(added), f"member added for b and c: {reasons}")
        check(any(reason == "session_timeout" and "consumer-b" in removed for (reason, _, removed) in reasons),
              f"session timeout for the killed consumer-b: {reasons}")
        check(any(reason == "member_left" and "consumer-c" in removed for (reason, _, removed) in reasons),
              f"member left for the cleanly stopped consumer-c: {reasons}")
        check(watch.poll() is None, "the watch still runs")
        log("watch: OK")
    except Failure as e:
        log(f"FAILED: {e} (logs in {work})")
        sys.exit(1)
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                p.send_signal(signal.SIGKILL)
                p.wait()


if __name__ == "__main__":
    main()
