"""Numbers, codes and audit events as a reader sees them, in Italian and in English (issue 16, points 4–6)."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from core.editions.audit_sentences import SENTENCES, describe
from core.editions.names import EditionNames
from core.platform import i18n
from web.labels import GLOSSARY
from web.templating import build_environment

NAMES = EditionNames(labels={
    "track": {"AGR": {"it": "Agricoltura sociale", "en": "Social agriculture"}},
    "area": {"SUD": {"it": "Sud e Isole", "en": "South and Islands"}},
    "round": {"R1": {"it": "Giuria online", "en": "Online jury"}},
    "criterion": {"IMP": {"it": "Impatto sociale", "en": "Social impact"}},
})


@pytest.mark.parametrize(("language", "expected"), [
    ("it", ["4,67", "+0,125", "-0,50", "3,5", "20.000", "12%", "1,25%", "20.000\xa0€", "15 dicembre 2026"]),
    ("en", ["4.67", "+0.125", "-0.50", "3.5", "20,000", "12%", "1.25%", "€20,000", "December 15, 2026"]),
])
def test_numbers_money_and_dates_follow_the_readers_language(language, expected):
    with i18n.language(language):
        shown = [i18n.format_decimal(4.6666), i18n.format_decimal(0.125, 3, signed=True),
                 i18n.format_decimal(-0.5, signed=True), i18n.format_number(3.5), i18n.format_number(20000),
                 i18n.format_percent(0.12), i18n.format_percent(0.0125, 2), i18n.format_money(Decimal("20000")),
                 i18n.format_day(datetime(2026, 12, 15, 12, tzinfo=UTC))]
    assert shown == expected


def test_empty_values_print_nothing():
    assert (i18n.format_decimal(None), i18n.format_number(None), i18n.format_percent(None)) == ("", "", "")


def test_templates_format_through_the_filters_and_name_codes_through_the_edition():
    environment = build_environment()
    template = environment.from_string(
        '{{ v.score | decimal }}|{{ v.share | percent }}|{{ v.half | number }}|{{ v.gap | signed }}|'
        '{{ v.track | code_label("track", names) }}|{{ v.tracks | code_labels("track", names) | join(", ") }}|'
        '{{ v.quota | code_counts("area", names) }}|{{ v.unit | unit }}|'
        '{{ ngettext("one mentor", "{count} mentors", 1).format(count=1) }}|'
        '{{ pgettext("the decision proposed for an entry", "Proposal") }}|{{ _("Entry") }}')
    # Values come from variables, as in pages: Jinja would fold a filter on a constant once, at compile time.
    values = {"score": 4.666, "share": 0.3, "half": 2.5, "gap": -0.25, "track": "AGR", "tracks": ["AGR", "XYZ"],
              "quota": {"SUD": 3}, "unit": "FTE"}
    with i18n.language("it"):
        italian = template.render(names=NAMES, v=values).split("|")
    with i18n.language("en"):
        english = template.render(names=NAMES, v=values).split("|")
    assert italian[:8] == ["4,67", "30%", "2,5", "-0,25", "Agricoltura sociale", "Agricoltura sociale, XYZ",
                           "Sud e Isole 3", "ETP"]
    assert english[:8] == ["4.67", "30%", "2.5", "-0.25", "Social agriculture", "Social agriculture, XYZ",
                           "South and Islands 3", "FTE"]
    assert english[8] == "one mentor"
    # One English word, two Italian ones: the proposed decision is not the entry.
    assert english[9:] == ["Proposal", "Entry"]
    assert italian[9] != italian[10] and italian[10] == "Proposta"


def test_an_admissibility_event_reads_as_a_sentence_with_labelled_fields():
    event = {"action": "application.admissibility", "actor": "Anna Rossi", "subject_type": "application",
             "subject_id": "12", "data": {"from": "submitted", "to": "admissible", "reason": ""}}
    with i18n.language("en"):
        english = describe(**event, names=NAMES)
    with i18n.language("it"):
        italian = describe(**event, names=NAMES)
    assert english.sentence == "Anna Rossi marked application 12 admissible"
    assert english.fields == (("From", "Submitted"), ("To", "admissible"), ("Reason", "–"))
    assert italian.sentence == "Anna Rossi ha segnato la candidatura 12 come ammessa"
    assert italian.fields == (("Dal", "Inviata"), ("A", "ammessa"), ("Motivo", "–"))


def test_codes_and_moments_in_event_data_are_named():
    event = {"action": "round.entries_moved_in", "actor": "", "subject_type": "round", "subject_id": "3",
             "data": {"round": "R1", "to": "in_round", "entries": [1, 2],
                      "opens_at": "2026-05-01T10:00:00+02:00", "total": 4.5}}
    with i18n.language("it"):
        words = describe(**event, names=NAMES)
    assert words.sentence == "La piattaforma ha fatto entrare delle proposte: la fase Giuria online"
    assert dict(words.fields) == {"Fase": "Giuria online", "A": "In valutazione", "Proposte": "1, 2",
                                  "Apre": "1 maggio 2026, 10:00", "Totale": "4,5"}


def test_every_sentence_names_its_actor_and_translates():
    """Each sentence starts from who did it, and the Italian one keeps its placeholders."""
    with i18n.language("it"):
        for action, sentence in SENTENCES.items():
            assert sentence.startswith("{actor} "), action
            italian = i18n.gettext(sentence)
            assert italian != sentence and "{actor}" in italian, action


def test_an_action_without_a_sentence_still_reads_as_one():
    with i18n.language("en"):
        words = describe(action="something.new", actor="Anna Rossi", subject_type="application", subject_id="3",
                         data={})
    assert words.sentence == "Anna Rossi: something.new on application 3"


def test_every_glossary_word_is_explained_in_both_languages():
    assert set(GLOSSARY) == {"affinity", "bound", "gap", "icc", "alpha", "p_top", "interval", "component"}
    with i18n.language("it"):
        for term, text in GLOSSARY.items():
            assert i18n.gettext(text) != text, term


def test_every_explanation_renders_beside_its_word_in_both_languages():
    """Rendered as pages render it: Jinja's gettext formats with %, so a bare per-cent sign would fail here."""
    template = build_environment().get_template("_explain.html")
    for language, summary in (("en", "What does this mean?"), ("it", "Che cosa significa?")):
        with i18n.language(language):
            for term, text in GLOSSARY.items():
                html = template.module.explain(term)
                assert f"<summary>{summary}</summary>" in html and i18n.gettext(text)[:20] in html, term
