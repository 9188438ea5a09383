# shellcheck shell=bash
# Starting and stopping the worker under `wrangler dev` with local D1 and KV.
# Sourced by run.sh and test.sh after env.sh.

WORKER_PID=""

# build_worker: worker-build --release, so a build failure shows here, not as a hung server.
build_worker() {
  (cd "$WT_ROOT/worker" && worker-build --release)
}

# migrate_local STATE_DIR: applies migrations/ to the local D1 database in STATE_DIR.
migrate_local() {
  (cd "$WT_ROOT/worker" && CI=true wrangler d1 migrations apply DB --local --persist-to "$1")
}

# limited_config NAME API_LIMIT ADDRESS_LIMIT: prints the path of a copy of wrangler.toml
# (beside it, git-ignored) whose rate limits per minute are these, for `start_worker …
# --config PATH`. The Rate Limiting binding's limits live in the config, not in vars.
limited_config() {
  local path="$WT_ROOT/worker/.wrangler-$1.toml"
  awk -v api="$2" -v address="$3" '
    /^name = "API_LIMITER"/ { limit = api }
    /^name = "ADDRESS_LIMITER"/ { limit = address }
    /^simple = / && limit != "" { sub(/limit = [0-9]+/, "limit = " limit); limit = "" }
    { print }' "$WT_ROOT/worker/wrangler.toml" > "$path"
  echo "$path"
}

# start_worker PORT STATE_DIR LOG [--var NAME:VALUE …]: starts wrangler dev in its own
# process group and waits until /health answers. stop_worker ends the whole group.
start_worker() {
  local port=$1 state=$2 log=$3
  shift 3
  (cd "$WT_ROOT/worker" && CI=true exec setsid wrangler dev --ip 127.0.0.1 --port "$port" \
      --persist-to "$state" --show-interactive-dev-session=false "$@" >"$log" 2>&1) &
  WORKER_PID=$!
  local deadline=$((SECONDS + 120))
  until curl -fsS -o /dev/null "http://127.0.0.1:$port/health" 2>/dev/null; do
    if ! kill -0 "$WORKER_PID" 2>/dev/null; then
      echo "wrangler dev exited; its log ($log):" >&2; tail -n 30 "$log" >&2; return 1
    fi
    if [ $SECONDS -ge $deadline ]; then
      echo "wrangler dev did not serve /health within 120 s; its log ($log):" >&2
      tail -n 30 "$log" >&2; return 1
    fi
    sleep 0.5
  done
}

stop_worker() {
  if [ -n "$WORKER_PID" ]; then
    kill -TERM -- "-$WORKER_PID" 2>/dev/null || true
    for _ in 1 2 3 4 5 6 7 8 9 10; do
      kill -0 -- "-$WORKER_PID" 2>/dev/null || break
      sleep 0.3
    done
    kill -KILL -- "-$WORKER_PID" 2>/dev/null || true
    wait "$WORKER_PID" 2>/dev/null || true
    WORKER_PID=""
  fi
}

TEST_SERVER_PIDS=()

# start_test_server BIN LOG ARGS…: one of the tests package's servers (fake-github,
# fault-proxy) on 127.0.0.1, in its own process group; waits until it says "listening".
start_test_server() {
  local bin=$1 log=$2
  shift 2
  (cd "$WT_ROOT" && cargo build -q -p worktime-tests --bin "$bin") || return 1
  setsid "$WT_ROOT/target/debug/$bin" "$@" >"$log" 2>&1 &
  local pid=$!
  TEST_SERVER_PIDS+=("$pid")
  local deadline=$((SECONDS + 20))
  until grep -q "listening" "$log" 2>/dev/null; do
    if ! kill -0 "$pid" 2>/dev/null || [ $SECONDS -ge $deadline ]; then
      echo "$bin did not start; its log ($log):" >&2; cat "$log" >&2; return 1
    fi
    sleep 0.2
  done
}

stop_test_servers() {
  local pid
  for pid in "${TEST_SERVER_PIDS[@]}"; do
    kill -TERM -- "-$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  TEST_SERVER_PIDS=()
}
