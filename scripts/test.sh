#!/usr/bin/env bash
# WorkTime's test command: every tier, then a pass/fail summary.
#   1. native   — unit tests of the wire contract and the pure core (cargo test)
#   2. worker   — integration tests against the worker under `wrangler dev` (real workerd,
#                 local D1 and KV), over loopback HTTP
#   3. sdk-wasm — the SDK in headless Chromium (wasm-pack test) against the same worker
# The worker runs on 127.0.0.1:8788 with a fresh local state; it is stopped on every exit.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"
. "$WT_ROOT/scripts/worker-dev.sh"

"$WT_ROOT/scripts/setup.sh"
cd "$WT_ROOT"

PORT=8788
BASE_URL="http://127.0.0.1:$PORT"
# The wasm test page's origin: the only origin the test worker grants CORS to.
export WASM_BINDGEN_TEST_ADDRESS=127.0.0.1:8799
OUT="$WT_ROOT/target/test-run"
rm -rf "$OUT" && mkdir -p "$OUT"
trap stop_worker EXIT
trap 'exit 130' INT TERM

SUMMARY=()
FAILED=0
# tier NAME TIMEOUT_SECONDS COMMAND…: runs one tier, records its verdict, never aborts.
tier() {
  local name=$1 limit=$2 start=$SECONDS rc=0
  shift 2
  echo "=== tier $name: $*"
  timeout --kill-after=10 "$limit" "$@" || rc=$?
  local verdict=PASS
  if [ $rc -eq 124 ]; then verdict="FAIL (timed out after ${limit}s)";
  elif [ $rc -ne 0 ]; then verdict="FAIL (exit $rc)"; fi
  [ "$verdict" = PASS ] || FAILED=1
  SUMMARY+=("$(printf '%-10s %-28s %4ds' "$name" "$verdict" $((SECONDS - start)))")
}

tier native 900 cargo test --workspace --exclude worktime-sdk --exclude worktime-worker --exclude worktime-tests

echo "=== starting the worker on $BASE_URL"
worker_up() {
  build_worker &&
  migrate_local "$OUT/wrangler-state" >"$OUT/migrations.log" 2>&1 &&
  start_worker "$PORT" "$OUT/wrangler-state" "$OUT/wrangler-dev.log" \
    --var "ENVIRONMENT:test" --var "ALLOWED_ORIGINS:http://$WASM_BINDGEN_TEST_ADDRESS"
}
if worker_up; then
  export WORKTIME_TEST_BASE_URL=$BASE_URL
  tier worker 900 cargo test -p worktime-tests
  tier sdk-wasm 900 wasm-pack test --mode no-install --headless --chrome \
    --chromedriver "$CHROMEDRIVER" crates/sdk
else
  FAILED=1
  SUMMARY+=("worker     FAIL (the worker did not start; see above)")
fi
stop_worker

echo
echo "=== WorkTime test summary"
printf '  %s\n' "${SUMMARY[@]}"
if [ $FAILED -eq 0 ]; then echo "ALL TIERS PASSED"; else echo "SOME TIERS FAILED"; fi
exit $FAILED
