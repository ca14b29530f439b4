#!/usr/bin/env bash
# Performance report: one run, on one machine, of
#   - GET /healthz (the ceiling: no work behind it),
#   - GET /v1/me (an authenticated read),
#   - GET /v1/match-suggestions with 10,000 and with 100,000 mentors indexed,
#     the mix of scripts/bench/suggestions.sh (200 founders, 200 places, random
#     topics and radii; scripts/bench/mixed.lua),
#   - POST /v1/match-requests (10,000 mentors; wrk with scripts/bench/match-request.lua),
# each with wrk -t2 -c32 for DURATION, printing requests/s, p99 and the ratio
# to /healthz; plus the time from process start to a ready /readyz with
# 10,000 mentors, the peak RSS (VmHWM) of the server with 100,000 mentors, and
# how long seeding took. Writes the table, the machine and the command to
# OUT (docs/performance.md). Traffic goes to 127.0.0.1 only.
#
# Seeding uses scripts/benchseed (bulk inserts into fresh embedded data
# directories): 100,000 mentors take a while (see the report).
# With PIN=1 the server runs on CPU 0 (GOMAXPROCS=1) and wrk on CPU 1.
#
#   scripts/bench/report.sh                  # DURATION=10s PORT=18490 PIN=0 OUT=docs/performance.md
set -euo pipefail
# shellcheck source=../lib.sh
source "$(dirname "$0")/../lib.sh"
cd "$(dirname "$0")/../.."
DURATION=${DURATION:-10s}
PORT=${PORT:-18490}
PIN=${PIN:-0}
OUT=${OUT:-docs/performance.md}
BASE="http://127.0.0.1:$PORT"
pin_cpus

ensure_wrk

workdir

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
started_at=$(date -u '+%Y-%m-%d %H:%M UTC')

echo "== build"
go build -o "$work/kizuna" ./api
go build -o "$work/benchseed" ./scripts/benchseed

# The suggestions mix signs its founders' tokens with the server's secret.
export KIZUNA_JWT_SECRET
KIZUNA_JWT_SECRET=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
seed() { # mentors -> prints seconds
  local t0 t1
  t0=$(date +%s%N)
  "$work/benchseed" -data "$work/data-$1" -mentors "$1" -founders 200 >&2
  t1=$(date +%s%N)
  awk -v ns=$((t1 - t0)) 'BEGIN { printf "%.1f", ns / 1e9 }'
}
echo "== seed 10,000 and 100,000 mentors"
seed10=$(seed 10000)
seed100=$(seed 100000)

start() { # mentors; sets pid and ready_ms
  local t0 t1
  t0=$(date +%s%N)
  # One founder posts requests as fast as wrk can: the per-user write limit
  # is lifted (it is tested on its own).
  KIZUNA_DATA_DIR="$work/data-$1" KIZUNA_HTTP_ADDR="127.0.0.1:$PORT" KIZUNA_LOG_LEVEL=warn \
    KIZUNA_WRITE_RATE_PER_MINUTE=1000000 "${server_pin[@]}" "$work/kizuna" >"$work/server-$1.log" 2>&1 &
  pid=$!
  until curl -sf "$BASE/readyz" >/dev/null 2>&1; do
    kill -0 "$pid" 2>/dev/null || { cat "$work/server-$1.log"; exit 1; }
    sleep 0.02
  done
  t1=$(date +%s%N)
  ready_ms=$(((t1 - t0) / 1000000))
}
stop() {
  kill -TERM "$pid"
  wait "$pid" || true
  pid=""
}
# startup_db prints the database time spent so far (at start: loading the
# indexes) by collection and operation, largest first, as table rows.
startup_db() {
  curl -sf "$BASE/metrics" | awk -f scripts/load/dbtime.awk | sort -rg | head -6 | cut -f2
}
peak_rss_mib() { awk '/^VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$pid/status"; }
founder() { # -> access token of a new founder
  curl -sf "$BASE/v1/auth/register" -H 'Content-Type: application/json' \
    -d "{\"email\":\"report-founder-$1@example.jp\",\"password\":\"report-founder-passphrase\",\"displayName\":\"計測\",\"roles\":[\"founder\"]}" |
    sed -E 's/.*"accessToken":"([^"]+)".*/\1/'
}
# settle waits until the server has finished every request of the previous
# run (wrk stops waiting at its end, the server does not), so one run's
# backlog does not slow the next: the in-flight gauge counts the scrape only.
settle() {
  for _ in $(seq 600); do
    curl -sf "$BASE/metrics" | awk '$1=="kizuna_http_requests_in_flight" { exit !($2 <= 1) }' && return
    sleep 0.1
  done
}
bench() { # name url [wrk args...]
  local name=$1 url=$2
  shift 2
  settle
  echo "== wrk -t2 -c32 -d$DURATION: $name" >&2
  "${wrk_pin[@]}" wrk -t2 -c32 -d"$DURATION" --timeout 10s --latency "$@" "$url" >"$work/$name.txt"
  if grep -q "Non-2xx" "$work/$name.txt"; then cat "$work/$name.txt"; echo "$name: non-2xx responses" >&2; exit 1; fi
}
rps() { awk '/^Requests\/sec/ {printf "%.0f", $2}' "$work/$1.txt"; }
p99() { awk '$1=="99%" {print $2}' "$work/$1.txt"; }
# timeouts: requests wrk gave up on after 10 s (they have no latency).
timeouts() { awk '/Socket errors/ { gsub(",", ""); for (i = 1; i <= NF; i++) if ($i == "timeout") print $(i+1); found = 1 } END { if (!found) print 0 }' "$work/$1.txt"; }

# bench_mix name mentors: wrk over the suggestions mix (fresh tokens, each
# founder's first request sent once before; see scripts/bench/suggestions.sh).
bench_mix() {
  "$work/benchseed" -data "$work/data-$2" -requests "$work/mix-$2.txt"
  warm_mix "$BASE" "$work/mix-$2.txt" 200
  settle
  echo "== wrk -t2 -c32 -d$DURATION: $1 (mix)" >&2
  "${wrk_pin[@]}" wrk -t2 -c32 -d"$DURATION" --timeout 10s --latency -s scripts/bench/mixed.lua "$BASE" "$work/mix-$2.txt" >"$work/$1.txt"
  if grep -q "Non-2xx" "$work/$1.txt"; then cat "$work/$1.txt"; echo "$1: non-2xx responses" >&2; exit 1; fi
}

echo "== 10,000 mentors"
start 10000
ready10=$ready_ms
token=$(founder 10k)
auth="Authorization: Bearer $token"
bench healthz "$BASE/healthz"
bench_mix suggest10k 10000
bench me "$BASE/v1/me" -H "$auth"
bench match-request "$BASE/v1/match-requests" -H "$auth" -s scripts/bench/match-request.lua
rss10=$(peak_rss_mib)
stop
# The first start after seeding also builds the indexes (benchseed writes
# documents only); a restart finds them built.
start 10000
restart10=$ready_ms
stop

echo "== 100,000 mentors"
start 100000
ready100=$ready_ms
startdb100=$(startup_db)
bench_mix suggest100k 100000
rss100=$(peak_rss_mib)
stop

ratio() { awk -v a="$(rps "$1")" -v h="$(rps healthz)" 'BEGIN { r = 100 * a / h; printf (r < 1 ? "%.2f%%" : "%.1f%%"), r }'; }
secs() { awk -v ms="$1" 'BEGIN { printf "%.1f s", ms / 1000 }'; }
row() { printf '| %s | %s | %s | %s | %s | %s |\n' "$1" "$2" "$(rps "$3")" "$(p99 "$3")" "$(ratio "$3")" "$(timeouts "$3")"; }
table=$(
  echo "| endpoint | mentors indexed | requests/s | p99 | of /healthz | timeouts (>10 s) |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: |"
  row "GET /healthz" "10,000" healthz
  row "GET /v1/me (authenticated)" "10,000" me
  row "GET /v1/match-suggestions (mix)" "10,000" suggest10k
  row "GET /v1/match-suggestions (mix)" "100,000" suggest100k
  row "POST /v1/match-requests" "10,000" match-request
)
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
pinning="unpinned (server and wrk share the cores)"
[ "$PIN" = 1 ] && pinning="server on CPU 0 (GOMAXPROCS=1), wrk on CPU 1"
noisy=""
if awk -v l="${load_before%% *}" 'BEGIN { exit !(l >= 1.0) }'; then
  noisy="**Noisy (shared machine):** the load average was $load_before before the run and $load_after after it, so other work competed for the cores; compare ratios, not absolute numbers, and rerun on a quiet machine."
fi

echo
echo "$table"
echo
echo "start to ready /readyz with 10,000 mentors: $(secs "$restart10") on restart, $(secs "$ready10") on the first start (100,000: $(secs "$ready100") on the first start)"
echo "peak RSS (VmHWM): ${rss100} MiB with 100,000 mentors (${rss10} MiB with 10,000)"
echo "seeding: 10,000 mentors ${seed10} s, 100,000 mentors ${seed100} s"

mkdir -p "$(dirname "$OUT")"
cat >"$OUT" <<MD
# Performance

Measured $started_at by \`scripts/bench/report.sh\` (wrk -t2 -c32, $DURATION per row, all rows in one run,
server and wrk on the same machine, $pinning). The ratio compares each endpoint with the bare
\`/healthz\` of the same run: the ceiling of the HTTP stack on this machine.

$noisy

$table

| | |
| --- | ---: |
| start to ready (\`/readyz\` 200), 10,000 mentors, restart | $(secs "$restart10") |
| start to ready, 10,000 mentors, first start after seeding (builds the indexes) | $(secs "$ready10") |
| start to ready, 100,000 mentors, first start after seeding | $(secs "$ready100") |
| peak RSS (VmHWM), 100,000 mentors | ${rss100} MiB |
| peak RSS (VmHWM), 10,000 mentors | ${rss10} MiB |
| seeding 10,000 mentors (\`scripts/benchseed\`, bulk inserts) | ${seed10} s |
| seeding 100,000 mentors | ${seed100} s |

Machine: $(nproc) cores, $cpu; $(go version | cut -d' ' -f3-); embedded database (FerretDB with SQLite).
Suggestions are a mix: 4,000 requests of 200 seeded founders (tokens signed with the server's secret),
each from one of 200 municipalities spread over Japan, with 1 to 3 random topics and a radius of 10 to
200 km (\`scripts/bench/mixed.lua\`); match requests ask for sales and hiring within 50 km of 帯広
(01207), each creating a request. Start to ready includes loading the mentor index from the database.

Where the first start with 100,000 mentors spends its database time (\`kizuna_db_command_duration_seconds\`
scraped at ready; the largest six):

| collection | operation | time | commands |
| --- | --- | ---: | ---: |
$startdb100

Reproduce:

\`\`\`sh
scripts/bench/report.sh                      # DURATION=10s; PIN=1 puts the server and wrk on separate cores
\`\`\`
MD
echo "wrote $OUT"
