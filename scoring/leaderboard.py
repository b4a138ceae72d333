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
    calibration = calibrate(reviews, method)
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
    rows = []
    for e in ranking.order.tolist():
        flags = []
        if uncertainty is not None and uncertainty.contested[e]:
            flags.append("contested")
        flags += [f"below:{code}" for code in thresholds.below[e]]
        if thresholds.excluded[e]:
            flags.append("excluded")
        if calibration.n_reviews[e] == 1:
            flags.append("one_review")
        if calibration.entry_component[e] > 0:
            flags.append(f"component:{calibration.entry_component[e]}")
        ranked = ranking.rank[e] > 0
        rows.append(
            LeaderboardRow(
                entry=reviews.entries[e],
                group=ranking.groups[ranking.group[e]],
                rank=int(ranking.rank[e]) if ranked else None,
                score=_number(calibration.score[e]),
                raw_mean=_number(calibration.raw_mean[e]),
                n_reviews=int(calibration.n_reviews[e]),
                ci_low=_number(uncertainty.score_low[e]) if uncertainty and ranked else None,
                ci_high=_number(uncertainty.score_high[e]) if uncertainty and ranked else None,
                rank_low=int(uncertainty.rank_low[e]) if uncertainty and ranked else None,
                rank_high=int(uncertainty.rank_high[e]) if uncertainty and ranked else None,
                p_top=float(uncertainty.p_top[e]) if uncertainty and uncertainty.p_top is not None else None,
                flags=tuple(flags),
            )
        )
    return rows


def _number(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None
