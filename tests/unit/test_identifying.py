"""Identifying strings in free text: the applicant's own names and codes in any spelling, and anything that
looks like an address, a phone number or a tax code; redaction replaces exactly those spans."""

from __future__ import annotations

import pytest

from core.platform.identifying import MASK, Identity, find_identifying, normalise, redact, segments

ORTI = Identity(
    entity_names=("Cooperativa Sociale Orti Segreti S.r.l.",),
    people=("Mario Rossi", "Giulia Bianchi"),
    emails=("mario.rossi@ortisegreti.it",),
    tax_codes=("01234567897",),
    web=("https://www.ortisegreti.it/chi-siamo",),
)


def found(text: str, identity: Identity = ORTI) -> list[tuple[str, str]]:
    return [(hit.text, hit.kind) for hit in find_identifying(text, identity)]


@pytest.mark.parametrize(("text", "expected"), [
    ("Noi di Orti Segreti srl coltiviamo.", [("Orti Segreti srl", "entity")]),
    ("La cooperativa sociale ORTI SEGRETI è nata nel 2019.", [("cooperativa sociale ORTI SEGRETI", "entity")]),
    ("Òrti Segrèti, s.r.l., impresa sociale", [("Òrti Segrèti, s.r.l., impresa sociale", "entity")]),
    ("Orti-Segreti e OrtiSegreti", [("Orti-Segreti", "entity"), ("OrtiSegreti", "entity")]),
    ("Cooperativa Sociale Orti Segreti S.r.l. Onlus", [("Cooperativa Sociale Orti Segreti S.r.l. Onlus", "entity")]),
], ids=["srl", "legal-form-before", "accents-and-dots", "no-space", "full-name"])
def test_the_entity_is_found_in_any_spelling_with_its_legal_forms(text, expected):
    assert found(text) == expected


def test_a_word_that_merely_contains_the_name_is_not_the_name():
    assert found("Gli ortisegretissimi e i portisegreti") == []


@pytest.mark.parametrize(("text", "expected"), [
    ("Il fondatore Mario Rossi", [("Mario Rossi", "person")]),
    ("Rossi Mario, presidente", [("Rossi Mario", "person")]),
    ("la dott.ssa G. Bianchi", [("G. Bianchi", "person")]),
    ("Ne parla Bianchi.", [("Bianchi", "person")]),
    ("tovaglie bianchi e rosse", []),  # a surname alone counts only where written as a name
])
def test_team_members_are_found_by_full_name_initial_or_surname(text, expected):
    assert found(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("Scriveteci a mario.rossi@ortisegreti.it.", [("mario.rossi@ortisegreti.it", "email")]),
    ("oppure info [at] altro-dominio.org", [("info [at] altro-dominio.org", "email")]),
    ("Tel. +39 02 1234 5678", [("+39 02 1234 5678", "phone")]),
    ("cell 333 1234567", [("333 1234567", "phone")]),
    ("0039 06 12345678", [("0039 06 12345678", "phone")]),
    ("Sito www.ortisegreti.it/progetti", [("www.ortisegreti.it/progetti", "web")]),
    ("vedi https://esempio.org/a?b=1", [("https://esempio.org/a?b=1", "web")]),
    ("il nostro dominio ortisegreti.it", [("ortisegreti.it", "web")]),
    ("seguici su instagram.com/ortisegreti e @orti_segreti", [("instagram.com/ortisegreti", "social"),
                                                             ("@orti_segreti", "social")]),
    ("P.IVA 012 345 67897", [("012 345 67897", "tax_code")]),
    ("CF RSSMRA80A01F205X", [("RSSMRA80A01F205X", "tax_code")]),
    ("partita IVA IT 12345678903", [("IT 12345678903", "tax_code")]),
], ids=["email", "email-at", "phone-intl", "mobile", "phone-00", "site", "url", "domain", "social", "piva-own",
        "codice-fiscale", "piva-valid"])
def test_addresses_numbers_and_tax_codes_are_found(text, expected):
    assert found(text) == expected


@pytest.mark.parametrize("text", [
    "Budget di 300.000.000 euro entro il 31/12/2025.",
    "Coinvolgiamo 1.500 beneficiari in 12 comuni dal 2020-2025.",
    "Un numero di 11 cifre che non è una partita IVA: 12345678901.",
    "Abbiamo 3 sedi, 45 dipendenti e il 30% di donne.",
    "Il file report.pdf e la v2.0 del prototipo.",
])
def test_ordinary_numbers_and_words_are_not_suggested(text):
    assert found(text, Identity()) == []


def test_hits_never_overlap_and_the_longest_wins():
    hits = find_identifying("Scrivi a mario.rossi@ortisegreti.it oggi", ORTI)
    assert [(h.text, h.kind) for h in hits] == [("mario.rossi@ortisegreti.it", "email")]


def test_redaction_masks_exactly_the_hits_and_keeps_the_rest():
    text = "Orti Segreti srl (tel. 333 1234567) cerca volontari."
    hits = find_identifying(text, ORTI)
    assert redact(text, hits) == f"{MASK} (tel. {MASK}) cerca volontari."
    assert redact(text, []) == text
    assert "".join(part for part, _hit in segments(text, hits)) == text


def test_one_key_for_the_same_words_in_any_case_or_accent():
    first, second = find_identifying("ORTI SEGRETI e òrti segrèti", ORTI)
    assert first.key == second.key == normalise("Orti Segreti")


def test_a_long_text_is_searched_quickly():
    import time

    text = ("Un progetto di agricoltura sociale che coinvolge giovani e anziani del quartiere. " * 400)
    started = time.perf_counter()
    assert find_identifying(text, ORTI) == []
    assert time.perf_counter() - started < 1.0
