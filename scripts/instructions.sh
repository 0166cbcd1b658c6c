#!/usr/bin/env bash
# Instructions per request for each scenario and stack of the middleware
# benchmark, counted by valgrind's callgrind: the same figures on every run
# of the same binary, whatever else the machine is doing, so the ratios of
# BENCHMARKS.md can be checked on a busy machine where timings drift.
#
#   scripts/instructions.sh              # the table of BENCHMARKS.md
#   scripts/instructions.sh --profile    # and, per scenario, where the
#                                        # instructions cors-actix adds go
#   SCENARIOS="actual-allowed no-origin" scripts/instructions.sh --profile
#
# For each scenario and stack it runs the bench binary under callgrind for
# one second of criterion's profiling loop, collecting only inside
# `one_request` (one request through the service, response dropped; see
# `cors-actix/benches/middleware.rs`), and divides what was collected by the
# number of times the loop called it.
#
# `--profile` adds, per scenario, three tables from `callgrind_annotate`
# (inclusive and exclusive, debug symbols on): the inclusive cost per
# request of the request path's pieces (cors-actix stack; "added" rows are
# cors-actix − none), the added self cost (cors-actix − none) grouped by
# what the code does, and the functions whose self cost grew most.
#
# It ends with the engine's `Policy::decide` per call, with 1 and 10,000
# exact origins (cors-core's engine bench, same method).
#
# The benches are built with debug symbols (`CARGO_PROFILE_BENCH_DEBUG=true`) in
# both modes, so both read the same binary; symbols do not change the code.
set -euo pipefail
cd "$(dirname "$0")/.."

profile=false
[ "${1:-}" = "--profile" ] && profile=true
scenarios=${SCENARIOS:-preflight-allowed actual-allowed actual-disallowed no-origin preflight-rejected}

if ! command -v valgrind >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq valgrind >/dev/null
fi

bench=$(CARGO_PROFILE_BENCH_DEBUG=true cargo bench -p cors-actix --bench middleware --no-run --message-format=json 2>/dev/null |
  sed -n 's/.*"executable":"\([^"]*middleware[^"]*\)".*/\1/p' | tail -n 1)
[ -x "$bench" ] || { echo "could not build the middleware bench" >&2; exit 1; }

workdir=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$workdir"' EXIT

cat >"$workdir/profile.py" <<'PY'
"""Reads callgrind output files: instructions per request, and the profile."""
import re
import subprocess
import sys
from collections import defaultdict

LINE = re.compile(r'^\s*([0-9,]+) \([ 0-9.]+%\)\s+(<|\*)?\s*(.*?)(?: \(([0-9,]+)x\))?(?: \[[^\]]*\])?\s*$')
ANNOTATE = ['callgrind_annotate', '--threshold=100', '--auto=no']


def number(text):
    return int(text.replace(',', ''))


def parse(path):
    """Inclusive cost, calls and self cost per function, divided by the
    calls of `one_request`. Inlining spreads a function over fragments, one
    per source file: self costs and calls are summed over them; the
    inclusive cost is the largest fragment's (the function's own file,
    which includes the others)."""
    tree = subprocess.run(ANNOTATE + ['--tree=caller', '--inclusive=yes', path],
                          capture_output=True, text=True, check=True).stdout
    incl, calls, callers = defaultdict(int), defaultdict(int), []
    for line in tree.splitlines():
        m = LINE.match(line)
        if not m:
            callers = []
            continue
        cost, mark, name, n = m.groups()
        func = name.split(':', 1)[1] if ':' in name else name
        if mark == '<':
            callers.append(number(n) if n else 0)
        elif mark == '*':
            # A function's first fragment (its own source file) holds its
            # whole inclusive cost; the others repeat their share of it.
            incl[func] = max(incl[func], number(cost))
            calls[func] += sum(callers)
            callers = []
    flat = subprocess.run(ANNOTATE + ['--inclusive=no', path],
                          capture_output=True, text=True, check=True).stdout
    excl, fragments = defaultdict(int), defaultdict(int)
    for line in flat.splitlines():
        m = LINE.match(line)
        if m and not m.group(2) and ':' in m.group(3) and 'PROGRAM TOTALS' not in line:
            file, func = m.group(3).split(':', 1)
            excl[func] += number(m.group(1))
            fragments[(file, func)] += number(m.group(1))
    n = max(c for f, c in calls.items() if f.endswith('middleware::one_request'))
    per = lambda d: {k: v / n for k, v in d.items()}
    return dict(incl=per(incl), calls=per(calls), excl=per(excl),
                fragments=per(fragments), total=sum(excl.values()) / n)


# What the added self cost is spent on. First match wins, on each self-cost
# fragment's "file:function" (inlined code keeps its own source file).
GROUPS = [
    ('ownership lookup (`annotated_path`: `RwLock` read, resource map)', r'annotated_path|RwLock|rwlock|ResourceMap|match_name'),
    ('level checks (`tracing`/`log`)', r'tracing|/log-0|log::|dispatcher|debug_enabled|warn_enabled|worth_logging'),
    ('same-origin check (`is_same_origin`, `connection_info`)', r'is_same_origin|connection_info|ConnectionInfo'),
    ('decision (`Policy::decide`, all of cors-core)', r'cors-core/|cors_core::'),
    ('extension maps (`Extensions`)', r'extensions\.rs|Extensions'),
    ('allocator (`malloc`/`free`)', r'malloc|free|__rdl_|__rust_alloc|__rust_dealloc|realloc'),
    ('`memcpy`/`memmove`/`memset` (moving requests, responses, futures)', r'memcpy|memmove|memset|memcmp'),
    ('`RequestSnapshot` (`Method`, `Origin`, path clones and drops)', r'RequestSnapshot|http::uri|uri/|Uri'),
    ('`HeaderMap` and hashing (`hashbrown`, `SmallVec`, `Bytes`, names/values)', r'header/map\.rs|HeaderMap|smallvec|SmallVec|header/name\.rs|header/value\.rs|hashbrown|foldhash|bytes'),
    ('cors-actix\'s own code (service, future, writing headers)', r'cors-actix/src|cors_actix::'),
]

# The request path's pieces that do not include the inner service.
PIECES = [
    ('`RequestSnapshot::new`', r'RequestSnapshot::new$'),
    ('`WorkerOwner::load`', r'WorkerOwner::load$'),
    ('`ownership::annotated_path`', r'ownership::annotated_path$'),
    ('`request::is_same_origin`', r'request::is_same_origin$'),
    ('`request::cors_request`', r'request::cors_request$'),
    ('`Policy::decide`', r'Policy>::decide(_with)?$'),
    ('`Owner::log`', r'Owner::log$'),
    ('`diagnostics::worth_logging`', r'diagnostics::worth_logging$'),
    ('`Owner::answer_preflight` (decide, log, build the response)', r'Owner::answer_preflight$'),
    ('`response::preflight_response`', r'response::preflight_response$'),
    ('`Owner::decorate`', r'Owner::decorate$'),
    ('`response::apply_with_origin`', r'response::apply_with_origin$'),
    ('`response::write_fresh`', r'response::write_fresh$'),
    ('`response::merge_vary`', r'response::merge_vary$'),
    ('`HeaderMap::insert` (added)', r'actix_http::header::map::HeaderMap::insert$'),
    ('`HeaderMap::append` (added)', r'actix_http::header::map::HeaderMap::append$'),
    ('`HeaderMap::remove` (added)', r'actix_http::header::map::HeaderMap::remove$'),
    ('`Extensions::insert` (added)', r'actix_http::extensions::Extensions::insert'),
    ('`malloc` + `free` (added)', r'^(malloc|free)$'),
]


def fmt(x):
    return f'{x:,.0f}'.replace('-', '−') if abs(x) >= 0.5 else '0'


def short(func):
    while re.search(r'<[^<>]*>', func):
        func = re.sub(r'<[^<>]*>', '', func)
    return func[:100]


def total(path):
    print(round(parse(path)['total']))


def decide(path):
    """Inclusive instructions per `Policy::decide` call (engine bench)."""
    tree = subprocess.run(ANNOTATE + ['--tree=caller', '--inclusive=yes', path],
                          capture_output=True, text=True, check=True).stdout
    cost, calls, callers = 0, 0, []
    for line in tree.splitlines():
        m = LINE.match(line)
        if not m:
            callers = []
            continue
        c, mark, name, n = m.groups()
        if mark == '<':
            callers.append(number(n) if n else 0)
        elif mark == '*':
            # `decide` is inlined into `decide_with` (the async-check variant).
            if name.endswith(('Policy>::decide', 'Policy>::decide_with')) and number(c) > cost:
                cost, calls = number(c), sum(callers)
            callers = []
    print(f'{cost / calls:.1f}')


def profile(scenario, none_path, ours_path, top=12):
    none, ours = parse(none_path), parse(ours_path)
    print(f"\n#### {scenario}: {fmt(ours['total'])} − {fmt(none['total'])} = "
          f"**{fmt(ours['total'] - none['total'])}** instructions added per request\n")
    print('| piece (inclusive, cors-actix stack) | calls/request | Ir/request |')
    print('|---|---:|---:|')
    for label, pat in PIECES:
        def sum_of(d, key):
            return sum(v for f, v in d[key].items() if re.search(pat, f))
        added = '(added)' in label
        inc = sum_of(ours, 'incl') - (sum_of(none, 'incl') if added else 0)
        c = sum_of(ours, 'calls') - (sum_of(none, 'calls') if added else 0)
        if abs(inc) >= 0.5 or abs(c) >= 0.01:
            print(f'| {label} | {c:.2f} | {fmt(inc)} |')
    groups = defaultdict(float)
    for sign, d in ((1, ours), (-1, none)):
        for (file, func), v in d['fragments'].items():
            key = file + ':' + func
            name = next((g for g, pat in GROUPS if re.search(pat, key)),
                        'other (actix-web, routing, handler, drops)')
            groups[name] += sign * v
    print('\n| added self cost (cors-actix − none), by what it does | Ir/request |')
    print('|---|---:|')
    for name, v in sorted(groups.items(), key=lambda kv: -abs(kv[1])):
        if abs(v) >= 0.5:
            print(f'| {name} | {fmt(v)} |')
    print(f'| **total** | **{fmt(sum(groups.values()))}** |')
    diff = defaultdict(float)
    for sign, d in ((1, ours), (-1, none)):
        for f, v in d['excl'].items():
            diff[short(f)] += sign * v
    print(f'\n| the {top} functions whose self cost changed most (cors-actix − none) | Ir/request |')
    print('|---|---:|')
    for f, v in sorted(diff.items(), key=lambda kv: -abs(kv[1]))[:top]:
        print(f'| `{f}` | {fmt(v)} |')


if __name__ == '__main__':
    {'total': total, 'profile': profile, 'decide': decide}[sys.argv[1]](*sys.argv[2:])
PY

# Runs one scenario on one stack under callgrind; prints the output file.
record() {
  local out=$workdir/$1.$2.out
  valgrind --tool=callgrind --callgrind-out-file="$out" \
    --toggle-collect='middleware::one_request*' \
    "$bench" --bench --profile-time 1 "middleware/$1/$2\$" >/dev/null 2>&1
  echo "$out"
}

per_request() {
  python3 "$workdir/profile.py" total "$1"
}

table=$workdir/table.md
profiles=$workdir/profiles.md
: >"$profiles"
{
  echo "| scenario | none (Ir) | actix-cors (Ir) | cors-actix (Ir) | added, cors-actix ÷ actix-cors | whole, cors-actix ÷ none |"
  echo "|---|---:|---:|---:|---:|---:|"
} >"$table"
for scenario in $scenarios; do
  none_out=$(record "$scenario" none)
  theirs_out=$(record "$scenario" actix-cors)
  ours_out=$(record "$scenario" cors-actix)
  none=$(per_request "$none_out")
  theirs=$(per_request "$theirs_out")
  ours=$(per_request "$ours_out")
  awk -v s="$scenario" -v n="$none" -v t="$theirs" -v o="$ours" 'BEGIN {
    added = (t - n > 0) ? sprintf("%.2f", (o - n) / (t - n)) : "n/a";
    printf "| %s | %d | %d | %d | %s | %.2f |\n", s, n, t, o, added, o / n }' >>"$table"
  if $profile; then
    python3 "$workdir/profile.py" profile "$scenario" "$none_out" "$ours_out" >>"$profiles"
  fi
done
cat "$table"

# Variants of cors-actix against the plain one, in the scenario showing each
# one's cost (skipped when SCENARIOS is set).
if [ -z "${SCENARIOS:-}" ]; then
  echo
  echo "| variant | scenario | cors-actix (Ir) | variant (Ir) | variant − cors-actix |"
  echo "|---|---|---:|---:|---:|"
  for row in "cors-actix-handler preflight-allowed preflight-allowed" \
             "cors-actix-handler actual-allowed actual-allowed" \
             "cors-actix-handler no-origin no-origin" \
             "cors-actix-protected post-allowed post-allowed" \
             "cors-actix-checked actual-allowed actual-checked"; do
    set -- $row
    base=$(per_request "$(record "$2" cors-actix)")
    variant=$(per_request "$(record "$3" "$1")")
    awk -v v="$1" -v s="$3" -v b="$base" -v x="$variant" 'BEGIN {
      printf "| %s | %s | %d | %d | %+d |\n", v, s, b, x, x - b }'
  done
fi

# The floor: what an identity middleware with the same response type
# (`passthrough`, see the bench's stacks) adds to the bare stack in the
# scenarios whose requests it passes through (skipped when SCENARIOS is set).
if [ -z "${SCENARIOS:-}" ]; then
  echo
  echo "| floor: identity middleware | scenario | none (Ir) | passthrough (Ir) | added |"
  echo "|---|---|---:|---:|---:|"
  for scenario in actual-allowed actual-disallowed no-origin; do
    base=$(per_request "$(record "$scenario" none)")
    floor=$(per_request "$(record "$scenario" passthrough)")
    awk -v s="$scenario" -v b="$base" -v x="$floor" 'BEGIN {
      printf "| passthrough | %s | %d | %d | %+d |\n", s, b, x, x - b }'
  done
fi

# The engine alone: `Policy::decide` with 1 and 10,000 exact origins (the
# goal "10,000 origins <= 1.10 x one"), per call, inclusive.
engine=$(CARGO_PROFILE_BENCH_DEBUG=true cargo bench -p cors-core --bench engine --no-run --message-format=json 2>/dev/null |
  sed -n 's/.*"executable":"\([^"]*engine[^"]*\)".*/\1/p' | tail -n 1)
if [ -x "$engine" ]; then
  echo
  echo "| \`Policy::decide\`, actual GET | 1 exact origin (Ir) | 10,000 exact origins (Ir) | 10,000 ÷ 1 |"
  echo "|---|---:|---:|---:|"
  for case in "" -miss; do
    for size in 1 10000; do
      out=$workdir/engine.$size$case.out
      valgrind --tool=callgrind --callgrind-out-file="$out" \
        "$engine" --bench --profile-time 1 "engine/policy-size/exact-$size$case\$" >/dev/null 2>&1
    done
    one=$(python3 "$workdir/profile.py" decide "$workdir/engine.1$case.out")
    many=$(python3 "$workdir/profile.py" decide "$workdir/engine.10000$case.out")
    awk -v c="${case:-hit}" -v o="$one" -v m="$many" 'BEGIN {
      printf "| %s | %.1f | %.1f | %.2f |\n", (c == "-miss" ? "miss" : c), o, m, m / o }'
  done
fi
$profile && cat "$profiles"
exit 0
