import numpy as np
import pytest
from scipy.stats import spearmanr

from scoring.design import connected_components
from scoring.normalise import METHODS, calibrate, refit, rescore, track_levels
from scoring.reviews import Reviews


def reviews_of(rows):
    return Reviews.from_records(rows)


def random_panel(seed, n_entries=60, n_jurors=12, per_entry=3, offset_sd=1.0):
    rng = np.random.default_rng(seed)
    quality = rng.normal(0, 1.5, n_entries)
    offset = rng.normal(0, offset_sd, n_jurors)
    rows = []
    for e in range(n_entries):
        for j in rng.choice(n_jurors, per_entry, replace=False):
            rows.append((f"e{e:03d}", f"j{j:02d}", 6 + quality[e] + offset[j] + rng.normal(0, 0.7)))
    return reviews_of(rows)


# --- hand-computed cases -------------------------------------------------------------------------


def test_additive_recovers_offsets_in_a_cyclic_three_by_three_design():
    # centre 6, entry effects A +1, B 0, C −1, juror offsets X +1, Y 0, Z −1, no noise;
    # each entry is reviewed by two jurors: A by X, Y; B by Y, Z; C by Z, X.
    rows = [("A", "X", 8), ("A", "Y", 7), ("B", "Y", 6), ("B", "Z", 5), ("C", "Z", 4), ("C", "X", 6)]
    calibration = calibrate(reviews_of(rows), "additive")
    assert calibration.raw_mean == pytest.approx([7.5, 5.5, 5.0])
    assert calibration.score == pytest.approx([7.0, 6.0, 5.0], abs=1e-3)
    assert calibration.juror_offset == pytest.approx([1.0, 0.0, -1.0], abs=1e-3)
    assert calibration.n_reviews.tolist() == [2, 2, 2]


def test_additive_on_a_full_design_is_the_shrunk_two_way_means():
    # Fully crossed 3×3: the ridge solution is μ = grand mean,
    # entry effect = J/(J+λa)·(row mean − grand mean), juror offset = E/(E+λb)·(column mean − grand mean).
    y = np.array([[9.0, 7.0, 8.0], [5.0, 6.0, 3.0], [4.0, 2.0, 4.0]])
    rows = [(f"e{e}", f"j{j}", y[e, j]) for e in range(3) for j in range(3)]
    calibration = calibrate(reviews_of(rows), "additive")
    v = calibration.variances
    lam_a, lam_b = v.noise / v.entry, v.noise / v.juror
    grand = y.mean()
    assert calibration.score == pytest.approx(grand + 3 / (3 + lam_a) * (y.mean(axis=1) - grand))
    assert calibration.juror_offset == pytest.approx(3 / (3 + lam_b) * (y.mean(axis=0) - grand))


def test_additive_matches_a_dense_ridge_solve_and_its_variance_update_is_at_a_fixed_point():
    reviews = random_panel(3, n_entries=25, n_jurors=7, per_entry=2)
    calibration = calibrate(reviews, "additive")
    v = calibration.variances
    n, n_e, n_j = len(reviews.score), reviews.n_entries, reviews.n_jurors
    x = np.zeros((n, 1 + n_e + n_j))
    x[:, 0] = 1
    x[np.arange(n), 1 + reviews.entry] = 1
    x[np.arange(n), 1 + n_e + reviews.juror] = 1
    penalty = np.diag([0.0] + [v.noise / v.entry] * n_e + [v.noise / v.juror] * n_j)
    theta = np.linalg.solve(x.T @ x + penalty, x.T @ reviews.score)
    assert calibration.score == pytest.approx(theta[0] + theta[1 : 1 + n_e], abs=1e-7)
    assert calibration.juror_offset == pytest.approx(theta[1 + n_e :], abs=1e-7)
    # At convergence the EM update, computed here from the dense posterior covariance, must give back
    # the variance components the solution was computed with.
    covariance = v.noise * np.linalg.inv(x.T @ x + penalty)
    a, b = theta[1 : 1 + n_e], theta[1 + n_e :]
    var_a, var_b = np.diag(covariance)[1 : 1 + n_e], np.diag(covariance)[1 + n_e :]
    residual = reviews.score - x @ theta
    assert np.mean(a**2 + var_a) == pytest.approx(v.entry, rel=1e-3)
    assert np.mean(b**2 + var_b) == pytest.approx(v.juror, rel=1e-3)
    assert (residual @ residual + np.trace(x @ covariance @ x.T)) / n == pytest.approx(v.noise, rel=1e-3)


def test_percentile_uses_mid_ranks_within_each_juror():
    rows = [("a", "X", 1), ("b", "X", 2), ("c", "X", 2), ("d", "X", 3)]
    calibration = calibrate(reviews_of(rows), "percentile")
    # mid-rank percentiles 0.125, 0.5, 0.5, 0.875 mapped through the pooled totals 1, 2, 2, 3
    pooled = np.array([1.0, 2.0, 2.0, 3.0])
    assert calibration.score == pytest.approx(np.quantile(pooled, [0.125, 0.5, 0.5, 0.875]))


def test_zscore_puts_standardised_totals_back_on_the_pooled_scale():
    rows = [("a", "X", 2), ("b", "X", 4), ("c", "X", 6), ("a", "Y", 7), ("b", "Y", 8), ("c", "Y", 9)]
    calibration = calibrate(reviews_of(rows), "zscore")
    pooled = np.array([2, 4, 6, 7, 8, 9.0])
    z = np.array([-1, 0, 1.0]) * np.sqrt(3 / 2)  # each juror's totals are evenly spaced
    assert calibration.score == pytest.approx(pooled.mean() + pooled.std() * z)


def test_unknown_method_is_refused():
    with pytest.raises(ValueError, match="unknown calibration method 'bogus'"):
        calibrate(random_panel(0), "bogus")


# --- properties ----------------------------------------------------------------------------------


def shift_juror(reviews, juror, constant):
    return reviews.with_scores(reviews.score + constant * (reviews.juror == juror))


def test_a_constant_added_to_one_juror_leaves_the_zscore_ranking_unchanged():
    reviews = random_panel(1)
    before = calibrate(reviews, "zscore").score
    after = calibrate(shift_juror(reviews, 4, 2.5), "zscore").score
    assert np.array_equal(np.argsort(-before, kind="stable"), np.argsort(-after, kind="stable"))


@pytest.mark.parametrize("method", ["additive", "offset_scale"])
def test_a_constant_added_to_one_juror_is_absorbed_by_the_model_offset(method):
    # Well-separated entries so that the small leak left by shrinkage cannot reorder them.
    rng = np.random.default_rng(5)
    rows = [
        (f"e{e:02d}", f"j{j}", 6 + 0.5 * (e - 12) + offset + rng.normal(0, 0.1))
        for e in range(24)
        for j, offset in [(j, (j - 3) * 0.6) for j in rng.choice(8, 4, replace=False)]
    ]
    reviews = reviews_of(rows)
    before = calibrate(reviews, method)
    after = calibrate(shift_juror(reviews, 2, 2.0), method)
    # The offset takes the shift relative to the other jurors; the 2/8 it adds to the jury's mean
    # leniency moves every entry alike, so differences between entries stay put.
    moved = after.juror_offset - before.juror_offset
    assert moved[2] - np.delete(moved, 2).mean() == pytest.approx(2.0, abs=0.01)
    assert np.ptp(after.score - before.score) < 0.005
    assert np.array_equal(np.argsort(-before.score), np.argsort(-after.score))
    # The raw mean has no such protection: the shifted juror's entries move up.
    assert not np.array_equal(
        np.argsort(-calibrate(reviews, "none").score),
        np.argsort(-calibrate(shift_juror(reviews, 2, 2.0), "none").score),
    )


@pytest.mark.parametrize("method", METHODS)
def test_relabelling_entries_and_jurors_changes_nothing(method):
    reviews = random_panel(2)
    rng = np.random.default_rng(0)
    entry_names = dict(
        zip(reviews.entries, rng.permutation([f"x{i}" for i in range(reviews.n_entries)]), strict=True)
    )
    juror_names = dict(
        zip(reviews.jurors, rng.permutation([f"y{i}" for i in range(reviews.n_jurors)]), strict=True)
    )
    rows = [
        (reviews.entries[e], reviews.jurors[j], s)
        for e, j, s in zip(reviews.entry, reviews.juror, reviews.score, strict=True)
    ]
    renamed = reviews_of([(entry_names[e], juror_names[j], s) for e, j, s in rows])
    original = calibrate(reviews, method)
    relabelled = calibrate(renamed, method)
    by_entry = relabelled.by_entry()
    assert [by_entry[entry_names[e]] for e in reviews.entries] == pytest.approx(
        original.score.tolist(), abs=1e-8
    )
    offsets = relabelled.offsets_by_juror()
    assert [offsets[juror_names[j]] for j in reviews.jurors] == pytest.approx(
        original.juror_offset.tolist(), abs=1e-8
    )


def test_calibration_beats_the_raw_mean_when_jurors_differ_in_leniency():
    rng = np.random.default_rng(11)
    quality = rng.normal(0, 1, 200)
    offset = rng.normal(0, 1.5, 30)
    rows = [
        (e, j, 5 + quality[e] + offset[j] + rng.normal(0, 0.5))
        for e in range(200)
        for j in rng.choice(30, 3, replace=False)
    ]
    reviews = reviews_of(rows)
    rho = {m: spearmanr(calibrate(reviews, m).score, quality)[0] for m in METHODS}
    assert rho["additive"] > rho["none"] + 0.05
    assert rho["offset_scale"] > rho["none"] + 0.05


# --- awkward designs -----------------------------------------------------------------------------


def test_a_single_review_juror_is_shrunk_not_fully_corrected():
    reviews = random_panel(4)
    rows = [
        (reviews.entries[e], reviews.jurors[j], s)
        for e, j, s in zip(reviews.entry, reviews.juror, reviews.score, strict=True)
    ]
    entry = reviews.entries[0]
    others = reviews.score[reviews.entry == 0].mean()
    lone = reviews_of([*rows, (entry, "lone", others + 3.0)])
    for method in METHODS:
        calibration = calibrate(lone, method)
        assert np.all(np.isfinite(calibration.score)), method
    additive = calibrate(lone, "additive")
    lone_offset = additive.offsets_by_juror()["lone"]
    assert 0 < lone_offset < 3.0 * 0.75


def test_a_zero_variance_juror_is_handled():
    reviews = random_panel(6)
    rows = [
        (reviews.entries[e], reviews.jurors[j], s)
        for e, j, s in zip(reviews.entry, reviews.juror, reviews.score, strict=True)
    ]
    rows += [(reviews.entries[e], "flat", 7.0) for e in range(0, 40, 4)]
    flat = reviews_of(rows)
    for method in METHODS:
        calibration = calibrate(flat, method)
        assert np.all(np.isfinite(calibration.score)), method
        assert np.all(np.isfinite(calibration.juror_offset)), method
    # In z-scores a juror who gave everyone 7 says nothing about order: their reviews count as average.
    z = calibrate(flat, "zscore")
    without = calibrate(reviews, "zscore")
    pooled_mean, pooled_sd = flat.score.mean(), flat.score.std()
    n_before = reviews.reviews_per_entry()[0]
    expected_z = ((without.score[0] - reviews.score.mean()) / reviews.score.std()) * n_before / (n_before + 1)
    assert z.score[0] == pytest.approx(pooled_mean + pooled_sd * expected_z)


def test_a_single_review_entry_is_scored_and_counted():
    reviews = random_panel(7)
    rows = [
        (reviews.entries[e], reviews.jurors[j], s)
        for e, j, s in zip(reviews.entry, reviews.juror, reviews.score, strict=True)
    ]
    one = reviews_of([*rows, ("solo", reviews.jurors[0], 9.0)])
    for method in METHODS:
        calibration = calibrate(one, method)
        solo = one.entries.index("solo")
        assert calibration.n_reviews[solo] == 1
        assert np.isfinite(calibration.score[solo]), method


def test_a_disconnected_design_reports_its_components_and_calibrates_within_each():
    first = random_panel(8, n_entries=30, n_jurors=6)
    rows = [
        (first.entries[e], first.jurors[j], s)
        for e, j, s in zip(first.entry, first.juror, first.score, strict=True)
    ]
    # A second, separate track: the same reviews by other jurors of other entries, two points higher.
    copy = [(f"t2-{e}", f"t2-{j}", s + 2.0) for e, j, s in rows]
    both = reviews_of([*rows, *copy])
    expected = {frozenset(entries) for entries, _ in connected_components((e, j) for e, j, _ in rows + copy)}
    for method in METHODS:
        calibration = calibrate(both, method)
        assert calibration.n_components == 2
        found = {
            frozenset(both.entries[i] for i in np.flatnonzero(calibration.entry_component == c))
            for c in range(2)
        }
        assert found == expected
        score = calibration.by_entry()
        original = [score[e] for e in first.entries]
        shifted = [score[f"t2-{e}"] for e in first.entries]
        assert np.array_equal(np.argsort(original), np.argsort(shifted)), method


def test_entries_without_reviews_get_no_score():
    reviews = Reviews.from_records([("a", "X", 3.0), ("b", "X", 4.0)], entries=["c"])
    for method in METHODS:
        assert np.isnan(calibrate(reviews, method).score[2]), method


# --- refits used by the bootstrap and leave-one-juror-out ----------------------------------------


@pytest.mark.parametrize("method", METHODS)
def test_rescore_of_the_observed_totals_reproduces_the_point_fit(method):
    reviews = random_panel(9)
    calibration = calibrate(reviews, method)
    columns = np.column_stack([reviews.score, reviews.score])
    again = rescore(calibration, columns)
    assert again[:, 0] == pytest.approx(calibration.score, abs=1e-6)
    assert again[:, 1] == pytest.approx(calibration.score, abs=1e-6)
    assert refit(calibration, reviews) == pytest.approx(calibration.score, abs=1e-6)


def test_refit_without_a_juror_equals_a_fresh_solve_of_the_smaller_design():
    reviews = random_panel(10, n_entries=20, n_jurors=6)
    calibration = calibrate(reviews, "additive")
    smaller = reviews.without_juror(0)
    v = calibration.variances
    n, n_e, n_j = len(smaller.score), smaller.n_entries, smaller.n_jurors
    x = np.zeros((n, 1 + n_e + n_j))
    x[:, 0] = 1
    x[np.arange(n), 1 + smaller.entry] = 1
    x[np.arange(n), 1 + n_e + smaller.juror] = 1
    penalty = np.diag([0.0] + [v.noise / v.entry] * n_e + [v.noise / v.juror] * n_j)
    theta = np.linalg.solve(x.T @ x + penalty, x.T @ smaller.score)
    expected = np.where(smaller.reviews_per_entry() > 0, theta[0] + theta[1 : 1 + n_e], np.nan)
    assert refit(calibration, smaller) == pytest.approx(expected, abs=1e-7, nan_ok=True)


@pytest.mark.parametrize("method", ["additive", "offset_scale"])
def test_large_juries_take_the_iterative_path_to_the_same_answer(monkeypatch, method):
    import scoring.normalise as normalise

    reviews = random_panel(12)
    calibration = calibrate(reviews, method)
    rng = np.random.default_rng(0)
    columns = reviews.score[:, None] + rng.normal(0, 1, (len(reviews.score), 5))
    dense = rescore(calibration, columns)
    monkeypatch.setattr(normalise, "DENSE_JUROR_LIMIT", 0)
    monkeypatch.setattr(normalise, "EXACT_VARIANCE_LIMIT", 0)
    assert rescore(calibration, columns) == pytest.approx(dense, abs=1e-7)
    approximate = calibrate(reviews, method)
    # The diagonal approximation of posterior variances shifts the variance components a little,
    # not the ranking of clearly separated entries.
    assert spearmanr(approximate.score, calibration.score)[0] > 0.99


def test_offset_scale_finds_a_compressing_juror_and_leaves_sparse_jurors_at_scale_one():
    rng = np.random.default_rng(13)
    quality = rng.normal(0, 1.5, 120)
    scale = np.where(np.arange(12) == 0, 0.3, 1.0)  # juror j00 uses a third of the scale
    rows = [
        (f"e{e:03d}", f"j{j:02d}", 6 + scale[j] * quality[e] + rng.normal(0, 0.4))
        for e in range(120)
        for j in rng.choice(12, 3, replace=False)
    ]
    rows += [("e000", "sparse", 7.0), ("e001", "sparse", 4.0)]
    calibration = calibrate(reviews_of(rows), "offset_scale")
    scales = dict(zip(calibration.reviews.jurors, calibration.juror_scale.tolist(), strict=True))
    assert scales["sparse"] == 1.0
    assert scales["j00"] == pytest.approx(0.3 / np.mean(scale[1:]), abs=0.1)
    assert all(0.8 < scales[f"j{j:02d}"] < 1.25 for j in range(1, 12))


def test_model_methods_hold_where_tracks_differ_and_zscore_does_not():
    # Four tracks of different true strength; 80% of each entry's jurors come from its own track.
    rng = np.random.default_rng(21)
    n_entries, n_jurors = 400, 40
    track = np.arange(n_entries) % 4
    quality = rng.normal(0, 1, n_entries) + np.array([-1.0, -0.3, 0.3, 1.0])[track]
    offset = rng.normal(0, 1.2, n_jurors)
    home = np.arange(n_jurors) % 4
    rows = []
    for e in range(n_entries):
        own = rng.random(3) < 0.8
        pool_home = rng.permutation(np.flatnonzero(home == track[e]))
        pool_away = rng.permutation(np.flatnonzero(home != track[e]))
        jurors = [pool_home[i] if own[i] else pool_away[i] for i in range(3)]
        rows += [(e, j, 6 + 1.5 * quality[e] + offset[j] + rng.normal(0, 1)) for j in jurors]
    reviews = reviews_of(rows)
    rho = {m: spearmanr(calibrate(reviews, m).score, quality)[0] for m in METHODS}
    # z-scores assume every juror saw an equally strong sample; here they fall below the raw mean.
    assert rho["zscore"] < rho["none"]
    assert rho["zscore"] < rho["additive"] - 0.05
    assert rho["zscore"] < rho["offset_scale"] - 0.05
    assert rho["none"] < rho["additive"] - 0.015


# --- track levels ----------------------------------------------------------------------------------


def home_track_panel(seed, home_share=0.95, track_means=(-1.0, -0.3, 0.3, 1.0), per_entry=3):
    """Four tracks of different strength; each review goes to a juror of the entry's own track with `home_share`."""
    rng = np.random.default_rng(seed)
    n_entries, n_jurors = 400, 40
    track = np.arange(n_entries) % 4
    quality = rng.normal(0, 1, n_entries) + np.array(track_means)[track]
    offset = rng.normal(0, 1.2, n_jurors)
    home = np.arange(n_jurors) % 4
    rows = []
    for e in range(n_entries):
        count = per_entry if np.isscalar(per_entry) else rng.integers(*per_entry)
        jurors = []
        for _ in range(count):
            own = rng.random() < home_share
            pool = np.setdiff1d(np.flatnonzero((home == track[e]) == own), jurors)
            jurors.append(int(rng.choice(pool)))
        rows += [(f"e{e:03d}", f"j{j:02d}", 6 + 1.5 * quality[e] + offset[j] + rng.normal(0, 1)) for j in jurors]
    reviews = reviews_of(rows)
    return reviews, quality, [f"t{t}" for t in track]


def test_track_levels_keep_a_strong_track_from_looking_lenient():
    # 95% of reviews stay in the entry's track: with one centre the model takes most of the
    # strong tracks' lead for their jurors' leniency; with a level per track it does not.
    reviews, quality, tracks = home_track_panel(1)
    one_centre = calibrate(reviews, "offset_scale")
    per_track = calibrate(reviews, "offset_scale", tracks=tracks)
    assert per_track.track_effects and not one_centre.track_effects
    assert spearmanr(per_track.score, quality)[0] > spearmanr(one_centre.score, quality)[0] + 0.02
    # The strong track's jurors are no longer blamed: their mean offset is near zero.
    strong = np.array([int(j[1:]) % 4 == 3 for j in reviews.jurors])  # home track t3, the strongest
    assert abs(per_track.juror_offset[strong].mean()) < abs(one_centre.juror_offset[strong].mean()) / 2


def test_track_levels_are_not_used_where_no_juror_crosses_tracks():
    # Every review in the entry's own track: a track's level and its jurors' leniency cannot be
    # told apart, so the round keeps one centre and the scores are those without tracks.
    reviews, _, tracks = home_track_panel(2, home_share=1.0)
    group = np.unique(tracks, return_inverse=True)[1]
    levels = track_levels(reviews, group)
    assert not levels.identified and np.all(np.isinf(levels.error))
    calibration = calibrate(reviews, "additive", tracks=tracks)
    assert not calibration.track_effects
    assert calibration.score == pytest.approx(calibrate(reviews, "additive").score)


def test_tracks_of_equal_strength_keep_one_centre():
    reviews, _, tracks = home_track_panel(3, home_share=0.8, track_means=(0, 0, 0, 0))
    levels = track_levels(reviews, np.unique(tracks, return_inverse=True)[1])
    assert not levels.identified
    assert np.all(np.abs(levels.level) < 3 * levels.error)


def test_track_levels_are_measured_within_jurors():
    # Two tracks 2 points apart; X and Y each review in both, Z only in track b; no noise.
    # Whatever the jurors' leniency, each cross-track juror sees the 2-point difference.
    offset = {"X": 1.5, "Y": -0.5, "Z": 3.0}
    quality = {"a1": 5.0, "a2": 6.0, "b1": 7.0, "b2": 8.0, "b3": 7.5}
    pairs = [("a1", "X"), ("a2", "X"), ("b1", "X"), ("b2", "X"), ("a1", "Y"), ("a2", "Y"), ("b1", "Y"),
             ("b2", "Y"), ("b3", "Z"), ("b1", "Z")]  # fmt: skip
    reviews = reviews_of([(e, j, quality[e] + offset[j]) for e, j in pairs])
    group = np.array([0 if e.startswith("a") else 1 for e in reviews.entries])
    levels = track_levels(reviews, group)
    assert levels.level[1] - levels.level[0] == pytest.approx(2.0)
    assert np.all(np.isfinite(levels.error))  # entries differ within a track: the error is not zero


def test_track_levels_keep_shrinking_entries_with_fewer_reviews_more():
    # Reviews per entry from 1 to 4. Two entries of the strongest track get the same, best, raw
    # mean: the one with a single review is pulled further towards its track's level and ranks
    # below the one whose four reviews agree (without shrinkage they would tie, and the lone
    # review would be as good as four).
    reviews, _, tracks = home_track_panel(4, home_share=0.9, per_entry=(1, 5))
    n = reviews.reviews_per_entry()
    one = next(e for e in range(reviews.n_entries) if tracks[e] == "t3" and n[e] == 1)
    four = next(e for e in range(reviews.n_entries) if tracks[e] == "t3" and n[e] == 4)
    score = reviews.score.copy()
    score[np.isin(reviews.entry, [one, four])] = reviews.score.max() + 1.0
    calibration = calibrate(reviews.with_scores(score), "offset_scale", tracks=tracks)
    assert calibration.track_effects
    assert calibration.score[four] > calibration.score[one] + 0.5
    assert np.argsort(-calibration.score)[0] == four
