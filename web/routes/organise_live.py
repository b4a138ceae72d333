"""The organiser's live final: the running order (slots, their order, times and rooms, absences) and the control
page (the clock of the pitch on stage, scoring per slot, reopening with a reason)."""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from core.editions.access import OrganisedEdition
from core.live import control, running_order
from core.live.running_order import RunningOrderRefused, SlotInputRefused
from core.messaging.render import absolute_url
from core.platform.i18n import gettext as _
from core.platform.identity import SessionUser
from core.platform.settings import Settings
from web.dependencies import AppSettings, ConsoleEdition, SignedInUser
from web.routes.organise import organiser_only

NOTICES = {"set_up": lambda: _("The running order is set up."),
           "moved": lambda: _("The running order was changed."),
           "saved": lambda: _("The slot was saved."),
           "absent": lambda: _("The finalist is marked absent."),
           "present": lambda: _("The finalist is back in the running order."),
           "clock": lambda: _("The clock was updated."),
           "opened": lambda: _("Scoring is open for this pitch."),
           "closed": lambda: _("Scoring is closed for this pitch: its complete reviews were submitted."),
           "reopened": lambda: _("Scoring is open again for this pitch; the reason is in the audit log.")}


def _notice(request: Request) -> str:
    done = request.query_params.get("done", "")
    return NOTICES[done]() if done in NOTICES else ""


async def _order_page(request: Request, settings: Settings, user: SessionUser, edition: OrganisedEdition, code: str, *,
                      template: str = "organise/live_order.html", status: int = 200, **context) -> Template:
    order = await running_order.running_order(actor=user, edition_slug=edition.slug, round_code=code)
    juror_link = absolute_url(settings.base_url, f"/jury/live/{order.round.id}")
    return Template(template_name=template, status_code=status, context={
        "edition": edition, "section": "live", "order": order, "notice": _notice(request), "error": "",
        "juror_link": juror_link,
        "slot_errors": {}, "typed": {}, "reason_errors": {}, "reasons": {}, **context})


def _base(slug: str, code: str) -> str:
    return f"/organise/{slug}/rounds/{code}/live"


@get("/organise/{slug:str}/live", guards=[organiser_only], include_in_schema=False)
async def live_home(user: SignedInUser, edition: ConsoleEdition, slug: FromPath[str]) -> Response:
    rounds = await running_order.live_rounds(actor=user, edition_slug=slug)
    if len(rounds) == 1:
        return Redirect(path=_base(slug, rounds[0]["code"]))
    return Template(template_name="organise/live_rounds.html", context={
        "edition": edition, "section": "live", "rounds": rounds})


@get("/organise/{slug:str}/rounds/{code:str}/live", guards=[organiser_only], include_in_schema=False)
async def order_page(request: Request, settings: AppSettings, user: SignedInUser, edition: ConsoleEdition,
                     code: FromPath[str]) -> Template:
    return await _order_page(request, settings, user, edition, code)


@get("/organise/{slug:str}/rounds/{code:str}/live/control", guards=[organiser_only], include_in_schema=False)
async def control_page(request: Request, settings: AppSettings, user: SignedInUser, edition: ConsoleEdition,
                       code: FromPath[str]) -> Template:
    return await _order_page(request, settings, user, edition, code, template="organise/live_control.html")


@get("/organise/{slug:str}/rounds/{code:str}/live/control/stage", guards=[organiser_only], include_in_schema=False)
async def control_fragment(request: Request, settings: AppSettings, user: SignedInUser, edition: ConsoleEdition,
                           code: FromPath[str]) -> Template:
    """The control page's slots alone, fetched again by live.js when an event of the round arrives."""
    return await _order_page(request, settings, user, edition, code, template="organise/_live_control_slots.html")


@post("/organise/{slug:str}/rounds/{code:str}/live/setup", guards=[organiser_only], include_in_schema=False)
async def set_up(request: Request, settings: AppSettings, user: SignedInUser, edition: ConsoleEdition,
                 slug: FromPath[str], code: FromPath[str]) -> Response:
    try:
        await running_order.set_up_running_order(actor=user, edition_slug=slug, round_code=code)
    except RunningOrderRefused as refused:
        return await _order_page(request, settings, user, edition, code, status=409, error=refused.message)
    return Redirect(path=f"{_base(slug, code)}?done=set_up")


def _number(value: str) -> int | None:
    return int(value) if value.isdigit() else None


@post("/organise/{slug:str}/rounds/{code:str}/live/slots/{slot_id:int}", guards=[organiser_only],
      include_in_schema=False)
async def change_slot(request: Request, settings: AppSettings, user: SignedInUser, edition: ConsoleEdition,
                      slug: FromPath[str], code: FromPath[str], slot_id: FromPath[int]) -> Response:
    form = await request.form()
    action = str(form.get("action", "save"))
    try:
        if action in ("up", "down"):
            await running_order.move_slot(actor=user, edition_slug=slug, round_code=code, slot_id=slot_id,
                                          direction=action)
            done = "moved"
        elif action in ("absent", "present"):
            await running_order.mark_absent(actor=user, edition_slug=slug, round_code=code, slot_id=slot_id,
                                            absent=action == "absent")
            done = action
        else:
            typed = {name: str(form.get(name, "")) for name in ("pitch_minutes", "qa_minutes", "room")}
            await running_order.update_slot(actor=user, edition_slug=slug, round_code=code, slot_id=slot_id,
                                            typed=typed)
            done = "saved"
    except SlotInputRefused as refused:
        return await _order_page(request, settings, user, edition, code, status=400,
                                 slot_errors={slot_id: refused.errors}, typed={slot_id: refused.typed})
    except RunningOrderRefused as refused:
        return await _order_page(request, settings, user, edition, code, status=409, error=refused.message)
    return Redirect(path=f"{_base(slug, code)}?done={done}#slot-{slot_id}")


@post("/organise/{slug:str}/rounds/{code:str}/live/slots/{slot_id:int}/control", guards=[organiser_only],
      include_in_schema=False)
async def control_slot(request: Request, settings: AppSettings, user: SignedInUser, edition: ConsoleEdition,
                       slug: FromPath[str], code: FromPath[str], slot_id: FromPath[int]) -> Response:
    form = await request.form()
    action = str(form.get("action", ""))
    reason = str(form.get("reason", ""))
    try:
        if action == "open_scoring" or action == "close_scoring":
            await control.set_scoring(actor=user, edition_slug=slug, round_code=code, slot_id=slot_id,
                                      open_=action == "open_scoring")
            done = "opened" if action == "open_scoring" else "closed"
        elif action == "reopen_scoring":
            await control.reopen_scoring(actor=user, edition_slug=slug, round_code=code, slot_id=slot_id,
                                         reason=reason)
            done = "reopened"
        else:
            await control.move_clock(actor=user, edition_slug=slug, round_code=code, slot_id=slot_id, action=action)
            done = "clock"
    except control.ReasonMissing as missing:
        return await _order_page(request, settings, user, edition, code, template="organise/live_control.html",
                                 status=400, reason_errors={slot_id: missing.message}, reasons={slot_id: reason})
    except RunningOrderRefused as refused:
        return await _order_page(request, settings, user, edition, code, template="organise/live_control.html",
                                 status=409, error=refused.message)
    return Redirect(path=f"{_base(slug, code)}/control?done={done}#slot-{slot_id}")


ROUTES = [live_home, order_page, control_page, control_fragment, set_up, change_slot, control_slot]
