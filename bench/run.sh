#!/usr/bin/env bash
# make bench: one run of every benchmark, then bench/RESULTS.md rewritten from it.
#
#   1. the machine's limits (memcpy, loopback, fsync, fsync'd sequential write):
#      cargo bench --bench limits
#   2. the core and simulation benchmarks: cargo bench --bench core --bench sim (criterion)
#   3. the visualiser's frame time and wasm size: node bench/web.mjs (needs dist/, Chromium)
#   4. the server under load: bench/load.py (needs the release binary, confluent-kafka)
#   5. the server under librdkafka's C load tool: bench/rdkperf.py (builds rdkafka_performance
#      into target/conformance/ the first time: needs a C compiler, npm, zlib)
#   6. bench/report.py: every figure beside the limits, as a ratio, into bench/RESULTS.md
#
# Usage (from anywhere, usually the repo root; `make bench` installs what it needs first):
#   bench/run.sh                 # everything
#   bench/run.sh rebalance       # extra arguments go to criterion (here: a name filter)
#   bench/run.sh --report-only   # no benchmarking: rewrite RESULTS.md from the last results
#   BENCH_SKIP_WEB=1 / BENCH_SKIP_LOAD=1 / BENCH_SKIP_RDKPERF=1 bench/run.sh
#                                # leave those sections as they were
#   BENCH_STRICT=1 bench/run.sh  # exit with status 1 if a target is missed
#
# Needs cargo, jq, awk and python3. Criterion numbers come from its estimates
# (<criterion dir>/<group>/<bench>/new/estimates.json, ns per iteration: the slope of time
# over iterations where criterion fits one, as it prints it, else the mean) and, for
# throughput, the element count criterion recorded in benchmark.json.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
OUT="$ROOT/bench/RESULTS.md"

say() { printf '[bench] %s\n' "$*" >&2; }

for tool in cargo jq awk python3; do
    command -v "$tool" >/dev/null || { say "missing tool: $tool"; exit 2; }
done

TARGET_DIR="$(cargo metadata --format-version 1 --no-deps | jq -r .target_directory)"
CRITERION_DIR="${CRITERION_HOME:-$TARGET_DIR/criterion}"
LOG="$TARGET_DIR/bench-core.log"
BENCH_TARGETS=(--bench core --bench sim)
RESULTS_DIR="$TARGET_DIR/bench"
mkdir -p "$RESULTS_DIR"

# The code being measured (recorded before the run: others may commit meanwhile).
COMMIT="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [[ -n "$(git status --porcelain 2>/dev/null || true)" ]]; then COMMIT="$COMMIT (with uncommitted changes)"; fi

# Only results written by this run count: criterion keeps older ones around.
STAMP="$(mktemp)"
trap 'rm -f "$STAMP"' EXIT

REPORT_ONLY=0
if [[ "${1:-}" == --report-only ]]; then
    shift
    REPORT_ONLY=1
    touch -d '@0' "$STAMP"
    say "report only: reading the last results in $CRITERION_DIR and $RESULTS_DIR"
else
    say "1/6 the machine's limits: cargo bench -p minikafka --bench limits"
    MINIKAFKA_LIMITS_OUT="$RESULTS_DIR/limits.json" cargo bench -p minikafka --bench limits
    say "2/6 running: cargo bench -p minikafka ${BENCH_TARGETS[*]} -- $* (log: $LOG)"
    START=$(date +%s)
    cargo bench -p minikafka "${BENCH_TARGETS[@]}" -- "$@" 2>&1 | tee "$LOG"
    say "benchmarks finished in $(($(date +%s) - START)) s; reading $CRITERION_DIR"
fi

# name | kind (rate: records/s, higher is better; time: ms, lower is better; info-*: no
# target) | target | what it measures | bytes per record (for the ratio to memcpy)
BENCHES=(
    "append/batch_100|rate|5000000|append, batches of 100 x 100-byte records|100"
    "append/single_record|info-rate|-|append, one 100-byte record per batch|100"
    "append/encoded_batch_100|info-rate|-|append, encoded (wire) batches of 100 records|100"
    "read/sequential_1MiB_fetches|rate|5000000|read 1 M records from offset 0, 1 MiB fetches|100"
    "rebalance/1000_members_1000_partitions|time|50|rebalance, 1,000 members x 1,000 partitions, Stable to Stable"
    "offsets/rebuild_1M_commits|time|1000|OffsetStore::rebuild of 1 M commits (10 k keys)"
    "sim/end_to_end_1M_records_4p_5c|rate|1000000|simulated world: 1 M records end to end, 4 partitions, 5 consumers"
    "sim/frame_16ms_64p_32c|time|2|simulated world: one 16 ms frame, 64 partitions, 32 consumers, steady state"
)

# Each benchmark's raw estimate, for bench/report.py.
ENTRIES=()
for entry in "${BENCHES[@]}"; do
    IFS='|' read -r name kind target what bytes <<<"$entry"
    dir="$CRITERION_DIR/$name/new"
    est="$dir/estimates.json"
    if [[ ! -f "$est" || ! "$est" -nt "$STAMP" ]]; then
        say "$name: no result from this run"
        ENTRIES+=("$(jq -n --arg name "$name" --arg kind "$kind" --arg what "$what" '{name: $name, kind: $kind, what: $what, ns: null}')")
        continue
    fi
    # Criterion's headline estimate: the slope (linear sampling), else the mean (flat).
    stat=$(jq -r 'if .slope then "slope" else "mean" end' "$est")
    elements=$(jq -r '.throughput.Elements // 0' "$dir/benchmark.json")
    ENTRIES+=("$(jq -n --arg name "$name" --arg kind "$kind" --arg what "$what" --arg target "$target" \
        --argjson elements "$elements" --argjson bytes "${bytes:-null}" --slurpfile e "$est" --arg stat "$stat" \
        '{name: $name, kind: $kind, what: $what, target: $target, elements: $elements,
          bytes_per_record: $bytes, ns: $e[0][$stat].point_estimate,
          lo_ns: $e[0][$stat].confidence_interval.lower_bound,
          hi_ns: $e[0][$stat].confidence_interval.upper_bound}')")
done
printf '%s\n' "${ENTRIES[@]}" | jq -s . >"$RESULTS_DIR/core.json"
say "wrote $RESULTS_DIR/core.json"

if ((REPORT_ONLY == 0)); then
    if [[ "${BENCH_SKIP_WEB:-0}" == 1 ]]; then
        say "3/6 skipped (BENCH_SKIP_WEB=1): the visualiser"
    else
        say "3/6 the visualiser: node bench/web.mjs"
        BENCH_WEB_OUT="$RESULTS_DIR/web.json" node bench/web.mjs
    fi
    if [[ "${BENCH_SKIP_LOAD:-0}" == 1 ]]; then
        say "4/6 skipped (BENCH_SKIP_LOAD=1): the server load test"
    else
        say "4/6 the server under load: bench/load.py"
        PYTHON="${CLIENTS_PYTHON:-$ROOT/tests/clients/.venv/bin/python}"
        cargo build --release -p minikafka --bin minikafka
        "$PYTHON" bench/load.py --bin "$TARGET_DIR/release/minikafka" \
            --json "$RESULTS_DIR/load.json" --limits "$RESULTS_DIR/limits.json"
    fi
    if [[ "${BENCH_SKIP_RDKPERF:-0}" == 1 ]]; then
        say "5/6 skipped (BENCH_SKIP_RDKPERF=1): librdkafka's load tool"
    else
        say "5/6 the server under librdkafka's load tool: bench/rdkperf.py"
        cargo build --release -p minikafka --bin minikafka
        rm -f "$RESULTS_DIR/rdkperf.json"
        # Its targets count in report.py's verdict (BENCH_STRICT); a failure here still
        # leaves the other sections to be written.
        BENCH_STRICT=0 python3 bench/rdkperf.py --bin "$TARGET_DIR/release/minikafka" \
            --json "$RESULTS_DIR/rdkperf.json" --limits "$RESULTS_DIR/limits.json" --results '' \
            || say "bench/rdkperf.py failed (status $?): its section keeps its previous figures"
    fi
fi

say "6/6 bench/report.py -> $OUT"
python3 bench/report.py --dir "$RESULTS_DIR" --out "$OUT"
