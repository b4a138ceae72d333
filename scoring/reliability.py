"""How far jurors agree on a round: Krippendorff's alpha and the one-way intra-class correlation.

Both accept unbalanced designs (entries with different numbers of reviews), which is what a
juror assignment produces. Reviews are (entry, juror, score) tuples; a missing score is skipped.
Nominal, ordinal and interval alpha and the ICC are computed from per-entry sums, so 60,000
reviews take milliseconds; ratio alpha also compares every pair of distinct score values, which
is instant on a rubric scale but takes ~30 s for 60,000 distinct continuous scores.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import Literal

import numpy as np

from scoring.deferred import deferred
from scoring.index import review_arrays

stats = deferred("scipy.stats")

Level = Literal["nominal", "ordinal", "interval", "ratio"]
_RATIO_BLOCK = 2048  # rows of the value-by-value table computed at once, to bound memory


@dataclass(frozen=True)
class Alpha:
    """Krippendorff's alpha: 1 is perfect agreement, 0 agreement at chance, below 0 systematic disagreement.

    `value` is NaN when there is nothing to disagree about (fewer than two pairable values, or
    all pairable values equal), because alpha is then undefined.
    """

    value: float
    level: Level
    units: int  # entries with at least two scores: the only ones that say anything about agreement
    values: int  # scores in those entries
    observed_disagreement: float
    expected_disagreement: float


@dataclass(frozen=True)
class ICC:
    """One-way random-effects ICC: share of score variance due to entries rather than to who scored them.

    `icc1` is the reliability of a single review; `icck` that of the mean of `k` reviews
    (Spearman–Brown). With unequal numbers of reviews per entry, `n0` is the ANOVA's
    effective group size, and `k` defaults to it. The intervals are the F-based ones of
    Shrout & Fleiss (1979), exact for equal group sizes and using n0 otherwise.
    """

    icc1: float
    icck: float
    k: float
    n0: float
    entries: int
    reviews: int
    ms_between: float
    ms_within: float
    icc1_interval: tuple[float, float]
    icck_interval: tuple[float, float]
    confidence: float


def krippendorff_alpha(
    reviews: Iterable[tuple[Hashable, Hashable, float | None]], *, level: Level = "interval"
) -> Alpha:
    """Alpha with entries as units and jurors as coders, from Krippendorff's coincidence definition."""
    data = review_arrays(reviews)
    per_entry = np.bincount(data.entry, minlength=len(data.entries))
    pairable = per_entry[data.entry] >= 2
    unit = data.entry[pairable]
    values = data.score[pairable]
    n = len(values)
    if level == "interval":
        d_o, d_e = _interval_disagreements(unit, values)
    elif level == "ordinal":
        d_o, d_e = _interval_disagreements(unit, _mid_ranks(values))
    elif level == "nominal":
        d_o, d_e = _nominal_disagreements(unit, values)
    elif level == "ratio":
        d_o, d_e = _ratio_disagreements(unit, values)
    else:
        raise ValueError(f"unknown level of measurement {level!r}")
    value = 1.0 - d_o / d_e if n >= 2 and d_e > 0 else float("nan")
    return Alpha(float(value), level, len(np.unique(unit)), n, float(d_o), float(d_e))


def _interval_disagreements(unit: np.ndarray, x: np.ndarray) -> tuple[float, float]:
    # Over all ordered pairs inside a unit, sum (x_i - x_j)^2 = 2 m SS_unit, so no pair list is needed.
    n = len(x)
    if n < 2:
        return 0.0, 0.0
    sums = np.bincount(unit, weights=x)
    sizes = np.bincount(unit)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = sums / sizes
    resid = x - means[unit]
    within = np.bincount(unit, weights=resid**2)
    used = sizes >= 2
    d_o = np.sum(2.0 * sizes[used] * within[used] / (sizes[used] - 1.0)) / n
    d_e = 2.0 * np.sum((x - x.mean()) ** 2) / (n - 1)
    return float(d_o), float(d_e)


def _mid_ranks(x: np.ndarray) -> np.ndarray:
    # Krippendorff's ordinal metric is the interval metric on each value's mid-rank among pairable values.
    _, inverse, counts = np.unique(x, return_inverse=True, return_counts=True)
    mid = np.cumsum(counts) - counts / 2.0
    return mid[inverse]


def _nominal_disagreements(unit: np.ndarray, x: np.ndarray) -> tuple[float, float]:
    n = len(x)
    if n < 2:
        return 0.0, 0.0
    _, value = np.unique(x, return_inverse=True)
    n_values = int(value.max()) + 1
    cell, cell_counts = np.unique(unit * n_values + value, return_counts=True)
    cell_unit_size = np.bincount(unit)[cell // n_values].astype(float)
    matching = np.sum(cell_counts * (cell_counts - 1) / (cell_unit_size - 1))
    d_o = (n - matching) / n
    totals = np.bincount(value).astype(float)
    d_e = (n * n - np.sum(totals**2)) / (n * (n - 1))
    return float(d_o), float(d_e)


def _ratio_disagreements(unit: np.ndarray, x: np.ndarray) -> tuple[float, float]:
    n = len(x)
    if n < 2:
        return 0.0, 0.0
    if np.any(x < 0):
        raise ValueError("the ratio metric needs scores on a scale with a true zero (no negative scores)")
    order = np.argsort(unit, kind="stable")
    unit_sorted, x_sorted = unit[order], x[order]
    m_sorted = np.bincount(unit)[unit_sorted]
    start = np.searchsorted(unit_sorted, unit_sorted, side="left")
    pos = np.arange(n) - start
    observed = 0.0
    for shift in range(1, int(m_sorted.max())):
        # Cyclic shifts inside each unit enumerate every ordered pair of distinct reviews exactly once.
        has = m_sorted > shift
        partner = start[has] + (pos[has] + shift) % m_sorted[has]
        observed += np.sum(_ratio_delta(x_sorted[has], x_sorted[partner]) / (m_sorted[has] - 1.0))
    distinct, counts = np.unique(x, return_counts=True)
    counts = counts.astype(float)
    expected = 0.0
    for lo in range(0, len(distinct), _RATIO_BLOCK):
        rows = slice(lo, lo + _RATIO_BLOCK)
        delta = _ratio_delta(distinct[rows, None], distinct)
        expected += np.sum(counts[rows, None] * counts[None, :] * delta)
    return observed / n, expected / (n * (n - 1))


def _ratio_delta(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    total = a + b
    with np.errstate(invalid="ignore", divide="ignore"):
        delta = ((a - b) / total) ** 2
    return np.where(total == 0, 0.0, delta)


def icc_oneway(
    reviews: Iterable[tuple[Hashable, Hashable, float | None]],
    *,
    k: float | None = None,
    confidence: float = 0.95,
) -> ICC:
    """ICC(1) and ICC(1,k) from a one-way ANOVA of scores by entry, with the n0 correction for unequal sizes.

    One-way is the honest model when each entry has its own set of jurors: juror effects are
    part of the error, as they are in the raw mean an organiser would rank by.
    """
    data = review_arrays(reviews)
    n_total = len(data.score)
    groups = len(data.entries)
    if groups < 2 or n_total <= groups:
        raise ValueError("ICC needs at least two entries and at least one entry with two reviews")
    sizes = np.bincount(data.entry).astype(float)
    means = np.bincount(data.entry, weights=data.score) / sizes
    grand = data.score.mean()
    ss_between = np.sum(sizes * (means - grand) ** 2)
    ss_within = np.sum((data.score - means[data.entry]) ** 2)
    ms_between = ss_between / (groups - 1)
    ms_within = ss_within / (n_total - groups)
    n0 = (n_total - np.sum(sizes**2) / n_total) / (groups - 1)
    denominator = ms_between + (n0 - 1.0) * ms_within
    icc1 = (ms_between - ms_within) / denominator if denominator > 0 else float("nan")
    k = n0 if k is None else float(k)
    tail = (1 + confidence) / 2
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = ms_between / ms_within
        f_low = ratio / stats.f.ppf(tail, groups - 1, n_total - groups)
        f_high = ratio * stats.f.ppf(tail, n_total - groups, groups - 1)
        interval = ((f_low - 1) / (f_low + n0 - 1), (f_high - 1) / (f_high + n0 - 1))
    return ICC(
        float(icc1),
        float(_spearman_brown(icc1, k)),
        float(k),
        float(n0),
        groups,
        n_total,
        float(ms_between),
        float(ms_within),
        (float(interval[0]), float(interval[1])),
        (float(_spearman_brown(interval[0], k)), float(_spearman_brown(interval[1], k))),
        confidence,
    )


def _spearman_brown(single: float, k: float) -> float:
    """Reliability of the mean of k reviews given that of one."""
    return k * single / (1.0 + (k - 1.0) * single)
