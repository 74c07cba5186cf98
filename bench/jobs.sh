#!/usr/bin/env bash
# jobs.sh: job queue throughput on SQLite: N echo jobs (default 5,000) put
# in the queue, then drained by 1 agent x 2 workers, 1 x 4, and 2 x 2;
# prints jobs/s for each (claim + run + complete, every step a transaction).
#
#   bench/jobs.sh [N]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
n=${1:-5000}
bin=${MAANG:-$root/build/maang}
dir=$(mktemp -d /tmp/maang-jobsbench-XXXXXX)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$dir"' EXIT
export SECRET_KEY=${SECRET_KEY:-bench-secret-bench-secret-bench-secret-0123}
export DATABASE_URL="sqlite:$dir/jobs.db" LOG_LEVEL=warn JOB_POLL_MS=10 MCP_PORT=0
export JOB_SCHEDULE="cleanup=0,metrics_rollup=0,weakness_refresh=0,review_reminders=0,memory_consolidation=0,embedding_backfill=0,backup=0"
"$bin" migrate >/dev/null
fill() {
	sqlite3 "$dir/jobs.db" "DELETE FROM jobs; WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < $n)
		INSERT INTO jobs (kind, payload, run_at, created_at, updated_at)
		SELECT 'echo', '{\"i\":' || i || '}', 0, 0, 0 FROM s;"
}
drain() { # drain AGENTS WORKERS
	fill
	local t0 t1 done=0
	t0=$(date +%s%N)
	pids=()
	for _ in $(seq "$1"); do
		AGENT_WORKERS=$2 "$bin" agent 2>>"$dir/agent.log" &
		pids+=($!)
	done
	while [ "$done" -lt "$n" ]; do
		sleep 0.05
		done=$(sqlite3 "$dir/jobs.db" "SELECT count(*) FROM jobs WHERE state = 'done'")
	done
	t1=$(date +%s%N)
	for p in "${pids[@]}"; do kill -TERM "$p"; wait "$p" 2>/dev/null || true; done
	pids=()
	local twice
	twice=$(sqlite3 "$dir/jobs.db" "SELECT count(*) FROM jobs WHERE attempts <> 1")
	awk -v n="$n" -v a="$1" -v w="$2" -v ns=$((t1 - t0)) -v twice="$twice" \
		'BEGIN { printf "%d agent(s) x %d workers: %d jobs in %.2f s = %.0f jobs/s (claimed more than once: %d)\n", a, w, n, ns / 1e9, n / (ns / 1e9), twice }'
}
echo "job queue on SQLite, $n echo jobs"
drain 1 1
drain 1 2
drain 1 4
drain 2 2
