#!/usr/bin/env bash
# Load benchmark of match suggestions against the health check, in one run:
# seeds MENTORS (10,000) synthetic mentors into a fresh embedded server,
# starts the API on 127.0.0.1, signs up a founder, then runs wrk (2 threads,
# 32 connections, DURATION each) against GET /healthz and against
# GET /v1/match-suggestions with the founder's token. Prints both throughputs,
# their ratio and p99 latencies. Traffic goes to 127.0.0.1 only.
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
DURATION=${DURATION:-20s}
PORT=${PORT:-18090}
PIN=${PIN:-0}
pin_cpus
BASE="http://127.0.0.1:$PORT"

ensure_wrk

workdir

echo "== build and seed $MENTORS mentors"
go build -o "$work/kizuna" ./api
go run ./scripts/benchseed -data "$work/data" -mentors "$MENTORS"

echo "== start the API on $BASE (embedded database, logs at warn)"
KIZUNA_DATA_DIR="$work/data" KIZUNA_HTTP_ADDR="127.0.0.1:$PORT" KIZUNA_LOG_LEVEL=warn GOGC=${GOGC:-100} "${server_pin[@]}" "$work/kizuna" >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 300); do
  curl -sf "$BASE/readyz" >/dev/null 2>&1 && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/server.log"; exit 1; }
  sleep 0.1
done
curl -sf "$BASE/readyz" >/dev/null

token=$(curl -sf "$BASE/v1/auth/register" -H 'Content-Type: application/json' \
  -d '{"email":"bench-founder@example.jp","password":"bench-founder-passphrase","displayName":"ベンチ","roles":["founder"]}' |
  sed -E 's/.*"accessToken":"([^"]+)".*/\1/')
SUGGEST="$BASE/v1/match-suggestions?topic=sales&topic=hiring&near=01207&radiusKm=50"
check=$(curl -sf -H "Authorization: Bearer $token" "$SUGGEST")
echo "suggestions answer: $(echo "$check" | grep -o '"candidates":[0-9]*'), $(echo "$check" | grep -o '"mentor":' | wc -l) items"

run() { # name url [header]
  local out="$work/$1.txt"
  if [ -n "${3:-}" ]; then "${wrk_pin[@]}" wrk -t2 -c32 -d"$DURATION" --latency -H "$3" "$2" >"$out"; else "${wrk_pin[@]}" wrk -t2 -c32 -d"$DURATION" --latency "$2" >"$out"; fi
  if grep -q "Non-2xx" "$out"; then cat "$out"; echo "$1: non-2xx responses" >&2; exit 1; fi
}
echo "== wrk -t2 -c32 -d$DURATION: /healthz"
run healthz "$BASE/healthz"
echo "== wrk -t2 -c32 -d$DURATION: /v1/match-suggestions"
run suggest "$SUGGEST" "Authorization: Bearer $token"

rps() { awk '/^Requests\/sec/ {print $2}' "$work/$1.txt"; }
p99() { awk '$1=="99%" {print $2}' "$work/$1.txt"; }
printf '\n%-22s %12s %10s\n' endpoint "requests/s" "p99"
printf '%-22s %12s %10s\n' /healthz "$(rps healthz)" "$(p99 healthz)"
printf '%-22s %12s %10s\n' /v1/match-suggestions "$(rps suggest)" "$(p99 suggest)"
awk -v s="$(rps suggest)" -v h="$(rps healthz)" 'BEGIN { printf "ratio suggestions/healthz: %.1f%% (target >= 40%%)\n", 100*s/h }'
pinning="unpinned"; [ "$PIN" = 1 ] && pinning="server on CPU 0 (GOMAXPROCS=1), wrk on CPU 1"
echo "mentors indexed: $MENTORS; machine: $(nproc) cores, wrk on the same machine, $pinning"
