"""Mentoring through the API: the matches (all for organisers, their own for a mentor), a startup's path
(sessions, milestones, indicators) for the startup, its mentor and the organisers, and the startup's KPI reports."""

from __future__ import annotations

from litestar import get, post
from litestar.params import FromPath, JSONBody

from core.mentoring import dashboards, kpis
from web.routes.api_v1.access import READ_ERRORS, SECURITY, WRITE_ERRORS, Caller, Writer
from web.routes.api_v1.invalid import Invalid
from web.routes.api_v1.schemas import (
    ActionItemOut,
    ChangedOut,
    KpiOut,
    KpiPointOut,
    KpiReportIn,
    MatchOut,
    PathMilestoneOut,
    PathOut,
    SessionOut,
)

TAGS = ["mentoring"]


@get("/api/v1/editions/{slug:str}/mentoring/matches", tags=TAGS, security=SECURITY, responses=READ_ERRORS,
     summary="Mentoring matches: every one for organisers, a mentor's own active ones")
async def mentoring_matches(caller: Caller, slug: FromPath[str]) -> list[MatchOut]:
    matches = await dashboards.matches_for(actor=caller.user, edition_slug=slug)
    return [MatchOut(id=m.id, application_id=m.application_id, startup=m.startup, mentor_id=m.mentor_id,
                     mentor=m.mentor, status=m.status) for m in matches]


async def _path_out(caller: Caller, slug: str, application_id: int) -> PathOut:
    path, role = await dashboards.path_in_edition(actor=caller.user, edition_slug=slug, application_id=application_id)
    return PathOut(
        application_id=path.application_id, label=path.label, role=role, match_status=path.match_status,
        mentor=path.mentor,
        sessions=[SessionOut(
            id=s.id, match_id=s.match_id, starts_at=s.starts_at, duration_minutes=s.duration_minutes, mode=s.mode,
            location=s.location, agenda=s.agenda, notes=s.notes, status=s.status, attendance=dict(s.attendance),
            action_items=[ActionItemOut(text=i.text, owner=i.owner, due_on=i.due_on, done=i.done)
                          for i in s.action_items]) for s in path.sessions],
        milestones=[PathMilestoneOut(code=m.code, name=m.name, due_on=m.due_on, status=m.status, note=m.note,
                                     comment=m.comment, filename=m.filename, submitted_at=m.submitted_at)
                    for m in path.milestones],
        kpis=[KpiOut(code=k.code, name=k.name, unit=k.unit, baseline=k.baseline, target=k.target,
                     values=[KpiPointOut(period_end=v.period_end, value=v.value, note=v.note,
                                         reported_at=v.reported_at) for v in k.values]) for k in path.kpis])


@get("/api/v1/editions/{slug:str}/mentoring/paths/{application_id:int}", tags=TAGS, security=SECURITY,
     responses=READ_ERRORS,
     summary="A startup's path: sessions, milestones and indicators (the startup, its mentor, organisers)")
async def mentoring_path(caller: Caller, slug: FromPath[str], application_id: FromPath[int]) -> PathOut:
    return await _path_out(caller, slug, application_id)


@post("/api/v1/editions/{slug:str}/mentoring/paths/{application_id:int}/kpis", tags=TAGS, security=SECURITY,
      responses=WRITE_ERRORS, status_code=201,
      summary="The startup reports an indicator's value for a period, as on its path page (write)")
async def report_kpi(writer: Writer, slug: FromPath[str], application_id: FromPath[int],
                     data: JSONBody[KpiReportIn]) -> ChangedOut:
    await dashboards.path_in_edition(actor=writer.user, edition_slug=slug, application_id=application_id)
    errors = await kpis.report_value(actor=writer.user, application_id=application_id, code=data.kpi,
                                     period_end=data.period_end.isoformat(), value=data.value, note=data.note)
    if errors:
        raise Invalid(errors)
    return ChangedOut(changed=1)


ROUTES = [mentoring_matches, mentoring_path, report_kpi]
