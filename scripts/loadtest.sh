#!/usr/bin/env bash
# Load test: the reference server (cors-actix, `examples/server.rs`) against
# the same routes behind actix-cors 0.7 (`cors-actix/examples/actix_cors_server.rs`),
# with wrk on 127.0.0.1 only, bounded in time, printing requests per second
# for an actual GET with `Origin` and for a preflight, for both servers in
# the same run. The servers are always stopped, however the script ends.
#
#   scripts/loadtest.sh
#   DURATION=5s CONNECTIONS=20 scripts/loadtest.sh
#
# Settings (environment): DURATION (10s per wrk run), ROUNDS (3), THREADS
# (2), CONNECTIONS (50), OURS_PORT (18080), THEIRS_PORT (18081), PIN (0: the
# scheduler places servers and wrk; 1 puts the servers on CPU 0 and wrk on
# CPU 1, where wrk's Lua script then limits the preflight runs).
#
# Each round runs wrk once per server and request, alternating the servers;
# the table gives each one's median requests/s over the rounds, and the
# lowest and highest.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10s}
ROUNDS=${ROUNDS:-3}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-50}
PIN=${PIN:-0}
OURS_PORT=${OURS_PORT:-18080}
THEIRS_PORT=${THEIRS_PORT:-18081}
HOST=127.0.0.1
ORIGIN=https://app.example.com

# The policy of the benchmarks, for both servers (both read these variables).
export CORS_ALLOWED_ORIGINS=$ORIGIN
export CORS_ALLOWED_METHODS="GET, POST, PUT"
export CORS_ALLOWED_HEADERS="content-type, x-requested-with"
export CORS_EXPOSE_HEADERS=x-request-id
export CORS_MAX_AGE=600
export RUST_LOG=${RUST_LOG:-info}

if ! command -v wrk >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq wrk >/dev/null
fi

pids=()
workdir=$(mktemp -d)
cleanup() {
  local pid
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$workdir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

for port in "$OURS_PORT" "$THEIRS_PORT"; do
  if curl -s -o /dev/null "http://$HOST:$port/"; then
    echo "port $port is already in use; set OURS_PORT / THEIRS_PORT" >&2
    exit 1
  fi
done

echo "building both servers (release)..."
cargo build --release --example server
cargo build --release -p cors-actix --example actix_cors_server

server_cpu=()
wrk_cpu=()
if [ "$PIN" = 1 ] && command -v taskset >/dev/null 2>&1 && [ "$(nproc)" -ge 2 ]; then
  server_cpu=(taskset -c 0)
  wrk_cpu=(taskset -c 1)
fi

# `cargo run` replaces itself with the server, so `$!` is the server's pid.
PORT=$OURS_PORT "${server_cpu[@]}" cargo run -q --release --example server \
  >"$workdir/ours.log" 2>&1 &
pids+=($!)
PORT=$THEIRS_PORT "${server_cpu[@]}" cargo run -q --release -p cors-actix \
  --example actix_cors_server >"$workdir/theirs.log" 2>&1 &
pids+=($!)

wait_ready() {
  local name=$1 port=$2 log=$3
  for _ in $(seq 1 120); do
    if curl -s -o /dev/null "http://$HOST:$port/health"; then
      return 0
    fi
    sleep 0.5
  done
  echo "$name did not start on port $port:" >&2
  cat "$log" >&2
  exit 1
}
wait_ready "cors-actix server" "$OURS_PORT" "$workdir/ours.log"
wait_ready "actix-cors server" "$THEIRS_PORT" "$workdir/theirs.log"

cat >"$workdir/preflight.lua" <<EOF
wrk.method = "OPTIONS"
wrk.headers["Origin"] = "$ORIGIN"
wrk.headers["Access-Control-Request-Method"] = "PUT"
wrk.headers["Access-Control-Request-Headers"] = "content-type,x-requested-with"
EOF

# Both servers must answer alike before they are compared.
check() {
  local name=$1 port=$2 headers
  headers=$(curl -s -D - -o /dev/null -H "Origin: $ORIGIN" "http://$HOST:$port/api/items")
  if ! grep -qi "^access-control-allow-origin: $ORIGIN" <<<"$headers"; then
    echo "$name: the actual GET got no Access-Control-Allow-Origin:" >&2
    echo "$headers" >&2
    exit 1
  fi
  headers=$(curl -s -D - -o /dev/null -X OPTIONS -H "Origin: $ORIGIN" \
    -H "Access-Control-Request-Method: PUT" \
    -H "Access-Control-Request-Headers: content-type,x-requested-with" \
    "http://$HOST:$port/api/items")
  if ! grep -qi "^access-control-allow-methods:" <<<"$headers"; then
    echo "$name: the preflight was not allowed:" >&2
    echo "$headers" >&2
    exit 1
  fi
}
check "cors-actix server" "$OURS_PORT"
check "actix-cors server" "$THEIRS_PORT"

# Runs wrk once; prints requests/s, and warns about errors or non-2xx answers.
run_wrk() {
  local label=$1 port=$2
  shift 2
  local out
  out=$(timeout 120 "${wrk_cpu[@]}" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" "$@" \
    "http://$HOST:$port/api/items")
  echo "$out" >"$workdir/$label.wrk"
  if grep -q "Non-2xx\|Socket errors" <<<"$out"; then
    echo "warning: $label: $(grep "Non-2xx\|Socket errors" <<<"$out" | tr -s ' ')" >&2
  fi
  awk '/^Requests\/sec:/ { print $2 }' <<<"$out"
}

pinning="not pinned"
[ ${#server_cpu[@]} -gt 0 ] && pinning="servers on CPU 0, wrk on CPU 1"
echo "wrk: $THREADS threads, $CONNECTIONS connections, $DURATION per run, $ROUNDS rounds," \
  "$(nproc) cores ($pinning)"
declare -A rps
for round in $(seq 1 "$ROUNDS"); do
  # Alternating, so drift in the machine's speed touches both servers alike.
  for kind in get preflight; do
    if [ "$kind" = get ]; then args=(-H "Origin: $ORIGIN"); else args=(-s "$workdir/preflight.lua"); fi
    if [ $((round % 2)) = 1 ]; then order=(ours theirs); else order=(theirs ours); fi
    for side in "${order[@]}"; do
      if [ "$side" = ours ]; then port=$OURS_PORT; else port=$THEIRS_PORT; fi
      value=$(run_wrk "$side-$kind-$round" "$port" "${args[@]}")
      rps[${side}_$kind]="${rps[${side}_$kind]:-} $value"
      echo "round $round: $side $kind: $value req/s"
    done
  done
done

# "median min max" of a list of numbers.
stats() {
  tr ' ' '\n' <<<"$1" | grep . | sort -g | awk '
    { v[NR] = $1 }
    END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
          printf "%.0f %.0f %.0f", m, v[1], v[NR] }'
}

echo
echo "| request | cors-actix (examples/server.rs) req/s, median (min–max) | actix-cors 0.7 req/s, median (min–max) | cors-actix ÷ actix-cors (medians) |"
echo "|---|---:|---:|---:|"
for kind in get preflight; do
  read -r ours ours_min ours_max <<<"$(stats "${rps[ours_$kind]}")"
  read -r theirs theirs_min theirs_max <<<"$(stats "${rps[theirs_$kind]}")"
  ratio=$(awk -v a="$ours" -v b="$theirs" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')
  case $kind in
    get) label="actual GET with Origin" ;;
    preflight) label="preflight (OPTIONS)" ;;
  esac
  echo "| $label | $ours ($ours_min–$ours_max) | $theirs ($theirs_min–$theirs_max) | $ratio |"
done
