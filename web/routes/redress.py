"""Clarifications and appeals: the juror's question from the review page, the applicant's answer and appeal from
their overview, and the organisers' queue of both."""

from __future__ import annotations

from datetime import UTC, datetime

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from core.applications import submission as applications
from core.editions.access import OrganisedEdition
from core.judging import clarifications
from core.judging import reviews as judging
from core.judging.clarifications import ClarificationRefused
from core.platform.identity import SessionUser
from core.results import appeals
from core.results.appeals import AppealRefused
from web.auth import signed_in
from web.dependencies import AppSettings, ConsoleEdition, SignedInUser
from web.labels import HIT_KIND
from web.routes.jury import juror_only, juror_router
from web.routes.organise import organiser_only

DONE = ("approved", "declined", "shown", "decided", "concluded", "window")


# -- the juror -----------------------------------------------------------------------------------------


@post("/jury/assignments/{assignment_id:int}/clarifications", guards=[juror_only], include_in_schema=False)
async def ask(request: Request, user: SignedInUser, settings: AppSettings, assignment_id: FromPath[int]) -> Response:
    form = await request.form()
    question = str(form.get("question", ""))
    try:
        await clarifications.ask_clarification(juror=user, assignment_id=assignment_id, question=question,
                                               base_url=settings.base_url)
    except ClarificationRefused as refused:
        page = await judging.review_page(juror=user, assignment_id=assignment_id)
        template = "jury/checklist.html" if page.juror_task == "checklist" else "jury/review.html"
        return Template(template_name=template, status_code=400, context={
            "page": page, "errors": {}, "conflicts": {}, "clarification_error": refused.message,
            "clarification_text": question})
    return Redirect(path=f"/jury/assignments/{assignment_id}?asked=1#clarifications")


# -- the applicant -------------------------------------------------------------------------------------


async def _overview(user: SessionUser, application_id: int, *, status: int, **context) -> Template:
    view = await applications.own_application(user=user, application_id=application_id)
    rounds = await applications.application_rounds(user=user, application_id=application_id)
    redress = await appeals.applicant_redress(user=user, application_id=application_id)
    return Template(template_name="applicant/overview.html", status_code=status, context={
        "app": view, "now": datetime.now(UTC), "refused": None, "checked": set(), "rounds": rounds,
        "redress": redress, **context})


@post("/applications/{application_id:int}/clarifications/{clarification_id:int}", guards=[signed_in],
      include_in_schema=False)
async def answer(request: Request, user: SignedInUser, settings: AppSettings, application_id: FromPath[int],
                 clarification_id: FromPath[int]) -> Response:
    form = await request.form()
    text = str(form.get("answer", ""))
    try:
        await clarifications.answer_clarification(user=user, application_id=application_id,
                                                  clarification_id=clarification_id, answer=text,
                                                  base_url=settings.base_url)
    except ClarificationRefused as refused:
        return await _overview(user, application_id, status=400, answer_error=(clarification_id, refused.message),
                               answer_text=text)
    return Redirect(path=f"/applications/{application_id}?answered=1#clarifications")


@post("/applications/{application_id:int}/appeals/{round_id:int}", guards=[signed_in], include_in_schema=False)
async def appeal(request: Request, user: SignedInUser, settings: AppSettings, application_id: FromPath[int],
                 round_id: FromPath[int]) -> Response:
    form = await request.form()
    typed = {"ground": str(form.get("ground", "")), "text": str(form.get("text", ""))}
    try:
        await appeals.file_appeal(user=user, application_id=application_id, round_id=round_id,
                                  base_url=settings.base_url, **typed)
    except AppealRefused as refused:
        return await _overview(user, application_id, status=400, appeal_error=(round_id, refused.message),
                               appeal_typed=typed)
    return Redirect(path=f"/applications/{application_id}?appealed=1#appeals")


# -- the organisers ------------------------------------------------------------------------------------


async def _queue(request: Request, user: SessionUser, edition: OrganisedEdition, *, status: int = 200,
                 **context) -> Template:
    queue = await appeals.redress_queue(actor=user, edition_slug=edition.slug)
    done = request.query_params.get("done", "")
    return Template(template_name="organise/redress.html", status_code=status, context={
        "edition": edition, "section": "redress", "queue": queue, "done": done if done in DONE else "",
        "grounds": appeals.GROUNDS, "effects": appeals.EFFECTS, "hit_kinds": HIT_KIND, "errors": {}, "typed": {},
        **context})


@get("/organise/{slug:str}/redress", guards=[organiser_only], include_in_schema=False)
async def queue_page(request: Request, user: SignedInUser, edition: ConsoleEdition) -> Template:
    return await _queue(request, user, edition)


def _days(raw: object) -> int:
    try:
        return int(str(raw).strip())
    except ValueError:
        return -1


@post("/organise/{slug:str}/redress/clarifications/{clarification_id:int}/approve", guards=[organiser_only],
      include_in_schema=False)
async def approve(request: Request, user: SignedInUser, edition: ConsoleEdition, settings: AppSettings,
                  clarification_id: FromPath[int]) -> Response:
    form = await request.form()
    typed = {"question": str(form.get("question", "")), "days": str(form.get("days", ""))}
    try:
        await clarifications.approve_clarification(
            actor=user, edition_slug=edition.slug, clarification_id=clarification_id, question=typed["question"],
            days=_days(typed["days"]), base_url=settings.base_url)
    except ClarificationRefused as refused:
        return await _queue(request, user, edition, status=400, errors={f"c{clarification_id}": refused.message},
                            typed={f"c{clarification_id}": typed})
    return Redirect(path=f"/organise/{edition.slug}/redress?done=approved")


@post("/organise/{slug:str}/redress/clarifications/{clarification_id:int}/decline", guards=[organiser_only],
      include_in_schema=False)
async def decline(request: Request, user: SignedInUser, edition: ConsoleEdition,
                  clarification_id: FromPath[int]) -> Response:
    form = await request.form()
    reason = str(form.get("reason", ""))
    try:
        await clarifications.decline_clarification(actor=user, edition_slug=edition.slug,
                                                   clarification_id=clarification_id, reason=reason)
    except ClarificationRefused as refused:
        return await _queue(request, user, edition, status=400, errors={f"d{clarification_id}": refused.message},
                            typed={f"d{clarification_id}": {"reason": reason}})
    return Redirect(path=f"/organise/{edition.slug}/redress?done=declined")


@post("/organise/{slug:str}/redress/clarifications/{clarification_id:int}/show", guards=[organiser_only],
      include_in_schema=False)
async def show(request: Request, user: SignedInUser, edition: ConsoleEdition,
               clarification_id: FromPath[int]) -> Response:
    form = await request.form()
    decisions: dict[str, str] = {}
    for name, value in form.multi_items():
        if name.startswith("key.") and isinstance(value, str):
            action = form.get("decision." + name[4:])
            if isinstance(action, str):
                decisions[value] = action
    try:
        await clarifications.show_answer(actor=user, edition_slug=edition.slug, clarification_id=clarification_id,
                                         decisions=decisions)
    except ClarificationRefused as refused:
        return await _queue(request, user, edition, status=409, errors={f"s{clarification_id}": refused.message})
    return Redirect(path=f"/organise/{edition.slug}/redress?done=shown")


@post("/organise/{slug:str}/redress/appeals/{appeal_id:int}", guards=[organiser_only], include_in_schema=False)
async def decide(request: Request, user: SignedInUser, edition: ConsoleEdition, settings: AppSettings,
                 appeal_id: FromPath[int]) -> Response:
    form = await request.form()
    typed = {name: str(form.get(name, "")) for name in ("verdict", "reasons", "effect", "new_outcome",
                                                        "conflicted_juror")}
    try:
        await appeals.decide_appeal(actor=user, edition_slug=edition.slug, appeal_id=appeal_id,
                                    base_url=settings.base_url, **typed)
    except AppealRefused as refused:
        return await _queue(request, user, edition, status=400, errors={f"a{appeal_id}": refused.message},
                            typed={f"a{appeal_id}": typed})
    return Redirect(path=f"/organise/{edition.slug}/redress?done=decided")


@post("/organise/{slug:str}/redress/appeals/{appeal_id:int}/conclude", guards=[organiser_only],
      include_in_schema=False)
async def conclude(request: Request, user: SignedInUser, edition: ConsoleEdition, settings: AppSettings,
                   appeal_id: FromPath[int]) -> Response:
    form = await request.form()
    typed = {name: str(form.get(name, "")) for name in ("outcome", "reasons")}
    try:
        await appeals.conclude_review(actor=user, edition_slug=edition.slug, appeal_id=appeal_id,
                                      base_url=settings.base_url, **typed)
    except AppealRefused as refused:
        return await _queue(request, user, edition, status=400, errors={f"r{appeal_id}": refused.message},
                            typed={f"r{appeal_id}": typed})
    return Redirect(path=f"/organise/{edition.slug}/redress?done=concluded")


@post("/organise/{slug:str}/redress/windows/{code:str}", guards=[organiser_only], include_in_schema=False)
async def window(request: Request, user: SignedInUser, edition: ConsoleEdition, code: FromPath[str]) -> Response:
    form = await request.form()
    raw = str(form.get("days", ""))
    try:
        await appeals.set_appeal_window(actor=user, edition_slug=edition.slug, round_code=code, days=_days(raw))
    except AppealRefused as refused:
        return await _queue(request, user, edition, status=400, errors={f"w{code}": refused.message},
                            typed={f"w{code}": {"days": raw}})
    return Redirect(path=f"/organise/{edition.slug}/redress?done=window")


ROUTES = [juror_router(ask), answer, appeal, queue_page, approve, decline, show, decide, conclude, window]
