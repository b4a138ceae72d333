"""Feedback to applicants through HTTP on both engines: bands within a track, nothing of anyone else, nothing before
release, comments edited or withheld with a reason, and a notice to each applicant in their language."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

import pypdf

from core.messaging.mail import deliver_due
from core.platform.tables import AuditEvent, FeedbackComment, Review
from tests.conftest import csrf_token, run
from tests.factories import EN, SLUG, account, application, as_person, assignment, decision, example_edition, review
from tests.integration.conftest import content

CRITERIA = ("IMP", "INN", "SOS", "TEA", "RET")
BAND_WORDS = ("Top quarter of the track", "Upper middle of the track", "Lower middle of the track",
              "Bottom quarter of the track")
ANNA_COMMENTS = ("Rafforzate il piano economico a tre anni.", "Buona rete territoriale, da misurare meglio.")


def seed() -> dict:
    """Nine entries in AGR (anna's is the weakest, not advanced), three in PAT (ben's among them), four jurors."""
    edition = example_edition()
    r1 = edition.rounds["R1"]
    jurors = [account(f"giurato{j}@jury.example", display_name=f"Giurato Segreto {j}") for j in range(4)]
    anna = account("anna@applicant.example", locale="it", display_name="Anna")
    ben = account("ben@applicant.example", locale="en", display_name="Ben")
    ids: dict = {"others": []}
    now = datetime.now(UTC)
    entries = [("AGR", i) for i in range(9)] + [("PAT", i) for i in range(3)]
    for number, (track, i) in enumerate(entries):
        owner = anna if (track, i) == ("AGR", 0) else ben if (track, i) == ("PAT", 0) else account(
            f"owner{number}@applicant.example", locale="it")
        outcome = "advanced" if i >= 5 or (track == "PAT" and i == 2) else "not_advanced"
        entry = application(edition, owner=owner, track=track, entity_name=f"Ente {track} {i}",
                            title=f"Progetto {track} {i}", status=outcome)
        for j in range(3):
            juror = jurors[(number + j) % 4]
            values = {code: float(min(5, 1 + (i + k + j) // 2)) for k, code in enumerate(CRITERIA)}
            feedback = (ANNA_COMMENTS[j] if j < 2 else "") if owner == anna else f"Nota riservata all'ente {track} {i}."
            review(assignment(r1, entry, juror), values, total=sum(values.values()) / 5, comment="Interno: segreto",
                   feedback_to_applicant=feedback)
        decision(r1, entry, outcome, published_at=now)
        if owner == anna:
            ids["anna"] = entry
        elif owner == ben:
            ids["ben"] = entry
        else:
            ids["others"].append(entry)
    account("olga@foundation.example", role="organiser", locale="en")
    return ids


def release(client) -> None:
    as_person(client, "olga@foundation.example")
    path = f"/organise/{SLUG}/rounds/R1/feedback/release"
    page = client.get(path, headers=EN)
    assert page.status_code == 200 and "12 applicants will be able to read their feedback." in page.text
    done = client.post(path, data={"_csrf_token": csrf_token(client, path)}, follow_redirects=False)
    assert done.status_code == 302 and done.headers["location"].endswith("done=released")


def pdf_text(response) -> str:
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(response.content)).pages)


def test_nothing_before_release_then_a_rejected_applicant_reads_bands_and_nothing_of_others(
        client, mail_settings, smtp):
    ids = seed()
    as_person(client, "anna@applicant.example")
    assert client.get(f"/applications/{ids['anna']}/feedback/R1").status_code == 404
    assert client.get(f"/applications/{ids['anna']}/feedback/R1/pdf").status_code == 404
    assert "/feedback/" not in client.get(f"/applications/{ids['anna']}").text

    release(client)
    assert run(deliver_due(settings=mail_settings)).sent == 12
    messages = {m["To"]: m for m in smtp.messages()}
    assert "the jury's feedback" in messages["ben@applicant.example"]["Subject"]
    assert "il riscontro della giuria" in messages["anna@applicant.example"]["Subject"]
    italian = content(messages["anna@applicant.example"].get_body(("plain",)))
    assert f"/applications/{ids['anna']}/feedback/R1" in italian and "Ciao Anna" in italian

    as_person(client, "anna@applicant.example")
    overview = client.get(f"/applications/{ids['anna']}", headers=EN)
    assert f'href="/applications/{ids["anna"]}/feedback/R1"' in overview.text
    page = client.get(f"/applications/{ids['anna']}/feedback/R1")  # in Anna's language, Italian
    assert page.status_code == 200
    assert "non ammessa alla fase successiva" in page.text
    assert "Quarto più basso dell'ambito" in page.text
    assert "Impatto sociale e occupazionale" in page.text and "Impatto non dimostrato" in page.text
    for comment in ANNA_COMMENTS:
        assert comment in page.text
    secrets = ["Giurato Segreto", "giurato0@", "Interno: segreto", "Nota riservata", "Ente AGR 1", "Ente PAT"]
    for secret in secrets:
        assert secret not in page.text, secret
    # Comments in the order of their words, not of the jurors.
    assert page.text.index(ANNA_COMMENTS[1]) < page.text.index(ANNA_COMMENTS[0])

    text = pdf_text(client.get(f"/applications/{ids['anna']}/feedback/R1/pdf"))
    flat = re.sub(r"\s+", " ", text)
    assert "Quarto più basso dell'ambito" in flat and "Rafforzate il piano economico" in flat
    for secret in secrets:
        assert secret not in flat, secret

    # Someone else's feedback is not found, page or PDF.
    assert client.get(f"/applications/{ids['ben']}/feedback/R1").status_code == 404
    assert client.get(f"/applications/{ids['others'][0]}/feedback/R1/pdf").status_code == 404
    for path in (f"/applications/{ids['anna']}/feedback/NOPE", f"/applications/{ids['anna']}/feedback/R0",
                 f"/applications/{2**63}/feedback/R1", f"/applications/{2**63}/feedback/R1/pdf"):
        assert client.get(path).status_code == 404, path


def test_a_track_of_three_shows_no_band(client):
    ids = seed()
    release(client)
    as_person(client, "ben@applicant.example")
    page = client.get(f"/applications/{ids['ben']}/feedback/R1", headers=EN)
    assert page.status_code == 200
    assert "fewer than 8 scored entries" in page.text
    for words in BAND_WORDS:
        assert words not in page.text
    flat = re.sub(r"\s+", " ", pdf_text(client.get(f"/applications/{ids['ben']}/feedback/R1/pdf", headers=EN)))
    assert "no band is shown" in flat
    for words in BAND_WORDS:
        assert words not in flat


def test_an_edited_and_a_withheld_comment_show_as_edited_and_the_audit_keeps_the_reason(client):
    ids = seed()
    as_person(client, "olga@foundation.example")
    base = f"/organise/{SLUG}/rounds/R1/feedback/entries/{ids['anna']}"
    preview = client.get(base, headers=EN)
    assert preview.status_code == 200 and ANNA_COMMENTS[0] in preview.text
    reviews = {r["feedback_to_applicant"]: r["id"] for r in run(Review.select(Review.id, Review.feedback_to_applicant))}
    token = csrf_token(client, base)
    edited = "Rafforzate il piano economico a tre anni con ipotesi di ricavo prudenti."
    refused = client.post(f"{base}/comments/{reviews[ANNA_COMMENTS[0]]}", headers=EN, data={
        "_csrf_token": token, "text": edited, "reason": "  ", "action": "edit"})
    assert refused.status_code == 400 and "Give the reason for the change" in refused.text
    assert edited in refused.text and run(FeedbackComment.count()) == 0
    saved = client.post(f"{base}/comments/{reviews[ANNA_COMMENTS[0]]}", follow_redirects=False, data={
        "_csrf_token": token, "text": edited, "reason": "Più utile al candidato", "action": "edit"})
    assert saved.status_code == 302
    client.post(f"{base}/comments/{reviews[ANNA_COMMENTS[1]]}", data={
        "_csrf_token": token, "text": ANNA_COMMENTS[1], "reason": "Riferimento a un altro ente", "action": "withhold"})
    # Another round's or entry's review cannot be reached through this entry.
    other = reviews["Nota riservata all'ente AGR 1."]
    assert client.post(f"{base}/comments/{other}", data={"_csrf_token": token, "text": "x", "reason": "y",
                                                         "action": "edit"}).status_code == 404

    preview = client.get(base, headers=EN).text
    shown = preview[preview.index('id="preview"'):preview.index('id="comments"')]
    assert edited in shown and ANNA_COMMENTS[0] not in shown and ANNA_COMMENTS[1] not in shown
    events = {e["action"]: e["data"] for e in run(AuditEvent.select(AuditEvent.action, AuditEvent.data).output(
        load_json=True).where(AuditEvent.action.like("feedback.%")))}
    assert events["feedback.comment_edited"]["reason"] == "Più utile al candidato"
    assert events["feedback.comment_edited"]["original"] == ANNA_COMMENTS[0]
    assert events["feedback.comment_withheld"]["reason"] == "Riferimento a un altro ente"
    assert run(Review.select(Review.feedback_to_applicant).where(Review.id == reviews[ANNA_COMMENTS[1]]).first())[
        "feedback_to_applicant"] == ANNA_COMMENTS[1]  # the juror's words are kept

    release(client)
    as_person(client, "anna@applicant.example")
    page = client.get(f"/applications/{ids['anna']}/feedback/R1", headers=EN).text
    assert edited in page and ANNA_COMMENTS[0] not in page and ANNA_COMMENTS[1] not in page


def test_feedback_is_released_once_and_only_by_the_editions_organisers(client):
    seed()
    as_person(client, "anna@applicant.example")
    assert client.get(f"/organise/{SLUG}/rounds/R1/feedback").status_code in (403, 404)
    release(client)
    path = f"/organise/{SLUG}/rounds/R1/feedback/release"
    again = client.post(path, headers=EN, data={"_csrf_token": csrf_token(client, f"/organise/{SLUG}/results")})
    assert again.status_code == 409 and "already released" in again.text
    for path in (f"/organise/{SLUG}/rounds/NOPE/feedback", f"/organise/{SLUG}/rounds/R0/feedback",
                 f"/organise/{SLUG}/rounds/R1/feedback/entries/{2**63}",
                 "/organise/no-such-edition/rounds/R1/feedback"):
        assert client.get(path).status_code == 404, path
    listing = client.get(f"/organise/{SLUG}/rounds/R1/feedback", headers=EN)
    assert listing.status_code == 200 and "Released on" in listing.text
    assert run(AuditEvent.count().where(AuditEvent.action == "feedback.released")) == 1
