#!/usr/bin/env bash
# Load benchmark of match suggestions against the health check, in one run:
# seeds MENTORS (10,000) synthetic mentors and FOUNDERS (200) founders into a
# fresh embedded server, starts the API on 127.0.0.1, then runs wrk (2
# threads, 32 connections, DURATION each) against GET /healthz and against a
# mix of GET /v1/match-suggestions: scripts/bench/mixed.lua rotates over
# REQUESTS (4,000) lines written by scripts/benchseed -requests, each a
# founder's token (signed with the server's secret, valid 15 minutes) and a
# query from one of 200 municipalities spread over Japan, with 1 to 3 random
# topics and a radius of 10 to 200 km. Every founder's first request is sent
# once before the run (it loads the account into the server's directory).
# Prints both throughputs, their ratio and p99 latencies. Traffic goes to
# 127.0.0.1 only; no rate limit applies to these reads.
#
# With PIN=1 the server runs on CPU 0
# (GOMAXPROCS=1) and wrk on CPU 1, so the load generator and the server do not
# preempt each other: otherwise four busy threads share two cores and the p99
# measures the scheduler's time slices rather than the server.
#
#   scripts/bench/suggestions.sh               # MENTORS=10000 DURATION=20s PORT=18090 PIN=0
set -euo pipefail
# shellcheck source=../lib.sh
source "$(dirname "$0")/../lib.sh"
cd "$(dirname "$0")/../.."
MENTORS=${MENTORS:-10000}
FOUNDERS=${FOUNDERS:-200}
REQUESTS=${REQUESTS:-4000}
DURATION=${DURATION:-20s}
PORT=${PORT:-18090}
PIN=${PIN:-0}
pin_cpus
BASE="http://127.0.0.1:$PORT"

ensure_wrk

workdir

echo "== build and seed $MENTORS mentors, $FOUNDERS founders"
go build -o "$work/kizuna" ./api
go build -o "$work/benchseed" ./scripts/benchseed
"$work/benchseed" -data "$work/data" -mentors "$MENTORS" -founders "$FOUNDERS"
# The bench signs tokens for the seeded founders: the server gets the same secret.
export KIZUNA_JWT_SECRET
KIZUNA_JWT_SECRET=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')

echo "== start the API on $BASE (embedded database, logs at warn)"
KIZUNA_DATA_DIR="$work/data" KIZUNA_HTTP_ADDR="127.0.0.1:$PORT" KIZUNA_LOG_LEVEL=warn GOGC=${GOGC:-100} "${server_pin[@]}" "$work/kizuna" >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 600); do
  curl -sf "$BASE/readyz" >/dev/null 2>&1 && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/server.log"; exit 1; }
  sleep 0.1
done
curl -sf "$BASE/readyz" >/dev/null

"$work/benchseed" -data "$work/data" -requests "$work/mix.txt" -n "$REQUESTS"
warm_mix "$BASE" "$work/mix.txt" "$FOUNDERS"

run() { # name url [script [script args...]]
  local out="$work/$1.txt" url=$2 script=()
  shift 2
  [ $# -gt 0 ] && { script=(-s "$1")
    shift; }
  "${wrk_pin[@]}" wrk -t2 -c32 -d"$DURATION" --latency "${script[@]}" "$url" "$@" >"$out"
  if grep -q "Non-2xx" "$out"; then cat "$out"; echo "$1: non-2xx responses" >&2; exit 1; fi
}
echo "== wrk -t2 -c32 -d$DURATION: /healthz"
run healthz "$BASE/healthz"
echo "== wrk -t2 -c32 -d$DURATION: /v1/match-suggestions, mixed"
run suggest "$BASE" scripts/bench/mixed.lua "$work/mix.txt"

rps() { awk '/^Requests\/sec/ {print $2}' "$work/$1.txt"; }
p99() { awk '$1=="99%" {print $2}' "$work/$1.txt"; }
printf '\n%-28s %12s %10s\n' endpoint "requests/s" "p99"
printf '%-28s %12s %10s\n' /healthz "$(rps healthz)" "$(p99 healthz)"
printf '%-28s %12s %10s\n' "/v1/match-suggestions (mix)" "$(rps suggest)" "$(p99 suggest)"
awk -v s="$(rps suggest)" -v h="$(rps healthz)" 'BEGIN { printf "ratio suggestions/healthz: %.1f%% (target >= 35%% at 10,000 mentors, >= 20%% at 100,000)\n", 100*s/h }'
pinning="unpinned"; [ "$PIN" = 1 ] && pinning="server on CPU 0 (GOMAXPROCS=1), wrk on CPU 1"
echo "mentors indexed: $MENTORS; founders: $FOUNDERS; machine: $(nproc) cores, wrk on the same machine, $pinning"
