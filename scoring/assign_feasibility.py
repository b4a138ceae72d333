"""Why an assignment cannot exist, said precisely enough for an organiser to fix the round.

Counting checks come first (totals, each entry's eligible reviewers, each track's experts);
when they all pass and the flow is still infeasible, a minimum cut of the max-flow names the
group of entries whose eligible reviewers are too few, or the reviewers whose minimum loads
cannot be reached.
"""

from __future__ import annotations

import numpy as np

from scoring.assign_model import Obstacle
from scoring.assign_problem import Problem
from scoring.deferred import deferred

max_flow = deferred("ortools.graph.python.max_flow")

SHOWN = 8


def _names(items) -> str:
    items = list(items)
    text = ", ".join(str(x) for x in items[:SHOWN])
    return text + (f" and {len(items) - SHOWN} more" if len(items) > SHOWN else "")


def count_obstacles(p: Problem) -> tuple[Obstacle, ...]:
    """Obstacles found by counting alone; empty does not yet prove feasibility."""
    kept = _kept_obstacles(p)
    if kept:
        return tuple(kept)
    out = _total_obstacles(p)
    short, no_expert, eligible_per_reviewer = _scan_eligibility(p)
    out += _eligibility_obstacles(p, short, no_expert)
    if p.expert_per_entry:
        out.extend(_expert_capacity(p))
    starved = np.flatnonzero(p.lo > eligible_per_reviewer)
    if len(starved):
        ids_r = [r.id for r in p.reviewers]
        out.append(
            Obstacle(
                "min load",
                f"reviewers whose minimum load exceeds the entries they may review: "
                f"{_names(ids_r[j] for j in starved)}",
                reviewers=tuple(ids_r[j] for j in starved),
            )
        )
    return tuple(out)


def _kept_obstacles(p: Problem) -> list[Obstacle]:
    """Kept assignments that already break a bound: nothing else is worth counting until they are fixed."""
    out: list[Obstacle] = []
    ids_e = [e.id for e in p.entries]
    ids_r = [r.id for r in p.reviewers]
    over_k = np.flatnonzero(p.demand < 0)
    if len(over_k):
        out.append(
            Obstacle(
                "keep",
                f"entries with more kept reviewers than {p.per_entry}: {_names(ids_e[i] for i in over_k)}",
                entries=tuple(ids_e[i] for i in over_k),
            )
        )
    over_max = np.flatnonzero(p.hi < 0)
    if len(over_max):
        out.append(
            Obstacle(
                "keep",
                f"reviewers with more kept assignments than their max load: "
                f"{_names(ids_r[j] for j in over_max)}",
                reviewers=tuple(ids_r[j] for j in over_max),
            )
        )
    broken = sorted((e, o) for (e, o), left in p.org_cap_left.items() if left < 0)
    if broken:
        out.append(
            Obstacle(
                "org cap",
                "kept assignments already put more than "
                f"{p.org_cap} reviewers of one organisation on: {_names(ids_e[e] for e, _ in broken)}",
                entries=tuple(ids_e[e] for e, _ in broken),
            )
        )
    return out


def _total_obstacles(p: Problem) -> list[Obstacle]:
    """The slots to fill against the reviewers' total capacity and total minimum load."""
    out: list[Obstacle] = []
    need = int(p.demand.sum())
    capacity = int(p.hi.sum())
    if capacity < need:
        out.append(
            Obstacle(
                "capacity",
                f"total reviewer capacity {capacity} is below the {need} slots to fill "
                f"({p.per_entry} per entry × {p.n} entries, minus kept)",
            )
        )
    floor = int(p.lo.sum())
    if floor > need:
        out.append(
            Obstacle(
                "min load",
                f"the reviewers' minimum loads add up to {floor}, above the {need} "
                f"slots to fill ({p.per_entry} per entry × {p.n} entries, minus kept)",
            )
        )
    return out


def _scan_eligibility(p: Problem) -> tuple[list[int], list[int], np.ndarray]:
    """In blocks of entries: those with fewer eligible reviewers than slots, those without an eligible expert,
    and how many entries each reviewer may review."""
    short: list[int] = []
    no_expert: list[int] = []
    eligible_per_reviewer = np.zeros(p.m, dtype=np.int64)
    n_org = len(p.org_names)
    onehot = np.zeros((p.m, n_org + 1))
    onehot[np.arange(p.m), np.where(p.org < 0, n_org, p.org)] = 1.0
    step = p.block_size()
    for e0 in range(0, p.n, step):
        e1 = min(p.n, e0 + step)
        aff, expert = p.rows(e0, e1)
        ok = np.isfinite(aff)
        eligible_per_reviewer += ok.sum(axis=0)
        count = _eligible_count(p, ok, onehot, e0, e1) if p.org_cap is not None else ok.sum(axis=1)
        short.extend(int(i) + e0 for i in np.flatnonzero(count < p.demand[e0:e1]))
        if p.expert_per_entry:
            lacking = (p.need_expert[e0:e1] > 0) & ~(ok & expert).any(axis=1)
            no_expert.extend(int(i) + e0 for i in np.flatnonzero(lacking))
    return short, no_expert, eligible_per_reviewer


def _eligible_count(p: Problem, ok: np.ndarray, onehot: np.ndarray, e0: int, e1: int) -> np.ndarray:
    """Eligible reviewers per entry of the block, counting at most the organisation cap from each organisation."""
    n_org = len(p.org_names)
    per_org = (ok @ onehot).astype(np.int64)
    cap = np.full(per_org[:, :n_org].shape, p.org_cap, dtype=np.int64)
    for (e, o), left in p.org_cap_left.items():
        if e0 <= e < e1:
            cap[e - e0, o] = left
    return np.minimum(per_org[:, :n_org], cap).sum(axis=1) + per_org[:, n_org]


def _eligibility_obstacles(p: Problem, short: list[int], no_expert: list[int]) -> list[Obstacle]:
    out: list[Obstacle] = []
    ids_e = [e.id for e in p.entries]
    if short:
        rule = "eligible reviewers" + (f" (at most {p.org_cap} per organisation)" if p.org_cap else "")
        detail = "; ".join(f"{ids_e[e]} has {p.demand[e]} slots" for e in short[:3])
        out.append(
            Obstacle(
                "eligibility",
                f"{len(short)} entries have fewer {rule} than slots to fill: "
                f"{_names(ids_e[e] for e in short)} ({detail})",
                entries=tuple(ids_e[e] for e in short),
            )
        )
    by_track: dict[str, list] = {}
    for e in no_expert:
        by_track.setdefault(str(p.entries[e].track), []).append(ids_e[e])
    for track, es in sorted(by_track.items()):
        out.append(
            Obstacle(
                "expert per entry",
                f"track {track}: no eligible expert for entries {_names(es)}",
                entries=tuple(es),
            )
        )
    return out


def _expert_capacity(p: Problem) -> list[Obstacle]:
    out = []
    for t in range(len(p.reviewer_tracks) - 1):
        needing = np.flatnonzero((p.entry_track == t) & (p.need_expert > 0))
        experts = np.flatnonzero(p.reviewer_tracks[t])
        capacity = int(np.maximum(p.hi[experts], 0).sum())
        if len(needing) > capacity:
            track = p.entries[needing[0]].track
            out.append(
                Obstacle(
                    "expert per entry",
                    f"track {track}: {len(needing)} entries need an expert but its "
                    f"{len(experts)} experts can take only {capacity}",
                    entries=tuple(p.entries[e].id for e in needing),
                )
            )
    return out


def cut_obstacles(p: Problem, e: np.ndarray, j: np.ndarray) -> tuple[Obstacle, ...]:
    """Name the binding group through a minimum cut over the eligible pairs (e, j)."""
    out = []
    ids_e = [x.id for x in p.entries]
    ids_r = [x.id for x in p.reviewers]
    for side in ("max", "min"):
        bound = np.maximum(p.hi if side == "max" else p.lo, 0)
        mf = max_flow.SimpleMaxFlow()
        source, sink = p.m + p.n, p.m + p.n + 1
        tails = np.concatenate([np.full(p.m, source), j, p.m + np.arange(p.n)])
        heads = np.concatenate([np.arange(p.m), p.m + e, np.full(p.n, sink)])
        caps = np.concatenate([bound, np.ones(len(e), dtype=np.int64), np.maximum(p.demand, 0)])
        mf.add_arcs_with_capacity(tails.astype(np.int64), heads.astype(np.int64), caps.astype(np.int64))
        if mf.solve(source, sink) != mf.OPTIMAL:
            continue
        want = int(caps[: p.m].sum()) if side == "min" else int(p.demand.sum())
        got = mf.optimal_flow()
        if got >= want:
            continue
        s_side = np.zeros(p.m + p.n + 2, dtype=bool)
        s_side[np.asarray(mf.get_source_side_min_cut(), dtype=np.int64)] = True
        if side == "max":
            group = [i for i in range(p.n) if not s_side[p.m + i]]
            slots = int(p.demand[group].sum())
            out.append(
                Obstacle(
                    "capacity",
                    f"{len(group)} entries need {slots} slots but the reviewers eligible "
                    f"for them can give at most {slots - (want - got)}: {_names(ids_e[i] for i in group)}",
                    entries=tuple(ids_e[i] for i in group),
                )
            )
        else:
            group = [r for r in range(p.m) if s_side[r]]
            out.append(
                Obstacle(
                    "min load",
                    f"{len(group)} reviewers cannot all reach their minimum load: the entries "
                    f"they may review lack {want - got} slots: {_names(ids_r[r] for r in group)}",
                    reviewers=tuple(ids_r[r] for r in group),
                )
            )
    return tuple(out)
