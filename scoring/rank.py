"""Rankings per track, area or overall, with declared tie-breaks and bootstrap uncertainty.

With three to five reviews per entry the rank of an entry near the cut is uncertain by many
places (research report §3.3), so a ranking is published with score and rank intervals,
the probability of making the top N, and a flag on entries whose side of the cut is unclear.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from statistics import NormalDist
from typing import Literal

import numpy as np

from scoring.normalise import Calibration, calibrate, juror_noise, posterior_sampler, refit, replicate_scorer

# Scores that agree to this many decimals are a tie, so that float noise never breaks one.
TIE_DECIMALS = 9
# Bootstrap replicates drawn and ranked together: 50 × 20,000 entries in double precision is 8 MB.
_BLOCK = 50


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
    progress: Callable[[int, int], None] | None = None,
) -> RankUncertainty:
    """Score and rank intervals, P(top N) and contested flags from draws of the fit's error.

    The design (who reviewed what) is kept, because it was fixed by the assignment, not drawn
    at random. Each replicate is score − error, the error drawn from the fitted model: for the
    model methods from its posterior (`PosteriorSampler`: the jury's part through one shared
    factor, each entry's own part with its jurors' noise and scale uncertainty); for the
    others, and for juries too large to factorise, as the method's error on a whole panel
    simulated from the model (`_ErrorSimulator`). Shrinkage is part of the error, so the
    replicates of a top entry spread above its shrunk score as well as below. The rank
    interval is the narrowest that holds `level` of the replicates (docs/scoring.md has its
    coverage on simulated juries).
    """
    if replicates < 1:
        raise ValueError("at least one bootstrap replicate is needed")
    reviews = calibration.reviews
    n_entries = reviews.n_entries
    code, labels = group_codes(groups, n_entries)
    ok = np.isfinite(calibration.score) & (np.ones(n_entries, dtype=bool) if eligible is None else eligible)
    sampler = posterior_sampler(calibration)
    simulate = _ErrorSimulator(calibration) if sampler is None else None
    # Two streams, drawn one row per replicate; replicates go through in blocks of a fixed size
    # (the last one shorter), so that a seed gives the same numbers to the last bit.
    normal_stream, pick_stream = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(2))
    largest = int(np.bincount(code, minlength=1).max()) if n_entries else 0
    # Replicate-major, ranks as small as the groups allow: 20,000 entries × 1,000 replicates in 40 MB.
    ranks = np.empty((replicates, n_entries), dtype=np.int16 if largest < 2**15 else np.int32)
    ranker = _Ranker(code, len(labels), ranks.dtype)
    moments = np.zeros((2, n_entries))
    in_top = np.zeros(n_entries)
    for start in range(0, replicates, _BLOCK):
        k = min(_BLOCK, replicates - start)
        if sampler is not None:
            error = sampler(_normal_draws(normal_stream, k, sampler.width))
        else:
            error = simulate(normal_stream, pick_stream, k).T
        moments[0] += error.sum(axis=0)
        moments[1] += np.square(error).sum(axis=0)
        # Replicates × entries, shifted to be at least 1 (their bits then order as they do), unranked entries at 0.
        largest_error = float(np.fmax.reduce(error, axis=None, initial=0.0))  # NaN (no score) left aside
        lowest = float(np.min(calibration.score[ok], initial=0.0)) - largest_error
        replicate = (calibration.score - lowest + 1.0)[None, :] - error
        replicate[:, ~ok] = 0.0
        block = ranks[start : start + k]
        ranker(replicate, block, (seed, start))
        if top is not None:
            in_top += np.count_nonzero(block <= top, axis=0)
        if progress is not None:
            progress(start + k, replicates)
    # The score interval from the replicates' mean and spread: each replicate is a sum of many
    # independent draws, so its distribution is close to normal, and no 20,000 × 1,000 array
    # of scores need be kept.
    mean = moments[0] / replicates
    spread = np.sqrt(np.maximum(moments[1] / replicates - mean**2, 0.0))
    z = float(NormalDist().inv_cdf(0.5 + level / 2))
    score_low = calibration.score - mean - z * spread
    score_high = calibration.score - mean + z * spread
    p_top = np.where(ok, in_top / replicates, 0.0) if top is not None else None
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
    """Per column (entry), the narrowest range of ranks that holds `level` of the replicates (rows).

    A rank's distribution is skewed near the ends of the list: an entry at the top cannot go
    above rank 1 but can fall far. The narrowest interval follows the skew, where an
    equal-tailed one would cut 5% off the short side and miss the entries truly at the top
    (docs/scoring.md has the coverage of both). Among equally narrow ranges the middle one
    is taken, so that ties do not lean either way. Sorts `ranks` in place.
    """
    replicates = ranks.shape[0]
    inside = min(replicates, int(np.ceil(level * replicates - 1e-9)))
    ranks.sort(axis=0)
    width = ranks[inside - 1 :] - ranks[: replicates - inside + 1]
    narrowest = width == width.min(axis=0, keepdims=True)
    first = np.argmax(narrowest, axis=0)
    last = narrowest.shape[0] - 1 - np.argmax(narrowest[::-1], axis=0)
    start = (first + last) // 2
    columns = np.arange(ranks.shape[1])
    return ranks[start, columns].astype(np.int64), ranks[start + inside - 1, columns].astype(np.int64)


class _ErrorSimulator:
    """Draws panels from the fitted model and returns the method's error on each (entries × replicates).

    A simulated panel keeps the design and draws, per replicate: each entry's quality from the
    fitted spread of entries, each juror's offset from the fitted spread of offsets, each
    juror's scale within its uncertainty, and each review's noise by resampling the model's
    standardised residuals and giving them the juror's own noise level. For the model methods
    the error is estimate − true quality (the centres are drawn as 0, which the fit absorbs
    exactly); the simple methods have no quality scale of their own, so their error is taken
    against the best linear reading of the true quality on their scale (least squares over
    the simulated panel). The model methods' panels are built and solved in single precision.
    """

    def __init__(self, calibration: Calibration):
        reviews = calibration.reviews
        model = calibration if calibration.variances is not None else calibrate(reviews, "additive")
        v = model.variances
        assert v is not None and model.fitted is not None and model.leverage is not None
        self.reviews = reviews
        self.entry_sd = np.float32(np.sqrt(v.entry))
        self.offset_sd = np.float32(np.sqrt(v.juror))
        noise_sd = np.sqrt(juror_noise(model))
        self.noise_sd = noise_sd[reviews.juror].astype(np.float32)
        # Residuals inflated for leverage and divided by their juror's noise level: one pool of
        # standardised noise that each juror's level turns back into that juror's noise.
        residual = (reviews.score - model.fitted) / np.sqrt(1.0 - model.leverage)
        with np.errstate(invalid="ignore", divide="ignore"):
            standard = np.where(noise_sd[reviews.juror] > 0, residual / noise_sd[reviews.juror], 0.0)
        standard -= standard.mean() if len(standard) else 0.0
        self.standard = standard.astype(np.float32)
        self.scale = model.juror_scale.astype(np.float32)
        scale_var = model.juror_scale_var
        self.scale_sd = (
            None if scale_var is None or not np.any(scale_var > 0) else np.sqrt(scale_var).astype(np.float32)
        )
        self.scorer = replicate_scorer(calibration)
        self.linear_reading = calibration.variances is None
        self.scored = np.isfinite(calibration.score)

    def __call__(self, normal_stream: np.random.Generator, pick_stream: np.random.Generator, k: int) -> np.ndarray:
        reviews = self.reviews
        n_e, n_j, n = reviews.n_entries, reviews.n_jurors, len(reviews.score)
        width = n_e + n_j + (n_j if self.scale_sd is not None else 0)
        normal = _normal_draws(normal_stream, k, width)
        pick = pick_stream.integers(0, max(n, 1), size=(k, n), dtype=np.int32)
        quality = np.ascontiguousarray(normal[:, :n_e].T)
        quality *= self.entry_sd
        offset = np.ascontiguousarray(normal[:, n_e : n_e + n_j].T)
        offset *= self.offset_sd
        totals = self.standard[pick.T]
        totals *= self.noise_sd[:, None]
        totals += offset[reviews.juror]
        if self.scale_sd is None:
            totals += self.scale[reviews.juror][:, None] * quality[reviews.entry]
        else:
            scale = self.scale[:, None] + normal[:, n_e + n_j :].T * self.scale_sd[:, None]
            totals += scale[reviews.juror] * quality[reviews.entry]
        # The simple methods rank totals within jurors: in double precision, so that no two totals merge.
        estimate = self.scorer(totals.astype(float) if self.linear_reading else totals)
        if self.linear_reading:
            quality = _linear_reading(estimate, quality, self.scored)
        estimate -= quality
        return estimate


@cache
def _normal_quantiles() -> np.ndarray:
    """The standard normal's quantiles at the midpoints of 65,536 equal slices, in single precision.

    By Acklam's rational approximation of the inverse normal distribution (relative error
    below 1.2e-9, far finer than the slices), vectorised.
    """
    p = (np.arange(2**15, 2**16) + 0.5) / 2**16  # the upper half; the table is symmetric
    a = (-3.969683028665376e01, 2.209460984245205e02, -2.759285104469687e02, 1.383577518672690e02,
         -3.066479806614716e01, 2.506628277459239e00)  # fmt: skip
    b = (-5.447609879822406e01, 1.615858368580409e02, -1.556989798598866e02, 6.680131188771972e01,
         -1.328068155288572e01, 1.0)  # fmt: skip
    c = (-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e00, -2.549732539343734e00,
         4.374664141464968e00, 2.938163982698783e00)  # fmt: skip
    d = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e00, 3.754408661907416e00, 1.0)
    central = p <= 1 - 0.02425
    q = p[central] - 0.5
    r = q * q
    upper = np.empty_like(p)
    upper[central] = q * np.polyval(a, r) / np.polyval(b, r)
    t = np.sqrt(-2 * np.log1p(-p[~central]))
    upper[~central] = -np.polyval(c, t) / np.polyval(d, t)
    table = np.concatenate((-upper[::-1], upper))
    return (table / table.std()).astype(np.float32)


def _normal_draws(stream: np.random.Generator, rows: int, width: int) -> np.ndarray:
    """Standard normal draws, rows × width, one row per replicate whatever the number of rows.

    A uniform 16-bit index into a table of normal quantiles: a normal variable to within
    1/65,536 of probability, at a tenth of the cost of drawing one; the bootstrap draws tens of
    millions of them.
    """
    padded = -(-width // 4) * 4  # four 16-bit indices in each raw 64-bit draw
    raw = stream.bit_generator.random_raw(rows * padded // 4)
    index = raw.view(np.uint16).reshape(rows, padded)[:, :width]
    return _normal_quantiles()[index]


def _linear_reading(estimate: np.ndarray, quality: np.ndarray, scored: np.ndarray) -> np.ndarray:
    """Per column, a + b·quality fitted to the estimates by least squares over scored entries."""
    q, y = quality[scored], estimate[scored]
    q_mean, y_mean = q.mean(axis=0), y.mean(axis=0)
    slope = np.sum((q - q_mean) * (y - y_mean), axis=0) / np.maximum(np.sum((q - q_mean) ** 2, axis=0), 1e-300)
    return y_mean + slope * (quality - q_mean)


# Replicate scores are ranked by one integer sort per replicate: each score (positive, so that
# its bits order as it does), shifted right to make room for the entry's group in the top
# bits, with its lowest bits replaced by the entry's position (up to 2**20 entries). With one
# group, the 32 bits of mantissa left make scores that agree to about 1e-9 of their size a tie,
# the published ranking's own rule (TIE_DECIMALS); each doubling of the groups gives up a bit.
_POSITION_BITS = 20


class _Ranker:
    """1-based ranks, best first, within each entry's group, for blocks of replicates (rows)."""

    def __init__(self, code: np.ndarray, n_groups: int, dtype: type):
        count = len(code)
        self.count, self.dtype = count, dtype
        self.group_bits = int(np.ceil(np.log2(n_groups))) if n_groups > 1 else 0
        self.code, self.n_groups = code, n_groups
        self.group_key = code.astype(np.int64) << np.int64(63 - self.group_bits) if self.group_bits else None
        self.score_bits = np.int64(2 ** (63 - self.group_bits - _POSITION_BITS) - 1)
        # Sorted ascending, group by group: the rank at position p of group g's block is its end − p.
        sizes = np.bincount(code, minlength=n_groups)
        ends = np.cumsum(sizes)
        self.descending = (np.repeat(ends, sizes) - np.arange(count)).astype(dtype)
        self._tiled: np.ndarray | None = None

    def __call__(self, scores: np.ndarray, ranks: np.ndarray, ties: tuple[int, int]) -> None:
        """Fill `ranks` from `scores`: at least 1 where ranked, 0 where not (last of their group); overwritten.

        Exact ties within a replicate (a panel the model fits perfectly) are broken at random,
        from a generator seeded by (seed, replicate number), so that they fall either way
        instead of always to the same entry.
        """
        seed, first = ties
        replicates, count = scores.shape
        if count >= 2**_POSITION_BITS:
            for g in range(self.n_groups):
                members = np.flatnonzero(self.code == g)
                order = members[np.argsort(scores[:, members], axis=1)]
                np.put_along_axis(ranks, order, np.arange(len(members), 0, -1, dtype=ranks.dtype)[None, :], axis=1)
            return
        key = scores.view(np.int64)
        if self.group_key is not None:
            key >>= np.int64(self.group_bits)
            key |= self.group_key
        key &= np.int64(-(2**_POSITION_BITS))
        key |= np.arange(count, dtype=np.int64)
        key.sort(axis=1)
        order = key & np.int64(2**_POSITION_BITS - 1)
        key >>= np.int64(_POSITION_BITS)
        tied = np.flatnonzero(np.any((key[:, 1:] == key[:, :-1]) & ((key[:, 1:] & self.score_bits) != 0), axis=1))
        order += (np.arange(replicates, dtype=np.int64) * count)[:, None]
        if self._tiled is None or len(self._tiled) != replicates * count:
            self._tiled = np.tile(self.descending, replicates)
        ranks.reshape(-1)[order.reshape(-1)] = self._tiled
        for row in tied.tolist():
            # Each run of equal keys holds tied entries at consecutive ranks: deal those ranks out at random.
            same = np.flatnonzero((key[row, 1:] == key[row, :-1]) & ((key[row, 1:] & self.score_bits) != 0))
            starts = same[np.r_[True, np.diff(same) > 1]]
            ends = same[np.r_[np.diff(same) > 1, True]] + 2
            shuffle = np.random.default_rng([seed, first + row])
            for begin, end in zip(starts.tolist(), ends.tolist(), strict=True):
                members = order[row, begin:end] - row * count
                ranks[row, members] = shuffle.permutation(ranks[row, members])


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
