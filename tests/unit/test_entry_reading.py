"""An entry's answers in words, as the juror's pages print them: worked out in the service, not the template."""

from __future__ import annotations

from core.editions.schema import ChoiceSpec, ColumnSpec, QuestionSpec, SectionSpec
from core.judging.entry_reading import UNANSWERED, answer_sections, file_labels
from core.platform import i18n

SECTIONS = [
    SectionSpec(code="who", title={"en": "Who", "it": "Chi"}, questions=[
        QuestionSpec(code="form", type="single_choice", label={"en": "Legal form", "it": "Forma giuridica"},
                     choices=[ChoiceSpec(code="aps", label={"en": "Association", "it": "Associazione"}),
                              ChoiceSpec(code="srl", label={"en": "Company"})]),
        QuestionSpec(code="areas", type="multiple_choice", label={"en": "Areas"},
                     choices=[ChoiceSpec(code="a", label={"en": "Care"}), ChoiceSpec(code="b", label={"en": "Farming"}),
                              ChoiceSpec(code="c", label={"en": "Culture"})]),
        QuestionSpec(code="trained", type="yes_no", label={"en": "Training done"}),
        QuestionSpec(code="deck", type="file", label={"en": "Pitch deck", "it": "Presentazione"}),
    ]),
    SectionSpec(code="empty", title={"en": "Nothing"}, questions=[]),
    SectionSpec(code="plan", title={"en": "Plan"}, questions=[
        QuestionSpec(code="story", type="long_text", label={"en": "Story"}),
        QuestionSpec(code="budget", type="table", label={"en": "Budget"},
                     columns=[ColumnSpec(code="item", label={"en": "Item"}),
                              ColumnSpec(code="eur", label={"en": "Euro"}, type="number")]),
        QuestionSpec(code="jobs", type="number", label={"en": "Jobs"}),
        QuestionSpec(code="site", type="short_text", label={"en": "Website"}),
    ]),
]
ANSWERS = {"form": "aps", "areas": ["c", "a"], "trained": False, "story": "We grow <tomatoes>.",
           "budget": [{"item": "Seeds", "eur": 1200}, {"item": "Tools", "eur": None}], "jobs": 3, "site": ""}


def test_every_question_but_files_reads_as_words_in_the_form_order():
    with i18n.language("en"):
        who, plan = answer_sections(SECTIONS, ANSWERS)
    assert (who.title, plan.title) == ("Who", "Plan")  # a section without questions is left out
    assert [(row.label, row.text) for row in who.rows] == [
        ("Legal form", "Association"), ("Areas", "Care, Culture"), ("Training done", "No")]
    story, budget, jobs, site = plan.rows
    assert story.long and story.text == "We grow <tomatoes>."  # escaped by the template, never here
    assert budget.columns == ("Item", "Euro") and budget.cells == (("Seeds", "1200"), ("Tools", ""))
    assert (jobs.text, jobs.long) == ("3", False)
    assert site.text == UNANSWERED and not site.columns


def test_choices_and_yes_no_follow_the_readers_language():
    with i18n.language("it"):
        who, _plan = answer_sections(SECTIONS, {**ANSWERS, "trained": True, "form": "srl"})
        labels = file_labels(SECTIONS)
    assert (who.rows[0].label, who.rows[0].text) == ("Forma giuridica", "Company")  # no Italian: English
    assert who.rows[2].text == "Sì" and labels == {"deck": "Presentazione"}


def test_unanswered_and_hidden_questions_read_as_a_dash():
    with i18n.language("en"):
        who, plan = answer_sections(SECTIONS, {"areas": []})
    assert {row.text for row in who.rows} | {row.text for row in plan.rows} == {UNANSWERED}
