"""The organiser's fairness audit: rates by group for each round and the edition, flagged by the four-fifths rule."""

from __future__ import annotations

from litestar import get
from litestar.params import FromPath
from litestar.response import Template

from core.results.fairness import fairness_audit
from scoring.disclosure import MIN_CELL
from web.dependencies import ConsoleEdition, SignedInUser
from web.routes.organise import organiser_only


@get("/organise/{slug:str}/fairness", guards=[organiser_only], include_in_schema=False)
async def fairness_page(user: SignedInUser, edition: ConsoleEdition, slug: FromPath[str]) -> Template:
    audit = await fairness_audit(actor=user, edition_slug=slug)
    return Template(template_name="organise/fairness.html", context={
        "edition": edition, "section": "fairness", "audit": audit, "min_cell": MIN_CELL})


ROUTES = [fairness_page]
