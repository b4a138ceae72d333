"""Sign-in limits, server-side sessions, password-reset symmetry and private-page headers, attacked over HTTP.

The limits are attacked through a real server (uvicorn, two worker processes on loopback) with bursts of
parallel requests, because the hole they close only opens under concurrency.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from litestar.testing import TestClient

from core.people import accounts
from core.platform.tables import Account, AccountSession, OutgoingMail, RateLimitCounter
from tests import factories
from tests.conftest import CSRF_FIELD, csrf_token, run, sign_in
from tests.integration.conftest import free_port
from web import session_cookie

PASSWORD = "correct-horse-battery"
WRONG = "not-the-password-at-all"
BASE = "http://testserver.local"
SESSION_COOKIE = "giuria_session"


def make_account(email: str = "ada@example.org", **kwargs) -> int:
    return run(accounts.create_account(email=email, password=PASSWORD, display_name="Ada", verified=True,
                                       locale="en", **kwargs))


def post_form(client: TestClient, page: str, action: str, data: dict, **kwargs) -> httpx.Response:
    return client.post(action, data={**data, "_csrf_token": csrf_token(client, page)}, follow_redirects=False,
                       **kwargs)


def device(app, user_agent: str) -> TestClient:
    """Another browser on the same app, with cookies of its own."""
    browser = TestClient(app, base_url=BASE)
    browser.headers["user-agent"] = user_agent
    return browser


# -- A real server ---------------------------------------------------------------------------------


LIMITS = {"GIURIA_LOGIN_ATTEMPTS_PER_ACCOUNT": "5", "GIURIA_LOGIN_ATTEMPTS_PER_IP": "20",
          "GIURIA_LOGIN_ATTEMPTS_PER_ACCOUNT_HOUR": "12", "GIURIA_LOGIN_WINDOW_SECONDS": "900"}


@pytest.fixture
def live_server(settings) -> Iterator[str]:
    """`uvicorn` with two workers on this test's database, believing X-Forwarded-For from loopback as in production."""
    port = free_port()
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("GIURIA_")}, **LIMITS,
        "GIURIA_ENV": "test", "GIURIA_DATA_DIR": str(settings.data_dir), "GIURIA_SECRET_KEY": settings.secret_key,
        "GIURIA_DATABASE_URL": settings.database_url, "GIURIA_DB_POOL_SIZE": "4",
        "GIURIA_BASE_URL": f"http://127.0.0.1:{port}", "GIURIA_MAIL_INTERVAL_SECONDS": "0",
        "GIURIA_JOB_INTERVAL_SECONDS": "0",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "web.app:create_app_from_env", "--host", "127.0.0.1",
         "--port", str(port), "--workers", "2", "--proxy-headers", "--forwarded-allow-ips", "127.0.0.1",
         "--log-level", "warning"],
        env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120  # two workers importing the app on a loaded machine start slowly
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()  # so that reading its stderr ends
                raise RuntimeError(f"the server did not start: {server.stderr.read().decode()[-2000:]}")
            time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


async def login_form(client: httpx.AsyncClient) -> str:
    page = await client.get("/login")
    return CSRF_FIELD.search(page.text).group(1)


async def attempt(client: httpx.AsyncClient, token: str, password: str, *, address: str,
                  email: str = "ada@example.org") -> httpx.Response:
    return await client.post("/login", data={"email": email, "password": password, "next": "/me",
                                             "_csrf_token": token}, headers={"x-forwarded-for": address})


async def burst(base: str, passwords: list[str], *, address: str) -> list[int]:
    """Every password at once, in parallel, from one client address; the status of each answer, in order."""
    async with httpx.AsyncClient(base_url=base, timeout=120,
                                 limits=httpx.Limits(max_connections=len(passwords))) as client:
        token = await login_form(client)
        answers = await asyncio.gather(*(attempt(client, token, password, address=address) for password in passwords))
    return [answer.status_code for answer in answers]


# -- Sign-in limits ----------------------------------------------------------------------------------


def test_a_burst_of_parallel_wrong_passwords_gets_only_the_limit_checked(live_server):
    make_account()

    statuses = asyncio.run(burst(live_server, [WRONG] * 60, address="203.0.113.5"))

    # 400 is the answer of a checked password; 429 refuses before any check. Exactly the limit was checked.
    assert Counter(statuses) == {400: 5, 429: 55}
    # The attempts counted agree: 5 for the account, from this address and overall; refusals counted nowhere.
    counted = {row["key"].split(":")[0]: row["attempts"] for row in run(RateLimitCounter.select())}
    assert counted == {"login-ip": 5, "login-pair": 5, "login-account": 5}
    # The right password, in a second burst while the account is paused for this address, does not sign in.
    second = [WRONG] * 10 + [PASSWORD] + [WRONG] * 9
    assert Counter(asyncio.run(burst(live_server, second, address="203.0.113.5"))) == {429: 20}
    assert run(AccountSession.count()) == 0
    assert run(Account.select(Account.last_login_at).first())["last_login_at"] is None
    assert asyncio.run(burst(live_server, [PASSWORD], address="203.0.113.5")) == [429]


def test_a_strangers_wrong_passwords_do_not_lock_the_owner_out_but_the_account_has_a_ceiling(live_server):
    make_account()

    async def scenario() -> dict[str, list[int]]:
        seen: dict[str, list[int]] = {}
        async with httpx.AsyncClient(base_url=live_server, timeout=60) as client:
            token = await login_form(client)
            stranger = [await attempt(client, token, WRONG, address="203.0.113.9") for _ in range(6)]
            seen["stranger"] = [r.status_code for r in stranger]
            seen["stranger, right password"] = [(await attempt(client, token, PASSWORD,
                                                               address="203.0.113.9")).status_code]
            seen["owner"] = [(await attempt(client, token, PASSWORD, address="198.51.100.7")).status_code]
            # Others from two more addresses: the account's hourly ceiling (12 here) stops them all together.
            others = await asyncio.gather(*(attempt(client, token, WRONG, address=address)
                                            for address in ("203.0.113.10",) * 5 + ("203.0.113.11",) * 5))
            seen["others"] = sorted(r.status_code for r in others)
            seen["owner again"] = [(await attempt(client, token, PASSWORD, address="198.51.100.7")).status_code]
        return seen

    seen = asyncio.run(scenario())

    assert seen["stranger"] == [400] * 5 + [429]
    assert seen["stranger, right password"] == [429]
    assert seen["owner"] == [302]  # the owner's address is not the stranger's: signed in
    assert seen["others"] == [400] * 7 + [429] * 3  # 5 + 7 = 12 checked for this account in the hour
    assert seen["owner again"] == [429]


def test_a_right_password_frees_the_address_for_that_account(client):
    make_account()
    for _ in range(2):
        assert sign_in(client, "ada@example.org", WRONG).status_code == 400
    assert sign_in(client, "ada@example.org", PASSWORD).status_code == 302
    assert post_form(client, "/me", "/logout", {}).status_code == 302
    for _ in range(2):
        assert sign_in(client, "ada@example.org", WRONG).status_code == 400
    assert sign_in(client, "ada@example.org", PASSWORD).status_code == 302  # the limit here is 3
    keys = [row["key"] for row in run(RateLimitCounter.select(RateLimitCounter.key))]
    assert keys and not any("ada" in key or "testclient" in key for key in keys)  # kept hashed


# -- Sessions ---------------------------------------------------------------------------------------


def session_cookies(client: TestClient) -> dict[str, str]:
    return {name: value for name, value in client.cookies.items() if name.startswith(SESSION_COOKIE)}


def test_a_copied_cookie_is_dead_after_signing_out(app, client):
    make_account()
    assert sign_in(client, "ada@example.org", PASSWORD).status_code == 302
    copied = session_cookies(client)
    assert copied and client.get("/me", follow_redirects=False).status_code == 200
    assert post_form(client, "/me", "/logout", {}).status_code == 302

    with TestClient(app, base_url=BASE, cookies=copied) as thief:
        replayed = thief.get("/me", follow_redirects=False)
    assert replayed.status_code == 302 and replayed.headers["location"].startswith("/login")
    assert run(AccountSession.select(AccountSession.revoked_at).first())["revoked_at"] is not None


def test_changing_the_password_kills_the_other_browsers_cookie_and_keeps_this_one(app, client):
    make_account()
    sign_in(client, "ada@example.org", PASSWORD)
    with device(app, "Phone/1.0") as phone:
        sign_in(phone, "ada@example.org", PASSWORD)
        phone_cookie = session_cookies(phone)
    assert post_form(client, "/me/password", "/me/password",
                     {"current": PASSWORD, "password": "a-brand-new-password"}).status_code == 200

    with TestClient(app, base_url=BASE, cookies=phone_cookie) as replay:
        assert replay.get("/me", follow_redirects=False).status_code == 302
    assert client.get("/me", follow_redirects=False).status_code == 200


def test_a_person_sees_their_sessions_and_ends_another_one(app, client):
    make_account()
    make_account("bob@example.org")
    client.headers["user-agent"] = "Laptop Browser/2.0"
    sign_in(client, "ada@example.org", PASSWORD)
    with device(app, "Phone Browser/1.0") as phone, device(app, "Bob Browser/9") as bob:
        sign_in(phone, "ada@example.org", PASSWORD)
        sign_in(bob, "bob@example.org", PASSWORD)
        page = client.get("/me", headers={"accept-language": "en"})
        assert "Where you are signed in" in page.text
        assert "Laptop Browser/2.0" in page.text and "Phone Browser/1.0" in page.text
        assert "Bob Browser/9" not in page.text
        ends = re.findall(r'action="/me/sessions/(\d+)/end"', page.text)
        assert len(ends) == 1  # the other browser; this one is marked, not offered
        assert "This browser" in page.text

        # Bob cannot end Ada's session, and learns nothing from trying.
        assert post_form(bob, "/me", f"/me/sessions/{ends[0]}/end", {}).status_code == 404
        assert phone.get("/me", follow_redirects=False).status_code == 200

        assert post_form(client, "/me", f"/me/sessions/{ends[0]}/end", {}).status_code == 302
        assert phone.get("/me", follow_redirects=False).status_code == 302
        assert client.get("/me", follow_redirects=False).status_code == 200
        assert bob.get("/me", follow_redirects=False).status_code == 200
        page = client.get("/me", headers={"accept-language": "en"})
        assert "Phone Browser/1.0" not in page.text


def test_erasure_ends_every_session_and_forgets_them(app, client):
    account_id = make_account()
    sign_in(client, "ada@example.org", PASSWORD)
    with device(app, "Phone/1.0") as phone:
        sign_in(phone, "ada@example.org", PASSWORD)
        copied = session_cookies(phone)
        erased = post_form(client, "/me/data", "/me/erase", {"confirm_email": "ada@example.org"})
        assert erased.status_code == 200
    with TestClient(app, base_url=BASE, cookies=copied) as replay:
        assert replay.get("/me", follow_redirects=False).status_code == 302
    assert run(AccountSession.count().where(AccountSession.account == account_id)) == 0


def test_a_session_unused_for_two_weeks_is_over(client):
    make_account()
    sign_in(client, "ada@example.org", PASSWORD)
    long_ago = datetime.now(UTC) - accounts.SESSION_IDLE - timedelta(minutes=1)
    factories.idle_sessions(last_seen_at=long_ago)
    assert client.get("/me", follow_redirects=False).status_code == 302


def session_set_cookies(response: httpx.Response) -> list[str]:
    return [value for name, value in response.headers.multi_items()
            if name == "set-cookie" and value.startswith(SESSION_COOKIE)]


def test_the_session_cookie_goes_out_again_when_it_changes_or_is_an_hour_old(client, monkeypatch):
    make_account()
    make_account("bob@example.org")
    signed_in = sign_in(client, "ada@example.org", PASSWORD)
    assert session_set_cookies(signed_in)  # a new session: sent at once
    assert session_set_cookies(client.get("/me")) == []  # unchanged and fresh: not sent again

    later = int(time.time()) + session_cookie.REFRESH_SECONDS + 5
    monkeypatch.setattr(session_cookie, "_now", lambda: later)
    refreshed = session_set_cookies(client.get("/me"))
    assert len(refreshed) == 1 and "Max-Age=" in refreshed[0]  # its expiry slides with use
    assert session_set_cookies(client.get("/me")) == []
    assert client.get("/me", follow_redirects=False).status_code == 200  # the refreshed cookie still signs in

    out = post_form(client, "/me", "/logout", {})
    assert any("null" in cookie for cookie in session_set_cookies(out))  # signing out clears it at once
    assert client.get("/me", follow_redirects=False).status_code == 302
    assert session_set_cookies(sign_in(client, "bob@example.org", PASSWORD))


# -- Password reset ----------------------------------------------------------------------------------


def test_a_reset_request_does_the_same_work_whether_or_not_the_address_has_an_account(client):
    make_account("anna@example.org")
    token = csrf_token(client, "/password/forgot")
    answers, queued = [], []
    for email in ("ghost@example.org", "anna@example.org"):
        answers.append(client.post("/password/forgot", data={"email": email, "_csrf_token": token},
                                   headers={"accept-language": "en"}))
        queued.append(run(OutgoingMail.select(OutgoingMail.kind, OutgoingMail.body_text).where(
            OutgoingMail.to_address == email)))
    ghost, anna = answers
    assert ghost.status_code == anna.status_code == 200 and ghost.text == anna.text
    assert {k: v for k, v in ghost.headers.items() if k not in ("date", "set-cookie")} == \
        {k: v for k, v in anna.headers.items() if k not in ("date", "set-cookie")}
    # Each request signed a token, rendered one mail and queued it, in the same transaction as its count:
    # the unknown address is told it has no account (which only its owner reads).
    [to_ghost], [to_anna] = queued
    assert to_ghost["kind"] == "reset_no_account" and "/password/reset/" not in to_ghost["body_text"]
    assert to_anna["kind"] == "reset" and "/password/reset/" in to_anna["body_text"]
    counted = run(RateLimitCounter.select(RateLimitCounter.key, RateLimitCounter.attempts).where(
        RateLimitCounter.key.like("reset-account:%")))
    assert sorted(row["attempts"] for row in counted) == [1, 1]


# -- Headers ---------------------------------------------------------------------------------------------


def test_signed_in_pages_and_sign_in_pages_are_never_stored(client):
    make_account()
    assert "no-store" not in client.get("/").headers.get("cache-control", "")
    for path in ("/login", "/password/forgot", "/password/reset/not-a-token", "/signup"):
        assert client.get(path).headers["cache-control"] == "no-store", path
    assert sign_in(client, "ada@example.org", PASSWORD).headers["cache-control"] == "no-store"
    for path in ("/", "/me", "/me/data", "/c/does-not-exist"):
        assert client.get(path).headers["cache-control"] == "no-store", path
    export = post_form(client, "/me/data", "/me/data/export", {})
    assert export.status_code == 200 and export.headers.get_list("cache-control") == ["no-store"]
    assert "strict-transport-security" not in client.get("/").headers  # served over http


def test_strict_transport_security_when_the_base_url_is_https(settings):
    from web.app import create_app

    with TestClient(create_app(replace(settings, base_url="https://giuria.example.org")), base_url=BASE) as secure:
        for path in ("/", "/login", "/healthz"):
            assert secure.get(path).headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"
