#!/usr/bin/env bash
# Run the core and simulation benchmarks and write bench/RESULTS.md: each benchmark, what it
# measured, the issue's target and PASS/FAIL, plus the machine it ran on.
#
# Usage (from anywhere, usually the repo root):
#   bench/run.sh                 # all benchmarks
#   bench/run.sh rebalance       # extra arguments go to criterion (here: a name filter)
#   bench/run.sh sim/            # only the simulation benchmarks
#   bench/run.sh --report-only   # no benchmarking: rewrite RESULTS.md from the last results
#   BENCH_STRICT=1 bench/run.sh  # exit with status 1 if a target is missed
#
# Needs cargo, jq and awk. Numbers come from criterion's estimates
# (<criterion dir>/<group>/<bench>/new/estimates.json, ns per iteration: the slope of time
# over iterations where criterion fits one, as it prints it, else the mean) and, for
# throughput, the element count criterion recorded in benchmark.json.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
OUT="$ROOT/bench/RESULTS.md"

say() { printf '[bench] %s\n' "$*" >&2; }

for tool in cargo jq awk; do
    command -v "$tool" >/dev/null || { say "missing tool: $tool"; exit 2; }
done

TARGET_DIR="$(cargo metadata --format-version 1 --no-deps | jq -r .target_directory)"
CRITERION_DIR="${CRITERION_HOME:-$TARGET_DIR/criterion}"
LOG="$TARGET_DIR/bench-core.log"
BENCH_TARGETS=(--bench core --bench sim)
mkdir -p "$TARGET_DIR"

# The code being measured (recorded before the run: others may commit meanwhile).
COMMIT="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [[ -n "$(git status --porcelain 2>/dev/null || true)" ]]; then COMMIT="$COMMIT (with uncommitted changes)"; fi

# Only results written by this run count: criterion keeps older ones around.
STAMP="$(mktemp)"
trap 'rm -f "$STAMP"' EXIT

if [[ "${1:-}" == --report-only ]]; then
    shift
    touch -d '@0' "$STAMP"
    say "report only: reading the last results in $CRITERION_DIR"
else
    say "running: cargo bench -p minikafka ${BENCH_TARGETS[*]} -- $* (log: $LOG)"
    START=$(date +%s)
    cargo bench -p minikafka "${BENCH_TARGETS[@]}" -- "$@" 2>&1 | tee "$LOG"
    say "benchmarks finished in $(($(date +%s) - START)) s; reading $CRITERION_DIR"
fi

# name | kind (rate: records/s, higher is better; time: ms, lower is better; info-*: no
# target) | target | what it measures
BENCHES=(
    "append/batch_100|rate|5000000|append, batches of 100 x 100-byte records"
    "append/single_record|info-rate|-|append, one 100-byte record per batch"
    "append/encoded_batch_100|info-rate|-|append, encoded (wire) batches of 100 records"
    "read/sequential_1MiB_fetches|rate|5000000|read 1 M records from offset 0, 1 MiB fetches"
    "rebalance/1000_members_1000_partitions|time|50|rebalance, 1,000 members x 1,000 partitions, Stable to Stable"
    "offsets/rebuild_1M_commits|time|1000|OffsetStore::rebuild of 1 M commits (10 k keys)"
    "sim/end_to_end_1M_records_4p_5c|rate|1000000|simulated world: 1 M records end to end, 4 partitions, 5 consumers"
    "sim/frame_16ms_64p_32c|time|2|simulated world: one 16 ms frame, 64 partitions, 32 consumers, steady state"
)

fmt_rate() { awk -v r="$1" 'BEGIN { printf "%.2f M records/s", r / 1e6 }'; }
fmt_ms() { awk -v t="$1" 'BEGIN { printf (t < 1 ? "%.3f ms" : "%.1f ms"), t }'; }

ROWS=""
FAILED=0
LATEST=0 # newest result read, for the report's date
for entry in "${BENCHES[@]}"; do
    IFS='|' read -r name kind target what <<<"$entry"
    dir="$CRITERION_DIR/$name/new"
    est="$dir/estimates.json"
    if [[ ! -f "$est" || ! "$est" -nt "$STAMP" ]]; then
        say "$name: no result from this run"
        ROWS+="| $what | \`$name\` | not run | | |"$'\n'
        continue
    fi
    mtime=$(date -r "$est" +%s)
    if ((mtime > LATEST)); then LATEST=$mtime; fi
    # Criterion's headline estimate: the slope (linear sampling), else the mean (flat).
    stat=$(jq -r 'if .slope then "slope" else "mean" end' "$est")
    mean_ns=$(jq -r ".$stat.point_estimate" "$est")
    lo_ns=$(jq -r ".$stat.confidence_interval.lower_bound" "$est")
    hi_ns=$(jq -r ".$stat.confidence_interval.upper_bound" "$est")
    case "$kind" in
    rate | info-rate)
        elements=$(jq -r '.throughput.Elements // empty' "$dir/benchmark.json")
        [[ -n "$elements" ]] || { say "$name: no element throughput recorded"; exit 2; }
        rate=$(awk -v n="$elements" -v t="$mean_ns" 'BEGIN { printf "%.0f", n / (t / 1e9) }')
        # A slower iteration (upper bound of the time) is the lower bound of the rate.
        rlo=$(awk -v n="$elements" -v t="$hi_ns" 'BEGIN { printf "%.0f", n / (t / 1e9) }')
        rhi=$(awk -v n="$elements" -v t="$lo_ns" 'BEGIN { printf "%.0f", n / (t / 1e9) }')
        measured="**$(fmt_rate "$rate")** ($(fmt_rate "$rlo" | cut -d' ' -f1)–$(fmt_rate "$rhi"))"
        if [[ "$kind" == rate ]]; then
            target_text="≥ $(fmt_rate "$target")"
            pass=$(awk -v r="$rate" -v t="$target" 'BEGIN { print (r >= t) ? "PASS" : "FAIL" }')
        else
            target_text="— (informative)"
            pass="—"
        fi
        ;;
    time)
        ms=$(awk -v t="$mean_ns" 'BEGIN { printf "%.6f", t / 1e6 }')
        lo=$(awk -v t="$lo_ns" 'BEGIN { printf "%.6f", t / 1e6 }')
        hi=$(awk -v t="$hi_ns" 'BEGIN { printf "%.6f", t / 1e6 }')
        measured="**$(fmt_ms "$ms")** ($(fmt_ms "$lo" | cut -d' ' -f1)–$(fmt_ms "$hi"))"
        target_text="< $(fmt_ms "$target")"
        pass=$(awk -v m="$ms" -v t="$target" 'BEGIN { print (m < t) ? "PASS" : "FAIL" }')
        ;;
    *)
        say "unknown kind $kind"
        exit 2
        ;;
    esac
    if [[ "$pass" == FAIL ]]; then FAILED=$((FAILED + 1)); fi
    say "$name: $measured, target $target_text: $pass"
    ROWS+="| $what | \`$name\` | $measured | $target_text | $pass |"$'\n'
done

CPU="$(grep -m1 '^model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//' || true)"

cat >"$OUT" <<EOF
# Benchmark results

Written by \`bench/run.sh\` from \`cargo bench -p minikafka --bench core --bench sim\`
(criterion; sources in \`core/benches/core.rs\` and \`core/benches/sim.rs\`). Measured
values are criterion's estimate of the time per iteration (the slope of time over
iterations where criterion fits one, else the mean), in bold, with its 95% confidence
interval in brackets; rates are records per iteration divided by that time. Targets are the issue's; lines marked "informative" have none.

| Benchmark | Criterion id | Measured | Target | Result |
|---|---|---|---|---|
${ROWS}
What each one does:

- **append**: appends to an in-memory \`PartitionLog\` (1 MiB segments, so segment rolls are
  included). The batch is built once; each append takes a clone of it (its records sit
  behind an \`Arc\`, as a decoded request would hand them over), and the log assigns the
  offsets. \`single_record\` appends one-record batches; \`encoded_batch_100\` appends a
  10.9 kB wire-format batch, whose base offset the log rewrites (copying the bytes).
  The log's work is per batch, not per record (it never looks inside a batch), so
  records/s is records per batch times batches/s: \`single_record\` shows the cost of one
  append.
- **read**: a log of 1,000,000 records in 10,000 batches of 100, read from offset 0 to
  the end as a consumer does: \`read(position, 1 MiB, u32::MAX)\`, count the records at or
  after the position, move past the last batch returned. Like an append, a read costs per
  batch (a clone of each batch's \`Arc\`), not per record; decoding the records is the
  consumer's work and is not measured.
- **rebalance**: setup (not timed) builds a Stable group of 1,000 consumers subscribed to
  one topic of 1,000 partitions. Timed: the leader rejoins, which starts a rebalance; the
  999 others heartbeat, get REBALANCE_IN_PROGRESS and rejoin; the join phase completes; the
  leader decodes the subscriptions, computes a round-robin assignment and encodes it
  (\`consumer_protocol::encode_assignment\`); all 1,000 send SyncGroup; the group is Stable
  in the next generation. Coordinator events are drained as a driver would.
- **offsets**: an \`OffsetStore\` holding 1,000,000 commits (100 groups x 100 partitions,
  each group committing its 100 offsets in one request, 100 times) is rebuilt with
  \`OffsetStore::rebuild\`. The log clone it consumes is made outside the timing.
- **sim/end_to_end**: setup (not timed) builds a world of one topic of 4 partitions, 2
  idle producers and a Stable group of 5 consumers (range, 0 ms per record, \`commitSync\`
  after each polled batch, at-least-once). Timed: the producers start at 50,000 records/s
  each and stop after 1,000,000 records; the world runs in 100 ms steps (events taken as
  a driver would) until every record is appended, fetched, polled, processed, tracked and
  committed (10 s of simulated time). The run checks no duplicate and no loss.
- **sim/frame**: a world of one topic of 64 partitions, 2 producers at 1,000 records/s
  each and a Stable group of 32 consumers (1 ms per record, auto-commit), running for 10 s
  after it settled (not timed). Timed: \`world.step(16)\`, one visualiser frame at 60
  frames/s, over and over (the world keeps running; no rebalance happens).

## Machine

- CPUs (nproc): $(nproc)
- CPU model: ${CPU:-unknown}
- Kernel: $(uname -sr)
- Rust: $(rustc -V)
- Commit: ${COMMIT}
- Date of the run: $(date -u -d "@$LATEST" '+%Y-%m-%d %H:%M UTC')
EOF

say "wrote $OUT"
if ((FAILED > 0)); then
    say "$FAILED target(s) missed"
    if [[ "${BENCH_STRICT:-0}" == 1 ]]; then exit 1; fi
else
    say "all targets met"
fi
