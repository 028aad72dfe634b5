# minikafka: two commands do everything on a fresh machine with rustup and cargo.
#   make demo   installs what is missing, builds, runs scenario S1 narrated in the terminal
#   make test   installs what tests need, runs every check and test (CI runs exactly this)
# Other targets: make bench (criterion benches -> bench/RESULTS.md), make campaign (10,000
# random simulation schedules), make wasm, make help.

SHELL := /bin/bash
CARGO ?= cargo
WASM_TARGET := wasm32-unknown-unknown

.PHONY: help demo test toolchain wasm fmt-check clippy unit bench campaign

help:
	@echo "make demo   - build and run scenario S1 (the pod-restart lesson), narrated in the terminal"
	@echo "make test   - fmt check, clippy -D warnings, every test, and the wasm32 build"
	@echo "make bench  - criterion benchmarks, results written to bench/RESULTS.md"
	@echo "make campaign - the randomized simulation campaign over 10,000 seeds (release build)"
	@echo "make wasm   - build the core for $(WASM_TARGET)"

# rustfmt, clippy and the wasm32 standard library, each installed only if missing.
toolchain:
	@rustup component list --installed | grep -q '^rustfmt' || rustup component add rustfmt
	@rustup component list --installed | grep -q '^clippy' || rustup component add clippy
	@rustup target list --installed | grep -qx '$(WASM_TARGET)' || rustup target add $(WASM_TARGET)

# Until the browser visualiser lands, the demo is scenario S1 narrated in the terminal.
demo: toolchain
	$(CARGO) run --release -p minikafka --bin minikafka -- scenario S1

fmt-check: toolchain
	$(CARGO) fmt --all -- --check

clippy: toolchain
	$(CARGO) clippy --workspace --all-targets -- -D warnings

unit: toolchain
	$(CARGO) test --workspace

wasm: toolchain
	$(CARGO) build -p minikafka --target $(WASM_TARGET)

test: fmt-check clippy unit wasm
	@echo "make test: all green"

bench:
	bench/run.sh

# The randomized simulation campaign (tests/tests/campaign.rs) over 10,000 seeds with the
# full-size worlds; `cargo test` runs 1,000 smaller ones. MINIKAFKA_CAMPAIGN_FIRST_SEED moves
# the range, MINIKAFKA_CAMPAIGN_STRICT=1 also fails on the known issues it documents.
CAMPAIGN_SEEDS ?= 10000
campaign:
	MINIKAFKA_CAMPAIGN_SEEDS=$(CAMPAIGN_SEEDS) $(CARGO) test --release -p minikafka-tests --test campaign -- --nocapture
