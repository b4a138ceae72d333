"""The juror's pages for rounds judged by comparison: pick the better of two entries, or rank the finalists."""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from core.judging import comparative
from core.judging.comparative import AlreadyCompared
from core.judging.reviews import ScoringClosed
from core.platform.i18n import gettext as _
from core.platform.identity import SessionUser
from web.auth import role_guard
from web.dependencies import SignedInUser
from web.routes.jury import juror_router

juror_only = role_guard("juror")


def _number(value) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


async def _pair_page(request: Request, user: SessionUser, status_code: int = 200, **context) -> Template:
    page = await comparative.pairwise_page(juror=user, round_id=request.path_params["round_id"])
    return Template(template_name="jury/pairwise.html", status_code=status_code,
                    context={"page": page, "done": request.query_params.get("done"),
                             "repeat": request.query_params.get("repeat"), **context})


@get("/jury/rounds/{round_id:int}/pairwise", guards=[juror_only], include_in_schema=False)
async def pairwise(request: Request, user: SignedInUser, round_id: FromPath[int]) -> Template:
    return await _pair_page(request, user)


@post("/jury/rounds/{round_id:int}/pairwise", guards=[juror_only], include_in_schema=False)
async def choose(request: Request, user: SignedInUser, round_id: FromPath[int]) -> Response:
    form = await request.form()
    winner, entry_a, entry_b = (_number(form.get(name)) for name in ("winner", "entry_a", "entry_b"))
    if winner is None or entry_a is None or entry_b is None or winner not in (entry_a, entry_b):
        return await _pair_page(request, user, 400, error=_("Choose one of the two entries."))
    loser = entry_b if winner == entry_a else entry_a
    try:
        await comparative.record_choice(juror=user, round_id=round_id, winner=winner, loser=loser)
    except AlreadyCompared:
        return Redirect(path=f"/jury/rounds/{round_id}/pairwise?repeat=1")
    except ScoringClosed as closed:
        return await _pair_page(request, user, 409, error=closed.message)
    return Redirect(path=f"/jury/rounds/{round_id}/pairwise?done=1")


@post("/jury/rounds/{round_id:int}/pairwise/conflict", guards=[juror_only], include_in_schema=False)
async def pair_conflict(request: Request, user: SignedInUser, round_id: FromPath[int]) -> Response:
    form = await request.form()
    entry = _number(form.get("entry"))
    try:
        await comparative.declare_pair_conflict(juror=user, round_id=round_id, entry=entry,
                                                kind=str(form.get("kind", "")), reason=str(form.get("reason", "")))
    except comparative.ConflictKindMissing as missing:
        return await _pair_page(request, user, 400, conflict_errors={entry: missing.message})
    return Redirect(path=f"/jury/rounds/{round_id}/pairwise?released=1")


async def _ranking_page(request: Request, user: SessionUser, status_code: int = 200, **context) -> Template:
    page = await comparative.ranking_page(juror=user, round_id=request.path_params["round_id"])
    return Template(template_name="jury/ranking.html", status_code=status_code,
                    context={"page": page, "errors": {}, "typed": None, "saved": request.query_params.get("saved"),
                             **context})


@get("/jury/rounds/{round_id:int}/ranking", guards=[juror_only], include_in_schema=False)
async def ranking(request: Request, user: SignedInUser, round_id: FromPath[int]) -> Template:
    return await _ranking_page(request, user)


@post("/jury/rounds/{round_id:int}/ranking", guards=[juror_only], include_in_schema=False)
async def save_ranking(request: Request, user: SignedInUser, round_id: FromPath[int]) -> Response:
    form = await request.form()
    typed = {entry: str(value) for key, value in form.multi_items()
             if key.startswith("position.") and (entry := _number(key[9:])) is not None}
    submit = form.get("action") == "submit"
    try:
        outcome = await comparative.save_ballot(juror=user, round_id=round_id, typed=typed, submit=submit,
                                                version=_number(form.get("version")))
    except ScoringClosed as closed:
        return await _ranking_page(request, user, 409, typed=typed, closed=closed.message)
    if not outcome.ok:
        return await _ranking_page(request, user, 409 if outcome.message else 400, typed=typed, errors=outcome.errors,
                                   message=outcome.message)
    return Redirect(path=f"/jury/rounds/{round_id}/ranking?saved={'submitted' if outcome.submitted else 'draft'}")


ROUTES = [juror_router(pairwise, choose, pair_conflict, ranking, save_ranking)]
