#!/usr/bin/env bash
# Coverage-guided fuzzing with cargo-fuzz (libFuzzer + AddressSanitizer) of the wire
# adapter's entry points, then the figures into bench/RESULTS.md ("## Fuzzing").
#
#   bench/fuzz.sh                                # make fuzz: each target for FUZZ_SECONDS (60)
#   FUZZ_SECONDS=600 FUZZ_MODE=long bench/fuzz.sh  # make fuzz-long: 10 minutes per target
#
# cargo-fuzz needs nightly-only compiler flags; the machine's stable toolchain accepts them
# with RUSTC_BOOTSTRAP=1 (no other toolchain can be installed here). Each target reads two
# corpus directories: the working corpus fuzz/corpus/<target>/ (git-ignored; new inputs go
# there, so later runs go on from it) and the committed seeds fuzz/seeds/<target>/ (read
# only: request frames captured from real clients by fuzz/capture.sh, and built records).
# A crash leaves its input in fuzz/artifacts/<target>/ and fails the script; the other
# targets still run.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
SECONDS_PER_TARGET="${FUZZ_SECONDS:-60}"
MODE="${FUZZ_MODE:-short}"
TARGETS=(${FUZZ_TARGETS:-request_frame request_sequence record_batch offsets_log})
OUT="$ROOT/bench/RESULTS.md"
rows=""
failed=0
RUSTC_BOOTSTRAP=1 cargo fuzz build --fuzz-dir fuzz >&2
for target in "${TARGETS[@]}"; do
    mkdir -p "fuzz/corpus/$target" "fuzz/seeds/$target"
    log="$(mktemp)"
    seeds="$(find "fuzz/seeds/$target" -type f | wc -l)"
    echo "[fuzz] $target for ${SECONDS_PER_TARGET}s ($seeds committed seeds)" >&2
    status=0
    RUSTC_BOOTSTRAP=1 cargo fuzz run "$target" --fuzz-dir fuzz \
        "fuzz/corpus/$target" "fuzz/seeds/$target" -- \
        -max_total_time="$SECONDS_PER_TARGET" -rss_limit_mb=2048 -malloc_limit_mb=100 -max_len=65536 \
        >"$log" 2>&1 || status=$?
    runs="$(grep -o 'Done [0-9]* runs' "$log" | tail -1 | awk '{print $2}')"
    # The last status line (#N ... cov: C ft: F corp: K/S): coverage at the end of the run.
    cov="$(grep -o 'cov: [0-9]*' "$log" | tail -1 | awk '{print $2}')"
    ft="$(grep -o 'ft: [0-9]*' "$log" | tail -1 | awk '{print $2}')"
    corpus="$(find "fuzz/corpus/$target" -type f | wc -l)"
    if [[ $status -ne 0 ]]; then
        failed=1
        result="**FAIL**: $(grep -m1 -E 'ERROR|panicked' "$log" || echo "exit $status"); input in fuzz/artifacts/$target/"
        tail -40 "$log" >&2
    else
        result="no crash, no leak, no single allocation over 100 MiB (the frame limit)"
    fi
    echo "[fuzz] $target: ${runs:-?} runs, cov ${cov:-?}, ft ${ft:-?}, corpus $corpus: $result" >&2
    rows+="| \`$target\` | ${runs:-?} | ${cov:-?} | ${ft:-?} | $seeds | $corpus | $result |"$'\n'
    rm -f "$log"
done
if [[ "$MODE" == long ]]; then
    title="### \`make fuzz-long\`: ${SECONDS_PER_TARGET} s per target, $(date -u +%Y-%m-%d)"
else
    title="### \`make fuzz\`: ${SECONDS_PER_TARGET} s per target, $(date -u +%Y-%m-%d)"
fi
table="$title

On $(nproc) cores (shared), each target one libFuzzer process.

| Target | Executions | Coverage (edges) | Features | Seeds | Corpus after | Result |
|---|---|---|---|---|---|---|
${rows}"
python3 - "$OUT" "$MODE" "$table" <<'PY'
import re, sys
path, mode, table = sys.argv[1], sys.argv[2], sys.argv[3]
intro = """## Fuzzing

Written by `bench/fuzz.sh`: cargo-fuzz (libFuzzer with AddressSanitizer). `make fuzz` runs
each target for 60 s, `make fuzz-long` for 10 minutes; each starts from its working corpus
(`fuzz/corpus/`, git-ignored) and the committed seeds (`fuzz/seeds/<target>/`: request
frames captured from kcat, confluent-kafka, kafka-python and kafkajs by `fuzz/capture.sh`,
plus built frames for APIs no client test sends, and built records). Targets in
`fuzz/fuzz_targets/`: `request_frame` (any bytes as a request frame through
`WireBroker::handle_frame`), `request_sequence` (structure-aware: sequences of valid
requests of every served API with chosen field values, and clock moves, through one
stateful `WireBroker`, checking one in-order answer per request that decodes at the
request's version, and the partitions' offsets), `record_batch` (the Produce record-set
check), `offsets_log` (the offsets-log decoders: commit keys and values, group metadata
records, and the transaction log's records). Executions and coverage are libFuzzer's
last status line; "Corpus after" counts the working corpus. Stable-Rust versions run in
`make test`: `tests/tests/fuzz_smoke.rs` (mutated frames, batches and log records) and
`tests/tests/request_sequence.rs` (3,000 generated sequences).
"""
text = open(path).read()
old = re.search(r"\n## Fuzzing\n[\s\S]*?(?=\n## |\Z)", text)
subs = {}
if old:
    for m in re.finditer(r"\n(### `make (fuzz(?:-long)?)`[\s\S]*?)(?=\n### |\Z)", old.group(0)):
        subs[m.group(2)] = m.group(1).rstrip()
    text = text.replace(old.group(0), "\n")
subs["fuzz-long" if mode == "long" else "fuzz"] = table.rstrip()
section = intro + "".join("\n" + subs[k] + "\n" for k in ("fuzz", "fuzz-long") if k in subs)
text = text.rstrip() + "\n\n" + section
open(path, "w").write(text.rstrip() + "\n")
PY
echo "[fuzz] wrote $OUT" >&2
exit $failed
