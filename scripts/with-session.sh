#!/bin/sh
# Runs a command inside a private D-Bus session with an unlocked, throwaway Secret Service
# (gnome-keyring), so tests use a real OS keychain without touching the user's own.
# Usage: scripts/with-session.sh COMMAND [ARGS...]
set -eu
for tool in dbus-run-session gnome-keyring-daemon; do
    command -v "$tool" >/dev/null 2>&1 || { echo "with-session: $tool is missing (scripts/deps.sh installs it)" >&2; exit 1; }
done
ROUNDS_SESSION_DIR=$(mktemp -d)
trap 'rm -rf "$ROUNDS_SESSION_DIR"' EXIT
export ROUNDS_SESSION_DIR
mkdir -p "$ROUNDS_SESSION_DIR/data" "$ROUNDS_SESSION_DIR/run"
chmod 700 "$ROUNDS_SESSION_DIR/run"
# The keyring files live in the throwaway directory.
XDG_DATA_HOME="$ROUNDS_SESSION_DIR/data" XDG_RUNTIME_DIR="$ROUNDS_SESSION_DIR/run" \
dbus-run-session -- sh -c '
    printf %s "rounds-test-keyring" | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1
    gnome-keyring-daemon --start --components=secrets >/dev/null 2>&1
    exec "$@"
' with-session "$@"
