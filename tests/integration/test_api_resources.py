"""The token API's resources act through the same services and checks as the pages: an edition's token never
reaches another edition, a read token never writes, a juror's blind entry stays blind, a sponsor sees its own
prizes only. Over HTTP on both engines."""

from __future__ import annotations

from core.editions import access
from core.platform.tables import Account, Application, Assignment, AuditEvent, Decision
from tests.conftest import run
from tests.factories import (
    EXAMPLE,
    SLUG,
    account,
    application,
    assignment,
    award,
    example_edition,
    open_round,
    review,
)
from tests.integration.test_api_tokens import bearer, token_for

OTHER = "altra-edizione-2027"


def test_an_organiser_pages_through_applications_and_an_edition_token_never_reaches_another(client):
    edition = example_edition()
    other = example_edition(EXAMPLE.replace(SLUG, OTHER))
    olga = account("olga@foundation.example", role="organiser")
    run(access.grant_role(account_id=olga, role="organiser", edition_slug=OTHER))
    ids = [application(edition, owner=account(f"owner{n}@coop.example"), status=status, entity_name=f"Coop {n}")
           for n, status in enumerate(("submitted", "submitted", "draft", "submitted"))]
    elsewhere = application(other, owner=account("far@coop.example"), status="submitted", entity_name="Coop altrove")
    limited, everywhere = token_for(olga, edition=SLUG), token_for(olga)

    first = client.get(f"/api/v1/editions/{SLUG}/applications?status=submitted&limit=2", headers=bearer(limited))
    assert first.status_code == 200
    assert [a["id"] for a in first.json()["items"]] == [ids[0], ids[1]] and first.json()["next_cursor"]
    rest = client.get(f"/api/v1/editions/{SLUG}/applications",
                      params={"status": "submitted", "limit": 2, "cursor": first.json()["next_cursor"]},
                      headers=bearer(limited))
    assert [a["id"] for a in rest.json()["items"]] == [ids[3]] and rest.json()["next_cursor"] is None
    assert rest.json()["items"][0]["entity_name"] == "Coop 3" and rest.json()["items"][0]["track"] == "AGR"
    detail = client.get(f"/api/v1/editions/{SLUG}/applications/{ids[0]}", headers=bearer(limited))
    assert detail.status_code == 200
    assert detail.json()["applicant_email"] == "owner0@coop.example" and detail.json()["attachments"] == []

    # The edition's token: 404 on the other edition, through its own path or this edition's.
    for path in (f"/api/v1/editions/{OTHER}/applications", f"/api/v1/editions/{OTHER}/applications/{elsewhere}",
                 f"/api/v1/editions/{SLUG}/applications/{elsewhere}"):
        refused = client.get(path, headers=bearer(limited))
        assert refused.status_code == 404 and "Coop altrove" not in refused.text, path
    assert client.get(f"/api/v1/editions/{OTHER}/applications/{elsewhere}",
                      headers=bearer(everywhere)).json()["entity_name"] == "Coop altrove"
    for cursor in ("nonsense", "YWZ0ZXI6LTE", "%00"):
        assert client.get(f"/api/v1/editions/{SLUG}/applications", params={"cursor": cursor},
                          headers=bearer(limited)).status_code == 400, cursor
    assert client.get(f"/api/v1/editions/{SLUG}/applications?limit=0", headers=bearer(limited)).status_code == 400


def test_admissibility_is_written_only_with_a_write_token_of_an_organiser(client):
    edition = example_edition()
    olga = account("olga@foundation.example", role="organiser")
    owner = account("ada@coop.example", role="applicant")
    entries = [application(edition, owner=account(f"owner{n}@coop.example"), status="submitted") for n in range(2)]
    url = f"/api/v1/editions/{SLUG}/admissibility"
    body = {"application_ids": entries, "outcome": "admissible"}

    read = client.post(url, json=body, headers=bearer(token_for(olga)))
    assert read.status_code == 403 and read.json()["status"] == 403
    assert client.post(url, json=body, headers=bearer(token_for(owner, scope="write"))).status_code == 404
    writer = bearer(token_for(olga, scope="write"))
    no_reason = client.post(url, json={"application_ids": entries, "outcome": "not_admissible"}, headers=writer)
    assert no_reason.status_code == 422 and set(no_reason.json()["errors"]) == {"reason"}
    assert client.post(url, json={**body, "outcome": "maybe"}, headers=writer).status_code == 400
    assert client.post(url, json={**body, "extra": 1}, headers=writer).status_code == 400
    assert run(Application.count().where(Application.status == "admissible")) == 0

    done = client.post(url, json=body, headers=writer)
    assert done.status_code == 200 and done.json() == {"changed": 2}
    assert run(Application.count().where(Application.status == "admissible")) == 2
    assert run(Decision.count().where(Decision.outcome == "admissible")) == 2
    event = run(AuditEvent.select(AuditEvent.actor).where(AuditEvent.action == "application.admissibility").first())
    assert event["actor"] == olga  # the token acts as its owner


def test_a_juror_scores_an_open_entry_with_a_write_token_and_never_reaches_another_jurors(client):
    edition = example_edition()
    open_round(edition.rounds["R1"], blind=False)
    anna, bruno = account("anna@jury.example", role="juror"), account("bruno@jury.example", role="juror")
    owner = account("ada@coop.example", role="applicant")
    entry = application(edition, owner=owner, entity_name="Coop Visibile")
    mine, theirs = assignment(edition.rounds["R1"], entry, anna), assignment(edition.rounds["R1"], entry, bruno)
    reader, writer = bearer(token_for(anna)), bearer(token_for(anna, scope="write"))

    listed = client.get(f"/api/v1/editions/{SLUG}/jury/assignments", headers=reader)
    assert [a["id"] for a in listed.json()] == [mine] and listed.json()[0]["status"] == "to_check"
    assert client.get(f"/api/v1/editions/{SLUG}/jury/assignments/{theirs}", headers=reader).status_code == 404
    before = client.get(f"/api/v1/editions/{SLUG}/jury/assignments/{mine}", headers=reader).json()
    assert before["conflict_cleared"] is False and before["answers"] == {} and before["entity_name"] == ""
    assert client.post(f"/api/v1/editions/{SLUG}/jury/assignments/{mine}/no-conflict",
                       headers=reader).status_code == 403
    cleared = client.post(f"/api/v1/editions/{SLUG}/jury/assignments/{mine}/no-conflict", headers=writer)
    assert cleared.status_code == 200 and cleared.json()["entity_name"] == "Coop Visibile"

    review = f"/api/v1/editions/{SLUG}/jury/assignments/{mine}/review"
    sheet = {"values": {"IMP": 4, "INN": 3, "SOS": 2, "TEA": 4, "RET": 5}, "overall_comment": "Solida."}
    assert client.put(review, json=sheet, headers=reader).status_code == 403
    off_scale = client.put(review, json={"values": {"IMP": 9}, "submit": True}, headers=writer)
    assert off_scale.status_code == 422 and set(off_scale.json()["errors"]) == {"IMP"}
    draft = client.put(review, json={"values": {"IMP": 4}}, headers=writer)
    assert draft.status_code == 200 and draft.json()["submitted"] is False
    submitted = client.put(review, json={**sheet, "values": {**sheet["values"], "IMP": 5}, "submit": True},
                           headers=writer)
    assert submitted.status_code == 200 and submitted.json()["submitted"] is True
    assert submitted.json()["total"] is not None
    stored = client.get(f"/api/v1/editions/{SLUG}/jury/assignments/{mine}", headers=reader).json()["review"]
    assert stored["values"]["IMP"] == 5 and stored["submitted"] is True and stored["overall_comment"] == "Solida."
    assert client.put(f"/api/v1/editions/{SLUG}/jury/assignments/{theirs}/review", json=sheet,
                      headers=writer).status_code == 404


def test_a_sponsor_token_sees_its_own_prizes_only_and_no_applications(client):
    edition = example_edition()
    aurora = account("aurora@sponsor.example", role="sponsor",
                     organisation=edition.organisations["Fondazione Aurora (demo)"])
    token = bearer(token_for(aurora))
    own = client.get(f"/api/v1/editions/{SLUG}/sponsor", headers=token)
    assert own.status_code == 200 and own.json()["organisation"] == "Fondazione Aurora (demo)"
    assert [p["code"] for p in own.json()["prizes"]] == ["P-NORD"]
    assert "P-CENTRO" not in own.text
    for path in (f"/api/v1/editions/{SLUG}/applications", f"/api/v1/editions/{SLUG}/rounds/R1/decisions"):
        assert client.get(path, headers=token).status_code == 404, path


def test_an_applicant_token_reads_its_own_applications_only(client):
    edition = example_edition()
    ada, bea = account("ada@coop.example", role="applicant"), account("bea@coop.example", role="applicant")
    mine = application(edition, owner=ada, status="submitted", entity_name="Coop Ada")
    application(edition, owner=bea, status="submitted", entity_name="Coop Bea")
    own = client.get(f"/api/v1/editions/{SLUG}/my/applications", headers=bearer(token_for(ada)))
    assert own.status_code == 200 and [a["id"] for a in own.json()] == [mine] and "Coop Bea" not in own.text
    assert client.get(f"/api/v1/editions/{SLUG}/applications/{mine}",
                      headers=bearer(token_for(ada))).status_code == 404


def test_an_organiser_reads_a_rounds_ranking_and_stages_decisions_with_a_write_token(client):
    edition = example_edition()
    open_round(edition.rounds["R1"], opened_days_ago=10, closes_in_days=-1, blind=False)
    olga = account("olga@foundation.example", role="organiser")
    jurors = [account(f"j{n}@jury.example", role="juror") for n in range(3)]
    entries = [application(edition, owner=account(f"owner{n}@coop.example"), entity_name=f"Coop {n}")
               for n in range(3)]
    for rank, entry in enumerate(entries):
        for juror in jurors:
            scores = {"IMP": 5 - rank, "INN": 4, "SOS": 3, "TEA": 4, "RET": 4}
            review(assignment(edition.rounds["R1"], entry, juror, status="submitted"), scores, total=80 - 10 * rank)
    url = f"/api/v1/editions/{SLUG}/rounds/R1/decisions"
    reader, writer = bearer(token_for(olga)), bearer(token_for(olga, scope="write"))

    ranking = client.get(url, headers=reader)
    assert ranking.status_code == 200, ranking.text
    rows = ranking.json()["decisions"]
    assert [r["application_id"] for r in rows] == entries and rows[0]["rank"] == 1
    assert all(r["score_low"] is not None and r["score_low"] <= r["score"] <= r["score_high"] for r in rows)
    assert ranking.json()["staged"] is False
    negative = ranking.json()["negative"]

    change = {"decisions": [{"application_id": entries[0], "outcome": negative}]}
    assert client.put(url, json=change, headers=reader).status_code == 403
    no_reason = client.put(url, json=change, headers=writer)
    assert no_reason.status_code == 422 and set(no_reason.json()["errors"]) == {str(entries[0])}
    assert run(Decision.count()) == 0
    change["decisions"][0]["reason"] = "Ritirata dal comitato."
    staged = client.put(url, json=change, headers=writer)
    assert staged.status_code == 200 and staged.json()["staged"] is True
    first = next(r for r in staged.json()["decisions"] if r["application_id"] == entries[0])
    assert first["decided"] == negative and first["reason"] == "Ritirata dal comitato."
    assert run(Decision.count()) == 3
    assert client.get(f"/api/v1/editions/{SLUG}/rounds/NOPE/decisions", headers=reader).status_code == 404


def test_the_openapi_document_declares_bearer_auth_and_every_error_of_each_token_call(client):
    schema = client.get("/schema/openapi.json").json()
    assert schema["components"]["securitySchemes"]["BearerToken"] == {
        "type": "http", "scheme": "bearer", "description": schema["components"]["securitySchemes"]["BearerToken"][
            "description"]}
    token_calls = [(path, method, operation) for path, item in schema["paths"].items()
                   for method, operation in item.items() if path.startswith("/api/v1/")
                   and path not in ("/api/v1/editions", "/api/v1/editions/{slug}")]
    assert len(token_calls) >= 22
    for path, method, operation in token_calls:
        assert operation["security"] == [{"BearerToken": []}], (path, method)
        expected = {"400", "401", "403", "404", "429"} | ({"409", "422"} if method != "get" else set())
        assert expected <= set(operation["responses"]), (path, method, set(operation["responses"]))
        # Success is 200, or 201 for what a call creates and 204 for what it removes; its body has a schema.
        [success] = {"200", "201", "204"} & set(operation["responses"])
        assert success == "204" or "schema" in operation["responses"][success]["content"]["application/json"], path
    invalid = schema["paths"]["/api/v1/editions/{slug}/admissibility"]["post"]["responses"]["422"]
    name = invalid["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert set(schema["components"]["schemas"][name]["required"]) == {"status", "title", "detail", "errors"}
    # What a 401 really says is what the document promises.
    assert set(client.get("/api/v1/me").json()) == {"status", "title", "detail"}


def test_a_juror_token_gets_nothing_of_a_blind_entrys_identity(client):
    from tests.factories import as_person as as_blind_user
    from tests.integration.test_blind_rounds import (
        ENTITY,
        blind_entry,
        leaks,
        redaction_form,
    )

    entry = blind_entry(client)
    juror = run(Assignment.select(Assignment.juror).where(Assignment.id == entry.assignment_id).first())["juror"]
    organiser = run(Account.select(Account.id).where(Account.email == "olga@foundation.example").first())["id"]
    reader, writer = bearer(token_for(juror)), bearer(token_for(juror, scope="write"))
    base = f"/api/v1/editions/{SLUG}/jury/assignments/{entry.assignment_id}"
    closed = client.get(base, headers=reader)
    assert closed.status_code == 409 and ENTITY not in closed.text  # names still being cleared

    as_blind_user(client, "olga@foundation.example")
    page = f"/organise/{SLUG}/rounds/R1/redaction/{entry.application_id}"
    assert client.post(page, data=redaction_form(client, page), follow_redirects=False).status_code == 302
    client.cookies.clear()
    texts = [client.get(f"/api/v1/editions/{SLUG}/jury/assignments", headers=reader).content]
    cleared = client.post(f"{base}/no-conflict", headers=writer)
    assert cleared.status_code == 200
    body = client.get(base, headers=reader)
    texts += [cleared.content, body.content, str(dict(body.headers))]
    assert leaks(texts) == []
    assert body.json()["blind"] is True and body.json()["entity_name"] == "" and body.json()["team"] == []
    assert "[omissis]" in body.text and "coltiva orti con i giovani del quartiere" in body.text
    # The same entry through the organiser's token names the applicant: the check above can fail.
    organiser_view = client.get(f"/api/v1/editions/{SLUG}/applications/{entry.application_id}",
                                headers=bearer(token_for(organiser)))
    assert ENTITY in organiser_view.text


def test_an_organiser_reads_the_editions_awards_and_a_sponsor_does_not(client):
    edition = example_edition()
    olga = account("olga@foundation.example", role="organiser")
    aurora = account("aurora@sponsor.example", role="sponsor",
                     organisation=edition.organisations["Fondazione Aurora (demo)"])
    entry = application(edition, owner=account("ada@coop.example"), status="winner", entity_name="Coop Vincente")
    award_id = award(edition.prizes["P-NORD"], entry)
    listed = client.get(f"/api/v1/editions/{SLUG}/awards", headers=bearer(token_for(olga)))
    assert listed.status_code == 200
    assert listed.json() == [{"id": award_id, "prize": "P-NORD", "application_id": entry,
                              "entity_name": "Coop Vincente", "status": "confirmed", "conditions": []}]
    assert client.get(f"/api/v1/editions/{SLUG}/awards", headers=bearer(token_for(aurora))).status_code == 404


def test_a_read_only_token_is_told_why_a_change_is_refused(client):
    example_edition()
    olga = account("olga@foundation.example", role="organiser")
    url = f"/api/v1/editions/{SLUG}/admissibility"
    refused = client.post(url, json={"application_ids": [], "outcome": "admissible"},
                          headers={**bearer(token_for(olga)), "accept-language": "en"})
    assert refused.status_code == 403
    assert refused.json() == {"status": 403, "title": "Not allowed",
                              "detail": "This token may only read. Make a write token to change anything."}
