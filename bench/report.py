#!/usr/bin/env python3
"""Write bench/RESULTS.md from the results of one `make bench` run.

Reads target/bench/: limits.json (`cargo bench --bench limits`: memcpy, loopback, fsync),
core.json (criterion, via bench/run.sh), web.json (bench/web.mjs), load.json
(bench/load.py), rdkperf.json (bench/rdkperf.py, whose section() renders its part). Every figure is printed beside the machine's limits measured in the same
run, as a ratio: a number alone says little on a noisy 2-core VM, a number next to what the
hardware can do says how far from the ceiling the code is.

The "Crash loop", "Power cuts" and "Fuzzing" sections come from their own long runs (make
crash-long, make fuzz) and are kept as they are. A section whose JSON is missing keeps its previous
text, marked as not re-measured.

Usage: bench/report.py [--dir target/bench] [--out bench/RESULTS.md]
"""
import argparse
import datetime
import json
import os
import re
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ in bench/
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rdkperf  # noqa: E402  (bench/rdkperf.py: renders the "librdkafka load" section)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
FRAME_MS = 1000 / 60


def load(directory, name):
    path = os.path.join(directory, name)
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def sections(text):
    """The `## ` sections of a markdown file, by title."""
    out = {}
    for m in re.finditer(r"^## (.+)\n[\s\S]*?(?=^## |\Z)", text, re.M):
        out[m.group(1).strip()] = m.group(0).rstrip() + "\n"
    return out


def previous(old, title):
    text = old.get(title)
    if text is None:
        return f"## {title}\n\nNot measured yet.\n"
    note = "*(Not re-measured in the latest `make bench` run: these figures are from an earlier run.)*\n\n"
    head, _, body = text.partition("\n\n")
    if body.startswith("*(Not re-measured"):
        return text
    return f"{head}\n\n{note}{body}"


def sh(*cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT).stdout.strip()
    except OSError:
        return ""


def fmt_bytes_rate(b):
    return f"{b / 1e9:.2f} GB/s" if b >= 1e9 else f"{b / 1e6:.0f} MB/s"


def fmt_bytes(b):
    if b >= 1e9:
        return f"{b / 1e9:.1f} GB"
    if b >= 1e6:
        return f"{b / 1e6:.1f} MB"
    if b >= 1e3:
        return f"{b / 1e3:.1f} kB"
    return f"{b:.0f} B"


def machine(limits):
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = re.search(r"model name\s*:\s*(.*)", f.read()).group(1)
    except (OSError, AttributeError):
        pass
    lines = [
        "## Machine and its limits",
        "",
        "Measured by `cargo bench -p minikafka --bench limits` (`core/benches/limits.rs`) in the",
        "same run as everything below; each is the best of three, because a limit is what the",
        "machine *can* do. The last column of every table divides a result by one of these.",
        "",
        "| Limit | Measured | How |",
        "|---|---|---|",
    ]
    if limits:
        lines += [
            f"| memcpy, one core | **{fmt_bytes_rate(limits['memcpy_bytes_per_s'])}** | copy between two 64 MiB buffers |",
            f"| loopback TCP | **{fmt_bytes_rate(limits['loopback_bytes_per_s'])}** | one connection, 64 KiB writes |",
            f"| fsync | **{limits['fsyncs_per_s']:,.0f}/s** | `fdatasync` after each 4 KiB append, in `{os.path.relpath(limits['fsync_dir'], ROOT) if limits['fsync_dir'].startswith(ROOT) else limits['fsync_dir']}` |",
        ]
        if limits.get("fsync_write_bytes_per_s"):
            lines.append(f"| fsync'd sequential write | **{fmt_bytes_rate(limits['fsync_write_bytes_per_s'])}** "
                         "| 1 MiB appends, `fdatasync` after each, same directory |")
        if limits.get("first_touch_bytes_per_s"):
            best = limits.get("first_touch_best_bytes_per_s")
            lines.append(f"| first touch of fresh memory | **{fmt_bytes_rate(limits['first_touch_bytes_per_s'])}** "
                         "| 1 GiB never used before, written in 1 MiB pieces, the first time"
                         + (f" ({fmt_bytes_rate(best)} at best of three)" if best else "")
                         + ": what each new page-cache page costs before any copy |")
    else:
        lines.append("| (not measured in this run) | | |")
    lines += [
        "",
        f"- CPUs: {limits['cpus'] if limits else os.cpu_count()} ({cpu})",
        f"- Kernel: {sh('uname', '-sr')}",
        f"- Rust: {sh('rustc', '-V')}",
        f"- Commit: {sh('git', 'rev-parse', '--short', 'HEAD')}"
        + (" (with uncommitted changes)" if sh("git", "status", "--porcelain") else ""),
        f"- Date: {datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}",
        "",
    ]
    return "\n".join(lines)


CORE_NOTES = """What each one does:

- **append**: appends to an in-memory `PartitionLog` (1 MiB segments, so segment rolls are
  included). The batch is built once; each append takes a clone of it (its records sit
  behind an `Arc`, as a decoded request would hand them over), and the log assigns the
  offsets. `single_record` appends one-record batches; `encoded_batch_100` appends a
  10.9 kB wire-format batch, whose base offset the log rewrites (copying the bytes).
  The log's work is per batch, not per record, so records/s is records per batch times
  batches/s. That is why batched appends beat memcpy of the records: nothing is copied.
- **read**: a log of 1,000,000 records in 10,000 batches of 100, read from offset 0 to the
  end as a consumer does (`read(position, 1 MiB, u32::MAX)`); like an append, a read costs
  per batch (a clone of each batch's `Arc`); decoding records is the consumer's work.
- **rebalance**: a Stable group of 1,000 consumers on a topic of 1,000 partitions (setup not
  timed). Timed: the leader rejoins; the 999 others heartbeat, get REBALANCE_IN_PROGRESS and
  rejoin; the join phase completes; the leader decodes the subscriptions, computes a
  round-robin assignment and encodes it; all 1,000 send SyncGroup; Stable again.
- **offsets**: an `OffsetStore` of 1,000,000 commits (100 groups x 100 partitions, 100
  rounds) rebuilt with `OffsetStore::rebuild`.
- **sim/end_to_end**: a world of one topic of 4 partitions, 2 producers at 50,000 records/s
  each and a Stable group of 5 consumers (commitSync after each batch): 1,000,000 records
  appended, fetched, polled, processed, tracked and committed, checked for no duplicate
  and no loss.
- **sim/frame**: a world of 64 partitions, 2 producers at 1,000 records/s and 32 consumers:
  one `world.step(16)`, a visualiser frame at 60 frames/s.

"Against the limits": for records of a known size, the bytes per second handled divided by
memcpy's (above 1x: faster than copying the records once, because only batch handles
move); for the simulation, how many bytes memcpy copies in the time one record takes end
to end; for times, how many bytes memcpy copies in the same time; for the frame, its share
of a 60 Hz frame.
"""


def core_section(core, limits):
    if core is None:
        return None
    memcpy = limits["memcpy_bytes_per_s"] if limits else None
    lines = [
        "## Core and simulation",
        "",
        "Written from `cargo bench -p minikafka --bench core --bench sim` (criterion; sources in",
        "`core/benches/`). Measured: criterion's estimate of the time per iteration (slope where",
        "it fits one, else the mean), in bold, with its 95% confidence interval.",
        "",
        "| Benchmark | Criterion id | Measured | Target | Result | Against the limits |",
        "|---|---|---|---|---|---|",
    ]
    failed = 0
    for b in core:
        name, what, kind = b["name"], b["what"], b["kind"]
        if b.get("ns") is None:
            lines.append(f"| {what} | `{name}` | not run | | | |")
            continue
        ns, lo, hi = b["ns"], b["lo_ns"], b["hi_ns"]
        target = b["target"]
        versus = "—"
        if kind in ("rate", "info-rate"):
            n = b["elements"]
            rate, rlo, rhi = n / (ns / 1e9), n / (hi / 1e9), n / (lo / 1e9)
            measured = f"**{rate / 1e6:.2f} M records/s** ({rlo / 1e6:.2f}–{rhi / 1e6:.2f})"
            if kind == "rate":
                target_text = f"≥ {float(target) / 1e6:.2f} M records/s"
                result = "PASS" if rate >= float(target) else "FAIL"
            else:
                target_text, result = "— (informative)", "—"
            size = b.get("bytes_per_record")
            if memcpy and size:
                ratio = (rate * size) / memcpy
                versus = (f"{fmt_bytes_rate(rate * size)} of {size}-byte records = "
                          f"**{ratio:.2f}x** memcpy")
            elif memcpy:
                versus = f"one record end to end takes as long as memcpy of **{fmt_bytes(memcpy * ns / n / 1e9)}**"
        else:
            ms = ns / 1e6
            measured = f"**{ms:.3f} ms** ({lo / 1e6:.3f}–{hi / 1e6:.3f})" if ms < 1 else \
                f"**{ms:.1f} ms** ({lo / 1e6:.1f}–{hi / 1e6:.1f})"
            target_text = f"< {float(target):g} ms"
            result = "PASS" if ms < float(target) else "FAIL"
            if name.startswith("sim/frame"):
                versus = f"**{100 * ms / FRAME_MS:.1f}%** of a 60 Hz frame ({FRAME_MS:.1f} ms)"
            elif memcpy:
                versus = f"memcpy copies **{fmt_bytes(memcpy * ns / 1e9)}** in that time"
        failed += result == "FAIL"
        lines.append(f"| {what} | `{name}` | {measured} | {target_text} | {result} | {versus} |")
    lines += ["", CORE_NOTES]
    return "\n".join(lines), failed


def web_section(web, limits):
    if web is None:
        return None
    fps_ok = web["p95_ms"] < 20
    size_ok = web["wasm_gzip_kb"] <= 400
    lines = [
        "## Visualiser",
        "",
        f"Written from `node bench/web.mjs` on {web['date']}: `dist/` served on 127.0.0.1, Debian's",
        "Chromium headless (software rendering, no GPU). The page restores a world of",
        f"{web['partitions']} partitions and {web['members']} consumers (2,000 records/s) at t = 30 s from a run",
        f"string ({web['load_ms']} ms), then plays it at 1x for 5 s while requestAnimationFrame",
        "records the interval between frames.",
        "",
        "| Measure | Measured | Target | Result | Against the limits |",
        "|---|---|---|---|---|",
        f"| frames per second while playing | **{web['fps']:.1f}** (interval p50 {web['p50_ms']:.1f} ms, "
        f"p95 {web['p95_ms']:.1f} ms) | 60 (p95 interval < 20 ms) | {'PASS' if fps_ok else 'FAIL'} "
        f"| **{100 * web['fps'] / 60:.0f}%** of the display's 60 Hz |",
        f"| wasm module, gzip | **{web['wasm_gzip_kb']:.0f} KB** ({web['wasm_raw_kb']:.0f} KB raw, wasm-opt -Oz) "
        f"| at most 400 KB | {'PASS' if size_ok else 'FAIL'} | "
        + (f"{web['wasm_raw_kb'] * 1024 / limits['loopback_bytes_per_s'] * 1e3:.2f} ms to move over loopback"
           if limits else "—") + " |",
        "",
    ]
    return "\n".join(lines), (not fps_ok) + (not size_ok)


def load_section(load, limits):
    if load is None:
        return None
    loopback = load["loopback_mb_s"]
    memcpy = limits["memcpy_bytes_per_s"] / 1e6 if limits else None
    fsyncs = load["fsyncs_per_s"]
    same = "measured in the same run" if load.get("limits_from", "").endswith("limits.json") else \
        "measured by bench/load.py itself"
    lines = [
        "## Server load",
        "",
        f"Written from `bench/load.py` on {load['date']}: `minikafka serve --fsync {load['fsync']}` (release",
        f"build) on loopback, {load['processes']} confluent-kafka producer processes (linger.ms 5, batch.size",
        f"1 MB, acks=all, no compression) into a topic of {load['partitions']} partitions, then as many consumer",
        "processes reading it back by assignment. The clients share the 2 cores with the broker, so",
        f"the client side is part of what is measured. Limits {same}: loopback",
        f"{loopback:,.0f} MB/s, fsync {fsyncs:,.0f}/s" + (f", memcpy {memcpy:,.0f} MB/s." if memcpy else ".")
        + (f" The 1-minute load average when it started was {load['load_average']:.1f} on "
           f"{os.cpu_count()} CPUs: other work shared them." if load.get("load_average", 0) >= 0.5 else ""),
        "",
        "| Records | Produce | Consume | Broker CPU s/GB (produce, consume) | Broker RSS after | Against the limits |",
        "|---|---|---|---|---|---|",
    ]
    for r in load["rows"]:
        versus = (f"produce **{100 * r['produce_mbps'] / loopback:.0f}%** of loopback, consume "
                  f"**{100 * r['consume_mbps'] / loopback:.0f}%**")
        if memcpy:
            versus += f"; produce {100 * r['produce_mbps'] / memcpy:.1f}% of memcpy"
        lines.append(
            f"| {r['produced']:,} x {r['size']} B | **{r['produce_rps']:,.0f} rec/s** "
            f"({r['produce_mbps']:.0f} MB/s) | {r['consume_rps']:,.0f} rec/s ({r['consume_mbps']:.0f} MB/s) "
            f"| {r['cpu_per_gb_produce']:.1f}, {r['cpu_per_gb_consume']:.1f} "
            f"| {r['rss_after_mb']:.0f} MB | {versus} |")
    small = load["rows"][0]
    rps_ok = small["produce_rps"] >= 1_000_000
    rss_ok = small["rss_after_mb"] < 100
    interval = re.match(r"interval=(\d+)", load["fsync"])
    fsync_note = ""
    if interval:
        per_s = 1000 / int(interval.group(1))
        fsync_note = (f" With `--fsync {load['fsync']}` the broker syncs at most {per_s:.0f} times a second: "
                      f"{100 * per_s / fsyncs:.0f}% of the {fsyncs:,.0f} fsyncs/s this disk allows.")
    lines += [
        "",
        "| Target | Measured | Result |",
        "|---|---|---|",
        f"| at least 1,000,000 100-byte records/s produced, `--fsync interval=5` "
        f"| {small['produce_rps']:,.0f} | {'PASS' if rps_ok else 'FAIL'} |",
        f"| broker RSS under 100 MB after {small['produced']:,} records "
        f"| {small['rss_after_mb']:.0f} MB (peak over the whole run {load['peak_rss_mb']:.0f} MB) "
        f"| {'PASS' if rss_ok else 'FAIL'} |",
        "",
        "The produce rate is far below loopback because the work is per record on the client side"
        " (librdkafka in 4 processes on 2 cores) and per batch on the broker." + fsync_note,
        "",
    ]
    failed = sum(r["failed"] for r in load["rows"]) + sum(r["produced"] - r["consumed"] for r in load["rows"])
    txn_lines, txn_missed, txn_failed = transactions_table(load, loopback, memcpy)
    lines += txn_lines
    failed += txn_failed
    if failed:
        lines.insert(-1, f"**{failed} records failed or were not read back.**")
    return "\n".join(lines), (not rps_ok) + (not rss_ok) + (failed > 0) + txn_missed


def transactions_table(load, loopback, memcpy):
    """The exactly-once rows: (lines, targets missed, records failed or not read back)."""
    txn = load.get("transactions")
    if txn is None:
        return [], 0, 0
    size, n = txn["size"], txn["per_round"]
    lines = [
        f"Exactly-once: the same {load['processes']} processes write {size}-byte records in rounds of "
        f"{n:,} (enable.idempotence, acks=all, linger.ms 5), into a topic of {load['partitions']} partitions each:",
        f"idempotent rounds produce {n:,} records and wait for every acknowledgement (`flush`);",
        f"transactional rounds (one `transactional.id` per process) are `begin_transaction`, {n:,}",
        "records, `commit_transaction`: AddPartitionsToTxn, EndTxn and the COMMIT markers in every",
        "partition are in the time. Each topic is then read back from offset 0 by as many consumer",
        "processes, read_uncommitted and read_committed.",
        "",
        f"| Rounds of {n:,} x {size} B | Produce | {n:,} records (p50, p95) | Consume | Broker CPU s/GB produced | Against the limits |",
        "|---|---|---|---|---|---|",
    ]
    failed = 0
    for mode, what in [("idempotent", "idempotent, flush each round"),
                       ("transactional", "one transaction per round")]:
        m = txn[mode]
        mbps = m["produce_rps"] * size / 1e6
        versus = f"produce **{100 * mbps / loopback:.1f}%** of loopback"
        if memcpy:
            versus += f", {100 * mbps / memcpy:.2f}% of memcpy"
        lines.append(
            f"| {m['produced']:,}, {what} | **{m['produce_rps']:,.0f} rec/s** | {m['round_ms_p50']:.1f} ms, "
            f"{m['round_ms_p95']:.1f} ms | {m['isolation']}: {m['consume_rps']:,.0f} rec/s "
            f"| {m['cpu_per_gb_produce']:.1f} | {versus} |")
        failed += m["failed"] + m["produced"] - m["consumed"]
    ratio = txn["ratio_p50"]
    ok = ratio <= 2
    lines += [
        "",
        "| Target | Measured | Result |",
        "|---|---|---|",
        f"| a transaction of {n:,} records costs at most 2x the time of the same records produced "
        f"idempotently (p50 of the rounds) | **{ratio:.2f}x** ({txn['transactional']['round_ms_p50']:.1f} ms "
        f"vs {txn['idempotent']['round_ms_p50']:.1f} ms) | {'PASS' if ok else 'FAIL'} |",
        "",
    ]
    return lines, (not ok), failed


def rdkperf_section(data):
    """The librdkafka load (bench/rdkperf.py renders it from its own JSON)."""
    return None if data is None else rdkperf.section(data)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dir", default=os.path.join(ROOT, "target", "bench"))
    ap.add_argument("--out", default=os.path.join(HERE, "RESULTS.md"))
    args = ap.parse_args()
    old_text = open(args.out).read() if os.path.exists(args.out) else ""
    old = sections(old_text)
    # The criterion table was called "Benchmark results" at the top before it had a section.
    limits = load(args.dir, "limits.json")
    parts = [
        "# Benchmark results\n\n"
        "Written by `bench/report.py` after `make bench` (`bench/run.sh`): the machine's limits, the\n"
        "core and simulation benchmarks, the visualiser, the server under load from Python clients\n"
        "and from librdkafka's C load tool, all from one run, each figure beside the limits. The\n"
        "crash loop, power cut and fuzzing sections come from their own longer runs\n"
        "(`make crash-long`, `make fuzz`).\n",
        machine(limits),
    ]
    failed = 0
    for title, built in [
        ("Core and simulation", core_section(load(args.dir, "core.json"), limits)),
        ("Visualiser", web_section(load(args.dir, "web.json"), limits)),
        ("Server load", load_section(load(args.dir, "load.json"), limits)),
        (rdkperf.TITLE, rdkperf_section(load(args.dir, "rdkperf.json"))),
    ]:
        if built is None:
            parts.append(previous(old, title))
        else:
            text, f = built
            failed += f
            parts.append(text)
    for title in ("Crash loop", "Power cuts", "Fuzzing"):
        if title in old:
            parts.append(old[title])
    with open(args.out, "w") as f:
        f.write("\n".join(p.rstrip() + "\n" for p in parts))
    print(f"[bench] wrote {args.out}" + (f": {failed} target(s) missed" if failed else ": all targets met"),
          file=sys.stderr)
    return 1 if failed and os.environ.get("BENCH_STRICT") == "1" else 0


if __name__ == "__main__":
    sys.exit(main())
