#!/usr/bin/env bash
# WorkTime's test command: every tier, then a pass/fail summary.
#   1. native   — unit and property tests of the wire contract (with the OpenAPI freshness
#                 check) and the pure core (cargo test; the TypeScript declarations'
#                 freshness, the snapshot golden files, the seeded simulation)
#   2. worker   — integration tests against the worker under `wrangler dev` (real workerd,
#                 local D1 and KV) and a fake GitHub, over loopback HTTP
#   3. sdk-wasm — the SDK in headless Chromium (wasm-pack test) against the same worker,
#                 directly and through a fault-injecting proxy on 127.0.0.1:8793
#   4. lint     — cargo fmt --check, clippy -D warnings (native and wasm32), the
#                 extension's JavaScript type-checked (tsc, against the SDK's generated
#                 declarations), no source file over 600 lines (after the SDK is built)
#   5. e2e      — the real extension in Chromium (Playwright): tracking across tabs, offline
#                 and back, a stopped service worker, GitHub's client-side navigation,
#                 sign-in through launchWebAuthFlow, two devices of one user, live updates
#                 and sign-out everywhere; popup screenshots in test-output/
#   6. config   — a worker with a too-short JWT_SECRET refuses to serve
#   7. api-fuzz — schemathesis: >= 1000 generated requests from the OpenAPI document, no
#                 5xx, no response outside the document (worker restarted without the
#                 tight rate limits the worker tier tests)
# The worker runs on 127.0.0.1:8788 with a fresh local state, the fake GitHub on
# 127.0.0.1:8790 and the proxy on 127.0.0.1:8793; for the development sign-in's tests (worker
# and e2e tiers), three more workers: as run.sh runs it on 8791, and two deployments that must
# refuse it on 8792 and 8794. All are stopped on every exit.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"
. "$WT_ROOT/scripts/worker-dev.sh"

"$WT_ROOT/scripts/setup.sh"
cd "$WT_ROOT"

PORT=8788
BASE_URL="http://127.0.0.1:$PORT"
FAKE_GITHUB_PORT=8790
FAKE_GITHUB="http://127.0.0.1:$FAKE_GITHUB_PORT"
PROXY_PORT=8793
PROXY_URL="http://127.0.0.1:$PROXY_PORT"
# A per-run secret: tests forge tokens with it (tampered, expired, missing claims).
JWT_SECRET="test-secret-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
# The wasm test page's origin: the only origin the test worker grants CORS to.
export WASM_BINDGEN_TEST_ADDRESS=127.0.0.1:8799
# The slowest SDK test waits out an 11 s proxy delay plus retries.
export WASM_BINDGEN_TEST_TIMEOUT=120
OUT="$WT_ROOT/target/test-run"
rm -rf "$OUT" && mkdir -p "$OUT"
# The development sign-in's workers (see dev_workers_up).
DEV_PORT=8791 DEV_PRODUCTION_PORT=8792 DEV_WITH_APP_PORT=8794
DEV_PIDS=()
stop_dev_workers() {
  local pid
  for pid in "${DEV_PIDS[@]}"; do WORKER_PID=$pid stop_worker; done
  DEV_PIDS=()
}
trap 'stop_worker; stop_dev_workers; stop_test_servers' EXIT
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

tier native 900 cargo test -p worktime-api -p worktime-core --features worktime-api/openapi,worktime-core/ts

echo "=== starting the worker on $BASE_URL"
# Secrets go in an env file: wrangler shows their values as "(hidden)" in its log.
printf 'JWT_SECRET=%s\nGITHUB_CLIENT_ID=test-client-id\nGITHUB_CLIENT_SECRET=test-client-secret\n' \
  "$JWT_SECRET" > "$OUT/test.env"
# The unpacked extension's origin (its id derives from the manifest's development key): allowed to
# call the worker and to receive the sign-in redirect, as in a real deployment.
EXTENSION_ORIGIN=$(node "$WT_ROOT/tests/e2e/run.mjs" --extension-origin)
worker_up() {
  start_test_server fake-github "$OUT/fake-github.log" --port "$FAKE_GITHUB_PORT" &&
  start_test_server fault-proxy "$OUT/fault-proxy.log" --port "$PROXY_PORT" --upstream "$BASE_URL" &&
  build_worker &&
  migrate_local "$OUT/wrangler-state" >"$OUT/migrations.log" 2>&1 &&
  start_worker "$PORT" "$OUT/wrangler-state" "$OUT/wrangler-dev.log" \
    --var "ENVIRONMENT:test" --var "ALLOWED_ORIGINS:http://$WASM_BINDGEN_TEST_ADDRESS,$EXTENSION_ORIGIN" \
    --env-file "$OUT/test.env" \
    --var "GITHUB_OAUTH_BASE_URL:$FAKE_GITHUB" --var "GITHUB_API_BASE_URL:$FAKE_GITHUB" \
    --config "$(limited_config test 600 600)" \
    --test-scheduled
}
# The development sign-in: a worker as run.sh runs it (ENVIRONMENT=development, no GitHub
# app), and two that must refuse it (production without an app; development with one). The
# same secret; the tests' rate limits; no [build] (worker_up built it); only the first needs
# the schema.
dev_worker() { # dev_worker PORT NAME ARGS…
  local port=$1 name=$2 main=$WORKER_PID rc=0
  shift 2
  start_worker "$port" "$OUT/wrangler-state-$name" "$OUT/wrangler-dev-$name.log" \
    --env-file "$OUT/dev.env" --config "$DEV_CONFIG" \
    --var "ALLOWED_ORIGINS:http://$WASM_BINDGEN_TEST_ADDRESS,$EXTENSION_ORIGIN" "$@" || rc=$?
  DEV_PIDS+=("$WORKER_PID")
  WORKER_PID=$main
  return $rc
}
dev_workers_up() {
  printf 'JWT_SECRET=%s\n' "$JWT_SECRET" > "$OUT/dev.env"
  DEV_CONFIG="$WT_ROOT/worker/.wrangler-dev-signin.toml"
  awk '/^\[build\]/ { skip = 1; next } /^\[/ { skip = 0 } !skip' \
    "$(limited_config dev-signin-build 600 600)" > "$DEV_CONFIG"
  migrate_local "$OUT/wrangler-state-dev" >"$OUT/migrations-dev.log" 2>&1 &&
  dev_worker "$DEV_PORT" dev --var "ENVIRONMENT:development" --var "GITHUB_CLIENT_ID:" &&
  dev_worker "$DEV_PRODUCTION_PORT" production --var "ENVIRONMENT:production" --var "GITHUB_CLIENT_ID:" &&
  dev_worker "$DEV_WITH_APP_PORT" with-app --var "ENVIRONMENT:development" \
    --var "GITHUB_CLIENT_ID:test-client-id" --var "GITHUB_CLIENT_SECRET:test-client-secret" \
    --var "GITHUB_OAUTH_BASE_URL:$FAKE_GITHUB" --var "GITHUB_API_BASE_URL:$FAKE_GITHUB"
}
if worker_up; then
  echo "=== starting the development sign-in's workers on ports $DEV_PORT, $DEV_PRODUCTION_PORT, $DEV_WITH_APP_PORT"
  if dev_workers_up; then
    export WORKTIME_TEST_DEV_URL="http://127.0.0.1:$DEV_PORT"
    export WORKTIME_TEST_DEV_PRODUCTION_URL="http://127.0.0.1:$DEV_PRODUCTION_PORT"
    export WORKTIME_TEST_DEV_WITH_APP_URL="http://127.0.0.1:$DEV_WITH_APP_PORT"
  else
    echo "=== the development sign-in's workers did not start: its tests fail"
  fi
  export WORKTIME_TEST_BASE_URL=$BASE_URL WORKTIME_TEST_FAKE_GITHUB=$FAKE_GITHUB
  export WORKTIME_TEST_PROXY_URL=$PROXY_URL
  export WORKTIME_TEST_JWT_SECRET=$JWT_SECRET WORKTIME_TEST_STATE_DIR="$OUT/wrangler-state"
  tier worker 900 cargo test -p worktime-tests --lib --bins --test it --test abandon
  tier sdk-wasm 900 wasm-pack test --mode no-install --headless --chrome \
    --chromedriver "$CHROMEDRIVER" crates/sdk --test health --test sync --test live
  echo "=== building the SDK into extension/pkg"
  if wasm-pack --quiet build --mode no-install --release --target web --no-pack \
      --out-dir ../../extension/pkg --out-name worktime_sdk crates/sdk; then
    node "$WT_ROOT/scripts/icons.mjs" || { FAILED=1; SUMMARY+=("icons      FAIL (see above)"); }
    tier lint 900 "$WT_ROOT/scripts/lint.sh"
    export WORKTIME_E2E_OUTPUT="$WT_ROOT/test-output" WORKTIME_E2E_NO_SKIP=1
    tier e2e 300 node "$WT_ROOT/tests/e2e/run.mjs"
  else
    FAILED=1
    SUMMARY+=("e2e        FAIL (the SDK did not build; see above)")
  fi
  stop_dev_workers
  echo "=== restarting the worker with a too-short JWT_SECRET"
  stop_worker
  printf 'JWT_SECRET=too-short\n' > "$OUT/short.env"
  if start_worker "$PORT" "$OUT/wrangler-state" "$OUT/wrangler-dev-short.log" \
      --var "ENVIRONMENT:test" --env-file "$OUT/short.env"; then
    export WORKTIME_TEST_MISCONFIGURED=1
    tier config 300 cargo test -p worktime-tests --test misconfigured
    unset WORKTIME_TEST_MISCONFIGURED
  else
    FAILED=1
    SUMMARY+=("config     FAIL (the worker did not restart; see above)")
  fi
  echo "=== restarting the worker with high rate limits for schemathesis"
  stop_worker
  if start_worker "$PORT" "$OUT/wrangler-state" "$OUT/wrangler-dev-fuzz.log" \
      --var "ENVIRONMENT:test" --env-file "$OUT/test.env" \
      --var "GITHUB_OAUTH_BASE_URL:$FAKE_GITHUB" --var "GITHUB_API_BASE_URL:$FAKE_GITHUB" \
      --config "$(limited_config fuzz 100000 100000)"; then
    # The token goes through the environment so the tier's command line (logged) has none.
    export WORKTIME_FUZZ_JWT
    WORKTIME_FUZZ_JWT=$(curl -fsS -X POST "$BASE_URL/auth/github/callback" -d '{"code":"test-code:31337:fuzzer","code_verifier":"fuzz-verifier-0123456789-abcdefghijklmnopqrstuvwxyz"}' \
      | sed -n 's/.*"jwt":"\([^"]*\)".*/\1/p')
    tier api-fuzz 200 "$WT_ROOT/scripts/schemathesis.sh" "$BASE_URL" "$OUT/schemathesis"
  else
    FAILED=1
    SUMMARY+=("api-fuzz   FAIL (the worker did not restart; see above)")
  fi
else
  FAILED=1
  SUMMARY+=("worker     FAIL (the worker did not start; see above)")
fi
stop_worker
stop_test_servers

echo
echo "=== WorkTime test summary"
printf '  %s\n' "${SUMMARY[@]}"
if [ $FAILED -eq 0 ]; then echo "ALL TIERS PASSED"; else echo "SOME TIERS FAILED"; fi
exit $FAILED
