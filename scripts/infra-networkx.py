#!/usr/bin/env python3
"""networkx's answers on a grid, for tocsin-infra's tests to compare with.

Pinned: networkx==3.6.1 (pure Python), in the venv .ci/run makes at
~/.cache/tocsin-ci/infra; crates/tocsin-infra/tests/networkx.rs runs it as
`$TOCSIN_NX_PYTHON scripts/infra-networkx.py`.

stdin:  {"nodes": N, "edges": [[a, b], ...] (undirected), "sources": [i, ...]}
stdout: {"articulation_points": [...] sorted, "bridges": [[min, max], ...] sorted,
         "idom": [...] of length N: the immediate dominator of each node in the
         directed graph of both directions of every edge plus a super-source N
         linked to every source, from N; N for the super-source, null for
         unreachable}
"""
import json
import sys

import networkx as nx

graph = json.load(sys.stdin)
n = graph["nodes"]
g = nx.Graph()
g.add_nodes_from(range(n))
g.add_edges_from(graph["edges"])

d = g.to_directed()
d.add_node(n)
d.add_edges_from((n, s) for s in graph["sources"])
idom = nx.immediate_dominators(d, n)

json.dump(
    {
        "articulation_points": sorted(nx.articulation_points(g)),
        "bridges": sorted([min(a, b), max(a, b)] for a, b in nx.bridges(g)),
        "idom": [idom.get(v) for v in range(n)],
    },
    sys.stdout,
)
