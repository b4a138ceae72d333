"""Whether a juror's scoring moves as they go: leniency over the sequence of their reviews.

Each of a juror's reviews, in the order submitted, is compared with the mean of the other jurors' reviews of the
same entry (its gap). The gaps' rolling mean draws the path, their least-squares slope per review says how fast
the juror drifts, and their mean how far the juror sits from the panel overall.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

ROLLING_WINDOW = 5
MIN_GAPS = 4  # a slope or a distance from fewer compared reviews flags nobody
# Thresholds as shares of the score's range: a drift that adds up to this much over the sequence, or a distance.
DRIFT_SHARE = 0.15
DISTANCE_SHARE = 0.1


@dataclass(frozen=True)
class Drift:
    juror: Hashable
    gaps: tuple[float, ...]  # in submission order, only reviews of entries someone else reviewed too
    rolling: tuple[float, ...]
    mean: float | None
    slope: float | None  # points per review
    drift_flag: bool = False
    distance_flag: bool = False

    @property
    def flagged(self) -> bool:
        return self.drift_flag or self.distance_flag


def rolling_mean(values: Sequence[float], window: int = ROLLING_WINDOW) -> tuple[float, ...]:
    """The mean of each value with up to `window - 1` values before it."""
    out = []
    for i in range(len(values)):
        part = values[max(0, i - window + 1): i + 1]
        out.append(sum(part) / len(part))
    return tuple(out)


def slope(values: Sequence[float]) -> float | None:
    """Least-squares slope of the values against 0, 1, 2, …; None for fewer than two."""
    n = len(values)
    if n < 2:
        return None
    x_mean = (n - 1) / 2
    y_mean = sum(values) / n
    sxx = sum((i - x_mean) ** 2 for i in range(n))
    return sum((i - x_mean) * (v - y_mean) for i, v in enumerate(values)) / sxx


def gaps_in_order(reviews: Iterable[tuple[Hashable, Hashable, float, float]]) -> dict[Hashable, tuple[float, ...]]:
    """Per juror, the gaps (own score minus the other jurors' mean on the same entry) in submission order.

    `reviews` are (entry, juror, score, order) with order any sortable key of the submission (a time, a number);
    a review of an entry nobody else reviewed has no gap.
    """
    rows = list(reviews)
    by_entry: dict[Hashable, list[float]] = {}
    for entry, _juror, score, _order in rows:
        by_entry.setdefault(entry, []).append(score)
    ordered: dict[Hashable, list[tuple[float, float]]] = {}
    for entry, juror, score, order in rows:
        scores = by_entry[entry]
        if len(scores) < 2:
            continue
        others = (sum(scores) - score) / (len(scores) - 1)
        ordered.setdefault(juror, []).append((order, score - others))
    return {juror: tuple(gap for _order, gap in sorted(pairs, key=lambda p: p[0]))
            for juror, pairs in ordered.items()}


def juror_drift(juror: Hashable, gaps: Sequence[float], *, scale_range: float, window: int = ROLLING_WINDOW,
                drift_share: float = DRIFT_SHARE, distance_share: float = DISTANCE_SHARE) -> Drift:
    """The path, mean and slope of one juror's gaps, flagged when the drift over the whole sequence (slope times
    the reviews between first and last) or the mean distance passes its share of `scale_range`."""
    gaps = tuple(float(g) for g in gaps)
    mean = sum(gaps) / len(gaps) if gaps else None
    rate = slope(gaps)
    enough = len(gaps) >= MIN_GAPS
    drift_flag = enough and rate is not None and abs(rate) * (len(gaps) - 1) > drift_share * scale_range
    distance_flag = enough and mean is not None and abs(mean) > distance_share * scale_range
    return Drift(juror=juror, gaps=gaps, rolling=rolling_mean(gaps, window), mean=mean, slope=rate,
                 drift_flag=drift_flag, distance_flag=distance_flag)


def round_drift(reviews: Iterable[tuple[Hashable, Hashable, float, float]], *, scale_range: float,
                window: int = ROLLING_WINDOW) -> list[Drift]:
    """Every juror's drift in a round from its (entry, juror, score, order) reviews, in the order jurors appear."""
    return [juror_drift(juror, gaps, scale_range=scale_range, window=window)
            for juror, gaps in gaps_in_order(reviews).items()]
