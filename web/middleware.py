"""Per-request context: the reader's language and the signed-in user, both derived from the request.

Nothing here is kept between requests in the process: the language comes from a cookie, the
account or Accept-Language, and the user from the encrypted session cookie and the database.
"""

from __future__ import annotations

from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from core.people.accounts import load_session_user
from core.platform import i18n

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


class UserMiddleware(ASGIMiddleware):
    """Put the signed-in user (or None) in the scope; a stale session simply reads as signed out."""

    scopes = (ScopeType.HTTP,)
    should_bypass_for_scope = staticmethod(lambda scope: scope["path"].startswith("/static/"))

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        session = scope.get("session") or {}
        user = None
        if isinstance(session, dict) and "uid" in session:
            user = await load_session_user(int(session["uid"]), int(session.get("epoch", -1)))
        scope["user"] = user
        await next_app(scope, receive, send)


class LanguageMiddleware(ASGIMiddleware):
    """Choose the language: explicit choice (cookie) first, then the account's, then Accept-Language."""

    scopes = (ScopeType.HTTP,)
    should_bypass_for_scope = staticmethod(lambda scope: scope["path"].startswith("/static/"))

    def __init__(self, default_language: str) -> None:
        self.default_language = default_language

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        chosen = _cookie(scope, LANGUAGE_COOKIE)
        user = scope.get("user")
        if chosen not in i18n.LANGUAGES:
            chosen = (user.locale if user is not None else None) or i18n.negotiate(
                _header(scope, b"accept-language")) or self.default_language
        token = i18n.set_language(chosen)
        scope.setdefault("state", {})["language"] = i18n.current_language()
        try:
            await next_app(scope, receive, send)
        finally:
            i18n._current_language.reset(token)
