#!/usr/bin/env bash
# The fuzzing campaign behind docs/reliability.md: every cargo-fuzz target
# for SECONDS (default 600), JOBS at a time (default 2), each starting from
# its committed seeds (fuzz/seeds/<target>, when there are some; for
# biometric_files, NIST's files in ../shared/data/biometrics; for
# infra_grid, slices of K. Zuev's grids in ../shared/data/infrastructure,
# cut into $FUZZ_LOGS/seeds at each run) and its
# local corpus (fuzz/corpus/<target>, not committed). Prints a line per
# target: executions, executions a second, coverage, crashes. With KEEP=1,
# each corpus is then minimized (`cargo fuzz cmin`) and, when it is small
# (at most KEEP_KB, default 256 KiB), copied into fuzz/seeds/<target> to be
# committed, so the next run anywhere starts from the coverage reached.
#   [KEEP=1] scripts/fuzz-campaign.sh [SECONDS] [JOBS] [TARGET…]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${1:-600}
JOBS=${2:-2}
OUT=${FUZZ_LOGS:-/tmp/tocsin-fuzz}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
export RUSTC_BOOTSTRAP=1
targets=${*:3}
[ -n "$targets" ] || targets=$(cd fuzz && cargo fuzz list)
KEEP=${KEEP:-0}
KEEP_KB=${KEEP_KB:-256}
(cd fuzz && cargo fuzz build -O >/dev/null)
run() {
  local t=$1
  mkdir -p "fuzz/corpus/$t"
  local seeds=()
  if [ -d "fuzz/seeds/$t" ]; then seeds=("seeds/$t"); fi
  # The biometric readers start from NIST's public files (never copied in).
  if [ "$t" = biometric_files ] && [ -d ../shared/data/biometrics ]; then
    seeds+=(../../shared/data/biometrics/libbiomeval ../../shared/data/biometrics/nbis)
  fi
  # The grid readers start from slices of the public grids (cut here,
  # never copied in): the edges among the first N vertices, alone (the US
  # Western States) or with the vertex list after a NUL byte (GridKit's
  # European and North American grids), as the target splits its input.
  local grids=../shared/data/infrastructure
  if [ "$t" = infra_grid ] && [ -d "$grids" ]; then
    local d="$OUT/seeds/infra_grid" n r
    rm -rf "$d" && mkdir -p "$d"
    for n in 50 300 1500; do
      awk -F, -v n="$n" '$1 <= n && $2 <= n' "$grids/powergridUSWS.csv" >"$d/usws-$n"
      for r in EU NA; do
        { awk -F, -v n="$n" '$1 <= n && $2 <= n' "$grids/powergrid${r}_E.csv"; printf '\0'; head -n "$n" "$grids/powergrid${r}_V.csv"; } >"$d/$r-$n"
      done
    done
    seeds+=("$d")
  fi
  (cd fuzz && cargo fuzz run -O "$t" "corpus/$t" "${seeds[@]}" -- \
      -max_total_time="$SECONDS_EACH" -print_final_stats=1 -rss_limit_mb=2048) >"$OUT/$t.log" 2>&1 || true
  local execs per cov crashes
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$OUT/$t.log" | grep -o '[0-9]*$' || echo '?')
  per=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$OUT/$t.log" | grep -o '[0-9]*$' || echo '?')
  cov=$(grep -o 'cov: [0-9]*' "$OUT/$t.log" | tail -1 | grep -o '[0-9]*' || echo '?')
  crashes=$(ls "fuzz/artifacts/$t" 2>/dev/null | grep -c -E '^(crash|oom|timeout|leak)-' || true)
  local kept=""
  if [ "$KEEP" = 1 ]; then
    (cd fuzz && cargo fuzz cmin -O "$t" "corpus/$t" >/dev/null 2>&1) || true
    local kb files
    kb=$(du -sk --apparent-size "fuzz/corpus/$t" | cut -f1)
    files=$(ls "fuzz/corpus/$t" | wc -l)
    if [ "$kb" -le "$KEEP_KB" ]; then
      mkdir -p "fuzz/seeds/$t"
      cp "fuzz/corpus/$t"/* "fuzz/seeds/$t"/ 2>/dev/null || true
      kept="  kept $files inputs, $kb KiB"
    else
      kept="  corpus $kb KiB: not kept"
    fi
  fi
  printf '%-16s %12s execs %8s/s  cov %6s  crashes %s%s\n' "$t" "$execs" "$per" "$cov" "$crashes" "$kept"
}
export -f run
export SECONDS_EACH OUT KEEP KEEP_KB
printf '%s\n' $targets | xargs -P "$JOBS" -I{} bash -c 'run {}'
