"""A mentor and a startup in a real browser, in Italian: plan and record a session; report an impact indicator."""

import re
import subprocess
import sys

import pytest

from core.cli.demo import DEMO_LOGINS
from tests.e2e.mentoring_seed import STARTUP_EMAIL, STARTUP_PASSWORD

pytestmark = pytest.mark.browser

MENTOR = next(login for login in DEMO_LOGINS if login.role == "mentor")


def sign_in(page, url: str, email: str, password: str) -> None:
    page.goto(url + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Accedi").click()
    page.wait_for_url(re.compile(r"/me$"))


def sign_out(page) -> None:
    page.get_by_role("button", name="Esci").click()


def test_a_mentor_records_a_session_and_the_startup_reports_a_kpi(live_server, page):
    env = {"GIURIA_DATA_DIR": str(live_server.data_dir), "GIURIA_SECRET_KEY": "e2e-secret-" + "k" * 40,
           "PATH": "/usr/bin:/bin"}
    seeded = subprocess.run([sys.executable, "-m", "tests.e2e.mentoring_seed"], env={**env, "PYTHONPATH": "."},
                            capture_output=True, text=True, timeout=60)
    assert seeded.returncode == 0, seeded.stderr
    application_id = int(seeded.stdout.strip().splitlines()[-1])

    sign_in(page, live_server.url, MENTOR.email, MENTOR.password)
    page.get_by_role("navigation", name="Principale").get_by_role("link", name="Mentoring").click()
    page.get_by_role("link", name=re.compile("Orti Aperti APS")).click()
    page.get_by_label("Data", exact=True).fill("2026-07-14")
    page.get_by_label("Ora di inizio").fill("15:30")
    page.get_by_label("Durata in minuti").fill("60")
    page.get_by_label("di persona").check()
    page.get_by_label("Indirizzo o link della riunione").fill("Via Tortona 12, Milano")
    page.get_by_label("Ordine del giorno").fill("Piano economico e prime vendite")
    page.get_by_role("button", name="Pianifica la sessione").click()
    assert page.get_by_role("status").inner_text() == "La sessione è pianificata."

    page.get_by_role("link", name=re.compile("14 luglio 2026")).click()
    page.get_by_label("svolta").check()
    page.get_by_label("Il mentor era presente").check()
    page.get_by_label("Il team della startup era presente").check()
    page.get_by_label("Appunti").fill("Rivisti i costi delle serre; manca il piano di vendita.")
    page.get_by_label("Azione 1", exact=True).fill("Preparare il piano di vendita")
    page.get_by_label("Responsabile dell'azione 1").select_option("startup")
    page.get_by_label("Scadenza dell'azione 1").fill("2026-07-28")
    page.get_by_role("button", name="Salva il resoconto").click()
    assert page.get_by_role("status").inner_text() == "Il resoconto della sessione è salvato."
    assert page.get_by_label("Azione 1", exact=True).input_value() == "Preparare il piano di vendita"
    sign_out(page)

    sign_in(page, live_server.url, STARTUP_EMAIL, STARTUP_PASSWORD)
    page.goto(live_server.url + "/mentoring")
    page.get_by_role("link", name=re.compile("Orti Aperti APS")).click()
    page.wait_for_url(re.compile(rf"/mentoring/path/{application_id}$"))
    main = page.get_by_role("main")
    assert "Mentor: Monica Mentore" in main.inner_text()
    assert "Preparare il piano di vendita" in main.inner_text()

    page.get_by_label("Indicatore", exact=True).select_option("beneficiaries_reached")
    page.get_by_label("Periodo che termina il").fill("2026-06-30")
    page.get_by_label("Valore", exact=True).fill("abc")
    page.get_by_role("button", name="Comunica", exact=True).click()
    assert page.get_by_text("Inserisci un numero.").first.is_visible()
    page.get_by_label("Valore", exact=True).fill("1.250")
    page.get_by_role("button", name="Comunica", exact=True).click()
    assert page.get_by_role("status").inner_text() == "Valore comunicato. Grazie."
    row = page.get_by_role("row", name=re.compile("^Beneficiari raggiunti 30 giugno 2026"))
    assert "1.250" in row.inner_text()  # in Italian, thousands grouped

    page.get_by_role("link", name=re.compile("14 luglio 2026")).click()
    assert page.get_by_text("Rivisti i costi delle serre").is_visible()
    calendar = page.get_by_role("link", name="Aggiungi al calendario (.ics)")
    with page.expect_download() as download:
        calendar.click()
    assert download.value.suggested_filename.endswith(".ics")
