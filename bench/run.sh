#!/usr/bin/env bash
# run.sh: one self-contained benchmark run on loopback (BRIEF §5).
#
#   bench/run.sh            (or `make bench`, which installs wrk/nginx and builds first)
#
# In one run, on the same machine, it measures side by side:
#   - nginx serving a ~1 KB static JSON file (the yardstick),
#   - GET  /api/v1/progress for a user with 10,000 attempts,
#   - POST /api/v1/attempts with DB_SYNCHRONOUS=NORMAL, then with FULL, each
#     followed by kill -9, a restart, and a count of the attempts that survived,
#   - `maang serve` readiness (spawn until /health answers, median of 5) and
#     idle resident memory with the catalog loaded,
#   - what SQLite alone commits per second on this machine (calibration).
# It prints a summary and writes it to bench/results/latest.md (git-ignored).
# Everything runs in a temporary directory that is removed at the end, and
# every process it starts is stopped, also on Ctrl-C.
#
# Environment (all optional):
#   MAANG       binary to measure        (default: build/maang)
#   DURATION    seconds per wrk run      (default: 10)
#   THREADS     wrk threads              (default: 2)
#   CONNECTIONS wrk connections          (default: 64)
#   PORT        maang port               (default: 5080)
#   NGINX_PORT  nginx port               (default: 5081)
#   ATTEMPTS    attempts seeded          (default: 10000)
# shellcheck disable=SC1091,SC2154 # values come from files the embedded python3 writes
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
prog=run.sh
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh"
bench_knobs
port=${PORT:-5080}
nginx_port=${NGINX_PORT:-5081}

require_tools "; run scripts/deps.sh bench" wrk nginx curl python3
require_binary
require_free_ports "" "$port" "$nginx_port"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/maang-bench.XXXXXX")
use_binary_copy
server_pid=
nginx_pid=

cleanup() {
	stop_pid "$server_pid" TERM
	stop_pid "$nginx_pid" QUIT
	server_pid=
	nginx_pid=
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

bench_env
export DATABASE_URL="sqlite:$tmp/bench.db"
export PORT=$port
base="http://127.0.0.1:$port"
t_start=$(date +%s%N)

# start_server SYNC: starts maang serve with DB_SYNCHRONOUS=SYNC; stderr to a file.
start_server() {
	DB_SYNCHRONOUS=$1 "$maang" serve 2>>"$tmp/serve.log" &
	server_pid=$!
	wait_http "$base/health" 10
}

stop_server() { # stop_server SIGNAL
	stop_pid "$server_pid" "$1"
	server_pid=
}

loadavg_before=$(cut -d' ' -f1-3 /proc/loadavg)

# 1. Seed a user with ATTEMPTS attempts through the real CLI.
log "seeding $seed_n attempts"
seed_user "$DATABASE_URL"

# 2. Readiness and idle memory, before any load: spawn until /health answers,
# median of 5, on the seeded database and on a fresh one (first start migrates
# and loads the catalog). RSS is read 1 s after the last start.
log "readiness and idle RSS"
python3 - "$maang" "$port" "$tmp" >"$tmp/startup" <<'PY'
import os, signal, socket, statistics, subprocess, sys, time

maang, port, tmp = sys.argv[1], int(sys.argv[2]), sys.argv[3]

def health_ok():
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2) as s:
            s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            return s.recv(64).startswith(b"HTTP/1.1 200")
    except OSError:
        return False

def start(db):
    env = dict(os.environ, DATABASE_URL="sqlite:" + db)
    t0 = time.monotonic()
    p = subprocess.Popen([maang, "serve"], env=env, stdout=subprocess.DEVNULL,
                         stderr=open(os.path.join(tmp, "startup.log"), "ab"))
    current[:] = [p]
    while not health_ok():
        if p.poll() is not None or time.monotonic() - t0 > 10:
            p.kill()
            sys.exit("run.sh: maang serve did not become ready")
        time.sleep(0.0005)
    return p, (time.monotonic() - t0) * 1000

def stop(p):
    p.terminate()
    p.wait(timeout=10)

# Stopped by run.sh's trap or Ctrl-C: take the server being measured along.
current = []
def on_signal(sig, frame):
    for p in current:
        p.kill()
    sys.exit(1)
signal.signal(signal.SIGTERM, on_signal)
signal.signal(signal.SIGINT, on_signal)

seeded = os.environ["DATABASE_URL"][len("sqlite:"):]
warm, fresh = [], []
for i in range(5):
    p, ms = start(os.path.join(tmp, "fresh%d.db" % i))
    fresh.append(ms)
    stop(p)
rss = None
for i in range(5):
    p, ms = start(seeded)
    warm.append(ms)
    if i == 4:
        time.sleep(1.0)
        rss = int(subprocess.check_output(["ps", "-o", "rss=", "-p", str(p.pid)]))
    stop(p)
print("ready_ms=%.1f ready_min_ms=%.1f ready_max_ms=%.1f fresh_ready_ms=%.1f idle_rss_kb=%d"
      % (statistics.median(warm), min(warm), max(warm), statistics.median(fresh), rss))
PY
. "$tmp/startup"
rm -f "$tmp"/fresh*.db*

# 3. Calibration: what SQLite alone commits on this machine (one-row
# transactions in WAL mode from python3's sqlite3 module, 1.5 s each). BRIEF §5
# quotes ~60,000/s (NORMAL) and ~5,700/s (FULL) on the reference machine.
log "SQLite calibration"
python3 - "$tmp" >"$tmp/calibration" <<'PY'
import os, sqlite3, sys, time
out = []
for sync in ("NORMAL", "FULL"):
    path = os.path.join(sys.argv[1], "calibration-%s.db" % sync)
    c = sqlite3.connect(path, isolation_level=None)
    c.execute("PRAGMA journal_mode=WAL")
    c.execute("PRAGMA synchronous=" + sync)
    c.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)")
    n, t0 = 0, time.monotonic()
    while time.monotonic() - t0 < 1.5:
        for _ in range(100):
            c.execute("BEGIN IMMEDIATE")
            c.execute("INSERT INTO t (v) VALUES (?)", ("x" * 100,))
            c.execute("COMMIT")
        n += 100
    out.append("sqlite_%s=%.0f" % (sync.lower(), n / (time.monotonic() - t0)))
    c.close()
print(" ".join(out))
PY
. "$tmp/calibration"
rm -f "$tmp"/calibration-*.db*

# 4. nginx serving a ~1 KB static JSON file, with its own config and prefix.
static_setup "$nginx_port"
static_run nginx_pid "$nginx_port" nginx

# 5. GET /api/v1/progress. The run mostly measures the cached summary; the
# uncached cost is measured after it: 20 times, log an attempt (which
# invalidates the cache) and time the GET /api/v1/progress that follows.
log "maang serve (DB_SYNCHRONOUS=NORMAL)"
start_server NORMAL
progress_bytes=$(progress_size "$port")
run_wrk progress progress.lua "$base"
uncached=$(uncached_progress "$port")
read -r uncached_ms uncached_max_ms <<<"$uncached"

# 6. POST /api/v1/attempts, NORMAL then FULL; after each, kill -9 the server,
# restart it and count what survived.
durability() { # durability NAME SYNC
	local before after
	before=$(attempt_total "$port")
	SLUGS=$slugs run_wrk "$1" attempts.lua "$base"
	stop_server KILL
	start_server "$2"
	after=$(attempt_total "$port")
	echo "$1 before=$before after=$after" >>"$tmp/durability"
}
slugs=$(catalog_slugs)
durability attempts_normal NORMAL
stop_server TERM
log "maang serve (DB_SYNCHRONOUS=FULL)"
start_server FULL
durability attempts_full FULL
rss_after_kb=$(ps -o rss= -p "$server_pid" | tr -d ' ')
stop_server TERM
loadavg_after=$(cut -d' ' -f1-3 /proc/loadavg)

# 7. Summary.
mkdir -p "$results"
report_head "Benchmark run" "server, nginx and wrk share the cores." >"$results/latest.md"
python3 - "$tmp" >>"$results/latest.md" <<PY
import re, sys, os
tmp = sys.argv[1]
fig = {}
for line in open(os.path.join(tmp, "figures")):
    name, *kv = line.split()
    fig[name] = {k: int(v) for k, v in (x.split("=") for x in kv)}
dur = {}
for line in open(os.path.join(tmp, "durability")):
    name, *kv = line.split()
    dur[name] = {k: int(v) for k, v in (x.split("=") for x in kv)}

def rps(f): return f["requests"] * 1e6 / f["duration_us"]
def ms(us): return "%.2f" % (us / 1000)

labels = [("nginx", "nginx static file (${static_bytes} B)"),
          ("progress", "GET /api/v1/progress (${progress_bytes} B)"),
          ("attempts_normal", "POST /api/v1/attempts, synchronous=NORMAL"),
          ("attempts_full", "POST /api/v1/attempts, synchronous=FULL")]
out = []
w = out.append
w("")
w("| target | req/s | p50 ms | p99 ms | max ms | non-2xx | socket errors |")
w("|---|---:|---:|---:|---:|---:|---:|")
for key, label in labels:
    f = fig[key]
    w("| %s | %.0f | %s | %s | %s | %d | %d |" % (label, rps(f), ms(f["p50_us"]),
      ms(f["p99_us"]), ms(f["max_us"]), f["non2xx"], f["socket_errors"]))
w("")
ratio = rps(fig["progress"]) / rps(fig["nginx"])
w("- progress / nginx: **%.0f%%** of nginx's req/s (target >= 50%%); progress p99 %s ms "
  "(target < 10 ms)." % (ratio * 100, ms(fig["progress"]["p99_us"])))
w("- Uncached GET /api/v1/progress (right after a POST, which invalidates the cached "
  "summary; computed from ~%d attempts): median ${uncached_ms} ms of 20, max ${uncached_max_ms} ms."
  % ${seed_n})
for key, sync in (("attempts_normal", "NORMAL"), ("attempts_full", "FULL")):
    f, d = fig[key], dur[key]
    grew = d["after"] - d["before"]
    w("- %s: wrk saw %d x 201; after kill -9 and restart the attempt count grew by %d "
      "(%d -> %d), %+d versus wrk (requests in flight when wrk stopped are committed "
      "but not counted by wrk)." % (sync, f["created"], grew, d["before"], d["after"],
                                    grew - f["created"]))
w("- SQLite alone on this machine (python3 sqlite3, one-row transactions, WAL): "
  "%s commits/s with NORMAL, %s with FULL (BRIEF §5 reference machine: ~60,000 and ~5,700)."
  % ("{:,}".format(${sqlite_normal}), "{:,}".format(${sqlite_full})))
w("- maang serve ready (spawn until /health answers) on the seeded database: "
  "median ${ready_ms} ms of 5 (min ${ready_min_ms}, max ${ready_max_ms}); first start on "
  "a fresh database (migrations + catalog load): median ${fresh_ready_ms} ms of 5.")
w("- Resident memory: %.1f MB idle after start (catalog loaded); %.1f MB after the write runs."
  % (${idle_rss_kb} / 1024, ${rss_after_kb} / 1024))
w("")
w("| BRIEF §5 target | measured | met |")
w("|---|---|---|")
def row(t, m, ok): w("| %s | %s | %s |" % (t, m, "yes" if ok else "**no**"))
row("progress >= 50% of nginx req/s", "%.0f%%" % (ratio * 100), ratio >= 0.5)
row("progress p99 < 10 ms at ${conns} connections", ms(fig["progress"]["p99_us"]) + " ms",
    fig["progress"]["p99_us"] < 10000)
row("POST attempts >= 10,000/s (NORMAL)", "%.0f/s" % rps(fig["attempts_normal"]),
    rps(fig["attempts_normal"]) >= 10000)
full_ok = dur["attempts_full"]["after"] - dur["attempts_full"]["before"] >= fig["attempts_full"]["created"]
norm_ok = dur["attempts_normal"]["after"] - dur["attempts_normal"]["before"] >= fig["attempts_normal"]["created"]
row("acknowledged writes survive kill -9", "NORMAL %s, FULL %s" % ("ok" if norm_ok else "LOST",
    "ok" if full_ok else "LOST"), norm_ok and full_ok)
w("| FULL figure reported beside it | %.0f/s | (reported) |" % rps(fig["attempts_full"]))
row("ready < 100 ms", "${ready_ms} ms", ${ready_ms} < 100)
row("idle RSS < 40 MB", "%.1f MB" % (${idle_rss_kb} / 1024), ${idle_rss_kb} < 40 * 1024)
w("")
print("\n".join(out))
PY
# The raw output, in the order of the table's rows.
report_raw nginx progress attempts_normal attempts_full >>"$results/latest.md"
cp "$results/latest.md" "$results/run-$(date -u +%Y%m%dT%H%M%SZ).md"
serve_errors "the server" "$tmp/serve.log"
show_report latest.md
