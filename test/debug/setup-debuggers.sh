#!/usr/bin/env bash
# Installs the real debug adapters the debug-hook e2e tests use, from Debian packages:
#   python3-debugpy  -> debugpy adapter (runs under Debian's /usr/bin/python3)
#   lldb-14          -> lldb-vscode-14 (DAP adapter for the C++ fixture, built with g++ -g)
# No-op when both are present. Needs root (or sudo) for apt-get.
set -eu
have() { /usr/bin/python3 -c 'import debugpy' >/dev/null 2>&1 && command -v lldb-vscode-14 >/dev/null 2>&1; }
if have; then exit 0; fi
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends python3-debugpy lldb-14 >/dev/null
have || { echo "setup-debuggers: python3-debugpy / lldb-14 still missing after apt-get install" >&2; exit 1; }
