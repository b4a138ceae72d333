"""Jury progress for organisers: every round at a glance, one round per juror and per track, and reminders."""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from core.applications.lifecycle import IllegalTransition
from core.editions.access import OrganisedEdition
from core.judging import progress as jury_progress
from core.judging import rounds
from core.judging.progress import RemindersClosed
from core.platform.i18n import gettext as _
from core.platform.identity import SessionUser
from core.platform.settings import Settings
from web import labels
from web.dependencies import AppSettings, ConsoleEdition, SignedInUser
from web.routes.organise import organiser_only


@get("/organise/{slug:str}/progress", guards=[organiser_only], include_in_schema=False)
async def edition_progress(user: SignedInUser, edition: ConsoleEdition, slug: FromPath[str]) -> Template:
    rounds = await jury_progress.edition_progress(actor=user, edition_slug=slug)
    return Template(template_name="organise/progress.html", context={
        "edition": edition, "section": "progress", "rounds": rounds})


async def _round_page(user: SessionUser, settings: Settings, edition: OrganisedEdition, code: str, *, outcome=None,
                      error: str = "", status: int = 200, notice: str = "", reason_error: str = "",
                      reason: str = "") -> Template:
    page = await rounds.round_page(actor=user, edition_slug=edition.slug, round_code=code)
    return Template(template_name="organise/round_progress.html", status_code=status, context={
        "edition": edition, "section": "progress", "report": page.report, "passage": page.passage,
        "scoring_closed": page.scoring_closed, "outcome": outcome, "error": error, "notice": notice,
        "reason_error": reason_error, "reason": reason, "source_labels": labels.PASSAGE_SOURCE,
        "interval_hours": settings.reminder_interval_hours})


NOTICES = {"moved": lambda: _("The entries were moved into this round."),
           "undone": lambda: _("The passage was undone: the entries are back where they came from."),
           "closed": lambda: _("Scoring is closed: jurors can no longer save in this round."),
           "reopened": lambda: _("Scoring is open again; published decisions of this round need review.")}


@get("/organise/{slug:str}/rounds/{code:str}/progress", guards=[organiser_only], include_in_schema=False)
async def round_progress(request: Request, user: SignedInUser, settings: AppSettings, edition: ConsoleEdition,
                         code: FromPath[str]) -> Template:
    done = request.query_params.get("done", "")
    return await _round_page(user, settings, edition, code, notice=NOTICES[done]() if done in NOTICES else "")


@post("/organise/{slug:str}/rounds/{code:str}/passage", guards=[organiser_only], include_in_schema=False)
async def move_in(user: SignedInUser, settings: AppSettings, edition: ConsoleEdition, slug: FromPath[str],
                  code: FromPath[str]) -> Response:
    try:
        await rounds.move_entries_in(actor=user, edition_slug=slug, round_code=code)
    except (rounds.PassageRefused, IllegalTransition) as refused:
        return await _round_page(user, settings, edition, code, error=refused.message, status=409)
    return Redirect(path=f"/organise/{slug}/rounds/{code}/progress?done=moved")


@post("/organise/{slug:str}/rounds/{code:str}/passage/undo", guards=[organiser_only], include_in_schema=False)
async def undo_move_in(user: SignedInUser, settings: AppSettings, edition: ConsoleEdition, slug: FromPath[str],
                       code: FromPath[str]) -> Response:
    try:
        await rounds.undo_passage(actor=user, edition_slug=slug, round_code=code)
    except (rounds.PassageRefused, IllegalTransition) as refused:
        return await _round_page(user, settings, edition, code, error=refused.message, status=409)
    return Redirect(path=f"/organise/{slug}/rounds/{code}/progress?done=undone")


@post("/organise/{slug:str}/rounds/{code:str}/scoring/close", guards=[organiser_only], include_in_schema=False)
async def close_scoring(user: SignedInUser, settings: AppSettings, edition: ConsoleEdition, slug: FromPath[str],
                        code: FromPath[str]) -> Response:
    try:
        await rounds.close_scoring(actor=user, edition_slug=slug, round_code=code)
    except rounds.ScoringStateRefused as refused:
        return await _round_page(user, settings, edition, code, error=refused.message, status=409)
    return Redirect(path=f"/organise/{slug}/rounds/{code}/progress?done=closed")


@post("/organise/{slug:str}/rounds/{code:str}/scoring/reopen", guards=[organiser_only], include_in_schema=False)
async def reopen_scoring(request: Request, user: SignedInUser, settings: AppSettings, edition: ConsoleEdition,
                         slug: FromPath[str], code: FromPath[str]) -> Response:
    form = await request.form()
    reason = form.get("reason", "")
    reason = reason if isinstance(reason, str) else ""
    if not reason.strip():
        return await _round_page(user, settings, edition, code, status=400,
                                 reason_error=_("Give a reason for reopening scoring."))
    try:
        await rounds.reopen_scoring(actor=user, edition_slug=slug, round_code=code, reason=reason)
    except rounds.ScoringStateRefused as refused:
        return await _round_page(user, settings, edition, code, error=refused.message, status=409, reason=reason)
    return Redirect(path=f"/organise/{slug}/rounds/{code}/progress?done=reopened")


@post("/organise/{slug:str}/rounds/{code:str}/reminders", guards=[organiser_only], include_in_schema=False)
async def send_reminders(request: Request, user: SignedInUser, settings: AppSettings, edition: ConsoleEdition,
                         slug: FromPath[str], code: FromPath[str]) -> Template:
    data = await request.form()
    behind_only = data.get("target") == "behind"
    juror_ids = [int(value) for value in data.getall("juror", []) if isinstance(value, str) and value.isdigit()]
    if not behind_only and not juror_ids:
        return await _round_page(user, settings, edition, code, status=400,
                                 error=_("Choose at least one juror, or everyone behind schedule."))
    try:
        outcome = await jury_progress.send_reminders(settings=settings, actor=user, edition_slug=slug, round_code=code,
                                                     juror_ids=juror_ids, behind_only=behind_only)
    except RemindersClosed as closed:
        return await _round_page(user, settings, edition, code, error=closed.message, status=409)
    return await _round_page(user, settings, edition, code, outcome=outcome)


ROUTES = [edition_progress, round_progress, move_in, undo_move_in, close_scoring, reopen_scoring, send_reminders]
