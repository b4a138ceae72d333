"""An edition's own wording of the mails it sends, per event and language, with a preview on sample data.

Overrides are stored in the database and rendered in Jinja's sandbox (HTML autoescaped); a mail without
an override uses the file templates under core/messaging/mail_templates. Only mails about an edition can be
overridden: account mails (sign-up, password reset) carry sign-in links and stay as the platform wrote them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from core.editions.access import EditionNotFound, edition_for_organiser
from core.messaging.render import MailOverride, OverrideError, RenderedMail, render_mail, render_override
from core.platform import audit, db, i18n
from core.platform.errors import NotFound
from core.platform.i18n import gettext as _
from core.platform.identity import SessionUser
from core.platform.tables import MailTemplateOverride


def N_(message: str) -> str:
    return message


@dataclass(frozen=True)
class MailEvent:
    """A mail an edition sends: its template, what it is for, and a sample of the data it receives."""

    template: str
    label: str
    sample: dict


SAMPLE_LINK = "https://giuria.example/applications/42"
EVENTS: tuple[MailEvent, ...] = (
    MailEvent("application/receipt", N_("Receipt of a submitted application"), {
        "name": "Maria Rossi", "edition_title": "Welfare & Comunità 2026", "receipt_number": "WC26-0042",
        "submitted_at_text": "30/04/2026 11:58", "summary": [["Ente", "Cooperativa Esempio"],
                                                             ["Progetto", "Orti per tutti"]],
        "status_link": SAMPLE_LINK}),
    MailEvent("application/not_admissible", N_("Notice of an application that is not admissible"), {
        "name": "Maria Rossi", "edition_title": "Welfare & Comunità 2026", "title": "Orti per tutti",
        "reason": "The entity was founded more than five years ago.", "status_link": SAMPLE_LINK}),
)
# The notices of a round's published decisions, one per outcome: previewed before publishing.
DECISION_SAMPLE = {"name": "Maria Rossi", "edition_title": "Welfare & Comunità 2026", "round_name": "Giuria online",
                   "reason": "", "status_link": SAMPLE_LINK}
EVENTS += (
    MailEvent("decision/advanced", N_("Notice of an entry that advances to the next round"), DECISION_SAMPLE),
    MailEvent("decision/not_advanced", N_("Notice of an entry that does not advance"), DECISION_SAMPLE),
    MailEvent("decision/finalist", N_("Notice of a finalist"), DECISION_SAMPLE),
    MailEvent("decision/winner", N_("Notice of a winner"), DECISION_SAMPLE),
    MailEvent("decision/not_winner", N_("Notice of a finalist not among the winners"), DECISION_SAMPLE),
)
# The notice that a round's feedback to applicants is released.
EVENTS += (
    MailEvent("feedback/released", N_("Notice that the jury's feedback is ready"), {
        "name": "Maria Rossi", "edition_title": "Welfare & Comunità 2026", "round_name": "Giuria online",
        "feedback_link": SAMPLE_LINK + "/feedback/R1"}),
)
# Clarifications and appeals (core.judging.clarifications, core.results.appeals): never a juror's name.
EVENTS += (
    MailEvent("clarification/asked", N_("A question from the jury to an applicant"), {
        "name": "Maria Rossi", "edition_title": "Welfare & Comunità 2026", "round_name": "Giuria online",
        "question": "Quante persone lavorano oggi nel progetto?", "due_at": datetime(2026, 6, 10, 10, 0, tzinfo=UTC),
        "time_zone": "Europe/Rome", "status_link": SAMPLE_LINK}),
    MailEvent("appeal/decided", N_("The decision on an applicant's appeal"), {
        "name": "Maria Rossi", "edition_title": "Welfare & Comunità 2026", "round_name": "Giuria online",
        "upheld": True, "effect": "review", "outcome": "", "reasons": "Un giurato aveva un conflitto non dichiarato.",
        "status_link": SAMPLE_LINK}),
    MailEvent("appeal/reviewed", N_("The decision after an appeal's new review"), {
        "name": "Maria Rossi", "edition_title": "Welfare & Comunità 2026", "round_name": "Giuria online",
        "changed": True, "outcome": "finalista", "reasons": "I nuovi giurati la collocano tra le migliori.",
        "status_link": SAMPLE_LINK}),
    MailEvent("jury/appeal_review", N_("An entry sent back to a juror for review after an appeal"), {
        "name": "Bruno Neri", "edition_title": "Welfare & Comunità 2026", "round_name": "Giuria online",
        "entry": 42, "review_link": "https://giuria.example/jury/assignments/7"}),
)
BY_TEMPLATE = {event.template: event for event in EVENTS}


class MailTemplateNotFound(NotFound):
    """Not a mail an edition can reword, or not a language of the platform."""


class OverrideRefused(ValueError):
    """The wording does not render on the sample data; `errors` maps each part to what is wrong, with its line."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass(frozen=True)
class TemplateRow:
    template: str
    label: str
    languages: tuple[tuple[str, bool], ...]  # (language, overridden)


@dataclass(frozen=True)
class TemplateEditor:
    template: str
    label: str
    language: str
    variables: tuple[str, ...]
    override: MailOverride | None
    file_preview: RenderedMail


def _event(template: str, language: str) -> MailEvent:
    if template not in BY_TEMPLATE or language not in i18n.LANGUAGES:
        raise MailTemplateNotFound(template)
    return BY_TEMPLATE[template]


async def _stored(edition_id: int, template: str, language: str) -> MailOverride | None:
    row = await MailTemplateOverride.select(
        MailTemplateOverride.subject, MailTemplateOverride.body_text, MailTemplateOverride.body_html,
    ).where(MailTemplateOverride.edition == edition_id, MailTemplateOverride.template == template,
            MailTemplateOverride.language == language).first()
    return MailOverride(**row) if row else None


async def list_templates(*, actor: SessionUser, edition_slug: str) -> list[TemplateRow]:
    edition = await edition_for_organiser(actor=actor, edition_slug=edition_slug)
    rows = await MailTemplateOverride.select(MailTemplateOverride.template, MailTemplateOverride.language).where(
        MailTemplateOverride.edition == edition.id)
    overridden = {(r["template"], r["language"]) for r in rows}
    return [TemplateRow(template=e.template, label=e.label,
                        languages=tuple((lang, (e.template, lang) in overridden) for lang in i18n.LANGUAGES))
            for e in EVENTS]


async def template_editor(*, actor: SessionUser, edition_slug: str, template: str, language: str) -> TemplateEditor:
    edition = await edition_for_organiser(actor=actor, edition_slug=edition_slug)
    event = _event(template, language)
    return TemplateEditor(
        template=template, label=event.label, language=language, variables=tuple(sorted(event.sample)),
        override=await _stored(edition.id, template, language),
        file_preview=render_mail(template=template, language=language, context=event.sample))


def _check(event: MailEvent, override: MailOverride) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not override.subject.strip():
        errors["subject"] = _("Write a subject.")
    if not override.body_text.strip():
        errors["body_text"] = _("Write the text of the mail.")
    if errors:
        return errors
    try:
        render_override(override, event.sample)
    except OverrideError as error:
        where = _("Line {line}: ").format(line=error.line) if error.line else ""
        errors[error.part] = where + error.message
    return errors


def preview(*, template: str, language: str, override: MailOverride) -> RenderedMail:
    """The mail as the wording would make it on the sample data; OverrideRefused if it does not render."""
    event = _event(template, language)
    errors = _check(event, override)
    if errors:
        raise OverrideRefused(errors)
    return render_mail(template=template, language=language, context=event.sample, override=override)


async def save_override(*, actor: SessionUser, edition_slug: str, template: str, language: str,
                        override: MailOverride) -> RenderedMail:
    """Store the edition's wording once it renders on the sample data; audited, since it speaks for the edition."""
    edition = await edition_for_organiser(actor=actor, edition_slug=edition_slug)
    rendered = preview(template=template, language=language, override=override)
    async with db.write_transaction():
        values = {MailTemplateOverride.subject: override.subject, MailTemplateOverride.body_text: override.body_text,
                  MailTemplateOverride.body_html: override.body_html, MailTemplateOverride.updated_by: actor.id,
                  MailTemplateOverride.updated_at: datetime.now(UTC)}
        existing = await MailTemplateOverride.select(MailTemplateOverride.id).where(
            MailTemplateOverride.edition == edition.id, MailTemplateOverride.template == template,
            MailTemplateOverride.language == language).first()
        if existing:
            await MailTemplateOverride.update(values).where(MailTemplateOverride.id == existing["id"])
        else:
            await MailTemplateOverride.insert(MailTemplateOverride(
                edition=edition.id, template=template, language=language,
                **{column._meta.name: value for column, value in values.items()}))
        await audit.record("mail_template.saved", actor_id=actor.id, edition_id=edition.id,
                           subject_type="mail_template", subject_id=f"{template}:{language}",
                           data={"subject": override.subject})
    return rendered


async def remove_override(*, actor: SessionUser, edition_slug: str, template: str, language: str) -> None:
    """Go back to the file template."""
    edition = await edition_for_organiser(actor=actor, edition_slug=edition_slug)
    _event(template, language)
    async with db.write_transaction():
        await MailTemplateOverride.delete().where(
            MailTemplateOverride.edition == edition.id, MailTemplateOverride.template == template,
            MailTemplateOverride.language == language)
        await audit.record("mail_template.removed", actor_id=actor.id, edition_id=edition.id,
                           subject_type="mail_template", subject_id=f"{template}:{language}")


__all__ = ["EVENTS", "EditionNotFound", "MailTemplateNotFound", "OverrideRefused", "list_templates", "preview",
           "remove_override", "save_override", "template_editor"]
