"""The path's events (the workshop, the final event): timeline entries of the edition, with attendance.

Which timeline entries count as events of the path is the edition's setting `mentoring_events`
(a list of timeline codes), "workshop" and "final_event" when unset.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from core.mentoring.access import ON_PATH, MentoringNotFound, edition_for_organiser
from core.platform import audit, db
from core.platform.identity import SessionUser
from core.platform.tables import Application, EventAttendance, TimelineEntry

DEFAULT_EVENTS = ("workshop", "final_event")
STATUSES = ("attended", "absent", "excused")


@dataclass(frozen=True)
class PathEvent:
    id: int
    code: str
    label: dict[str, str]
    starts_at: datetime
    ends_at: datetime | None
    attendance: dict[int, str]  # application id → status

    @property
    def attended(self) -> int:
        return sum(1 for s in self.attendance.values() if s == "attended")


def event_codes(edition_settings: Any) -> tuple[str, ...]:
    settings = edition_settings or {}
    codes = settings.get("mentoring_events") if isinstance(settings, dict) else None
    return tuple(codes) if isinstance(codes, list) and codes else DEFAULT_EVENTS


async def path_events(edition_id: int, edition_settings: Any) -> list[PathEvent]:
    rows = await TimelineEntry.select().output(load_json=True).where(TimelineEntry.edition == edition_id,
                                              TimelineEntry.code.is_in(list(event_codes(edition_settings)))).order_by(
        TimelineEntry.starts_at)
    ids = [r["id"] for r in rows]
    marks = await EventAttendance.select().where(EventAttendance.event.is_in(ids)) if ids else []
    return [PathEvent(id=r["id"], code=r["code"], label=r["label"] or {}, starts_at=r["starts_at"],
                      ends_at=r["ends_at"],
                      attendance={m["application"]: m["status"] for m in marks if m["event"] == r["id"]})
            for r in rows]


async def record_attendance(*, actor: SessionUser, edition_slug: str, event_id: int,
                            statuses: dict[int, str]) -> int:
    """The organiser records who took part; applications not on the path and unknown statuses are ignored."""
    edition = await edition_for_organiser(actor, edition_slug)
    event = await TimelineEntry.select(TimelineEntry.id, TimelineEntry.code).where(
        TimelineEntry.id == event_id, TimelineEntry.edition == edition["id"]).first()
    if event is None or event["code"] not in event_codes(edition["settings"]):
        raise MentoringNotFound(event_id)
    on_path = {r["id"] for r in await Application.select(Application.id).where(
        Application.edition == edition["id"], Application.status.is_in(list(ON_PATH)))}
    chosen = {a: s for a, s in statuses.items() if a in on_path and s in STATUSES}
    now = datetime.now(UTC)
    async with db.write_transaction():
        if chosen:
            await EventAttendance.delete().where(EventAttendance.event == event_id,
                                                 EventAttendance.application.is_in(list(chosen)))
            await EventAttendance.insert(*(EventAttendance(event=event_id, application=a, status=s,
                                                           recorded_by=actor.id, recorded_at=now)
                                           for a, s in chosen.items()))
        await audit.record("mentoring.attendance_recorded", actor_id=actor.id, edition_id=edition["id"],
                           subject_type="timeline_entry", subject_id=event_id,
                           data={"attendance": {str(a): s for a, s in chosen.items()}})
    return len(chosen)
