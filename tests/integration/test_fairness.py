"""The fairness audit over HTTP on both engines: the organiser's page, the verbale's section, the sponsors' report.

Seventy entries: 40 in one track of which 32 advanced, 30 in another of which 5 did (29 of 70 overall: hand-worked
figures below). Three entries have women-led teams, too few to show; five applicants entered the 2025 call.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pypdf

from core.platform.tables import Edition
from plugins.rubrics.welfare import SCREENING
from scoring.rubric import weighted_total
from tests.conftest import csrf_token, run
from tests.factories import (
    EN,
    EXAMPLE,
    SLUG,
    account,
    application,
    as_person,
    assignment,
    decision,
    example_edition,
    review,
    team_member,
)

ORGANISER = "olga@organisers.example"
SPONSOR = "aurora@sponsor.example"


def make_call(*, organiser_locale: str = "en") -> dict:
    edition = example_edition()
    earlier = example_edition(EXAMPLE.replace("welfare-comunita-2026", "welfare-comunita-2025")
                              .replace("year: 2026", "year: 2025"))
    now = datetime.now(UTC)
    jurors = [account(f"j{j}@jury.example") for j in range(2)]
    entries = []
    for i in range(70):
        track, advanced = ("AGR", i < 32) if i < 40 else ("SPW", i < 45)
        owner = account(f"applicant{i}@entries.example")
        entry = application(edition, owner=owner, track=track, area="NORD", entity_name=f"Ente {i}",
                            title=f"Progetto {i}", legal_form="aps", status="in_round",
                            submitted_at=now - timedelta(days=30))
        gender = "f" if i in (0, 40, 41) else ("m" if i % 2 else "x")
        team_member(entry, f"Persona {i}", gender=gender, age_band="25_34", position=0)
        if i in (1, 2, 3, 4, 5):  # these applicants entered last year's call too
            application(earlier, owner=owner, track="AGR", area="NORD", title=f"Progetto {i} (2025)",
                        status="not_advanced", submitted_at=now - timedelta(days=400))
        decision(edition.rounds["R0"], entry, "admissible", published_at=now)
        for j, juror in enumerate(jurors):
            score = float(min(5, (4 if advanced else 2) + j))
            values = {c.code: score for c in SCREENING.criteria}
            scored = assignment(edition.rounds["R1"], entry, juror, status="submitted", conflict_checked_at=now)
            review(scored, values, total=weighted_total(SCREENING, values), submitted_at=now)
        decision(edition.rounds["R1"], entry, "advanced" if advanced else "not_advanced", published_at=now)
        entries.append(entry)
    account(ORGANISER, role="organiser", locale=organiser_locale)
    account(SPONSOR, role="sponsor", organisation=edition.organisations["Fondazione Aurora (demo)"], locale="en")
    return {"edition": edition, "entries": entries}


def _section(text: str, title: str) -> str:
    """The HTML of the page's section headed by `title`."""
    start = text.index(f">{title}</h2>")
    end = text.find("</section>", start)
    return text[start:end]


def _row(text: str, label: str) -> str:
    """The HTML of the first table row headed by `label`."""
    start = text.index(f'<th scope="row">{label}</th>')
    return text[start:text.index("</tr>", start)]


def test_the_fairness_page_shows_rates_ratios_flags_and_hides_small_groups(client):
    make_call()
    as_person(client, ORGANISER)
    response = client.get(f"/organise/{SLUG}/fairness", headers=EN)
    assert response.status_code == 200
    text = response.text
    assert 'href="/organise/welfare-comunita-2026/fairness" aria-current="page"' in text
    whole, online = _section(text, "The whole edition"), _section(text, "Online jury")
    # SPW: 5 of 30 advanced, 17% (Wilson 7%–34%); against 37 of 70 overall (0.53) the ratio is 0.32, Katz 0.14–0.72:
    # its whole interval is under 0.8, so it is flagged firmly. In the edition, the same 5 reached the final.
    spw = _row(online, "Personal services and community welfare")
    assert "17%" in spw and "(7%–34%)" in spw
    assert "0.32" in spw and "(0.14–0.72)" in spw
    # By raw means and by the calibrated ranking the same 37 go on: the same flag in all three.
    assert spw.count("below four-fifths") == 3
    assert _row(whole, "Personal services and community welfare").count("below four-fifths") == 1
    assert "below four-fifths" not in _row(online, "Social agriculture")
    assert "By raw means" in text and "By calibrated ranking" in text
    # Three women-led teams: hidden, and the next smallest group (balanced teams) with them.
    women = _row(online, "Mostly women")
    assert "<td class=\"num\">—</td>" in women and "%" not in women
    balanced = _row(online, "Balanced")
    assert "<td class=\"num\">—</td>" in balanced
    # Five returning applicants, shown (5 is enough); all five advanced.
    returning = _row(online, "Returning applicants")
    assert "<td class=\"num\">5</td>" in returning and "100%" in returning
    assert "<td class=\"num\">65</td>" in _row(online, "First-time applicants")


def test_the_fairness_page_is_in_italian_and_only_for_organisers(client):
    make_call(organiser_locale="it")
    as_person(client, ORGANISER)
    text = client.get(f"/organise/{SLUG}/fairness").text
    assert "Equità" in text and "sotto i quattro quinti" in text and "Già candidate in passato" in text
    assert "0,32" in text
    # The entries of a group that advanced: a plural, unlike an entry's status ("Promossa").
    assert '<th scope="colgroup" colspan="2">Promosse</th>' in text and "; promosse " in text
    assert "Promossa" not in text and "promossa" not in text
    as_person(client, SPONSOR)
    assert client.get(f"/organise/{SLUG}/fairness").status_code in (403, 404)


def test_the_verbale_has_the_fairness_section(client):
    make_call()
    as_person(client, ORGANISER)
    response = client.get(f"/organise/{SLUG}/exports/verbale.pdf?round=R1&lang=en", headers=EN)
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    section = text[text.index("Fairness"):]
    assert "four-fifths" in section and "Team gender" in section and "First-time or returning" in section
    assert "0.32 (0.14–0.72) · below four-fifths" in " ".join(section.split()).replace("- ", "")
    assert "Raw means and calibrated ranking: the 37 best entries" in " ".join(section.split())


def _enable(client, action: str) -> None:
    page = f"/organise/{SLUG}/sponsors"
    token = csrf_token(client, page)
    response = client.post(f"{page}/plugins", data={"_csrf_token": token, "plugin": "giuria-fairness",
                                                    "action": action}, follow_redirects=False)
    assert response.status_code == 302


def test_the_sponsor_gets_the_fairness_report_only_once_given(client):
    call = make_call()
    as_person(client, SPONSOR)
    assert client.get(f"/sponsor/{SLUG}/reports/fairness", headers=EN).status_code == 404
    assert "fairness" not in client.get(f"/sponsor/{SLUG}", headers=EN).text.lower()
    as_person(client, ORGANISER)
    _enable(client, "enable")
    assert run(Edition.select(Edition.enabled_plugins).output(load_json=True).where(
        Edition.id == call["edition"].id).first())["enabled_plugins"] == ["giuria-fairness"]
    as_person(client, SPONSOR)
    page = client.get(f"/sponsor/{SLUG}/reports/fairness", headers=EN)
    assert page.status_code == 200 and "Fairness of the selection" in page.text
    assert "below four-fifths" in page.text
    content = client.get(f"/sponsor/{SLUG}/reports/fairness/csv", headers=EN).content.decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(content)))
    spw = next(line for line in lines if line and line[1:2] == ["30"])
    assert spw[2] == "17% (7%–34%)" and spw[3] == "0.32 (0.14–0.72): below four-fifths"
    women = next(line for line in lines if line and line[0] == "Mostly women")
    assert women[1:] == ["—"] * (len(women) - 1)
    pdf = client.get(f"/sponsor/{SLUG}/reports/fairness/pdf", headers=EN)
    assert pdf.status_code == 200 and "four-fifths" in "".join(
        p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.content)).pages)
    as_person(client, ORGANISER)
    _enable(client, "disable")
    as_person(client, SPONSOR)
    assert client.get(f"/sponsor/{SLUG}/reports/fairness", headers=EN).status_code == 404
