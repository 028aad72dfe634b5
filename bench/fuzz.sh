#!/usr/bin/env bash
# Coverage-guided fuzzing with cargo-fuzz (libFuzzer + AddressSanitizer) of the wire
# adapter's entry points, then the figures into bench/RESULTS.md ("## Fuzzing").
#
#   bench/fuzz.sh            # each target for FUZZ_SECONDS (default 60)
#
# cargo-fuzz needs nightly-only compiler flags; the machine's stable toolchain accepts them
# with RUSTC_BOOTSTRAP=1 (no other toolchain can be installed here). The corpus is kept in
# fuzz/corpus/ (git-ignored) so later runs go on from it; a crash leaves its input in
# fuzz/artifacts/<target>/ and fails the script.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
SECONDS_PER_TARGET="${FUZZ_SECONDS:-60}"
TARGETS=(request_frame record_batch offsets_log)
OUT="$ROOT/bench/RESULTS.md"
rows=""
failed=0
for target in "${TARGETS[@]}"; do
    mkdir -p "fuzz/corpus/$target"
    log="$(mktemp)"
    echo "[fuzz] $target for ${SECONDS_PER_TARGET}s" >&2
    status=0
    RUSTC_BOOTSTRAP=1 cargo fuzz run "$target" --fuzz-dir fuzz -- \
        -max_total_time="$SECONDS_PER_TARGET" -rss_limit_mb=2048 -malloc_limit_mb=100 -max_len=65536 \
        >"$log" 2>&1 || status=$?
    runs="$(grep -o 'Done [0-9]* runs' "$log" | tail -1 | awk '{print $2}')"
    cov="$(grep -o 'cov: [0-9]*' "$log" | tail -1 | awk '{print $2}')"
    corpus="$(ls "fuzz/corpus/$target" | wc -l)"
    if [[ $status -ne 0 ]]; then
        failed=1
        result="**FAIL**: $(grep -m1 -E 'ERROR|panicked' "$log" || echo "exit $status"); input in fuzz/artifacts/$target/"
        tail -40 "$log" >&2
    else
        result="no crash, no leak, no single allocation over 100 MiB (the frame limit)"
    fi
    rows+="| \`$target\` | ${runs:-?} | ${cov:-?} | $corpus | $result |"$'\n'
    rm -f "$log"
done
section="## Fuzzing

Written by \`bench/fuzz.sh\` (\`make fuzz\`) on $(date -u +%Y-%m-%d): cargo-fuzz (libFuzzer with
AddressSanitizer) for ${SECONDS_PER_TARGET} s per target, on $(nproc) cores. Targets in \`fuzz/fuzz_targets/\`:
\`request_frame\` (any bytes as a request frame through \`WireBroker::handle_frame\`),
\`record_batch\` (the Produce record-set check), \`offsets_log\` (the offsets-log decoders).
The stable-Rust smoke version (\`tests/tests/fuzz_smoke.rs\`) runs in \`make test\`.

| Target | Executions | Coverage (edges) | Corpus | Result |
|---|---|---|---|---|
${rows}"
python3 - "$OUT" "$section" <<'PY'
import re, sys
path, section = sys.argv[1], sys.argv[2]
text = open(path).read()
text = re.sub(r"\n## Fuzzing\n[\s\S]*?(?=\n## |\Z)", "\n", text).rstrip() + "\n\n" + section
open(path, "w").write(text.rstrip() + "\n")
PY
echo "[fuzz] wrote $OUT" >&2
exit $failed
