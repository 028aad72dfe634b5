"""The consumer group protocol (KIP-848, `group.protocol=consumer`) with confluent-kafka.

Against one `minikafka serve` started here (consumer-protocol session timeout 6 s,
heartbeat interval 500 ms), with member *processes* (so one can be SIGKILLed) that commit
synchronously after each record:

1. scale out and in: a group of one grows to three, then shrinks back to one, on a topic of
   six partitions while a producer writes to every partition; every record is consumed,
   and the duplicates (at-least-once) are counted and bounded;
2. the same run with a classic-protocol group (`group.protocol=classic`), and for both the
   *pause time*: for each partition, the gaps in its consumption while records kept
   arriving (a partition with records to read but no member reading it). Printed; the
   consumer protocol is expected to pause less, but only printed (one run is noisy);
3. failover: an active member and a standby on one partition; the active member's process
   is SIGKILLed and the standby resumes at the committed offset after the session timeout;
4. a static member (group.instance.id) is closed (it leaves with epoch -2) and restarted
   within the session timeout: it gets the same partitions back, and the other member sees
   no revocation and no assignment meanwhile.

Usage: kip848.py --bin target/debug/minikafka
"""
import argparse
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time

os.environ.setdefault("RUST_LOG", "info,minikafka::events=debug")

from run import Failure, Server, check, free_port, log  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
LOGS = tempfile.gettempdir()  # the run's work directory, set in main()


# ---- a member process: prints what it reads and its rebalance callbacks ----------------

def member_main(bootstrap, topic, group, protocol, name, instance):
    from confluent_kafka import Consumer, KafkaException
    conf = {"bootstrap.servers": bootstrap, "group.id": group, "client.id": name,
            "auto.offset.reset": "earliest", "enable.auto.commit": False,
            "group.protocol": protocol}
    if protocol == "classic":
        conf.update({"session.timeout.ms": 6000, "heartbeat.interval.ms": 500,
                     "partition.assignment.strategy": "cooperative-sticky"})
    if instance:
        conf["group.instance.id"] = instance
    if os.environ.get("KIP848_DEBUG"):
        conf["debug"] = os.environ["KIP848_DEBUG"]
    c = Consumer(conf)
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))

    def out(line):
        sys.stdout.write(line + "\n")
        sys.stdout.flush()

    def on_assign(_, parts):
        out(f"A {time.time():.3f} " + ",".join(str(p.partition) for p in parts))

    def on_revoke(_, parts):
        out(f"V {time.time():.3f} " + ",".join(str(p.partition) for p in parts))

    c.subscribe([topic], on_assign=on_assign, on_revoke=on_revoke)
    while not stop:
        m = c.poll(0.1)
        if m is None or m.error():
            continue
        out(f"R {time.time():.3f} {m.partition()} {m.offset()}")
        try:
            c.commit(message=m, asynchronous=False)
        except KafkaException as e:
            # STALE_MEMBER_EPOCH when the member epoch moved on while the commit was in
            # flight, for example: the next commit covers this record too (at-least-once).
            out(f"E {time.time():.3f} commit: {e}")
    c.close()
    out("CLOSED")


class MemberProc:
    def __init__(self, bootstrap, topic, group, protocol, name, instance=""):
        self.name = name
        self.reads, self.assigns, self.revokes = [], [], []
        self.closed = False
        self.err = open(os.path.join(LOGS, f"{group}-{name}.log"), "w")
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "member", bootstrap, topic, group, protocol, name,
             instance], stdout=subprocess.PIPE, stderr=self.err, text=True, cwd=HERE)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            parts = line.split()
            if not parts:
                continue
            if parts[0] == "R":
                self.reads.append((float(parts[1]), int(parts[2]), int(parts[3])))
            elif parts[0] in ("A", "V"):
                ps = [int(p) for p in parts[2].split(",")] if len(parts) > 2 else []
                (self.assigns if parts[0] == "A" else self.revokes).append((float(parts[1]), ps))
            elif parts[0] == "CLOSED":
                self.closed = True

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise Failure(f"{self.name} did not close within 30 s")

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def partitions(self):
        return {p for _, p, _ in self.reads}

    def held(self):
        """The partitions it holds now, by its rebalance callbacks."""
        held = set()
        for _, ps, kind in sorted([(t, ps, "A") for t, ps in self.assigns]
                                  + [(t, ps, "V") for t, ps in self.revokes]):
            held = held | set(ps) if kind == "A" else held - set(ps)
        return held


def wait_for(cond, what, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if cond():
            return
        time.sleep(0.1)
    raise Failure(f"timed out waiting for {what}")


def create_topic(admin, name, partitions):
    from confluent_kafka.admin import NewTopic
    admin.create_topics([NewTopic(name, partitions, 1)])[name].result(15)


class SteadyProducer(threading.Thread):
    """Writes one record to every partition every `every` seconds until stopped."""

    def __init__(self, bootstrap, topic, partitions, every=0.02):
        super().__init__(daemon=True)
        from confluent_kafka import Producer
        self.p = Producer({"bootstrap.servers": bootstrap, "linger.ms": 0})
        self.topic, self.partitions, self.every = topic, partitions, every
        self.stopping = threading.Event()
        self.sent = 0

    def run(self):
        while not self.stopping.is_set():
            for part in range(self.partitions):
                self.p.produce(self.topic, value=b"x", partition=part)
                self.sent += 1
            self.p.poll(0)
            time.sleep(self.every)
        self.p.flush(15)


def pauses(members, partitions, start, end, threshold=0.15):
    """Per partition, the total time of gaps longer than `threshold` between consecutive
    reads (by any member) in [start, end], while the producer kept writing to it (a record
    every 20 ms, so a longer gap means nobody was reading the partition)."""
    total, worst = 0.0, 0.0
    for part in range(partitions):
        times = sorted(t for m in members for t, p, _ in m.reads if p == part and start <= t <= end)
        times = [start] + times + [end]
        for a, b in zip(times, times[1:]):
            gap = b - a
            if gap > threshold:
                total += gap
                worst = max(worst, gap)
    return total, worst


def end_offsets(bootstrap, topic, partitions):
    from confluent_kafka import Consumer, TopicPartition
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "kip848-watermarks"})
    try:
        return [c.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1]
                for p in range(partitions)]
    finally:
        c.close()


# ---- the checks -------------------------------------------------------------------------

def scale_out_and_in(bootstrap, admin, protocol):
    topic, group, parts = f"scale-{protocol}", f"scale-{protocol}-grp", 6
    create_topic(admin, topic, parts)
    producer = SteadyProducer(bootstrap, topic, parts)
    producer.start()
    a = MemberProc(bootstrap, topic, group, protocol, "a")
    wait_for(lambda: len(a.partitions()) == parts, f"{protocol}: a reads all partitions")
    start = time.time()
    b = MemberProc(bootstrap, topic, group, protocol, "b")
    c = MemberProc(bootstrap, topic, group, protocol, "c")
    since = time.time()
    wait_for(lambda: all(any(t > since for t, _, _ in m.reads) for m in (a, b, c)),
             f"{protocol}: all three members read")
    time.sleep(3)
    c.stop()
    b.stop()
    since = time.time()
    wait_for(lambda: len({p for t, p, _ in a.reads if t > since + 1}) == parts,
             f"{protocol}: a reads all partitions again")
    end = time.time()
    producer.stopping.set()
    producer.join()
    ends = end_offsets(bootstrap, topic, parts)
    wait_for(lambda: all(any(p == part and o == ends[part] - 1 for _, p, o in a.reads)
                         for part in range(parts)), f"{protocol}: a reaches the end")
    a.stop()
    members = (a, b, c)
    read = [(p, o) for m in members for _, p, o in m.reads]
    expected = {(p, o) for p in range(parts) for o in range(ends[p])}
    missing = expected - set(read)
    dups = len(read) - len(set(read))
    check(not missing, f"{protocol}: {len(missing)} records never consumed, e.g. {sorted(missing)[:5]}")
    # Each record is committed right after it is read: a handover may repeat at most the
    # one record per partition that was read but not yet committed.
    handovers = sum(len(ps) for m in members for _, ps in m.revokes) + parts
    check(dups <= handovers, f"{protocol}: {dups} duplicates, more than {handovers} handovers")
    total, worst = pauses(members, parts, start, end)
    log(f"{protocol}: scale 1 -> 3 -> 1 over {parts} partitions: {len(expected)} records, "
        f"all consumed, {dups} duplicates; pause time {total:.2f} s in all, longest {worst:.2f} s")
    return total


def failover(bootstrap, admin):
    topic, group = "failover", "failover-grp"
    create_topic(admin, topic, 1)
    producer = SteadyProducer(bootstrap, topic, 1, every=0.01)
    producer.start()
    active = MemberProc(bootstrap, topic, group, "consumer", "active")
    wait_for(lambda: active.reads, "the first member reads")
    standby = MemberProc(bootstrap, topic, group, "consumer", "standby")
    time.sleep(3)  # the standby has joined by now, with nothing assigned
    check(active.proc.poll() is None, "the active member died by itself")
    check(not standby.reads, "the standby read while the active member was alive")
    active.kill()
    killed_at = time.time()
    last = max(o for _, _, o in active.reads)
    wait_for(lambda: standby.reads, "the standby takes over", timeout=30)
    first = min(o for _, _, o in standby.reads)
    took = standby.reads[0][0] - killed_at
    producer.stopping.set()
    producer.join()
    end = end_offsets(bootstrap, topic, 1)[0]
    wait_for(lambda: any(o == end - 1 for _, _, o in standby.reads), "the standby reaches the end")
    standby.stop()
    # Committed after each record: the standby starts at the last record the killed member
    # read (if it died before committing it) or the one after.
    check(first in (last, last + 1), f"standby started at {first}, active had read {last}")
    read = {o for m in (active, standby) for _, _, o in m.reads}
    check(read == set(range(end)), f"{end - len(read)} records never consumed")
    log(f"failover: active SIGKILLed after offset {last}; standby resumed at {first} "
        f"{took:.1f} s later (session timeout 6 s); all {end} records consumed")


def static_restart(bootstrap, admin):
    topic, group = "static", "static-grp"
    create_topic(admin, topic, 4)
    producer = SteadyProducer(bootstrap, topic, 4, every=0.05)
    producer.start()
    s1 = MemberProc(bootstrap, topic, group, "consumer", "s1", "inst-1")
    s2 = MemberProc(bootstrap, topic, group, "consumer", "s2", "inst-2")
    wait_for(lambda: len(s1.held()) == 2 and len(s2.held()) == 2,
             "two static members with two partitions each")
    time.sleep(2)
    held = s1.held()
    s2_callbacks = len(s2.assigns) + len(s2.revokes)
    s1.stop()
    restart = time.time()
    s1b = MemberProc(bootstrap, topic, group, "consumer", "s1-again", "inst-1")
    wait_for(lambda: s1b.reads, "the restarted static member reads", timeout=30)
    took = s1b.reads[0][0] - restart
    time.sleep(2)
    producer.stopping.set()
    producer.join()
    again = s1b.held()
    s2_after = len(s2.assigns) + len(s2.revokes)
    s1b.stop()
    s2.stop()
    check(again == held, f"static member came back with {sorted(again)}, had {sorted(held)}")
    check(s2_after == s2_callbacks, f"the other member was rebalanced: {s2.assigns} {s2.revokes}")
    log(f"static member: restarted within its session, same partitions {sorted(held)}, "
        f"reading again after {took:.1f} s; the other member saw no rebalance")


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "member":
        member_main(*sys.argv[2:8])
        return 0
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="target/debug/minikafka")
    ap.add_argument("--only", default="", help="comma list: scale,failover,static")
    args = ap.parse_args()
    binary = os.path.abspath(args.bin)
    work = tempfile.mkdtemp(prefix="kip848-")
    global LOGS
    LOGS = work
    port = free_port()

    class KipServer(Server):
        def start(self):
            real = subprocess.Popen

            def popen(argv, **kw):
                argv = argv + ["--group-consumer-session-timeout-ms", "6000",
                               "--group-consumer-heartbeat-interval-ms", "500",
                               "--group-initial-rebalance-delay-ms", "0"]
                return real(argv, **kw)
            subprocess.Popen = popen
            try:
                super().start()
            finally:
                subprocess.Popen = real

    server = KipServer(binary, os.path.join(work, "data"), port, os.path.join(work, "server.log"))
    server.start()
    from confluent_kafka.admin import AdminClient
    admin = AdminClient({"bootstrap.servers": server.bootstrap})
    only = set(filter(None, args.only.split(",")))
    try:
        if not only or "scale" in only:
            consumer = scale_out_and_in(server.bootstrap, admin, "consumer")
            classic = scale_out_and_in(server.bootstrap, admin, "classic")
            log(f"pause time, scale 1 -> 3 -> 1: consumer protocol {consumer:.2f} s, "
                f"classic (cooperative-sticky) {classic:.2f} s")
        if not only or "failover" in only:
            failover(server.bootstrap, admin)
        if not only or "static" in only:
            static_restart(server.bootstrap, admin)
    except Failure as e:
        log(f"FAILED: {e} (server log: {server.log_path})")
        return 1
    finally:
        server.kill()
    log("kip848: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
