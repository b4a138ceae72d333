"""Mentoring sessions: planned in the edition's time zone, recorded afterwards by the mentor, one `.ics` each.

The mentor plans and records; the startup sees its sessions and the action items they left, and
may tick its own items done. Action items are kept with the session: text, owner, due date, done.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from core.mentoring.access import (
    ACTIVE_MATCH,
    MentoringNotFound,
    match_for_mentor,
    startup_label,
)
from core.platform import audit, db
from core.platform.i18n import gettext as _
from core.platform.identity import SessionUser
from core.platform.tables import MentoringSession

MODES = ("in_person", "online")
OUTCOMES = ("held", "cancelled", "no_show")
OWNERS = ("startup", "mentor")
MAX_ACTION_ITEMS = 20


@dataclass
class SessionInput:
    day: str = ""
    start: str = ""
    duration_minutes: str = "90"
    mode: str = "online"
    location: str = ""
    agenda: str = ""


@dataclass
class ActionItem:
    text: str
    owner: str
    due_on: date | None
    done: bool = False

    def overdue(self, today: date) -> bool:
        return not self.done and self.due_on is not None and self.due_on < today


@dataclass
class RecordInput:
    outcome: str = "held"
    notes: str = ""
    mentor_present: bool = False
    startup_present: bool = False
    items: list[dict[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class SessionView:
    id: int
    match_id: int
    application_id: int
    startup: str
    mentor: str
    mentor_id: int
    starts_at: datetime
    duration_minutes: int
    mode: str
    location: str
    agenda: str
    notes: str
    status: str
    attendance: dict[str, bool]
    action_items: list[ActionItem]
    time_zone: str
    edition_title: dict[str, str]

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_minutes)


def parse_session(data: SessionInput, zone: str) -> tuple[dict[str, Any], dict[str, str]]:
    """Column values from the form (local date and time in the edition's zone → UTC), or errors by field."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    try:
        day = date.fromisoformat(data.day.strip())
    except ValueError:
        errors["day"] = _("Enter a date such as 2026-07-15.")
        day = None
    try:
        start = time.fromisoformat(data.start.strip())
    except ValueError:
        errors["start"] = _("Enter a time such as 15:30.")
        start = None
    if day and start:
        values["starts_at"] = datetime.combine(day, start, tzinfo=ZoneInfo(zone)).astimezone(UTC)
    try:
        minutes = int(data.duration_minutes.strip())
        if not 15 <= minutes <= 480:
            raise ValueError
        values["duration_minutes"] = minutes
    except ValueError:
        errors["duration_minutes"] = _("Enter a length from 15 to 480 minutes.")
    if data.mode not in MODES:
        errors["mode"] = _("Choose in person or online.")
    values["mode"] = data.mode
    values["location"] = data.location.strip()[:300]
    if data.mode == "online" and values["location"] and not values["location"].startswith(("https://", "http://")):
        errors["location"] = _("For an online session, give the meeting link (https://…).")
    values["agenda"] = data.agenda.strip()[:4000]
    return values, errors


async def schedule_session(*, actor: SessionUser, match_id: int, data: SessionInput) -> tuple[int | None, dict]:
    """The mentor plans a session with a mentee; returns (session id, errors by field)."""
    match = await match_for_mentor(actor, match_id)
    values, errors = parse_session(data, match["edition.time_zone"])
    if errors:
        return None, errors
    async with db.write_transaction():
        session_id = (await MentoringSession.insert(MentoringSession(match=match_id, status="scheduled",
                                                                     **values)))[0]["id"]
        await audit.record("mentoring.session_scheduled", actor_id=actor.id, edition_id=match["edition"],
                           subject_type="mentoring_session", subject_id=session_id,
                           data={"starts_at": values["starts_at"].isoformat(), "mode": values["mode"]})
    return session_id, {}


def parse_items(rows: list[dict[str, str]]) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """Action items from the form's rows; an empty row is skipped, a row with text needs an owner."""
    items: list[dict[str, Any]] = []
    errors: dict[str, str] = {}
    for index, row in enumerate(rows[:MAX_ACTION_ITEMS]):
        text = (row.get("text") or "").strip()
        if not text:
            continue
        owner = row.get("owner") or ""
        if owner not in OWNERS:
            errors[f"item.{index}.owner"] = _("Choose who owns this item.")
        due_raw = (row.get("due_on") or "").strip()
        due = None
        if due_raw:
            try:
                due = date.fromisoformat(due_raw)
            except ValueError:
                errors[f"item.{index}.due_on"] = _("Enter a date such as 2026-07-15.")
        items.append({"text": text[:500], "owner": owner, "due_on": due.isoformat() if due else None,
                      "done": row.get("done") in ("1", "on", "true")})
    return items, errors


async def record_session(*, actor: SessionUser, session_id: int, data: RecordInput) -> dict[str, str]:
    """After the meeting the mentor records what happened: notes, attendance, action items; errors by field."""
    if data.outcome not in OUTCOMES:
        return {"outcome": _("Choose whether the session was held.")}
    items, errors = parse_items(data.items)
    if errors:
        return errors
    async with db.write_transaction():
        row = await _session_row(session_id)
        match = await match_for_mentor(actor, row["match"])
        await MentoringSession.update({
            MentoringSession.status: data.outcome, MentoringSession.notes: data.notes.strip()[:20000],
            MentoringSession.attendance: {"mentor": data.mentor_present, "startup": data.startup_present},
            MentoringSession.action_items: items, MentoringSession.recorded_at: datetime.now(UTC),
        }).where(MentoringSession.id == session_id)
        await audit.record("mentoring.session_recorded", actor_id=actor.id, edition_id=match["edition"],
                           subject_type="mentoring_session", subject_id=session_id,
                           data={"status": data.outcome, "items": len(items),
                                 "attendance": {"mentor": data.mentor_present, "startup": data.startup_present}})
    return {}


async def mark_item_done(*, actor: SessionUser, session_id: int, index: int, done: bool) -> None:
    """The startup ticks off its own items; the mentor may tick any."""
    async with db.write_transaction():
        row = await _session_row(session_id)
        role = await _role_in_session(actor, row)
        items = list(row["action_items"] or [])
        if not 0 <= index < len(items) or (role == "startup" and items[index].get("owner") != "startup"):
            raise MentoringNotFound(session_id)
        items[index] = {**items[index], "done": done}
        await MentoringSession.update({MentoringSession.action_items: items}).where(MentoringSession.id == session_id)
        await audit.record("mentoring.action_item_done" if done else "mentoring.action_item_reopened",
                           actor_id=actor.id, edition_id=row["match.edition"], subject_type="mentoring_session",
                           subject_id=session_id, data={"index": index})


async def _session_row(session_id: int) -> dict[str, Any]:
    row = await MentoringSession.select(
        MentoringSession.all_columns(), MentoringSession.match.mentor, MentoringSession.match.status,
        MentoringSession.match.application, MentoringSession.match.application.applicant,
        MentoringSession.match.application.entity_name, MentoringSession.match.application.title,
        MentoringSession.match.edition, MentoringSession.match.edition.time_zone,
        MentoringSession.match.edition.title, MentoringSession.match.mentor.display_name,
        MentoringSession.match.mentor.email,
    ).output(load_json=True).where(MentoringSession.id == session_id).first()
    if row is None:
        raise MentoringNotFound(session_id)
    return row


async def _role_in_session(actor: SessionUser, row: dict[str, Any]) -> str:
    """"mentor" for the match's active mentor, "startup" for the application's own account; else not found."""
    if row["match.mentor"] == actor.id and row["match.status"] in ACTIVE_MATCH:
        return "mentor"
    if row["match.application.applicant"] == actor.id:
        return "startup"
    raise MentoringNotFound(row["id"])


def _view(row: dict[str, Any]) -> SessionView:
    items = [ActionItem(text=i.get("text", ""), owner=i.get("owner", ""),
                        due_on=date.fromisoformat(i["due_on"]) if i.get("due_on") else None,
                        done=bool(i.get("done"))) for i in row["action_items"] or []]
    return SessionView(
        id=row["id"], match_id=row["match"], application_id=row["match.application"],
        startup=startup_label(row, "match.application."),
        mentor=row["match.mentor.display_name"] or row["match.mentor.email"], mentor_id=row["match.mentor"],
        starts_at=row["starts_at"], duration_minutes=row["duration_minutes"], mode=row["mode"],
        location=row["location"], agenda=row["agenda"], notes=row["notes"], status=row["status"],
        attendance=dict(row["attendance"] or {}), action_items=items,
        time_zone=row["match.edition.time_zone"], edition_title=row["match.edition.title"] or {})


async def session_for(*, actor: SessionUser, session_id: int) -> tuple[SessionView, str]:
    """A session and the reader's role in it ("mentor" or "startup")."""
    row = await _session_row(session_id)
    role = await _role_in_session(actor, row)
    # The mentor's notes are for the startup too: the path is shared, nothing is held back from it.
    return _view(row), role


async def sessions_of_application(application_id: int) -> list[SessionView]:
    rows = await MentoringSession.select(
        MentoringSession.all_columns(), MentoringSession.match.mentor, MentoringSession.match.status,
        MentoringSession.match.application, MentoringSession.match.application.applicant,
        MentoringSession.match.application.entity_name, MentoringSession.match.application.title,
        MentoringSession.match.edition, MentoringSession.match.edition.time_zone,
        MentoringSession.match.edition.title, MentoringSession.match.mentor.display_name,
        MentoringSession.match.mentor.email,
    ).output(load_json=True).where(MentoringSession.match.application == application_id).order_by(
            MentoringSession.starts_at)
    return [_view(r) for r in rows]


async def sessions_of_matches(match_ids: list[int]) -> list[SessionView]:
    if not match_ids:
        return []
    rows = await MentoringSession.select(
        MentoringSession.all_columns(), MentoringSession.match.mentor, MentoringSession.match.status,
        MentoringSession.match.application, MentoringSession.match.application.applicant,
        MentoringSession.match.application.entity_name, MentoringSession.match.application.title,
        MentoringSession.match.edition, MentoringSession.match.edition.time_zone,
        MentoringSession.match.edition.title, MentoringSession.match.mentor.display_name,
        MentoringSession.match.mentor.email,
    ).output(load_json=True).where(MentoringSession.match.is_in(match_ids)).order_by(MentoringSession.starts_at)
    return [_view(r) for r in rows]


async def session_ics(*, actor: SessionUser, session_id: int, base_url: str = "") -> bytes:
    """An iCalendar file with the one session, for the mentor's or the startup's calendar."""
    view, _role = await session_for(actor=actor, session_id=session_id)
    return session_calendar(view, base_url=base_url)


def session_calendar(view: SessionView, *, base_url: str = "") -> bytes:
    from icalendar import Calendar, Event  # a tenth of a second to import, for this download only

    calendar = Calendar()
    calendar.add("prodid", "-//Giuria//mentoring//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"mentoring-session-{view.id}@giuria")
    event.add("dtstamp", datetime.now(UTC))
    zone = ZoneInfo(view.time_zone)
    event.add("dtstart", view.starts_at.astimezone(zone))
    event.add("dtend", view.ends_at.astimezone(zone))
    event.add("summary", _("Mentoring: {startup} with {mentor}").format(startup=view.startup, mentor=view.mentor))
    if view.location:
        event.add("location", view.location)
        if view.mode == "online" and view.location.startswith(("https://", "http://")):
            event.add("url", view.location)
    description = view.agenda
    if base_url:
        description = f"{description}\n\n{base_url.rstrip('/')}/mentoring/sessions/{view.id}".strip()
    if description:
        event.add("description", description)
    event.add("status", "CANCELLED" if view.status == "cancelled" else "CONFIRMED")
    calendar.add_component(event)
    # A calendar program that does not know the zone by name still places the session right.
    calendar.add_missing_timezones()
    return calendar.to_ical()
