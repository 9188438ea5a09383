#!/usr/bin/env bash
# The lint tier: formatting, clippy with warnings as errors (native and wasm32), the
# extension's JavaScript type-checked against the SDK's generated declarations, the popup's
# pure modules under `node --test`, and the tidy rule (no source file over 600 lines). Needs extension/pkg built (scripts/test.sh
# builds it first). Every check runs; the exit status says whether all passed.
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$WT_ROOT"

failed=0
check() {
  echo "--- lint: $*"
  "$@" || { echo "--- lint FAILED: $*"; failed=1; }
}

check cargo fmt --all --check
check cargo clippy --quiet -p worktime-api -p worktime-core -p worktime-tests --all-targets --all-features -- -D warnings
check cargo clippy --quiet -p worktime-sdk -p worktime-worker --all-targets --target wasm32-unknown-unknown -- -D warnings
check npx --no-install tsc -p extension
check node --test tests/js/*.test.mjs
check cargo test --quiet -p worktime-tests --test tidy
# The Chrome Web Store zip: built and checked (no dev key, hosts or files; loads in Chromium).
check "$WT_ROOT/scripts/pack.sh" --no-setup
exit $failed
