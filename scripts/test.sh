#!/bin/sh
# Every test: formatting, lints, unit, integration and end-to-end tests, and the benchmark
# harness in --quick mode (same code, small sizes, no timing assertions).
set -eu
cd "$(dirname "$0")/.."
. scripts/env.sh
scripts/deps.sh

step() { printf '\n== %s\n' "$*"; }

step "UI: install, type-check, unit tests (Vitest), build (the desktop binary embeds ui/dist)"
(cd ui && npm ci --no-audit --no-fund && npm run check && npm test && npm run build)

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (all targets, warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "build binaries and examples (the end-to-end tests and the benchmark drive them)"
cargo build --workspace --bins --examples --locked

step "cargo test --workspace (in a private desktop session: Xvfb, D-Bus, notifications, keychain)"
scripts/with-session.sh cargo test --workspace --locked

step "benchmark harness, quick mode"
# The binary built above: `cargo run -p` would resolve features for one package alone and
# rebuild half the dependency tree.
scripts/with-session.sh ./target/debug/rounds-bench --quick

echo
echo "all tests passed"
