#!/usr/bin/env bash
# Benchmark (prints figures, asserts nothing):
#  - the worker under `wrangler dev` on 127.0.0.1:8791 with a fresh local D1, driven with
#    mixed traffic (start, end, sync of 10 ops, stats) at 1 and 8 connections for
#    BENCH_SECONDS (default 10) each;
#  - 10,000 ops queued offline by the SDK's engine, then synced: requests and seconds;
#  - SDK initialisation in headless Chromium (median of 21 fresh pages);
#  - the worker's and the SDK's wasm sizes, raw and gzipped.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"
. "$WT_ROOT/scripts/worker-dev.sh"
"$WT_ROOT/scripts/setup.sh" >/dev/null
cd "$WT_ROOT"

PORT=8791 FAKE_PORT=8792 SECONDS_EACH=${BENCH_SECONDS:-10}
OUT="$WT_ROOT/target/bench"
rm -rf "$OUT" && mkdir -p "$OUT"
trap 'stop_worker; stop_test_servers' EXIT
printf 'JWT_SECRET=bench-%s\nGITHUB_CLIENT_ID=test-client-id\nGITHUB_CLIENT_SECRET=test-client-secret\n' \
  "$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')" > "$OUT/bench.env"

cargo build -q --release -p worktime-tests --bin bench --bin sync-bench
wasm-pack --quiet build --mode no-install --release --target web --no-pack \
  --out-dir ../../extension/pkg --out-name worktime_sdk crates/sdk
start_test_server fake-github "$OUT/fake-github.log" --port "$FAKE_PORT"
build_worker > "$OUT/build.log" 2>&1
migrate_local "$OUT/state" > "$OUT/migrations.log" 2>&1
start_worker "$PORT" "$OUT/state" "$OUT/wrangler-dev.log" --env-file "$OUT/bench.env" \
  --var "ENVIRONMENT:bench" --var "GITHUB_OAUTH_BASE_URL:http://127.0.0.1:$FAKE_PORT" \
  --var "GITHUB_API_BASE_URL:http://127.0.0.1:$FAKE_PORT" \
  --var "API_RATE_LIMIT_PER_MINUTE:1000000" --var "AUTH_RATE_LIMIT_PER_MINUTE:1000000"

echo "## Worker under wrangler dev, mixed traffic, ${SECONDS_EACH}s per row group"
echo "machine: $(nproc) cores, $(uname -m), loopback 127.0.0.1; medians/percentiles over all requests"
echo
"$WT_ROOT/target/release/bench" "http://127.0.0.1:$PORT" "$SECONDS_EACH" 1 8
echo
echo "## SDK: 10,000 ops queued offline, then synced (goals: <= 100 requests, <= 10 s)"
"$WT_ROOT/target/release/sync-bench" "http://127.0.0.1:$PORT" 5000
echo
echo "## SDK initialisation (goal: <= 30 ms)"
node "$WT_ROOT/tests/bench/sdk-init.mjs" "$WT_ROOT/extension/pkg" 21
echo
echo "## Sizes (goals: worker <= 350 KB gzip, SDK <= 150 KB gzip)"
echo "| artefact | raw bytes | gzip -9 bytes |"
echo "|---|---:|---:|"
for f in worker/build/index_bg.wasm extension/pkg/worktime_sdk_bg.wasm; do
  echo "| $f | $(stat -c%s "$f") | $(gzip -9c "$f" | wc -c) |"
done
