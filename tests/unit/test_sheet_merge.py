"""The three-way merge of a score sheet: the form's starting point, what it sent, what is stored now."""

from core.judging.sheet_merge import ReviewInput, merge_sheet, parse_value
from core.platform import i18n
from scoring.rubric import Criterion, Rubric

RUBRIC = Rubric(name="t", label={}, criteria=(
    Criterion(code="IMP", label={}), Criterion(code="INN", label={}), Criterion(code="HALF", label={}, step=0.5)))


def merge(stored, stored_comments=None, **sent):
    return merge_sheet(RUBRIC, stored_values=stored, stored_comments=stored_comments or {}, sent=ReviewInput(**sent))


def test_a_first_save_takes_every_value_sent():
    merged = merge({}, values={"IMP": "4", "INN": "", "HALF": "3,5"})
    assert merged.values == {"IMP": 4.0, "INN": None, "HALF": 3.5}
    assert (merged.errors, merged.conflicts) == ({}, {})
    assert sorted(merged.changed({}, {})) == ["HALF", "IMP"]


def test_only_what_this_form_changed_is_applied_and_another_tabs_save_stands():
    stored = {"IMP": 4.0, "INN": 2.0}  # INN was saved to 2 in another tab after this form opened at 3
    merged = merge(stored, values={"IMP": "5", "INN": "3"}, original_values={"IMP": "4", "INN": "3"})
    assert merged.values == {"IMP": 5.0, "INN": 2.0}
    assert merged.conflicts == {}
    assert merged.changed(stored, {}) == ["IMP"]


def test_a_value_changed_here_and_elsewhere_keeps_the_stored_one_and_is_reported():
    stored = {"IMP": 2.0}
    merged = merge(stored, values={"IMP": "5"}, original_values={"IMP": "4"}, comments={"IMP": "mine"},
                   original_comments={"IMP": ""})
    assert merged.values == {"IMP": 2.0}
    assert merged.conflicts == {"IMP": 2.0}
    assert merged.comments == {}  # the comment of a criterion in conflict is left alone too
    assert merged.changed(stored, {}) == []


def test_the_same_change_made_in_two_places_is_no_conflict():
    merged = merge({"IMP": 5.0}, values={"IMP": "5"}, original_values={"IMP": "4"})
    assert merged.values == {"IMP": 5.0} and merged.conflicts == {}


def test_refused_values_are_reported_by_criterion_and_leave_the_stored_value():
    stored = {"IMP": 3.0, "HALF": 3.0}
    with i18n.language("en"):
        merged = merge(stored, values={"IMP": "tre", "INN": "9", "HALF": "3.2"},
                       original_values={"IMP": "3", "HALF": "3"})
    assert merged.errors == {"IMP": "Enter a number.", "INN": "Give a score from 1 to 5 in steps of 1.",
                             "HALF": "Give a score from 1 to 5 in steps of 0.5."}
    assert merged.values == stored


def test_comments_merge_on_their_own_and_conflict_only_when_both_sides_changed_them():
    stored_comments = {"IMP": "theirs", "INN": "same"}
    merged = merge({"IMP": 4.0, "INN": 3.0}, stored_comments, comments={"IMP": "mine ", "INN": "new"},
                   original_comments={"IMP": "old", "INN": "same"})
    assert merged.comments == {"IMP": "theirs", "INN": "new"}
    assert merged.conflicts == {"IMP": 4.0}
    assert merged.changed({"IMP": 4.0, "INN": 3.0}, stored_comments) == ["INN"]


def test_criteria_the_rubric_does_not_have_are_ignored():
    merged = merge({}, values={"XYZ": "4"}, comments={"XYZ": "?"})
    assert merged.values == {} and merged.comments == {} and merged.errors == {}


def test_parse_value_reads_a_decimal_comma_and_refuses_what_is_not_a_finite_number():
    assert parse_value(" 3,5 ") == 3.5
    assert parse_value("") is None
    for raw in ("nan", "inf", "x"):
        try:
            parse_value(raw)
        except ValueError:
            continue
        raise AssertionError(raw)
