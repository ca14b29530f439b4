# Shared by the scripts that start a server of their own: source it.

# ensure_package installs Debian package $1 when command $1 is missing.
ensure_package() {
  command -v "$1" >/dev/null && return
  echo "installing $1 (Debian package)" >&2
  local sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo
  $sudo apt-get install -y "$1" >/dev/null 2>&1 || { $sudo apt-get update >/dev/null && $sudo apt-get install -y "$1" >/dev/null; }
}

# ensure_wrk installs wrk when it is missing.
ensure_wrk() { ensure_package wrk; }

# pin_cpus sets server_pin and wrk_pin, the prefixes of the server's and the
# load generator's commands. The load generator runs at a lower priority
# (nice LOADGEN_NICE, 5 unless set; 0 for none): on cores it shares with the
# server at equal priority, the kernel preempts the server's threads for wrk's
# while they hold requests, and those stalls, multiplied by wrk's correction
# for coordinated omission, were the closed-loop p99 (2026-12-03, 100,000
# mentors: wrk 39-43 ms while the server's own histogram put 99 % of
# suggestions under 1 ms; niced, 11-13 ms). Not lower than 5: at nice 10 wrk
# starved under the suggestions mix (it does more work a request than for
# /healthz) and the cores sat idle 17-27 % of the run waiting for it, against
# 4-13 % at nice 5 and 15-20 % under /healthz at either (2026-12-03, 10,000
# and 100,000 mentors), so the mix measured wrk. With PIN=1 the server runs on
# CPU 0 (GOMAXPROCS=1) and wrk on CPU 1, so they do not preempt each other.
pin_cpus() {
  server_pin=(); wrk_pin=()
  if [ "${LOADGEN_NICE:-5}" != 0 ]; then
    wrk_pin=(nice -n "${LOADGEN_NICE:-5}")
  fi
  if [ "${PIN:-0}" = 1 ]; then
    server_pin=(env GOMAXPROCS=1 taskset -c 0)
    wrk_pin+=(taskset -c 1)
  fi
}

# workdir makes a temporary directory in $work and, on exit, stops the
# server whose process id is in $pid and removes the directory.
workdir() {
  work=$(mktemp -d)
  pid=""
  trap 'if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi; rm -rf "$work"' EXIT
}

# warm_mix base file founders sends the first founders lines of a request
# mix (scripts/benchseed -requests) once each, failing on any error: a
# founder's first request reads the account from the database, which the
# measured run should not include; it also checks the tokens are accepted.
warm_mix() {
  head -n "$3" "$2" | while read -r token path; do
    curl -sf -o /dev/null -H "Authorization: Bearer $token" "$1$path" || { echo "warm-up failed: $path" >&2; return 1; }
  done
}
