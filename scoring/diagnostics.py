"""What a panel chair checks before trusting a round: juror habits, outlying reviews, thin coverage, design.

All of it is read from raw (entry, juror, score) reviews against the other reviews of the same
entries, so it needs no fitted model and shows organisers numbers they can verify by hand.
A missing score (None or NaN) is no review.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from scoring.design import connected_components
from scoring.index import review_arrays

_MAD_TO_SD = 1.4826  # MAD of a normal sample times this estimates its SD
_MEAN_AD_TO_SD = math.sqrt(math.pi / 2)  # the same for the mean absolute deviation


@dataclass(frozen=True)
class JurorProfile:
    """How one juror scores compared with the other reviewers of the same entries.

    leniency: mean of (own score - others' mean) over the juror's entries, in scale units;
    positive is lenient. Its SE treats those entries as independent, which is close when the
    juror's co-reviewers vary. spread: SD of the juror's scores / SD of the other reviewers' scores
    on the same entries; below 1 the juror compresses the scale, above 1 stretches it.
    agreement: correlation of the juror's scores with the others' means.
    """

    juror: Hashable
    reviews: int  # reviews of entries that someone else reviewed too
    leniency: float
    leniency_se: float
    spread: float
    agreement: float

    @property
    def offset_is_clear(self) -> bool:
        """Leniency or harshness more than two standard errors from zero."""
        return self.leniency_se > 0 and abs(self.leniency) > 2 * self.leniency_se


@dataclass(frozen=True)
class Disagreement:
    """A review far from the other reviews of its entry: `gap` in scale units, `robust_z` in the round."""

    entry: Hashable
    juror: Hashable
    score: float
    others_mean: float
    others: int
    gap: float
    robust_z: float


@dataclass(frozen=True)
class Component:
    """A part of the design in which every juror is linked to every other through shared entries."""

    entries: frozenset
    jurors: frozenset
    tracks: frozenset


@dataclass(frozen=True)
class DesignReport:
    """Connectivity of the juror–entry design: calibration compares jurors only within a component."""

    components: tuple[Component, ...]
    bridging_jurors: dict[Hashable, frozenset]  # jurors reviewing entries of more than one track

    @property
    def connected(self) -> bool:
        return len(self.components) <= 1

    @property
    def sizes(self) -> tuple[tuple[int, int], ...]:
        """(entries, jurors) per component, largest first."""
        return tuple((len(c.entries), len(c.jurors)) for c in self.components)


def _others(data):
    """Per review: number, mean, sum and sum of squares of the other reviews of the same entry."""
    n_entries = len(data.entries)
    count = np.bincount(data.entry, minlength=n_entries)[data.entry] - 1
    total = np.bincount(data.entry, data.score, n_entries)[data.entry] - data.score
    squares = np.bincount(data.entry, data.score**2, n_entries)[data.entry] - data.score**2
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / count
    return count, mean, total, squares


def juror_profiles(reviews: Iterable[tuple[Hashable, Hashable, float | None]]) -> tuple[JurorProfile, ...]:
    """Leniency (with SE), spread and agreement of every juror with at least one shared entry."""
    data = review_arrays(reviews)
    count, others_mean, others_sum, others_squares = _others(data)
    shared = count > 0
    juror, y, m = data.juror[shared], data.score[shared], others_mean[shared]
    n_jurors = len(data.jurors)

    def per_juror(values):
        return np.bincount(juror, values, n_jurors)

    n = per_juror(np.ones_like(y))
    gap = y - m
    with np.errstate(invalid="ignore", divide="ignore"):
        leniency = per_juror(gap) / n
        gap_var = (per_juror(gap**2) - n * leniency**2) / (n - 1)
        leniency_se = np.sqrt(np.maximum(gap_var, 0) / n)
        own_var = (per_juror(y**2) - per_juror(y) ** 2 / n) / (n - 1)
        k = per_juror(count[shared].astype(float))
        s, q = per_juror(others_sum[shared]), per_juror(others_squares[shared])
        others_var = (q - s**2 / k) / (k - 1)
        spread = np.sqrt(np.maximum(own_var, 0) / others_var)
        cov = per_juror(y * m) - per_juror(y) * per_juror(m) / n
        var_m = per_juror(m**2) - per_juror(m) ** 2 / n
        agreement = cov / np.sqrt((per_juror(y**2) - per_juror(y) ** 2 / n) * var_m)
    return tuple(
        JurorProfile(
            data.jurors[j],
            int(n[j]),
            float(leniency[j]),
            float(leniency_se[j]) if n[j] >= 2 else math.nan,
            float(spread[j]) if n[j] >= 2 else math.nan,
            float(agreement[j]) if n[j] >= 3 else math.nan,
        )
        for j in range(n_jurors)
        if n[j] > 0
    )


def disagreeing_reviews(
    reviews: Iterable[tuple[Hashable, Hashable, float | None]],
    *,
    max_gap: float | None = None,
    max_z: float | None = 3.0,
) -> tuple[Disagreement, ...]:
    """Reviews whose gap to the others' mean reaches `max_gap` (scale units) or `max_z`, worst first.

    The robust z divides each gap, first scaled by sqrt((n-1)/n) so that entries with few
    reviews are not flagged merely for having few, by the round's median absolute deviation of
    those gaps. Either threshold can be turned off with None. This flags for a human to look at;
    it never drops a review.
    """
    data = review_arrays(reviews)
    count, others_mean, _, _ = _others(data)
    shared = np.flatnonzero(count > 0)
    if len(shared) == 0:
        return ()
    gap = data.score[shared] - others_mean[shared]
    n = count[shared] + 1
    standardised = gap * np.sqrt((n - 1) / n)
    centre = np.median(standardised)
    mad = np.median(np.abs(standardised - centre)) * _MAD_TO_SD
    if mad == 0:  # most reviews agree exactly (common on short integer scales): fall back to the mean
        mad = np.mean(np.abs(standardised - centre)) * _MEAN_AD_TO_SD
    z = (standardised - centre) / mad if mad > 0 else np.zeros_like(gap)
    flag = np.zeros(len(gap), dtype=bool)
    if max_gap is not None:
        flag |= np.abs(gap) >= max_gap
    if max_z is not None:
        flag |= np.abs(z) >= max_z
    picked = np.flatnonzero(flag)
    picked = picked[np.argsort(-np.abs(z[picked]), kind="stable")]
    return tuple(
        Disagreement(
            data.entries[data.entry[shared[i]]],
            data.jurors[data.juror[shared[i]]],
            float(data.score[shared[i]]),
            float(others_mean[shared[i]]),
            int(count[shared[i]]),
            float(gap[i]),
            float(z[i]),
        )
        for i in picked
    )


def under_reviewed(
    reviews: Iterable[tuple[Hashable, Hashable, float | None]], *, k: int, entries: Iterable[Hashable] = ()
) -> tuple[tuple[Hashable, int], ...]:
    """Entries with fewer than `k` scored reviews, fewest first; `entries` adds those with none yet."""
    data = review_arrays(reviews)
    counts = dict.fromkeys(entries, 0)
    for entry, number in zip(data.entries, np.bincount(data.entry, minlength=len(data.entries)), strict=True):
        counts[entry] = int(number)
    short = [(entry, number) for entry, number in counts.items() if number < k]
    return tuple(sorted(short, key=lambda item: item[1]))


def design_connectivity(
    links: Iterable[tuple], *, tracks: Mapping[Hashable, Hashable] | None = None
) -> DesignReport:
    """Components of the design and the jurors who bridge tracks.

    `links` are (entry, juror, ...) tuples: pass assignments to check a plan, or scored reviews
    to check what calibration will actually see. `tracks` maps entries to their track.
    """
    tracks = tracks or {}
    pairs = [(link[0], link[1]) for link in links]
    components = tuple(
        Component(frozenset(e), frozenset(j), frozenset(tracks[x] for x in e if x in tracks))
        for e, j in connected_components(pairs)
    )
    juror_tracks: dict[Hashable, set] = {}
    for entry, juror in pairs:
        if entry in tracks:
            juror_tracks.setdefault(juror, set()).add(tracks[entry])
    bridging = {juror: frozenset(seen) for juror, seen in juror_tracks.items() if len(seen) > 1}
    return DesignReport(components, bridging)
