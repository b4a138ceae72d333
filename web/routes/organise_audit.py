"""The edition's audit log: filters, pages, the chain's check and a CSV copy of what the filters find."""

from __future__ import annotations

from urllib.parse import urlencode

from litestar import Request, Response, get
from litestar.params import FromPath
from litestar.response import Template

from core.editions import audit_log
from core.editions.audit_log import AuditFilter, FilterRefused
from web.dependencies import ConsoleEdition, SignedInUser
from web.downloads import content_disposition
from web.routes.organise import organiser_only


def _filters(request: Request) -> AuditFilter:
    q = request.query_params
    return AuditFilter(**{name: str(q.get(name, "") or "").strip()[:200]
                          for name in ("action", "actor", "subject", "date_from", "date_to")})


@get("/organise/{slug:str}/audit", guards=[organiser_only], include_in_schema=False)
async def audit_view(request: Request, user: SignedInUser, edition: ConsoleEdition, slug: FromPath[str]) -> Template:
    filters = _filters(request)
    page_number = request.query_params.get("page", "1")
    page_number = int(page_number) if page_number.isdigit() else 1
    errors = {}
    try:
        page = await audit_log.audit_page(actor=user, edition_slug=slug, filters=filters, page=page_number)
    except FilterRefused as refused:
        errors = refused.errors
        page = await audit_log.audit_page(actor=user, edition_slug=slug, filters=AuditFilter())
    query = urlencode(filters.as_query())
    return Template(template_name="organise/audit.html", status_code=400 if errors else 200, context={
        "edition": edition, "section": "audit", "page": page, "filters": filters, "errors": errors,
        "query": query})


@get("/organise/{slug:str}/audit.csv", guards=[organiser_only], include_in_schema=False)
async def audit_download(request: Request, user: SignedInUser, edition: ConsoleEdition,
                         slug: FromPath[str]) -> Response:
    try:
        data = await audit_log.audit_csv(actor=user, edition_slug=slug, filters=_filters(request))
    except FilterRefused:
        data = await audit_log.audit_csv(actor=user, edition_slug=slug, filters=AuditFilter())
    return Response(content=data, media_type="text/csv; charset=utf-8", headers={
        "content-disposition": content_disposition(f"{slug}-audit.csv"), "cache-control": "private, no-store",
        "x-content-type-options": "nosniff"})


ROUTES = [audit_view, audit_download]
