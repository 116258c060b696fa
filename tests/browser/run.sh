#!/bin/sh
# Run the browser tests (tests/browser/*.test.mjs, Node's test runner with
# playwright-core driving Debian's /usr/bin/chromium) against the evid binary
# in $1, else $EVID_BIN, else build/evid.  Prints a line per test and ends
# with "browser: N passed, N failed" (tests/run.sh adds those to its totals).
# A missing Chromium, Node.js or node_modules is a failure, never a skip:
# `make deps-test` (scripts/install-deps.sh --test) installs them.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
EVID_BIN=${1:-${EVID_BIN:-$ROOT/build/evid}}
case $EVID_BIN in
/*) ;;
*) EVID_BIN=$(pwd)/$EVID_BIN ;;
esac
export EVID_BIN

fail() {
	echo "FAIL browser tests: $*"
	echo "browser: 0 passed, 1 failed"
	exit 1
}
[ -x /usr/bin/chromium ] ||
	fail "/usr/bin/chromium not found: install the Debian package chromium (make deps-test)"
command -v node >/dev/null 2>&1 ||
	fail "node not found: install the Debian package nodejs (make deps-test)"
[ -f "$HERE/node_modules/playwright-core/package.json" ] ||
	fail "tests/browser/node_modules is missing: run 'npm ci' in tests/browser (make deps-test does)"
[ -x "$EVID_BIN" ] || fail "$EVID_BIN not found: build it (make)"

tap=$(mktemp)
trap 'rm -f "$tap"' EXIT
rm -rf "$ROOT/build/browser-failures" # screenshots and pages of the last failures
cd "$HERE" || exit 1
# Two files at a time (each has its own evid serve and Chromium); spec (a
# line per test, details of failures) to the terminal, TAP to count.
node --test --test-timeout=90000 --test-concurrency=2 \
	--test-reporter=spec --test-reporter-destination=stdout \
	--test-reporter=tap --test-reporter-destination="$tap" \
	./*.test.mjs
rc=$?
num() { # the number of the last TAP summary line "# WORD N"
	grep -E "^# $1 [0-9]+$" "$tap" | tail -n 1 | grep -oE '[0-9]+$' || echo 0
}
p=$(num pass)
f=$(($(num fail) + $(num cancelled)))
if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
	f=1 # the runner failed outside a test
fi
echo "browser: $p passed, $f failed"
[ "$f" -eq 0 ] && [ "$p" -gt 0 ]
