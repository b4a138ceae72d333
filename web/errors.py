"""Friendly error pages for people, problem JSON for the API; never a stack trace to the client."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from functools import wraps
from typing import Any

from litestar import MediaType, Request, Response
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
)
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR, HTTP_503_SERVICE_UNAVAILABLE

from core.platform import db, i18n
from core.platform.errors import Forbidden, NotFound, Refused
from core.platform.i18n import gettext as _
from core.platform.ratelimit import RateLimited
from web.middleware import LANGUAGE_COOKIE

log = logging.getLogger("giuria.web")


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path.startswith("/schema")


def _reader_language(request: Request) -> None:
    """An error page in the reader's language, also when the error escaped the language middleware (the CSRF
    check reading the form) or came before it (a database that is down while the user is loaded)."""
    chosen = (request.scope.get("state") or {}).get("language") or request.cookies.get(LANGUAGE_COOKIE, "")
    if chosen not in i18n.LANGUAGES:
        settings = getattr(request.app.state, "settings", None)
        chosen = i18n.negotiate(request.headers.get("accept-language")) or (
            settings.default_language if settings is not None else i18n.DEFAULT_LANGUAGE)
    i18n.set_language(chosen)


def _page(request: Request, status: int, title: str, message: str, headers: dict | None = None) -> Response:
    if wants_json(request):
        return Response({"status": status, "title": title, "detail": message}, status_code=status,
                        media_type=MediaType.JSON, headers=headers)
    return Template(template_name="error.html", context={"status": status, "title": title, "message": message},
                    status_code=status, headers=headers)


def not_found(request: Request, _exc: Exception) -> Response:
    return _page(request, 404, _("Page not found"),
                 _("The page you asked for does not exist, or you are not allowed to see it."))


def refused(request: Request, exc: Refused) -> Response:
    """A refusal no page shows beside its form: the service's own message, as a conflict with the rules."""
    return _page(request, 409, _("Request not accepted"), exc.message)


# The largest id a row can have on either engine (a signed 64-bit integer); a bigger one in a path would make
# the database driver fail, so it is answered as what it is: a page that cannot exist.
LARGEST_ID = 2**63 - 1


async def ids_in_range(request: Request) -> None:
    """Before any handler: a whole number in the path beyond what an id can be is "not found"."""
    if any(isinstance(value, int) and not -LARGEST_ID - 1 <= value <= LARGEST_ID
           for value in request.path_params.values()):
        raise NotFoundException()


def forbidden(request: Request, exc: Exception) -> Response:
    """A core `Forbidden` with its own message, or a route guard's refusal with the general one."""
    message = exc.message if isinstance(exc, Forbidden) else ""
    return _page(request, 403, _("Not allowed"), message or _("Your account is not allowed to do this."))


def not_signed_in(request: Request, _exc: Exception) -> Response:
    if wants_json(request):
        return _page(request, 401, _("Sign-in required"), _("Send a valid API token: Authorization: Bearer <token>."),
                     headers={"WWW-Authenticate": 'Bearer realm="giuria"'})
    return Redirect(path="/login", query_params={"next": request.url.path})


def too_many(request: Request, exc: RateLimited) -> Response:
    minutes = max(1, round(exc.retry_after / 60))
    return _page(request, 429, _("Too many attempts"),
                 _("For your safety this is paused. Try again in about {minutes} minutes.").format(minutes=minutes),
                 headers={"Retry-After": str(exc.retry_after)})


CLIENT_GONE = "client disconnected prematurely"


def http_error(request: Request, exc: HTTPException) -> Response:
    if exc.detail == CLIENT_GONE:
        return Response(b"", status_code=499)  # nobody is listening; not our error, nothing to log
    if exc.status_code >= 500:
        return server_error(request, exc)
    if exc.status_code == 403:
        detail = _("The form expired or was sent from elsewhere. Go back, reload the page and try again.") \
            if "CSRF" in str(exc.detail) else _("Your account is not allowed to do this.")
        return _page(request, 403, _("Not allowed"), detail)
    if exc.status_code == 413:
        return _page(request, 413, _("File too large"), _("What you sent is larger than this form accepts."))
    # Whatever headers the exception carries go out with the page: Allow on a 405, above all.
    return _page(request, exc.status_code, _("Request not accepted"), _("Check what you sent and try again."),
                 headers=dict(exc.headers or {}) or None)


DATABASE_RETRY_SECONDS = 30


def _raised_by_a_handler(exc: Exception) -> bool:
    """A ValueError raised in a route's own code: handlers only parse what the client sent (`int(form[...])`)."""
    frames = list(traceback.walk_tb(exc.__traceback__))
    return bool(frames) and str(frames[-1][0].f_globals.get("__name__", "")).startswith("web.routes.")


def server_error(request: Request, exc: Exception) -> Response:
    if db.database_unavailable(exc):
        log.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc)
        return _page(request, HTTP_503_SERVICE_UNAVAILABLE, _("Temporarily unavailable"),
                     _("The platform cannot reach its database right now. Nothing you entered was lost; "
                       "try again in a minute."), headers={"Retry-After": str(DATABASE_RETRY_SECONDS)})
    if db.out_of_range(exc) or (isinstance(exc, ValueError) and _raised_by_a_handler(exc)):
        log.warning("refused input on %s %s: %r", request.method, request.url.path, exc)
        return _page(request, 400, _("Request not accepted"), _("Check what you sent and try again."))
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return _page(request, HTTP_500_INTERNAL_SERVER_ERROR, _("Something went wrong"),
                 _("An error on our side stopped this page. Nothing you entered was lost; try again in a moment."))


def _in_reader_language(handler: Callable[[Request, Any], Response]) -> Callable[[Request, Any], Response]:
    @wraps(handler)
    def handle(request: Request, exc: Any) -> Response:
        _reader_language(request)
        return handler(request, exc)

    return handle


# Core's "not found", "forbidden" and refusal errors are answered here, once: handlers do not catch them to
# re-raise.
EXCEPTION_HANDLERS = {
    NotFound: not_found,
    Forbidden: forbidden,
    Refused: refused,
    NotFoundException: not_found,
    PermissionDeniedException: forbidden,
    NotAuthorizedException: not_signed_in,
    RateLimited: too_many,
    HTTPException: http_error,
    Exception: server_error,
}
EXCEPTION_HANDLERS = {kind: _in_reader_language(handler) for kind, handler in EXCEPTION_HANDLERS.items()}
