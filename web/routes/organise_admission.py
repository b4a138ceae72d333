"""The organiser's admissibility page: filter submitted applications, mark them in bulk, send the notices."""

from __future__ import annotations

from urllib.parse import urlencode

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from core.applications import admission
from core.applications.admission import AdmissionRefused
from core.editions.access import OrganisedEdition
from core.platform.identity import SessionUser
from core.results import rounds
from web.dependencies import AppSettings, ConsoleEdition, SignedInUser
from web.labels import N_
from web.routes.organise import organiser_only

SUGGESTIONS = {"admissible": N_("admissible"), "not_admissible": N_("not admissible"), "disputed": N_("disputed"),
               "pending": N_("waiting for a second reviewer"), "second_look": N_("asks for a second look")}
FILTERS = ("track", "area", "status")


def _filters(source) -> dict[str, str]:
    return {name: str(source.get(name, "") or "") for name in FILTERS}


async def _page(request: Request, user: SessionUser, edition: OrganisedEdition, *, filters: dict[str, str],
                errors=None, typed=None, status: int = 200) -> Template:
    page = await rounds.admissibility_page(actor=user, edition_slug=edition.slug, **filters)
    return Template(template_name="organise/admissibility.html", status_code=status, context={
        "edition": edition, "section": "admissibility", "page": page, "filters": filters, "errors": errors or {},
        "admissibility_suggestions": SUGGESTIONS, "typed": typed or {"ids": set(), "outcome": "", "reason": ""},
        "marked": request.query_params.get("marked"), "sent": request.query_params.get("sent")})


@get("/organise/{slug:str}/admissibility", guards=[organiser_only], include_in_schema=False)
async def admissibility(request: Request, user: SignedInUser, edition: ConsoleEdition) -> Template:
    return await _page(request, user, edition, filters=_filters(request.query_params))


@post("/organise/{slug:str}/admissibility/mark", guards=[organiser_only], include_in_schema=False)
async def mark(request: Request, user: SignedInUser, edition: ConsoleEdition, slug: FromPath[str]) -> Response:
    form = await request.form()
    filters = _filters(form)
    ids = {int(v) for v in form.getall("ids", []) if str(v).isdigit()}
    outcome, reason = str(form.get("outcome", "")), str(form.get("reason", ""))
    try:
        changed = await admission.mark_admissibility(actor=user, edition_slug=slug, application_ids=ids,
                                                     outcome=outcome, reason=reason)
    except AdmissionRefused as refused:
        return await _page(request, user, edition, filters=filters, errors=refused.errors, status=400,
                           typed={"ids": ids, "outcome": outcome, "reason": reason})
    query = urlencode({**{k: v for k, v in filters.items() if v}, "marked": changed})
    return Redirect(path=f"/organise/{slug}/admissibility?{query}")


@post("/organise/{slug:str}/admissibility/notices", guards=[organiser_only], include_in_schema=False)
async def notices(user: SignedInUser, settings: AppSettings, edition: ConsoleEdition,
                  slug: FromPath[str]) -> Response:
    sent = await admission.send_notices(actor=user, edition_slug=slug, base_url=settings.base_url)
    return Redirect(path=f"/organise/{slug}/admissibility?sent={sent}")


ROUTES = [admissibility, mark, notices]
