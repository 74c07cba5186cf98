#!/bin/bash
# Starts or stops a throwaway PostgreSQL 15 cluster for tests: never the
# system's service. PostgreSQL refuses to run as root, so as root the
# cluster belongs to the postgres user.
#
#   scripts/pg-test.sh start DIR [PORT]  initdb (trust auth on loopback) + start;
#                                        without PORT a free one from 55432 up;
#                                        the port is written to DIR/port
#   scripts/pg-test.sh stop DIR          fast shutdown
#   scripts/pg-test.sh resume DIR        starts a stopped cluster again, same port
set -eu
bin=$(ls -d /usr/lib/postgresql/15/bin 2>/dev/null || true)
[ -n "$bin" ] || { echo "pg-test: PostgreSQL 15 is not installed (postgresql-15)" >&2; exit 1; }
as_pg() {
	if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case "${1:-}" in
start)
	dir=$2 port=${3:-}
	# A cluster left over by an interrupted run is stopped and replaced.
	[ -d "$dir/data" ] && as_pg "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
	rm -rf "$dir"
	mkdir -p "$dir"
	if [ -z "$port" ]; then
		port=55432
		while (: <"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
	fi
	[ "$(id -u)" = 0 ] && chown postgres "$dir"
	as_pg "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-sync >"$dir/initdb.log" 2>&1 ||
		{ cat "$dir/initdb.log" >&2; exit 1; }
	as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
		-o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c max_connections=300" \
		start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
	echo "$port" >"$dir/port"
	;;
resume)
	dir=$2 port=$(cat "$2/port")
	as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
		-o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c max_connections=300" \
		start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
	;;
stop)
	dir=$2
	as_pg "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
	;;
*)
	echo "usage: $0 start DIR [PORT] | stop DIR | resume DIR" >&2
	exit 2
	;;
esac
