"""The edition's audit log through HTTP on both engines: filters, pages, the chain's check, CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from core.platform import audit
from core.platform.tables import AuditEvent
from tests.conftest import run, sign_in
from tests.factories import EN, EXAMPLE, PASSWORD, SLUG, account, example_edition


def seed(client) -> tuple[int, int]:
    editions = {e.slug: e.id for e in (example_edition(),
                                       example_edition(EXAMPLE.replace(SLUG, "another-edition-2026")))}
    olga = account("olga@foundation.example", role="organiser", locale="en")
    piero = account("piero@foundation.example")

    async def events():
        for n in range(55):
            await audit.record("review.submitted", actor_id=piero, edition_id=editions[SLUG], subject_type="review",
                               subject_id=n + 1, data={"total": n})
        await audit.record("award.confirmed", actor_id=olga, edition_id=editions[SLUG], subject_type="award",
                           subject_id=7, data={"prize": "P-NORD", "note": "=HYPERLINK(\"x\")"})
        await audit.record("award.condition_updated", actor_id=olga, edition_id=editions[SLUG],
                           subject_type="award", subject_id=7, data={"code": "credit_check"})
        await audit.record("award.confirmed", actor_id=olga, edition_id=editions["another-edition-2026"],
                           subject_type="award", subject_id=99, data={"prize": "SECRET-PRIZE"})
    run(events())
    sign_in(client, "olga@foundation.example", PASSWORD)
    return olga, piero


def test_filters_pages_and_the_chain(client):
    seed(client)
    page = client.get(f"/organise/{SLUG}/audit", headers=EN)
    assert page.status_code == 200
    assert "The chain is intact" in page.text
    assert "59 events" in page.text  # the import, Olga's grant, 55 reviews, 2 award events
    assert "Page 1 of 2" in page.text and "SECRET-PRIZE" not in page.text
    second = client.get(f"/organise/{SLUG}/audit?page=2", headers=EN)
    assert "Page 2 of 2" in second.text and "created the edition from a competition file" in second.text
    # Events read as sentences with labelled data, codes by their names, never raw JSON.
    assert "confirmed award 7" in page.text
    assert "<dt>Prize</dt><dd>North prize</dd>" in page.text and "P-NORD" not in page.text
    assert "&#34;prize&#34;" not in page.text and "award.confirmed" not in page.text.split("<datalist")[0]

    awards = client.get(f"/organise/{SLUG}/audit?action=award.", headers=EN)
    assert "2 events" in awards.text and "submitted review" not in awards.text
    exact = client.get(f"/organise/{SLUG}/audit?action=award.confirmed", headers=EN)
    assert "One event" in exact.text
    by_actor = client.get(f"/organise/{SLUG}/audit?actor=PIERO@", headers=EN)
    assert "55 events" in by_actor.text
    by_subject = client.get(f"/organise/{SLUG}/audit?subject=review:12", headers=EN)
    assert "One event" in by_subject.text and "submitted review 12" in by_subject.text
    assert "<dt>Total</dt><dd>11</dd>" in by_subject.text
    today = datetime.now(UTC).date()
    dated = client.get(f"/organise/{SLUG}/audit?date_from={today}&date_to={today}&subject=award", headers=EN)
    assert "2 events" in dated.text
    before = client.get(f"/organise/{SLUG}/audit?date_to=2020-01-01", headers=EN)
    assert "No event matches." in before.text
    wrong = client.get(f"/organise/{SLUG}/audit?date_from=yesterday", headers=EN)
    assert wrong.status_code == 400 and "Give the date as 2026-10-31." in wrong.text


def test_the_csv_holds_every_filtered_event_safely(client):
    seed(client)
    response = client.get(f"/organise/{SLUG}/audit.csv?action=award.", headers=EN)
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["id", "at", "actor", "action", "subject_type", "subject_id", "data", "event"]
    assert [r[3] for r in rows[1:]] == ["award.confirmed", "award.condition_updated"]
    assert '"prize": "P-NORD"' in rows[1][6] and rows[1][7].endswith("confirmed award 7")
    assert rows[1][2] == "olga@foundation.example"
    everything = client.get(f"/organise/{SLUG}/audit.csv").content.decode("utf-8-sig")
    assert len(list(csv.reader(io.StringIO(everything)))) == 60  # header + all 59, beyond one page
    assert "SECRET-PRIZE" not in everything


def test_an_altered_event_shows_as_a_broken_chain(client):
    seed(client)
    victim = run(AuditEvent.select(AuditEvent.id).where(AuditEvent.action == "award.confirmed").first())["id"]
    # Written directly on purpose: an edit behind the platform's back is what the page must reveal.
    run(AuditEvent.update({AuditEvent.data: {"prize": "P-SUD"}}).where(AuditEvent.id == victim))
    page = client.get(f"/organise/{SLUG}/audit", headers=EN)
    assert f"The chain is broken at event {victim}" in page.text


def test_strangers_get_no_audit_log(client):
    seed(client)
    client.cookies.clear()
    sign_in(client, "piero@foundation.example", PASSWORD)
    assert client.get(f"/organise/{SLUG}/audit").status_code == 403
    client.cookies.clear()
    account("x@other.example", role="organiser", edition_slug="another-edition-2026")
    sign_in(client, "x@other.example", PASSWORD)
    assert client.get(f"/organise/{SLUG}/audit").status_code == 404
    assert client.get(f"/organise/{SLUG}/audit.csv").status_code == 404
