"""An appeal in a real browser, in Italian: the organiser opens the online jury's appeal window, an applicant who did
not advance appeals (a first try without a ground keeps the text typed), the organiser dismisses it with reasons and
the applicant reads them."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from core.cli.demo import DEMO_PASSWORD
from tests.e2e.steps import as_person, saved, sign_in

pytestmark = pytest.mark.browser

SLUG = "welfare-comunita-2026"
APPEAL = "La scheda dice che non abbiamo partner, ma il protocollo con il Comune è allegato alla sezione 4."
REASONS = "Il protocollo è stato letto dai giurati: il punteggio sulla rete resta motivato. Il ricorso è respinto."


def appellant(live_server) -> tuple[str, int]:
    """An applicant of the demo whose entry did not advance from the online jury and who has not appealed."""
    email, application_id = live_server.rows(
        "SELECT account.email, application.id FROM decision JOIN round ON round.id = decision.round"
        " JOIN application ON application.id = decision.application"
        " JOIN account ON account.id = application.applicant"
        " JOIN edition ON edition.id = round.edition"
        " WHERE edition.slug = ? AND round.code = 'R1' AND decision.outcome = 'not_advanced' AND application.id NOT IN"
        " (SELECT application FROM appeal) ORDER BY application.id DESC LIMIT 1", SLUG)[0]
    return email, application_id


def test_an_applicant_appeals_and_reads_the_organisers_reasons(demo_server, browser):
    live_server = demo_server
    email, application_id = appellant(live_server)
    with as_person(browser, "it-IT") as page:
        sign_in(page, live_server, "organiser@giuria.example", DEMO_PASSWORD, f"/organise/{SLUG}")
        page.get_by_role("navigation", name="Console organizzatori").get_by_role(
            "link", name="Chiarimenti e ricorsi").click()
        page.get_by_label("Giorni per il ricorso contro Giuria online").fill("90")
        page.get_by_label("Giorni per il ricorso contro Giuria online").locator(
            "xpath=ancestor::form").get_by_role("button", name="Salva").click()
        saved(page, "Il termine per i ricorsi è stato salvato.")

    with as_person(browser, "it-IT") as page:
        sign_in(page, live_server, email, DEMO_PASSWORD, f"/applications/{application_id}")
        expect(page.get_by_text(re.compile("Puoi presentare ricorso contro questa decisione fino al"))).to_be_visible()
        page.get_by_label("Che cosa è andato storto e come ha influito sulla decisione").fill(APPEAL)
        page.get_by_role("button", name="Invia il ricorso").click()
        expect(page.get_by_role("alert").filter(has_text="Scegli il motivo del ricorso.")).to_be_visible()
        expect(page.get_by_label("Che cosa è andato storto e come ha influito sulla decisione")).to_have_value(APPEAL)
        page.get_by_label("Un errore di fatto negli atti").check()
        page.get_by_role("button", name="Invia il ricorso").click()
        saved(page, "Il tuo ricorso è stato ricevuto.")

    with as_person(browser, "it-IT") as page:
        sign_in(page, live_server, "organiser@giuria.example", DEMO_PASSWORD, f"/organise/{SLUG}/redress")
        appeal = page.locator("article.redress-item").filter(has_text=APPEAL)
        appeal.get_by_label("Respingi il ricorso").check()
        appeal.get_by_label("Motivazioni (il candidato le leggerà)").fill(REASONS)
        appeal.get_by_role("button", name="Registra la decisione").click()
        saved(page, "Il ricorso è stato deciso e il candidato è stato avvisato per email.")

    with as_person(browser, "it-IT") as page:
        sign_in(page, live_server, email, DEMO_PASSWORD, f"/applications/{application_id}")
        section = page.locator("#appeals")
        expect(section).to_contain_text("respinto")
        expect(section).to_contain_text(REASONS)
