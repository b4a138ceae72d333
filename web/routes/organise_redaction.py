"""Anonymisation of a blind round's entries: suggested names to redact or keep, hand edits, accepting the rest."""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from core.judging import redaction
from core.judging.redaction import EntryNotFound, RedactionInput, RedactionRefused, RoundNotFound
from web.labels import HIT_KIND
from web.routes.organise import organised_edition, organiser_only

DONE = ("saved", "accepted", "redacted")


async def _overview(request: Request, slug: str, code: str, *, status: int = 200, error: str = "",
                    reason: str = "") -> Template:
    edition = await organised_edition(request, slug)
    try:
        overview = await redaction.redaction_overview(actor=request.scope["user"], edition_slug=slug,
                                                      round_code=code)
    except RoundNotFound:
        raise NotFoundException() from None
    done = request.query_params.get("done", "")
    return Template(template_name="organise/redaction.html", status_code=status, context={
        "edition": edition, "section": "overview", "overview": overview, "error": error, "reason": reason,
        "done": done if done in DONE else ""})


@get("/organise/{slug:str}/rounds/{code:str}/redaction", guards=[organiser_only], include_in_schema=False)
async def overview(request: Request, slug: FromPath[str], code: FromPath[str]) -> Template:
    return await _overview(request, slug, code)


@post("/organise/{slug:str}/rounds/{code:str}/redaction/accept", guards=[organiser_only], include_in_schema=False)
async def accept(request: Request, slug: FromPath[str], code: FromPath[str]) -> Response:
    form = await request.form()
    reason = str(form.get("reason", ""))
    try:
        await redaction.accept_remaining(actor=request.scope["user"], edition_slug=slug, round_code=code,
                                         reason=reason)
    except RoundNotFound:
        raise NotFoundException() from None
    except RedactionRefused as refused:
        return await _overview(request, slug, code, status=400, error=refused.message, reason=reason)
    return Redirect(path=f"/organise/{slug}/rounds/{code}/redaction?done=accepted")


@post("/organise/{slug:str}/rounds/{code:str}/redaction/redact-all", guards=[organiser_only],
      include_in_schema=False)
async def redact_all(request: Request, slug: FromPath[str], code: FromPath[str]) -> Response:
    try:
        await redaction.redact_remaining(actor=request.scope["user"], edition_slug=slug, round_code=code)
    except RoundNotFound:
        raise NotFoundException() from None
    return Redirect(path=f"/organise/{slug}/rounds/{code}/redaction?done=redacted")


async def _entry(request: Request, slug: str, code: str, application_id: int, *, status: int = 200,
                 error: str = "") -> Template:
    edition = await organised_edition(request, slug)
    try:
        round_info, review = await redaction.redaction_entry(
            actor=request.scope["user"], edition_slug=slug, round_code=code, application_id=application_id)
    except (RoundNotFound, EntryNotFound):
        raise NotFoundException() from None
    return Template(template_name="organise/redaction_entry.html", status_code=status, context={
        "edition": edition, "section": "overview", "round": round_info, "review": review, "error": error,
        "hit_kinds": HIT_KIND, "saved": request.query_params.get("done") == "saved"})


@get("/organise/{slug:str}/rounds/{code:str}/redaction/{application_id:int}", guards=[organiser_only],
     include_in_schema=False)
async def entry(request: Request, slug: FromPath[str], code: FromPath[str], application_id: FromPath[int]) -> Template:
    return await _entry(request, slug, code, application_id)


def redaction_input(form) -> RedactionInput:
    """text.<path> is the copy as typed; key.<path>|<n> names suggestion n and decision.<path>|<n> decides it."""
    data = RedactionInput()
    for name, value in form.multi_items():
        if not isinstance(value, str):
            continue
        if name.startswith("text."):
            data.texts[name[5:]] = value
        elif name.startswith("key."):
            path, _bar, _index = name[4:].rpartition("|")
            action = form.get("decision." + name[4:])
            if path and isinstance(action, str):
                data.decisions.setdefault(path, {})[value] = action
    return data


@post("/organise/{slug:str}/rounds/{code:str}/redaction/{application_id:int}", guards=[organiser_only],
      include_in_schema=False)
async def save(request: Request, slug: FromPath[str], code: FromPath[str], application_id: FromPath[int]) -> Response:
    form = await request.form()
    try:
        await redaction.save_redaction(actor=request.scope["user"], edition_slug=slug, round_code=code,
                                       application_id=application_id, data=redaction_input(form))
    except (RoundNotFound, EntryNotFound):
        raise NotFoundException() from None
    except RedactionRefused as refused:
        return await _entry(request, slug, code, application_id, status=400, error=refused.message)
    return Redirect(path=f"/organise/{slug}/rounds/{code}/redaction/{application_id}?done=saved")


ROUTES = [overview, accept, redact_all, entry, save]
