"""A juror in a real browser, in Italian: invited by an organiser, sets a password from the mailed link,
declares no conflict and scores two entries on the rubric form; the dashboard and the organiser see 2 of 2.
"""

import re

import pytest

import tests.e2e.test_applicant_journey as applicant_journey
from core.cli.demo import DEMO_LOGINS
from core.judging import redaction
from core.people import accounts
from core.platform import db
from core.platform.settings import Settings
from core.platform.tables import Account, Application, Round
from tests import factories
from tests.conftest import run

pytestmark = pytest.mark.browser

SLUG = "welfare-comunita-2027"  # the demo's 2026 online jury has closed; the 2027 call's is ahead
ORGANISER = next(login for login in DEMO_LOGINS if login.role == "organiser")
JUROR_EMAIL = "nina.nuova@giurie.example"
JUROR_PASSWORD = "punteggi-ponderati-2026"


def assign_two_entries(live_server, email: str) -> None:
    """What the admissibility and passage pages and the assignment engine would do, with the online jury's window
    moved around today: two of the 2027 call's entries in the online jury, assigned to the new juror."""
    db.configure(Settings(env="test", data_dir=live_server.data_dir, secret_key="e2e-secret-" + "k" * 40))

    juror = run(Account.select(Account.id).where(Account.email == email).first())["id"]
    round_id = run(Round.select(Round.id).where(Round.code == "R1", Round.edition.slug == SLUG).first())["id"]
    factories.open_round(round_id, opened_days_ago=1 / 24, closes_in_days=7)
    entries = [e["id"] for e in run(Application.select(Application.id).where(
        Application.status == "submitted", Application.edition.slug == SLUG,
        Application.receipt_number.is_not_null()).order_by(Application.id).limit(2))]
    factories.set_application(entries, status="in_round")
    for entry in entries:
        factories.assignment(round_id, entry, juror)

    async def redact() -> None:
        # The round is blind: the organiser redacts the names the applicants wrote before jurors read them.
        organiser = await Account.select(Account.id).where(Account.email == ORGANISER.email).first()
        actor = await accounts.load_session_user(organiser["id"], 0)
        await redaction.redact_remaining(actor=actor, edition_slug=SLUG, round_code="R1")

    run(redact())


def sign_in(page, live_server, email: str, password: str, next_path: str) -> None:
    page.goto(f"{live_server.url}/login?next={next_path}")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Accedi").click()
    page.wait_for_url(re.compile(re.escape(next_path) + "$"))


def score_entry(page, position: int) -> None:
    page.get_by_role("link", name=re.compile(r"^Proposta n\. \d+")).nth(position).click()
    conflict_question = "Prima di aprire questa proposta: hai un conflitto di interessi?"
    assert page.get_by_role("heading", name=conflict_question).is_visible()
    page.get_by_role("button", name="Non ho conflitti con questa proposta").click()
    groups = page.get_by_role("radiogroup").all()
    assert len(groups) == 5  # one per criterion of the welfare rubric
    for group, value in zip(groups, ("4", "3", "4", "5", "3"), strict=True):
        group.locator(f"input[value='{value}']").check()
    assert page.locator("#weighted-total").inner_text() == "3,80"  # live, in the page's language
    comment = page.get_by_label("Commento complessivo (per la giuria e gli organizzatori)")
    comment.fill("Solida, da rafforzare i ricavi.")
    page.get_by_role("button", name="Invia la valutazione").click()
    assert page.get_by_role("status").filter(
        has_text="Valutazione inviata. Puoi modificarla fino alla chiusura della fase.").is_visible()
    page.get_by_role("link", name="Le proposte da valutare").click()


def test_an_invited_juror_declares_no_conflict_and_scores_two_entries(live_server, page):
    sign_in(page, live_server, ORGANISER.email, ORGANISER.password, f"/organise/{SLUG}/people")
    page.get_by_label("Indirizzi email, uno per riga").fill(JUROR_EMAIL)
    page.get_by_label("Ruolo", exact=True).select_option(label="giurato")
    page.get_by_label("Fase (solo per i giurati, facoltativa)").select_option(label="Giuria online")
    page.get_by_role("button", name="Invia gli inviti").click()
    assert page.get_by_role("status").filter(has_text="Inviti inviati: 1.").is_visible()
    assert page.get_by_role("row", name=re.compile(re.escape(JUROR_EMAIL))).get_by_text("in attesa").is_visible()
    page.get_by_role("button", name="Esci").click()

    link = applicant_journey.mailed_link(live_server.data_dir / "outbox", JUROR_EMAIL, "/invitations/")
    page.goto(link)
    assert page.get_by_role("heading", name="Il tuo invito").is_visible()
    page.get_by_label("Il tuo nome").fill("Nina Nuova")
    page.get_by_label("Scegli una password").fill(JUROR_PASSWORD)
    page.get_by_role("button", name="Crea il mio account e accetta").click()
    page.wait_for_url(re.compile(r"/jury/profile/[^/]+$"))  # the first stop: tracks and capacity
    assert page.get_by_role("heading", name="Il tuo profilo di giurato").is_visible()
    page.get_by_role("link", name="Le proposte da valutare").click()
    page.wait_for_url(re.compile(r"/jury$"))
    assert page.get_by_text("Al momento non hai proposte assegnate.").is_visible()

    assign_two_entries(live_server, JUROR_EMAIL)
    page.reload()
    assert page.get_by_text("0 di 2 inviate, 0 in corso.").is_visible()
    score_entry(page, 0)
    assert page.get_by_text("1 di 2 inviate, 0 in corso.").is_visible()
    score_entry(page, 1)
    assert page.get_by_text("2 di 2 inviate, 0 in corso.").is_visible()
    assert page.get_by_role("cell", name="inviata").count() == 2

    page.get_by_role("button", name="Esci").click()
    sign_in(page, live_server, ORGANISER.email, ORGANISER.password, f"/organise/{SLUG}/rounds/R1/progress")
    row = page.get_by_role("row", name=re.compile("Nina Nuova"))
    # After the remind box: assigned, conflict check done, drafts, submitted, released for a conflict.
    assert row.get_by_role("cell").all_inner_texts()[1:6] == ["2", "2", "0", "2", "0"]
