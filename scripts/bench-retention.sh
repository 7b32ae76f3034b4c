#!/usr/bin/env bash
# Times the retention clock (`tocsin maintenance run`) on a store of PERSONS
# synthetic persons, all created today: a run with nothing due, the run that
# reminds every owner of every record (4 years 7 months on), the same run
# again (nothing to do), and the run that archives them all (5 years on).
# Usage: scripts/bench-retention.sh [PERSONS]
set -euo pipefail
cd "$(dirname "$0")/.."
PERSONS=${1:-1000000}
cargo build --release -q -p tocsin-cli
T=target/release/tocsin
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
echo "== machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; $(rustc --version)"
$T --data "$WORK/db" init >/dev/null
$T --data "$WORK/db" agency add FRA --name France >/dev/null
$T demo --persons "$PERSONS" --documents 0 --out "$WORK/persons.jsonl"
$T --data "$WORK/db" import jsonl "$WORK/persons.jsonl" --agency FRA >/dev/null
in_days() { date -u -d "+$1 days" +%Y-%m-%dT%H:%M:%SZ; }
run() {
    local start end
    start=$(date +%s.%N)
    $T --data "$WORK/db" --now "$1" maintenance run
    end=$(date +%s.%N)
    awk -v s="$start" -v e="$end" -v n="$PERSONS" 'BEGIN { printf "   %.1f s (%.0f records/s)\n", e - s, n / (e - s) }'
}
echo "== nothing due";            run "$(in_days 0)"
echo "== every record due";       run "$(in_days 1680)"
echo "== the same run again";     run "$(in_days 1681)"
echo "== every record expired";   run "$(in_days 1830)"
$T --data "$WORK/db" audit verify
