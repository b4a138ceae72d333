"""Applications: start a draft, save it section by section, submit it once, withdraw it, follow it.

Every function checks that the person asking owns the application (someone else's is "not
found", so its existence does not leak), enforces the deadline on the server in the edition's
time zone, and changes state in one short transaction.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import msgspec

from core.applications import application_queries, lifecycle
from core.applications import attachments as files
from core.applications.demographics import age_band_of
from core.applications.form import (
    COLUMN_QUESTIONS,
    FormInput,
    SectionOutcome,
    SectionProgress,
    missing_required,
    parse_section,
    progress,
    rule_requirements,
    stored_form,
)
from core.editions import competitions
from core.editions.geography import area_for_region
from core.editions.schema import QuestionSpec, SectionSpec, StatementSpec
from core.messaging import events, mail
from core.platform import audit, db, i18n
from core.platform.errors import NotFound, Refused
from core.platform.i18n import gettext as _
from core.platform.identity import SessionUser
from core.platform.tables import (
    Application,
    AuditEvent,
    ConsentRecord,
    Decision,
    Edition,
    FeedbackRelease,
    RoleGrant,
    Round,
    TeamMember,
    TimelineEntry,
    Track,
)
from core.plugin_api import ApplicationSnapshot
from core.plugins import active_registry

CALL_CLOSE = "call_close"
TEAM_QUESTION = "members"


class ApplicationNotFound(NotFound):
    """Missing, or not this person's: the two look the same from outside."""


class ApplicationClosed(Refused):
    """The call does not accept this change any more (or not yet)."""


@dataclass(frozen=True)
class Deadline:
    """When submissions close for one application: the call's close, its grace period, any extension."""

    closes_at: datetime | None
    grace: timedelta
    extended_until: datetime | None

    @property
    def effective(self) -> datetime | None:
        if self.closes_at is None:
            return self.extended_until
        base = self.closes_at + self.grace
        return max(base, self.extended_until) if self.extended_until else base

    def is_open(self, now: datetime) -> bool:
        effective = self.effective
        return effective is None or now <= effective


@dataclass(frozen=True)
class ApplicationView:
    """An applicant's own application, as their pages show it."""

    id: int
    edition_slug: str
    edition_title: dict[str, str]
    time_zone: str
    status: str
    track: str
    tracks: list[dict[str, Any]]
    values: dict[str, Any]
    invalid: dict[str, Any]
    version: int
    sections: list[SectionSpec]
    progress: list[SectionProgress]
    attachments: dict[str, dict[str, Any]]
    declarations: list[StatementSpec]
    consents: list[StatementSpec]
    deadline: Deadline
    receipt_number: str | None
    submitted_at: datetime | None
    area: str | None = None
    required_by_rule: frozenset[str] = frozenset()
    call_open: bool = True  # the deadline (with grace and any extension) had not passed when this was read

    @property
    def editable(self) -> bool:
        """A draft while its call is open: the pages offer a form only then, as save_section accepts one."""
        return lifecycle.can_edit(self.status) and self.call_open

    @property
    def closed_before_submission(self) -> bool:
        """A draft whose call closed: it stays readable, but nothing can change it any more."""
        return lifecycle.can_edit(self.status) and not self.call_open

    @property
    def can_reopen(self) -> bool:
        return lifecycle.can_reopen(self.status)

    @property
    def shows_rounds(self) -> bool:
        return lifecycle.was_submitted(self.status)

    def can_withdraw(self, now: datetime) -> bool:
        return lifecycle.can_withdraw(self.status, deadline_open=self.deadline.is_open(now))

    def can_start_again(self, now: datetime) -> bool:
        return lifecycle.can_start_again(self.status, deadline_open=self.deadline.is_open(now))

    @property
    def complete(self) -> bool:
        return all(p.complete for p in self.progress) and bool(self.track)


@dataclass(frozen=True)
class SubmitResult:
    receipt_number: str
    submitted_at: datetime
    already_submitted: bool = False


@dataclass
class SubmitRefused(Exception):
    """Submission refused; every reason is listed, per section where it belongs to one."""

    problems: list[str] = field(default_factory=list)
    by_section: dict[str, dict[str, str]] = field(default_factory=dict)


def _stored_answers(raw: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    answers = raw or {}
    if "values" in answers or "invalid" in answers:
        return dict(answers.get("values") or {}), dict(answers.get("invalid") or {})
    return dict(answers), {}


async def _edition(edition_id: int) -> dict[str, Any]:
    edition = await Edition.select().output(load_json=True).where(Edition.id == edition_id).first()
    assert edition is not None
    return edition


async def _deadline(edition: dict[str, Any], extended_until: datetime | None) -> Deadline:
    close = await TimelineEntry.select(TimelineEntry.starts_at).where(
        TimelineEntry.edition == edition["id"], TimelineEntry.code == CALL_CLOSE).first()
    return _deadline_of(close["starts_at"] if close else None, edition["settings"], extended_until)


def _deadline_of(closes_at: datetime | None, edition_settings: Any, extended_until: datetime | None) -> Deadline:
    settings = edition_settings or {}
    return Deadline(closes_at=closes_at, grace=timedelta(minutes=int(settings.get("grace_minutes", 0))),
                    extended_until=extended_until)


async def _owned_row(user: SessionUser, application_id: int, *, lock: bool = False) -> dict[str, Any]:
    query = Application.select().output(load_json=True).where(
        Application.id == application_id, Application.applicant == user.id)
    row = await (db.locked(query) if lock else query).first()
    if row is None:
        raise ApplicationNotFound(application_id)
    return row


async def _view(row: dict[str, Any]) -> ApplicationView:
    edition = await application_queries.edition_for_save(row["edition"], CALL_CLOSE)
    area = await application_queries.area_code(row["area"]) if row["area"] else None
    return await _view_with(row, edition, area)


async def _view_with(row: dict[str, Any], edition: dict[str, Any], area: str | None,
                     files: list[dict[str, Any]] | None = None, tracks: list[dict[str, Any]] | None = None,
                     ) -> ApplicationView:
    """The view of an application whose edition (with its call's close) and area code, and perhaps its files and
    tracks, are already read."""
    values, invalid = _stored_answers(row["answers"])
    sections = stored_form(edition["application_form"])
    if files is None or tracks is None:
        files, tracks = await application_queries.attachments_and_tracks(row["id"], edition["id"])
    attachments = {a["field"]: a for a in files}
    track_code = next((t["code"] for t in tracks if t["id"] == row["track"]), "")
    by_rule = rule_requirements(edition["eligibility"], values)
    deadline = _deadline_of(edition["call_close"], edition["settings"], row["deadline_extended_until"])
    return ApplicationView(
        id=row["id"], edition_slug=edition["slug"], edition_title=edition["title"],
        time_zone=edition["time_zone"], status=row["status"], track=track_code,
        tracks=[{"code": t["code"], "name": t["name"]} for t in tracks],
        values=values, invalid=invalid, version=row["version"], sections=sections,
        progress=progress(sections, values, invalid, set(attachments), by_rule),
        attachments=attachments,
        declarations=_statements(edition["declarations"]), consents=_statements(edition["consents"]),
        deadline=deadline, receipt_number=row["receipt_number"], submitted_at=row["submitted_at"],
        area=area, required_by_rule=frozenset(by_rule), call_open=deadline.is_open(datetime.now(UTC)),
    )


def _statements(stored: Any) -> list[StatementSpec]:
    """An edition's declarations or consents as specs; the parse is kept per distinct stored text."""
    if isinstance(stored, str):
        return list(_parsed_statements(stored))
    return msgspec.convert(stored or [], list[StatementSpec])


@functools.lru_cache(maxsize=64)
def _parsed_statements(text: str) -> tuple[StatementSpec, ...]:
    return tuple(msgspec.convert(json.loads(text) or [], list[StatementSpec]))


# -- reading --------------------------------------------------------------------------------


async def own_application(*, user: SessionUser, application_id: int) -> ApplicationView:
    found = await application_queries.owned_page(application_id, user.id, CALL_CLOSE)
    if found is None:
        raise ApplicationNotFound(application_id)
    return await _view_with(*found)


async def own_section(*, user: SessionUser, application_id: int, section_code: str
                      ) -> tuple[ApplicationView, SectionSpec]:
    """The applicant's application and one section of its form; ApplicationNotFound for a section it lacks."""
    view = await own_application(user=user, application_id=application_id)
    section = next((s for s in view.sections if s.code == section_code), None)
    if section is None:
        raise ApplicationNotFound(section_code)
    return view, section


async def own_file_question(*, user: SessionUser, application_id: int, field: str
                            ) -> tuple[ApplicationView, QuestionSpec]:
    """The applicant's application and the file question `field` of its form; ApplicationNotFound for any other."""
    view = await own_application(user=user, application_id=application_id)
    question = next((q for s in view.sections for q in s.questions if q.code == field and q.type == "file"), None)
    if question is None:
        raise ApplicationNotFound(field)
    return view, question


async def own_applications(*, user: SessionUser) -> list[ApplicationView]:
    rows = await Application.select().output(load_json=True).where(
        Application.applicant == user.id).order_by(Application.id)
    return [await _view(row) for row in rows]


# -- starting and saving ----------------------------------------------------------------------


async def call_closed(*, edition_slug: str, now: datetime | None = None) -> str:
    """Why the edition's call takes no new application now, or "" while it does: the start page shows this
    instead of a form, and start_application refuses with it."""
    now = now or datetime.now(UTC)
    edition = await Edition.select().output(load_json=True).where(Edition.slug == edition_slug).first()
    if edition is None:
        raise ApplicationNotFound(edition_slug)
    if edition["status"] != "open":
        return _("This call is not open for applications.")
    if not (await _deadline(edition, None)).is_open(now):
        return _("The deadline for applications has passed.")
    return ""


@dataclass(frozen=True)
class StartPage:
    """What the start page of a call shows: the edition, why it takes no application now ("" while it does), or the
    person's own application there, which they are sent to instead."""

    landing: competitions.EditionLanding
    closed: str
    existing_application_id: int | None


async def start_page(*, user: SessionUser, edition_slug: str) -> StartPage:
    """The start page of an edition's call for this person: one application per person and edition, so one they
    already have is where they go."""
    landing = await competitions.edition_landing(edition_slug)
    mine = [view for view in await own_applications(user=user) if view.edition_slug == edition_slug]
    return StartPage(landing=landing, closed=await call_closed(edition_slug=edition_slug),
                     existing_application_id=mine[0].id if mine else None)


async def start_application(*, user: SessionUser, edition_slug: str, track_code: str,
                            now: datetime | None = None) -> int:
    """A draft in the edition's open call; asking again returns the draft already there."""
    now = now or datetime.now(UTC)
    if not user.email_verified:
        raise ApplicationClosed(_("Confirm your email address first: follow the link we sent you."))
    closed = await call_closed(edition_slug=edition_slug, now=now)
    if closed:
        raise ApplicationClosed(closed)
    edition = await Edition.select().output(load_json=True).where(Edition.slug == edition_slug).first()
    track = await Track.select(Track.id).where(Track.edition == edition["id"], Track.code == track_code).first()
    if track is None:
        raise ApplicationClosed(_("Choose one of the call's tracks."))
    async with db.write_transaction():
        existing = await Application.select(Application.id).where(
            Application.edition == edition["id"], Application.applicant == user.id).first()
        if existing is not None:
            return existing["id"]
        application_id = (await Application.insert(Application(
            edition=edition["id"], applicant=user.id, track=track["id"], answers={"values": {}, "invalid": {}},
        )))[0]["id"]
        if not await RoleGrant.exists().where(RoleGrant.account == user.id, RoleGrant.edition == edition["id"],
                                              RoleGrant.role == "applicant"):
            await RoleGrant.insert(RoleGrant(account=user.id, edition=edition["id"], role="applicant"))
        await audit.record("application.started", actor_id=user.id, edition_id=edition["id"],
                           subject_type="application", subject_id=application_id)
    return application_id


def _column_values(values: dict[str, Any], areas: dict[str, list[str]], area_ids: dict[str, int]) -> dict:
    columns: dict = {}
    for code in COLUMN_QUESTIONS:
        value = values.get(code)
        column = getattr(Application, code)
        if code == "founded_on":
            columns[column] = date.fromisoformat(value) if value else None
        else:
            columns[column] = str(value or "")[:200]
    region = values.get("region") or ""
    area_code = area_for_region(region, areas) if region else None
    columns[Application.area] = area_ids.get(area_code) if area_code else None
    columns[Application.to_be_incorporated] = values.get("legal_form") == "da_costituire"
    return columns


async def save_section(*, user: SessionUser, application_id: int, section_code: str, data: FormInput,
                       now: datetime | None = None) -> SectionOutcome:
    """Save what was sent for one section; valid answers are kept even when others in it are not.

    Only this section's answers change, under a row lock, so two tabs saving different sections
    never undo each other. Autosave calls this every few seconds while someone types, so it reads
    and writes only what the save needs.
    """
    now = now or datetime.now(UTC)
    async with db.write_transaction():
        found = await application_queries.owned_with_edition(application_id, user.id, CALL_CLOSE, lock=True)
        if found is None:
            raise ApplicationNotFound(application_id)
        row, edition, _area = found
        if not lifecycle.can_edit(row["status"]):
            raise ApplicationClosed(_("This application was submitted and can no longer be changed."))
        if not _deadline_of(edition["call_close"], edition["settings"], row["deadline_extended_until"]).is_open(now):
            raise ApplicationClosed(_("The deadline for applications has passed."))
        spec = next((s for s in stored_form(edition["application_form"]) if s.code == section_code), None)
        if spec is None:
            raise ApplicationNotFound(section_code)
        outcome = parse_section(spec, data)
        values, invalid = _stored_answers(row["answers"])
        for code in outcome.cleared | set(outcome.values):
            invalid.pop(code, None)
        for code in outcome.cleared | set(outcome.invalid):
            values.pop(code, None)
        values.update(outcome.values)
        invalid.update(outcome.invalid)
        changes: dict = {Application.answers: {"values": values, "invalid": invalid},
                         Application.version: row["version"] + 1, Application.updated_at: now}
        if "track" in data:
            track_code = str((data.get("track") or [""])[0])
            track = await application_queries.track_id(edition["id"], track_code)
            if track is None:
                outcome.errors["track"] = _("Choose one of the call's tracks.")
            else:
                changes[Application.track] = track
        if any(q.code in COLUMN_QUESTIONS for q in spec.questions):
            areas = await application_queries.areas(edition["id"])
            changes.update(_column_values(values, {a["code"]: a["regions"] for a in areas},
                                          {a["code"]: a["id"] for a in areas}))
        await Application.update(changes).where(Application.id == application_id)
        if any(q.code == TEAM_QUESTION for q in spec.questions):
            await _sync_team(application_id, values.get(TEAM_QUESTION) or [])
    return outcome


async def _sync_team(application_id: int, rows: list[dict[str, Any]]) -> None:
    """Team members also live as rows, for the age and gender statistics sponsors receive."""
    await TeamMember.delete().where(TeamMember.application == application_id)
    members = [
        TeamMember(application=application_id, full_name=str(r.get("name", ""))[:200],
                   role=str(r.get("role", ""))[:200], birth_year=None, age_band=_age_band(r.get("age")),
                   gender=str(r.get("gender", ""))[:20], position=i)
        for i, r in enumerate(rows) if r.get("name")
    ]
    if members:
        await TeamMember.insert(*members)


def _age_band(age: Any) -> str:
    return age_band_of(age)


# -- submitting -----------------------------------------------------------------------------


def _receipt_prefix(slug: str, year: int) -> str:
    initials = "".join(part[0] for part in re.split(r"[-_]", slug) if part and not part.isdigit()).upper()
    return f"{initials[:4] or 'GI'}{year % 100:02d}"


async def submit_application(*, user: SessionUser, application_id: int, declarations: set[str],
                             consents: set[str], base_url: str = "http://127.0.0.1:8000",
                             now: datetime | None = None) -> SubmitResult:
    """Submit once: a double click, a second tab or a retry returns the first submission's receipt."""
    now = now or datetime.now(UTC)
    async with db.write_transaction():
        row = await _owned_row(user, application_id, lock=True)
        if not lifecycle.allows(row["status"], lifecycle.SUBMITTED):
            if row["receipt_number"]:
                return SubmitResult(receipt_number=row["receipt_number"], submitted_at=row["submitted_at"],
                                    already_submitted=True)
            raise ApplicationClosed(_("This application can no longer be submitted."))
        view = await _view(row)
        if not view.deadline.is_open(now):
            raise ApplicationClosed(_("The deadline for applications has passed."))
        refused = await _submission_problems(view, row, declarations)
        if refused.problems or refused.by_section:
            raise refused
        edition = await _edition(row["edition"])
        receipt = f"{_receipt_prefix(edition['slug'], edition['year'])}-{application_id:05d}"
        earlier = await AuditEvent.count().where(AuditEvent.action == "application.submitted",
                                                 AuditEvent.subject_type == "application",
                                                 AuditEvent.subject_id == str(application_id))
        if earlier:  # submitted before, withdrawn, started again: a withdrawn receipt is never reused
            receipt = f"{receipt}-{earlier + 1}"
        updated = await Application.update({
            Application.status: lifecycle.transition(row["status"], lifecycle.SUBMITTED),
            Application.submitted_at: now, Application.receipt_number: receipt,
            Application.version: row["version"] + 1, Application.updated_at: now,
        }).where(Application.id == application_id, Application.status == row["status"]).returning(Application.id)
        if not updated:  # lost a race we could not see: the other request's submission stands
            current = await Application.select().output(load_json=True).where(Application.id == application_id).first()
            return SubmitResult(receipt_number=current["receipt_number"], submitted_at=current["submitted_at"],
                                already_submitted=True)
        statements = [(s, "declaration") for s in view.declarations if s.code in declarations] + [
            (s, "consent") for s in view.consents if s.code in consents]
        if statements:
            await ConsentRecord.insert(*(
                ConsentRecord(account=user.id, application=application_id, code=s.code, kind=kind,
                              text_version=s.version, given_at=now) for s, kind in statements))
        await audit.record("application.submitted", actor_id=user.id, edition_id=row["edition"],
                           subject_type="application", subject_id=application_id, data={"receipt": receipt})
        # The receipt goes out with the event, within the submission's transaction: queued if and only if it commits.
        await events.emit("application.submitted", edition_id=row["edition"], subject_type="application",
                          subject_id=application_id, data={"track": view.track, "status": "submitted"}, at=now,
                          mails=[_receipt(user=user, view=view, receipt=receipt, submitted_at=now,
                                          base_url=base_url)])
    return SubmitResult(receipt_number=receipt, submitted_at=now)


def _receipt(*, user: SessionUser, view: ApplicationView, receipt: str, submitted_at: datetime,
             base_url: str) -> mail.MailRequest:
    """The receipt mail, in the applicant's language."""
    with i18n.language(user.locale):
        summary = [(_("Entity"), view.values.get("entity_name", "")), (_("Project"), view.values.get("title", "")),
                   (_("Track"), next((i18n.pick(t["name"]) for t in view.tracks if t["code"] == view.track), ""))]
        moment = i18n.format_moment(submitted_at, view.time_zone)
        title = i18n.pick(view.edition_title)
    return mail.MailRequest(
        to=user.email, template="application/receipt", language=user.locale, kind="receipt",
        edition_slug=view.edition_slug,
        context={"name": user.display_name, "edition_title": title, "receipt_number": receipt,
                 "submitted_at_text": moment, "summary": summary,
                 "status_link": mail.absolute_url(base_url, f"/applications/{view.id}")})


async def _submission_problems(view: ApplicationView, row: dict[str, Any], declarations: set[str]) -> SubmitRefused:
    refused = SubmitRefused()
    edition = await _edition(row["edition"])
    by_rule = rule_requirements(edition["eligibility"], view.values)
    if not view.track:
        refused.problems.append(_("Choose a track."))
    for spec in view.sections:
        missing = missing_required(spec, view.values, set(view.attachments), by_rule)
        for question in spec.questions:
            if question.code in view.invalid:
                missing[question.code] = _("Correct this answer.")
        if missing:
            refused.by_section[spec.code] = missing
    unchecked = [d for d in view.declarations if d.code not in declarations]
    if unchecked:
        refused.problems.append(_("Confirm every declaration to submit."))
    if await _entity_already_applied(row, view.values.get("tax_code")):
        refused.problems.append(_("An application from this entity (same tax code) was already submitted."))
    if refused.by_section:
        return refused  # eligibility is judged on complete answers; until then it would only add noise
    team = tuple(view.values.get(TEAM_QUESTION) or ())
    snapshot = ApplicationSnapshot(
        edition=view.edition_slug, track=view.track, legal_form=str(view.values.get("legal_form", "")),
        founded_on=date.fromisoformat(view.values["founded_on"]) if view.values.get("founded_on") else None,
        to_be_incorporated=view.values.get("legal_form") == "da_costituire", region=str(view.values.get("region", "")),
        answers=dict(view.values), team=team, deadline=view.deadline.closes_at,
    )
    refused.problems.extend(active_registry().eligibility_problems(
        application=snapshot, rules=edition["eligibility"] or {},
        enabled=edition["enabled_plugins"] or []))
    return refused


async def _entity_already_applied(row: dict[str, Any], tax_code: Any) -> bool:
    if not tax_code:
        return False
    return await Application.exists().where(
        Application.edition == row["edition"], Application.tax_code == str(tax_code), Application.id != row["id"],
        Application.status.not_in(list(lifecycle.NOT_ENTERED)))


# -- after submission -----------------------------------------------------------------------


async def withdraw_application(*, user: SessionUser, application_id: int, now: datetime | None = None) -> None:
    """Withdraw before the deadline; afterwards the jury's work depends on the field staying fixed."""
    now = now or datetime.now(UTC)
    async with db.write_transaction():
        row = await _owned_row(user, application_id, lock=True)
        if not lifecycle.allows(row["status"], lifecycle.WITHDRAWN):
            raise ApplicationClosed(_("This application can no longer be withdrawn."))
        edition = await _edition(row["edition"])
        if not (await _deadline(edition, row["deadline_extended_until"])).is_open(now):
            raise ApplicationClosed(_("Applications can be withdrawn only before the deadline."))
        await Application.update({Application.status: lifecycle.transition(row["status"], lifecycle.WITHDRAWN),
                                  Application.withdrawn_at: now,
                                  Application.updated_at: now}).where(Application.id == application_id)
        await audit.record("application.withdrawn", actor_id=user.id, edition_id=row["edition"],
                           subject_type="application", subject_id=application_id)
        await events.emit("application.withdrawn", edition_id=row["edition"], subject_type="application",
                          subject_id=application_id, data={"status": "withdrawn"}, at=now)


async def start_again(*, user: SessionUser, application_id: int, now: datetime | None = None) -> None:
    """After a withdrawal, back to a draft with the answers kept, while the call is open."""
    now = now or datetime.now(UTC)
    async with db.write_transaction():
        row = await _owned_row(user, application_id, lock=True)
        edition = await _edition(row["edition"])
        deadline_open = (await _deadline(edition, row["deadline_extended_until"])).is_open(now)
        if not lifecycle.can_start_again(row["status"], deadline_open=deadline_open) or edition["status"] != "open":
            raise ApplicationClosed(_("This application cannot be started again: the call is closed."))
        await Application.update({Application.status: lifecycle.transition(row["status"], lifecycle.DRAFT),
                                  Application.withdrawn_at: None, Application.submitted_at: None,
                                  Application.receipt_number: None, Application.version: row["version"] + 1,
                                  Application.updated_at: now}).where(Application.id == application_id)
        await audit.record("application.started_again", actor_id=user.id, edition_id=row["edition"],
                           subject_type="application", subject_id=application_id,
                           data={"withdrawn_receipt": row["receipt_number"]})


# -- where the application stands ------------------------------------------------------------


@dataclass(frozen=True)
class RoundStatus:
    """One round as the applicant sees it: the outcome once published, and whether the jury's feedback is released
    (it is read on its own page, where organisers may have edited or withheld a comment)."""

    code: str
    name: dict[str, str]
    kind: str
    outcome: str | None
    reason: str
    feedback_released: bool = False


async def application_rounds(*, user: SessionUser, application_id: int) -> list[RoundStatus]:
    """Only published decisions show; unpublished ones, jurors' words and their identities never reach the
    applicant here."""
    row = await _owned_row(user, application_id)
    rounds = await Round.select(Round.id, Round.code, Round.name, Round.kind).output(load_json=True).where(
        Round.edition == row["edition"]).order_by(Round.position)
    decisions = {d["round"]: d for d in await Decision.select(Decision.round, Decision.outcome, Decision.reason).where(
        Decision.application == application_id, Decision.published_at.is_not_null())}
    released = {r["round"] for r in await FeedbackRelease.select(FeedbackRelease.round).where(
        FeedbackRelease.round.is_in(list(decisions)))} if decisions else set()
    return [
        RoundStatus(code=r["code"], name=r["name"], kind=r["kind"],
                    outcome=decisions[r["id"]]["outcome"] if r["id"] in decisions else None,
                    reason=decisions[r["id"]]["reason"] if r["id"] in decisions else "",
                    feedback_released=r["id"] in released)
        for r in rounds
    ]


async def may_view_application(*, user: SessionUser, application_id: int) -> bool:
    """Who may open an entry's files by id: its applicant and the edition's organisers.

    Jurors reach files through their assignment (`core.judging.reviews.assignment_attachment`), which applies
    the round's blind rules and neutral file names.
    """
    row = await Application.select(Application.applicant, Application.edition.slug).where(
        Application.id == application_id).first()
    if row is None:
        return False
    return row["applicant"] == user.id or user.is_admin or user.has_role("organiser", row["edition.slug"])


async def upload_attachment(*, settings, user: SessionUser, application_id: int, field: str, filename: str,
                            stream, now: datetime | None = None):
    """Attach a file to a draft while the call is open, within the form's limits for that question."""
    now = now or datetime.now(UTC)
    view = await own_application(user=user, application_id=application_id)
    question = next((q for s in view.sections for q in s.questions if q.code == field and q.type == "file"), None)
    if question is None:
        raise ApplicationNotFound(field)
    if not view.deadline.is_open(now):
        raise ApplicationClosed(_("The deadline for applications has passed."))
    return await files.store_upload(
        settings=settings, application_id=application_id, field=field, filename=filename, stream=stream,
        accept=list(question.accept), max_bytes=files.upload_limit(max_mb=question.max_mb, settings=settings),
        user_id=user.id)
