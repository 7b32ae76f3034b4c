#!/usr/bin/env bash
# Reproduces docs/performance.md's figures on this machine:
#  1. bulk import of PERSONS synthetic persons into a fresh embedded store;
#  2. record reads by id over HTTP, 64 connections, audit on;
#  3. screening requests over HTTP, 64 connections, audit on: a traveller
#     stream (mostly people not listed) and stored names only (all hits);
#  4. what hits cost: the same screenings from an agency whose requests all
#     hit and from one whose hit threshold (1) makes none;
#  5. events delivered to 100 SSE subscribers while screenings hit.
# Usage: scripts/bench.sh [PERSONS] [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
PERSONS=${1:-1000000}
SECONDS_RUN=${2:-20}
PORT=18181
cargo build --release -q -p tocsin-cli -p tocsin-bench
T=target/release/tocsin
# Capacity is measured, not the rate limits: lifted for the load.
export TOCSIN_RATE_TOKEN=1000000 TOCSIN_RATE_ADDRESS=1000000
WORK=$(mktemp -d)
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
SERVER=

# Where the screenings between two /metrics scrapes spent their time: the
# means of the server's stage histograms over that span, and the share of
# screenings the server answered within 20 ms.
stages() {
  awk '
    FNR == 1 {f++}
    /^tocsin_(screen_search|audit_(queue|commit|append))_duration_seconds_(sum|count) / ||
    /^tocsin_audit_batch_entries_sum / {v[$1] += (f == 1 ? -$2 : $2)}
    /^tocsin_http_request_duration_seconds_(bucket|count)\{/ && /route="\/v1\/screen"/ && /status="200"/ {
      if ($0 ~ /_count\{/) all += (f == 1 ? -$2 : $2)
      else if ($0 ~ /le="0.02"/) fast += (f == 1 ? -$2 : $2)
    }
    function ms(m) { n = v[m "_duration_seconds_count"]; return n > 0 ? 1000 * v[m "_duration_seconds_sum"] / n : 0 }
    END {
      printf "   server-side means: search %.2f ms; audit append %.2f ms, of which waiting for the writer %.2f ms; commits %.2f ms each, %.1f entries each\n",
        ms("tocsin_screen_search"), ms("tocsin_audit_append"), ms("tocsin_audit_queue"), ms("tocsin_audit_commit"),
        (v["tocsin_audit_commit_duration_seconds_count"] > 0 ? v["tocsin_audit_batch_entries_sum"] / v["tocsin_audit_commit_duration_seconds_count"] : 0)
      if (all > 0) printf "   answered by the server within 20 ms: %.1f %% of %d screenings\n", 100 * fast / all, all
    }' "$1" "$2"
}

echo "== machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; $(rustc --version)"
$T --data "$WORK/db" init >/dev/null
$T --data "$WORK/db" agency add FRA --name France >/dev/null
$T --data "$WORK/db" agency add DEU --name Germany >/dev/null
# POL and SWE appear in no demo access rule, so they see the same records;
# SWE's threshold (1) makes no hits: the hits benchmark compares the two.
$T --data "$WORK/db" agency add POL --name Poland >/dev/null
$T --data "$WORK/db" agency add SWE --name Sweden >/dev/null
$T --data "$WORK/db" agency set SWE --hit-threshold 1 >/dev/null
echo "== generating $PERSONS persons"
$T demo --persons "$PERSONS" --documents 0 --out "$WORK/persons.jsonl"
ls -l "$WORK/persons.jsonl" | awk '{printf "   %.0f MB of JSON lines\n", $5/1e6}'
echo "== import (validate the whole file, then store in transactions of 10,000)"
$T --data "$WORK/db" import jsonl "$WORK/persons.jsonl" --agency FRA

TOKEN=$($T --data "$WORK/db" token create --agency DEU --role officer)
HITS=$($T --data "$WORK/db" token create --agency POL --role officer)
QUIET=$($T --data "$WORK/db" token create --agency SWE --role officer)
OWNER=$($T --data "$WORK/db" token create --agency FRA --role officer)
$T --data "$WORK/db" serve --listen 127.0.0.1:$PORT >"$WORK/serve.log" 2>&1 &
SERVER=$!
for _ in $(seq 600); do curl -sf http://127.0.0.1:$PORT/v1/health >/dev/null && break; sleep 0.2; done
MONITOR=$(cat "$WORK/db/monitor.token")
grep -o 'screening index built.*' "$WORK/serve.log" | sed 's/\x1b\[[0-9;]*m//g; s/^/   /' || true
echo "== reads by id over HTTP, audit on (each read is a durable audit entry)"
target/release/tocsin-bench reads --url http://127.0.0.1:$PORT --token "$TOKEN" --connections 64 --seconds "$SECONDS_RUN"
echo "== screening over HTTP, audit on: travellers (the yente negatives with birth dates and nationalities, 1 in 100 a stored person's name)"
NEGATIVES=../shared/data/eval/yente_negatives_global_synthetic.csv
if [ -f "$NEGATIVES" ]; then
  curl -s -H "Authorization: Bearer $MONITOR" http://127.0.0.1:$PORT/metrics >"$WORK/before.prom"
  target/release/tocsin-bench screens --url http://127.0.0.1:$PORT --token "$TOKEN" --connections 64 --seconds "$SECONDS_RUN" --records 2000 --travellers "$NEGATIVES"
  curl -s -H "Authorization: Bearer $MONITOR" http://127.0.0.1:$PORT/metrics >"$WORK/after.prom"
  stages "$WORK/before.prom" "$WORK/after.prom"
else
  echo "   skipped: $NEGATIVES is absent (see ../shared/data/README.md)"
fi
echo "== screening over HTTP, audit on: every request a stored person's name (about 17 hits each, the worst case)"
target/release/tocsin-bench screens --url http://127.0.0.1:$PORT --token "$TOKEN" --connections 64 --seconds "$SECONDS_RUN" --records 2000
echo "== what hits cost: the same screenings (limit 1, a letter of the surname doubled) from POL and from SWE (hit threshold 1)"
target/release/tocsin-bench hits --url http://127.0.0.1:$PORT --token "$HITS" --quiet-token "$QUIET" --monitor-token "$MONITOR" --connections 64 --seconds "$SECONDS_RUN"
echo "== events: 100 SSE subscribers follow FRA's stream while DEU screens with hits"
target/release/tocsin-bench events --url http://127.0.0.1:$PORT --token "$TOKEN" --owner-token "$OWNER" --monitor-token "$MONITOR" --subscribers 100 --connections 16 --seconds "$SECONDS_RUN"
