#!/usr/bin/env bash
# The PostgreSQL store against the embedded one, on this machine: bulk
# import of PERSONS synthetic persons (write throughput), the screening
# index rebuilt from the store at start, and screening over HTTP.
# Needs a PostgreSQL server: PG_URL (default postgres://postgres@127.0.0.1:5432)
# and the right to create the database tocsin_bench (dropped first).
# Usage: scripts/bench-postgres.sh [PERSONS] [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
PERSONS=${1:-1000000}
SECONDS_RUN=${2:-20}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432}
PORT=18182
cargo build --release -q -p tocsin-cli -p tocsin-bench
T=target/release/tocsin
# Capacity is measured, not the rate limits: lifted for the load.
export TOCSIN_RATE_TOKEN=1000000 TOCSIN_RATE_ADDRESS=1000000
WORK=$(mktemp -d)
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
SERVER=
psql "$PG_URL/postgres" -qc 'DROP DATABASE IF EXISTS tocsin_bench' -c 'CREATE DATABASE tocsin_bench'
echo "== machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; $(psql "$PG_URL/postgres" -Atc 'SHOW server_version')"
$T demo --persons "$PERSONS" --documents 0 --out "$WORK/persons.jsonl"
for STORE in "embedded" "$PG_URL/tocsin_bench"; do
  if [ "$STORE" = embedded ]; then unset TOCSIN_STORE; else export TOCSIN_STORE="$STORE"; fi
  export TOCSIN_DATA="$WORK/db-$(echo "$STORE" | tr -c 'a-z0-9' _)"
  echo "== store: $STORE"
  $T init >/dev/null
  $T agency add FRA --name France >/dev/null
  $T agency add DEU --name Germany >/dev/null
  $T import jsonl "$WORK/persons.jsonl" --agency FRA
  TOKEN=$($T token create --agency DEU --role officer)
  $T serve --listen 127.0.0.1:$PORT >"$WORK/serve.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 900); do curl -sf http://127.0.0.1:$PORT/v1/health >/dev/null && break; sleep 0.2; done
  grep -o 'screening index built.*' "$WORK/serve.log" | sed 's/\x1b\[[0-9;]*m//g; s/^/   /' || true
  target/release/tocsin-bench screens --url http://127.0.0.1:$PORT --token "$TOKEN" --connections 64 --seconds "$SECONDS_RUN" --records 2000
  kill $SERVER; wait $SERVER 2>/dev/null || true
done
