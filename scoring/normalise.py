"""Juror calibration: turn review totals into entry scores that do not depend on who judged.

Jurors differ in leniency (offset) and in how much of the scale they use (spread). Each
method below removes some of that, chosen by name:

- ``none``: the plain mean of an entry's review totals.
- ``zscore``: each juror's totals standardised by the juror's own mean and spread, averaged
  per entry and put back on the scale with the pooled mean and spread.
- ``percentile``: each total replaced by its mid-rank percentile among that juror's totals,
  mapped back through the pooled distribution of totals.
- ``additive``: total = centre + entry quality + juror offset + noise, entry and juror
  effects Gaussian (the NeurIPS reviewer-calibration model), fitted as a ridge/BLUP over the
  incomplete design with variance components re-estimated. Shrinkage keeps a juror with few
  reviews from being corrected on the strength of one or two totals.
- ``offset_scale`` (the default; see docs/scoring.md for the measurements): total = centre +
  juror offset + juror scale × entry quality + noise; scales are fitted, and shrunk towards
  1, only for jurors with enough reviews, so a sparse jury gets the additive model.

The model fits never build an entries×jurors matrix: entry effects are eliminated in closed
form, leaving a system the size of the jury.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass

import numpy as np

from scoring.deferred import deferred
from scoring.reviews import Reviews

linalg = deferred("scipy.linalg")
sparse = deferred("scipy.sparse")

METHODS = ("none", "zscore", "percentile", "additive", "offset_scale")
DEFAULT_METHOD = "offset_scale"

# Jurors need this many reviews before a personal spread (zscore, percentile) or scale
# (offset_scale) is estimated for them; below it they are treated as average jurors.
MIN_REVIEWS_FOR_SPREAD = 3
MIN_REVIEWS_FOR_SCALE = 5
# Up to this many jurors the juror system is factorised densely (≈130 MB at 4,000);
# beyond it every solve is an iterative one.
DENSE_JUROR_LIMIT = 4000
# Exact posterior variances in the variance-component updates while (jurors+1)×max(entries, jurors+1)
# stays under this; beyond it a diagonal approximation (see `_JurorSystem.posterior_variances`).
EXACT_VARIANCE_LIMIT = 2_000_000


@dataclass(frozen=True)
class VarianceComponents:
    """Estimated variances: between entries, between juror offsets, review noise, juror scales."""

    entry: float
    juror: float
    noise: float
    scale: float = 0.0


@dataclass(frozen=True, eq=False)
class Calibration:
    """Per-entry calibrated score, raw mean and review count; per-juror offset and scale.

    `score` is NaN for an entry without reviews. Components number the connected parts of
    the juror–entry graph, 0 the largest: offsets are only comparable within one component,
    and across components the split between entry quality and juror leniency rests on the
    model's prior alone.
    """

    method: str
    reviews: Reviews
    score: np.ndarray
    raw_mean: np.ndarray
    n_reviews: np.ndarray
    juror_offset: np.ndarray
    juror_scale: np.ndarray
    entry_component: np.ndarray
    juror_component: np.ndarray
    n_components: int
    variances: VarianceComponents | None = None
    fitted: np.ndarray | None = None
    leverage: np.ndarray | None = None
    juror_scale_var: np.ndarray | None = None  # uncertainty of each juror's scale (0 where held at 1 by the model)
    centre: np.ndarray | None = None  # per entry, the level its quality is shrunk towards (model methods)
    centre_group: np.ndarray | None = None  # per entry, which level: 0 for all, or its track's number
    track_effects: bool = False  # whether each track got its own level (see `calibrate`)

    def by_entry(self) -> dict:
        """Calibrated score keyed by entry label."""
        return dict(zip(self.reviews.entries, self.score.tolist(), strict=True))

    def offsets_by_juror(self) -> dict:
        return dict(zip(self.reviews.jurors, self.juror_offset.tolist(), strict=True))


def calibrate(
    reviews: Reviews, method: str = DEFAULT_METHOD, *, tracks: Sequence[Hashable] | None = None
) -> Calibration:
    """Calibrated entry scores and juror estimates by the named method.

    `tracks` (one label per entry) lets the model methods shrink each entry towards its own
    track's level instead of the round's, so that a strong track's quality is not blamed on
    its jurors' leniency. That needs the data to tell the two apart: jurors who review in
    several tracks. Track levels are used only when `track_levels` finds them identified;
    otherwise the round keeps one level, and `Calibration.track_effects` is False.
    """
    if method not in METHODS:
        raise ValueError(f"unknown calibration method {method!r}; choose one of {', '.join(METHODS)}")
    n_reviews = reviews.reviews_per_entry()
    raw_mean = _entry_means(reviews, reviews.score[:, None])[:, 0]
    entry_component, juror_component, n_components = reviews.components()
    common = dict(
        method=method,
        reviews=reviews,
        raw_mean=raw_mean,
        n_reviews=n_reviews,
        entry_component=entry_component,
        juror_component=juror_component,
        n_components=n_components,
    )
    if method in ("additive", "offset_scale"):
        fitter = _fit_additive if method == "additive" else _fit_offset_scale
        group = _track_groups(reviews, tracks)
        if group is not None and not track_levels(reviews, group).identified:
            group = None
        fit = fitter(reviews, group=group)
        centre = fit.level[fit.group]
        score = np.where(n_reviews > 0, centre + fit.entry, np.nan)
        return Calibration(
            score=score,
            juror_offset=fit.offset,
            juror_scale=fit.scale,
            variances=fit.variances,
            fitted=fit.fitted(reviews),
            leverage=fit.leverage(reviews),
            juror_scale_var=fit.scale_var,
            centre=centre,
            centre_group=fit.group,
            track_effects=group is not None,
            **common,
        )
    score = _SIMPLE[method](reviews, reviews.score[:, None])[:, 0]
    offset, scale = _juror_moments(reviews)
    return Calibration(score=score, juror_offset=offset, juror_scale=scale, **common)


def rescore(calibration: Calibration, totals: np.ndarray) -> np.ndarray:
    """Entry scores (entries × columns) that `calibration`'s method gives for other review totals.

    Each column of `totals` (reviews × columns) is a replicate panel on the same design.
    """
    return replicate_scorer(calibration)(totals)


def replicate_scorer(calibration: Calibration) -> Callable[[np.ndarray], np.ndarray]:
    """`rescore` for many batches: the juror system is built and factorised once, then reused.

    Variance components, and for ``offset_scale`` the juror scales, stay at their fitted
    values, so a model refit is one linear solve shared by all columns.
    """
    reviews = calibration.reviews
    if calibration.method in _SIMPLE:
        method = _SIMPLE[calibration.method]
        return lambda totals: method(reviews, totals)
    v = calibration.variances
    assert v is not None
    loading = calibration.juror_scale[reviews.juror]
    group = calibration.centre_group
    system = _JurorSystem(reviews, loading, v.noise / v.entry, v.noise / v.juror, centre=group)
    scored = calibration.n_reviews[:, None] > 0

    def scorer(totals: np.ndarray) -> np.ndarray:
        if totals.dtype == np.float32:
            score = system.solve_single(totals)
            score[~scored[:, 0]] = np.nan
            return score
        level, entry, _ = system.solve(totals)
        return np.where(scored, level[system.centre] + entry, np.nan)

    return scorer


class PosteriorSampler:
    """Draws of the model methods' error, score − true score, entries × draws, from the fitted model.

    Given the jury's unknowns u = (centres, offsets), entries are independent, so a draw is
    (1) a jury-level error, u* − û ~ N(0, σ²·S⁻¹), from one triangular solve with the
    Cholesky factor of S that the bootstrap shares, carried to each entry through the closed
    form of its effect; and (2) an entry-level error, normal, with the variance the fitted
    estimator has for that entry given u: its shrinkage, d²·λ²·σ²_entry; its review noise,
    d²·Σ loading²·σ²_juror, each review at its own juror's noise level (`juror_noise`); and,
    for `offset_scale`, its jurors' scale uncertainty, d²·E[quality²]·Σ loading²·var(scale).
    With equal noise and known scales this is the exact Gaussian posterior (part 2 is then
    d·σ²); the per-juror terms are what a simulation of panels from the fitted model
    (`rank._ErrorSimulator`, used where no factor is kept) finds, at a fraction of its cost.
    `width` normal draws make one replicate.
    """

    def __init__(self, calibration: Calibration):
        v = calibration.variances
        assert v is not None and calibration.fitted is not None
        reviews = calibration.reviews
        loading = calibration.juror_scale[reviews.juror]
        self.system = system = _JurorSystem(
            reviews, loading, v.noise / v.entry, v.noise / v.juror, centre=calibration.centre_group
        )
        self.width = system.n_centres + reviews.n_jurors + reviews.n_entries
        self.factor = linalg.cholesky(system._dense().astype(np.float32), lower=True, check_finite=False)
        self.noise_sd = np.float32(np.sqrt(v.noise))
        effect = np.where(calibration.n_reviews > 0, calibration.score - calibration.centre, 0.0)
        noise = juror_noise(calibration)[reviews.juror]
        load2 = loading**2
        spread = system.entry_ridge**2 * v.entry + np.bincount(reviews.entry, load2 * noise, reviews.n_entries)
        if calibration.juror_scale_var is not None:
            scale_var = calibration.juror_scale_var[reviews.juror]
            square = effect**2 + system.d * v.noise  # E[quality²] given the data
            spread += square * np.bincount(reviews.entry, load2 * scale_var, reviews.n_entries)
        self.entry_sd = (system.d * np.sqrt(spread)).astype(np.float32)
        self.keep = (1.0 - system.dm).astype(np.float32)[:, None]  # a centre's error reaches its entries less shrinkage
        self.d = system.d.astype(np.float32)[:, None]
        self.pairs = system.pairs.astype(np.float32)

    def __call__(self, normal: np.ndarray) -> np.ndarray:
        """Errors, replicates × entries, from standard normal draws, replicates × `width`."""
        t, n_j = self.system.n_centres, self.system.reviews.n_jurors
        jury = linalg.solve_triangular(
            self.factor, np.ascontiguousarray(normal[:, : t + n_j].T), lower=True, trans="T", check_finite=False
        )
        jury *= self.noise_sd
        level, offset = jury[:t], jury[t:]
        error = normal[:, t + n_j :] * self.entry_sd
        through = self.d * (self.pairs @ offset)
        through -= self.keep * (level[0][None, :] if t == 1 else level[self.system.centre])
        error -= through.T
        return error


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


def posterior_sampler(calibration: Calibration) -> PosteriorSampler | None:
    """The fast error draws for a model method whose jury system is factorised densely, else None."""
    if calibration.variances is None or len(calibration.reviews.score) == 0:
        return None
    if calibration.reviews.n_jurors + int(np.max(calibration.centre_group, initial=0)) + 1 > DENSE_JUROR_LIMIT:
        return None
    return PosteriorSampler(calibration)


# --- simple per-juror methods, vectorised over columns of totals --------------------------


def _entry_means(reviews: Reviews, totals: np.ndarray) -> np.ndarray:
    n = reviews.reviews_per_entry().astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(reviews.entry_matrix() @ totals) / n[:, None]


def _mean_method(reviews: Reviews, totals: np.ndarray) -> np.ndarray:
    return _entry_means(reviews, totals)


def _zscore_method(reviews: Reviews, totals: np.ndarray) -> np.ndarray:
    n_j = reviews.reviews_per_juror().astype(float)
    jm = reviews.juror_matrix()
    safe_n = np.maximum(n_j, 1)[:, None]
    mean_j = np.asarray(jm @ totals) / safe_n
    sd_j = np.sqrt(np.maximum(np.asarray(jm @ totals**2) / safe_n - mean_j**2, 0.0))
    pooled_mean, pooled_sd = totals.mean(axis=0), totals.std(axis=0)
    # Too few reviews to know a juror's own spread: judge them against the pooled scale.
    few = n_j < MIN_REVIEWS_FOR_SPREAD
    mean_j[few] = pooled_mean
    sd_j[few] = pooled_sd
    flat = sd_j <= 1e-12 * np.maximum(1.0, np.abs(mean_j))
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (totals - mean_j[reviews.juror]) / sd_j[reviews.juror]
    # A juror who gave every entry the same total expressed no preference: z = 0.
    z[flat[reviews.juror]] = 0.0
    return pooled_mean + pooled_sd * _entry_means(reviews, z)


def _percentile_method(reviews: Reviews, totals: np.ndarray) -> np.ndarray:
    n = len(reviews.score)
    n_j = reviews.reviews_per_juror()
    span = totals.max(axis=0) - totals.min(axis=0) + 1.0
    key = reviews.juror[:, None] * span + (totals - totals.min(axis=0))
    start = np.concatenate(([0], np.cumsum(n_j)[:-1]))[reviews.juror]
    within = _mid_ranks(key) - start[:, None]
    pooled = _mid_ranks(totals)
    few = (n_j < MIN_REVIEWS_FOR_SPREAD)[reviews.juror]
    own = (within - 0.5) / np.maximum(n_j, 1)[reviews.juror][:, None]
    p = np.where(few[:, None], (pooled - 0.5) / n, own)
    ordered = np.sort(totals, axis=0)
    position = p * (n - 1)
    low = np.floor(position).astype(np.int64)
    high = np.minimum(low + 1, n - 1)
    frac = position - low
    on_scale = np.take_along_axis(ordered, low, 0) * (1 - frac) + np.take_along_axis(ordered, high, 0) * frac
    return _entry_means(reviews, on_scale)


def _mid_ranks(values: np.ndarray) -> np.ndarray:
    """1-based ranks down each column, ties sharing the mean of their ranks (scipy's rankdata "average")."""
    n = len(values)
    order = np.argsort(values, axis=0, kind="stable")
    ordered = np.take_along_axis(values, order, axis=0)
    position = np.broadcast_to(np.arange(n)[:, None], ordered.shape)
    first = np.ones(ordered.shape, dtype=bool)
    first[1:] = ordered[1:] != ordered[:-1]
    last = np.ones(ordered.shape, dtype=bool)
    last[:-1] = first[1:]
    start = np.maximum.accumulate(np.where(first, position, 0), axis=0)
    end = np.minimum.accumulate(np.where(last, position, n - 1)[::-1], axis=0)[::-1]
    ranks = np.empty(ordered.shape)
    np.put_along_axis(ranks, order, (start + end) / 2 + 1, axis=0)
    return ranks


_SIMPLE: dict[str, Callable[[Reviews, np.ndarray], np.ndarray]] = {
    "none": _mean_method,
    "zscore": _zscore_method,
    "percentile": _percentile_method,
}


def _juror_moments(reviews: Reviews) -> tuple[np.ndarray, np.ndarray]:
    """Descriptive offset (juror mean minus pooled mean) and scale (spread over pooled spread)."""
    if len(reviews.score) == 0:
        return np.zeros(reviews.n_jurors), np.ones(reviews.n_jurors)
    n_j = np.maximum(reviews.reviews_per_juror(), 1)
    mean_j = np.bincount(reviews.juror, reviews.score, reviews.n_jurors) / n_j
    var_j = np.bincount(reviews.juror, reviews.score**2, reviews.n_jurors) / n_j - mean_j**2
    pooled_sd = reviews.score.std()
    scale = np.sqrt(np.maximum(var_j, 0)) / pooled_sd if pooled_sd > 0 else np.ones(reviews.n_jurors)
    return mean_j - reviews.score.mean(), scale


# --- the linear mixed model ----------------------------------------------------------------


class _Pattern:
    """Sparsity of the design, computed once per review set and refilled for each set of loadings.

    `centre` numbers each entry's centre group (all 0 without track levels); the incidence
    of groups, which loadings do not change, is kept here too.
    """

    def __init__(self, reviews: Reviews, centre: np.ndarray | None = None):
        n, n_e, n_j = len(reviews.score), reviews.n_entries, reviews.n_jurors
        self.by_entry = np.argsort(reviews.entry, kind="stable")
        self.entry_ptr = np.concatenate(([0], np.cumsum(np.bincount(reviews.entry, minlength=n_e))))
        pair_key, self.pair_of_review = np.unique(reviews.entry * n_j + reviews.juror, return_inverse=True)
        self.pair_entry, self.pair_juror = pair_key // n_j, pair_key % n_j
        self.pair_ptr = np.concatenate(([0], np.cumsum(np.bincount(self.pair_entry, minlength=n_e))))
        self.by_juror = np.argsort(self.pair_juror, kind="stable")
        self.pair_ptr_t = np.concatenate(([0], np.cumsum(np.bincount(self.pair_juror, minlength=n_j))))
        self.shape = (n_e, n_j, n)
        self.jm = reviews.juror_matrix()
        self.centre = np.zeros(n_e, dtype=np.int64) if centre is None else centre
        self.n_centres = t = int(self.centre.max()) + 1 if n_e else 1
        self.review_centre = self.centre[reviews.entry]
        self.ce = sparse.csr_matrix((np.ones(n_e), (self.centre, np.arange(n_e))), shape=(t, n_e))
        self.cr = sparse.csr_matrix((np.ones(n), (self.review_centre, np.arange(n))), shape=(t, n))
        self.per_centre = np.bincount(self.review_centre, minlength=t).astype(float)
        # reviews of each juror in each centre group
        self.by_group = np.bincount(reviews.juror * t + self.review_centre, minlength=n_j * t).reshape(n_j, t)
        self.by_group = self.by_group.astype(float)

    def matrices(self, loading: np.ndarray) -> tuple[sparse.csr_matrix, sparse.csr_matrix, sparse.csr_matrix]:
        """Entries × reviews weighted by loading; entries × jurors (and transposed) of summed loadings."""
        n_e, n_j, n = self.shape
        em = sparse.csr_matrix((loading[self.by_entry], self.by_entry, self.entry_ptr), shape=(n_e, n))
        summed = np.bincount(self.pair_of_review, loading, len(self.pair_entry))
        pairs = sparse.csr_matrix((summed, self.pair_juror, self.pair_ptr), shape=(n_e, n_j))
        pairs_t = sparse.csr_matrix(
            (summed[self.by_juror], self.pair_entry[self.by_juror], self.pair_ptr_t), shape=(n_j, n_e)
        )
        return em, pairs, pairs_t


class _JurorSystem:
    """The ridge normal equations of total = centre + loading·entry + offset, with entries eliminated.

    Unknowns are u = (centres, offsets): one centre for the whole round, or one per track
    when track effects are modelled (`centre[e]` numbers the entry's track). Entry effects
    follow from u in closed form because, given the jurors, entries are independent.
    S·u = rhs has the jury's size, not the design's, and everything after the per-entry and
    per-juror sums of the totals works at that size too.
    """

    def __init__(
        self,
        reviews: Reviews,
        loading: np.ndarray,
        entry_ridge: float,
        juror_ridge: float,
        pattern: _Pattern | None = None,
        centre: np.ndarray | None = None,
    ):
        self.reviews = reviews
        self.loading = loading
        self.entry_ridge = entry_ridge
        self.juror_ridge = juror_ridge
        n_e = reviews.n_entries
        pattern = pattern or _Pattern(reviews, centre)
        self.centre, self.n_centres = pattern.centre, pattern.n_centres
        self.entry_weight = np.bincount(reviews.entry, loading**2, n_e)  # Σ loading²
        self.entry_load = np.bincount(reviews.entry, loading, n_e)  # Σ loading
        self.n_j = reviews.reviews_per_juror().astype(float)
        self.d = 1.0 / (self.entry_weight + entry_ridge)
        self.jm = pattern.jm
        # em: entries × reviews; pairs: entries × jurors, Σ loading over the reviews they share
        self.em, self.pairs, self.pairs_t = pattern.matrices(loading)
        self.dm = self.d * self.entry_load
        self.ce, self.cr, self.by_group = pattern.ce, pattern.cr, pattern.by_group
        self.lead = pattern.per_centre - np.bincount(self.centre, self.d * self.entry_load**2, self.n_centres)
        # S[centres, offsets]: reviews of juror j in centre group c, less what the entries' elimination takes
        weighted = np.zeros((n_e, self.n_centres))
        weighted[np.arange(n_e), self.centre] = self.dm
        self.cross = (self.by_group - self.pairs_t @ weighted).T
        self._factor = None
        self._last: np.ndarray | None = None
        self._single: tuple | None = None
        self._factor_single: tuple | None = None

    def _matvec(self, u: np.ndarray) -> np.ndarray:
        t = self.n_centres
        mu, offset = u[:t], u[t:]
        seen = self.pairs @ offset  # entries × columns
        top = self.lead[:, None] * mu + self.by_group.T @ offset - self.ce @ (self.dm[:, None] * seen)
        rest = (
            self.cross.T @ mu
            + (self.n_j + self.juror_ridge)[:, None] * offset
            - self.pairs_t @ (self.d[:, None] * seen)
        )
        return np.vstack([top, rest])

    def _diagonal(self) -> np.ndarray:
        offsets = self.n_j + self.juror_ridge - self.pairs.multiply(self.pairs).T @ self.d
        return np.concatenate((np.maximum(self.lead, 1e-12), np.maximum(offsets, 1e-12)))

    def _dense(self) -> np.ndarray:
        t, n_j = self.n_centres, self.reviews.n_jurors
        s = np.empty((t + n_j, t + n_j))
        s[:t, :t] = np.diag(self.lead)
        s[:t, t:] = self.cross
        s[t:, :t] = self.cross.T
        s[t:, t:] = -(self.pairs_t @ self.pairs.multiply(self.d[:, None]).tocsr()).toarray()
        s[np.arange(t, len(s)), np.arange(t, len(s))] += self.n_j + self.juror_ridge
        return s

    def posterior_variances(self, noise: float) -> tuple[np.ndarray, np.ndarray]:
        """Posterior variances of entry effects and juror offsets, for the EM update of the variances.

        Exact (from the inverse of the juror system) while that inverse is small; otherwise the
        diagonal approximation that ignores how uncertain offsets feed into entry effects, which
        matters little once jurors have more than a handful of reviews each.
        """
        n_e, n_j, t = self.reviews.n_entries, self.reviews.n_jurors, self.n_centres
        if (n_j + t) * max(n_e, n_j + t) > EXACT_VARIANCE_LIMIT:
            return noise * self.d, noise / (self.n_j + self.juror_ridge)
        inverse = linalg.cho_solve(linalg.cho_factor(self._dense(), lower=True), np.eye(n_j + t))
        coupling = sparse.hstack([self.ce.T.multiply(self.entry_load[:, None]), self.pairs]).tocsr()
        spread = np.asarray(coupling.multiply(coupling @ inverse).sum(axis=1)).ravel()
        return noise * (self.d + self.d**2 * spread), noise * np.diag(inverse)[t:]

    def solve(self, totals: np.ndarray, start: np.ndarray | None = None):
        """Centres (centre groups × columns), entry effects and juror offsets for each column of `totals`."""
        t = self.n_centres
        by_entry = np.asarray(self.em @ totals)  # Σ loading·total per entry
        shrunk = self.d[:, None] * by_entry
        rhs = np.vstack(
            [
                np.asarray(self.cr @ totals) - self.ce @ (self.entry_load[:, None] * shrunk),
                np.asarray(self.jm @ totals) - self.pairs_t @ shrunk,
            ]
        )
        u = self._solve_system(rhs, start)
        mu, offset = u[:t], u[t:]
        entry = shrunk - self.dm[:, None] * mu[self.centre] - self.d[:, None] * (self.pairs @ offset)
        return mu, entry, offset

    def solve_single(self, totals: np.ndarray) -> np.ndarray:
        """Entry scores (centre + effect) for simulated panels, in single precision throughout.

        The per-review sums dominate a bootstrap, and single precision halves their memory
        traffic; the jury system is well conditioned (every offset carries its ridge), and
        simulated errors need no more than six digits.
        """
        if self._single is None:
            single = np.float32
            self._single = (
                *(m.astype(single) for m in (self.em, self.jm, self.cr, self.ce, self.pairs, self.pairs_t)),
                *(v.astype(single)[:, None] for v in (self.d, self.dm, self.entry_load)),
            )
        em, jm, cr, ce, pairs, pairs_t, d, dm, load = self._single
        t = self.n_centres
        shrunk = em @ totals
        shrunk *= d
        rhs = np.vstack([cr @ totals - ce @ (load * shrunk), jm @ totals - pairs_t @ shrunk])
        u = self._solve_system(rhs, None)
        level, offset = u[:t], u[t:]
        centre = level[0][None, :] if t == 1 else level[self.centre]
        shrunk -= d * (pairs @ offset)
        shrunk -= dm * centre
        shrunk += centre
        return shrunk

    def _solve_system(self, rhs: np.ndarray, start: np.ndarray | None) -> np.ndarray:
        """S⁻¹·rhs: by a Cholesky factor, kept for the next call, for many columns of a jury small enough.

        Single-precision columns (simulated panels) get a single-precision copy of the factor:
        S is well conditioned (every offset carries its ridge), and the simulated errors need
        no more than six digits.
        """
        if rhs.shape[1] > 1 and self.reviews.n_jurors + self.n_centres <= DENSE_JUROR_LIMIT:
            if self._factor is None:
                self._factor = linalg.cho_factor(self._dense(), lower=True, check_finite=False)
            factor = self._factor
            if rhs.dtype == np.float32:
                if self._factor_single is None:
                    self._factor_single = (self._factor[0].astype(np.float32), self._factor[1])
                factor = self._factor_single
            return linalg.cho_solve(factor, rhs, check_finite=False)
        if start is None and self._last is not None:
            start = np.repeat(self._last[:, :1], rhs.shape[1], axis=1)
        u = _block_pcg(self._matvec, rhs.astype(float), self._diagonal(), start).astype(rhs.dtype)
        if rhs.shape[1] == 1:
            self._last = u
        return u


def _dot(weights: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """weights @ columns for a vector and a matrix, per column."""
    return np.einsum("i,ij->j", weights, columns)


def _block_pcg(matvec, rhs: np.ndarray, diagonal: np.ndarray, start: np.ndarray | None, tol: float = 1e-10):
    """Jacobi-preconditioned conjugate gradients, one independent run per column, all at once."""
    x = np.zeros_like(rhs) if start is None else start.copy()
    r = rhs - matvec(x)
    z = r / diagonal[:, None]
    p = z.copy()
    rz = np.sum(r * z, axis=0)
    target = tol * np.maximum(np.linalg.norm(rhs, axis=0), 1e-300)
    for _ in range(10 * len(rhs) + 100):
        if np.all(np.linalg.norm(r, axis=0) <= target):
            break
        q = matvec(p)
        pq = np.sum(p * q, axis=0)
        alpha = np.divide(rz, pq, out=np.zeros_like(rz), where=pq > 0)
        x += alpha * p
        r -= alpha * q
        z = r / diagonal[:, None]
        rz_next = np.sum(r * z, axis=0)
        beta = np.divide(rz_next, rz, out=np.zeros_like(rz), where=rz > 0)
        p = z + beta * p
        rz = rz_next
    return x


@dataclass
class _ModelFit:
    level: np.ndarray  # the centre of each centre group (one, or one per track)
    group: np.ndarray  # per entry, its centre group
    entry: np.ndarray
    offset: np.ndarray
    scale: np.ndarray
    variances: VarianceComponents
    scale_var: np.ndarray | None = None

    def fitted(self, reviews: Reviews) -> np.ndarray:
        centre = self.level[self.group][reviews.entry]
        return centre + self.offset[reviews.juror] + self.scale[reviews.juror] * self.entry[reviews.entry]

    def leverage(self, reviews: Reviews) -> np.ndarray:
        """Approximate hat-matrix diagonal, used to inflate residuals before resampling them."""
        v = self.variances
        load = self.scale[reviews.juror]
        entry_weight = np.bincount(reviews.entry, load**2, reviews.n_entries)
        n_j = reviews.reviews_per_juror()
        h = load**2 / (entry_weight[reviews.entry] + v.noise / v.entry) + 1.0 / (
            n_j[reviews.juror] + v.noise / v.juror
        )
        return np.minimum(h, 0.95)


def _start_variances(y: np.ndarray) -> VarianceComponents:
    total = max(float(np.var(y)), 1e-12)
    return VarianceComponents(entry=total / 2, juror=total / 4, noise=total / 2)


def _fit_linear(
    reviews: Reviews,
    loading: np.ndarray,
    v: VarianceComponents,
    max_rounds: int,
    tol: float = 1e-4,
    pattern: _Pattern | None = None,
    group: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, VarianceComponents]:
    """Ridge fit with the variance components re-estimated by EM until they settle."""
    y = reviews.score
    floor = 1e-6 * max(float(np.var(y)), 1e-12)
    has_reviews = reviews.reviews_per_entry() > 0
    judged = reviews.reviews_per_juror() > 0
    start = None
    pattern = pattern or _Pattern(reviews, group)
    for _ in range(max_rounds):
        system = _JurorSystem(reviews, loading, v.noise / v.entry, v.noise / v.juror, pattern)
        level, entry, offset = system.solve(y[:, None], start)
        start = np.vstack([level, offset])
        level, entry, offset = level[:, 0], entry[:, 0], offset[:, 0]
        residual = y - level[system.centre][reviews.entry] - offset[reviews.juror] - loading * entry[reviews.entry]
        entry_var, juror_var = system.posterior_variances(v.noise)
        # E‖y − Xθ‖² = ‖r‖² + σ²·tr(H), and tr(H) = parameters − Σ ridge·posterior variance / σ².
        hat_trace = (
            system.n_centres
            + reviews.n_entries
            + reviews.n_jurors
            - (system.entry_ridge * entry_var.sum() + system.juror_ridge * juror_var.sum()) / v.noise
        )
        new = VarianceComponents(
            entry=max(float(np.mean(entry[has_reviews] ** 2 + entry_var[has_reviews])), floor),
            juror=max(float(np.mean(offset[judged] ** 2 + juror_var[judged])), floor),
            noise=max(float((np.sum(residual * residual) + v.noise * hat_trace) / len(y)), floor),
            scale=v.scale,
        )
        done = all(
            abs(a - b) <= tol * max(a, b)
            for a, b in ((new.entry, v.entry), (new.juror, v.juror), (new.noise, v.noise))
        )
        v = new
        if done:
            break
    system = _JurorSystem(reviews, loading, v.noise / v.entry, v.noise / v.juror, pattern)
    level, entry, offset = system.solve(y[:, None], start)
    return level[:, 0], entry[:, 0], offset[:, 0], v


def _fit_additive(reviews: Reviews, max_rounds: int = 100, group: np.ndarray | None = None) -> _ModelFit:
    group = np.zeros(reviews.n_entries, dtype=np.int64) if group is None else group
    if len(reviews.score) == 0:
        return _empty_fit(reviews)
    loading = np.ones(len(reviews.score))
    level, entry, offset, v = _fit_linear(
        reviews, loading, _start_variances(reviews.score), max_rounds, group=group
    )
    return _ModelFit(level, group, entry, offset, np.ones(reviews.n_jurors), v)


def _fit_offset_scale(reviews: Reviews, max_rounds: int = 30, group: np.ndarray | None = None) -> _ModelFit:
    """Alternate an exact linear fit given the juror scales with per-juror scale updates."""
    base = _fit_additive(reviews, group=group)
    if len(reviews.score) == 0:
        return base
    group = base.group
    y = reviews.score
    scaled = reviews.reviews_per_juror() >= MIN_REVIEWS_FOR_SCALE
    scale = np.ones(reviews.n_jurors)
    level, entry, offset, v = base.level, base.entry, base.offset, base.variances
    scale_var = 0.04  # prior: juror scales mostly within ±40% of 1, re-estimated below
    pattern = _Pattern(reviews, group)
    on_scaled = scaled[reviews.juror]
    for _ in range(max_rounds):
        a = entry[reviews.entry]
        centre = level[group][reviews.entry]
        cross = np.bincount(reviews.juror, a * (y - centre - offset[reviews.juror]), reviews.n_jurors)
        square = np.bincount(reviews.juror, a * a, reviews.n_jurors)

        def shrunk_scales(prior: float, cross=cross, square=square, noise=v.noise) -> tuple[np.ndarray, np.ndarray]:
            ridge = noise / prior
            bottom = square + ridge
            scales = np.where(scaled, np.clip((cross + ridge) / bottom, 0.1, 10.0), 1.0)
            # Entry effects and juror scales trade off; pin the scaled jurors' review-weighted mean scale at 1.
            if on_scaled.any():
                scales[scaled] /= np.mean(scales[reviews.juror[on_scaled]])
            return scales, bottom

        if scaled.any():
            # The prior's variance, given the entries, to its EM fixed point. The jurors' scalars
            # alone move here, so iterating costs nothing next to a refit; taking one EM step per
            # refit instead needs dozens of refits when the jury's scales hardly differ.
            def em_step(prior: float, noise=v.noise) -> float:
                scales, bottom = shrunk_scales(prior)
                return max(float(np.mean((scales[scaled] - 1) ** 2 + noise / bottom[scaled])), 1e-4)

            for _ in range(200):  # EM steps, sped up by Aitken's extrapolation (Steffensen)
                once = em_step(scale_var)
                if abs(once - scale_var) <= 1e-6 * scale_var:
                    scale_var = once
                    break
                twice = em_step(once)
                bend = twice - 2 * once + scale_var
                leap = scale_var - (once - scale_var) ** 2 / bend if bend else twice
                scale_var = max(leap, 1e-4) if np.isfinite(leap) and leap > 0 else twice
        new_scale, _ = shrunk_scales(scale_var)
        change = float(np.max(np.abs(new_scale - scale)))
        scale = new_scale
        level, entry, offset, v = _fit_linear(reviews, scale[reviews.juror], v, max_rounds=3, pattern=pattern)
        if change < 1e-4:
            break
    scale_var = scale_var if scaled.any() else 0.0
    v = VarianceComponents(entry=v.entry, juror=v.juror, noise=v.noise, scale=scale_var)
    # How far each scale may be off: its posterior variance where it was fitted, the prior's
    # where the juror was held at 1 for want of reviews (their true scale still varies).
    a = entry[reviews.entry]
    bottom = np.bincount(reviews.juror, a * a, reviews.n_jurors) + v.noise / max(scale_var, 1e-12)
    uncertainty = np.where(scaled, v.noise / bottom, scale_var)
    return _ModelFit(level, group, entry, offset, scale, v, uncertainty)


def _empty_fit(reviews: Reviews) -> _ModelFit:
    return _ModelFit(
        np.array([np.nan]),
        np.zeros(reviews.n_entries, dtype=np.int64),
        np.zeros(reviews.n_entries),
        np.zeros(reviews.n_jurors),
        np.ones(reviews.n_jurors),
        VarianceComponents(1.0, 1.0, 1.0),
    )


def refit(calibration: Calibration, reviews: Reviews) -> np.ndarray:
    """Entry scores by the same method on another review set of the same entries and jurors.

    Variance components (and juror scales) stay as fitted, so the difference from
    `calibration.score` is the effect of the changed reviews alone, e.g. one juror left out.
    """
    if calibration.method in _SIMPLE:
        return _SIMPLE[calibration.method](reviews, reviews.score[:, None])[:, 0]
    v = calibration.variances
    assert v is not None
    loading = calibration.juror_scale[reviews.juror]
    system = _JurorSystem(reviews, loading, v.noise / v.entry, v.noise / v.juror, centre=calibration.centre_group)
    level, entry, _ = system.solve(reviews.score[:, None])
    return np.where(reviews.reviews_per_entry() > 0, level[system.centre, 0] + entry[:, 0], np.nan)


# --- track levels ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrackLevels:
    """What the cross-track jurors alone say about the tracks' levels (relative to their mean).

    `identified` is the decision `calibrate` follows: every track is tied to the others by
    jurors who review in both, and the levels differ by more than the error of measuring them
    (`spread`, the variance of the true levels beyond that error, exceeds the mean squared
    `error`). Otherwise the assumption that tracks are alike costs less than trusting the
    measured levels, and the round keeps one level.
    """

    level: np.ndarray
    error: np.ndarray
    spread: float
    identified: bool


def track_levels(reviews: Reviews, group: np.ndarray) -> TrackLevels:
    """Track levels measured within jurors, free of the jurors' leniency whatever tracks they judge.

    A juror who reviews in tracks A and B compares them with their own leniency cancelled:
    their totals less their own mean. Summed over jurors these comparisons are a least-squares
    problem whose matrix is a graph Laplacian over tracks (weights: each juror's reviews per
    track); its pseudo-inverse gives the levels and, times the variance of a review about its
    track's level, their variances. A juror who stays in one track contributes nothing.
    """
    n_tracks = int(group.max()) + 1
    review_track = group[reviews.entry]
    counts = np.zeros((reviews.n_jurors, n_tracks))
    sums = np.zeros((reviews.n_jurors, n_tracks))
    np.add.at(counts, (reviews.juror, review_track), 1.0)
    np.add.at(sums, (reviews.juror, review_track), reviews.score)
    per_juror = np.maximum(counts.sum(axis=1), 1.0)
    juror_mean = sums.sum(axis=1) / per_juror
    laplacian = np.diag(counts.sum(axis=0)) - (counts / per_juror[:, None]).T @ counts
    target = (sums - counts * juror_mean[:, None]).sum(axis=0)
    eigenvalues, vectors = np.linalg.eigh(laplacian)
    tiny = 1e-9 * max(float(eigenvalues[-1]), 1.0)
    if np.sum(eigenvalues <= tiny) > 1:  # the tracks fall apart into groups that no juror links
        return TrackLevels(np.zeros(n_tracks), np.full(n_tracks, np.inf), 0.0, False)
    keep = eigenvalues > tiny
    inverse = (vectors[:, keep] / eigenvalues[keep]) @ vectors[:, keep].T
    level = inverse @ target
    # Variance of a review about its track's level and its juror's mean: from the residuals.
    juror_level = counts @ level / per_juror
    within = reviews.score - juror_mean[reviews.juror] - level[review_track] + juror_level[reviews.juror]
    freedom = len(reviews.score) - int(np.sum(counts.sum(axis=1) > 0)) - (n_tracks - 1)
    if freedom <= 0:
        return TrackLevels(level, np.full(n_tracks, np.inf), 0.0, False)
    review_var = float(within @ within) / freedom
    error = np.sqrt(review_var * np.diag(inverse))
    spread = max(0.0, (float(level @ level) - float(np.sum(error**2))) / (n_tracks - 1))
    return TrackLevels(level, error, spread, bool(spread > np.mean(error**2)))


def _track_groups(reviews: Reviews, tracks: Sequence[Hashable] | None) -> np.ndarray | None:
    """Track number per entry (tracks with reviews only), or None when there are fewer than two such tracks."""
    if tracks is None:
        return None
    if len(tracks) != reviews.n_entries:
        raise ValueError(f"{len(tracks)} track labels for {reviews.n_entries} entries")
    labels = np.unique(np.asarray([str(t) for t in tracks]), return_inverse=True)[1].astype(np.int64)
    present = np.unique(labels[reviews.entry])
    if len(present) < 2:
        return None
    number = np.zeros(labels.max() + 1, dtype=np.int64)
    number[present] = np.arange(len(present))
    return number[labels]  # entries without reviews borrow a number; they get no score anyway
