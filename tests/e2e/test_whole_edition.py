"""A whole edition in a real browser, from an empty database, on SQLite and PostgreSQL (issue 13, "Tests").

Only `giuria migrate` and `giuria create-admin` run outside the browser; from then on the test uses the pages
and the development outbox (.eml files), nothing else: no SQL, no service call, no demo loader.

Covered so far: the admin signs in, creates the edition on /organise/new and sets it up on the set-up page (two
tracks, a checklist round, a rubric round, a final pitch combined with it, two sponsors with a prize each, the
timeline with the call open since yesterday) and opens the call with the phase form; three applicants sign up,
confirm through the mailed link, fill in every section, upload, submit and get their receipt by mail.
Next (issue 13): admissibility, passage into the jury round, jurors' invitations, profiles and bids, assignment,
scoring, publication, mentoring, the final pitch, awards and the sponsors' reports.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncpg
import pytest

import tests.e2e.test_applicant_journey as applicant_journey
from tests.conftest import POSTGRES_HINT, POSTGRES_URL, REQUIRE_POSTGRES, _database_url
from tests.e2e.conftest import LiveServer, _free_port

pytestmark = pytest.mark.browser

SECRET = "e2e-secret-" + "k" * 40
ADMIN_EMAIL = "admin@giuria.example"
ADMIN_PASSWORD = "edizione-intera-2027"
SLUG = "impatto-sociale-2027"
APPLICANT_PASSWORD = "candidatura-completa-2027"
APPLICANTS = (("Anna Bruno", "anna.bruno@example.org"), ("Carlo Dini", "carlo.dini@example.org"),
              ("Elena Fabbri", "elena.fabbri@example.org"))


def _admin(statement: str) -> None:
    """One statement on the PostgreSQL server, on a thread of its own: Playwright's sync API keeps a loop here."""

    async def execute() -> None:
        connection = await asyncpg.connect(POSTGRES_URL)
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    with ThreadPoolExecutor(max_workers=1) as executor:
        executor.submit(asyncio.run, execute()).result()


@pytest.fixture(params=["sqlite", "postgres"])
def empty_database(request) -> Iterator[str]:
    """"" for a fresh SQLite file in the data dir, or the URL of a throw-away PostgreSQL database."""
    if request.param == "sqlite":
        yield ""
        return
    if not POSTGRES_URL:
        if REQUIRE_POSTGRES:
            pytest.fail("GIURIA_REQUIRE_POSTGRES=1 but GIURIA_TEST_POSTGRES_URL is not set")
        pytest.skip(POSTGRES_HINT)
    name = f"giuria_e2e_{uuid.uuid4().hex[:10]}"
    try:
        _admin(f'CREATE DATABASE "{name}"')
    except (OSError, asyncpg.PostgresError) as error:
        if REQUIRE_POSTGRES:
            pytest.fail(f"cannot reach PostgreSQL at {POSTGRES_URL}: {error}")
        pytest.skip(f"{POSTGRES_HINT} (server not reachable: {error})")
    yield _database_url(POSTGRES_URL, name)
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def fresh_server(empty_database, tmp_path) -> Iterator[LiveServer]:
    """`giuria migrate` + `giuria create-admin`, then `giuria serve` in development with mail every second."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    env = {**os.environ, "GIURIA_DATA_DIR": str(data_dir), "GIURIA_SECRET_KEY": SECRET, "GIURIA_ENV": "development",
           "GIURIA_MAIL_INTERVAL_SECONDS": "1", "GIURIA_DATABASE_URL": empty_database}
    env.pop("GIURIA_BASE_URL", None)
    if not empty_database:
        env.pop("GIURIA_DATABASE_URL")
    for command in (["migrate"], ["create-admin", "--email", ADMIN_EMAIL, "--password", ADMIN_PASSWORD]):
        done = subprocess.run([sys.executable, "-m", "core", *command], env=env, capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
    port = _free_port()
    log = (data_dir / "server.log").open("wb")
    server = subprocess.Popen([sys.executable, "-m", "core", "serve", "--host", "127.0.0.1", "--port", str(port)],
                              env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:  # noqa: S310 - our own server
                if response.status == 200:
                    break
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                pytest.fail(f"the server did not start:\n{(data_dir / 'server.log').read_text(errors='replace')}")
            time.sleep(0.2)
    yield LiveServer(url=url, data_dir=data_dir)
    server.terminate()
    server.wait(timeout=10)
    log.close()


def local(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M")


def sign_in(page, server: LiveServer, email: str, password: str, next_path: str) -> None:
    page.goto(f"{server.url}/login?next={next_path}")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name=re.compile("^(Sign in|Accedi)$")).click()
    page.wait_for_url(re.compile(re.escape(next_path) + "$"))


def saved(page, text: str) -> None:
    status = page.get_by_role("status").filter(has_text=text)
    assert status.is_visible(), page.get_by_role("main").inner_text()


def add_named(page, summary: str, it: str, en: str):
    """Open an "Add ..." section of the set-up page and fill its two names; the form, to fill and submit."""
    details = page.locator("details").filter(has=page.locator("summary", has_text=summary))
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    form = details.locator("form")
    form.get_by_label("Name in Italian").fill(it)
    form.get_by_label("Name in English").fill(en)
    return form


def errors(page) -> list[str]:
    return page.locator(".error").all_inner_texts()


def add_round(page, name: str) -> None:
    page.get_by_role("button", name="Add the round", exact=True).click()
    assert page.get_by_role("row", name=re.compile("^" + name)).first.is_visible(), errors(page)


def create_the_edition(page, server: LiveServer) -> None:
    sign_in(page, server, ADMIN_EMAIL, ADMIN_PASSWORD, "/organise/new")
    page.get_by_role("button", name="English").click()  # the new admin's account is in Italian
    assert page.get_by_role("heading", name="New edition").is_visible()
    now = datetime.now()
    page.get_by_label("Title in Italian").fill("Impatto sociale")
    page.get_by_label("Title in English").fill("Social impact")
    page.get_by_label("Year").fill("2027")
    page.get_by_label("Address (optional)").fill(SLUG)
    page.get_by_label("Time zone").select_option("Europe/Rome")
    page.get_by_label("Applications open").fill(local(now - timedelta(days=1)))
    page.get_by_label("Applications close").fill(local(now + timedelta(days=30)))
    page.get_by_role("button", name="Create the edition", exact=True).click()
    page.wait_for_url(re.compile(rf"/organise/{SLUG}/setup"))
    assert page.get_by_role("heading", name="Set up", exact=True).is_visible()

    for it, en in (("Agricoltura sociale", "Social farming"), ("Welfare di comunità", "Community welfare")):
        add_named(page, "Add a track", it, en)
        page.get_by_role("button", name="Add the track", exact=True).click()
        assert page.get_by_text(en, exact=True).is_visible()

    form = add_named(page, "Add a round", "Ammissibilità", "Admissibility")
    form.get_by_label("Kind").select_option("admissibility")
    form.get_by_label("Workflow").select_option(label="Admissibility checklist")
    form.get_by_label("Jurors per entry").fill("1")
    add_round(page, "Admissibility")

    now_rome = datetime.now(ZoneInfo("Europe/Rome"))
    form = add_named(page, "Add a round", "Giuria online", "Online jury")
    form.get_by_label("Kind").select_option("screening")
    form.get_by_label("Workflow").select_option(label="Rubric scoring, independent")
    form.get_by_label("Rubric").select_option(label="Online jury – Welfare (1–5)")
    form.get_by_label("Jurors per entry").fill("2")
    form.get_by_label("Opens").fill(local(now_rome + timedelta(days=31)))
    form.get_by_label("Closes").fill(local(now_rome + timedelta(days=45)))
    add_round(page, "Online jury")

    form = add_named(page, "Add a round", "Finale", "Final pitch")
    form.get_by_label("Kind").select_option("final_pitch")
    form.get_by_label("Workflow").select_option(label="Rubric scoring, independent")
    form.get_by_label("Rubric").select_option(label="Final pitch (1–10)")
    form.get_by_label("Jurors per entry").fill("3")
    form.get_by_label("Earlier round").select_option(label="Online jury")
    form.get_by_label("This round's share of the final score, in per cent").fill("60")
    add_round(page, "Final pitch")
    assert page.get_by_role("row", name=re.compile("^Final pitch")).first.get_by_text(
        "Final score: 60% Final pitch + 40% Online jury").is_visible()

    for sponsor in ("Banca Solidale", "Fondazione Territori"):
        details = page.locator("details").filter(has=page.locator("summary", has_text="Add a partner"))
        if details.get_attribute("open") is None:
            details.locator("summary").click()
        details.get_by_label("Organisation", exact=True).fill(sponsor)
        details.get_by_label("Role", exact=True).select_option("sponsor")
        page.get_by_role("button", name="Add the partner", exact=True).click()
        assert page.get_by_role("listitem").filter(has_text=sponsor).is_visible(), errors(page)
    for it, en, sponsor, amount in (("Premio Banca Solidale", "Banca Solidale prize", "Banca Solidale", "10000"),
                                    ("Premio Territori", "Territori prize", "Fondazione Territori", "5000")):
        form = add_named(page, "Add a prize", it, en)
        form.get_by_label("Given by").select_option(label=sponsor)
        form.get_by_label("Amount in euro (optional)").fill(amount)
        page.get_by_role("button", name="Add the prize", exact=True).click()
        assert page.get_by_role("listitem").filter(has_text=en).is_visible(), errors(page)

    # The call opened yesterday (the new-edition form); the timeline form keeps it so.
    call_open = page.get_by_role("row", name=re.compile(r"\(call_open\)"))
    assert call_open.get_by_label("Start").input_value() == local(now - timedelta(days=1))
    page.get_by_role("button", name="Save the timeline", exact=True).click()
    assert page.get_by_role("status").is_visible(), errors(page)


def apply(browser, server: LiveServer, name: str, email: str, tmp_path: Path) -> str:
    """One applicant, in Italian: sign up, confirm through the mailed link, fill, upload, submit; the receipt."""
    context = browser.new_context(locale="it-IT", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    fill = applicant_journey.fill_fields
    page.goto(server.url + f"/c/{SLUG}")
    page.get_by_role("link", name="Candidati").click()
    page.get_by_role("link", name="Crea un account").click()
    fill(page, {"Il tuo nome": name, "Email": email, "Password": APPLICANT_PASSWORD})
    page.get_by_role("button", name="Crea l'account").click()
    assert page.get_by_role("heading", name="Controlla la tua email").is_visible()
    page.goto(applicant_journey.mailed_link(server.data_dir / "outbox", email, "/verify/"))
    assert page.get_by_role("heading", name="Email confermata").is_visible()

    sign_in(page, server, email, APPLICANT_PASSWORD, f"/c/{SLUG}/apply")
    page.get_by_label("Agricoltura sociale").check()
    page.get_by_role("button", name="Inizia la candidatura").click()
    page.get_by_role("link", name="Ente proponente").click()
    tax_code = f"9700011122{[a[1] for a in APPLICANTS].index(email)}"  # one application per organisation
    fill(page, {"Denominazione": f"Cooperativa {name}", "Codice fiscale": tax_code,
                "Data di costituzione": "2024-02-10", "Sito web": "cooperativa.example"})
    page.get_by_label("Cooperativa sociale").check()
    applicant_journey.field(page, "Regione della sede legale").select_option("Puglia")
    page.get_by_role("group", name=re.compile("^Il team ha completato")).get_by_label("Sì").check()
    page.get_by_role("button", name="Salva e continua").click()
    assert page.get_by_role("heading", name="Team").is_visible()
    fill(page, {"Nome e cognome 1": name, "Età 1": "29", "Nome e cognome 2": "Marco Gallo", "Età 2": "33",
                "Email del referente": email})
    page.get_by_role("button", name="Salva e continua").click()
    assert page.get_by_role("heading", name="Progetto").is_visible()
    fill(page, {
        "Titolo": f"Il progetto di {name}", "Sintesi": "Servizi di prossimità per anziani soli.",
        "Bisogno sociale e beneficiari": "Anziani soli.", "Soluzione e innovazione": "Una rete di vicinato.",
        "Uso della tecnologia": "Un'app di prenotazione.", "Rete territoriale e partner": "Comune, parrocchie.",
        "Teoria del cambiamento": "Dalla solitudine alla comunità.",
        "Indicatore 1": "Anziani seguiti", "Valore iniziale 1": "0", "Obiettivo a 12 mesi 1": "50",
        "Indicatore 2": "Volontari", "Valore iniziale 2": "5", "Obiettivo a 12 mesi 2": "40",
        "Indicatore 3": "Ore di servizio", "Valore iniziale 3": "0", "Obiettivo a 12 mesi 3": "2000",
        "Posti di lavoro previsti (ETP)": "3", "di cui per persone svantaggiate": "1",
        "Modello di business e ricavi": "Convenzioni e quote.", "Scalabilità e replicabilità": "Altri quartieri.",
        "Uso del premio": "Formazione e mezzi.",
    })
    page.get_by_label("Idea").check()
    page.get_by_role("button", name="Salva e continua").click()
    assert page.get_by_role("heading", name="Allegati").is_visible()
    page.get_by_role("link", name="Allega un file").first.click()
    deck = tmp_path / "pitch.pdf"
    deck.write_bytes(applicant_journey.PDF)
    page.get_by_label(re.compile("^File")).set_input_files(str(deck))
    page.get_by_role("button", name="Carica").click()
    assert page.get_by_role("link", name="pitch.pdf").is_visible()
    page.get_by_role("button", name="Salva e torna al riepilogo").click()
    for declaration in ("Dichiaro che le informazioni fornite sono veritiere (DPR 445/2000).",
                        "Accetto il regolamento del concorso.",
                        "Ho letto l'informativa sul trattamento dei dati personali."):
        page.get_by_label(declaration).check()
    page.get_by_role("button", name="Invia la candidatura").click()
    assert page.get_by_role("heading", name="Candidatura inviata").is_visible()
    main = page.get_by_role("main").inner_text()
    assert "Inviata" in main
    receipt = re.search(r"Il tuo numero di ricevuta è (\S+-\d{5})", main).group(1)
    # The receipt's link points at this server (it runs on a random port, without GIURIA_BASE_URL).
    assert applicant_journey.mailed_link(server.data_dir / "outbox", email, "/applications/").startswith(server.url)
    context.close()
    return receipt


def open_the_call(page) -> None:
    """The organiser moves the edition from draft to open with the set-up page's phase form."""
    page.get_by_label("Where the edition is in its year").select_option(label="Open for applications")
    page.get_by_role("button", name="Change the phase", exact=True).click()
    assert page.get_by_role("status").filter(has_text="The edition's phase was changed.").is_visible(), errors(page)


def test_a_whole_edition_from_an_empty_database(fresh_server, browser, tmp_path):
    admin = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    page = admin.new_page()
    page.set_default_timeout(10_000)
    create_the_edition(page, fresh_server)
    open_the_call(page)
    admin.close()

    receipts = [apply(browser, fresh_server, name, email, tmp_path) for name, email in APPLICANTS]
    assert len(set(receipts)) == len(APPLICANTS)
