"""Feedback bands: quarters of a track by calibrated score, none in a small track, and the anchor for a mean."""

import pytest

from scoring.feedback_bands import (
    BOTTOM_QUARTER,
    LOWER_MIDDLE,
    MIN_ENTRIES_FOR_BANDS,
    TOP_QUARTER,
    UPPER_MIDDLE,
    band_for,
    bands_within_groups,
    calibrated_scores,
    entry_means,
    matching_anchor,
)
from scoring.rubric import Anchor, Criterion


def test_eight_entries_make_four_bands_of_two():
    scores = {f"e{i}": float(10 - i) for i in range(8)}  # e0 best
    bands = bands_within_groups(scores, dict.fromkeys(scores, "AGR"))
    assert [bands[f"e{i}"] for i in range(8)] == [TOP_QUARTER] * 2 + [UPPER_MIDDLE] * 2 + [LOWER_MIDDLE] * 2 + [
        BOTTOM_QUARTER] * 2


def test_band_by_hand_for_ten_entries():
    # mid-rank 3 of 10: (3 - 0.5) / 10 = 0.25, the first share of the second quarter.
    assert band_for(3, 10) == UPPER_MIDDLE
    assert band_for(2, 10) == TOP_QUARTER  # 0.15
    assert band_for(8, 10) == BOTTOM_QUARTER  # 0.75
    assert band_for(7, 10) == LOWER_MIDDLE  # 0.65
    assert band_for(10, 10) == BOTTOM_QUARTER


def test_a_track_of_three_gets_no_band_while_a_large_one_does():
    scores = {"small1": 9.0, "small2": 5.0, "small3": 1.0} | {f"big{i}": float(i) for i in range(8)}
    groups = {e: ("SMALL" if e.startswith("small") else "BIG") for e in scores}
    bands = bands_within_groups(scores, groups)
    assert bands["small1"] is None and bands["small2"] is None and bands["small3"] is None
    assert bands["big7"] == TOP_QUARTER and bands["big0"] == BOTTOM_QUARTER


def test_unscored_entries_have_no_band_and_do_not_count_towards_the_minimum():
    scores = {f"e{i}": float(i) for i in range(MIN_ENTRIES_FOR_BANDS - 1)} | {"none": None, "nan": float("nan")}
    bands = bands_within_groups(scores, dict.fromkeys(scores, "AGR"))
    assert set(bands.values()) == {None}
    scores["e_last"] = 100.0
    bands = bands_within_groups(scores, dict.fromkeys(scores, "AGR"))
    assert bands["e_last"] == TOP_QUARTER and bands["none"] is None and bands["nan"] is None


def test_tied_entries_share_a_band():
    scores = {"a": 5.0, "b": 5.0, "c": 5.0, "d": 5.0, "e": 1.0, "f": 1.0, "g": 1.0, "h": 1.0}
    bands = bands_within_groups(scores, dict.fromkeys(scores, "X"))
    # a-d share mid-rank 2.5: (2.5 - 0.5) / 8 = 0.25 -> upper middle; e-h mid-rank 6.5: 0.75 -> bottom quarter.
    assert {bands[e] for e in "abcd"} == {UPPER_MIDDLE}
    assert {bands[e] for e in "efgh"} == {BOTTOM_QUARTER}


CRITERION = Criterion(code="IMP", label={"en": "Impact"}, anchors=(
    Anchor(1, {"en": "None"}), Anchor(3, {"en": "Adequate"}), Anchor(5, {"en": "Broad"})))


@pytest.mark.parametrize(("mean", "label"), [
    (1.0, "None"), (1.9, "None"), (2.0, "None"), (2.1, "Adequate"), (3.9, "Adequate"), (4.0, "Adequate"),
    (4.01, "Broad"), (5.0, "Broad")])
def test_the_anchor_nearest_the_mean_and_the_lower_one_on_a_tie(mean, label):
    assert matching_anchor(CRITERION, mean).label["en"] == label


def test_no_anchor_without_a_mean_or_anchors():
    assert matching_anchor(CRITERION, None) is None
    assert matching_anchor(Criterion(code="X", label={}), 3.0) is None


def test_calibration_per_criterion_removes_a_lenient_jurors_offset():
    # Juror "soft" gives everyone 2 points more; entry B was scored only by "soft", entry A only by "hard".
    records = [("A", "hard", 3.0), ("B", "soft", 5.0), ("C", "hard", 3.0), ("C", "soft", 5.0),
               ("D", "hard", 2.0), ("D", "soft", 4.0)]
    raw = entry_means(records)
    assert raw == {"A": 3.0, "B": 5.0, "C": 4.0, "D": 3.0}
    calibrated = calibrated_scores(records, method="none")
    assert calibrated["B"] > calibrated["A"]  # the plain mean keeps the leniency
    additive = calibrated_scores(records, method="additive")
    assert additive["A"] == pytest.approx(additive["B"], abs=0.3)  # the additive model mostly removes it
    assert additive["C"] > additive["D"]


def test_no_records_no_scores():
    assert calibrated_scores([], method="additive") == {}
