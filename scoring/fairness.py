"""Fairness arithmetic: rates with Wilson intervals, their ratio to the overall rate, and the four-fifths flag.

A group's rate is compared with the overall rate of the same table (the group is part of it). The ratio's
interval is Katz's log interval for two proportions, which treats the two as independent: since the group
is inside the whole, the true interval is narrower, so the flag errs on the side of not flagging.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

Z90 = 1.6449
Z95 = 1.96
FOUR_FIFTHS = 0.8
FIRM = "below"        # the whole interval of the ratio lies under 0.8: the data say so
POSSIBLE = "possible"  # the ratio is under 0.8 but its interval reaches 0.8: it may be chance


@dataclass(frozen=True)
class Interval:
    point: float
    low: float
    high: float


def wilson(successes: int, trials: int, *, z: float = Z95) -> Interval | None:
    """The rate successes/trials with its Wilson score interval; None for no trials."""
    if trials <= 0:
        return None
    if not 0 <= successes <= trials:
        raise ValueError("successes must lie between 0 and trials")
    p = successes / trials
    z2 = z * z
    denominator = 1 + z2 / trials
    centre = (p + z2 / (2 * trials)) / denominator
    half = z / denominator * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials))
    return Interval(point=p, low=max(0.0, centre - half), high=min(1.0, centre + half))


def rate_ratio(successes: int, trials: int, base_successes: int, base_trials: int, *,
               z: float = Z95) -> Interval | None:
    """The ratio of one rate to a base rate with Katz's log interval; None when either rate is undefined or
    the base rate is zero.

    A zero count has no logarithm: then 0.5 is added to every cell of the two-by-two table (Haldane's
    correction: successes + 0.5, trials + 1) for the interval, while the point stays the plain ratio.
    """
    if trials <= 0 or base_trials <= 0 or base_successes <= 0:
        return None
    point = (successes / trials) / (base_successes / base_trials)
    a, n, b, m = float(successes), float(trials), float(base_successes), float(base_trials)
    if successes == 0:
        a, n, b, m = a + 0.5, n + 1, b + 0.5, m + 1
    log_ratio = math.log((a / n) / (b / m))
    spread = z * math.sqrt(max(0.0, 1 / a - 1 / n + 1 / b - 1 / m))
    return Interval(point=point, low=math.exp(log_ratio - spread), high=math.exp(log_ratio + spread))


def four_fifths_flag(ratio: Interval | None, *, threshold: float = FOUR_FIFTHS) -> str:
    """FIRM when the ratio's interval lies wholly under the threshold, POSSIBLE when only its point does, else ""."""
    if ratio is None:
        return ""
    if ratio.high < threshold:
        return FIRM
    if ratio.point < threshold:
        return POSSIBLE
    return ""


def top_k(scores: Mapping[int, float], k: int) -> set[int]:
    """The k entries with the highest scores (ties broken by the lower entry number, as rankings do)."""
    if k <= 0:
        return set()
    ordered = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
    return {entry for entry, _score in ordered[:k]}
