#!/usr/bin/env bash
# The threat-intelligence hub's benchmarks, beside medallion 3.0.0 (the
# OASIS reference TAXII server, memory backend), with the same client
# (interop/bench_taxii.py) and the same objects:
#   1. indicators posted in envelopes of 1,000, then read back page by
#      page (1,000 a page) with `next`: N_MEDALLION of them on both servers
#      (medallion's memory backend reads pages in time that grows with the
#      square of what it holds: 2,000 objects take it about half a minute
#      to read here, so 100,000 are out of its reach), and N on Tocsin;
#   2. tocsin-bench intel-check: 10,000 values checked against ten million
#      stored observables, in process on the embedded store.
#   scripts/bench-intel.sh [N] [N_MEDALLION]     (defaults 100000 and 2000)
# Builds the release binaries; the virtual environment is interop/'s.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-100000}
NM=${2:-2000}
VENV=${INTEROP_VENV:-/tmp/tocsin-interop}
if [ ! -x "$VENV/bin/pytest" ] || ! cmp -s interop/requirements.txt "$VENV/requirements.txt"; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check -r interop/requirements.txt
  cp interop/requirements.txt "$VENV/requirements.txt"
fi
cargo build --release --locked -p tocsin-cli -p tocsin-bench >&2
T=target/release/tocsin
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$WORK"' EXIT

# Tocsin, embedded store, a fresh data directory.
export TOCSIN_DATA="$WORK/data" TOCSIN_RATE_TOKEN=1000000 TOCSIN_RATE_ADDRESS=1000000
"$T" init >/dev/null
"$T" agency add FRA --name "FRA bureau" >/dev/null
"$T" intel collection-add --as FRA --root bench --title Bench --alias bench >/dev/null
TOKEN=$("$T" token create --agency FRA --role admin)
"$T" serve --listen 127.0.0.1:0 >"$WORK/serve.out" 2>"$WORK/serve.log" &
for _ in $(seq 100); do grep -q "listening on" "$WORK/serve.out" && break; sleep 0.1; done
BASE=$(sed -n 's/^listening on //p' "$WORK/serve.out")
echo "tocsin: $("$VENV/bin/python" interop/bench_taxii.py "$BASE/taxii2/bench/collections/bench/" fra "$TOKEN" "$NM")"
"$T" intel collection-add --as FRA --root bench --title Large --alias large >/dev/null
echo "tocsin: $("$VENV/bin/python" interop/bench_taxii.py "$BASE/taxii2/bench/collections/large/" fra "$TOKEN" "$N")"
kill %1 && wait %1 2>/dev/null || true

# medallion 3.0.0, memory backend, one collection, pages of up to 1,000.
cat >"$WORK/medallion.json" <<JSON
{"backend": {"module": "medallion.backends.memory_backend", "module_class": "MemoryBackend",
             "filename": "$WORK/medallion-data.json"},
 "users": {"bench": "bench"}, "taxii": {"max_page_size": 1000}}
JSON
cat >"$WORK/medallion-data.json" <<JSON
{"/discovery": {"title": "bench", "default": "http://127.0.0.1/bench/", "api_roots": ["http://127.0.0.1/bench/"]},
 "bench": {"information": {"title": "bench", "versions": ["application/taxii+json;version=2.1"],
                           "max_content_length": 1073741824},
           "status": [],
           "collections": [{"id": "9fa1b6f1-5a43-4d4e-8f0a-2f6c1d3b7e55", "title": "bench", "can_read": true,
                            "can_write": true, "media_types": ["application/stix+json;version=2.1"],
                            "objects": [], "manifest": []}]}}
JSON
PORT=$("$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$VENV/bin/medallion" --port "$PORT" "$WORK/medallion.json" >"$WORK/medallion.log" 2>&1 &
for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null && break; sleep 0.1; done
echo "medallion: $("$VENV/bin/python" interop/bench_taxii.py "http://127.0.0.1:$PORT/bench/collections/9fa1b6f1-5a43-4d4e-8f0a-2f6c1d3b7e55/" bench bench "$NM")"
kill %2 2>/dev/null || true

# The check: 10,000 values against ten million stored observables.
echo "intel-check: $(target/release/tocsin-bench intel-check)"
