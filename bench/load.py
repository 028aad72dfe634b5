#!/usr/bin/env python3
"""Server load test: confluent-kafka processes produce and consume against `minikafka serve`.

Measures, for 100-byte and 1 KB records: produce and consume records/s and MB/s, the
broker's CPU seconds per GB produced, and its peak RSS; next to this machine's loopback
bandwidth and fsync rate (from `cargo bench --bench limits` in the same run, or measured
here if that has not run). Then exactly-once: the same processes write 100-byte records in
rounds of 1,000, once idempotently (produce 1,000, wait for every ack) and once in
transactions (begin, produce 1,000, commit: AddPartitionsToTxn, EndTxn and the markers
included), and read them back read_uncommitted and read_committed. Writes
target/bench/load.json; bench/report.py turns it into the "Server load" section of
bench/RESULTS.md.

Usage: bench/load.py [--bin target/release/minikafka] [--records 2400000] [--processes 4]
Run it through `make bench` (or `make load`), which builds the release binary and installs
confluent-kafka in tests/clients/.venv.
"""
import argparse
import json
import datetime
import multiprocessing as mp
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
TICK = os.sysconf("SC_CLK_TCK")


def say(msg):
    print(f"[load] {msg}", file=sys.stderr, flush=True)


# ---- the machine's limits ------------------------------------------------------------

def loopback_bandwidth(seconds=2.0):
    """MB/s one TCP connection moves over loopback (64 KiB writes)."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    port = srv.getsockname()[1]
    got = [0]

    def sink():
        conn, _ = srv.accept()
        while True:
            chunk = conn.recv(1 << 20)
            if not chunk:
                break
            got[0] += len(chunk)
        conn.close()

    t = threading.Thread(target=sink)
    t.start()
    c = socket.create_connection(("127.0.0.1", port))
    block = b"x" * 65536
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        c.sendall(block)
    c.close()
    t.join()
    elapsed = time.perf_counter() - start
    srv.close()
    return got[0] / elapsed / 1e6


def fsync_rate(directory, seconds=2.0):
    """fsyncs per second of 4 KiB appends in `directory` (the data directory's disk)."""
    path = os.path.join(directory, "fsync-probe")
    n = 0
    with open(path, "wb") as f:
        start = time.perf_counter()
        while time.perf_counter() - start < seconds:
            f.write(b"x" * 4096)
            f.flush()
            os.fsync(f.fileno())
            n += 1
        elapsed = time.perf_counter() - start
    os.remove(path)
    return n / elapsed


# ---- the broker process -----------------------------------------------------------------

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def peak_rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        m = re.search(r"VmHWM:\s+(\d+) kB", f.read())
    return int(m.group(1)) / 1024 if m else float("nan")


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        m = re.search(r"VmRSS:\s+(\d+) kB", f.read())
    return int(m.group(1)) / 1024 if m else float("nan")


# ---- client processes -------------------------------------------------------------------

def produce_worker(bootstrap, topic, count, size, ready, go, out):
    from confluent_kafka import Producer
    p = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5, "batch.size": 1_000_000,
                  "queue.buffering.max.messages": 1_000_000,
                  "queue.buffering.max.kbytes": 1_048_576, "acks": "all",
                  "compression.type": "none"})
    payload = os.urandom(size // 2).hex().encode()[:size]
    errors = [0]

    def report(err, _msg):
        if err is not None:
            errors[0] += 1

    ready.wait()
    go.wait()
    produce = p.produce
    for _ in range(count):
        while True:
            try:
                produce(topic, payload, on_delivery=report)
                break
            except BufferError:
                p.poll(0.001)
    p.flush(120)
    out.put(("produced", count, errors[0]))


def consume_worker(bootstrap, topic, partitions, out):
    """Read the given partitions from offset 0 to their high watermarks."""
    from confluent_kafka import Consumer, TopicPartition
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "load-readers",
                  "enable.auto.commit": False})
    ends = {p: c.get_watermark_offsets(TopicPartition(topic, p), timeout=30)[1]
            for p in partitions}
    remaining = {p for p, end in ends.items() if end > 0}
    c.assign([TopicPartition(topic, p, 0) for p in partitions])
    n = 0
    idle_since = time.perf_counter()
    while remaining:
        msgs = c.consume(10_000, 1)
        if not msgs:
            if time.perf_counter() - idle_since > 30:
                break  # reported as records not read back
            continue
        idle_since = time.perf_counter()
        for m in msgs:
            if m.error() is None:
                n += 1
                if m.offset() + 1 >= ends[m.partition()]:
                    remaining.discard(m.partition())
    c.close()
    out.put(("consumed", n, 0))


def rounds_worker(bootstrap, topic, mode, index, rounds, per_round, size, ready, go, out):
    """`rounds` rounds of `per_round` records: idempotent (produce, flush) or transactional
    (begin, produce, commit). Reports each round's duration."""
    from confluent_kafka import Producer
    config = {"bootstrap.servers": bootstrap, "linger.ms": 5, "batch.size": 1_000_000,
              "acks": "all", "compression.type": "none", "enable.idempotence": True}
    if mode == "transactional":
        config["transactional.id"] = f"load-{topic}-{index}"
    p = Producer(config)
    if mode == "transactional":
        p.init_transactions(30)
    payload = os.urandom(size // 2).hex().encode()[:size]
    errors = [0]

    def report(err, _msg):
        if err is not None:
            errors[0] += 1

    ready.wait()
    go.wait()
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        if mode == "transactional":
            p.begin_transaction()
        for _ in range(per_round):
            while True:
                try:
                    p.produce(topic, payload, on_delivery=report)
                    break
                except BufferError:
                    p.poll(0.001)
        if mode == "transactional":
            p.commit_transaction(60)
        else:
            p.flush(60)
        times.append(time.perf_counter() - start)
    p.flush(60)
    out.put(("produced", rounds * per_round, errors[0], times))


def consume_isolated(bootstrap, topic, partitions, isolation, out):
    """Read the given partitions from offset 0 to the end at `isolation`. The end is the
    last stable offset for read_committed (librdkafka's ListOffsets carries the level), so
    both levels stop at their own end; the markers in it are never returned."""
    from confluent_kafka import Consumer, TopicPartition
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "load-readers",
                  "enable.auto.commit": False, "enable.partition.eof": True,
                  "isolation.level": isolation})
    c.assign([TopicPartition(topic, p, 0) for p in partitions])
    remaining = set(partitions)
    n = 0
    idle_since = time.perf_counter()
    while remaining:
        msgs = c.consume(10_000, 1)
        if not msgs:
            if time.perf_counter() - idle_since > 30:
                break  # reported as records not read back
            continue
        idle_since = time.perf_counter()
        for m in msgs:
            if m.error() is None:
                n += 1
            elif m.error().code() == -191:  # _PARTITION_EOF
                remaining.discard(m.partition())
    c.close()
    out.put(("consumed", n, 0))


def run_transactions(bootstrap, pid, rounds, procs, partitions, size=100, per_round=1000):
    """Idempotent rounds, then transactional rounds, each read back at its isolation
    level."""
    from confluent_kafka.admin import AdminClient, NewTopic
    admin = AdminClient({"bootstrap.servers": bootstrap})
    ctx = mp.get_context("fork")
    row = {"size": size, "per_round": per_round}
    for mode, isolation in [("idempotent", "read_uncommitted"),
                            ("transactional", "read_committed")]:
        topic = f"load-{mode}"
        admin.create_topics([NewTopic(topic, partitions, 1)])[topic].result(30)
        out = ctx.Queue()
        ready, go = ctx.Barrier(procs + 1), ctx.Event()
        workers = [ctx.Process(target=rounds_worker,
                               args=(bootstrap, topic, mode, i, rounds, per_round, size, ready,
                                     go, out))
                   for i in range(procs)]
        for w in workers:
            w.start()
        ready.wait()
        cpu0 = cpu_seconds(pid)
        start = time.perf_counter()
        go.set()
        results = [out.get(timeout=600) for _ in workers]
        produce_s = time.perf_counter() - start
        cpu_produce = cpu_seconds(pid) - cpu0
        for w in workers:
            w.join()
        produced = sum(r[1] for r in results)
        times = sorted(t for r in results for t in r[3])
        parts = [p for p in (list(range(partitions))[i::procs] for i in range(procs)) if p]
        start = time.perf_counter()
        readers = [ctx.Process(target=consume_isolated, args=(bootstrap, topic, ps, isolation, out))
                   for ps in parts]
        for r in readers:
            r.start()
        got = [out.get(timeout=600) for _ in readers]
        consume_s = time.perf_counter() - start
        for r in readers:
            r.join()
        consumed = sum(g[1] for g in got)
        row[mode] = {
            "produced": produced, "failed": sum(r[2] for r in results), "consumed": consumed,
            "isolation": isolation,
            "produce_rps": produced / produce_s, "consume_rps": consumed / consume_s,
            "round_ms_p50": 1000 * times[len(times) // 2],
            "round_ms_p95": 1000 * times[int(len(times) * 0.95)],
            "cpu_per_gb_produce": cpu_produce / (produced * size / 1e9),
        }
    row["ratio_p50"] = row["transactional"]["round_ms_p50"] / row["idempotent"]["round_ms_p50"]
    return row


def run_size(bootstrap, pid, size, records, procs, partitions):
    from confluent_kafka.admin import AdminClient, NewTopic
    topic = f"load-{size}"
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(topic, partitions, 1)])[topic].result(30)

    ctx = mp.get_context("fork")
    out = ctx.Queue()
    ready, go = ctx.Barrier(procs + 1), ctx.Event()
    per = records // procs
    workers = [ctx.Process(target=produce_worker,
                           args=(bootstrap, topic, per, size, ready, go, out))
               for _ in range(procs)]
    for w in workers:
        w.start()
    ready.wait()
    cpu0 = cpu_seconds(pid)
    start = time.perf_counter()
    go.set()
    results = [out.get(timeout=600) for _ in workers]
    produce_s = time.perf_counter() - start
    cpu_produce = cpu_seconds(pid) - cpu0
    for w in workers:
        w.join()
    produced = sum(r[1] for r in results)
    failed = sum(r[2] for r in results)
    rss_after = rss_mb(pid)

    parts = [list(range(partitions))[i::procs] for i in range(procs)]
    parts = [p for p in parts if p]
    cpu0 = cpu_seconds(pid)
    start = time.perf_counter()
    readers = [ctx.Process(target=consume_worker, args=(bootstrap, topic, ps, out)) for ps in parts]
    for r in readers:
        r.start()
    got = [out.get(timeout=600) for _ in readers]
    consume_s = time.perf_counter() - start
    cpu_consume = cpu_seconds(pid) - cpu0
    for r in readers:
        r.join()
    consumed = sum(g[1] for g in got)
    gb = produced * size / 1e9
    return {
        "size": size, "produced": produced, "failed": failed, "consumed": consumed,
        "produce_rps": produced / produce_s, "produce_mbps": produced * size / produce_s / 1e6,
        "consume_rps": consumed / consume_s, "consume_mbps": consumed * size / consume_s / 1e6,
        "cpu_per_gb_produce": cpu_produce / gb if gb else float("nan"),
        "cpu_per_gb_consume": cpu_consume / gb if gb else float("nan"),
        "rss_after_mb": rss_after,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "minikafka"))
    ap.add_argument("--records", type=int, default=2_400_000, help="100-byte records")
    ap.add_argument("--kb-records", type=int, default=600_000, help="1 KB records")
    ap.add_argument("--processes", type=int, default=4)
    ap.add_argument("--partitions", type=int, default=8)
    ap.add_argument("--fsync", default="interval=5")
    ap.add_argument("--txn-rounds", type=int, default=100,
                    help="rounds of 1,000 records per process, idempotent and transactional")
    ap.add_argument("--json", default=os.path.join(ROOT, "target", "bench", "load.json"),
                    help="where the results go (bench/report.py reads them)")
    ap.add_argument("--limits", default=os.path.join(ROOT, "target", "bench", "limits.json"),
                    help="the machine's limits measured by `cargo bench --bench limits` in the "
                         "same run; measured here instead if the file is missing")
    args = ap.parse_args()

    load_average = os.getloadavg()[0]
    work = tempfile.mkdtemp(prefix="minikafka-load-")
    if os.path.exists(args.limits):
        with open(args.limits) as f:
            limits = json.load(f)
        loopback = limits["loopback_bytes_per_s"] / 1e6
        fsyncs = limits["fsyncs_per_s"]
        limits_from = args.limits
    else:
        say("measuring loopback bandwidth and fsync rate")
        loopback = loopback_bandwidth()
        fsyncs = fsync_rate(work)
        limits_from = "bench/load.py"
    port = free_port()
    bootstrap = f"127.0.0.1:{port}"
    log = open(os.path.join(work, "server.log"), "w")
    server = subprocess.Popen([args.bin, "serve", "--listen", bootstrap, "--data-dir",
                               os.path.join(work, "data"), "--fsync", args.fsync],
                              stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.05)
        rows = []
        for size, records in [(100, args.records), (1024, args.kb_records)]:
            say(f"{records:,} records of {size} bytes, {args.processes} producer processes")
            r = run_size(bootstrap, server.pid, size, records, args.processes, args.partitions)
            say(f"  produce {r['produce_rps']:,.0f} rec/s ({r['produce_mbps']:.0f} MB/s), "
                f"consume {r['consume_rps']:,.0f} rec/s, RSS {r['rss_after_mb']:.0f} MB")
            rows.append(r)
        say(f"exactly-once: {args.processes} processes x {args.txn_rounds} rounds of 1,000 "
            "100-byte records, idempotent then in transactions")
        txn = run_transactions(bootstrap, server.pid, args.txn_rounds, args.processes,
                               args.partitions)
        for mode in ("idempotent", "transactional"):
            m = txn[mode]
            say(f"  {mode}: produce {m['produce_rps']:,.0f} rec/s (1,000 records in "
                f"{m['round_ms_p50']:.1f} ms p50), {m['isolation']} consume "
                f"{m['consume_rps']:,.0f} rec/s")
        say(f"  a transaction of 1,000 records costs {txn['ratio_p50']:.2f}x the idempotent time")
        peak = peak_rss_mb(server.pid)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)

    out = {
        "date": str(datetime.date.today()),
        # Other work on the machine: the clients and the broker share its cores with it.
        "load_average": load_average,
        "fsync": args.fsync,
        "processes": args.processes,
        "partitions": args.partitions,
        "rows": rows,
        "transactions": txn,
        "peak_rss_mb": peak,
        "loopback_mb_s": loopback,
        "fsyncs_per_s": fsyncs,
        "limits_from": limits_from,
    }
    os.makedirs(os.path.dirname(args.json), exist_ok=True)
    with open(args.json, "w") as f:
        json.dump(out, f, indent=1)
    say(f"wrote {args.json} (bench/report.py puts it in bench/RESULTS.md)")
    failed = sum(r["failed"] for r in rows) + sum(r["produced"] - r["consumed"] for r in rows)
    failed += sum(txn[m]["failed"] + txn[m]["produced"] - txn[m]["consumed"]
                  for m in ("idempotent", "transactional"))
    if failed:
        say(f"{failed} records failed or were not read back")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
