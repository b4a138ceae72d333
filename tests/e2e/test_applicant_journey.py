"""An applicant in a real browser, in Italian: sign up, confirm the email, fill, upload, submit, see the receipt."""

import email
import email.policy
import re
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
EMAIL = "lucia.ferraro@example.org"
PASSWORD = "orti-condivisi-2027"


def mailed_link(outbox: Path, to: str, path: str, timeout: float = 20) -> str:
    """The whole link to `path` in the newest .eml the development sender wrote for `to`, as a person clicks it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for eml in sorted(outbox.glob("*.eml"), reverse=True):
            message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
            if message["To"] == to:
                body = message.get_body(preferencelist=("plain",)).get_content()
                match = re.search(rf"https?://[^\s/]+{re.escape(path)}[^\s]+", body)
                if match:
                    return match.group(0)
        time.sleep(0.3)
    raise AssertionError(f"no mail with {path} for {to} in {outbox}")


def field(page, label: str):
    """A form field by its accessible name, which says "(obbligatorio)" on required ones."""
    return page.get_by_label(re.compile("^" + re.escape(label) + r"(\s*\*)?(\s*\(obbligatorio\))?$"))


def fill_fields(page, labels: dict[str, str]) -> None:
    for label, value in labels.items():
        field(page, label).fill(value)


def test_sign_up_confirm_fill_upload_submit_in_italian(live_server, page, tmp_path):
    from tests.e2e.steps import fill_and_submit, sign_up_and_confirm

    sign_up_and_confirm(page, live_server, "welfare-comunita-2027", "Lucia Ferraro", EMAIL, PASSWORD,
                        "/c/welfare-comunita-2027/apply")
    page.get_by_label("Agricoltura sociale").check()
    page.get_by_role("button", name="Inizia la candidatura").click()
    receipt = fill_and_submit(
        page, tmp_path, legal_form="Associazione di promozione sociale (APS)", region="Campania", stage="Prototipo",
        entity={"Denominazione": "Orti Condivisi APS", "Codice fiscale": "97000111222",
                "Data di costituzione": "2024-02-10", "Sito web": "orticondivisi.example"},
        team={"Nome e cognome 1": "Lucia Ferraro", "Età 1": "28", "Nome e cognome 2": "Paolo Esposito",
              "Età 2": "31", "Email del referente": EMAIL},
        project={
            "Titolo": "Orti che includono", "Sintesi": "Orti sociali per l'inserimento lavorativo di giovani.",
            "Bisogno sociale e beneficiari": "Giovani NEET del quartiere.", "Soluzione e innovazione": "Orti urbani.",
            "Uso della tecnologia": "Un'app per la filiera corta.", "Rete territoriale e partner": "Comune, scuole.",
            "Teoria del cambiamento": "Dal lavoro all'autonomia.",
            "Indicatore 1": "Giovani inseriti", "Valore iniziale 1": "0", "Obiettivo a 12 mesi 1": "6",
            "Indicatore 2": "Ettari coltivati", "Valore iniziale 2": "0,5", "Obiettivo a 12 mesi 2": "2",
            "Indicatore 3": "Famiglie servite", "Valore iniziale 3": "10", "Obiettivo a 12 mesi 3": "80",
            "Posti di lavoro previsti (ETP)": "4", "di cui per persone svantaggiate": "2",
            "Modello di business e ricavi": "Vendita diretta e servizi.",
            "Scalabilità e replicabilità": "Altri comuni.", "Uso del premio": "Serre e formazione.",
        })
    receipt_mail = mailed_link(live_server.data_dir / "outbox", EMAIL, "/applications/")
    assert receipt_mail.startswith(live_server.url + "/applications/")
    assert receipt.startswith("WC27-")
