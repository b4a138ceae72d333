"""The shape of a review design: which entries and jurors are linked through shared reviews.

Calibration can only compare jurors within one connected component of the juror–entry
graph, so every method reports the components it found.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable


def connected_components(pairs: Iterable[tuple[Hashable, Hashable]]) -> list[tuple[set, set]]:
    """Split (entry, juror) pairs into components; each is (entries, jurors), largest first."""
    parent: dict[tuple[str, Hashable], tuple[str, Hashable]] = {}

    def find(node):
        root = node
        while parent[root] != root:
            root = parent[root]
        while parent[node] != root:
            parent[node], node = root, parent[node]
        return root

    for entry, juror in pairs:
        e, j = ("e", entry), ("j", juror)
        parent.setdefault(e, e)
        parent.setdefault(j, j)
        re, rj = find(e), find(j)
        if re != rj:
            parent[rj] = re
    groups: dict[tuple[str, Hashable], tuple[set, set]] = {}
    for node in parent:
        entries, jurors = groups.setdefault(find(node), (set(), set()))
        (entries if node[0] == "e" else jurors).add(node[1])
    return sorted(groups.values(), key=lambda g: (-(len(g[0]) + len(g[1])), sorted(map(str, g[0]))))
