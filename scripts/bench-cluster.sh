#!/usr/bin/env bash
# Cluster mode on this machine: PERSONS synthetic persons written into
# PostgreSQL by `tocsin import` (announced on NATS), each node's screening
# index rebuilt from the store at start, screening throughput of one node
# and of two nodes sharing the load, and how long a record written on one
# node takes to be screenable on the other.
# Needs PostgreSQL (PG_URL, default postgres://postgres@127.0.0.1:5432; the
# database tocsin_cluster_bench is dropped first) and NATS with JetStream
# (NATS_URL, default nats://127.0.0.1:4222; a fresh stream each run).
# Usage: scripts/bench-cluster.sh [PERSONS] [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
PERSONS=${1:-1000000}
SECONDS_RUN=${2:-20}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432}
NATS_URL=${NATS_URL:-nats://127.0.0.1:4222}
cargo build --release -q -p tocsin-cli -p tocsin-bench
T=target/release/tocsin
# Capacity is measured, not the rate limits: lifted for the load.
export TOCSIN_RATE_TOKEN=1000000 TOCSIN_RATE_ADDRESS=1000000
BENCH=target/release/tocsin-bench
WORK=$(mktemp -d)
PIDS=()
trap 'kill "${PIDS[@]}" 2>/dev/null || true; rm -rf "$WORK"' EXIT
psql "$PG_URL/postgres" -qc 'DROP DATABASE IF EXISTS tocsin_cluster_bench' -c 'CREATE DATABASE tocsin_cluster_bench'
export TOCSIN_STORE="$PG_URL/tocsin_cluster_bench"
export TOCSIN_EVENTS="$NATS_URL?stream=bench_$(date +%s)"
export TOCSIN_DATA="$WORK/data"
echo "== machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; $(psql "$PG_URL/postgres" -Atc 'SHOW server_version')"
$T demo --persons "$PERSONS" --documents 0 --out "$WORK/persons.jsonl"
$T init >/dev/null
$T agency add FRA --name France >/dev/null
$T agency add DEU --name Germany >/dev/null
echo "== write: $PERSONS persons into PostgreSQL, announced on NATS"
/usr/bin/time -f "   %e s wall" $T import jsonl "$WORK/persons.jsonl" --agency FRA
TOKEN=$($T token create --agency DEU --role officer)
ADMIN=$($T token create --agency FRA --role admin)

# Starts a node on PORT named NAME and waits until it serves.
start_node() {
  $T serve --listen "127.0.0.1:$1" --node "$2" >"$WORK/$2.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 900); do curl -sf "http://127.0.0.1:$1/v1/health" >/dev/null && break; sleep 0.2; done
  echo "   node $2: $(grep -o 'screening index built.*' "$WORK/$2.log" | sed 's/\x1b\[[0-9;]*m//g'), RSS $(($(ps -o rss= -p "${PIDS[-1]}") / 1024)) MiB"
}
A=http://127.0.0.1:18191
B=http://127.0.0.1:18192
echo "== node A rebuilds its index from the store"
start_node 18191 A
echo "== screening, one node"
$BENCH screens --url $A --token "$TOKEN" --connections 64 --seconds "$SECONDS_RUN" --records 2000
echo "== node B rebuilds its index from the store"
start_node 18192 B
echo "== screening, two nodes (64 connections, requests alternating)"
$BENCH screens --url $A --url $B --token "$TOKEN" --connections 64 --seconds "$SECONDS_RUN" --records 2000
echo "== a record written on A, screenable on B"
$BENCH propagation --from $A --to $B --writer "$ADMIN" --token "$TOKEN" --count 200
$BENCH propagation --from $B --to $A --writer "$ADMIN" --token "$TOKEN" --count 200
