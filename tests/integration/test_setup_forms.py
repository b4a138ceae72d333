"""An edition set up with forms alone, over HTTP on both engines: new edition, tracks, rounds, partners, prizes."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from core.cli.main import cli
from core.editions import access
from core.editions.competitions import import_competition_text, read_competition_file
from core.people import accounts
from core.platform.tables import Area, AuditEvent, Edition, Prize, Round, Track
from tests import factories
from tests.conftest import csrf_token, run, sign_in

EN = {"accept-language": "en"}
SLUG = "welfare-che-impresa-2027"


@pytest.fixture
def admin(client, settings, monkeypatch):
    """An administrator made with `giuria create-admin` on the test database, signed in."""
    monkeypatch.setenv("GIURIA_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("GIURIA_SECRET_KEY", settings.secret_key)
    monkeypatch.setenv("GIURIA_DB_POOL_SIZE", "0")
    if settings.database_url:
        monkeypatch.setenv("GIURIA_DATABASE_URL", settings.database_url)
    else:
        monkeypatch.delenv("GIURIA_DATABASE_URL", raising=False)
    created = CliRunner().invoke(cli, ["create-admin", "--email", "root@example.org", "--password",
                                       "long-enough-pass"], catch_exceptions=False)
    assert created.exit_code == 0
    assert sign_in(client, "root@example.org", "long-enough-pass").status_code == 302
    choose_language(client, "en")
    return client


def choose_language(client, language: str) -> None:
    token = csrf_token(client, "/")
    response = client.post("/language", data={"_csrf_token": token, "language": language, "next": "/"},
                           follow_redirects=False)
    assert response.status_code in (302, 303)


def post(client, path: str, data: dict, page: str | None = None):
    token = csrf_token(client, page or f"/organise/{SLUG}/setup")
    return client.post(path, data={"_csrf_token": token, **data}, headers=EN, follow_redirects=False)


NEW = {"how": "form", "title_it": "Welfare, che impresa!", "title_en": "Welfare, what an enterprise!",
       "year": "2027", "slug": "", "time_zone": "Europe/Rome", "opens": "2027-03-01T09:00",
       "closes": "2027-04-30T12:00"}


def test_a_whole_edition_set_up_with_forms_round_trips_as_a_file(admin):
    client = admin
    # a refused new-edition form keeps what was typed
    refused = post(client, "/organise/new", {**NEW, "year": "twenty", "closes": "2027-02-01T09:00"}, "/organise/new")
    assert refused.status_code == 400
    assert "Give a year such as 2027." in refused.text
    assert "The call must close after it opens." in refused.text
    assert 'value="Welfare, what an enterprise!"' in refused.text
    assert run(Edition.count()) == 0

    created = post(client, "/organise/new", NEW, "/organise/new")
    assert created.status_code == 302
    assert created.headers["location"] == f"/organise/{SLUG}/setup?saved=created"
    edition = run(Edition.select().output(load_json=True).where(Edition.slug == SLUG).first())
    assert edition["title"] == {"it": "Welfare, che impresa!", "en": "Welfare, what an enterprise!"}
    assert [s["code"] for s in edition["application_form"]][:1] == ["entity"]

    base = f"/organise/{SLUG}/setup"
    assert post(client, f"{base}/tracks/T1/rename", {"name_it": "Agricoltura sociale",
                                                      "name_en": "Social farming"}).status_code == 302
    assert post(client, f"{base}/tracks", {"name_it": "Servizi alla persona", "name_en": "Care services"}
                ).status_code == 302
    missing = post(client, f"{base}/tracks", {"name_it": "Terza", "name_en": ""})
    assert missing.status_code == 400
    assert "Give a name in this language." in missing.text and 'value="Terza"' in missing.text
    assert [t["name"]["en"] for t in run(Track.select().output(load_json=True).order_by(Track.position))] == [
        "Social farming", "Care services"]

    checklist = {"name_it": "Verifica di ammissibilità", "name_en": "Admissibility check", "kind": "admissibility",
                 "workflow": "checklist", "rubric": "", "jurors_per_entry": "1", "opens": "2027-05-01T00:00",
                 "closes": "2027-05-08T23:59"}
    assert post(client, f"{base}/rounds/add", checklist).status_code == 302
    jury = {"name_it": "Giuria online", "name_en": "Online jury", "kind": "screening", "workflow": "rubric",
            "rubric": "welfare-screening", "jurors_per_entry": "3", "blind": "1", "opens": "2027-05-09T00:00",
            "closes": "2027-05-31T23:59"}
    no_rubric = post(client, f"{base}/rounds/add", {**jury, "rubric": "", "jurors_per_entry": "many"})
    assert no_rubric.status_code == 400
    assert "A scoring round needs a rubric." in no_rubric.text
    assert "Give a whole number from 0 to 50." in no_rubric.text
    assert 'value="Online jury"' in no_rubric.text
    assert post(client, f"{base}/rounds/add", jury).status_code == 302
    final = {"name_it": "Finale", "name_en": "Final pitch", "kind": "final_pitch", "workflow": "rubric",
             "rubric": "welfare-final-pitch", "jurors_per_entry": "5", "combine_with": "R2", "weight": "60"}
    bad_weight = post(client, f"{base}/rounds/add", {**final, "weight": "100"})
    assert bad_weight.status_code == 400
    assert "Give this round&#39;s share as a whole percentage from 1 to 99." in bad_weight.text
    assert post(client, f"{base}/rounds/add", final).status_code == 302
    rounds = run(Round.select().output(load_json=True).order_by(Round.position))
    assert [(r["code"], r["kind"], r["workflow"], r["rubric_name"], r["jurors_per_entry"], r["blind"])
            for r in rounds] == [("R1", "admissibility", "checklist", "", 1, False),
                                 ("R2", "screening", "rubric", "welfare-screening", 3, True),
                                 ("R3", "final_pitch", "rubric", "welfare-final-pitch", 5, False)]
    assert rounds[2]["combination"] == {"R2": 0.4, "R3": 0.6}

    for name, kind in (("Fondazione Aurora", "foundation"), ("Banca di Comunità", "bank")):
        assert post(client, f"{base}/partners", {"organisation": name, "role": "sponsor", "kind": kind}
                    ).status_code == 302
    twice = post(client, f"{base}/partners", {"organisation": "Banca di Comunità", "role": "sponsor",
                                              "kind": "bank"})
    assert twice.status_code == 400 and "This organisation already has this role." in twice.text
    assert post(client, f"{base}/prizes", {"name_it": "Premio agricoltura", "name_en": "Farming prize",
                                           "sponsor": "Fondazione Aurora", "kind": "cash_grant", "amount": "20000",
                                           "target": "track:T1"}).status_code == 302
    bad_prize = post(client, f"{base}/prizes", {"name_it": "Prestito", "name_en": "Loan", "sponsor": "Nobody",
                                                "kind": "loan_offer", "amount": "lots", "target": "all_winners"})
    assert bad_prize.status_code == 400
    assert "Choose a partner from the list." in bad_prize.text and "Give an amount in euro, such as 20000." in \
        bad_prize.text and 'value="Prestito"' in bad_prize.text
    assert post(client, f"{base}/prizes", {"name_it": "Prestito", "name_en": "Loan", "sponsor": "Banca di Comunità",
                                           "kind": "loan_offer", "amount": "50000", "target": "all_winners"}
                ).status_code == 302
    prizes = run(Prize.select(Prize.code, Prize.kind, Prize.amount_eur, Prize.target).output(load_json=True).order_by(
        Prize.position))
    assert [(p["code"], p["kind"], float(p["amount_eur"]), p["target"]) for p in prizes] == [
        ("P1", "cash_grant", 20000.0, {"track": "T1", "rank": 1}),
        ("P2", "loan_offer", 50000.0, {"scope": "all_winners"})]

    # a partner giving a prize, and a track a prize is for, stay
    kept = post(client, f"{base}/tracks/T1/remove", {})
    assert kept.status_code == 400 and "A prize is for this track: remove the prize first." in kept.text

    page = client.get(base, headers=EN)
    assert page.status_code == 200
    for shown in ("<summary>Social farming</summary>", "<summary>Care services</summary>",
                  "<small>Admissibility checklist</small>", "<small>Screening with a rubric</small>",
                  "60% Final pitch + 40% Online jury", "Fondazione Aurora · sponsor · foundation",
                  "Farming prize · cash grant · €20,000 · Fondazione Aurora · Social farming"):
        assert shown in page.text
    choose_language(client, "it")
    page = client.get(base)
    for shown in ("<summary>Agricoltura sociale</summary>", "<small>Valutazione con griglia</small>",
                  "60% Finale + 40% Giuria online", "Fondazione Aurora · sponsor · fondazione",
                  "Premio agricoltura · contributo in denaro"):
        assert shown in page.text
    choose_language(client, "en")

    # every change is audited, in draft too
    changed = run(AuditEvent.select(AuditEvent.action).where(AuditEvent.action == "edition.changed"))
    assert len(changed) == 9  # rename, a track, three rounds, two partners, two prizes

    text = client.get(f"{base}/edition.yaml").text
    spec = read_competition_file(text)
    assert [t.code for t in spec.tracks] == ["T1", "T2"]
    assert [r.code for r in spec.rounds] == ["R1", "R2", "R3"]
    assert [p.organisation for p in spec.partners] == ["Fondazione Aurora", "Banca di Comunità"]
    same = post(client, f"{base}/yaml", {"yaml": text})
    assert same.status_code == 302 and same.headers["location"] == f"{base}?saved=unchanged"


EXAMPLE = (Path(__file__).resolve().parents[2] / "examples" / "welfare-che-impresa.yaml").read_text(encoding="utf-8")
RUNNING = "welfare-comunita-2026"


def test_parts_in_use_and_scored_rounds_are_refused_with_a_clear_message(client):
    run(import_competition_text(EXAMPLE))
    account = run(accounts.create_account(email="olga@foundation.example", password="correct-horse-battery",
                                          verified=True, locale="en"))
    run(access.grant_role(account_id=account, role="organiser", edition_slug=RUNNING))
    assert sign_in(client, "olga@foundation.example", "correct-horse-battery").status_code == 302
    edition = run(Edition.select(Edition.id).where(Edition.slug == RUNNING).first())["id"]
    track = run(Track.select(Track.id).where(Track.code == "PAT").first())["id"]
    r1 = run(Round.select(Round.id).where(Round.code == "R1").first())["id"]
    application = factories.application_in(edition, owner=account, track=track, title="Orti", status="in_round")
    assignment = factories.assignment(r1, application, account)
    factories.review(assignment, {}, status="draft")
    r0 = run(Round.select(Round.id).where(Round.code == "R0").first())["id"]
    factories.assignment(r0, application, account)
    base = f"/organise/{RUNNING}/setup"
    before = client.get(f"{base}/edition.yaml").text

    def refused(path: str, data: dict, message: str) -> None:
        token = csrf_token(client, base)
        response = client.post(path, data={"_csrf_token": token, **data}, headers=EN)
        assert response.status_code == 400
        assert message in response.text

    refused(f"{base}/tracks/PAT/remove", {}, "Applications use this track, so it cannot be removed.")
    refused(f"{base}/rounds/R0/remove", {}, "This round has assignments or decisions, so it cannot be removed.")
    refused(f"{base}/tracks/AGR/remove", {}, "A prize is for this track: remove the prize first.")
    refused(f"{base}/rounds/R1/remove", {}, "Another round&#39;s score is combined with this one: remove that first.")
    refused(f"{base}/partners/1/remove", {}, "This organisation gives a prize: remove the prize first.")
    assert client.get(f"{base}/edition.yaml").text == before
    # the rest still changes, and is audited
    token = csrf_token(client, base)
    renamed = client.post(f"{base}/tracks/PAT/rename", data={"_csrf_token": token, "name_it": "Patrimonio",
                                                               "name_en": "Heritage"}, follow_redirects=False)
    assert renamed.status_code == 302
    assert renamed.headers["location"] == f"{base}?saved=tracks#tracks"
    event = run(AuditEvent.select(AuditEvent.data).output(load_json=True).where(
        AuditEvent.action == "edition.changed").first())
    assert [c["path"] for c in event["data"]["changes"]] == ["tracks[PAT].name.it", "tracks[PAT].name.en"]
    # no CSRF token, no change; an unknown part is a missing page
    assert client.post(f"{base}/tracks/PAT/remove", data={}).status_code == 403
    token = csrf_token(client, base)
    assert client.post(f"{base}/tracks/NOPE/remove", data={"_csrf_token": token}).status_code == 404
    assert client.post(f"{base}/partners/99/remove", data={"_csrf_token": token}).status_code == 404


def test_a_stranger_cannot_use_the_set_up_forms_and_an_organiser_creates_an_edition(client):
    run(import_competition_text(EXAMPLE))
    account = run(accounts.create_account(email="maker@foundation.example", password="correct-horse-battery",
                                          verified=True, locale="en"))
    run(access.grant_role(account_id=account, role="organiser", edition_slug=None))
    assert sign_in(client, "maker@foundation.example", "correct-horse-battery").status_code == 302
    token = csrf_token(client, "/organise/new")
    for path in (f"/organise/{RUNNING}/setup/tracks", f"/organise/{RUNNING}/setup/tracks/AGR/remove",
                 f"/organise/{RUNNING}/setup/prizes", f"/organise/{RUNNING}/setup/rounds/add"):
        assert client.post(path, data={"_csrf_token": token, "name_it": "x", "name_en": "y"}).status_code == 404
    taken = client.post("/organise/new", data={"_csrf_token": token, **NEW, "slug": RUNNING}, headers=EN)
    assert taken.status_code == 400
    assert "An edition already has this address; choose another." in taken.text
    created = client.post("/organise/new", data={"_csrf_token": token, **NEW, "slug": "bando-2027"},
                          follow_redirects=False)
    assert created.status_code == 302
    assert client.get("/organise/bando-2027/setup").status_code == 200
    assert run(Track.count().where(Track.edition.slug == "bando-2027")) == 1


def test_the_organiser_opens_the_call_by_changing_the_editions_phase(client):
    run(import_competition_text(EXAMPLE))
    account = run(accounts.create_account(email="maker@foundation.example", password="correct-horse-battery",
                                          verified=True, locale="en"))
    run(access.grant_role(account_id=account, role="organiser", edition_slug=None))
    assert sign_in(client, "maker@foundation.example", "correct-horse-battery").status_code == 302
    token = csrf_token(client, "/organise/new")
    assert client.post("/organise/new", data={"_csrf_token": token, **NEW}, follow_redirects=False).status_code == 302
    assert client.get(f"/c/{SLUG}", headers=EN).status_code == 404  # a draft is nobody's business yet
    setup = client.get(f"/organise/{SLUG}/setup", headers=EN)
    assert '<option value="draft" selected>Draft</option>' in setup.text
    refused = post(client, f"/organise/{SLUG}/setup/phase", {"status": "nonsense"})
    assert refused.status_code == 400 and "Choose one of the phases listed." in refused.text
    opened = post(client, f"/organise/{SLUG}/setup/phase", {"status": "open"})
    assert opened.status_code == 302 and opened.headers["location"].endswith("?saved=phase#phase")
    assert run(Edition.select(Edition.status).where(Edition.slug == SLUG).first())["status"] == "open"
    assert client.get(f"/c/{SLUG}", headers=EN).status_code == 200
    assert run(AuditEvent.count().where(AuditEvent.action == "edition.changed")) >= 1
    # An organiser of another edition cannot move this one.
    client.cookies.clear()
    other = run(accounts.create_account(email="else@foundation.example", password="correct-horse-battery",
                                        verified=True, locale="en"))
    run(access.grant_role(account_id=other, role="organiser", edition_slug=RUNNING))
    assert sign_in(client, "else@foundation.example", "correct-horse-battery").status_code == 302
    assert post(client, f"/organise/{SLUG}/setup/phase", {"status": "archived"},
                page=f"/organise/{RUNNING}/setup").status_code == 404


def test_the_organiser_changes_a_rounds_names_jurors_and_how_many_go_on(client):
    run(import_competition_text(EXAMPLE))
    account = run(accounts.create_account(email="olga@foundation.example", password="correct-horse-battery",
                                          verified=True, locale="en"))
    run(access.grant_role(account_id=account, role="organiser", edition_slug=RUNNING))
    assert sign_in(client, "olga@foundation.example", "correct-horse-battery").status_code == 302
    base = f"/organise/{RUNNING}/setup"
    assert "Change Online jury" in client.get(base, headers=EN).text

    def edit(code: str, **data):
        token = csrf_token(client, base)
        values = {"name_it": "Giuria a distanza", "name_en": "Remote jury", "jurors_per_entry": "2", "top_n": "5",
                  **data}
        return client.post(f"{base}/rounds/{code}/edit", data={"_csrf_token": token, **values}, headers=EN,
                           follow_redirects=False)

    changed = edit("R1")
    assert changed.status_code == 302
    assert changed.headers["location"] == f"{base}?saved=round#round"
    row = run(Round.select(Round.name, Round.jurors_per_entry, Round.advancement).output(load_json=True).where(
        Round.code == "R1", Round.edition.slug == RUNNING).first())
    assert row["name"] == {"it": "Giuria a distanza", "en": "Remote jury"}
    assert row["jurors_per_entry"] == 2
    # the other rules of the round's advancement stay
    assert row["advancement"] == {"top_n": 5, "min_per_track": 2, "min_per_area": {"SUD": 3}}
    event = run(AuditEvent.select(AuditEvent.data).output(load_json=True).where(
        AuditEvent.action == "edition.changed").first())
    assert {"rounds[R1].jurors_per_entry", "rounds[R1].advancement.top_n"} <= {
        c["path"] for c in event["data"]["changes"]}
    page = client.get(base, headers=EN).text
    assert "The rounds were saved." not in page  # only after the redirect's query
    assert "5 go on" in page and "Change Remote jury" in page

    # Refusals keep the form open with what was typed and change nothing.
    for data, message in (({"top_n": "0"}, "Give a whole number from 1 to 10000."),
                          ({"jurors_per_entry": "many"}, "Give a whole number from 0 to 50."),
                          ({"name_en": ""}, "Give a name in this language.")):
        refused = edit("R1", **data)
        assert refused.status_code == 400, data
        assert message in refused.text
    assert run(Round.select(Round.advancement).output(load_json=True).where(
        Round.code == "R1", Round.edition.slug == RUNNING).first())["advancement"]["top_n"] == 5

    # Jurors per entry cannot drop below the jurors an entry already has.
    edition = run(Edition.select(Edition.id).where(Edition.slug == RUNNING).first())["id"]
    r1 = run(Round.select(Round.id).where(Round.code == "R1", Round.edition == edition).first())["id"]
    application = factories.application_in(edition, owner=account, title="Orti", status="in_round")
    for email in ("a@jury.example", "b@jury.example"):
        juror = run(accounts.create_account(email=email, password="correct-horse-battery", verified=True))
        factories.assignment(r1, application, juror)
    refused = edit("R1", jurors_per_entry="1")
    assert refused.status_code == 400
    assert "Some entries of this round already have more jurors than that." in refused.text
    # An empty number: every ranked entry goes on.
    assert edit("R1", top_n="").status_code == 302
    assert "top_n" not in run(Round.select(Round.advancement).output(load_json=True).where(
        Round.id == r1).first())["advancement"]

    # No CSRF token, no change; an unknown round is a missing page; another edition's organiser sees nothing.
    assert client.post(f"{base}/rounds/R1/edit", data={"top_n": "3"}).status_code == 403
    assert edit("NOPE").status_code == 404
    client.cookies.clear()
    other = run(accounts.create_account(email="else@foundation.example", password="correct-horse-battery",
                                        verified=True, locale="en"))
    run(access.grant_role(account_id=other, role="organiser", edition_slug=None))
    assert sign_in(client, "else@foundation.example", "correct-horse-battery").status_code == 302
    token = csrf_token(client, "/organise/new")
    assert client.post(f"{base}/rounds/R1/edit", data={"_csrf_token": token, "name_it": "x", "name_en": "y"},
                       headers=EN).status_code == 404
    assert run(Round.select(Round.name).output(load_json=True).where(
        Round.id == r1).first())["name"]["en"] == "Remote jury"


def test_partners_prizes_areas_tracks_and_the_edition_are_edited_with_forms(client):
    from core.platform.tables import Organisation
    from tests.factories import application, award, edition_ids

    edition = edition_ids(run(import_competition_text(EXAMPLE)))
    account = run(accounts.create_account(email="olga@foundation.example", password="correct-horse-battery",
                                          verified=True, locale="en"))
    run(access.grant_role(account_id=account, role="organiser", edition_slug=RUNNING))
    assert sign_in(client, "olga@foundation.example", "correct-horse-battery").status_code == 302
    base = f"/organise/{RUNNING}/setup"

    def send(path: str, data: dict):
        token = csrf_token(client, base)
        return client.post(f"{base}/{path}", data={"_csrf_token": token, **data}, headers=EN, follow_redirects=False)

    def prize(code: str) -> dict:
        return run(Prize.select(Prize.name, Prize.amount_eur, Prize.quantity, Prize.target, Prize.conditions,
                                Prize.sponsor.organisation.name).output(load_json=True).where(
                                    Prize.code == code).first())

    # A prize: names, sponsor, amount, quantity, conditions; its target stays as the form showed it.
    page = client.get(base, headers=EN).text
    assert 'action="/organise/welfare-comunita-2026/setup/prizes/P-NORD/edit"' in page
    assert '<option value="area:NORD" selected>' in page
    north = {"name_it": "Premio Nord-Ovest", "name_en": "North-West prize", "sponsor": "Fondazione Radici (demo)",
             "kind": "cash_grant", "amount": "25000", "quantity": "2", "target": "area:NORD",
             "conditions": ["incorporation"]}
    assert send("prizes/P-NORD/edit", north).headers["location"] == f"{base}?saved=prizes#prizes"
    saved = prize("P-NORD")
    assert saved["name"] == {"it": "Premio Nord-Ovest", "en": "North-West prize"}
    assert (float(saved["amount_eur"]), saved["quantity"], saved["conditions"]) == (25000, 2, ["incorporation"])
    assert saved["sponsor.organisation.name"] == "Fondazione Radici (demo)"
    assert saved["target"]["area"] == "NORD" and saved["target"]["rank"] == 1
    event = run(AuditEvent.select(AuditEvent.data).output(load_json=True).where(
        AuditEvent.action == "edition.changed").first())
    assert {c["path"] for c in event["data"]["changes"]} == {
        "prizes[P-NORD].name.it", "prizes[P-NORD].name.en", "prizes[P-NORD].sponsor", "prizes[P-NORD].amount_eur",
        "prizes[P-NORD].quantity", "prizes[P-NORD].conditions"}
    # A target the form cannot show (the best non-winner of a track) is kept when the name alone changes.
    agr = prize("P-AGR")
    response = send("prizes/P-AGR/edit", {"name_it": "Menzione agricoltura", "name_en": "Farming mention",
                                          "sponsor": "", "kind": "special_mention", "amount": "", "quantity": "1",
                                          "target": "keep"})
    assert response.status_code == 302
    assert prize("P-AGR")["target"] == agr["target"] and agr["target"]["best_non_winner"] is True
    # Bad input keeps every value typed and names the field.
    refused = send("prizes/P-NORD/edit", {**north, "name_en": "Typed name", "amount": "lots", "quantity": "0"})
    assert refused.status_code == 400
    assert 'id="error-prize-P-NORD-amount">Give an amount in euro, such as 20000.' in refused.text
    assert 'id="error-prize-P-NORD-quantity">Give a whole number from 1 to 1000.' in refused.text
    assert 'id="prize-P-NORD-name_en" name="name_en" value="Typed name"' in refused.text
    assert 'value="lots"' in refused.text
    # Once awarded, who the prize is for and how many were given are fixed; the rest still changes.
    entry = application(edition, owner=account, area="CENTRO", title="Orti", status="winner")
    award(edition.prizes["P-CENTRO"], entry)
    centre = {"name_it": "Premio Centro", "name_en": "Centre prize", "sponsor": "Fondazione Radici (demo)",
              "kind": "cash_grant", "amount": "20000", "quantity": "1", "target": "area:CENTRO"}
    refused = send("prizes/P-CENTRO/edit", {**centre, "target": "finalists"})
    assert refused.status_code == 400
    assert 'id="error-prize-P-CENTRO-target">This prize has been awarded, so who it is for cannot change.' \
        in refused.text
    assert '<option value="finalists" selected>' in refused.text
    assert prize("P-CENTRO")["target"]["area"] == "CENTRO"
    # The edition's file follows the same rule, naming the key and its line.
    text = client.get(f"{base}/edition.yaml").text
    refused = send("yaml", {"yaml": text.replace("area: CENTRO", "scope: finalists", 1)})
    assert refused.status_code == 400
    assert "<code>$.prizes[1].target</code> — prize &#39;P-CENTRO&#39; has been awarded: who it is for cannot change" \
        in refused.text
    assert send("prizes/P-CENTRO/edit", {**centre, "amount": "21000"}).status_code == 302
    assert float(prize("P-CENTRO")["amount_eur"]) == 21000
    assert send("prizes/NOPE/edit", centre).status_code == 404

    # A partner: a renamed organisation keeps its prizes; kind and website are the organisation's.
    aurora = {"organisation": "Fondazione Aurora ETS", "role": "co_promoter", "kind": "association",
              "website": "https://aurora.example"}
    refused = send("partners/1/edit", {**aurora, "website": "ftp://aurora.example"})
    assert refused.status_code == 400
    assert 'id="error-partner-1-website">Give an address starting with https://.' in refused.text
    assert 'value="Fondazione Aurora ETS"' in refused.text
    refused = send("partners/1/edit", {**aurora, "organisation": "Fondazione Radici (demo)"})
    assert refused.status_code == 400 and "This organisation already has this role." in refused.text
    assert send("partners/1/edit", aurora).status_code == 302
    organisation = run(Organisation.select().where(Organisation.name == "Fondazione Aurora ETS").first())
    assert (organisation["kind"], organisation["website"]) == ("association", "https://aurora.example")
    yaml = client.get(f"{base}/edition.yaml").text
    assert "Fondazione Aurora (demo)" not in yaml
    assert send("partners/99/edit", aurora).status_code == 404

    # An area: names and regions; a region an application of the area comes from stays.
    other = run(accounts.create_account(email="vigne@applicant.example", password="correct-horse-battery",
                                        verified=True))
    application(edition, owner=other, area="SUD", title="Vigne", status="submitted", region="Puglia")
    south = {"name_it": "Mezzogiorno", "name_en": "South", "regions": ["Campania", "Puglia", "Sicilia", "Sardegna"]}
    assert send("areas/SUD/edit", south).status_code == 302
    assert run(Area.select(Area.regions).output(load_json=True).where(
        Area.code == "SUD").first())["regions"] == south["regions"]
    refused = send("areas/SUD/edit", {**south, "regions": ["Campania", "Toscana"]})
    assert refused.status_code == 400
    assert 'id="error-area-SUD-regions">A region can belong to one area only: Toscana.' in refused.text
    refused = send("areas/SUD/edit", {**south, "regions": ["Campania"]})
    assert refused.status_code == 400
    assert 'id="error-area-SUD-regions">Applications of this area come from a region no longer listed.' \
        in refused.text
    assert 'value="Campania" checked' in refused.text and 'value="Puglia" checked' not in refused.text

    # A track's description, and the edition's title and summary.
    assert send("tracks/AGR/rename", {"name_it": "Agricoltura", "name_en": "Farming", "description_it": "Campi",
                                      "description_en": ""}).status_code == 302
    assert run(Track.select(Track.description).output(load_json=True).where(
        Track.code == "AGR").first())["description"] == {
        "it": "Campi"}
    refused = send("edition", {"title_it": "Welfare 2026", "title_en": "", "summary_it": "", "summary_en": "",
                               "regulation_version": "2.0"})
    assert refused.status_code == 400
    assert 'id="error-edition-title_en">Give a name in this language.' in refused.text
    assert 'value="Welfare 2026"' in refused.text
    assert send("edition", {"title_it": "Welfare 2026", "title_en": "Welfare 2026", "summary_it": "Un bando.",
                            "summary_en": "A call.", "regulation_version": "2.0"}).status_code == 302
    row = run(Edition.select(Edition.title, Edition.summary, Edition.regulation_version).output(load_json=True).where(
        Edition.slug == RUNNING).first())
    assert row["title"] == {"it": "Welfare 2026", "en": "Welfare 2026"}
    assert (row["summary"], row["regulation_version"]) == ({"it": "Un bando.", "en": "A call."}, "2.0")
    paths = [c["path"] for e in run(AuditEvent.select(AuditEvent.data).output(load_json=True).where(
        AuditEvent.action == "edition.changed")) for c in e["data"]["changes"]]
    assert {"partners[1].organisation", "partners[1].kind", "partners[1].website", "areas[SUD].regions",
            "tracks[AGR].description.it", "edition.title.it",
            "edition.regulation_version"} <= set(paths)


def test_a_rounds_workflow_rubric_blindness_and_combination_change_until_scoring_starts(client):
    edition = run(import_competition_text(EXAMPLE))
    account = run(accounts.create_account(email="olga@foundation.example", password="correct-horse-battery",
                                          verified=True, locale="en"))
    run(access.grant_role(account_id=account, role="organiser", edition_slug=RUNNING))
    assert sign_in(client, "olga@foundation.example", "correct-horse-battery").status_code == 302
    base = f"/organise/{RUNNING}/setup"
    page = client.get(base, headers=EN).text
    assert '<option value="R1" selected>' in page and 'id="round-R3-weight" name="weight" inputmode="numeric" ' \
        'size="4" value="70"' in page

    def edit(code: str, **data):
        token = csrf_token(client, base)
        values = {"name_it": "Finale", "name_en": "Final", "jurors_per_entry": "3", "top_n": "", "judging": "1",
                  "workflow": "rubric", "rubric": "welfare-final-pitch", "combine_with": "R1", "weight": "50",
                  **data}
        return client.post(f"{base}/rounds/{code}/edit", data={"_csrf_token": token, **values}, headers=EN,
                           follow_redirects=False)

    assert edit("R3").status_code == 302
    row = run(Round.select(Round.combination, Round.blind).output(load_json=True).where(Round.code == "R3").first())
    assert row["combination"] == {"R3": 0.5, "R1": 0.5} and row["blind"] is False
    # Bad input keeps what was typed and names the field.
    refused = edit("R3", weight="most", rubric="nope")
    assert refused.status_code == 400
    assert 'id="error-round-R3-weight">Give a whole number from 1 to 99.' in refused.text
    refused = edit("R3", rubric="nope")
    assert refused.status_code == 400
    assert 'id="error-round-R3-rubric">Choose a rubric from the list.' in refused.text
    assert 'id="round-R3-weight" name="weight" inputmode="numeric" size="4" value="50"' in refused.text
    refused = edit("R1", combine_with="R3", rubric="welfare-screening")
    assert refused.status_code == 400
    assert "Only a final pitch is combined with an earlier round." in refused.text

    # Once a juror has scored in R1, its workflow, rubric and blindness stay; each refusal names its field.
    r1 = run(Round.select(Round.id).where(Round.code == "R1").first())["id"]
    entry = factories.application_in(edition, owner=account, title="Orti", status="in_round")
    factories.review(factories.assignment(r1, entry, account), {}, status="draft")
    screening = {"name_it": "Giuria online", "name_en": "Online jury", "top_n": "12", "rubric": "welfare-screening",
                 "combine_with": "", "blind": "1"}
    refused = edit("R1", **{**screening, "blind": ""})
    assert refused.status_code == 400
    assert 'id="error-round-R1-blind">Jurors have started scoring in this round, so this cannot change.' \
        in refused.text
    refused = edit("R1", **{**screening, "rubric": "welfare-final-pitch"})
    assert refused.status_code == 400
    assert 'id="error-round-R1-rubric">Jurors have started scoring in this round, so its rubric cannot change.' \
        in refused.text
    assert run(Round.select(Round.blind, Round.rubric_name).where(Round.id == r1).first()) == {
        "blind": True, "rubric_name": "welfare-screening"}
    assert edit("R1", **{**screening, "name_en": "Remote jury"}).status_code == 302
    event = run(AuditEvent.select(AuditEvent.data).output(load_json=True).where(
        AuditEvent.action == "edition.changed").order_by(
        AuditEvent.id, ascending=False).first())
    assert [c["path"] for c in event["data"]["changes"]] == ["rounds[R1].name.en"]
