"""The mentoring path's pages for mentors and startups: dashboard, profile, rankings, a path, a session.

A startup is the applicant account of an application on the path; a mentor sees only their mentees.
Both fences are in the core services; here a refusal becomes a 404 or an error beside the field.
"""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from core.applications import attachments as files
from core.mentoring import kpis as mentoring_kpis
from core.mentoring import matching as mentoring
from core.mentoring import milestones as mentoring_milestones
from core.mentoring import sessions as mentoring_sessions
from core.mentoring.access import MentoringNotFound, MentoringRefused
from core.mentoring.dashboards import mentee_path, mentoring_home, startup_path
from core.platform.i18n import gettext as _
from core.platform.identity import SessionUser
from web.auth import role_guard, signed_in
from web.dependencies import AppSettings, SignedInUser
from web.downloads import file_response
from web.labels import UPLOAD_ERRORS
from web.routes.uploads import UPLOAD_BODY_LIMIT

mentor_only = role_guard("mentor")
NEW_ITEM_ROWS = 3


def _ranking(form, prefix: str) -> list[int]:
    """Ids ordered by the rank typed beside each (rank.<id> = 1, 2, …); blank or invalid means unranked."""
    ranked = []
    for key, value in form.multi_items():
        if isinstance(value, str) and key.startswith(prefix) and value.strip():
            try:
                ranked.append((int(value), int(key[len(prefix):])))
            except ValueError:
                continue
    return [item for _rank, item in sorted(ranked)]


# -- dashboard, profile, rankings ---------------------------------------------------------------------------


@get("/mentoring", guards=[signed_in], include_in_schema=False)
async def dashboard(user: SignedInUser) -> Template:
    home = await mentoring_home(actor=user)
    return Template(template_name="mentoring/dashboard.html", context={"mentor": home.mentor, "paths": home.paths})


@get("/mentoring/{slug:str}/profile", guards=[mentor_only], include_in_schema=False)
async def profile_form(request: Request, user: SignedInUser, slug: FromPath[str]) -> Template:
    data = await mentoring.mentor_profile(actor=user, edition_slug=slug)
    return await _profile_page(slug, data, {}, saved=request.query_params.get("saved") == "1")


async def _profile_page(slug: str, data, errors, *, saved: bool = False, status: int = 200) -> Template:
    tracks = await mentoring.edition_tracks(edition_slug=slug)
    return Template(template_name="mentoring/profile.html", status_code=status, context={
        "slug": slug, "data": data, "errors": errors, "tracks": tracks, "topics": mentoring.TOPICS, "saved": saved})


@post("/mentoring/{slug:str}/profile", guards=[mentor_only], include_in_schema=False)
async def save_profile(request: Request, user: SignedInUser, slug: FromPath[str]) -> Response:
    form = await request.form()
    data = mentoring.ProfileInput(
        organisation_name=str(form.get("organisation_name", "")), tracks=[str(v) for v in form.getall("tracks", [])],
        topics=[str(v) for v in form.getall("topics", [])], capacity=str(form.get("capacity", "")),
        availability=str(form.get("availability", "")), bio=str(form.get("bio", "")))
    errors = await mentoring.save_profile(actor=user, edition_slug=slug, data=data)
    if errors:
        return await _profile_page(slug, data, errors, status=400)
    return Redirect(path=f"/mentoring/{slug}/profile?saved=1")


@get("/mentoring/{slug:str}/choices", guards=[mentor_only], include_in_schema=False)
async def mentor_choices(request: Request, user: SignedInUser, slug: FromPath[str]) -> Template:
    finalists, ranking = await mentoring.mentor_choices(actor=user, edition_slug=slug)
    return Template(template_name="mentoring/choices.html", context={
        "side": "mentor", "action": f"/mentoring/{slug}/choices", "options": [
            (f.application_id, f.label, f.track, "") for f in finalists],
        "ranks": {a: i + 1 for i, a in enumerate(ranking)}, "saved": request.query_params.get("saved") == "1"})


@post("/mentoring/{slug:str}/choices", guards=[mentor_only], include_in_schema=False)
async def save_mentor_choices(request: Request, user: SignedInUser, slug: FromPath[str]) -> Response:
    form = await request.form()
    await mentoring.rank_finalists(actor=user, edition_slug=slug, application_ids=_ranking(form, "rank."))
    return Redirect(path=f"/mentoring/{slug}/choices?saved=1")


@get("/mentoring/path/{application_id:int}/choices", guards=[signed_in], include_in_schema=False)
async def startup_choices(request: Request, user: SignedInUser, application_id: FromPath[int]) -> Template:
    cards, ranking = await mentoring.startup_choices(actor=user, application_id=application_id)
    return Template(template_name="mentoring/choices.html", context={
        "side": "startup", "action": f"/mentoring/path/{application_id}/choices", "application_id": application_id,
        "cards": cards, "options": [(c.account_id, c.name, {}, c.organisation_name) for c in cards],
        "ranks": {m: i + 1 for i, m in enumerate(ranking)}, "saved": request.query_params.get("saved") == "1"})


@post("/mentoring/path/{application_id:int}/choices", guards=[signed_in], include_in_schema=False)
async def save_startup_choices(request: Request, user: SignedInUser, application_id: FromPath[int]) -> Response:
    form = await request.form()
    await mentoring.rank_mentors(actor=user, application_id=application_id, mentor_ids=_ranking(form, "rank."))
    return Redirect(path=f"/mentoring/path/{application_id}/choices?saved=1")


# -- a path, seen by the startup or its mentor ------------------------------------------------------------


def _path_page(path, role: str, *, errors=None, typed=None, notice: str = "", status: int = 200) -> Template:
    return Template(template_name="mentoring/path.html", status_code=status, context={
        "path": path, "role": role, "errors": errors or {}, "typed": typed or {}, "notice": notice,
        "modes": mentoring_sessions.MODES})


async def _startup_page(user: SessionUser, application_id: int, **extra) -> Template:
    path = await startup_path(actor=user, application_id=application_id)
    return _path_page(path, "startup", **extra)


async def _mentor_page(user: SessionUser, application_id: int, **extra) -> Template:
    path = await mentee_path(actor=user, application_id=application_id)
    return _path_page(path, "mentor", **extra)


@get("/mentoring/path/{application_id:int}", guards=[signed_in], include_in_schema=False)
async def path_page(request: Request, user: SignedInUser, application_id: FromPath[int]) -> Template:
    return await _startup_page(user, application_id, notice=_notice(request))


@get("/mentoring/mentees/{application_id:int}", guards=[mentor_only], include_in_schema=False)
async def mentee_page(request: Request, user: SignedInUser, application_id: FromPath[int]) -> Template:
    return await _mentor_page(user, application_id, notice=_notice(request))


def _notice(request: Request) -> str:
    return {"scheduled": _("The session is planned."), "rematch": _("Your request for a new match was sent."),
            "uploaded": _("Delivered. Your mentor will review it."), "reviewed": _("Your review was saved."),
            "plan": _("Baseline and targets saved."), "reported": _("Value reported. Thank you.")}.get(
        request.query_params.get("done", ""), "")


@post("/mentoring/matches/{match_id:int}/sessions", guards=[mentor_only], include_in_schema=False)
async def schedule(request: Request, user: SignedInUser, match_id: FromPath[int]) -> Response:
    form = await request.form()
    application_id = int(str(form.get("application_id", "0")) or 0)  # parsed first: a bad one changes nothing
    data = mentoring_sessions.SessionInput(**{name: str(form.get(name, "")) for name in (
        "day", "start", "duration_minutes", "mode", "location", "agenda")})
    _session_id, errors = await mentoring_sessions.schedule_session(actor=user, match_id=match_id, data=data)
    if errors:
        return await _mentor_page(user, application_id, errors=errors, typed=data.__dict__, status=400)
    return Redirect(path=f"/mentoring/mentees/{application_id}?done=scheduled")


@post("/mentoring/matches/{match_id:int}/rematch", guards=[signed_in], include_in_schema=False)
async def rematch(request: Request, user: SignedInUser, match_id: FromPath[int]) -> Response:
    form = await request.form()
    application_id = int(str(form.get("application_id", "0")) or 0)
    startup_side = form.get("side") == "startup"
    back = f"/mentoring/{'path' if startup_side else 'mentees'}/{application_id}"
    try:
        await mentoring.request_rematch(actor=user, match_id=match_id, reason=str(form.get("reason", "")))
    except MentoringRefused as refused:
        page = _startup_page if startup_side else _mentor_page
        return await page(user, application_id, errors={"reason": refused.message}, status=400)
    return Redirect(path=f"{back}?done=rematch")


@post("/mentoring/submissions/{submission_id:int}/review", guards=[mentor_only], include_in_schema=False)
async def review(request: Request, user: SignedInUser, submission_id: FromPath[int]) -> Response:
    form = await request.form()
    application_id = int(str(form.get("application_id", "0")) or 0)
    try:
        await mentoring_milestones.review_milestone(actor=user, submission_id=submission_id,
                                                    verdict=str(form.get("verdict", "")),
                                                    comment=str(form.get("comment", "")))
    except MentoringRefused as refused:
        return await _mentor_page(user, application_id, status=400,
                                  errors={f"review.{submission_id}": refused.message},
                                  typed={f"comment.{submission_id}": str(form.get("comment", ""))})
    return Redirect(path=f"/mentoring/mentees/{application_id}?done=reviewed")


@get("/mentoring/files/{attachment_id:int}", guards=[signed_in], include_in_schema=False)
async def deliverable(user: SignedInUser, settings: AppSettings, attachment_id: FromPath[int]) -> Response:
    found = await mentoring_milestones.milestone_file(settings=settings, actor=user, attachment_id=attachment_id)
    return file_response(found)


@post("/mentoring/path/{application_id:int}/milestones/{code:str}", guards=[signed_in], include_in_schema=False,
      request_max_body_size=UPLOAD_BODY_LIMIT)
async def upload(request: Request, user: SignedInUser, settings: AppSettings, application_id: FromPath[int],
                 code: FromPath[str]) -> Response:
    form = await request.form()
    upload_file = form.get("file")
    if upload_file is None or isinstance(upload_file, str) or not upload_file.filename:
        return await _startup_page(user, application_id, errors={f"milestone.{code}": _("Choose a file to upload.")},
                                   status=400)
    try:
        await mentoring_milestones.submit_milestone(
            settings=settings, actor=user, application_id=application_id, code=code,
            filename=upload_file.filename, stream=upload_file, note=str(form.get("note", "")))
    except MentoringRefused as refused:
        return await _startup_page(user, application_id, errors={f"milestone.{code}": refused.message}, status=409)
    except files.UploadRejected as rejected:
        kind = "wrong_type_found" if rejected.code == "wrong_type" and rejected.found else rejected.code
        return await _startup_page(user, application_id, status=400,
                                   errors={f"milestone.{code}": _(UPLOAD_ERRORS[kind]).format(**rejected.params)})
    finally:
        await upload_file.close()
    return Redirect(path=f"/mentoring/path/{application_id}?done=uploaded")


@post("/mentoring/path/{application_id:int}/kpis/plan", guards=[signed_in], include_in_schema=False)
async def kpi_plan(request: Request, user: SignedInUser, application_id: FromPath[int]) -> Response:
    form = await request.form()
    plan: dict[str, dict[str, str]] = {}
    for key, value in form.multi_items():
        kind, _dot, code = key.partition(".")
        if kind in mentoring_kpis.PLAN_KINDS and code and isinstance(value, str):
            plan.setdefault(code, {})[kind] = value
    errors = await mentoring_kpis.save_plan(actor=user, application_id=application_id, plan=plan)
    if errors:
        return await _startup_page(user, application_id, errors=errors, status=400,
                                   typed={k: v for k, v in form.items() if isinstance(v, str)})
    return Redirect(path=f"/mentoring/path/{application_id}?done=plan#kpis")


@post("/mentoring/path/{application_id:int}/kpis/report", guards=[signed_in], include_in_schema=False)
async def kpi_report(request: Request, user: SignedInUser, application_id: FromPath[int]) -> Response:
    form = await request.form()
    typed = {k: str(form.get(k, "")) for k in ("kpi", "period_end", "value", "note")}
    try:
        errors = await mentoring_kpis.report_value(
            actor=user, application_id=application_id, code=typed["kpi"], period_end=typed["period_end"],
            value=typed["value"], note=typed["note"])
    except MentoringNotFound:
        return await _startup_page(user, application_id, errors={"report.kpi": _("Choose an indicator.")},
                                   typed={f"report.{k}": v for k, v in typed.items()}, status=400)
    if errors:
        return await _startup_page(user, application_id, status=400,
                                   errors={f"report.{k}": v for k, v in errors.items()},
                                   typed={f"report.{k}": v for k, v in typed.items()})
    return Redirect(path=f"/mentoring/path/{application_id}?done=reported#kpis")


# -- one session -------------------------------------------------------------------------------------------


def _record_input(form) -> mentoring_sessions.RecordInput:
    rows: dict[int, dict[str, str]] = {}
    for key, value in form.multi_items():
        parts = key.split(".")
        if len(parts) == 3 and parts[0] == "item" and parts[1].isdigit() and isinstance(value, str):
            rows.setdefault(int(parts[1]), {})[parts[2]] = value
    return mentoring_sessions.RecordInput(
        outcome=str(form.get("outcome", "")), notes=str(form.get("notes", "")),
        mentor_present=form.get("mentor_present") == "1", startup_present=form.get("startup_present") == "1",
        items=[rows[i] for i in sorted(rows)])


async def _session_page(request: Request, user: SessionUser, session_id: int, *, errors=None, typed=None,
                        status: int = 200):
    view, role = await mentoring_sessions.session_for(actor=user, session_id=session_id)
    items = typed.items if typed else [
        {"text": i.text, "owner": i.owner, "due_on": i.due_on.isoformat() if i.due_on else "",
         "done": "1" if i.done else ""} for i in view.action_items]
    rows = list(items) + [{"text": "", "owner": "", "due_on": "", "done": ""}] * NEW_ITEM_ROWS
    return Template(template_name="mentoring/session.html", status_code=status, context={
        "s": view, "role": role, "errors": errors or {}, "typed": typed, "rows": rows,
        "outcomes": mentoring_sessions.OUTCOMES, "owners": mentoring_sessions.OWNERS,
        "saved": request.query_params.get("saved") == "1"})


@get("/mentoring/sessions/{session_id:int}", guards=[signed_in], include_in_schema=False)
async def session_page(request: Request, user: SignedInUser, session_id: FromPath[int]) -> Template:
    return await _session_page(request, user, session_id)


@post("/mentoring/sessions/{session_id:int}/record", guards=[mentor_only], include_in_schema=False)
async def record(request: Request, user: SignedInUser, session_id: FromPath[int]) -> Response:
    data = _record_input(await request.form())
    errors = await mentoring_sessions.record_session(actor=user, session_id=session_id, data=data)
    if errors:
        return await _session_page(request, user, session_id, errors=errors, typed=data, status=400)
    return Redirect(path=f"/mentoring/sessions/{session_id}?saved=1")


@post("/mentoring/sessions/{session_id:int}/items/{index:int}", guards=[signed_in], include_in_schema=False)
async def tick(request: Request, user: SignedInUser, session_id: FromPath[int], index: FromPath[int]) -> Response:
    form = await request.form()
    await mentoring_sessions.mark_item_done(actor=user, session_id=session_id, index=index,
                                            done=form.get("done") == "1")
    back = str(form.get("next", ""))
    return Redirect(path=back if back.startswith("/mentoring/") else f"/mentoring/sessions/{session_id}")


@get("/mentoring/sessions/{session_id:int}/calendar.ics", guards=[signed_in], include_in_schema=False)
async def calendar(user: SignedInUser, settings: AppSettings, session_id: FromPath[int]) -> Response:
    body = await mentoring_sessions.session_ics(actor=user, session_id=session_id, base_url=settings.base_url)
    return Response(content=body, media_type="text/calendar; charset=utf-8", headers={
        "content-disposition": f'attachment; filename="mentoring-session-{session_id}.ics"',
        "cache-control": "private, no-store"})


ROUTES = [dashboard, profile_form, save_profile, mentor_choices, save_mentor_choices, startup_choices,
          save_startup_choices, path_page, mentee_page, schedule, rematch, review, deliverable, upload, kpi_plan,
          kpi_report, session_page, record, tick, calendar]
