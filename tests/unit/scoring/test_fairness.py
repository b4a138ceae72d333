"""Fairness arithmetic against values worked out by hand (z = 1.96)."""

import pytest

from scoring.disclosure import suppress_column
from scoring.fairness import FIRM, POSSIBLE, Interval, four_fifths_flag, rate_ratio, top_k, wilson


def test_wilson_interval_of_three_in_ten():
    # p = 0.3; centre = (0.3 + 1.9208/10) / 1.38416 = 0.35551; half = 1.96/1.38416 * sqrt(0.021 + 0.009604) = 0.24772
    found = wilson(3, 10)
    assert found.point == 0.3
    assert found.low == pytest.approx(0.10779, abs=1e-5)
    assert found.high == pytest.approx(0.60323, abs=1e-5)


def test_wilson_interval_of_none_in_ten_starts_at_zero():
    # centre = 0.19208 / 1.38416 = 0.13877 = half: the interval is [0, 0.27754]
    found = wilson(0, 10)
    assert (found.point, found.low) == (0.0, 0.0)
    assert found.high == pytest.approx(0.27754, abs=1e-5)


def test_wilson_of_no_trials_is_none_and_impossible_counts_are_refused():
    assert wilson(0, 0) is None
    with pytest.raises(ValueError):
        wilson(11, 10)


def test_katz_interval_of_a_rate_ratio():
    # 10/20 against 40/50: 0.625; var(log) = 1/10 - 1/20 + 1/40 - 1/50 = 0.055; exp(ln 0.625 ± 1.96 * 0.23452)
    found = rate_ratio(10, 20, 40, 50)
    assert found.point == pytest.approx(0.625)
    assert found.low == pytest.approx(0.39469, abs=1e-5)
    assert found.high == pytest.approx(0.98971, abs=1e-5)
    assert four_fifths_flag(found) == POSSIBLE


def test_a_ratio_whose_whole_interval_is_under_four_fifths_is_flagged_firmly():
    # 5/50 against 100/200: 0.2; var(log) = 0.2 - 0.02 + 0.01 - 0.005 = 0.185; high = exp(ln 0.2 + 1.96 * 0.43012)
    found = rate_ratio(5, 50, 100, 200)
    assert found.point == pytest.approx(0.2)
    assert found.high == pytest.approx(0.46468, abs=1e-5)
    assert found.low == pytest.approx(0.08608, abs=1e-5)
    assert four_fifths_flag(found) == FIRM


def test_a_zero_count_uses_haldanes_correction_for_the_interval_only():
    # 0/10 against 20/40: point 0; interval from 0.5/11 against 20.5/41 = 0.090909, var(log) = 1.933481
    found = rate_ratio(0, 10, 20, 40)
    assert found.point == 0.0
    assert found.low == pytest.approx(0.0059565, abs=1e-6)
    assert found.high == pytest.approx(1.38746, abs=1e-5)
    assert four_fifths_flag(found) == POSSIBLE


def test_no_ratio_against_a_zero_base_rate_and_no_flag_without_a_ratio():
    assert rate_ratio(0, 10, 0, 40) is None
    assert rate_ratio(1, 0, 3, 40) is None
    assert four_fifths_flag(None) == ""


@pytest.mark.parametrize(("ratio", "flag"), [
    (Interval(0.9, 0.7, 1.1), ""), (Interval(0.8, 0.6, 1.0), ""), (Interval(0.79, 0.6, 0.95), POSSIBLE),
    (Interval(0.5, 0.3, 0.8), POSSIBLE), (Interval(0.5, 0.3, 0.79), FIRM)])
def test_four_fifths_flag_at_its_edges(ratio, flag):
    assert four_fifths_flag(ratio) == flag


def test_top_k_breaks_ties_by_the_lower_entry():
    assert top_k({1: 3.0, 2: 4.0, 3: 4.0, 4: 1.0}, 2) == {2, 3}
    assert top_k({5: 2.0, 3: 2.0, 9: 1.0}, 1) == {3}
    assert top_k({1: 1.0}, 0) == set()


def test_suppression_is_the_sponsor_reports_own():
    assert suppress_column({"a": 3, "b": 10, "c": 7}, 20) == ({"a": None, "b": 10, "c": None}, 20)
