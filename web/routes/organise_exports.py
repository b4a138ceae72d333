"""The organiser's exports: tables as CSV/XLSX and the verbale as PDF, downloaded at once or prepared as a job."""

from __future__ import annotations

from pathlib import Path

import anyio
from litestar import Request, get, post
from litestar.background_tasks import BackgroundTask
from litestar.params import FromPath, FromQuery
from litestar.response import File, Redirect, Template

from core.platform import i18n
from core.results import exports
from web.dependencies import AppSettings, ConsoleEdition, SignedInUser
from web.downloads import PRIVATE_FILE_HEADERS, content_disposition
from web.routes.organise import organiser_only
from web.routes.organise_results import LABELS


@get("/organise/{slug:str}/exports", guards=[organiser_only], include_in_schema=False)
async def exports_page(user: SignedInUser, settings: AppSettings, edition: ConsoleEdition,
                       slug: FromPath[str]) -> Template:
    menu = await exports.export_menu(actor=user, edition_slug=slug, settings=settings)
    return Template(template_name="organise/exports.html", context={
        "edition": edition, "section": "exports", "menu": menu, "tables": exports.TABLES,
        "round_exports": exports.ROUND_EXPORTS, **LABELS})


def _split(filename: str) -> tuple[str, str]:
    """What and format from "what.fmt"; the export service answers ExportNotFound for a pair it does not make."""
    what, _dot, fmt = filename.rpartition(".")
    return what, fmt


def _language(value: str | None) -> str:
    return value if value in i18n.LANGUAGES else i18n.current_language()


@get("/organise/{slug:str}/exports/{filename:str}", guards=[organiser_only], include_in_schema=False)
async def download(user: SignedInUser, settings: AppSettings, edition: ConsoleEdition, slug: FromPath[str],
                   filename: FromPath[str], round: FromQuery[str | None] = None,
                   lang: FromQuery[str | None] = None) -> File:
    what, fmt = _split(filename)
    built = await exports.build_export(actor=user, edition_slug=slug, what=what, fmt=fmt, round_code=round,
                                       language=_language(lang), settings=settings)
    # Sent from the file as it is read, and removed once sent.
    return File(path=built.path, filename=built.file_name, media_type=built.content_type,
                content_disposition_type="attachment", background=BackgroundTask(_remove, built.path), headers={
                    "content-type": built.content_type, "content-disposition": content_disposition(built.file_name),
                    **PRIVATE_FILE_HEADERS})


async def _remove(path: Path) -> None:
    await anyio.Path(path).unlink(missing_ok=True)


@post("/organise/{slug:str}/exports/prepare", guards=[organiser_only], include_in_schema=False)
async def prepare(request: Request, user: SignedInUser, edition: ConsoleEdition, slug: FromPath[str]) -> Redirect:
    form = await request.form()
    what, fmt = _split(f"{form.get('what', '')}.{form.get('format', '')}")
    job = await exports.request_export(actor=user, edition_slug=slug, what=what, fmt=fmt,
                                       round_code=str(form.get("round", "")) or None,
                                       language=_language(str(form.get("lang", ""))))
    return Redirect(path=f"/organise/{slug}/jobs/{job.id}")


ROUTES = [exports_page, prepare, download]
