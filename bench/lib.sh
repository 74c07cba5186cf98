# shellcheck shell=bash
# lib.sh: what bench/run.sh and bench/run-scaleout.sh share; sourced by both,
# it only defines functions.
#
# The sourcing script sets `here` (this directory) and `prog` (its own name,
# the prefix of every message) before sourcing, calls bench_knobs for the
# settings both read from the environment, and sets `tmp` (the run's temporary
# directory) before using anything that writes there.
# shellcheck disable=SC2154 # here, prog, tmp, t_start, loadavg_*: set by the sourcing script

# bench_knobs: the environment knobs both scripts take (MAANG, DURATION,
# THREADS, CONNECTIONS, ATTEMPTS), and where the reports go. No probe runs
# around wrk until the script sets one (see run_wrk).
bench_knobs() {
	wrk_probe=
	root=$(cd "$here/.." && pwd)
	maang=${MAANG:-$root/build/maang}
	duration=${DURATION:-10}
	threads=${THREADS:-2}
	conns=${CONNECTIONS:-64}
	seed_n=${ATTEMPTS:-10000}
	# shellcheck disable=SC2034 # used by the sourcing script
	results=$here/results
}

# require_tools HINT TOOL...: exits unless every TOOL is installed; HINT ends
# the message.
require_tools() {
	local hint=$1 tool
	shift
	for tool in "$@"; do
		if ! command -v "$tool" >/dev/null; then
			echo "$prog: '$tool' is missing$hint" >&2
			exit 1
		fi
	done
}

# require_binary: exits unless $maang is an executable.
require_binary() {
	if [ ! -x "$maang" ]; then
		echo "$prog: no binary at $maang; build first (make build) or set MAANG" >&2
		exit 1
	fi
}

# require_free_ports HINT PORT...: exits if something listens on one of the
# PORTs on 127.0.0.1; HINT ends the message.
require_free_ports() {
	local hint=$1 p
	shift
	for p in "$@"; do
		if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$prog: port $p on 127.0.0.1 is already in use$hint" >&2
			exit 1
		fi
	done
}

# use_binary_copy: the whole run uses one copy of the binary, in $tmp, even if
# build/ is rebuilt meanwhile; maang_src keeps the original's path.
use_binary_copy() {
	maang_src=$maang
	cp "$maang_src" "$tmp/maang"
	maang=$tmp/maang
}

stop_pid() { # stop_pid PID SIGNAL: signal one process we started and reap it
	[ -n "$1" ] || return 0
	kill "-$2" "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

# bench_env: the environment every `maang serve` of a run shares, and the
# seeded user's email.
bench_env() {
	export SECRET_KEY=bench-secret-key-0123456789abcdef0123456789
	export ENVIRONMENT=test
	export LOG_LEVEL=warn
	export MAANG_PASSWORD=bench-password-1234
	export BIND_ADDRESS=127.0.0.1
	email=bench@example.com
}

# log MESSAGE...: to stderr, with the seconds since t_start.
log() { printf '[%5.1fs] %s\n' "$(($(date +%s%N) - t_start))e-9" "$*" >&2; }

# wait_http URL SECONDS: polls until URL answers 200.
wait_http() {
	local deadline=$(($(date +%s) + $2))
	until curl -sf -o /dev/null "$1"; do
		if [ "$(date +%s)" -ge "$deadline" ]; then
			echo "$prog: $1 did not answer within $2 s" >&2
			return 1
		fi
		sleep 0.02
	done
}

# seed_user DBURL: creates $email with $seed_n attempts in DBURL through the
# real CLI (seed.sh) and exports its API token as TOKEN.
seed_user() {
	TOKEN=$(MAANG=$maang "$here/seed.sh" "$1" "$email" "$seed_n" 2>"$tmp/seed.log" |
		tail -n 1)
	export TOKEN
	sed 's/^/    /' "$tmp/seed.log" >&2
	case "$TOKEN" in
	mt_*) ;;
	*)
		echo "$prog: seeding did not print a token" >&2
		exit 1
		;;
	esac
}

# catalog_slugs: every problem slug of the catalog, comma-separated (SLUGS for
# attempts.lua).
catalog_slugs() {
	python3 -c 'import glob, json, sys
print(",".join(p["slug"] for f in sorted(glob.glob(sys.argv[1] + "/problems-*.json"))
               for p in json.load(open(f))))' "$root/data"
}

# attempt_total PORT: the seeded user's attempt count, from the API.
attempt_total() {
	curl -sf -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$1/api/v1/attempts?limit=1" |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])'
}

# progress_size PORT: the size of the progress answer, in bytes.
progress_size() {
	curl -sf -o /dev/null -w '%{size_download}' -H "Authorization: Bearer $TOKEN" \
		"http://127.0.0.1:$1/api/v1/progress"
}

# uncached_progress PORT: 20 times, log an attempt (which invalidates the
# cached summary) and time the GET /api/v1/progress that follows; prints
# "MEDIAN_MS MAX_MS".
uncached_progress() {
	python3 - "$1" "$prog" <<'PY'
import http.client, os, statistics, sys, time
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=10)
auth = {"Authorization": "Bearer " + os.environ["TOKEN"]}
post = dict(auth, **{"Content-Type": "application/json"})
times = []
for i in range(20):
    c.request("POST", "/api/v1/attempts", '{"problem":"two-sum","outcome":"solved"}', post)
    r = c.getresponse(); r.read()
    if r.status != 201:
        sys.exit("%s: POST /api/v1/attempts answered %d" % (sys.argv[2], r.status))
    t0 = time.monotonic()
    c.request("GET", "/api/v1/progress", headers=auth)
    r = c.getresponse(); r.read()
    times.append((time.monotonic() - t0) * 1000)
print("%.2f %.2f" % (statistics.median(times), max(times)))
PY
}

# run_wrk NAME SCRIPT URL: one wrk run; its raw output is kept for the report
# ($tmp/wrk-NAME.txt) and its figures (check.lua's "bench:" line) go to
# $tmp/figures. When the script sets wrk_probe to a command, the line
# "NAME PROBE-BEFORE PROBE-AFTER WRK-USER-S WRK-SYS-S" also goes to $tmp/cpu,
# the probe's output taken right before and right after wrk.
run_wrk() {
	local before='' after='' TIMEFORMAT='%U %S'
	log "wrk: $1 (${threads} threads, ${conns} connections, ${duration} s)"
	if [ -n "$wrk_probe" ]; then before=$("$wrk_probe"); fi
	{ time timeout $((duration + 30)) wrk -t"$threads" -c"$conns" -d"${duration}s" --latency \
		-s "$here/$2" "$3" >"$tmp/wrk-$1.txt" 2>&1; } 2>"$tmp/wrk-cpu-$1" || {
		cat "$tmp/wrk-$1.txt" >&2
		echo "$prog: wrk failed for $1" >&2
		exit 1
	}
	if [ -n "$wrk_probe" ]; then
		after=$("$wrk_probe")
		echo "$1 $before $after $(cat "$tmp/wrk-cpu-$1")" >>"$tmp/cpu"
	fi
	grep '^bench:' "$tmp/wrk-$1.txt" | sed "s/^bench:/$1/" >>"$tmp/figures"
	grep -E 'status counts|non-2xx|WARNING' "$tmp/wrk-$1.txt" | sed 's/^/    /' >&2
}

# static_setup PORT: the yardstick, nginx serving a ~1 KB static JSON file on
# 127.0.0.1:PORT, with its own config and prefix in $tmp/nginx; sets
# static_bytes to the file's size.
static_setup() {
	local listen=$1
	mkdir -p "$tmp/nginx/www" "$tmp/nginx/temp"
	# When run as root, nginx workers drop to an unprivileged user: let them
	# traverse the temporary directory and read the document root.
	chmod 711 "$tmp" "$tmp/nginx"
	python3 - >"$tmp/nginx/www/static.json" <<'PY'
import json
doc = {"solved": {"total": 142, "easy": 51, "medium": 74, "hard": 17},
       "streak": {"current": 12, "longest": 31},
       "topics": [{"topic": t, "solved": i * 3 % 17, "total": 20 + i}
                  for i, t in enumerate(["arrays-hashing", "two-pointers", "stack",
                                         "sliding-window", "binary-search", "linked-list",
                                         "trees", "tries", "heap-priority-queue",
                                         "backtracking", "graphs"])]}
s = json.dumps(doc, separators=(",", ":"))
print(s + " " * max(0, 1023 - len(s)))
PY
	chmod -R a+rX "$tmp/nginx/www"
	cat >"$tmp/nginx/nginx.conf" <<EOF
worker_processes auto;
daemon off;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    default_type application/json;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    client_body_temp_path $tmp/nginx/temp/body;
    proxy_temp_path $tmp/nginx/temp/proxy;
    fastcgi_temp_path $tmp/nginx/temp/fastcgi;
    uwsgi_temp_path $tmp/nginx/temp/uwsgi;
    scgi_temp_path $tmp/nginx/temp/scgi;
    server {
        listen 127.0.0.1:$listen;
        root $tmp/nginx/www;
        location / { }
    }
}
EOF
	# shellcheck disable=SC2034 # used by the sourcing script
	static_bytes=$(stat -c %s "$tmp/nginx/www/static.json")
}

# static_run VAR PORT NAME: starts the nginx of static_setup (its PID in VAR
# while it runs, for the script's cleanup), measures it with wrk as NAME and
# stops it.
static_run() {
	local pid_var=$1 listen=$2
	nginx -e "$tmp/nginx/error.log" -c "$tmp/nginx/nginx.conf" -p "$tmp/nginx" &
	printf -v "$pid_var" %s $!
	wait_http "http://127.0.0.1:$listen/static.json" 10 || {
		cat "$tmp/nginx/error.log" >&2
		exit 1
	}
	run_wrk "$3" static.lua "http://127.0.0.1:$listen/static.json"
	stop_pid "${!pid_var}" QUIT
	printf -v "$pid_var" %s ''
}

# report_head TITLE SHARES: the report's first lines: title and date, the
# machine (with loadavg_before and loadavg_after), wrk's settings (SHARES ends
# that line) and the binary measured. The command substitutions are arguments
# of printf, so that none of them can stop the script (set -e).
report_head() {
	printf '# %s, %s\n\n' "$1" "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	printf 'Machine: %s cores, %s, %s RAM, Linux %s. Load average before/after: %s / %s.\n' \
		"$(nproc)" "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')" \
		"$(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo)" "$(uname -r)" \
		"$loadavg_before" "$loadavg_after"
	printf 'wrk: %s threads, %s connections, %s s per target, loopback; %s\n' \
		"$threads" "$conns" "$duration" "$2"
	printf 'Binary: %s (%s, built %s); repository at %s%s.\n' "$maang_src" \
		"$("$maang" version 2>/dev/null | head -n1)" \
		"$(date -u -r "$maang_src" +%Y-%m-%dT%H:%M:%SZ)" \
		"$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)" \
		"$(git -C "$root" diff --quiet HEAD -- src 2>/dev/null || echo ' (src/ has uncommitted changes)')"
}

# report_raw NAME...: the report's last lines: the raw output of these wrk
# runs, folded away.
report_raw() {
	python3 - "$tmp" "$@" <<'PY'
import os, sys
tmp, keys = sys.argv[1], sys.argv[2:]
out = ["<details><summary>raw wrk output</summary>", ""]
for key in keys:
    out += ["### " + key, "", "```",
            open(os.path.join(tmp, "wrk-%s.txt" % key)).read().rstrip(), "```", ""]
out.append("</details>")
print("\n".join(out))
PY
}

# serve_errors WHO LOG...: if the server logs report errors, says so (WHO:
# "the server", "the servers") with their first five such lines.
serve_errors() {
	local who=$1
	shift
	if grep -qiE 'error|fatal|crit' "$@" 2>/dev/null; then
		echo "$prog: $who logged errors:" >&2
		grep -hiE 'error|fatal|crit' "$@" | head -n 5 >&2
	fi
}

# show_report FILE: prints bench/results/FILE without the raw wrk output.
show_report() {
	sed '/^<details>/,$d' "$results/$1"
	log "done; full report in bench/results/$1"
}
