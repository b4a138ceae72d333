"""The juror's pages: the list of assigned entries, the conflict check, the entry with its scoring form or
checklist, the consensus thread of a submitted entry, and the panel chair's consensus pages."""

from __future__ import annotations

from litestar import Request, Response, Router, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from core.applications.attachments import FileWithheld, for_preview
from core.applications.checklist import ChecklistInput
from core.judging import calibration, consensus
from core.judging import reviews as judging
from core.judging.reviews import MessageRefused, ReviewInput, RoundNotReady, ScoringClosed
from core.platform.i18n import gettext as _
from core.platform.identity import SessionUser
from web.auth import role_guard
from web.dependencies import AppSettings, SignedInUser
from web.downloads import file_response, preview_response
from web.labels import FILE_WITHHELD

juror_only = role_guard("juror")


def round_not_ready(_request: Request, _exc: RoundNotReady) -> Template:
    """A blind round whose entries the organisers are still clearing of names: nothing of them is shown."""
    return Template(template_name="jury/not_ready.html", status_code=409, context={
        "title": _("This round is not open yet"),
        "message": _("The organisers are removing names from the entries of this blind round: they open to you "
                     "once that is done.")})


def file_withheld(_request: Request, exc: FileWithheld) -> Template:
    return Template(template_name="jury/not_ready.html", status_code=409, context={
        "title": _("File withheld"), "message": _(FILE_WITHHELD.get(exc.code, FILE_WITHHELD["other"]))})


def juror_router(*handlers) -> Router:
    """The juror's pages, each answering a blind round not yet cleared (or a withheld file) the same way."""
    return Router(path="/", route_handlers=list(handlers),
                  exception_handlers={RoundNotReady: round_not_ready, FileWithheld: file_withheld})


def review_input(form) -> ReviewInput:
    """The scoring form's fields: score.X, comment.X and what the form showed when it opened (orig.*)."""
    data = ReviewInput()
    for key, value in form.multi_items():
        if not isinstance(value, str):
            continue
        if key.startswith("score."):
            data.values[key[6:]] = value
        elif key.startswith("comment."):
            data.comments[key[8:]] = value
        elif key.startswith("orig.score."):
            data.original_values[key[11:]] = value
        elif key.startswith("orig.comment."):
            data.original_comments[key[13:]] = value
    for name in ("overall_comment", "feedback_to_applicant", "confidence"):
        if name in form:
            setattr(data, name, str(form.get(name)))
    return data


def checklist_input(form) -> ChecklistInput:
    """The checklist form's fields: item.X (pass or fail), reason.X, outcome, overall_comment, version."""
    data = ChecklistInput(outcome=str(form.get("outcome", "")))
    for key, value in form.multi_items():
        if not isinstance(value, str):
            continue
        if key.startswith("item."):
            data.answers[key[5:]] = value
        elif key.startswith("reason."):
            data.reasons[key[7:]] = value
    if "overall_comment" in form:
        data.overall_comment = str(form.get("overall_comment"))
    try:
        data.version = int(str(form.get("version", "")))
    except ValueError:
        data.version = None
    return data


def _entry_template(page) -> str:
    if not page.conflict_cleared:
        return "jury/conflict.html"
    return "jury/checklist.html" if page.juror_task == "checklist" else "jury/review.html"


@get("/jury", guards=[juror_only], include_in_schema=False)
async def dashboard(user: SignedInUser) -> Template:
    rounds, feedback = await calibration.dashboard_with_feedback(juror=user)
    return Template(template_name="jury/dashboard.html", context={"rounds": rounds, "feedback": feedback})


@get("/jury/assignments/{assignment_id:int}", guards=[juror_only], include_in_schema=False)
async def assignment(request: Request, user: SignedInUser, assignment_id: FromPath[int]) -> Template:
    page, feedback = await calibration.review_page_with_feedback(juror=user, assignment_id=assignment_id)
    return Template(template_name=_entry_template(page), context={
        "page": page, "errors": {}, "conflicts": {}, "saved": request.query_params.get("saved"), "feedback": feedback,
        "posted": request.query_params.get("posted")})


@post("/jury/assignments/{assignment_id:int}/conflict", guards=[juror_only], include_in_schema=False)
async def conflict(request: Request, user: SignedInUser, assignment_id: FromPath[int]) -> Response:
    form = await request.form()
    try:
        if form.get("decision") == "none":
            await judging.declare_no_conflict(juror=user, assignment_id=assignment_id)
            return Redirect(path=f"/jury/assignments/{assignment_id}")
        kind = str(form.get("kind", ""))
        if kind not in judging.CONFLICT_KINDS:
            page = await judging.review_page(juror=user, assignment_id=assignment_id)
            return Template(template_name="jury/conflict.html", status_code=400,
                            context={"page": page, "error": _("Choose the kind of conflict.")})
        await judging.declare_conflict(juror=user, assignment_id=assignment_id, kind=kind,
                                       reason=str(form.get("reason", "")))
    except ScoringClosed as closed:
        page = await judging.review_page(juror=user, assignment_id=assignment_id)
        return Template(template_name="jury/conflict.html", status_code=409, context={"page": page,
                                                                                   "error": closed.message})
    return Redirect(path="/jury?released=1")


@post("/jury/assignments/{assignment_id:int}/review", guards=[juror_only], include_in_schema=False)
async def save(request: Request, user: SignedInUser, assignment_id: FromPath[int]) -> Response:
    form = await request.form()
    submit = form.get("action") == "submit"
    htmx = request.headers.get("hx-request") == "true"
    try:
        outcome = await judging.save_review(juror=user, assignment_id=assignment_id, data=review_input(form),
                                            submit=submit)
    except ScoringClosed as closed:
        if htmx:
            return Template(template_name="jury/_save_status.html", context={"message": closed.message,
                                                                             "outcome": None})
        page = await judging.review_page(juror=user, assignment_id=assignment_id)
        return Template(template_name="jury/review.html", status_code=409,
                        context={"page": page, "errors": {}, "conflicts": {}, "closed": closed.message})
    if htmx:
        return Template(template_name="jury/_save_status.html", context={"outcome": outcome, "message": ""})
    if not outcome.ok:
        page = await judging.review_page(juror=user, assignment_id=assignment_id, typed=review_input(form))
        return Template(template_name="jury/review.html", status_code=409 if outcome.conflicts else 400, context={
            "page": page, "errors": outcome.errors, "conflicts": outcome.conflicts})
    return Redirect(path=f"/jury/assignments/{assignment_id}?saved={'submitted' if submit else 'draft'}")


@get("/jury/assignments/{assignment_id:int}/files/{field:str}", guards=[juror_only], include_in_schema=False)
async def attachment(user: SignedInUser, settings: AppSettings, assignment_id: FromPath[int],
                     field: FromPath[str]) -> Response:
    found = await judging.assignment_attachment(settings=settings, juror=user, assignment_id=assignment_id,
                                                field=field)
    return file_response(found)


@get("/jury/assignments/{assignment_id:int}/files/{field:str}/preview", guards=[juror_only],
     include_in_schema=False)
async def attachment_preview(user: SignedInUser, settings: AppSettings, assignment_id: FromPath[int],
                             field: FromPath[str]) -> Response:
    """The same file as the download (in a blind round the cleaned copy), shown inline beside the form."""
    found = await judging.assignment_attachment(settings=settings, juror=user, assignment_id=assignment_id,
                                                field=field)
    return preview_response(await for_preview(found))


@post("/jury/assignments/{assignment_id:int}/checklist", guards=[juror_only], include_in_schema=False)
async def save_checklist(request: Request, user: SignedInUser, assignment_id: FromPath[int]) -> Response:
    form = await request.form()
    submit = form.get("action") == "submit"
    typed = checklist_input(form)
    try:
        outcome = await judging.save_checklist(juror=user, assignment_id=assignment_id, data=typed, submit=submit)
    except ScoringClosed as closed:
        page = await judging.review_page(juror=user, assignment_id=assignment_id)
        return Template(template_name="jury/checklist.html", status_code=409,
                        context={"page": page, "errors": {}, "closed": closed.message, "typed": typed})
    if not outcome.ok:
        page = await judging.review_page(juror=user, assignment_id=assignment_id)
        return Template(template_name="jury/checklist.html", status_code=409 if outcome.stale else 400, context={
            "page": page, "errors": outcome.errors, "stale": outcome.stale, "typed": typed})
    return Redirect(path=f"/jury/assignments/{assignment_id}?saved={'submitted' if submit else 'draft'}")


@post("/jury/assignments/{assignment_id:int}/discussion", guards=[juror_only], include_in_schema=False)
async def post_discussion(request: Request, user: SignedInUser, assignment_id: FromPath[int]) -> Response:
    form = await request.form()
    body = str(form.get("body", ""))
    try:
        await judging.post_discussion_message(juror=user, assignment_id=assignment_id, body=body)
    except MessageRefused as refused:
        page = await judging.review_page(juror=user, assignment_id=assignment_id)
        return Template(template_name="jury/review.html", status_code=400, context={
            "page": page, "errors": {}, "conflicts": {}, "message_error": refused.message, "message_body": body})
    return Redirect(path=f"/jury/assignments/{assignment_id}?posted=1#discussion")


# -- the panel chair -------------------------------------------------------------------------------


@get("/jury/rounds/{round_id:int}/consensus", guards=[juror_only], include_in_schema=False)
async def consensus_list(user: SignedInUser, round_id: FromPath[int]) -> Template:
    overview = await consensus.consensus_overview(chair=user, round_id=round_id)
    return Template(template_name="jury/consensus_list.html", context={"overview": overview})


async def _consensus_page(request: Request, user: SessionUser, round_id: int, application_id: int, *,
                          status: int = 200, **context) -> Template:
    entry = await consensus.consensus_entry(chair=user, round_id=round_id, application_id=application_id)
    return Template(template_name="jury/consensus_entry.html", status_code=status, context={
        "entry": entry, "errors": {}, "typed": {}, "done": request.query_params.get("done"), **context})


@get("/jury/rounds/{round_id:int}/consensus/{application_id:int}", guards=[juror_only], include_in_schema=False)
async def consensus_detail(request: Request, user: SignedInUser, round_id: FromPath[int],
                           application_id: FromPath[int]) -> Template:
    return await _consensus_page(request, user, round_id, application_id)


@post("/jury/rounds/{round_id:int}/consensus/{application_id:int}/open", guards=[juror_only],
      include_in_schema=False)
async def consensus_open(user: SignedInUser, round_id: FromPath[int], application_id: FromPath[int]) -> Response:
    await consensus.open_thread(chair=user, round_id=round_id, application_id=application_id)
    return Redirect(path=f"/jury/rounds/{round_id}/consensus/{application_id}?done=opened#discussion")


@post("/jury/rounds/{round_id:int}/consensus/{application_id:int}/messages", guards=[juror_only],
      include_in_schema=False)
async def consensus_message(request: Request, user: SignedInUser, round_id: FromPath[int],
                            application_id: FromPath[int]) -> Response:
    form = await request.form()
    body = str(form.get("body", ""))
    try:
        await consensus.post_chair_message(chair=user, round_id=round_id, application_id=application_id, body=body)
    except MessageRefused as refused:
        return await _consensus_page(request, user, round_id, application_id, status=400,
                                     message_error=refused.message, message_body=body)
    return Redirect(path=f"/jury/rounds/{round_id}/consensus/{application_id}?done=posted#discussion")


@post("/jury/rounds/{round_id:int}/consensus/{application_id:int}/score", guards=[juror_only],
      include_in_schema=False)
async def consensus_score(request: Request, user: SignedInUser, round_id: FromPath[int],
                          application_id: FromPath[int]) -> Response:
    form = await request.form()
    typed = {"score": str(form.get("score", "")), "reason": str(form.get("reason", ""))}
    errors = await consensus.set_consensus(chair=user, round_id=round_id, application_id=application_id, **typed)
    if errors:
        return await _consensus_page(request, user, round_id, application_id, status=400, errors=errors,
                                     typed=typed)
    return Redirect(path=f"/jury/rounds/{round_id}/consensus/{application_id}?done=consensus")


ROUTES = [juror_router(dashboard, assignment, conflict, save, attachment, attachment_preview, save_checklist,
                       post_discussion, consensus_list, consensus_detail, consensus_open, consensus_message,
                       consensus_score)]
