# Sourced by the scripts: puts a rustup-installed cargo on PATH and keeps one target/.
if ! command -v cargo >/dev/null 2>&1 && [ -x "$HOME/.cargo/bin/cargo" ]; then
    PATH="$HOME/.cargo/bin:$PATH"
    export PATH
fi
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
