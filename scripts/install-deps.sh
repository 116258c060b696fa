#!/bin/sh
# Install the Debian packages Evidencija needs, only those missing.
#   install-deps.sh          what building and running need
#   install-deps.sh --test   also what the test suite needs
# Runs apt-get as root, or through sudo.
set -eu

pkgs="build-essential pkg-config make libsqlite3-dev sqlite3 libmicrohttpd-dev libjansson-dev
libsodium-dev libinih-dev libgmime-3.0-dev libytnef0-dev libcurl4-openssl-dev tzdata ca-certificates"
if [ "${1:-}" = "--test" ]; then
	pkgs="$pkgs libcmocka-dev python3 python3-pytest curl"
fi

missing=""
for p in $pkgs; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

echo "evid: installing Debian packages:$missing"
if [ "$(id -u)" -eq 0 ]; then
	sudo=""
elif command -v sudo >/dev/null 2>&1; then
	sudo="sudo"
else
	echo "evid: need root or sudo to install:$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q >/dev/null || { echo "evid: apt-get update failed" >&2; exit 1; }
# shellcheck disable=SC2086
$sudo apt-get install -y -q --no-install-recommends $missing >/dev/null ||
	{ echo "evid: apt-get install failed for:$missing" >&2; exit 1; }
