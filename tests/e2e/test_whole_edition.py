"""A whole edition in a real browser, from an empty database, on SQLite and PostgreSQL (issue 13, "Tests").

Only `giuria migrate` and `giuria create-admin` run outside the browser; from then on the test uses the pages
and the development outbox (.eml files), nothing else: no SQL, no service call, no demo loader.

The year, as the test tells it: the admin creates the edition with the set-up forms (two tracks, a checklist
round, a rubric round, a final pitch combined with it, two sponsors with a prize each) and opens the call; six
applicants sign up, confirm through the mailed link, apply and submit; the organiser finds one not admissible and
sends its notice, moves the five admissible entries into the online jury, invites three jurors who set their
tracks and capacity and bid; the assignment is proposed and accepted; the jurors score; the organiser closes
scoring and publishes who goes to the final from the confirmation page; a mentor invited by mail follows the
finalists and logs a session; the final pitch is scored; the awards come from the combined ranking; each sponsor
downloads its report.
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
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncpg
import pytest
from playwright.sync_api import expect

import tests.e2e.test_applicant_journey as applicant_journey
from tests.conftest import POSTGRES_HINT, POSTGRES_URL, REQUIRE_POSTGRES, _database_url
from tests.e2e.conftest import LiveServer, _free_port
from tests.e2e.steps import (
    add_named,
    as_person,
    fill_and_submit,
    local,
    mail_to,
    saved,
    sign_in,
    sign_up_and_confirm,
)

pytestmark = pytest.mark.browser

SECRET = "e2e-secret-" + "k" * 40
ADMIN_EMAIL = "admin@giuria.example"
ADMIN_PASSWORD = "edizione-intera-2027"
SLUG = "impatto-sociale-2027"
APPLICANT_PASSWORD = "candidatura-completa-2027"
TRACKS = ("Agricoltura sociale", "Welfare di comunità")  # as applicants read them; jurors read English
TRACKS_EN = ("Social farming", "Community welfare")
# (name, email, track); the last one is found not admissible.
APPLICANTS = tuple((name, f"{name.lower().replace(' ', '.')}@example.org", TRACKS[number % 2])
                   for number, name in enumerate(("Anna Bruno", "Carlo Dini", "Elena Fabbri", "Giulio Ricci",
                                                  "Ilaria Conti", "Luca Moretti")))
JUROR_PASSWORD = "giuria-online-2027"
# (name, email, tracks of expertise, capacity)
JURORS = (("Marta Neri", "marta.neri@giurie.example", TRACKS_EN[:1], "4"),
          ("Paolo Serra", "paolo.serra@giurie.example", TRACKS_EN[1:], "4"),
          ("Rita Villa", "rita.villa@giurie.example", TRACKS_EN, "5"))
MENTOR = ("Sara Mentori", "sara.mentori@incubatore.example", "mentore-finale-2027")
SPONSOR_USERS = (("Banca Solidale", "Bruno Banca", "bruno@bancasolidale.example", "Banca Solidale prize"),
                 ("Fondazione Territori", "Teresa Terra", "teresa@territori.example", "Territori prize"))
FINALISTS = 3


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


def add_round(page, name: str) -> None:
    page.get_by_role("button", name="Add the round", exact=True).click()
    expect(page.get_by_role("row", name=re.compile("^" + name)).first).to_be_visible()


def create_the_edition(page, server: LiveServer) -> None:
    sign_in(page, server, ADMIN_EMAIL, ADMIN_PASSWORD, "/organise/new")
    page.get_by_role("button", name="English").click()  # the new admin's account is in Italian
    expect(page.get_by_role("heading", name="New edition")).to_be_visible()
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
    expect(page.get_by_role("heading", name="Set up", exact=True)).to_be_visible()

    for it, en in (("Agricoltura sociale", "Social farming"), ("Welfare di comunità", "Community welfare")):
        add_named(page, "Add a track", it, en)
        page.get_by_role("button", name="Add the track", exact=True).click()
        expect(page.get_by_text(en, exact=True)).to_be_visible()

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
    form.get_by_label("Jurors per entry").fill("2")
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
        expect(page.get_by_role("listitem").filter(has_text=sponsor)).to_be_visible()
    for it, en, sponsor, amount in (("Premio Banca Solidale", "Banca Solidale prize", "Banca Solidale", "10000"),
                                    ("Premio Territori", "Territori prize", "Fondazione Territori", "5000")):
        form = add_named(page, "Add a prize", it, en)
        form.get_by_label("Given by").select_option(label=sponsor)
        form.get_by_label("Amount in euro (optional)").fill(amount)
        form.get_by_label("For", exact=True).select_option(label="the finalists")  # the jury chooses among them
        page.get_by_role("button", name="Add the prize", exact=True).click()
        expect(page.get_by_role("listitem").filter(has_text=en)).to_be_visible()

    # The call opened yesterday (the new-edition form); the timeline form keeps it so.
    call_open = page.locator("#timeline-call_open-starts")  # the row is headed by the date's name, not its code
    assert call_open.input_value() == local(now - timedelta(days=1))
    page.get_by_role("button", name="Save the timeline", exact=True).click()
    expect(page.get_by_role("status")).to_be_visible()


def apply(browser, server: LiveServer, applicant: tuple[str, str, str], tmp_path: Path) -> str:
    """One applicant, in Italian: sign up, confirm through the mailed link, fill, upload, submit; the receipt."""
    name, email, track = applicant
    with as_person(browser, locale="it-IT") as page:
        sign_up_and_confirm(page, server, SLUG, name, email, APPLICANT_PASSWORD, f"/c/{SLUG}/apply")
        page.get_by_label(track).check()
        page.get_by_role("button", name="Inizia la candidatura").click()
        tax_code = f"9700011122{[a[1] for a in APPLICANTS].index(email)}"  # one application per organisation
        receipt = fill_and_submit(
            page, tmp_path, legal_form="Cooperativa sociale", region="Puglia", stage="Idea",
            entity={"Denominazione": f"Cooperativa {name}", "Codice fiscale": tax_code,
                    "Data di costituzione": "2024-02-10", "Sito web": "cooperativa.example"},
            team={"Nome e cognome 1": name, "Età 1": "29", "Nome e cognome 2": "Marco Gallo", "Età 2": "33",
                  "Email del referente": email},
            project={**PROJECT, "Titolo": f"Il progetto di {name}"})
    # The receipt's link points at this server (it runs on a random port, without GIURIA_BASE_URL).
    assert applicant_journey.mailed_link(server.data_dir / "outbox", email, "/applications/").startswith(server.url)
    return receipt


PROJECT = {
    "Sintesi": "Servizi di prossimità per anziani soli.",
    "Bisogno sociale e beneficiari": "Anziani soli.", "Soluzione e innovazione": "Una rete di vicinato.",
    "Uso della tecnologia": "Un'app di prenotazione.", "Rete territoriale e partner": "Comune, parrocchie.",
    "Teoria del cambiamento": "Dalla solitudine alla comunità.",
    "Indicatore 1": "Anziani seguiti", "Valore iniziale 1": "0", "Obiettivo a 12 mesi 1": "50",
    "Indicatore 2": "Volontari", "Valore iniziale 2": "5", "Obiettivo a 12 mesi 2": "40",
    "Indicatore 3": "Ore di servizio", "Valore iniziale 3": "0", "Obiettivo a 12 mesi 3": "2000",
    "Posti di lavoro previsti (ETP)": "3", "di cui per persone svantaggiate": "1",
    "Modello di business e ricavi": "Convenzioni e quote.", "Scalabilità e replicabilità": "Altri quartieri.",
    "Uso del premio": "Formazione e mezzi.",
}


def open_the_call(page) -> None:
    """The organiser moves the edition from draft to open with the set-up page's phase form."""
    page.get_by_label("Where the edition is in its year").select_option(label="Open for applications")
    page.get_by_role("button", name="Change the phase", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="The edition's phase was changed.")).to_be_visible()


@contextmanager
def organiser(browser, server: LiveServer, path: str) -> Iterator:
    """The admin's browser, signed in and on `path` of the edition's console."""
    with as_person(browser) as page:
        sign_in(page, server, ADMIN_EMAIL, ADMIN_PASSWORD, f"/organise/{SLUG}{path}")
        yield page


def console(page, server: LiveServer, path: str) -> None:
    page.goto(f"{server.url}/organise/{SLUG}{path}")


def accept_invitation(page, server: LiveServer, name: str, email: str, password: str) -> None:
    """Follow the mailed invitation link, create the account with a password and accept."""
    page.goto(applicant_journey.mailed_link(server.data_dir / "outbox", email, "/invitations/"))
    expect(page.get_by_role("heading", name="Your invitation")).to_be_visible()
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Choose a password").fill(password)
    page.get_by_role("button", name="Create my account and accept").click()
    page.wait_for_load_state()


def invite(page, server: LiveServer, emails: list[str], role: str, partner: str = "") -> None:
    console(page, server, "/people")
    page.get_by_label("Email addresses, one per line").fill("\n".join(emails))
    page.get_by_label("Role", exact=True).select_option(label=role)
    if partner:
        partners = page.get_by_label("Partner organisation (required for sponsor users)")
        partners.select_option(label=f"{partner} (sponsor)")
    page.get_by_role("button", name="Send the invitations").click()
    saved(page, f"Invitations sent: {len(emails)}.")


def score_assigned_entries(browser, server: LiveServer, email: str, round_name: str, values: list[str]) -> int:
    """A juror scores every entry of the round on their list: no conflict, one value per criterion, submit."""
    with as_person(browser) as page:
        sign_in(page, server, email, JUROR_PASSWORD, "/jury")

        def entries():
            return page.locator("section.jury-round").filter(
                has=page.get_by_role("heading", name=re.compile("^" + round_name))).get_by_role(
                "link", name=re.compile(r"^Entry #\d+"))
        count = entries().count()
        for position in range(count):
            entries().nth(position).click()
            page.get_by_role("button", name="I have no conflict with this entry").click()
            expect(page.get_by_role("button", name="Submit the review")).to_be_visible()
            # short scales are radio buttons, long ones (1 to 10) a number to type
            groups = page.get_by_role("radiogroup").all()
            for group, value in zip(groups, values * len(groups), strict=False):
                group.locator(f"input[value='{value}']").check()
            boxes = page.get_by_label(re.compile(r"^Score from \d+ to \d+$")).all()
            for box, value in zip(boxes, values * len(boxes), strict=False):
                box.fill(value)
            assert groups or boxes
            page.get_by_label("Overall comment (for the panel and the organisers)").fill("Convincente.")
            page.get_by_role("button", name="Submit the review").click()
            expect(page.get_by_role("status").filter(has_text="Review submitted")).to_be_visible()
            page.goto(f"{server.url}/jury")
        return count


def propose_and_accept_assignment(page, server: LiveServer, code: str, per_entry: int, expert: bool) -> None:
    console(page, server, f"/rounds/{code}/assignment")
    page.get_by_label("Jurors per entry").fill(str(per_entry))
    page.get_by_label("Maximum entries per juror (empty: an even spread plus one)").fill("")
    if expert:
        page.get_by_label("At least one track expert on every entry").check()
    page.get_by_role("button", name="Compute a proposal").click()
    expect(page.get_by_role("heading", name="Proposed assignment")).to_be_visible()
    page.get_by_role("button", name="Accept this assignment").click()
    saved(page, "The assignment was saved. Jurors see their entries now.")


def close_scoring(page, server: LiveServer, code: str) -> None:
    console(page, server, f"/rounds/{code}/progress")
    page.get_by_role("button", name="Close scoring").click()
    expect(page.get_by_text("Scoring is closed: jurors cannot save or submit reviews in this round.")).to_be_visible()


# -- the year, stage by stage (each takes the browser, the server, a folder and what earlier stages found) ----


def stage_setup(browser, server, tmp_path, found) -> None:
    with as_person(browser) as page:
        create_the_edition(page, server)
        open_the_call(page)


def stage_applications(browser, server, tmp_path, found) -> None:
    found["receipts"] = [apply(browser, server, applicant, tmp_path) for applicant in APPLICANTS]
    assert len(set(found["receipts"])) == len(APPLICANTS)


def stage_admissibility(browser, server, tmp_path, found) -> None:
    """The call closes; one application is not admissible and its applicant reads why; the jury's dates come."""
    with organiser(browser, server, "/setup") as page:
        now = datetime.now(ZoneInfo("Europe/Rome"))
        page.get_by_label("Where the edition is in its year").select_option(label="Admissibility check")
        page.get_by_role("button", name="Change the phase", exact=True).click()
        saved(page, "The edition's phase was changed.")
        online = page.get_by_role("row", name=re.compile(r"^Online jury"))
        online.get_by_label("Start").fill(local(now - timedelta(hours=1)))
        online.get_by_label("End").fill(local(now + timedelta(days=14)))
        page.get_by_role("button", name="Save the rounds' dates").click()
        saved(page, "The rounds' dates were saved.")
        change = page.locator("details").filter(has=page.locator("summary", has_text="Change Online jury"))
        change.locator("summary").click()
        change.get_by_label("How many entries go on (empty: every ranked entry)").fill(str(FINALISTS))
        change.get_by_role("button", name="Save the round", exact=True).click()
        saved(page, "The rounds were saved.")
        online = page.get_by_role("row", name=re.compile("^Online jury"))
        expect(online.get_by_text(f"{FINALISTS} go on")).to_be_visible()

        console(page, server, "/admissibility")
        names = [f"Cooperativa {name}" for name, _email, _track in APPLICANTS]
        for name in names[:-1]:
            page.get_by_label(f"Select {name}").check()
        page.get_by_label("Admissible", exact=True).check()
        page.get_by_role("button", name="Mark", exact=True).click()
        saved(page, "5 applications marked.")
        page.get_by_label(f"Select {names[-1]}").check()
        page.get_by_label("Not admissible", exact=True).check()
        page.get_by_label("Reason (required for not admissible; the applicants read it)").fill(
            "Il bilancio richiesto non è allegato.")
        page.get_by_role("button", name="Mark", exact=True).click()
        saved(page, "One application marked.")
        page.get_by_role("button", name="Send the notices").click()
        saved(page, "One notice queued.")
    notice = mail_to(server.data_dir / "outbox", APPLICANTS[-1][1], "non è ammissibile")
    assert "Il bilancio richiesto non è allegato." in notice


def stage_passage(browser, server, tmp_path, found) -> None:
    with organiser(browser, server, "/rounds/R2/progress") as page:
        assert page.locator("#passage-counts").inner_text() == "5 entries ready to move in, 0 already in."
        page.get_by_role("button", name="Move 5 entries into this round").click()
        saved(page, "The entries were moved into this round.")
        assert page.locator("#passage-counts").inner_text() == "0 entries ready to move in, 5 already in."


def stage_jurors(browser, server, tmp_path, found) -> None:
    """Three jurors invited by mail accept, declare their tracks and capacity, and bid while bidding is open."""
    with organiser(browser, server, "/people") as page:
        invite(page, server, [email for _n, email, _t, _c in JURORS], "juror")
        now = datetime.now(ZoneInfo("Europe/Rome"))
        console(page, server, "/rounds/R2/assignment")
        page.get_by_label("Bidding opens").fill(local(now - timedelta(minutes=5)))
        page.get_by_label("Bidding closes").fill(local(now + timedelta(days=2)))
        page.get_by_role("button", name="Save the bidding window").click()
        saved(page, "The bidding window was saved.")
    titles = [f"Il progetto di {name}" for name, _e, _t in APPLICANTS[:-1]]
    for number, (name, email, tracks, capacity) in enumerate(JURORS):
        with as_person(browser) as page:
            accept_invitation(page, server, name, email, JUROR_PASSWORD)
            page.wait_for_url(re.compile(rf"/jury/profile/{SLUG}$"))
            for track in tracks:
                page.get_by_label(track).check()
            page.get_by_label("Most entries you can review (empty: as the organisers decide)").fill(capacity)
            page.get_by_role("button", name="Save the profile").click()
            saved(page, "The profile was saved.")
            page.goto(f"{server.url}/jury/profile")
            page.get_by_role("link", name="Bid on the entries of Online jury").click()
            page.get_by_role("group", name=titles[number]).get_by_label("Yes, I want to review it").check()
            if number == 2:  # Rita knows Anna's cooperative: a conflict, never assigned
                page.get_by_role("group", name=titles[0]).get_by_label("Conflict of interest").check()
            page.get_by_role("button", name="Save my bids").click()
            saved(page, "Your bids were saved.")


def stage_online_jury(browser, server, tmp_path, found) -> None:
    """The assignment is proposed and accepted; the jurors score; the organiser publishes who goes on."""
    with organiser(browser, server, "/rounds/R2/assignment") as page:
        expect(page.get_by_text("Bids received: 3.")).to_be_visible()  # three yes; the conflict is a conflict
        propose_and_accept_assignment(page, server, "R2", per_entry=2, expert=True)
    scores = {JURORS[0][1]: ["4", "3"], JURORS[1][1]: ["5", "4"], JURORS[2][1]: ["3", "4"]}
    reviews = sum(score_assigned_entries(browser, server, email, "Online jury", values)
                  for email, values in scores.items())
    assert reviews == 10
    with organiser(browser, server, "/rounds/R2/advancement") as page:
        page.get_by_role("button", name="Stage the decisions").click()
        page.get_by_role("link", name="Review and publish the decisions").click()
        still_open = "Jurors can still save scores in this round: close scoring before publishing."
        expect(page.get_by_text(still_open).first).to_be_visible()
        close_scoring(page, server, "R2")
        console(page, server, "/rounds/R2/advancement/publish")
        expect(page.get_by_role("heading", name="Notices about to go out")).to_be_visible()
        page.get_by_role("button", name="Publish the decisions").click()
        saved(page, "Decisions published; notices are on their way.")


def stage_mentoring(browser, server, tmp_path, found) -> None:
    """A mentor invited by mail sets a capacity, is matched with the finalists and logs a session."""
    name, email, password = MENTOR
    with organiser(browser, server, "/people") as page:
        invite(page, server, [email], "mentor")
    with as_person(browser) as page:
        accept_invitation(page, server, name, email, password)
        page.goto(f"{server.url}/mentoring/{SLUG}/profile")
        page.get_by_label("How many startups you can follow").fill(str(FINALISTS))
        page.get_by_label(TRACKS_EN[0]).check()
        page.get_by_role("button", name="Save profile").click()
        expect(page.get_by_role("status")).to_be_visible()
    with organiser(browser, server, "/mentoring") as page:
        page.get_by_role("button", name="Propose matches").click()
        page.get_by_role("button", name="Confirm all proposals").click()
        expect(page.get_by_role("status")).to_be_visible()
    with as_person(browser) as page:
        sign_in(page, server, email, password, "/mentoring")
        mentees = page.locator("a[href^='/mentoring/mentees/']")
        expect(mentees).to_have_count(FINALISTS)
        mentees.first.click()
        page.get_by_label("Date", exact=True).fill((datetime.now() - timedelta(days=1)).strftime("%Y-%m-%d"))
        page.get_by_label("Start time").fill("15:30")
        page.get_by_label("Length in minutes").fill("60")
        page.get_by_label("Address or meeting link").fill("https://meet.example/finale")
        page.get_by_label("Agenda").fill("Piano economico")
        page.get_by_role("button", name="Plan the session").click()
        saved(page, "The session is planned.")
        page.get_by_role("link", name=re.compile(r"\d{4}")).first.click()
        page.get_by_label("held").check()
        page.get_by_label("Notes").fill("Rivisti i costi; manca il piano di vendita.")
        page.get_by_role("button", name="Save the session record").click()
        expect(page.get_by_role("status")).to_be_visible()


def stage_final(browser, server, tmp_path, found) -> None:
    """The finalists move into the final pitch, two jurors score each, scoring closes."""
    with organiser(browser, server, "/rounds/R3/progress") as page:
        page.get_by_role("button", name=f"Move {FINALISTS} entries into this round").click()
        saved(page, "The entries were moved into this round.")
        # Rita declared a conflict with Anna's cooperative while bidding: two jurors per finalist, never her.
        propose_and_accept_assignment(page, server, "R3", per_entry=2, expert=False)
    reviews = sum(score_assigned_entries(browser, server, email, "Final pitch", [str(8 - number), "7"])
                  for number, (_name, email, _tracks, _capacity) in enumerate(JURORS))
    assert reviews == 2 * FINALISTS
    with organiser(browser, server, "/rounds/R3/progress") as page:
        close_scoring(page, server, "R3")


def stage_awards(browser, server, tmp_path, found) -> None:
    """The awards page ranks the finalists by the combined score and says so; the first two get the prizes."""
    with organiser(browser, server, "/awards") as page:
        expect(page.locator("#ranking-used")).to_contain_text("combined — 60% Final pitch + 40% Online jury")
        winners = []
        for place, prize in ((1, "Banca Solidale prize"), (2, "Territori prize")):
            choice = page.get_by_label(f"Entry for {prize}")
            option = choice.locator("option", has_text=re.compile(rf"^{place}\. ")).first
            winners.append(option.inner_text().split(". ", 1)[1].split(" (")[0])
            choice.select_option(option.get_attribute("value"))
        page.get_by_role("button", name="Confirm these awards").click()
        saved(page, "The awards were confirmed.")
        for winner, prize in zip(winners, ("Banca Solidale prize", "Territori prize"), strict=True):
            expect(page.get_by_role("heading", name=f"{prize} — {winner}")).to_be_visible()
        found["winners"] = winners


def download(page, link, folder: Path) -> bytes:
    with page.expect_download() as started:
        link.click()
    path = folder / started.value.suggested_filename
    started.value.save_as(path)
    return path.read_bytes()


def stage_sponsors(browser, server, tmp_path, found) -> None:
    """Each sponsor's user, invited by mail, downloads the report of its prizes: a PDF and a CSV naming the prize."""
    with organiser(browser, server, "/people") as page:
        for organisation, _name, email, _prize in SPONSOR_USERS:
            invite(page, server, [email], "sponsor", partner=organisation)
    for (organisation, name, email, prize), winner in zip(SPONSOR_USERS, found["winners"], strict=True):
        with as_person(browser) as page:
            accept_invitation(page, server, name, email, "sponsor-report-2027")
            page.goto(f"{server.url}/sponsor/{SLUG}")
            expect(page.get_by_text(prize).first).to_be_visible()
            report = page.get_by_role("listitem").filter(has_text="The sponsor's prizes")
            pdf = download(page, report.get_by_role("link", name="PDF"), tmp_path)
            assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF"), organisation
            table = download(page, report.get_by_role("link", name="CSV"), tmp_path).decode("utf-8-sig")
            # its winner, by project (the entity's name only where the applicant agreed to share it)
            winners = table.split("Winners", 1)[1].split("\n\n", 1)[0]
            title = "Il progetto di " + winner.removeprefix("Cooperativa ")
            assert any(line.startswith(prize) and title in line for line in winners.splitlines()), table
            other = next(p for _o, _n, _e, p in SPONSOR_USERS if p != prize)
            assert other not in table  # a sponsor sees its own prizes only


STAGES = (("setup", stage_setup), ("applications", stage_applications), ("admissibility", stage_admissibility),
          ("passage", stage_passage), ("jurors", stage_jurors), ("online_jury", stage_online_jury),
          ("mentoring", stage_mentoring), ("final", stage_final), ("awards", stage_awards),
          ("sponsors", stage_sponsors))


@pytest.mark.timeout(900)  # a year in a browser: about four minutes, more on a loaded machine
def test_a_whole_edition_from_an_empty_database(fresh_server, browser, tmp_path):
    found: dict = {}
    for _name, stage in STAGES:
        stage(browser, fresh_server, tmp_path, found)
