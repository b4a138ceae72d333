"""Dense integer indices for entry and juror ids, so that the maths runs on numpy arrays.

Ids are any hashable values; they are numbered in order of first appearance, which keeps
every result independent of how ids sort and deterministic for a given input order.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np


def index_ids(ids: Sequence[Hashable]) -> tuple[np.ndarray, tuple]:
    """Integer code per id (first-seen order) and the ids in code order."""
    lookup: dict[Hashable, int] = {}
    codes = np.fromiter((lookup.setdefault(i, len(lookup)) for i in ids), dtype=np.intp, count=len(ids))
    return codes, tuple(lookup)


@dataclass(frozen=True)
class ReviewArrays:
    """Scored reviews as parallel arrays: entry code, juror code, score."""

    entry: np.ndarray
    juror: np.ndarray
    score: np.ndarray
    entries: tuple
    jurors: tuple


def review_arrays(reviews: Iterable[tuple[Hashable, Hashable, float | None]]) -> ReviewArrays:
    """Encode (entry, juror, score) reviews; a missing score (None or NaN) is no review at all.

    A juror scoring the same entry twice is a data error upstream, so it is refused here.
    """
    rows = [r for r in reviews if r[2] is not None and r[2] == r[2]]
    if not rows:
        empty = np.empty(0, dtype=np.intp)
        return ReviewArrays(empty, empty, np.empty(0), (), ())
    entry_ids, juror_ids, scores = zip(*rows, strict=True)
    entry, entries = index_ids(entry_ids)
    juror, jurors = index_ids(juror_ids)
    score = np.asarray(scores, dtype=float)
    if not np.all(np.isfinite(score)):
        raise ValueError("scores must be finite numbers")
    key = entry * len(jurors) + juror
    unique, counts = np.unique(key, return_counts=True)
    if len(unique) != len(key):
        dup = unique[np.argmax(counts > 1)]
        raise ValueError(
            f"juror {jurors[dup % len(jurors)]!r} scored entry {entries[dup // len(jurors)]!r} more than once"
        )
    return ReviewArrays(entry, juror, score, entries, jurors)
