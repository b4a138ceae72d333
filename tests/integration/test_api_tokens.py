"""Personal API tokens: made on the account page (shown once) or by the command line, stored hashed, scoped,
limited to an edition, expiring, revocable and rate-limited; over HTTP on both engines."""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from litestar.testing import TestClient

from core.people import api_tokens
from core.platform.tables import ApiToken, AuditEvent
from tests import factories
from tests.conftest import csrf_token, run
from tests.factories import EN, PASSWORD, SLUG, account, as_person, example_edition, user
from tests.integration.test_cli import giuria  # noqa: F401 (a fixture)


def bearer(secret: str) -> dict[str, str]:
    return {"authorization": f"Bearer {secret}"}


def token_for(account_id: int, *, scope: str = "read", edition: str | None = None, days: int | None = None) -> str:
    return run(api_tokens.create_token(user=user(account_id), name="test", scope=scope, edition_slug=edition,
                                       expires_in_days=days)).secret


def test_a_token_made_on_the_account_page_is_shown_once_and_stored_only_as_a_hash(client):
    example_edition()
    account("olga@foundation.example", role="organiser", locale="en")
    as_person(client, "olga@foundation.example")
    assert 'href="/me/tokens"' in client.get("/me", headers=EN).text
    page = client.get("/me/tokens", headers=EN)
    assert page.status_code == 200 and "You have no API token yet." in page.text
    no_csrf = client.post("/me/tokens", data={"name": "CRM", "scope": "write"}, headers=EN)
    assert no_csrf.status_code == 403 and run(ApiToken.count()) == 0
    created = client.post("/me/tokens", headers=EN, data={
        "_csrf_token": csrf_token(client, "/me/tokens"), "name": "CRM", "scope": "write", "edition": SLUG,
        "expires_days": "30"})
    assert created.status_code == 200
    secret = re.search(r'<code id="new-token">([^<]+)</code>', created.text).group(1)
    assert secret.startswith("gzt_") and len(secret) > 40
    row = run(ApiToken.select().first())
    assert row["token_hash"] == hashlib.sha256(secret.encode()).hexdigest() and secret not in str(row)
    assert row["scope"] == "write" and row["expires_at"] > datetime.now(UTC) + timedelta(days=29)
    listing = client.get("/me/tokens", headers=EN).text
    assert secret not in listing and row["prefix"] in listing and "Read and write" in listing
    # The token works, as its owner.
    client.cookies.clear()
    me = client.get("/api/v1/me", headers=bearer(secret))
    assert me.status_code == 200
    assert me.json() == {"id": row["account"], "email": "olga@foundation.example", "name": "olga@foundation.example",
                         "scope": "write", "edition": SLUG, "roles": {SLUG: ["organiser"]}}
    assert run(ApiToken.select(ApiToken.last_used_at).first())["last_used_at"] is not None


def test_the_account_page_refuses_bad_input_in_italian_too(client):
    example_edition()
    account("olga@foundation.example", role="organiser")
    account("other@foundation.example")
    as_person(client, "olga@foundation.example")
    days = client.post("/me/tokens", data={"_csrf_token": csrf_token(client, "/me/tokens"), "name": "x",
                                           "scope": "read", "expires_days": "mille"})
    assert days.status_code == 400 and "Indica il numero di giorni" in days.text
    client.cookies.set("giuria_lang", "en")
    scope = client.post("/me/tokens", headers=EN, data={"_csrf_token": csrf_token(client, "/me/tokens"),
                                                        "scope": "admin"})
    assert scope.status_code == 400 and "Choose the scope: read, or write." in scope.text
    edition = client.post("/me/tokens", headers=EN, data={"_csrf_token": csrf_token(client, "/me/tokens"),
                                                          "scope": "read", "edition": "someone-elses"})
    assert edition.status_code == 400 and "You have no part in an edition with this name." in edition.text
    assert run(ApiToken.count()) == 0


def test_a_revoked_or_expired_token_gets_401_and_only_its_owner_revokes_it(client):
    example_edition()
    olga = account("olga@foundation.example", role="organiser")
    account("mallory@example.org")
    secret = token_for(olga)
    token_id = run(ApiToken.select(ApiToken.id).first())["id"]
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 200
    as_person(client, "mallory@example.org")
    other = client.post(f"/me/tokens/{token_id}/revoke", data={"_csrf_token": csrf_token(client, "/me/tokens")})
    assert other.status_code == 404
    as_person(client, "olga@foundation.example")
    revoked = client.post(f"/me/tokens/{token_id}/revoke", follow_redirects=False,
                          data={"_csrf_token": csrf_token(client, "/me/tokens")})
    assert revoked.status_code == 302
    assert run(AuditEvent.count().where(AuditEvent.action == "api_token.revoked")) == 1
    client.cookies.clear()
    refused = client.get("/api/v1/me", headers=bearer(secret))
    assert refused.status_code == 401 and refused.json()["status"] == 401
    assert refused.headers["www-authenticate"].startswith("Bearer")

    expired = token_for(olga, days=1)
    factories.expired_api_tokens(expires_at=datetime.now(UTC) - timedelta(seconds=1))
    assert client.get("/api/v1/me", headers=bearer(expired)).status_code == 401
    for header in ({}, {"authorization": "Bearer"}, {"authorization": "Basic b2xnYTp4"},
                   bearer("gzt_not-a-token"), bearer(secret + "x")):
        assert client.get("/api/v1/me", headers=header).status_code == 401, header


def test_a_session_cookie_opens_no_api_call(client):
    """The API is exempt from CSRF checks, so it must not act on a browser's cookie."""
    example_edition()
    account("olga@foundation.example", role="organiser")
    as_person(client, "olga@foundation.example")
    assert client.get("/api/v1/me").status_code == 401
    assert client.get(f"/api/v1/editions/{SLUG}/applications").status_code == 401


def test_each_token_is_limited_to_its_calls_per_minute_with_retry_after(settings):
    from web.app import create_app

    example_edition()
    olga = account("olga@foundation.example", role="organiser")
    first, second = token_for(olga), token_for(olga)
    with TestClient(create_app(replace(settings, api_requests_per_minute=3))) as limited:
        assert [limited.get("/api/v1/me", headers=bearer(first)).status_code for _ in range(3)] == [200] * 3
        over = limited.get("/api/v1/me", headers=bearer(first))
        assert over.status_code == 429 and 1 <= int(over.headers["retry-after"]) <= 60
        assert over.json()["status"] == 429
        assert limited.get("/api/v1/me", headers=bearer(second)).status_code == 200  # per token, not per person


def test_the_command_line_prints_a_working_token_and_refuses_in_one_line(giuria, client):  # noqa: F811
    example_edition()
    account("olga@foundation.example", role="organiser")
    made = giuria("api-token", "create", "--email", "Olga@Foundation.example", "--scope", "read", "--edition", SLUG,
                  "--expires", "7")
    assert made.exit_code == 0, made.output
    secret = made.output.strip()
    me = client.get("/api/v1/me", headers=bearer(secret))
    assert me.status_code == 200 and me.json()["scope"] == "read" and me.json()["edition"] == SLUG
    for args, message in (
            (("--email", "nobody@example.org", "--scope", "read"), "Nessun account attivo ha questo indirizzo email."),
            (("--email", "olga@foundation.example", "--scope", "read", "--edition", "nope"),
             "Non hai alcun ruolo in un'edizione con questo nome.")):
        refused = giuria("api-token", "create", *args)
        assert refused.exit_code == 1 and refused.output.strip().splitlines() == [f"Error: not created: {message}"]
    bad_scope = giuria("api-token", "create", "--email", "olga@foundation.example", "--scope", "admin")
    assert bad_scope.exit_code == 2 and "Traceback" not in bad_scope.output


def test_a_password_changed_or_reset_and_an_erasure_revoke_every_token(client):
    """Whoever knew the old password may have made tokens with it: a new password, or erasure, ends them all."""
    from core.platform.tables import OutgoingMail

    example_edition()
    olga = account("olga@foundation.example", role="organiser", locale="en")
    as_person(client, "olga@foundation.example")
    assert "Changing or resetting your password revokes all your tokens" in client.get("/me/tokens", headers=EN).text
    before = [token_for(olga), token_for(olga, scope="write", edition=SLUG)]
    assert all(client.get("/api/v1/me", headers=bearer(s)).status_code == 200 for s in before)
    changed = client.post("/me/password", headers=EN, data={
        "_csrf_token": csrf_token(client, "/me/password"), "current": PASSWORD, "password": "new-password-12"})
    assert changed.status_code == 200
    assert [client.get("/api/v1/me", headers=bearer(s)).status_code for s in before] == [401, 401]
    assert run(ApiToken.count().where(ApiToken.revoked_at.is_null())) == 0
    changed_event = run(AuditEvent.select(AuditEvent.data).output(load_json=True).where(
        AuditEvent.action == "account.password_changed")
                        .first())
    assert changed_event["data"] == {"api_tokens_revoked": 2}

    # A reset through the mailed link does the same.
    made_after = token_for(olga)
    assert client.get("/api/v1/me", headers=bearer(made_after)).status_code == 200
    client.cookies.clear()
    asked = client.post("/password/forgot", data={"_csrf_token": csrf_token(client, "/password/forgot"),
                                                  "email": "olga@foundation.example"})
    assert asked.status_code == 200
    body = run(OutgoingMail.select(OutgoingMail.body_text).where(OutgoingMail.kind == "reset").first())["body_text"]
    link = "/password/reset/" + re.search(r"/password/reset/(\S+)", body).group(1)
    reset = client.post(link, data={"_csrf_token": csrf_token(client, link), "password": "another-password-34"})
    assert reset.status_code == 200
    assert client.get("/api/v1/me", headers=bearer(made_after)).status_code == 401

    # Erasure, too: the token is revoked, not only useless while the account is inactive.
    last = token_for(olga)
    as_person(client, "olga@foundation.example", "another-password-34")
    erased = client.post("/me/erase", data={"_csrf_token": csrf_token(client, "/me/data"),
                                            "confirm_email": "olga@foundation.example"})
    assert erased.status_code == 200
    assert client.get("/api/v1/me", headers=bearer(last)).status_code == 401
    assert run(ApiToken.count().where(ApiToken.revoked_at.is_null())) == 0
