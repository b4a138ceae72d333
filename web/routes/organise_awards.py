"""Awards: the proposal drawn from the prizes' rules, its confirmation, and each award's conditions."""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from core.editions.access import OrganisedEdition
from core.platform.identity import SessionUser
from core.platform.settings import Settings
from core.results import awards
from core.results.awards import AwardsRefused
from web.dependencies import AppSettings, ConsoleEdition, SignedInUser
from web.labels import N_
from web.routes.organise import organiser_only

RULES = {"rank": N_("by place"), "best_non_winner": N_("best entry not among the winners"),
         "all_winners": N_("every winner"), "by_hand": N_("to choose by hand"), "nobody": N_("no entry qualifies")}
CONDITION_STATES = {"pending": N_("pending"), "met": N_("met"), "failed": N_("not met")}


async def _page(request: Request, user: SessionUser, edition: OrganisedEdition, *, error: str = "",
                status: int = 200, settings: Settings | None = None) -> Template:
    page = await awards.awards_page(actor=user, edition_slug=edition.slug, settings=settings)
    return Template(template_name="organise/awards.html", status_code=status, context={
        "edition": edition, "section": "awards", "page": page, "error": error, "rules": RULES,
        "condition_states": CONDITION_STATES, "saved": request.query_params.get("saved", "")})


@get("/organise/{slug:str}/awards", guards=[organiser_only], include_in_schema=False)
async def awards_overview(request: Request, user: SignedInUser, settings: AppSettings,
                          edition: ConsoleEdition) -> Template:
    return await _page(request, user, edition, settings=settings)


@post("/organise/{slug:str}/awards/confirm", guards=[organiser_only], include_in_schema=False)
async def confirm(request: Request, user: SignedInUser, edition: ConsoleEdition, slug: FromPath[str]) -> Response:
    form = await request.form()
    choices = []
    for key, value in form.multi_items():
        if key.startswith("choice.") and isinstance(value, str) and ":" in value:
            code, _sep, application = value.rpartition(":")
            if application.isdigit():
                choices.append((code, int(application)))
    try:
        created = await awards.confirm_awards(actor=user, edition_slug=slug, choices=choices)
    except AwardsRefused as refused:
        return await _page(request, user, edition, error=refused.message, status=400)
    return Redirect(path=f"/organise/{slug}/awards?saved=confirmed-{created}")


@post("/organise/{slug:str}/awards/{award_id:int}/conditions", guards=[organiser_only], include_in_schema=False)
async def condition(request: Request, user: SignedInUser, edition: ConsoleEdition, slug: FromPath[str],
                    award_id: FromPath[int]) -> Response:
    form = await request.form()
    try:
        await awards.update_condition(actor=user, edition_slug=slug, award_id=award_id,
                                      code=str(form.get("code", "")), status=str(form.get("status", "")),
                                      on=str(form.get("date", "")).strip(), note=str(form.get("note", "")))
    except AwardsRefused as refused:
        return await _page(request, user, edition, error=refused.message, status=400)
    return Redirect(path=f"/organise/{slug}/awards?saved=condition#award-{award_id}")


ROUTES = [awards_overview, confirm, condition]
