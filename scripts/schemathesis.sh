#!/usr/bin/env bash
# Schemathesis (PyPI, pinned in scripts/schemathesis-requirements.txt) over
# the OpenAPI document against a live server on a fresh store, for SECONDS
# (default 60): every answer must be no 5xx, a documented status, a body
# and content type as documented. The ndjson bulk endpoints are left out
# (schemathesis cannot write that media type; fuzz target `batch` and the
# e2e tests cover them), and revoking tokens (it would revoke its own).
#   TOCSIN_BIN=target/debug/tocsin scripts/schemathesis.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
T=${TOCSIN_BIN:-target/debug/tocsin}
SECONDS_RUN=${1:-60}
VENV=${SCHEMATHESIS_VENV:-/tmp/tocsin-schemathesis}
if [ ! -x "$VENV/bin/schemathesis" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check -r scripts/schemathesis-requirements.txt
fi
WORK=$(mktemp -d)
# The server is stopped and waited for before its files go (it writes its
# last checkpoint while stopping); the script's status is schemathesis's.
trap 'kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; rm -rf "$WORK" || true' EXIT
export TOCSIN_DATA="$WORK/data" TOCSIN_RATE_TOKEN=1000000 TOCSIN_RATE_ADDRESS=1000000
"$T" init >/dev/null
"$T" agency add FRA --name "France NCB" >/dev/null
TOKEN=$("$T" token create --agency FRA --role admin)
"$T" serve --listen 127.0.0.1:0 >"$WORK/serve.out" 2>"$WORK/serve.log" &
SERVER=$!
for _ in $(seq 100); do grep -q "listening on" "$WORK/serve.out" && break; sleep 0.1; done
BASE=$(sed -n 's/^listening on //p' "$WORK/serve.out")
"$VENV/bin/schemathesis" run "$BASE/v1/openapi.json" \
  -H "Authorization: Bearer $TOKEN" \
  --checks not_a_server_error,status_code_conformance,response_schema_conformance,content_type_conformance \
  --exclude-path-regex '(revoke|/bulk|/batch)$' \
  --seed 1 --max-time "$SECONDS_RUN" --continue-on-failure --no-color
