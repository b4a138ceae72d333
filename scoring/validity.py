"""Predictive validity: did the entries the jury scored higher do better afterwards?

Spearman's rank correlation between the jury's scores and a later outcome, with a percentile bootstrap
interval over the entries (pairs drawn with replacement, seeded), and what the interval allows one to say.
Pure: plain numbers in, plain numbers out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from scoring.deferred import deferred

stats = deferred("scipy.stats")  # imported on first use: a web worker starts without SciPy

# Below this many pairs a rank correlation says nothing worth reading, whatever its interval.
MIN_PAIRS = 5
REPLICATES = 1000
LEVEL = 0.95


@dataclass(frozen=True)
class Correlation:
    """Spearman's rho over `n` pairs with its bootstrap interval; rho None where it cannot be computed."""

    n: int
    rho: float | None
    low: float | None
    high: float | None

    @property
    def reading(self) -> str:
        """"too_few", "unclear" (the interval covers 0), "positive" or "negative" (it clearly does not)."""
        if self.n < MIN_PAIRS or self.rho is None or self.low is None or self.high is None:
            return "too_few"
        if self.low > 0:
            return "positive"
        if self.high < 0:
            return "negative"
        return "unclear"


def ranks(values: Sequence[float]) -> list[float]:
    """Ranks from 1, ties sharing the mean of the ranks they span."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    result = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        mean_rank = (i + j) / 2 + 1
        for k in range(i, j + 1):
            result[order[k]] = mean_rank
        i = j + 1
    return result


def _pearson(x: Sequence[float], y: Sequence[float]) -> float | None:
    n = len(x)
    mx, my = sum(x) / n, sum(y) / n
    sxy = sum((a - mx) * (b - my) for a, b in zip(x, y, strict=True))
    sxx = sum((a - mx) ** 2 for a in x)
    syy = sum((b - my) ** 2 for b in y)
    if sxx <= 0 or syy <= 0:
        return None
    return max(-1.0, min(1.0, sxy / math.sqrt(sxx * syy)))


def spearman(x: Sequence[float], y: Sequence[float]) -> float | None:
    """Spearman's rho (Pearson on ranks, ties averaged); None for fewer than 2 pairs or a constant side."""
    if len(x) != len(y):
        raise ValueError("x and y differ in length")
    if len(x) < 2:
        return None
    return _pearson(ranks(x), ranks(y))


def rank_correlation(x: Sequence[float], y: Sequence[float], *, replicates: int = REPLICATES, seed: int = 0,
                     level: float = LEVEL) -> Correlation:
    """Spearman's rho with a percentile bootstrap interval; resamples where one side is constant are skipped.

    The resamples are ranked and correlated all at once (numpy), so a page of a few dozen correlations stays quick.
    """
    n = len(x)
    rho = spearman(x, y)
    if rho is None or n < MIN_PAIRS:
        return Correlation(n=n, rho=rho, low=None, high=None)
    picked = np.random.default_rng(seed).integers(0, n, size=(replicates, n))
    rx = stats.rankdata(np.asarray(x, dtype=float)[picked], axis=1)
    ry = stats.rankdata(np.asarray(y, dtype=float)[picked], axis=1)
    rx -= rx.mean(axis=1, keepdims=True)
    ry -= ry.mean(axis=1, keepdims=True)
    sxx, syy = (rx * rx).sum(axis=1), (ry * ry).sum(axis=1)
    varied = (sxx > 1e-12) & (syy > 1e-12)
    if not varied.any():
        return Correlation(n=n, rho=rho, low=None, high=None)
    draws = np.clip((rx * ry).sum(axis=1)[varied] / np.sqrt(sxx[varied] * syy[varied]), -1.0, 1.0)
    tail = (1 - level) / 2
    low, high = np.quantile(draws, [tail, 1 - tail])
    return Correlation(n=n, rho=rho, low=float(low), high=float(high))


def standardise(values: Sequence[float]) -> list[float]:
    """z-scores within one group (population spread); all zeros when the values do not vary."""
    if not values:
        return []
    mean = sum(values) / len(values)
    spread = math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))
    return [0.0 if spread == 0 else (v - mean) / spread for v in values]


def relative_growth(first: float, last: float) -> float:
    """How much a KPI grew from its first to its last value, relative to the first (a first value of 0 counts as 1,
    so that a KPI starting from nothing still grows by what it reached)."""
    return (last - first) / max(abs(first), 1.0)


def on_time_share(due_and_delivered: Sequence[tuple[bool, bool]]) -> float | None:
    """Share of the milestones already due that were delivered by their due date; None when none is due yet.

    Each item is (due by now, delivered by its due date)."""
    due = [on_time for is_due, on_time in due_and_delivered if is_due]
    return sum(due) / len(due) if due else None
