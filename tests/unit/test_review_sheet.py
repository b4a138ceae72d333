"""The scoring form's criteria as the review page prints them: worked out in the service, not the template."""

from __future__ import annotations

from core.judging.review_sheet import criterion_fields, rubric_wordings
from core.judging.sheet_merge import ReviewInput
from core.platform import i18n
from scoring.rubric import Anchor, Criterion, Rubric

RUBRIC = Rubric(name="r", label={"en": "R"}, criteria=(
    Criterion(code="IMP", label={"en": "Impact", "it": "Impatto"}, weight=3,
              anchors=(Anchor(1, {"en": "weak", "it": "debole"}), Anchor(5, {"en": "top"}))),
    Criterion(code="INN", label={"en": "Innovation"}, weight=1, min=0, max=100, step=0.5, threshold=40.5,
              anchors=(Anchor(0, {"en": "none"}), Anchor(1000.5, {"en": "far"}))),
    Criterion(code="NOTE", label={"en": "Note"}, weight=2, counted=False),
))


def test_weights_are_shares_of_the_counted_criteria_and_short_whole_scales_are_points():
    with i18n.language("en"):
        imp, inn, note = criterion_fields(RUBRIC, values={"IMP": 4.0, "INN": 62.5}, comments={"IMP": "good"})
    assert (imp.note, inn.note, note.data_weight) == ("weight 75%", "weight 25%; minimum 40.5", 0)
    assert note.note == "not counted in the total"
    assert [p.value for p in imp.points] == [1, 2, 3, 4, 5]
    assert [p.value for p in imp.points if p.value == imp.checked] == [4]
    assert [p.anchor for p in imp.points] == ["weak", None, None, None, "top"]
    assert imp.anchors == ()  # a row of points carries its anchors itself
    assert (imp.stored_text, imp.comment, imp.stored_comment) == ("4", "good", "good")
    assert inn.points == () and (inn.low_text, inn.high_text, inn.step_text) == ("0", "100", "0.5")
    assert (inn.value_text, inn.stored_text, inn.range_label) == ("62.5", "62.5", "Score from 0 to 100")
    assert [(a.value, a.label) for a in inn.anchors] == [("0", "none"), ("1,000.5", "far")]
    assert note.value_text == note.stored_text == "" and note.checked is None


def test_words_are_in_the_readers_language():
    with i18n.language("it"):
        imp, inn, _note = criterion_fields(RUBRIC, values={}, comments={})
    assert (imp.name, imp.points[0].anchor, imp.points[4].anchor) == ("Impatto", "debole", "top")
    assert (imp.note, inn.note) == ("peso 75%", "peso 25%; minimo 40,5")
    assert inn.range_label == "Punteggio da 0 a 100" and inn.anchors[1].value == "1.000,5"


def test_a_refused_save_shows_what_was_typed_and_keeps_the_stored_values_for_the_merge():
    typed = ReviewInput(values={"IMP": "2", "INN": ""}, comments={"IMP": "typed"})
    imp, inn, _note = criterion_fields(RUBRIC, values={"IMP": 4.0, "INN": 62.5}, comments={"IMP": "good"},
                                       typed=typed)
    assert [p.value for p in imp.points if p.value == imp.checked] == [2]
    assert (imp.stored_text, imp.comment, imp.stored_comment) == ("4", "typed", "good")
    assert (inn.value_text, inn.stored_text) == ("", "62.5")


def test_no_counted_weight_gives_no_share():
    only = Rubric(name="r", label={}, criteria=(Criterion(code="A", label={}, counted=False),))
    with i18n.language("en"):
        assert criterion_fields(only, values={}, comments={})[0].note == "not counted in the total"
    counted = Rubric(name="r", label={}, criteria=(Criterion(code="A", label={}, weight=0),))
    with i18n.language("en"):
        assert criterion_fields(counted, values={}, comments={})[0].note == "weight 0%"


def test_a_rubrics_words_are_worked_out_once_per_rubric_and_language():
    with i18n.language("en"):
        first, again = rubric_wordings(RUBRIC), rubric_wordings(RUBRIC)
    with i18n.language("it"):
        italian = rubric_wordings(RUBRIC)
    copy = Rubric(name=RUBRIC.name, label=RUBRIC.label, criteria=RUBRIC.criteria)
    with i18n.language("en"):
        of_the_copy = rubric_wordings(copy)
    assert first is again and italian is not first
    assert (first[0].name, italian[0].name) == ("Impact", "Impatto")
    assert of_the_copy is not first and of_the_copy == first  # another rubric object: worked out for itself
