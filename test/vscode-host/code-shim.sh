#!/usr/bin/env bash
# A fake "VS Code executable" for @vscode/test-electron's runTests({ vscodeExecutablePath }) (and
# @vscode/test-cli's useInstallation.fromPath): maps the Electron command line onto
# run-code-server.sh (code-server + headless chromium). Exit code = the tests' exit code.
EXT=""; TESTS=""; WS=""
for a in "$@"; do
  case "$a" in
    --extensionDevelopmentPath=*) [ -z "$EXT" ] && EXT="${a#*=}" ;;   # first one only
    --extensionTestsPath=*) TESTS="${a#*=}" ;;
    -*) ;;        # --no-sandbox, --disable-updates, --user-data-dir=..., --extensions-dir=...: ignored (fresh temp dirs per run)
    *) WS="$a" ;; # positional argument = folder to open
  esac
done
[ -n "$EXT" ] && [ -n "$TESTS" ] || { echo "code-shim: need --extensionDevelopmentPath= and --extensionTestsPath=" >&2; exit 4; }
[ -d "$TESTS" ] && TESTS="$TESTS/index.js"
exec "$(dirname "$(realpath "$0")")/run-code-server.sh" "$EXT" "$TESTS" "${WS:-$EXT}"
