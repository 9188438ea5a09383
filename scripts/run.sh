#!/usr/bin/env bash
# Runs WorkTime locally: the worker under `wrangler dev` on 127.0.0.1:8787 with a local D1
# database (migrations applied) and local KV, and the SDK built into extension/pkg so
# Chrome can "Load unpacked" extension/. Ctrl-C stops everything it started.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"
. "$WT_ROOT/scripts/worker-dev.sh"

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

echo "run: building the SDK into extension/pkg"
wasm-pack --quiet build --mode no-install --release --target web --no-pack \
  --out-dir ../../extension/pkg --out-name worktime_sdk crates/sdk

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
start_worker "$PORT" "$STATE" "$LOG"

cat <<MSG

WorkTime is running.
  backend    http://127.0.0.1:$PORT  (try: curl http://127.0.0.1:$PORT/health)
             local D1 + KV state in worker/.wrangler/state; log in target/wrangler-dev.log
  extension  chrome://extensions → Developer mode → Load unpacked → $WT_ROOT/extension
Press Ctrl-C to stop.
MSG
tail -n 0 -f "$LOG" &
TAIL_PID=$!
wait "$WORKER_PID"
