#!/usr/bin/env bash
# Instructions per request for each scenario and stack of the middleware
# benchmark, counted by valgrind's callgrind: the same figures on every run
# of the same binary, whatever else the machine is doing, so the ratios of
# BENCHMARKS.md can be checked on a busy machine where timings drift.
#
#   scripts/instructions.sh
#
# For each scenario and stack it runs the bench binary under callgrind for
# one second of criterion's profiling loop and divides the inclusive cost of
# `complete` (one request through the service, response dropped) by the
# number of times the loop called it.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v valgrind >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq valgrind >/dev/null
fi

bench=$(cargo bench -p cors-actix --bench middleware --no-run --message-format=json 2>/dev/null |
  sed -n 's/.*"executable":"\([^"]*middleware[^"]*\)".*/\1/p' | tail -n 1)
[ -x "$bench" ] || { echo "could not build the middleware bench" >&2; exit 1; }

workdir=$(mktemp -d)
trap 'rm -rf "$workdir"' EXIT

per_request() {
  local out=$workdir/callgrind.out
  valgrind --tool=callgrind --callgrind-out-file="$out" \
    "$bench" --bench --profile-time 1 "middleware/$1/$2\$" >/dev/null 2>&1
  # The caller line of `complete` inside the timing loop: "<cost> (…) < …fold (<calls>x)".
  callgrind_annotate --tree=caller --inclusive=yes "$out" 2>/dev/null |
    grep -B3 -E '\*  \?\?\?:middleware::complete ' | grep '<.*Iterator>::fold' |
    sed -E 's/^ *([0-9,]+) .*\(([0-9,]+)x\).*/\1 \2/' | tr -d , |
    awk '{ printf "%d", $1 / $2 }'
}

echo "| scenario | none (Ir) | actix-cors (Ir) | cors-actix (Ir) | added, cors-actix ÷ actix-cors | whole, cors-actix ÷ none |"
echo "|---|---:|---:|---:|---:|---:|"
for scenario in preflight-allowed actual-allowed actual-disallowed no-origin preflight-rejected; do
  none=$(per_request "$scenario" none)
  theirs=$(per_request "$scenario" actix-cors)
  ours=$(per_request "$scenario" cors-actix)
  awk -v s="$scenario" -v n="$none" -v t="$theirs" -v o="$ours" 'BEGIN {
    added = (t - n > 0) ? sprintf("%.2f", (o - n) / (t - n)) : "n/a";
    printf "| %s | %d | %d | %d | %s | %.2f |\n", s, n, t, o, added, o / n }'
done
