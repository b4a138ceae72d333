"""What an applicant may learn of their standing: a band within their track, and the rubric's words for their mean.

A band is a quarter of the track's entries ranked on a calibrated score, never a rank or a score of anyone
else. Where a track has too few entries, even a quarter narrows to one or two of them and says too much about
the others: no band is given there.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence

import numpy as np

from scoring.normalise import calibrate
from scoring.reviews import Reviews
from scoring.rubric import Anchor, Criterion

TOP_QUARTER = "top_quarter"
UPPER_MIDDLE = "upper_middle"
LOWER_MIDDLE = "lower_middle"
BOTTOM_QUARTER = "bottom_quarter"
BANDS = (TOP_QUARTER, UPPER_MIDDLE, LOWER_MIDDLE, BOTTOM_QUARTER)
# Below this many scored entries in a track, a quarter is one or two entries: no band is shown.
MIN_ENTRIES_FOR_BANDS = 8


def _scored(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


def band_for(mid_rank: float, count: int) -> str:
    """The quarter that a mid-rank (1 = best, ties averaged) falls in among `count` entries."""
    share = (mid_rank - 0.5) / count  # the share of the track ahead of the entry's middle
    return BANDS[min(3, int(share * 4))]


def bands_within_groups(scores: Mapping[Hashable, float | None], groups: Mapping[Hashable, Hashable], *,
                        minimum: int = MIN_ENTRIES_FOR_BANDS) -> dict[Hashable, str | None]:
    """Each entry's band within its group by score (higher is better); None without a score or in a group with
    fewer than `minimum` scored entries. Tied entries share a band: they share a mid-rank."""
    by_group: dict[Hashable, list[Hashable]] = {}
    for entry, score in scores.items():
        if _scored(score):
            by_group.setdefault(groups.get(entry), []).append(entry)
    bands: dict[Hashable, str | None] = dict.fromkeys(scores)
    for members in by_group.values():
        count = len(members)
        if count < minimum:
            continue
        for entry in members:
            higher = sum(1 for other in members if scores[other] > scores[entry])
            tied = sum(1 for other in members if scores[other] == scores[entry])
            bands[entry] = band_for(higher + (tied + 1) / 2, count)
    return bands


def matching_anchor(criterion: Criterion, mean: float | None) -> Anchor | None:
    """The anchor nearest the mean on the criterion's scale; between two equally near, the lower one (the words
    never flatter the score)."""
    if not _scored(mean) or not criterion.anchors:
        return None
    return min(criterion.anchors, key=lambda anchor: (abs(anchor.value - mean), anchor.value))


def calibrated_scores(records: Sequence[tuple[Hashable, Hashable, float]], *, method: str,
                      tracks: Mapping[Hashable, Hashable] | None = None) -> dict[Hashable, float | None]:
    """Each entry's calibrated score from (entry, juror, value) records, by the method the round calibrates its
    totals with; run once per criterion, it calibrates each criterion as the round calibrates totals."""
    if not records:
        return {}
    reviews = Reviews.from_records(records)
    calibration = calibrate(reviews, method,
                            tracks=[tracks.get(e) for e in reviews.entries] if tracks is not None else None)
    return {entry: (float(score) if np.isfinite(score) else None)
            for entry, score in zip(reviews.entries, calibration.score.tolist(), strict=True)}


def entry_means(records: Sequence[tuple[Hashable, Hashable, float]]) -> dict[Hashable, float]:
    """Each entry's plain mean of its jurors' values: what the rubric's anchors describe."""
    sums: dict[Hashable, list[float]] = {}
    for entry, _juror, value in records:
        sums.setdefault(entry, []).append(float(value))
    return {entry: sum(values) / len(values) for entry, values in sums.items()}
