"""The assignment problem compiled to index arrays, with affinities computed block by block.

A dense entries × reviewers matrix is never held (20,000 × 2,000 would be 320 MB per copy):
affinity rows are rebuilt on demand for a block of entries, which is cheap and keeps memory
flat when the candidate set is chosen and when optimality is checked against every pair.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np

from scoring.assign_model import (
    Affinity,
    AffinityRule,
    AffinityTable,
    Bid,
    Conflict,
    Entry,
    Released,
    Reviewer,
)

SCALE = 1_000_000
"""Affinities are compared as integers at this resolution (OR-Tools costs are integers)."""

MAX_AFFINITY = 1e4

BLOCK_CELLS = 2_000_000


@dataclass(frozen=True, eq=False)
class Problem:
    """Index arrays for one solve; row i of every per-entry array is `entries[i]`."""

    entries: tuple[Entry, ...]
    reviewers: tuple[Reviewer, ...]
    per_entry: int
    demand: np.ndarray  # slots still to fill per entry (per_entry minus kept pairs)
    lo: np.ndarray  # load bounds still to fill per reviewer
    hi: np.ndarray
    kept_load: np.ndarray
    need_expert: np.ndarray  # 1 where the entry still needs its track expert
    entry_track: np.ndarray  # -1 when the entry has no track
    reviewer_tracks: np.ndarray  # (tracks + 1) × reviewers, last row all False
    entry_language: np.ndarray
    reviewer_languages: np.ndarray  # (languages + 1) × reviewers; last row all True
    org: np.ndarray  # organisation index per reviewer, -1 for none
    org_names: tuple[str, ...]
    org_cap: int | None
    org_cap_left: dict[tuple[int, int], int]  # (entry, org) -> cap minus kept pairs, where kept
    expert_per_entry: bool
    banned: tuple[np.ndarray, np.ndarray]  # conflicts and kept pairs, sorted by entry
    table: tuple[np.ndarray, np.ndarray, np.ndarray]
    bids: tuple[np.ndarray, np.ndarray, np.ndarray]
    similarity: np.ndarray | None
    rule: AffinityRule
    kept: tuple[tuple[int, int], ...]
    released: tuple[Released, ...]
    conflicts: tuple[Conflict, ...]
    conflict_entry: np.ndarray  # entry index of each conflict

    @property
    def n(self) -> int:
        return len(self.entries)

    @property
    def m(self) -> int:
        return len(self.reviewers)

    def block_size(self) -> int:
        return max(1, BLOCK_CELLS // max(1, self.m))

    def rows(self, e0: int, e1: int) -> tuple[np.ndarray, np.ndarray]:
        """Affinity (−inf where the pair may not be assigned) and expertise for entries e0..e1."""
        tracks = np.where(self.entry_track[e0:e1] < 0, len(self.reviewer_tracks) - 1, self.entry_track[e0:e1])
        expert = self.reviewer_tracks[tracks]
        rule = self.rule
        aff = np.where(expert, rule.expert, rule.base).astype(np.float64)
        if self.similarity is not None:
            aff += self.similarity[e0:e1]
        _scatter(aff, self.bids, e0, e1, add=True)
        _scatter(aff, self.table, e0, e1, add=rule.table_mode == "add")
        langs = np.where(
            self.entry_language[e0:e1] < 0, len(self.reviewer_languages) - 1, self.entry_language[e0:e1]
        )
        aff[~self.reviewer_languages[langs]] = -np.inf
        aff[:, self.hi <= 0] = -np.inf
        be, bj = _slice(self.banned, e0, e1)
        aff[be - e0, bj] = -np.inf
        return aff, expert

    def pair_values(self, e: np.ndarray, j: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Affinity and expertise of given pairs (sorted by entry), computed block by block."""
        aff = np.empty(len(e))
        expert = np.empty(len(e), dtype=bool)
        step = self.block_size()
        for e0 in range(0, self.n, step):
            lo, hi = np.searchsorted(e, [e0, e0 + step])
            if lo == hi:
                continue
            a, x = self.rows(e0, min(self.n, e0 + step))
            aff[lo:hi] = a[e[lo:hi] - e0, j[lo:hi]]
            expert[lo:hi] = x[e[lo:hi] - e0, j[lo:hi]]
        return aff, expert

    def raw_affinity(self, e: int, j: int) -> float:
        """Affinity of one pair ignoring eligibility (for reporting kept pairs)."""
        tracks = self.entry_track[e]
        expert = tracks >= 0 and bool(self.reviewer_tracks[tracks, j])
        value = self.rule.expert if expert else self.rule.base
        if self.similarity is not None:
            value += float(self.similarity[e, j])
        for (ae, aj, av), add in ((self.bids, True), (self.table, self.rule.table_mode == "add")):
            lo, hi = np.searchsorted(ae, [e, e + 1])
            hit = np.flatnonzero(aj[lo:hi] == j)
            if len(hit):
                value = value + float(av[lo + hit[0]]) if add else float(av[lo + hit[0]])
        return float(value)

    def is_expert(self, e: int, j: int) -> bool:
        return bool(self.entry_track[e] >= 0 and self.reviewer_tracks[self.entry_track[e], j])


def _slice(pairs, e0: int, e1: int):
    e = pairs[0]
    lo, hi = np.searchsorted(e, [e0, e1])
    return tuple(p[lo:hi] for p in pairs)


def _scatter(aff: np.ndarray, triples, e0: int, e1: int, *, add: bool) -> None:
    e, j, v = _slice(triples, e0, e1)
    if add:
        np.add.at(aff, (e - e0, j), v)
    else:
        aff[e - e0, j] = v


def _sorted_pairs(e, j, v=None):
    e_arr = np.asarray(e, dtype=np.int64)
    j_arr = np.asarray(j, dtype=np.int64)
    order = np.lexsort((j_arr, e_arr))
    out = [e_arr[order], j_arr[order]]
    if v is not None:
        out.append(np.asarray(v, dtype=np.float64)[order])
    return tuple(out)


def compile_problem(
    *,
    entries: Sequence[Entry],
    reviewers: Sequence[Reviewer],
    per_entry: int,
    conflicts: Sequence[Conflict],
    affinities: Sequence[Affinity] | AffinityTable,
    bids: Sequence[Bid],
    similarity: np.ndarray | None,
    rule: AffinityRule,
    keep: Sequence[tuple[Hashable, Hashable]],
    expert_per_entry: bool,
    org_cap: int | None,
) -> Problem:
    """Check the inputs' own consistency and build the index arrays; raises ValueError listing every fault."""
    entries, reviewers = tuple(entries), tuple(reviewers)
    errors: list[str] = []
    e_index = _index(entries, "entry", errors)
    j_index = _index(reviewers, "reviewer", errors)
    errors += _bound_errors(entries, reviewers, per_entry=per_entry, org_cap=org_cap, similarity=similarity)
    pairs = _PairIndex(entries, reviewers, e_index, j_index, errors)
    table = _table(affinities)
    ce, cj = pairs.indices([c.entry for c in conflicts], [c.reviewer for c in conflicts], "conflict")
    te, tj = pairs.indices(table.entry, table.reviewer, "affinity")
    be_, bj_ = pairs.indices([b.entry for b in bids], [b.reviewer for b in bids], "bid")
    values = np.asarray(table.value, dtype=np.float64)
    weights = np.asarray([b.weight for b in bids], dtype=np.float64)
    errors += _value_errors(values, weights, rule=rule, similarity=similarity)
    if errors:
        raise ValueError("; ".join(errors))

    entry_track, reviewer_tracks = _track_tables(entries, reviewers)
    entry_language, reviewer_languages = _language_tables(entries, reviewers)
    org_names = tuple(sorted({r.organisation for r in reviewers if r.organisation}))
    o_index = {o: i for i, o in enumerate(org_names)}
    org = np.array(
        [o_index.get(r.organisation, -1) if r.organisation else -1 for r in reviewers], dtype=np.int64
    )
    kept, released = _kept_pairs(
        keep, e_index, j_index, conflicts=conflicts, ce=ce.tolist(), cj=cj.tolist(),
        entry_language=entry_language, reviewer_languages=reviewer_languages,
    )

    n, m = len(entries), len(reviewers)
    kept_entry = np.bincount([e for e, _ in kept], minlength=n).astype(np.int64)
    kept_load = np.bincount([j for _, j in kept], minlength=m).astype(np.int64)
    lo = np.array([r.min_load for r in reviewers], dtype=np.int64)
    hi = np.array([r.max_load for r in reviewers], dtype=np.int64)
    need = np.zeros(n, dtype=np.int64)
    if expert_per_entry:
        need[:] = entry_track >= 0  # an entry without a track has no expert to ask for
        for e, j in kept:
            if entry_track[e] >= 0 and reviewer_tracks[entry_track[e], j]:
                need[e] = 0
    org_cap_left: dict[tuple[int, int], int] = {}
    if org_cap is not None:
        for e, j in kept:
            if org[j] >= 0:
                key = (e, int(org[j]))
                org_cap_left[key] = org_cap_left.get(key, org_cap) - 1

    banned_e = np.concatenate([ce, np.array([e for e, _ in kept], dtype=np.int64)])
    banned_j = np.concatenate([cj, np.array([j for _, j in kept], dtype=np.int64)])
    return Problem(
        entries=entries,
        reviewers=reviewers,
        per_entry=per_entry,
        demand=per_entry - kept_entry,
        lo=np.maximum(0, lo - kept_load),
        hi=hi - kept_load,
        kept_load=kept_load,
        need_expert=need,
        entry_track=entry_track,
        reviewer_tracks=reviewer_tracks,
        entry_language=entry_language,
        reviewer_languages=reviewer_languages,
        org=org,
        org_names=org_names,
        org_cap=org_cap,
        org_cap_left=org_cap_left,
        expert_per_entry=expert_per_entry,
        banned=_sorted_pairs(banned_e, banned_j),
        table=_sorted_pairs(te, tj, values),
        bids=_sorted_pairs(be_, bj_, weights),
        similarity=None if similarity is None else np.asarray(similarity),
        rule=rule,
        kept=tuple(kept),
        released=tuple(released),
        conflicts=tuple(conflicts),
        conflict_entry=np.asarray(ce, dtype=np.int64),
    )


def _bound_errors(entries: tuple[Entry, ...], reviewers: tuple[Reviewer, ...], *, per_entry: int,
                  org_cap: int | None, similarity: np.ndarray | None) -> list[str]:
    errors = []
    if per_entry < 1:
        errors.append(f"per_entry must be at least 1, not {per_entry}")
    if org_cap is not None and org_cap < 1:
        errors.append(f"org_cap must be at least 1, not {org_cap}")
    for r in reviewers:
        if r.min_load < 0 or r.max_load < 0:
            errors.append(f"reviewer {r.id!r}: negative load bound")
        elif r.min_load > r.max_load:
            errors.append(f"reviewer {r.id!r}: min_load {r.min_load} above max_load {r.max_load}")
    if similarity is not None and np.shape(similarity) != (len(entries), len(reviewers)):
        errors.append(
            f"similarity must be entries × reviewers {(len(entries), len(reviewers))}, "
            f"not {np.shape(similarity)}"
        )
    return errors


@dataclass(frozen=True)
class _PairIndex:
    """Turns (entry, reviewer) rows into index lists, reporting unknown ids and repeated pairs in `errors`."""

    entries: tuple[Entry, ...]
    reviewers: tuple[Reviewer, ...]
    e_index: dict[Hashable, int]
    j_index: dict[Hashable, int]
    errors: list[str]

    def indices(self, entry_ids: Sequence, reviewer_ids: Sequence, what: str) -> tuple[np.ndarray, np.ndarray]:
        # whole columns at once: a round's conflicts or affinities can number in the hundreds of thousands
        try:
            es = np.fromiter(map(self.e_index.__getitem__, entry_ids), np.int64, len(entry_ids))
            js = np.fromiter(map(self.j_index.__getitem__, reviewer_ids), np.int64, len(reviewer_ids))
        except KeyError:
            for entry, reviewer in zip(entry_ids, reviewer_ids, strict=True):
                if entry not in self.e_index or reviewer not in self.j_index:
                    self.errors.append(f"{what} ({entry!r}, {reviewer!r}) names an unknown "
                                       f"{'entry' if entry not in self.e_index else 'reviewer'}")
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        if what != "conflict" and _repeated(es, js, len(self.reviewers)):
            counts = Counter(zip(es.tolist(), js.tolist(), strict=True))
            self.errors.extend(
                f"{what} ({self.entries[e].id!r}, {self.reviewers[j].id!r}) given twice"
                for (e, j), c in counts.items()
                if c > 1
            )
        return es, js


def _repeated(es: np.ndarray, js: np.ndarray, m: int) -> bool:
    """Whether a pair of indices comes twice (one integer per pair, sorted: no tuple per pair)."""
    codes = es * max(m, 1) + js
    codes.sort()
    return bool((codes[1:] == codes[:-1]).any())


def _table(affinities: Sequence[Affinity] | AffinityTable) -> AffinityTable:
    if isinstance(affinities, AffinityTable):
        return affinities
    return AffinityTable([a.entry for a in affinities], [a.reviewer for a in affinities],
                         [a.value for a in affinities])


def _value_errors(values: np.ndarray, weights: np.ndarray, *, rule: AffinityRule,
                  similarity: np.ndarray | None) -> list[str]:
    errors = []
    if not np.isfinite(values).all() or not np.isfinite(weights).all():
        errors.append("affinities and bids must be finite numbers")
    magnitudes = [abs(rule.expert), abs(rule.base), float(np.abs(values).max(initial=0.0)),
                  float(np.abs(weights).max(initial=0.0))]
    if similarity is not None and np.size(similarity):
        magnitudes.append(float(np.abs(similarity).max()))
    if max(magnitudes, default=0.0) > MAX_AFFINITY:
        errors.append(
            f"affinities must lie within ±{MAX_AFFINITY:g} (integer costs at 1e-6 must not overflow)"
        )
    return errors


def _track_tables(entries: tuple[Entry, ...], reviewers: tuple[Reviewer, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Each entry's track index (-1 for none) and which reviewers are experts of each track."""
    tracks = sorted({e.track for e in entries if e.track is not None})
    t_index = {t: i for i, t in enumerate(tracks)}
    reviewer_tracks = np.zeros((len(tracks) + 1, len(reviewers)), dtype=bool)
    for j, r in enumerate(reviewers):
        for t in r.tracks:
            if t in t_index:
                reviewer_tracks[t_index[t], j] = True
    entry_track = np.array(
        [t_index.get(e.track, -1) if e.track is not None else -1 for e in entries], dtype=np.int64
    )
    return entry_track, reviewer_tracks


def _language_tables(entries: tuple[Entry, ...], reviewers: tuple[Reviewer, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Each entry's language index (-1 for none) and which reviewers read each language."""
    languages = sorted({e.language for e in entries if e.language is not None})
    l_index = {x: i for i, x in enumerate(languages)}
    reviewer_languages = np.ones((len(languages) + 1, len(reviewers)), dtype=bool)
    for j, r in enumerate(reviewers):
        if r.languages:  # a reviewer who lists no language is not restricted
            for x, i in l_index.items():
                reviewer_languages[i, j] = x in r.languages
    entry_language = np.array(
        [l_index[e.language] if e.language is not None else -1 for e in entries], dtype=np.int64
    )
    return entry_language, reviewer_languages


def _kept_pairs(keep: Sequence[tuple[Hashable, Hashable]], e_index: dict[Hashable, int],
                j_index: dict[Hashable, int], *, conflicts: Sequence[Conflict], ce: list, cj: list,
                entry_language: np.ndarray, reviewer_languages: np.ndarray,
                ) -> tuple[list[tuple[int, int]], list[Released]]:
    """The existing pairs that stay, and those released with the reason why."""
    keep_ids = set(keep)
    conflict_set: dict[tuple[int, int], list[Conflict]] = {}
    for c, e, j in zip(conflicts, ce, cj, strict=True):
        if (c.entry, c.reviewer) in keep_ids:  # only kept pairs need the lookup
            conflict_set.setdefault((e, j), []).append(c)

    kept: list[tuple[int, int]] = []
    released: list[Released] = []
    seen_keep: set[tuple[int, int]] = set()
    for entry_id, reviewer_id in keep:
        e, j = e_index.get(entry_id), j_index.get(reviewer_id)
        reason = None
        if e is None:
            reason = "entry no longer in the round"
        elif j is None:
            reason = "reviewer no longer in the pool"
        elif (e, j) in seen_keep:
            reason = "listed twice"
        elif (e, j) in conflict_set:
            reason = "conflict: " + ", ".join(sorted({c.rule for c in conflict_set[(e, j)]}))
        elif entry_language[e] >= 0 and not reviewer_languages[entry_language[e], j]:
            reason = "reviewer does not read the entry's language"
        if reason:
            released.append(Released(entry_id, reviewer_id, reason))
            continue
        seen_keep.add((e, j))
        kept.append((e, j))
    return kept, released


def _index(items, what: str, errors: list[str]) -> dict[Hashable, int]:
    index: dict[Hashable, int] = {}
    for i, item in enumerate(items):
        if item.id in index:
            errors.append(f"{what} {item.id!r} given twice")
        index.setdefault(item.id, i)
    return index
