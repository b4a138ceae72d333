"""The organiser's edition home: its figures counted exactly, and the next action chosen from them, on both engines.

The panel of the jury-progress tests (three entries, four jurors, their reviews made through the juror pages) in
a round that closes tomorrow after a week open, so that every active juror is behind an even pace.
"""

from __future__ import annotations

import re

from core.platform.tables import Application
from tests import factories
from tests.conftest import run
from tests.factories import EN, SLUG, account, application, as_person, edition_ids, example_edition
from tests.integration.test_jury_progress import ORGANISER, make_panel, work_the_panel


def figure(page: str, label: str) -> str:
    """The value shown on the tile whose description starts with `label`."""
    found = re.search(r'<span class="value">([^<]*)</span>\s*<span class="what">' + re.escape(label), page)
    assert found, f"no figure {label!r} on the page"
    return found.group(1)


def test_the_dashboard_counts_applications_reviews_late_jurors_mail_and_jobs(client):
    panel = make_panel(opened_days_ago=7, closes_in_days=1)
    work_the_panel(client, panel)
    edition = edition_ids(run(Application.select(Application.edition).where(
        Application.id == panel.entries["A"]).first())["edition"])
    for n in (1, 2):
        owner = account(f"new{n}@entry.example", verified=False)
        application(edition, owner=owner, status="submitted", entity_name=f"Nuovo {n}")
    factories.failed_and_retried_mail()
    factories.running_job(edition.id)

    as_person(client, ORGANISER)
    page = client.get(f"/organise/{SLUG}", headers=EN)
    assert page.status_code == 200
    assert figure(page.text, "Applications") == "5"
    # anna A, bruno C, carla C submitted of six active assignments (dario recused); at 7/8 of the window each of
    # the three active jurors should have both of theirs in.
    assert figure(page.text, "Reviews in, Online jury") == "3 / 6"
    assert "due by now: 6" in page.text
    assert figure(page.text, "Jurors behind, Online jury") == "3 / 3"
    assert figure(page.text, "Mails not delivered") == "1"
    assert "being retried: 1" in page.text
    assert figure(page.text, "Jobs running") == "1"
    assert "2 applications wait for the admissibility check." in page.text
    assert f'href="/organise/{SLUG}/admissibility">Admissibility</a>' in page.text
    assert 'aria-current="page">Overview</a>' in page.text

    factories.set_applications_in_status("submitted", status="admissible")
    page = client.get(f"/organise/{SLUG}", headers=EN)
    assert "In Online jury, 3 jurors are behind the pace the deadline asks: remind them." in page.text
    assert f'class="button" href="/organise/{SLUG}/rounds/R1/progress"' in page.text


def test_a_fresh_edition_has_zero_figures_and_sends_the_organiser_to_follow_the_jury(client):
    example_edition()
    account(ORGANISER, role="organiser", locale="en")
    as_person(client, ORGANISER)
    page = client.get(f"/organise/{SLUG}", headers=EN)
    assert page.status_code == 200
    assert figure(page.text, "Applications") == "0"
    assert "Reviews in" not in page.text
    assert figure(page.text, "Jobs running") == "0"
    assert "Nothing waits for you now" in page.text

