#!/bin/sh
# Run every test against the build in $1 (build or build/asan): the cmocka
# unit tests, then the integration tests (pytest, the real evid binary),
# then the browser tests (tests/browser: Chromium against evid serve), and
# end with one line "N passed, N failed".  Exits non-zero on any failure.
set -u
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
export EVID_BIN="$ROOT/$BUILD/evid"
passed=0
failed=0
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT

count() { # count FILE PATTERN -> the number before PATTERN on the last matching line
	grep -E "$2" "$1" | tail -n 1 | grep -oE "[0-9]+ $3" | grep -oE '^[0-9]+' || echo 0
}

echo "== unit tests ($BUILD)"
for src in tests/unit/test_*.c; do
	name=$(basename "$src" .c)
	t="$BUILD/tests/$name"
	if [ ! -x "$t" ]; then
		echo "FAIL $name: not built"
		failed=$((failed + 1))
		continue
	fi
	"$t" >"$log/$name" 2>&1
	rc=$?
	p=$(grep -E '^\[  PASSED  \] [0-9]+ test' "$log/$name" | grep -oE '[0-9]+' | head -n 1)
	f=$(grep -E '^\[  FAILED  \] [0-9]+ test' "$log/$name" | grep -oE '[0-9]+' | head -n 1)
	p=${p:-0}
	f=${f:-0}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1 # crashed or failed outside a test
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$f" -ne 0 ]; then
		echo "FAIL $name"
		cat "$log/$name"
	else
		echo "ok   $name ($p)"
	fi
done

echo "== integration tests"
if [ -d tests/integration ]; then
	/usr/bin/python3 -m pytest -q -p no:cacheprovider tests/integration >"$log/pytest" 2>&1
	rc=$?
	tail -n 1 "$log/pytest"
	p=$(tail -n 1 "$log/pytest" | grep -oE '[0-9]+ passed' | grep -oE '[0-9]+')
	f=$(tail -n 1 "$log/pytest" | grep -oE '[0-9]+ (failed|error)' | grep -oE '[0-9]+' |
		awk '{s+=$1} END {print s+0}')
	p=${p:-0}
	f=${f:-0}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
	fi
	if [ "$f" -ne 0 ]; then
		cat "$log/pytest"
	fi
	passed=$((passed + p))
	failed=$((failed + f))
fi

echo "== browser tests"
# tests/browser/run.sh: headless Chromium against evid serve; it prints a
# line per test and ends with "browser: N passed, N failed"
sh tests/browser/run.sh "$EVID_BIN" >"$log/browser" 2>&1
rc=$?
cat "$log/browser"
p=$(tail -n 1 "$log/browser" | grep -oE '[0-9]+ passed' | grep -oE '[0-9]+')
f=$(tail -n 1 "$log/browser" | grep -oE '[0-9]+ failed' | grep -oE '[0-9]+')
p=${p:-0}
f=${f:-0}
if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
	f=1
fi
passed=$((passed + p))
failed=$((failed + f))

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
