"""Juror calibration in an online-jury round, for organisers: reference entries with agreed scores (or a calibration
panel's), the jurors' feedback switch, and each juror's drift with a reminder to those flagged."""

from __future__ import annotations

import base64

import anyio
from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from core.editions.access import OrganisedEdition
from core.judging import calibration
from core.judging.calibration import CalibrationRefused, MarkOutcome
from core.platform.i18n import gettext as _
from core.platform.i18n import ngettext
from core.platform.identity import SessionUser
from web.dependencies import AppSettings, ConsoleEdition, SignedInUser
from web.routes.organise import organiser_only

NOTICES = {"marked": lambda: _("The reference entry is saved; jurors without their reference entries got it first "
                               "in their list."),
           "confirmed": lambda: _("The panel's scores are now the agreed scores; the other jurors got the entry."),
           "removed": lambda: _("The entry is no longer a reference entry; its reviews still count."),
           "feedback_on": lambda: _("Jurors now see how they score compared with the jury."),
           "feedback_off": lambda: _("Jurors no longer see how they score compared with the jury.")}


async def _page(user: SessionUser, edition: OrganisedEdition, code: str, *, status: int = 200, error: str = "",
                notice: str = "", outcome: MarkOutcome | None = None, typed: dict | None = None) -> Template:
    page = await calibration.calibration_page(actor=user, edition_slug=edition.slug, round_code=code)
    return Template(template_name="organise/calibration.html", status_code=status, context={
        "edition": edition, "section": "progress", "page": page, "error": error, "notice": notice,
        "errors": outcome.errors if outcome else {}, "typed": typed or {"source": "agreed", "scores": {}, "panel": []},
        "per_juror": calibration.REFERENCES_PER_JUROR})


@get("/organise/{slug:str}/rounds/{code:str}/calibration", guards=[organiser_only], include_in_schema=False)
async def calibration_home(request: Request, user: SignedInUser, edition: ConsoleEdition,
                           code: FromPath[str]) -> Template:
    done = request.query_params.get("done", "")
    return await _page(user, edition, code, notice=NOTICES[done]() if done in NOTICES else "")


@post("/organise/{slug:str}/rounds/{code:str}/calibration/feedback", guards=[organiser_only],
      include_in_schema=False)
async def switch_feedback(request: Request, user: SignedInUser, slug: FromPath[str], code: FromPath[str]) -> Response:
    form = await request.form()
    on = form.get("feedback") == "on"
    await calibration.set_feedback(actor=user, edition_slug=slug, round_code=code, on=on)
    return Redirect(path=f"/organise/{slug}/rounds/{code}/calibration?done={'feedback_on' if on else 'feedback_off'}")


def _number(value) -> int | None:
    return int(value) if isinstance(value, str) and value.strip().isdigit() else None


@post("/organise/{slug:str}/rounds/{code:str}/calibration/references", guards=[organiser_only],
      include_in_schema=False)
async def mark_reference(request: Request, user: SignedInUser, edition: ConsoleEdition, slug: FromPath[str],
                         code: FromPath[str]) -> Response:
    form = await request.form()
    source = str(form.get("source", ""))
    scores = {key[6:]: str(value) for key, value in form.multi_items()
              if key.startswith("score.") and isinstance(value, str)}
    panel = [n for n in (_number(v) for v in form.getall("panel", [])) if n is not None]
    entry = _number(form.get("entry"))
    typed = {"source": source, "scores": scores, "panel": panel, "entry": entry}
    try:
        outcome = await calibration.mark_reference(actor=user, edition_slug=slug, round_code=code,
                                                   application_id=entry, source=source, agreed=scores, panel=panel)
    except CalibrationRefused as refused:
        return await _page(user, edition, code, status=409, error=refused.message, typed=typed)
    if not outcome.ok:
        return await _page(user, edition, code, status=400, outcome=outcome, typed=typed,
                           error=_("The reference entry was not saved: see the messages below."))
    return Redirect(path=f"/organise/{slug}/rounds/{code}/calibration?done=marked")


@post("/organise/{slug:str}/rounds/{code:str}/calibration/give", guards=[organiser_only], include_in_schema=False)
async def give_references(user: SignedInUser, edition: ConsoleEdition, slug: FromPath[str],
                          code: FromPath[str]) -> Template:
    try:
        given = await calibration.give_references(actor=user, edition_slug=slug, round_code=code)
    except CalibrationRefused as refused:
        return await _page(user, edition, code, status=409, error=refused.message)
    return await _page(user, edition, code, notice=ngettext(
        "{count} reference entry given to jurors who lacked it.",
        "{count} reference entries given to jurors who lacked them.", given).format(count=given))


@post("/organise/{slug:str}/rounds/{code:str}/calibration/references/{application_id:int}/confirm",
      guards=[organiser_only], include_in_schema=False)
async def confirm_panel(user: SignedInUser, edition: ConsoleEdition, slug: FromPath[str], code: FromPath[str],
                        application_id: FromPath[int]) -> Response:
    try:
        await calibration.confirm_panel(actor=user, edition_slug=slug, round_code=code, application_id=application_id)
    except CalibrationRefused as refused:
        return await _page(user, edition, code, status=409, error=refused.message)
    return Redirect(path=f"/organise/{slug}/rounds/{code}/calibration?done=confirmed")


@post("/organise/{slug:str}/rounds/{code:str}/calibration/references/{application_id:int}/remove",
      guards=[organiser_only], include_in_schema=False)
async def remove_reference(user: SignedInUser, edition: ConsoleEdition, slug: FromPath[str], code: FromPath[str],
                           application_id: FromPath[int]) -> Response:
    try:
        await calibration.remove_reference(actor=user, edition_slug=slug, round_code=code,
                                           application_id=application_id)
    except CalibrationRefused as refused:
        return await _page(user, edition, code, status=409, error=refused.message)
    return Redirect(path=f"/organise/{slug}/rounds/{code}/calibration?done=removed")


# -- drift ---------------------------------------------------------------------------------------------------


def _data_url(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def _drift_chart(report: calibration.DriftReport) -> str:
    """The rolling mean of each juror's gap over their reviews, one line per juror, as an SVG image."""
    from core.platform.documents.charts import line_chart  # matplotlib: only for this page

    shown = [j for j in report.jurors if j.rolling]
    if not shown:
        return ""
    length = max(len(j.rolling) for j in shown)
    series = {j.name: [*j.rolling, *([None] * (length - len(j.rolling)))] for j in shown}
    chart = line_chart(
        title=_("Leniency over each juror's reviews (rolling mean)"), x_labels=[str(i + 1) for i in range(length)],
        series=series, targets=None, value_label=_("Points above the other jurors of the same entries"))
    axes = chart.figure.axes[0]
    axes.axhline(0, color="#8c8c8c", linewidth=0.8)
    # Many jurors: the legend goes beside the lines rather than over them.
    axes.legend(frameon=False, fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1),
                ncols=1 if len(shown) <= 16 else 2)
    axes.set_xlabel(_("Reviews in the order submitted"))
    return _data_url(chart.svg())


async def _drift_page(user: SessionUser, edition: OrganisedEdition, code: str, *, status: int = 200,
                      error: str = "", notice: str = "") -> Template:
    report = await calibration.drift_report(actor=user, edition_slug=edition.slug, round_code=code)
    chart = await anyio.to_thread.run_sync(_drift_chart, report)
    return Template(template_name="organise/drift.html", status_code=status, context={
        "edition": edition, "section": "progress", "report": report, "chart": chart, "error": error,
        "notice": notice})


@get("/organise/{slug:str}/rounds/{code:str}/calibration/drift", guards=[organiser_only], include_in_schema=False)
async def drift(user: SignedInUser, edition: ConsoleEdition, code: FromPath[str]) -> Template:
    return await _drift_page(user, edition, code)


@post("/organise/{slug:str}/rounds/{code:str}/calibration/drift/remind", guards=[organiser_only],
      include_in_schema=False)
async def remind(request: Request, user: SignedInUser, settings: AppSettings, edition: ConsoleEdition,
                 slug: FromPath[str], code: FromPath[str]) -> Template:
    form = await request.form()
    juror = _number(form.get("juror"))
    if juror is None:
        return await _drift_page(user, edition, code, status=400, error=_("Choose a juror to remind."))
    try:
        name = await calibration.send_drift_reminder(settings=settings, actor=user, edition_slug=slug,
                                                     round_code=code, juror_id=juror)
    except CalibrationRefused as refused:
        return await _drift_page(user, edition, code, status=409, error=refused.message)
    return await _drift_page(user, edition, code, notice=_("Note sent to {name}.").format(name=name))


ROUTES = [calibration_home, switch_feedback, mark_reference, give_references, confirm_panel, remove_reference, drift,
          remind]
