"""The organiser's side of admissibility: mark submitted applications admissible or not, in bulk, and notify.

Outcomes are written as the application's status and as a decision of the edition's admissibility round,
all in one transaction. A checklist workflow may suggest outcomes (`suggestions`); the organiser decides.
Notices go to applicants found not admissible, in their account's language, with the reason.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from core.applications import lifecycle
from core.applications.lifecycle import ADMISSIBILITY_OUTCOMES, ADMISSIBLE, IN_CHECK, NOT_ADMISSIBLE
from core.editions.access import EditionNotFound, edition_for_organiser
from core.messaging import events
from core.messaging.mail import absolute_url, enqueue_mail
from core.platform import audit, db, i18n
from core.platform.i18n import gettext as _
from core.platform.identity import SessionUser
from core.platform.tables import Application, Area, Decision, Edition, Round, Track

EVENTS = {ADMISSIBLE: "application.admissible", NOT_ADMISSIBLE: "application.inadmissible"}

__all__ = ["AdmissionPage", "AdmissionRefused", "ChecklistOpinion", "EditionNotFound", "Suggestion", "admission_page",
           "mark_admissibility", "send_notices"]


class AdmissionRefused(ValueError):
    """Marking was refused; `errors` maps each form field to what is wrong."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass(frozen=True)
class ChecklistOpinion:
    """One reviewer's submitted checklist: who, what they concluded, and the items they failed with their words."""

    reviewer: str
    outcome: str
    failed: tuple[tuple[dict[str, str], str], ...] = ()  # (item label by language, the reviewer's reason)


@dataclass(frozen=True)
class Suggestion:
    """What a checklist suggests for an entry: admissible, not_admissible, disputed or pending, and why."""

    outcome: str
    note: str = ""
    opinions: tuple[ChecklistOpinion, ...] = ()


@dataclass(frozen=True)
class AdmissionRow:
    id: int
    receipt_number: str
    entity_name: str
    title: str
    track: str
    track_name: dict[str, str]
    area: str
    status: str
    reason: str
    notice_sent: bool
    suggestion: Suggestion | None


@dataclass(frozen=True)
class AdmissionPage:
    rows: tuple[AdmissionRow, ...]
    tracks: tuple[tuple[str, dict[str, str]], ...]
    areas: tuple[tuple[str, dict[str, str]], ...]
    round_code: str | None
    notices_due: int
    statuses: tuple[str, ...] = IN_CHECK


async def _admissibility_round(edition_id: int) -> dict | None:
    return await Round.select(Round.id, Round.code).where(
        Round.edition == edition_id, Round.kind == "admissibility").order_by(Round.position).first()


async def admission_page(*, actor: SessionUser, edition_slug: str, track: str = "", area: str = "",
                         status: str = "", suggestions: Mapping[int, Suggestion] | None = None) -> AdmissionPage:
    """Applications in the admissibility check (submitted, admissible, not admissible), filtered, with suggestions."""
    edition = await edition_for_organiser(actor=actor, edition_slug=edition_slug)
    round_ = await _admissibility_round(edition.id)
    query = Application.select(
        Application.id, Application.receipt_number, Application.entity_name, Application.title, Application.status,
        Application.track.code, Application.track.name, Application.area.code,
    ).output(load_json=True).where(Application.edition == edition.id, Application.status.is_in(
            list(IN_CHECK))).order_by(Application.id)
    if track:
        query = query.where(Application.track.code == track)
    if area:
        query = query.where(Application.area.code == area)
    if status in IN_CHECK:
        query = query.where(Application.status == status)
    applications = await query
    decisions = {}
    if round_ is not None:
        decisions = {d["application"]: d for d in await Decision.select(
            Decision.application, Decision.reason, Decision.published_at, Decision.outcome).where(
            Decision.round == round_["id"])}
    suggestions = suggestions or {}
    rows = tuple(AdmissionRow(
        id=a["id"], receipt_number=a["receipt_number"] or "", entity_name=a["entity_name"], title=a["title"],
        track=a["track.code"] or "", track_name=a["track.name"] or {}, area=a["area.code"] or "",
        status=a["status"], reason=decisions.get(a["id"], {}).get("reason", ""),
        notice_sent=bool(decisions.get(a["id"], {}).get("published_at")), suggestion=suggestions.get(a["id"]),
    ) for a in applications)
    tracks = await Track.select(Track.code, Track.name).output(load_json=True).where(
            Track.edition == edition.id).order_by(Track.position)
    areas = await Area.select(Area.code, Area.name).output(load_json=True).where(Area.edition == edition.id).order_by(
            Area.position)
    due = 0
    if round_ is not None:
        due = await Decision.count().where(Decision.round == round_["id"], Decision.outcome == NOT_ADMISSIBLE,
                                           Decision.published_at.is_null(),
                                           Decision.application.status == NOT_ADMISSIBLE)
    return AdmissionPage(
        rows=rows, tracks=tuple((t["code"], t["name"] or {}) for t in tracks),
        areas=tuple((a["code"], a["name"] or {}) for a in areas),
        round_code=round_["code"] if round_ else None, notices_due=due)


async def mark_admissibility(*, actor: SessionUser, edition_slug: str, application_ids: Collection[int],
                             outcome: str, reason: str = "") -> int:
    """Set the outcome of the chosen applications in one transaction; a reason is required for not admissible.

    Returns how many applications changed. A changed outcome clears an earlier notice so a new one can go.
    """
    edition = await edition_for_organiser(actor=actor, edition_slug=edition_slug)
    reason = reason.strip()
    errors: dict[str, str] = {}
    if outcome not in ADMISSIBILITY_OUTCOMES:
        errors["outcome"] = _("Choose admissible or not admissible.")
    if outcome == NOT_ADMISSIBLE and not reason:
        errors["reason"] = _("Give the reason: the applicants will read it.")
    if not application_ids:
        errors["ids"] = _("Select at least one application.")
    if errors:
        raise AdmissionRefused(errors)
    round_ = await _admissibility_round(edition.id)
    if round_ is None:
        raise AdmissionRefused({"outcome": _("This edition has no admissibility round; add one in the set-up.")})
    now = datetime.now(UTC)
    changed = 0
    async with db.write_transaction():
        rows = await db.locked(Application.select(Application.id, Application.status).where(
            Application.edition == edition.id, Application.id.is_in(list(application_ids)),
            Application.status.is_in(list(IN_CHECK))))
        if len(rows) != len(set(application_ids)):
            raise AdmissionRefused({"ids": _("Some selected applications are not in the admissibility check.")})
        for row in rows:
            lifecycle.transition(row["status"], outcome)
        ids = [r["id"] for r in rows]
        await Application.update({Application.status: outcome, Application.updated_at: now}).where(
            Application.id.is_in(ids))
        existing = {d["application"]: d for d in await Decision.select(
            Decision.id, Decision.application, Decision.outcome, Decision.reason).where(
            Decision.round == round_["id"], Decision.application.is_in(ids))}
        for row in rows:
            decision = existing.get(row["id"])
            if decision is None:
                await Decision.insert(Decision(round=round_["id"], application=row["id"], outcome=outcome,
                                               reason=reason, decided_by=actor.id, staged_at=now))
            elif (decision["outcome"], decision["reason"]) != (outcome, reason):
                await Decision.update({Decision.outcome: outcome, Decision.reason: reason,
                                       Decision.decided_by: actor.id, Decision.staged_at: now,
                                       Decision.published_at: None}).where(Decision.id == decision["id"])
            else:
                continue
            changed += 1
            await audit.record("application.admissibility", actor_id=actor.id, edition_id=edition.id,
                               subject_type="application", subject_id=row["id"],
                               data={"from": row["status"], "to": outcome, "reason": reason})
            # The reason stays out of the event: it is free text about the applicant, for their notice.
            await events.emit(EVENTS[outcome], edition_id=edition.id, subject_type="application",
                              subject_id=row["id"], data={"status": outcome, "round": round_["code"]}, at=now)
    return changed


async def send_notices(*, actor: SessionUser, edition_slug: str, base_url: str) -> int:
    """Queue a notice, in the applicant's language and with the reason, for each not-admissible entry not yet told."""
    edition = await edition_for_organiser(actor=actor, edition_slug=edition_slug)
    round_ = await _admissibility_round(edition.id)
    if round_ is None:
        return 0
    now = datetime.now(UTC)
    title = (await Edition.select(Edition.title).output(load_json=True).where(
            Edition.id == edition.id).first())["title"]
    sent = 0
    async with db.write_transaction():
        due = await Decision.select(
            Decision.id, Decision.reason, Decision.application, Decision.application.title,
            Decision.application.entity_name, Decision.application.applicant.email,
            Decision.application.applicant.locale, Decision.application.applicant.display_name,
        ).where(Decision.round == round_["id"], Decision.outcome == NOT_ADMISSIBLE, Decision.published_at.is_null(),
                Decision.application.status == NOT_ADMISSIBLE).order_by(Decision.id)
        for row in due:
            # Claimed first: of two organisers sending at once, only one queues each notice.
            claimed = await Decision.update({Decision.published_at: now}).where(
                Decision.id == row["id"], Decision.published_at.is_null()).returning(Decision.id)
            if not claimed:
                continue
            language = row["application.applicant.locale"] or "it"
            await enqueue_mail(
                to=row["application.applicant.email"], template="application/not_admissible", language=language,
                kind="not_admissible", edition_slug=edition_slug, context={
                    "name": row["application.applicant.display_name"],
                    "edition_title": i18n.pick(title, language),
                    "title": row["application.title"] or row["application.entity_name"],
                    "reason": row["reason"],
                    "status_link": absolute_url(base_url, f"/applications/{row['application']}"),
                })
            await audit.record("application.admissibility_notice", actor_id=actor.id, edition_id=edition.id,
                               subject_type="application", subject_id=row["application"],
                               data={"language": language})
            sent += 1
    return sent
