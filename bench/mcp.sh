#!/usr/bin/env bash
# mcp.sh: what MCP costs over REST. One `maang serve` on SQLite with a user
# of N attempts (default 10,000); wrk runs, side by side in one run, each
# REST route and the MCP tool that calls it (POST /mcp, tools/call in one
# session, JSON answers), plus MCP ping and GET /health as yardsticks.
# Prints requests/s and latency percentiles per run.
#
#   bench/mcp.sh [N]        DURATION (10 s), THREADS (2), CONNECTIONS (32)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
n=${1:-10000}
bin=${MAANG:-$root/build/maang}
duration=${DURATION:-10}
threads=${THREADS:-2}
conns=${CONNECTIONS:-32}
command -v wrk >/dev/null || { echo "mcp.sh: wrk is missing (scripts/deps.sh bench)" >&2; exit 1; }
dir=$(mktemp -d /tmp/maang-mcpbench-XXXXXX)
trap 'kill "$pid" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$dir"' EXIT
export SECRET_KEY=${SECRET_KEY:-bench-secret-bench-secret-bench-secret-0123}
export MAANG_PASSWORD=${MAANG_PASSWORD:-bench-password-1}
db="sqlite:$dir/mcp.db"
token=$(MAANG="$bin" "$here/seed.sh" "$db" bench@example.com "$n" 2>/dev/null | tail -1)
port=$((20000 + RANDOM % 20000))
DATABASE_URL=$db PORT=$port MCP_PORT=0 LOG_LEVEL=warn "$bin" serve 2>"$dir/serve.log" &
pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.05; done
base="http://127.0.0.1:$port"
session=$(curl -sf -D - -o /dev/null "$base/mcp" -H "Authorization: Bearer $token" \
	-H 'Content-Type: application/json' -H 'Accept: application/json' \
	-d '{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}}' |
	tr -d '\r' | awk -F': ' 'tolower($1) == "mcp-session-id" { print $2 }')
[ -n "$session" ] || { echo "mcp.sh: no session" >&2; exit 1; }
export TOKEN=$token SESSION=$session
call() { printf '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"%s","arguments":%s}}' "$1" "$2"; }
run() { # run NAME SCRIPT [VAR=VALUE]
	local name=$1 script=$2
	shift 2
	env "$@" wrk -t"$threads" -c"$conns" -d"${duration}s" --latency -s "$here/$script" "$base" >"$dir/out" 2>&1
	awk -v name="$name" '
		/Requests\/sec/ { rps = $2 }
		/^ +50%/ { p50 = $2 } /^ +99%/ { p99 = $2 }
		/non-2xx|Non-2xx/ { bad = $0 }
		END { printf "%-44s %9.0f req/s   p50 %8s   p99 %8s %s\n", name, rps, p50, p99, bad }' "$dir/out"
}
echo "MCP over REST: $n attempts, wrk $threads threads x $conns connections, ${duration}s each"
run "GET /health (yardstick)" get.lua URLPATH=/health
run "MCP ping" mcp.lua BODY='{"jsonrpc":"2.0","id":1,"method":"ping"}'
run "REST GET /api/v1/problems/two-sum" get.lua URLPATH=/api/v1/problems/two-sum
run "MCP tools/call get_problem" mcp.lua BODY="$(call get_problem '{"slug":"two-sum"}')"
run "REST GET /api/v1/progress (cached)" get.lua URLPATH=/api/v1/progress
run "MCP tools/call get_progress (cached)" mcp.lua BODY="$(call get_progress '{}')"
run "REST GET /api/v1/problems?topic=…&limit=20" get.lua "URLPATH=/api/v1/problems?topic=sliding-window&limit=20"
run "MCP tools/call search_problems" mcp.lua BODY="$(call search_problems '{"topic":"sliding-window","limit":20}')"
