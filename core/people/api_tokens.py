"""Personal API tokens: a person's key for other software, acting with exactly that person's permissions.

The secret is shown once, at creation; only its SHA-256 is kept (it is random and long, so a slow hash adds
nothing), so a copy of the database opens no API call. A token has a scope (read, or write which includes
read), may be limited to one edition (its caller then sees no other edition's roles), may expire, and its
owner can revoke it. The person it acts for is loaded afresh on every call, so a role taken away, an account
deactivated or erased, takes effect on the next call.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from core.editions import access
from core.people.accounts import load_session_user, normalise_email
from core.platform import audit, db, ratelimit
from core.platform.errors import Forbidden, NotFound, Refused
from core.platform.i18n import gettext as _
from core.platform.identity import SessionUser
from core.platform.tables import Account, ApiToken, Edition

SCOPES = ("read", "write")
SECRET_PREFIX = "gzt_"  # noqa: S105 - how every token starts, so secret scanners can recognise a leaked one
MAX_DAYS = 3650
NAME_LENGTH = 100
# The last use is written at most this often: each call would otherwise be a write.
TOUCH_EVERY = timedelta(minutes=1)


class TokenRefused(Refused):
    """A token could not be created as asked; the message says what to change."""


class ReadOnlyToken(Forbidden):
    """A change asked for with a token that may only read."""

    def __init__(self) -> None:
        super().__init__(_("This token may only read. Make a write token to change anything."))


class TokenNotFound(NotFound):
    """No such live token of this account (another person's looks the same)."""


@dataclass(frozen=True)
class NewToken:
    """A token just made: `secret` is shown to its owner now and never again."""

    id: int
    secret: str
    prefix: str


@dataclass(frozen=True)
class TokenView:
    """One of a person's tokens as their account page lists it (never its secret)."""

    id: int
    name: str
    prefix: str
    scope: str
    edition_slug: str | None
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None

    def active(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


@dataclass(frozen=True)
class TokenCaller:
    """Who calls the API with a token: its owner as every service sees them, and what the token allows."""

    user: SessionUser
    token_id: int
    scope: str
    edition_slug: str | None

    @property
    def can_write(self) -> bool:
        return self.scope == "write"

    def writer(self) -> TokenCaller:
        """This caller, if the token may change things; ReadOnlyToken (403) otherwise."""
        if not self.can_write:
            raise ReadOnlyToken()
        return self

    def reaches(self, edition_slug: str) -> bool:
        return self.edition_slug is None or self.edition_slug == edition_slug


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


async def _edition_id(user: SessionUser, edition_slug: str) -> int:
    row = await Edition.select(Edition.id).where(Edition.slug == edition_slug).first()
    if row is None or not (user.is_admin or user.roles.get(edition_slug)):
        raise TokenRefused(_("You have no part in an edition with this name."))
    return row["id"]


async def create_token(*, user: SessionUser, name: str, scope: str, edition_slug: str | None = None,
                       expires_in_days: int | None = None, now: datetime | None = None) -> NewToken:
    """Make a token for `user`: `scope` read or write, limited to one of their editions if given."""
    now = now or datetime.now(UTC)
    name = name.strip()[:NAME_LENGTH]
    if scope not in SCOPES:
        raise TokenRefused(_("Choose the scope: read, or write."))
    if expires_in_days is not None and not 1 <= expires_in_days <= MAX_DAYS:
        raise TokenRefused(_("A token lasts from 1 to {days} days.").format(days=MAX_DAYS))
    edition_id = await _edition_id(user, edition_slug) if edition_slug else None
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    prefix = secret[:10]
    async with db.write_transaction():
        token_id = (await ApiToken.insert(ApiToken(
            account=user.id, name=name, token_hash=_hash(secret), prefix=prefix, scope=scope, edition=edition_id,
            created_at=now, expires_at=now + timedelta(days=expires_in_days) if expires_in_days else None,
        )))[0]["id"]
        await audit.record("api_token.created", actor_id=user.id, edition_id=edition_id, subject_type="account",
                           subject_id=user.id, data={"token": token_id, "scope": scope})
    return NewToken(id=token_id, secret=secret, prefix=prefix)


async def create_token_for_email(*, email: str, scope: str, edition_slug: str | None = None,
                                 expires_in_days: int | None = None) -> NewToken:
    """The command line's way in: a token for the active account with this email."""
    row = await Account.select(Account.id, Account.auth_epoch).where(
        Account.email == normalise_email(email), Account.is_active.eq(True)).first()
    user = await load_session_user(row["id"], row["auth_epoch"]) if row else None
    if user is None:
        raise TokenRefused(_("No active account has this email address."))
    return await create_token(user=user, name="command line", scope=scope, edition_slug=edition_slug,
                              expires_in_days=expires_in_days)


async def tokens_of(*, user: SessionUser) -> list[TokenView]:
    """The person's tokens, newest first, revoked ones included (so they can see what was revoked)."""
    rows = await ApiToken.select(
        ApiToken.id, ApiToken.name, ApiToken.prefix, ApiToken.scope, ApiToken.edition.slug, ApiToken.created_at,
        ApiToken.expires_at, ApiToken.last_used_at, ApiToken.revoked_at,
    ).where(ApiToken.account == user.id).order_by(ApiToken.id, ascending=False)
    return [TokenView(id=r["id"], name=r["name"], prefix=r["prefix"], scope=r["scope"],
                      edition_slug=r["edition.slug"], created_at=r["created_at"], expires_at=r["expires_at"],
                      last_used_at=r["last_used_at"], revoked_at=r["revoked_at"]) for r in rows]


async def revoke_token(*, user: SessionUser, token_id: int) -> None:
    """The owner revokes one of their tokens: its next call is refused."""
    async with db.write_transaction():
        revoked = await ApiToken.update({ApiToken.revoked_at: datetime.now(UTC)}).where(
            ApiToken.id == token_id, ApiToken.account == user.id, ApiToken.revoked_at.is_null(),
        ).returning(ApiToken.id)
        if not revoked:
            raise TokenNotFound(token_id)
        await audit.record("api_token.revoked", actor_id=user.id, subject_type="account", subject_id=user.id,
                           data={"token": token_id})


async def revoke_tokens_of(*, account_id: int, now: datetime | None = None) -> int:
    """Revoke every live token of the account; inside the caller's transaction (a password changed or reset,
    an account erased: whoever held the old password may have made tokens with it). Returns how many."""
    revoked = await ApiToken.update({ApiToken.revoked_at: now or datetime.now(UTC)}).where(
        ApiToken.account == account_id, ApiToken.revoked_at.is_null()).returning(ApiToken.id)
    return len(revoked)


def _within_edition(user: SessionUser, edition_slug: str) -> SessionUser:
    """The user as a token limited to one edition shows them: that edition's roles only, no platform-wide powers.

    An administrator's token limited to an edition may do there what an administrator may (every role), and
    nothing elsewhere.
    """
    roles = set(user.roles.get(edition_slug, frozenset()))
    if user.is_admin:
        roles |= set(access.ROLES) - {"admin"}
    return replace(user, is_admin=False, roles={edition_slug: frozenset(roles)} if roles else {})


async def caller_for(*, secret: str, per_minute: int, edition_slug: str | None = None, now: datetime | None = None
                     ) -> TokenCaller | None:
    """Who a bearer secret acts for, or None: unknown, revoked, expired, or its account inactive.

    Each call counts against the token's `per_minute` calls, atomically across workers (RateLimited past it).
    A call about the edition `edition_slug` by a token limited to another edition is EditionNotFound.
    """
    now = now or datetime.now(UTC)
    if not secret.startswith(SECRET_PREFIX) or len(secret) > 200:
        return None
    row = await ApiToken.select(
        ApiToken.id, ApiToken.scope, ApiToken.expires_at, ApiToken.last_used_at, ApiToken.edition.slug,
        ApiToken.account, ApiToken.account.auth_epoch,
    ).where(ApiToken.token_hash == _hash(secret), ApiToken.revoked_at.is_null()).first()
    if row is None or (row["expires_at"] is not None and row["expires_at"] <= now):
        return None
    user = await load_session_user(row["account"], row["account.auth_epoch"])
    if user is None:
        return None
    await ratelimit.consume(ratelimit.Limit(ratelimit.key("api-token", str(row["id"])), per_minute, 60))
    if row["last_used_at"] is None or row["last_used_at"] < now - TOUCH_EVERY:
        async with db.write_transaction():
            await ApiToken.update({ApiToken.last_used_at: now}).where(ApiToken.id == row["id"])
    limited_to = row["edition.slug"]
    if limited_to:
        user = _within_edition(user, limited_to)
    caller = TokenCaller(user=user, token_id=row["id"], scope=row["scope"], edition_slug=limited_to)
    if edition_slug is not None and not caller.reaches(edition_slug):
        raise access.EditionNotFound(edition_slug)
    return caller
