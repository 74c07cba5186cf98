#!/bin/sh
# Installs the Debian packages MAANG Tracker needs, only those missing
# (each checked with dpkg -s). Runs apt-get as root or through sudo; with
# neither, prints the exact command to run.
#
#   scripts/deps.sh build    what `make run` needs (compiler, libraries)
#   scripts/deps.sh test     plus what `make test` needs (Criterion, Node.js)
#   scripts/deps.sh bench    plus wrk and nginx for the benchmarks
set -eu

profile=${1:-build}
build="build-essential cmake pkg-config libmicrohttpd-dev libjansson-dev libsodium-dev
libssl-dev libsqlite3-dev sqlite3 libhiredis-dev libpq-dev libcurl4-openssl-dev
libstemmer-dev tzdata ca-certificates"
test="libcriterion-dev nodejs curl redis-server postgresql-15 nginx-light"
bench="wrk nginx-light python3 postgresql-15 redis-server"

case "$profile" in
build) want="$build" ;;
test) want="$build $test" ;;
bench) want="$build $test $bench" ;;
*) echo "usage: $0 [build|test|bench]" >&2; exit 2 ;;
esac

missing=""
for p in $want; do
	# Node.js may come from elsewhere than Debian; accept any working node.
	if [ "$p" = nodejs ] && command -v node >/dev/null 2>&1; then
		continue
	fi
	dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
# The MCP suite runs the official client SDK from npm.
if [ "$profile" != build ] && ! command -v npm >/dev/null 2>&1; then
	missing="$missing npm"
fi

# Chromium for the dashboard tests: wanted, not required. When it cannot be
# installed the browser tests skip themselves with a loud message.
browser() {
	[ "$profile" = build ] && return 0
	command -v chromium >/dev/null 2>&1 && return 0
	if [ "$(id -u)" = 0 ]; then
		s=""
	elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
		s="sudo"
	else
		echo "WARNING: chromium is missing; the dashboard tests will be skipped" >&2
		return 0
	fi
	echo "installing: chromium (dashboard tests)" >&2
	$s env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium >/dev/null ||
		{ $s env DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
			$s env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium >/dev/null; } ||
		echo "WARNING: chromium could not be installed; the dashboard tests will be skipped" >&2
}

# Node modules of the tests (tests/package-lock.json), when missing or stale.
node_modules() {
	[ "$profile" = build ] && return 0
	dir=$(dirname "$0")/../tests
	stamp="$dir/node_modules/.package-lock.json"
	if [ ! -f "$stamp" ] || [ "$dir/package-lock.json" -nt "$stamp" ]; then
		echo "installing test node modules (npm ci)" >&2
		(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
	fi
}

if [ -z "$missing" ]; then
	browser
	node_modules
	exit 0
fi

cmd="apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" = 0 ]; then
	sudo=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
	sudo="sudo"
else
	echo "missing packages:$missing" >&2
	echo "run: sudo apt-get update && sudo $cmd" >&2
	exit 1
fi
echo "installing:$missing" >&2
$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
$sudo env DEBIAN_FRONTEND=noninteractive $cmd
browser
node_modules
