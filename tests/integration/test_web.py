"""The web skeleton through real HTTP: pages, languages, sign-in, CSRF, limits, errors, API."""

from __future__ import annotations

import json

from core.editions.competitions import import_competition_text
from core.people import accounts
from tests.conftest import csrf_token, run, sign_in
from tests.factories import EXAMPLE, PASSWORD, SLUG


def import_example(text: str | None = None) -> None:
    run(import_competition_text(text or EXAMPLE))


def make_account(email: str = "ada@example.org", **kwargs) -> int:
    kwargs.setdefault("verified", True)
    return run(accounts.create_account(email=email, password=PASSWORD, display_name="Ada Lovelace", **kwargs))


def test_home_lists_public_editions_and_hides_drafts(client):
    import_example()
    draft = EXAMPLE.replace("slug: welfare-comunita-2026", "slug: draft-2027").replace(
        "status: open", "status: draft").replace('it: "Welfare & Comunità 2026"', 'it: "Bozza segreta 2027"')
    import_example(draft)
    page = client.get("/", headers={"accept-language": "it"})
    assert page.status_code == 200
    assert '<a href="/c/welfare-comunita-2026">Welfare &amp; Comunità 2026</a>' in page.text
    assert "Bozza segreta" not in page.text
    assert client.get("/c/draft-2027").status_code == 404


def test_landing_page_shows_tracks_timeline_in_rome_time_prizes_and_sponsors(client):
    import_example()
    page = client.get(f"/c/{SLUG}", headers={"accept-language": "en"})
    assert page.status_code == 200
    for text in ("Social agriculture", "Cultural heritage and landscape", "Cultural and inclusive welfare",
                 "Personal services and community welfare", "Fondazione Ponte Sud (demo)", "South and Islands prize"):
        assert text in page.text
    # 2026-04-30T12:00+02:00 is noon in Rome; shown as such whatever the server's zone.
    assert 'Applications close: <time datetime="2026-04-30T10:00:00+00:00">April 30, 2026, 12:00\u202fPM</time>' \
        in page.text
    assert "€20,000" in page.text


def test_language_follows_accept_language_then_the_remembered_choice(client):
    import_example()
    english = client.get(f"/c/{SLUG}", headers={"accept-language": "en-GB,en;q=0.9,it;q=0.5"})
    assert '<html lang="en">' in english.text and "Tracks" in english.text
    italian = client.get(f"/c/{SLUG}", headers={"accept-language": "it-IT"})
    assert '<html lang="it">' in italian.text and "Ambiti" in italian.text
    token = csrf_token(client, "/")
    switched = client.post("/language", data={"language": "en", "next": f"/c/{SLUG}", "_csrf_token": token},
                           follow_redirects=False)
    assert switched.status_code == 302 and switched.headers["location"] == f"/c/{SLUG}"
    remembered = client.get(f"/c/{SLUG}", headers={"accept-language": "it-IT"})
    assert '<html lang="en">' in remembered.text


def test_language_choice_is_saved_on_the_account(client):
    account_id = make_account()
    assert sign_in(client, "ada@example.org", PASSWORD).status_code == 302
    token = csrf_token(client, "/me")
    client.post("/language", data={"language": "en", "_csrf_token": token})
    from core.platform.tables import Account

    assert run(Account.select(Account.locale).where(Account.id == account_id).first())["locale"] == "en"


def test_sign_in_and_out(client):
    make_account(locale="en")
    assert client.get("/me", follow_redirects=False).headers["location"] == "/login?next=%2Fme"
    response = sign_in(client, "ADA@example.org ", PASSWORD)
    assert response.status_code == 302 and response.headers["location"] == "/me"
    me = client.get("/me", headers={"accept-language": "en"})
    assert "Signed in as ada@example.org." in me.text
    token = csrf_token(client, "/me")
    assert client.post("/logout", data={"_csrf_token": token}, follow_redirects=False).status_code == 302
    assert client.get("/me", follow_redirects=False).status_code == 302


def test_wrong_password_and_unknown_email_get_the_same_answer(client):
    make_account()
    wrong = sign_in(client, "ada@example.org", "not-the-password")
    unknown = sign_in(client, "nobody@example.org", "not-the-password")
    assert wrong.status_code == unknown.status_code == 400
    assert wrong.headers["content-type"] == "text/html; charset=utf-8"
    message = "Email o password non riconosciute."
    assert message in wrong.text and message in unknown.text
    assert 'value="ada@example.org"' in wrong.text  # the email typed is kept


def test_open_redirect_after_sign_in_is_refused(client):
    make_account()
    response = sign_in(client, "ada@example.org", PASSWORD, next_path="//evil.example/x")
    assert response.headers["location"] == "/me"


def test_sign_in_is_rate_limited_per_account(client):
    make_account()
    for _ in range(3):
        assert sign_in(client, "ada@example.org", "wrong-password-x").status_code == 400
    blocked = sign_in(client, "ada@example.org", PASSWORD)
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) > 0
    assert "Troppi tentativi" in blocked.text
    # Another account from the same address is not blocked by this one's failures.
    make_account("bob@example.org")
    assert sign_in(client, "bob@example.org", PASSWORD).status_code == 302


def test_forms_without_csrf_token_are_refused(client):
    make_account()
    response = client.post("/login", data={"email": "ada@example.org", "password": PASSWORD})
    assert response.status_code == 403
    assert client.get("/me", follow_redirects=False).status_code == 302


def test_user_text_is_escaped(client):
    hostile = EXAMPLE.replace(
        'en: "Welfare & Community 2026"', 'en: "<script>alert(1)</script>"')
    import_example(hostile)
    page = client.get(f"/c/{SLUG}", headers={"accept-language": "en"})
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


def test_error_pages_are_friendly_and_translated(client):
    page = client.get("/c/does-not-exist", headers={"accept-language": "en"})
    assert page.status_code == 404
    assert "Page not found" in page.text and "Traceback" not in page.text
    api = client.get("/api/v1/editions/does-not-exist")
    assert api.status_code == 404 and api.json()["status"] == 404


def test_security_headers_are_set(client):
    headers = client.get("/").headers
    assert headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    session = sign_in(client, "nobody@example.org", "x" * 12)
    assert session.status_code == 400


def test_session_cookie_is_http_only_and_encrypted(client):
    make_account()
    response = sign_in(client, "ada@example.org", PASSWORD)
    cookie = next(v for k, v in response.headers.multi_items() if k == "set-cookie" and "giuria_session" in v)
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
    assert "ada@example.org" not in cookie and '"uid"' not in cookie


def test_healthz_checks_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_api_and_openapi_schema(client):
    import_example()
    editions = client.get("/api/v1/editions").json()
    assert [e["slug"] for e in editions] == [SLUG]
    assert editions[0]["deadline"] == "2026-04-30T10:00:00Z"
    detail = client.get(f"/api/v1/editions/{SLUG}").json()
    assert [t["code"] for t in detail["tracks"]] == ["AGR", "PAT", "WCI", "SPW"]
    assert [a["code"] for a in detail["areas"]] == ["NORD", "CENTRO", "SUD"]
    schema = json.loads(client.get("/schema/openapi.json").text)
    assert {"/api/v1/editions", "/api/v1/editions/{slug}"} <= set(schema["paths"])
    assert all(path.startswith("/api/v1/") for path in schema["paths"])  # pages stay out of the document
    assert schema["info"]["title"] == "Giuria API"


def test_static_files_are_served(client):
    response = client.get("/static/giuria.css")
    assert response.status_code == 200 and "--accent" in response.text
