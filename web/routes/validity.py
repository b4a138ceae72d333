"""Did the jury pick well? The organiser's page (with the switch that shares it with sponsors) and the sponsor's.

Charts are drawn in a worker thread and shown beside tables that carry the same figures.
"""

from __future__ import annotations

import base64

import anyio
from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from core.mentoring import validity
from core.mentoring.validity import ValidityReport
from core.platform.i18n import gettext as _
from core.results.leaderboard import METHOD_LABELS
from web.dependencies import ConsoleEdition, SignedInUser
from web.routes.organise import organiser_only
from web.routes.sponsor import sponsor_only


def _data_url(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def _charts(report: ValidityReport) -> dict[str, str]:
    """The finalists' total scores against each outcome, one point per finalist (no names on the chart)."""
    from core.platform.documents.charts import scatter_chart  # matplotlib: only for this page

    charts = {}
    growth = report.points.get("growth") or ()
    if len(growth) >= 2:
        charts["growth"] = _data_url(scatter_chart(
            title=_("Jury score and KPI growth"), xs=[x for x, _y in growth], ys=[y for _x, y in growth],
            x_label=_("Total score in the round that chose the finalists"),
            y_label=_("KPI growth (average)"), y_percent=True).svg())
    on_time = report.points.get("on_time") or ()
    if len(on_time) >= 2:
        charts["on_time"] = _data_url(scatter_chart(
            title=_("Jury score and milestones on time"), xs=[x for x, _y in on_time], ys=[y for _x, y in on_time],
            x_label=_("Total score in the round that chose the finalists"),
            y_label=_("Milestones delivered on time"), y_percent=True).svg())
    return charts


async def _context(report: ValidityReport) -> dict:
    return {"report": report, "charts": await anyio.to_thread.run_sync(_charts, report),
            "method_labels": METHOD_LABELS}


@get("/organise/{slug:str}/mentoring/validity", guards=[organiser_only], include_in_schema=False)
async def organiser_page(request: Request, user: SignedInUser, edition: ConsoleEdition) -> Template:
    report = await validity.validity_for_organiser(actor=user, edition_slug=edition.slug)
    notices = {"shared": _("Sponsors of this edition can now see this page."),
               "withdrawn": _("Sponsors can no longer see this page.")}
    return Template(template_name="organise/validity.html", context={
        "edition": edition, "section": "validity", "audience": "organiser",
        "notice": notices.get(request.query_params.get("done", ""), ""), **await _context(report)})


@post("/organise/{slug:str}/mentoring/validity/sponsors", guards=[organiser_only], include_in_schema=False)
async def share(request: Request, user: SignedInUser, edition: ConsoleEdition, slug: FromPath[str]) -> Response:
    form = await request.form()
    shared = form.get("shared") == "1"
    await validity.share_with_sponsors(actor=user, edition_slug=slug, shared=shared)
    return Redirect(path=f"/organise/{slug}/mentoring/validity?done={'shared' if shared else 'withdrawn'}")


@get("/sponsor/{slug:str}/validity", guards=[sponsor_only], include_in_schema=False)
async def sponsor_page(user: SignedInUser, slug: FromPath[str]) -> Template:
    report = await validity.validity_for_sponsor(actor=user, edition_slug=slug)
    return Template(template_name="sponsor/validity.html", context={
        "slug": slug, "audience": "sponsor", **await _context(report)})


ROUTES = [organiser_page, share, sponsor_page]
