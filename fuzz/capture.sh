#!/usr/bin/env bash
# Capture the fuzz seed corpus of `request_frame` from real client traffic.
#
#   fuzz/capture.sh [--bin target/debug/minikafka]
#
# Runs a representative part of the real-client tests (tests/clients: kcat,
# confluent-kafka, kafka-python and kafkajs producing, consuming, in groups, in
# transactions, and through their admin clients) against servers started with
# MINIKAFKA_CAPTURE_REQUESTS=<dir>, so every request frame they read is also written to a
# file. Then fuzz/select_seeds.py keeps a few of the smallest distinct frames per (API,
# version, client) and rewrites fuzz/seeds/request_frame/. Needs what `make clients-tools`
# installs (kcat, tests/clients/.venv, tests/clients/node_modules).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BIN="${1:-}"
[[ "$BIN" == --bin ]] && BIN="$2"
if [[ -z "$BIN" ]]; then
    cargo build -p minikafka --bin minikafka
    BIN="${CARGO_TARGET_DIR:-$ROOT/target}/debug/minikafka"
fi
PYTHON="${PYTHON:-$ROOT/tests/clients/.venv/bin/python}"
RAW="$(mktemp -d /tmp/minikafka-capture.XXXXXX)"
export MINIKAFKA_CAPTURE_REQUESTS="$RAW"
echo "[capture] frames into $RAW" >&2
# Produce and consume by assignment, a group failing over, a server restart: every client.
"$PYTHON" tests/clients/run.py --bin "$BIN" --python "$PYTHON"
# Transactions: confluent-kafka's exactly-once processor (one kill), fencing, kafkajs and
# kafka-python transactions.
"$PYTHON" tests/clients/txn.py --bin "$BIN" --python "$PYTHON" --kills 1 --server-kills 0 \
    --only eos,fence,kafkajs,kafka-python
# Admin: configs, partitions, groups and offsets deleted, DescribeCluster (confluent-kafka,
# kafka-python, kafkajs).
"$PYTHON" tests/clients/admin.py --bin "$BIN"
python3 fuzz/select_seeds.py "$RAW" fuzz/seeds/request_frame
rm -rf "$RAW"
