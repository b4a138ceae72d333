import math

import numpy as np
import pytest

from scoring.rubric import (
    Criterion,
    Rubric,
    SheetError,
    below_thresholds,
    rubric_problems,
    total_range,
    validate_sheet,
    weight_remarks,
    weight_shares,
    weighted_total,
    weighted_totals,
)


def make_rubric() -> Rubric:
    return Rubric(
        name="pitch",
        label={"en": "Pitch"},
        criteria=(
            Criterion("impact", {"en": "Impact"}, weight=3, min=1, max=10, step=1, threshold=4),
            Criterion("team", {"en": "Team"}, weight=1, min=0, max=5, step=0.5),
            Criterion("fit", {"en": "Fit"}, weight=2, min=1, max=5, required=False),
            Criterion(
                "notes", {"en": "Sponsor interest"}, weight=5, min=1, max=5, counted=False, required=False
            ),
        ),
    )


def test_a_valid_sheet_has_no_errors_and_float_steps_tolerate_rounding():
    assert validate_sheet(make_rubric(), {"impact": 7, "team": 3.5, "fit": None}) == []
    assert validate_sheet(make_rubric(), {"impact": 7.0000000001, "team": 3.4999999999}) == []


def test_each_problem_names_its_criterion():
    errors = validate_sheet(make_rubric(), {"impact": 11, "team": 3.25, "fit": 2.5, "pace": 3})
    assert [e.criterion for e in errors] == ["impact", "team", "fit", "pace"]
    assert "off the scale 1–10" in errors[0].reason
    assert "step of 0.5" in errors[1].reason
    assert "step of 1" in errors[2].reason
    assert errors[3] == SheetError("pace", "unknown criterion")


def test_missing_required_criterion_is_reported_and_optional_is_not():
    errors = validate_sheet(make_rubric(), {"team": 2})
    assert errors == [SheetError("impact", "missing a required score")]


def test_non_finite_values_are_refused():
    errors = validate_sheet(make_rubric(), {"impact": math.nan, "team": math.inf})
    assert [e.reason for e in errors] == ["not a finite number", "not a finite number"]


def test_weighted_total_normalises_over_counted_answered_criteria():
    rubric = make_rubric()
    # notes is not counted, fit is blank: (3·8 + 1·4) / 4
    assert weighted_total(rubric, {"impact": 8, "team": 4, "fit": None, "notes": 1}) == pytest.approx(7.0)
    assert weighted_total(rubric, {"impact": 8, "team": 4, "fit": 5}) == pytest.approx((24 + 4 + 10) / 6)
    assert weighted_total(rubric, {"notes": 3}) is None


def test_vectorised_totals_agree_with_the_per_sheet_total():
    rubric = make_rubric()
    sheets = [
        {"impact": 8, "team": 4, "fit": None, "notes": 1},
        {"impact": 2, "team": 0.5, "fit": 5, "notes": None},
        {"impact": 10, "team": 5, "fit": 1, "notes": 5},
    ]
    codes = ("impact", "team", "fit", "notes")
    values = np.array([[np.nan if s[c] is None else s[c] for c in codes] for s in sheets], dtype=float)
    expected = [weighted_total(rubric, s) for s in sheets]
    assert weighted_totals(rubric, codes, values) == pytest.approx(expected)


def test_sheet_under_a_threshold_is_flagged():
    assert below_thresholds(make_rubric(), {"impact": 3, "team": 1}) == ["impact"]
    assert below_thresholds(make_rubric(), {"impact": 4, "team": 1}) == []


def test_total_range_is_the_weighted_range_of_counted_criteria():
    assert total_range(make_rubric()) == pytest.approx(((3 * 1 + 0 + 2 * 1) / 6, (30 + 5 + 10) / 6))


def test_rubric_problems_are_named():
    bad = Rubric(
        "bad",
        {},
        (
            Criterion("a", {}, min=5, max=1),
            Criterion("a", {}, weight=-1),
            Criterion("b", {}, threshold=9),
        ),
    )
    assert rubric_problems(bad) == [
        "a: max 1 must be above min 5",
        "a: duplicate criterion code",
        "a: weight -1 must be a non-negative number",
        "b: threshold 9 lies off the scale",
    ]


def weights(*values):
    return Rubric(
        name="w", label={}, criteria=tuple(Criterion(f"c{i}", {}, weight=w) for i, w in enumerate(values))
    )


def test_weights_summing_to_100_need_no_remark():
    assert weight_remarks(weights(30, 20, 20, 15, 15)) == (None, [])


def test_weights_not_summing_to_100_are_shares_and_the_note_says_so():
    note, warnings = weight_remarks(weights(3, 1))
    assert note == (
        "the weights of the counted criteria sum to 4, not 100; each counts as its share: c0 3 (75.0%), c1 1 (25.0%)"
    )
    assert warnings == []
    assert weight_shares(weights(3, 1)) == {"c0": 0.75, "c1": 0.25}


def test_a_weight_with_a_digit_too_many_is_named():
    _, warnings = weight_remarks(weights(30, 20, 20, 15, 150))
    assert warnings == ["weight 150 of c4 looks like a typo: with 15 the weights would sum to 100"]
    _, warnings = weight_remarks(weights(30, 20, 20, 1.5, 15))
    assert warnings == ["weight 1.5 of c3 looks like a typo: with 15 the weights would sum to 100"]


def test_a_weight_that_dwarfs_the_others_is_named_even_off_a_scale_of_100():
    _, warnings = weight_remarks(weights(3, 2, 2, 1.5, 15))
    assert warnings == [
        "weight 15 of c4 is 7.5× the median of the others (2) and outweighs them all together: a typo?"
    ]
    assert weight_remarks(weights(2, 2, 3, 1, 1))[1] == []  # unequal but plausible


def test_uncounted_criteria_do_not_weigh():
    rubric = make_rubric()  # impact 3, team 1, fit 2 (optional), notes 5 (not counted)
    assert weight_shares(rubric) == pytest.approx({"impact": 0.5, "team": 1 / 6, "fit": 1 / 3})
