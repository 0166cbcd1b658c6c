#!/usr/bin/env bash
# Hostile traffic against the reference server (`examples/server.rs`), to
# measure what refusals cost in log volume: wrk on 127.0.0.1 only, bounded in
# time, sends refused CORS requests (an origin that changes with every
# request, `Origin: null`, an 8 KiB header, 64 KiB of commas in
# `Access-Control-Request-Headers`, methods the policy refuses) for ROUNDS
# runs of DURATION, then reports requests/s, the `cors_actix` lines and bytes
# the server logged (at the default `info` level), its RSS before and after,
# and whether `/health` still answers. The server is always stopped, however
# the script ends. It installs nothing.
#
#   scripts/hostile-load.sh
#   DURATION=5s ROUNDS=1 scripts/hostile-load.sh
#
# Settings (environment): DURATION (20s per wrk run), ROUNDS (2), THREADS
# (2), CONNECTIONS (50), PORT (18090), KEEP_LOG (unset: the server's log is
# deleted; a path: it is copied there).
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-20s}
ROUNDS=${ROUNDS:-2}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-50}
PORT=${PORT:-18090}
HOST=127.0.0.1
export RUST_LOG=${RUST_LOG:-info}

if ! command -v wrk >/dev/null 2>&1; then
  echo "wrk is not installed; install it with: apt-get install -y wrk" >&2
  exit 1
fi
if curl -s -o /dev/null "http://$HOST:$PORT/"; then
  echo "port $PORT is already in use; set PORT" >&2
  exit 1
fi

pid=
workdir=$(mktemp -d)
cleanup() {
  if [ -n "$pid" ]; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  if [ -n "${KEEP_LOG:-}" ] && [ -f "$workdir/server.log" ]; then
    cp "$workdir/server.log" "$KEEP_LOG"
  fi
  rm -rf "$workdir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "building the server (release)..."
cargo build -q --release --example server

# `cargo run` replaces itself with the server, so `$!` is the server's pid.
PORT=$PORT cargo run -q --release --example server >"$workdir/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 120); do
  if curl -s -o /dev/null "http://$HOST:$PORT/health"; then
    break
  fi
  sleep 0.5
done
if ! curl -s -o /dev/null "http://$HOST:$PORT/health"; then
  echo "the server did not start on port $PORT:" >&2
  cat "$workdir/server.log" >&2
  exit 1
fi

rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status"; }
cors_lines() { grep -c 'cors_actix' "$workdir/server.log" || true; }
log_bytes() { stat -c %s "$workdir/server.log"; }

# Five kinds of hostile request, in turn; the origin changes every request.
cat >"$workdir/hostile.lua" <<'EOF'
local counter = 0
local big = string.rep("a", 8192)
local commas = string.rep(",", 65536)
local methods = { "DELETE", "PATCH", "PROPFIND", "TRACE" }
request = function()
  counter = counter + 1
  local kind = counter % 5
  local origin = "https://" .. counter .. ".evil.example"
  local h = {}
  if kind == 0 then
    h["Origin"] = origin
    return wrk.format("GET", "/api/items", h)
  elseif kind == 1 then
    h["Origin"] = "null"
    return wrk.format("GET", "/api/items", h)
  elseif kind == 2 then
    h["Origin"] = origin
    h["X-Padding"] = big
    return wrk.format("GET", "/api/items", h)
  elseif kind == 3 then
    h["Origin"] = origin
    h["Access-Control-Request-Method"] = "PUT"
    h["Access-Control-Request-Headers"] = commas
    return wrk.format("OPTIONS", "/api/items", h)
  else
    h["Origin"] = "http://localhost:5173"
    h["Access-Control-Request-Method"] = methods[(counter % 4) + 1]
    return wrk.format("OPTIONS", "/api/items", h)
  end
end
EOF

rss_before=$(rss_kib)
lines_before=$(cors_lines)
bytes_before=$(log_bytes)
echo "wrk: $THREADS threads, $CONNECTIONS connections, $ROUNDS x $DURATION, $(nproc) cores"
total_requests=0
for round in $(seq 1 "$ROUNDS"); do
  out=$(timeout 300 wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" -s "$workdir/hostile.lua" \
    "http://$HOST:$PORT/api/items")
  rps=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
  requests=$(awk '/requests in/ { print $1 }' <<<"$out")
  total_requests=$((total_requests + requests))
  errors=$(grep "Socket errors" <<<"$out" | tr -s ' ' || true)
  echo "round $round: $rps req/s ($requests requests), server RSS $(rss_kib) KiB${errors:+; $errors}"
done
sleep 1
rss_after=$(rss_kib)
lines=$(($(cors_lines) - lines_before))
bytes=$(($(log_bytes) - bytes_before))
health=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "http://$HOST:$PORT/health" || true)

echo
echo "requests sent:            $total_requests"
echo "cors_actix log lines:     $lines"
echo "log bytes written:        $bytes"
echo "server RSS before, after: ${rss_before} KiB, ${rss_after} KiB"
echo "/health after:            ${health:-no answer}"
[ "$health" = 200 ]
