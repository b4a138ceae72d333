"""Per-request context: the reader's language and the signed-in user, both derived from the request.

Nothing here is kept between requests in the process: the language comes from a cookie, the
account or Accept-Language, and the user from the encrypted session cookie and the database.
"""

from __future__ import annotations

from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.response import Response
from litestar.types import ASGIApp, BeforeMessageSendHookHandler, Message, Receive, Scope, Send

from core.people.accounts import signed_in_user
from core.platform import db, i18n
from core.platform.settings import Settings

LANGUAGE_COOKIE = "giuria_lang"


def _cookie(scope: Scope, name: str) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == b"cookie":
            for part in value.decode("latin-1").split(";"):
                cookie_name, _, cookie_value = part.strip().partition("=")
                if cookie_name == name:
                    return cookie_value
    return None


def _header(scope: Scope, name: bytes) -> str | None:
    return next((v.decode("latin-1") for k, v in scope.get("headers", ()) if k == name), None)


def session_token(scope: Scope) -> str | None:
    """The token of the server-side session the encrypted session cookie names, if any."""
    session = scope.get("session")
    token = session.get("sid") if isinstance(session, dict) else None
    return token if isinstance(token, str) and token else None


class OneConnectionMiddleware(ASGIMiddleware):
    """A request's statements share one PostgreSQL connection, given back once its response starts.

    Given back at the response's start, not its end: a streamed response (a live final's events) borrows a
    connection per statement while it streams, instead of holding one for minutes.
    """

    scopes = (ScopeType.HTTP,)
    should_bypass_for_scope = staticmethod(lambda scope: scope["path"].startswith("/static/"))

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        async with db.one_connection() as shared:
            if shared is None:
                await next_app(scope, receive, send)
                return

            async def send_after_release(message: Message) -> None:
                if message["type"] == "http.response.start":
                    await shared.close()
                await send(message)

            await next_app(scope, receive, send_after_release)


async def hand_back_connection(response: Response) -> Response:
    """`after_request`: the handler has done the request's database work, so its connection goes back to the pool
    before the page renders (held through rendering, a pool of ten kept requests waiting for a connection while
    others rendered; their p99 under 32 connections doubled)."""
    await db.release_connection()
    return response


class UserMiddleware(ASGIMiddleware):
    """Put the signed-in user (or None) in the scope; a stale session simply reads as signed out."""

    scopes = (ScopeType.HTTP,)
    should_bypass_for_scope = staticmethod(lambda scope: scope["path"].startswith("/static/"))

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        token = session_token(scope)
        user = None
        # The API answers bearer tokens only (web.routes.api_v1.access): a session cookie there is ignored.
        if token and not scope["path"].startswith("/api/"):
            client = scope.get("client")
            user = await signed_in_user(token=token, client=client[0] if client else "unknown")
        scope["user"] = user
        await next_app(scope, receive, send)


def reader_language(scope: Scope, default_language: str) -> str:
    """The reader's language: explicit choice (cookie) first, then the account's, then Accept-Language."""
    chosen = _cookie(scope, LANGUAGE_COOKIE)
    if chosen in i18n.LANGUAGES:
        return chosen
    user = scope.get("user")
    return (user.locale if user is not None else None) or i18n.negotiate(
        _header(scope, b"accept-language")) or default_language


class LanguageMiddleware(ASGIMiddleware):
    """Choose the language: explicit choice (cookie) first, then the account's, then Accept-Language."""

    scopes = (ScopeType.HTTP,)
    should_bypass_for_scope = staticmethod(lambda scope: scope["path"].startswith("/static/"))

    def __init__(self, default_language: str) -> None:
        self.default_language = default_language

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        token = i18n.set_language(reader_language(scope, self.default_language))
        scope.setdefault("state", {})["language"] = i18n.current_language()
        try:
            await next_app(scope, receive, send)
        finally:
            i18n._current_language.reset(token)


# Pages with a sign-in or password form, or a token in their address: kept by no cache, like every page
# a signed-in person sees, so the back button of a shared computer shows nothing once they signed out.
PRIVATE_PREFIXES = ("/login", "/logout", "/signup", "/password/", "/verify/", "/invitations/", "/me/")
NO_STORE = (b"cache-control", b"no-store")
HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")


def private_page_headers(settings: Settings) -> BeforeMessageSendHookHandler:
    """`Cache-Control: no-store` for signed-in readers and sign-in pages; HSTS when the site is served over https."""
    https = settings.base_url.startswith("https://")

    async def add_headers(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        path = scope.get("path", "")
        private = scope.get("user") is not None or path == "/me" or path.startswith(PRIVATE_PREFIXES)
        if not private and not https:
            return
        headers = list(message.get("headers", []))
        if private:
            headers = [(name, value) for name, value in headers if name.lower() != b"cache-control"]
            headers.append(NO_STORE)
        if https:
            headers.append(HSTS)
        message["headers"] = headers

    return add_headers
