"""Side constraints that are not a plain flow: expert-per-entry with organisation caps, pair overlap.

Expert + organisation cap. An organisation whose reviewers for an entry are all experts (or all
not) fits the flow: its (entry, organisation) node feeds the expert node (or the entry). A
"mixed" organisation is split into an expert node and a general node, each with the full cap:
a relaxation, whose optimum is the reported bound. Where the relaxed optimum puts more than the
cap of one organisation on an entry, that pair is made pure (its experts count as general, or
its non-experts are dropped, whichever keeps the better reviewer) and the flow solved again.
Each repair only restricts the problem, so every result is feasible and the gap is honest.

Pair overlap. Two reviewers who share many entries correlate their biases; a capped overlap is
quadratic, so it is a local search after the flow (replace or swap a reviewer on a shared
entry, cheapest loss first) that reports whether the cap was reached.
"""

from __future__ import annotations

from collections import Counter
from itertools import combinations

import numpy as np

from scoring.assign_flow import Arcs, Flow, price, solve_network
from scoring.assign_problem import SCALE, Problem


def repair_org_experts(
    p: Problem, arcs: Arcs, flow: Flow, *, rounds: int = 50
) -> tuple[np.ndarray, int] | None:
    """Make every over-cap mixed (entry, organisation) pair pure until the flow meets both rules.

    Returns (chosen per arc of `arcs`, total gain), or None when a repair leaves no feasible flow.
    """
    n_org = len(p.org_names)
    route = arcs.expert.copy()
    alive = np.ones(len(arcs), dtype=bool)
    chosen, gain = flow.chosen, flow.gain
    for _ in range(rounds):
        bad = _over_cap(p, arcs, chosen)
        if not len(bad):
            return chosen, gain
        pair_of = arcs.e * n_org + np.where(p.org[arcs.j] < 0, 0, p.org[arcs.j])
        idx = np.flatnonzero(np.isin(pair_of, bad) & (p.org[arcs.j] >= 0))
        idx = idx[np.argsort(pair_of[idx], kind="stable")]
        for members in np.split(idx, np.flatnonzero(np.diff(pair_of[idx])) + 1):
            picked = members[chosen[members]]
            best = picked[np.argmax(arcs.gain[picked])]
            if arcs.expert[best]:
                alive[members[~arcs.expert[members]]] = False
            else:
                route[members] = False
        new = solve_network(p, _subset(arcs, alive), route=route[alive], potentials=False)
        if new is None:
            return None
        chosen = np.zeros(len(arcs), dtype=bool)
        chosen[np.flatnonzero(alive)[new.chosen]] = True
        gain = new.gain
    return None


def lagrangian_org_experts(
    p: Problem,
    arcs: Arcs,
    flow: Flow,
    *,
    bound: int,
    best: tuple[np.ndarray, int],
    iterations: int = 8,
    target_gap: float = 1e-4,
    progress=None,
) -> tuple[int, tuple[np.ndarray, int]]:
    """Tighten the bound (and perhaps the assignment) by pricing the organisation cap of mixed pairs.

    For multipliers μ ≥ 0 on "experts + others of organisation o on entry e ≤ cap", the flow
    with μ charged on those arcs, plus Σ μ·cap, plus the omitted pairs' positive reduced gains,
    is an upper bound; μ follows subgradient (Polyak) steps. A priced flow that meets the caps
    is feasible as it stands; the last one is also repaired. Returns (bound, (chosen, gain)).
    """
    n_org = len(p.org_names)
    has = p.org[arcs.j] >= 0
    key = np.where(has, arcs.e * n_org + np.where(has, p.org[arcs.j], 0), -1)
    watched = np.zeros(0, dtype=np.int64)
    mu = np.zeros(0)
    theta, stale = 1.0, 0
    current = flow
    for it in range(iterations):
        if (bound - best[1]) <= target_gap * abs(bound):
            break
        grown = np.union1d(watched, _over_cap(p, arcs, current.chosen))
        carried = np.zeros(len(grown))
        carried[np.searchsorted(grown, watched)] = mu
        watched, mu = grown, carried
        slot = np.searchsorted(watched, key)
        on = has & (slot < len(watched)) & (watched[np.minimum(slot, len(watched) - 1)] == key)
        caps = np.array(
            [p.org_cap_left.get((int(k // n_org), int(k % n_org)), p.org_cap) for k in watched],
            dtype=np.int64,
        )
        count = np.bincount(slot[on & current.chosen], minlength=len(watched))
        sub = count - caps
        norm = float((sub.astype(float) ** 2).sum())
        if norm == 0:
            break
        mu = np.maximum(0.0, mu + theta * (bound - best[1]) / norm * sub)
        penalty = np.zeros(len(arcs), dtype=np.int64)
        penalty[on] = np.round(mu[slot[on]]).astype(np.int64)
        new = solve_network(p, arcs, route=arcs.expert, penalty=penalty)
        if new is None:
            break
        missing, _ = price(p, arcs, new, add_per_entry=0)
        value = new.value + int((np.round(mu).astype(np.int64) * caps).sum()) + missing
        if value < bound:
            bound, stale = value, 0
        else:
            stale += 1
            if stale >= 3:
                theta, stale = theta / 2, 0
        current = new
        if not len(_over_cap(p, arcs, new.chosen)) and new.gain > best[1]:
            best = (new.chosen, new.gain)  # the priced flow met the cap by itself: feasible
        if progress:
            progress(f"multiplier round {it + 1}: bound {bound / SCALE:,.4f}, best {best[1] / SCALE:,.4f}")
    if current is not flow:  # one repair of the last priced flow, whose violations are fewest
        repaired = repair_org_experts(p, arcs, current)
        if repaired is not None and repaired[1] > best[1]:
            best = repaired
    return bound, best


def _subset(arcs: Arcs, mask: np.ndarray) -> Arcs:
    return Arcs(arcs.e[mask], arcs.j[mask], arcs.gain[mask], arcs.expert[mask])


def _over_cap(p: Problem, arcs: Arcs, chosen: np.ndarray) -> np.ndarray:
    n_org = len(p.org_names)
    sel = chosen & (p.org[arcs.j] >= 0)
    keys, counts = np.unique(arcs.e[sel] * n_org + p.org[arcs.j[sel]], return_counts=True)
    caps = np.array(
        [p.org_cap_left.get((int(k // n_org), int(k % n_org)), p.org_cap) for k in keys], dtype=np.int64
    )
    return keys[counts > caps]


def solve_mip(p: Problem, arcs: Arcs, *, time_limit: float) -> tuple[np.ndarray | None, int | None, bool]:
    """HiGHS on the given pairs with every hard rule: (chosen, scaled dual bound, proven infeasible).

    Used only when repairing the flow fails (a heavily constrained small round).
    """
    from scipy.optimize import Bounds, LinearConstraint, milp  # only this fallback needs scipy (0.5 s to load)
    from scipy.sparse import csr_matrix

    na = len(arcs)
    rows, cols, lo, hi = [], [], [], []
    r = 0

    def add(index_of_arc, lower, upper):
        nonlocal r
        rows.append(r + index_of_arc[1])
        cols.append(index_of_arc[0])
        lo.append(lower)
        hi.append(upper)
        r += len(lower)

    ar = np.arange(na)
    add((ar, arcs.e), p.demand.astype(float), p.demand.astype(float))
    add((ar, arcs.j), p.lo.astype(float), np.maximum(p.hi, 0).astype(float))
    if p.expert_per_entry:
        x = np.flatnonzero(arcs.expert)
        add((x, arcs.e[x]), p.need_expert.astype(float), np.full(p.n, np.inf))
    if p.org_cap is not None:
        has = np.flatnonzero(p.org[arcs.j] >= 0)
        keys, inv = np.unique(arcs.e[has] * len(p.org_names) + p.org[arcs.j[has]], return_inverse=True)
        caps = [
            p.org_cap_left.get((int(k // len(p.org_names)), int(k % len(p.org_names))), p.org_cap)
            for k in keys
        ]
        add((has, inv), np.zeros(len(keys)), np.asarray(caps, dtype=float))
    matrix = csr_matrix(
        (np.ones(sum(len(c) for c in cols)), (np.concatenate(rows), np.concatenate(cols))), shape=(r, na)
    )
    res = milp(
        -arcs.gain / SCALE,
        integrality=np.ones(na),
        bounds=Bounds(0, 1),
        constraints=LinearConstraint(matrix, np.concatenate(lo), np.concatenate(hi)),
        options={"time_limit": time_limit},
    )
    if res.x is None:
        return None, None, res.status == 2
    bound = getattr(res, "mip_dual_bound", None)
    return res.x > 0.5, None if bound is None else int(np.ceil(-bound * SCALE)), False


def limit_pair_overlap(
    p: Problem,
    entry_reviewers: list[list[int]],
    fixed: set[tuple[int, int]],
    *,
    cap: int,
    max_moves: int = 10_000,
) -> tuple[list[list[int]], int]:
    """Local search until no two reviewers share more than `cap` entries; returns (result, moves).

    Moves keep every hard rule: loads, eligibility, organisation cap, expert per entry; kept
    pairs (`fixed`) never move.
    """
    load = np.zeros(p.m, dtype=np.int64)
    for js in entry_reviewers:
        for j in js:
            load[j] += 1
    low = p.lo + p.kept_load
    high = p.hi + p.kept_load
    shared: Counter = Counter()
    for js in entry_reviewers:
        shared.update(_pairs(js))
    entries_of: list[set[int]] = [set() for _ in range(p.m)]
    for e, js in enumerate(entry_reviewers):
        for j in js:
            entries_of[j].add(e)
    cache: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def row(e):
        if e not in cache:
            a, x = p.rows(e, e + 1)
            cache[e] = (a[0], x[0])
        return cache[e]

    def allowed(e, out, into, current):
        """Can `into` replace `out` on entry e without breaking a hard rule or the overlap cap?"""
        aff, expert = row(e)
        if into in current or not np.isfinite(aff[into]):
            return False
        others = [x for x in current if x != out]
        if p.org_cap is not None and p.org[into] >= 0:
            same = sum(1 for x in others if p.org[x] == p.org[into])
            if same + 1 > p.org_cap:
                return False
        if (
            p.expert_per_entry
            and p.entry_track[e] >= 0
            and not expert[into]
            and not any(p.is_expert(e, x) for x in others)
        ):
            return False
        return all(shared[_key(into, x)] + 1 <= cap for x in others)

    def apply(e, out, into):
        current = entry_reviewers[e]
        others = [x for x in current if x != out]
        for x in others:
            shared[_key(out, x)] -= 1
            shared[_key(into, x)] += 1
        current[current.index(out)] = into
        entries_of[out].discard(e)
        entries_of[into].add(e)
        load[out] -= 1
        load[into] += 1

    moves = 0
    while moves < max_moves:
        over = [pair for pair, count in shared.items() if count > cap]
        if not over:
            break
        progressed = False
        for a, b in over:
            if shared[_key(a, b)] <= cap:
                continue
            best = None
            for e in sorted(entries_of[a] & entries_of[b]):
                for out in (a, b):
                    if (e, out) in fixed:
                        continue
                    aff, _ = row(e)
                    current = entry_reviewers[e]
                    if load[out] - 1 >= low[out]:
                        cand = np.flatnonzero(np.isfinite(aff) & (load < high))
                        for into in cand[np.argsort(-aff[cand])][:50]:
                            if allowed(e, out, int(into), current):
                                loss = aff[out] - aff[into]
                                if best is None or loss < best[0]:
                                    best = (loss, [(e, out, int(into))])
                                break
                    swap = _best_swap(p, e, out, entry_reviewers, entries_of, fixed, row, allowed)
                    if swap is not None and (best is None or swap[0] < best[0]):
                        best = swap
            if best is not None:
                for e, out, into in best[1]:
                    apply(e, out, into)
                moves += 1
                progressed = True
        if not progressed:
            break
    return entry_reviewers, moves


def _best_swap(p, e, out, entry_reviewers, entries_of, fixed, row, allowed):
    """Swap `out` on e with a reviewer `c` from another entry f: loads stay the same."""
    aff_e, _ = row(e)
    cand = np.flatnonzero(np.isfinite(aff_e))
    best = None
    for c in cand[np.argsort(-aff_e[cand])][:20]:
        c = int(c)
        if c in entry_reviewers[e]:
            continue
        for f in sorted(entries_of[c])[:20]:
            if (f, c) in fixed or out in entry_reviewers[f]:
                continue
            if not allowed(e, out, c, entry_reviewers[e]) or not allowed(f, c, out, entry_reviewers[f]):
                continue
            aff_f, _ = row(f)
            loss = aff_e[out] + aff_f[c] - aff_e[c] - aff_f[out]
            if best is None or loss < best[0]:
                best = (loss, [(e, out, c), (f, c, out)])
    return best


def _key(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def _pairs(js):
    return [_key(a, b) for a, b in combinations(js, 2)]


def overlap_counts(entry_reviewers: list[list[int]]) -> Counter:
    shared: Counter = Counter()
    for js in entry_reviewers:
        shared.update(_pairs(js))
    return shared
