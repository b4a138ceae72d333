"""Jury progress for organisers: every round at a glance, one round per juror and per track, and reminders."""

from __future__ import annotations

from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Template

from core.editions.access import OrganisedEdition
from core.judging import progress as jury_progress
from core.judging.progress import RemindersClosed
from core.platform.i18n import gettext as _
from core.platform.identity import SessionUser
from core.platform.settings import Settings
from web.dependencies import AppSettings, ConsoleEdition, SignedInUser
from web.routes.organise import organiser_only


@get("/organise/{slug:str}/progress", guards=[organiser_only], include_in_schema=False)
async def edition_progress(user: SignedInUser, edition: ConsoleEdition, slug: FromPath[str]) -> Template:
    rounds = await jury_progress.edition_progress(actor=user, edition_slug=slug)
    return Template(template_name="organise/progress.html", context={
        "edition": edition, "section": "progress", "rounds": rounds})


async def _round_page(user: SessionUser, settings: Settings, edition: OrganisedEdition, code: str, *, outcome=None,
                      error: str = "", status: int = 200) -> Template:
    report = await jury_progress.round_progress(actor=user, edition_slug=edition.slug, round_code=code)
    return Template(template_name="organise/round_progress.html", status_code=status, context={
        "edition": edition, "section": "progress", "report": report, "outcome": outcome, "error": error,
        "interval_hours": settings.reminder_interval_hours})


@get("/organise/{slug:str}/rounds/{code:str}/progress", guards=[organiser_only], include_in_schema=False)
async def round_progress(user: SignedInUser, settings: AppSettings, edition: ConsoleEdition,
                         code: FromPath[str]) -> Template:
    return await _round_page(user, settings, edition, code)


@post("/organise/{slug:str}/rounds/{code:str}/reminders", guards=[organiser_only], include_in_schema=False)
async def send_reminders(request: Request, user: SignedInUser, settings: AppSettings, edition: ConsoleEdition,
                         slug: FromPath[str], code: FromPath[str]) -> Template:
    data = await request.form()
    behind_only = data.get("target") == "behind"
    juror_ids = [int(value) for value in data.getall("juror", []) if isinstance(value, str) and value.isdigit()]
    if not behind_only and not juror_ids:
        return await _round_page(user, settings, edition, code, status=400,
                                 error=_("Choose at least one juror, or everyone behind schedule."))
    try:
        outcome = await jury_progress.send_reminders(settings=settings, actor=user, edition_slug=slug, round_code=code,
                                                     juror_ids=juror_ids, behind_only=behind_only)
    except RemindersClosed as closed:
        return await _round_page(user, settings, edition, code, error=closed.message, status=409)
    return await _round_page(user, settings, edition, code, outcome=outcome)


ROUTES = [edition_progress, round_progress, send_reminders]
