"""Rankings per track, area or overall, with declared tie-breaks and bootstrap uncertainty.

With three to five reviews per entry the rank of an entry near the cut is uncertain by many
places (research report §3.3), so a ranking is published with score and rank intervals,
the probability of making the top N, and a flag on entries whose side of the cut is unclear.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from scoring.normalise import Calibration, calibrate, refit, replicate_scorer

# Scores that agree to this many decimals are a tie, so that float noise never breaks one.
TIE_DECIMALS = 9


@dataclass(frozen=True)
class TieBreak:
    """Declared before judging: higher mean on each criterion in turn, then the final rule.

    `final="shared"` gives still-tied entries the same rank (1, 2, 2, 4); `final="entry"`
    orders them by entry label, for rounds that must produce a strict order.
    """

    criteria: tuple[str, ...] = ()
    final: Literal["shared", "entry"] = "shared"


@dataclass(frozen=True, eq=False)
class Ranking:
    """`order` lists entry positions group by group, best first; `rank` is 1-based within the group.

    Entries that are not ranked (no score, excluded by a threshold) get rank 0 and come last
    in their group.
    """

    order: np.ndarray
    rank: np.ndarray
    group: np.ndarray
    groups: tuple[Hashable, ...]


def group_codes(groups: Sequence[Hashable] | None, n_entries: int) -> tuple[np.ndarray, tuple[Hashable, ...]]:
    """Group number per entry and the group labels in sorted order; one group when none are given."""
    if groups is None:
        return np.zeros(n_entries, dtype=np.int64), (None,)
    if len(groups) != n_entries:
        raise ValueError(f"{len(groups)} group keys for {n_entries} entries")
    labels = tuple(sorted(set(groups), key=lambda g: (g is None, str(g))))
    position = {label: i for i, label in enumerate(labels)}
    return np.fromiter((position[g] for g in groups), dtype=np.int64, count=n_entries), labels


def rank_entries(
    score: np.ndarray,
    *,
    groups: Sequence[Hashable] | None = None,
    tie_break: TieBreak = TieBreak(),
    criterion_means: Mapping[str, np.ndarray] | None = None,
    eligible: np.ndarray | None = None,
) -> Ranking:
    """Rank entries by score within each group, breaking ties by the declared rule.

    Entry positions follow `Reviews.entries`, which is sorted by label, so `final="entry"`
    orders still-tied entries by label.
    """
    n = len(score)
    code, labels = group_codes(groups, n)
    ranked = np.isfinite(score) & (np.ones(n, dtype=bool) if eligible is None else eligible)
    missing = [c for c in tie_break.criteria if criterion_means is None or c not in criterion_means]
    if missing:
        raise ValueError(f"tie-break criteria without means: {', '.join(missing)}")
    tie_keys = [_descending(np.round(score, TIE_DECIMALS))]
    tie_keys += [_descending(np.asarray(criterion_means[c], dtype=float)) for c in tie_break.criteria]
    order = np.lexsort([np.arange(n), *reversed(tie_keys), ~ranked, code])
    group_start = np.searchsorted(code[order], np.arange(len(labels)))
    position = np.arange(n) - group_start[code[order]]
    if tie_break.final == "shared":
        sorted_keys = np.column_stack([k[order] for k in tie_keys])
        new_block = np.ones(n, dtype=bool)
        sorted_code = code[order]
        same_key = np.all(sorted_keys[1:] == sorted_keys[:-1], axis=1)
        new_block[1:] = ~same_key | (sorted_code[1:] != sorted_code[:-1])
        block_start = np.maximum.accumulate(np.where(new_block, np.arange(n), 0))
        position = block_start - group_start[code[order]]
    elif tie_break.final != "entry":
        raise ValueError(f"unknown final tie-break {tie_break.final!r}; choose shared or entry")
    rank = np.zeros(n, dtype=np.int64)
    rank[order] = np.where(ranked[order], position + 1, 0)
    return Ranking(order=order, rank=rank, group=code, groups=labels)


def _descending(values: np.ndarray) -> np.ndarray:
    """Sort key that puts higher values first and missing values last."""
    return np.where(np.isnan(values), np.inf, -values)


@dataclass(frozen=True, eq=False)
class RankUncertainty:
    """Bootstrap intervals per entry (NaN / 0 for unranked entries) and who sits on the cut."""

    replicates: int
    level: float
    score_low: np.ndarray
    score_high: np.ndarray
    rank_low: np.ndarray
    rank_high: np.ndarray
    top: int | None
    p_top: np.ndarray | None
    contested: np.ndarray


def bootstrap_ranks(
    calibration: Calibration,
    *,
    replicates: int = 1000,
    seed: int = 0,
    groups: Sequence[Hashable] | None = None,
    top: int | None = None,
    eligible: np.ndarray | None = None,
    level: float = 0.9,
    contested_band: tuple[float, float] = (0.1, 0.9),
    chunk: int = 100,
    progress: Callable[[int, int], None] | None = None,
) -> RankUncertainty:
    """Residual bootstrap of the fitted model: score and rank intervals, P(top N), contested flags.

    The design (who reviewed what) is kept, because it was fixed by the assignment, not drawn
    at random; each replicate redraws the review noise from the model's leverage-adjusted
    residuals and re-runs the calibration method on the new totals. Methods without a model
    of their own (none, zscore, percentile) draw their replicates from the additive model.
    Replicates are centred on the published score, so intervals surround it.
    """
    if replicates < 1:
        raise ValueError("at least one bootstrap replicate is needed")
    reviews = calibration.reviews
    n_entries, n = reviews.n_entries, len(reviews.score)
    code, labels = group_codes(groups, n_entries)
    ok = np.isfinite(calibration.score) & (np.ones(n_entries, dtype=bool) if eligible is None else eligible)
    generator = calibration if calibration.fitted is not None else calibrate(reviews, "additive")
    fitted, leverage = generator.fitted, generator.leverage
    assert fitted is not None and leverage is not None
    residual = (reviews.score - fitted) / np.sqrt(1.0 - leverage)
    residual -= residual.mean()
    scorer = replicate_scorer(calibration)
    centre = scorer(fitted[:, None])[:, 0]
    rng = np.random.default_rng(seed)
    scores = np.empty((n_entries, replicates), dtype=np.float32)
    ranks = np.empty((n_entries, replicates), dtype=np.int32)
    for start in range(0, replicates, chunk):
        k = min(chunk, replicates - start)
        # One row of draws per replicate, so a seed gives the same replicates whatever the chunk size.
        draw = rng.integers(0, n, size=(k, n), dtype=np.int32).T
        deviation = scorer(fitted[:, None] + residual[draw]) - centre[:, None]
        replicate = calibration.score[:, None] + deviation
        replicate[~ok] = -np.inf  # ranked in full precision: float32 would invent ties among 20,000 scores
        scores[:, start : start + k] = replicate
        ranks[:, start : start + k] = _ranks_within(replicate, code, len(labels), (seed, start))
        if progress is not None:
            progress(start + k, replicates)
    tail = (1.0 - level) / 2
    score_low, score_high = np.quantile(scores, [tail, 1 - tail], axis=1)
    # Rank quantiles as order statistics ("lower" / "higher"), partitioned in int32 to save memory.
    low_k, high_k = int(np.floor(tail * (replicates - 1))), int(np.ceil((1 - tail) * (replicates - 1)))
    ranks_sorted = np.partition(ranks, [low_k, high_k], axis=1)
    rank_low = ranks_sorted[:, low_k].astype(np.int64)
    rank_high = ranks_sorted[:, high_k].astype(np.int64)
    del ranks_sorted
    score_low[~ok] = score_high[~ok] = np.nan
    rank_low[~ok] = rank_high[~ok] = 0
    p_top = None
    contested = np.zeros(n_entries, dtype=bool)
    if top is not None:
        p_top = np.where(ok, np.mean(ranks <= top, axis=1), 0.0)
        low, high = contested_band
        contested = ok & (((p_top > low) & (p_top < high)) | ((rank_low <= top) & (rank_high > top)))
    return RankUncertainty(
        replicates=replicates,
        level=level,
        score_low=score_low,
        score_high=score_high,
        rank_low=rank_low,
        rank_high=rank_high,
        top=top,
        p_top=p_top,
        contested=contested,
    )


def _ranks_within(scores: np.ndarray, code: np.ndarray, n_groups: int, ties: tuple[int, int]) -> np.ndarray:
    """1-based rank of each entry within its group, for every column of replicate scores.

    Exact ties within a replicate (a panel the model fits perfectly) are broken at random,
    from a generator seeded by (seed, replicate number), so that they fall either way
    instead of always to the same entry, whatever the chunk size.
    """
    seed, first = ties
    ranks = np.empty(scores.shape, dtype=np.int32)
    for g in range(n_groups):
        members = np.flatnonzero(code == g)
        by_replicate = np.ascontiguousarray(-scores[members].T)  # sorting rows of contiguous memory is faster
        order = np.argsort(by_replicate, axis=1)
        ordered = np.take_along_axis(by_replicate, order, axis=1)
        tied = np.any((ordered[:, 1:] == ordered[:, :-1]) & np.isfinite(ordered[:, 1:]), axis=1)
        for row in np.flatnonzero(tied).tolist():
            shuffle = np.random.default_rng([seed, first + row, g]).permutation(len(members))
            order[row] = shuffle[np.argsort(by_replicate[row, shuffle], kind="stable")]
        sub = np.empty(by_replicate.shape, dtype=np.int32)
        positions = np.arange(1, by_replicate.shape[1] + 1, dtype=np.int32)[None, :]
        np.put_along_axis(sub, order, positions, axis=1)
        ranks[members] = sub.T
    return ranks


@dataclass(frozen=True)
class JurorInfluence:
    """A juror whose reviews decide part of the top N: who would enter and who would leave without them."""

    juror: Hashable
    entered: tuple[Hashable, ...]
    left: tuple[Hashable, ...]


def juror_sensitivity(
    calibration: Calibration,
    *,
    top: int,
    groups: Sequence[Hashable] | None = None,
    eligible: np.ndarray | None = None,
    jurors: Sequence[int] | None = None,
) -> list[JurorInfluence]:
    """Leave-one-juror-out: refit without each juror and report those whose absence changes the top N.

    Variance components stay as fitted, so a change is due to the juror's reviews alone. Each
    juror costs one refit; pass `jurors` (positions) to examine only some of a large jury.
    """
    reviews = calibration.reviews
    strict = TieBreak(final="entry")

    def top_set(score: np.ndarray) -> set[int]:
        ranking = rank_entries(score, groups=groups, tie_break=strict, eligible=eligible)
        return set(np.flatnonzero((ranking.rank >= 1) & (ranking.rank <= top)).tolist())

    baseline = top_set(calibration.score)
    influences = []
    for j in range(reviews.n_jurors) if jurors is None else jurors:
        changed = top_set(refit(calibration, reviews.without_juror(j)))
        if changed != baseline:
            influences.append(
                JurorInfluence(
                    juror=reviews.jurors[j],
                    entered=tuple(reviews.entries[e] for e in sorted(changed - baseline)),
                    left=tuple(reviews.entries[e] for e in sorted(baseline - changed)),
                )
            )
    return influences
