#!/usr/bin/env bash
# run-scaleout.sh: the foundation's workloads on SQLite, on PostgreSQL + Redis,
# and through nginx load-balancing two instances, side by side in one run on
# loopback (BRIEF §5, issue 3 point 9).
#
#   bench/run-scaleout.sh
#
# In one run, on the same machine, it measures with wrk:
#   - nginx serving a ~1 KB static JSON file (the yardstick), at the start and
#     again at the end, to show how much the machine drifted meanwhile;
#   - GET /api/v1/progress (10,000 attempts) and POST /api/v1/attempts on
#     SQLite (DB_SYNCHRONOUS=NORMAL, in-process cache), as bench/run.sh does;
#   - the same on one instance on PostgreSQL 15 + Redis (REDIS_URL set);
#   - the same through nginx (a config derived from deploy/nginx.conf, as
#     tests/integration/nginx.mjs does) load-balancing two such instances;
#   - to tell the database's share from the cache's, GET /api/v1/progress also
#     on SQLite + Redis and on PostgreSQL with the in-process cache.
# The user is seeded once into SQLite with seed.sh and moved to PostgreSQL with
# `maang db copy` before any load, so every backend starts from the same data.
# Around every wrk run it reads the CPU time of each process group it started
# (maang, PostgreSQL, Redis, nginx, wrk) and of the whole machine.
# It prints a summary and writes bench/results/scaleout-latest.md (git-ignored).
# Everything runs in a temporary directory that is removed at the end; every
# process it starts is stopped by its PID, also on Ctrl-C or when the run
# exceeds its time bound (10 x DURATION + 130 s: < 4 min with the default 10 s).
#
# Environment (all optional):
#   MAANG       binary to measure        (default: build/maang)
#   DURATION    seconds per wrk run      (default: 10)
#   THREADS     wrk threads              (default: 2)
#   CONNECTIONS wrk connections          (default: 64)
#   BASE_PORT   first of 6 loopback ports: SQLite instance, instance A,
#               instance B, static nginx, nginx load balancer, Redis
#                                        (default: 5180)
#   ATTEMPTS    attempts seeded          (default: 10000)
# PostgreSQL runs as a throwaway cluster (scripts/pg-test.sh: fsync=off, on a
# free port from 55432 up). The instances keep the defaults of HTTP_THREADS and
# DB_POOL_SIZE.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
prog=run-scaleout.sh
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh"
bench_knobs
base_port=${BASE_PORT:-5180}
pgbin=/usr/lib/postgresql/15/bin

sqlite_port=$base_port
a_port=$((base_port + 1))
b_port=$((base_port + 2))
static_port=$((base_port + 3))
lb_port=$((base_port + 4))
redis_port=$((base_port + 5))

require_tools " (scripts/deps.sh bench, redis-server, postgresql-15)" \
	wrk nginx curl python3 redis-server redis-cli psql
if [ ! -x "$pgbin/pg_ctl" ]; then
	echo "run-scaleout.sh: PostgreSQL 15 is not installed ($pgbin)" >&2
	exit 1
fi
require_binary
require_free_ports " (set BASE_PORT)" \
	"$sqlite_port" "$a_port" "$b_port" "$static_port" "$lb_port" "$redis_port"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/maang-scaleout.XXXXXX")
# PostgreSQL (as the postgres user when run as root) and nginx's workers (an
# unprivileged user) must traverse it.
chmod 711 "$tmp"
use_binary_copy

sqlite_pid='' a_pid='' b_pid='' static_pid='' lb_pid='' redis_pid='' watchdog_pid='' pg_started=''

cleanup() {
	trap - EXIT INT TERM
	stop_pid "$lb_pid" QUIT
	stop_pid "$static_pid" QUIT
	stop_pid "$sqlite_pid" TERM
	stop_pid "$a_pid" TERM
	stop_pid "$b_pid" TERM
	stop_pid "$redis_pid" TERM
	if [ -n "$pg_started" ]; then "$root/scripts/pg-test.sh" stop "$tmp/pg" || true; fi
	stop_pid "$watchdog_pid" TERM
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The time bound: past it, the watchdog stops this script (and the trap above
# everything it started).
bound=$((10 * duration + 130))
(
	trap 'kill "$sleep_pid" 2>/dev/null; wait "$sleep_pid"; exit 0' TERM
	sleep "$bound" &
	sleep_pid=$!
	wait "$sleep_pid"
	echo "run-scaleout.sh: still running after $bound s; stopping" >&2
	kill -TERM $$
) &
watchdog_pid=$!

bench_env
unset DATABASE_URL REDIS_URL REDIS_HOST DB_HOST HTTP_THREADS DB_POOL_SIZE
sqlite_url="sqlite:$tmp/bench.db"
t_start=$(date +%s%N)

# start_maang VAR PORT DBURL [REDIS_URL]: starts one `maang serve`, its PID in VAR.
start_maang() {
	local var=$1 port=$2 db=$3 redis=${4:-}
	if [ -n "$redis" ]; then
		DATABASE_URL=$db REDIS_URL=$redis PORT=$port DB_SYNCHRONOUS=NORMAL \
			"$maang" serve 2>>"$tmp/serve-$port.log" &
	else
		DATABASE_URL=$db PORT=$port DB_SYNCHRONOUS=NORMAL \
			"$maang" serve 2>>"$tmp/serve-$port.log" &
	fi
	printf -v "$var" %s $!
	wait_http "http://127.0.0.1:$port/health" 10
}

# metric PORT REGEX: the sum of the /metrics samples whose line matches REGEX.
metric() {
	curl -sf "http://127.0.0.1:$1/metrics" |
		awk -v re="$2" '!/^#/ && $0 ~ re { s += $NF } END { printf "%d\n", s }'
}

# CPU accounting. ticks PID...: utime+stime of these processes (clock ticks).
ticks() {
	local p s=0 t
	for p in "$@"; do
		[ -r "/proc/$p/stat" ] || continue
		t=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | awk '{print $12 + $13}') || continue
		s=$((s + ${t:-0}))
	done
	echo "$s"
}
with_children() { # with_children PID...: the PIDs and their direct children
	local p
	for p in "$@"; do
		[ -n "$p" ] || continue
		echo "$p"
		pgrep -P "$p" || true
	done
}
pg_pids() {
	[ -r "$tmp/pg/data/postmaster.pid" ] || return 0
	with_children "$(head -n 1 "$tmp/pg/data/postmaster.pid")"
}
# cpu_snapshot: one line "maang pg redis nginx busy total" in clock ticks
# (busy and total from /proc/stat, all cores; busy includes steal).
cpu_snapshot() {
	local _cpu us ni sy id io irq sirq st _rest
	read -r _cpu us ni sy id io irq sirq st _rest </proc/stat
	# shellcheck disable=SC2046,SC2086 # lists of PIDs, some empty
	echo "$(ticks $sqlite_pid $a_pid $b_pid) $(ticks $(pg_pids)) $(ticks $redis_pid)" \
		"$(ticks $(with_children $static_pid $lb_pid))" \
		"$((us + ni + sy + irq + sirq + st)) $((us + ni + sy + id + io + irq + sirq + st))"
}

# run_wrk (lib.sh) keeps the CPU use around every wrk run for the report.
wrk_probe=cpu_snapshot

# write_run NAME PORT: POST /api/v1/attempts through PORT, then compare the
# growth of the user's attempt count with the 201s wrk saw.
write_run() {
	local before after
	before=$(attempt_total "$2")
	SLUGS=$slugs run_wrk "$1" attempts.lua "http://127.0.0.1:$2"
	after=$(attempt_total "$2")
	echo "$1 before=$before after=$after" >>"$tmp/counts"
}

# uncached NAME PORT: the uncached cost of GET /api/v1/progress (lib.sh's
# uncached_progress) through PORT.
uncached() {
	local t
	t=$(uncached_progress "$2")
	echo "$1 median_ms=${t% *} max_ms=${t#* }" >>"$tmp/uncached"
}

loadavg_before=$(cut -d' ' -f1-3 /proc/loadavg)

# 1. Seed a user with ATTEMPTS attempts into SQLite through the real CLI, then
# move the database to a throwaway PostgreSQL cluster with `maang db copy`
# (which migrates the target and verifies every table). The API token is a
# row, so the same token works on both.
log "seeding $seed_n attempts into SQLite"
seed_user "$sqlite_url"

log "starting PostgreSQL 15 and copying the database into it"
pg_started=1
"$root/scripts/pg-test.sh" start "$tmp/pg"
pg_port=$(cat "$tmp/pg/port")
psql -h 127.0.0.1 -p "$pg_port" -U postgres -q -c 'CREATE DATABASE bench'
pg_url="postgresql://postgres@127.0.0.1:$pg_port/bench"
"$maang" db copy --from "$sqlite_url" --to "$pg_url" >"$tmp/copy.log" 2>&1 || {
	cat "$tmp/copy.log" >&2
	exit 1
}
tail -n 1 "$tmp/copy.log" | sed 's/^/    /' >&2
pg_version=$(psql -h 127.0.0.1 -p "$pg_port" -U postgres -Atc 'SHOW server_version')
pg_fsync=$(psql -h 127.0.0.1 -p "$pg_port" -U postgres -Atc 'SHOW fsync')
pg_sync_commit=$(psql -h 127.0.0.1 -p "$pg_port" -U postgres -Atc 'SHOW synchronous_commit')

slugs=$(catalog_slugs)

# 2. nginx serving a ~1 KB static JSON file: the same file and config as run.sh.
static_setup "$static_port"
static_run static_pid "$static_port" nginx_start

# Redis for what follows. The user has the same id on both databases (db copy
# keeps ids), so Redis is flushed between phases: no instance may read a
# summary another database cached.
mkdir -p "$tmp/redis"
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no \
	--daemonize no --dir "$tmp/redis" --logfile "$tmp/redis/redis.log" &
redis_pid=$!
for _ in $(seq 100); do
	redis-cli -p "$redis_port" ping 2>/dev/null | grep -q PONG && break
	sleep 0.05
done
redis-cli -p "$redis_port" ping | grep -q PONG
redis_url="redis://127.0.0.1:$redis_port"
redis_flush() { redis-cli -p "$redis_port" flushall >/dev/null; }
# is_redis PORT: fails unless that instance uses the Redis cache.
is_redis() {
	local ready
	ready=$(curl -sf "http://127.0.0.1:$1/ready")
	case "$ready" in
	*'"cache_backend":"redis"'*) ;;
	*)
		echo "run-scaleout.sh: the instance on port $1 is not on Redis: $ready" >&2
		return 1
		;;
	esac
}

# 3. SQLite, one instance, in-process cache (what bench/run.sh measures).
log "SQLite: one instance, DB_SYNCHRONOUS=NORMAL, in-process cache"
start_maang sqlite_pid "$sqlite_port" "$sqlite_url"
bytes_sqlite=$(progress_size "$sqlite_port")
run_wrk sqlite_progress progress.lua "http://127.0.0.1:$sqlite_port"
uncached sqlite "$sqlite_port"
write_run sqlite_attempts "$sqlite_port"
stop_pid "$sqlite_pid" TERM
sqlite_pid=
# The cache's share: the same read on SQLite with the Redis cache.
log "SQLite + Redis: one instance (progress only)"
redis_flush
start_maang sqlite_pid "$sqlite_port" "$sqlite_url" "$redis_url"
is_redis "$sqlite_port"
run_wrk sqlite_redis_progress progress.lua "http://127.0.0.1:$sqlite_port"
stop_pid "$sqlite_pid" TERM
sqlite_pid=
redis_flush

# The database's share: PostgreSQL with the in-process cache.
log "PostgreSQL, in-process cache: one instance (progress only)"
start_maang a_pid "$a_port" "$pg_url"
run_wrk pg_local_progress progress.lua "http://127.0.0.1:$a_port"
stop_pid "$a_pid" TERM
a_pid=

# 4. PostgreSQL + Redis, one instance (instance B is not running yet, so no
# other instance receives its events).
log "PostgreSQL + Redis: one instance"
start_maang a_pid "$a_port" "$pg_url" "$redis_url"
is_redis "$a_port"
bytes_pg=$(progress_size "$a_port")
hits0=$(metric "$a_port" 'maang_cache_requests_total.*result="hit"')
miss0=$(metric "$a_port" 'maang_cache_requests_total.*result="miss"')
run_wrk pg_progress progress.lua "http://127.0.0.1:$a_port"
hits1=$(metric "$a_port" 'maang_cache_requests_total.*result="hit"')
miss1=$(metric "$a_port" 'maang_cache_requests_total.*result="miss"')
echo "pg_progress hits=$((hits1 - hits0)) misses=$((miss1 - miss0))" >>"$tmp/cache"
uncached pg "$a_port"
write_run pg_attempts "$a_port"

# 5. Two instances on PostgreSQL + Redis behind nginx, with a config derived
# from deploy/nginx.conf the way tests/integration/nginx.mjs does it.
log "PostgreSQL + Redis: two instances behind nginx"
start_maang b_pid "$b_port" "$pg_url" "$redis_url"
is_redis "$b_port"
mkdir -p "$tmp/lb"
chmod 777 "$tmp/lb" # nginx's workers run as an unprivileged user
python3 - "$root/deploy/nginx.conf" "$tmp/lb" "$lb_port" "$a_port" "$b_port" \
	>"$tmp/lb/nginx.conf" <<'PY'
import re, sys
src, d, listen, *ports = sys.argv[1:]
conf = open(src).read()
upstream = "\n".join(["\tupstream maang {", "\t\tleast_conn;"]
                     + ["\t\tserver 127.0.0.1:%s max_fails=3 fail_timeout=5s;" % p for p in ports]
                     + ["\t\tkeepalive 64;", "\t}"])
def sub(pattern, repl, text, regex=False):
    new = re.sub(pattern, lambda m: repl, text, count=1) if regex else text.replace(pattern, repl, 1)
    if new == text:
        sys.exit("run-scaleout.sh: deploy/nginx.conf no longer has %r" % pattern)
    return new
conf = sub(r"\t# maang:upstream:begin[\s\S]*# maang:upstream:end", upstream, conf, regex=True)
conf = sub(r"listen 80; # maang:listen", "listen 127.0.0.1:%s;" % listen, conf, regex=True)
conf = sub("pid /tmp/nginx.pid;", "pid %s/nginx.pid;" % d, conf)
conf = sub("error_log /dev/stderr warn;", "error_log %s/error.log warn;" % d, conf)
conf = sub("/tmp/nginx-body", "%s/body" % d, conf)
conf = sub("/tmp/nginx-proxy", "%s/proxy" % d, conf)
print(conf, end="")
PY
nginx -e "$tmp/lb/error.log" -p "$tmp/lb" -c "$tmp/lb/nginx.conf" -g 'daemon off;' &
lb_pid=$!
wait_http "http://127.0.0.1:$lb_port/health" 10 || {
	cat "$tmp/lb/error.log" >&2
	exit 1
}
bytes_lb=$(progress_size "$lb_port")
route_count() { # route_count PORT ROUTE: requests answered on ROUTE by that instance
	metric "$1" "maang_http_requests_total[{]route=\"$2\""
}
balance() { # balance NAME ROUTE BEFORE_A BEFORE_B: requests per instance since BEFORE
	echo "$1 a=$(($(route_count "$a_port" "$2") - $3)) b=$(($(route_count "$b_port" "$2") - $4))" \
		>>"$tmp/balance"
}
pa=$(route_count "$a_port" "GET /api/v1/progress")
pb=$(route_count "$b_port" "GET /api/v1/progress")
run_wrk lb_progress progress.lua "http://127.0.0.1:$lb_port"
balance lb_progress "GET /api/v1/progress" "$pa" "$pb"
pa=$(route_count "$a_port" "POST /api/v1/attempts")
pb=$(route_count "$b_port" "POST /api/v1/attempts")
write_run lb_attempts "$lb_port"
balance lb_attempts "POST /api/v1/attempts" "$pa" "$pb"
errors_a=$(metric "$a_port" '^maang_http_server_errors_total')
errors_b=$(metric "$b_port" '^maang_http_server_errors_total')
stop_pid "$lb_pid" QUIT
lb_pid=
stop_pid "$a_pid" TERM
stop_pid "$b_pid" TERM
a_pid='' b_pid=''
stop_pid "$redis_pid" TERM
redis_pid=

# 6. The yardstick again, to see how the machine drifted during the run.
static_run static_pid "$static_port" nginx_end
loadavg_after=$(cut -d' ' -f1-3 /proc/loadavg)

# 7. Summary.
mkdir -p "$results"
report_head "Scale-out benchmark run" "everything shares the cores." >"$results/scaleout-latest.md"
python3 - "$tmp" "$(getconf CLK_TCK)" >>"$results/scaleout-latest.md" <<PY
import os, sys
tmp, hz = sys.argv[1], int(sys.argv[2])
def kv_file(name):
    out = {}
    path = os.path.join(tmp, name)
    if os.path.exists(path):
        for line in open(path):
            key, *kv = line.split()
            out[key] = {k: float(v) for k, v in (x.split("=") for x in kv)}
    return out
fig, counts, unc, cache, bal = (kv_file(n) for n in
                                ("figures", "counts", "uncached", "cache", "balance"))
cpu = {}
for line in open(os.path.join(tmp, "cpu")):
    name, *v = line.split()
    b, a, wrk = [int(x) for x in v[:6]], [int(x) for x in v[6:12]], [float(x) for x in v[12:14]]
    d = [y - x for x, y in zip(b, a)]
    secs = fig[name]["duration_us"] / 1e6
    total_cores = d[5] / hz / secs  # ~ the number of cores
    cpu[name] = dict(maang=d[0] / hz / secs, pg=d[1] / hz / secs, redis=d[2] / hz / secs,
                     nginx=d[3] / hz / secs, wrk=sum(wrk) / secs,
                     busy=d[4] / hz / secs, cores=total_cores)

def rps(k): return fig[k]["requests"] * 1e6 / fig[k]["duration_us"]
def ms(us): return "%.2f" % (us / 1000)
yard = (rps("nginx_start") + rps("nginx_end")) / 2

labels = [
    ("nginx_start", "nginx static file (${static_bytes} B), at the start"),
    ("nginx_end", "nginx static file (${static_bytes} B), at the end"),
    ("sqlite_progress", "SQLite: GET /api/v1/progress (${bytes_sqlite} B)"),
    ("pg_progress", "PostgreSQL + Redis, 1 instance: GET /api/v1/progress (${bytes_pg} B)"),
    ("lb_progress", "PostgreSQL + Redis, 2 instances behind nginx: GET /api/v1/progress (${bytes_lb} B)"),
    ("sqlite_redis_progress", "(cache's share) SQLite + Redis, 1 instance: GET /api/v1/progress"),
    ("pg_local_progress", "(database's share) PostgreSQL, in-process cache, 1 instance: GET /api/v1/progress"),
    ("sqlite_attempts", "SQLite: POST /api/v1/attempts (NORMAL)"),
    ("pg_attempts", "PostgreSQL + Redis, 1 instance: POST /api/v1/attempts"),
    ("lb_attempts", "PostgreSQL + Redis, 2 instances behind nginx: POST /api/v1/attempts"),
]
out = []
w = out.append
w("PostgreSQL ${pg_version} (scripts/pg-test.sh cluster: fsync=${pg_fsync}, "
  "synchronous_commit=${pg_sync_commit}), $(redis-server --version | cut -d' ' -f1-3), "
  "$(nginx -v 2>&1 | cut -d: -f2 | sed 's/^ //'). Instances: default HTTP_THREADS and DB_POOL_SIZE.")
w("")
w("| target | req/s | vs nginx | p50 ms | p99 ms | max ms | non-2xx | socket errors |")
w("|---|---:|---:|---:|---:|---:|---:|---:|")
for key, label in labels:
    f = fig[key]
    w("| %s | %.0f | %s | %s | %s | %s | %d | %d |" % (
        label, rps(key), "" if key.startswith("nginx") else "%.0f%%" % (rps(key) / yard * 100),
        ms(f["p50_us"]), ms(f["p99_us"]), ms(f["max_us"]), f["non2xx"], f["socket_errors"]))
w("")
w("'vs nginx' is against the mean of the two nginx runs (%.0f req/s)." % yard)
w("")
w("CPU used during each wrk run, in cores (CPU seconds per second; the machine has $(nproc)):")
w("")
w("| run | maang | PostgreSQL | Redis | nginx | wrk | machine busy | rest (other sessions) |")
w("|---|---:|---:|---:|---:|---:|---:|---:|")
for key, _ in labels:
    c = cpu[key]
    # What the machine did beside our processes (other sessions, the kernel's
    # threads); clamped at 0, since the windows differ by a few ticks.
    rest = max(0.0, c["busy"] - c["maang"] - c["pg"] - c["redis"] - c["nginx"] - c["wrk"])
    w("| %s | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f |" % (
        key, c["maang"], c["pg"], c["redis"], c["nginx"], c["wrk"], c["busy"], rest))
w("")
for key in ("sqlite_attempts", "pg_attempts", "lb_attempts"):
    f, d = fig[key], counts[key]
    grew = d["after"] - d["before"]
    w("- %s: wrk saw %d x 201; the user's attempt count grew by %d (%d -> %d), %+d versus wrk."
      % (key, f["created"], grew, d["before"], d["after"], grew - f["created"]))
for key in ("sqlite", "pg"):
    w("- Uncached GET /api/v1/progress right after a POST (%s): median %.2f ms of 20, max %.2f ms."
      % ("SQLite" if key == "sqlite" else "PostgreSQL + Redis", unc[key]["median_ms"],
         unc[key]["max_ms"]))
c = cache["pg_progress"]
w("- Redis cache during the PostgreSQL progress run: %d hits, %d misses." % (c["hits"], c["misses"]))
for key in ("lb_progress", "lb_attempts"):
    b = bal[key]
    w("- %s: instance A answered %d, instance B %d (%.0f%% / %.0f%%)." % (
        key, b["a"], b["b"], 100 * b["a"] / max(1, b["a"] + b["b"]),
        100 * b["b"] / max(1, b["a"] + b["b"])))
w("- maang_http_server_errors_total after the nginx runs: A ${errors_a}, B ${errors_b}.")
w("")
print("\n".join(out))
PY
# The raw output, in the order of the first table's rows (labels above).
report_raw nginx_start nginx_end sqlite_progress pg_progress lb_progress sqlite_redis_progress \
	pg_local_progress sqlite_attempts pg_attempts lb_attempts >>"$results/scaleout-latest.md"
cp "$results/scaleout-latest.md" "$results/scaleout-$(date -u +%Y%m%dT%H%M%SZ).md"
serve_errors "the servers" "$tmp"/serve-*.log
show_report scaleout-latest.md
