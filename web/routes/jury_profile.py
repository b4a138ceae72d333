"""The juror's own profile (tracks of expertise, capacity), their bids on a round's entries, and the
organiser's copy of the profile form for any juror of the edition."""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from core.judging import bids
from core.judging.bids import BiddingClosed, ProfileRefused
from web.dependencies import SignedInUser
from web.routes.jury import juror_only
from web.routes.organise import organiser_only


def _tracks(form) -> list[str]:
    return [value for key, value in form.multi_items() if key == "tracks" and isinstance(value, str)]


@get("/jury/profile", guards=[juror_only], include_in_schema=False)
async def home(user: SignedInUser) -> Template:
    editions = await bids.juror_home(juror=user)
    return Template(template_name="jury/profile_home.html", context={"editions": editions})


@get("/jury/profile/{slug:str}", guards=[juror_only], include_in_schema=False)
async def profile(request: Request, user: SignedInUser, slug: FromPath[str]) -> Template:
    page = await bids.own_profile(juror=user, edition_slug=slug)
    return Template(template_name="jury/profile.html", context={
        "page": page, "errors": {}, "capacity": "" if page.max_load is None else str(page.max_load),
        "action": f"/jury/profile/{slug}", "saved": request.query_params.get("saved"), "organiser": False})


@post("/jury/profile/{slug:str}", guards=[juror_only], include_in_schema=False)
async def save_profile(request: Request, user: SignedInUser, slug: FromPath[str]) -> Response:
    form = await request.form()
    tracks, capacity = _tracks(form), str(form.get("capacity", ""))
    try:
        await bids.set_own_profile(juror=user, edition_slug=slug, tracks=tracks, capacity=capacity)
    except ProfileRefused as refused:
        page = await bids.own_profile(juror=user, edition_slug=slug)
        return Template(template_name="jury/profile.html", status_code=400, context={
            "page": page, "errors": refused.errors, "capacity": capacity, "chosen": set(tracks),
            "action": f"/jury/profile/{slug}", "organiser": False})
    return Redirect(path=f"/jury/profile/{slug}", query_params={"saved": "1"})


@get("/organise/{slug:str}/people/jurors/{juror_id:int}", guards=[organiser_only], include_in_schema=False)
async def juror_profile(request: Request, user: SignedInUser, slug: FromPath[str],
                        juror_id: FromPath[int]) -> Template:
    page = await bids.profile_for_organiser(actor=user, edition_slug=slug, juror_id=juror_id)
    return Template(template_name="jury/profile.html", context={
        "page": page, "errors": {}, "capacity": "" if page.max_load is None else str(page.max_load),
        "action": f"/organise/{slug}/people/jurors/{juror_id}", "saved": request.query_params.get("saved"),
        "organiser": True})


@post("/organise/{slug:str}/people/jurors/{juror_id:int}", guards=[organiser_only], include_in_schema=False)
async def save_juror_profile(request: Request, user: SignedInUser, slug: FromPath[str],
                             juror_id: FromPath[int]) -> Response:
    form = await request.form()
    tracks, capacity = _tracks(form), str(form.get("capacity", ""))
    try:
        await bids.set_profile_as_organiser(actor=user, edition_slug=slug, juror_id=juror_id, tracks=tracks,
                                            capacity=capacity)
    except ProfileRefused as refused:
        page = await bids.profile_for_organiser(actor=user, edition_slug=slug, juror_id=juror_id)
        return Template(template_name="jury/profile.html", status_code=400, context={
            "page": page, "errors": refused.errors, "capacity": capacity, "chosen": set(tracks),
            "action": f"/organise/{slug}/people/jurors/{juror_id}", "organiser": True})
    return Redirect(path=f"/organise/{slug}/people/jurors/{juror_id}", query_params={"saved": "1"})


@get("/jury/rounds/{round_id:int}/bids", guards=[juror_only], include_in_schema=False)
async def bidding(request: Request, user: SignedInUser, round_id: FromPath[int]) -> Template:
    page = await bids.bidding_page(juror=user, round_id=round_id, page_number=_page_number(request.query_params))
    return Template(template_name="jury/bids.html", context={
        "page": page, "error": "", "saved": request.query_params.get("saved")})


@post("/jury/rounds/{round_id:int}/bids", guards=[juror_only], include_in_schema=False)
async def save_bids(request: Request, user: SignedInUser, round_id: FromPath[int]) -> Response:
    form = await request.form()
    chosen: dict[int, str] = {}
    for key, value in form.multi_items():
        if key.startswith("bid.") and key[4:].isdigit() and isinstance(value, str):
            chosen[int(key[4:])] = value
    page_number = _page_number(form)
    try:
        await bids.save_bids(juror=user, round_id=round_id, bids=chosen)
    except BiddingClosed as closed:
        page = await bids.bidding_page(juror=user, round_id=round_id, page_number=page_number)
        return Template(template_name="jury/bids.html", status_code=409, context={
            "page": page, "error": closed.message, "saved": None})
    query = {"saved": "1", "page": str(page_number)} if page_number > 1 else {"saved": "1"}
    return Redirect(path=f"/jury/rounds/{round_id}/bids", query_params=query)


def _page_number(source) -> int:
    """The page asked for in a query or form; anything but a small whole number is the first page."""
    raw = source.get("page", "")
    return int(raw) if isinstance(raw, str) and raw.isdigit() and len(raw) < 6 else 1


ROUTES = [home, profile, save_profile, juror_profile, save_juror_profile, bidding, save_bids]
