#!/usr/bin/env bash
# The fuzzing campaign behind docs/reliability.md: every cargo-fuzz target
# for SECONDS (default 600), JOBS at a time (default 2), each starting from
# its committed seeds (fuzz/seeds/<target>, when there are some) and its
# local corpus (fuzz/corpus/<target>, not committed). Prints a line per
# target: executions, executions a second, coverage, crashes.
#   scripts/fuzz-campaign.sh [SECONDS] [JOBS]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${1:-600}
JOBS=${2:-2}
OUT=${FUZZ_LOGS:-/tmp/tocsin-fuzz}
mkdir -p "$OUT"
export RUSTC_BOOTSTRAP=1
targets=$(cd fuzz && cargo fuzz list)
(cd fuzz && cargo fuzz build -O >/dev/null)
run() {
  local t=$1
  mkdir -p "fuzz/corpus/$t"
  local seeds=()
  if [ -d "fuzz/seeds/$t" ]; then seeds=("seeds/$t"); fi
  (cd fuzz && cargo fuzz run -O "$t" "corpus/$t" "${seeds[@]}" -- \
      -max_total_time="$SECONDS_EACH" -print_final_stats=1 -rss_limit_mb=2048) >"$OUT/$t.log" 2>&1 || true
  local execs per cov crashes
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$OUT/$t.log" | grep -o '[0-9]*$' || echo '?')
  per=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$OUT/$t.log" | grep -o '[0-9]*$' || echo '?')
  cov=$(grep -o 'cov: [0-9]*' "$OUT/$t.log" | tail -1 | grep -o '[0-9]*' || echo '?')
  crashes=$(ls "fuzz/artifacts/$t" 2>/dev/null | grep -c -E '^(crash|oom|timeout|leak)-' || true)
  printf '%-16s %12s execs %8s/s  cov %6s  crashes %s\n' "$t" "$execs" "$per" "$cov" "$crashes"
}
export -f run
export SECONDS_EACH OUT
printf '%s\n' $targets | xargs -P "$JOBS" -I{} bash -c 'run {}'
