"""What each side sees of the path: the mentor's mentees, the startup's path, the organiser's overview,
and a sponsor-ready progress snapshot for a list of applications.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from core.editions.access import may_organise
from core.mentoring.access import (
    ACTIVE_MATCH,
    ON_PATH,
    MentoringNotFound,
    edition_for_organiser,
    edition_row,
    mentors_application,
    own_application_on_path,
    startup_label,
)
from core.mentoring.events import PathEvent, path_events
from core.mentoring.kpis import KpiLine, kpis_of
from core.mentoring.matching import MatchLine, edition_matches, mentor_cards
from core.mentoring.milestones import MilestoneLine, milestones_of
from core.mentoring.sessions import ActionItem, SessionView, sessions_of_application, sessions_of_matches
from core.platform.identity import SessionUser
from core.platform.tables import Application, Edition, KpiDefinition, MentorMatch, MentorProfile, Milestone, Round


def _today(zone: str, now: datetime | None = None) -> date:
    return (now or datetime.now(UTC)).astimezone(ZoneInfo(zone)).date()


@dataclass(frozen=True)
class Mentee:
    match_id: int
    application_id: int
    label: str
    edition_slug: str
    edition_title: dict[str, str]
    status: str
    sessions_held: int
    next_session: SessionView | None
    overdue_items: tuple[ActionItem, ...]
    overdue_milestones: tuple[MilestoneLine, ...]
    to_review: tuple[MilestoneLine, ...]


@dataclass(frozen=True)
class MentorDashboard:
    mentees: tuple[Mentee, ...]
    upcoming: tuple[SessionView, ...]
    editions: tuple[tuple[str, dict[str, str], bool], ...]  # (slug, title, has a profile)


async def mentor_dashboard(*, actor: SessionUser, now: datetime | None = None) -> MentorDashboard:
    """The mentor's own mentees only, with their next sessions and what is overdue."""
    now = now or datetime.now(UTC)
    matches = await MentorMatch.select(
        MentorMatch.id, MentorMatch.application, MentorMatch.application.entity_name, MentorMatch.application.title,
        MentorMatch.status, MentorMatch.edition, MentorMatch.edition.slug, MentorMatch.edition.title,
        MentorMatch.edition.time_zone,
    ).output(load_json=True).where(MentorMatch.mentor == actor.id, MentorMatch.status.is_in(
            list(ACTIVE_MATCH))).order_by(MentorMatch.id)
    sessions = await sessions_of_matches([m["id"] for m in matches])
    mentees = []
    for m in matches:
        today = _today(m["edition.time_zone"], now)
        mine = [s for s in sessions if s.match_id == m["id"]]
        milestones = await milestones_of(m["application"], m["edition"])
        mentees.append(Mentee(
            match_id=m["id"], application_id=m["application"], label=startup_label(m, "application."),
            edition_slug=m["edition.slug"], edition_title=m["edition.title"] or {}, status=m["status"],
            sessions_held=sum(s.status == "held" for s in mine),
            next_session=next((s for s in mine if s.status == "scheduled" and s.starts_at >= now), None),
            overdue_items=tuple(i for s in mine for i in s.action_items if i.overdue(today)),
            overdue_milestones=tuple(x for x in milestones if x.overdue(today)),
            to_review=tuple(x for x in milestones if x.status == "submitted")))
    slugs = sorted(slug for slug, roles in actor.roles.items() if "mentor" in roles and slug)
    editions = []
    if slugs:
        rows = await Edition.select(Edition.id, Edition.slug, Edition.title).output(load_json=True).where(
                Edition.slug.is_in(slugs))
        profiled = {r["edition"] for r in await MentorProfile.select(MentorProfile.edition).where(
            MentorProfile.account == actor.id)}
        editions = [(r["slug"], r["title"] or {}, r["id"] in profiled) for r in rows]
    upcoming = tuple(s for s in sessions if s.status == "scheduled" and s.starts_at >= now)
    return MentorDashboard(mentees=tuple(mentees), upcoming=upcoming, editions=tuple(editions))


@dataclass(frozen=True)
class StartupPath:
    """One startup's path as it sees it, or as its mentor sees it."""

    application_id: int
    label: str
    edition_slug: str
    edition_title: dict[str, str]
    time_zone: str
    match_id: int | None
    match_status: str
    mentor: str
    sessions: tuple[SessionView, ...]
    milestones: tuple[MilestoneLine, ...]
    kpis: tuple[KpiLine, ...]
    events: tuple[PathEvent, ...]
    today: date

    @property
    def open_items(self) -> list[tuple[SessionView, int, ActionItem]]:
        return [(s, i, item) for s in self.sessions for i, item in enumerate(s.action_items) if not item.done]

    @property
    def next_steps(self) -> list[tuple[str, Any]]:
        """The next session, the next milestone not yet delivered, and open action items by due date."""
        steps: list[tuple[str, Any]] = []
        upcoming = [s for s in self.sessions if s.status == "scheduled" and s.starts_at.date() >= self.today]
        if upcoming:
            steps.append(("session", upcoming[0]))
        pending = [m for m in self.milestones if m.status not in ("submitted", "approved")]
        if pending:
            steps.append(("milestone", pending[0]))
        for _s, _i, item in sorted(self.open_items, key=lambda x: x[2].due_on or date.max):
            if item.owner == "startup":
                steps.append(("item", item))
        return steps


async def _path(app: dict[str, Any], *, now: datetime | None = None) -> StartupPath:
    application_id = app["id"]
    edition = await Edition.select(Edition.id, Edition.slug, Edition.title, Edition.time_zone,
                                   Edition.settings).output(load_json=True).where(Edition.id == app["edition"]).first()
    match = await MentorMatch.select(MentorMatch.id, MentorMatch.status, MentorMatch.mentor.display_name,
                                     MentorMatch.mentor.email).where(
        MentorMatch.application == application_id,
        MentorMatch.status.is_in([*ACTIVE_MATCH, "proposed"])).order_by(MentorMatch.id, ascending=False).first()
    confirmed = match if match and match["status"] in ACTIVE_MATCH else None
    events = [e for e in await path_events(edition["id"], edition["settings"])]
    return StartupPath(
        application_id=application_id, label=startup_label(app), edition_slug=edition["slug"],
        edition_title=edition["title"] or {}, time_zone=edition["time_zone"],
        match_id=confirmed["id"] if confirmed else None, match_status=match["status"] if match else "",
        mentor=(confirmed["mentor.display_name"] or confirmed["mentor.email"]) if confirmed else "",
        sessions=tuple(await sessions_of_application(application_id)),
        milestones=tuple(await milestones_of(application_id, edition["id"])),
        kpis=tuple(await kpis_of(application_id, edition["id"])), events=tuple(events),
        today=_today(edition["time_zone"], now))


async def startup_path(*, actor: SessionUser, application_id: int, now: datetime | None = None) -> StartupPath:
    """The startup's own path; any other application reads as missing."""
    return await _path(await own_application_on_path(actor, application_id), now=now)


async def mentee_path(*, actor: SessionUser, application_id: int, now: datetime | None = None) -> StartupPath:
    """A mentee's path for its active mentor; someone else's mentee reads as missing."""
    await mentors_application(actor, application_id)
    app = await Application.select(Application.id, Application.edition, Application.entity_name,
                                   Application.title).where(Application.id == application_id).first()
    return await _path(app, now=now)


@dataclass(frozen=True)
class MentoringHome:
    """What /mentoring shows: the mentor's dashboard (for a mentor who is not an admin) and one's own paths."""

    mentor: MentorDashboard | None
    paths: list[dict[str, Any]]


async def mentoring_home(*, actor: SessionUser) -> MentoringHome:
    """The person's mentoring page: a mentor sees their mentees, a startup its path, someone both sees both."""
    mentor = await mentor_dashboard(actor=actor) if actor.has_role("mentor") and not actor.is_admin else None
    return MentoringHome(mentor=mentor, paths=await own_paths(actor=actor))


async def own_paths(*, actor: SessionUser) -> list[dict[str, Any]]:
    """The signed-in person's applications that are on a path (usually one)."""
    rows = await Application.select(Application.id, Application.entity_name, Application.title,
                                    Application.edition.title).output(load_json=True).where(
        Application.applicant == actor.id, Application.status.is_in(list(ON_PATH))).order_by(Application.id)
    return [{"id": r["id"], "label": startup_label(r), "edition_title": r["edition.title"] or {}}
            for r in rows]


async def matches_for(*, actor: SessionUser, edition_slug: str) -> list[MatchLine]:
    """Every match of the edition for its organisers; a mentor's own active matches; anyone else: not found."""
    edition = await edition_row(edition_slug)
    if may_organise(actor, edition_slug):
        return await edition_matches(edition["id"])
    if actor.has_role("mentor", edition_slug):
        return [m for m in await edition_matches(edition["id"])
                if m.mentor_id == actor.id and m.status in ACTIVE_MATCH]
    raise MentoringNotFound(edition_slug)


async def path_in_edition(*, actor: SessionUser, edition_slug: str, application_id: int,
                          now: datetime | None = None) -> tuple[StartupPath, str]:
    """A startup's path in the edition and the reader's part ("startup", "mentor" or "organiser").

    The startup and its active mentor see it as their pages do; an organiser sees the schedule, the
    deliverables and the indicators, not what mentor and startup wrote to each other (as on the overview).
    """
    app = await Application.select(Application.id, Application.edition, Application.entity_name,
                                   Application.title, Application.applicant, Application.status,
                                   Application.edition.slug).where(Application.id == application_id).first()
    if app is None or app["edition.slug"] != edition_slug:
        raise MentoringNotFound(application_id)
    if app["applicant"] == actor.id and app["status"] in ON_PATH:
        return await _path(app, now=now), "startup"
    if await MentorMatch.exists().where(MentorMatch.application == application_id, MentorMatch.mentor == actor.id,
                                        MentorMatch.status.is_in(list(ACTIVE_MATCH))):
        return await _path(app, now=now), "mentor"
    if may_organise(actor, edition_slug):
        path = await _path(app, now=now)
        return replace(
            path, sessions=tuple(replace(s, notes="", agenda="", action_items=[]) for s in path.sessions),
            milestones=tuple(replace(m, note="", comment="") for m in path.milestones)), "organiser"
    raise MentoringNotFound(application_id)


# -- organiser -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StartupProgress:
    application_id: int
    label: str
    mentor: str
    sessions_planned: int
    sessions_scheduled: int
    sessions_held: int
    overdue_milestones: tuple[MilestoneLine, ...]


@dataclass(frozen=True)
class OrganiserOverview:
    edition_id: int
    matches: tuple[MatchLine, ...]
    mentors: int
    capacity: int
    finalists: int
    startups: tuple[StartupProgress, ...]
    events: tuple[PathEvent, ...]
    finalist_labels: dict[int, str]
    sessions_per_finalist: int
    milestones: tuple[dict[str, Any], ...] = ()
    kpis: tuple[dict[str, Any], ...] = ()


async def organiser_overview(*, actor: SessionUser, edition_slug: str, now: datetime | None = None
                             ) -> OrganiserOverview:
    edition = await edition_for_organiser(actor, edition_slug)
    edition_id = edition["id"]
    matches = await edition_matches(edition_id)
    cards = await mentor_cards(edition_id)
    planned = await sessions_per_finalist(edition_id)
    today = _today(edition["time_zone"], now)
    finalists = await Application.select(Application.id, Application.entity_name, Application.title).where(
        Application.edition == edition_id, Application.status.is_in(list(ON_PATH))).order_by(Application.id)
    active = {m.application_id: m for m in matches if m.status in ACTIVE_MATCH}
    startups = []
    for f in finalists:
        sessions = await sessions_of_application(f["id"])
        milestones = await milestones_of(f["id"], edition_id)
        startups.append(StartupProgress(
            application_id=f["id"], label=startup_label(f),
            mentor=active[f["id"]].mentor if f["id"] in active else "", sessions_planned=planned,
            sessions_scheduled=sum(s.status == "scheduled" for s in sessions),
            sessions_held=sum(s.status == "held" for s in sessions),
            overdue_milestones=tuple(m for m in milestones if m.overdue(today))))
    return OrganiserOverview(
        edition_id=edition_id, matches=tuple(matches), mentors=len(cards), capacity=sum(c.capacity for c in cards),
        finalists=len(finalists), startups=tuple(startups),
        events=tuple(await path_events(edition_id, edition["settings"])),
        finalist_labels={f["id"]: startup_label(f) for f in finalists}, sessions_per_finalist=planned,
        milestones=tuple({"code": m["code"], "name": m["name"] or {}, "due_on": m["due_on"],
                          "remind_days_before": m["remind_days_before"]}
                         for m in await Milestone.select().output(load_json=True).where(
                                 Milestone.edition == edition_id).order_by(
                             Milestone.due_on).order_by(Milestone.id)),
        kpis=tuple({"code": k["code"], "name": k["name"] or {}, "unit": k["unit"]}
                   for k in await KpiDefinition.select().output(load_json=True).where(
                           KpiDefinition.edition == edition_id).order_by(
                       KpiDefinition.position).order_by(KpiDefinition.id)))


async def sessions_per_finalist(edition_id: int) -> int:
    """The plan: the mentoring round's `sessions_per_finalist` setting (0 when there is none)."""
    row = await Round.select(Round.settings).output(load_json=True).where(Round.edition == edition_id,
                                                                          Round.kind == "mentoring").first()
    settings = row["settings"] if row else {}
    try:
        return int((settings or {}).get("sessions_per_finalist", 0))
    except (TypeError, ValueError):
        return 0


# -- sponsors -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KpiProgress:
    code: str
    name: dict[str, str]
    unit: str
    baseline: float | None
    target: float | None
    latest: float | None
    latest_period_end: date | None


@dataclass(frozen=True)
class MentoringProgress:
    """Where one application stands on the path, in plain data a sponsor report can print."""

    application_id: int
    label: str
    mentor: str
    sessions_planned: int
    sessions_held: int
    milestones_total: int
    milestones_approved: int
    milestones_submitted: int
    milestones_needing_rework: int
    milestones_overdue: int
    kpis: tuple[KpiProgress, ...]
    events_attended: int
    events_total: int


async def mentoring_progress(*, application_ids: list[int], now: datetime | None = None) -> list[MentoringProgress]:
    """Progress for these applications, in the order given (unknown ids are left out).

    The caller decides who may read it (the sponsor report passes its own winners); no names of
    team members, no notes and no files are included, only counts and KPI figures.
    """
    rows = {r["id"]: r for r in await Application.select(
        Application.id, Application.edition, Application.entity_name, Application.title).where(
        Application.id.is_in(list(application_ids) or [-1]))}
    editions: dict[int, dict[str, Any]] = {}
    out = []
    for application_id in application_ids:
        app = rows.get(application_id)
        if app is None:
            continue
        edition_id = app["edition"]
        if edition_id not in editions:
            edition = await Edition.select(Edition.time_zone, Edition.settings).output(load_json=True).where(
                    Edition.id == edition_id).first()
            editions[edition_id] = {"zone": edition["time_zone"], "planned": await sessions_per_finalist(edition_id),
                                    "events": await path_events(edition_id, edition["settings"])}
        info = editions[edition_id]
        today = _today(info["zone"], now)
        match = await MentorMatch.select(MentorMatch.mentor.display_name, MentorMatch.mentor.email).where(
            MentorMatch.application == application_id, MentorMatch.status.is_in(list(ACTIVE_MATCH))).first()
        sessions = await sessions_of_application(application_id)
        milestones = await milestones_of(application_id, edition_id)
        kpis = await kpis_of(application_id, edition_id)
        out.append(MentoringProgress(
            application_id=application_id, label=startup_label(app),
            mentor=(match["mentor.display_name"] or match["mentor.email"]) if match else "",
            sessions_planned=info["planned"], sessions_held=sum(s.status == "held" for s in sessions),
            milestones_total=len(milestones), milestones_approved=sum(m.status == "approved" for m in milestones),
            milestones_submitted=sum(m.status == "submitted" for m in milestones),
            milestones_needing_rework=sum(m.status == "needs_rework" for m in milestones),
            milestones_overdue=sum(m.overdue(today) for m in milestones),
            kpis=tuple(KpiProgress(code=k.code, name=k.name, unit=k.unit, baseline=k.baseline, target=k.target,
                                   latest=k.latest.value if k.latest else None,
                                   latest_period_end=k.latest.period_end if k.latest else None) for k in kpis),
            events_attended=sum(e.attendance.get(application_id) == "attended" for e in info["events"]),
            events_total=len(info["events"])))
    return out


__all__ = ["ON_PATH", "KpiProgress", "MentorDashboard", "MentoringHome", "MentoringProgress", "OrganiserOverview",
           "StartupPath", "mentee_path", "mentor_dashboard", "mentoring_home", "mentoring_progress",
           "organiser_overview", "own_paths", "startup_path"]
