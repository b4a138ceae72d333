"""No request makes a 500: undecodable forms, odd numbers, small rounds, a database that is down.

The last test walks every route the app registers and posts garbage to each form, anonymous and signed in.
"""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from litestar.testing import TestClient

from core.editions import access
from core.editions.competitions import import_competition_text
from core.people import accounts
from core.platform.settings import Settings
from core.platform.tables import (
    Edition,
    MentoringSession,
    MentorMatch,
    Round,
    Track,
)
from plugins.rubrics.welfare import SCREENING
from scoring.rubric import weighted_total
from tests import factories
from tests.conftest import TEST_SECRET, csrf_token, run, sign_in
from tests.integration.mentoring_setup import make_edition, match_all

EXAMPLE = (Path(__file__).resolve().parents[2] / "examples" / "welfare-che-impresa.yaml").read_text(encoding="utf-8")
SLUG = "welfare-comunita-2026"
PASSWORD = "correct-horse-battery"
EN = {"accept-language": "en"}
BEYOND_64_BITS = str(2**64 + 1)
UNDECODABLE = b"\xff\xfe\xfa caf\xe9"


def multipart(fields: dict[str, bytes], boundary: str = "giuria-fuzz") -> tuple[bytes, dict[str, str]]:
    body = b"".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode() + value + b"\r\n"
                    for name, value in fields.items()) + f"--{boundary}--\r\n".encode()
    return body, {"content-type": f"multipart/form-data; boundary={boundary}"}


def organiser(client: TestClient, email: str = "olga@foundation.example") -> int:
    account = run(accounts.create_account(email=email, password=PASSWORD, verified=True, locale="en"))
    run(access.grant_role(account_id=account, role="organiser", edition_slug=SLUG))
    assert sign_in(client, email, PASSWORD).status_code == 302
    return account


# -- forms that cannot be decoded -----------------------------------------------------------------------


def test_an_undecodable_multipart_login_is_a_400_with_the_friendly_page(client):
    token = csrf_token(client, "/login")
    body, headers = multipart({"_csrf_token": token.encode(), "email": UNDECODABLE, "password": UNDECODABLE})
    response = client.post("/login", content=body, headers={**headers, **EN})
    assert response.status_code == 400
    assert "Request not accepted" in response.text and "<html" in response.text
    # Without a token too: the form is read (for the token) before anything else, and refused just the same.
    body, headers = multipart({"email": UNDECODABLE})
    assert client.post("/login", content=body, headers=headers).status_code == 400
    # A part in a charset Python does not know.
    body, headers = multipart({"_csrf_token": token.encode(), "email": b"a@b.example"})
    body = body.replace(b'name="email"', b'name="email"\r\nContent-Type: text/plain; charset=klingon')
    assert client.post("/login", content=body, headers=headers).status_code == 400


# -- a small round's results ----------------------------------------------------------------------------


def test_the_results_page_of_a_small_round_renders_without_an_icc_interval(client):
    """Two entries, two jurors who agree exactly: an ICC but no interval (the within-entry variance is zero)."""
    run(import_competition_text(EXAMPLE))
    organiser(client)
    edition = run(Edition.select(Edition.id).first())["id"]
    round_id = run(Round.select(Round.id).where(Round.code == "R1").first())["id"]
    track = run(Track.select(Track.id).first())["id"]
    jurors = [run(accounts.create_account(email=f"j{n}@jury.example", password=PASSWORD, verified=True))
              for n in range(2)]
    now = datetime.now(UTC)
    for number, level in enumerate((5.0, 3.0)):
        owner = run(accounts.create_account(email=f"a{number}@entity.example", password=PASSWORD, verified=True))
        entry = factories.application_in(
            edition, owner=owner, track=track, entity_name=f"Ente {number}", title=f"Progetto {number}",
            status="in_round", submitted_at=now)
        for juror in jurors:
            sheet = {c.code: level for c in SCREENING.criteria}
            assignment = factories.assignment(round_id, entry, juror)
            factories.review(assignment, sheet, total=weighted_total(SCREENING, sheet), submitted_at=now)
    response = client.get(f"/organise/{SLUG}/rounds/R1/results", headers=EN)
    assert response.status_code == 200
    assert "too few reviews for an interval" in response.text


# -- numbers the handlers or the database cannot take ---------------------------------------------------


def test_a_non_numeric_application_id_on_session_scheduling_is_a_400_and_schedules_nothing(client, settings):
    setup = make_edition()
    matched = match_all(setup)
    gamma = setup.finalists["gamma"]
    match_id = run(MentorMatch.select(MentorMatch.id).where(MentorMatch.application == gamma,
                                                            MentorMatch.status == "confirmed").first())["id"]
    mentor = next(f"{name}@incubator.example" for name, m in setup.mentors.items() if m == matched["gamma"])
    assert sign_in(client, mentor, PASSWORD).status_code == 302
    token = csrf_token(client, f"/mentoring/mentees/{gamma}")
    response = client.post(f"/mentoring/matches/{match_id}/sessions", headers=EN, data={
        "_csrf_token": token, "application_id": "gamma", "day": "2026-07-31", "start": "10:00",
        "duration_minutes": "60", "mode": "online", "location": "https://meet.example/x", "agenda": "Deck"})
    assert response.status_code == 400 and "Request not accepted" in response.text
    assert run(MentoringSession.count()) == 0


def test_ids_past_64_bits_in_form_fields_and_query_strings_are_refused(client):
    run(import_competition_text(EXAMPLE))
    organiser(client)
    token = csrf_token(client, f"/organise/{SLUG}/admissibility")
    marked = client.post(f"/organise/{SLUG}/admissibility/mark", headers=EN, data={
        "_csrf_token": token, "ids": [BEYOND_64_BITS], "outcome": "admissible", "reason": "x"})
    assert marked.status_code in (302, 303, 400, 404)
    for path in (f"/organise/{SLUG}/rounds/R1/assignment?proposal={BEYOND_64_BITS}",
                 f"/organise/{SLUG}/audit?page={BEYOND_64_BITS}&subject=review:{BEYOND_64_BITS}",
                 f"/organise/{SLUG}/applications?track={BEYOND_64_BITS}&page={BEYOND_64_BITS}"):
        response = client.get(path, headers=EN)
        assert response.status_code in (200, 400, 404), path


# -- the database is down -------------------------------------------------------------------------------


def assert_unavailable(response) -> None:
    assert response.status_code == 503
    assert response.headers["retry-after"] == "30"
    assert "Temporarily unavailable" in response.text


def test_pages_answer_503_while_an_sqlite_database_cannot_be_opened(tmp_path, sqlite_template):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    shutil.copyfile(sqlite_template, data_dir / "giuria.sqlite3")
    settings = Settings(env="test", data_dir=data_dir, secret_key=TEST_SECRET, db_pool_size=0,
                        mail_interval_seconds=0, job_interval_seconds=0)
    from web.app import create_app

    app = create_app(settings)
    # The file goes, and a directory takes its name: SQLite cannot open it any more.
    (data_dir / "giuria.sqlite3").unlink()
    (data_dir / "giuria.sqlite3").mkdir()
    with TestClient(app, base_url="http://testserver.local") as client:
        for path in ("/", f"/c/{SLUG}", "/api/v1/editions"):
            assert_unavailable(client.get(path, headers=EN))
        assert client.get("/healthz").status_code == 503


@pytest.mark.parametrize("pool", [0, 2])
def test_pages_answer_503_while_postgresql_is_unreachable(tmp_path, pool):
    with socket_closed() as port:
        settings = Settings(env="test", data_dir=tmp_path, secret_key=TEST_SECRET, db_pool_size=pool,
                            database_url=f"postgresql://postgres@127.0.0.1:{port}/giuria", mail_interval_seconds=0,
                            job_interval_seconds=0)
        from web.app import create_app

        with TestClient(create_app(settings), base_url="http://testserver.local") as client:
            for path in ("/", f"/c/{SLUG}", "/api/v1/editions"):
                assert_unavailable(client.get(path, headers=EN))
            token = csrf_token(client, "/login")
            signed = client.post("/login", headers=EN, data={"_csrf_token": token, "email": "a@b.example",
                                                             "password": "whatever-it-is"})
            assert_unavailable(signed)


class socket_closed:
    """A local port that nothing listens on (bound, then closed)."""

    def __enter__(self) -> int:
        import socket

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            return probe.getsockname()[1]

    def __exit__(self, *exc) -> None:
        return None


# -- every form route, fuzzed ---------------------------------------------------------------------------

TEMPLATES = Path(__file__).resolve().parents[2] / "web" / "templates"
FIELD_NAMES = sorted({*re.findall(r'name="([^"{}]+)"', "".join(p.read_text(encoding="utf-8")
                                                                for p in TEMPLATES.rglob("*.html"))),
                      "application_id", "ids", "id", "juror", "entry", "round", "page", "top", "version",
                      "score.IMP", "rank.1", "item.0.text", "item.0.due_on", "choice.1", "reason.1", "status.1",
                      "timeline.T1.starts", "rounds.R1.ends", "weight.IMP"} - {"_csrf_token"})
GARBAGE = ["abc", BEYOND_64_BITS, "-1", "", "1e309", "nan", "x" * 3000, "2026-13-45"]
PATH_VALUES = {"slug": SLUG, "language": "en", "code": "R1", "kind": "prize", "fmt": "csv", "name": "prize",
               "template": "application/receipt", "file_path": "application/receipt"}


def concrete(path: str) -> str:
    def value(match: re.Match) -> str:
        name, kind = match.group(1), match.group(2)
        return "1" if kind == "int" else PATH_VALUES.get(name, "x")

    return re.sub(r"\{(\w+):(\w+)\}", value, path)


def fuzz_routes(client: TestClient, *, sign_in_again) -> list[str]:
    """Every GET with odd query values and every POST with garbage; the failures found (status 500 and above)."""
    failures = []
    routes = sorted({(route.path, method) for route in client.app.routes for method in getattr(route, "methods", ())
                     if method in ("GET", "POST") and not route.path.startswith("/static")})
    sign_in_again()
    token = csrf_token(client, "/login")
    for template_path, method in routes:
        path = concrete(template_path)
        if method == "GET":
            query = "&".join(f"{name}={BEYOND_64_BITS if n % 2 else '%FF%FE'}" for n, name in enumerate(
                ("page", "proposal", "round", "track", "area", "status", "lang", "q", "saved", "done", "next")))
            response = client.get(f"{path}?{query}", headers=EN)
            if response.status_code >= 500:
                failures.append(f"GET {path}?{query[:40]}…: {response.status_code}")
            continue
        body, headers = multipart({"_csrf_token": token.encode(), **{n: UNDECODABLE for n in FIELD_NAMES}})
        response = client.post(path, content=body, headers={**headers, **EN})
        # the API answers a request without a bearer token before reading its body (its own fuzz: test_api_fuzz)
        expected = {400, 401} if path.startswith("/api/") else {400}
        if response.status_code not in expected:
            failures.append(f"POST {path} (undecodable multipart): {response.status_code}")
        for garbage in GARBAGE:
            data = {"_csrf_token": token, **{n: garbage for n in FIELD_NAMES}}
            response = client.post(path, data=data, headers=EN, follow_redirects=False)
            if response.status_code >= 500:
                failures.append(f"POST {path} ({garbage[:20]!r}): {response.status_code}")
        files = {"file": ("x.pdf", b"%PDF-1.4 \xff\x00 not really", "application/pdf")}
        response = client.post(path, data={"_csrf_token": token, "name": "x"}, files=files, headers=EN,
                               follow_redirects=False)
        if response.status_code >= 500:
            failures.append(f"POST {path} (a junk file): {response.status_code}")
        if any(word in path for word in ("login", "logout", "account", "password", "privacy", "register")):
            sign_in_again()  # the garbage may have signed the session out or counted as failed sign-ins
            token = csrf_token(client, "/login")
    return failures


def fuzz_edition() -> None:
    run(import_competition_text(EXAMPLE))
    account = run(accounts.create_account(email="admin@foundation.example", password=PASSWORD, verified=True,
                                          is_admin=True, locale="en"))
    run(access.grant_role(account_id=account, role="organiser", edition_slug=SLUG))


def signed_out(client: TestClient) -> None:
    client.cookies.clear()
    factories.rate_limits_over()  # garbage posted to /login counts as failed sign-ins


@pytest.mark.timeout(900)
def test_garbage_to_every_route_never_makes_a_500_for_an_anonymous_visitor(client):
    fuzz_edition()
    assert fuzz_routes(client, sign_in_again=lambda: signed_out(client)) == []


@pytest.mark.timeout(900)
def test_garbage_to_every_route_never_makes_a_500_for_a_signed_in_organiser(client):
    fuzz_edition()

    def as_organiser() -> None:
        signed_out(client)
        assert sign_in(client, "admin@foundation.example", PASSWORD).status_code == 302

    assert fuzz_routes(client, sign_in_again=as_organiser) == []
