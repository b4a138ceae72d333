"""Jury progress for organisers: every round at a glance, one round per juror and per track, and reminders."""

from __future__ import annotations

from litestar import Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Template

from core.editions.access import EditionNotFound
from core.judging import progress as jury_progress
from core.judging.progress import RemindersClosed, RoundNotFound
from core.platform.i18n import gettext as _
from web.routes.organise import organised_edition, organiser_only


@get("/organise/{slug:str}/progress", guards=[organiser_only], include_in_schema=False)
async def edition_progress(request: Request, slug: FromPath[str]) -> Template:
    edition = await organised_edition(request, slug)
    try:
        rounds = await jury_progress.edition_progress(actor=request.scope["user"], edition_slug=slug)
    except EditionNotFound:
        raise NotFoundException() from None
    return Template(template_name="organise/progress.html", context={
        "edition": edition, "section": "progress", "rounds": rounds})


async def _round_page(request: Request, slug: str, code: str, *, outcome=None, error: str = "",
                      status: int = 200) -> Template:
    edition = await organised_edition(request, slug)
    try:
        report = await jury_progress.round_progress(actor=request.scope["user"], edition_slug=slug, round_code=code)
    except (EditionNotFound, RoundNotFound):
        raise NotFoundException() from None
    return Template(template_name="organise/round_progress.html", status_code=status, context={
        "edition": edition, "section": "progress", "report": report, "outcome": outcome, "error": error,
        "interval_hours": request.app.state.settings.reminder_interval_hours})


@get("/organise/{slug:str}/rounds/{code:str}/progress", guards=[organiser_only], include_in_schema=False)
async def round_progress(request: Request, slug: FromPath[str], code: FromPath[str]) -> Template:
    return await _round_page(request, slug, code)


@post("/organise/{slug:str}/rounds/{code:str}/reminders", guards=[organiser_only], include_in_schema=False)
async def send_reminders(request: Request, slug: FromPath[str], code: FromPath[str]) -> Template:
    data = await request.form()
    behind_only = data.get("target") == "behind"
    juror_ids = [int(value) for value in data.getall("juror", []) if isinstance(value, str) and value.isdigit()]
    if not behind_only and not juror_ids:
        return await _round_page(request, slug, code, status=400,
                                 error=_("Choose at least one juror, or everyone behind schedule."))
    try:
        outcome = await jury_progress.send_reminders(
            settings=request.app.state.settings, actor=request.scope["user"], edition_slug=slug, round_code=code,
            juror_ids=juror_ids, behind_only=behind_only)
    except (EditionNotFound, RoundNotFound):
        raise NotFoundException() from None
    except RemindersClosed as closed:
        return await _round_page(request, slug, code, error=closed.message, status=409)
    return await _round_page(request, slug, code, outcome=outcome)


ROUTES = [edition_progress, round_progress, send_reminders]
