"""The scoring form's criteria as the review page prints them: worked out in the service, not the template."""

from __future__ import annotations

from core.judging.review_sheet import criterion_fields
from core.judging.sheet_merge import ReviewInput
from scoring.rubric import Anchor, Criterion, Rubric

RUBRIC = Rubric(name="r", label={"en": "R"}, criteria=(
    Criterion(code="IMP", label={"en": "Impact"}, weight=3,
              anchors=(Anchor(1, {"en": "weak"}), Anchor(5, {"en": "top"}))),
    Criterion(code="INN", label={"en": "Innovation"}, weight=1, min=0, max=100, step=0.5, threshold=40),
    Criterion(code="NOTE", label={"en": "Note"}, weight=2, counted=False),
))


def test_weights_are_shares_of_the_counted_criteria_and_short_whole_scales_are_points():
    imp, inn, note = criterion_fields(RUBRIC, values={"IMP": 4.0, "INN": 62.5}, comments={"IMP": "good"})
    assert (imp.weight_percent, inn.weight_percent, note.data_weight) == (75, 25, 0)
    assert [p.value for p in imp.points] == [1, 2, 3, 4, 5]
    assert [p.value for p in imp.points if p.checked] == [4]
    assert [p.anchor for p in imp.points] == [{"en": "weak"}, None, None, None, {"en": "top"}]
    assert (imp.stored_text, imp.comment, imp.stored_comment) == ("4", "good", "good")
    assert inn.points == () and (inn.low_text, inn.high_text, inn.step_text) == ("0", "100", "0.5")
    assert (inn.value_text, inn.stored_text, inn.threshold) == ("62.5", "62.5", 40)
    assert note.value_text == note.stored_text == "" and not any(p.checked for p in note.points)


def test_a_refused_save_shows_what_was_typed_and_keeps_the_stored_values_for_the_merge():
    typed = ReviewInput(values={"IMP": "2", "INN": ""}, comments={"IMP": "typed"})
    imp, inn, _note = criterion_fields(RUBRIC, values={"IMP": 4.0, "INN": 62.5}, comments={"IMP": "good"},
                                       typed=typed)
    assert [p.value for p in imp.points if p.checked] == [2]
    assert (imp.stored_text, imp.comment, imp.stored_comment) == ("4", "typed", "good")
    assert (inn.value_text, inn.stored_text) == ("", "62.5")


def test_no_counted_weight_gives_no_share():
    only = Rubric(name="r", label={}, criteria=(Criterion(code="A", label={}, counted=False),))
    assert criterion_fields(only, values={}, comments={})[0].weight_percent == 0
