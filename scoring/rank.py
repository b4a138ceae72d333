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
    """Score and rank intervals, P(top N) and contested flags from simulated errors of the fit.

    The design (who reviewed what) is kept, because it was fixed by the assignment, not drawn
    at random. Each replicate draws a whole panel from the fitted model (true qualities, juror
    offsets, scales within their uncertainty, review noise of each juror's own size), scores
    it with the calibration method, and subtracts that method's error on the simulated panel
    from the published score: replicate = score − (estimate* − truth*). Shrinkage is part of
    the error, so the replicates of a top entry spread above its shrunk score as well as
    below (see docs/scoring.md). Methods without a model of their own (none, zscore,
    percentile) simulate from the additive model.
    """
    if replicates < 1:
        raise ValueError("at least one bootstrap replicate is needed")
    reviews = calibration.reviews
    n_entries = reviews.n_entries
    code, labels = group_codes(groups, n_entries)
    ok = np.isfinite(calibration.score) & (np.ones(n_entries, dtype=bool) if eligible is None else eligible)
    simulate = _ErrorSimulator(calibration)
    rng = np.random.default_rng(seed)
    scores = np.empty((n_entries, replicates), dtype=np.float32)
    ranks = np.empty((n_entries, replicates), dtype=np.int32)
    for start in range(0, replicates, chunk):
        k = min(chunk, replicates - start)
        replicate = calibration.score[:, None] - simulate(rng, k)
        # The published ranking's tie rule; ranked in float64, as float32 would invent ties among 20,000 scores.
        np.round(replicate, TIE_DECIMALS, out=replicate)
        replicate[~ok] = -np.inf
        scores[:, start : start + k] = replicate
        ranks[:, start : start + k] = _ranks_within(replicate, code, len(labels), (seed, start))
        if progress is not None:
            progress(start + k, replicates)
    tail = (1.0 - level) / 2
    score_low, score_high = np.quantile(scores, [tail, 1 - tail], axis=1, overwrite_input=True)
    del scores
    p_top = None
    if top is not None:
        p_top = np.where(ok, np.mean(ranks <= top, axis=1), 0.0)
    rank_low, rank_high = _shortest_intervals(ranks, level)
    del ranks
    score_low[~ok] = score_high[~ok] = np.nan
    rank_low[~ok] = rank_high[~ok] = 0
    contested = np.zeros(n_entries, dtype=bool)
    if p_top is not None:
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


def _shortest_intervals(ranks: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the narrowest range of ranks that holds `level` of the replicates (sorts `ranks` in place).

    A rank's distribution is skewed near the ends of the list: an entry at the top cannot go
    above rank 1 but can fall far. The narrowest interval follows the skew, where an
    equal-tailed one would cut 5% off the short side and miss the entries truly at the top
    (docs/scoring.md has the coverage of both). Among equally narrow ranges the middle one
    is taken, so that ties do not lean either way.
    """
    replicates = ranks.shape[1]
    inside = min(replicates, int(np.ceil(level * replicates - 1e-9)))
    ranks.sort(axis=1)
    width = ranks[:, inside - 1 :] - ranks[:, : replicates - inside + 1]
    narrowest = width == width.min(axis=1, keepdims=True)
    first = np.argmax(narrowest, axis=1)
    last = narrowest.shape[1] - 1 - np.argmax(narrowest[:, ::-1], axis=1)
    start = (first + last) // 2
    rows = np.arange(len(ranks))
    return ranks[rows, start].astype(np.int64), ranks[rows, start + inside - 1].astype(np.int64)


class _ErrorSimulator:
    """Draws panels from the fitted model and returns the method's error on each (entries × replicates).

    A simulated panel keeps the design and draws, per replicate: each entry's quality from the
    fitted spread of entries, each juror's offset from the fitted spread of offsets, each
    juror's scale within its uncertainty, and each review's noise with its juror's own
    variance. For the model methods the error is estimate − true quality (the centre is
    drawn as 0, which the fit absorbs exactly); the simple methods have no quality scale of
    their own, so their error is taken against the best linear reading of the true quality
    on their scale (least squares over the simulated panel).
    """

    def __init__(self, calibration: Calibration):
        reviews = calibration.reviews
        model = calibration if calibration.variances is not None else calibrate(reviews, "additive")
        v = model.variances
        assert v is not None
        self.reviews = reviews
        self.entry_sd = np.sqrt(v.entry)
        self.offset_sd = np.sqrt(v.juror)
        self.noise_sd = np.sqrt(juror_noise(model))[reviews.juror]
        self.scale = model.juror_scale
        scale_var = model.juror_scale_var
        self.scale_sd = None if scale_var is None or not np.any(scale_var > 0) else np.sqrt(scale_var)
        self.scorer = replicate_scorer(calibration)
        self.linear_reading = calibration.variances is None
        self.scored = np.isfinite(calibration.score)

    def __call__(self, rng: np.random.Generator, k: int) -> np.ndarray:
        reviews = self.reviews
        n_e, n_j, n = reviews.n_entries, reviews.n_jurors, len(reviews.score)
        widths = [n_e, n_j, n] + ([n_j] if self.scale_sd is not None else [])
        # One row of draws per replicate, so a seed gives the same replicates whatever the chunk size.
        draws = rng.standard_normal((k, sum(widths)), dtype=np.float32)
        cut = np.cumsum(widths)
        quality = np.ascontiguousarray(draws[:, : cut[0]].T, dtype=float) * self.entry_sd
        offset = np.ascontiguousarray(draws[:, cut[0] : cut[1]].T, dtype=float) * self.offset_sd
        totals = np.ascontiguousarray(draws[:, cut[1] : cut[2]].T, dtype=float)
        totals *= self.noise_sd[:, None]
        totals += offset[reviews.juror]
        if self.scale_sd is None:
            scale = self.scale[reviews.juror][:, None]
        else:
            drawn = self.scale[:, None] + draws[:, cut[2] :].T * self.scale_sd[:, None]
            scale = drawn[reviews.juror]
        totals += scale * quality[reviews.entry]
        estimate = self.scorer(totals)
        if self.linear_reading:
            quality = _linear_reading(estimate, quality, self.scored)
        estimate -= quality
        return estimate


def _linear_reading(estimate: np.ndarray, quality: np.ndarray, scored: np.ndarray) -> np.ndarray:
    """Per column, a + b·quality fitted to the estimates by least squares over scored entries."""
    q, y = quality[scored], estimate[scored]
    q_mean, y_mean = q.mean(axis=0), y.mean(axis=0)
    slope = np.sum((q - q_mean) * (y - y_mean), axis=0) / np.maximum(np.sum((q - q_mean) ** 2, axis=0), 1e-300)
    return y_mean + slope * (quality - q_mean)


def juror_noise(calibration: Calibration) -> np.ndarray:
    """Each juror's review-noise variance: their own residuals, shrunk towards the pooled variance.

    Residuals are inflated by 1/(1 − leverage), as a fitted model makes them too small. How
    far to trust a juror's own residuals is estimated from the jury: the spread of the
    jurors' mean squared residuals beyond what sampling alone would give (empirical Bayes,
    with the residuals' own fourth moment for the sampling part). A jury whose jurors differ
    only by chance gets the pooled variance for everyone.
    """
    reviews = calibration.reviews
    fitted, leverage = calibration.fitted, calibration.leverage
    assert fitted is not None and leverage is not None
    if len(reviews.score) == 0:
        return np.ones(reviews.n_jurors)
    squared = (reviews.score - fitted) ** 2 / (1.0 - leverage)
    pooled = float(squared.mean())
    variance = np.full(reviews.n_jurors, pooled)
    n_j = reviews.reviews_per_juror().astype(float)
    judged = n_j > 0
    own = np.bincount(reviews.juror, squared, reviews.n_jurors)[judged] / n_j[judged]
    spread = float(np.mean(squared**2)) - pooled**2  # variance of one squared residual
    between = float(np.mean((own - pooled) ** 2) - np.mean(spread / n_j[judged]))
    if between > 0 and spread > 0:
        prior_reviews = spread / between
        variance[judged] = (n_j[judged] * own + prior_reviews * pooled) / (n_j[judged] + prior_reviews)
    return variance


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
