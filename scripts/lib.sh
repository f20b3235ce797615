# Shared helpers for the project's scripts. Source it; do not run it.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# The host channel (tests, services, ABI export), read from rust-toolchain.toml
# so there is one source.
TOOLCHAIN="$(sed -n 's/^channel *= *"\(.*\)"/\1/p' "$ROOT/rust-toolchain.toml")"
# The channel the deployable wasm is built with: OpenZeppelin Stylus 0.3.0's
# pin. With `-Z build-std` and `panic_immediate_abort` it is what brings each
# contract under the 24 KiB compressed limit (docs/design.md, "Toolchain and size").
WASM_TOOLCHAIN="nightly-2025-08-01"
# Deployable contracts: crate name and the name its ABI files carry.
CONTRACTS=("token-ai:TokenAI" "aat:AAT" "exchange:AATExchange")
# A Stylus program deploys as one fragment up to this many compressed bytes.
MAX_COMPRESSED=24576
ARTIFACTS="$ROOT/artifacts"
WASM_OPT="$ROOT/tools/node_modules/.bin/wasm-opt"

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Installs both pinned toolchains: the host one with rustfmt and clippy, the
# wasm one with rust-src and the wasm32 target (rustup installs nothing by
# itself here: RUSTUP_AUTO_INSTALL=0).
ensure_toolchain() {
  command -v rustup >/dev/null || die "rustup is required (https://rustup.rs)"
  if ! rustup run "$TOOLCHAIN" rustc --version >/dev/null 2>&1 ||
     ! rustup component list --toolchain "$TOOLCHAIN" --installed 2>/dev/null | grep -q '^clippy' ||
     ! rustup component list --toolchain "$TOOLCHAIN" --installed 2>/dev/null | grep -q '^rustfmt'; then
    say "installing Rust $TOOLCHAIN with rustfmt and clippy"
    rustup toolchain install "$TOOLCHAIN" --profile minimal --component rustfmt,clippy >&2
  fi
  if ! rustup run "$WASM_TOOLCHAIN" rustc --print target-list >/dev/null 2>&1 ||
     ! rustup component list --toolchain "$WASM_TOOLCHAIN" --installed 2>/dev/null | grep -q '^rust-src' ||
     ! rustup target list --toolchain "$WASM_TOOLCHAIN" --installed 2>/dev/null | grep -q '^wasm32-unknown-unknown$'; then
    say "installing Rust $WASM_TOOLCHAIN with rust-src and the wasm32 target"
    rustup toolchain install "$WASM_TOOLCHAIN" --profile minimal \
      --component rust-src --target wasm32-unknown-unknown >&2
  fi
}

# Installs the npm build tools (binaryen's wasm-opt) pinned by tools/package-lock.json.
ensure_tools() {
  command -v node >/dev/null || die "node is required (for wasm-opt)"
  if [ ! -x "$WASM_OPT" ]; then
    say "installing npm build tools into tools/node_modules"
    (cd "$ROOT/tools" && npm ci --no-audit --no-fund --loglevel=error >&2)
  fi
}

# Builds the web app (app/ to app/dist) with its pinned npm packages,
# the x402-aat-voucher plugin it pays with built first.
build_app() {
  command -v npm >/dev/null || die "npm is required to build the web app (app/)"
  local plugin="$ROOT/packages/x402-aat-voucher"
  if [ ! -f "$plugin/dist/index.js" ] || [ "$plugin/src/index.ts" -nt "$plugin/dist/index.js" ]; then
    say "building packages/x402-aat-voucher (the app pays with it)"
    (cd "$plugin" && npm ci --no-audit --no-fund --loglevel=error >&2 && npm run -s build)
  fi
  if [ ! -d "$ROOT/app/node_modules" ] || [ "$ROOT/app/package-lock.json" -nt "$ROOT/app/node_modules/.package-lock.json" ]; then
    say "installing the web app's npm packages (app/package-lock.json)"
    (cd "$ROOT/app" && npm ci --no-audit --no-fund --loglevel=error >&2)
  fi
  say "building the web app (app/dist)"
  (cd "$ROOT/app" && npm run -s build >&2)
}

# start_kept_demo ENV_FILE LOG: starts `aat-demo --keep` in the background
# on free ports (its web app too), its output in LOG, and returns once the
# story is told and ENV_FILE holds what a client needs (--write-env); the
# demo's pid is in DEMO_PID. Dies, showing LOG, when the demo stops first
# or is not ready within 150 s.
start_kept_demo() {
  local env_file=$1 log=$2
  "$ROOT/target/debug/aat-demo" --keep --port 0 --gateway-port 0 --app-port 0 --write-env "$env_file" \
    --artifacts "$ARTIFACTS" >"$log" 2>&1 &
  DEMO_PID=$!
  for _ in $(seq 300); do
    [ -s "$env_file" ] && return 0
    kill -0 "$DEMO_PID" 2>/dev/null || { cat "$log" >&2; die "the demo stopped before it was ready"; }
    sleep 0.5
  done
  kill "$DEMO_PID"
  cat "$log" >&2
  die "the demo did not get ready"
}

# The compressed size of a program's wasm as it deploys (brotli as
# cargo-stylus compresses, without the 4-byte prefix), measured by the
# format's one owner, crates/stylus-program.
compressed_size() {
  (cd "$ROOT" && cargo +"$TOOLCHAIN" build --locked -q -p stylus-program --bin stylus-program >&2)
  "$ROOT/target/debug/stylus-program" size "$1"
}

# Drops the panic locations a program links but never reads (Nitro charges
# every call 0.75 gas for each byte of its data segments): crates/wasm-trim,
# which proves nothing refers to them. Rewrites the wasm in place.
trim_wasm() {
  (cd "$ROOT" && cargo +"$TOOLCHAIN" build --locked -q -p wasm-trim --bin wasm-trim >&2)
  "$ROOT/target/debug/wasm-trim" "$1" "$1"
}

# Unpacks the services workspace's pinned sources, stylus-tools included
# (crates/devnode/build.rs reads StylusDeployer's bytes from it).
fetch_services() {
  (cd "$ROOT/crates" && cargo +"$TOOLCHAIN" fetch --locked >&2)
}

# Starts a throwaway PostgreSQL server for the tests that need one (two
# gateway instances sharing a database) and exports AAT_TEST_POSTGRES_URL;
# stop_test_postgres stops it. Does nothing, with a note, when PostgreSQL is
# not installed (those tests then skip with a message). Runs the server as
# the `postgres` user when run as root (PostgreSQL refuses root).
start_test_postgres() {
  local bin
  bin=$(dirname "$(command -v initdb 2>/dev/null || ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | tail -n 1)")
  if [ ! -x "$bin/initdb" ] || [ ! -x "$bin/pg_ctl" ]; then
    say "PostgreSQL is not installed: the two-gateway test will skip (apt-get install postgresql)"
    return 0
  fi
  PG_DIR=$(mktemp -d)
  local as=()
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || { say "no postgres user: the two-gateway test will skip"; return 0; }
    chown postgres "$PG_DIR"
    as=(runuser -u postgres --)
  fi
  local port=$((20000 + RANDOM % 20000))
  if "${as[@]}" "$bin/initdb" -D "$PG_DIR/data" -A trust -U postgres >"$PG_DIR/init.log" 2>&1 &&
     "${as[@]}" "$bin/pg_ctl" -D "$PG_DIR/data" -w -l "$PG_DIR/server.log" \
       -o "-p $port -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null; then
    export AAT_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres"
    PG_STOP=("${as[@]}" "$bin/pg_ctl" -D "$PG_DIR/data" -m immediate stop)
    say "a throwaway PostgreSQL on port $port for the two-gateway test"
  else
    say "PostgreSQL did not start (see $PG_DIR): the two-gateway test will skip"
  fi
}

stop_test_postgres() {
  if [ -n "${PG_STOP+x}" ]; then "${PG_STOP[@]}" >/dev/null 2>&1 || true; fi
  if [ -n "${PG_DIR:-}" ]; then rm -rf "$PG_DIR"; fi
}
