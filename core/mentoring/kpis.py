"""Impact KPIs: the edition defines them, the startup sets baseline and target and reports values over time.

Reporting goes on after the award, through the follow-up year. A value is never edited in place:
each report is a new row with the period it covers, so the history stays as it was told.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

from core.mentoring.access import MentoringNotFound, own_application_on_path
from core.messaging import events
from core.platform import audit, db
from core.platform.i18n import gettext as _
from core.platform.identity import SessionUser
from core.platform.tables import KpiDefinition, KpiValue

PLAN_KINDS = ("baseline", "target")
THOUSANDS = re.compile(r"-?\d{1,3}(\.\d{3})+")
REPORTED = "actual"


@dataclass(frozen=True)
class KpiPoint:
    period_end: date | None
    value: float
    note: str
    reported_at: datetime


@dataclass(frozen=True)
class KpiLine:
    """One KPI for one startup: the plan and what was reported, oldest first."""

    code: str
    name: dict[str, str]
    unit: str
    baseline: float | None
    target: float | None
    values: tuple[KpiPoint, ...]

    @property
    def latest(self) -> KpiPoint | None:
        return self.values[-1] if self.values else None


def parse_number(raw: str) -> float | None:
    """A number as people type it in Italy or elsewhere: "1.500,5", "1500.5", "1 500", "1.250"; blank is None.

    Dots in groups of three ("1.250", "12.000.000") are thousands, as Italians write them; "1.5" stays 1.5.
    """
    text = raw.strip().replace(" ", "").replace("\u00a0", "")
    if not text:
        return None
    if "," in text or THOUSANDS.fullmatch(text):
        text = text.replace(".", "").replace(",", ".")
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(raw)
    return value


async def kpis_of(application_id: int, edition_id: int) -> list[KpiLine]:
    definitions = await KpiDefinition.select().output(load_json=True).where(
            KpiDefinition.edition == edition_id).order_by(
        KpiDefinition.position).order_by(KpiDefinition.id)
    rows = await KpiValue.select().where(KpiValue.application == application_id).order_by(KpiValue.reported_at)
    lines = []
    for d in definitions:
        mine = [r for r in rows if r["kpi"] == d["id"]]
        plan = {kind: next((r["value"] for r in reversed(mine) if r["kind"] == kind), None) for kind in PLAN_KINDS}
        reported = sorted((r for r in mine if r["kind"] == REPORTED),
                          key=lambda r: (r["period_end"] or date.min, r["reported_at"]))
        lines.append(KpiLine(code=d["code"], name=d["name"] or {}, unit=d["unit"],
                             baseline=plan["baseline"], target=plan["target"],
                             values=tuple(KpiPoint(period_end=r["period_end"], value=r["value"], note=r["note"],
                                                   reported_at=r["reported_at"]) for r in reported)))
    return lines


async def _definitions(edition_id: int) -> dict[str, int]:
    return {r["code"]: r["id"] for r in await KpiDefinition.select(KpiDefinition.id, KpiDefinition.code).where(
        KpiDefinition.edition == edition_id)}


async def save_plan(*, actor: SessionUser, application_id: int, plan: dict[str, dict[str, str]]) -> dict[str, str]:
    """Baseline and target per KPI code; a changed value is stored anew, an unchanged one left alone."""
    app = await own_application_on_path(actor, application_id)
    definitions = await _definitions(app["edition"])
    current = {line.code: line for line in await kpis_of(application_id, app["edition"])}
    errors: dict[str, str] = {}
    changes: list[tuple[str, str, float]] = []
    for code, kinds in plan.items():
        if code not in definitions:
            continue
        for kind in PLAN_KINDS:
            try:
                value = parse_number(kinds.get(kind, ""))
            except ValueError:
                errors[f"{kind}.{code}"] = _("Enter a number.")
                continue
            if value is not None and value != getattr(current[code], kind):
                changes.append((code, kind, value))
    if errors:
        return errors
    now = datetime.now(UTC)
    async with db.write_transaction():
        if changes:
            await KpiValue.insert(*(KpiValue(application=application_id, kpi=definitions[code], kind=kind, value=value,
                                             reported_at=now, reported_by=actor.id) for code, kind, value in changes))
            await audit.record("kpi.plan_saved", actor_id=actor.id, edition_id=app["edition"],
                               subject_type="application", subject_id=application_id,
                               data={"changes": [[c, k, v] for c, k, v in changes]})
    return {}


async def report_value(*, actor: SessionUser, application_id: int, code: str, period_end: str, value: str | float,
                       note: str = "") -> dict[str, str]:
    """One reported value for the period ending on `period_end`; errors by field, nothing stored if any.

    `value` as typed on the page (parsed as people write numbers), or a number already (from the API)."""
    app = await own_application_on_path(actor, application_id)
    definitions = await _definitions(app["edition"])
    if code not in definitions:
        raise MentoringNotFound(code)
    errors: dict[str, str] = {}
    try:
        period = date.fromisoformat(period_end.strip())
        if period > datetime.now(UTC).date():
            errors["period_end"] = _("The period cannot end in the future.")
    except ValueError:
        errors["period_end"] = _("Enter a date such as 2026-07-15.")
        period = None
    try:
        number = float(value) if isinstance(value, int | float) else parse_number(value)
        if number is not None and not math.isfinite(number):
            raise ValueError(value)
        if number is None:
            errors["value"] = _("Enter a number.")
    except ValueError:
        errors["value"] = _("Enter a number.")
        number = None
    if errors:
        return errors
    now = datetime.now(UTC)
    async with db.write_transaction():
        await KpiValue.insert(KpiValue(application=application_id, kpi=definitions[code], kind=REPORTED, value=number,
                                       period_end=period, reported_at=now, reported_by=actor.id,
                                       note=note.strip()[:1000]))
        await audit.record("kpi.reported", actor_id=actor.id, edition_id=app["edition"],
                           subject_type="application", subject_id=application_id,
                           data={"kpi": code, "period_end": period.isoformat(), "value": number})
        # Which KPI and period, not the value: the startup's figures stay with the platform.
        await events.emit("kpi.reported", edition_id=app["edition"], subject_type="application",
                          subject_id=application_id, data={"kpi": code, "period_end": period.isoformat()}, at=now)
    return {}
