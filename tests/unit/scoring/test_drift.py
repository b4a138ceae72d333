"""A juror's leniency over the sequence of their reviews, checked against sums done by hand."""

import pytest

from scoring.drift import gaps_in_order, juror_drift, rolling_mean, round_drift, slope


def test_slope_and_rolling_mean_by_hand():
    assert slope([0, 1, 2, 3]) == pytest.approx(1.0)
    # x = 0..3 (mean 1.5), y = 1, 1, 3, 3 (mean 2): sum (x - 1.5)(y - 2) = 4, sum (x - 1.5)^2 = 5
    assert slope([1, 1, 3, 3]) == pytest.approx(0.8)
    assert slope([2]) is None
    assert rolling_mean([1, 2, 3, 4, 5, 6], window=3) == pytest.approx((1, 1.5, 2, 3, 4, 5))


def test_gaps_follow_the_submission_order_against_the_other_jurors_mean():
    reviews = [  # (entry, juror, score, order)
        ("e1", "anna", 4, 2), ("e1", "bruno", 2, 1), ("e1", "carla", 3, 5),
        ("e2", "anna", 5, 1), ("e2", "bruno", 3, 3),
        ("e3", "anna", 1, 3),  # nobody else: no gap
    ]
    gaps = gaps_in_order(reviews)
    assert gaps["anna"] == pytest.approx((2.0, 1.5))  # e2 first (5 - 3), then e1 (4 - 2.5)
    assert gaps["bruno"] == pytest.approx((-1.5, -2.0))  # e1 (2 - 3.5), then e2 (3 - 5)
    assert gaps["carla"] == pytest.approx((0.0,))


def test_a_juror_growing_lenient_is_flagged_for_drift_not_for_distance():
    # gaps -1, -0.5, 0, 0.5, 1: mean 0, slope 0.5 a review, 2 points over the sequence > 0.15 * 4
    drift = juror_drift("anna", [-1, -0.5, 0, 0.5, 1], scale_range=4)
    assert drift.mean == pytest.approx(0.0) and drift.slope == pytest.approx(0.5)
    assert drift.drift_flag and not drift.distance_flag and drift.flagged


def test_a_steadily_lenient_juror_is_flagged_for_distance_and_few_reviews_flag_nobody():
    steady = juror_drift("bruno", [1, 1, 1, 1], scale_range=4)  # 1 > 0.1 * 4
    assert steady.distance_flag and not steady.drift_flag
    assert not juror_drift("carla", [3, 3, 3], scale_range=4).flagged  # fewer than 4 compared reviews
    assert not juror_drift("dario", [0.1, -0.1, 0.2, 0.0], scale_range=4).flagged


def test_round_drift_names_every_juror_with_a_gap():
    reviews = [(f"e{i}", juror, score, i) for i in range(4) for juror, score in (("anna", 4), ("bruno", 2))]
    drifts = {d.juror: d for d in round_drift(reviews, scale_range=4)}
    assert drifts["anna"].mean == pytest.approx(2.0) and drifts["bruno"].mean == pytest.approx(-2.0)
    assert drifts["anna"].distance_flag and drifts["bruno"].distance_flag
