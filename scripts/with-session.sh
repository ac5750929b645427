#!/bin/sh
# Runs a command inside a private desktop session: an X display (Xvfb, unless DISPLAY is set),
# a private D-Bus session bus that starts a notification daemon (dunst) on demand, and an
# unlocked, throwaway Secret Service (gnome-keyring), so tests use a real display, real
# notifications and a real OS keychain without touching the user's own.
# Usage: scripts/with-session.sh COMMAND [ARGS...]
set -eu
for tool in dbus-run-session gnome-keyring-daemon Xvfb; do
    command -v "$tool" >/dev/null 2>&1 || { echo "with-session: $tool is missing (scripts/deps.sh installs it)" >&2; exit 1; }
done
ROUNDS_SESSION_DIR=$(mktemp -d)
export ROUNDS_SESSION_DIR
mkdir -p "$ROUNDS_SESSION_DIR/data" "$ROUNDS_SESSION_DIR/run"
chmod 700 "$ROUNDS_SESSION_DIR/run"
XVFB_PID=""
if [ -z "${DISPLAY:-}" ]; then
    # DISPLAY must be set before the bus starts, so the bus hands it to dunst.
    Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp 3>"$ROUNDS_SESSION_DIR/display" 2>/dev/null &
    XVFB_PID=$!
    for _ in $(seq 1 100); do [ -s "$ROUNDS_SESSION_DIR/display" ] && break; sleep 0.1; done
    [ -s "$ROUNDS_SESSION_DIR/display" ] || { echo "with-session: Xvfb did not start" >&2; exit 1; }
    DISPLAY=":$(cat "$ROUNDS_SESSION_DIR/display")"
    export DISPLAY
fi
trap '[ -n "$XVFB_PID" ] && kill "$XVFB_PID" 2>/dev/null; rm -rf "$ROUNDS_SESSION_DIR"' EXIT
# The keyring files live in the throwaway directory.
XDG_DATA_HOME="$ROUNDS_SESSION_DIR/data" XDG_RUNTIME_DIR="$ROUNDS_SESSION_DIR/run" \
dbus-run-session -- sh -c '
    printf %s "rounds-test-keyring" | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1
    gnome-keyring-daemon --start --components=secrets >/dev/null 2>&1
    exec "$@"
' with-session "$@"
