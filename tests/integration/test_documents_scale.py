"""The organiser's documents of a large edition, read back: the verbale's chart pages hold every entry, above the
footer; Italian headers keep their words whole; decisions come by outcome, then rank. On both engines."""

from __future__ import annotations

import csv
import io
import math
import os
import random
import re
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from openpyxl import load_workbook
from pypdf import PdfReader

from core.applications import lifecycle
from core.platform.documents import charts
from core.platform.tables import Account
from core.results import exports
from plugins.rubrics.welfare import SCREENING
from scoring.rubric import weighted_total
from tests.conftest import run
from tests.factories import SLUG, account, application, assignment, decision, example_edition, review, set_round, user

CODES = ("IMP", "INN", "SOS", "TEA", "RET")
TRACKS = ("AGR", "PAT", "WCI", "SPW")
ENTRIES = 156
TOP = 12
MM = 72 / 25.4  # PDF points per millimetre


def make_large_call(n: int = ENTRIES) -> tuple[int, dict[int, str]]:
    """An edition of `n` entries, each reviewed by three of eight jurors, with a decision on every entry."""
    edition = example_edition()
    round_id = edition.rounds["R1"]
    account("olga@foundation.example", role="organiser", locale="en", display_name="Olga")
    jurors = [account(f"juror{j}@jury.example", role="juror", display_name=f"Juror {j}") for j in range(8)]
    rng = random.Random(7)
    names, now = {}, datetime.now(UTC)
    for i in range(n):
        name = f"Cooperativa sociale Numero {i:03d}"
        owner = account(f"applicant{i}@entity.example", display_name=f"Owner {i}")
        entry = application(edition, owner=owner, track=TRACKS[i % 4], entity_name=name, title=f"Progetto {i:03d}",
                            receipt_number=f"R-{i}", submitted_at=now)
        names[entry] = name
        quality = rng.uniform(2.2, 4.8)
        for j in rng.sample(range(8), 3):
            sheet = {code: float(min(5, max(3 if code == "IMP" else 1, round(quality + rng.uniform(-0.8, 0.8)))))
                     for code in CODES}
            review(assignment(round_id, entry, jurors[j]), sheet, total=weighted_total(SCREENING, sheet),
                   submitted_at=now)
        outcome = (lifecycle.FINALIST, lifecycle.NOT_ADVANCED, lifecycle.ADVANCED)[i % 3]
        decision(round_id, entry, outcome, reason=f"reason-{i:03d}")
    return round_id, names


def verbale(settings, language: str) -> bytes:
    organiser = user(run(Account.select(Account.id).where(Account.email == "olga@foundation.example").first())["id"])
    built = run(exports.build_export(actor=organiser, edition_slug=SLUG, what="verbale", fmt="pdf", round_code="R1",
                                     language=language, settings=replace(settings, large_round_reviews=10**6)))
    try:
        content = built.path.read_bytes()
    finally:
        built.path.unlink()
    if os.environ.get("GIURIA_KEEP_DOCUMENTS"):  # to look at them: pdftoppm -r 60 -png
        Path(os.environ["GIURIA_KEEP_DOCUMENTS"], f"verbale-{language}.pdf").write_bytes(content)
    return content


def texts_with_heights(page) -> list[tuple[str, float]]:
    """Each piece of text on the page with its height above the page's bottom edge, in points."""
    found: list[tuple[str, float]] = []

    def visit(text, cm, tm, _font, _size):
        if text.strip():
            # The text matrix times the current transformation: the glyphs' origin on the page.
            found.append((text.strip(), tm[4] * cm[1] + tm[5] * cm[3] + cm[5]))

    page.extract_text(visitor_text=visit)
    return found


def test_the_verbale_of_a_large_round_charts_every_entry_on_pages_above_the_footer(settings):
    round_id, names = make_large_call()
    set_round(round_id, advancement={"top_n": TOP})
    reader = PdfReader(io.BytesIO(verbale(settings, "en")))
    pages = [page.extract_text() for page in reader.pages]
    chart_pages = [i for i, text in enumerate(pages) if "Calibrated scores with their intervals" in text]
    expected_pages = math.ceil(ENTRIES / charts.INTERVAL_ROWS_PER_PAGE)
    assert len(chart_pages) == expected_pages
    for k, index in enumerate(chart_pages, start=1):
        assert f"Calibrated scores with their intervals ({k}/{expected_pages})" in pages[index]
        assert "Score" in pages[index]  # the axis has its label
    charted = " ".join(pages[i] for i in chart_pages)
    labels = re.findall(r"(\d+)\. (Cooperativa sociale Numero \d{3})", charted)
    assert sorted(name for _rank, name in labels) == sorted(names.values())
    assert sorted(int(rank) for rank, _name in labels) == list(range(1, ENTRIES + 1))
    # Nothing but the footer below the bottom margin (18 mm), and the footer alone under 14 mm.
    for index, page in enumerate(reader.pages):
        for text, height in texts_with_heights(page):
            if text.startswith("Giuria ·") or re.fullmatch(r"\d+/\d+", text):
                assert height < 14 * MM, (index, text, height)
            else:
                assert height > 18 * MM, (index, text, height)


def test_the_italian_verbale_keeps_header_words_whole_and_lists_decisions_by_outcome_then_rank(settings):
    make_large_call(40)
    reader = PdfReader(io.BytesIO(verbale(settings, "it")))
    lines = [line for page in reader.pages for line in page.extract_text().splitlines()]
    text = "\n".join(lines)
    # Every header word of the two tables is printed whole on some line, never cut into pieces.
    for word in ("Posizione", "Ente", "Progetto", "Ambito", "Punteggio", "Intervallo", "Posizioni", "Esito",
                 "Motivo"):
        if word in text.replace("\n", ""):
            assert re.search(rf"\b{word}\b", text), word
    for piece in ("Punteg\n", "Interval\n", "Posizio\n"):
        assert piece not in text
    assert re.search(r"\d,\d\d", text) and not re.search(r"\b\d\.\d\d\b", text)  # decimals with a comma
    reasons = [int(n) for n in re.findall(r"reason-(\d{3})", text)]
    assert sorted(reasons) == list(range(40))
    outcomes = {i: (lifecycle.FINALIST, lifecycle.NOT_ADVANCED, lifecycle.ADVANCED)[i % 3] for i in range(40)}
    order = [exports.OUTCOME_ORDER.index(outcomes[i]) for i in reasons]
    assert order == sorted(order)
    ranking = re.findall(r"^(\d+) (Cooperativa sociale Numero (\d{3}))", text, flags=re.MULTILINE)
    rank_of = {int(number): int(rank) for rank, _name, number in ranking}
    for group in set(order):
        ranks = [rank_of[i] for i in reasons if exports.OUTCOME_ORDER.index(outcomes[i]) == group]
        assert ranks == sorted(ranks)


def export(settings, what: str, fmt: str, language: str, round_code: str | None = None) -> bytes:
    organiser = user(run(Account.select(Account.id).where(Account.email == "olga@foundation.example").first())["id"])
    built = run(exports.build_export(actor=organiser, edition_slug=SLUG, what=what, fmt=fmt, round_code=round_code,
                                     language=language, settings=replace(settings, large_round_reviews=10**6)))
    try:
        return built.path.read_bytes()
    finally:
        built.path.unlink()


def test_the_applications_export_carries_every_answer_and_labels_beside_codes(settings):
    edition = example_edition()
    account("olga@foundation.example", role="organiser", locale="en", display_name="Olga")
    owner = account("coop@entity.example", display_name="Coop")
    entry = application(edition, owner=owner, track="AGR", area="NORD", status=lifecycle.FINALIST,
                        entity_name="Orti Solidali", title="Orti in città", legal_form="aps",
                        submitted_at=datetime(2026, 4, 30, 10, tzinfo=UTC), answers={"values": {
                            "stage": "prototype", "training_completed": True, "jobs_planned": 3.5,
                            "abstract": "Orti condivisi nei quartieri",
                            "members": [{"name": "Anna Verdi", "role": "Presidente", "age": 41}],
                            "contact_email": "anna@orti.example"}})
    rows = list(csv.reader(io.StringIO(export(settings, "applications", "csv", "it").decode("utf-8-sig"))))
    header, row = rows[0], dict(zip(rows[0], rows[1], strict=True))
    assert header[:4] == ["ID", "Ricevuta", "Ente", "Progetto"]
    assert row["ID"] == str(entry)
    # Labels in the reader's language beside the codes.
    assert (row["Ambito"], row["Codice ambito"]) == ("Agricoltura sociale", "AGR")
    assert (row["Stato"], row["Codice stato"]) == ("Finalista", "finalist")
    assert (row["Forma giuridica"], row["Codice forma giuridica"]) == (
        "Associazione di promozione sociale (APS)", "aps")
    # One column per question of the form, headed by its label; choices read by label with the code beside.
    assert row["Stadio di sviluppo"] == "Prototipo" and row["Stadio di sviluppo – Codice"] == "prototype"
    assert row["Il team ha completato il percorso e-learning obbligatorio"] == "Sì"
    assert row["Sintesi"] == "Orti condivisi nei quartieri"
    assert row["Componenti del team"] == "Nome e cognome: Anna Verdi; Ruolo: Presidente; Età: 41"
    assert row["Email del referente"] == "anna@orti.example"
    assert "Pitch deck" not in " ".join(header)  # files are not table cells
    book = load_workbook(io.BytesIO(export(settings, "applications", "xlsx", "en")))
    sheet = book.active
    header = [c.value for c in sheet[1]]
    values = dict(zip(header, [c.value for c in sheet[2]], strict=True))
    assert (values["Track"], values["Track code"], values["Status"]) == ("Social agriculture", "AGR", "Finalist")
    assert values["Stage"] == "Prototype" and values["Planned jobs (FTE)"] == 3.5  # a number stays a number


def test_the_rankings_workbook_carries_its_chart(settings):
    make_large_call(40)
    book = load_workbook(io.BytesIO(export(settings, "rankings", "xlsx", "it", "R1")))
    sheet = book.active
    assert len(sheet._charts) == 1
    chart = sheet._charts[0]
    assert chart.title.tx.rich.p[0].r[0].t == "Punteggi calibrati, dal migliore"
    assert [c.value for c in sheet[1]][2:8] == ["Ente", "Progetto", "Ambito", "Codice ambito", "Area",
                                                 "Codice area"]
    header = [c.value for c in sheet[1]]
    assert header[8] == "Punteggio"
    scores = [row[8] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert len(scores) == 40 and all(isinstance(s, float) for s in scores)  # numbers, shown by the reader's locale
    reference = chart.series[0].val.numRef.f
    assert reference.endswith("$I$2:$I$41"), reference
    assert (chart.series[0].cat.strRef or chart.series[0].cat.numRef).f.endswith("$C$2:$C$41")  # by entity
