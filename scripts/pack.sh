#!/usr/bin/env bash
# Builds the Chrome Web Store package, target/store/worktime-<version>.zip, and checks it:
#   1. the icons (scripts/icons.mjs, from extension/icons/icon.svg);
#   2. the SDK in release mode with the production backend from extension/store.json as the
#      settings' default (WORKTIME_DEFAULT_BACKEND_URL, read by crates/core/src/settings.rs),
#      into target/store/sdk/pkg — extension/pkg (the development build) is left alone, and
#      cargo builds in its own target/store/cargo: the changed default would otherwise make
#      the next development SDK or worker build recompile worktime-core;
#   3. scripts/pack.mjs: only the files the extension loads, the manifest without its
#      development key and hosts (see there);
#   4. scripts/pack-check.mjs: fails on a development key, host or file, a missing or
#      unused file, or a package that does not load in Chromium with the production default;
#      prints the contents and the zip's size.
# Usage: scripts/pack.sh [--no-setup]   (--no-setup: scripts/setup.sh already ran, as in the
# lint tier of scripts/test.sh)
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"

if [ "${1:-}" != "--no-setup" ]; then "$WT_ROOT/scripts/setup.sh"; fi
cd "$WT_ROOT"

OUT="$WT_ROOT/target/store"
VERSION=$(node -p 'JSON.parse(require("fs").readFileSync("extension/manifest.json", "utf8")).version')
BACKEND_URL=$(node --input-type=module -e \
  'import { storeConfig } from "./scripts/pack.mjs"; console.log(storeConfig().backendUrl)')
mkdir -p "$OUT"

node scripts/icons.mjs
echo "pack: building the SDK (release) with the default backend $BACKEND_URL"
rm -rf "$OUT/sdk"
WORKTIME_DEFAULT_BACKEND_URL=$BACKEND_URL CARGO_TARGET_DIR="$OUT/cargo" wasm-pack --quiet build --mode no-install --release \
  --target web --no-pack --out-dir "$OUT/sdk/pkg" --out-name worktime_sdk crates/sdk
node scripts/pack.mjs --sdk "$OUT/sdk/pkg" --out "$OUT"
node scripts/pack-check.mjs "$OUT/worktime-$VERSION.zip"
