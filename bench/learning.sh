#!/usr/bin/env bash
# learning.sh: the cost of the learning engine's reads for a user with N
# attempts (default 10,000): GET /progress (with topic mastery),
# /reviews/due, /weaknesses and /recommendations, each computed afresh
# (a write between runs invalidates the user's cached reads), and a cached
# /recommendations. Prints min/median/max milliseconds of RUNS runs per route,
# measured by curl on loopback against one `maang serve` on SQLite.
#
#   bench/learning.sh [N] [RUNS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
n=${1:-10000}
runs=${2:-20}
bin=${MAANG:-$root/build/maang}
dir=$(mktemp -d /tmp/maang-learn-XXXXXX)
trap 'kill "$pid" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$dir"' EXIT
export SECRET_KEY=${SECRET_KEY:-bench-secret-bench-secret-bench-secret-0123}
export MAANG_PASSWORD=${MAANG_PASSWORD:-bench-password-1}
db="sqlite:$dir/learn.db"
token=$(MAANG="$bin" "$here/seed.sh" "$db" bench@example.com "$n" 2>/dev/null | tail -1)
port=$((20000 + RANDOM % 20000))
DATABASE_URL=$db PORT=$port LOG_LEVEL=warn "$bin" serve 2>"$dir/serve.log" &
pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.05; done
base="http://127.0.0.1:$port/api/v1"
auth="Authorization: Bearer $token"
# A write that changes nothing the reads show: it bumps the user's cache version.
invalidate() {
	curl -sf -X PUT "$base/profile" -H "$auth" -H 'Content-Type: application/json' \
		-d '{"hours_per_week": 10}' >/dev/null
}
measure() { # measure NAME PATH FRESH
	local name=$1 path=$2 fresh=$3 times=()
	for _ in $(seq "$runs"); do
		[ "$fresh" = 1 ] && invalidate
		times+=("$(curl -sf -o /dev/null -w '%{time_total}' -H "$auth" "$base$path")")
	done
	printf '%s\n' "${times[@]}" | sort -n | awk -v name="$name" '
		{ t[NR] = $1 * 1000 }
		END { printf "%-34s min %7.2f  median %7.2f  max %7.2f ms\n", name, t[1], t[int((NR + 1) / 2)], t[NR] }'
}
echo "learning reads, $n attempts, $runs runs each (curl total time on loopback)"
measure "GET /progress (uncached)" /progress 1
measure "GET /reviews/due" "/reviews/due?limit=50" 1
measure "GET /weaknesses" /weaknesses 1
measure "GET /recommendations (uncached)" "/recommendations?limit=10" 1
measure "GET /recommendations (cached)" "/recommendations?limit=10" 0
measure "GET /health (yardstick)" /../../health 0
