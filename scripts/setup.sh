#!/usr/bin/env bash
# Installs what the build and the tests need, and nothing that is already there.
# Idempotent and quiet when everything is present. Used by `make start`, `make test`, `make dist`.
set -euo pipefail
cd "$(dirname "$0")/.."
log() { echo "setup: $*" >&2; }

# 0. rustfmt and clippy on the default toolchain (`make lint`, part of `make test`).
for c in rustfmt clippy; do
  if ! rustup component list --installed 2>/dev/null | grep -q "^$c-"; then
    log "adding the $c component"
    rustup component add "$c"
  fi
done

# 1. The wasm32 target.
if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  log "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# 1b. A nightly toolchain with the wasm32 target and the standard library's
# source: the threaded wasm builds rebuild std with atomics (-Z build-std).
if ! rustup run nightly rustc --version >/dev/null 2>&1; then
  log "installing the nightly toolchain (the threaded wasm builds)"
  rustup toolchain install nightly --profile minimal --target wasm32-unknown-unknown --component rust-src
fi
if ! rustup component list --toolchain nightly --installed 2>/dev/null | grep -qx rust-src; then
  log "adding rust-src to the nightly toolchain"
  rustup component add rust-src --toolchain nightly
fi
if ! rustup component list --toolchain nightly --installed 2>/dev/null | grep -q "^clippy-"; then
  log "adding clippy to the nightly toolchain (make lint checks the threaded wasm build)"
  rustup component add clippy --toolchain nightly
fi
if ! rustup target list --toolchain nightly --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  log "adding the wasm32-unknown-unknown target to the nightly toolchain"
  rustup target add wasm32-unknown-unknown --toolchain nightly
fi

# 2. wasm-bindgen-cli at exactly the version Cargo.lock pins (the CLI must match the library).
want=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/,""); print; exit}' Cargo.lock)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ -n "$want" ] && [ "$have" != "$want" ]; then
  log "building wasm-bindgen-cli $want from crates.io (about 6 minutes, once)"
  cargo install wasm-bindgen-cli --version "$want"
fi

# 3. wasm-pack, built from crates.io (its npm package downloads from GitHub, which is unreachable here).
if ! command -v wasm-pack >/dev/null 2>&1; then
  log "building wasm-pack from crates.io (about 5 minutes, once)"
  cargo install wasm-pack
fi

# 4. Debian's Chromium and its WebDriver, for wasm tests and end-to-end tests.
if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
  log "installing chromium and chromium-driver from Debian"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium chromium-driver >/dev/null
fi

# 5. npm packages exactly as package-lock.json pins them (re-run only when the lock changes).
if [ -f package-lock.json ]; then
  stamp=node_modules/.lock-stamp
  if [ ! -f "$stamp" ] || ! cmp -s package-lock.json "$stamp"; then
    log "npm ci"
    npm ci --no-audit --no-fund --loglevel=error
    cp package-lock.json "$stamp"
  fi
fi
