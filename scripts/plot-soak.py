"""Draws a soak run's CSV (tocsin-bench soak --out) as a PNG: the server's
resident memory and the p50 and p99 latencies per window, against time.

    python3 scripts/plot-soak.py SOAK.csv docs/soak.png "title"
"""

import csv
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main(source: str, target: str, title: str) -> None:
    with open(source, newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        sys.exit(f"{source}: no windows")
    minutes = [int(r["elapsed_s"]) / 60 for r in rows]
    fig, (mem, lat) = plt.subplots(2, 1, sharex=True, figsize=(9, 6), dpi=100)
    fig.suptitle(title, fontsize=11)
    mem.plot(minutes, [float(r["rss_mib"]) for r in rows], color="tab:blue")
    mem.set_ylabel("server resident memory (MiB)")
    mem.set_ylim(bottom=0)
    mem.grid(alpha=0.3)
    lat.plot(minutes, [float(r["p99_ms"]) for r in rows], color="tab:red", label="p99")
    lat.plot(minutes, [float(r["p50_ms"]) for r in rows], color="tab:gray", label="p50")
    lat.set_ylabel("latency per window (ms)")
    lat.set_xlabel("minutes")
    lat.set_ylim(bottom=0)
    lat.legend(loc="upper right")
    lat.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(target)


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2], sys.argv[3])
