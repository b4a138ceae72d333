"""The audience ranking against examples worked out by hand."""

from __future__ import annotations

import math

import pytest

from scoring.audience import audience_ranking, mean_and_error, probability_first


def test_mean_and_error_of_four_votes():
    # [5, 5, 4, 4]: mean 4.5, sample sd sqrt(4 · 0.25 / 3) = 0.57735, error 0.57735 / 2 = 0.288675
    mean, error = mean_and_error([5, 5, 4, 4])
    assert mean == 4.5
    assert error == pytest.approx(0.288675, abs=1e-6)


def test_the_spread_is_never_taken_below_the_floor():
    # three identical votes: spread 0, taken as 0.5, error 0.5 / sqrt(3) = 0.288675
    assert mean_and_error([4, 4, 4]) == pytest.approx((4.0, 0.288675), abs=1e-6)
    assert mean_and_error([3]) == pytest.approx((3.0, 0.5))


def test_two_finalists_the_chance_of_the_first_is_the_normal_of_the_difference():
    # A [5,5,4,4] and B [3,4,3,4]: means 4.5 and 3.5, errors 0.288675 each;
    # P(A > B) = Φ(1 / sqrt(2 · 0.288675²)) = Φ(2.44949) = 0.992847
    ranking = audience_ranking({1: [3, 4, 3, 4], 2: [5, 5, 4, 4]})
    assert [s.entry for s in ranking] == [2, 1]
    assert [s.place for s in ranking] == [1, 2]
    assert ranking[0].p_first == pytest.approx(0.992847, abs=1e-4)
    assert ranking[1].p_first == pytest.approx(1 - 0.992847, abs=1e-4)
    # interval: 4.5 ± 1.96 · 0.288675 = [3.934, 5.066], the top cut at 5
    assert ranking[0].low == pytest.approx(3.934200, abs=1e-4)
    assert ranking[0].high == 5.0
    assert ranking[1].low == pytest.approx(2.934200, abs=1e-4)
    assert ranking[1].high == pytest.approx(4.065800, abs=1e-4)


def test_equal_votes_share_the_chance_and_more_votes_break_the_tie():
    ranking = audience_ranking({7: [4, 5], 8: [4, 5]})
    assert [s.p_first for s in ranking] == pytest.approx([0.5, 0.5], abs=1e-6)
    assert [s.entry for s in ranking] == [7, 8]  # same mean, same count: by id
    ranking = audience_ranking({7: [4, 5], 8: [4, 5, 4, 5]})
    assert ranking[0].entry == 8


def test_a_finalist_without_votes_comes_last_with_no_chance():
    ranking = audience_ranking({1: [], 2: [2]})
    assert [(s.entry, s.place, s.votes, s.p_first) for s in ranking] == [(2, 1, 1, 1.0), (1, None, 0, 0.0)]
    assert ranking[1].mean is None


def test_three_equal_finalists_have_a_third_each():
    chances = probability_first([(3.0, 0.2), (3.0, 0.2), (3.0, 0.2)])
    assert chances == pytest.approx([1 / 3] * 3, abs=1e-6)
    assert math.fsum(probability_first([(4.0, 0.1), (2.0, 0.3), (3.5, 0.5)])) == pytest.approx(1.0)


def test_nobody_voted():
    assert audience_ranking({}) == []
    assert probability_first([]) == []
