#!/usr/bin/env bash
# The edge node's figures in docs/performance.md and docs/edge.md:
#  1. a first snapshot of PERSONS synthetic persons and DOCUMENTS travel
#     documents (demo access rules; the edge's agency, POL, appears in none
#     of them, so it gets every record shared with all or "all but"): bytes
#     on the wire and seconds from `tocsin edge` starting to the edge
#     screening, upstream and edge on this machine;
#  2. a delta of 1,000 changes (1,000 new records): `tocsin edge sync`'s round;
#  3. screening on the edge and on the upstream, the same traveller mix.
# Usage: scripts/bench-edge.sh [PERSONS] [DOCUMENTS] [SECONDS]
# TOCSIN=path runs another build of the binary (a before-and-after pair).
set -euo pipefail
cd "$(dirname "$0")/.."
PERSONS=${1:-1000000}
DOCUMENTS=${2:-10000000}
SECONDS_RUN=${3:-10}
UP=18191
EDGE=18192
cargo build --release -q -p tocsin-cli -p tocsin-bench
T=${TOCSIN:-target/release/tocsin}
export TOCSIN_RATE_TOKEN=1000000 TOCSIN_RATE_ADDRESS=1000000
WORK=$(mktemp -d)
trap 'kill $SERVER $EDGEPID 2>/dev/null || true; wait; rm -rf "$WORK"' EXIT
SERVER=
EDGEPID=
echo "== machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; $(rustc --version)"
$T --data "$WORK/db" init >/dev/null
for a in FRA DEU POL; do $T --data "$WORK/db" agency add $a --name "$a bureau" >/dev/null; done
echo "== generating and importing $PERSONS persons and $DOCUMENTS travel documents"
$T demo --persons "$PERSONS" --documents "$DOCUMENTS" --out "$WORK/records.jsonl"
/usr/bin/time -f "   import: %e s, %M KB peak" $T --data "$WORK/db" import jsonl "$WORK/records.jsonl" --agency FRA >/dev/null
rm "$WORK/records.jsonl"
EDGE_TOKEN=$($T --data "$WORK/db" token create --agency POL --role edge --user bench)
OFFICER=$($T --data "$WORK/db" token create --agency POL --role officer)
ADMIN=$($T --data "$WORK/db" token create --agency FRA --role admin)
$T --data "$WORK/db" serve --listen 127.0.0.1:$UP >"$WORK/serve.log" 2>&1 &
SERVER=$!
for _ in $(seq 3000); do curl -sf http://127.0.0.1:$UP/v1/health >/dev/null && break; sleep 0.2; done
echo "== first snapshot: from \`tocsin edge\` starting to the edge screening"
START=$(date +%s.%N)
TOCSIN_EDGE_TOKEN=$EDGE_TOKEN $T edge --upstream http://127.0.0.1:$UP --upstream-key "$(cat "$WORK/db/edge-sync.pub")" \
  --data "$WORK/edge" --listen 127.0.0.1:$EDGE --name bench --every 3600 >"$WORK/edge.out" 2>"$WORK/edge.log" &
EDGEPID=$!
until grep -q "listening on" "$WORK/edge.out" 2>/dev/null; do
  if ! kill -0 $EDGEPID 2>/dev/null; then echo "the edge stopped:"; cat "$WORK/edge.log"; exit 1; fi
  sleep 0.05
done
END=$(date +%s.%N)
BYTES=$(grep -o 'bytes=[0-9]*' "$WORK/edge.log" | head -1 | cut -d= -f2)
ITEMS=$(grep -o 'items=[0-9]*' "$WORK/edge.log" | head -1 | cut -d= -f2)
HELD=$(curl -s -H "Authorization: Bearer $OFFICER" "http://127.0.0.1:$EDGE/v1/health" >/dev/null; du -sb "$WORK/edge" | cut -f1)
awk -v s="$START" -v e="$END" -v b="$BYTES" -v i="$ITEMS" -v d="$HELD" 'BEGIN {
  printf "   %.1f s to a screening edge; %.1f MB on the wire (%d items); the edge'"'"'s directory %.1f MB\n", e - s, b / 1e6, i, d / 1e6 }'
grep -ho 'sync version \(sent\|applied\).*' "$WORK/serve.log" "$WORK/edge.log" | head -2 | sed 's/\x1b\[[0-9;]*m//g; s/^/   /' || true
echo "== a delta of 1,000 changes (1,000 new records, one bulk request upstream)"
$T demo --persons 1000 --documents 0 --seed 7 --out "$WORK/delta.jsonl"
curl -sf -H "Authorization: Bearer $ADMIN" --data-binary @"$WORK/delta.jsonl" http://127.0.0.1:$UP/v1/records/bulk >/dev/null
for run in 1 2 3; do
  $T edge sync --data "$WORK/edge" | python3 -c 'import json,sys; r=json.load(sys.stdin)["round"]; print("   round %s: version %s, %.3f s to screening on it, %d bytes" % (sys.argv[1], r["applied"], r["seconds"], r["bytes"]))' $run
done
NEGATIVES=../shared/data/eval/yente_negatives_global_synthetic.csv
if [ -f "$NEGATIVES" ]; then
  for side in upstream:$UP edge:$EDGE upstream:$UP edge:$EDGE; do
    echo "== screening on the ${side%%:*} (travellers, 64 connections, ${SECONDS_RUN} s)"
    target/release/tocsin-bench screens --url http://127.0.0.1:${side##*:} --token "$OFFICER" --connections 64 --seconds "$SECONDS_RUN" --records 2000 --travellers "$NEGATIVES"
  done
else
  echo "== screening comparison skipped: $NEGATIVES is absent (see ../shared/data/README.md)"
fi
