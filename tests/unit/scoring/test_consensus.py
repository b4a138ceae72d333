import pytest

from scoring.consensus import disagreement_threshold, disagreements
from scoring.rubric import Criterion, Rubric

ONE_TO_FIVE = Rubric(name="r", label={"en": "R"}, criteria=(
    Criterion("a", {"en": "A"}, weight=2, min=1, max=5), Criterion("b", {"en": "B"}, weight=1, min=1, max=5)))
ZERO_TO_TEN = Rubric(name="t", label={"en": "T"}, criteria=(Criterion("a", {"en": "A"}, min=0, max=10),))


def test_the_default_threshold_is_a_quarter_of_the_totals_range():
    assert disagreement_threshold(ONE_TO_FIVE) == pytest.approx(1.0)
    assert disagreement_threshold(ZERO_TO_TEN) == pytest.approx(2.5)
    assert disagreement_threshold(ONE_TO_FIVE, 2) == 2.0
    with pytest.raises(ValueError):
        disagreement_threshold(ONE_TO_FIVE, -1)
    with pytest.raises(ValueError):
        disagreement_threshold(ONE_TO_FIVE, float("nan"))


def test_only_entries_with_two_totals_spread_beyond_the_threshold_disagree():
    totals = {"alone": [1.0], "close": [3.0, 3.9, 3.5], "at": [2.0, 3.0], "far": [1.0, 3.55, 2.0],
              "blank": [None, 1.0, 4.0]}
    assert disagreements(totals, threshold=1.0) == {"far": pytest.approx(2.55), "blank": pytest.approx(3.0)}
    assert disagreements(totals, threshold=3.0) == {}
