"""The Litestar application: wiring only — routes, sessions, CSRF, templates, errors, lifespan."""

from __future__ import annotations

import asyncio
import gc
import hashlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from litestar import Litestar
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.logging import LoggingConfig
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin, YamlRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from litestar.types import Message, Scope

from core import plugins
from core.live import fanout
from core.messaging import jobs, mail, webhooks
from core.platform import db
from core.platform.settings import Settings, load_settings
from core.plugins import PluginRegistry
from web import auth, errors
from web.dependencies import DEPENDENCIES
from web.middleware import (
    LanguageMiddleware,
    OneConnectionMiddleware,
    UserMiddleware,
    hand_back_connection,
    private_page_headers,
)
from web.request import FormRequest
from web.routes import (
    account,
    account_tokens,
    api,
    api_v1,
    applicant,
    feedback,
    jury,
    jury_live,
    jury_profile,
    jury_rounds,
    live_room,
    mentoring,
    organise,
    organise_admission,
    organise_applications,
    organise_assignment,
    organise_audit,
    organise_awards,
    organise_calibration,
    organise_exports,
    organise_fairness,
    organise_form_setup,
    organise_live,
    organise_mail,
    organise_mentoring,
    organise_people,
    organise_progress,
    organise_redaction,
    organise_results,
    organise_setup,
    outbox,
    public,
    redress,
    registration,
    sponsor,
    uploads,
    validity,
)
from web.session_cookie import RefreshedCookieConfig
from web.templating import build_environment

STATIC_DIR = Path(__file__).resolve().parent / "static"
SESSION_COOKIE = "giuria_session"
CSRF_COOKIE = "giuria_csrf"
SESSION_DAYS = 14
# On shutdown the sender may finish the mail in hand; past this it is cancelled (the lease brings the mail back).
SENDER_STOP_SECONDS = 10

log = logging.getLogger("giuria.web")

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy",
     b"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; "
     b"form-action 'self'; base-uri 'none'"),
]


def _derived_key(secret: str, purpose: str) -> bytes:
    """A separate 32-byte key per use, so the session key never doubles as the CSRF key."""
    return hashlib.sha256(f"giuria:{purpose}:{secret}".encode()).digest()


async def _add_security_headers(message: Message, scope: Scope) -> None:
    if message["type"] == "http.response.start":
        headers = list(message.get("headers", []))
        present = {name for name, _ in headers}
        headers.extend(header for header in SECURITY_HEADERS if header[0] not in present)
        message["headers"] = headers


def create_app(settings: Settings | None = None, *, registry: PluginRegistry | None = None) -> Litestar:
    """Build the app for `settings`; the database must already be migrated (`giuria migrate`)."""
    settings = settings or load_settings()
    db.configure(settings)
    plugins.activate(registry or plugins.load_registry(settings))

    @asynccontextmanager
    async def database_pool(_app: Litestar) -> AsyncIterator[None]:
        await db.start_pool(settings)
        try:
            yield
        finally:
            await db.close_pool()

    def background_loop(name: str, interval: float, run: Callable[[asyncio.Event], Awaitable[None]]):
        """A loop every worker runs beside serving (one claims each row), or nothing when its interval is 0."""

        @asynccontextmanager
        async def lifespan(_app: Litestar) -> AsyncIterator[None]:
            if interval <= 0:
                yield
                return
            stop = asyncio.Event()
            task = asyncio.create_task(run(stop), name=f"giuria-{name}")
            try:
                yield
            finally:
                stop.set()
                try:
                    await asyncio.wait_for(task, timeout=SENDER_STOP_SECONDS)
                except TimeoutError:
                    log.warning("the %s did not stop within %s seconds and was cancelled", name, SENDER_STOP_SECONDS)

        return lifespan

    # Cron or a dedicated process can take over any of these by setting its interval to 0.
    mail_sender = background_loop("mail sender", settings.mail_interval_seconds,
                                  lambda stop: mail.run_sender(settings=settings, stop=stop))
    job_runner = background_loop("job runner", settings.job_interval_seconds,
                                 lambda stop: jobs.run_runner(settings=settings, stop=stop))
    webhook_interval = webhooks.settings_interval(settings)
    webhook_sender = background_loop("webhook sender", webhook_interval,
                                     lambda stop: webhooks.run_sender(stop=stop, interval_seconds=webhook_interval))

    @asynccontextmanager
    async def live_listener(_app: Litestar) -> AsyncIterator[None]:
        async with fanout.listening(settings):
            yield

    # The development outbox is routed only in development (not in production, not in a test or staging set-up).
    dev_routes = [outbox.outbox, outbox.outbox_mail] if settings.env == "development" else []

    session_config = RefreshedCookieConfig(
        secret=_derived_key(settings.secret_key, "session"),
        key=SESSION_COOKIE,
        max_age=SESSION_DAYS * 24 * 3600,
        secure=settings.secure_cookies,
        httponly=True,
        samesite="lax",
        exclude=["^/static/", "^/healthz$"],
    )
    csrf_config = CSRFConfig(
        secret=_derived_key(settings.secret_key, "csrf").hex(),
        cookie_name=CSRF_COOKIE,
        cookie_secure=settings.secure_cookies,
        cookie_samesite="lax",
        # The API takes no session cookie, only a bearer token, so a cross-site form cannot act through it.
        exclude=["^/healthz$", "^/api/"],
    )
    template_config = TemplateConfig(
        instance=JinjaTemplateEngine.from_environment(
            build_environment(auto_reload=settings.env == "development")),
    )
    return Litestar(
        route_handlers=[
            public.home, public.landing, public.choose_language, public.healthz,
            auth.login_form, auth.login, auth.logout_form, auth.logout,
            *account.ROUTES,
            *account_tokens.ROUTES,
            *applicant.ROUTES,
            *registration.ROUTES,
            *uploads.ROUTES,
            *jury.ROUTES,
            *jury_rounds.ROUTES,
            *jury_live.ROUTES,
            *organise_live.ROUTES,
            *jury_profile.ROUTES,
            *organise.ROUTES,
            *organise_applications.ROUTES,
            *organise_people.ROUTES,
            *organise_progress.ROUTES,
            *organise_assignment.ROUTES,
            *sponsor.ROUTES,
            *mentoring.ROUTES,
            *organise_mentoring.ROUTES,
            *validity.ROUTES,
            *organise_setup.ROUTES,
            *organise_form_setup.ROUTES,
            *organise_mail.ROUTES,
            *organise_admission.ROUTES,
            *organise_awards.ROUTES,
            *organise_audit.ROUTES,
            *organise_results.ROUTES,
            *organise_fairness.ROUTES,
            *organise_exports.ROUTES,
            *organise_redaction.ROUTES,
            *feedback.ROUTES,
            *redress.ROUTES,
            *organise_calibration.ROUTES,
            *live_room.ROUTES,
            api.list_editions, api.edition_detail,
            api_v1.ROUTER,
            *dev_routes,
            create_static_files_router(path="/static", directories=[STATIC_DIR], include_in_schema=False),
        ],
        middleware=[OneConnectionMiddleware(), session_config.middleware, UserMiddleware(),
                    LanguageMiddleware(settings.default_language)],
        csrf_config=csrf_config,
        template_config=template_config,
        exception_handlers=errors.EXCEPTION_HANDLERS,
        dependencies=DEPENDENCIES,
        before_request=errors.ids_in_range,
        after_request=hand_back_connection,
        request_class=FormRequest,
        before_send=[_add_security_headers, private_page_headers(settings)],
        lifespan=[database_pool, live_listener, mail_sender, job_runner, webhook_sender],
        state=State({"settings": settings}),
        openapi_config=OpenAPIConfig(
            title="Giuria API", version="1", path="/schema",
            render_plugins=[JsonRenderPlugin(), YamlRenderPlugin()],
            components=Components(security_schemes={"BearerToken": SecurityScheme(
                type="http", scheme="bearer",
                description="A personal API token (`gzt_…`), created on the account page or with "
                            "`giuria api-token create`.")}),
        ),
        logging_config=LoggingConfig(log_exceptions="never"),  # 5xx are logged by errors.server_error
        debug=False,
    )


def create_app_from_env() -> Litestar:
    """Entry point for ASGI servers (`uvicorn --factory web.app:create_app_from_env`)."""
    app = create_app(load_settings())
    # What start-up built (modules, routes, templates, plugins) lives as long as the worker: frozen, it is left out
    # of every later collection, whose full passes otherwise walked it all (~200 ms each, the page's p99).
    gc.collect()
    gc.freeze()
    return app
