#!/bin/sh
# Builds the desktop .deb with `cargo tauri build --bundles deb` and checks it: the binary, the
# desktop entry and the icons are inside, the dependencies are declared, and it is under 12 MB.
set -eu
cd "$(dirname "$0")/.."
. scripts/env.sh
command -v cargo-tauri >/dev/null 2>&1 || {
    echo "package-deb: installing tauri-cli (pinned to ^2: crates.io also serves 3.0 alphas)"
    cargo install tauri-cli --locked --version '^2' --quiet
}
# The binary embeds ui/dist: build it first (tauri.conf.json runs no front-end command).
(cd ui && npm ci --no-audit --no-fund && npm run build)
(cd src-tauri && cargo tauri build --bundles deb)
DEB=$(ls -t target/release/bundle/deb/*.deb | head -n 1)
echo "package-deb: $DEB"
dpkg-deb --info "$DEB"
dpkg-deb --contents "$DEB" | tee target/release/bundle/deb/contents.txt
fail() { echo "package-deb: $*" >&2; exit 1; }
grep -q ' usr/bin/rounds-desktop$' target/release/bundle/deb/contents.txt || fail "no /usr/bin/rounds-desktop"
grep -q 'usr/share/applications/.*\.desktop$' target/release/bundle/deb/contents.txt || fail "no desktop entry"
grep -q 'usr/share/icons/hicolor/128x128/apps/' target/release/bundle/deb/contents.txt || fail "no 128x128 icon"
dpkg-deb --field "$DEB" Depends | grep -q libwebkit2gtk-4.1-0 || fail "Depends lacks libwebkit2gtk-4.1-0"
# Without a Chinese font every character is a box, and the UI's font list starts with it.
dpkg-deb --field "$DEB" Depends | grep -q fonts-noto-cjk || fail "Depends lacks fonts-noto-cjk"
SIZE=$(stat -c %s "$DEB")
[ "$SIZE" -lt 12582912 ] || fail "the .deb is $SIZE bytes; the target is under 12 MB"
echo "package-deb: ok, $SIZE bytes"
