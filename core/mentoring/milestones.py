"""Milestones of the path: deliverables uploaded by the startup, reviewed by its mentor, reminded before the due date.

A deliverable is an attachment of the application (field `milestone_<code>`) stored with every
upload check of `core.applications.attachments`. Reminders are recorded in the database with a unique key per
(milestone, application, kind) in the same transaction as the queued mail, so running the
reminder pass twice, or from two workers at once, sends each reminder once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from core.applications import attachments as files
from core.mentoring.access import (
    ACTIVE_MATCH,
    ON_PATH,
    MentoringNotFound,
    MentoringRefused,
    may_see_application,
    mentors_application,
    own_application_on_path,
)
from core.messaging import events, mail
from core.platform import audit, db, i18n
from core.platform.i18n import gettext as _
from core.platform.identity import SessionUser
from core.platform.settings import Settings
from core.platform.tables import (
    Application,
    Attachment,
    Edition,
    MentorMatch,
    Milestone,
    MilestoneReminder,
    MilestoneSubmission,
)

ACCEPT = ("pdf", "docx", "xlsx", "pptx", "odt", "ods", "odp")
MAX_MB = 20
VERDICTS = ("approved", "needs_rework")
DONE = ("submitted", "approved")


@dataclass(frozen=True)
class MilestoneLine:
    """One milestone for one startup: when it is due and where its deliverable stands."""

    milestone_id: int
    code: str
    name: dict[str, str]
    due_on: date | None
    status: str
    submission_id: int | None
    note: str
    comment: str
    attachment_id: int | None
    filename: str
    submitted_at: datetime | None

    def overdue(self, today: date) -> bool:
        return self.due_on is not None and self.due_on < today and self.status not in DONE


def field_of(code: str) -> str:
    return f"milestone_{code}"


async def milestones_of(application_id: int, edition_id: int) -> list[MilestoneLine]:
    milestones = await Milestone.select().output(load_json=True).where(Milestone.edition == edition_id).order_by(
        Milestone.position).order_by(Milestone.due_on).order_by(Milestone.id)
    submissions = {s["milestone"]: s for s in await MilestoneSubmission.select().where(
        MilestoneSubmission.application == application_id)}
    attachments = {a["field"]: a for a in await Attachment.select(Attachment.id, Attachment.field,
                                                                  Attachment.filename).where(
        Attachment.application == application_id, Attachment.field.like("milestone_%"))}
    lines = []
    for m in milestones:
        s = submissions.get(m["id"])
        a = attachments.get(field_of(m["code"]))
        lines.append(MilestoneLine(
            milestone_id=m["id"], code=m["code"], name=m["name"] or {}, due_on=m["due_on"],
            status=s["status"] if s else "planned", submission_id=s["id"] if s else None,
            note=s["note"] if s else "", comment=s["comment"] if s else "",
            attachment_id=a["id"] if a else None, filename=a["filename"] if a else "",
            submitted_at=s["submitted_at"] if s else None))
    return lines


async def submit_milestone(*, settings: Settings, actor: SessionUser, application_id: int, code: str,
                           filename: str, stream, note: str = "") -> files.StoredFile:
    """The startup uploads a deliverable; it waits for the mentor's review (a new upload replaces the old)."""
    app = await own_application_on_path(actor, application_id)
    milestone = await Milestone.select(Milestone.id).where(Milestone.edition == app["edition"],
                                                          Milestone.code == code).first()
    if milestone is None:
        raise MentoringNotFound(code)

    async def precheck() -> None:
        row = await MilestoneSubmission.select(MilestoneSubmission.status).where(
            MilestoneSubmission.milestone == milestone["id"],
            MilestoneSubmission.application == application_id).first()
        if row and row["status"] == "approved":
            raise MentoringRefused(_("This milestone is already approved."))

    async def claim() -> int:
        await precheck()
        now = datetime.now(UTC)
        values = {"status": "submitted", "note": note.strip()[:2000], "submitted_at": now, "updated_at": now}
        existing = await MilestoneSubmission.select(MilestoneSubmission.id).where(
            MilestoneSubmission.milestone == milestone["id"],
            MilestoneSubmission.application == application_id).first()
        if existing:
            await MilestoneSubmission.update(values).where(MilestoneSubmission.id == existing["id"])
        else:
            await MilestoneSubmission.insert(MilestoneSubmission(milestone=milestone["id"],
                                                                 application=application_id, **values))
        await audit.record("milestone.submitted", actor_id=actor.id, edition_id=app["edition"],
                           subject_type="application", subject_id=application_id, data={"milestone": code})
        await events.emit("milestone.delivered", edition_id=app["edition"], subject_type="application",
                          subject_id=application_id, data={"milestone": code}, at=now)
        return app["edition"]

    return await files.store_checked_file(
        settings=settings, application_id=application_id, field=field_of(code), filename=filename, stream=stream,
        accept=ACCEPT, max_bytes=files.upload_limit(max_mb=MAX_MB, settings=settings), user_id=actor.id,
        precheck=precheck, claim=claim)


async def review_milestone(*, actor: SessionUser, submission_id: int, verdict: str, comment: str) -> None:
    """The mentor approves a deliverable or sends it back with a comment saying what to rework."""
    if verdict not in VERDICTS:
        raise MentoringRefused(_("Choose approved or needs rework."), field="verdict")
    comment = comment.strip()
    if verdict == "needs_rework" and not comment:
        raise MentoringRefused(_("Say what needs rework."), field="comment")
    async with db.write_transaction():
        row = await db.locked(MilestoneSubmission.select(
            MilestoneSubmission.id, MilestoneSubmission.status, MilestoneSubmission.application,
            MilestoneSubmission.milestone,
        ).where(MilestoneSubmission.id == submission_id)).first()
        if row is None:
            raise MentoringNotFound(submission_id)
        match = await mentors_application(actor, row["application"])
        if row["status"] not in ("submitted", "approved", "needs_rework"):
            raise MentoringRefused(_("Nothing has been delivered for this milestone yet."))
        now = datetime.now(UTC)
        await MilestoneSubmission.update({
            MilestoneSubmission.status: verdict, MilestoneSubmission.comment: comment[:4000],
            MilestoneSubmission.reviewed_at: now, MilestoneSubmission.reviewed_by: actor.id,
            MilestoneSubmission.updated_at: now}).where(MilestoneSubmission.id == submission_id)
        await audit.record("milestone.reviewed", actor_id=actor.id, edition_id=match["edition"],
                           subject_type="milestone_submission", subject_id=submission_id,
                           data={"verdict": verdict, "milestone": row["milestone"]})


async def milestone_file(*, settings: Settings, actor: SessionUser, attachment_id: int) -> files.Download:
    """A deliverable, for the startup, its mentor or the edition's organisers; others get "not found"."""
    row = await Attachment.select(Attachment.field).where(Attachment.id == attachment_id).first()
    if row is None or not row["field"].startswith("milestone_"):
        raise MentoringNotFound(attachment_id)

    async def can_view(*, user: SessionUser, application_id: int) -> bool:
        return await may_see_application(user, application_id)

    try:
        return await files.attachment_for_download(settings=settings, attachment_id=attachment_id, user=actor,
                                                   can_view=can_view)
    except files.AttachmentNotFound:
        raise MentoringNotFound(attachment_id) from None


# -- reminders -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReminderReport:
    sent: int
    already_sent: int


def reminder_kind(due_on: date, today: date, days_before: int) -> str | None:
    """"before_due" within the reminder window, "overdue" after the due date, None otherwise."""
    if due_on < today:
        return "overdue"
    if due_on - timedelta(days=max(days_before, 0)) <= today:
        return "before_due"
    return None


async def send_milestone_reminders(*, base_url: str, now: datetime | None = None) -> ReminderReport:
    """Queue a reminder for every startup on the path whose milestone is due soon or overdue and not delivered."""
    now = now or datetime.now(UTC)
    sent = already = 0
    editions = await Edition.select(Edition.id, Edition.title, Edition.time_zone).output(load_json=True)
    for edition in editions:
        today = now.astimezone(ZoneInfo(edition["time_zone"])).date()
        milestones = await Milestone.select().output(load_json=True).where(Milestone.edition == edition["id"],
                                                                           Milestone.due_on.is_not_null())
        due = [(m, kind) for m in milestones if (kind := reminder_kind(m["due_on"], today, m["remind_days_before"]))]
        if not due:
            continue
        startups = await _startups_on_path(edition["id"])
        for milestone, kind in due:
            for startup in startups:
                outcome = await _remind_once(edition, milestone, kind, startup, base_url=base_url)
                sent += outcome == "sent"
                already += outcome == "already"
    return ReminderReport(sent=sent, already_sent=already)


async def _startups_on_path(edition_id: int) -> list[dict[str, Any]]:
    """Applications on the path that have a mentor: the ones actually walking it."""
    matched = {r["application"] for r in await MentorMatch.select(MentorMatch.application).where(
        MentorMatch.edition == edition_id, MentorMatch.status.is_in(list(ACTIVE_MATCH)))}
    rows = await Application.select(Application.id, Application.applicant.email, Application.applicant.locale,
                                    Application.applicant.display_name, Application.applicant.is_active).where(
        Application.edition == edition_id, Application.status.is_in(list(ON_PATH)))
    return [r for r in rows if r["id"] in matched and r["applicant.is_active"]]


async def _remind_once(edition: dict[str, Any], milestone: dict[str, Any], kind: str, startup: dict[str, Any], *,
                       base_url: str) -> str:
    async with db.write_transaction():
        status = await MilestoneSubmission.select(MilestoneSubmission.status).where(
            MilestoneSubmission.milestone == milestone["id"],
            MilestoneSubmission.application == startup["id"]).first()
        if status and status["status"] in DONE:
            return "done"
        if await MilestoneReminder.exists().where(
                MilestoneReminder.milestone == milestone["id"], MilestoneReminder.application == startup["id"],
                MilestoneReminder.kind == kind):
            return "already"
        language = startup["applicant.locale"] or "it"
        with i18n.language(language):
            context = {"name": startup["applicant.display_name"],
                       "edition_title": i18n.pick(edition["title"]),
                       "milestone_name": i18n.pick(milestone["name"]),
                       "due_text": i18n.format_day(milestone["due_on"], edition["time_zone"]),
                       "overdue": kind == "overdue",
                       "link": mail.absolute_url(base_url, f"/mentoring/path/{startup['id']}")}
        mail_id = await mail.enqueue_mail(to=startup["applicant.email"], template="mentoring/milestone_reminder",
                                          language=language, context=context, kind=f"milestone_{kind}")
        # The unique index on (milestone, application, kind) refuses a second row from a concurrent run.
        await MilestoneReminder.insert(MilestoneReminder(milestone=milestone["id"], application=startup["id"],
                                                         kind=kind, mail_id=mail_id))
        await audit.record("milestone.reminded", edition_id=edition["id"], subject_type="application",
                           subject_id=startup["id"], data={"milestone": milestone["code"], "kind": kind})
    return "sent"
