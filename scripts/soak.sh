#!/usr/bin/env bash
# The one-hour soak of docs/reliability.md: a fresh embedded store with
# PERSONS synthetic persons; the capacity of the soak's mix (screening a
# traveller stream, one request in 100 a stored name, one in 50 a write: a
# record created or archived) measured for 60 s; then SECONDS (default
# 3600) of open-loop load at 80 % of it, the server's resident memory and
# the latency percentiles written once a minute (target/soak/soak.csv) and
# drawn into docs/soak.png (matplotlib from PyPI, pinned in
# scripts/plot-requirements.txt).
# Usage: scripts/soak.sh [SECONDS] [PERSONS]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_RUN=${1:-3600}
PERSONS=${2:-100000}
PORT=18191
NEGATIVES=../shared/data/eval/yente_negatives_global_synthetic.csv
[ -f "$NEGATIVES" ] || { echo "$NEGATIVES is absent (see ../shared/data/README.md)" >&2; exit 1; }
VENV=${PLOT_VENV:-/tmp/tocsin-plot}
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check -r scripts/plot-requirements.txt
fi
cargo build --release -q -p tocsin-cli -p tocsin-bench
T=target/release/tocsin
B=target/release/tocsin-bench
# Capacity is measured, not the rate limits: lifted for the load.
export TOCSIN_RATE_TOKEN=1000000 TOCSIN_RATE_ADDRESS=1000000
WORK=$(mktemp -d)
trap 'kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; rm -rf "$WORK"' EXIT
SERVER=
export TOCSIN_DATA="$WORK/db"
$T init >/dev/null
$T agency add FRA --name France >/dev/null
$T agency add DEU --name Germany >/dev/null
$T demo --persons "$PERSONS" --documents 0 --out "$WORK/persons.jsonl" >/dev/null
$T import jsonl "$WORK/persons.jsonl" --agency FRA >/dev/null
OFFICER=$($T token create --agency DEU --role officer)
WRITER=$($T token create --agency FRA --role admin)
$T serve --listen 127.0.0.1:$PORT >"$WORK/serve.log" 2>&1 &
SERVER=$!
for _ in $(seq 600); do curl -sf http://127.0.0.1:$PORT/v1/health >/dev/null && break; sleep 0.2; done
URL=http://127.0.0.1:$PORT
# Capacity of the same mix from the same client: the soak's load far above
# what the server can answer, 64 requests in flight at most (the rest shed);
# what it answers per second is the capacity.
echo "== capacity: the soak's mix, 64 in flight, 60 s"
$B soak --url $URL --token "$OFFICER" --writer "$WRITER" --rate 50000 --seconds 60 --window 60 --in-flight 64 \
  --pid "$SERVER" --travellers "$NEGATIVES" --out "$WORK/capacity.csv"
CAP=$(awk -F, 'NR == 2 {printf "%d", $2 / 60}' "$WORK/capacity.csv")
RATE=$((CAP * 8 / 10))
echo "== soak: $RATE requests/s (80 % of $CAP) for $SECONDS_RUN s, one in 50 a write"
$B soak --url $URL --token "$OFFICER" --writer "$WRITER" --rate "$RATE" --seconds "$SECONDS_RUN" \
  --pid "$SERVER" --travellers "$NEGATIVES" --out "$WORK/soak.csv"
mkdir -p target/soak
cp "$WORK/soak.csv" target/soak/soak.csv
"$VENV/bin/python" scripts/plot-soak.py target/soak/soak.csv docs/soak.png \
  "Soak: $RATE screening requests/s (80 % of $CAP measured), $PERSONS persons, embedded store, $(nproc) cores"
echo "== windows in target/soak/soak.csv, plot in docs/soak.png"
