#!/bin/sh
# Install the Debian packages Evidencija needs, only those missing.
#   install-deps.sh          what building and running need
#   install-deps.sh --test   also what the test suite needs
# Runs apt-get as root, or through sudo.
set -eu

pkgs="build-essential pkg-config make libsqlite3-dev sqlite3 libmicrohttpd-dev libjansson-dev
libsodium-dev libinih-dev libgmime-3.0-dev libytnef0-dev libcurl4-openssl-dev tzdata ca-certificates"
# the billing documents (src/report): PDF with cairo and pango, XLSX with
# libxlsxwriter, and a font with the Croatian letters
pkgs="$pkgs libcairo2-dev libpango1.0-dev libxlsxwriter-dev fonts-dejavu-core"
if [ "${1:-}" = "--test" ]; then
	pkgs="$pkgs libcmocka-dev python3 python3-pytest curl"
	# the billing documents' checks: the PDF's text, the XLSX's XML and cells
	pkgs="$pkgs poppler-utils unzip python3-openpyxl"
	# MIME test messages from other projects, and clang's libFuzzer for make fuzz
	pkgs="$pkgs golang-github-jhillyerd-enmime-dev libmime-explode-perl clang libclang-rt-14-dev"
	# the mail servers the integration tests start (tests/integration/mailservers.py)
	pkgs="$pkgs openssl postfix dovecot-core dovecot-imapd python3-aiosmtpd"
	# the browser tests (tests/browser): Chromium, and Node.js with npm
	# unless the machine has them already (a Node.js from elsewhere, such
	# as NodeSource's, brings its own npm and conflicts with Debian's)
	pkgs="$pkgs chromium"
	command -v node >/dev/null 2>&1 || pkgs="$pkgs nodejs"
	command -v npm >/dev/null 2>&1 || pkgs="$pkgs npm"
	# make bench: the HTTP load generator and the nginx bench/web.py compares with,
	# and /usr/bin/time, which bench/billing.py measures each run's memory peak with
	pkgs="$pkgs wrk nginx time"
fi

missing=""
for p in $pkgs; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done
test_data() { # the test messages that come in no installable package
	[ "${1:-}" = "--test" ] && sh "$(dirname "$0")/mailman-testdata.sh"
	return 0
}
browser_modules() { # `npm ci` in tests/browser when node_modules is missing or
	# was made from another package-lock.json (its hash is kept beside it)
	[ "${1:-}" = "--test" ] || return 0
	dir=$(cd "$(dirname "$0")/../tests/browser" && pwd)
	stamp="$dir/node_modules/.evid-package-lock.sha256"
	want=$(sha256sum "$dir/package-lock.json" | cut -d ' ' -f 1)
	if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
		return 0
	fi
	echo "evid: npm ci in tests/browser (playwright-core for the browser tests)"
	(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null) ||
		{ echo "evid: npm ci failed in tests/browser" >&2; exit 1; }
	echo "$want" >"$stamp"
}
test_extras() {
	test_data "$@"
	browser_modules "$@"
}
[ -z "$missing" ] && { test_extras "${1:-}"; exit 0; }
has() { case " $missing " in *" $1 "*) return 0 ;; esac; return 1; }
# postfix would replace another mail server (exim4, ...) that provides
# /usr/sbin/sendmail: leave such a machine's mail alone
if has postfix && [ -e /usr/sbin/sendmail ]; then
	echo "evid: not installing postfix: another mail server provides /usr/sbin/sendmail" \
		"(the Postfix tests fail until postfix is installed)" >&2
	missing=$(echo "$missing " | sed 's/ postfix / /')
fi

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
if has postfix; then
	# the tests run private instances; the system one stays unconfigured
	echo "postfix postfix/main_mailer_type select No configuration" |
		$sudo debconf-set-selections
fi
$sudo apt-get update -q >/dev/null || { echo "evid: apt-get update failed" >&2; exit 1; }
# shellcheck disable=SC2086
$sudo apt-get install -y -q --no-install-recommends $missing >/dev/null ||
	{ echo "evid: apt-get install failed for:$missing" >&2; exit 1; }
# The system instances these packages start (Dovecot would listen on ports 143
# and 993 of every interface, nginx on port 80) are not used by the tests nor
# the benchmarks: stop them and keep them from starting at boot, but only when
# this script just installed them.
quiet_service() { # quiet_service NAME SYSTEMD-UNIT...
	name=$1
	shift
	if [ -d /run/systemd/system ]; then
		$sudo systemctl disable --now "$@" >/dev/null 2>&1 || true
	else
		$sudo invoke-rc.d "$name" stop >/dev/null 2>&1 || true
		$sudo update-rc.d "$name" disable >/dev/null 2>&1 || true
	fi
	echo "evid: stopped and disabled the system $name service (the tests start their own)"
}
if has dovecot-core; then quiet_service dovecot dovecot.service dovecot.socket; fi
if has postfix; then quiet_service postfix postfix.service; fi
if has nginx; then quiet_service nginx nginx.service; fi
test_extras "${1:-}"
