"""Did the jury pick well? The organiser's page (with the switch that shares it with sponsors) and the sponsor's.

Charts are drawn once for what they show (core.results.computed) and shown beside tables that carry the same
figures.
"""

from __future__ import annotations

import base64

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from core.mentoring import validity
from core.mentoring.validity import ValidityReport
from core.platform.i18n import gettext as _
from core.results import computed
from core.results.leaderboard import METHOD_LABELS
from web.dependencies import ConsoleEdition, SignedInUser
from web.routes.organise import organiser_only
from web.routes.sponsor import sponsor_only


def _data_url(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


async def _charts(report: ValidityReport) -> dict[str, str]:
    """The finalists' total scores against each outcome, one point per finalist (no names on the chart)."""
    charts = {}
    for name, title, y_label in (("growth", _("Jury score and KPI growth"), _("KPI growth (average)")),
                                 ("on_time", _("Jury score and milestones on time"),
                                  _("Milestones delivered on time"))):
        points = report.points.get(name) or ()
        if report.edition is None or len(points) < 2:
            continue
        charts[name] = _data_url(await computed.chart_svg(
            edition_id=report.edition.edition_id, name=f"validity-{name}", function="scatter_chart", arguments={
                "title": title, "xs": [x for x, _y in points], "ys": [y for _x, y in points],
                "x_label": _("Total score in the round that chose the finalists"), "y_label": y_label,
                "y_percent": True}))
    return charts


async def _context(report: ValidityReport) -> dict:
    return {"report": report, "charts": await _charts(report),
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
