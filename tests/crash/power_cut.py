#!/usr/bin/env python3
"""Power cuts, the long run: figures into bench/RESULTS.md ("## Power cuts").

Runs the ignored Rust test `power_cuts_long` (core/src/net/storage/power_cut/) in a
release build: the real segment, index and offsets-log code on a simulated disk that loses
what was not fsynced, cut at random moments under a seeded load of acks=all produces,
offset commits and transactions, then reopened. The test writes its figures as JSON; this
script puts them in a table, replacing the section of RESULTS.md (as crash_loop.py does for
"## Crash loop"). The test, and so this script, fails if `always` lost anything acknowledged,
if torn data was served, if a log had a gap, if `interval=N` lost more than N ms plus the
stated slack, or if a reopen failed; the figures are written either way.

Usage: power_cut.py [--seeds 200] [--cuts 20] [--first-seed 0] [--results bench/RESULTS.md]
"""
import argparse
import datetime
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
HEADING = "## Power cuts"


def run(args):
    fd, out = tempfile.mkstemp(prefix="power-cut-", suffix=".json")
    os.close(fd)
    env = dict(os.environ,
               MINIKAFKA_POWER_CUT_SEEDS=str(args.seeds),
               MINIKAFKA_POWER_CUT_CUTS=str(args.cuts),
               MINIKAFKA_POWER_CUT_FIRST_SEED=str(args.first_seed),
               MINIKAFKA_POWER_CUT_JSON=out)
    cmd = [os.environ.get("CARGO", "cargo"), "test", "--release", "-p", "minikafka", "--lib",
           "power_cuts_long", "--", "--ignored", "--nocapture"]
    print("[power-cut] " + " ".join(cmd), file=sys.stderr)
    status = subprocess.call(cmd, cwd=ROOT, env=env)
    try:
        with open(out) as f:
            text = f.read()
        return status, (json.loads(text) if text.strip() else None)
    finally:
        os.unlink(out)


def number(n):
    return f"{n:,}"


def section(report):
    rows = []
    for p in report["policies"]:
        ms = p["max_ms_lost"]
        rows.append(
            f"| `{p['policy']}` | {number(p['cuts'])} | {number(p['acked_records'])} | "
            f"{number(p['records_lost'])} | {number(p['acked_commits'])} | {number(p['commits_lost'])} | "
            f"{number(p['cuts_with_loss'])} | {'-' if ms is None else f'{number(ms)} ms'} | "
            f"{p['moved_backwards']} | {p['torn_served']} | {p['gaps']} | {p['reopen_errors']} | "
            f"{p['hanging_transactions']} |")
    failures = report.get("failures") or []
    result = "**PASS**" if not failures else "**FAIL**: " + "; ".join(failures[:5])
    reproduce = (f"`make crash-long`, or `tests/crash/power_cut.py --seeds {report['seeds']} "
                 f"--cuts {report['cuts_per_seed']} --first-seed {report['first_seed']}`")
    return "\n".join([
        HEADING, "",
        f"Written by `tests/crash/power_cut.py` ({reproduce}) on {datetime.date.today()}: "
        f"seeds {report['first_seed']}..{report['first_seed'] + report['seeds'] - 1}, "
        f"{report['cuts_per_seed']} power cuts per seed and policy, "
        f"{report['seconds']:.0f} s in a release build. "
        "The broker's real file storage (segments, indexes, offsets and transaction logs, "
        "the `--fsync` flusher) runs on a simulated disk that keeps what was written and what "
        "was fsynced apart (core/src/net/storage/sim_disk.rs); a directory entry is durable "
        "once its directory is fsynced. A seeded load of acks=all produces, offset commits and "
        "transactions runs in steps as `serve`'s core loop does (`always`: acknowledged after "
        "the step's fsync; otherwise right after the step; `interval=5`: a flush every 5 ms of "
        "simulated time; every policy: the kernel writes back pages dirty for 30 s), the power "
        "is cut at a random moment (all unsynced bytes lost, or the last write torn at a random "
        "byte, or a random subset of unsynced 4 KiB pages kept), and the directory is reopened "
        "(CRC scan, torn tail cut) and read back as Fetch serves it. "
        "*Lost* counts acknowledgements missing after the reopen; *ms* is the oldest lost "
        "acknowledgement's age at the cut; *backwards*: something found at an earlier reopen "
        "and gone later; *torn*: a record served that is not byte-identical to what was "
        "produced at its offset; *hanging*: a transaction whose records survived but whose "
        "coordinator state did not (the two logs are separate files, synced separately, and a "
        "cut before a step's fsync can keep one and not the other), so the last stable offset "
        "stays behind after the producer restarts; counted, not a failure: no acknowledgement "
        "is broken, but read_committed consumers stall (a known gap: nothing aborts it yet). "
        f"Bound for `interval=N`: N ms + {report['slack_ms']} ms (a simulated fsync takes no time; "
        "on a real disk add one fsync). Result: " + result + ".", "",
        "| --fsync | cuts | acked records | lost | acked commits | lost | cuts with a loss | "
        "max ms lost | backwards | torn | gaps | reopen errors | hanging txns |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        *rows, ""])


def write_results(path, text_section):
    text = open(path).read() if os.path.exists(path) else "# Benchmark results\n"
    m = re.search(r"\n## Power cuts\n[\s\S]*?(?=\n## |\Z)", text)
    if m:
        text = text[:m.start()] + "\n" + text_section + text[m.end():]
    else:
        # After the crash loop, its SIGKILL counterpart, when there is one.
        crash = re.search(r"\n## Crash loop\n[\s\S]*?(?=\n## |\Z)", text)
        at = crash.end() if crash else len(text.rstrip())
        text = text[:at].rstrip() + "\n\n" + text_section + "\n" + text[at:]
    with open(path, "w") as f:
        f.write(re.sub(r"\n{3,}", "\n\n", text).rstrip() + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", type=int, default=200)
    ap.add_argument("--cuts", type=int, default=20)
    ap.add_argument("--first-seed", type=int, default=0)
    ap.add_argument("--results", help="write the figures into this RESULTS.md")
    args = ap.parse_args()
    status, report = run(args)
    if report is None:
        print("[power-cut] the test wrote no figures", file=sys.stderr)
        return status or 1
    text = section(report)
    print(text)
    if args.results:
        write_results(args.results, text)
        print(f"[power-cut] wrote {args.results}", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
