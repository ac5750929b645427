#!/bin/sh
# The main job: install what is missing, build, load demo data and start rounds-server on
# 127.0.0.1:8600 (override with ROUNDS_LISTEN). Ctrl-C stops it. Data lives in .rounds-dev/.
set -eu
cd "$(dirname "$0")/.."
. scripts/env.sh
scripts/deps.sh
cargo build --release -p rounds-server
DATA="${ROUNDS_DATA:-$PWD/.rounds-dev/server}"
LISTEN="${ROUNDS_LISTEN:-127.0.0.1:8600}"
./target/release/rounds-server demo --data "$DATA"
echo "starting rounds-server on http://$LISTEN (data: $DATA); Ctrl-C to stop"
exec ./target/release/rounds-server serve --data "$DATA" --listen "$LISTEN"
