"""No CSV the platform writes holds a formula: not at the start of a field, nor after a ';', ',' or tab inside it.

Italian Excel splits a line on ';' whatever the quotes say, so "Impresa;=HYPERLINK(…)" in one quoted field is a
formula in the next column. Each test plants formulas where users can type and parses every CSV that carries them.
"""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from core.editions.competitions import import_competition_text
from core.platform import audit
from core.platform.documents.tabular import csv_field
from core.platform.tables import Edition, Round
from tests import factories
from tests.conftest import run, sign_in
from tests.factories import EXAMPLE, PASSWORD, SLUG, account
from tests.integration import test_results_console as console
from tests.integration import test_sponsors as sponsors

GIURIA = str(Path(sys.executable).with_name("giuria"))
PAYLOADS = ('=HYPERLINK("http://evil.example","x")', "Impresa;=cmd|' /C calc'!A0", "Rossi, +1+1",
            "Bianchi\t@SUM(A1)", "-2+3", "Verdi; -1", "note\n=1+1")
# A formula start at the start of a field or after a separator a spreadsheet may split on, spaces allowed between.
FORMULA = re.compile(r"(?:^|[;,\t\r\n]) *[=+\-@\t\r]")


def formulas_in(text: str) -> list[str]:
    """The fields of `text` (a CSV) that some spreadsheet would read as a formula; numbers are numbers."""
    found = []
    for row in csv.reader(io.StringIO(text.removeprefix("\ufeff"))):
        for field in row:
            try:
                float(field)
            except ValueError:
                if FORMULA.search(field):
                    found.append(field)
    return found


def test_the_one_function_neutralises_every_formula_start():
    assert csv_field('=HYPERLINK("x")') == "'=HYPERLINK(\"x\")"
    assert csv_field("Impresa;=cmd") == "Impresa;'=cmd"
    assert csv_field("a, +1") == "a, '+1" and csv_field("a\t@x") == "a\t'@x" and csv_field("a\n-1") == "a\n'-1"
    assert csv_field("Rossi & Figli s.r.l. 2026-01") == "Rossi & Figli s.r.l. 2026-01"
    assert csv_field(-2.5) == -2.5  # a number is never a formula
    assert all(not formulas_in(csv_field(p)) for p in PAYLOADS)


def test_every_web_export_csv_is_free_of_formulas(client):
    call = console.make_call(advancement={"top_n": 3})
    for entry, payload in zip(call.entries, PAYLOADS, strict=False):
        factories.set_application(entry, entity_name=payload, title=payload, tax_code=payload[:20])
    for juror, payload in zip(call.jurors, PAYLOADS, strict=False):
        factories.renamed_account(juror, payload)
    round_id = run(Round.select(Round.id).where(Round.code == "R1").first())["id"]
    for entry, payload in zip(call.entries, PAYLOADS, strict=False):
        factories.decision(round_id, entry, "advanced", reason=payload, staged_at=datetime.now(UTC))
    console.as_organiser(client)
    base = f"/organise/{console.SLUG}/exports"
    for path in ("applications.csv", "scores-long.csv?round=R1", "scores-wide.csv?round=R1",
                 "rankings.csv?round=R1", "decisions.csv"):
        response = client.get(f"{base}/{path}")
        assert response.status_code == 200, path
        text = response.content.decode("utf-8-sig")
        assert "cmd|" in text, path  # the planted text is there, neutralised
        assert formulas_in(text) == [], path


def test_the_audit_csv_is_free_of_formulas(client):
    run(import_competition_text(EXAMPLE))
    olga = account("olga@foundation.example", role="organiser", locale="en", display_name="Olga")
    edition = run(Edition.select(Edition.id).first())["id"]
    for payload in PAYLOADS:
        run(audit.record(payload[:80], actor_id=olga, edition_id=edition, subject_type=payload[:40],
                         subject_id=payload[:40], data={"note": payload}))
    sign_in(client, "olga@foundation.example", PASSWORD)
    response = client.get(f"/organise/{SLUG}/audit.csv")
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    assert "cmd|" in text and formulas_in(text) == []


def test_sponsor_report_csvs_are_free_of_formulas(client):
    call = sponsors.make_call()
    for entry in call.finalists["NORD"]:
        factories.set_application(entry, title="Progetto;=cmd|' /C calc'!A0",
                                  entity_name="=HYPERLINK(\"http://evil.example\")")
    sponsors.person("aurora@sponsor.example", role="sponsor", organisation=call.organisations["aurora"])
    sponsors.as_person(client, "aurora@sponsor.example")
    texts = [client.get(f"/sponsor/{sponsors.SLUG}/reports/{name}/csv", headers=sponsors.EN).content.decode()
             for name in ("prize", "funnel")]
    assert "cmd|" in texts[0]
    for text in texts:
        assert formulas_in(text) == []


def test_giuria_score_and_assign_write_no_formulas(tmp_path):
    rubric = tmp_path / "rubric.yaml"
    rubric.write_text("criteria:\n  - {code: impact, weight: 1, min: 0, max: 10}\n", encoding="utf-8")
    scores = tmp_path / "scores.csv"
    with scores.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["entry", "juror", "criterion", "value", "track"])
        for e, entry in enumerate(PAYLOADS):
            for j, juror in enumerate(("j1", "@j2", "=j3")):
                writer.writerow([entry, juror, "impact", (e + j) % 10, "AGR;=1+1"])
    result = subprocess.run([GIURIA, "score", str(scores), "--rubric", str(rubric), "--by", "track",
                             "--bootstrap", "50"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "cmd|" in result.stdout and formulas_in(result.stdout) == []

    entries, jurors, out = tmp_path / "entries.csv", tmp_path / "jurors.csv", tmp_path / "out.csv"
    with entries.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["entry", "track"], *([p, "AGR"] for p in PAYLOADS)])
    with jurors.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["juror", "tracks"], ["=j1", "AGR"], ["+j2", "AGR"], ["j3;@x", "AGR"]])
    result = subprocess.run([GIURIA, "assign", "--entries", str(entries), "--jurors", str(jurors), "--per-entry", "2",
                             "-o", str(out)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    text = out.read_text(encoding="utf-8")
    assert "cmd|" in text and formulas_in(text) == []
