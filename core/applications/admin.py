"""What organisers do to one application: read it whole, give more time, reopen a submitted one.

Reopening is for a genuine mistake (a wrong attachment, a platform fault), so it needs a reason,
the applicant is told by mail, and the audit log keeps both.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from core.applications import attachments, lifecycle
from core.applications.attachments import CleanReport
from core.applications.submission import ApplicationClosed, ApplicationNotFound, ApplicationView, _view
from core.messaging.mail import enqueue_mail
from core.platform import audit, db, i18n
from core.platform.i18n import gettext as _
from core.platform.identity import SessionUser
from core.platform.tables import Account, Application


@dataclass(frozen=True)
class OrganiserApplication:
    view: ApplicationView
    entity_name: str
    applicant_email: str
    applicant_name: str
    extended_until: datetime | None
    # What cleaning removes from each file (by field) before blind jurors, or anyone if it carried scripts.
    cleaning: dict[str, CleanReport] = field(default_factory=dict)


async def _organised_row(actor: SessionUser, application_id: int, edition_slug: str, *, lock: bool = False) -> dict:
    query = Application.select(Application.all_columns(), Application.edition.slug).output(load_json=True).where(
        Application.id == application_id, Application.edition.slug == edition_slug)
    row = await (db.locked(query) if lock else query).first()
    if row is None or not (actor.is_admin or actor.has_role("organiser", edition_slug)):
        raise ApplicationNotFound(application_id)
    return row


async def application_for_organiser(*, actor: SessionUser, edition_slug: str, application_id: int,
                                    settings=None) -> OrganiserApplication:
    """The whole application, for an organiser of its edition (anyone else: not found).

    With `settings`, each file's cleaning report too: the metadata blind jurors are spared, and any
    active content (JavaScript, launch actions) the file carried.
    """
    row = await _organised_row(actor, application_id, edition_slug)
    applicant = await Account.select(Account.email, Account.display_name).where(
        Account.id == row["applicant"]).first()
    cleaning = await attachments.cleaning_reports(settings=settings, application_id=application_id) \
        if settings is not None else {}
    return OrganiserApplication(view=await _view(row), entity_name=row["entity_name"],
                                applicant_email=applicant["email"], applicant_name=applicant["display_name"],
                                extended_until=row["deadline_extended_until"], cleaning=cleaning)


async def grant_extension(*, actor: SessionUser, edition_slug: str, application_id: int, until: datetime) -> None:
    """An organiser gives one applicant more time (a documented hardship, a platform fault)."""
    async with db.write_transaction():
        row = await _organised_row(actor, application_id, edition_slug, lock=True)
        await Application.update({Application.deadline_extended_until: until}).where(Application.id == application_id)
        await audit.record("application.deadline_extended", actor_id=actor.id, edition_id=row["edition"],
                           subject_type="application", subject_id=application_id, data={"until": until.isoformat()})


async def reopen_application(*, actor: SessionUser, edition_slug: str, application_id: int, reason: str,
                             until: datetime | None = None, base_url: str = "http://127.0.0.1:8000",
                             now: datetime | None = None) -> None:
    """A submitted application goes back to draft so that its applicant can correct it and submit again.

    When the call's deadline has passed, `until` (a personal extension) is required: a reopened
    draft nobody can submit would only look like help.
    """
    now = now or datetime.now(UTC)
    reason = reason.strip()
    if not reason:
        raise ApplicationClosed(_("Say why the application is reopened; the applicant reads it."))
    async with db.write_transaction():
        row = await _organised_row(actor, application_id, edition_slug, lock=True)
        if not lifecycle.can_reopen(row["status"]):
            raise ApplicationClosed(_("Only a submitted application that no jury is judging can be reopened."))
        extended = until or row["deadline_extended_until"]
        view = await _view({**row, "deadline_extended_until": extended})
        if not view.deadline.is_open(now):
            raise ApplicationClosed(_("The deadline has passed: give the applicant a date until which to submit."))
        await Application.update({
            Application.status: lifecycle.transition(row["status"], lifecycle.DRAFT),
            Application.receipt_number: None, Application.submitted_at: None,
            Application.deadline_extended_until: extended, Application.updated_at: now,
            Application.version: row["version"] + 1,
        }).where(Application.id == application_id)
        await audit.record("application.reopened", actor_id=actor.id, edition_id=row["edition"],
                           subject_type="application", subject_id=application_id,
                           data={"reason": reason, "previous_status": row["status"],
                                 "receipt": row["receipt_number"], "until": extended.isoformat() if extended else None})
        applicant = await Account.select(Account.email, Account.locale, Account.display_name).where(
            Account.id == row["applicant"]).first()
        with i18n.language(applicant["locale"]):
            deadline_text = i18n.format_moment(view.deadline.effective, view.time_zone)
        await enqueue_mail(to=applicant["email"], template="application/reopened", language=applicant["locale"],
                           kind="application.reopened", context={
                               "name": applicant["display_name"], "reason": reason,
                               "edition_title": i18n.pick(view.edition_title, applicant["locale"]),
                               "deadline_text": deadline_text,
                               "link": f"{base_url.rstrip('/')}/applications/{application_id}"})
