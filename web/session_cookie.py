"""The encrypted session cookie, sent again only when what it holds changed or it is due for a longer life.

Litestar's cookie backend encrypts and sends the session cookie with every response that has a session, so the
cookie's expiry slides with use; on a page the person only reads that was a tenth of the request. Here the session
also holds when its cookie was last sent (`sent_at`): an unchanged session sends it again once it is `REFRESH`
old, so the expiry still slides (at most `REFRESH` short of the full length), and every other response carries no
`Set-Cookie` for it. Signing in, out or as someone else changes the session, and changes go out at once. The
session the cookie names is the server's (`account_session`): ending it there ends it whatever the cookie says.
"""

from __future__ import annotations

import time
from typing import Any

from litestar.connection import ASGIConnection
from litestar.middleware.session.client_side import ClientSideSessionBackend, CookieBackendConfig
from litestar.types import Message, ScopeSession

SENT_AT = "sent_at"
REFRESH_SECONDS = 3600
_LOADED = "giuria.session_loaded"  # the session as its cookie brought it, to tell a change


def _now() -> int:
    return int(time.time())


class RefreshedCookieBackend(ClientSideSessionBackend):
    async def load_from_connection(self, connection: ASGIConnection) -> dict[str, Any]:
        loaded = await super().load_from_connection(connection)
        connection.scope[_LOADED] = dict(loaded)  # type: ignore[literal-required]
        return loaded

    async def store_in_message(self, scope_session: ScopeSession, message: Message,
                               connection: ASGIConnection) -> None:
        now = _now()
        if scope_session and scope_session == connection.scope.get(_LOADED):
            sent_at = scope_session.get(SENT_AT)  # type: ignore[union-attr]
            if isinstance(sent_at, int) and 0 <= now - sent_at < REFRESH_SECONDS:
                return  # the browser holds this very cookie, with most of its life ahead
        if scope_session and isinstance(scope_session, dict):
            scope_session[SENT_AT] = now
        await super().store_in_message(scope_session, message, connection)


class RefreshedCookieConfig(CookieBackendConfig):
    """`CookieBackendConfig` with the backend above."""

    _backend_class = RefreshedCookieBackend
