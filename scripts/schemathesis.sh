#!/usr/bin/env bash
# Property-based API testing: schemathesis generates requests from the committed OpenAPI
# document and runs them against a running worker with a valid token. Passes when at
# least MIN_CASES cases ran, no response was >= 500 and every response matched the
# document (schema, status code, content type). Bounded by --max-time.
# The sign-out endpoints and DELETE /api/account are left out: they would revoke the
# fuzzer's own token (or delete its account), and every later case would only test the 401
# (the worker tier tests them).
#   usage: WORKTIME_FUZZ_JWT=<token> scripts/schemathesis.sh BASE_URL REPORT_DIR
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"
base_url=$1 out=$2
jwt=${WORKTIME_FUZZ_JWT:?WORKTIME_FUZZ_JWT must hold a token for the API}
MIN_CASES=1000
mkdir -p "$out"
cd "$out"  # schemathesis keeps its example database in the working directory
set +e
"$WT_HOME/venv/bin/st" run "$WT_ROOT/crates/api/openapi.json" --url "$base_url" \
  -H "Authorization: Bearer $jwt" --seed 20261122 -n 60 --max-time 75 --request-timeout 10 \
  --exclude-path-regex '^/auth/logout|^/api/account$' \
  --checks not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance \
  --report ndjson --report-dir "$out" --warnings off > "$out/schemathesis.log" 2>&1
rc=$?
set -e
tail -n 25 "$out/schemathesis.log"
cases=$(grep -Eo '[0-9]+ generated' "$out/schemathesis.log" | tail -1 | grep -Eo '[0-9]+' || echo 0)
echo "schemathesis: $cases cases generated (need >= $MIN_CASES), exit $rc"
[ "$rc" -eq 0 ] && [ "$cases" -ge "$MIN_CASES" ]
