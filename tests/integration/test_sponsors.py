"""The sponsor portal and its reports over HTTP on both engines: scope, publication, consent, formats, mail."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import openpyxl
import pypdf
import pytest

from core.messaging.mail import deliver_due
from core.platform.tables import AuditEvent
from plugins.rubrics.welfare import SCREENING
from scoring.rubric import weighted_total
from tests import factories
from tests.conftest import csrf_token, run
from tests.factories import (
    EN,
    SLUG,
    account,
    application,
    as_person,
    assignment,
    award,
    consent,
    decision,
    example_edition,
    kpi_value,
    mentor_match,
    mentoring_session,
    milestone_submission,
    review,
    team_member,
)

JUROR_NAME = "Gianna Giudice-Riservata"
JUROR_EMAIL = "gianna.giudice@jury.example"
JUROR_COMMENT = "COMMENTO-RISERVATO-DEL-GIURATO"
AREAS = ["NORD"] * 12 + ["CENTRO"] * 10 + ["SUD"] * 8
TRACKS = ["AGR", "PAT", "WCI", "SPW"]


@dataclass
class Call:
    edition: int
    entries: list[int]
    finalists: dict[str, list[int]]
    winner: int
    nord_without_consent: int
    nord_withdrawn: int
    organisations: dict[str, int]
    round_r1: int


def person(email: str, *, role: str, organisation: int | None = None, locale: str = "en") -> int:
    return account(email, role=role, organisation=organisation, locale=locale,
                   display_name=email.split("@")[0].title())


def make_call(*, publish: bool = True) -> Call:
    """Thirty applications, an admissibility round and a scored online jury, finalists in each area, one award."""
    edition = example_edition()
    rounds = edition.rounds
    now = datetime.now(UTC)
    entries, owners = [], {}
    for i, area in enumerate(AREAS):
        owner = account(f"applicant{i}@entries.example")
        entry = application(
            edition, owner=owner, track=TRACKS[i % 4], area=area, entity_name=f"Ente Segreto {i}",
            title=f"Progetto {i}", legal_form="aps" if i % 3 else "odv", region="Lombardia", status="in_round",
            submitted_at=now - timedelta(days=30),
            answers={"values": {"contact_email": f"referente{i}@entries.example", "title": f"Progetto {i}"}})
        team_member(entry, f"Persona Riservata {i}A", gender="f" if i % 2 else "m", age_band="25_34", position=0)
        team_member(entry, f"Persona Riservata {i}B", gender="f", age_band="under_25" if i < 3 else "35_44",
                    position=1)
        entries.append(entry)
        owners[entry] = owner
    stamp = now if publish else None
    for i, entry in enumerate(entries):
        decision(rounds["R0"], entry, "not_admissible" if i in (11, 21, 29) else "admissible", published_at=now)
    # Juror reviews for R1: three jurors score every admissible entry; their names and comments stay hidden.
    jurors = [account(email, display_name=name) for email, name in (
        (JUROR_EMAIL, JUROR_NAME), ("j2@jury.example", "Juror Two"), ("j3@jury.example", "Juror Three"))]
    admissible = [e for i, e in enumerate(entries) if i not in (11, 21, 29)]
    for j, juror in enumerate(jurors):
        for k, entry in enumerate(admissible):
            base = 1 + (k * 7 + j) % 5
            values = {c.code: float(min(5, max(1, base + (n % 2)))) for n, c in enumerate(SCREENING.criteria)}
            scored = assignment(rounds["R1"], entry, juror, status="submitted", conflict_checked_at=now)
            review(scored, values, total=weighted_total(SCREENING, values), comment=JUROR_COMMENT,
                   criterion_comment=JUROR_COMMENT, submitted_at=now)
    finalists = {"NORD": entries[0:6], "CENTRO": entries[12:17], "SUD": entries[22:25]}
    for area_entries in finalists.values():
        for entry in area_entries:
            decision(rounds["R1"], entry, "advanced", published_at=stamp)
    winner, without_consent, withdrawn = finalists["NORD"][0], finalists["NORD"][1], finalists["NORD"][2]
    for entry, withdrawn_at in ((winner, None), (withdrawn, now)):
        consent(owners[entry], entry, "share_with_sponsors", withdrawn_at=withdrawn_at)
    if publish:
        award(edition.prizes["P-NORD"], winner, status="confirmed")
        award(edition.prizes["P-CENTRO"], finalists["CENTRO"][0], status="proposed")
        milestone_submission("M1", winner, status="approved")
        kpi_value("fte_created", winner, kind="baseline", value=2, period_end=date(2026, 6, 30))
        kpi_value("fte_created", winner, kind="target", value=7, period_end=date(2027, 6, 30))
        kpi_value("fte_created", winner, kind="actual", value=4, period_end=date(2026, 12, 31))
        match = mentor_match(edition.id, account("mentor@mentors.example"), winner, status="active")
        mentoring_session(match, starts_at=now - timedelta(days=20), status="held", notes=JUROR_COMMENT)
        mentoring_session(match, starts_at=now + timedelta(days=20), status="scheduled")
    organisations = {"aurora": edition.organisations["Fondazione Aurora (demo)"],
                     "radici": edition.organisations["Fondazione Radici (demo)"],
                     "banca": edition.organisations["Banca di Comunità (demo)"]}
    return Call(edition=edition.id, entries=entries, finalists=finalists, winner=winner,
                nord_without_consent=without_consent, nord_withdrawn=withdrawn, organisations=organisations,
                round_r1=rounds["R1"])


def test_a_sponsor_sees_its_own_prizes_and_entries_never_another_sponsors(client):
    call = make_call()
    person("aurora@sponsor.example", role="sponsor", organisation=call.organisations["aurora"])
    person("radici@sponsor.example", role="sponsor", organisation=call.organisations["radici"])
    as_person(client, "aurora@sponsor.example")
    assert 'href="/sponsor"' in client.get("/me", headers=EN).text
    assert f'href="/sponsor/{SLUG}"' in client.get("/sponsor", headers=EN).text
    home = client.get(f"/sponsor/{SLUG}", headers=EN)
    assert home.status_code == 200
    assert "North prize" in home.text and "area North; the first placed" in home.text
    assert "Centre prize" not in home.text and "South and Islands prize" not in home.text
    report = client.get(f"/sponsor/{SLUG}/reports/prize", headers=EN)
    assert report.status_code == 200
    for entry in call.finalists["NORD"]:
        assert f"#{entry} Progetto" in report.text
    for entry in call.finalists["CENTRO"] + call.finalists["SUD"]:
        assert f"#{entry} Progetto" not in report.text
    assert "Centre prize" not in report.text
    table = client.get(f"/sponsor/{SLUG}/reports/prize/csv", headers=EN).content.decode("utf-8-sig")
    assert f"#{call.finalists['CENTRO'][0]} Progetto" not in table

    as_person(client, "radici@sponsor.example")
    report = client.get(f"/sponsor/{SLUG}/reports/prize", headers=EN)
    for entry in call.finalists["CENTRO"]:
        assert f"#{entry} Progetto" in report.text
    assert f"#{call.winner} Progetto" not in report.text and "North prize" not in report.text
    # The CENTRO award is still the organisers' proposal: no winner shown yet.
    assert "Ente Segreto 12" not in report.text
    # Nothing of the organiser console, nothing of an unknown edition.
    assert client.get(f"/organise/{SLUG}/sponsors").status_code == 403
    assert client.get(f"/organise/{SLUG}/sponsors/{call.organisations['aurora']}/reports/prize").status_code == 403
    assert client.get("/sponsor/another-edition/reports/prize").status_code == 404


def test_juror_identities_and_comments_never_reach_a_sponsor(client):
    call = make_call()
    person("aurora@sponsor.example", role="sponsor", organisation=call.organisations["aurora"])
    as_person(client, "aurora@sponsor.example")
    pages = [client.get(f"/sponsor/{SLUG}", headers=EN).text]
    for name in ("prize", "funnel"):
        pages.append(client.get(f"/sponsor/{SLUG}/reports/{name}", headers=EN).text)
        pages.append(client.get(f"/sponsor/{SLUG}/reports/{name}/csv", headers=EN).content.decode("utf-8-sig"))
        pdf = pypdf.PdfReader(io.BytesIO(client.get(f"/sponsor/{SLUG}/reports/{name}/pdf", headers=EN).content))
        pages.append("\n".join(page.extract_text() for page in pdf.pages))
    everything = "\n".join(pages)
    for secret in (JUROR_NAME, JUROR_EMAIL, "Juror Two", JUROR_COMMENT, "mentor@mentors.example"):
        assert secret not in everything
    assert f"#{call.winner} Progetto" in everything  # the pages did render the entries


def test_personal_data_only_where_the_applicant_consented(client):
    call = make_call()
    person("aurora@sponsor.example", role="sponsor", organisation=call.organisations["aurora"])
    as_person(client, "aurora@sponsor.example")
    text = client.get(f"/sponsor/{SLUG}/reports/prize", headers=EN).text
    winner_index = call.entries.index(call.winner)
    assert f"Ente Segreto {winner_index}" in text and f"referente{winner_index}@entries.example" in text
    assert f"Persona Riservata {winner_index}A" in text
    for entry in (call.nord_without_consent, call.nord_withdrawn):
        index = call.entries.index(entry)
        assert f"#{entry} Progetto" in text
        assert f"Ente Segreto {index}" not in text and f"referente{index}@" not in text
        assert f"Persona Riservata {index}" not in text


def test_entries_in_the_running_appear_only_once_the_organisers_publish(client):
    call = make_call(publish=False)
    person("aurora@sponsor.example", role="sponsor", organisation=call.organisations["aurora"])
    as_person(client, "aurora@sponsor.example")
    text = client.get(f"/sponsor/{SLUG}/reports/prize", headers=EN).text
    assert f"#{call.finalists['NORD'][0]} Progetto" not in text
    assert "the entries in the running show once the organisers publish the results" in text
    funnel = client.get(f"/sponsor/{SLUG}/reports/funnel/csv", headers=EN).content.decode("utf-8-sig")
    overall = next(row for row in csv.reader(io.StringIO(funnel)) if row and row[0] == "Total")
    assert overall == ["Total", "30", "27", "0", "0"]  # staged finalists are not counted before publication
    factories.publish_decisions(published_at=datetime.now(UTC))
    text = client.get(f"/sponsor/{SLUG}/reports/prize", headers=EN).text
    assert all(f"#{entry} Progetto" in text for entry in call.finalists["NORD"])


def _csv_tables(content: bytes) -> dict[str, list[list[str]]]:
    tables: dict[str, list[list[str]]] = {}
    current = None
    for row in list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))[1:]:
        if not row:
            current = None
        elif current is None:
            current = row[0]
            tables[current] = []
        else:
            tables[current].append(row)
    return tables


def test_the_funnel_hides_small_groups_in_every_format(client):
    call = make_call()
    person("aurora@sponsor.example", role="sponsor", organisation=call.organisations["aurora"])
    as_person(client, "aurora@sponsor.example")
    tables = _csv_tables(client.get(f"/sponsor/{SLUG}/reports/funnel/csv", headers=EN).content)
    by_area = {row[0]: row[1:] for row in tables["By area"][1:]}
    # Applications, admissible, finalists, winners; SUD has 3 finalists (hidden), so CENTRO's 5 is hidden too.
    # A hidden cell is "—" in every format, never a number (nor an empty cell a reader could take for 0).
    assert by_area["North"] == ["12", "11", "6", "—"]
    assert by_area["Centre"] == ["10", "9", "—", "0"]
    assert by_area["South and Islands"] == ["8", "7", "—", "0"]
    assert by_area["Total"] == ["30", "27", "14", "—"]
    for title, rows in tables.items():
        for row in rows[1:]:
            for cell in row[1:]:
                assert cell == "—" or int(cell) == 0 or int(cell) >= 5, (title, row)
    workbook = openpyxl.load_workbook(io.BytesIO(client.get(f"/sponsor/{SLUG}/reports/funnel/xlsx",
                                                            headers=EN).content))
    assert workbook.sheetnames[:3] == ["Overall funnel", "By track", "By area"]
    for sheet in workbook.worksheets[:-1]:
        for row in sheet.iter_rows(min_row=2, min_col=2, values_only=True):
            assert all(v == "—" or v == 0 or v >= 5 for v in row), (sheet.title, row)
    area_rows = {r[0]: r[1:] for r in workbook["By area"].iter_rows(min_row=2, values_only=True)}
    assert area_rows["North"] == (12, 11, 6, "—")
    # The charts travel in the workbook, drawn from cells where a hidden count is blank, never a number.
    charts = workbook["Charts"]
    assert workbook.sheetnames[-1] == "Charts" and len(charts._charts) == 3
    assert {c.title.tx.rich.p[0].r[0].t for c in charts._charts} == {"Overall funnel", "By track", "By area"}
    cells = list(charts.iter_rows(values_only=True))
    winners = next(row for row in cells if row[0] == "Winners")
    assert winners[1] is None  # the overall count of winners is hidden (fewer than 5)
    assert any(row[0] and str(row[0]).startswith("Blank cells are hidden (—)") for row in cells)


def test_report_formats_parse_and_carry_the_numbers(client):
    call = make_call()
    person("aurora@sponsor.example", role="sponsor", organisation=call.organisations["aurora"])
    as_person(client, "aurora@sponsor.example")
    page = client.get(f"/sponsor/{SLUG}/reports/funnel", headers=EN)
    assert page.text.count('src="data:image/svg+xml;base64,') == 3
    assert 'alt="Overall funnel"' in page.text
    pdf_response = client.get(f"/sponsor/{SLUG}/reports/funnel/pdf", headers=EN)
    assert pdf_response.headers["content-type"] == "application/pdf"
    assert "attachment" in pdf_response.headers["content-disposition"]
    reader = pypdf.PdfReader(io.BytesIO(pdf_response.content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Call funnel" in text and "By area" in text
    # The charts are in the PDF as text beside their bars: the hidden count of winners reads "—", not 0.
    lines = text.splitlines()
    assert "Overall funnel" in text and "Applications" in lines and "30" in lines
    assert "— hidden: a group too small to show (see the notes under the tables)." in " ".join(lines)
    assert not re.search(r"Winners:? ?0\b", text)
    prize_pdf = pypdf.PdfReader(io.BytesIO(client.get(f"/sponsor/{SLUG}/reports/prize/pdf", headers=EN).content))
    prize_text = "\n".join(page.extract_text() for page in prize_pdf.pages)
    assert f"#{call.winner} Progetto" in prize_text
    workbook = openpyxl.load_workbook(io.BytesIO(client.get(f"/sponsor/{SLUG}/reports/prize/xlsx",
                                                            headers=EN).content))
    shortlist = list(workbook["Shortlist"].iter_rows(values_only=True))
    assert shortlist[0][:3] == ("Prize", "Entry", "Track")
    assert {row[1] for row in shortlist[1:]} == {f"#{e} Progetto {call.entries.index(e)}"
                                               for e in call.finalists["NORD"]}
    scores = [float(row[6]) for row in shortlist[1:]]
    assert scores == sorted(scores, reverse=True) and all(1 <= s <= 5 for s in scores)
    assert all(row[7] and "–" in row[7] for row in shortlist[1:])  # every score has its interval
    kpis = list(workbook["Impact indicators"].iter_rows(values_only=True))
    assert kpis[1][1:] == ("Jobs created (FTE)", "FTE", 2, 7, 4)
    winners = list(workbook["Winners"].iter_rows(values_only=True))
    assert winners[1][-1] == 1  # one mentoring session held, the scheduled one not counted


def test_the_organiser_mails_a_report_with_its_pdf(client, mail_settings, smtp):
    call = make_call()
    person("aurora@sponsor.example", role="sponsor", organisation=call.organisations["aurora"], locale="it")
    person("aurora2@sponsor.example", role="sponsor", organisation=call.organisations["aurora"], locale="en")
    person("radici@sponsor.example", role="sponsor", organisation=call.organisations["radici"])
    person("olga@organiser.example", role="organiser")
    as_person(client, "olga@organiser.example")
    page = client.get(f"/organise/{SLUG}/sponsors", headers=EN)
    assert page.status_code == 200 and 'aria-current="page">Sponsors' in page.text
    assert "aurora2@sponsor.example, aurora@sponsor.example" in page.text
    preview = client.get(f"/organise/{SLUG}/sponsors/{call.organisations['aurora']}/reports/prize", headers=EN)
    assert preview.status_code == 200 and f"#{call.winner} Progetto" in preview.text
    assert f"#{call.finalists['CENTRO'][0]} Progetto" not in preview.text
    token = csrf_token(client, f"/organise/{SLUG}/sponsors")
    response = client.post(f"/organise/{SLUG}/sponsors/send", data={
        "_csrf_token": token, "organisation": str(call.organisations["aurora"]), "report": "prize",
        "phase": "Giuria online"}, follow_redirects=False)
    assert response.status_code == 302
    report = run(deliver_due(settings=mail_settings))
    assert report.sent == 2
    messages = {m["To"]: m for m in smtp.messages()}
    assert set(messages) == {"aurora@sponsor.example", "aurora2@sponsor.example"}
    english = messages["aurora2@sponsor.example"]
    assert english["Subject"] == "Prize report – Fondazione Aurora (demo): Welfare & Community 2026"
    attachment = next(english.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == f"{SLUG}-prize.pdf"
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(attachment.get_content())).pages)
    assert f"#{call.winner} Progetto" in text and "Prize report" in text
    italian = messages["aurora@sponsor.example"]
    body = italian.get_body(preferencelist=("plain",)).get_content()
    assert "Giuria online" in body
    italian_pdf = next(italian.iter_attachments()).get_content()
    assert "Rapporto sui premi" in pypdf.PdfReader(io.BytesIO(italian_pdf)).pages[0].extract_text()
    events = run(AuditEvent.select(AuditEvent.action, AuditEvent.data).where(
        AuditEvent.action == "sponsor_report.sent"))
    assert len(events) == 1

    bank = call.organisations["banca"]
    token = csrf_token(client, f"/organise/{SLUG}/sponsors")
    refused = client.post(f"/organise/{SLUG}/sponsors/send", data={
        "_csrf_token": token, "organisation": str(bank), "report": "prize", "phase": ""}, headers=EN)
    assert refused.status_code == 400 and "has no users in the edition yet" in refused.text


@pytest.mark.parametrize("who", ["sponsor", "juror"])
def test_only_organisers_send_reports(client, who):
    call = make_call()
    person(f"{who}@people.example", role=who, organisation=call.organisations["aurora"])
    as_person(client, f"{who}@people.example")
    response = client.post(f"/organise/{SLUG}/sponsors/send", data={
        "organisation": str(call.organisations["aurora"]), "report": "prize"}, follow_redirects=False)
    assert response.status_code in (403, 404)  # CSRF or the role guard: either way nothing is queued
    token = csrf_token(client, "/me")
    response = client.post(f"/organise/{SLUG}/sponsors/send", data={
        "_csrf_token": token, "organisation": str(call.organisations["aurora"]), "report": "prize"},
        follow_redirects=False)
    assert response.status_code == 403


def test_the_organiser_downloads_a_sponsors_report_in_each_format(client):
    call = make_call()
    person("olga@organiser.example", role="organiser")
    person("aurora@sponsor.example", role="sponsor", organisation=call.organisations["aurora"])
    as_person(client, "olga@organiser.example")
    base = f"/organise/{SLUG}/sponsors/{call.organisations['aurora']}/reports/prize"
    table = client.get(f"{base}/csv", headers=EN)
    assert table.status_code == 200 and table.headers["content-type"].startswith("text/csv")
    assert table.headers["content-disposition"] == (f'attachment; filename="{SLUG}-prize.csv"; '
                                                    f"filename*=UTF-8''{SLUG}-prize.csv")
    cells = {cell for row in csv.reader(io.StringIO(table.content.decode("utf-8-sig"))) for cell in row}
    assert {f"#{e} Progetto {call.entries.index(e)}" for e in call.finalists["NORD"]} <= cells
    assert not any(cell.startswith(f"#{e} ") for e in call.finalists["CENTRO"] + call.finalists["SUD"]
                   for cell in cells)
    workbook = openpyxl.load_workbook(io.BytesIO(client.get(f"{base}/xlsx", headers=EN).content))
    shortlist = list(workbook["Shortlist"].iter_rows(values_only=True))
    assert {row[1] for row in shortlist[1:]} == {f"#{e} Progetto {call.entries.index(e)}"
                                               for e in call.finalists["NORD"]}
    pdf = client.get(f"{base}/pdf", headers=EN)
    assert pdf.headers["content-type"] == "application/pdf"
    text = "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Prize report" in text and f"#{call.winner} Progetto" in text
    assert client.get(f"{base}/docx", headers=EN).status_code == 404
    assert client.get(f"/organise/{SLUG}/sponsors/{call.organisations['aurora'] + 999}/reports/prize/csv",
                      headers=EN).status_code == 404

    # The sponsor downloads the very same table from its portal, and never the organisers' copy.
    as_person(client, "aurora@sponsor.example")
    assert client.get(f"/sponsor/{SLUG}/reports/prize/csv", headers=EN).content == table.content
    assert client.get(f"{base}/csv", headers=EN).status_code == 403
