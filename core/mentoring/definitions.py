"""What an edition's path asks for: its milestones (deliverables with due dates) and its impact KPIs.

Both usually come with the competition file; organisers add or correct them here, by code: saving
an existing code changes its names and dates, never what startups already delivered or reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from core.mentoring.access import MentoringNotFound, edition_for_organiser
from core.platform import audit, db
from core.platform.i18n import gettext as _
from core.platform.identity import SessionUser
from core.platform.tables import KpiDefinition, Milestone

CODE = re.compile(r"[A-Za-z0-9_-]{1,40}")


@dataclass
class DefinitionInput:
    code: str = ""
    name_it: str = ""
    name_en: str = ""
    due_on: str = ""
    remind_days_before: str = "7"
    unit: str = ""


def _common(data: DefinitionInput) -> tuple[dict[str, str], dict[str, str]]:
    errors: dict[str, str] = {}
    if not CODE.fullmatch(data.code.strip()):
        errors["code"] = _("Use 1 to 40 letters, digits, - or _.")
    names = {k: v.strip()[:200] for k, v in (("it", data.name_it), ("en", data.name_en)) if v.strip()}
    if not names:
        errors["name_it"] = _("Give a name in at least one language.")
    return names, errors


async def save_milestone(*, actor: SessionUser, edition_slug: str, data: DefinitionInput) -> dict[str, str]:
    edition = await edition_for_organiser(actor, edition_slug)
    names, errors = _common(data)
    due = None
    if data.due_on.strip():
        try:
            due = date.fromisoformat(data.due_on.strip())
        except ValueError:
            errors["due_on"] = _("Enter a date such as 2026-07-15.")
    try:
        days = int(data.remind_days_before.strip() or "7")
        if not 0 <= days <= 60:
            raise ValueError
    except ValueError:
        errors["remind_days_before"] = _("Enter a whole number from 0 to {most}.").format(most=60)
        days = 7
    if errors:
        return errors
    code = data.code.strip()
    async with db.write_transaction():
        existing = await Milestone.select(Milestone.id).where(Milestone.edition == edition["id"],
                                                             Milestone.code == code).first()
        values = {"name": names, "due_on": due, "remind_days_before": days}
        if existing:
            await Milestone.update(values).where(Milestone.id == existing["id"])
        else:
            await Milestone.insert(Milestone(edition=edition["id"], code=code, **values))
        await audit.record("milestone.defined", actor_id=actor.id, edition_id=edition["id"], subject_type="milestone",
                           subject_id=code, data={"name": names, "due_on": due, "remind_days_before": days})
    return {}


async def save_kpi(*, actor: SessionUser, edition_slug: str, data: DefinitionInput) -> dict[str, str]:
    edition = await edition_for_organiser(actor, edition_slug)
    names, errors = _common(data)
    if len(data.unit.strip()) > 20:
        errors["unit"] = _("Use at most 20 characters.")
    if errors:
        return errors
    code = data.code.strip()
    async with db.write_transaction():
        existing = await KpiDefinition.select(KpiDefinition.id).where(KpiDefinition.edition == edition["id"],
                                                                     KpiDefinition.code == code).first()
        values = {"name": names, "unit": data.unit.strip()}
        if existing:
            await KpiDefinition.update(values).where(KpiDefinition.id == existing["id"])
        else:
            await KpiDefinition.insert(KpiDefinition(edition=edition["id"], code=code, **values))
        await audit.record("kpi.defined", actor_id=actor.id, edition_id=edition["id"], subject_type="kpi_definition",
                           subject_id=code, data={"name": names, "unit": values["unit"]})
    return {}


async def save_definition(*, actor: SessionUser, edition_slug: str, kind: str, data: DefinitionInput
                          ) -> dict[str, str]:
    """A milestone (`kind` "milestone") or a KPI ("kpi") saved by code; MentoringNotFound for any other kind."""
    if kind == "milestone":
        return await save_milestone(actor=actor, edition_slug=edition_slug, data=data)
    if kind == "kpi":
        return await save_kpi(actor=actor, edition_slug=edition_slug, data=data)
    raise MentoringNotFound(kind)
