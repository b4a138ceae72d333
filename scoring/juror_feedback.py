"""How one juror scores compared with others, in words a juror can act on: paired differences and their interval.

A juror's review of an entry is paired with a benchmark for the same entry (the mean of the other jurors' scores,
or a reference entry's agreed score); the mean of the differences, with a Student t interval, says whether the
juror scores above, below or in line with the benchmark. With few pairs the interval is wide and the honest answer
is that we cannot tell yet.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from scoring.deferred import deferred

stats = deferred("scipy.stats")

CONFIDENCE = 0.95
# Reviews a juror submits before the first feedback, and the block size feedback moves by: the figures change once
# per K reviews, so the change never isolates one entry's benchmark.
FIRST_REVIEWS = 3
# "In line" when the whole interval lies within this share of the criterion's range on either side of zero.
IN_LINE_SHARE = 0.1

ABOVE, BELOW, IN_LINE, CANNOT_TELL = "above", "below", "in_line", "cannot_tell"


@dataclass(frozen=True)
class Comparison:
    """The mean of the paired differences (juror minus benchmark) with its interval; no interval below two pairs."""

    pairs: int
    mean: float | None
    low: float | None
    high: float | None


def paired_difference(differences: Sequence[float], *, confidence: float = CONFIDENCE) -> Comparison:
    """Mean difference with a two-sided t interval (n - 1 degrees of freedom); NaN differences are left out."""
    values = [float(d) for d in differences if d is not None and math.isfinite(float(d))]
    n = len(values)
    if n == 0:
        return Comparison(0, None, None, None)
    mean = sum(values) / n
    if n < 2:
        return Comparison(1, mean, None, None)
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) * sd / math.sqrt(n)
    return Comparison(n, mean, mean - half, mean + half)


def verdict(comparison: Comparison, *, scale_range: float, share: float = IN_LINE_SHARE) -> str:
    """ABOVE or BELOW when the interval leaves out zero; IN_LINE when it covers zero and stays within `share` of
    the scale's range; CANNOT_TELL when it covers zero widely or there is no interval yet."""
    if comparison.low is None or comparison.high is None:
        return CANNOT_TELL
    if comparison.low > 0:
        return ABOVE
    if comparison.high < 0:
        return BELOW
    tolerance = share * scale_range
    return IN_LINE if -tolerance <= comparison.low and comparison.high <= tolerance else CANNOT_TELL


def pairs_counted(submitted: int, *, block: int = FIRST_REVIEWS) -> int:
    """How many of a juror's first submitted reviews the feedback reads: whole blocks of `block`, none before."""
    return (max(0, submitted) // block) * block


def rounded_points(value: float, *, step: float = 0.5) -> float:
    """A difference as a juror reads it ("about 1 point"): to the nearest `step`, never below one step."""
    return max(step, round(abs(value) / step) * step)
