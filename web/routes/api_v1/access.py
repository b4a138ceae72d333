"""Who calls the API and what they may do: the bearer token, its rate limit, its scope and its edition.

The API takes no session cookie (so it needs no CSRF token): a call is the token's owner, as every core
service sees them, narrowed to the token's edition when it has one.
"""

from __future__ import annotations

import base64
import binascii
from typing import TypeAlias

import msgspec
from litestar import Request
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotAuthorizedException, ValidationException
from litestar.openapi.datastructures import ResponseSpec

from core.people import api_tokens
from core.people.api_tokens import TokenCaller
from web.dependencies import AppSettings

Caller: TypeAlias = NamedDependency[TokenCaller]
Writer: TypeAlias = NamedDependency[TokenCaller]
SECURITY = [{"BearerToken": []}]


class ProblemOut(msgspec.Struct):
    """An error, as every call answers one: the HTTP status, a short title and what to do about it."""

    status: int
    title: str
    detail: str


class InvalidOut(msgspec.Struct):
    """What was sent breaks the rules: `errors` says what is wrong, by field or by id; nothing was changed."""

    status: int
    title: str
    detail: str
    errors: dict[str, str]


def _problem(description: str, container: type = ProblemOut) -> ResponseSpec:
    return ResponseSpec(data_container=container, generate_examples=False, description=description)


READ_ERRORS = {
    400: _problem("Malformed parameters (a cursor, a number, a filter)."),
    401: _problem("No token, or a token that is unknown, revoked or expired."),
    403: _problem("The token's owner may not do this."),
    404: _problem("No such thing, or not the token owner's to see (also another edition's, for a limited token)."),
    429: _problem("Too many calls with this token; try again after Retry-After seconds."),
}
WRITE_ERRORS = {
    **READ_ERRORS,
    403: _problem("A read-only token, or the token's owner may not do this."),
    409: _problem("The rules refuse this now (a closed round, decisions already published)."),
    422: _problem("What was sent breaks the rules; `errors` says what, and nothing was changed.", InvalidOut),
}


async def api_caller(request: Request, settings: AppSettings) -> TokenCaller:
    """The token's caller, counted against its rate limit; 401 without a live token, 404 outside its edition."""
    scheme, _, secret = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise NotAuthorizedException()
    slug = request.path_params.get("slug")
    caller = await api_tokens.caller_for(secret=secret.strip(), per_minute=settings.api_requests_per_minute,
                                         edition_slug=slug if isinstance(slug, str) else None)
    if caller is None:
        raise NotAuthorizedException()
    return caller


async def api_writer(caller: Caller) -> TokenCaller:
    """The caller, if the token may write: a read-only token gets 403 on every change."""
    return caller.writer()


DEPENDENCIES = {"caller": Provide(api_caller), "writer": Provide(api_writer)}


def encode_cursor(after_id: int | None) -> str | None:
    return None if after_id is None else base64.urlsafe_b64encode(f"after:{after_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    """The id a cursor continues after; 400 for anything this API did not hand out."""
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, _, number = text.partition(":")
        if kind != "after" or not number.isdigit() or len(number) > 18:
            raise ValueError(cursor)
        return int(number)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ValidationException("invalid cursor") from None
