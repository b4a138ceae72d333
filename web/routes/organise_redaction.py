"""Anonymisation of a blind round's entries: suggested names to redact or keep, hand edits, accepting the rest."""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from core.editions.access import OrganisedEdition
from core.judging import redaction
from core.judging.redaction import RedactionInput, RedactionRefused
from core.platform.identity import SessionUser
from web.dependencies import ConsoleEdition, SignedInUser
from web.labels import HIT_KIND
from web.routes.organise import organiser_only

DONE = ("saved", "accepted", "redacted")


async def _overview(request: Request, user: SessionUser, edition: OrganisedEdition, code: str, *, status: int = 200,
                    error: str = "", reason: str = "") -> Template:
    overview = await redaction.redaction_overview(actor=user, edition_slug=edition.slug, round_code=code)
    done = request.query_params.get("done", "")
    return Template(template_name="organise/redaction.html", status_code=status, context={
        "edition": edition, "section": "overview", "overview": overview, "error": error, "reason": reason,
        "done": done if done in DONE else ""})


@get("/organise/{slug:str}/rounds/{code:str}/redaction", guards=[organiser_only], include_in_schema=False)
async def overview(request: Request, user: SignedInUser, edition: ConsoleEdition, code: FromPath[str]) -> Template:
    return await _overview(request, user, edition, code)


@post("/organise/{slug:str}/rounds/{code:str}/redaction/accept", guards=[organiser_only], include_in_schema=False)
async def accept(request: Request, user: SignedInUser, edition: ConsoleEdition, slug: FromPath[str],
                 code: FromPath[str]) -> Response:
    form = await request.form()
    reason = str(form.get("reason", ""))
    try:
        await redaction.accept_remaining(actor=user, edition_slug=slug, round_code=code, reason=reason)
    except RedactionRefused as refused:
        return await _overview(request, user, edition, code, status=400, error=refused.message, reason=reason)
    return Redirect(path=f"/organise/{slug}/rounds/{code}/redaction?done=accepted")


@post("/organise/{slug:str}/rounds/{code:str}/redaction/redact-all", guards=[organiser_only],
      include_in_schema=False)
async def redact_all(user: SignedInUser, edition: ConsoleEdition, slug: FromPath[str], code: FromPath[str]) -> Response:
    await redaction.redact_remaining(actor=user, edition_slug=slug, round_code=code)
    return Redirect(path=f"/organise/{slug}/rounds/{code}/redaction?done=redacted")


async def _entry(request: Request, user: SessionUser, edition: OrganisedEdition, code: str, application_id: int, *,
                 status: int = 200, error: str = "") -> Template:
    round_info, review = await redaction.redaction_entry(
        actor=user, edition_slug=edition.slug, round_code=code, application_id=application_id)
    return Template(template_name="organise/redaction_entry.html", status_code=status, context={
        "edition": edition, "section": "overview", "round": round_info, "review": review, "error": error,
        "hit_kinds": HIT_KIND, "saved": request.query_params.get("done") == "saved"})


@get("/organise/{slug:str}/rounds/{code:str}/redaction/{application_id:int}", guards=[organiser_only],
     include_in_schema=False)
async def entry(request: Request, user: SignedInUser, edition: ConsoleEdition, code: FromPath[str],
                application_id: FromPath[int]) -> Template:
    return await _entry(request, user, edition, code, application_id)


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
async def save(request: Request, user: SignedInUser, edition: ConsoleEdition, slug: FromPath[str],
               code: FromPath[str], application_id: FromPath[int]) -> Response:
    form = await request.form()
    try:
        await redaction.save_redaction(actor=user, edition_slug=slug, round_code=code,
                                       application_id=application_id, data=redaction_input(form))
    except RedactionRefused as refused:
        return await _entry(request, user, edition, code, application_id, status=400, error=refused.message)
    return Redirect(path=f"/organise/{slug}/rounds/{code}/redaction/{application_id}?done=saved")


ROUTES = [overview, accept, redact_all, entry, save]
