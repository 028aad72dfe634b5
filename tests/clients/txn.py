#!/usr/bin/env python3
"""Transactions (exactly-once) with real clients against a real minikafka server.

Against one `minikafka serve` started here on a free port with a fresh data directory:

1. confluent-kafka, consume-transform-produce: a processor reads `eos-in`, writes one
   `invoice-for-<value>` per input to `eos-out` and commits its input offsets in the same
   transaction (`send_offsets_to_transaction` with `consumer_group_metadata()`). It is
   SIGKILLed mid-transaction (its records already in the log) several times and restarted.
   The second time, the server is SIGKILLed too while the transaction is open, and
   restarted on its data directory. A read_committed reader of `eos-out` sees every input
   exactly once; a read_uncommitted one also sees the aborted copies.
2. The same processor, not held, while the *server* is SIGKILLed at random moments and
   restarted; a processor that fails (its transaction cut by the crash), or makes no
   progress for 8 s (librdkafka can hang in send_offsets_to_transaction when its group
   coordinator goes away), is restarted like a supervisor would. After every crash each transaction is committed or aborted: the
   read_committed output is still exactly once.
3. Fencing: two processes with the same transactional.id. The older one's transaction is
   aborted when the newer one starts, and its commit fails with a fatal fencing error.
4. kafkajs: `producer.transaction()`, send, sendOffsets, commit and abort, read back with
   read_committed (kafkajs's default).
5. kafka-python 3: a transactional producer, commit (with offsets) and abort, read back with
   isolation_level='read_committed' and 'read_uncommitted'.

Usage: txn.py [--bin target/debug/minikafka] [--kills 4] [--server-kills 3]
              [--only eos,eos-crash,fence,kafkajs,kafka-python]
Exit status 0 only if every check passed. TXN_STDERR=<file> keeps the client processes'
stderr (with TXN_DEBUG, librdkafka's debug log: see txn_client.py).
"""
import argparse
import os
import random
import re
import shutil
import sys
import tempfile
import time

from eos_app import Proc, Supervisor, check_exactly_once, processor_argv, read_values, run
from run import ROOT, Server, check, create_topic, free_port, log, \
    produce_with_confluent, committed

HERE = os.path.dirname(os.path.abspath(__file__))
INPUTS = 200
TESTS = ["eos", "eos-crash", "fence", "kafkajs", "kafka-python"]


def test_eos(python, server, kills):
    bootstrap = server.bootstrap
    src, dst, group, txn_id = "eos-in", "eos-out", "eos-app", "eos-app-1"
    create_topic(bootstrap, src, 3)
    create_topic(bootstrap, dst, 3)
    produce_with_confluent(bootstrap, src, INPUTS)
    committed_inputs = 0
    for k in range(kills):
        p = Proc(processor_argv(python, bootstrap, src, dst, group, txn_id, 1 + k % 3))
        also = ""
        try:
            p.wait_line("holding", 60)
            if k == 1:
                server.kill()
                server.start()
                also = " (the server too, and restarted)"
        finally:
            p.kill()
        n = sum(int(l.split()[1]) for l in p.lines if l.startswith("committed "))
        committed_inputs += n
        log(f"eos: processor {k + 1} SIGKILLed mid-transaction{also} after committing {n} inputs")
    # The last one runs to the end of the input.
    p = Proc(processor_argv(python, bootstrap, src, dst, group, txn_id))
    try:
        deadline = time.time() + 120
        while time.time() < deadline:
            done = sum(int(l.split()[1]) for l in p.lines if l.startswith("committed "))
            if committed_inputs + done >= INPUTS:
                break
            check(p.proc.poll() is None, f"eos: processor exited: {p.lines[-3:]}")
            time.sleep(0.2)
        time.sleep(1)  # anything committed twice would show up now
    finally:
        p.kill()
    committed_inputs += sum(int(l.split()[1]) for l in p.lines if l.startswith("committed "))
    check(committed_inputs == INPUTS,
          f"eos: the processors committed {committed_inputs} inputs in all, expected {INPUTS}")

    expected = sorted(f"invoice-for-value-{i}" for i in range(INPUTS))
    got = read_values(python, bootstrap, dst, "read_committed")
    dups = len(got) - len(set(got))
    lost = len(set(expected) - set(got))
    check(sorted(got) == expected,
          f"eos: read_committed saw {len(got)} records, {dups} duplicates, {lost} lost")
    everything = read_values(python, bootstrap, dst, "read_uncommitted")
    aborted = len(everything) - len(got)
    check(set(everything) == set(expected) and aborted >= kills,
          f"eos: read_uncommitted saw {len(everything)} records ({aborted} aborted copies, "
          f"expected at least {kills})")
    offsets = committed(bootstrap, group, src, 3)
    check(sum(offsets) == INPUTS, f"eos: the group's committed offsets {offsets} add up to {INPUTS}")
    log(f"eos: {kills} kills mid-transaction; read_committed sees all {INPUTS} inputs exactly "
        f"once; read_uncommitted also sees {aborted} aborted copies; offsets {offsets}")


def test_eos_crash(python, server, kills):
    src, dst, group, txn_id = "crash-in", "crash-out", "crash-app", "crash-app-1"
    bootstrap = server.bootstrap
    create_topic(bootstrap, src, 3)
    create_topic(bootstrap, dst, 3)
    produce_with_confluent(bootstrap, src, INPUTS)
    # Paced (each transaction open up to 0.15 s), so that the kills land while it works.
    app = Supervisor(processor_argv(python, bootstrap, src, dst, group, txn_id, pace=0.15))
    rng = random.Random(int(os.environ.get("TXN_SEED", time.time())))

    def done():
        return sum(max(0, o) for o in committed(bootstrap, group, src, 3))

    def supervise_until(target, timeout=120):
        """Keep the processor running until `target` inputs are committed."""
        deadline = time.time() + timeout
        while done() < target:
            check(time.time() < deadline, f"eos-crash: {target} inputs not committed in "
                  f"{timeout} s: committed {committed(bootstrap, group, src, 3)}, "
                  f"processor said {app.proc.lines[-4:]}")
            app.sleep(0.3)

    try:
        for k in range(kills):
            # Each kill while the processor is working: after it committed more.
            supervise_until(min(INPUTS - 10, done() + 15))
            time.sleep(rng.uniform(0.0, 0.3))
            server.kill()
            server.start()
            log(f"eos-crash: server SIGKILLed and restarted ({k + 1} of {kills}) "
                f"with {done()} of {INPUTS} inputs committed")
        supervise_until(INPUTS)
        time.sleep(1)  # anything committed twice would show up now
    finally:
        app.stop()
    inputs = [f"value-{i}" for i in range(INPUTS)]
    aborted = check_exactly_once(python, bootstrap, dst, inputs, "eos-crash")
    log(f"eos-crash: {kills} server kills, {app.restarts} processor restarts "
        f"({app.stuck} stuck in librdkafka and killed); read_committed sees all {INPUTS} "
        f"inputs exactly once ({aborted} aborted copies in the log)")


def test_fence(python, bootstrap):
    dst, txn_id = "fence-out", "fence-app"
    create_topic(bootstrap, dst, 1)
    old = Proc([python, "txn_client.py", "fence-old", bootstrap, dst, txn_id], stdin=True)
    try:
        old.wait_line("open", 60)
        new = run([python, "txn_client.py", "fence-new", bootstrap, dst, txn_id])
        check(new == ["committed"], f"fence: the replacement committed: {new}")
        old.proc.stdin.write("go\n")
        old.proc.stdin.flush()
        old.wait_line("fenced", 60)
    finally:
        old.kill()
    verdict = next(l for l in old.lines if l.startswith("fenced"))
    check("fatal=True" in verdict, f"fence: the zombie's error is fatal: {verdict}")
    got = read_values(python, bootstrap, dst, "read_committed")
    check(got == ["from-the-replacement"], f"fence: read_committed saw {got}")
    everything = read_values(python, bootstrap, dst, "read_uncommitted")
    check("from-the-zombie" in everything and "zombie-again" not in everything,
          f"fence: read_uncommitted saw {everything}")
    log(f"fence: the older instance was fenced ({verdict.split(' ', 2)[2]}); "
        "its open transaction was aborted; read_committed sees the replacement only")


def test_kafkajs(bootstrap):
    topic, group, src = "kjs-txn", "kjs-txn-group", "kjs-txn-in"
    create_topic(bootstrap, topic, 1)
    create_topic(bootstrap, src, 1)
    lines = run(["node", "kafkajs_txn.mjs", bootstrap, topic, group, src])
    check("committed" in lines and "aborted" in lines, f"kafkajs: {lines[:5]}")
    got = [l.split(" ", 2)[2] for l in lines if l.startswith("read_committed ")]
    check(got == [f"kept-{i}" for i in range(5)], f"kafkajs: read_committed saw {got}")
    check("group-offset 5" in lines, f"kafkajs: the group's offset: {lines[-1:]}")
    log("kafkajs: transaction() send, sendOffsets, commit and abort; read_committed sees the "
        "5 committed records only; the group's offset 5 was committed with them")


def test_kafka_python(python, bootstrap):
    topic, group, src = "kpy-txn", "kpy-txn-group", "kpy-txn-in"
    create_topic(bootstrap, topic, 1)
    create_topic(bootstrap, src, 1)
    lines = run([python, "txn_client.py", "kafka-python", bootstrap, topic, group, src])
    check("committed" in lines and "aborted" in lines, f"kafka-python: {lines[:5]}")
    rc = [l.split(" ", 2)[2] for l in lines if l.startswith("read_committed ")]
    ru = [l.split(" ", 2)[2] for l in lines if l.startswith("read_uncommitted ")]
    check(rc == [f"kept-{i}" for i in range(5)], f"kafka-python: read_committed saw {rc}")
    check(ru == [f"kept-{i}" for i in range(5)] + [f"dropped-{i}" for i in range(3)],
          f"kafka-python: read_uncommitted saw {ru}")
    offset = next((l for l in lines if l.startswith("group-offset")), "")
    check(re.search(r"\b5\b", offset), f"kafka-python: the group's offset: {offset}")
    log("kafka-python: commit with send_offsets_to_transaction and abort; read_committed sees "
        "the 5 committed records, read_uncommitted the 3 aborted too")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "debug", "minikafka"))
    ap.add_argument("--python", default=os.path.join(HERE, ".venv", "bin", "python"))
    ap.add_argument("--kills", type=int, default=4)
    ap.add_argument("--server-kills", type=int, default=3)
    ap.add_argument("--only", default=",".join(TESTS))
    args = ap.parse_args()
    only = [t for t in args.only.split(",") if t]
    work = tempfile.mkdtemp(prefix="minikafka-txn-")
    server = Server(args.bin, os.path.join(work, "data"), free_port(), os.path.join(work, "server.log"))
    log(f"transactions: server {server.bootstrap}, data and log in {work}")
    server.start()
    tests = {
        "eos": lambda: test_eos(args.python, server, args.kills),
        "eos-crash": lambda: test_eos_crash(args.python, server, args.server_kills),
        "fence": lambda: test_fence(args.python, server.bootstrap),
        "kafkajs": lambda: test_kafkajs(server.bootstrap),
        "kafka-python": lambda: test_kafka_python(args.python, server.bootstrap),
    }
    failed = []
    try:
        for name in only:
            started = time.time()
            try:
                tests[name]()
                log(f"{name}: passed in {time.time() - started:.1f}s")
            except Exception as e:  # noqa: BLE001 - one test's failure, the others still run
                failed.append(f"{name}: {e}")
                log(f"FAIL {name}: {e}")
    finally:
        server.kill()
    if failed:
        log(f"{len(failed)} failure(s); server log: {os.path.join(work, 'server.log')}")
        for f in failed:
            print("  " + f)
        return 1
    shutil.rmtree(work, ignore_errors=True)
    log(f"transactions: all checks passed ({', '.join(only)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
