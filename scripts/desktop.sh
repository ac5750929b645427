#!/bin/sh
# Builds the UI and the desktop app (release) and starts it. Pass ROUNDS_HOME=DIR to keep its
# profile and logs in DIR instead of the user's data directory.
set -eu
cd "$(dirname "$0")/.."
. scripts/env.sh
scripts/deps.sh
(cd ui && npm ci --no-audit --no-fund && npm run build)
cargo build --release -p rounds-desktop
exec ./target/release/rounds-desktop
