"""When a panel should talk before its scores count: entries whose jurors' totals disagree.

The rule is the spread of the submitted totals (highest minus lowest) on the rubric's weighted
total scale. With the three reviews a round usually has, the spread is what a chair can check
by eye, and unlike a standard deviation it does not shrink or grow with the number of jurors.
The default threshold is a quarter of the total's range (1 point on a 1–5 rubric, 2.5 on
0–10): two jurors a full anchor apart on every criterion are past it, ordinary noise is not.
A round can set its own threshold in points (`consensus_threshold`).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence

from scoring.rubric import Rubric, total_range

DEFAULT_SHARE = 0.25


def disagreement_threshold(rubric: Rubric, points: float | None = None) -> float:
    """The spread beyond which an entry goes to the chair: `points` if given, else a share of the range."""
    if points is not None:
        value = float(points)
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"consensus threshold must be a non-negative number, not {points!r}")
        return value
    low, high = total_range(rubric)
    return DEFAULT_SHARE * (high - low)


def disagreements(totals: Mapping[Hashable, Sequence[float]], *, threshold: float) -> dict[Hashable, float]:
    """Entries with at least two totals whose spread is above `threshold` (beyond rounding), with that spread."""
    found = {}
    for entry, values in totals.items():
        given = [float(v) for v in values if v is not None and math.isfinite(v)]
        if len(given) >= 2 and (spread := max(given) - min(given)) > threshold + 1e-9:
            found[entry] = spread
    return found
