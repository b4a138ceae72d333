"""Per-entry summaries of review totals and per-criterion thresholds.

The mean, median and trimmed mean are the uncalibrated views organisers expect to see beside
a calibrated score. With three reviews the median and the trimmed mean throw information
away (research report §1.4), so they are offered for display and integrity checks, not as
the ranking score.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from scoring.reviews import Reviews
from scoring.rubric import Rubric


@dataclass(frozen=True, eq=False)
class EntrySummary:
    """Per entry, in `reviews.entries` order; NaN where an entry has no review."""

    n_reviews: np.ndarray
    mean: np.ndarray
    median: np.ndarray
    trimmed_mean: np.ndarray
    spread: np.ndarray  # highest minus lowest total


def summarise_entries(reviews: Reviews, *, trim: int = 1) -> EntrySummary:
    """Mean, median, trimmed mean (dropping `trim` totals at each end when enough remain) and spread."""
    n = reviews.reviews_per_entry()
    order = np.lexsort((reviews.score, reviews.entry))
    entry, score = reviews.entry[order], reviews.score[order]
    start = np.concatenate(([0], np.cumsum(n)[:-1]))
    position = np.arange(len(score)) - start[entry]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.bincount(entry, score, reviews.n_entries) / n
        low_mid, high_mid = start + (n - 1) // 2, start + n // 2
        median = np.full(reviews.n_entries, np.nan)
        has = n > 0
        median[has] = (score[low_mid[has]] + score[high_mid[has]]) / 2
        spread = np.full(reviews.n_entries, np.nan)
        spread[has] = score[start[has] + n[has] - 1] - score[start[has]]
        trims = np.where(n >= 2 * trim + 1, trim, 0)
        keep = (position >= trims[entry]) & (position < n[entry] - trims[entry])
        trimmed = np.bincount(entry[keep], score[keep], reviews.n_entries) / np.bincount(
            entry[keep], minlength=reviews.n_entries
        )
    return EntrySummary(n_reviews=n, mean=mean, median=median, trimmed_mean=trimmed, spread=spread)


def criterion_means(reviews: Reviews, values: np.ndarray) -> np.ndarray:
    """Per entry and criterion, the mean of the values given (reviews × criteria, NaN where blank)."""
    given = ~np.isnan(values)
    sums = np.zeros((reviews.n_entries, values.shape[1]))
    counts = np.zeros_like(sums)
    for c in range(values.shape[1]):
        sums[:, c] = np.bincount(reviews.entry[given[:, c]], values[given[:, c], c], reviews.n_entries)
        counts[:, c] = np.bincount(reviews.entry[given[:, c]], minlength=reviews.n_entries)
    with np.errstate(invalid="ignore", divide="ignore"):
        return sums / counts


@dataclass(frozen=True, eq=False)
class ThresholdOutcome:
    """Which criteria each entry falls below, and whether the round's policy excludes it."""

    below: tuple[tuple[str, ...], ...]
    excluded: np.ndarray


def apply_thresholds(
    rubric: Rubric,
    codes: Sequence[str],
    means: np.ndarray,
    policy: Literal["flag", "exclude"] = "flag",
) -> ThresholdOutcome:
    """An entry whose mean on a criterion is under that criterion's threshold is flagged, or excluded.

    `means` is entries × criteria with columns in `codes` order (as from `criterion_means`).
    """
    if policy not in ("flag", "exclude"):
        raise ValueError(f"unknown threshold policy {policy!r}; choose flag or exclude")
    failing = np.zeros(means.shape, dtype=bool)
    for c, code in enumerate(codes):
        criterion = rubric.criterion(code)
        if criterion is not None and criterion.threshold is not None:
            failing[:, c] = means[:, c] < criterion.threshold
    below_list: list[tuple[str, ...]] = [()] * len(means)
    for e in np.flatnonzero(failing.any(axis=1)).tolist():
        below_list[e] = tuple(codes[c] for c in np.flatnonzero(failing[e]).tolist())
    below = tuple(below_list)
    excluded = failing.any(axis=1) if policy == "exclude" else np.zeros(len(means), dtype=bool)
    return ThresholdOutcome(below=below, excluded=excluded)
