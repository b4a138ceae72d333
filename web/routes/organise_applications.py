"""One application as its organisers see it: the answers and files, more time, reopening."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from core.applications import admin
from core.applications.submission import ApplicationClosed
from core.editions.access import OrganisedEdition
from core.platform.i18n import gettext as _
from core.platform.identity import SessionUser
from core.platform.settings import Settings
from web.dependencies import AppSettings, ConsoleEdition, SignedInUser
from web.labels import ACTIVE_CONTENT, CLEANING_ERROR, CLEANING_PART
from web.routes.organise import organiser_only


def local_moment(raw: str, zone: str) -> datetime | None:
    """A `datetime-local` field read in the competition's time zone; None when empty or malformed."""
    try:
        return datetime.fromisoformat(raw.strip()).replace(tzinfo=ZoneInfo(zone)) if raw.strip() else None
    except ValueError:
        return None


async def _page(request: Request, user: SessionUser, settings: Settings, edition: OrganisedEdition,
                application_id: int, *, error: str = "", reason: str = "", status: int = 200) -> Template:
    found = await admin.application_for_organiser(actor=user, edition_slug=edition.slug,
                                                  application_id=application_id, settings=settings)
    return Template(template_name="organise/application.html", status_code=status, context={
        "edition": edition, "section": "overview", "found": found, "app": found.view, "error": error,
        "reason": reason, "done": request.query_params.get("done", ""), "cleaning_parts": CLEANING_PART,
        "active_content": ACTIVE_CONTENT, "cleaning_errors": CLEANING_ERROR})


@get("/organise/{slug:str}/applications/{application_id:int}", guards=[organiser_only], include_in_schema=False)
async def application_page(request: Request, user: SignedInUser, settings: AppSettings,
                           edition: ConsoleEdition,
                           application_id: FromPath[int]) -> Template:
    return await _page(request, user, settings, edition, application_id)


@post("/organise/{slug:str}/applications/{application_id:int}/extension", guards=[organiser_only],
      include_in_schema=False)
async def extend(request: Request, user: SignedInUser, settings: AppSettings, edition: ConsoleEdition,
                 slug: FromPath[str],
                 application_id: FromPath[int]) -> Response:
    form = await request.form()
    until = local_moment(str(form.get("until", "")), edition.time_zone)
    if until is None:
        return await _page(request, user, settings, edition, application_id, status=400,
                           error=_("Enter the date and time until which this applicant may submit."))
    await admin.grant_extension(actor=user, edition_slug=slug, application_id=application_id, until=until)
    return Redirect(path=f"/organise/{slug}/applications/{application_id}?done=extended")


@post("/organise/{slug:str}/applications/{application_id:int}/reopen", guards=[organiser_only],
      include_in_schema=False)
async def reopen(request: Request, user: SignedInUser, settings: AppSettings, edition: ConsoleEdition,
                 slug: FromPath[str], application_id: FromPath[int]) -> Response:
    form = await request.form()
    reason = str(form.get("reason", ""))
    raw_until = str(form.get("until", ""))
    until = local_moment(raw_until, edition.time_zone)
    if raw_until.strip() and until is None:
        return await _page(request, user, settings, edition, application_id, status=400, reason=reason,
                           error=_("Enter the date and time until which this applicant may submit."))
    try:
        await admin.reopen_application(actor=user, edition_slug=slug, application_id=application_id, reason=reason,
                                       until=until, base_url=settings.base_url)
    except ApplicationClosed as refused:
        return await _page(request, user, settings, edition, application_id, status=400, reason=reason,
                           error=refused.message)
    return Redirect(path=f"/organise/{slug}/applications/{application_id}?done=reopened")


ROUTES = [application_page, extend, reopen]
