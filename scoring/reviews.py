"""Review totals held as index arrays: the one shape every calibration and ranking takes.

A review is one juror's weighted total for one entry. Entries and jurors are stored once,
in sorted label order, and each review points at them by position, so that results do
not depend on the order reviews arrive in and no entries×jurors matrix is ever built.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from scoring.deferred import deferred

sparse = deferred("scipy.sparse")


def _ordered(labels: Iterable[Hashable]) -> tuple[Hashable, ...]:
    unique = set(labels)
    try:
        return tuple(sorted(unique))
    except TypeError:  # mixed label types: any fixed order will do
        return tuple(sorted(unique, key=repr))


@dataclass(frozen=True, eq=False)
class Reviews:
    """Review totals: `entry[r]`, `juror[r]` index `entries`, `jurors`; `score[r]` is the total."""

    entries: tuple[Hashable, ...]
    jurors: tuple[Hashable, ...]
    entry: np.ndarray
    juror: np.ndarray
    score: np.ndarray

    @classmethod
    def from_records(
        cls,
        records: Iterable[tuple[Hashable, Hashable, float]],
        *,
        entries: Sequence[Hashable] | None = None,
    ) -> Reviews:
        """Build from (entry, juror, total) triples; `entries` adds entries that have no review yet."""
        rows = list(records)
        entry_labels = _ordered([r[0] for r in rows] + list(entries or ()))
        juror_labels = _ordered(r[1] for r in rows)
        entry_pos = {label: i for i, label in enumerate(entry_labels)}
        juror_pos = {label: i for i, label in enumerate(juror_labels)}
        score = np.fromiter((float(r[2]) for r in rows), dtype=float, count=len(rows))
        if not np.all(np.isfinite(score)):
            raise ValueError("every review total must be a finite number")
        return cls(
            entries=entry_labels,
            jurors=juror_labels,
            entry=np.fromiter((entry_pos[r[0]] for r in rows), dtype=np.int64, count=len(rows)),
            juror=np.fromiter((juror_pos[r[1]] for r in rows), dtype=np.int64, count=len(rows)),
            score=score,
        )

    @classmethod
    def from_codes(
        cls,
        entry_labels: Sequence[Hashable],
        entry: np.ndarray,
        juror_labels: Sequence[Hashable],
        juror: np.ndarray,
        score: np.ndarray,
    ) -> Reviews:
        """Build from reviews already numbered: `entry[r]` indexes `entry_labels`, `juror[r]` indexes `juror_labels`.

        The same Reviews as `from_records` on the same triples, in the same review order,
        without a Python object per review; labels that no review uses are kept as entries
        without reviews, and dropped for jurors.
        """
        score = np.asarray(score, dtype=float)
        if not np.all(np.isfinite(score)):
            raise ValueError("every review total must be a finite number")
        entries = _ordered(entry_labels)
        position = {label: i for i, label in enumerate(entries)}
        entry_map = np.fromiter((position[label] for label in entry_labels), dtype=np.int64, count=len(entry_labels))
        used = np.unique(np.asarray(juror, dtype=np.int64))
        jurors = _ordered(juror_labels[i] for i in used.tolist())
        position = {label: i for i, label in enumerate(jurors)}
        juror_map = np.zeros(len(juror_labels), dtype=np.int64)
        juror_map[used] = [position[juror_labels[i]] for i in used.tolist()]
        return cls(
            entries=entries,
            jurors=jurors,
            entry=entry_map[np.asarray(entry, dtype=np.int64)],
            juror=juror_map[np.asarray(juror, dtype=np.int64)],
            score=score,
        )

    @property
    def n_entries(self) -> int:
        return len(self.entries)

    @property
    def n_jurors(self) -> int:
        return len(self.jurors)

    def reviews_per_entry(self) -> np.ndarray:
        return np.bincount(self.entry, minlength=self.n_entries)

    def reviews_per_juror(self) -> np.ndarray:
        return np.bincount(self.juror, minlength=self.n_jurors)

    def entry_matrix(self, weights: np.ndarray | None = None) -> sparse.csr_matrix:
        """Entries × reviews incidence (optionally weighted), for per-entry sums of many columns at once."""
        values = np.ones(len(self.score)) if weights is None else weights
        return sparse.csr_matrix(
            (values, (self.entry, np.arange(len(self.score)))), shape=(self.n_entries, len(self.score))
        )

    def juror_matrix(self) -> sparse.csr_matrix:
        """Jurors × reviews incidence."""
        return sparse.csr_matrix(
            (np.ones(len(self.score)), (self.juror, np.arange(len(self.score)))),
            shape=(self.n_jurors, len(self.score)),
        )

    def with_scores(self, score: np.ndarray) -> Reviews:
        return Reviews(self.entries, self.jurors, self.entry, self.juror, np.asarray(score, dtype=float))

    def without_juror(self, juror: int) -> Reviews:
        """The same panel with one juror's reviews removed; entries and jurors keep their positions."""
        keep = self.juror != juror
        return Reviews(self.entries, self.jurors, self.entry[keep], self.juror[keep], self.score[keep])

    def components(self) -> tuple[np.ndarray, np.ndarray, int]:
        """Component number of each entry and juror in the review graph, 0 for the largest.

        An entry without reviews forms a component of its own; a juror without reviews too.
        """
        n_e, n_j = self.n_entries, self.n_jurors
        # Union by hooking each edge's higher root onto its lower one, then halving paths to the
        # roots, until every review joins two nodes of one tree (a few rounds, each a few passes).
        parent = np.arange(n_e + n_j)
        one, other = self.entry, n_e + self.juror
        while True:
            a, b = parent[one], parent[other]
            apart = a != b
            if not apart.any():
                break
            np.minimum.at(parent, np.maximum(a, b)[apart], np.minimum(a, b)[apart])
            while True:
                up = parent[parent]
                if np.array_equal(up, parent):
                    break
                parent = up
        roots, labels = np.unique(parent, return_inverse=True)
        count = len(roots)
        size = np.bincount(labels, minlength=count)
        first = np.full(count, n_e + n_j)
        np.minimum.at(first, labels, np.arange(n_e + n_j))
        order = np.lexsort((first, -size))  # largest first, then by first entry's position
        renumber = np.empty(count, dtype=np.int64)
        renumber[order] = np.arange(count)
        labels = renumber[labels]
        return labels[:n_e], labels[n_e:], count
