"""Signing up, verifying the email, resetting and changing the password or the email.

Links carry signed, expiring tokens (itsdangerous) bound to the state they change: a reset link
stops working once the password changed, a verification link once the email is verified, so each
is single-use without storing tokens. No answer ever tells whether an email is registered.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from core.messaging.mail import enqueue_mail
from core.messaging.smtp import check_address
from core.people.accounts import (
    AccountError,
    SessionUser,
    forget_login_attempts,
    normalise_email,
    revoke_sessions,
    start_session,
)
from core.people.api_tokens import revoke_tokens_of
from core.platform import audit, db, ratelimit
from core.platform.i18n import LANGUAGES
from core.platform.passwords import hash_password, password_problems, verify_password
from core.platform.settings import Settings
from core.platform.tables import Account

VERIFY_MAX_AGE = 3 * 24 * 3600
RESET_MAX_AGE = 60 * 60
EMAIL_CHANGE_MAX_AGE = 24 * 3600
RESET_REQUESTS_PER_HOUR = 5


class TokenInvalid(ValueError):
    """A link that is malformed, expired, or already used."""


def _serializer(settings: Settings, purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret_key, salt=f"giuria.{purpose}")


def _fingerprint(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()[:20]


def _load(settings: Settings, purpose: str, token: str, max_age: int) -> dict:
    try:
        return _serializer(settings, purpose).loads(token, max_age=max_age)
    except (SignatureExpired, BadSignature):
        raise TokenInvalid(purpose) from None


def _link(settings: Settings, path: str) -> str:
    return f"{settings.base_url}{path}"


async def _send_verification(settings: Settings, account: dict) -> None:
    token = _serializer(settings, "verify").dumps(
        {"id": account["id"], "fp": _fingerprint(account["email"], account["email_verified_at"])})
    await enqueue_mail(to=account["email"], template="account/verify", language=account["locale"], kind="verify",
                       context={"name": account["display_name"], "link": _link(settings, f"/verify/{token}")})


async def register(*, settings: Settings, email: str, password: str, display_name: str, locale: str,
                   client: str) -> None:
    """Create an unverified account and mail a link; for a known email, mail the owner instead."""
    email = normalise_email(email)
    if "@" not in email or len(email) > 254 or " " in email:
        raise AccountError("email_invalid")
    problems = password_problems(password, email=email)
    if problems:
        raise AccountError(problems[0])
    await ratelimit.consume(ratelimit.Limit(ratelimit.key("signup-ip", client), settings.login_attempts_per_ip,
                                            settings.login_window_seconds))
    locale = locale if locale in LANGUAGES else settings.default_language
    password_hash = await hash_password(password)
    async with db.write_transaction():
        existing = await Account.select().where(Account.email == email).first()
        if existing is not None:
            if existing["email_verified_at"] is None and existing["is_active"]:
                await _send_verification(settings, existing)
            else:
                await enqueue_mail(to=email, template="account/already_registered", language=existing["locale"],
                                   kind="already_registered",
                                   context={"name": existing["display_name"],
                                            "login_link": _link(settings, "/login"),
                                            "reset_link": _link(settings, "/password/forgot")})
            return
        account_id = (await Account.insert(Account(email=email, password_hash=password_hash,
                                                   display_name=display_name.strip()[:200], locale=locale)))[0]["id"]
        account = await Account.select().where(Account.id == account_id).first()
        await _send_verification(settings, account)
        await audit.record("account.created", actor_id=account_id, subject_type="account", subject_id=account_id)


async def verify_email(*, settings: Settings, token: str, client: str, user_agent: str = "",
                       replacing: str | None = None) -> str | None:
    """Confirm the address and sign its owner in, as a password would (the link proves the mailbox): the token
    of a new server-side session, `replacing` the browser's old one; None for an account that was deactivated.

    Single use and expiring like every mailed link: once the address is verified the link opens nothing.
    """
    data = _load(settings, "verify", token, VERIFY_MAX_AGE)
    now = datetime.now(UTC)
    async with db.write_transaction():
        account = await db.locked(Account.select().where(Account.id == data["id"])).first()
        if account is None or _fingerprint(account["email"], account["email_verified_at"]) != data["fp"]:
            raise TokenInvalid("verify")
        values: dict = {Account.email_verified_at: now}
        if account["is_active"]:
            values[Account.last_login_at] = now
        await Account.update(values).where(Account.id == account["id"])
        await audit.record("account.email_verified", actor_id=account["id"], subject_type="account",
                           subject_id=account["id"])
    if not account["is_active"]:
        return None
    return await start_session(account_id=account["id"], client=client, user_agent=user_agent, replacing=replacing)


async def resend_verification(*, settings: Settings, user: SessionUser) -> None:
    await ratelimit.consume(ratelimit.Limit(ratelimit.key("verify-account", str(user.id)), RESET_REQUESTS_PER_HOUR,
                                            3600))
    account = await Account.select().where(Account.id == user.id).first()
    if account["email_verified_at"] is None:
        await _send_verification(settings, account)


async def request_password_reset(*, settings: Settings, email: str, client: str, language: str) -> None:
    """Mail a reset link to an account's address, or a note that it has none; the caller shows one page.

    Both cases do the same work (look up, sign a token, render a mail, queue it, in one transaction),
    so neither the answer nor its timing tells whether the address has an account.
    """
    email = normalise_email(email)
    try:
        email = check_address(email)
    except ValueError:
        return  # no account can have it, so answering at once tells nothing
    window = 3600
    async with db.write_transaction():
        await ratelimit.consume(
            ratelimit.Limit(ratelimit.key("reset-ip", client), settings.login_attempts_per_ip, window),
            ratelimit.Limit(ratelimit.key("reset-account", email), RESET_REQUESTS_PER_HOUR, window))
        account = await Account.select(Account.id, Account.password_hash, Account.display_name, Account.locale).where(
            Account.email == email, Account.is_active.eq(True)).first()
        # Signed for no account too: the same cost, and a token for id 0 opens nothing.
        token = _serializer(settings, "reset").dumps(
            {"id": account["id"] if account else 0, "fp": _fingerprint(account["password_hash"] if account else "")})
        if account is not None:
            await enqueue_mail(to=email, template="account/reset", language=account["locale"], kind="reset", context={
                "name": account["display_name"], "link": _link(settings, f"/password/reset/{token}"),
                "expires_minutes": RESET_MAX_AGE // 60})
        else:
            await enqueue_mail(to=email, template="account/reset_no_account", language=language,
                               kind="reset_no_account", context={
                                   "name": "", "signup_link": _link(settings, "/signup"),
                                   "reset_link": _link(settings, "/password/forgot")})


async def check_reset_token(*, settings: Settings, token: str) -> None:
    """Fail early (before the form is filled) when a reset link is expired or used."""
    data = _load(settings, "reset", token, RESET_MAX_AGE)
    account = await Account.select(Account.password_hash).where(Account.id == data["id"]).first()
    if account is None or _fingerprint(account["password_hash"]) != data["fp"]:
        raise TokenInvalid("reset")


async def reset_password(*, settings: Settings, token: str, new_password: str) -> None:
    """Set a new password and sign the account out everywhere; the link cannot be used again."""
    data = _load(settings, "reset", token, RESET_MAX_AGE)
    new_hash = await hash_password(new_password)
    async with db.write_transaction():
        account = await db.locked(Account.select().where(Account.id == data["id"])).first()
        if account is None or _fingerprint(account["password_hash"]) != data["fp"]:
            raise TokenInvalid("reset")
        problems = password_problems(new_password, email=account["email"])
        if problems:
            raise AccountError(problems[0])
        await Account.update({
            Account.password_hash: new_hash,
            # Following a mailed link proves the address, too.
            Account.email_verified_at: account["email_verified_at"] or datetime.now(UTC),
        }).where(Account.id == account["id"])
        await revoke_sessions(account_id=account["id"])
        tokens = await revoke_tokens_of(account_id=account["id"])
        await audit.record("account.password_reset", actor_id=account["id"], subject_type="account",
                           subject_id=account["id"], data={"api_tokens_revoked": tokens})
    await forget_login_attempts(email=account["email"])


async def change_password(*, user: SessionUser, current_password: str, new_password: str) -> None:
    """Change the password and end every other session of the account; this one stays signed in."""
    account = await Account.select().where(Account.id == user.id).first()
    if not await verify_password(account["password_hash"], current_password):
        raise AccountError("password_wrong")
    problems = password_problems(new_password, email=account["email"])
    if problems:
        raise AccountError(problems[0])
    new_hash = await hash_password(new_password)
    async with db.write_transaction():
        await Account.update({Account.password_hash: new_hash}).where(Account.id == user.id)
        await revoke_sessions(account_id=user.id, keep_session_id=user.session_id)
        tokens = await revoke_tokens_of(account_id=user.id)
        await audit.record("account.password_changed", actor_id=user.id, subject_type="account", subject_id=user.id,
                           data={"api_tokens_revoked": tokens})


async def request_email_change(*, settings: Settings, user: SessionUser, new_email: str, password: str) -> None:
    """Mail a confirmation link to the new address; the change happens only when it is followed."""
    new_email = normalise_email(new_email)
    if "@" not in new_email or " " in new_email or len(new_email) > 254:
        raise AccountError("email_invalid")
    account = await Account.select().where(Account.id == user.id).first()
    if not await verify_password(account["password_hash"], password):
        raise AccountError("password_wrong")
    if await Account.exists().where(Account.email == new_email):
        return  # the same answer as a success: taken addresses are not revealed
    token = _serializer(settings, "email").dumps(
        {"id": user.id, "new": new_email, "fp": _fingerprint(account["email"])})
    await enqueue_mail(to=new_email, template="account/email_change", language=account["locale"],
                       kind="email_change",
                       context={"name": account["display_name"], "link": _link(settings, f"/me/email/confirm/{token}")})


async def confirm_email_change(*, settings: Settings, token: str) -> str:
    data = _load(settings, "email", token, EMAIL_CHANGE_MAX_AGE)
    async with db.write_transaction():
        account = await db.locked(Account.select().where(Account.id == data["id"])).first()
        if account is None or _fingerprint(account["email"]) != data["fp"]:
            raise TokenInvalid("email")
        if await Account.exists().where(Account.email == data["new"]):
            raise TokenInvalid("email")
        await Account.update({Account.email: data["new"], Account.email_verified_at: datetime.now(UTC)}).where(
            Account.id == account["id"])
        await audit.record("account.email_changed", actor_id=account["id"], subject_type="account",
                           subject_id=account["id"], data={"from": account["email"], "to": data["new"]})
    return data["new"]
