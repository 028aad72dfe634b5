"""A confluent-kafka exactly-once processor kept running by a supervisor, and how to check
its output. Shared by txn.py (the real-client transaction tests) and the crash loop
(tests/crash/crash_loop.py), which both SIGKILL a server under it.

The processor is `txn_client.py processor`: it reads an input topic read_committed and
writes one `invoice-for-<value>` per input to an output topic, committing its input offsets
in the same transaction (`send_offsets_to_transaction` with `consumer_group_metadata()`).
"""
import os
import signal
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from run import Failure, check  # noqa: E402  (run.py lives beside this file)

# The prefix the processor puts before each input value.
INVOICE = "invoice-for-"


class Proc:
    """A client process whose stdout lines are collected as they come."""

    def __init__(self, argv, stdin=False):
        self.lines = []
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     stdin=subprocess.PIPE if stdin else None, text=True, cwd=HERE)
        self.errors = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        # stderr is drained too: librdkafka logs every lost connection there, and a full
        # pipe would block its threads, and the whole client with them.
        self.err_reader = threading.Thread(target=self._read_errors, daemon=True)
        self.err_reader.start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line.strip())

    def _read_errors(self):
        dump = open(os.environ["TXN_STDERR"], "a") if "TXN_STDERR" in os.environ else None
        for line in self.proc.stderr:
            self.errors = (self.errors + [line.strip()])[-20:]
            if dump:
                dump.write(line)
                dump.flush()

    def has(self, prefix):
        return any(l.startswith(prefix) for l in self.lines)

    def wait_line(self, prefix, timeout):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.has(prefix):
                return
            if self.proc.poll() is not None:
                time.sleep(0.2)  # let the reader drain
                if self.has(prefix):
                    return
                raise Failure(f"exited {self.proc.returncode} before '{prefix}': "
                              f"{self.lines[-5:]} {self.errors[-5:]}")
            time.sleep(0.05)
        raise Failure(f"no '{prefix}' within {timeout}s: {self.lines[-5:]}")

    def kill(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.reader.join(timeout=5)


def processor_argv(python, bootstrap, src, dst, group, txn_id, hold_after="1000000",
                   pace=None):
    return [python, "txn_client.py", "processor", bootstrap, src, dst, group, txn_id,
            str(hold_after)] + ([str(pace)] if pace is not None else [])


class Supervisor:
    """Keeps one processor running, as a supervisor (systemd, Kubernetes) would: a processor
    that exited (its transaction cut by a server crash: it exits rather than abort and
    rewind) is started again, and so is one silent for `stall_s` seconds after a liveness
    probe kills it: librdkafka's send_offsets_to_transaction can hang past its timeout when
    its group coordinator went away (librdkafka issues 5456 and 5511). Either is safe: the
    next instance's init_transactions fences the last one and aborts its transaction.
    Call `tick()` often."""

    def __init__(self, argv, stall_s=8):
        self.argv, self.stall_s = argv, stall_s
        self.restarts = self.stuck = self.killed = 0
        self._start()

    def _start(self):
        self.proc = Proc(self.argv)
        self.seen, self.progress = 0, time.time()

    def tick(self):
        p = self.proc
        if len(p.lines) != self.seen:
            self.seen, self.progress = len(p.lines), time.time()
        if p.proc.poll() is None and time.time() - self.progress > self.stall_s:
            p.kill()
            self.stuck += 1
        if p.proc.poll() is not None:
            self.restarts += 1
            self._start()

    def sleep(self, seconds):
        """Sleep, supervising meanwhile."""
        deadline = time.time() + seconds
        while True:
            self.tick()
            left = deadline - time.time()
            if left <= 0:
                return
            time.sleep(min(0.3, left))

    def kill_and_replace(self):
        """SIGKILL the processor (mid-transaction, most likely) and start another."""
        self.proc.kill()
        self.killed += 1
        self._start()

    def stop(self):
        self.proc.kill()


def run(argv, timeout=120):
    r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, cwd=HERE)
    if r.returncode != 0:
        raise Failure(f"{' '.join(argv[:3])}... exited {r.returncode}: {r.stderr[-2000:]}")
    return r.stdout.splitlines()


def read_values(python, bootstrap, topic, isolation):
    """Every value of `topic`, to its end, read at `isolation`."""
    lines = run([python, "txn_client.py", "read", bootstrap, topic, isolation])
    check(lines and lines[-1] == "end", f"{isolation} reader of {topic} ended: {lines[-3:]}")
    return [l.split(" ", 3)[3] for l in lines if l.startswith("record ")]


def check_exactly_once(python, bootstrap, dst, inputs, name):
    """A read_committed reader of `dst` sees one invoice per input value (a list: an input
    value written twice must be processed twice) and nothing else. Returns how many more
    records a read_uncommitted reader sees: the aborted copies."""
    expected = sorted(INVOICE + v for v in inputs)
    got = read_values(python, bootstrap, dst, "read_committed")
    if sorted(got) != expected:
        missing = len(set(expected) - set(got))
        extra = len(got) - len(set(got)) - (len(expected) - len(set(expected)))
        raise Failure(f"{name}: read_committed saw {len(got)} records for {len(expected)} "
                      f"inputs: {missing} missing, {extra} duplicate(s)")
    everything = read_values(python, bootstrap, dst, "read_uncommitted")
    check(set(everything) == set(expected),
          f"{name}: read_uncommitted saw other values than the invoices of the inputs")
    return len(everything) - len(got)


def watermarks(bootstrap, topic, partitions, isolation):
    """The end each partition of `topic` has for a consumer at `isolation`: the high
    watermark for read_uncommitted, the last stable offset for read_committed (librdkafka's
    ListOffsets carries the consumer's isolation level)."""
    from confluent_kafka import Consumer, TopicPartition
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "eos-watermarks",
                  "isolation.level": isolation})
    try:
        return [c.get_watermark_offsets(TopicPartition(topic, p), timeout=15)[1]
                for p in range(partitions)]
    finally:
        c.close()
