"""A round's leaderboard: calibrated scores, ranks, intervals and flags in one table.

This is the sequence the command line and the organiser's page both run: calibrate the
review totals, apply thresholds, rank within each group by the declared tie-breaks, then
bootstrap the uncertainty around the cut.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from scoring.aggregate import apply_thresholds, criterion_means
from scoring.normalise import DEFAULT_METHOD, calibrate
from scoring.rank import TieBreak, bootstrap_ranks, rank_entries
from scoring.reviews import Reviews
from scoring.rubric import Rubric


@dataclass(frozen=True)
class LeaderboardRow:
    """One entry's standing. Interval fields are None without a bootstrap, `p_top` without a cut."""

    entry: Hashable
    group: Hashable
    rank: int | None
    score: float | None
    raw_mean: float | None
    n_reviews: int
    ci_low: float | None
    ci_high: float | None
    rank_low: int | None
    rank_high: int | None
    p_top: float | None
    flags: tuple[str, ...]


def default_tie_break(rubric: Rubric) -> TieBreak:
    """Counted criteria by descending weight (rubric order among equals), then a shared rank."""
    counted = [c for c in rubric.criteria if c.counted and c.weight > 0]
    return TieBreak(criteria=tuple(c.code for c in sorted(counted, key=lambda c: -c.weight)), final="shared")


def build_leaderboard(
    reviews: Reviews,
    *,
    rubric: Rubric,
    codes: Sequence[str],
    values: np.ndarray,
    groups: Sequence[Hashable] | None = None,
    method: str = DEFAULT_METHOD,
    top: int | None = None,
    replicates: int = 1000,
    seed: int = 0,
    tie_break: TieBreak | None = None,
    threshold_policy: Literal["flag", "exclude"] = "flag",
    progress: Callable[[int, int], None] | None = None,
) -> list[LeaderboardRow]:
    """Rows group by group, best first; `values` holds each review's criterion values (reviews × codes)."""
    calibration = calibrate(reviews, method, tracks=groups)
    means = criterion_means(reviews, values)
    thresholds = apply_thresholds(rubric, codes, means, threshold_policy)
    eligible = ~thresholds.excluded
    tie_break = tie_break or default_tie_break(rubric)
    ranking = rank_entries(
        calibration.score,
        groups=groups,
        tie_break=tie_break,
        criterion_means={code: means[:, c] for c, code in enumerate(codes)},
        eligible=eligible,
    )
    uncertainty = None
    if replicates > 0 and len(reviews.score) > 0:
        uncertainty = bootstrap_ranks(
            calibration,
            replicates=replicates,
            seed=seed,
            groups=groups,
            top=top,
            eligible=eligible,
            progress=progress,
        )
    # Plain Python values once, not a numpy scalar per field: a leaderboard has 20,000 rows.
    n = reviews.n_entries
    score, raw_mean = _numbers(calibration.score), _numbers(calibration.raw_mean)
    n_reviews, rank = calibration.n_reviews.tolist(), ranking.rank.tolist()
    group = [ranking.groups[g] for g in ranking.group.tolist()]
    nothing: list = [None] * n
    ci_low = ci_high = rank_low = rank_high = p_top = nothing
    contested = np.zeros(n, dtype=bool)
    if uncertainty is not None:
        shown = ranking.rank > 0
        ci_low = _numbers(np.where(shown, uncertainty.score_low, np.nan))
        ci_high = _numbers(np.where(shown, uncertainty.score_high, np.nan))
        rank_low = [r if s else None for r, s in zip(uncertainty.rank_low.tolist(), shown.tolist(), strict=True)]
        rank_high = [r if s else None for r, s in zip(uncertainty.rank_high.tolist(), shown.tolist(), strict=True)]
        if uncertainty.p_top is not None:
            p_top = uncertainty.p_top.tolist()
        contested = uncertainty.contested
    flags: list[tuple[str, ...]] = [()] * n
    below = np.array([bool(b) for b in thresholds.below])
    flagged = contested | below | thresholds.excluded | (calibration.n_reviews == 1) | (calibration.entry_component > 0)
    for e in np.flatnonzero(flagged).tolist():
        marks = ["contested"] if contested[e] else []
        marks += [f"below:{code}" for code in thresholds.below[e]]
        if thresholds.excluded[e]:
            marks.append("excluded")
        if calibration.n_reviews[e] == 1:
            marks.append("one_review")
        if calibration.entry_component[e] > 0:
            marks.append(f"component:{calibration.entry_component[e]}")
        flags[e] = tuple(marks)
    return [
        LeaderboardRow(
            reviews.entries[e], group[e], rank[e] or None, score[e], raw_mean[e], n_reviews[e],
            ci_low[e], ci_high[e], rank_low[e], rank_high[e], p_top[e], flags[e],
        )
        for e in ranking.order.tolist()
    ]


def _numbers(values: np.ndarray) -> list[float | None]:
    return [v if v == v and abs(v) != float("inf") else None for v in values.tolist()]
