"""The organiser's and the mentoring path's calls of the token API: the edition's structure with its rubrics, a
round's assignment changed through the assignment page's service, decisions published with a confirmation, the
audit log by cursor, mentoring matches, paths and KPI reports. Same checks as the pages; over HTTP on both
engines."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from core.editions import access
from core.judging import rounds
from core.platform.tables import Application, Assignment, AuditEvent, Decision, KpiValue, OutgoingMail
from tests.conftest import run
from tests.factories import (
    EN,
    EXAMPLE,
    SLUG,
    account,
    application,
    assignment,
    declared_conflict,
    example_edition,
    mentor_match,
    mentoring_session,
    open_round,
    review,
    user,
)
from tests.integration.test_api_tokens import bearer, token_for

OTHER = "altra-edizione-2027"


def test_an_organiser_reads_the_editions_structure_with_rubrics_and_prizes_and_no_one_else_does(client):
    edition = example_edition()
    example_edition(EXAMPLE.replace(SLUG, OTHER))
    olga = account("olga@foundation.example", role="organiser")
    anna = account("anna@jury.example", role="juror")
    url = f"/api/v1/editions/{SLUG}/structure"

    built = client.get(url, headers=bearer(token_for(olga, edition=SLUG)))
    assert built.status_code == 200, built.text
    body = built.json()
    assert body["slug"] == SLUG and [t["code"] for t in body["tracks"]] == ["AGR", "PAT", "WCI", "SPW"]
    assert {a["code"] for a in body["areas"]} == {"NORD", "CENTRO", "SUD"}
    assert [r["code"] for r in body["rounds"]] == list(edition.rounds)
    r1 = next(r for r in body["rounds"] if r["code"] == "R1")
    assert r1["rubric"]["name"] == "welfare-screening"
    impact = next(c for c in r1["rubric"]["criteria"] if c["code"] == "IMP")
    assert impact["weight"] > 0 and impact["min"] < impact["max"] and len(impact["anchors"]) == 5
    assert impact["anchors"][0]["label"]["en"] == "No demonstrated impact"
    assert next(r for r in body["rounds"] if r["code"] == "R0")["rubric"] is None
    nord = next(p for p in body["prizes"] if p["code"] == "P-NORD")
    assert nord["sponsor"] == "Fondazione Aurora (demo)" and nord["quantity"] >= 1 and nord["target"]

    # The same rules as the set-up page: a juror's token, and an edition token elsewhere, get 404.
    assert client.get(url, headers=bearer(token_for(anna))).status_code == 404
    run(access.grant_role(account_id=olga, role="organiser", edition_slug=OTHER))
    assert client.get(f"/api/v1/editions/{OTHER}/structure",
                      headers=bearer(token_for(olga, edition=SLUG))).status_code == 404
    assert client.get(f"/api/v1/editions/{OTHER}/structure", headers=bearer(token_for(olga))).status_code == 200


def test_an_organiser_adds_and_removes_assignments_through_the_assignment_pages_rules(client):
    edition = example_edition()
    olga = account("olga@foundation.example", role="organiser")
    anna, bruno = account("anna@jury.example", role="juror"), account("bruno@jury.example", role="juror")
    first, second = (application(edition, owner=account(f"owner{n}@coop.example"), entity_name=f"Coop {n}")
                     for n in range(2))
    kept = assignment(edition.rounds["R1"], first, bruno)
    review(kept, {"IMP": 4}, status="draft")
    declared_conflict(second, bruno)
    url = f"/api/v1/editions/{SLUG}/rounds/R1/assignments"
    reader, writer = bearer(token_for(olga)), bearer(token_for(olga, scope="write"))

    listed = client.get(url, headers=reader)
    assert listed.status_code == 200, listed.text
    assert [(a["id"], a["application_id"], a["juror_id"], a["reviewed"]) for a in listed.json()["assignments"]] == [
        (kept, first, bruno, True)]
    assert {j["id"] for j in listed.json()["jurors"]} == {anna, bruno}
    assert {e["application_id"] for e in listed.json()["entries"]} == {first, second}

    body = {"application_id": first, "juror_id": anna}
    assert client.post(url, json=body, headers=reader).status_code == 403
    added = client.post(url, json=body, headers=writer)
    assert added.status_code == 201, added.text
    new = added.json()["id"]
    row = run(Assignment.select(Assignment.origin, Assignment.juror).where(Assignment.id == new).first())
    assert row == {"origin": "manual", "juror": anna}
    assert run(AuditEvent.select(AuditEvent.actor).where(AuditEvent.action == "assignment.added").first()) == {
        "actor": olga}
    twice = client.post(url, json=body, headers=writer)
    assert twice.status_code == 422 and set(twice.json()["errors"]) == {"juror"}
    conflict = client.post(url, json={"application_id": second, "juror_id": bruno}, headers={**writer, **EN})
    assert conflict.status_code == 422 and "conflict" in conflict.json()["errors"]["juror"]
    outside = client.post(url, json={"application_id": 999999, "juror_id": anna}, headers=writer)
    assert outside.status_code == 422 and set(outside.json()["errors"]) == {"entry"}

    assert client.delete(f"{url}/{new}", headers=reader).status_code == 403
    assert client.delete(f"{url}/{new}", headers=writer).status_code == 204
    assert client.delete(f"{url}/{new}", headers=writer).status_code == 404
    reviewed = client.delete(f"{url}/{kept}", headers=writer)
    assert reviewed.status_code == 409 and run(Assignment.count().where(Assignment.id == kept)) == 1
    # A juror's token reaches none of it.
    juror = bearer(token_for(anna, scope="write"))
    assert client.get(url, headers=juror).status_code == 404
    assert client.post(url, json={"application_id": second, "juror_id": anna}, headers=juror).status_code == 404


def test_decisions_are_published_only_once_scoring_is_closed_and_exactly_as_confirmed(client):
    edition = example_edition()
    open_round(edition.rounds["R1"], opened_days_ago=10, closes_in_days=-1, blind=False)
    olga = account("olga@foundation.example", role="organiser")
    jurors = [account(f"j{n}@jury.example", role="juror") for n in range(3)]
    entries = [application(edition, owner=account(f"owner{n}@coop.example"), entity_name=f"Coop {n}")
               for n in range(3)]
    for rank, entry in enumerate(entries):
        for juror in jurors:
            review(assignment(edition.rounds["R1"], entry, juror, status="submitted"),
                   {"IMP": 5 - rank, "INN": 4, "SOS": 3, "TEA": 4, "RET": 4}, total=80 - 10 * rank)
    reader, writer = bearer(token_for(olga)), bearer(token_for(olga, scope="write"))
    base = f"/api/v1/editions/{SLUG}/rounds/R1"
    assert client.put(f"{base}/decisions", json={}, headers=writer).status_code == 200

    check = client.get(f"{base}/publication", headers=reader)
    assert check.status_code == 200, check.text
    assert check.json()["staged"] == 3 and check.json()["scoring_closed"] is False
    assert check.json()["can_publish"] is False and len(check.json()["fingerprint"]) == 32
    confirmed = {"expected_count": 3, "expected_fingerprint": check.json()["fingerprint"]}
    assert client.post(f"{base}/publication", json=confirmed, headers=reader).status_code == 403
    still_open = client.post(f"{base}/publication", json=confirmed, headers={**writer, **EN})
    assert still_open.status_code == 409 and "close scoring" in still_open.json()["detail"]

    run(rounds.close_scoring(actor=user(olga), edition_slug=SLUG, round_code="R1"))
    ready = client.get(f"{base}/publication", headers=reader).json()
    assert ready["can_publish"] is True and ready["fingerprint"] == confirmed["expected_fingerprint"]
    # Restaged meanwhile: the confirmation no longer names what would go out, and nothing is published.
    negative = client.get(f"{base}/decisions", headers=reader).json()["negative"]
    client.put(f"{base}/decisions", headers=writer, json={"decisions": [
        {"application_id": entries[0], "outcome": negative, "reason": "Ritirata."}]})
    changed = client.post(f"{base}/publication", json=confirmed, headers=writer)
    assert changed.status_code == 409 and changed.json()["status"] == 409
    assert client.post(f"{base}/publication", json={**confirmed, "expected_count": 2},
                       headers=writer).status_code == 409
    assert run(Decision.count().where(Decision.published_at.is_not_null())) == 0

    fresh = client.get(f"{base}/publication", headers=reader).json()
    assert fresh["fingerprint"] != confirmed["expected_fingerprint"]
    published = client.post(f"{base}/publication", headers=writer, json={
        "expected_count": fresh["staged"], "expected_fingerprint": fresh["fingerprint"]})
    assert published.status_code == 200 and published.json() == {"published": 3}
    assert run(Application.select(Application.status).where(Application.id == entries[0]).first())["status"] == \
        negative
    assert run(OutgoingMail.count().where(OutgoingMail.kind.like("decision.%"))) == 3
    again = client.post(f"{base}/publication", headers=writer, json={
        "expected_count": fresh["staged"], "expected_fingerprint": fresh["fingerprint"]})
    assert again.status_code == 409
    assert client.get(f"{base}/publication", headers=reader).json()["published_at"] is not None


def test_an_organiser_walks_the_audit_log_by_cursor_filtered_by_kind_and_date(client):
    edition = example_edition()
    example_edition(EXAMPLE.replace(SLUG, OTHER))
    olga = account("olga@foundation.example", role="organiser")
    run(access.grant_role(account_id=olga, role="organiser", edition_slug=OTHER))
    writer = bearer(token_for(olga, scope="write"))
    entries = [application(edition, owner=account(f"owner{n}@coop.example"), status="submitted") for n in range(3)]
    for entry in entries:
        assert client.post(f"/api/v1/editions/{SLUG}/admissibility", headers=writer,
                           json={"application_ids": [entry], "outcome": "admissible"}).status_code == 200
    url = f"/api/v1/editions/{SLUG}/audit"
    reader = bearer(token_for(olga, edition=SLUG))

    seen, cursor = [], None
    while True:
        page = client.get(url, headers=reader, params={"action": "application.", "limit": 2,
                                                       **({"cursor": cursor} if cursor else {})})
        assert page.status_code == 200, page.text
        seen += page.json()["items"]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
    admitted = [e for e in seen if e["action"] == "application.admissibility"]
    assert [int(e["subject_id"]) for e in admitted] == entries
    assert all(e["action"].startswith("application.") for e in seen)
    assert [e["id"] for e in seen] == sorted(e["id"] for e in seen)
    assert admitted[0]["actor"] == "olga@foundation.example"
    expected = run(AuditEvent.count().where(AuditEvent.action.like("application.%"),
                                            AuditEvent.edition == edition.id))
    assert len(seen) == expected

    today = datetime.now(UTC).date()
    assert client.get(url, headers=reader, params={"date_to": (today - timedelta(days=2)).isoformat()}).json()[
        "items"] == []
    assert client.get(url, headers=reader, params={"subject": f"application:{entries[1]}"}).json()["items"][0][
        "subject_id"] == str(entries[1])
    for bad in ({"date_from": "ieri"}, {"date_from": today.isoformat(), "date_to": (today - timedelta(1)).isoformat()},
                {"cursor": "nonsense"}, {"limit": 0}):
        assert client.get(url, headers=reader, params=bad).status_code == 400, bad
    assert client.get(f"/api/v1/editions/{OTHER}/audit", headers=reader).status_code == 404
    juror = account("anna@jury.example", role="juror")
    assert client.get(url, headers=bearer(token_for(juror))).status_code == 404


def test_mentoring_matches_paths_and_kpi_reports_follow_the_pages_rules(client):
    from tests.integration.mentoring_setup import make_edition

    setup = make_edition()
    alfa, beta = setup.finalists["alfa"], setup.finalists["beta"]
    marta, nico = setup.mentors["marta"], setup.mentors["nico"]
    match = mentor_match(setup.edition_id, marta, alfa, status="confirmed")
    mentor_match(setup.edition_id, nico, beta, status="confirmed")
    mentoring_session(match, starts_at=datetime.now(UTC) - timedelta(days=3), status="held",
                      notes="Parliamo del fido bancario.")
    organiser, mentor = bearer(token_for(setup.organiser)), bearer(token_for(marta))
    startup, other_startup = bearer(token_for(setup.owners["alfa"], scope="write")), bearer(
        token_for(setup.owners["beta"], scope="write"))
    base = f"/api/v1/editions/{SLUG}/mentoring"

    everyone = client.get(f"{base}/matches", headers=organiser)
    assert everyone.status_code == 200 and {m["application_id"] for m in everyone.json()} == {alfa, beta}
    own = client.get(f"{base}/matches", headers=mentor).json()
    assert [(m["application_id"], m["mentor_id"]) for m in own] == [(alfa, marta)]
    assert client.get(f"{base}/matches", headers=startup).status_code == 404

    as_startup = client.get(f"{base}/paths/{alfa}", headers=startup)
    assert as_startup.status_code == 200 and as_startup.json()["role"] == "startup"
    assert as_startup.json()["sessions"][0]["notes"] == "Parliamo del fido bancario."
    assert [m["code"] for m in as_startup.json()["milestones"]] == ["M1", "M2", "M3"]
    assert client.get(f"{base}/paths/{alfa}", headers=mentor).json()["role"] == "mentor"
    as_organiser = client.get(f"{base}/paths/{alfa}", headers=organiser).json()
    assert as_organiser["role"] == "organiser" and as_organiser["sessions"][0]["status"] == "held"
    assert "fido bancario" not in str(as_organiser)  # what mentor and startup say to each other stays theirs
    assert client.get(f"{base}/paths/{alfa}", headers=other_startup).status_code == 404
    assert client.get(f"{base}/paths/{beta}", headers=mentor).status_code == 404

    report = {"kpi": "fte_created", "period_end": (date.today() - timedelta(days=1)).isoformat(), "value": 2.5}
    assert client.post(f"{base}/paths/{alfa}/kpis", json=report,
                       headers=bearer(token_for(setup.owners["alfa"]))).status_code == 403
    assert client.post(f"{base}/paths/{alfa}/kpis", json=report, headers=other_startup).status_code == 404
    assert client.post(f"{base}/paths/{alfa}/kpis", json=report,
                       headers=bearer(token_for(marta, scope="write"))).status_code == 404
    future = client.post(f"{base}/paths/{alfa}/kpis", headers=startup,
                         json={**report, "period_end": (date.today() + timedelta(days=30)).isoformat()})
    assert future.status_code == 422 and set(future.json()["errors"]) == {"period_end"}
    assert client.post(f"{base}/paths/{alfa}/kpis", json={**report, "kpi": "nope"}, headers=startup).status_code == 404
    assert run(KpiValue.count()) == 0
    reported = client.post(f"{base}/paths/{alfa}/kpis", json={**report, "note": "Due part-time."}, headers=startup)
    assert reported.status_code == 201, reported.text
    fte = next(k for k in client.get(f"{base}/paths/{alfa}", headers=organiser).json()["kpis"]
               if k["code"] == "fte_created")
    assert [(v["value"], v["period_end"]) for v in fte["values"]] == [(2.5, report["period_end"])]
    assert run(AuditEvent.count().where(AuditEvent.action == "kpi.reported")) == 1
