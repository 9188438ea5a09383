#!/usr/bin/env bash
# Runs WorkTime locally: the worker under `wrangler dev` on 127.0.0.1:8787 with a local D1
# database (migrations applied) and local KV, and the SDK built into extension/pkg so
# Chrome can "Load unpacked" extension/. Ctrl-C stops everything it started.
#
#   ./scripts/run.sh           sign-in: GitHub when worker/.dev.vars configures an OAuth app,
#                              otherwise the development sign-in (the user "dev", loopback only)
#   ./scripts/run.sh --demo    the same, and seeds 30 days of history for the "dev" user
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"
. "$WT_ROOT/scripts/worker-dev.sh"

DEMO=0
for arg in "$@"; do
  case $arg in
    --demo) DEMO=1 ;;
    -h|--help) sed -n '2,9s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "run: unknown option $arg (try --help)" >&2; exit 2 ;;
  esac
done

"$WT_ROOT/scripts/setup.sh"
cd "$WT_ROOT"

PORT=${WORKTIME_PORT:-8787}
STATE="$WT_ROOT/worker/.wrangler/state"
LOG="$WT_ROOT/target/wrangler-dev.log"
mkdir -p "$WT_ROOT/target"

if [ ! -f worker/.dev.vars ]; then
  secret=$(head -c 48 /dev/urandom | base64 | tr -d '/+=\n')
  sed "s/^JWT_SECRET=.*/JWT_SECRET=$secret/" worker/.dev.vars.example > worker/.dev.vars
  echo "run: created worker/.dev.vars with a random development JWT_SECRET"
fi

# Who signs users in. The example's placeholder client id counts as no GitHub app: then the
# worker (ENVIRONMENT=development from wrangler.toml) offers the development sign-in, which
# serves loopback clients only and exists nowhere else (worktime_core::signin_dev).
dev_var() { sed -n "s/^$1=//p" worker/.dev.vars | tail -n 1 | tr -d '\r'; }
WORKER_ARGS=()
case "$(dev_var GITHUB_CLIENT_ID)" in
  "" | your-github-oauth-app-client-id)
    SIGN_IN=development
    WORKER_ARGS+=(--var "GITHUB_CLIENT_ID:" --var "GITHUB_CLIENT_SECRET:") ;;
  *) SIGN_IN=github ;;
esac
if [ "$SIGN_IN" = development ] && [ "$(dev_var ENVIRONMENT)" != "" ] \
    && [ "$(dev_var ENVIRONMENT)" != development ]; then
  echo "run: warning: worker/.dev.vars sets ENVIRONMENT=$(dev_var ENVIRONMENT) and configures no GitHub app: nobody can sign in" >&2
fi
if [ "$DEMO" = 1 ] && [ "$SIGN_IN" != development ]; then
  echo "run: --demo seeds the development user's history, which needs the development sign-in:" >&2
  echo "     remove GITHUB_CLIENT_ID from worker/.dev.vars (or run without --demo)" >&2
  exit 2
fi
# The unpacked extension's origin may call the worker and receive the sign-in redirect
# (its id is fixed by the manifest's key); the placeholder origin is dropped.
EXTENSION_ORIGIN=$(node "$WT_ROOT/scripts/demo.mjs" --extension-origin)
origins=$(dev_var ALLOWED_ORIGINS | tr ',' '\n' | sed 's/^ *//; s/ *$//' \
  | { grep -v -e '^$' -e '^chrome-extension://your-extension-id$' -e "^$EXTENSION_ORIGIN\$" || true; } \
  | paste -sd, -)
WORKER_ARGS+=(--var "ALLOWED_ORIGINS:${origins:+$origins,}$EXTENSION_ORIGIN")

echo "run: building the SDK into extension/pkg"
wasm-pack --quiet build --mode no-install --release --target web --no-pack \
  --out-dir ../../extension/pkg --out-name worktime_sdk crates/sdk
node "$WT_ROOT/scripts/icons.mjs"  # extension/icons/icon-*.png from icon.svg (git-ignored)

echo "run: building the worker"
build_worker
echo "run: applying migrations to the local D1 database"
migrate_local "$STATE" > "$WT_ROOT/target/migrations.log" 2>&1 || {
  cat "$WT_ROOT/target/migrations.log" >&2; exit 1; }

TAIL_PID=""
cleanup() {
  stop_worker
  if [ -n "$TAIL_PID" ]; then kill "$TAIL_PID" 2>/dev/null || true; fi
}
trap cleanup EXIT
trap 'echo; echo "run: stopping"; exit 0' INT TERM
start_worker "$PORT" "$STATE" "$LOG" "${WORKER_ARGS[@]}"

if [ "$DEMO" = 1 ]; then
  echo "run: seeding 30 days of demo history for the development user"
  node "$WT_ROOT/scripts/demo.mjs" seed "http://127.0.0.1:$PORT"
fi

if [ "$SIGN_IN" = development ]; then
  sign_in='development: no GitHub OAuth app in worker/.dev.vars, so "Sign in with GitHub"
             opens a local page; its button signs you in as the development user "dev"'
else
  sign_in="GitHub, with the OAuth app in worker/.dev.vars"
fi
cat <<MSG

WorkTime is running.
  backend    http://127.0.0.1:$PORT  (try: curl http://127.0.0.1:$PORT/health)
             local D1 + KV state in worker/.wrangler/state; log in target/wrangler-dev.log
  sign-in    $sign_in
  extension  chrome://extensions → Developer mode → Load unpacked → $WT_ROOT/extension,
             then the WorkTime icon (puzzle menu) → Sign in with GitHub
Press Ctrl-C to stop.
MSG
tail -n 0 -f "$LOG" &
TAIL_PID=$!
wait "$WORKER_PID"
