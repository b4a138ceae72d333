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

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import linalg, sparse
from scipy.stats import rankdata

from scoring.reviews import Reviews

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

    def by_entry(self) -> dict:
        """Calibrated score keyed by entry label."""
        return dict(zip(self.reviews.entries, self.score.tolist(), strict=True))

    def offsets_by_juror(self) -> dict:
        return dict(zip(self.reviews.jurors, self.juror_offset.tolist(), strict=True))


def calibrate(reviews: Reviews, method: str = DEFAULT_METHOD) -> Calibration:
    """Calibrated entry scores and juror estimates by the named method."""
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
        fit = _fit_additive(reviews) if method == "additive" else _fit_offset_scale(reviews)
        score = np.where(n_reviews > 0, fit.mu + fit.entry, np.nan)
        return Calibration(
            score=score,
            juror_offset=fit.offset,
            juror_scale=fit.scale,
            variances=fit.variances,
            fitted=fit.fitted(reviews),
            leverage=fit.leverage(reviews),
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
    system = _JurorSystem(reviews, loading, v.noise / v.entry, v.noise / v.juror)
    scored = calibration.n_reviews[:, None] > 0

    def scorer(totals: np.ndarray) -> np.ndarray:
        mu, entry, _ = system.solve(totals)
        return np.where(scored, mu[None, :] + entry, np.nan)

    return scorer


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
    within = rankdata(key, axis=0, method="average") - start[:, None]
    pooled = rankdata(totals, axis=0, method="average")
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
    """Sparsity of the design, computed once per review set and refilled for each set of loadings."""

    def __init__(self, reviews: Reviews):
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
    """The ridge normal equations of total = μ + loading·entry + offset, with entries eliminated.

    Unknowns are u = (μ, offsets); entry effects follow from u in closed form because, given
    the jurors, entries are independent. S·u = rhs has the jury's size, not the design's, and
    everything after the per-entry and per-juror sums of the totals works at that size too.
    """

    def __init__(
        self,
        reviews: Reviews,
        loading: np.ndarray,
        entry_ridge: float,
        juror_ridge: float,
        pattern: _Pattern | None = None,
    ):
        self.reviews = reviews
        self.loading = loading
        self.entry_ridge = entry_ridge
        self.juror_ridge = juror_ridge
        self.n = float(len(reviews.score))
        self.entry_weight = np.bincount(reviews.entry, loading**2, reviews.n_entries)  # Σ loading²
        self.entry_load = np.bincount(reviews.entry, loading, reviews.n_entries)  # Σ loading
        self.n_j = reviews.reviews_per_juror().astype(float)
        self.d = 1.0 / (self.entry_weight + entry_ridge)
        pattern = pattern or _Pattern(reviews)
        self.jm = pattern.jm
        # em: entries × reviews; pairs: entries × jurors, Σ loading over the reviews they share
        self.em, self.pairs, self.pairs_t = pattern.matrices(loading)
        self.dm = self.d * self.entry_load
        self.lead = self.n - float(np.sum(self.d * self.entry_load**2))
        self.cross = self.n_j - self.pairs_t @ self.dm  # S[0, 1:]
        self._factor = None
        self._last: np.ndarray | None = None

    def _matvec(self, u: np.ndarray) -> np.ndarray:
        mu, offset = u[0], u[1:]
        seen = self.pairs @ offset  # entries × columns
        # Reductions by ufunc, not BLAS: threaded BLAS on vectors this small costs more than it saves.
        top = self.lead * mu + _dot(self.n_j, offset) - _dot(self.dm, seen)
        rest = (
            self.cross[:, None] * mu[None, :]
            + (self.n_j + self.juror_ridge)[:, None] * offset
            - self.pairs_t @ (self.d[:, None] * seen)
        )
        return np.vstack([top[None, :], rest])

    def _diagonal(self) -> np.ndarray:
        offsets = self.n_j + self.juror_ridge - self.pairs.multiply(self.pairs).T @ self.d
        return np.concatenate(([max(self.lead, 1e-12)], np.maximum(offsets, 1e-12)))

    def _dense(self) -> np.ndarray:
        s = np.empty((self.reviews.n_jurors + 1, self.reviews.n_jurors + 1))
        s[0, 0] = self.lead
        s[0, 1:] = s[1:, 0] = self.cross
        s[1:, 1:] = -(self.pairs_t @ self.pairs.multiply(self.d[:, None]).tocsr()).toarray()
        s[np.arange(1, len(s)), np.arange(1, len(s))] += self.n_j + self.juror_ridge
        return s

    def posterior_variances(self, noise: float) -> tuple[np.ndarray, np.ndarray]:
        """Posterior variances of entry effects and juror offsets, for the EM update of the variances.

        Exact (from the inverse of the juror system) while that inverse is small; otherwise the
        diagonal approximation that ignores how uncertain offsets feed into entry effects, which
        matters little once jurors have more than a handful of reviews each.
        """
        n_e, n_j = self.reviews.n_entries, self.reviews.n_jurors
        if (n_j + 1) * max(n_e, n_j + 1) > EXACT_VARIANCE_LIMIT:
            return noise * self.d, noise / (self.n_j + self.juror_ridge)
        inverse = linalg.cho_solve(linalg.cho_factor(self._dense(), lower=True), np.eye(n_j + 1))
        coupling = sparse.hstack([sparse.csr_matrix(self.entry_load[:, None]), self.pairs]).tocsr()
        spread = np.asarray(coupling.multiply(coupling @ inverse).sum(axis=1)).ravel()
        return noise * (self.d + self.d**2 * spread), noise * np.diag(inverse)[1:]

    def solve(self, totals: np.ndarray, start: np.ndarray | None = None):
        """μ (per column), entry effects and juror offsets for each column of `totals`."""
        by_entry = np.asarray(self.em @ totals)  # Σ loading·total per entry
        shrunk = self.d[:, None] * by_entry
        rhs = np.vstack(
            [
                (totals.sum(axis=0) - _dot(self.entry_load, shrunk))[None, :],
                np.asarray(self.jm @ totals) - self.pairs_t @ shrunk,
            ]
        )
        if totals.shape[1] > 1 and self.reviews.n_jurors + 1 <= DENSE_JUROR_LIMIT:
            if self._factor is None:
                self._factor = linalg.cho_factor(self._dense(), lower=True, check_finite=False)
            u = linalg.cho_solve(self._factor, rhs, check_finite=False)
        else:
            if start is None and self._last is not None:
                start = np.repeat(self._last[:, :1], totals.shape[1], axis=1)
            u = _block_pcg(self._matvec, rhs, self._diagonal(), start)
            if totals.shape[1] == 1:
                self._last = u
        mu, offset = u[0], u[1:]
        entry = shrunk - self.dm[:, None] * mu[None, :] - self.d[:, None] * (self.pairs @ offset)
        return mu, entry, offset


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
    mu: float
    entry: np.ndarray
    offset: np.ndarray
    scale: np.ndarray
    variances: VarianceComponents

    def fitted(self, reviews: Reviews) -> np.ndarray:
        return self.mu + self.offset[reviews.juror] + self.scale[reviews.juror] * self.entry[reviews.entry]

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
) -> tuple[float, np.ndarray, np.ndarray, VarianceComponents]:
    """Ridge fit with the variance components re-estimated by EM until they settle."""
    y = reviews.score
    floor = 1e-6 * max(float(np.var(y)), 1e-12)
    has_reviews = reviews.reviews_per_entry() > 0
    judged = reviews.reviews_per_juror() > 0
    start = None
    pattern = pattern or _Pattern(reviews)
    for _ in range(max_rounds):
        system = _JurorSystem(reviews, loading, v.noise / v.entry, v.noise / v.juror, pattern)
        mu, entry, offset = system.solve(y[:, None], start)
        start = np.vstack([mu[None, :], offset])
        mu, entry, offset = float(mu[0]), entry[:, 0], offset[:, 0]
        residual = y - mu - offset[reviews.juror] - loading * entry[reviews.entry]
        entry_var, juror_var = system.posterior_variances(v.noise)
        # E‖y − Xθ‖² = ‖r‖² + σ²·tr(H), and tr(H) = parameters − Σ ridge·posterior variance / σ².
        hat_trace = (
            1
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
    mu, entry, offset = system.solve(y[:, None], start)
    return float(mu[0]), entry[:, 0], offset[:, 0], v


def _fit_additive(reviews: Reviews, max_rounds: int = 100) -> _ModelFit:
    if len(reviews.score) == 0:
        return _empty_fit(reviews)
    loading = np.ones(len(reviews.score))
    mu, entry, offset, v = _fit_linear(reviews, loading, _start_variances(reviews.score), max_rounds)
    return _ModelFit(mu, entry, offset, np.ones(reviews.n_jurors), v)


def _fit_offset_scale(reviews: Reviews, max_rounds: int = 30) -> _ModelFit:
    """Alternate an exact linear fit given the juror scales with per-juror scale updates."""
    base = _fit_additive(reviews)
    if len(reviews.score) == 0:
        return base
    y = reviews.score
    scaled = reviews.reviews_per_juror() >= MIN_REVIEWS_FOR_SCALE
    scale = np.ones(reviews.n_jurors)
    mu, entry, offset, v = base.mu, base.entry, base.offset, base.variances
    scale_var = 0.04  # prior: juror scales mostly within ±40% of 1, re-estimated below
    pattern = _Pattern(reviews)
    for _ in range(max_rounds):
        a = entry[reviews.entry]
        ridge = v.noise / scale_var
        top = np.bincount(reviews.juror, a * (y - mu - offset[reviews.juror]), reviews.n_jurors) + ridge
        bottom = np.bincount(reviews.juror, a * a, reviews.n_jurors) + ridge
        new_scale = np.where(scaled, np.clip(top / bottom, 0.1, 10.0), 1.0)
        # Entry effects and juror scales trade off; pin the scaled jurors' review-weighted mean scale at 1.
        on_scaled = scaled[reviews.juror]
        if on_scaled.any():
            new_scale[scaled] /= np.mean(new_scale[reviews.juror[on_scaled]])
        change = float(np.max(np.abs(new_scale - scale)))
        scale = new_scale
        if scaled.any():
            scale_var = max(float(np.mean((scale[scaled] - 1) ** 2 + v.noise / bottom[scaled])), 1e-4)
        mu, entry, offset, v = _fit_linear(reviews, scale[reviews.juror], v, max_rounds=3, pattern=pattern)
        if change < 1e-4:
            break
    scale_var = scale_var if scaled.any() else 0.0
    v = VarianceComponents(entry=v.entry, juror=v.juror, noise=v.noise, scale=scale_var)
    return _ModelFit(mu, entry, offset, scale, v)


def _empty_fit(reviews: Reviews) -> _ModelFit:
    return _ModelFit(
        float("nan"),
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
    system = _JurorSystem(reviews, loading, v.noise / v.entry, v.noise / v.juror)
    mu, entry, _ = system.solve(reviews.score[:, None])
    return np.where(reviews.reviews_per_entry() > 0, mu[0] + entry[:, 0], np.nan)
