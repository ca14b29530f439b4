#!/usr/bin/env bash
# What the embedded storage's safety costs: for the demo and for 10,000 and
# 100,000 seeded mentors, the time of the quick_check at start (from the
# server's log), of `kizuna -check` (the full integrity_check), of
# `kizuna backup` while wrk posts match requests (-t2 -c16), and of
# `kizuna restore` into a new directory. Prints a markdown table. Traffic
# goes to 127.0.0.1 only.
#
#   scripts/bench/storage.sh          # SIZES="demo 10000 100000" PORT=18590
set -euo pipefail
# shellcheck source=../lib.sh
source "$(dirname "$0")/../lib.sh"
cd "$(dirname "$0")/../.."
SIZES=${SIZES:-demo 10000 100000}
PORT=${PORT:-18590}
BASE="http://127.0.0.1:$PORT"
ensure_wrk
workdir

go build -o "$work/kizuna" ./api
go build -o "$work/benchseed" ./scripts/benchseed

ms() { awk -v ns="$1" 'BEGIN { printf "%.0f ms", ns / 1e6 }'; }
mib() { awk -v b="$(stat -c %s "$1")" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }

rows=()
for size in $SIZES; do
  data="$work/data-$size"
  if [ "$size" = demo ]; then
    KIZUNA_DATA_DIR="$data" KIZUNA_HTTP_ADDR="127.0.0.1:$PORT" "$work/kizuna" -demo >"$work/seed.log" 2>&1 &
    pid=$!
    until curl -sf "$BASE/readyz" >/dev/null 2>&1; do sleep 0.2; done
    kill -TERM "$pid"; wait "$pid" || true; pid=""
  else
    "$work/benchseed" -data "$data" -mentors "$size" >/dev/null
  fi
  # The first start builds what benchseed leaves out (indexes); measure the second.
  for round in 1 2; do
    KIZUNA_DATA_DIR="$data" KIZUNA_HTTP_ADDR="127.0.0.1:$PORT" KIZUNA_WRITE_RATE_PER_MINUTE=1000000 \
      "$work/kizuna" >"$work/server-$size.log" 2>&1 &
    pid=$!
    until curl -sf "$BASE/readyz" >/dev/null 2>&1; do
      kill -0 "$pid" 2>/dev/null || { cat "$work/server-$size.log"; exit 1; }
      sleep 0.1
    done
    [ "$round" = 2 ] || { kill -TERM "$pid"; wait "$pid" || true; pid=""; }
  done
  quick=$(grep -o '"msg":"embedded database checked"[^}]*"took":"[^"]*"' "$work/server-$size.log" | sed -E 's/.*"took":"([^"]*)".*/\1/')

  token=$(curl -sf "$BASE/v1/auth/register" -H 'Content-Type: application/json' \
    -d "{\"email\":\"storage-$size@example.jp\",\"password\":\"storage-bench-passphrase\",\"displayName\":\"計測\",\"roles\":[\"founder\"]}" |
    sed -E 's/.*"accessToken":"([^"]+)".*/\1/')
  wrk -t2 -c16 -d12s -H "Authorization: Bearer $token" -s scripts/bench/match-request.lua "$BASE/v1/match-requests" >"$work/wrk-$size.txt" &
  wrkpid=$!
  sleep 3 # the backup is taken in the middle of the load
  t0=$(date +%s%N)
  KIZUNA_DATA_DIR="$data" "$work/kizuna" backup "$work/backup-$size.sqlite" >/dev/null
  t1=$(date +%s%N)
  wait "$wrkpid"
  rps=$(awk '/^Requests\/sec/ {printf "%.0f", $2}' "$work/wrk-$size.txt")

  t2=$(date +%s%N)
  KIZUNA_DATA_DIR="$data" "$work/kizuna" -check >/dev/null
  t3=$(date +%s%N)
  kill -TERM "$pid"; wait "$pid" || true; pid=""

  mkdir -p "$work/restored-$size"
  t4=$(date +%s%N)
  KIZUNA_DATA_DIR="$work/restored-$size" "$work/kizuna" restore "$work/backup-$size.sqlite" >/dev/null
  t5=$(date +%s%N)
  label=$size; [ "$size" != demo ] && label="$size mentors"
  rows+=("| $label | $(mib "$data/db/kizuna.sqlite") | $quick | $(ms $((t3 - t2))) | $(ms $((t1 - t0))) ($(mib "$work/backup-$size.sqlite"); $rps match requests/s meanwhile) | $(ms $((t5 - t4))) |")
  rm -rf "$data" "$work/restored-$size" "$work/backup-$size.sqlite"
done

echo "| embedded database | file | quick_check at start | -check (integrity_check) | backup under load | restore |"
echo "| --- | ---: | ---: | ---: | ---: | ---: |"
printf '%s\n' "${rows[@]}"
echo
echo "machine: $(nproc) cores, load before: $(cut -d' ' -f1-3 /proc/loadavg); $(date -u '+%Y-%m-%d %H:%M UTC')"
