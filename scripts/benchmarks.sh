#!/usr/bin/env bash
# Benchmarks (prints markdown tables, asserts nothing). Logs go to target/benchmarks/.
#
#   scripts/benchmarks.sh [--peer DIR]
#
# Always: release artefacts' sizes; SDK initialisation in headless Chromium; the worker
# under `wrangler dev` (127.0.0.1:8781, fresh local D1) driven by wrk at 1 and 8
# connections (/health, start, end, a 100-op sync, daily stats) with a check of D1 rows
# against 2xx writes; D1 statements, round trips and rows written per route (from
# Server-Timing); the cost of a tracked day (the real engine's simulated 8-hour day, see
# tests/src/bin/day_bench.rs) and the Free-plan arithmetic for 1,000 users; the
# 10,000-op offline sync; daily stats over 365 days for a user with 100,000 sessions.
#
# With --peer DIR (the Hono reference implementation, e.g. ../shared/peers/hono-worktime):
# DIR is copied to target/benchmarks/peer (never touched), installed with `npm ci`, and
# run under the same wrangler on 127.0.0.1:8782 with its own fresh local D1 and the same
# fake GitHub. Every wrk run alternates between the two workers, each with bodies it
# accepts (the peer's sync ops name the session `id` and it knows no `device_id`); rows
# are checked on both sides; a side-by-side table prints requests/s, p50, p99 and the
# ratios ours/peer. Both keep their rate limiters on, with limits no run reaches.
#
# Each figure is the median of BENCH_RUNS (3) runs of BENCH_SECONDS (5) s. BENCH_DAY_USERS
# (5) simulated days; BENCH_SEED_SESSIONS (100000); BENCH_SKIP_BUILD=1 reuses the built
# artefacts.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"
. "$WT_ROOT/scripts/worker-dev.sh"
cd "$WT_ROOT"

PEER_SRC=""
while [ $# -gt 0 ]; do
  case $1 in
    --peer) PEER_SRC=$(cd "${2:?--peer needs a directory}" && pwd); shift 2 ;;
    *) echo "usage: scripts/benchmarks.sh [--peer DIR]" >&2; exit 2 ;;
  esac
done

PORT=8781 PEER_PORT=8782 FAKE_PORT=8780
DUR=${BENCH_SECONDS:-5} RUNS=${BENCH_RUNS:-3} SEED_SESSIONS=${BENCH_SEED_SESSIONS:-100000}
DAY_USERS=${BENCH_DAY_USERS:-5}
OUT="$WT_ROOT/target/benchmarks" STATE="$WT_ROOT/target/benchmarks/state"
PEER_DIR="$OUT/peer" PEER_STATE="$OUT/peer-state"
export WRK_DIR="$WT_ROOT/tests/bench/wrk"
PREP="$WT_ROOT/tests/bench/prepare.mjs"
PEER_PID=""
stop_peer() {
  if [ -n "$PEER_PID" ]; then kill -TERM -- "-$PEER_PID" 2>/dev/null || true; wait "$PEER_PID" 2>/dev/null || true; PEER_PID=""; fi
}
rm -rf "$OUT" && mkdir -p "$OUT"
trap 'stop_worker; stop_peer; stop_test_servers' EXIT
log() { echo "benchmarks: $*" >&2; }
export CI=true WRANGLER_SEND_METRICS=false CLOUDFLARE_CF_FETCH_ENABLED=false

log "setup"; "$WT_ROOT/scripts/setup.sh" > "$OUT/setup.log" 2>&1
printf 'JWT_SECRET=bench-%s\nGITHUB_CLIENT_ID=test-client-id\nGITHUB_CLIENT_SECRET=test-client-secret\n' \
  "$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')" > "$OUT/bench.env"

if [ "${BENCH_SKIP_BUILD:-}" = 1 ]; then
  log "BENCH_SKIP_BUILD=1: using the artefacts already built"
else
log "building release artefacts"
timeout 900 cargo build -q --release -p worktime-tests --bin sync-bench --bin day-bench > "$OUT/build-tests.log" 2>&1
timeout 900 wasm-pack --quiet build --mode no-install --release --target web --no-pack \
  --out-dir ../../extension/pkg --out-name worktime_sdk crates/sdk > "$OUT/build-sdk.log" 2>&1
timeout 900 bash -c '. scripts/env.sh; . scripts/worker-dev.sh; build_worker' > "$OUT/build-worker.log" 2>&1
fi

log "starting fake GitHub on $FAKE_PORT and wrangler dev on $PORT"
start_test_server fake-github "$OUT/fake-github.log" --port "$FAKE_PORT"
timeout 120 bash -c '. scripts/env.sh; . scripts/worker-dev.sh; migrate_local "$1"' _ "$STATE" > "$OUT/migrations.log" 2>&1
start_worker "$PORT" "$STATE" "$OUT/wrangler-dev.log" --env-file "$OUT/bench.env" \
  --var "ENVIRONMENT:bench" --var "GITHUB_OAUTH_BASE_URL:http://127.0.0.1:$FAKE_PORT" \
  --var "GITHUB_API_BASE_URL:http://127.0.0.1:$FAKE_PORT" \
  --config "$(limited_config bench 1000000 1000000)"

TARGETS=(ours)
if [ -n "$PEER_SRC" ]; then
  log "installing the peer from $PEER_SRC into $PEER_DIR and starting it on $PEER_PORT"
  cp -r "$PEER_SRC" "$PEER_DIR" && rm -rf "$PEER_DIR/node_modules" "$PEER_DIR/.wrangler"
  (cd "$PEER_DIR" && timeout 300 npm ci --no-audit --no-fund) > "$OUT/peer-npm.log" 2>&1
  # Limits no run reaches, as for ours; the limiter itself stays on.
  sed -i 's/simple = { limit = [0-9]*,/simple = { limit = 1000000,/' "$PEER_DIR/wrangler.toml"
  (cd "$PEER_DIR" && timeout 120 wrangler d1 migrations apply worktime --local --persist-to "$PEER_STATE") > "$OUT/peer-migrations.log" 2>&1
  grep -E '^(JWT_SECRET|GITHUB_CLIENT_SECRET)=' "$OUT/bench.env" > "$OUT/peer.env"
  # The same wrangler as ours (the peer pins the same version).
  (cd "$PEER_DIR" && exec setsid wrangler dev --ip 127.0.0.1 --port "$PEER_PORT" --persist-to "$PEER_STATE" \
    --show-interactive-dev-session=false --env-file "$OUT/peer.env" --var "GITHUB_CLIENT_ID:test-client-id" \
    --var "GITHUB_OAUTH_BASE_URL:http://127.0.0.1:$FAKE_PORT" --var "GITHUB_API_BASE_URL:http://127.0.0.1:$FAKE_PORT" \
    > "$OUT/peer-dev.log" 2>&1) &
  PEER_PID=$!
  for _ in $(seq 240); do curl -fsS -o /dev/null "http://127.0.0.1:$PEER_PORT/health" 2>/dev/null && break; sleep 0.5; done
  curl -fsS -o /dev/null "http://127.0.0.1:$PEER_PORT/health" || { tail -n 30 "$OUT/peer-dev.log" >&2; exit 1; }
  TARGETS+=(peer)
fi

base_of() { if [ "$1" = peer ]; then echo "http://127.0.0.1:$PEER_PORT"; else echo "http://127.0.0.1:$PORT"; fi; }
session_key() { if [ "$1" = peer ]; then echo id; else echo session_id; fi; }

ROWS=()   # the main table: "figure|median|goal|met?"
row() { ROWS+=("$1|$2|$3|$4"); }
median() { sort -g | awk '{v[NR]=$1} END {if (NR==0) print "n/a"; else print v[int((NR+1)/2)]}'; }
# meets VALUE OP LIMIT → yes/no (n/a when VALUE is not a number)
meets() { awk -v v="$1" -v l="$3" -v op="$2" 'BEGIN { if (v !~ /^[0-9.]+$/) print "n/a";
  else if ((op == "<=" && v + 0 <= l + 0) || (op == ">=" && v + 0 >= l + 0) || (op == "==" && v + 0 == l + 0)) print "yes"; else print "no" }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a !~ /^[0-9.]+$/ || b !~ /^[0-9.]+$/ || b == 0) print "n/a"; else printf "%.2f\n", a / b }'; }
d1() { # TARGET SQL → the single value of the first row ("n/a" after 5 failed tries)
  local dir=worker db=DB state=$STATE out v
  if [ "$1" = peer ]; then dir=$PEER_DIR db=worktime state=$PEER_STATE; fi
  for _ in 1 2 3 4 5; do
    out=$(cd "$dir" && timeout 60 wrangler d1 execute "$db" --local --persist-to "$state" --json --command "$2" 2>>"$OUT/d1.log") || true
    echo "$out" >> "$OUT/d1.log"
    v=$(node -e 'try{const r=JSON.parse(process.argv[1])[0].results[0];console.log(Object.values(r)[0])}catch{}' "$out")
    if [ -n "$v" ]; then echo "$v"; return; fi
    sleep 1
  done
  echo "n/a"
}
to_ms() { awk '{ v=$1; if (v ~ /us$/) printf "%.2f\n", v/1000; else if (v ~ /ms$/) printf "%.2f\n", v+0;
  else if (v ~ /s$/) printf "%.2f\n", v*1000; else print v }'; }
users_sql() { # TARGET FIRST COUNT → SQL condition on user_id for that github id range
  local column="CAST(github_user_id AS INTEGER)"
  [ "$1" = peer ] && column=github_id
  echo "user_id IN (SELECT id FROM users WHERE $column BETWEEN $2 AND $(($2 + $3 - 1)))"; }

RUN_ID=$((RANDOM * 65536 + RANDOM))
declare -A LOGS   # "target|name|conns" → the wrk logs of those runs
# wrk_run TARGET NAME CONNS SCRIPT PATH [ENV…]: one wrk run (ids unique per RUN_ID).
wrk_run() {
  local target=$1 name=$2 conns=$3 script=$4 path=$5 threads=1 log
  shift 5
  [ "$conns" -gt 1 ] && threads=2
  RUN_ID=$((RUN_ID + 1))
  log="$OUT/wrk-$target-$name-c$conns-$RUN_ID.log"
  env "$@" WRK_RUN=$RUN_ID WRK_THREADS=$threads WRK_SESSION_KEY="$(session_key "$target")" timeout $((DUR + 30)) \
    wrk -t"$threads" -c"$conns" -d"${DUR}s" --timeout 10s --latency -s "$WRK_DIR/$script" "$(base_of "$target")$path" > "$log" 2>&1 || true
  LOGS["$target|$name|$conns"]+="$log "
}
rps() { awk '/^Requests\/sec:/ {print $2}' "$1"; }
pct() { awk -v p="$2%" '$1 == p {print $2}' "$1" | to_ms; }
ok2xx() { awk '/^WRK_2XX/ {print $2}' "$1"; }
bad() { # non-2xx answers plus socket errors (connect/read/write/timeout)
  awk '/^WRK_OTHER/ {n+=$2} /Socket errors:/ {gsub(/,/,""); n+=$4+$6+$8+$10} END {print n+0}' "$1"; }
# fig TARGET NAME CONNS rps|p50|p99|bad|ok → the median (bad, ok: the sum) over the runs
fig() {
  local l
  case $4 in
    rps) for l in ${LOGS["$1|$2|$3"]}; do rps "$l"; done | median ;;
    p50) for l in ${LOGS["$1|$2|$3"]}; do pct "$l" 50; done | median ;;
    p99) for l in ${LOGS["$1|$2|$3"]}; do pct "$l" 99; done | median ;;
    bad) for l in ${LOGS["$1|$2|$3"]}; do bad "$l"; done | awk '{s+=$1} END {print s+0}' ;;
    ok) for l in ${LOGS["$1|$2|$3"]}; do ok2xx "$l"; done | awk '{s+=$1} END {print s+0}' ;;
  esac
}
# rows_check LABEL ROWS TWO_XX PER_REQUEST CONNS: wrk stops at its deadline without reading
# the answers still in flight (at most one per connection), whose writes the worker still
# makes: rows must equal 2xx × PER_REQUEST plus at most CONNS × RUNS × PER_REQUEST.
rows_check() {
  local want=$(($3 * $4)) extra
  if ! [[ $2 =~ ^[0-9]+$ ]]; then row "$1" "$2 vs $want" "equal (+ in flight)" "n/a"; return; fi
  extra=$(($2 - want))
  row "$1" "$2 = $want + $extra in flight" "equal (+ ≤ $(($5 * RUNS * $4)) in flight)" \
    "$([ "$extra" -ge 0 ] && [ "$extra" -le $(($5 * RUNS * $4)) ] && echo yes || echo no)"
}
signin() { timeout 120 node "$PREP" signin "$1" "$2" "$3" | paste -sd, -; }   # BASE COUNT FIRST

log "sizes"
for pair in "worker wasm:worker/build/index_bg.wasm:350" "SDK wasm:extension/pkg/worktime_sdk_bg.wasm:120"; do
  IFS=: read -r label file goal <<<"$pair"
  raw=$(stat -c%s "$file"); gz=$(gzip -9c "$file" | wc -c)
  row "$label raw KB" "$(awk -v b="$raw" 'BEGIN{printf "%.1f", b/1024}')" "" ""
  kb=$(awk -v b="$gz" 'BEGIN{printf "%.1f", b/1024}')
  row "$label gzip -9 KB" "$kb" "≤ $goal" "$(meets "$kb" "<=" "$goal")"
done

log "SDK init in Chromium"
timeout 180 node tests/bench/sdk-init.mjs extension/pkg 21 > "$OUT/sdk-init.log" 2>&1 || true
init=$(awk -F'|' '/\| total \|/ {gsub(/ /,"",$3); print $3}' "$OUT/sdk-init.log")
row "SDK init in headless Chromium, median of 21 pages, ms" "${init:-n/a}" "≤ 30" "$(meets "${init:-x}" "<=" 30)"

# Users: 16 per write route, connection count and target, signed in once.
GH=$((9000000 + (RUN_ID % 1000) * 1000))
declare -A TOKENS FIRST
ROUTES=("health|GET /health" "start|POST /api/sessions/start" "end|PATCH /api/sessions/{id}/end"
        "sync|POST /api/sync (100 ops)" "stats|GET /api/stats/daily?days=30")
for conns in 1 8; do
  log "wrk, $conns connection(s): health, start, end, sync, stats on ${TARGETS[*]}"
  for t in "${TARGETS[@]}"; do
    FIRST["$t|start|$conns"]=$((GH + conns * 100)); FIRST["$t|sync|$conns"]=$((GH + 500 + conns * 100))
    TOKENS["$t|start|$conns"]=$(signin "$(base_of "$t")" 16 "${FIRST["$t|start|$conns"]}")
    TOKENS["$t|sync|$conns"]=$(signin "$(base_of "$t")" 16 "${FIRST["$t|sync|$conns"]}")
  done
  for _ in $(seq "$RUNS"); do
    for t in "${TARGETS[@]}"; do wrk_run "$t" health "$conns" health.lua /health; done
    for t in "${TARGETS[@]}"; do wrk_run "$t" start "$conns" start.lua /api/sessions/start WRK_TOKENS="${TOKENS["$t|start|$conns"]}"; done
  done
  # PATCH …/end: one fresh user per request with one open session (the peer allows one
  # active session per user), as many as 1.5 × start's rate × duration per run, plus 100.
  for run in $(seq "$RUNS"); do
    for t in "${TARGETS[@]}"; do
      per_run=$(awk -v r="$(fig "$t" start "$conns" rps)" -v d="$DUR" 'BEGIN {if (r !~ /^[0-9.]+$/) r = 100; printf "%d", r * d * 1.5 + 100}')
      pairs="$OUT/end-pairs-$t-c$conns-$run.txt"
      timeout 600 node "$PREP" open "$(base_of "$t")" "$per_run" $((GH + 10000 + conns * 100000 + run * 30000)) $((RUN_ID + conns * 10 + run)) > "$pairs"
      wrk_run "$t" end "$conns" end.lua /api/sessions/x/end WRK_PAIRS="$pairs"
    done
  done
  for _ in $(seq "$RUNS"); do
    for t in "${TARGETS[@]}"; do wrk_run "$t" sync "$conns" sync.lua /api/sync WRK_TOKENS="${TOKENS["$t|sync|$conns"]}"; done
    for t in "${TARGETS[@]}"; do wrk_run "$t" stats "$conns" stats.lua /api/stats/daily WRK_TOKENS="${TOKENS["$t|sync|$conns"]}" WRK_DAYS=30; done
  done
  for t in "${TARGETS[@]}"; do
    who=""; [ "$t" = peer ] && who=" (peer)"
    for r in "${ROUTES[@]}"; do
      IFS='|' read -r name label <<<"$r"
      row "$label$who, $conns conn: requests/s" "$(fig "$t" "$name" "$conns" rps)" "" ""
      row "$label$who, $conns conn: p50 / p99 ms" "$(fig "$t" "$name" "$conns" p50) / $(fig "$t" "$name" "$conns" p99)" "" ""
      nb=$(fig "$t" "$name" "$conns" bad)
      row "$label$who, $conns conn: non-2xx (all runs)" "$nb" "0" "$(meets "$nb" == 0)"
    done
    rows=$(d1 "$t" "SELECT COUNT(*) FROM time_sessions WHERE $(users_sql "$t" "${FIRST["$t|start|$conns"]}" 16)")
    rows_check "  start$who, $conns conn: rows in D1 vs 2xx starts" "$rows" "$(fig "$t" start "$conns" ok)" 1 "$conns"
    ended=$(d1 "$t" "SELECT COUNT(*) FROM time_sessions WHERE end_ms IS NOT NULL AND $(users_sql "$t" $((GH + 10000 + conns * 100000 + 30000)) $((RUNS * 30000)))")
    rows_check "  end$who, $conns conn: sessions ended in D1 vs 2xx ends" "$ended" "$(fig "$t" end "$conns" ok)" 1 "$conns"
    rows=$(d1 "$t" "SELECT COUNT(*) FROM time_sessions WHERE $(users_sql "$t" "${FIRST["$t|sync|$conns"]}" 16)")
    rows_check "  sync$who, $conns conn: rows in D1 vs 50 × 2xx syncs" "$rows" "$(fig "$t" sync "$conns" ok)" 50 "$conns"
  done
done

log "D1 cost per route (Server-Timing)"
COST_JWT=$(signin "$(base_of ours)" 1 $((GH + 950)))
timeout 120 node "$PREP" cost "$(base_of ours)" "$COST_JWT" > "$OUT/d1-cost.log" 2>&1 || true

log "the cost of a tracked day: $DAY_USERS users' simulated 8-hour days"
: > "$OUT/day-bench.log"
for n in $(seq "$DAY_USERS"); do
  timeout 300 target/release/day-bench "$(base_of ours)" $((RUN_ID + n)) >> "$OUT/day-bench.log" 2>&1 || true
done
day_field() { grep '^DAY ' "$OUT/day-bench.log" | sed -n "s/.* $1=\([0-9]*\).*/\1/p"; }
per_hour() { # FIELD → median of FIELD per tracked hour
  paste <(day_field "$1") <(day_field tracked_seconds) | awk '$2 > 0 {printf "%.2f\n", $1 / ($2 / 3600)}' | median; }
req_h=$(per_hour requests); rows_h=$(per_hour rows_written)
first_day_user=$(day_field github_id | head -n1)
ops_day=$(d1 ours "SELECT COUNT(*) FROM sync_ops WHERE $(users_sql ours "${first_day_user:-0}" 1)")
sessions_day=$(day_field sessions | median)
row "tracked day: requests per tracked hour (median of $DAY_USERS users)" "$req_h" "≤ 6" "$(meets "$req_h" "<=" 6)"
row "tracked day: D1 rows written per tracked hour" "$rows_h" "≤ 20" "$(meets "$rows_h" "<=" 20)"
row "tracked day: sync_ops rows per user per day (kept SYNC_OPS_RETENTION_DAYS = 7)" "$ops_day" "" ""
row "tracked day: sessions per user per day" "$sessions_day" "" ""

log "10,000 offline ops synced by the SDK's engine"
reqs=() secs=()
for run in $(seq "$RUNS"); do
  timeout 120 target/release/sync-bench "$(base_of ours)" 5000 > "$OUT/sync-bench-$run.log" 2>&1 || true
  line=$(grep -E '^\| [0-9]+ \|' "$OUT/sync-bench-$run.log" | tail -n1)
  reqs+=("$(awk -F'|' '{gsub(/ /,"",$3); print $3}' <<<"$line")")
  secs+=("$(awk -F'|' '{gsub(/ /,"",$4); print $4}' <<<"$line")")
done
r=$(printf '%s\n' "${reqs[@]}" | grep -E '^[0-9.]+$' | median); s=$(printf '%s\n' "${secs[@]}" | grep -E '^[0-9.]+$' | median)
row "sync 10,000 queued ops: requests" "$r" "≤ 100" "$(meets "$r" "<=" 100)"
row "sync 10,000 queued ops: seconds" "$s" "≤ 10" "$(meets "$s" "<=" 10)"

log "seeding $SEED_SESSIONS sessions for one user through POST /api/sync (1 connection)"
seed_user=$((GH + 900)); jwt=$(signin "$(base_of ours)" 1 "$seed_user")
# One connection: the writes of one user are serialized by the ledger fence (concurrent
# ones are decided again), so parallel seeding of a single user only adds retries.
timeout 600 node "$PREP" seed "$(base_of ours)" "$jwt" "$SEED_SESSIONS" 1 $((RUN_ID + 77)) > "$OUT/seed.log" 2>&1 || true
seeded=$(d1 ours "SELECT COUNT(*) FROM time_sessions WHERE $(users_sql ours "$seed_user" 1)")
row "  seeded sessions in D1 ($(sed -n 's/.*seconds=\([0-9.]*\).*/\1/p' "$OUT/seed.log") s to seed)" "$seeded" "$SEED_SESSIONS" "$(meets "$seeded" == "$SEED_SESSIONS")"
for _ in $(seq "$RUNS"); do wrk_run ours stats365 1 stats.lua /api/stats/daily WRK_TOKENS="$jwt" WRK_DAYS=365; done
p50=$(fig ours stats365 1 p50)
row "GET /api/stats/daily?days=365, $seeded sessions, 1 conn: p50 ms" "$p50" "≤ 10" "$(meets "$p50" "<=" 10)"
row "GET /api/stats/daily?days=365, 1 conn: p99 ms" "$(fig ours stats365 1 p99)" "" ""
nb=$(fig ours stats365 1 bad)
row "GET /api/stats/daily?days=365: non-2xx (all runs)" "$nb" "0" "$(meets "$nb" == 0)"

# Storage: the local D1 files over the sessions they hold (indexes, buckets and op log
# included; the op log is not pruned here, so this over-counts).
db_bytes=$(find "$STATE" -name '*.sqlite*' -path '*D1*' -printf '%s\n' | awk '{s+=$1} END {print s+0}')
all_sessions=$(d1 ours "SELECT COUNT(*) FROM time_sessions")
bytes_per_session=$(awk -v b="$db_bytes" -v n="$all_sessions" 'BEGIN { if (n > 0) printf "%d", b / n; else print "n/a" }')
row "D1 bytes per stored session (files / sessions, all tables and indexes)" "$bytes_per_session" "" ""

cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
echo
echo "Machine: $(nproc) cores, $(uname -m), ${cpu:-unknown CPU}; loopback 127.0.0.1; $(date -u +%Y-%m-%dT%H:%MZ)."
echo "wrk ${DUR}s per run (-t1 -c1 / -t2 -c8, --latency, Lua response() counting); each figure the median of $RUNS runs."
if [ -n "$PEER_SRC" ]; then
  echo
  echo "### Side by side: ours (Rust, workers-rs) / the peer (TypeScript, Hono), runs alternating"
  echo
  echo "| route | conns | ours req/s | peer req/s | ours/peer req/s | ours p50 / p99 ms | peer p50 / p99 ms | ours/peer p99 | ≥ 1.0× req/s and p99 ≤ peer? |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---|"
  for conns in 1 8; do
    for r in "${ROUTES[@]}"; do
      IFS='|' read -r name label <<<"$r"
      a=$(fig ours "$name" "$conns" rps); b=$(fig peer "$name" "$conns" rps)
      a99=$(fig ours "$name" "$conns" p99); b99=$(fig peer "$name" "$conns" p99)
      rr=$(ratio "$a" "$b"); pr=$(ratio "$a99" "$b99")
      ok=$(awk -v r="$rr" -v p="$pr" 'BEGIN { if (r !~ /^[0-9.]+$/ || p !~ /^[0-9.]+$/) print "n/a"; else if (r >= 1.0 && p <= 1.0) print "yes"; else print "no" }')
      echo "| $label | $conns | $a | $b | $rr | $(fig ours "$name" "$conns" p50) / $a99 | $(fig peer "$name" "$conns" p50) / $b99 | $pr | $ok |"
    done
  done
fi
echo
echo "### D1 per request (ours, from Server-Timing)"
echo
cat "$OUT/d1-cost.log"
echo
echo "### Free plan, 1,000 users tracking 8 hours a day (from the tracked-day figures above)"
echo
awk -v rq="$req_h" -v rw="$rows_h" -v ops="$ops_day" -v ses="$sessions_day" -v bps="$bytes_per_session" 'BEGIN {
  if (rq !~ /^[0-9.]+$/ || rw !~ /^[0-9.]+$/) { print "n/a (the tracked-day run failed)"; exit }
  users = 1000; hours = 8
  req = users * hours * rq; rows = users * hours * rw
  # Each logged op is deleted once after 7 days: two rows (its row and its index entry).
  prune = users * ops * 2
  printf "| limit (Free plan) | per day | used | share |\n|---|---:|---:|---:|\n"
  printf "| Workers requests | 100,000 | %d (= 1,000 × 8 h × %.2f) | %.0f%% |\n", req, rq, req / 1000
  printf "| D1 rows written | 100,000 | %d (= 1,000 × 8 h × %.2f, + %d op-log prunes) | %.0f%% |\n", rows + prune, rw, prune, (rows + prune) / 1000
  if (bps ~ /^[0-9]+$/ && ses ~ /^[0-9]+$/) {
    day = users * ses * bps
    printf "| D1 storage (500 MB per database) | growth %.1f MB/day | = 1,000 × %d sessions × %d B | full in %d days |\n", day / 1e6, ses, bps, 500e6 / day
  }
}'
echo
echo "| figure | median | goal | met? |"
echo "|---|---:|---|---|"
for r in "${ROWS[@]}"; do IFS='|' read -r f m g ok <<<"$r"; echo "| $f | $m | $g | $ok |"; done
