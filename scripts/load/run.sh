#!/usr/bin/env bash
# Mixed load run: starts the API on 127.0.0.1 with a fresh data directory
# seeded with the Hokkaido demo (-demo), runs scripts/load/mixed.js with k6
# (VUS virtual users, half demo founders and half demo mentors, for DURATION:
# sign-ins, profile reads, suggestions, match requests, introductions,
# accepts and declines, touchpoints, completions, community reads, RSVPs and
# colliding sign-ups), prints throughput, p50/p95/p99 and every status per
# operation, then stops the server and checks the invariants on its data
# directory (scripts/load/check). Exits 1 on any 5xx or network error, any
# error logged by the server, or any invariant violation.
#
# Sign-up, sign-in and refresh are rate-limited per client address and per
# e-mail, writes per user; every virtual user comes from 127.0.0.1 and signs
# the demo accounts in again and again, so the run lifts those limits (they
# are tested on their own).
#
#   scripts/load/run.sh                  # VUS=64 DURATION=60s PORT=18480
#   VUS=16 DURATION=10s scripts/load/run.sh
set -euo pipefail
# shellcheck source=../lib.sh
source "$(dirname "$0")/../lib.sh"
cd "$(dirname "$0")/../.."
VUS=${VUS:-64}
DURATION=${DURATION:-60s}
PORT=${PORT:-18480}
K6_VERSION=v1.8.1
BASE="http://127.0.0.1:$PORT"
export PATH="$(go env GOPATH)/bin:$PATH"

if ! k6 version 2>/dev/null | grep -q "k6 $K6_VERSION "; then
  echo "== building k6 $K6_VERSION (go install, about 90 s)"
  go install "go.k6.io/k6@$K6_VERSION"
fi

workdir

echo "== build the API and the load tools"
go build -o "$work/kizuna" ./api
go build -o "$work/summary" ./scripts/load/summary
go build -o "$work/check" ./scripts/load/check

echo "== start the API on $BASE with the Hokkaido demo (logs at warn)"
KIZUNA_DATA_DIR="$work/data" KIZUNA_HTTP_ADDR="127.0.0.1:$PORT" KIZUNA_LOG_LEVEL=warn \
  KIZUNA_AUTH_RATE_PER_MINUTE=100000 KIZUNA_AUTH_EMAIL_RATE_PER_MINUTE=100000 KIZUNA_WRITE_RATE_PER_MINUTE=1000000 "$work/kizuna" -demo >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 600); do
  curl -sf "$BASE/readyz" >/dev/null 2>&1 && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/server.log"; exit 1; }
  sleep 0.1
done
curl -sf "$BASE/readyz" >/dev/null

echo "== k6: $VUS users for $DURATION ($(nproc) cores, k6 on the same machine)"
status=0
k6 run --quiet --out "json=$work/k6.json" -e "BASE_URL=$BASE" -e "VUS=$VUS" -e "DURATION=$DURATION" \
  scripts/load/mixed.js >"$work/k6.txt" 2>&1 || status=1
grep -E "http_reqs|iterations\.|http_req_failed|✓|✗" "$work/k6.txt" || cat "$work/k6.txt"
echo
"$work/summary" "$work/k6.json" || status=1

echo
echo "database time by collection and operation, largest first (from /metrics):"
echo "| collection | operation | time | commands |"
curl -sf "$BASE/metrics" | awk -f scripts/load/dbtime.awk | sort -rg | head -8 | cut -f2

echo
echo "== stop the server and check the invariants"
kill -TERM "$pid"
wait "$pid" || { echo "server exited with $?"; status=1; }
pid=""
errors=$(grep -c '"level":"ERROR"' "$work/server.log" || true)
echo "errors logged by the server: $errors"
if [ "$errors" -gt 0 ]; then grep '"level":"ERROR"' "$work/server.log" | head -5; status=1; fi
"$work/check" -data "$work/data" || status=1
[ "$status" -eq 0 ] && echo "PASS: no 5xx, no network errors, no server errors, no invariant violations" || echo "FAIL"
exit "$status"
