"""Ranked votes of a final jury: each juror ranks the finalists, and a declared method makes one ranking.

A ballot lists entries from most to least preferred; a set in the ballot is a group the juror
ranks equal. Entries left off a ballot are ranked equal to each other and below every entry on
it (a partial ballot). Ties in the result are settled only by a rule declared before the vote:

- "shared": tied entries share the place;
- a sequence of every candidate: earlier in the sequence wins a tie (e.g. an order drawn by lot
  in public before the vote);
- "borda" (Schulze only): the Borda count decides, and entries still equal share the place.

Results carry the counts behind them (Borda points, the pairwise preference matrix and the
strongest paths), so an organiser can show why an entry placed where it did.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence, Set
from dataclasses import dataclass
from typing import Literal

import numpy as np

Ballot = Sequence[Hashable | Set]
TieBreak = Literal["shared", "borda"] | Sequence[Hashable]


@dataclass(frozen=True)
class VoteResult:
    """Places from first to last; each place holds one entry, or several sharing it under "shared"."""

    method: Literal["borda", "schulze"]
    candidates: tuple[Hashable, ...]
    places: tuple[tuple[Hashable, ...], ...]
    tie_broken: tuple[tuple[Hashable, ...], ...]  # groups the method left equal, before the tie rule
    ballots: int
    points: dict[Hashable, float]  # Borda points; for Schulze only when the tie rule is "borda"
    preferences: tuple[tuple[int, ...], ...]  # [i][j]: jurors ranking candidate i above candidate j
    strongest_paths: tuple[tuple[int, ...], ...]  # Schulze only: strength of the strongest path i to j

    @property
    def ranking(self) -> tuple[Hashable, ...]:
        """All entries in place order (entries sharing a place in candidate order)."""
        return tuple(e for place in self.places for e in place)

    @property
    def ranks(self) -> dict[Hashable, int]:
        """1-based place of each entry; entries sharing a place share its number (1, 2, 2, 4)."""
        ranks, next_rank = {}, 1
        for place in self.places:
            for entry in place:
                ranks[entry] = next_rank
            next_rank += len(place)
        return ranks

    def preference(self, a: Hashable, b: Hashable) -> int:
        """How many jurors ranked `a` above `b`."""
        return self.preferences[self.candidates.index(a)][self.candidates.index(b)]


def _positions(candidates: tuple, ballots: Iterable[Ballot]) -> tuple[np.ndarray, np.ndarray]:
    """Per ballot, each candidate's average position (0 = best), and whether the ballot names it."""
    index = {c: i for i, c in enumerate(candidates)}
    rows, named = [], []
    for number, ballot in enumerate(ballots, start=1):
        position = np.full(len(candidates), np.nan)
        taken = 0
        for item in ballot:
            group = list(item) if isinstance(item, Set) else [item]
            for entry in group:
                if entry not in index:
                    raise ValueError(f"ballot {number} ranks {entry!r}, which is not a candidate")
                if not np.isnan(position[index[entry]]):
                    raise ValueError(f"ballot {number} ranks {entry!r} twice")
                position[index[entry]] = taken + (len(group) - 1) / 2
            taken += len(group)
        unranked = np.isnan(position)
        position[unranked] = taken + (unranked.sum() - 1) / 2
        rows.append(position)
        named.append(~unranked)
    shape = (len(rows), len(candidates))
    return np.array(rows).reshape(shape), np.array(named, dtype=bool).reshape(shape)


def _validate(candidates: Sequence[Hashable], tie_break: TieBreak, allowed: tuple[str, ...]) -> tuple:
    candidates = tuple(candidates)
    if len(set(candidates)) != len(candidates):
        raise ValueError("each candidate must be listed once")
    if isinstance(tie_break, str):
        if tie_break not in allowed:
            raise ValueError(f"tie rule must be one of {allowed} or a declared order of all candidates")
    elif set(tie_break) != set(candidates) or len(tuple(tie_break)) != len(candidates):
        raise ValueError("a declared tie-break order must list every candidate exactly once")
    return candidates


def _break_ties(groups, tie_break, points):
    """Apply the declared rule inside each group the method left equal."""
    places, broken = [], []
    for group in groups:
        if len(group) > 1:
            broken.append(tuple(group))
        if len(group) == 1 or tie_break == "shared":
            places.append(tuple(group))
        elif tie_break == "borda":
            for value in sorted({points[e] for e in group}, reverse=True):
                places.append(tuple(e for e in group if points[e] == value))
        else:
            order = {c: i for i, c in enumerate(tie_break)}
            places.extend((e,) for e in sorted(group, key=order.__getitem__))
    return tuple(places), tuple(broken)


def _preference_matrix(positions: np.ndarray) -> np.ndarray:
    return (positions[:, :, None] < positions[:, None, :]).sum(axis=0)


def borda(
    ballots: Iterable[Ballot],
    *,
    candidates: Sequence[Hashable],
    partial: Literal["average", "zero"] = "average",
    tie_break: TieBreak = "shared",
) -> VoteResult:
    """Borda count: with n candidates, first place earns n-1 points, last 0; entries tied on a ballot
    share the points of the places they span.

    `partial` declares what entries left off a ballot earn: "average" shares the points of the
    remaining places among them (as if tied last); "zero" gives them nothing, which rewards a juror
    for ranking fewer entries and is offered only because some rules prescribe it.
    """
    candidates = _validate(candidates, tie_break, ("shared",))
    positions, named = _positions(candidates, list(ballots))
    earned = (len(candidates) - 1) - positions
    if partial == "zero":
        earned[~named] = 0.0
    elif partial != "average":
        raise ValueError('partial must be "average" or "zero"')
    totals = earned.sum(axis=0)
    points = dict(zip(candidates, totals.tolist(), strict=True))
    groups = [
        [c for c in candidates if points[c] == value] for value in sorted(set(points.values()), reverse=True)
    ]
    places, broken = _break_ties(groups, tie_break, points)
    preferences = _preference_matrix(positions)
    return VoteResult("borda", candidates, places, broken, len(positions), points, _rows(preferences), ())


def schulze(
    ballots: Iterable[Ballot],
    *,
    candidates: Sequence[Hashable],
    tie_break: TieBreak = "shared",
) -> VoteResult:
    """Schulze's method: rank by strongest paths in the pairwise-majority graph (winning votes).

    Places are peeled off as the entries no remaining entry beats; the method guarantees the
    "beats" relation is transitive, so this is a ranking, with entries equal only when neither beats
    the other. O(n^3), meant for a final's handful of entries.
    """
    candidates = _validate(candidates, tie_break, ("shared", "borda"))
    ballots = list(ballots)
    positions, _ = _positions(candidates, ballots)
    d = _preference_matrix(positions)
    p = np.where(d > d.T, d, 0)
    for k in range(len(candidates)):
        p = np.maximum(p, np.minimum(p[:, k : k + 1], p[k : k + 1, :]))
    np.fill_diagonal(p, 0)
    beats = p > p.T
    remaining = list(range(len(candidates)))
    groups = []
    while remaining:
        top = [i for i in remaining if not any(beats[j, i] for j in remaining)]
        groups.append([candidates[i] for i in top])
        remaining = [i for i in remaining if i not in top]
    points = borda(ballots, candidates=candidates).points if tie_break == "borda" else {}
    places, broken = _break_ties(groups, tie_break, points)
    return VoteResult("schulze", candidates, places, broken, len(ballots), points, _rows(d), _rows(p))


def _rows(matrix: np.ndarray) -> tuple[tuple[int, ...], ...]:
    return tuple(tuple(int(x) for x in row) for row in matrix)
