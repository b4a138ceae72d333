"""Predictive validity statistics against examples worked by hand."""

import math

import pytest

from scoring.validity import (
    Correlation,
    on_time_share,
    rank_correlation,
    ranks,
    relative_growth,
    spearman,
    standardise,
)


def test_ties_share_the_mean_of_their_ranks():
    assert ranks([10, 20, 20, 30]) == [1, 2.5, 2.5, 4]
    assert ranks([3, 1, 2]) == [3, 1, 2]


def test_spearman_without_ties_is_one_minus_six_d_squared():
    # d = (-1, 1, -1, 1, 0), sum d^2 = 4: rho = 1 - 6 * 4 / (5 * 24) = 0.8
    assert spearman([1, 2, 3, 4, 5], [2, 1, 4, 3, 5]) == pytest.approx(0.8)
    assert spearman([1, 2, 3], [10, 20, 30]) == pytest.approx(1.0)
    assert spearman([1, 2, 3], [30, 20, 10]) == pytest.approx(-1.0)


def test_spearman_with_ties_is_pearson_on_mean_ranks():
    # ranks of y: 1, 2, 3.5, 5, 3.5; deviations -2,-1,.5,2,.5 against -2,-1,0,1,2: 8 / sqrt(10 * 9.5)
    assert spearman([1, 2, 3, 4, 5], [5, 6, 7, 8, 7]) == pytest.approx(8 / math.sqrt(95))


def test_spearman_is_undefined_for_a_constant_side_or_a_single_pair():
    assert spearman([1, 2, 3], [4, 4, 4]) is None
    assert spearman([1], [2]) is None
    with pytest.raises(ValueError):
        spearman([1, 2], [1])


def test_a_perfect_order_has_a_clear_positive_reading():
    result = rank_correlation([1, 2, 3, 4, 5, 6], [2, 4, 6, 8, 10, 12], seed=3)
    assert result.rho == pytest.approx(1.0)
    assert result.low == pytest.approx(1.0) and result.high == pytest.approx(1.0)
    assert result.reading == "positive"


def test_a_reversed_order_reads_negative():
    result = rank_correlation(list(range(10)), list(range(10, 0, -1)), seed=1)
    assert result.reading == "negative"


def test_the_bootstrap_is_the_same_for_the_same_seed_and_its_interval_holds_rho():
    x = [3.1, 4.2, 2.8, 3.9, 4.5, 3.3, 2.9, 4.0, 3.6, 3.2, 4.4, 2.7]
    y = [0.1, 0.4, 0.3, 0.0, 0.6, -0.1, 0.2, 0.5, 0.1, 0.3, 0.2, 0.0]
    first = rank_correlation(x, y, seed=7)
    assert first == rank_correlation(x, y, seed=7)
    assert first.n == 12
    assert first.low <= first.rho <= first.high
    assert first.reading == "unclear"  # 12 noisy pairs: the interval covers 0


def test_fewer_than_five_pairs_cannot_tell():
    result = rank_correlation([1, 2, 3, 4], [1, 2, 3, 4])
    assert result.rho == pytest.approx(1.0)
    assert (result.low, result.high) == (None, None)
    assert result.reading == "too_few"
    assert Correlation(n=12, rho=None, low=None, high=None).reading == "too_few"


def test_standardise_within_an_edition():
    sd = math.sqrt(8 / 3)
    assert standardise([2, 4, 6]) == pytest.approx([-2 / sd, 0, 2 / sd])
    assert standardise([5, 5]) == [0.0, 0.0]
    assert standardise([]) == []


def test_relative_growth_counts_a_start_from_nothing_as_one():
    assert relative_growth(200, 250) == pytest.approx(0.25)
    assert relative_growth(0, 3) == pytest.approx(3)
    assert relative_growth(-10, -5) == pytest.approx(0.5)


def test_on_time_share_counts_only_milestones_already_due():
    assert on_time_share([(True, True), (True, False), (False, False)]) == pytest.approx(0.5)
    assert on_time_share([(False, False)]) is None
