"""Mail to an edition's organisers when something waits for them: a juror's question to approve, a blind
answer to clear, an applicant's appeal to decide.

Each organiser reads it in their own language; the mail names the entry and links the redress queue, and says
nothing the queue itself would not show them.
"""

from __future__ import annotations

from core.messaging import mail
from core.platform.i18n import pick
from core.platform.tables import Application, RoleGrant, Round

TO_APPROVE, TO_CLEAR, APPEAL_FILED = "clarification/to_approve", "clarification/to_clear", "appeal/filed"
TEMPLATES = (TO_APPROVE, TO_CLEAR, APPEAL_FILED)


async def mail_organisers(*, template: str, round_id: int, application_id: int, base_url: str = "") -> int:
    """Queue `template` about the entry in the round to every active organiser of its edition, inside the caller's
    transaction; returns how many organisers it goes to."""
    entry = await Application.select(Application.title, Application.entity_name).where(
        Application.id == application_id).first()
    round_row = await Round.select(Round.name, Round.edition, Round.edition.slug, Round.edition.title).output(
        load_json=True).where(Round.id == round_id).first()
    edition_id = round_row["edition"]
    grants = await RoleGrant.select(
        RoleGrant.account.email, RoleGrant.account.locale, RoleGrant.account.display_name,
    ).where(RoleGrant.edition == edition_id, RoleGrant.role == "organiser", RoleGrant.account.is_active.eq(True))
    link = mail.absolute_url(base_url, f"/organise/{round_row['edition.slug']}/redress")
    sent: set[str] = set()
    for grant in grants:
        address = grant["account.email"]
        if not address or address in sent:
            continue
        sent.add(address)
        language = grant["account.locale"] or "it"
        await mail.enqueue_mail(to=address, template=template, language=language, kind=template, context={
            "name": grant["account.display_name"], "edition_title": pick(round_row["edition.title"] or {}, language),
            "round_name": pick(round_row["name"] or {}, language),
            "entry_title": entry["title"] or entry["entity_name"], "queue_link": link})
    return len(sent)
