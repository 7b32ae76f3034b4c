#!/usr/bin/env bash
# The threat-intelligence hub against the real clients (PyPI, pinned in
# interop/requirements.txt): taxii2-client, stix2, stix2-validator and
# misp-stix, driven by pytest (interop/). A fresh store with agencies FRA,
# DEU and ITA, a server with a small max_content_length (64 KiB) so that
# envelopes are split and 413 is reached.
#   TOCSIN_BIN=target/debug/tocsin scripts/interop.sh [PYTEST ARGS…]
set -euo pipefail
cd "$(dirname "$0")/.."
T=${TOCSIN_BIN:-target/debug/tocsin}
VENV=${INTEROP_VENV:-/tmp/tocsin-interop}
if [ ! -x "$VENV/bin/pytest" ] || ! cmp -s interop/requirements.txt "$VENV/requirements.txt"; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check -r interop/requirements.txt
  cp interop/requirements.txt "$VENV/requirements.txt"
fi
WORK=$(mktemp -d)
trap 'kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; rm -rf "$WORK" || true' EXIT
export TOCSIN_DATA="$WORK/data" TOCSIN_RATE_TOKEN=1000000 TOCSIN_RATE_ADDRESS=1000000
"$T" init >/dev/null
for a in FRA DEU ITA; do "$T" agency add "$a" --name "$a bureau" >/dev/null; done
export TOCSIN_FRA_ADMIN=$("$T" token create --agency FRA --role admin)
export TOCSIN_DEU_ADMIN=$("$T" token create --agency DEU --role admin)
export TOCSIN_DEU_OFFICER=$("$T" token create --agency DEU --role officer)
export TOCSIN_ITA_OFFICER=$("$T" token create --agency ITA --role officer)
export TOCSIN_MAX_CONTENT_LENGTH=65536
"$T" serve --listen 127.0.0.1:0 --intel-max-content-length "$TOCSIN_MAX_CONTENT_LENGTH" >"$WORK/serve.out" 2>"$WORK/serve.log" &
SERVER=$!
for _ in $(seq 100); do grep -q "listening on" "$WORK/serve.out" && break; sleep 0.1; done
export TOCSIN_BASE=$(sed -n 's/^listening on //p' "$WORK/serve.out")
if ! "$VENV/bin/pytest" -q -p no:cacheprovider interop "$@"; then
  echo "interop: the server's log follows" >&2
  tail -n 50 "$WORK/serve.log" >&2
  exit 1
fi
