"""The audience prize ranking: each finalist's mean vote (1 to 5) with an interval, and its chance of being first.

A finalist's mean is uncertain by its standard error (the votes' spread over the root of their number, the spread
never taken below `min_sd` so that a handful of identical votes does not look certain). The chance of being first
treats each mean as normal with that error: P(i first) = ∫ f_i(x) · Π_{j≠i} F_j(x) dx, integrated on a fine grid.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

Z_95 = 1.959963984540054
MIN_SD = 0.5
LOW, HIGH = 1.0, 5.0
GRID_STEPS = 4000


@dataclass(frozen=True, slots=True)
class AudienceStanding:
    entry: int
    place: int | None  # None: no votes
    votes: int
    mean: float | None
    low: float | None
    high: float | None
    p_first: float


def mean_and_error(values: Sequence[float], *, min_sd: float = MIN_SD) -> tuple[float, float]:
    """The mean of `values` and its standard error (spread at least `min_sd`); `values` must not be empty."""
    n = len(values)
    mean = sum(values) / n
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1)) if n > 1 else 0.0
    return mean, max(sd, min_sd) / math.sqrt(n)


def _pdf(x: float, mean: float, error: float) -> float:
    return math.exp(-0.5 * ((x - mean) / error) ** 2) / (error * math.sqrt(2 * math.pi))


def _cdf(x: float, mean: float, error: float) -> float:
    return 0.5 * (1 + math.erf((x - mean) / (error * math.sqrt(2))))


def probability_first(estimates: Sequence[tuple[float, float]], *, steps: int = GRID_STEPS) -> list[float]:
    """For (mean, error) pairs, the chance each is the highest, summing to 1."""
    if not estimates:
        return []
    if len(estimates) == 1:
        return [1.0]
    start = min(m - 8 * e for m, e in estimates)
    stop = max(m + 8 * e for m, e in estimates)
    width = (stop - start) / steps
    totals = [0.0] * len(estimates)
    for step in range(steps + 1):
        x = start + step * width
        weight = 0.5 if step in (0, steps) else 1.0
        cdfs = [_cdf(x, m, e) for m, e in estimates]
        for i, (m, e) in enumerate(estimates):
            others = 1.0
            for j, value in enumerate(cdfs):
                if j != i:
                    others *= value
            totals[i] += weight * _pdf(x, m, e) * others * width
    whole = sum(totals)
    return [t / whole for t in totals] if whole > 0 else [1 / len(totals)] * len(totals)


def audience_ranking(votes: Mapping[int, Sequence[float]], *, z: float = Z_95,
                     min_sd: float = MIN_SD) -> list[AudienceStanding]:
    """Finalists by mean vote, best first (more votes break a tie, then the entry id); finalists without votes last."""
    voted = {entry: mean_and_error(values, min_sd=min_sd) for entry, values in votes.items() if values}
    order = sorted(voted, key=lambda entry: (-voted[entry][0], -len(votes[entry]), entry))
    chances = dict(zip(order, probability_first([voted[entry] for entry in order]), strict=True))
    standings = []
    for place, entry in enumerate(order, start=1):
        mean, error = voted[entry]
        standings.append(AudienceStanding(
            entry=entry, place=place, votes=len(votes[entry]), mean=mean,
            low=max(LOW, mean - z * error), high=min(HIGH, mean + z * error), p_first=chances[entry]))
    for entry in sorted(entry for entry in votes if entry not in voted):
        standings.append(AudienceStanding(entry=entry, place=None, votes=0, mean=None, low=None, high=None,
                                          p_first=0.0))
    return standings
