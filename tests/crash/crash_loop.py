#!/usr/bin/env python3
"""Crash loop: SIGKILL the server again and again under load, then check Kafka's promises.

A confluent-kafka producer (acks=all) writes numbered values to a 3-partition topic and logs
every acknowledged (partition, offset, value). A consumer group member processes records,
commits after processing (synchronously, every 50 records) and logs every successful commit
and the first offset it processes per partition. The server is SIGKILLed at random moments
and restarted on the same data directory; every third cycle the consumer is SIGKILLed too
and a new one started. The consumer is a static member (`group.instance.id`): the group
survives each restart with its members (as in Kafka, every session restarts at the load),
so a killed dynamic member would only be removed after a session timeout without a server
restart, which the loop never leaves it; the replacement takes the killed one's place at
once instead, as a restarted pod of a static member does. Afterwards:

1. every acknowledged record is readable at its offset with its value;
2. no committed offset was lost or moved backwards (each partition's successful commits
   never go down, and the final committed offset is at least the last one logged);
3. a restarted consumer resumed from the committed offset: its first offset per partition
   is at least the last commit logged before it started, and no later than what was
   processed;
4. exactly-once survives the kills: meanwhile a second producer feeds `crash-eos-in` and a
   confluent-kafka transactional read-process-write app (tests/clients/eos_app.py: one
   transaction per batch, its input offsets sent with `send_offsets_to_transaction` and
   `consumer_group_metadata()`) writes one invoice per input to `crash-eos-out`, so most
   kills land mid-transaction; the app is killed and replaced with the consumer, and
   restarted by a supervisor when a crash makes it fail. Once it caught up and is idle,
   every transaction ended (each partition's last stable offset, as a read_committed
   ListOffsets answers it, is its high watermark) and a read_committed reader sees each
   input exactly once.

Usage: crash_loop.py [--cycles 10] [--fsync interval=5] [--bin target/debug/minikafka]
                     [--results bench/RESULTS.md]
Exit status 0 only if every check passed. SIGKILL of the process is what this machine can
do; it cannot cut the power, so the fsync policy's power-loss window is not exercised here.
"""
import argparse
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "clients"))
from eos_app import Supervisor, check_exactly_once, processor_argv, read_values, watermarks  # noqa: E402
from run import Failure, create_topic  # noqa: E402

TOPIC = "crash"
GROUP = "crash-group"
PARTITIONS = 3
# The exactly-once app's topics, group and transactional id.
EOS_IN, EOS_OUT, EOS_GROUP, EOS_TXN_ID = "crash-eos-in", "crash-eos-out", "crash-eos-app", "crash-eos-1"


def say(msg):
    print(f"[crash] {msg}", flush=True)


PRODUCER = r'''
import sys, time
from confluent_kafka import Producer
bootstrap, log_path = sys.argv[1], sys.argv[2]
log = open(log_path, "a", buffering=1)
p = Producer({"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 2,
              "message.timeout.ms": 120000, "reconnect.backoff.max.ms": 200})
def report(err, msg):
    if err is None:
        log.write(f"{msg.partition()} {msg.offset()} {msg.value().decode()}\n")
n = 0
while True:
    try:
        p.produce("crash", key=str(n), value=f"v-{n}", on_delivery=report)
        n += 1
    except BufferError:
        pass
    p.poll(0.0005 if n % 20 else 0.005)
'''

# The exactly-once app's input: under 20 records/s, well below what the app processes
# (paced transactions of up to 8 records), so that it catches up soon after the input stops.
EOS_PRODUCER = r'''
import sys, time
from confluent_kafka import Producer
bootstrap = sys.argv[1]
p = Producer({"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 5,
              "message.timeout.ms": 120000, "reconnect.backoff.max.ms": 200})
n = 0
while True:
    p.produce("crash-eos-in", key=str(n), value=f"in-{n}")
    n += 1
    p.poll(0)
    time.sleep(0.05)
'''

CONSUMER = r'''
import sys, time
from confluent_kafka import Consumer, KafkaException, TopicPartition
bootstrap, log_path = sys.argv[1], sys.argv[2]
log = open(log_path, "a", buffering=1)
c = Consumer({"bootstrap.servers": bootstrap, "group.id": "crash-group",
              "group.instance.id": "crash-consumer",
              "enable.auto.commit": False, "auto.offset.reset": "earliest",
              "session.timeout.ms": 6000, "heartbeat.interval.ms": 500,
              "reconnect.backoff.max.ms": 200})
seen, done, pending = set(), {}, 0
def forget(consumer, partitions):
    # Only commit partitions this member owns now: a stale entry would commit an old
    # position for a partition that moved (the classic protocol does not check ownership).
    for tp in partitions:
        done.pop(tp.partition, None)
c.subscribe(["crash"], on_revoke=forget, on_lost=forget)
while True:
    m = c.poll(0.2)
    if m is None or m.error():
        continue
    p, o = m.partition(), m.offset()
    if p not in seen:
        seen.add(p)
        log.write(f"{time.time():.6f} first {p} {o}\n")
    log.write(f"{time.time():.6f} proc {p} {o}\n")
    done[p] = o + 1
    pending += 1
    if pending >= 50:
        offsets = [TopicPartition("crash", q, off) for q, off in done.items()]
        try:
            c.commit(offsets=offsets, asynchronous=False)
            t = time.time()
            for tp in offsets:
                log.write(f"{t:.6f} commit {tp.partition} {tp.offset}\n")
        except KafkaException as e:
            log.write(f"{time.time():.6f} commitfail {e}\n")
        pending = 0
'''


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, binary, data, port, fsync, log):
        self.argv = [binary, "serve", "--listen", f"127.0.0.1:{port}", "--data-dir", data,
                     "--fsync", fsync, "--default-partitions", str(PARTITIONS),
                     # Small segments, so that kills land during rolls too.
                     "--segment-bytes", str(1 << 20),
                     # Groups live in memory and form again after each restart: do not add
                     # Kafka's 3 s initial delay to every one of them.
                     "--group-initial-rebalance-delay-ms", "0"]
        self.port, self.log, self.proc = port, log, None

    def start(self):
        self.proc = subprocess.Popen(self.argv, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"server exited with {self.proc.returncode}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.02)
        raise SystemExit("server did not come up")

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        """The end of the test: a clean stop (SIGTERM, a final flush)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(30)


def spawn(python, code, bootstrap, log_path):
    return subprocess.Popen([python, "-c", code, bootstrap, log_path],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def read_back(bootstrap):
    """Every record now in the topic: {partition: {offset: value}}."""
    from confluent_kafka import Consumer, TopicPartition
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "crash-verifier",
                  "enable.auto.commit": False})
    ends = {p: c.get_watermark_offsets(TopicPartition(TOPIC, p), timeout=30)[1]
            for p in range(PARTITIONS)}
    c.assign([TopicPartition(TOPIC, p, 0) for p in range(PARTITIONS)])
    log = {p: {} for p in range(PARTITIONS)}
    left = {p for p, e in ends.items() if e > 0}
    idle = time.time()
    while left and time.time() - idle < 30:
        for m in c.consume(10000, 1):
            if m.error():
                continue
            idle = time.time()
            log[m.partition()][m.offset()] = m.value().decode()
            if m.offset() + 1 >= ends[m.partition()]:
                left.discard(m.partition())
    c.close()
    return log, ends, committed_of(bootstrap, GROUP)


def committed_of(bootstrap, group):
    from confluent_kafka import Consumer, TopicPartition
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": group})
    got = c.committed([TopicPartition(TOPIC, p) for p in range(PARTITIONS)], timeout=30)
    c.close()
    return {tp.partition: tp.offset for tp in got}


def check_eos(python, bootstrap, eos, failures):
    """Check 4: the exactly-once app catches up with its input (the input producer is
    stopped), then every transaction has ended and read_committed sees each input once.
    Returns the summary's words."""
    from run import committed as committed_offsets
    started = time.time()
    try:
        ends = watermarks(bootstrap, EOS_IN, PARTITIONS, "read_uncommitted")
        deadline = time.time() + 90
        while True:
            done = [max(0, o) for o in committed_offsets(bootstrap, EOS_GROUP, EOS_IN, PARTITIONS)]
            if done == ends:
                break
            if time.time() > deadline:
                raise Failure(f"exactly-once app: committed {done} of {ends} inputs in 90 s")
            eos.sleep(0.5)
        # Idle now: no transaction of this app may stay open. Markers are written right
        # after EndTxn is answered, so the LSO catches up within moments.
        deadline = time.time() + 10
        while True:
            hw = watermarks(bootstrap, EOS_OUT, PARTITIONS, "read_uncommitted")
            lso = watermarks(bootstrap, EOS_OUT, PARTITIONS, "read_committed")
            if lso == hw:
                break
            if time.time() > deadline:
                raise Failure(f"exactly-once app idle, but {EOS_OUT} has last stable offsets "
                              f"{lso} below its high watermarks {hw}: a transaction stayed open")
            time.sleep(0.5)
        caught_up = time.time() - started
        eos.stop()
        inputs = read_values(python, bootstrap, EOS_IN, "read_uncommitted")
        aborted = check_exactly_once(python, bootstrap, EOS_OUT, inputs, "exactly-once app")
        return (f"exactly-once app: {len(inputs):,} inputs read exactly once with read_committed "
                f"({aborted} aborted copies in the log), {eos.killed} kills with the consumer, "
                f"{eos.restarts} supervisor restarts ({eos.stuck} stuck), LSO = high watermark "
                f"{caught_up:.0f} s after the input stopped; checked in {time.time() - started:.0f} s")
    except Failure as e:
        failures.append(str(e))
        return f"exactly-once app: FAILED ({e})"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cycles", type=int, default=10)
    ap.add_argument("--fsync", default="interval=5")
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "debug", "minikafka"))
    ap.add_argument("--python", default=os.path.join(ROOT, "tests", "clients", ".venv", "bin", "python"))
    ap.add_argument("--seed", type=int, default=int(time.time()))
    ap.add_argument("--results", help="write the figures into this RESULTS.md")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    work = tempfile.mkdtemp(prefix="minikafka-crash-")
    say(f"{args.cycles} cycles, --fsync {args.fsync}, seed {args.seed}, work dir {work}")
    port = free_port()
    bootstrap = f"127.0.0.1:{port}"
    server = Server(args.bin, os.path.join(work, "data"), port, args.fsync,
                    open(os.path.join(work, "server.log"), "a"))
    server.start()
    acked_path = os.path.join(work, "acked.log")
    producer = spawn(args.python, PRODUCER, bootstrap, acked_path)
    consumer_logs = [os.path.join(work, "consumer-0.log")]
    consumer = spawn(args.python, CONSUMER, bootstrap, consumer_logs[-1])
    for topic in (EOS_IN, EOS_OUT):
        create_topic(bootstrap, topic, PARTITIONS)
    eos_producer = spawn(args.python, EOS_PRODUCER, bootstrap, os.devnull)
    # Paced (each transaction stays open up to 0.15 s), so that kills land in one. Its
    # input never pauses for long, so 5 s without a commit means it hangs.
    eos = Supervisor(processor_argv(args.python, bootstrap, EOS_IN, EOS_OUT, EOS_GROUP,
                                    EOS_TXN_ID, pace=0.15), stall_s=5)
    started = time.time()
    try:
        for cycle in range(1, args.cycles + 1):
            eos.sleep(rng.uniform(1.0, 3.0))
            server.kill()
            kill_consumer = cycle % 3 == 0
            if kill_consumer:
                consumer.send_signal(signal.SIGKILL)
                consumer.wait()
            eos.sleep(rng.uniform(0.0, 0.3))
            server.start()
            if kill_consumer:
                consumer_logs.append(os.path.join(work, f"consumer-{len(consumer_logs)}.log"))
                consumer = spawn(args.python, CONSUMER, bootstrap, consumer_logs[-1])
                eos.kill_and_replace()
            say(f"cycle {cycle}: server killed and restarted"
                + (", consumer and exactly-once app killed and replaced" if kill_consumer else ""))
        # The app's input stops now, so that it catches up meanwhile.
        eos_producer.send_signal(signal.SIGKILL)
        eos_producer.wait()
        eos.sleep(3)  # let the clients catch up with the last restart
    finally:
        for proc in (producer, consumer, eos_producer):
            proc.send_signal(signal.SIGKILL)
            proc.wait()
    elapsed = time.time() - started

    # ---- checks ----
    failures = []
    try:
        eos_summary = check_eos(args.python, bootstrap, eos, failures)
        log, ends, committed = read_back(bootstrap)
    finally:
        eos.stop()
        server.stop()
    acked = []
    with open(acked_path) as f:
        for line in f:
            parts = line.split()
            if len(parts) == 3:
                acked.append((int(parts[0]), int(parts[1]), parts[2]))
    lost = [(p, o, v) for p, o, v in acked if log[p].get(o) != v]
    if lost:
        failures.append(f"{len(lost)} acknowledged record(s) missing or changed, e.g. {lost[:3]}")

    events = []  # (time, instance, kind, partition, offset)
    for i, path in enumerate(consumer_logs):
        if not os.path.exists(path):
            continue
        with open(path) as f:
            for line in f:
                m = re.match(r"(\S+) (first|proc|commit) (\d+) (\d+)", line)
                if m:
                    events.append((float(m.group(1)), i, m.group(2), int(m.group(3)), int(m.group(4))))
    events.sort()
    last_commit = {p: -1 for p in range(PARTITIONS)}
    processed_max = {p: -1 for p in range(PARTITIONS)}
    commits, backwards, resumed, bad_resume = 0, [], 0, []
    for t, i, kind, p, o in events:
        if kind == "commit":
            commits += 1
            if o < last_commit[p]:
                backwards.append((p, last_commit[p], o))
            last_commit[p] = max(last_commit[p], o)
        elif kind == "first" and i > 0:
            resumed += 1
            floor = max(last_commit[p], 0)
            if not (floor <= o <= processed_max[p] + 1):
                bad_resume.append((i, p, o, floor, processed_max[p] + 1))
        elif kind == "proc":
            processed_max[p] = max(processed_max[p], o)
    if commits == 0:
        failures.append("the consumer never committed: nothing was checked")
    if backwards:
        failures.append(f"committed offsets moved backwards: {backwards[:3]}")
    for p in range(PARTITIONS):
        if last_commit[p] >= 0 and last_commit[p] > committed.get(p, -1):
            failures.append(f"partition {p}: last logged commit {last_commit[p]} but the "
                            f"broker has {committed.get(p)} (a commit was lost)")
    if resumed == 0 and len(consumer_logs) > 1:
        failures.append("no replacement consumer ever read: the resumption check saw nothing")
    if bad_resume:
        failures.append(f"a restarted consumer did not resume at the committed offset: {bad_resume[:3]}")

    summary = (f"{args.cycles} server kills ({args.cycles // 3} with the consumer) in {elapsed:.0f}s, "
               f"--fsync {args.fsync}: {len(acked):,} acknowledged records, {len(lost)} lost; "
               f"{commits:,} commits, {len(backwards)} moved backwards; {resumed} consumer "
               f"resumptions, {len(bad_resume)} not at the committed offset; {eos_summary}")
    say(summary)
    if args.results:
        write_results(args.results, args.fsync, summary, failures)
    if failures:
        for f in failures:
            say("FAIL " + f)
        say(f"logs kept in {work}")
        return 1
    import shutil
    shutil.rmtree(work, ignore_errors=True)
    say("all checks passed")
    return 0


def write_results(path, fsync, summary, failures):
    import datetime
    heading = "## Crash loop"
    text = open(path).read() if os.path.exists(path) else "# Benchmark results\n"
    m = re.search(r"\n## Crash loop\n[\s\S]*?(?=\n## |\Z)", text)
    rows = []
    if m:
        rows = [l for l in m.group(0).splitlines() if l.startswith("| `") and f"`{fsync}`" not in l]
    result = "PASS" if not failures else "FAIL: " + "; ".join(failures)
    rows.append(f"| `{fsync}` | {summary} | {result} |")
    section = "\n".join([
        heading, "",
        f"Written by `tests/crash/crash_loop.py` (`make crash-long`, 100 cycles per policy) on "
        f"{datetime.date.today()}. The server is SIGKILLed at random moments while a "
        "confluent-kafka producer (acks=all), a committing consumer group and a transactional "
        "read-process-write app run; every third cycle the consumer and the app are killed and "
        "replaced. A SIGKILL leaves written data in the page "
        "cache, so no policy should lose anything here; what `interval` and `never` risk is a "
        "power cut or kernel crash, which this machine cannot produce.", "",
        "| --fsync | run | result |", "|---|---|---|", *rows, ""])
    text = (text[:m.start()] + "\n" if m else text.rstrip() + "\n\n") + section + (text[m.end():] if m else "")
    with open(path, "w") as f:
        f.write(text.rstrip() + "\n")


if __name__ == "__main__":
    sys.exit(main())
