"""A person's own data: download everything about oneself, withdraw consents, ask for erasure.

Erasure deletes what the competition does not need (drafts, withdrawn applications, the account's
identity) and anonymises what its record must keep (submitted applications keep their scores
and decisions, without the names, contacts and answers the form marks as identifying).
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core.applications import lifecycle
from core.applications.attachments import blob_path
from core.applications.form import stored_form
from core.people.api_tokens import revoke_tokens_of
from core.platform import audit, db
from core.platform.errors import NotFound, Refused
from core.platform.i18n import gettext as _
from core.platform.identity import SessionUser
from core.platform.settings import Settings
from core.platform.tables import (
    Account,
    AccountSession,
    Application,
    Attachment,
    ConsentRecord,
    Decision,
    Edition,
    RoleGrant,
    TeamMember,
)

ERASED_DOMAIN = "erased.invalid"


class ConsentNotFound(NotFound):
    pass


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


async def export_personal_data(*, user: SessionUser, settings: Settings) -> bytes:
    """A zip with everything about the person as JSON, plus the files they uploaded."""
    account = await Account.select(Account.email, Account.display_name, Account.locale, Account.created_at,
                                   Account.last_login_at, Account.email_verified_at).where(
        Account.id == user.id).first()
    roles = await RoleGrant.select(RoleGrant.role, RoleGrant.edition.slug).where(RoleGrant.account == user.id)
    consents = await ConsentRecord.select(ConsentRecord.code, ConsentRecord.kind, ConsentRecord.text_version,
                                          ConsentRecord.given_at, ConsentRecord.withdrawn_at,
                                          ConsentRecord.application).where(ConsentRecord.account == user.id)
    sessions = await AccountSession.select(
        AccountSession.created_at, AccountSession.last_seen_at, AccountSession.user_agent, AccountSession.address,
        AccountSession.revoked_at).where(AccountSession.account == user.id).order_by(AccountSession.created_at)
    rows = await Application.select().output(load_json=True).where(
        Application.applicant == user.id).order_by(Application.id)
    archive = io.BytesIO()
    files: list[tuple[str, Path]] = []
    applications = []
    for row in rows:
        team = await TeamMember.select(TeamMember.full_name, TeamMember.role, TeamMember.email, TeamMember.age_band,
                                       TeamMember.gender).where(TeamMember.application == row["id"])
        attachments = await Attachment.select(Attachment.field, Attachment.filename, Attachment.sha256,
                                              Attachment.size_bytes).where(Attachment.application == row["id"])
        decisions = await Decision.select(Decision.round.code, Decision.outcome, Decision.reason).where(
            Decision.application == row["id"], Decision.published_at.is_not_null())
        for attachment in attachments:
            files.append((f"attachments/{row['id']}/{attachment['field']}-{attachment['filename']}",
                          blob_path(settings=settings, sha256=attachment["sha256"])))
        applications.append({
            "id": row["id"], "status": row["status"], "receipt_number": row["receipt_number"],
            "submitted_at": row["submitted_at"], "entity_name": row["entity_name"], "title": row["title"],
            "answers": row["answers"], "team": team, "attachments": attachments,
            "published_decisions": decisions,
        })
    payload = {"account": account, "roles": roles, "consents": consents, "sessions": sessions,
               "applications": applications, "exported_at": datetime.now(UTC)}
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("giuria-data.json", json.dumps(payload, default=_jsonable, ensure_ascii=False, indent=2))
        for name, path in files:
            if path.is_file():
                bundle.write(path, name)
    await audit.record("account.data_exported", actor_id=user.id, subject_type="account", subject_id=user.id)
    return archive.getvalue()


async def consents_of(*, user: SessionUser) -> list[dict[str, Any]]:
    """Each declaration and consent given, with `text`: the statement as the edition words it (by language)."""
    rows = await ConsentRecord.select(
        ConsentRecord.id, ConsentRecord.code, ConsentRecord.kind, ConsentRecord.text_version,
        ConsentRecord.given_at, ConsentRecord.withdrawn_at, ConsentRecord.application.edition.title,
        ConsentRecord.application.edition.declarations, ConsentRecord.application.edition.consents,
    ).output(load_json=True).where(ConsentRecord.account == user.id).order_by(ConsentRecord.given_at)
    for row in rows:
        statements = [*(row.pop("application.edition.declarations") or []),
                      *(row.pop("application.edition.consents") or [])]
        row["text"] = next((s.get("text") for s in statements if isinstance(s, dict) and s.get("code") == row["code"]),
                           None) or {}
    return rows


async def withdraw_consent(*, user: SessionUser, consent_id: int) -> None:
    """Optional consents can be withdrawn at any time; declarations cannot (they were the terms of applying)."""
    async with db.write_transaction():
        record = await ConsentRecord.select(ConsentRecord.id, ConsentRecord.kind, ConsentRecord.withdrawn_at).where(
            ConsentRecord.id == consent_id, ConsentRecord.account == user.id).first()
        if record is None or record["kind"] != "consent":
            raise ConsentNotFound(consent_id)
        if record["withdrawn_at"] is None:
            await ConsentRecord.update({ConsentRecord.withdrawn_at: datetime.now(UTC)}).where(
                ConsentRecord.id == consent_id)
            await audit.record("consent.withdrawn", actor_id=user.id, subject_type="consent", subject_id=consent_id)


class ErasureNotConfirmed(Refused):
    """Erasure is final, so the person types their own email address to confirm it."""


async def erase_account(*, user: SessionUser, settings: Settings, confirm_email: str) -> list[str]:
    """Erase the person once `confirm_email` is their address (ErasureNotConfirmed otherwise); returns the
    content hashes no longer referenced, for the caller to delete."""
    if confirm_email.strip().lower() != user.email:
        raise ErasureNotConfirmed(_("Type your email address exactly to confirm the erasure."))
    now = datetime.now(UTC)
    async with db.write_transaction():
        rows = await Application.select(Application.id, Application.status, Application.edition).where(
            Application.applicant == user.id)
        hashes = {a["sha256"] for a in await Attachment.select(Attachment.sha256).where(
            Attachment.application.is_in([r["id"] for r in rows] or [-1]))}
        for row in rows:
            if not lifecycle.entered(row["status"]):
                await Application.delete().where(Application.id == row["id"])
            else:
                await _anonymise_application(row)
        await ConsentRecord.update({ConsentRecord.withdrawn_at: now}).where(
            ConsentRecord.account == user.id, ConsentRecord.kind == "consent", ConsentRecord.withdrawn_at.is_null())
        await RoleGrant.delete().where(RoleGrant.account == user.id, RoleGrant.role != "applicant")
        await Account.update({
            Account.email: f"erased-{user.id}@{ERASED_DOMAIN}", Account.display_name: "", Account.password_hash: "",
            Account.is_active: False, Account.last_login_at: None,
        }).where(Account.id == user.id)
        # Every browser is signed out, and the addresses and browsers the sessions recorded go with them.
        await AccountSession.delete().where(AccountSession.account == user.id)
        await revoke_tokens_of(account_id=user.id, now=now)
        await audit.record("account.erased", actor_id=user.id, subject_type="account", subject_id=user.id,
                           data={"applications_kept_anonymised": sum(lifecycle.entered(r["status"])
                                                                     for r in rows)})
        still_used = {a["sha256"] for a in await Attachment.select(Attachment.sha256).where(
            Attachment.sha256.is_in(list(hashes) or ["-"]))}
    orphans = sorted(hashes - still_used)
    for sha256 in orphans:
        blob_path(settings=settings, sha256=sha256).unlink(missing_ok=True)
    return orphans


async def _anonymise_application(row: dict[str, Any]) -> None:
    edition = await Edition.select(Edition.application_form).output(load_json=True).where(
        Edition.id == row["edition"]).first()
    identifying = {q.code for s in stored_form(edition["application_form"]) for q in s.questions
                   if q.identifying}
    application = await Application.select(Application.answers).output(load_json=True).where(
        Application.id == row["id"]).first()
    answers = application["answers"] or {}
    values = {k: v for k, v in (answers.get("values") or {}).items() if k not in identifying}
    await Application.update({
        Application.answers: {"values": values, "invalid": {}}, Application.entity_name: "",
        Application.tax_code: "",
    }).where(Application.id == row["id"])
    await TeamMember.update({TeamMember.full_name: "", TeamMember.email: ""}).where(
        TeamMember.application == row["id"])
    await Attachment.delete().where(Attachment.application == row["id"], Attachment.field.is_in(
        list(identifying) or ["-"]))
