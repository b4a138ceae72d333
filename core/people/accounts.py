"""Accounts, sign-in and roles per edition.

Sign-in never says whether an email is registered, and attempts are limited per client address, per
account and address, and per account overall, across all workers. A signed-in browser holds a
session that lives on the server (account_session), so signing out really ends it.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from core.platform import audit, db, ratelimit
from core.platform.errors import NotFound
from core.platform.identity import SessionUser
from core.platform.passwords import hash_password, needs_rehash, password_problems, verify_password
from core.platform.settings import Settings
from core.platform.tables import Account, AccountSession, RoleGrant


class AccountError(ValueError):
    """A request about an account was refused; `code` is a message id for translation."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def normalise_email(email: str) -> str:
    return email.strip().lower()


async def create_account(*, email: str, password: str, display_name: str = "", locale: str = "it",
                         is_admin: bool = False, verified: bool = False) -> int:
    email = normalise_email(email)
    if "@" not in email or len(email) > 254:
        raise AccountError("email_invalid")
    problems = password_problems(password, email=email)
    if problems:
        raise AccountError(problems[0])
    password_hash = await hash_password(password)
    async with db.write_transaction():
        if await Account.exists().where(Account.email == email):
            raise AccountError("email_taken")
        account_id = (await Account.insert(Account(
            email=email, password_hash=password_hash, display_name=display_name, locale=locale,
            is_admin=is_admin, email_verified_at=datetime.now(UTC) if verified else None,
        )))[0]["id"]
        await audit.record("account.created", actor_id=account_id, subject_type="account", subject_id=account_id)
    return account_id


SESSION_USER_SQL = """
    SELECT account.id, account.email, account.display_name, account.locale, account.is_admin,
           account.auth_epoch, account.email_verified_at, role_grant.role, edition.slug
    FROM account
    LEFT JOIN role_grant ON role_grant.account = account.id
    LEFT JOIN edition ON edition.id = role_grant.edition
    WHERE account.id = {} AND account.is_active
"""

# The same user, found by the session cookie's token: one indexed lookup per request, grants included.
SIGNED_IN_USER_SQL = """
    SELECT account_session.id AS session_id, account_session.last_seen_at,
           account.id, account.email, account.display_name, account.locale, account.is_admin,
           account.auth_epoch, account.email_verified_at, role_grant.role, edition.slug
    FROM account_session
    JOIN account ON account.id = account_session.account
    LEFT JOIN role_grant ON role_grant.account = account.id
    LEFT JOIN edition ON edition.id = role_grant.edition
    WHERE account_session.token_hash = {} AND account_session.revoked_at IS NULL AND account.is_active
"""

# A session unused this long is over (the cookie lasts as long); its last use is written at most this often.
SESSION_IDLE = timedelta(days=14)
SESSION_TOUCH = timedelta(minutes=5)
USER_AGENT_LENGTH = 300


def _session_user(rows: list[dict], session_id: int | None = None) -> SessionUser:
    account = rows[0]
    roles: dict[str, set[str]] = {}
    for row in rows:
        if row["role"]:
            roles.setdefault(row["slug"] or "", set()).add(row["role"])
    return SessionUser(
        id=account["id"], email=account["email"], display_name=account["display_name"],
        locale=account["locale"], is_admin=bool(account["is_admin"]) or "admin" in roles.get("", set()),
        auth_epoch=account["auth_epoch"], roles={k: frozenset(v) for k, v in roles.items()},
        email_verified=account["email_verified_at"] is not None, session_id=session_id,
    )


async def load_session_user(account_id: int, auth_epoch: int) -> SessionUser | None:
    """The account as services see it, or None if it is gone or inactive (`auth_epoch` must match, too)."""
    rows = await db.read_rows(SESSION_USER_SQL, account_id)
    if not rows or rows[0]["auth_epoch"] != auth_epoch:
        return None
    return _session_user(rows)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def signed_in_user(*, token: str, client: str, now: datetime | None = None) -> SessionUser | None:
    """The user whose live session the cookie's token names, or None (revoked, idle too long, account gone).

    Every page asks this, so it is one statement; the last use is written only every few minutes.
    """
    now = now or datetime.now(UTC)
    rows = await db.read_rows(SIGNED_IN_USER_SQL, _token_hash(token))
    if not rows or rows[0]["last_seen_at"] < now - SESSION_IDLE:
        return None
    session_id = rows[0]["session_id"]
    if rows[0]["last_seen_at"] < now - SESSION_TOUCH:
        async with db.write_transaction():
            await AccountSession.update({AccountSession.last_seen_at: now, AccountSession.address: client[:64]}).where(
                AccountSession.id == session_id)
    return _session_user(rows, session_id)


async def start_session(*, account_id: int, client: str, user_agent: str, replacing: str | None = None) -> str:
    """Open a session for the account and return the token for its cookie; `replacing` is the cookie's old one."""
    token = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    async with db.write_transaction():
        if replacing:
            await AccountSession.update({AccountSession.revoked_at: now}).where(
                AccountSession.token_hash == _token_hash(replacing), AccountSession.revoked_at.is_null())
        # Ended sessions keep addresses and browsers: forget them when their owner next signs in.
        await AccountSession.delete().where(
            AccountSession.account == account_id,
            AccountSession.revoked_at.is_not_null() | (AccountSession.last_seen_at < now - SESSION_IDLE))
        await AccountSession.insert(AccountSession(
            token_hash=_token_hash(token), account=account_id, created_at=now, last_seen_at=now,
            user_agent=user_agent[:USER_AGENT_LENGTH], address=client[:64]))
    return token


async def revoke_sessions(*, account_id: int, keep_session_id: int | None = None) -> None:
    """End every session of the account but `keep_session_id`; inside the caller's transaction if there is one."""
    query = AccountSession.update({AccountSession.revoked_at: datetime.now(UTC)}).where(
        AccountSession.account == account_id, AccountSession.revoked_at.is_null())
    if keep_session_id is not None:
        query = query.where(AccountSession.id != keep_session_id)
    await query


async def sign_out(*, token: str) -> None:
    """End the session the cookie names: a copy of the cookie signs nobody in afterwards."""
    async with db.write_transaction():
        await AccountSession.update({AccountSession.revoked_at: datetime.now(UTC)}).where(
            AccountSession.token_hash == _token_hash(token), AccountSession.revoked_at.is_null())


class SessionNotFound(NotFound):
    """No such live session of this account (another person's looks the same)."""


@dataclass(frozen=True)
class SessionView:
    """One signed-in browser, as its owner sees it on their page."""

    id: int
    created_at: datetime
    last_seen_at: datetime
    user_agent: str
    address: str
    current: bool


async def sessions_of(*, user: SessionUser) -> list[SessionView]:
    """The user's live sessions, the most recently used first."""
    since = datetime.now(UTC) - SESSION_IDLE
    rows = await AccountSession.select(
        AccountSession.id, AccountSession.created_at, AccountSession.last_seen_at, AccountSession.user_agent,
        AccountSession.address,
    ).where(AccountSession.account == user.id, AccountSession.revoked_at.is_null(),
            AccountSession.last_seen_at > since).order_by(AccountSession.last_seen_at, ascending=False)
    return [SessionView(**row, current=row["id"] == user.session_id) for row in rows]


async def end_session(*, user: SessionUser, session_id: int) -> None:
    """The owner ends one of their sessions (a browser left signed in elsewhere)."""
    async with db.write_transaction():
        ended = await AccountSession.update({AccountSession.revoked_at: datetime.now(UTC)}).where(
            AccountSession.id == session_id, AccountSession.account == user.id,
            AccountSession.revoked_at.is_null()).returning(AccountSession.id)
        if not ended:
            raise SessionNotFound(session_id)
        await audit.record("account.session_ended", actor_id=user.id, subject_type="account", subject_id=user.id,
                           data={"session": session_id})


def login_limits(*, email: str, client: str, settings: Settings) -> tuple[ratelimit.Limit, ...]:
    """Per address; per account and address (a stranger cannot lock the owner out); per account overall, slower."""
    window = settings.login_window_seconds
    return (
        ratelimit.Limit(ratelimit.key("login-ip", client), settings.login_attempts_per_ip, window),
        ratelimit.Limit(ratelimit.key("login-pair", email, client), settings.login_attempts_per_account, window),
        ratelimit.Limit(ratelimit.key("login-account", email), settings.login_attempts_per_account_hour, 3600),
    )


async def forget_login_attempts(*, email: str) -> None:
    """The owner proved themselves (a password reset): their account's counters start again everywhere."""
    await ratelimit.clear(ratelimit.key("login-account", email))
    await ratelimit.clear_prefix(ratelimit.key("login-pair", email))


@dataclass(frozen=True)
class SignedIn:
    """Who signed in, and the token their session cookie carries."""

    user: SessionUser
    token: str


async def authenticate(*, email: str, password: str, client: str, settings: Settings, user_agent: str = "",
                       replacing: str | None = None) -> SignedIn:
    """Check a sign-in and open a session; raises RateLimited when over a limit, AccountError('login_failed') otherwise.

    The attempt is counted before the password is checked, in one atomic step with the decision, so a
    burst of parallel attempts gets no more checks than the limits allow.
    """
    email = normalise_email(email)
    ip_limit, pair_limit, account_limit = login_limits(email=email, client=client, settings=settings)
    await ratelimit.consume(ip_limit, pair_limit, account_limit)
    account = await Account.select(Account.id, Account.password_hash, Account.is_active, Account.auth_epoch).where(
        Account.email == email).first()
    valid = await verify_password(account["password_hash"] if account else None, password)
    if not valid or not account["is_active"]:
        raise AccountError("login_failed")
    # A right password is not an attack: it frees this address for the account, and costs no attempt.
    await ratelimit.clear(pair_limit.key)
    await ratelimit.refund(ip_limit.key, account_limit.key)
    values: dict = {Account.last_login_at: datetime.now(UTC)}
    if needs_rehash(account["password_hash"]):
        values[Account.password_hash] = await hash_password(password)
    await Account.update(values).where(Account.id == account["id"])
    token = await start_session(account_id=account["id"], client=client, user_agent=user_agent, replacing=replacing)
    user = await signed_in_user(token=token, client=client)
    assert user is not None
    return SignedIn(user=user, token=token)


async def set_locale(*, account_id: int, locale: str) -> None:
    """The account's preferred language, used for its pages and its mail."""
    await Account.update({Account.locale: locale}).where(Account.id == account_id)


@dataclass(frozen=True)
class RoleView:
    edition_slug: str
    edition_title: dict[str, str]
    roles: tuple[str, ...]


async def roles_overview(*, user: SessionUser) -> list[RoleView]:
    """The editions the user has a part in, and which parts, for their home page."""
    grants = await RoleGrant.select(RoleGrant.role, RoleGrant.edition.slug, RoleGrant.edition.title,
                                    RoleGrant.edition.year).output(load_json=True).where(
        RoleGrant.account == user.id, RoleGrant.edition.is_not_null()).order_by(RoleGrant.edition.year,
                                                                               ascending=False)
    by_edition: dict[str, RoleView] = {}
    for grant in grants:
        slug = grant["edition.slug"]
        view = by_edition.get(slug)
        roles = (*view.roles, grant["role"]) if view else (grant["role"],)
        title = grant["edition.title"]
        by_edition[slug] = RoleView(edition_slug=slug, edition_title=title, roles=tuple(sorted(roles)))
    return list(by_edition.values())
