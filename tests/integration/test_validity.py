"""Did the jury pick well? The organiser's page, sponsors seeing it only when shared, and pooling, on both engines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from core.platform.tables import AuditEvent
from tests.conftest import csrf_token, run
from tests.factories import (
    EN,
    EXAMPLE,
    SLUG,
    account,
    application,
    as_person,
    assignment,
    decision,
    example_edition,
    kpi_value,
    milestone_submission,
    review,
)

CRITERIA = ("IMP", "INN", "SOS", "TEA", "RET")
PUBLISHED = datetime(2026, 6, 10, 12, tzinfo=UTC)
EARLIER_SLUG = "welfare-comunita-2025"


@dataclass
class Followed:
    edition_id: int
    finalists: list[int]
    names: list[str]


def followed_edition(n: int, *, text: str = EXAMPLE, tag: str = "", organiser: bool = True) -> Followed:
    """`n` finalists chosen by two jurors in R1 (scores rising with their index) and a follow-up in which the
    better scored grew more; every third delivered its first milestone late, two entries were not chosen."""
    edition = example_edition(text)
    slug = edition.slug
    if organiser:
        account("olga@org.example", role="organiser", locale="en", edition_slug=slug)
    jurors = [account(f"juror{j}{tag}@jury.example", role="juror", edition_slug=slug) for j in range(2)]
    finalists, names = [], []
    for i in range(n + 2):
        owner = account(f"startup{i}{tag}@startup.example")
        name = f"Impresa {tag}{i:02d} APS"
        chosen = i >= 2
        app = application(edition, owner=owner, entity_name=name, title=f"Progetto {i}",
                          status="finalist" if chosen else "not_advanced")
        quality = 2.0 + 0.2 * i
        for j, juror in enumerate(jurors):
            score = quality + (0.1 if j else -0.1)
            review(assignment(edition.rounds["R1"], app, juror, status="submitted"),
                   {c: float(round(score)) for c in CRITERIA}, total=score)
        decision(edition.rounds["R1"], app, "finalist" if chosen else "not_advanced", published_at=PUBLISHED)
        if not chosen:
            continue
        finalists.append(app)
        names.append(name)
        late = i % 3 == 0
        milestone_submission("M1", app, status="approved",
                             submitted_at=datetime(2026, 7, 20 if late else 10, 9, tzinfo=UTC))
        kpi_value("beneficiaries_reached", app, kind="baseline", value=100, period_end=date(2026, 6, 1))
        kpi_value("beneficiaries_reached", app, kind="actual", value=100 + 15 * i, period_end=date(2026, 9, 30))
    return Followed(edition_id=edition.id, finalists=finalists, names=names)


def test_organiser_reads_that_higher_scores_went_with_more_growth(client, settings):
    setup = followed_edition(12)
    as_person(client, "olga@org.example")
    page = client.get(f"/organise/{SLUG}/mentoring/validity", headers=EN)
    assert page.status_code == 200
    assert "Did the jury pick well?" in page.text
    assert "Higher scores went with more growth." in page.text
    assert "Online jury" in page.text  # the round that chose them, by name
    assert all(name in page.text for name in setup.names)
    assert "Impresa 00 APS" not in page.text  # not a finalist
    assert page.text.count('src="data:image/svg+xml;base64,') == 2
    assert "With earlier editions" not in page.text
    account("ornella@org.example", role="organiser", locale="it")
    as_person(client, "ornella@org.example")
    italian = client.get(f"/organise/{SLUG}/mentoring/validity")
    assert "La giuria ha scelto bene?" in italian.text
    assert "Punteggi più alti sono andati con una crescita maggiore." in italian.text


def test_a_handful_of_finalists_cannot_tell(client, settings):
    followed_edition(3)
    as_person(client, "olga@org.example")
    page = client.get(f"/organise/{SLUG}/mentoring/validity", headers=EN)
    assert page.status_code == 200
    assert "With 3 finalists, we cannot tell yet." in page.text
    assert "Higher scores went" not in page.text
    account("ornella@org.example", role="organiser", locale="it")
    as_person(client, "ornella@org.example")
    italian = client.get(f"/organise/{SLUG}/mentoring/validity")
    assert "Con 3 finalisti non possiamo ancora dirlo." in italian.text


def test_an_edition_without_finalists_says_there_is_nothing_to_compare(client, settings):
    example_edition()
    account("olga@org.example", role="organiser", locale="en")
    as_person(client, "olga@org.example")
    page = client.get(f"/organise/{SLUG}/mentoring/validity", headers=EN)
    assert page.status_code == 200
    assert "No round has chosen finalists in this edition yet" in page.text


def test_sponsor_sees_the_page_only_once_the_organiser_shares_it(client, settings):
    setup = followed_edition(8)
    organisation = run(AuditEvent.raw("SELECT id FROM organisation ORDER BY id LIMIT 1"))[0]["id"]
    account("sponsor@fondazione.example", role="sponsor", organisation=organisation, locale="en")
    as_person(client, "sponsor@fondazione.example")
    assert client.get(f"/sponsor/{SLUG}/validity", headers=EN).status_code == 404
    assert f"/sponsor/{SLUG}/validity" not in client.get(f"/sponsor/{SLUG}", headers=EN).text

    as_person(client, "olga@org.example")
    path = f"/organise/{SLUG}/mentoring/validity"
    assert client.post(f"{path}/sponsors", data={"shared": "1"}).status_code == 403  # no CSRF token
    shared = client.post(f"{path}/sponsors", data={"shared": "1", "_csrf_token": csrf_token(client, path)},
                         headers=EN)
    assert shared.status_code == 200 and "Sponsors of this edition can now see this page." in shared.text
    actions = [r["action"] for r in run(AuditEvent.select(AuditEvent.action).where(
        AuditEvent.edition == setup.edition_id))]
    assert "validity.shared" in actions

    as_person(client, "sponsor@fondazione.example")
    assert f"/sponsor/{SLUG}/validity" in client.get(f"/sponsor/{SLUG}", headers=EN).text
    page = client.get(f"/sponsor/{SLUG}/validity", headers=EN)
    assert page.status_code == 200
    assert "Higher scores went with more growth." in page.text
    assert not any(name in page.text for name in setup.names)  # no finalist's name, nor its row

    as_person(client, "olga@org.example")
    client.post(f"{path}/sponsors", data={"shared": "0", "_csrf_token": csrf_token(client, path)})
    as_person(client, "sponsor@fondazione.example")
    assert client.get(f"/sponsor/{SLUG}/validity", headers=EN).status_code == 404


def test_a_juror_or_another_editions_sponsor_gets_not_found(client, settings):
    followed_edition(5)
    account("giudice@jury.example", role="juror")
    as_person(client, "giudice@jury.example")
    assert client.get(f"/organise/{SLUG}/mentoring/validity", headers=EN).status_code in (403, 404)
    assert client.get(f"/sponsor/{SLUG}/validity", headers=EN).status_code in (403, 404)


def test_earlier_editions_of_the_programme_are_pooled_with_standardised_scores(client, settings):
    earlier = EXAMPLE.replace(SLUG, EARLIER_SLUG).replace("year: 2026", "year: 2025")
    followed_edition(6, text=earlier, tag="p", organiser=False)
    followed_edition(6)
    as_person(client, "olga@org.example")
    page = client.get(f"/organise/{SLUG}/mentoring/validity", headers=EN)
    assert page.status_code == 200
    assert "With earlier editions of the programme" in page.text
    assert "Scores were standardised within each edition before pooling" in page.text
    assert "6 finalists" in page.text
