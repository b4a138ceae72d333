"""Pages anyone can read: the calls, each call's landing page, the language switch, health."""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.params import FromPath
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_503_SERVICE_UNAVAILABLE

from core.editions import competitions
from core.people.accounts import set_locale
from core.platform import db, i18n
from web.auth import safe_next
from web.dependencies import AppSettings, Visitor
from web.landing_view import partner_lines, timeline_steps
from web.middleware import LANGUAGE_COOKIE

ONE_YEAR = 365 * 24 * 3600


@get("/", include_in_schema=False)
async def home() -> Template:
    editions = await competitions.list_public_editions()
    return Template(template_name="home.html", context={"editions": editions})


@get("/c/{slug:str}", include_in_schema=False)
async def landing(slug: FromPath[str]) -> Template:
    page = await competitions.edition_landing(slug)
    return Template(template_name="landing.html", context={
        "page": page, "timeline": timeline_steps(page), "partners": partner_lines(page)})


@post("/language", include_in_schema=False)
async def choose_language(request: Request, visitor: Visitor, settings: AppSettings) -> Redirect:
    """Remember the reader's choice in a cookie, and on the account when signed in."""
    form = await request.form()
    language = str(form.get("language", ""))
    if language not in i18n.LANGUAGES:
        language = i18n.DEFAULT_LANGUAGE
    if visitor is not None:
        await set_locale(account_id=visitor.id, locale=language)
    return Redirect(
        path=safe_next(str(form.get("next", "/"))) if form.get("next") else "/",
        cookies=[Cookie(key=LANGUAGE_COOKIE, value=language, max_age=ONE_YEAR, httponly=True, samesite="lax",
                        secure=settings.secure_cookies)],
    )


@get("/healthz", include_in_schema=False)
async def healthz() -> Response:
    healthy = await db.is_healthy()
    return Response(
        {"status": "ok" if healthy else "unavailable", "database": "ok" if healthy else "unreachable"},
        status_code=200 if healthy else HTTP_503_SERVICE_UNAVAILABLE,
    )
