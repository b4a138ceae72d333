"""Inviting people to an edition (jurors, mentors, sponsor users, co-organisers) and the roles they hold in it.

An invitation is mailed as a signed link (itsdangerous, like the account links) naming the invitation
and its nonce. The database says whether it still works: pending, not past `expires_at`, and the nonce
the latest one (resending draws a new nonce, so only the newest link works). Accepting marks it
accepted in the same transaction that grants the role, so a link works once.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from core.editions.access import EditionNotFound, OrganisedEdition, edition_for_organiser, grant_role
from core.messaging.mail import absolute_url, enqueue_mail
from core.messaging.smtp import check_address
from core.people.accounts import AccountError, SessionUser, load_session_user, normalise_email, start_session
from core.platform import audit, db, i18n
from core.platform.errors import NotFound, Refused
from core.platform.i18n import LANGUAGES
from core.platform.i18n import gettext as _
from core.platform.passwords import hash_password, password_problems
from core.platform.settings import Settings
from core.platform.tables import Account, Edition, EditionPartner, Invitation, Organisation, RoleGrant, Round

INVITABLE_ROLES = ("juror", "mentor", "sponsor", "organiser")
INVITATION_DAYS = 14
MAX_EMAILS_PER_INVITE = 200
PENDING, ACCEPTED, REVOKED, EXPIRED = "pending", "accepted", "revoked", "expired"


class InvitationInvalid(ValueError):
    """A link that is malformed, expired, revoked, replaced by a newer one, or already used."""


class InvitationNotFound(NotFound):
    """No such invitation or role in this edition (or not this organiser's edition)."""


class SignInRequired(PermissionError):
    """The invited address has an account: its owner signs in (as that account) to accept."""


class RoleNotRemovable(Refused):
    """The role cannot be removed; `message` says why."""


@dataclass
class InviteForm:
    """What the organiser typed: one address per line (or separated by commas), the role and its details."""

    emails: str = ""
    role: str = "juror"
    round_code: str = ""
    partner_id: str = ""
    language: str = "it"


@dataclass
class InviteOutcome:
    """Errors by form field (nothing was sent if any), or who was invited, re-invited or already had the role."""

    errors: dict[str, str] = field(default_factory=dict)
    invited: list[str] = field(default_factory=list)
    renewed: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class InvitationLine:
    id: int
    email: str
    role: str
    round_name: dict[str, str]
    organisation: str
    language: str
    state: str
    sent_at: datetime
    expires_at: datetime
    accepted_at: datetime | None
    invited_by: str


@dataclass(frozen=True)
class PersonRole:
    grant_id: int
    account_id: int
    name: str
    email: str
    role: str
    organisation: str


@dataclass(frozen=True)
class PartnerChoice:
    id: int
    name: str
    role: str


@dataclass(frozen=True)
class RoundChoice:
    code: str
    name: dict[str, str]


@dataclass(frozen=True)
class PeoplePage:
    edition: OrganisedEdition
    invitations: list[InvitationLine]
    people: list[PersonRole]
    rounds: list[RoundChoice]
    partners: list[PartnerChoice]


@dataclass(frozen=True)
class Accepted:
    """Who accepted (now signed in), and the role and edition it opened."""

    user: SessionUser
    role: str
    edition_slug: str
    # The new session's cookie token when the acceptance signed a new account in; empty otherwise.
    session_token: str = ""

    @property
    def landing_path(self) -> str:
        # a juror's first stop is their profile: tracks of expertise and capacity feed the assignment
        return {"juror": f"/jury/profile/{self.edition_slug}",
                "organiser": f"/organise/{self.edition_slug}"}.get(self.role, "/me")


@dataclass(frozen=True)
class InvitationView:
    """What the invited person sees before accepting."""

    email: str
    role: str
    edition_slug: str
    edition_title: dict[str, str]
    round_name: dict[str, str]
    organisation: str
    has_account: bool
    expires_at: datetime


# -- links --------------------------------------------------------------------------------------------


def _serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret_key, salt="giuria.invitation")


def _token(settings: Settings, invitation_id: int, nonce: str) -> str:
    return _serializer(settings).dumps({"id": invitation_id, "n": nonce})


def link_token(settings: Settings, invitation_id: int, nonce: str) -> str:
    """The token the invitation's mail carries; the demo accepts the invitations it sends with it."""
    return _token(settings, invitation_id, nonce)


def _state(row: dict[str, Any], now: datetime) -> str:
    if row["status"] == PENDING and row["expires_at"] <= now:
        return EXPIRED
    return row["status"]


async def _load_link(settings: Settings, token: str, now: datetime, *, lock: bool = False) -> dict[str, Any]:
    try:
        data = _serializer(settings).loads(token, max_age=INVITATION_DAYS * 24 * 3600)
        invitation_id, nonce = int(data["id"]), str(data["n"])
    except (SignatureExpired, BadSignature, KeyError, TypeError, ValueError):
        raise InvitationInvalid() from None
    query = Invitation.select().where(Invitation.id == invitation_id)
    row = await (db.locked(query) if lock else query).first()
    if row is None or not secrets.compare_digest(row["nonce"], nonce) or _state(row, now) != PENDING:
        raise InvitationInvalid()
    return row


# -- inviting -----------------------------------------------------------------------------------------


def valid_email(address: str) -> bool:
    try:
        check_address(address)
    except ValueError:
        return False
    domain = address.rpartition("@")[2]
    return "." in domain.strip(".") and not domain.endswith(".") and len(address) <= 254


def split_emails(text: str) -> list[str]:
    """The addresses in a textarea: one per line, or separated by commas or semicolons; duplicates once."""
    seen: dict[str, None] = {}
    for line in text.replace(",", "\n").replace(";", "\n").splitlines():
        address = normalise_email(line)
        if address:
            seen.setdefault(address, None)
    return list(seen)


async def _check_form(form: InviteForm, edition_id: int) -> tuple[dict[str, str], list[str], int | None, int | None]:
    """The form's errors by field, or its addresses, round id and organisation id."""
    errors: dict[str, str] = {}
    emails = split_emails(form.emails)
    bad = [address for address in emails if not valid_email(address)]
    if not emails:
        errors["emails"] = _("Enter at least one email address.")
    elif bad:
        errors["emails"] = _("These are not valid email addresses: {addresses}").format(addresses=", ".join(bad))
    elif len(emails) > MAX_EMAILS_PER_INVITE:
        errors["emails"] = _("At most {count} addresses at a time.").format(count=MAX_EMAILS_PER_INVITE)
    if form.role not in INVITABLE_ROLES:
        errors["role"] = _("Choose a role.")
    if form.language not in LANGUAGES:
        errors["language"] = _("Choose the language of the invitation.")
    round_id = None
    if form.round_code and form.role == "juror":
        found = await Round.select(Round.id).where(Round.edition == edition_id, Round.code == form.round_code).first()
        if found is None:
            errors["round_code"] = _("Choose a round of this edition.")
        else:
            round_id = found["id"]
    organisation_id = None
    if form.partner_id:
        partner = None
        if form.partner_id.isdigit():
            partner = await EditionPartner.select(EditionPartner.organisation).where(
                EditionPartner.id == int(form.partner_id), EditionPartner.edition == edition_id).first()
        if partner is None:
            errors["partner_id"] = _("Choose a partner of this edition.")
        else:
            organisation_id = partner["organisation"]
    elif form.role == "sponsor":
        errors["partner_id"] = _("A sponsor user belongs to a partner: choose which.")
    return errors, emails, round_id, organisation_id


async def invite(*, settings: Settings, actor: SessionUser, edition_slug: str, form: InviteForm,
                 now: datetime | None = None) -> InviteOutcome:
    """Mail an invitation to each address; an address already invited for the role gets a fresh link."""
    now = now or datetime.now(UTC)
    edition = await edition_for_organiser(actor=actor, edition_slug=edition_slug)
    outcome = InviteOutcome()
    outcome.errors, emails, round_id, organisation_id = await _check_form(form, edition.id)
    if outcome.errors:
        return outcome
    async with db.write_transaction():
        accounts = {row["email"]: row for row in await Account.select(Account.id, Account.email, Account.locale).where(
            Account.email.is_in(emails))}
        holders = {row["account"] for row in await RoleGrant.select(RoleGrant.account).where(
            RoleGrant.edition == edition.id, RoleGrant.role == form.role)}
        pending = {row["email"]: row for row in await db.locked(Invitation.select().where(
            Invitation.edition == edition.id, Invitation.role == form.role, Invitation.status == PENDING,
            Invitation.email.is_in(emails)))}
        for address in emails:
            account = accounts.get(address)
            if account is not None and account["id"] in holders:
                outcome.already.append(address)
                continue
            language = account["locale"] if account and account["locale"] in LANGUAGES else form.language
            nonce = secrets.token_urlsafe(16)
            values = {"nonce": nonce, "sent_at": now, "expires_at": now + timedelta(days=INVITATION_DAYS),
                      "language": language, "round": round_id, "organisation": organisation_id,
                      "invited_by": actor.id}
            if address in pending:
                invitation_id = pending[address]["id"]
                await Invitation.update({getattr(Invitation, k): v for k, v in values.items()}).where(
                    Invitation.id == invitation_id)
                outcome.renewed.append(address)
            else:
                invitation_id = (await Invitation.insert(Invitation(
                    edition=edition.id, email=address, role=form.role, status=PENDING, created_at=now,
                    **values)))[0]["id"]
                outcome.invited.append(address)
            await _mail_invitation(settings, invitation_id=invitation_id, nonce=nonce, email=address,
                                   language=language, role=form.role, edition_title=edition.title,
                                   round_id=round_id, organisation_id=organisation_id, inviter=actor.name,
                                   expires_at=now + timedelta(days=INVITATION_DAYS), time_zone=edition.time_zone)
            await audit.record("invitation.sent", actor_id=actor.id, edition_id=edition.id,
                               subject_type="invitation", subject_id=invitation_id,
                               data={"email": address, "role": form.role, "round": form.round_code or None,
                                     "renewed": address in pending})
    return outcome


async def _mail_invitation(settings: Settings, *, invitation_id: int, nonce: str, email: str, language: str,
                           role: str, edition_title: dict, round_id: int | None, organisation_id: int | None,
                           inviter: str, expires_at: datetime, time_zone: str) -> None:
    round_name = organisation = ""
    if round_id is not None:
        found = await Round.select(Round.name).output(load_json=True).where(Round.id == round_id).first()
        round_name = i18n.pick(found["name"], language) if found else ""
    if organisation_id is not None:
        found = await Organisation.select(Organisation.name).where(Organisation.id == organisation_id).first()
        organisation = found["name"] if found else ""
    name = await Account.select(Account.display_name).where(Account.email == email).first()
    with i18n.language(language):
        expires = i18n.format_day(expires_at, time_zone)
    token = _token(settings, invitation_id, nonce)
    await enqueue_mail(to=email, template="people/invitation", language=language, kind="invitation", context={
        "name": name["display_name"] if name else "", "role": role, "inviter": inviter,
        "edition": i18n.pick(edition_title, language), "round": round_name, "organisation": organisation,
        "expires": expires, "link": absolute_url(settings.base_url, f"/invitations/{token}"),
    })


async def _invitation_in_edition(edition_id: int, invitation_id: int) -> dict[str, Any]:
    row = await db.locked(Invitation.select().where(Invitation.id == invitation_id,
                                                    Invitation.edition == edition_id)).first()
    if row is None:
        raise InvitationNotFound(invitation_id)
    return row


async def resend_invitation(*, settings: Settings, actor: SessionUser, edition_slug: str, invitation_id: int,
                            now: datetime | None = None) -> str:
    """A fresh link (the old one stops working) with a new expiry; pending or expired invitations only."""
    now = now or datetime.now(UTC)
    edition = await edition_for_organiser(actor=actor, edition_slug=edition_slug)
    async with db.write_transaction():
        row = await _invitation_in_edition(edition.id, invitation_id)
        if row["status"] != PENDING:
            raise InvitationNotFound(invitation_id)
        nonce = secrets.token_urlsafe(16)
        expires_at = now + timedelta(days=INVITATION_DAYS)
        await Invitation.update({Invitation.nonce: nonce, Invitation.sent_at: now, Invitation.expires_at: expires_at,
                                 Invitation.invited_by: actor.id}).where(Invitation.id == invitation_id)
        await _mail_invitation(settings, invitation_id=invitation_id, nonce=nonce, email=row["email"],
                               language=row["language"], role=row["role"], edition_title=edition.title,
                               round_id=row["round"], organisation_id=row["organisation"], inviter=actor.name,
                               expires_at=expires_at, time_zone=edition.time_zone)
        await audit.record("invitation.resent", actor_id=actor.id, edition_id=edition.id, subject_type="invitation",
                           subject_id=invitation_id, data={"email": row["email"], "role": row["role"]})
    return row["email"]


async def revoke_invitation(*, actor: SessionUser, edition_slug: str, invitation_id: int) -> str:
    """The link stops working; a pending (or expired) invitation only."""
    edition = await edition_for_organiser(actor=actor, edition_slug=edition_slug)
    async with db.write_transaction():
        row = await _invitation_in_edition(edition.id, invitation_id)
        if row["status"] != PENDING:
            raise InvitationNotFound(invitation_id)
        await Invitation.update({Invitation.status: REVOKED}).where(Invitation.id == invitation_id)
        await audit.record("invitation.revoked", actor_id=actor.id, edition_id=edition.id, subject_type="invitation",
                           subject_id=invitation_id, data={"email": row["email"], "role": row["role"]})
    return row["email"]


async def remove_role(*, actor: SessionUser, edition_slug: str, grant_id: int) -> str:
    """Take a role in this edition away from someone (returns the role); never one's own organiser role."""
    edition = await edition_for_organiser(actor=actor, edition_slug=edition_slug)
    async with db.write_transaction():
        grant = await db.locked(RoleGrant.select(RoleGrant.id, RoleGrant.account, RoleGrant.role).where(
            RoleGrant.id == grant_id, RoleGrant.edition == edition.id)).first()
        if grant is None:
            raise InvitationNotFound(grant_id)
        if grant["account"] == actor.id and grant["role"] == "organiser":
            raise RoleNotRemovable(_("You cannot remove your own organiser role; ask another organiser."))
        await RoleGrant.delete().where(RoleGrant.id == grant_id)
        await audit.record("role.removed", actor_id=actor.id, edition_id=edition.id, subject_type="account",
                           subject_id=grant["account"], data={"role": grant["role"]})
    return grant["role"]


async def people_page(*, actor: SessionUser, edition_slug: str, now: datetime | None = None) -> PeoplePage:
    """The edition's invitations and the people holding roles in it, with the choices the invite form offers."""
    now = now or datetime.now(UTC)
    edition = await edition_for_organiser(actor=actor, edition_slug=edition_slug)
    invitations = await Invitation.select(
        Invitation.id, Invitation.email, Invitation.role, Invitation.round.name, Invitation.organisation.name,
        Invitation.language, Invitation.status, Invitation.sent_at, Invitation.expires_at, Invitation.accepted_at,
        Invitation.invited_by.display_name, Invitation.invited_by.email,
    ).output(load_json=True).where(Invitation.edition == edition.id).order_by(Invitation.sent_at, ascending=False)
    grants = await RoleGrant.select(
        RoleGrant.id, RoleGrant.account, RoleGrant.role, RoleGrant.account.display_name, RoleGrant.account.email,
        RoleGrant.organisation.name,
    ).where(RoleGrant.edition == edition.id).order_by(RoleGrant.role).order_by(RoleGrant.account.email)
    partners = await EditionPartner.select(
        EditionPartner.id, EditionPartner.role, EditionPartner.organisation.name,
    ).where(EditionPartner.edition == edition.id).order_by(EditionPartner.position).order_by(EditionPartner.id)
    return PeoplePage(
        edition=edition,
        invitations=[InvitationLine(
            id=r["id"], email=r["email"], role=r["role"], round_name=r["round.name"] or {},
            organisation=r["organisation.name"] or "", language=r["language"], state=_state(r, now),
            sent_at=r["sent_at"], expires_at=r["expires_at"], accepted_at=r["accepted_at"],
            invited_by=r["invited_by.display_name"] or r["invited_by.email"] or "") for r in invitations],
        people=[PersonRole(grant_id=g["id"], account_id=g["account"], name=g["account.display_name"] or "",
                           email=g["account.email"], role=g["role"], organisation=g["organisation.name"] or "")
                for g in grants],
        rounds=[RoundChoice(code=r.code, name=r.name) for r in edition.rounds],
        partners=[PartnerChoice(id=p["id"], name=p["organisation.name"], role=p["role"]) for p in partners],
    )


# -- accepting ----------------------------------------------------------------------------------------


async def open_invitation(*, settings: Settings, token: str, now: datetime | None = None) -> InvitationView:
    """The invitation behind a link, if it still works; InvitationInvalid otherwise."""
    now = now or datetime.now(UTC)
    row = await _load_link(settings, token, now)
    edition = await Edition.select(Edition.slug, Edition.title).output(load_json=True).where(Edition.id == row[
            "edition"]).first()
    round_name = organisation = None
    if row["round"] is not None:
        round_name = await Round.select(Round.name).output(load_json=True).where(Round.id == row["round"]).first()
    if row["organisation"] is not None:
        organisation = await Organisation.select(Organisation.name).where(
            Organisation.id == row["organisation"]).first()
    return InvitationView(
        email=row["email"], role=row["role"], edition_slug=edition["slug"],
        edition_title=edition["title"] or {},
        round_name=round_name["name"] if round_name else {},
        organisation=organisation["name"] if organisation else "",
        has_account=await Account.exists().where(Account.email == row["email"]), expires_at=row["expires_at"],
    )


async def accept_invitation(*, settings: Settings, token: str, user: SessionUser | None, password: str = "",
                            display_name: str = "", now: datetime | None = None, client: str = "",
                            user_agent: str = "") -> Accepted:
    """Grant the invited role and use up the link; returns who is now signed in.

    A new address gets an account with the password chosen here (its email counts as verified: the link
    came to it). An address with an account needs its owner signed in as that account.
    """
    now = now or datetime.now(UTC)
    new_hash = ""
    if user is None and password:
        new_hash = await hash_password(password)
    async with db.write_transaction():
        row = await _load_link(settings, token, now, lock=True)
        account = await Account.select(Account.id, Account.email_verified_at, Account.is_active).where(
            Account.email == row["email"]).first()
        if account is not None:
            if user is None or user.id != account["id"]:
                raise SignInRequired(row["email"])
            if not account["is_active"]:
                raise InvitationInvalid()
            account_id = account["id"]
            if account["email_verified_at"] is None:
                await Account.update({Account.email_verified_at: now}).where(Account.id == account_id)
        else:
            if user is not None:
                raise SignInRequired(row["email"])
            problems = password_problems(password, email=row["email"])
            if problems:
                raise AccountError(problems[0])
            account_id = (await Account.insert(Account(
                email=row["email"], password_hash=new_hash, display_name=display_name.strip()[:200],
                locale=row["language"] if row["language"] in LANGUAGES else settings.default_language,
                email_verified_at=now)))[0]["id"]
            await audit.record("account.created", actor_id=account_id, subject_type="account", subject_id=account_id,
                               data={"via": "invitation"})
        edition = await Edition.select(Edition.slug).where(Edition.id == row["edition"]).first()
        await grant_role(account_id=account_id, role=row["role"], edition_slug=edition["slug"],
                         organisation_id=row["organisation"], actor_id=row["invited_by"])
        await Invitation.update({Invitation.status: ACCEPTED, Invitation.account: account_id,
                                 Invitation.accepted_at: now}).where(Invitation.id == row["id"])
        await audit.record("invitation.accepted", actor_id=account_id, edition_id=row["edition"],
                           subject_type="invitation", subject_id=row["id"], data={"role": row["role"]})
    session_token = ""
    if user is None:
        session_token = await start_session(account_id=account_id, client=client, user_agent=user_agent)
    signed_in = await load_session_user(account_id, user.auth_epoch if user else 0)
    assert signed_in is not None
    return Accepted(user=signed_in, role=row["role"], edition_slug=edition["slug"], session_token=session_token)


__all__ = [
    "INVITABLE_ROLES", "Accepted", "EditionNotFound", "InvitationInvalid", "InvitationNotFound", "InviteForm",
    "InviteOutcome", "PeoplePage", "RoleNotRemovable", "SignInRequired", "accept_invitation", "invite",
    "link_token", "open_invitation", "people_page", "remove_role", "resend_invitation", "revoke_invitation",
]
