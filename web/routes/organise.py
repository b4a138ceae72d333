"""The organiser console's entry: the editions a person runs and one edition's overview.

Each area of the console (people, jury progress, assignment, results, awards, exports, audit, mail,
mentoring) has its own route module under the `/organise/{slug}` prefix and links from `organise/_nav.html`.
"""

from __future__ import annotations

from litestar import Request, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Template

from core.editions import access
from web.auth import role_guard

organiser_only = role_guard("organiser")


async def organised_edition(request: Request, slug: str, *, with_overview: bool = False) -> access.OrganisedEdition:
    """The edition for an organiser page, or 404: the shared first step of every console handler."""
    try:
        return await access.edition_for_organiser(actor=request.scope["user"], edition_slug=slug,
                                                      with_overview=with_overview)
    except access.EditionNotFound:
        raise NotFoundException() from None


@get("/organise", guards=[organiser_only], include_in_schema=False)
async def console_home(request: Request) -> Template:
    editions = await access.organised_editions(actor=request.scope["user"])
    return Template(template_name="organise/home.html", context={"editions": editions})


@get("/organise/{slug:str}", guards=[organiser_only], include_in_schema=False)
async def edition_overview(request: Request, slug: FromPath[str]) -> Template:
    edition = await organised_edition(request, slug, with_overview=True)
    return Template(template_name="organise/edition.html", context={"edition": edition, "section": "overview"})


ROUTES = [console_home, edition_overview]
