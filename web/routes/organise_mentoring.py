"""The organiser console's mentoring section: matches to propose and confirm, sessions against the plan,
overdue milestones, and attendance at the path's events."""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from core.editions.access import OrganisedEdition
from core.mentoring import definitions as mentoring_definitions
from core.mentoring import events as mentoring_events
from core.mentoring import matching as mentoring
from core.mentoring.access import MentoringRefused
from core.mentoring.dashboards import organiser_overview
from core.platform.i18n import gettext as _
from core.platform.identity import SessionUser
from web.dependencies import ConsoleEdition, SignedInUser
from web.routes.organise import organiser_only


async def _page(user: SessionUser, edition: OrganisedEdition, *, error: str = "", notice: str = "",
                status: int = 200, errors: dict | None = None, typed: dict | None = None) -> Template:
    overview = await organiser_overview(actor=user, edition_slug=edition.slug)
    mentors = await mentoring.edition_mentors(actor=user, edition_slug=edition.slug)
    return Template(template_name="organise/mentoring.html", status_code=status, context={
        "edition": edition, "section": "mentoring", "overview": overview, "error": error, "notice": notice,
        "mentors": mentors, "track_names": {t["code"]: t["name"] for t in await mentoring.edition_tracks(
            edition_slug=edition.slug)},
        "attendance_statuses": mentoring_events.STATUSES, "rationale_ranks": mentoring.rationale_ranks,
        "errors": errors or {}, "typed": typed or {}})


@get("/organise/{slug:str}/mentoring", guards=[organiser_only], include_in_schema=False)
async def overview(request: Request, user: SignedInUser, edition: ConsoleEdition) -> Template:
    notices = {"proposed": _("New proposals are ready; check them and confirm."),
               "confirmed": _("The matches are confirmed."), "attendance": _("Attendance saved."),
               "defined": _("Saved."), "capacity": _("The mentor's capacity is saved.")}
    return await _page(user, edition, notice=notices.get(request.query_params.get("done", ""), ""))


@post("/organise/{slug:str}/mentoring/propose", guards=[organiser_only], include_in_schema=False)
async def propose(user: SignedInUser, edition: ConsoleEdition, slug: FromPath[str]) -> Response:
    try:
        await mentoring.propose_matches(actor=user, edition_slug=slug)
    except MentoringRefused as refused:
        return await _page(user, edition, error=refused.message, status=409)
    return Redirect(path=f"/organise/{slug}/mentoring?done=proposed")


@post("/organise/{slug:str}/mentoring/confirm", guards=[organiser_only], include_in_schema=False)
async def confirm(request: Request, user: SignedInUser, edition: ConsoleEdition, slug: FromPath[str]) -> Response:
    form = await request.form()
    chosen = mentoring.as_ids(form.getall("match", []))
    await mentoring.confirm_matches(actor=user, edition_slug=slug,
                                    match_ids=chosen if form.get("scope") == "chosen" else None)
    return Redirect(path=f"/organise/{slug}/mentoring?done=confirmed")


@post("/organise/{slug:str}/mentoring/events/{event_id:int}/attendance", guards=[organiser_only],
      include_in_schema=False)
async def attendance(request: Request, user: SignedInUser, edition: ConsoleEdition, slug: FromPath[str],
                     event_id: FromPath[int]) -> Response:
    form = await request.form()
    statuses = {}
    for key, value in form.multi_items():
        if key.startswith("status.") and isinstance(value, str) and key[7:].isdigit():
            statuses[int(key[7:])] = value
    await mentoring_events.record_attendance(actor=user, edition_slug=slug, event_id=event_id, statuses=statuses)
    return Redirect(path=f"/organise/{slug}/mentoring?done=attendance")


@post("/organise/{slug:str}/mentoring/definitions/{kind:str}", guards=[organiser_only], include_in_schema=False)
async def define(request: Request, user: SignedInUser, edition: ConsoleEdition, slug: FromPath[str],
                 kind: FromPath[str]) -> Response:
    """Add or correct a milestone or a KPI of the edition, by code."""
    form = await request.form()
    data = mentoring_definitions.DefinitionInput(**{name: str(form.get(name, "")) for name in (
        "code", "name_it", "name_en", "due_on", "remind_days_before", "unit")})
    errors = await mentoring_definitions.save_definition(actor=user, edition_slug=slug, kind=kind, data=data)
    if errors:
        return await _page(user, edition, status=400, errors={f"{kind}.{k}": v for k, v in errors.items()},
                           typed={f"{kind}.{k}": v for k, v in data.__dict__.items()})
    return Redirect(path=f"/organise/{slug}/mentoring?done=defined#definitions")


@post("/organise/{slug:str}/mentoring/mentors/{mentor_id:int}/capacity", guards=[organiser_only],
      include_in_schema=False)
async def mentor_capacity(request: Request, user: SignedInUser, edition: ConsoleEdition, slug: FromPath[str],
                          mentor_id: FromPath[int]) -> Response:
    """Change one mentor's capacity (audited); a wrong number re-shows the page with the typed value."""
    form = await request.form()
    typed = str(form.get("capacity", ""))
    errors = await mentoring.set_mentor_capacity(actor=user, edition_slug=slug, mentor_id=mentor_id, capacity=typed)
    if errors:
        key = f"mentor.{mentor_id}.capacity"
        return await _page(user, edition, status=400, errors={key: errors["capacity"]}, typed={key: typed})
    return Redirect(path=f"/organise/{slug}/mentoring?done=capacity#mentors")


ROUTES = [overview, propose, confirm, attendance, define, mentor_capacity]
