"""The juror's pages: the list of assigned entries, the conflict check, the entry with its scoring form."""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from core import judging
from core.i18n import gettext as _
from core.judging import AssignmentNotFound, ConflictNotCleared, ReviewInput, ScoringClosed
from web.auth import role_guard
from web.downloads import file_response

juror_only = role_guard("juror")


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


@get("/jury", guards=[juror_only], include_in_schema=False)
async def dashboard(request: Request) -> Template:
    rounds = await judging.juror_dashboard(juror=request.scope["user"])
    return Template(template_name="jury/dashboard.html", context={"rounds": rounds})


async def _page(request: Request, assignment_id: int):
    try:
        return await judging.review_page(juror=request.scope["user"], assignment_id=assignment_id)
    except AssignmentNotFound:
        raise NotFoundException() from None


@get("/jury/assignments/{assignment_id:int}", guards=[juror_only], include_in_schema=False)
async def assignment(request: Request, assignment_id: FromPath[int]) -> Template:
    page = await _page(request, assignment_id)
    template = "jury/review.html" if page.conflict_cleared else "jury/conflict.html"
    return Template(template_name=template, context={"page": page, "errors": {}, "conflicts": {},
                                                     "saved": request.query_params.get("saved")})


@post("/jury/assignments/{assignment_id:int}/conflict", guards=[juror_only], include_in_schema=False)
async def conflict(request: Request, assignment_id: FromPath[int]) -> Response:
    form = await request.form()
    user = request.scope["user"]
    try:
        if form.get("decision") == "none":
            await judging.declare_no_conflict(juror=user, assignment_id=assignment_id)
            return Redirect(path=f"/jury/assignments/{assignment_id}")
        kind = str(form.get("kind", ""))
        if kind not in judging.CONFLICT_KINDS:
            page = await _page(request, assignment_id)
            return Template(template_name="jury/conflict.html", status_code=400,
                            context={"page": page, "error": _("Choose the kind of conflict.")})
        await judging.declare_conflict(juror=user, assignment_id=assignment_id, kind=kind,
                                       reason=str(form.get("reason", "")))
    except AssignmentNotFound:
        raise NotFoundException() from None
    except ScoringClosed as closed:
        page = await _page(request, assignment_id)
        return Template(template_name="jury/conflict.html", status_code=409, context={"page": page,
                                                                                   "error": closed.message})
    return Redirect(path="/jury?released=1")


@post("/jury/assignments/{assignment_id:int}/review", guards=[juror_only], include_in_schema=False)
async def save(request: Request, assignment_id: FromPath[int]) -> Response:
    form = await request.form()
    submit = form.get("action") == "submit"
    htmx = request.headers.get("hx-request") == "true"
    try:
        outcome = await judging.save_review(juror=request.scope["user"], assignment_id=assignment_id,
                                            data=review_input(form), submit=submit)
    except (AssignmentNotFound, ConflictNotCleared):
        raise NotFoundException() from None
    except ScoringClosed as closed:
        if htmx:
            return Template(template_name="jury/_save_status.html", context={"message": closed.message,
                                                                             "outcome": None})
        page = await _page(request, assignment_id)
        return Template(template_name="jury/review.html", status_code=409,
                        context={"page": page, "errors": {}, "conflicts": {}, "closed": closed.message})
    if htmx:
        return Template(template_name="jury/_save_status.html", context={"outcome": outcome, "message": ""})
    if not outcome.ok:
        page = await _page(request, assignment_id)
        typed = review_input(form)
        return Template(template_name="jury/review.html", status_code=409 if outcome.conflicts else 400, context={
            "page": page, "errors": outcome.errors, "conflicts": outcome.conflicts, "typed": typed})
    return Redirect(path=f"/jury/assignments/{assignment_id}?saved={'submitted' if submit else 'draft'}")


@get("/jury/assignments/{assignment_id:int}/files/{field:str}", guards=[juror_only], include_in_schema=False)
async def attachment(request: Request, assignment_id: FromPath[int], field: FromPath[str]) -> Response:
    try:
        found = await judging.assignment_attachment(settings=request.app.state.settings, juror=request.scope["user"],
                                                    assignment_id=assignment_id, field=field)
    except AssignmentNotFound:
        raise NotFoundException() from None
    return file_response(found)


ROUTES = [dashboard, assignment, conflict, save, attachment]
