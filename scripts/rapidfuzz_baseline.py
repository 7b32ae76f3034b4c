"""Brute-force baseline for the screening engine's name queries.

Reads the file written by `tocsin-bench engine --export FILE` (lines `N<TAB>name`
for every indexed primary name, `Q<TAB>query` for the timed queries) and times
rapidfuzz's `process.extract(query, names, limit=5)` over all names, as a
plain fuzzy-matching library would be used without an index.

Usage: pip install rapidfuzz; python3 scripts/rapidfuzz_baseline.py FILE [QUERIES]
"""

import statistics
import sys
import time

from rapidfuzz import fuzz, process, utils


def main() -> None:
    path = sys.argv[1]
    limit = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    names, queries = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            kind, _, text = line.rstrip("\n").partition("\t")
            (names if kind == "N" else queries).append(text)
    queries = queries[:limit]
    timings = []
    for q in queries:
        start = time.perf_counter()
        process.extract(q, names, scorer=fuzz.WRatio, processor=utils.default_process, limit=5)
        timings.append(time.perf_counter() - start)
    timings.sort()
    median = statistics.median(timings) * 1e6
    p99 = timings[min(len(timings) - 1, int(len(timings) * 0.99))] * 1e6
    print(f"rapidfuzz process.extract over {len(names)} names, {len(queries)} queries: median {median:.0f} µs, p99 {p99:.0f} µs")


if __name__ == "__main__":
    main()
