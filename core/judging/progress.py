"""How far the jury is, for organisers: per round, per juror and per track; and reminders to jurors behind.

A round's figures come from a handful of queries whatever its size (assignments, reviews, jurors,
tracks, reminders), folded together here. Reminders are throttled in the database: each one sent
is a row, and a juror reminded about a round within the interval is skipped, by whichever worker.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from core.editions.access import EditionNotFound, edition_for_organiser
from core.messaging.mail import absolute_url, enqueue_mail
from core.platform import audit, db, i18n
from core.platform.errors import NotFound, Refused
from core.platform.i18n import gettext as _
from core.platform.identity import SessionUser
from core.platform.settings import Settings
from core.platform.tables import Account, Assignment, JurorReminder, Review, Round, Track

RECUSED, SUBMITTED, STARTED = "recused", "submitted", "started"


class RoundNotFound(NotFound):
    """No such round in this edition (or not this organiser's edition)."""


class RemindersClosed(Refused):
    """Reminders cannot go out for this round now; `message` says why."""


@dataclass
class JurorProgress:
    """One juror's work in a round; `recused` assignments count apart from `assigned`."""

    juror_id: int
    name: str
    email: str
    assigned: int = 0
    conflict_checked: int = 0
    started: int = 0
    submitted: int = 0
    recused: int = 0
    last_activity: datetime | None = None
    last_reminded_at: datetime | None = None
    expected_by_now: int = 0

    @property
    def remaining(self) -> int:
        return self.assigned - self.submitted

    @property
    def behind(self) -> bool:
        return self.remaining > 0 and self.submitted < self.expected_by_now


@dataclass
class TrackProgress:
    """Entries of one track in a round; an entry misses reviews while it has fewer submitted than needed."""

    code: str
    name: dict[str, str]
    entries: int = 0
    reviews_needed: int = 0
    reviews_submitted: int = 0
    missing: list[int] = field(default_factory=list)

    @property
    def entries_missing(self) -> int:
        return len(self.missing)


@dataclass
class RoundProgressReport:
    edition_slug: str
    time_zone: str
    round_id: int
    round_code: str
    round_name: dict[str, str]
    opens_at: datetime | None
    closes_at: datetime | None
    jurors_per_entry: int
    is_open: bool
    jurors: list[JurorProgress]
    tracks: list[TrackProgress]
    kind: str = ""

    @property
    def assigned(self) -> int:
        return sum(j.assigned for j in self.jurors)

    @property
    def submitted(self) -> int:
        return sum(j.submitted for j in self.jurors)

    @property
    def behind(self) -> list[JurorProgress]:
        return [j for j in self.jurors if j.behind]


@dataclass(frozen=True)
class RoundSummary:
    """One line of the edition's progress page."""

    code: str
    name: dict[str, str]
    closes_at: datetime | None
    jurors: int
    assigned: int
    started: int
    submitted: int
    recused: int
    entries: int
    entries_missing: int


@dataclass
class ReminderOutcome:
    sent: list[JurorProgress] = field(default_factory=list)
    skipped_recent: list[JurorProgress] = field(default_factory=list)
    skipped_done: list[JurorProgress] = field(default_factory=list)


def expected_by_now(assigned: int, opens_at: datetime | None, closes_at: datetime | None, now: datetime) -> int:
    """Reviews a juror working at an even pace would have submitted by now; all of them if the round has no dates."""
    if closes_at is None or opens_at is None or closes_at <= opens_at:
        return assigned
    elapsed = min(1.0, max(0.0, (now - opens_at) / (closes_at - opens_at)))
    return math.floor(assigned * elapsed + 0.5)  # half-way to the next review counts it as due


def _is_open(opens_at: datetime | None, closes_at: datetime | None, now: datetime) -> bool:
    return (opens_at is None or opens_at <= now) and (closes_at is None or now <= closes_at)


def _latest(*moments: datetime | None) -> datetime | None:
    present = [m for m in moments if m is not None]
    return max(present) if present else None


async def _round_row(edition_id: int, round_code: str) -> dict[str, Any]:
    row = await Round.select(
        Round.id, Round.code, Round.name, Round.opens_at, Round.closes_at, Round.jurors_per_entry, Round.kind,
    ).output(load_json=True).where(Round.edition == edition_id, Round.code == round_code).first()
    if row is None:
        raise RoundNotFound(round_code)
    return row


async def round_progress(*, actor: SessionUser, edition_slug: str, round_code: str,
                         now: datetime | None = None) -> RoundProgressReport:
    """Per juror and per track figures of one round, for an organiser of its edition."""
    now = now or datetime.now(UTC)
    edition = await edition_for_organiser(actor=actor, edition_slug=edition_slug)
    round_row = await _round_row(edition.id, round_code)
    return await _report(edition.slug, edition.id, edition.time_zone, round_row, now)


async def _report(edition_slug: str, edition_id: int, time_zone: str, round_row: dict[str, Any],
                  now: datetime) -> RoundProgressReport:
    round_id = round_row["id"]
    assignments = await Assignment.select(
        Assignment.id, Assignment.juror, Assignment.application, Assignment.status, Assignment.conflict_checked_at,
        Assignment.application.track,
    ).where(Assignment.round == round_id)
    reviews = {r["assignment"]: r for r in await Review.select(
        Review.assignment, Review.updated_at, Review.submitted_at).where(Review.assignment.round == round_id)}
    juror_ids = sorted({a["juror"] for a in assignments})
    people = {p["id"]: p for p in await Account.select(Account.id, Account.display_name, Account.email).where(
        Account.id.is_in(juror_ids))} if juror_ids else {}
    reminded: dict[int, datetime] = {}
    for reminder in await JurorReminder.select(JurorReminder.juror, JurorReminder.sent_at).where(
            JurorReminder.round == round_id):
        reminded[reminder["juror"]] = _latest(reminded.get(reminder["juror"]), reminder["sent_at"])
    tracks = {t["id"]: t for t in await Track.select(Track.id, Track.code, Track.name,
                                                     Track.position).output(load_json=True).where(
        Track.edition == edition_id)}

    jurors: dict[int, JurorProgress] = {}
    for juror_id in juror_ids:
        person = people.get(juror_id, {"display_name": "", "email": ""})
        jurors[juror_id] = JurorProgress(juror_id=juror_id, name=person["display_name"] or person["email"],
                                         email=person["email"], last_reminded_at=reminded.get(juror_id))
    per_entry: dict[int, dict[str, Any]] = {}
    for a in assignments:
        juror = jurors[a["juror"]]
        review = reviews.get(a["id"])
        entry = per_entry.setdefault(a["application"], {"track": a["application.track"], "active": 0, "submitted": 0})
        if a["status"] == RECUSED:
            juror.recused += 1
            continue
        juror.assigned += 1
        entry["active"] += 1
        juror.conflict_checked += a["conflict_checked_at"] is not None
        if a["status"] == SUBMITTED:
            juror.submitted += 1
            entry["submitted"] += 1
        elif a["status"] == STARTED:
            juror.started += 1
        juror.last_activity = _latest(juror.last_activity, a["conflict_checked_at"],
                                      review["updated_at"] if review else None,
                                      review["submitted_at"] if review else None)
    for juror in jurors.values():
        juror.expected_by_now = expected_by_now(juror.assigned, round_row["opens_at"], round_row["closes_at"], now)

    by_track: dict[int | None, TrackProgress] = {}
    for application_id, entry in sorted(per_entry.items()):
        track = tracks.get(entry["track"])
        line = by_track.setdefault(entry["track"] if track else None, TrackProgress(
            code=track["code"] if track else "", name=track["name"] or {} if track else {}))
        needed = round_row["jurors_per_entry"] or entry["active"]
        line.entries += 1
        line.reviews_needed += needed
        line.reviews_submitted += min(entry["submitted"], needed)
        if entry["submitted"] < needed:
            line.missing.append(application_id)
    positions = {t_id: t["position"] for t_id, t in tracks.items()}
    ordered_tracks = [by_track[k] for k in sorted(by_track, key=lambda k: (k is None, positions.get(k, 0), k or 0))]
    return RoundProgressReport(
        edition_slug=edition_slug, time_zone=time_zone, round_id=round_id, round_code=round_row["code"],
        round_name=round_row["name"] or {}, opens_at=round_row["opens_at"],
        closes_at=round_row["closes_at"], jurors_per_entry=round_row["jurors_per_entry"],
        is_open=_is_open(round_row["opens_at"], round_row["closes_at"], now),
        jurors=sorted(jurors.values(), key=lambda j: (j.name.lower(), j.juror_id)), tracks=ordered_tracks,
        kind=round_row.get("kind") or "",
    )


EDITION_SQL = """
    SELECT assignment.round AS round, assignment.application AS application,
           COUNT(DISTINCT CASE WHEN assignment.status <> 'recused' THEN assignment.juror END) AS jurors,
           SUM(CASE WHEN assignment.status <> 'recused' THEN 1 ELSE 0 END) AS active,
           SUM(CASE WHEN assignment.status = 'started' THEN 1 ELSE 0 END) AS started,
           SUM(CASE WHEN assignment.status = 'submitted' THEN 1 ELSE 0 END) AS submitted,
           SUM(CASE WHEN assignment.status = 'recused' THEN 1 ELSE 0 END) AS recused
    FROM assignment JOIN round ON round.id = assignment.round
    WHERE round.edition = {}
    GROUP BY assignment.round, assignment.application
"""
JURORS_SQL = """
    SELECT assignment.round AS round, COUNT(DISTINCT assignment.juror) AS jurors
    FROM assignment JOIN round ON round.id = assignment.round
    WHERE round.edition = {} AND assignment.status <> 'recused'
    GROUP BY assignment.round
"""


async def edition_progress(*, actor: SessionUser, edition_slug: str) -> list[RoundSummary]:
    """Each round of the edition in one line: jurors, reviews, entries still missing reviews (two queries)."""
    edition = await edition_for_organiser(actor=actor, edition_slug=edition_slug)
    needed_per_round = {r["id"]: r["jurors_per_entry"] for r in await Round.select(
        Round.id, Round.jurors_per_entry).where(Round.edition == edition.id)}
    rows = await Assignment.raw(EDITION_SQL, edition.id)
    jurors = {r["round"]: int(r["jurors"]) for r in await Assignment.raw(JURORS_SQL, edition.id)}
    totals: dict[int, dict[str, int]] = {}
    for row in rows:
        total = totals.setdefault(row["round"], dict.fromkeys(
            ("assigned", "started", "submitted", "recused", "entries", "missing"), 0))
        active, submitted = int(row["active"] or 0), int(row["submitted"] or 0)
        total["assigned"] += active
        total["started"] += int(row["started"] or 0)
        total["submitted"] += submitted
        total["recused"] += int(row["recused"] or 0)
        total["entries"] += 1
        total["missing"] += submitted < (needed_per_round.get(row["round"]) or active)
    summaries = []
    for r in edition.rounds:
        total = totals.get(r.id, {})
        summaries.append(RoundSummary(
            code=r.code, name=r.name, closes_at=r.closes_at, jurors=jurors.get(r.id, 0),
            assigned=total.get("assigned", 0), started=total.get("started", 0), submitted=total.get("submitted", 0),
            recused=total.get("recused", 0), entries=total.get("entries", 0),
            entries_missing=total.get("missing", 0)))
    return summaries


# -- reminders ----------------------------------------------------------------------------------------


async def send_reminders(*, settings: Settings, actor: SessionUser, edition_slug: str, round_code: str,
                         juror_ids: list[int] | None = None, behind_only: bool = False,
                         now: datetime | None = None) -> ReminderOutcome:
    """Mail the chosen jurors (or all behind schedule) their counts and the deadline.

    A juror reminded about this round within `settings.reminder_interval_hours` is skipped and named;
    one with nothing left to do is skipped too. The check and the record share one transaction, with
    the round row locked on PostgreSQL, so two organisers clicking at once still send one reminder.
    """
    now = now or datetime.now(UTC)
    edition = await edition_for_organiser(actor=actor, edition_slug=edition_slug)
    round_row = await _round_row(edition.id, round_code)
    if round_row["closes_at"] is not None and round_row["closes_at"] < now:
        raise RemindersClosed(_("This round is closed: there is nothing left to remind jurors of."))
    outcome = ReminderOutcome()
    window_start = now - timedelta(hours=settings.reminder_interval_hours)
    async with db.write_transaction():
        await db.locked(Round.select(Round.id).where(Round.id == round_row["id"])).first()
        report = await _report(edition.slug, edition.id, edition.time_zone, round_row, now)
        wanted = set(juror_ids or ())
        chosen = [j for j in report.jurors if (j.behind if behind_only else j.juror_id in wanted)]
        locales = {a["id"]: a["locale"] for a in await Account.select(Account.id, Account.locale).where(
            Account.id.is_in([j.juror_id for j in chosen]))} if chosen else {}
        for juror in chosen:
            if juror.remaining <= 0:
                outcome.skipped_done.append(juror)
                continue
            if settings.reminder_interval_hours > 0 and juror.last_reminded_at is not None \
                    and juror.last_reminded_at > window_start:
                outcome.skipped_recent.append(juror)
                continue
            language = locales.get(juror.juror_id) or settings.default_language
            with i18n.language(language):
                deadline = i18n.format_moment(round_row["closes_at"], edition.time_zone) if round_row["closes_at"] \
                    else ""
            await enqueue_mail(to=juror.email, template="jury/reminder", language=language, kind="jury_reminder",
                               context={"name": juror.name if juror.name != juror.email else "",
                                        "edition": i18n.pick(edition.title, language),
                                        "round": i18n.pick(report.round_name, language),
                                        "assigned": juror.assigned, "submitted": juror.submitted,
                                        "started": juror.started, "remaining": juror.remaining,
                                        "deadline": deadline, "link": absolute_url(settings.base_url, "/jury")})
            await JurorReminder.insert(JurorReminder(round=round_row["id"], juror=juror.juror_id, sent_by=actor.id,
                                                     sent_at=now))
            await audit.record("reminder.sent", actor_id=actor.id, edition_id=edition.id, subject_type="account",
                               subject_id=juror.juror_id,
                               data={"round": round_row["code"], "remaining": juror.remaining})
            juror.last_reminded_at = now
            outcome.sent.append(juror)
    return outcome


__all__ = ["EditionNotFound", "JurorProgress", "ReminderOutcome", "RemindersClosed", "RoundNotFound",
           "RoundProgressReport", "RoundSummary", "TrackProgress", "edition_progress", "expected_by_now",
           "round_progress", "send_reminders"]
