#!/usr/bin/env python3
"""A broker-bound load: librdkafka's own C load tool, rdkafka_performance, against `minikafka serve`.

bench/load.py drives the server with Python confluent-kafka processes, which spend the two
cores before the broker does. rdkafka_performance is librdkafka's C load generator (the one
librdkafka's maintainers benchmark with); built from the librdkafka 2.12.0 source in npm's
node-rdkafka@3.6.1, as tests/conformance/run.py builds it (its build(), libraries only),
then `make -C examples rdkafka_performance`.

For each fsync policy (always, interval=5, never), with a fresh data directory and server:
  - throughput: one producer (`-P -a -1 -X linger.ms=5 -X batch.size=1000000`, one
    partition), then one consumer reading it all (`-C -o beginning -p 0 -e`), at 1 KB and
    100 B records: MB/s and msgs/s from the tool's summary, the broker's CPU seconds per GB
    (utime+stime from /proc/<pid>/stat around each phase) and its peak RSS (VmHWM);
  - latency at a fixed rate (`-r 20000 -l -A <file>`, 1 KB): per-message produce latency
    (send to delivery report) and end to end (a consumer with -l reading the same
    partition), p50/p99/p99.9 from the per-message files.
Each throughput case runs --repeat times (BENCH_RDK_REPEAT, 3) and reports the median of
each figure, with the CPU the server's flushing threads spent in fsync (its `fsync:
flushes=.. cpu=..` shutdown line). Then, when `perf` is installed, a `perf record` of the
broker through one produce phase under `--fsync always`, by thread and function.
Then the fetch path with `sendfile` against `--sendfile false` (one copy), 1 KB, one partition.
Then, with `--fsync interval=5`: throughput and broker CPU/GB with 1, 8, 64 and 1,000
partitions (one producer spreading over them, one consumer of every partition) and with 1,
4 and 16 producer processes; the time to start on a data directory of 10 GB in 1,000
partitions (BENCH_START_GB) after a clean stop (SIGTERM; the page cache dropped first
when run as root, as after a reboot) and after a SIGKILL, until a
Metadata request is answered; and the group commit batch sizes the server logs at
shutdown under `--fsync always` (a `group commit: syncs=.. appends=.. mean=.. max=..` line,
"not reported" if it has none).

A case that fails is reported as failed with its reason; the others still run. Writes
target/bench/rdkperf.json and the "librdkafka load" section of bench/RESULTS.md (the other
sections are kept; bench/report.py renders the same section from the JSON). The exit status
is 1 when a target is missed or a case failed only with BENCH_STRICT=1.

Usage: bench/rdkperf.py [--bin target/release/minikafka] [--tool PATH] [--quick]
                        [--only throughput,latency,partitions,producers,start]
Sizes (flags, or environment): --records BENCH_RDK_RECORDS (1 KB records, 1,500,000),
--small-records BENCH_RDK_SMALL_RECORDS (100 B, 15,000,000), --scale-records
BENCH_RDK_SCALE_RECORDS (1 KB, per partitions/producers case, 1,000,000), --rate
BENCH_RDK_RATE (20,000/s), --latency-seconds BENCH_RDK_LATENCY_SECONDS (10), --start-gb
BENCH_START_GB (10), --start-partitions BENCH_START_PARTITIONS (1,000). --quick (or
BENCH_RDK_QUICK=1): small counts, for trying it out; its figures say so.
"""
import argparse
import datetime
import importlib.util
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
TICK = os.sysconf("SC_CLK_TCK")
TITLE = "librdkafka load"
POLICIES = ["always", "interval=5", "never"]
PRODUCER_OPTS = ["-a", "-1", "-X", "linger.ms=5", "-X", "batch.size=1000000"]
GROUPS = ["throughput", "reads", "profile", "latency", "partitions", "producers", "start"]

# The targets (issue 16).
CONSUME_OVER_PRODUCE = 1.2
CONSUME_CPU_S_PER_GB = 0.3
PRODUCE_CPU_S_PER_GB = 0.6
ALWAYS_OVER_INTERVAL = 0.7
ALWAYS_OVER_FSYNC_WRITE = 0.6
PARTITIONS_1000_OVER_8 = 0.7
RSS_MB = 100


def say(msg):
    print(f"[rdkperf] {msg}", file=sys.stderr, flush=True)


def target_dir():
    d = os.environ.get("CARGO_TARGET_DIR")
    return os.path.abspath(os.path.join(ROOT, d)) if d else os.path.join(ROOT, "target")


def env_int(name, default):
    v = os.environ.get(name)
    return int(float(v)) if v else default


def env_float(name, default):
    v = os.environ.get(name)
    return float(v) if v else default


# ---- rdkafka_performance ----------------------------------------------------------------

def conformance():
    """tests/conformance/run.py as a module: its build() and paths."""
    sys.dont_write_bytecode = True  # no __pycache__ in tests/conformance/
    path = os.path.join(ROOT, "tests", "conformance", "run.py")
    spec = importlib.util.spec_from_file_location("conformance_run", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build_tool(jobs):
    """librdkafka's libraries (tests/conformance/run.py's build), then the example."""
    conf = conformance()
    conf.build(jobs, tests=False)
    conf.run_logged(["make", "-C", "examples", "rdkafka_performance"], conf.SRC,
                    "make-rdkafka-performance.log")
    tool = os.path.join(conf.SRC, "examples", "rdkafka_performance")
    if not os.access(tool, os.X_OK):
        raise RuntimeError(f"make finished without {tool}")
    return tool


PRODUCED = re.compile(r"% (\d+) messages produced \((\d+) bytes\), (\d+) delivered "
                      r"\(offset (-?\d+), (\d+) failed\) in (\d+)ms: (\d+) msgs/s and ([\d.]+) MB/s")
CONSUMED = re.compile(r"% (\d+) messages \((\d+) bytes\) consumed in (\d+)ms: (\d+) msgs/s "
                      r"\(([\d.]+) MB/s\)")


RUNNING = []  # every Client started, so that a failed case leaves none behind
BROKERS = []  # every server started, so that an interrupted run leaves none behind


class Client:
    """One rdkafka_performance process; its output (line-buffered) in a file."""

    def __init__(self, tool, args, out_path):
        self.argv = [tool, *args]
        self.out_path = out_path
        self.out = open(out_path, "w")
        prefix = ["stdbuf", "-oL"] if shutil.which("stdbuf") else []
        self.proc = subprocess.Popen(prefix + self.argv, stdout=self.out,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.timed_out = False
        RUNNING.append(self)

    def wait(self, timeout):
        try:
            self.proc.wait(timeout=max(1, timeout))
        except subprocess.TimeoutExpired:
            # SIGINT: the tool stops, prints its summary and closes its -A file.
            self.timed_out = True
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.out.close()
        return self.proc.returncode

    def output(self):
        with open(self.out_path, errors="replace") as f:
            return f.read()

    def why(self):
        """The last lines of its output, for a failure's reason."""
        lines = [ln for ln in self.output().splitlines() if ln.strip()]
        tail = "; ".join(lines[-2:])[-300:]
        return ("timed out; " if self.timed_out else f"exit {self.proc.returncode}; ") + tail


# ---- the broker ---------------------------------------------------------------------------

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def status_mb(pid, key):
    with open(f"/proc/{pid}/status") as f:
        m = re.search(rf"{key}:\s+(\d+) kB", f.read())
    return int(m.group(1)) / 1024 if m else None


def kafka_string(s):
    b = s.encode()
    return struct.pack(">h", len(b)) + b


def metadata(port, topics=(), timeout=10.0):
    """One Metadata v0 request on a new connection; v0 with no topics asks for all of them,
    and a named topic that does not exist is created (the server's --default-partitions).
    Returns {topic: partitions}."""
    body = struct.pack(">hhi", 3, 0, 1) + kafka_string("rdkperf")
    body += struct.pack(">i", len(topics)) + b"".join(kafka_string(t) for t in topics)
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.settimeout(timeout)
        s.sendall(struct.pack(">i", len(body)) + body)

        def read(n):
            buf = b""
            while len(buf) < n:
                chunk = s.recv(n - len(buf))
                if not chunk:
                    raise ConnectionError("connection closed before the Metadata response")
                buf += chunk
            return buf

        size = struct.unpack(">i", read(4))[0]
        data = read(size)
    pos = 4  # correlation id

    def take(fmt):
        nonlocal pos
        v = struct.unpack_from(fmt, data, pos)
        pos += struct.calcsize(fmt)
        return v[0]

    def string():
        nonlocal pos
        n = take(">h")
        s = data[pos:pos + max(n, 0)].decode(errors="replace")
        pos += max(n, 0)
        return s

    for _ in range(take(">i")):  # brokers
        take(">i")
        string()
        take(">i")
    out = {}
    for _ in range(take(">i")):
        take(">h")
        name = string()
        n = take(">i")
        for _ in range(n):
            take(">h")
            take(">i")
            take(">i")
            for _ in range(take(">i")):
                take(">i")
            for _ in range(take(">i")):
                take(">i")
        out[name] = n
    return out


def wait_metadata(proc, port, deadline, want_partitions=None):
    """Seconds until the server answers Metadata (with want_partitions partitions in all,
    if given); raises if it exits or the deadline passes."""
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        left = deadline - time.monotonic()
        if left <= 0:
            raise RuntimeError("server did not answer Metadata in time")
        try:
            topics = metadata(port, timeout=min(left, 60))
            if want_partitions is None or sum(topics.values()) >= want_partitions:
                return topics
        except (OSError, struct.error):
            pass
        time.sleep(0.01)


GROUP_COMMIT = re.compile(r"group commit:")


def group_commit(log_text):
    """The server's `group commit: syncs=.. appends=.. mean=.. max=..` shutdown line."""
    for line in reversed(log_text.splitlines()):
        if GROUP_COMMIT.search(line):
            out = {}
            for key in ("syncs", "appends", "mean", "max"):
                m = re.search(rf"\b{key}=([\d.]+)", line)
                out[key] = float(m.group(1)) if m else None
            return out
    return None


FSYNC_COST = re.compile(r"fsync: flushes=(\d+) cpu=([\d.]+)s")


def fsync_cost(log_text):
    """The server's `fsync: flushes=.. cpu=..s` shutdown line: how much CPU its flushing
    threads spent in fsync while serving, the kernel's write-back that `--fsync never`
    leaves to the kernel's own threads."""
    for line in reversed(log_text.splitlines()):
        m = FSYNC_COST.search(line)
        if m:
            return {"flushes": int(m.group(1)), "cpu_s": float(m.group(2))}
    return None


class Broker:
    """`minikafka serve` on a free port with its own data directory, stopped by its PID."""

    def __init__(self, ctx, name, fsync, partitions=1, data_dir=None, extra=()):
        self.ctx, self.name = ctx, name
        self.extra = list(extra)
        self.port = free_port()
        self.own_dir = data_dir is None
        self.data_dir = data_dir or tempfile.mkdtemp(prefix=f"{name}-", dir=ctx.work)
        self.log_path = os.path.join(ctx.logs, f"server-{name}.log")
        self.peak_mb = 0.0
        self.group_commit = None
        self.fsync_cost = None
        self.start(fsync, partitions)

    def start(self, fsync, partitions):
        self.log = open(self.log_path, "a")
        argv = [self.ctx.bin, "serve", "--data-dir", self.data_dir, "--listen",
                f"127.0.0.1:{self.port}", "--fsync", fsync,
                "--default-partitions", str(partitions)] + self.extra
        self.started = time.monotonic()
        self.started_wall = time.time()
        self.proc = subprocess.Popen(argv, stdout=self.log, stderr=subprocess.STDOUT,
                                     env=dict(os.environ, RUST_LOG="info", NO_COLOR="1"))
        self.pid = self.proc.pid
        BROKERS.append(self)

    def ready(self, timeout=60.0, want_partitions=None):
        """Seconds from start until Metadata is answered."""
        try:
            wait_metadata(self.proc, self.port, self.started + timeout, want_partitions)
        except RuntimeError as e:
            self.log.flush()
            with open(self.log_path, errors="replace") as f:
                tail = [ln.strip() for ln in f if ln.strip()][-2:]
            raise RuntimeError(f"{e}" + (f": {'; '.join(tail)}" if tail else "")) from None
        return time.monotonic() - self.started

    def loaded_seconds(self):
        """Seconds from start to the server's "storage loaded" log line, or None."""
        self.log.flush()
        with open(self.log_path, errors="replace") as f:
            lines = [ln for ln in f if "storage loaded" in ln]
        m = re.match(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?)Z", lines[-1]) if lines else None
        if not m:
            return None
        when = datetime.datetime.fromisoformat(m.group(1)).replace(tzinfo=datetime.timezone.utc)
        return when.timestamp() - self.started_wall

    @property
    def bootstrap(self):
        return f"127.0.0.1:{self.port}"

    def cpu(self):
        return cpu_seconds(self.pid)

    def sample_rss(self):
        hwm = status_mb(self.pid, "VmHWM")
        if hwm is not None:
            self.peak_mb = max(self.peak_mb, hwm)
        return hwm

    def create_topic(self, topic, partitions, timeout=30.0):
        deadline = time.monotonic() + timeout
        while True:
            got = metadata(self.port, [topic]).get(topic, 0)
            if got >= partitions:
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"topic {topic} has {got} partitions, not {partitions}")
            time.sleep(0.05)

    def stop(self, sig=signal.SIGTERM, timeout=120):
        """Stop by PID; returns the seconds it took (a SIGTERM flushes everything written).
        Reads the group commit line."""
        if self.proc.poll() is None:
            try:
                self.sample_rss()
            except OSError:
                pass
            t0 = time.monotonic()
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise RuntimeError(f"server did not stop within {timeout} s of signal {sig}")
            took = time.monotonic() - t0
        else:
            took = 0.0
        self.log.close()
        with open(self.log_path, errors="replace") as f:
            text = f.read()
        gc = group_commit(text)
        if gc is not None:
            self.group_commit = gc
        self.fsync_cost = fsync_cost(text)
        return took

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if not self.log.closed:
            self.log.close()
        if self.own_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)


# ---- phases -------------------------------------------------------------------------------

def shown(argv):
    """A command line as the report shows it: no port, no temporary paths."""
    out, hide = ["rdkafka_performance"], {"-b": "127.0.0.1:PORT", "-A": "FILE"}
    for i, a in enumerate(argv):
        out.append(hide[argv[i - 1]] if i and argv[i - 1] in hide else a)
    return " ".join(out)


def budget(nbytes, floor=120):
    """A generous timeout: 5 MB/s at worst."""
    return floor + nbytes / 5e6


def produce(ctx, broker, topic, size, count, processes=1, partition=0, extra=()):
    """`processes` producers of count/processes records each, started together. Throughput
    is the records delivered over the span from the first producer's start to the last one's
    last delivery report (each producer's own time, first send to last delivery report, as
    the tool measures it, placed at its launch)."""
    per = [count // processes + (1 if i < count % processes else 0) for i in range(processes)]
    clients = []
    cpu0 = broker.cpu()
    t0 = time.monotonic()
    for i, n in enumerate(per):
        args = ["-P", "-t", topic, "-b", broker.bootstrap, "-s", str(size), "-c", str(n),
                *PRODUCER_OPTS, *extra]
        if partition is not None:
            args += ["-p", str(partition)]
        clients.append(Client(ctx.tool, args, os.path.join(ctx.logs, f"{topic}-producer-{i}.out")))
        clients[-1].launched = time.monotonic() - t0
    for c in clients:
        c.wait(budget(count * size) - (time.monotonic() - t0))
    wall = time.monotonic() - t0
    cpu = broker.cpu() - cpu0
    broker.sample_rss()
    delivered, span, errors = 0, 0.0, []
    for c, n in zip(clients, per):
        m = PRODUCED.findall(c.output())
        if c.proc.returncode != 0 or not m or int(m[-1][2]) < n:
            got = int(m[-1][2]) if m else 0
            errors.append(f"producer delivered {got:,} of {n:,} ({c.why()})")
        if m:
            delivered += int(m[-1][2])
            span = max(span, c.launched + int(m[-1][5]) / 1000)
    seconds = span or wall
    nbytes = delivered * size
    return {
        "ok": not errors, "error": "; ".join(errors)[:500] if errors else None,
        "processes": processes, "records": delivered, "bytes": nbytes, "seconds": seconds,
        "wall_seconds": wall, "msgs_s": delivered / seconds if seconds else 0,
        "mb_s": nbytes / seconds / 1e6 if seconds else 0, "cpu_s": cpu,
        "cpu_s_per_gb": cpu / (nbytes / 1e9) if nbytes else None,
        "command": shown(clients[0].argv[1:]),
    }


def consume(ctx, broker, topic, size, expected, partitions):
    """One consumer of the given partitions from the beginning to their ends (-e)."""
    args = ["-C", "-t", topic, "-b", broker.bootstrap, "-o", "beginning", "-e",
            "-c", str(expected)]
    for p in partitions:
        args += ["-p", str(p)]
    cpu0 = broker.cpu()
    t0 = time.monotonic()
    c = Client(ctx.tool, args, os.path.join(ctx.logs, f"{topic}-consumer.out"))
    c.wait(budget(expected * size))
    wall = time.monotonic() - t0
    cpu = broker.cpu() - cpu0
    broker.sample_rss()
    m = CONSUMED.findall(c.output())
    got = int(m[-1][0]) if m else 0
    nbytes = int(m[-1][1]) if m else 0
    seconds = int(m[-1][2]) / 1000 if m and int(m[-1][2]) else wall
    error = None
    if c.proc.returncode != 0 or got < expected:
        error = f"consumer read {got:,} of {expected:,} ({c.why()})"
    listed = ["-p", "0"] if len(partitions) == 1 else ["-p", "0", "...", "-p", str(partitions[-1])]
    return {
        "ok": error is None, "error": error, "records": got, "bytes": nbytes,
        "seconds": seconds, "wall_seconds": wall, "msgs_s": got / seconds if seconds else 0,
        "mb_s": nbytes / seconds / 1e6 if seconds else 0, "cpu_s": cpu,
        "cpu_s_per_gb": cpu / (nbytes / 1e9) if nbytes else None,
        "command": shown(args[:-2 * len(partitions)] + listed),
    }


def percentiles(path, warmup):
    """p50/p99/p99.9 of the per-message latencies (µs, one a line, in send order) after the
    first `warmup` messages (connection set-up, first metadata)."""
    try:
        with open(path) as f:
            values = [int(x) for x in f.read().split() if x.strip().lstrip("-").isdigit()]
    except OSError:
        values = []
    values = sorted(values[warmup:])
    if not values:
        return None
    n = len(values)

    def q(p):
        return values[min(n - 1, int(p * n))] / 1000  # µs -> ms

    return {"n": n, "p50_ms": q(0.50), "p99_ms": q(0.99), "p999_ms": q(0.999),
            "max_ms": values[-1] / 1000, "mean_ms": sum(values) / n / 1000}


# ---- cases --------------------------------------------------------------------------------

def case(fn):
    """Run one case; a failure becomes {"ok": False, "error": ...} and the run goes on."""
    def wrapped(ctx, *args):
        t0 = time.monotonic()
        try:
            out = fn(ctx, *args)
        except Exception as e:  # noqa: BLE001 - a failed case is reported, not fatal
            say(f"  FAILED: {e}")
            out = {"ok": False, "error": str(e)[:500]}
        finally:
            for c in RUNNING:
                if c.proc.poll() is None:
                    c.proc.kill()
                    c.proc.wait()
            RUNNING.clear()
        out["case_seconds"] = time.monotonic() - t0
        return out
    return wrapped


def finish(broker, out):
    """Stop the broker (SIGTERM), record its peak RSS and group commit line."""
    try:
        out["stop_seconds"] = broker.stop()
    finally:
        broker.close()
    out["rss_peak_mb"] = broker.peak_mb or None
    out["group_commit"] = broker.group_commit
    out["fsync_cost"] = broker.fsync_cost
    return out


@case
def throughput_case(ctx, policy, size, records):
    topic = f"tp-{size}"
    broker = Broker(ctx, f"throughput-{policy.replace('=', '')}-{size}", policy)
    out = {"policy": policy, "size": size}
    try:
        broker.ready()
        broker.create_topic(topic, 1)
        p = produce(ctx, broker, topic, size, records)
        out["produce"] = p
        say(f"  produce: {fmt_phase(p)}")
        if p["records"]:
            c = consume(ctx, broker, topic, size, p["records"], [0])
            out["consume"] = c
            say(f"  consume: {fmt_phase(c)}")
    except Exception:
        broker.close()
        raise
    finish(broker, out)
    out["ok"] = bool(out.get("produce", {}).get("ok") and out.get("consume", {}).get("ok"))
    say(f"  broker RSS peak {out['rss_peak_mb'] or 0:.0f} MB; group commit: "
        + (fmt_gc(out["group_commit"]) if out["group_commit"] else "not reported")
        + "; " + fmt_fsync_cost(out))
    return out


PHASE_FIGURES = ("seconds", "msgs_s", "mb_s", "cpu_s", "cpu_s_per_gb")


def median_run(runs):
    """One result from several runs of a case: each figure of each phase is the median of
    the runs that succeeded (so a figure and its neighbour may come from different runs);
    the RSS peak is the highest; every run is kept under "runs"."""
    good = [r for r in runs if r.get("ok")]
    if not good:
        return dict(runs[-1], runs=runs)

    def median(values):
        values = sorted(values)
        n = len(values)
        return values[n // 2] if n % 2 else (values[n // 2 - 1] + values[n // 2]) / 2

    out = dict(good[0], runs=runs)
    for phase in ("produce", "consume"):
        if all(r.get(phase) for r in good):
            merged = dict(good[0][phase])
            for key in PHASE_FIGURES:
                vals = [r[phase][key] for r in good if r[phase].get(key) is not None]
                if vals:
                    merged[key] = median(vals)
            out[phase] = merged
    costs = [r["fsync_cost"] for r in good if r.get("fsync_cost")]
    if costs:
        out["fsync_cost"] = {"flushes": int(median([c["flushes"] for c in costs])),
                             "cpu_s": median([c["cpu_s"] for c in costs])}
    peaks = [r["rss_peak_mb"] for r in good if r.get("rss_peak_mb")]
    out["rss_peak_mb"] = max(peaks) if peaks else None
    return out


@case
def reads_case(ctx, records, sendfile):
    """One partition of 1 KB records (`--fsync interval=5`), then one consumer reading it all
    twice: the fetch path with `sendfile` (zero copy) or with `--sendfile false` (one copy
    out of the page cache through the server). The second read is the one reported: the
    first warms what both need (the page cache, the consumer)."""
    topic = "reads"
    broker = Broker(ctx, f"reads-{'sendfile' if sendfile else 'copy'}", "interval=5",
                    extra=["--sendfile", "true" if sendfile else "false"])
    out = {"sendfile": sendfile, "size": 1024}
    try:
        broker.ready()
        broker.create_topic(topic, 1)
        p = produce(ctx, broker, topic, 1024, records)
        if not p["ok"]:
            raise RuntimeError(f"produce failed: {p['error']}")
        consume(ctx, broker, topic, 1024, p["records"], [0])
        c = consume(ctx, broker, topic, 1024, p["records"], [0])
        out["consume"] = c
        say(f"  {'sendfile' if sendfile else 'one copy'}: {fmt_phase(c)}")
    except Exception:
        broker.close()
        raise
    finish(broker, out)
    out["ok"] = bool(out.get("consume", {}).get("ok"))
    return out


@case
def profile_case(ctx, records):
    """`perf record` on the broker through one 1 KB produce phase under `--fsync always`:
    the share of its CPU in the kernel against its own code, by thread and by function.
    Skipped (not failed) when `perf` is missing or not allowed."""
    perf = shutil.which("perf")
    if not perf:
        return {"ok": True, "skipped": "perf is not installed (Debian: apt-get install linux-perf)"}
    topic = "profile"
    broker = Broker(ctx, "profile", "always")
    out = {"policy": "always", "size": 1024, "records": records}
    data = os.path.join(ctx.work, "profile.perf")
    try:
        broker.ready()
        broker.create_topic(topic, 1)
        rec = subprocess.Popen([perf, "record", "-F", "999", "-o", data, "-p", str(broker.pid)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        time.sleep(0.5)
        p = produce(ctx, broker, topic, 1024, records)
        rec.send_signal(signal.SIGINT)
        try:
            _, err = rec.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            rec.kill()
            _, err = rec.communicate()
        out["produce"] = p
        if not os.path.exists(data) or os.path.getsize(data) == 0:
            finish(broker, out)
            return dict(out, ok=True, skipped=f"perf record gave nothing: {err.strip()[-300:]}")

        def report(sort, limit):
            r = subprocess.run([perf, "report", "-i", data, "--no-children", "--sort", sort,
                                "--stdio", "--percent-limit", "0.5"],
                               capture_output=True, text=True, timeout=300)
            rows = []
            for line in r.stdout.splitlines():
                m = re.match(r"\s+([\d.]+)%\s+(.+?)\s*$", line)
                if m:
                    rows.append((float(m.group(1)), m.group(2)))
            return rows[:limit]

        out["by_dso"] = report("dso", 6)
        out["by_thread"] = report("comm", 6)
        out["by_symbol"] = report("dso,sym", 14)
        kernel = sum(v for v, name in out["by_dso"] if "kernel" in name)
        out["kernel_share"] = kernel
        say(f"  {kernel:.0f}% of the broker's samples in the kernel; top: "
            + "; ".join(f"{v:.1f}% {n}" for v, n in out["by_symbol"][:6]))
    except Exception:
        broker.close()
        raise
    finish(broker, out)
    out["ok"] = bool(out.get("produce", {}).get("ok"))
    return out


@case
def latency_case(ctx, policy, rate, seconds, size=1024):
    topic = "latency"
    broker = Broker(ctx, f"latency-{policy.replace('=', '')}", policy)
    count = int(rate * seconds)
    out = {"policy": policy, "size": size, "rate": rate, "records": count}
    prod_file = os.path.join(ctx.logs, f"latency-{policy.replace('=', '')}-produce.txt")
    cons_file = os.path.join(ctx.logs, f"latency-{policy.replace('=', '')}-e2e.txt")
    try:
        broker.ready()
        broker.create_topic(topic, 1)
        # The consumer first, from the end; the producer once it has reached it.
        consumer = Client(ctx.tool, ["-C", "-t", topic, "-b", broker.bootstrap, "-p", "0",
                                     "-o", "end", "-l", "-A", cons_file, "-c", str(count)],
                          os.path.join(ctx.logs, f"latency-{policy.replace('=', '')}-consumer.out"))
        deadline = time.monotonic() + 30
        if not shutil.which("stdbuf"):  # its output is block-buffered: give it time instead
            time.sleep(3)
        while shutil.which("stdbuf") and "Consumer reached end" not in consumer.output():
            if consumer.proc.poll() is not None or time.monotonic() > deadline:
                consumer.wait(1)
                raise RuntimeError(f"latency consumer never reached the end ({consumer.why()})")
            time.sleep(0.05)
        cpu0 = broker.cpu()
        producer = Client(ctx.tool, ["-P", "-t", topic, "-b", broker.bootstrap, "-p", "0",
                                     "-s", str(size), "-c", str(count), "-r", str(rate), "-l",
                                     "-A", prod_file, *PRODUCER_OPTS],
                          os.path.join(ctx.logs, f"latency-{policy.replace('=', '')}-producer.out"))
        producer.wait(seconds * 3 + 60)
        consumer.wait(30)
        cpu = broker.cpu() - cpu0
        broker.sample_rss()
        m = PRODUCED.findall(producer.output())
        if m:
            out["achieved_rate"] = int(m[-1][2]) / (int(m[-1][5]) / 1000) if int(m[-1][5]) else None
            out["delivered"] = int(m[-1][2])
        out["broker_cpu_pct"] = 100 * cpu / max(1e-9, int(m[-1][5]) / 1000) if m and int(m[-1][5]) else None
        # The first second (at most a tenth of the run) is warm-up, left out.
        out["warmup"] = warmup = min(int(rate), count // 10)
        out["produce"] = percentiles(prod_file, warmup)
        out["e2e"] = percentiles(cons_file, warmup)
        errors = []
        if producer.proc.returncode != 0 or not m or int(m[-1][2]) < count:
            errors.append(f"producer: {producer.why()}")
        if out["e2e"] is None or out["e2e"]["n"] < count - warmup:
            errors.append(f"consumer got {out['e2e']['n'] if out['e2e'] else 0:,} of {count:,} "
                          f"({consumer.why()})")
        out["error"] = "; ".join(errors)[:500] if errors else None
        out["command"] = shown(producer.argv[1:])
    except Exception:
        broker.close()
        raise
    finish(broker, out)
    out["ok"] = out["error"] is None and out["produce"] is not None
    say(f"  produce latency {fmt_lat(out['produce'])}; end to end {fmt_lat(out['e2e'])}; "
        f"{out.get('achieved_rate') or 0:,.0f} msg/s achieved")
    return out


@case
def scale_case(ctx, partitions, processes, records, policy, read_back):
    topic = f"scale-{partitions}p-{processes}x"
    broker = Broker(ctx, f"scale-{partitions}p-{processes}x", policy, partitions=partitions)
    out = {"policy": policy, "partitions": partitions, "processes": processes, "size": 1024}
    try:
        broker.ready()
        broker.create_topic(topic, partitions)
        p = produce(ctx, broker, topic, 1024, records, processes=processes, partition=None)
        out["produce"] = p
        say(f"  produce: {fmt_phase(p)}")
        if read_back and p["records"]:
            c = consume(ctx, broker, topic, 1024, p["records"], list(range(partitions)))
            out["consume"] = c
            say(f"  consume: {fmt_phase(c)}")
    except Exception:
        broker.close()
        raise
    finish(broker, out)
    out["ok"] = bool(out["produce"]["ok"] and (not read_back or out.get("consume", {}).get("ok")))
    return out


@case
def start_case(ctx, gb, partitions):
    out = {"partitions": partitions, "asked_gb": gb}
    free = shutil.disk_usage(ctx.work).free
    if free < 2 * gb * 1e9:
        scaled = max(0.01, round(free / 2 / 1e9 * 0.9, 2))
        note = (f"only {free / 1e9:.1f} GB free in {ctx.work}: filled {scaled} GB instead of "
                f"{gb} GB (the test wants twice the data in free space)")
        say(f"  NOTE: {note}")
        out["note"] = note
        gb = scaled
    out["gb"] = gb
    topic = "start"
    records = int(gb * 1e9 / 1024)
    data_dir = tempfile.mkdtemp(prefix="start-", dir=ctx.work)
    try:
        broker = Broker(ctx, "start-fill", "never", partitions=partitions, data_dir=data_dir)
        try:
            broker.ready()
            broker.create_topic(topic, partitions)
            say(f"  filling: {records:,} x 1 KB records over {partitions:,} partitions "
                "(2 producers, --fsync never)")
            p = produce(ctx, broker, topic, 1024, records, processes=2, partition=None)
            out["fill"] = p
            say(f"  filled: {fmt_phase(p)}")
            if not p["ok"]:
                raise RuntimeError(f"fill failed: {p['error']}")
            # Filled under --fsync never: the stop flushes it all.
            out["clean_stop_seconds"] = broker.stop(signal.SIGTERM, timeout=1800)
        finally:
            broker.close()
        peak = broker.peak_mb
        out["fill_rss_peak_mb"] = broker.peak_mb or None
        out["data_bytes"] = du(data_dir)
        out["cold_cache"] = drop_page_cache()
        say(f"  {out['data_bytes'] / 1e9:.2f} GB on disk; starting again after SIGTERM "
            + ("with the page cache dropped (a start after a reboot)" if out["cold_cache"]
               else "(page cache not dropped: not root)"))

        broker = Broker(ctx, "start-clean", "interval=5", partitions=partitions,
                        data_dir=data_dir)
        try:
            out["clean_start_seconds"] = broker.ready(timeout=900, want_partitions=partitions)
            out["clean_loaded_seconds"] = broker.loaded_seconds()
            out["clean_start_cpu_s"] = broker.cpu()
            out["rss_after_start_mb"] = status_mb(broker.pid, "VmRSS")
            broker.sample_rss()
            out["clean_start_rss_peak_mb"] = broker.peak_mb or None
            say(f"  answered Metadata {out['clean_start_seconds']:.2f} s after start "
                f"(storage loaded at {fmt_s(out['clean_loaded_seconds'])}); "
                "writing a little more, then SIGKILL")
            more = produce(ctx, broker, topic, 1024, min(records, 20_000), partition=None)
            if not more["ok"]:
                raise RuntimeError(f"produce before SIGKILL failed: {more['error']}")
            broker.stop(signal.SIGKILL)
        finally:
            broker.close()
        peak = max(peak, broker.peak_mb)

        broker = Broker(ctx, "start-killed", "interval=5", partitions=partitions,
                        data_dir=data_dir)
        try:
            out["killed_start_seconds"] = broker.ready(timeout=900, want_partitions=partitions)
            out["killed_loaded_seconds"] = broker.loaded_seconds()
            out["killed_start_cpu_s"] = broker.cpu()
            broker.sample_rss()
            out["partitions_answered"] = sum(metadata(broker.port).values())
            say(f"  answered Metadata {out['killed_start_seconds']:.2f} s after start "
                f"(after SIGKILL; storage loaded at {fmt_s(out['killed_loaded_seconds'])}), "
                f"{out['partitions_answered']:,} partitions")
            broker.stop(signal.SIGTERM)
        finally:
            broker.close()
        out["rss_peak_mb"] = max(peak, broker.peak_mb) or None
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    out["ok"] = True
    return out


def drop_page_cache():
    """Empty the kernel's page cache, so that a start reads its data from the disk as after
    a reboot. Only root may; returns whether it was done."""
    try:
        os.sync()
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("1\n")
        return True
    except OSError:
        return False


def du(path):
    total = 0
    for dirpath, _, files in os.walk(path):
        for f in files:
            try:
                total += os.stat(os.path.join(dirpath, f)).st_blocks * 512
            except OSError:
                pass
    return total


# ---- the machine ---------------------------------------------------------------------------

def fsync_write_rate(directory, seconds=0.7):
    """Bytes/s appended in 1 MiB writes with an fdatasync after each (best of three), as
    core/benches/limits.rs measures it; used when limits.json has no such figure."""
    path = os.path.join(directory, "rdkperf-fsync-write-probe")
    block = os.urandom(1 << 20)
    best = 0.0
    for _ in range(3):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            n = 0
            start = time.perf_counter()
            while time.perf_counter() - start < seconds:
                os.write(fd, block)
                os.fdatasync(fd)
                n += len(block)
            best = max(best, n / (time.perf_counter() - start))
        finally:
            os.close(fd)
    os.remove(path)
    return best


def first_touch_rate():
    """Bytes/s written in 1 MiB pieces into 1 GiB of fresh anonymous memory, the first time
    (as core/benches/limits.rs measures it): what filling new pages costs on this machine,
    page cache included. Used when limits.json has no such figure."""
    import mmap
    size, piece = 1 << 30, b"\x07" * (1 << 20)
    m = mmap.mmap(-1, size)
    try:
        start = time.perf_counter()
        for off in range(0, size, len(piece)):
            m[off:off + len(piece)] = piece
        return size / (time.perf_counter() - start)
    finally:
        m.close()


def machine():
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = re.search(r"model name\s*:\s*(.*)", f.read()).group(1).strip()
    except (OSError, AttributeError):
        pass
    return {"nproc": os.cpu_count(), "cpu": cpu, "kernel": " ".join(os.uname()[2:3]),
            "load_average_start": os.getloadavg()[0]}


def git(*args):
    try:
        return subprocess.run(["git", *args], capture_output=True, text=True, cwd=ROOT).stdout.strip()
    except OSError:
        return ""


# ---- formatting -----------------------------------------------------------------------------

def fmt_phase(p):
    if not p:
        return "not run"
    s = (f"{p['records']:,} records in {p['seconds']:.2f} s: {p['msgs_s']:,.0f} msg/s, "
         f"{p['mb_s']:.1f} MB/s, broker CPU {p['cpu_s']:.2f} s"
         + (f" = {p['cpu_s_per_gb']:.2f} s/GB" if p.get("cpu_s_per_gb") is not None else ""))
    return s + ("" if p["ok"] else f" FAILED: {p['error']}")


def fmt_s(v):
    return "?" if v is None else f"{v:.2f} s"


def outside_fsync(r):
    """Broker CPU s/GB to produce without its flushing threads' time in fsync, or None.
    The throughput case's only writes are its produce phase (the consume phase reads), and
    the count stops before the final flush at shutdown."""
    p, cost = r.get("produce"), r.get("fsync_cost")
    if not p or not cost or not p.get("bytes"):
        return None
    return max(0.0, p["cpu_s"] - cost["cpu_s"]) / (p["bytes"] / 1e9)


def fmt_fsync_cost(r):
    cost = r.get("fsync_cost")
    if not cost:
        return "fsync cost not reported"
    rest = outside_fsync(r)
    return (f"fsync: {cost['flushes']:,} flushes, {cost['cpu_s']:.2f} s CPU"
            + (f"; produce CPU outside fsync {rest:.2f} s/GB" if rest is not None else ""))


def fsync_cell(r):
    cost, p = r.get("fsync_cost"), r.get("produce")
    if not cost or not p or not p.get("bytes"):
        return "—"
    return (f"{cost['cpu_s'] / (p['bytes'] / 1e9):.2f} s/GB in {cost['flushes']:,} flushes "
            f"(outside: {outside_fsync(r):.2f})")


def fmt_lat(lat):
    if not lat:
        return "none"
    return f"p50 {lat['p50_ms']:.2f} / p99 {lat['p99_ms']:.2f} / p99.9 {lat['p999_ms']:.2f} ms"


def fmt_gc(gc):
    def n(v):
        return "?" if v is None else (f"{v:,.0f}" if float(v).is_integer() else f"{v:,.2f}")
    return f"syncs={n(gc['syncs'])} appends={n(gc['appends'])} mean={n(gc['mean'])} max={n(gc['max'])}"


def cell_failed(x):
    reason = (x or {}).get("error") or "not run"
    return "failed: " + reason.replace("|", "\\|").replace("\n", " ")[:160]


def rate_cell(p):
    if not p:
        return "not run"
    if not p.get("ok") and not p.get("records"):
        return cell_failed(p)
    s = f"**{p['mb_s']:,.1f} MB/s** ({p['msgs_s']:,.0f} msg/s)"
    return s if p.get("ok") else s + " " + cell_failed(p)


def cpu_cell(*phases):
    vals = [f"{p['cpu_s_per_gb']:.2f}" if p and p.get("cpu_s_per_gb") is not None else "—"
            for p in phases]
    return ", ".join(vals)


def mb_cell(v):
    return f"{v:.0f} MB" if v else "—"


def lat_cell(lat):
    if not lat:
        return "—"
    return f"{lat['p50_ms']:.2f} / {lat['p99_ms']:.2f} / {lat['p999_ms']:.2f} ms"


def fmt_bytes_rate(b):
    return f"{b / 1e9:.2f} GB/s" if b >= 1e9 else f"{b / 1e6:.0f} MB/s"


# ---- targets ----------------------------------------------------------------------------------

def targets(data):
    """[(target, measured, ratio, result)]; result is met, missed or not measured."""
    rows = []
    tp = {(r.get("policy"), r.get("size")): r for r in data.get("throughput", [])}

    def ok(phase):
        return phase is not None and phase.get("ok")

    def row(name, measured, ratio, met):
        rows.append((name, measured, ratio, "met" if met else "missed"))

    def absent(name, why="not measured (case failed or not run)"):
        rows.append((name, "—", "—", why))

    for policy in data.get("policies", POLICIES):
        r = tp.get((policy, 1024), {})
        p, c = r.get("produce"), r.get("consume")
        name = f"consume ≥ {CONSUME_OVER_PRODUCE}x produce, 1 KB, `--fsync {policy}`"
        if ok(p) and ok(c):
            ratio = c["mb_s"] / p["mb_s"]
            row(name, f"{c['mb_s']:,.1f} vs {p['mb_s']:,.1f} MB/s", f"{ratio:.2f}x",
                ratio >= CONSUME_OVER_PRODUCE)
        else:
            absent(name)
    for what, key, limit in [("consume", "consume", CONSUME_CPU_S_PER_GB),
                             ("produce", "produce", PRODUCE_CPU_S_PER_GB)]:
        name = f"broker CPU to {what} ≤ {limit} s/GB (1 KB, worst policy)"
        vals = [(r[key]["cpu_s_per_gb"], r["policy"]) for r in data.get("throughput", [])
                if r.get("size") == 1024 and ok(r.get(key)) and r[key].get("cpu_s_per_gb") is not None]
        if vals:
            worst, policy = max(vals)
            measured = f"{worst:.2f} s/GB (`{policy}`)"
            if key == "produce":
                worst_run = next(r for r in data.get("throughput", [])
                                 if r.get("size") == 1024 and r.get("policy") == policy)
                rest = outside_fsync(worst_run)
                if rest is not None:
                    measured += f", {rest:.2f} s/GB outside the fsync write-back"
            row(name, measured, f"{worst / limit:.2f}x the budget", worst <= limit)
        else:
            absent(name)
    always, interval = tp.get(("always", 1024), {}).get("produce"), tp.get(("interval=5", 1024), {}).get("produce")
    name = f"`--fsync always` produce ≥ {ALWAYS_OVER_INTERVAL}x `interval=5`, 1 KB"
    if ok(always) and ok(interval):
        ratio = always["mb_s"] / interval["mb_s"]
        row(name, f"{always['mb_s']:,.1f} vs {interval['mb_s']:,.1f} MB/s", f"{ratio:.2f}x",
            ratio >= ALWAYS_OVER_INTERVAL)
    else:
        absent(name)
    name = f"`--fsync always` produce ≥ {ALWAYS_OVER_FSYNC_WRITE}x the fsync'd sequential write rate, 1 KB"
    limit = (data.get("limits") or {}).get("fsync_write_bytes_per_s")
    if ok(always) and limit:
        ratio = always["mb_s"] * 1e6 / limit
        row(name, f"{always['mb_s']:,.1f} MB/s vs {fmt_bytes_rate(limit)}", f"{ratio:.2f}x",
            ratio >= ALWAYS_OVER_FSYNC_WRITE)
    else:
        absent(name)
    sc = {(r.get("partitions"), r.get("processes")): r for r in data.get("partitions", [])}
    a, b = sc.get((1000, 1), {}).get("produce"), sc.get((8, 1), {}).get("produce")
    name = f"1,000 partitions keep ≥ {PARTITIONS_1000_OVER_8}x the 8-partition produce throughput"
    if ok(a) and ok(b):
        ratio = a["mb_s"] / b["mb_s"]
        row(name, f"{a['mb_s']:,.1f} vs {b['mb_s']:,.1f} MB/s", f"{ratio:.2f}x",
            ratio >= PARTITIONS_1000_OVER_8)
    else:
        absent(name)
    peaks = [(r["rss_peak_mb"], label) for label, r in all_cases(data) if r.get("rss_peak_mb")]
    name = f"broker RSS < {RSS_MB} MB throughout (peak VmHWM of every server)"
    if peaks:
        peak, label = max(peaks)
        row(name, f"{peak:.0f} MB ({label})", f"{peak / RSS_MB:.2f}x the budget", peak < RSS_MB)
    else:
        absent(name)
    return rows


def all_cases(data):
    for r in data.get("throughput", []):
        yield f"throughput `{r.get('policy')}` {r.get('size')} B", r
    for r in data.get("reads", []):
        yield f"reads {'sendfile' if r.get('sendfile') else 'one copy'}", r
    for r in data.get("latency", []):
        yield f"latency `{r.get('policy')}`", r
    for r in data.get("partitions", []):
        yield f"{r.get('partitions')} partitions", r
    for r in data.get("producers", []):
        yield f"{r.get('processes')} producers", r
    if data.get("start"):
        yield "start test", data["start"]


# ---- the RESULTS.md section ------------------------------------------------------------------

def section(data):
    """The "librdkafka load" section of bench/RESULTS.md and the number of targets missed
    (or not measured, and failed cases)."""
    m = data["machine"]
    limits = data.get("limits") or {}
    loopback = limits.get("loopback_bytes_per_s")
    fsync_write = limits.get("fsync_write_bytes_per_s")
    lines = [
        f"## {TITLE}",
        "",
        f"Written from `bench/rdkperf.py` on {data['date']} (commit {data['commit']}): librdkafka "
        f"{data['librdkafka']}'s own C load tool, `rdkafka_performance` (built from npm's "
        "node-rdkafka@3.6.1), against `minikafka serve` (release build) on loopback, a fresh "
        "server and data directory per case, in the file system where the limits were measured. "
        f"Machine: {m['nproc']} CPUs ({m['cpu']}), shared by the broker and the clients; 1-minute "
        f"load average {m['load_average_start']:.1f} when it started"
        + (f", {m['load_average_end']:.1f} when it ended" if m.get("load_average_end") is not None else "")
        + ". Limits" + (f" (from `cargo bench --bench limits`, {limits.get('measured', '?')}): "
                        f"loopback {fmt_bytes_rate(loopback)}" if loopback else "")
        + (f"{',' if loopback else ':'} fsync'd sequential write (1 MiB appends, fdatasync after each) "
           f"{fmt_bytes_rate(fsync_write)}"
           + (" (measured by bench/rdkperf.py: limits.json had none)"
              if limits.get("fsync_write_from") else "") if fsync_write else "")
        + (f", first touch of fresh memory (1 GiB written in 1 MiB pieces, the first time) "
           f"{fmt_bytes_rate(limits['first_touch_bytes_per_s'])}"
           + (" (measured by bench/rdkperf.py)" if limits.get("first_touch_from") else "")
           if limits.get("first_touch_bytes_per_s") else "")
        + ".",
        "",
    ]
    if data.get("quick"):
        lines += ["**Quick run (`--quick`, small counts): the figures show that it works, not what "
                  "the server can do.**", ""]
    cfg = data["config"]
    failed = 0

    # Throughput.
    lines += [] if not data.get("throughput") else [
        "### Throughput, one partition, one producer then one consumer",
        "",
        f"`{cfg['producer_command']}` then `{cfg['consumer_command']}`. Rates from the tool's "
        "summary (first send to last delivery report; first to last message read); broker "
        "CPU is its utime+stime over each phase per GB moved; RSS is its VmHWM over the case. "
        "*Of which fsync* is the CPU time the server's flushing threads spent inside fsync "
        "(`CLOCK_THREAD_CPUTIME_ID`, logged by the server at shutdown): the kernel's write-back "
        "of the dirty pages, which runs in the thread that calls fsync. Under `never` the "
        "kernel's own flusher threads do that work later, outside the broker's account, so "
        "comparing produce CPU across policies compares where the write-back is counted.",
        "",
        "| `--fsync` | Records | Produce | Consume | Consume / produce | Broker CPU s/GB (produce, consume) | Of which fsync (produce) | Broker RSS peak | Against the limits |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in data.get("throughput", []):
        p, c = r.get("produce"), r.get("consume")
        if not p:
            failed += 1
            lines.append(f"| `{r.get('policy')}` | {r.get('size')} B | {cell_failed(r)} | | | | | | |")
            continue
        failed += not r.get("ok")
        ratio = f"{c['mb_s'] / p['mb_s']:.2f}x" if c and p["mb_s"] and c.get("ok") else "—"
        versus = []
        if loopback:
            versus.append(f"produce {100 * p['mb_s'] * 1e6 / loopback:.0f}% of loopback")
        if fsync_write and r["policy"] == "always":
            versus.append(f"{p['mb_s'] * 1e6 / fsync_write:.2f}x the fsync'd write rate")
        lines.append(
            f"| `{r['policy']}` | {p['records']:,} x {r['size']} B | {rate_cell(p)} | {rate_cell(c)} "
            f"| {ratio} | {cpu_cell(p, c)} | {fsync_cell(r)} | {mb_cell(r.get('rss_peak_mb'))} "
            f"| {'; '.join(versus) or '—'} |")

    # Reads: sendfile against one copy.
    if data.get("reads"):
        lines += [
            "",
            "### Fetch: sendfile against one copy",
            "",
            "One partition of 1 KB records (`--fsync interval=5`), read twice by one consumer; "
            "the second read is shown. `sendfile`: the kernel moves page-cache pages to the "
            "socket, the records never enter the server. `--sendfile false`: each stored batch "
            "is read into a buffer of the server and written (one copy).",
            "",
            "| Fetch path | Consume | Broker CPU s/GB |",
            "|---|---|---|",
        ]
        for r in data["reads"]:
            c = r.get("consume")
            name = "`sendfile` (default)" if r.get("sendfile") else "one copy (`--sendfile false`)"
            if not c:
                failed += 1
                lines.append(f"| {name} | {cell_failed(r)} | |")
                continue
            failed += not r.get("ok")
            lines.append(f"| {name} | {rate_cell(c)} | {c['cpu_s_per_gb']:.2f} |")

    # Latency.
    if data.get("latency"):
        lat0 = next((r for r in data["latency"] if r.get("command")), {})
        lines += [
            "",
            "### Latency at a fixed rate",
            "",
            f"`{lat0.get('command', 'rdkafka_performance -P ... -r RATE -l -A FILE')}` and, reading "
            "the same partition meanwhile, `rdkafka_performance -C -p 0 -o end -l -A FILE`. Produce "
            "latency: from the payload's send timestamp to its delivery report (acks=all, so after "
            "the server's flush under `always`); end to end: to the consumer's callback. Both "
            "from the tool's per-message files (-A), leaving out the first second (at most a tenth "
            "of the messages) as warm-up. The tool's rate limiter busy-polls for 1/rate after "
            "each send, so the producer keeps one core busy and achieves less than asked (in "
            "brackets); linger.ms=5 adds up to 5 ms.",
            "",
            "| `--fsync` | Rate asked (achieved) | Produce latency p50 / p99 / p99.9 | End to end p50 / p99 / p99.9 | Messages | Broker CPU |",
            "|---|---|---|---|---|---|",
        ]
        for r in data["latency"]:
            if not r.get("ok"):
                failed += 1
            if r.get("produce") is None and r.get("e2e") is None:
                lines.append(f"| `{r.get('policy')}` | {cell_failed(r)} | | | | |")
                continue
            note = "" if r.get("ok") else " " + cell_failed(r)
            achieved = f" ({r['achieved_rate']:,.0f}/s)" if r.get("achieved_rate") else ""
            cpu = (f"{r['broker_cpu_pct']:.0f}% of a core" if r.get("broker_cpu_pct") is not None
                   else "—")
            lines.append(
                f"| `{r['policy']}` | {r['rate']:,}/s{achieved} | {lat_cell(r.get('produce'))} "
                f"| {lat_cell(r.get('e2e'))}{note} | {r['records']:,} x {r['size']} B | {cpu} |")

    # Partitions.
    if data.get("partitions"):
        base = next((r["produce"] for r in data["partitions"]
                     if r.get("partitions") == 8 and r.get("produce", {}).get("ok")), None)
        lines += [
            "",
            "### Partitions",
            "",
            f"`--fsync {cfg['scale_fsync']}`, a topic of N partitions, {cfg['scale_records']:,} x 1 KB "
            "records from one producer without -p (librdkafka's partitioner spreads them), then one "
            "consumer of every partition (-p 0 ... -p N-1).",
            "",
            "| Partitions | Produce | Consume | Broker CPU s/GB (produce, consume) | Broker RSS peak | Produce vs 8 partitions |",
            "|---|---|---|---|---|---|",
        ]
        for r in data["partitions"]:
            failed += not r.get("ok")
            p = r.get("produce")
            if not p:
                lines.append(f"| {r.get('partitions', '?'):,} | {cell_failed(r)} | | | | |")
                continue
            vs = f"{p['mb_s'] / base['mb_s']:.2f}x" if base and p.get("ok") else "—"
            lines.append(f"| {r['partitions']:,} | {rate_cell(p)} | {rate_cell(r.get('consume'))} "
                         f"| {cpu_cell(p, r.get('consume'))} | {mb_cell(r.get('rss_peak_mb'))} | {vs} |")

    # Producers.
    if data.get("producers"):
        lines += [
            "",
            "### Producer processes (connections)",
            "",
            f"`--fsync {cfg['scale_fsync']}`, a topic of {cfg['producers_partitions']} partitions, "
            f"{cfg['scale_records']:,} x 1 KB records split over N producer processes started "
            "together; the rate is all records over the time from the first producer's start to "
            "the last delivery report of the last one.",
            "",
            "| Producers | Produce | Broker CPU s/GB | Broker RSS peak |",
            "|---|---|---|---|",
        ]
        for r in data["producers"]:
            failed += not r.get("ok")
            p = r.get("produce")
            if not p:
                lines.append(f"| {r.get('processes', '?')} | {cell_failed(r)} | | |")
                continue
            lines.append(f"| {r['processes']} | {rate_cell(p)} | {cpu_cell(p)} | {mb_cell(r.get('rss_peak_mb'))} |")

    # Start.
    s = data.get("start")
    if s:
        lines += [
            "",
            "### Start on a full data directory",
            "",
        ]
        if not s.get("ok"):
            failed += 1
            lines.append(f"Start test {cell_failed(s)}")
        else:
            lines += [
                f"{s['gb']} GB of 1 KB records (`--fsync never`, 2 producers) in {s['partitions']:,} "
                "partitions, then the server stopped with SIGTERM (which flushes all of it) and "
                "started again; then a few more records, a SIGKILL and a start again. Each time is from starting "
                "the process to its first answer to a Metadata request listing every partition "
                "(recovery scans and checks every batch), with the broker's CPU seconds until then. "
                + ("Before the start after the clean stop the page cache was dropped, so that start "
                   "read its data from the disk, as after a reboot; the start after SIGKILL finds "
                   "much of it in memory again."
                   if s.get("cold_cache") else
                   "The page cache was not dropped (not root): much of the data may be read from "
                   "memory, not from the disk.")
                + (f" {s['note']}." if s.get("note") else ""),
                "",
                "| Data on disk | Partitions | Clean stop (SIGTERM) | Start after the clean stop | Start after SIGKILL | Broker RSS peak: filling / first start / all |",
                "|---|---|---|---|---|---|",
                f"| {s['data_bytes'] / 1e9:.2f} GB | {s.get('partitions_answered', 0):,} "
                f"| {s['clean_stop_seconds']:.2f} s | **{s['clean_start_seconds']:.2f} s** "
                f"({'cold' if s.get('cold_cache') else 'warm'} page cache; storage loaded at "
                f"{fmt_s(s.get('clean_loaded_seconds'))}, CPU {fmt_s(s.get('clean_start_cpu_s'))}) "
                f"| **{s['killed_start_seconds']:.2f} s** (storage loaded at {fmt_s(s.get('killed_loaded_seconds'))}, "
                f"CPU {fmt_s(s.get('killed_start_cpu_s'))}) "
                f"| {mb_cell(s.get('fill_rss_peak_mb'))} / {mb_cell(s.get('clean_start_rss_peak_mb'))} "
                f"/ {mb_cell(s.get('rss_peak_mb'))} |",
            ]

    # Profile.
    pr = data.get("profile")
    if pr:
        lines += ["", "### Where the produce CPU goes", ""]
        if pr.get("skipped"):
            lines.append(f"Not profiled: {pr['skipped']}.")
        elif not pr.get("ok"):
            failed += 1
            lines.append(f"Profile {cell_failed(pr)}")
        else:
            p = pr["produce"]
            touch = limits.get("first_touch_bytes_per_s")
            lines += [
                f"`perf record -F 999 -p <broker>` through one produce phase ({p['records']:,} x 1 KB, "
                f"`--fsync always`, one partition): {rate_cell(p)}, broker CPU {p['cpu_s_per_gb']:.2f} s/GB. "
                f"**{pr['kernel_share']:.0f}% of the broker's samples are in the kernel.** "
                "`copy_folio_from_iter_atomic` is the copy of each record into the page cache "
                "(`pwrite`), `_copy_to_iter` the copy out of the socket, the ext4 functions the "
                "page cache's block bookkeeping; every broker that writes through the page cache "
                "pays them (Kafka's `FileChannel.write` does the same `pwrite`). The rest is "
                "minikafka's own code, mostly the CRC32C check of each batch."
                + (f" New page-cache pages cost what filling fresh memory costs: this machine "
                   f"fills fresh memory at {fmt_bytes_rate(touch)} the first time, "
                   f"{1e9 / touch:.2f} s of CPU per GB before any copy is counted, and in a "
                   "virtual machine whose host backs memory lazily that cost varies from run to "
                   "run, so does the produce CPU." if touch else ""),
                "",
                "| Share of samples | Where |",
                "|---|---|",
            ]
            for v, name in pr.get("by_symbol", []):
                lines.append(f"| {v:.1f}% | `{' '.join(name.split())}` |")
            lines += ["", "By thread: " + ", ".join(f"{n} {v:.1f}%" for v, n in pr.get("by_thread", []))
                      + " (`minikafka-fsync` is the group commit's flushing thread)."]

    # Group commit.
    gcs = [(label, r) for label, r in all_cases(data) if r.get("policy") == "always"]
    if gcs:
        lines += [
            "",
            "### Group commit under `--fsync always`",
            "",
            "From the server's `group commit:` line at shutdown (SIGTERM): flushes, appends, and "
            "appends per flush (mean, max).",
            "",
            "| Case | Syncs | Appends | Appends per sync (mean) | Max |",
            "|---|---|---|---|---|",
        ]
        for label, r in gcs:
            gc = r.get("group_commit")
            if gc:
                def n(v):
                    return "?" if v is None else (f"{v:,.0f}" if float(v).is_integer() else f"{v:,.2f}")
                lines.append(f"| {label} | {n(gc['syncs'])} | {n(gc['appends'])} | {n(gc['mean'])} | {n(gc['max'])} |")
            else:
                lines.append(f"| {label} | not reported | | | |")

    # Targets.
    rows = targets(data)
    lines += ["", "### Targets (issue 16)", "", "| Target | Measured | Ratio | Result |", "|---|---|---|---|"]
    missed = 0
    for name, measured, ratio, result in rows:
        missed += result != "met"
        word = {"met": "met", "missed": "**missed**"}.get(result, result)
        lines.append(f"| {name} | {measured} | {ratio} | {word} |")
    lines += ["", f"{sum(1 for r in rows if r[3] == 'met')} of {len(rows)} targets met"
              + (f"; {failed} case(s) failed." if failed else ".")]
    return "\n".join(lines) + "\n", missed + failed


def write_section(path, text):
    """Replace the section in `path` (or add it after "Server load", before the long-run
    sections); every other section stays as it is."""
    old = open(path).read() if os.path.exists(path) else "# Benchmark results\n"
    parts = re.split(r"(?m)^(?=## )", old)
    head, secs = parts[0], parts[1:]
    titles = [s.split("\n", 1)[0][3:].strip() for s in secs]
    new = text.rstrip() + "\n\n"
    if TITLE in titles:
        secs[titles.index(TITLE)] = new
    else:
        at = len(secs)
        for t in ("Crash loop", "Fuzzing"):
            if t in titles:
                at = min(at, titles.index(t))
        if "Server load" in titles:
            at = titles.index("Server load") + 1
        secs.insert(at, new)
    body = head.rstrip() + "\n\n" + "".join(s.rstrip() + "\n\n" for s in secs)
    with open(path, "w") as f:
        f.write(body.rstrip() + "\n")


# ---- main -------------------------------------------------------------------------------------

class Ctx:
    pass


def main():
    tdir = target_dir()
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", default=os.path.join(tdir, "release", "minikafka"))
    ap.add_argument("--tool", help="a built rdkafka_performance (default: build it as "
                    "tests/conformance/run.py builds librdkafka, into target/conformance/)")
    ap.add_argument("--build-jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--json", default=os.path.join(tdir, "bench", "rdkperf.json"))
    ap.add_argument("--limits", default=os.path.join(tdir, "bench", "limits.json"))
    ap.add_argument("--results", default=os.path.join(HERE, "RESULTS.md"),
                    help="the markdown file whose section is replaced ('' for none)")
    ap.add_argument("--work", help="where the data directories go (default: the directory "
                    "limits.json's fsync figures were measured in, else <target>/tmp)")
    ap.add_argument("--quick", action="store_true", default=os.environ.get("BENCH_RDK_QUICK") == "1")
    ap.add_argument("--only", default=",".join(GROUPS), help="comma-separated: " + ",".join(GROUPS))
    ap.add_argument("--policies", default=",".join(POLICIES))
    ap.add_argument("--repeat", type=int, default=env_int("BENCH_RDK_REPEAT", 3),
                    help="runs of each throughput case; the table shows the median of each "
                         "figure (one run of a noisy machine decides nothing)")
    ap.add_argument("--records", type=int, default=env_int("BENCH_RDK_RECORDS", 1_500_000))
    ap.add_argument("--small-records", type=int, default=env_int("BENCH_RDK_SMALL_RECORDS", 15_000_000))
    ap.add_argument("--scale-records", type=int, default=env_int("BENCH_RDK_SCALE_RECORDS", 1_000_000))
    ap.add_argument("--scale-fsync", default="interval=5")
    ap.add_argument("--partitions", default="1,8,64,1000")
    ap.add_argument("--producers", default="1,4,16")
    ap.add_argument("--producers-partitions", type=int, default=8)
    ap.add_argument("--rate", type=int, default=env_int("BENCH_RDK_RATE", 20_000))
    ap.add_argument("--latency-seconds", type=float, default=env_float("BENCH_RDK_LATENCY_SECONDS", 10))
    ap.add_argument("--start-gb", type=float, default=env_float("BENCH_START_GB", 10))
    ap.add_argument("--start-partitions", type=int, default=env_int("BENCH_START_PARTITIONS", 1000))
    args = ap.parse_args()
    if args.quick:
        # Small counts unless given explicitly in the environment.
        args.records = env_int("BENCH_RDK_RECORDS", 30_000)
        args.small_records = env_int("BENCH_RDK_SMALL_RECORDS", 300_000)
        args.scale_records = env_int("BENCH_RDK_SCALE_RECORDS", 30_000)
        args.latency_seconds = env_float("BENCH_RDK_LATENCY_SECONDS", 2)
        args.start_gb = env_float("BENCH_START_GB", 0.1)
    only = [g.strip() for g in args.only.split(",") if g.strip()]
    unknown = [g for g in only if g not in GROUPS]
    if unknown:
        ap.error(f"--only: unknown {unknown}; choose from {GROUPS}")
    policies = [p.strip() for p in args.policies.split(",") if p.strip()]

    ctx = Ctx()
    ctx.bin = os.path.abspath(args.bin)
    if not os.access(ctx.bin, os.X_OK):
        say(f"no server binary at {ctx.bin}: build it with "
            "`cargo build --release -p minikafka --bin minikafka` or pass --bin")
        return 2
    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    if git("status", "--porcelain"):
        commit += " (with uncommitted changes)"
    try:
        ctx.tool = os.path.abspath(args.tool) if args.tool else build_tool(args.build_jobs)
    except (Exception, SystemExit) as e:  # noqa: BLE001
        say(f"cannot build rdkafka_performance: {e}")
        return 2
    usage = subprocess.run([ctx.tool, "-h"], capture_output=True, text=True)
    version = usage.stdout + usage.stderr
    m = re.search(r"librdkafka version (\S+)", version)
    librdkafka = m.group(1) if m else "?"

    limits, limits_from = {}, "bench/rdkperf.py"
    if os.path.exists(args.limits):
        with open(args.limits) as f:
            limits = json.load(f)
        limits_from = args.limits
        limits["measured"] = datetime.datetime.fromtimestamp(
            os.path.getmtime(args.limits), datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    work_parent = args.work or limits.get("fsync_dir") or os.path.join(tdir, "tmp")
    os.makedirs(work_parent, exist_ok=True)
    ctx.work = tempfile.mkdtemp(prefix="rdkperf-", dir=work_parent)
    ctx.logs = os.path.join(ctx.work, "logs")
    os.makedirs(ctx.logs)
    if "fsync_write_bytes_per_s" not in limits:
        say(f"measuring the fsync'd sequential write rate in {ctx.work} (limits.json has none)")
        limits = dict(limits, fsync_write_bytes_per_s=fsync_write_rate(ctx.work),
                      fsync_write_from="bench/rdkperf.py")
    if "first_touch_bytes_per_s" not in limits:
        say("measuring the first-touch write rate of fresh memory (limits.json has none)")
        limits = dict(limits, first_touch_bytes_per_s=first_touch_rate(),
                      first_touch_from="bench/rdkperf.py")
    say(f"rdkafka_performance: {ctx.tool} (librdkafka {librdkafka}); server: {ctx.bin}; "
        f"data and logs in {ctx.work}"
        + (f"; fsync'd write rate {fmt_bytes_rate(limits['fsync_write_bytes_per_s'])}")
        + f"; first touch of fresh memory {fmt_bytes_rate(limits['first_touch_bytes_per_s'])}")

    data = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": commit, "machine": machine(), "librdkafka": librdkafka,
        "quick": args.quick, "limits": limits, "limits_from": limits_from,
        "policies": policies,
        "config": {
            "records": args.records, "small_records": args.small_records,
            "scale_records": args.scale_records, "scale_fsync": args.scale_fsync,
            "producers_partitions": args.producers_partitions, "rate": args.rate,
            "latency_seconds": args.latency_seconds,
            "producer_command": "rdkafka_performance -P -t T -p 0 -s SIZE -c N " + " ".join(PRODUCER_OPTS),
            "consumer_command": "rdkafka_performance -C -t T -p 0 -o beginning -e -c N",
        },
        "throughput": [], "latency": [], "partitions": [], "producers": [], "start": None,
        "profile": None, "reads": [], "repeat": max(1, args.repeat),
    }
    t_start = time.monotonic()
    try:
        if "throughput" in only:
            for policy in policies:
                for size, records in [(1024, args.records), (100, args.small_records)]:
                    runs = []
                    for i in range(max(1, args.repeat)):
                        say(f"throughput --fsync {policy}: {records:,} x {size} B, one producer "
                            f"then one consumer (run {i + 1} of {max(1, args.repeat)})")
                        runs.append(throughput_case(ctx, policy, size, records))
                    data["throughput"].append(dict(median_run(runs), policy=policy, size=size))
                    if len(runs) > 1 and data["throughput"][-1].get("produce"):
                        say(f"  median of {len(runs)}: produce {fmt_phase(data['throughput'][-1]['produce'])}; "
                            f"consume {fmt_phase(data['throughput'][-1].get('consume') or {})}")
        if "reads" in only:
            data["reads"] = []
            for sendfile in (True, False):
                say(f"reads: {args.records:,} x 1 KB, --sendfile {'true' if sendfile else 'false'}")
                data["reads"].append(reads_case(ctx, args.records, sendfile))
        if "profile" in only:
            say("profile: where the broker's CPU goes while it takes a produce load "
                "(perf record, --fsync always, 1 KB)")
            data["profile"] = profile_case(ctx, args.records)
        if "latency" in only:
            for policy in policies:
                say(f"latency --fsync {policy}: {args.rate:,} msg/s x 1 KB for {args.latency_seconds:g} s, "
                    "produce and end to end")
                data["latency"].append(dict(latency_case(ctx, policy, args.rate, args.latency_seconds),
                                            policy=policy, rate=args.rate,
                                            records=int(args.rate * args.latency_seconds), size=1024))
        memo = {}
        if "partitions" in only:
            for n in [int(x) for x in args.partitions.split(",") if x.strip()]:
                say(f"partitions: {n:,}, --fsync {args.scale_fsync}, {args.scale_records:,} x 1 KB, "
                    "one producer then one consumer")
                r = dict(scale_case(ctx, n, 1, args.scale_records, args.scale_fsync, True),
                         partitions=n, processes=1)
                memo[(n, 1)] = r
                data["partitions"].append(r)
        if "producers" in only:
            for k in [int(x) for x in args.producers.split(",") if x.strip()]:
                say(f"producers: {k} processes, {args.producers_partitions} partitions, "
                    f"--fsync {args.scale_fsync}, {args.scale_records:,} x 1 KB")
                key = (args.producers_partitions, k)
                if key in memo and memo[key].get("ok"):
                    say("  the same case as in the partitions table: reusing it")
                    r = memo[key]
                else:
                    r = dict(scale_case(ctx, args.producers_partitions, k, args.scale_records,
                                        args.scale_fsync, False),
                             partitions=args.producers_partitions, processes=k)
                data["producers"].append(r)
        if "start" in only:
            say(f"start: {args.start_gb:g} GB in {args.start_partitions:,} partitions, "
                "after SIGTERM and after SIGKILL")
            data["start"] = dict(start_case(ctx, args.start_gb, args.start_partitions),
                                 partitions=args.start_partitions)
    finally:
        for b in BROKERS:
            b.close()
        for c in RUNNING:
            if c.proc.poll() is None:
                c.proc.kill()
        data["machine"]["load_average_end"] = os.getloadavg()[0]
        data["seconds"] = time.monotonic() - t_start
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        with open(args.json, "w") as f:
            json.dump(data, f, indent=1)
        say(f"wrote {args.json} ({data['seconds']:.0f} s in all; logs in {ctx.logs})")

    text, missed = section(data)
    if args.results:
        write_section(args.results, text)
        say(f"wrote the \"{TITLE}\" section of {args.results}")
    for name, measured, ratio, result in targets(data):
        say(f"target {result:>12}: {name}: {measured} ({ratio})")
    if missed:
        say(f"{missed} target(s) missed, not measured, or case(s) failed")
    # The logs of a run that went well are not worth keeping; data directories never are.
    keep_logs = missed > 0
    for entry in os.listdir(ctx.work):
        if entry != "logs" or not keep_logs:
            shutil.rmtree(os.path.join(ctx.work, entry), ignore_errors=True)
    if not keep_logs:
        shutil.rmtree(ctx.work, ignore_errors=True)
    else:
        say(f"kept the clients' and servers' output in {ctx.logs}")
    return 1 if missed and os.environ.get("BENCH_STRICT") == "1" else 0


if __name__ == "__main__":
    sys.exit(main())
