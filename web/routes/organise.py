"""The organiser console's entry: the editions a person runs and one edition's dashboard.

Each area of the console (people, jury progress, assignment, results, awards, exports, audit, mail,
mentoring) has its own route module under the `/organise/{slug}` prefix and links from `organise/_nav.html`.
Their handlers take the edition as the `edition` dependency (`web.dependencies`), which checks once that the
person organises it.
"""

from __future__ import annotations

from litestar import get
from litestar.params import FromPath
from litestar.response import Template

from core.editions import access
from core.results import dashboard
from web.auth import role_guard
from web.dependencies import SignedInUser

organiser_only = role_guard("organiser")


@get("/organise", guards=[organiser_only], include_in_schema=False)
async def console_home(user: SignedInUser) -> Template:
    editions = await access.organised_editions(actor=user)
    return Template(template_name="organise/home.html", context={"editions": editions})


@get("/organise/{slug:str}", guards=[organiser_only], include_in_schema=False)
async def edition_overview(user: SignedInUser, slug: FromPath[str]) -> Template:
    figures = await dashboard.edition_dashboard(actor=user, edition_slug=slug)
    return Template(template_name="organise/edition.html", context={
        "edition": figures.edition, "section": "overview", "dashboard": figures})


ROUTES = [console_home, edition_overview]
