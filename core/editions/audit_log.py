"""The audit log as organisers read it: an edition's events filtered and paged, the chain's state, a CSV copy."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from core.editions.access import EditionNotFound, edition_for_organiser
from core.editions.audit_sentences import EventWords, describe
from core.editions.names import NO_NAMES, EditionNames
from core.platform.audit import ChainReport, verify_chain
from core.platform.documents.tabular import Sheet, to_csv
from core.platform.i18n import gettext as _
from core.platform.identity import SessionUser
from core.platform.tables import AuditEvent

PER_PAGE = 50
CSV_LIMIT = 100_000

__all__ = ["AuditFilter", "AuditPage", "EditionNotFound", "FilterRefused", "audit_csv", "audit_events_after",
           "audit_page"]


class FilterRefused(ValueError):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass(frozen=True)
class AuditFilter:
    """What to look for: an action (exact, or a prefix such as `award.`), an actor's email, a subject, dates."""

    action: str = ""
    actor: str = ""
    subject: str = ""  # "application", "application:12" or "12"
    date_from: str = ""  # local dates in the edition's time zone, inclusive
    date_to: str = ""

    def as_query(self) -> dict[str, str]:
        return {k: v for k, v in self.__dict__.items() if v}


@dataclass(frozen=True)
class EventRow:
    id: int
    at: datetime
    actor: str
    action: str
    subject_type: str
    subject_id: str
    data: dict[str, Any]
    actor_name: str = ""

    def words(self, names: EditionNames = NO_NAMES) -> EventWords:
        """The event as a sentence in the reader's language, and its data as labelled fields."""
        return describe(action=self.action, actor=self.actor_name or self.actor, subject_type=self.subject_type,
                        subject_id=self.subject_id, data=self.data, names=names)

    @property
    def data_text(self) -> str:
        return json.dumps(self.data, ensure_ascii=False, sort_keys=True, default=str)


@dataclass(frozen=True)
class AuditPage:
    events: tuple[EventRow, ...]
    total: int
    page: int
    pages: int
    chain: ChainReport
    actions: tuple[str, ...]


def _day(value: str, name: str, errors: dict[str, str]) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors[name] = _("Give the date as 2026-10-31.")
        return None


def _conditions(edition_id: int, zone: str, filters: AuditFilter) -> list:
    errors: dict[str, str] = {}
    start, end = _day(filters.date_from, "date_from", errors), _day(filters.date_to, "date_to", errors)
    if start and end and end < start:
        errors["date_to"] = _("The end comes before the start.")
    if errors:
        raise FilterRefused(errors)
    where = [AuditEvent.edition == edition_id]
    if filters.action:
        where.append((AuditEvent.action == filters.action) | AuditEvent.action.like(filters.action + "%"))
    if filters.actor:
        # Emails are stored lower-case, so LIKE (case-sensitive on PostgreSQL) finds them on both engines.
        where.append(AuditEvent.actor.email.like(f"%{filters.actor.strip().lower()}%"))
    if filters.subject:
        kind, _colon, ident = filters.subject.strip().rpartition(":")
        if not kind and not ident.isdigit():
            kind, ident = ident, ""
        if kind:
            where.append(AuditEvent.subject_type == kind)
        if ident:
            where.append(AuditEvent.subject_id == ident)
    tz = ZoneInfo(zone)
    if start:
        where.append(AuditEvent.at >= datetime.combine(start, time(0), tz))
    if end:
        where.append(AuditEvent.at < datetime.combine(end + timedelta(days=1), time(0), tz))
    return where


def _rows(rows: list[dict]) -> tuple[EventRow, ...]:
    return tuple(EventRow(id=r["id"], at=r["at"], actor=r["actor.email"] or "", action=r["action"],
                          subject_type=r["subject_type"], subject_id=r["subject_id"],
                          data=r["data"] or {}, actor_name=r["actor.display_name"] or "")
                 for r in rows)


COLUMNS = (AuditEvent.id, AuditEvent.at, AuditEvent.actor.email, AuditEvent.actor.display_name, AuditEvent.action,
           AuditEvent.subject_type, AuditEvent.subject_id, AuditEvent.data)


async def audit_page(*, actor: SessionUser, edition_slug: str, filters: AuditFilter, page: int = 1,
                     per_page: int = PER_PAGE) -> AuditPage:
    """The edition's events matching `filters`, newest first, one page of them, and the whole chain's check."""
    edition = await edition_for_organiser(actor=actor, edition_slug=edition_slug)
    where = _conditions(edition.id, edition.time_zone, filters)
    total = await AuditEvent.count().where(*where)
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    rows = await AuditEvent.select(*COLUMNS).output(load_json=True).where(
        *where).order_by(AuditEvent.id, ascending=False).limit(
        per_page).offset((page - 1) * per_page)
    actions = await AuditEvent.select(AuditEvent.action).where(AuditEvent.edition == edition.id).distinct().order_by(
        AuditEvent.action)
    return AuditPage(events=_rows(rows), total=total, page=page, pages=pages, chain=await verify_chain(),
                     actions=tuple(a["action"] for a in actions))


async def audit_events_after(*, actor: SessionUser, edition_slug: str, filters: AuditFilter, after_id: int,
                             limit: int) -> tuple[tuple[EventRow, ...], int | None]:
    """Matching events oldest first from after `after_id`, and the id the next page starts after (None: no more).

    By id, so events recorded meanwhile join the end and never shift a page a client is walking through.
    """
    edition = await edition_for_organiser(actor=actor, edition_slug=edition_slug)
    where = _conditions(edition.id, edition.time_zone, filters)
    rows = _rows(await AuditEvent.select(*COLUMNS).output(load_json=True).where(
        *where, AuditEvent.id > after_id).order_by(
        AuditEvent.id).limit(limit + 1))
    return rows[:limit], rows[limit - 1].id if len(rows) > limit else None


async def audit_csv(*, actor: SessionUser, edition_slug: str, filters: AuditFilter) -> bytes:
    """Every matching event (not only one page) as CSV, times in the edition's time zone."""
    edition = await edition_for_organiser(actor=actor, edition_slug=edition_slug)
    where = _conditions(edition.id, edition.time_zone, filters)
    rows = _rows(await AuditEvent.select(*COLUMNS).output(load_json=True).where(
        *where).order_by(AuditEvent.id).limit(CSV_LIMIT))
    zone = ZoneInfo(edition.time_zone)
    # The raw columns stay for tools; the last one is the event as a sentence for people.
    return to_csv(Sheet(title="audit", columns=("id", "at", "actor", "action", "subject_type", "subject_id", "data",
                                                "event"),
                        rows=[(e.id, e.at.astimezone(zone).isoformat(timespec="seconds"), e.actor, e.action,
                               e.subject_type, e.subject_id, e.data_text, e.words(edition.names).sentence)
                              for e in rows]))
