"""The juror's phone at a live final: the pitch on stage with its clock and the rubric, and the score endpoint that
takes each tap (JSON from the page's script, or a plain form without it)."""

from __future__ import annotations

import json
import math
import uuid

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from core.live import phone_scores
from core.platform.i18n import gettext as _
from web.auth import role_guard
from web.dependencies import SignedInUser

juror_only = role_guard("juror")
MAX_BODY = 4096


async def _page(request: Request, user, round_id: int, template: str) -> Template:
    page = await phone_scores.phone_page(juror=user, round_id=round_id)
    saved = request.query_params.get("saved", "")
    return Template(template_name=template, context={
        "page": page, "new_client_id": lambda: uuid.uuid4().hex, "saved": saved,
        "saved_message": SAVED_MESSAGES[saved]() if saved in SAVED_MESSAGES else ""})


SAVED_MESSAGES = {"applied": lambda: _("Saved."), "duplicate": lambda: _("Already saved."),
                  "late": lambda: _("Scoring for this pitch is closed: this score was not counted."),
                  "refused": lambda: _("This score was not saved: choose a value from the scale.")}


@get("/jury/live/{round_id:int}", guards=[juror_only], include_in_schema=False)
async def phone(request: Request, user: SignedInUser, round_id: FromPath[int]) -> Template:
    return await _page(request, user, round_id, "jury/live.html")


@get("/jury/live/{round_id:int}/current", guards=[juror_only], include_in_schema=False)
async def current(request: Request, user: SignedInUser, round_id: FromPath[int]) -> Template:
    """The pitch on stage alone, fetched again by live.js when an event of the round arrives."""
    return await _page(request, user, round_id, "jury/_live_current.html")


def _value(raw) -> float | str | None:
    """A tapped value: a finite number, None to clear, or "bad"."""
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool):
        return "bad"
    try:
        number = float(raw)
    except (TypeError, ValueError):
        return "bad"
    return number if math.isfinite(number) else "bad"


def _int(raw) -> int | None:
    try:
        return int(str(raw))
    except (TypeError, ValueError):
        return None


@post("/jury/live/{round_id:int}/score", guards=[juror_only], include_in_schema=False)
async def score(request: Request, user: SignedInUser, round_id: FromPath[int]) -> Response:
    as_json = request.headers.get("content-type", "").startswith("application/json")
    if as_json:
        body = await request.body()
        try:
            data = json.loads(body[:MAX_BODY]) if len(body) <= MAX_BODY else None
        except ValueError:
            data = None
        if not isinstance(data, dict):
            return Response({"outcome": "refused", "message": _("This score could not be read.")}, status_code=400)
    else:
        form = await request.form()
        data = {key: form.get(key) for key in ("client_id", "slot", "criterion", "value")}
    value = _value(data.get("value"))
    slot = _int(data.get("slot"))
    client_id, criterion = data.get("client_id"), data.get("criterion")
    if value == "bad" or slot is None or not isinstance(client_id, str) or not isinstance(criterion, str):
        outcome = phone_scores.ScoreOutcome(phone_scores.REFUSED, _("Choose a value from the scale."))
    else:
        outcome = await phone_scores.record_score(juror=user, round_id=round_id, client_id=client_id, slot_id=slot,
                                                  criterion=criterion, value=value)
    if as_json:
        return Response({"outcome": outcome.outcome, "message": outcome.message},
                        status_code=400 if outcome.outcome == phone_scores.REFUSED else 200)
    return Redirect(path=f"/jury/live/{round_id}?saved={outcome.outcome}")


ROUTES = [phone, current, score]
