#!/bin/sh
# Mailman 3's test messages for tests/unit/test_mail_debian.c.  Debian 12
# ships them inside the mailman3 package, which is a whole list server (a
# daemon, cron jobs, some fifty dependencies), so the package is only
# downloaded and its *.eml files copied out, into build/testdata/mailman3
# (as the invoking user; only a missing package list needs root, for
# apt-get update).  Does nothing when they are already there.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
dest="$ROOT/build/testdata/mailman3"
[ -f "$dest/.complete" ] && exit 0

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fetch() { (cd "$tmp" && apt-get download -q mailman3 >/dev/null 2>&1); }
if ! fetch; then
	if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
	$sudo apt-get update -q >/dev/null 2>&1 || true
	fetch || { echo "evid: cannot download mailman3 for its test messages" >&2; exit 1; }
fi
dpkg-deb -x "$tmp"/mailman3_*.deb "$tmp/x"
src="$tmp/x/usr/lib/python3/dist-packages/mailman"
mkdir -p "$dest"
find "$src" -name '*.eml' | while read -r f; do
	rel=${f#"$src/"}
	cp "$f" "$dest/$(printf '%s' "$rel" | tr / _)"
done
n=$(find "$dest" -name '*.eml' | wc -l)
[ "$n" -gt 0 ] || { echo "evid: no test messages found in mailman3" >&2; exit 1; }
touch "$dest/.complete"
