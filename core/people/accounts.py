"""Accounts, sign-in and roles per edition.

Sign-in never says whether an email is registered, and failed attempts are limited per client
address and per account across all workers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from core.platform import audit, db, ratelimit
from core.platform.identity import SessionUser
from core.platform.passwords import hash_password, needs_rehash, password_problems, verify_password
from core.platform.settings import Settings
from core.platform.tables import Account, RoleGrant


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


async def load_session_user(account_id: int, auth_epoch: int) -> SessionUser | None:
    """The signed-in user for a session, or None if the account is gone, inactive or signed out everywhere.

    Every page asks this, so it is one statement: the account and its grants together.
    """
    rows = await Account.raw(SESSION_USER_SQL, account_id)
    if not rows or rows[0]["auth_epoch"] != auth_epoch:
        return None
    account = rows[0]
    roles: dict[str, set[str]] = {}
    for row in rows:
        if row["role"]:
            roles.setdefault(row["slug"] or "", set()).add(row["role"])
    return SessionUser(
        id=account["id"], email=account["email"], display_name=account["display_name"],
        locale=account["locale"], is_admin=bool(account["is_admin"]) or "admin" in roles.get("", set()),
        auth_epoch=account["auth_epoch"], roles={k: frozenset(v) for k, v in roles.items()},
        email_verified=account["email_verified_at"] is not None,
    )


async def authenticate(*, email: str, password: str, client: str, settings: Settings) -> SessionUser:
    """Check a sign-in; raises RateLimited when over the limit, AccountError('login_failed') otherwise."""
    email = normalise_email(email)
    ip_key, account_key = f"login:ip:{client}", f"login:account:{email}"
    window = settings.login_window_seconds
    await ratelimit.check(ip_key, limit=settings.login_attempts_per_ip, window_seconds=window)
    await ratelimit.check(account_key, limit=settings.login_attempts_per_account, window_seconds=window)
    account = await Account.select(Account.id, Account.password_hash, Account.is_active, Account.auth_epoch).where(
        Account.email == email).first()
    valid = await verify_password(account["password_hash"] if account else None, password)
    if not valid or not account["is_active"]:
        await ratelimit.hit(ip_key, account_key, window_seconds=window)
        raise AccountError("login_failed")
    await ratelimit.clear(account_key)
    values: dict = {Account.last_login_at: datetime.now(UTC)}
    if needs_rehash(account["password_hash"]):
        values[Account.password_hash] = await hash_password(password)
    await Account.update(values).where(Account.id == account["id"])
    user = await load_session_user(account["id"], account["auth_epoch"])
    assert user is not None
    return user


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
                                    RoleGrant.edition.year).where(
        RoleGrant.account == user.id, RoleGrant.edition.is_not_null()).order_by(RoleGrant.edition.year,
                                                                               ascending=False)
    by_edition: dict[str, RoleView] = {}
    for grant in grants:
        slug = grant["edition.slug"]
        view = by_edition.get(slug)
        roles = (*view.roles, grant["role"]) if view else (grant["role"],)
        title = db.json_value(grant["edition.title"])
        by_edition[slug] = RoleView(edition_slug=slug, edition_title=title, roles=tuple(sorted(roles)))
    return list(by_edition.values())
