"""Paired differences of a juror against a benchmark, checked against sums done by hand."""

import math

import pytest

from scoring.juror_feedback import (
    ABOVE,
    BELOW,
    CANNOT_TELL,
    IN_LINE,
    Comparison,
    paired_difference,
    pairs_counted,
    rounded_points,
    verdict,
)


def test_three_differences_give_the_t_interval_worked_by_hand():
    # mean 2, sd 1, se 1/sqrt(3); t(0.975, 2) = 4.302653: 2 ± 2.484138
    result = paired_difference([1.0, 2.0, 3.0])
    assert result.pairs == 3 and result.mean == pytest.approx(2.0)
    assert result.low == pytest.approx(-0.484138, abs=1e-6) and result.high == pytest.approx(4.484138, abs=1e-6)


def test_five_equal_and_unequal_differences():
    # [1, 1, 1, 1, 1]: no spread, the interval is the point itself
    flat = paired_difference([1, 1, 1, 1, 1])
    assert (flat.low, flat.high) == (pytest.approx(1.0), pytest.approx(1.0))
    # [0.5, 1.5, 1, 1, 1]: mean 1, sd sqrt(0.5 / 4) = 0.353553, se 0.158114; t(0.975, 4) = 2.776445 → ± 0.438995
    spread = paired_difference([0.5, 1.5, 1, 1, 1])
    assert spread.low == pytest.approx(0.561005, abs=1e-6) and spread.high == pytest.approx(1.438995, abs=1e-6)


def test_no_interval_below_two_pairs_and_missing_values_are_left_out():
    assert paired_difference([]) == Comparison(0, None, None, None)
    assert paired_difference([2.0, math.nan, None]) == Comparison(1, 2.0, None, None)


def test_the_verdict_reads_the_interval_against_the_scale():
    scale = 4.0  # a 1-5 criterion: "in line" within ± 0.4
    assert verdict(Comparison(5, 1.0, 0.56, 1.44), scale_range=scale) == ABOVE
    assert verdict(Comparison(5, -1.0, -1.44, -0.56), scale_range=scale) == BELOW
    assert verdict(Comparison(5, 0.05, -0.3, 0.4), scale_range=scale) == IN_LINE
    assert verdict(Comparison(3, 2.0, -0.48, 4.48), scale_range=scale) == CANNOT_TELL
    assert verdict(Comparison(1, 2.0, None, None), scale_range=scale) == CANNOT_TELL


def test_feedback_moves_by_whole_blocks_and_differences_read_in_half_points():
    assert [pairs_counted(n) for n in (0, 2, 3, 5, 6, 7)] == [0, 0, 3, 3, 6, 6]
    assert rounded_points(0.96) == 1.0 and rounded_points(-1.3) == 1.5 and rounded_points(0.1) == 0.5
