#!/usr/bin/env bash
# seed.sh: creates a benchmark user with N attempts through the real CLI.
#
#   bench/seed.sh DBURL EMAIL [N]      (N defaults to 10000)
#
# DBURL is a DATABASE_URL such as sqlite:/tmp/bench.db (a bare path is taken
# as sqlite:PATH). The user gets N attempts spread over the past ~2 years
# across the catalog's problems, with mixed outcomes, minutes, languages and
# confidence, written as CSV and loaded with `maang import`. The last line on
# standard output is the user's API token (mt_...), for use as a Bearer token;
# progress messages go to standard error.
#
# Environment: MAANG (binary, default build/maang), SECRET_KEY (a fixed
# benchmark key if unset), MAANG_PASSWORD (a fixed password if unset),
# SEED (random seed, default 42).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)

if [ $# -lt 2 ] || [ $# -gt 3 ]; then
	echo "usage: bench/seed.sh DBURL EMAIL [N]" >&2
	exit 2
fi
dburl=$1
email=$2
n=${3:-10000}
case "$dburl" in
sqlite:*) ;;
*://*)
	echo "seed.sh: only sqlite: URLs are supported so far" >&2
	exit 2
	;;
*) dburl="sqlite:$dburl" ;;
esac
case "$n" in
'' | *[!0-9]*)
	echo "seed.sh: N must be a non-negative integer" >&2
	exit 2
	;;
esac

maang=${MAANG:-$root/build/maang}
if [ ! -x "$maang" ]; then
	echo "seed.sh: no binary at $maang (build first, or set MAANG)" >&2
	exit 1
fi

export DATABASE_URL=$dburl
export SECRET_KEY=${SECRET_KEY:-bench-secret-key-0123456789abcdef0123456789}
export ENVIRONMENT=test
export LOG_LEVEL=warn
export MAANG_PASSWORD=${MAANG_PASSWORD:-bench-password-1234}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/maang-seed.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

"$maang" migrate >/dev/null
"$maang" user add "$email" --name "Bench User" >/dev/null

# The CSV: deterministic for a given SEED, so runs compare like with like.
python3 - "$root/data" "$n" "${SEED:-42}" >"$tmp/attempts.csv" <<'PY'
import csv, glob, json, os, random, sys, time

data_dir, n, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
slugs = []
for path in sorted(glob.glob(os.path.join(data_dir, "problems-*.json"))):
    with open(path, encoding="utf-8") as f:
        slugs += [p["slug"] for p in json.load(f)]
if not slugs:
    sys.exit("seed.sh: no problems found in " + data_dir)

rng = random.Random(seed)
now = int(time.time()) - 3600          # stay clear of the "in the future" check
span = 730 * 86400                     # ~2 years
languages = ["python", "cpp", "java", "go", "javascript", "rust"]
notes = ["", "", "", "two pointers", "off-by-one at first", "revisit: edge cases",
         "used a heap", "needed the hint", "clean on first try"]
# A practice history: a core of problems comes back often, the rest rarely.
core = rng.sample(slugs, min(len(slugs), 150))

w = csv.writer(sys.stdout, lineterminator="\n")
w.writerow(["problem", "outcome", "minutes", "language", "confidence", "notes", "at"])
for _ in range(n):
    slug = rng.choice(core) if rng.random() < 0.6 else rng.choice(slugs)
    r = rng.random()
    outcome = "solved" if r < 0.6 else ("solved_with_help" if r < 0.8 else "failed")
    minutes = rng.randint(5, 90) if rng.random() < 0.9 else ""
    confidence = rng.randint(1, 5) if rng.random() < 0.8 else ""
    at = now - int(span * rng.random() ** 1.3)   # denser towards the present
    w.writerow([slug, outcome, minutes, rng.choice(languages), confidence,
                rng.choice(notes), time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(at))])
PY

start=$(date +%s%N)
"$maang" import --user "$email" --format csv "$tmp/attempts.csv" >"$tmp/report.json"
ms=$((($(date +%s%N) - start) / 1000000))
python3 - "$tmp/report.json" "$ms" >&2 <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print("seed.sh: imported %s, duplicates %s, failed %s in %s ms"
      % (r.get("imported"), r.get("duplicates"), r.get("failed"), sys.argv[2]))
PY

"$maang" user token "$email" --name bench
