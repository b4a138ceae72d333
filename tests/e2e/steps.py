"""Browser steps the whole-edition journey is told with: signing in, reading the outbox, the set-up sections.

Each helper does what a person does on one page, through Playwright; none reaches the database.
"""

from __future__ import annotations

import email
import email.policy
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from playwright.sync_api import expect

from tests.e2e.conftest import LiveServer
from tests.e2e.test_applicant_journey import mailed_link

__all__ = ["add_named", "as_person", "errors", "local", "mail_to", "mailed_link", "saved", "sign_in", "sign_out"]


@contextmanager
def as_person(browser, locale: str = "en-GB") -> Iterator:
    """A browser of one's own (cookies, language) for one person; closed afterwards."""
    context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        yield page
    except BaseException:
        print(f"The page at {page.url} when the step failed:\n{page.locator('body').inner_text(timeout=2000)}")
        raise
    finally:
        context.close()


def local(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M")


def sign_in(page, server: LiveServer, email_address: str, password: str, next_path: str) -> None:
    page.goto(f"{server.url}/login?next={next_path}")
    page.get_by_label("Email").fill(email_address)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name=re.compile("^(Sign in|Accedi)$")).click()
    page.wait_for_url(re.compile(re.escape(next_path) + "$"))


def sign_out(page) -> None:
    page.get_by_role("button", name=re.compile("^(Sign out|Esci)$")).click()


def saved(page, text: str) -> None:
    status = page.get_by_role("status").filter(has_text=text)
    expect(status).to_be_visible()


def errors(page) -> list[str]:
    return page.locator(".error").all_inner_texts()


def add_named(page, summary: str, it: str, en: str):
    """Open an "Add ..." section of the set-up page and fill its two names; the form, to fill and submit."""
    details = page.locator("details").filter(has=page.locator("summary", has_text=summary))
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    form = details.locator("form")
    form.get_by_label("Name in Italian").fill(it)
    form.get_by_label("Name in English").fill(en)
    return form


def mail_to(outbox: Path, to: str, subject_has: str = "", timeout: float = 20) -> str:
    """The plain text of the newest .eml for `to` (whose subject contains `subject_has`), as the person reads it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for eml in sorted(outbox.glob("*.eml"), key=lambda path: int(path.name.split("-")[0]), reverse=True):
            message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
            if message["To"] == to and subject_has in str(message["Subject"]):
                return str(message["Subject"]) + "\n\n" + message.get_body(preferencelist=("plain",)).get_content()
        time.sleep(0.3)
    raise AssertionError(f"no mail about {subject_has!r} for {to} in {outbox}")


# -- an applicant, in Italian (the applicant journey and the whole edition share these) ----------------------


def sign_up_and_confirm(page, server: LiveServer, slug: str, name: str, email_address: str, password: str,
                        next_path: str) -> None:
    """From the call's page: create an account, follow the verification link of the mailed message (which signs
    the applicant in), then open `next_path`."""
    from tests.e2e.test_applicant_journey import fill_fields

    page.goto(f"{server.url}/c/{slug}")
    page.get_by_role("link", name="Candidati").click()
    page.get_by_role("link", name="Crea un account").click()
    fill_fields(page, {"Il tuo nome": name, "Email": email_address, "Password": password})
    page.get_by_role("button", name="Crea l'account").click()
    expect(page.get_by_role("heading", name="Controlla la tua email")).to_be_visible()
    # Served on a random port without GIURIA_BASE_URL: the mailed link still points at this server.
    link = mailed_link(server.data_dir / "outbox", email_address, "/verify/")
    assert link.startswith(server.url + "/verify/"), link
    page.goto(link)
    # The link signed the applicant in: their own area, no password asked.
    page.wait_for_url(re.compile(r"/me\?verified=1$"))
    expect(page.get_by_role("status").filter(has_text="Email confermata")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("^(Sign out|Esci)$"))).to_be_visible()
    page.goto(server.url + next_path)


def fill_and_submit(page, tmp_path: Path, *, entity: dict[str, str], legal_form: str, region: str,
                    team: dict[str, str], project: dict[str, str], stage: str) -> str:
    """From the application's overview: every section, the pitch deck, the declarations, submit; the receipt."""
    from tests.e2e.test_applicant_journey import PDF, field, fill_fields

    page.get_by_role("link", name="Ente proponente").click()
    fill_fields(page, entity)
    page.get_by_label(legal_form).check()
    field(page, "Regione della sede legale").select_option(region)
    page.get_by_role("group", name=re.compile("^Il team ha completato")).get_by_label("Sì").check()
    page.get_by_role("button", name="Salva e continua").click()
    expect(page.get_by_role("heading", name="Team")).to_be_visible()
    fill_fields(page, team)
    page.get_by_role("button", name="Salva e continua").click()
    expect(page.get_by_role("heading", name="Progetto")).to_be_visible()
    fill_fields(page, project)
    page.get_by_label(stage).check()
    page.get_by_role("button", name="Salva e continua").click()
    expect(page.get_by_role("heading", name="Allegati")).to_be_visible()
    page.get_by_role("link", name="Allega un file").first.click()
    deck = tmp_path / "pitch.pdf"
    deck.write_bytes(PDF)
    page.get_by_label(re.compile("^File")).set_input_files(str(deck))
    page.get_by_role("button", name="Carica").click()
    expect(page.get_by_role("link", name="pitch.pdf")).to_be_visible()
    page.get_by_role("button", name="Salva e torna al riepilogo").click()
    for declaration in ("Dichiaro che le informazioni fornite sono veritiere (DPR 445/2000).",
                        "Accetto il regolamento del concorso.",
                        "Ho letto l'informativa sul trattamento dei dati personali."):
        page.get_by_label(declaration).check()
    page.get_by_role("button", name="Invia la candidatura").click()
    expect(page.get_by_role("heading", name="Candidatura inviata")).to_be_visible()
    main = page.get_by_role("main").inner_text()
    assert "Inviata" in main
    return re.search(r"Il tuo numero di ricevuta è (\S+-\d{5})", main).group(1)
