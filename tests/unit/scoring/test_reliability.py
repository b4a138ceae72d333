import math

import krippendorff
import numpy as np
import pytest

from scoring.reliability import icc_oneway, krippendorff_alpha

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", reliability data with missing
# values: 4 coders (rows) x 12 units (columns); None is a value the coder did not give.
_ = None
KRIPPENDORFF_EXAMPLE = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, _, _, _],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, _, 3],
    [_, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, _],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, _],
]


def example_reviews():
    return [
        (f"unit{u}", f"coder{c}", row[u]) for c, row in enumerate(KRIPPENDORFF_EXAMPLE) for u in range(12)
    ]


@pytest.mark.parametrize(
    ("level", "published"),
    [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)],
)
def test_alpha_reproduces_krippendorffs_published_example(level, published):
    alpha = krippendorff_alpha(example_reviews(), level=level)
    assert round(alpha.value, 3) == published
    assert alpha.units == 11  # unit 12 has a single value and cannot be paired
    assert alpha.values == 40


def random_unbalanced(seed, n_entries=60, n_jurors=9, scale=7):
    rng = np.random.default_rng(seed)
    quality = rng.normal(size=n_entries)
    reviews = []
    for e in range(n_entries):
        for j in rng.choice(n_jurors, size=rng.integers(1, 6), replace=False):
            score = np.clip(np.round(4 + 1.3 * quality[e] + rng.normal()), 1, scale)
            reviews.append((e, int(j), float(score)))
    return reviews


def as_reliability_matrix(reviews, n_entries=60, n_jurors=9):
    matrix = np.full((n_jurors, n_entries), np.nan)
    for e, j, s in reviews:
        matrix[j, e] = s
    return matrix


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_alpha_matches_the_krippendorff_package_on_unbalanced_data(level, seed):
    reviews = random_unbalanced(seed)
    expected = krippendorff.alpha(reliability_data=as_reliability_matrix(reviews), level_of_measurement=level)
    assert krippendorff_alpha(reviews, level=level).value == pytest.approx(expected, abs=1e-9)


def test_alpha_on_continuous_scores_matches_the_package():
    rng = np.random.default_rng(7)
    reviews = [
        (e, j, float(rng.normal(e % 5, 1.0))) for e in range(40) for j in range(4) if rng.random() < 0.7
    ]
    expected = krippendorff.alpha(
        reliability_data=as_reliability_matrix(reviews, 40, 4), level_of_measurement="interval"
    )
    assert krippendorff_alpha(reviews).value == pytest.approx(expected, abs=1e-9)


def test_alpha_is_undefined_when_every_score_is_the_same():
    reviews = [(e, j, 3.0) for e in range(5) for j in range(3)]
    assert math.isnan(krippendorff_alpha(reviews).value)


def test_alpha_ignores_how_entries_and_jurors_are_named_and_ordered():
    reviews = random_unbalanced(4)
    renamed = [(f"entry-{e * 7919 % 101}", ("juror", j), s) for e, j, s in reversed(reviews)]
    for level in ("nominal", "ordinal", "interval", "ratio"):
        assert krippendorff_alpha(renamed, level=level).value == pytest.approx(
            krippendorff_alpha(reviews, level=level).value, abs=1e-12
        )


def test_a_juror_scoring_an_entry_twice_is_refused():
    with pytest.raises(ValueError, match="scored entry 'a' more than once"):
        krippendorff_alpha([("a", "j1", 3), ("a", "j2", 4), ("a", "j1", 5)])


def test_ratio_metric_refuses_negative_scores():
    with pytest.raises(ValueError, match="true zero"):
        krippendorff_alpha([("a", 1, -1), ("a", 2, 2), ("b", 1, 3), ("b", 2, 3)], level="ratio")


# Shrout & Fleiss (1979), Table 2: 6 targets x 4 judges; published ICC(1,1) = .17 and ICC(1,4) = .44.
SHROUT_FLEISS = [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]]


def test_icc_reproduces_shrout_and_fleiss_table_2():
    reviews = [(t, j, s) for t, row in enumerate(SHROUT_FLEISS) for j, s in enumerate(row)]
    icc = icc_oneway(reviews)
    assert round(icc.icc1, 2) == 0.17
    assert round(icc.icck, 2) == 0.44
    assert icc.k == 4


def test_icc_on_an_unbalanced_case_worked_by_hand():
    # Entries with 2, 3 and 4 reviews. Grand mean 51/9, entry means 3, 7, 6:
    # SSB = 20 (MSB = 10), SSW = 2 + 8 + 8 = 18 (MSW = 3), n0 = (9 - 29/9) / 2 = 26/9,
    # ICC(1) = (10 - 3) / (10 + (26/9 - 1) * 3) = 21/47, ICC(1,n0) = (10 - 3) / 10.
    reviews = [("a", 1, 2), ("a", 2, 4), ("b", 1, 5), ("b", 3, 7), ("b", 4, 9)]
    reviews += [("c", 2, 4), ("c", 3, 6), ("c", 4, 8), ("c", 5, 6)]
    icc = icc_oneway(reviews)
    assert icc.ms_between == pytest.approx(10)
    assert icc.ms_within == pytest.approx(3)
    assert icc.n0 == pytest.approx(26 / 9)
    assert icc.icc1 == pytest.approx(21 / 47)
    assert icc.icck == pytest.approx(0.7)
    assert icc_oneway(reviews, k=3).icck == pytest.approx(63 / 89)


def test_icc_recovers_the_true_correlation_of_a_simulated_unbalanced_design():
    rng = np.random.default_rng(11)
    reviews = []
    for e in range(4000):
        quality = rng.normal(0, 1.0)
        for j in range(rng.integers(2, 7)):
            reviews.append((e, j, quality + rng.normal(0, 1.5)))
    truth = 1.0 / (1.0 + 1.5**2)
    assert icc_oneway(reviews).icc1 == pytest.approx(truth, abs=0.03)


def test_icc_skips_missing_scores():
    with_missing = [("a", 1, 2), ("a", 2, 4), ("a", 3, None)]
    with_missing += [("b", 1, 5), ("b", 2, float("nan")), ("b", 3, 7)]
    without = [r for r in with_missing if r[2] is not None and r[2] == r[2]]
    assert icc_oneway(with_missing) == icc_oneway(without)


@pytest.mark.parametrize(("sizes", "truth"), [((4, 4), 0.3), ((2, 6), 0.4)])
def test_icc_intervals_cover_the_true_value_at_their_stated_rate(sizes, truth):
    rng = np.random.default_rng(17)
    covered_single = covered_mean = 0
    runs = 400
    for _ in range(runs):
        reviews = []
        for e in range(40):
            quality = rng.normal(0, np.sqrt(truth))
            for j in range(rng.integers(sizes[0], sizes[1] + 1)):
                reviews.append((e, j, quality + rng.normal(0, np.sqrt(1 - truth))))
        icc = icc_oneway(reviews, k=3)
        covered_single += icc.icc1_interval[0] <= truth <= icc.icc1_interval[1]
        mean_truth = 3 * truth / (1 + 2 * truth)
        covered_mean += icc.icck_interval[0] <= mean_truth <= icc.icck_interval[1]
    assert 0.92 <= covered_single / runs <= 0.98
    assert covered_mean == covered_single  # Spearman–Brown is monotone: the same intervals, rescaled
