"""The organiser's results: leaderboards per round with uncertainty and juror checks, advancement, and jobs.

Every handler takes the console's edition (404 for anyone who does not organise it); the services check
the round again. Charts are drawn in a worker thread and shown as images beside a table
that carries the same figures.
"""

from __future__ import annotations

import base64
from urllib.parse import urlencode

from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from core.applications.lifecycle import IllegalTransition
from core.messaging import jobs
from core.platform.i18n import gettext as _
from core.results import advancement, leaderboard
from core.results.board import round_leaderboard
from core.results.board_charts import board_charts
from core.results.rounds import NoResults
from web import labels
from web.dependencies import AppSettings, ConsoleEdition, SignedInUser
from web.downloads import file_response
from web.routes.organise import organiser_only

LABELS = {"flag_labels": labels.RESULT_FLAG, "basis_labels": labels.ADVANCEMENT_BASIS,
          "grouping_labels": labels.GROUPING, "job_status_labels": labels.JOB_STATUS,
          "method_labels": leaderboard.METHOD_LABELS, "method_explanations": leaderboard.METHOD_EXPLANATIONS,
          "export_kinds": labels.EXPORT_KIND}
RANKING_PAGE_SIZE = 50  # rows of a long ranking per page; grouped views show each group whole


def _data_url(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


@get("/organise/{slug:str}/results", guards=[organiser_only], include_in_schema=False)
async def results_home(edition: ConsoleEdition) -> Template:
    return Template(template_name="organise/results.html", context={"edition": edition, "section": "results"})


def _query(method: str | None, group: str | None, top: int | None) -> str:
    params = {k: v for k, v in (("method", method), ("group", group), ("top", top)) if v}
    return ("?" + urlencode(params)) if params else ""


@get("/organise/{slug:str}/rounds/{code:str}/results", guards=[organiser_only], include_in_schema=False)
async def round_results(user: SignedInUser, settings: AppSettings, edition: ConsoleEdition, slug: FromPath[str],
                        code: FromPath[str], method: FromQuery[str | None] = None,
                        group: FromQuery[str | None] = None, top: FromQuery[int | None] = None,
                        page: FromQuery[int] = 1) -> Template:
    try:
        board = await round_leaderboard(
            actor=user, edition_slug=slug, round_code=code, settings=settings,
            method=method, group=group or "all", top=top)
    except NoResults:
        return Template(template_name="organise/results_none.html", status_code=200,
                        context={"edition": edition, "section": "results", "round_code": code})
    charts = {name: _data_url(svg) for name, svg in (await board_charts(board)).items()}
    return Template(template_name="organise/results_round.html", context={
        "edition": edition, "section": "results", "board": board, "charts": charts,
        "methods": leaderboard.METHODS, "groupings": leaderboard.GROUPINGS,
        "query": _query(method, group, top), "page_number": page, "page_size": RANKING_PAGE_SIZE, **LABELS})


@post("/organise/{slug:str}/rounds/{code:str}/results/bootstrap", guards=[organiser_only], include_in_schema=False)
async def start_bootstrap(request: Request, user: SignedInUser, edition: ConsoleEdition, slug: FromPath[str],
                          code: FromPath[str]) -> Redirect:
    form = await request.form()
    method = str(form.get("method", "")) or None
    group = str(form.get("group", "")) or "all"
    top = int(form["top"]) if str(form.get("top", "")).isdigit() else None
    await leaderboard.request_bootstrap(actor=user, edition_slug=slug, round_code=code,
                                        method=method, group=group, top=top)
    return Redirect(path=f"/organise/{slug}/rounds/{code}/results{_query(method, group, top)}")


# -- Advancement ----------------------------------------------------------------------------------

STAGE_ERRORS = {"reason_required": lambda: _("Give a reason for changing the proposal."),
                "unknown_outcome": lambda: _("Choose one of the outcomes offered.")}


def _advancement_page(edition, proposal: advancement.Proposal, *, errors: dict | None = None,
                      typed: dict | None = None, status: int = 200, notice: str = "") -> Template:
    return Template(template_name="organise/advancement.html", status_code=status, context={
        "edition": edition, "section": "results", "proposal": proposal, "errors": errors or {},
        "typed": typed or {}, "notice": notice, **LABELS})


@get("/organise/{slug:str}/rounds/{code:str}/advancement", guards=[organiser_only], include_in_schema=False)
async def advancement_page(request: Request, user: SignedInUser, settings: AppSettings, edition: ConsoleEdition,
                           slug: FromPath[str], code: FromPath[str]) -> Template:
    try:
        proposal = await advancement.advancement_proposal(actor=user, edition_slug=slug, round_code=code,
                                                          settings=settings)
    except NoResults:
        return Template(template_name="organise/results_none.html",
                        context={"edition": edition, "section": "results", "round_code": code})
    notice = {"staged": _("Decisions staged. Applicants see nothing until you publish them."),
              "published": _("Decisions published; notices are on their way."),
              "confirmed": _("The published decisions are confirmed against the scores as they are now.")}.get(
        request.query_params.get("done", ""), "")
    return _advancement_page(edition, proposal, notice=notice)


@post("/organise/{slug:str}/rounds/{code:str}/advancement", guards=[organiser_only], include_in_schema=False)
async def stage(request: Request, user: SignedInUser, settings: AppSettings, edition: ConsoleEdition,
                slug: FromPath[str], code: FromPath[str]) -> Response:
    form = await request.form()
    choices: dict[int, str] = {}
    reasons: dict[int, str] = {}
    for key, value in form.multi_items():
        name, _dot, entry = key.partition(".")
        if not entry.isdigit() or not isinstance(value, str):
            continue
        if name == "outcome":
            choices[int(entry)] = value
        elif name == "reason":
            reasons[int(entry)] = value
    try:
        await advancement.stage_decisions(actor=user, edition_slug=slug, round_code=code, settings=settings,
                                          choices=choices, reasons=reasons)
    except advancement.StageRefused as refused:
        proposal = await advancement.advancement_proposal(actor=user, edition_slug=slug, round_code=code,
                                                          settings=settings)
        errors = {entry: STAGE_ERRORS[code_]() for entry, code_ in refused.errors.items()}
        return _advancement_page(edition, proposal, errors=errors, status=400,
                                 typed={"outcome": choices, "reason": reasons})
    except advancement.DecisionsPublished as published:
        proposal = await advancement.advancement_proposal(actor=user, edition_slug=slug, round_code=code,
                                                          settings=settings)
        return _advancement_page(edition, proposal, status=409, notice=published.message)
    return Redirect(path=f"/organise/{slug}/rounds/{code}/advancement?done=staged")


@get("/organise/{slug:str}/rounds/{code:str}/advancement/publish", guards=[organiser_only],
     include_in_schema=False)
async def publish_confirmation(user: SignedInUser, settings: AppSettings, edition: ConsoleEdition,
                               slug: FromPath[str], code: FromPath[str]) -> Template:
    try:
        check = await advancement.publication_check(actor=user, edition_slug=slug, round_code=code,
                                                    settings=settings)
    except NoResults:
        return Template(template_name="organise/results_none.html",
                        context={"edition": edition, "section": "results", "round_code": code})
    return Template(template_name="organise/advancement_publish.html", context={
        "edition": edition, "section": "results", "check": check, "proposal": check.proposal, **LABELS})


@post("/organise/{slug:str}/rounds/{code:str}/advancement/publish", guards=[organiser_only],
      include_in_schema=False)
async def publish(user: SignedInUser, settings: AppSettings, edition: ConsoleEdition, slug: FromPath[str],
                  code: FromPath[str]) -> Response:
    try:
        await advancement.publish_decisions(actor=user, edition_slug=slug, round_code=code, settings=settings)
    except (advancement.NothingStaged, advancement.DecisionsPublished, advancement.ScoringStillOpen,
            IllegalTransition) as refused:
        proposal = await advancement.advancement_proposal(actor=user, edition_slug=slug, round_code=code,
                                                          settings=settings)
        return _advancement_page(edition, proposal, status=409, notice=refused.message)
    return Redirect(path=f"/organise/{slug}/rounds/{code}/advancement?done=published")


@post("/organise/{slug:str}/rounds/{code:str}/advancement/confirm", guards=[organiser_only],
      include_in_schema=False)
async def confirm(user: SignedInUser, settings: AppSettings, edition: ConsoleEdition, slug: FromPath[str],
                  code: FromPath[str]) -> Response:
    try:
        await advancement.confirm_decisions(actor=user, edition_slug=slug, round_code=code)
    except (advancement.NothingToConfirm, advancement.ScoringStillOpen) as refused:
        proposal = await advancement.advancement_proposal(actor=user, edition_slug=slug, round_code=code,
                                                          settings=settings)
        return _advancement_page(edition, proposal, status=409, notice=refused.message)
    return Redirect(path=f"/organise/{slug}/rounds/{code}/advancement?done=confirmed")


# -- Jobs ------------------------------------------------------------------------------------------


@get("/organise/{slug:str}/jobs/{job_id:int}", guards=[organiser_only], include_in_schema=False)
async def job_page(request: Request, user: SignedInUser, edition: ConsoleEdition, slug: FromPath[str],
                   job_id: FromPath[int]) -> Template:
    job = await jobs.job_for_organiser(actor=user, edition_slug=slug, job_id=job_id)
    template = "organise/_job_progress.html" if request.headers.get("hx-request") == "true" else "organise/job.html"
    section = "results" if job.kind == leaderboard.JOB_KIND else "exports"
    return Template(template_name=template, context={"edition": edition, "section": section, "job": job, **LABELS})


@get("/organise/{slug:str}/jobs/{job_id:int}/download", guards=[organiser_only], include_in_schema=False)
async def job_download(user: SignedInUser, edition: ConsoleEdition, slug: FromPath[str],
                       job_id: FromPath[int]) -> Response:
    found = await jobs.job_file(actor=user, edition_slug=slug, job_id=job_id)
    return file_response(found)


ROUTES = [results_home, round_results, start_bootstrap, advancement_page, stage, publish_confirmation, publish, confirm,
          job_page, job_download]
