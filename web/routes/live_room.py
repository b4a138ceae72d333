"""The live room: the event stream pages listen to, the venue's big screen, the audience's vote, and the
organiser's "Screen and audience vote" page."""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import AsyncIterator

from itsdangerous import BadSignature, Signer
from litestar import Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, ServerSentEvent, Template
from litestar.response.sse import ServerSentEventMessage

from core.live import audience, room, stream
from core.live.audience import VoteRefused
from core.live.room import RoomRefused
from core.platform.settings import Settings
from web.auth import client_address
from web.dependencies import AppSettings, ConsoleEdition, SignedInUser
from web.labels import N_
from web.routes.organise import organiser_only

DEVICE_COOKIE = "giuria_device"
DEVICE_DAYS = 30
RETRY_MS = 2000

FLAG_LABELS = {"burst_address": N_("many votes from one network in a short time"),
               "burst_agent": N_("many votes from one browser signature in a short time")}


# -- the event stream ------------------------------------------------------------------------------------------


def _last_seen(request: Request) -> int | None:
    """The last event the page saw (Last-Event-ID on a reconnection, or ?after=N); None for a page just loaded."""
    raw = request.headers.get("last-event-id") or request.query_params.get("after")
    if raw is None:
        return None
    return int(raw) if raw.isdigit() and len(raw) < 18 else 0


@get("/live/{round_id:int}/events", include_in_schema=False)
async def live_events(request: Request, round_id: FromPath[int]) -> ServerSentEvent:
    """Public-safe events of a round run live, from the one after Last-Event-ID (or ?after=N), then as they come."""
    await stream.require_live_round(round_id)
    after = _last_seen(request)
    if after is None:  # a page just rendered shows the day as it is: it follows from the newest event on
        after = await stream.latest_event_id(round_id=round_id)

    async def messages() -> AsyncIterator[ServerSentEventMessage]:
        yield ServerSentEventMessage(comment="giuria live", retry=RETRY_MS, data=None)
        async for item in stream.round_stream(round_id=round_id, after_id=after):
            if isinstance(item, stream.KeepAlive):
                yield ServerSentEventMessage(comment="keep-alive", data=None)
            else:
                yield ServerSentEventMessage(id=item.id, event=item.kind,
                                             data=json.dumps(item.payload, separators=(",", ":")))

    return ServerSentEvent(messages(), headers={"cache-control": "no-store", "x-accel-buffering": "no"})


# -- the big screen ------------------------------------------------------------------------------------------------


async def _screen_context(round_id: int, key: str, settings: Settings) -> dict:
    view = await room.screen_view(round_id=round_id, key=key, settings=settings)
    return {"view": view, "key": key}


@get("/live/{round_id:int}/screen", include_in_schema=False)
async def screen(round_id: FromPath[int], settings: AppSettings, key: FromQuery[str] = "") -> Template:
    return Template(template_name="live/screen.html", context=await _screen_context(round_id, key, settings))


@get("/live/{round_id:int}/screen/fragment", include_in_schema=False)
async def screen_fragment(round_id: FromPath[int], settings: AppSettings, key: FromQuery[str] = "") -> Template:
    return Template(template_name="live/_screen.html", context=await _screen_context(round_id, key, settings))


# -- the audience vote ----------------------------------------------------------------------------------------------


def _device_signer(settings: Settings) -> Signer:
    return Signer(hashlib.sha256(f"giuria:device:{settings.secret_key}".encode()).digest(), salt="giuria-device")


def _device(request: Request, settings: Settings) -> tuple[str, Cookie | None]:
    """This phone's id from its signed cookie, or a new one with the cookie to set."""
    raw = request.cookies.get(DEVICE_COOKIE, "")
    if raw:
        try:
            return _device_signer(settings).unsign(raw).decode(), None
        except BadSignature:
            pass
    device_id = secrets.token_urlsafe(18)
    cookie = Cookie(key=DEVICE_COOKIE, value=_device_signer(settings).sign(device_id).decode(),
                    max_age=DEVICE_DAYS * 24 * 3600, httponly=True, samesite="lax", secure=settings.secure_cookies,
                    path="/vote")
    return device_id, cookie


async def _vote_page(request: Request, settings: Settings, round_id: int, token: str, *, template: str,
                     message: str = "", error: str = "", value: str = "", badge: str = "",
                     status: int = 200, page: audience.VotePage | None = None) -> Template:
    device_id, cookie = _device(request, settings)
    if page is None:
        page = await audience.vote_page(round_id=round_id, token=token, device_id=device_id, settings=settings)
    return Template(template_name=template, status_code=status, cookies=[cookie] if cookie else [], context={
        "page": page, "token": token, "message": message, "error": error, "value": value, "badge": badge})


@get("/vote/{round_id:int}", include_in_schema=False)
async def short_vote_address(round_id: FromPath[int], settings: AppSettings) -> Redirect:
    """The short address the big screen shows in words, for a phone without a camera: on to the signed link."""
    await audience.vote_page(round_id=round_id, token=room.vote_token(settings, round_id), device_id="",
                             settings=settings)
    return Redirect(path=f"/vote/{round_id}/{room.vote_token(settings, round_id)}")


@get("/vote/{round_id:int}/{token:str}", include_in_schema=False)
async def vote_form(request: Request, round_id: FromPath[int], token: FromPath[str],
                    settings: AppSettings) -> Template:
    return await _vote_page(request, settings, round_id, token, template="live/vote.html")


@get("/vote/{round_id:int}/{token:str}/fragment", include_in_schema=False)
async def vote_fragment(request: Request, round_id: FromPath[int], token: FromPath[str],
                        settings: AppSettings) -> Template:
    return await _vote_page(request, settings, round_id, token, template="live/_vote.html")


@post("/vote/{round_id:int}/{token:str}", include_in_schema=False)
async def vote_cast(request: Request, round_id: FromPath[int], token: FromPath[str],
                    settings: AppSettings) -> Template:
    form = await request.form()
    raw_value = str(form.get("value", "")).strip()
    raw_slot = str(form.get("slot", "")).strip()
    badge = str(form.get("badge", "")).strip()[:40]
    device_id, _cookie = _device(request, settings)
    if not request.cookies.get(DEVICE_COOKIE):
        device_id = ""  # a first visit that posts at once: no cookie came back, so no device to hold to one vote
    try:
        cast = await audience.cast_vote(
            round_id=round_id, token=token, device_id=device_id,
            slot_id=int(raw_slot) if raw_slot.isdigit() and len(raw_slot) < 18 else None,
            value=int(raw_value) if raw_value in ("1", "2", "3", "4", "5") else None,
            badge_code=badge, address=client_address(request), agent=request.headers.get("user-agent", "")[:400],
            settings=settings)
    except VoteRefused as refused:
        return await _vote_page(request, settings, round_id, token, template="live/vote.html", error=refused.message,
                                value=raw_value, badge=badge, status=409 if raw_value else 400)
    return await _vote_page(request, settings, round_id, token, template="live/vote.html",
                            message=cast.finalist, page=cast.page)


# -- the organiser's page ------------------------------------------------------------------------------------------


async def _room_page(request: Request, user: SignedInUser, edition: ConsoleEdition, settings: Settings,
                     round_id: int, *, error: str = "", status: int = 200, template: str = "organise/live_room.html",
                     form: dict | None = None) -> Template:
    page = await room.room_page(actor=user, edition_slug=edition.slug, round_id=round_id, settings=settings)
    return Template(template_name=template, status_code=status, context={
        "edition": edition, "section": "results", "page": page, "error": error,
        "flag_labels": FLAG_LABELS, "saved": request.query_params.get("saved", ""), "form": form or {}})


def _room_path(slug: str, round_id: int, saved: str) -> str:
    return f"/organise/{slug}/live/{round_id}/room?saved={saved}"


@get("/organise/{slug:str}/live/{round_id:int}/room", guards=[organiser_only], include_in_schema=False)
async def room_overview(request: Request, user: SignedInUser, settings: AppSettings, edition: ConsoleEdition,
                        round_id: FromPath[int]) -> Template:
    return await _room_page(request, user, edition, settings, round_id)


@get("/organise/{slug:str}/live/{round_id:int}/room/fragment", guards=[organiser_only], include_in_schema=False)
async def room_fragment(request: Request, user: SignedInUser, settings: AppSettings, edition: ConsoleEdition,
                        round_id: FromPath[int]) -> Template:
    return await _room_page(request, user, edition, settings, round_id, template="organise/_live_room_votes.html")


@post("/organise/{slug:str}/live/{round_id:int}/room/stage", guards=[organiser_only], include_in_schema=False)
async def room_stage(user: SignedInUser, edition: ConsoleEdition, round_id: FromPath[int]) -> Redirect:
    await room.ensure_stage(actor=user, edition_slug=edition.slug, round_id=round_id)
    return Redirect(path=_room_path(edition.slug, round_id, "stage"))


@post("/organise/{slug:str}/live/{round_id:int}/room/options", guards=[organiser_only], include_in_schema=False)
async def room_options(request: Request, user: SignedInUser, settings: AppSettings, edition: ConsoleEdition,
                       round_id: FromPath[int]) -> Response:
    form = await request.form()
    try:
        await room.set_audience_options(actor=user, edition_slug=edition.slug, round_id=round_id,
                                        audience_vote=form.get("audience_vote") == "1",
                                        badge_codes_required=form.get("badge_codes_required") == "1")
    except RoomRefused as refused:
        return await _room_page(request, user, edition, settings, round_id, error=refused.message, status=400)
    return Redirect(path=_room_path(edition.slug, round_id, "options"))


@post("/organise/{slug:str}/live/{round_id:int}/room/voting/{slot_id:int}", guards=[organiser_only],
      include_in_schema=False)
async def room_voting(request: Request, user: SignedInUser, settings: AppSettings, edition: ConsoleEdition,
                      round_id: FromPath[int], slot_id: FromPath[int]) -> Response:
    form = await request.form()
    try:
        await room.set_voting(actor=user, edition_slug=edition.slug, round_id=round_id, slot_id=slot_id,
                              open_=form.get("action") == "open")
    except RoomRefused as refused:
        return await _room_page(request, user, edition, settings, round_id, error=refused.message, status=400)
    return Redirect(path=_room_path(edition.slug, round_id, "voting"))


@post("/organise/{slug:str}/live/{round_id:int}/room/badges", guards=[organiser_only], include_in_schema=False)
async def room_badges(request: Request, user: SignedInUser, settings: AppSettings, edition: ConsoleEdition,
                      round_id: FromPath[int]) -> Response:
    form = await request.form()
    raw = str(form.get("count", "")).strip()
    try:
        if not raw.isdigit() or len(raw) > 6:
            raise RoomRefused(room.badge_count_message())
        await room.generate_badges(actor=user, edition_slug=edition.slug, round_id=round_id, count=int(raw))
    except RoomRefused as refused:
        return await _room_page(request, user, edition, settings, round_id, error=refused.message, status=400,
                                form={"count": raw})
    return Redirect(path=_room_path(edition.slug, round_id, "badges"))


@get("/organise/{slug:str}/live/{round_id:int}/room/badges", guards=[organiser_only], include_in_schema=False)
async def room_badge_sheet(user: SignedInUser, edition: ConsoleEdition, round_id: FromPath[int]) -> Template:
    name, codes = await room.badge_sheet(actor=user, edition_slug=edition.slug, round_id=round_id)
    return Template(template_name="organise/live_badges.html",
                    context={"edition": edition, "round_name": name, "codes": codes, "round_id": round_id})


@post("/organise/{slug:str}/live/{round_id:int}/room/flagged/{slot_id:int}", guards=[organiser_only],
      include_in_schema=False)
async def room_flagged(request: Request, user: SignedInUser, settings: AppSettings, edition: ConsoleEdition,
                       round_id: FromPath[int], slot_id: FromPath[int]) -> Response:
    form = await request.form()
    try:
        await room.count_or_dismiss(actor=user, edition_slug=edition.slug, round_id=round_id, slot_id=slot_id,
                                    flag=str(form.get("flag", "")), count=form.get("action") == "count")
    except RoomRefused as refused:
        return await _room_page(request, user, edition, settings, round_id, error=refused.message, status=400)
    return Redirect(path=_room_path(edition.slug, round_id, "flagged"))


@post("/organise/{slug:str}/live/{round_id:int}/room/reveal", guards=[organiser_only], include_in_schema=False)
async def room_reveal(request: Request, user: SignedInUser, settings: AppSettings, edition: ConsoleEdition,
                      round_id: FromPath[int]) -> Response:
    form = await request.form()
    raw = str(form.get("top", "")).strip()
    try:
        if not raw.isdigit() or len(raw) > 3:
            raise RoomRefused(room.top_message())
        await room.reveal_results(actor=user, edition_slug=edition.slug, round_id=round_id, settings=settings,
                                  top=int(raw))
    except RoomRefused as refused:
        return await _room_page(request, user, edition, settings, round_id, error=refused.message, status=400,
                                form={"top": raw})
    return Redirect(path=_room_path(edition.slug, round_id, "revealed"))


ROUTES = [live_events, screen, screen_fragment, short_vote_address, vote_form, vote_fragment, vote_cast,
          room_overview, room_fragment, room_stage, room_options, room_voting, room_badges, room_badge_sheet,
          room_flagged, room_reveal]
