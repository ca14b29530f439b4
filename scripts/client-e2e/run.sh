#!/usr/bin/env bash
# The contract from a client's side. Needs Go, Node 20 and npm only.
#
#   scripts/client-e2e/run.sh validate   # swagger-cli validates docs/swagger.json and docs/openapi.json
#   scripts/client-e2e/run.sh            # validate, then generate the TypeScript client from
#                                        # docs/openapi.json, type-check it (tsc --noEmit), build the
#                                        # API, serve it on a fresh data directory on 127.0.0.1:$PORT
#                                        # and drive one mentorship through the client
#
# Tools are pinned in package.json and installed from package-lock.json (npm ci).
# The generated code (gen/) and the compiled script (dist/) are rebuilt on every run.
set -euo pipefail
# shellcheck source=../lib.sh
source "$(dirname "$0")/../lib.sh"
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
PORT=${PORT:-18200}
cd "$here"

echo "== npm ci (scripts/client-e2e)"
npm ci --no-audit --no-fund --loglevel=error

echo "== swagger-cli validate docs/swagger.json (Swagger 2.0) and docs/openapi.json (OpenAPI 3)"
npx --no-install swagger-cli validate "$root/docs/swagger.json"
npx --no-install swagger-cli validate "$root/docs/openapi.json"
if [ "${1:-}" = validate ]; then
  exit 0
fi

echo "== generate the client (openapi-typescript) and type-check it"
rm -rf gen dist
mkdir -p gen
npx --no-install openapi-typescript "$root/docs/openapi.json" --output gen/schema.d.ts >/dev/null
npx --no-install tsc --noEmit
npx --no-install tsc

workdir

echo "== build the API and serve it on 127.0.0.1:$PORT (fresh data directory)"
(cd "$root" && go build -o "$work/kizuna" ./api)
# The flow signs in, resets and confirms more often in a minute than the
# per-address sign-in limit allows one person (the limit has its own tests).
KIZUNA_DATA_DIR="$work/data" KIZUNA_HTTP_ADDR="127.0.0.1:$PORT" KIZUNA_LOG_LEVEL=warn KIZUNA_AUTH_RATE_PER_MINUTE=1000 "$work/kizuna" >"$work/server.log" 2>&1 &
pid=$!
# Ask the server itself whether it is ready (no curl needed): -healthcheck
# exits 0 once /readyz answers 200 on KIZUNA_HTTP_ADDR.
ready=""
for _ in $(seq 300); do
  if KIZUNA_HTTP_ADDR="127.0.0.1:$PORT" "$work/kizuna" -healthcheck >/dev/null 2>&1; then
    ready=1
    break
  fi
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$ready" ]; then
  echo "the API did not become ready; its log:" >&2
  cat "$work/server.log" >&2
  exit 1
fi

echo "== one mentorship through the generated client"
if ! node dist/e2e.js "http://127.0.0.1:$PORT" "$work/data/mail"; then
  echo "server log:" >&2
  cat "$work/server.log" >&2
  exit 1
fi
