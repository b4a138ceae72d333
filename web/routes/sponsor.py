"""The sponsor's pages: its editions, its prizes, its reports as a page, PDF, CSV and XLSX.

Also the organiser's sponsors page: partner organisations, a report preview and "send", which
outside plugins the edition uses, and each round's rubric.
"""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from core.editions import plugins as edition_plugins
from core.editions.access import OrganisedEdition
from core.messaging import webhooks
from core.platform.i18n import current_language
from core.platform.i18n import gettext as _
from core.platform.identity import SessionUser
from core.sponsors import portal as sponsors
from core.sponsors.portal import BuiltReport, NoRecipients, ReportProblem, SponsorNotFound
from web.auth import role_guard
from web.dependencies import AppSettings, ConsoleEdition, SignedInUser
from web.downloads import PRIVATE_FILE_HEADERS, content_disposition
from web.routes.organise import organiser_only

sponsor_only = role_guard("sponsor")


@get("/sponsor", guards=[sponsor_only], include_in_schema=False)
async def sponsor_editions(user: SignedInUser) -> Template:
    seats = await sponsors.sponsored_editions(actor=user)
    return Template(template_name="sponsor/editions.html", context={"seats": seats})


@get("/sponsor/{slug:str}", guards=[sponsor_only], include_in_schema=False)
async def sponsor_home(user: SignedInUser, slug: FromPath[str]) -> Template:
    home = await sponsors.sponsor_home(actor=user, edition_slug=slug)
    return Template(template_name="sponsor/home.html", context={"home": home})


def _unavailable(problem: ReportProblem, *, back: str, detail: bool = False) -> Template:
    """The plugin's error is for organisers; a sponsor is told only that the report is unavailable."""
    return Template(template_name="sponsor/unavailable.html", status_code=503,
                    context={"problem": str(problem) if detail else "", "back": back})


async def _report_page(report: BuiltReport, *, template: str, base: str, extra: dict | None = None) -> Template:
    charts = await sponsors.report_charts(report)
    return Template(template_name=template, context={
        "report": report, "charts": charts, "tables": report.tables(), "base": base, **(extra or {})})


async def _report_download(report: BuiltReport, fmt: str) -> Response:
    content, media_type, filename = await sponsors.report_file(report, fmt)
    return Response(content=content, media_type=media_type, headers={
        "content-disposition": content_disposition(filename), **PRIVATE_FILE_HEADERS})


@get("/sponsor/{slug:str}/reports/{name:str}", guards=[sponsor_only], include_in_schema=False)
async def sponsor_report(user: SignedInUser, slug: FromPath[str], name: FromPath[str]) -> Response:
    try:
        report = await sponsors.sponsor_report(actor=user, edition_slug=slug, name=name, language=current_language())
    except ReportProblem as problem:
        return _unavailable(problem, back=f"/sponsor/{slug}")
    return await _report_page(report, template="sponsor/report.html", base=f"/sponsor/{slug}/reports/{name}")


@get("/sponsor/{slug:str}/reports/{name:str}/{fmt:str}", guards=[sponsor_only], include_in_schema=False)
async def sponsor_report_file(user: SignedInUser, slug: FromPath[str], name: FromPath[str],
                              fmt: FromPath[str]) -> Response:
    try:
        report = await sponsors.sponsor_report(actor=user, edition_slug=slug, name=name, language=current_language())
    except ReportProblem as problem:
        return _unavailable(problem, back=f"/sponsor/{slug}")
    return await _report_download(report, fmt)


# -- the organiser's sponsors page ---------------------------------------------------------------------


async def _sponsors_page(user: SessionUser, edition: OrganisedEdition, *, status: int = 200, message: str = "",
                         error: str = "", error_field: str = "", webhook_form: dict | None = None,
                         new_secret: str = "") -> Template:
    overview = await sponsors.sponsors_overview(actor=user, edition_slug=edition.slug)
    plugins = await edition_plugins.edition_plugins(actor=user, edition_slug=edition.slug)
    hooks = await webhooks.webhooks_overview(actor=user, edition_slug=edition.slug)
    return Template(template_name="organise/sponsors.html", status_code=status, context={
        "edition": edition, "section": "sponsors", "overview": overview, "plugins": plugins,
        "message": message, "error": error, "error_field": error_field, "webhooks": hooks,
        "webhook_form": webhook_form or {"organisation": "", "url": "", "events": []}, "new_secret": new_secret})


DONE = {"sent": lambda: _("The report is on its way."), "plugin": lambda: _("Plugins updated."),
        "rubric": lambda: _("Rubric chosen."), "webhook_off": lambda: _("The webhook is deactivated."),
        "replayed": lambda: _("The delivery is queued to be sent again.")}


@get("/organise/{slug:str}/sponsors", guards=[organiser_only], include_in_schema=False)
async def sponsors_page(request: Request, user: SignedInUser, edition: ConsoleEdition) -> Template:
    done = request.query_params.get("done", "")
    return await _sponsors_page(user, edition, message=DONE[done]() if done in DONE else "")


@get("/organise/{slug:str}/sponsors/{organisation:int}/reports/{name:str}", guards=[organiser_only],
     include_in_schema=False)
async def organiser_report(user: SignedInUser, edition: ConsoleEdition, slug: FromPath[str],
                           organisation: FromPath[int], name: FromPath[str]) -> Response:
    try:
        report = await sponsors.organiser_report(actor=user, edition_slug=slug, organisation_id=organisation,
                                                 name=name, language=current_language())
    except ReportProblem as problem:
        return _unavailable(problem, back=f"/organise/{slug}/sponsors", detail=True)
    return await _report_page(report, template="organise/sponsor_report.html",
                              base=f"/organise/{slug}/sponsors/{organisation}/reports/{name}",
                              extra={"edition": edition, "section": "sponsors"})


@get("/organise/{slug:str}/sponsors/{organisation:int}/reports/{name:str}/{fmt:str}", guards=[organiser_only],
     include_in_schema=False)
async def organiser_report_file(user: SignedInUser, slug: FromPath[str], organisation: FromPath[int],
                                name: FromPath[str], fmt: FromPath[str]) -> Response:
    try:
        report = await sponsors.organiser_report(actor=user, edition_slug=slug, organisation_id=organisation,
                                                 name=name, language=current_language())
    except ReportProblem as problem:
        return _unavailable(problem, back=f"/organise/{slug}/sponsors", detail=True)
    return await _report_download(report, fmt)


@post("/organise/{slug:str}/sponsors/send", guards=[organiser_only], include_in_schema=False)
async def send_report(request: Request, user: SignedInUser, settings: AppSettings, edition: ConsoleEdition,
                      slug: FromPath[str]) -> Response:
    form = await request.form()
    try:
        organisation = int(str(form.get("organisation", "")))
    except ValueError:
        return await _sponsors_page(user, edition, status=400, error=_("Choose a sponsor."),
                                    error_field="organisation")
    try:
        await sponsors.send_report(actor=user, edition_slug=slug, organisation_id=organisation,
                                   name=str(form.get("report", "")), phase=str(form.get("phase", "")),
                                   base_url=settings.base_url)
    except SponsorNotFound:
        return await _sponsors_page(user, edition, status=400, error=_("Choose a sponsor and a report."),
                                    error_field="organisation")
    except NoRecipients as refused:
        return await _sponsors_page(user, edition, status=400, error_field="organisation", error=refused.message)
    except ReportProblem as problem:
        return await _sponsors_page(user, edition, status=503, error=str(problem), error_field="report")
    return Redirect(path=f"/organise/{slug}/sponsors?done=sent")


@post("/organise/{slug:str}/sponsors/plugins", guards=[organiser_only], include_in_schema=False)
async def toggle_plugin(request: Request, user: SignedInUser, edition: ConsoleEdition,
                        slug: FromPath[str]) -> Response:
    form = await request.form()
    try:
        await edition_plugins.set_plugin_enabled(actor=user, edition_slug=slug, plugin=str(form.get("plugin", "")),
                                                 enabled=form.get("action") == "enable")
    except edition_plugins.PluginRefused as refused:
        return await _sponsors_page(user, edition, status=400, error=refused.message, error_field="plugins")
    return Redirect(path=f"/organise/{slug}/sponsors?done=plugin")


@post("/organise/{slug:str}/sponsors/rubrics", guards=[organiser_only], include_in_schema=False)
async def choose_rubric(request: Request, user: SignedInUser, edition: ConsoleEdition,
                        slug: FromPath[str]) -> Response:
    form = await request.form()
    round_code = str(form.get("round", ""))
    try:
        await edition_plugins.choose_round_rubric(actor=user, edition_slug=slug, round_code=round_code,
                                                  rubric_name=str(form.get("rubric", "")))
    except edition_plugins.PluginRefused as refused:
        return await _sponsors_page(user, edition, status=400, error=refused.message,
                                    error_field=f"round-{round_code}")
    return Redirect(path=f"/organise/{slug}/sponsors?done=rubric")


@post("/organise/{slug:str}/sponsors/webhooks", guards=[organiser_only], include_in_schema=False)
async def add_webhook(request: Request, user: SignedInUser, settings: AppSettings, edition: ConsoleEdition,
                      slug: FromPath[str]) -> Response:
    form = await request.form()
    typed = {"organisation": str(form.get("organisation", "")), "url": str(form.get("url", ""))[:1000],
             "events": [str(e) for e in form.getall("events", [])]}
    try:
        organisation = int(typed["organisation"])
    except ValueError:
        return await _sponsors_page(user, edition, status=400, error=_("Choose a partner organisation."),
                                    error_field="webhook-organisation", webhook_form=typed)
    try:
        _id, secret = await webhooks.add_subscription(
            actor=user, edition_slug=slug, organisation_id=organisation, url=typed["url"], events=typed["events"],
            production=settings.is_production)
    except webhooks.WebhookRefused as refused:
        return await _sponsors_page(user, edition, status=400, error=refused.message,
                                    error_field=f"webhook-{refused.field}", webhook_form=typed)
    # Shown on this response only, never stored anywhere the organiser could open again.
    return await _sponsors_page(user, edition, message=_("Webhook added."), new_secret=secret)


@post("/organise/{slug:str}/sponsors/webhooks/{subscription:int}/deactivate", guards=[organiser_only],
      include_in_schema=False)
async def deactivate_webhook(user: SignedInUser, slug: FromPath[str], subscription: FromPath[int]) -> Response:
    await webhooks.deactivate_subscription(actor=user, edition_slug=slug, subscription_id=subscription)
    return Redirect(path=f"/organise/{slug}/sponsors?done=webhook_off#webhooks")


@post("/organise/{slug:str}/sponsors/webhooks/{subscription:int}/rotate", guards=[organiser_only],
      include_in_schema=False)
async def rotate_webhook_secret(user: SignedInUser, edition: ConsoleEdition, subscription: FromPath[int]) -> Response:
    secret = await webhooks.rotate_secret(actor=user, edition_slug=edition.slug, subscription_id=subscription)
    return await _sponsors_page(user, edition, new_secret=secret, message=_(
        "New secret made. Deliveries carry a signature with the old secret too for the next 24 hours."))


@post("/organise/{slug:str}/sponsors/webhooks/deliveries/{delivery:int}/replay", guards=[organiser_only],
      include_in_schema=False)
async def replay_webhook(user: SignedInUser, slug: FromPath[str], delivery: FromPath[int]) -> Response:
    await webhooks.replay_delivery(actor=user, edition_slug=slug, delivery_id=delivery)
    return Redirect(path=f"/organise/{slug}/sponsors?done=replayed#webhook-deliveries")


ROUTES = [sponsor_editions, sponsor_home, sponsor_report, sponsor_report_file, sponsors_page, organiser_report,
          organiser_report_file, send_report, toggle_plugin, choose_rubric, add_webhook, deactivate_webhook,
          rotate_webhook_secret, replay_webhook]
