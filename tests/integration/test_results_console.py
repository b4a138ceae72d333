"""Leaderboard, advancement, exports and long operations through HTTP, on both engines."""

from __future__ import annotations

import asyncio
import csv
import io
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from litestar.testing import TestClient
from openpyxl import load_workbook
from pypdf import PdfReader

from core.messaging import jobs, mail
from core.platform.tables import (
    Account,
    Application,
    AuditEvent,
    Decision,
    Edition,
    Job,
    OutgoingMail,
    Review,
)
from core.results import exports
from plugins.rubrics.welfare import SCREENING
from scoring.leaderboard import build_leaderboard
from scoring.reviews import Reviews
from scoring.rubric import weighted_total
from tests import factories
from tests.conftest import csrf_token, run, sign_in
from tests.factories import (
    PASSWORD,
    SLUG,
    account,
    application,
    as_person,
    assignment,
    example_edition,
    review,
    set_review,
    set_round,
    user,
)

CODES = ("IMP", "INN", "SOS", "TEA", "RET")
# Entry qualities (best first by design), juror leniencies, and who reviews what: entry i by jurors i, i+1, i+2 (mod 4).
QUALITY = (4.3, 4.2, 3.9, 3.8, 3.5, 3.4, 3.1, 3.0)
LENIENCY = (1.0, 0.3, 0.0, -1.0)
TRACKS = ("AGR", "PAT", "WCI", "SPW")
AREAS = ("NORD", "CENTRO", "NORD", "CENTRO", "NORD", "SUD", "CENTRO", "NORD")


@dataclass
class Call:
    entries: list[int]
    names: dict[int, str]
    jurors: list[int]
    reviews: list[tuple[int, int, float, dict[str, float]]]
    round_id: int


def make_call(*, advancement: dict | None = None, round_settings: dict | None = None, unreviewed: int = 0) -> Call:
    """Eight entries in R1, three jurors on each; the last `unreviewed` entries are assigned but not reviewed yet."""
    edition = example_edition()
    round_id = edition.rounds["R1"]
    values: dict = {}
    if advancement is not None:
        values["advancement"] = advancement
    if round_settings is not None:
        values["settings"] = round_settings
    if values:
        set_round(round_id, **values)
    account("olga@foundation.example", role="organiser", locale="en", display_name="Olga")
    jurors = [account(f"{name.lower()}@jury.example", role="juror", display_name=name)
              for name in ("Anna", "Bruno", "Carla", "Dario")]
    entries, names, reviews = [], {}, []
    now = datetime.now(UTC)
    for i, quality in enumerate(QUALITY):
        owner = account(f"applicant{i}@entity.example", locale="en" if i % 2 else "it", display_name=f"Owner {i}")
        name = f"Impresa {chr(65 + i)}"
        entry = application(edition, owner=owner, track=TRACKS[i % 4], area=AREAS[i], entity_name=name,
                            title=f"Progetto {chr(65 + i)}", receipt_number=f"R-{i}", submitted_at=now)
        entries.append(entry)
        names[entry] = name
        for j in (i % 4, (i + 1) % 4, (i + 2) % 4):
            sheet = {code: float(min(5, max(3 if code == "IMP" else 2, round(quality + LENIENCY[j] + 0.3 * (c % 2)))))
                     for c, code in enumerate(CODES)}
            total = weighted_total(SCREENING, sheet)
            assigned = assignment(round_id, entry, jurors[j])
            if i >= len(QUALITY) - unreviewed:
                continue
            review(assigned, sheet, total=total, submitted_at=now)
            reviews.append((entry, jurors[j], total, sheet))
    return Call(entries=entries, names=names, jurors=jurors, reviews=reviews, round_id=round_id)


def expected(call: Call, *, method: str, top: int | None, replicates: int = 1000):
    """The leaderboard as scoring/ computes it from the same reviews."""
    records = Reviews.from_records(((e, j, t) for e, j, t, _s in call.reviews), entries=sorted(call.entries))
    values = np.array([[s[c] for c in CODES] for _e, _j, _t, s in call.reviews], dtype=float)
    return build_leaderboard(records, rubric=SCREENING, codes=list(CODES), values=values, method=method, top=top,
                             replicates=replicates, seed=0)


def as_organiser(client) -> None:
    as_person(client, "olga@foundation.example")


ENTRY_ROW = re.compile(r'<tr[^>]*data-entry="(\d+)"')
EN = {"accept-language": "en"}


def page_entries(html: str) -> list[int]:
    return [int(e) for e in ENTRY_ROW.findall(html)]


FIGURES = re.compile(r"<td>(\d+\.\d\d)</td>\s*<td>(\d+\.\d\d)–(\d+\.\d\d)</td>")


def figures(row: str) -> tuple[float, float, float]:
    """Score and interval shown in a row (two decimals, so compared within rounding)."""
    match = FIGURES.search(row)
    assert match, row
    return tuple(float(x) for x in match.groups())


def row_html(html: str, entry: int) -> str:
    start = html.index(f'data-entry="{entry}"')
    return html[start:html.index("</tr>", start)]


# -- Leaderboard ----------------------------------------------------------------------------------


def test_the_leaderboard_lists_entries_in_rank_order_with_the_figures_scoring_computes(client):
    call = make_call()
    as_organiser(client)
    page = client.get(f"/organise/{SLUG}/rounds/R1/results", headers=EN)
    assert page.status_code == 200
    rows = expected(call, method="additive", top=12)
    assert page_entries(page.text) == [row.entry for row in rows]
    for row in rows:
        score, low, high = figures(row_html(page.text, row.entry))
        assert (score, low, high) == pytest.approx((row.score, row.ci_low, row.ci_high), abs=0.006)
    first = row_html(page.text, rows[0].entry)
    assert f"{rows[0].rank_low}–{rows[0].rank_high}" in first
    assert f"{rows[0].p_top:.2f}" in first
    # Organisers see who applied even in a blind round.
    assert call.names[rows[0].entry] in first
    assert 'src="data:image/svg+xml;base64,' in page.text
    assert "Reliability of the round" in page.text and "Krippendorff" in page.text
    for name in ("Anna", "Bruno", "Carla", "Dario"):
        assert f'<th scope="row">{name}</th>' in page.text
    # Carla (no leniency) against Anna (+1): the table shows Anna as the more lenient.
    checklist = client.get(f"/organise/{SLUG}/rounds/R0/results", headers=EN)
    assert checklist.status_code == 200  # the admissibility round: whatever its workflow computes
    lenient = re.search(r'<th scope="row">Anna</th><td>\d+</td>\s*<td>\+(\d\.\d\d)', page.text)
    assert lenient and float(lenient.group(1)) > 0.3


def test_the_leaderboard_opens_on_its_summary_and_keeps_a_short_ranking_on_one_page(client):
    call = make_call()
    as_organiser(client)
    rows = expected(call, method="additive", top=12)
    page = client.get(f"/organise/{SLUG}/rounds/R1/results?page=9", headers=EN)  # beyond the last page: the last
    assert page.status_code == 200
    summary = page.text.split('id="summary"', 1)[1].split("</section>", 1)[0]
    top = re.findall(r'<li value="(\d+)"><strong>([^<]+)</strong>', summary)
    assert top == [(str(r.rank), call.names[r.entry]) for r in rows[:5]]
    assert page.text.index('id="summary"') < page.text.index('id="ranking"')
    assert page_entries(page.text) == [r.entry for r in rows]  # twelve rows: one page, no pager
    assert 'class="pager"' not in page.text


def test_the_method_switch_shows_which_places_change(client):
    call = make_call()
    as_organiser(client)
    page = client.get(f"/organise/{SLUG}/rounds/R1/results?method=none", headers=EN)
    assert page.status_code == 200
    configured = {r.entry: r.rank for r in expected(call, method="additive", top=None, replicates=0)}
    switched = expected(call, method="none", top=12)
    assert page_entries(page.text) == [r.entry for r in switched]
    moves = {r.entry: configured[r.entry] - r.rank for r in switched}
    assert any(moves.values()), "the fixture should make the plain mean and the model disagree"
    for entry, move in moves.items():
        cell = re.findall(r"<td>([^<]*)</td>\s*</tr>", row_html(page.text, entry) + "</tr>")[-1]
        assert cell == (f"{move:+d}" if move else "=")
    changed = sum(1 for m in moves.values() if m)
    assert f"{changed} entries change place" in page.text or "one entry changes place" in page.text


def test_the_leaderboard_ranks_within_each_area(client):
    make_call()
    as_organiser(client)
    page = client.get(f"/organise/{SLUG}/rounds/R1/results?group=area", headers=EN)
    assert page.status_code == 200
    headings = [page.text.index(h) for h in ("<h2>North</h2>", "<h2>Centre</h2>", "<h2>South and Islands</h2>")]
    assert headings == sorted(headings)  # in the edition's order of areas
    south = page.text[page.text.index("<h2>South and Islands</h2>"):]
    assert re.search(r'data-entry="\d+">\s*<td>1</td>', south)


# -- Advancement ------------------------------------------------------------------------------------

SELECTED = re.compile(r'name="outcome\.(\d+)".*?<option value="(\w+)" selected', re.S)


def proposal_of(html: str) -> dict[int, str]:
    return {int(e): outcome for e, outcome in SELECTED.findall(html)}


def test_the_proposal_honours_the_top_n_and_the_area_minimum(client):
    call = make_call(advancement={"top_n": 3, "min_per_area": {"SUD": 1}})
    as_organiser(client)
    page = client.get(f"/organise/{SLUG}/rounds/R1/advancement", headers=EN)
    assert page.status_code == 200
    ranking = [r.entry for r in expected(call, method="additive", top=3, replicates=0)]
    south = call.entries[AREAS.index("SUD")]
    assert ranking.index(south) >= 3, "the fixture should put the south's entry below the cut"
    advancing = {e for e, outcome in proposal_of(page.text).items() if outcome == "finalist"}
    assert advancing == {ranking[0], ranking[1], south}
    assert "area minimum" in row_html(page.text, south)
    contested = [r.entry for r in expected(call, method="additive", top=3) if "contested" in r.flags]
    assert contested, "the fixture should leave some places at the cut uncertain"
    for entry in contested:
        assert 'class="uncertain' in row_html(page.text, entry)
        assert "uncertain at the cut" in row_html(page.text, entry)
    assert ">contested<" not in page.text
    assert len(proposal_of(page.text)) == len(call.entries)


def test_a_change_without_a_reason_is_refused_and_keeps_what_was_typed(client):
    call = make_call(advancement={"top_n": 3})
    as_organiser(client)
    path = f"/organise/{SLUG}/rounds/R1/advancement"
    proposal = proposal_of(client.get(path).text)
    ranking = [r.entry for r in expected(call, method="additive", top=3, replicates=0)]
    fourth, first = ranking[3], ranking[0]
    form = {"_csrf_token": csrf_token(client, path), **{f"outcome.{e}": o for e, o in proposal.items()},
            f"outcome.{fourth}": "finalist", f"reason.{fourth}": "", f"reason.{first}": "Unanimous"}
    response = client.post(path, data=form, headers=EN)
    assert response.status_code == 400
    assert "Give a reason for changing the proposal." in row_html(response.text, fourth)
    assert 'value="Unanimous"' in row_html(response.text, first)
    assert proposal_of(response.text)[fourth] == "finalist"
    assert run(Decision.count()) == 0


def stage_with_changes(client, call: Call) -> tuple[int, int, str]:
    path = f"/organise/{SLUG}/rounds/R1/advancement"
    proposal = proposal_of(client.get(path).text)
    ranking = [r.entry for r in expected(call, method="additive", top=3, replicates=0)]
    promoted, dropped = ranking[3], ranking[2]
    form = {"_csrf_token": csrf_token(client, path), **{f"outcome.{e}": o for e, o in proposal.items()},
            f"outcome.{promoted}": "finalist", f"reason.{promoted}": "Tie on impact, decided by the jury chair",
            f"outcome.{dropped}": "not_advanced", f"reason.{dropped}": "Conflict found after scoring"}
    response = client.post(path, data=form, follow_redirects=False)
    assert response.status_code == 302
    return promoted, dropped, path


def close_scoring(client, round_code: str = "R1") -> None:
    """Publication needs the round's scoring closed: the organiser closes it on the round's page."""
    page = f"/organise/{SLUG}/rounds/{round_code}/progress"
    response = client.post(f"/organise/{SLUG}/rounds/{round_code}/scoring/close",
                           data={"_csrf_token": csrf_token(client, page)}, follow_redirects=False)
    assert response.status_code == 302


def test_staged_decisions_stay_invisible_until_published_then_notices_go_out(client, mail_settings, smtp):
    call = make_call(advancement={"top_n": 3})
    as_organiser(client)
    promoted, dropped, path = stage_with_changes(client, call)
    assert run(Decision.count().where(Decision.published_at.is_null())) == len(call.entries)
    assert run(Application.count().where(Application.status == "in_round")) == len(call.entries)
    promoted_owner = call.entries.index(promoted)
    client.cookies.clear()
    sign_in(client, f"applicant{promoted_owner}@entity.example", PASSWORD)
    before = client.get(f"/applications/{promoted}", headers=EN)
    assert before.status_code == 200
    assert "Tie on impact" not in before.text and "Finalist" not in before.text
    assert run(OutgoingMail.count().where(OutgoingMail.kind.like("decision.%"))) == 0

    as_organiser(client)
    close_scoring(client)
    token = csrf_token(client, path)
    response = client.post(f"{path}/publish", data={"_csrf_token": token}, follow_redirects=False)
    assert response.status_code == 302
    statuses = {r["id"]: r["status"] for r in run(Application.select(Application.id, Application.status))}
    assert statuses[promoted] == "finalist" and statuses[dropped] == "not_advanced"
    assert sum(1 for s in statuses.values() if s == "finalist") == 3
    assert run(Decision.count().where(Decision.published_at.is_null())) == 0
    assert run(AuditEvent.count().where(AuditEvent.action == "decisions.published")) == 1
    assert run(AuditEvent.count().where(AuditEvent.action == "application.status_changed")) == len(call.entries)
    again = client.post(f"{path}/publish", data={"_csrf_token": token}, follow_redirects=False)
    assert again.status_code == 409

    report = run(mail.deliver_due(settings=mail_settings))
    assert report.sent == len(call.entries)
    by_recipient = {m["To"]: m for m in smtp.messages()}
    italian = by_recipient["applicant0@entity.example"]  # even applicants write in Italian
    english = by_recipient[f"applicant{promoted_owner}@entity.example"]
    assert "finalist" in english["Subject"] and "Tie on impact" in english.get_body(("plain",)).get_content()
    assert any(word in italian["Subject"] for word in ("finalist", "esito"))

    client.cookies.clear()
    sign_in(client, f"applicant{promoted_owner}@entity.example", PASSWORD)
    after = client.get(f"/applications/{promoted}", headers=EN)
    assert "Tie on impact, decided by the jury chair" in after.text


def test_publication_refuses_a_decision_the_applications_status_no_longer_allows(client):
    call = make_call(advancement={"top_n": 3})
    as_organiser(client)
    _promoted, _dropped, path = stage_with_changes(client, call)
    factories.set_application(call.entries[0], status="draft")
    close_scoring(client)
    token = csrf_token(client, path)
    response = client.post(f"{path}/publish", data={"_csrf_token": token}, follow_redirects=False, headers=EN)
    assert response.status_code == 409
    assert "current state does not allow this change" in response.text
    assert run(Decision.count().where(Decision.published_at.is_not_null())) == 0
    statuses = [r["status"] for r in run(Application.select(Application.status).order_by(Application.id))]
    assert statuses == ["draft"] + ["in_round"] * (len(call.entries) - 1)
    assert run(AuditEvent.count().where(AuditEvent.action == "decisions.published")) == 0


# -- Exports --------------------------------------------------------------------------------------


def test_exports_read_back_with_the_right_rows(client):
    call = make_call(advancement={"top_n": 3})
    as_organiser(client)
    base = f"/organise/{SLUG}/exports"
    menu = client.get(base, headers=EN)
    assert menu.status_code == 200 and f"{base}/scores-long.xlsx?round=R1" in menu.text

    applications = client.get(f"{base}/applications.xlsx")
    assert applications.status_code == 200
    assert applications.headers["content-disposition"].startswith(f'attachment; filename="{SLUG}-applications.xlsx"')
    sheet = load_workbook(io.BytesIO(applications.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 1 + len(call.entries)
    assert sorted(r[2] for r in rows[1:]) == sorted(call.names.values())
    assert run(AuditEvent.count().where(AuditEvent.action == "export.downloaded")) == 1

    long_csv = client.get(f"{base}/scores-long.csv?round=R1")
    assert long_csv.headers["content-type"].startswith("text/csv")
    records = list(csv.reader(io.StringIO(long_csv.content.decode("utf-8-sig"))))
    assert len(records) == 1 + len(call.reviews) * len(CODES)
    first_entry, _juror, _total, first_sheet = call.reviews[0]
    assert [call.names[first_entry], "Anna", "IMP", str(first_sheet["IMP"])] == [
        records[1][2], records[1][3], records[1][4], records[1][5]]

    wide = load_workbook(io.BytesIO(client.get(f"{base}/scores-wide.xlsx?round=R1").content)).active
    wide_rows = list(wide.iter_rows(values_only=True))
    assert len(wide_rows) == 1 + len(call.entries)
    assert wide_rows[0][3] == "Anna · IMP" and len(wide_rows[0]) == 3 + 4 * len(CODES)

    ranking = load_workbook(io.BytesIO(client.get(f"{base}/rankings.xlsx?round=R1").content)).active
    expected_rows = expected(call, method="additive", top=3)
    ranked = list(ranking.iter_rows(values_only=True))[1:]
    assert [r[1] for r in ranked] == [r.entry for r in expected_rows]
    assert [r[8] for r in ranked] == [round(r.score, 2) for r in expected_rows]
    # Labels beside the codes: the track and area by name, then their codes.
    assert all(r[5] in TRACKS and r[4] and r[4] != r[5] and r[7] in AREAS and r[6] and r[6] != r[7] for r in ranked)
    assert {r[5]: r[4] for r in ranked}["AGR"] in ("Social agriculture", "Agricoltura sociale")

    promoted, _dropped, _path = stage_with_changes(client, call)
    decisions = list(load_workbook(io.BytesIO(client.get(f"{base}/decisions.xlsx").content)).active.iter_rows(
        values_only=True))
    assert len(decisions) == 1 + len(call.entries)
    assert ("R1", promoted, call.names[promoted]) == decisions[1 + sorted(call.entries).index(promoted)][:3]
    assert any(r[6] == "Tie on impact, decided by the jury chair" for r in decisions)
    # The outcome in words beside its code.
    words = {"finalist": ("finalist", "finalista"), "advanced": ("advanced to the next round",
                                                                 "ammessa alla fase successiva"),
             "not_advanced": ("not advanced", "non ammessa alla fase successiva")}
    assert {r[5] for r in decisions[1:]} <= set(words) and all(r[4] in words[r[5]] for r in decisions[1:])

    verbale = client.get(f"{base}/verbale.pdf?round=R1&lang=it")
    assert verbale.status_code == 200 and verbale.headers["content-type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(verbale.content)).pages)
    text = " ".join(text.split())
    for name in call.names.values():
        assert name in text
    assert "Verbale" in text or "verbale" in text
    assert "Metodo" in text and "Tie on impact, decided by the jury chair" in text
    assert "Giurati che hanno inviato valutazioni: 4" in text
    english = client.get(f"{base}/verbale.pdf?round=R1&lang=en")
    english_text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(english.content)).pages).split())
    assert "Method" in english_text and "Jurors who submitted reviews: 4" in english_text


def test_an_export_read_in_many_batches_has_every_row_once_as_one_batch_has_it(settings):
    call = make_call()
    organiser = user(run(Account.select(Account.id).where(Account.email == "olga@foundation.example").first())["id"])

    def built(what: str, fmt: str, batch_rows: int):
        export = run(exports.build_export(actor=organiser, edition_slug=SLUG, what=what, fmt=fmt, round_code="R1",
                                          language="en", settings=settings, batch_rows=batch_rows))
        try:
            content = export.path.read_bytes()
        finally:
            export.path.unlink()
        if fmt == "csv":
            return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
        return [list(r) for r in load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True)]

    for what in ("applications", "scores-long", "scores-wide"):
        for fmt in ("csv", "xlsx"):
            one_at_a_time, all_at_once = built(what, fmt, 1), built(what, fmt, exports.BATCH_ROWS)
            assert one_at_a_time == all_at_once, (what, fmt)
    long_rows = built("scores-long", "csv", 4)[1:]
    assert len(long_rows) == len({tuple(r) for r in long_rows}) == len(call.reviews) * len(CODES)
    names = dict(zip(call.jurors, ("Anna", "Bruno", "Carla", "Dario"), strict=True))
    assert sorted((int(r[1]), r[3], r[4], float(r[5])) for r in long_rows) == sorted(
        (entry, names[juror], code, value) for entry, juror, _total, sheet in call.reviews
        for code, value in sheet.items())
    wide = built("scores-wide", "csv", 2)
    assert sorted(int(r[0]) for r in wide[1:]) == sorted(call.entries)
    assert sum(cell != "" for r in wide[1:] for cell in r[3:]) == len(call.reviews) * len(CODES)


def test_each_score_row_carries_its_own_reviews_submission_time_across_batches(settings):
    """A review's time is converted once for its consecutive scores: each row must still show its own review's."""
    call = make_call()
    organiser = user(run(Account.select(Account.id).where(Account.email == "olga@foundation.example").first())["id"])
    zone = run(Edition.select(Edition.time_zone).where(Edition.slug == SLUG).first())["time_zone"]
    times = {}
    for n, row in enumerate(run(Review.select(Review.id, Review.assignment.application, Review.assignment.juror)
                                .where(Review.assignment.round == call.round_id).order_by(Review.id))):
        at = datetime(2026, 3, 1, 9, 0, 30, 500, tzinfo=UTC) + timedelta(minutes=7 * n)
        set_review(row["id"], submitted_at=at)
        times[(row["assignment.application"], row["assignment.juror"])] = at
    names = dict(zip(call.jurors, ("Anna", "Bruno", "Carla", "Dario"), strict=True))
    expected = sorted((entry, names[juror], code, str(times[(entry, juror)].astimezone(ZoneInfo(zone)).replace(
        microsecond=0, tzinfo=None))) for entry, juror, _total, sheet in call.reviews for code in sheet)
    for batch_rows in (3, exports.BATCH_ROWS):
        export = run(exports.build_export(actor=organiser, edition_slug=SLUG, what="scores-long", fmt="csv",
                                          round_code="R1", language="en", settings=settings, batch_rows=batch_rows))
        try:
            rows = list(csv.reader(io.StringIO(export.path.read_text("utf-8-sig"))))[1:]
        finally:
            export.path.unlink()
        assert sorted((int(r[1]), r[3], r[4], r[7]) for r in rows) == expected, batch_rows


# -- Who may see all this -------------------------------------------------------------------------

CONSOLE = ["/organise/{slug}/results", "/organise/{slug}/rounds/R1/results", "/organise/{slug}/rounds/R1/advancement",
           "/organise/{slug}/exports", "/organise/{slug}/exports/applications.csv",
           "/organise/{slug}/exports/scores-wide.xlsx?round=R1", "/organise/{slug}/exports/verbale.pdf?round=R1",
           "/organise/{slug}/jobs/{job}", "/organise/{slug}/jobs/{job}/download"]
POSTS = ["/organise/{slug}/rounds/R1/advancement", "/organise/{slug}/rounds/R1/advancement/publish",
         "/organise/{slug}/rounds/R1/results/bootstrap", "/organise/{slug}/exports/prepare"]


def test_no_one_but_the_editions_organisers_reaches_results_exports_or_jobs(client, settings):
    make_call(advancement={"top_n": 3})
    as_organiser(client)
    prepared = client.post(f"/organise/{SLUG}/exports/prepare", follow_redirects=False, data={
        "_csrf_token": csrf_token(client, f"/organise/{SLUG}/exports"), "what": "applications", "format": "csv"})
    job = int(prepared.headers["location"].rsplit("/", 1)[1])
    run(jobs.run_pending(settings=settings))
    assert client.get(f"/organise/{SLUG}/jobs/{job}/download").status_code == 200
    token = csrf_token(client, "/me")

    account("elsewhere@other.example", role="organiser", edition_slug=None)
    for email, status in (("anna@jury.example", 403), ("applicant0@entity.example", 403),
                          ("elsewhere@other.example", 404)):
        client.cookies.clear()
        sign_in(client, email, PASSWORD)
        token = csrf_token(client, "/me")
        for path in CONSOLE:
            response = client.get(path.format(slug=SLUG, job=job))
            assert response.status_code == status, (email, path)
            assert "Impresa" not in response.text
        for path in POSTS:
            response = client.post(path.format(slug=SLUG), data={"_csrf_token": token, "what": "applications",
                                                                  "format": "csv"}, follow_redirects=False)
            assert response.status_code == status, (email, path)
    assert run(Decision.count()) == 0
    assert run(Job.count()) == 1


# -- Long operations ------------------------------------------------------------------------------


def test_a_large_rounds_bootstrap_runs_as_a_job_with_progress_and_only_once(settings):
    from web.app import create_app

    call = make_call(advancement={"top_n": 3}, round_settings={"replicates": 200000})
    large = replace(settings, large_round_reviews=10, large_export_rows=10)
    with TestClient(create_app(large), base_url="http://testserver.local") as client:
        as_organiser(client)
        path = f"/organise/{SLUG}/rounds/R1/results"
        page = client.get(path, headers=EN)
        assert page.status_code == 200
        ranking = expected(call, method="additive", top=3, replicates=0)
        assert page_entries(page.text) == [r.entry for r in ranking]  # the ranking shows at once
        assert "Compute the intervals" in page.text and "data:image/svg+xml" not in page.text.split("<h2>Jurors")[0]
        menu = client.get(f"/organise/{SLUG}/exports", headers=EN)
        assert "Prepare XLSX" in menu.text and "/exports/applications.csv" not in menu.text
        point = load_workbook(io.BytesIO(client.get(f"/organise/{SLUG}/exports/rankings.xlsx?round=R1").content))
        header, *ranked = point.active.iter_rows(values_only=True)
        low = header.index("Interval low")
        assert [r[1] for r in ranked] == [r.entry for r in ranking] and {r[low] for r in ranked} == {None}
        response = client.post(f"{path}/bootstrap", data={"_csrf_token": csrf_token(client, path), "method": "",
                                                           "group": "all", "top": "3"}, follow_redirects=False)
        assert response.status_code == 302
        client.post(f"{path}/bootstrap", data={"_csrf_token": csrf_token(client, path), "group": "all", "top": "3"})
        assert run(Job.count()) == 1  # a second click joins the first job
        waiting = client.get(path, headers=EN)
        assert '<meta http-equiv="refresh"' in waiting.text and "waiting" in waiting.text
        assert 'hx-trigger="every 2s"' in waiting.text

        seen: list[int] = []

        async def watch(stop: asyncio.Event) -> None:
            while not stop.is_set():
                row = await Job.select(Job.progress, Job.status).first()
                seen.append(row["progress"])
                await asyncio.sleep(0.005)

        async def two_runners() -> list[int]:
            stop = asyncio.Event()
            watcher = asyncio.create_task(watch(stop))
            counts = await asyncio.gather(jobs.run_pending(settings=large), jobs.run_pending(settings=large))
            stop.set()
            await watcher
            return counts

        counts = run(two_runners())
        assert sorted(counts) == [0, 1]
        job = run(Job.select().first())
        assert (job["status"], job["progress"], job["attempts"]) == ("done", 100, 1)
        assert any(0 < value < 100 for value in seen), seen
        assert run(jobs.claim_next()) is None

        done = client.get(path, headers=EN)
        assert "Compute the intervals" not in done.text and '<meta http-equiv="refresh"' not in done.text
        full = expected(call, method="additive", top=3, replicates=200000)
        score, low, high = figures(row_html(done.text, full[0].entry))
        assert (score, low, high) == pytest.approx((full[0].score, full[0].ci_low, full[0].ci_high), abs=0.006)
        assert page_entries(done.text) == [r.entry for r in full]


def test_an_export_prepared_in_the_background_downloads_when_done(client, settings):
    make_call(advancement={"top_n": 3})
    as_organiser(client)
    response = client.post(f"/organise/{SLUG}/exports/prepare", follow_redirects=False, data={
        "_csrf_token": csrf_token(client, f"/organise/{SLUG}/exports"), "what": "verbale", "format": "pdf",
        "round": "R1", "lang": "en"})
    assert response.status_code == 302
    job_path = response.headers["location"]
    waiting = client.get(job_path, headers=EN)
    assert "waiting" in waiting.text and '<meta http-equiv="refresh" content="3">' in waiting.text
    assert client.get(f"{job_path}/download").status_code == 404
    row = run(jobs.claim_next())
    assert row is not None and run(jobs.claim_next()) is None  # a second worker finds nothing to claim
    fragment = client.get(job_path, headers={**EN, "hx-request": "true"})
    assert fragment.text.lstrip().startswith('<div id="job-') and "running" in fragment.text
    run(jobs.run_job(row, settings=settings))
    done = client.get(job_path, headers=EN)
    assert "Download welfare-comunita-2026-verbale-R1.pdf" in done.text and "refresh" not in done.text
    download = client.get(f"{job_path}/download")
    assert download.status_code == 200 and download.headers["content-type"] == "application/pdf"
    assert "Deliberation record" in PdfReader(io.BytesIO(download.content)).pages[0].extract_text()


@pytest.mark.parametrize("settings", ["sqlite"], indirect=True)
def test_giuria_jobs_run_drains_the_queue(settings, monkeypatch):
    from click.testing import CliRunner

    from core.cli.main import cli

    make_call()
    job = run(jobs.enqueue_job(kind="export", edition_id=run(Edition.select(Edition.id).first())["id"],
                               params={"what": "applications", "format": "csv", "round": None, "language": "it"},
                               created_by=None))
    monkeypatch.setenv("GIURIA_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("GIURIA_SECRET_KEY", settings.secret_key)
    result = CliRunner().invoke(cli, ["jobs", "run"])
    assert result.exit_code == 0, result.output
    assert "Ran 1 jobs." in result.output
    assert run(Job.select(Job.status).where(Job.id == job.id).first())["status"] == "done"
