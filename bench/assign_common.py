"""Shared pieces of the assignment benchmarks: the instance generator, a checker, the greedy baseline.

The generator follows scoring-research §3 (`assign_bench.py:make_instance`): affinity =
0.6 × rescaled cosine of 16-d random embeddings + 0.4 × (juror lists the entry's track); 8 tracks,
each juror covers 1–2; organisations of about 10 jurors; random conflicts.
"""

from __future__ import annotations

import csv
import gc
import resource
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from scoring.assign import AffinityRule, Conflict, Entry, Reviewer


@dataclass
class Instance:
    entries: list[Entry]
    reviewers: list[Reviewer]
    conflicts: list[Conflict]
    similarity: np.ndarray  # float32, entries × jurors: the cosine part of the affinity
    rule: AffinityRule
    per_entry: int
    banned: np.ndarray  # bool mask of conflicts, for the checker and the greedy baseline

    def affinity(self) -> np.ndarray:
        expert = self.expert_mask()
        return self.similarity + np.where(expert, self.rule.expert, self.rule.base).astype(np.float32)

    def expert_mask(self) -> np.ndarray:
        tracks = sorted({e.track for e in self.entries})
        index = {t: i for i, t in enumerate(tracks)}
        covers = np.zeros((len(tracks), len(self.reviewers)), dtype=bool)
        for j, r in enumerate(self.reviewers):
            for t in r.tracks:
                covers[index[t], j] = True
        return covers[[index[e.track] for e in self.entries]]


def make_instance(
    *,
    n: int,
    m: int,
    k: int = 3,
    lo: int = 25,
    hi: int = 35,
    conflict_rate: float = 0.02,
    tracks: int = 8,
    org_size: int = 10,
    expert_weight: float = 0.4,
    seed: int = 0,
) -> Instance:
    rng = np.random.default_rng(seed)
    entry_track = rng.integers(0, tracks, n)
    entries = [Entry(i, track=f"t{t}") for i, t in enumerate(entry_track)]
    reviewers = []
    for j in range(m):
        own = {f"t{t}" for t in rng.choice(tracks, size=rng.integers(1, 3), replace=False)}
        reviewers.append(
            Reviewer(j, tracks=frozenset(own), organisation=f"org{j // org_size}", min_load=lo, max_load=hi)
        )
    a = rng.normal(size=(n, 16)).astype(np.float32)
    b = rng.normal(size=(m, 16)).astype(np.float32)
    a /= np.linalg.norm(a, axis=1, keepdims=True)
    b /= np.linalg.norm(b, axis=1, keepdims=True)
    similarity = a @ b.T
    similarity += 1.0
    similarity *= 0.5 * (1.0 - expert_weight)
    banned = rng.random((n, m), dtype=np.float32) < conflict_rate
    ce, cj = np.nonzero(banned)
    conflicts = [Conflict(int(e), int(j), "declared") for e, j in zip(ce, cj, strict=True)]
    return Instance(
        entries, reviewers, conflicts, similarity, AffinityRule(expert=expert_weight, base=0.0), k, banned
    )


def check(
    inst: Instance, pairs: list[tuple[int, int]], *, expert: bool = False, org_cap: int | None = None
) -> None:
    """Independent check of every hard rule; raises AssertionError naming the first fault."""
    n, m = len(inst.entries), len(inst.reviewers)
    e = np.fromiter((p[0] for p in pairs), dtype=np.int64, count=len(pairs))
    j = np.fromiter((p[1] for p in pairs), dtype=np.int64, count=len(pairs))
    assert len(np.unique(e * m + j)) == len(pairs), "a juror twice on an entry"
    assert (np.bincount(e, minlength=n) == inst.per_entry).all(), "not k jurors on every entry"
    load = np.bincount(j, minlength=m)
    lo = np.array([r.min_load for r in inst.reviewers])
    hi = np.array([r.max_load for r in inst.reviewers])
    assert ((lo <= load) & (load <= hi)).all(), "a load out of bounds"
    assert not inst.banned[e, j].any(), "a conflict assigned"
    if expert:
        assert np.bincount(e, weights=inst.expert_mask()[e, j], minlength=n).min() >= 1, (
            "an entry without expert"
        )
    if org_cap is not None:
        orgs = np.array([int(r.organisation[3:]) for r in inst.reviewers])
        keys = e * (orgs.max() + 1) + orgs[j]
        assert np.unique(keys, return_counts=True)[1].max() <= org_cap, "organisation cap broken"


def greedy(inst: Instance, *, shortlist: int = 100) -> tuple[list[tuple[int, int]], float, int]:
    """Global-sort greedy (each entry's best `shortlist` jurors), then a repair pass for short entries.

    Returns (pairs, total affinity, jurors left below their minimum load).
    """
    n, m, k = len(inst.entries), len(inst.reviewers), inst.per_entry
    expert = inst.expert_mask()
    rows, cols, vals = [], [], []
    for e0 in range(0, n, 2000):
        a = inst.similarity[e0 : e0 + 2000] + np.where(
            expert[e0 : e0 + 2000], inst.rule.expert, inst.rule.base
        )
        a[inst.banned[e0 : e0 + 2000]] = -np.inf
        top = np.argpartition(-a, shortlist, axis=1)[:, :shortlist]
        rows.append(np.repeat(np.arange(e0, e0 + len(a)), shortlist))
        cols.append(top.ravel())
        vals.append(np.take_along_axis(a, top, axis=1).ravel())
    rows, cols, vals = np.concatenate(rows), np.concatenate(cols), np.concatenate(vals)
    order = np.argsort(-vals, kind="stable")
    need = np.full(n, k)
    cap = np.array([r.max_load for r in inst.reviewers])
    taken = set()
    total = 0.0
    for i in order:
        e, j = int(rows[i]), int(cols[i])
        if need[e] and cap[j] and np.isfinite(vals[i]):
            need[e] -= 1
            cap[j] -= 1
            taken.add((e, j))
            total += float(vals[i])
    for e in np.flatnonzero(need):  # repair: any juror with room, best first
        a = inst.similarity[e] + np.where(expert[e], inst.rule.expert, inst.rule.base)
        for j in np.argsort(-a):
            if need[e] == 0:
                break
            if cap[j] and not inst.banned[e, j] and (int(e), int(j)) not in taken:
                need[e] -= 1
                cap[j] -= 1
                taken.add((int(e), int(j)))
                total += float(a[j])
    load = np.bincount([j for _, j in taken], minlength=m)
    below = int((load < np.array([r.min_load for r in inst.reviewers])).sum())
    return sorted(taken), total, below


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def write_instance(inst: Instance, folder: Path) -> dict[str, Path]:
    """entries, jurors, conflicts and an affinity row for every allowed pair, as the CLI reads them."""
    paths = {name: folder / f"{name}.csv" for name in ("entries", "jurors", "conflicts", "affinity")}
    with paths["entries"].open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["entry", "track"])
        writer.writerows([f"e{e.id}", e.track] for e in inst.entries)
    with paths["jurors"].open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["juror", "tracks", "organisation", "min_load", "max_load"])
        writer.writerows([f"j{r.id}", ";".join(sorted(r.tracks)), r.organisation, r.min_load, r.max_load]
                         for r in inst.reviewers)
    with paths["conflicts"].open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["entry", "juror"])
        writer.writerows([f"e{c.entry}", f"j{c.reviewer}"] for c in inst.conflicts)
    affinity = inst.affinity()
    allowed = np.argwhere(~inst.banned)
    with paths["affinity"].open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["entry", "juror", "affinity"])
        writer.writerows([f"e{e}", f"j{j}", f"{affinity[e, j]:.6f}"] for e, j in allowed.tolist())
    return paths


def plain_read(paths: dict[str, Path]) -> float:
    """The least any reader does: every file through the csv module, rows kept."""
    gc.disable()  # as fast as it gets: `giuria assign` reads with the collector paused too
    try:
        t0 = time.perf_counter()
        for path in paths.values():
            with path.open(newline="", encoding="utf-8") as handle:
                list(csv.reader(handle))
        return time.perf_counter() - t0
    finally:
        gc.enable()
