#!/usr/bin/env python3
"""networkx's times and answers on a synthetic asset graph, the yardstick of
`tocsin-bench infra --networkx PYTHON` (which writes the file and runs this).

Pinned: networkx==3.6.1 (pure Python), in the venv .ci/run makes at
~/.cache/tocsin-ci/infra.

argv[1]: a JSON file {"nodes": N,
                      "edges": [[a, b], ...] (undirected, live nodes only),
                      "commodities": [{"name": ..., "edges": [[provider, dependent], ...],
                                       "sources": [i, ...]}, ...]}
stdout:  {"version": networkx's,
          "articulation_points": [...] sorted, "bridges": [[min, max], ...] sorted,
          "idom": per commodity, [...] of length N: each node's immediate
                  dominator from a super-source N linked to every source
                  (N for the super-source, null for unreachable),
          "seconds": {"load": reading the file and building the graphs,
                      "articulation_points": ..., "bridges": ...,
                      "dominators": [per commodity]}}

Only the algorithm calls are timed (their generators drained), not building
the graphs.
"""
import json
import sys
import time

import networkx as nx

started = time.perf_counter()
with open(sys.argv[1]) as f:
    graph = json.load(f)
n = graph["nodes"]
g = nx.Graph()
g.add_nodes_from(range(n))
g.add_edges_from(graph["edges"])
directed = []
for c in graph["commodities"]:
    d = nx.DiGraph()
    d.add_nodes_from(range(n + 1))
    d.add_edges_from(c["edges"])
    d.add_edges_from((n, s) for s in c["sources"])
    directed.append(d)
load = time.perf_counter() - started


def timed(f):
    t = time.perf_counter()
    out = f()
    return time.perf_counter() - t, out


t_ap, aps = timed(lambda: list(nx.articulation_points(g)))
t_bridges, bridges = timed(lambda: list(nx.bridges(g)))
t_doms, idoms = [], []
for d in directed:
    t, idom = timed(lambda: nx.immediate_dominators(d, n))
    t_doms.append(t)
    idoms.append([idom.get(v) for v in range(n)])

json.dump(
    {
        "version": nx.__version__,
        "articulation_points": sorted(aps),
        "bridges": sorted([min(a, b), max(a, b)] for a, b in bridges),
        "idom": idoms,
        "seconds": {"load": load, "articulation_points": t_ap, "bridges": t_bridges, "dominators": t_doms},
    },
    sys.stdout,
)
