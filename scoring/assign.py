"""Assign reviewers to entries: maximum total affinity under hard rules, with a bound and its gap.

Juror rounds call it with k jurors per entry; mentoring calls it with one mentor per finalist
and mutual-preference affinities (`scoring.assign_mentors`). Existing pairs passed as `keep`
stay fixed and only the missing slots are filled, so a late recusal moves nobody else.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import replace
from types import MappingProxyType

import numpy as np

from scoring.assign_feasibility import count_obstacles, cut_obstacles
from scoring.assign_flow import Arcs, Solved, all_arcs, solve_network, solve_relaxation
from scoring.assign_model import (
    Affinity,
    AffinityRule,
    Assigned,
    Assignment,
    AssignmentInfeasible,
    Bid,
    Conflict,
    Entry,
    Obstacle,
    Reviewer,
    SideStatus,
)
from scoring.assign_problem import SCALE, Problem, compile_problem
from scoring.assign_sides import (
    lagrangian_org_experts,
    limit_pair_overlap,
    overlap_counts,
    repair_org_experts,
    solve_mip,
)

__all__ = [
    "Affinity",
    "AffinityRule",
    "Assigned",
    "Assignment",
    "AssignmentInfeasible",
    "Bid",
    "Conflict",
    "Entry",
    "Obstacle",
    "Reviewer",
    "assign",
    "check_feasibility",
]


def check_feasibility(
    *,
    entries: Sequence[Entry],
    reviewers: Sequence[Reviewer],
    per_entry: int,
    conflicts: Sequence[Conflict] = (),
    keep: Sequence[tuple[Hashable, Hashable]] = (),
    expert_per_entry: bool = False,
    org_cap: int | None = None,
) -> tuple[Obstacle, ...]:
    """The obstacles that counting finds before any solve (empty: worth solving, not yet proven)."""
    p = compile_problem(
        entries=entries,
        reviewers=reviewers,
        per_entry=per_entry,
        conflicts=conflicts,
        affinities=(),
        bids=(),
        similarity=None,
        rule=AffinityRule(),
        keep=keep,
        expert_per_entry=expert_per_entry,
        org_cap=org_cap,
    )
    return count_obstacles(p)


def assign(
    *,
    entries: Sequence[Entry],
    reviewers: Sequence[Reviewer],
    per_entry: int,
    conflicts: Sequence[Conflict] = (),
    affinities: Sequence[Affinity] = (),
    bids: Sequence[Bid] = (),
    similarity: np.ndarray | None = None,
    rule: AffinityRule = AffinityRule(),
    keep: Sequence[tuple[Hashable, Hashable]] = (),
    expert_per_entry: bool = False,
    org_cap: int | None = None,
    pair_cap: int | None = None,
    time_limit: float = 60.0,
    progress: Callable[[str], None] | None = None,
) -> Assignment:
    """Exactly `per_entry` reviewers per entry, loads within bounds, no conflict, best total affinity.

    `similarity` (entries × reviewers, optional) is added to the track-expertise affinity;
    `affinities` then replace or add per `rule.table_mode`. Raises AssignmentInfeasible with
    every obstacle found when no assignment exists, ValueError on inconsistent input.
    """
    p = compile_problem(
        entries=entries,
        reviewers=reviewers,
        per_entry=per_entry,
        conflicts=conflicts,
        affinities=affinities,
        bids=bids,
        similarity=similarity,
        rule=rule,
        keep=keep,
        expert_per_entry=expert_per_entry,
        org_cap=org_cap,
    )
    obstacles = count_obstacles(p)
    if obstacles:
        raise AssignmentInfeasible(obstacles)
    solved = solve_relaxation(p, progress=progress)
    if solved is None:
        raise AssignmentInfeasible(_explain_flow_failure(p))

    arcs, chosen, gain, bound = solved.arcs, solved.flow.chosen, solved.flow.gain, solved.bound
    method = "min-cost flow" + (" (dense)" if solved.dense else f", {solved.rounds} pricing round(s)")
    if p.expert_per_entry and p.org_cap is not None:
        arcs, chosen, gain, bound, method = _both_sides(p, solved, method, time_limit, progress)

    entry_reviewers: list[list[int]] = [[] for _ in range(p.n)]
    for e, j in p.kept:
        entry_reviewers[e].append(j)
    for e, j in zip(arcs.e[chosen], arcs.j[chosen], strict=True):
        entry_reviewers[e].append(int(j))
    moves = 0
    if pair_cap is not None:
        entry_reviewers, moves = limit_pair_overlap(p, entry_reviewers, set(p.kept), cap=pair_cap)
        if moves:
            method += f", {moves} overlap move(s)"
    return _result(
        p,
        entry_reviewers,
        gain,
        bound,
        method,
        pair_cap,
        arcs=arcs,
        chosen=chosen,
        solved=solved,
        moves=moves,
    )


def _both_sides(p: Problem, solved: Solved, method: str, time_limit: float, progress):
    arcs, flow = solved.arcs, solved.flow
    repaired = repair_org_experts(p, arcs, flow)
    if repaired is not None:
        bound = solved.bound
        if repaired[1] != flow.gain:
            method += ", organisation/expert repair"
            bound, repaired = lagrangian_org_experts(
                p, arcs, flow, bound=bound, best=repaired, progress=progress
            )
            method += ", multipliers"
        chosen, gain = repaired
        return arcs, chosen, gain, bound, method
    if progress:
        progress("flow repair failed; solving the MIP with HiGHS")
    chosen, mip_bound, infeasible = solve_mip(p, arcs, time_limit=time_limit)
    if chosen is None:
        arcs = all_arcs(p)
        chosen, mip_bound, infeasible = solve_mip(p, arcs, time_limit=time_limit)
    if chosen is None and solve_network(_without(p, expert=False), arcs, potentials=False) is None:
        raise AssignmentInfeasible(_explain_flow_failure(_without(p, expert=False)))
    if chosen is None:
        how = "HiGHS proved it" if infeasible else f"HiGHS found none within {time_limit:g} s"
        raise AssignmentInfeasible(
            (
                Obstacle(
                    "expert per entry + org cap",
                    "no assignment gives every entry a track expert while keeping at most "
                    f"{p.org_cap} reviewer(s) per organisation on it ({how})",
                ),
            )
        )
    gain = int(arcs.gain[chosen].sum())
    # the MIP's own bound holds only for its pairs; the flow's bound covers every pair
    bound = (
        solved.bound if mip_bound is None or len(arcs) < len(solved.arcs) else min(solved.bound, mip_bound)
    )
    return arcs, chosen, gain, max(bound, gain), method + ", HiGHS MIP"


def _explain_flow_failure(p: Problem) -> tuple[Obstacle, ...]:
    full = all_arcs(p)
    cut = cut_obstacles(p, full.e, full.j)
    if cut:
        return cut
    out = []
    if p.expert_per_entry:
        plain = solve_network(_without(p, expert=False), full, potentials=False)
        if plain is not None:
            out.append(
                Obstacle(
                    "expert per entry",
                    "every entry could get its reviewers, but not each a track "
                    "expert within the experts' loads",
                )
            )
    if p.org_cap is not None:
        plain = solve_network(_without(p, org=False), full, potentials=False)
        if plain is not None:
            out.append(
                Obstacle(
                    "org cap",
                    f"every entry could get its reviewers, but not with at most {p.org_cap} per organisation",
                )
            )
    return tuple(out) or (Obstacle("flow", "no assignment meets every rule together"),)


def _without(p: Problem, *, expert: bool = True, org: bool = True) -> Problem:
    return replace(p, expert_per_entry=p.expert_per_entry and expert, org_cap=p.org_cap if org else None)


def _result(
    p: Problem,
    entry_reviewers,
    gain: int,
    bound: int,
    method: str,
    pair_cap,
    *,
    arcs: Arcs,
    chosen: np.ndarray,
    solved: Solved,
    moves: int,
) -> Assignment:
    kept = set(p.kept)
    pairs, entry_of, new_gain, kept_value = [], [], 0, 0.0
    lookup = {
        (int(e), int(j)): int(g)
        for e, j, g in zip(arcs.e[chosen], arcs.j[chosen], arcs.gain[chosen], strict=True)
    }
    for e, js in enumerate(entry_reviewers):
        for j in sorted(js):
            if (e, j) in kept:
                value = p.raw_affinity(e, j)
                kept_value += value
            else:
                g = lookup.get((e, j))
                if g is None:  # the overlap search may pick a pair outside the candidate graph
                    a, _ = p.rows(e, e + 1)
                    g = int(np.round(a[0, j] * SCALE))
                new_gain += g
                value = g / SCALE
            pairs.append(
                Assigned(p.entries[e].id, p.reviewers[j].id, value, p.is_expert(e, j), (e, j) in kept)
            )
            entry_of.append(e)
    if moves == 0:
        assert new_gain == gain, (new_gain, gain)
    bound = max(bound, new_gain)
    objective = kept_value + new_gain / SCALE
    loads = {r.id: 0 for r in p.reviewers}
    for pair in pairs:
        loads[pair.reviewer] += 1
    avoided: dict[Hashable, tuple[Conflict, ...]] = {}
    order = np.argsort(p.conflict_entry, kind="stable")
    cuts = np.flatnonzero(np.diff(p.conflict_entry[order])) + 1
    for group in np.split(order, cuts) if len(order) else ():
        avoided[p.entries[p.conflict_entry[group[0]]].id] = tuple(p.conflicts[i] for i in group)
    sides = _sides(p, entry_reviewers, pair_cap)
    per_entry_sum = np.zeros(p.n)
    has_expert = np.zeros(p.n, dtype=bool)
    for e, js in enumerate(entry_reviewers):
        has_expert[e] = any(p.is_expert(e, j) for j in js)
    for i, pair in enumerate(pairs):
        per_entry_sum[entry_of[i]] += pair.affinity
    stats = {
        "candidate_pairs": float(len(arcs)),
        "pricing_rounds": float(solved.rounds),
        "expert_coverage": float(has_expert.mean()) if p.n else 1.0,
        "worst_entry_affinity": float(per_entry_sum.min()) if p.n else 0.0,
    }
    in_output = {(pr.entry, pr.reviewer) for pr in pairs}
    moved = sum(1 for e, j in p.kept if (p.entries[e].id, p.reviewers[j].id) not in in_output)
    return Assignment(
        pairs=tuple(pairs),
        objective=objective,
        bound=objective + (bound - new_gain) / SCALE,
        gap=(bound - new_gain) / max(abs(bound + kept_value * SCALE), 1.0),
        loads=MappingProxyType(loads),
        avoided=MappingProxyType(avoided),
        sides=sides,
        released=p.released,
        kept=len(p.kept),
        moved=moved,
        method=method,
        stats=MappingProxyType(stats),
    )


def _sides(p: Problem, entry_reviewers, pair_cap) -> tuple[SideStatus, ...]:
    out = []
    if p.expert_per_entry:
        lacking = [
            p.entries[e].id
            for e, js in enumerate(entry_reviewers)
            if p.entry_track[e] >= 0 and not any(p.is_expert(e, j) for j in js)
        ]
        out.append(
            SideStatus(
                "expert per entry",
                not lacking,
                "every entry has a track expert" if not lacking else f"{len(lacking)} entries lack one",
            )
        )
    if p.org_cap is not None:
        over = 0
        for js in entry_reviewers:
            orgs = [int(p.org[j]) for j in js if p.org[j] >= 0]
            over += sum(1 for o in set(orgs) if orgs.count(o) > p.org_cap)
        out.append(
            SideStatus(
                "org cap",
                over == 0,
                f"at most {p.org_cap} per organisation on every entry"
                if not over
                else f"{over} (entry, organisation) pairs above {p.org_cap}",
            )
        )
    if pair_cap is not None:
        shared = overlap_counts(entry_reviewers)
        worst = max(shared.values(), default=0)
        over = sum(1 for v in shared.values() if v > pair_cap)
        out.append(
            SideStatus(
                "pair cap",
                over == 0,
                f"reviewer pairs share at most {worst} entries (cap {pair_cap})"
                if not over
                else f"{over} reviewer pairs share more than {pair_cap} entries (worst {worst})",
            )
        )
    return tuple(out)
