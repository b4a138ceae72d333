"""Exact assignment as a min-cost flow on a sparse candidate graph, proven against every pair.

Network: source → reviewer (capacity max − min; the reviewer's own supply is its min load, so
minimum loads hold exactly) → [(entry, organisation) node, capacity = organisation cap] →
[entry's expert node] → entry (demand = slots to fill). Conflicts are missing arcs. The
"≥1 expert" rule is a lower bound of 1 on the expert node → entry arc, turned into supplies.

The candidate graph keeps each entry's best reviewers and each reviewer's best entries. After
solving it, node potentials (shortest distances in the residual graph) are optimal LP duals of
the sparse problem; any omitted pair with a positive reduced gain is added and the flow solved
again. When none is left, the sparse optimum is the optimum of the full problem, and in any
case `bound` = sparse optimum + Σ positive reduced gains is a valid upper bound.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from scoring.assign_problem import SCALE, Problem
from scoring.deferred import deferred

min_cost_flow = deferred("ortools.graph.python.min_cost_flow")

Progress = Callable[[str], None] | None


@dataclass(frozen=True, eq=False)
class Arcs:
    """Candidate pairs sorted by entry, with their integer affinity and expertise."""

    e: np.ndarray
    j: np.ndarray
    gain: np.ndarray  # round(affinity × SCALE)
    expert: np.ndarray

    def __len__(self) -> int:
        return len(self.e)

    def union(self, other: Arcs) -> Arcs:
        e = np.concatenate([self.e, other.e])
        j = np.concatenate([self.j, other.j])
        order = np.lexsort((j, e))
        keep = np.r_[True, (np.diff(e[order]) != 0) | (np.diff(j[order]) != 0)]
        order = order[keep]
        return Arcs(
            e[order],
            j[order],
            np.concatenate([self.gain, other.gain])[order],
            np.concatenate([self.expert, other.expert])[order],
        )


@dataclass(frozen=True, eq=False)
class Flow:
    """A solved network: which candidate arcs carry flow, its gain, and the node potentials."""

    chosen: np.ndarray  # bool per candidate arc
    gain: int  # total affinity of the chosen arcs (scaled)
    value: int  # the network's optimum: `gain` minus any penalties charged on arcs
    potential: np.ndarray | None
    group_keys: np.ndarray  # sorted keys of (entry, organisation, expert-route) nodes
    group_nodes: np.ndarray


def to_gain(aff: np.ndarray) -> np.ndarray:
    return np.round(aff * SCALE).astype(np.int64)


def candidate_arcs(p: Problem, *, per_entry: int, per_reviewer: int) -> Arcs:
    """Each entry's `per_entry` best eligible reviewers ∪ each reviewer's `per_reviewer` best entries."""
    es, js = [], []
    best_val = np.full((0, p.m), -np.inf)
    best_idx = np.zeros((0, p.m), dtype=np.int64)
    step = p.block_size()
    for e0 in range(0, p.n, step):
        e1 = min(p.n, e0 + step)
        aff, _ = p.rows(e0, e1)
        top = min(per_entry, p.m)
        idx = (
            np.argpartition(-aff, top - 1, axis=1)[:, :top]
            if top < p.m
            else np.broadcast_to(np.arange(p.m), aff.shape)
        )
        rows = np.repeat(np.arange(e0, e1), idx.shape[1])
        cols = idx.ravel()
        ok = np.isfinite(aff[rows - e0, cols])
        es.append(rows[ok])
        js.append(cols[ok])
        vals = np.concatenate([best_val, aff])
        ids = np.concatenate([best_idx, np.broadcast_to(np.arange(e0, e1)[:, None], aff.shape)])
        if len(vals) > per_reviewer:
            part = np.argpartition(-vals, per_reviewer - 1, axis=0)[:per_reviewer]
            vals = np.take_along_axis(vals, part, axis=0)
            ids = np.take_along_axis(ids, part, axis=0)
        best_val, best_idx = vals, ids
    ok = np.isfinite(best_val)
    es.append(best_idx[ok])
    js.append(np.broadcast_to(np.arange(p.m), best_val.shape)[ok])
    return arcs_for(p, np.concatenate(es), np.concatenate(js))


def arcs_for(p: Problem, e: np.ndarray, j: np.ndarray) -> Arcs:
    e, j = np.asarray(e, dtype=np.int64), np.asarray(j, dtype=np.int64)
    order = np.lexsort((j, e))
    e, j = e[order], j[order]
    keep = np.r_[True, (np.diff(e) != 0) | (np.diff(j) != 0)] if len(e) else np.zeros(0, dtype=bool)
    e, j = e[keep], j[keep]
    aff, expert = p.pair_values(e, j)
    return Arcs(e, j, to_gain(aff), expert)


def all_arcs(p: Problem) -> Arcs:
    es, js = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)]
    step = p.block_size()
    for e0 in range(0, p.n, step):
        aff, _ = p.rows(e0, min(p.n, e0 + step))
        r, c = np.nonzero(np.isfinite(aff))
        es.append(r + e0)
        js.append(c)
    return arcs_for(p, np.concatenate(es), np.concatenate(js))


def solve_network(
    p: Problem,
    arcs: Arcs,
    *,
    route: np.ndarray | None = None,
    penalty: np.ndarray | None = None,
    potentials: bool = True,
) -> Flow | None:
    """Solve the flow on `arcs`; None when no flow meets every demand.

    `route` says per arc whether it goes through the entry's expert node (default: expert arcs
    do when the round asks for an expert per entry). Routing an expert's arc through the
    general path is how the caller makes an organisation node "pure" when repairing.
    """
    n, m = p.n, p.m
    x_on = p.expert_per_entry
    if route is None:
        route = arcs.expert & x_on
    entry_node = m + arcs.e
    target = np.where(route, m + n + arcs.e, entry_node) if x_on else entry_node
    source = m + n + (n if x_on else 0)
    heads = target.copy()
    tails_extra, heads_extra, caps_extra = [], [], []
    group_keys = np.zeros(0, dtype=np.int64)
    group_nodes = np.zeros(0, dtype=np.int64)
    next_node = source + 1
    if p.org_cap is not None:
        n_org = len(p.org_names)
        has = p.org[arcs.j] >= 0
        keys = ((arcs.e * n_org + p.org[arcs.j]) * 2 + route.astype(np.int64))[has]
        group_keys, inverse = np.unique(keys, return_inverse=True)
        group_nodes = next_node + np.arange(len(group_keys))
        heads[has] = group_nodes[inverse]
        first = np.zeros(len(group_keys), dtype=np.int64)
        first[inverse] = np.flatnonzero(has)
        caps = np.array(
            [p.org_cap_left.get((int(k // 2 // n_org), int(k // 2 % n_org)), p.org_cap) for k in group_keys]
            if p.org_cap_left
            else np.full(len(group_keys), p.org_cap),
            dtype=np.int64,
        )
        tails_extra.append(group_nodes)
        heads_extra.append(target[first])
        caps_extra.append(np.maximum(caps, 0))
        next_node += len(group_keys)
    tails_extra.append(np.full(m, source))
    heads_extra.append(np.arange(m))
    caps_extra.append(np.maximum(p.hi - p.lo, 0))
    if x_on:
        tails_extra.append(m + n + np.arange(n))
        heads_extra.append(m + np.arange(n))
        caps_extra.append(np.maximum(p.demand - p.need_expert, 0))
    tails = np.concatenate([arcs.j, *tails_extra]).astype(np.int64)
    heads_all = np.concatenate([heads, *heads_extra]).astype(np.int64)
    caps_all = np.concatenate([np.ones(len(arcs), dtype=np.int64), *caps_extra]).astype(np.int64)
    arc_cost = -arcs.gain if penalty is None else penalty - arcs.gain
    costs = np.concatenate([arc_cost, np.zeros(len(tails) - len(arcs), dtype=np.int64)])

    supply = np.zeros(next_node, dtype=np.int64)
    supply[:m] = p.lo
    supply[m : m + n] = -(p.demand - (p.need_expert if x_on else 0))
    if x_on:
        supply[m + n : m + 2 * n] = -p.need_expert
    supply[source] = int(p.demand.sum() - p.lo.sum())

    smcf = min_cost_flow.SimpleMinCostFlow()
    ids = smcf.add_arcs_with_capacity_and_unit_cost(tails, heads_all, caps_all, costs)
    smcf.set_nodes_supplies(np.arange(next_node, dtype=np.int64), supply)
    status = smcf.solve()
    if status == smcf.INFEASIBLE:
        return None
    if status != smcf.OPTIMAL:  # e.g. BAD_COST_RANGE: a bug or out-of-range input, never "infeasible"
        raise RuntimeError(f"min-cost flow failed with status {status}")
    flows = smcf.flows(ids)
    chosen = flows[: len(arcs)] > 0
    pot = _potentials(tails, heads_all, costs, flows < caps_all, flows > 0, next_node) if potentials else None
    return Flow(chosen, int(arcs.gain[chosen].sum()), -int(smcf.optimal_cost()), pot, group_keys, group_nodes)


def _potentials(tails, heads, costs, fwd, bwd, n_nodes: int) -> np.ndarray:
    """Shortest distances in the residual graph from a virtual root (Bellman-Ford, vectorised).

    The flow is optimal, so the residual graph has no negative cycle and the distances make
    every residual arc's reduced cost non-negative: they are optimal duals.
    """
    rt = np.concatenate([tails[fwd], heads[bwd]])
    rh = np.concatenate([heads[fwd], tails[bwd]])
    rc = np.concatenate([costs[fwd], -costs[bwd]])
    order = np.argsort(rh, kind="stable")
    rt, rh, rc = rt[order], rh[order], rc[order]
    starts = np.flatnonzero(np.r_[True, rh[1:] != rh[:-1]]) if len(rh) else np.zeros(0, dtype=np.int64)
    dest = rh[starts]
    d = np.zeros(n_nodes, dtype=np.int64)
    for _ in range(n_nodes + 1):
        if not len(rh):
            break
        best = np.minimum.reduceat(d[rt] + rc, starts)
        better = best < d[dest]
        if not better.any():
            break
        d[dest[better]] = best[better]
    return d


def price(p: Problem, arcs: Arcs, flow: Flow, *, add_per_entry: int) -> tuple[int, Arcs]:
    """Σ positive reduced gains over every omitted eligible pair, and the best of them per entry."""
    n, m = p.n, p.m
    d = flow.potential
    x_on = p.expert_per_entry
    n_org = len(p.org_names)
    total = 0
    new_e, new_j = [], []
    step = p.block_size()
    for e0 in range(0, n, step):
        e1 = min(n, e0 + step)
        aff, expert = p.rows(e0, e1)
        ok = np.isfinite(aff)
        lo, hi = np.searchsorted(arcs.e, [e0, e1])
        ok[arcs.e[lo:hi] - e0, arcs.j[lo:hi]] = False
        if not ok.any():
            continue
        gain = np.where(ok, to_gain(np.where(ok, aff, 0.0)), 0)
        route = expert & x_on
        entry_d = d[m + np.arange(e0, e1)][:, None]
        head_d = (
            np.where(route, d[m + n + np.arange(e0, e1)][:, None], entry_d)
            if x_on
            else np.broadcast_to(entry_d, aff.shape)
        )
        if p.org_cap is not None and len(flow.group_keys):
            g_lo, g_hi = np.searchsorted(flow.group_keys, [e0 * n_org * 2, e1 * n_org * 2])
            if g_hi > g_lo:
                table = np.full((e1 - e0) * (n_org + 1) * 2, np.iinfo(np.int64).min, dtype=np.int64)
                keys = flow.group_keys[g_lo:g_hi]
                ge, rest = keys // 2 // n_org, keys % (2 * n_org)
                table[((ge - e0) * (n_org + 1) + rest // 2) * 2 + rest % 2] = d[flow.group_nodes[g_lo:g_hi]]
                org = np.where(p.org < 0, n_org, p.org)
                look = table[((np.arange(e1 - e0)[:, None] * (n_org + 1) + org[None, :]) * 2 + route)]
                head_d = np.where(look != np.iinfo(np.int64).min, look, head_d)
        viol = np.where(ok, gain - d[:m][None, :] + head_d, 0)
        viol = np.maximum(viol, 0)
        total += int(viol.sum())
        if viol.any() and add_per_entry > 0:
            top = min(add_per_entry, m)
            idx = np.argpartition(-viol, top - 1, axis=1)[:, :top]
            rows = np.repeat(np.arange(e1 - e0), top)
            cols = idx.ravel()
            hit = viol[rows, cols] > 0
            new_e.append(rows[hit] + e0)
            new_j.append(cols[hit])
    if not new_e:
        return total, arcs_for(p, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
    return total, arcs_for(p, np.concatenate(new_e), np.concatenate(new_j))


@dataclass(frozen=True, eq=False)
class Solved:
    arcs: Arcs
    flow: Flow
    bound: int  # scaled affinity
    rounds: int
    dense: bool


DENSE_CELLS = 50_000


def solve_relaxation(p: Problem, *, progress: Progress = None) -> Solved | None:
    """Optimal flow for the problem's network over all eligible pairs, via pricing when large.

    None when no flow exists even on every eligible pair.
    """
    if p.n * p.m <= DENSE_CELLS:
        arcs = all_arcs(p)
        flow = solve_network(p, arcs, potentials=False)
        return None if flow is None else Solved(arcs, flow, flow.gain, 0, True)
    k = int(p.demand.max(initial=1))
    per_entry = 4 * k + 8
    per_reviewer = int(2 * max(1, p.hi.max(initial=1)))
    arcs = candidate_arcs(p, per_entry=per_entry, per_reviewer=per_reviewer)
    _say(progress, f"candidate graph: {len(arcs):,} pairs of {p.n * p.m:,}")
    rounds = 0
    while True:
        flow = solve_network(p, arcs)
        if flow is None:
            if per_entry >= p.m and per_reviewer >= p.n:
                return None
            per_entry, per_reviewer = min(p.m, 2 * per_entry), min(p.n, 2 * per_reviewer)
            _say(progress, f"candidate graph infeasible, widening to {per_entry} per entry")
            arcs = arcs.union(candidate_arcs(p, per_entry=per_entry, per_reviewer=per_reviewer))
            continue
        rounds += 1
        missing, extra = price(p, arcs, flow, add_per_entry=max(2, k))
        _say(
            progress,
            f"pricing round {rounds}: flow {flow.gain / SCALE:,.4f}, "
            f"{len(extra):,} omitted pairs could improve it",
        )
        if not len(extra) or rounds >= 30:
            return Solved(arcs, flow, flow.gain + missing, rounds, False)
        arcs = arcs.union(extra)


def _say(progress: Progress, message: str) -> None:
    if progress is not None:
        progress(message)
