#!/bin/sh
# Installs what building and testing Rounds needs on Debian/Ubuntu, and only what is missing.
# Works as root or as a user with sudo. Usage: scripts/deps.sh
set -eu

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
        echo "deps: not root and no sudo: install the packages listed in scripts/deps.sh by hand" >&2
        exit 1
    fi
fi

# Debian packages:
# - a C toolchain for the bundled SQLite, and the tools the scripts use (util-linux's
#   `unshare` gives the full-disk tests a small tmpfs of their own);
# - a D-Bus session bus with a Secret Service (gnome-keyring) for the keychain tests;
# - the desktop app's libraries: WebKitGTK, the tray (appindicator), xdo, and xcap's capture
#   libraries (PipeWire, with clang for its bindings);
# - its tests: Xvfb, the WebDriver for WebKitGTK, a notification daemon (dunst), Chinese fonts
#   (without them every Chinese character renders as a box), ImageMagick for screenshots;
# - Node.js and npm for the UI.
PACKAGES="build-essential pkg-config ca-certificates curl procps file util-linux dbus dbus-daemon dbus-x11 gnome-keyring libsecret-tools
libwebkit2gtk-4.1-dev libayatana-appindicator3-dev librsvg2-dev libxdo-dev libssl-dev
libpipewire-0.3-dev libspa-0.2-dev libclang-dev clang libwayland-dev libgbm-dev libegl-dev libxcb1-dev libxrandr-dev libdbus-1-dev
xvfb xauth x11-utils webkit2gtk-driver dunst imagemagick fonts-noto-cjk"

missing=""
for p in $PACKAGES; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
command -v node >/dev/null 2>&1 || missing="$missing nodejs"
command -v npm >/dev/null 2>&1 || missing="$missing npm"
if [ -n "$missing" ]; then
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "deps: missing packages:$missing (and no apt-get: install them by hand)" >&2
        exit 1
    fi
    echo "deps: installing$missing"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# Rust: Debian's own rustc is too old for this workspace (edition 2024, Rust >= 1.89).
if ! command -v cargo >/dev/null 2>&1 && [ -x "$HOME/.cargo/bin/cargo" ]; then
    PATH="$HOME/.cargo/bin:$PATH"
fi
if ! command -v cargo >/dev/null 2>&1; then
    echo "deps: installing the Rust toolchain with rustup"
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal -c rustfmt,clippy
    PATH="$HOME/.cargo/bin:$PATH"
fi
if ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1; then
    command -v rustup >/dev/null 2>&1 || { echo "deps: cargo fmt or clippy is missing and there is no rustup" >&2; exit 1; }
    rustup component add rustfmt clippy
fi

# tauri-driver drives the desktop app over WebDriver (through WebKitWebDriver). Pinned to ^2:
# crates.io also serves 3.0 alphas.
if ! command -v tauri-driver >/dev/null 2>&1; then
    echo "deps: installing tauri-driver"
    cargo install tauri-driver --locked --version '^2' --quiet
fi
