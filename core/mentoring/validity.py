"""Did the jury pick well? The jury's scores of the finalists against what they later achieved on the path.

The scores are those of the round that chose the finalists (calibrated by the round's method, per criterion the
mean of the submitted reviews); the outcomes are the share of due milestones delivered on time and the growth of
each KPI from its first value (the baseline, else the first report) to its last. Earlier editions of the same
programme are pooled with this one, their scores standardised within each edition first. Organisers see it; a
sponsor of the edition sees it once an organiser shares it (the edition setting `validity_for_sponsors`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import anyio

from core.applications.lifecycle import FINALIST
from core.judging.reviews import SUBMITTED as SUBMITTED_REVIEW
from core.mentoring.access import ON_PATH, MentoringNotFound, edition_for_organiser, edition_row
from core.mentoring.kpis import kpis_of
from core.mentoring.milestones import milestones_of
from core.platform import audit, db
from core.platform.identity import SessionUser
from core.platform.tables import Application, Decision, Edition, KpiDefinition, Round
from core.plugins import active_registry
from core.results.rounds import gather_round
from scoring.validity import Correlation, on_time_share, rank_correlation, relative_growth, standardise

SPONSOR_SETTING = "validity_for_sponsors"
TOTAL = "total"
OUTCOMES = ("on_time", "growth")


@dataclass(frozen=True)
class FinalistFollowUp:
    """One finalist: the jury's scores and what it achieved since (None where there is nothing to measure yet)."""

    application_id: int
    label: str
    total: float | None
    criteria: dict[str, float]
    on_time: float | None
    milestones_due: int
    growth: float | None
    kpi_growth: dict[str, float]

    def score(self, measure: str) -> float | None:
        return self.total if measure == TOTAL else self.criteria.get(measure)


@dataclass(frozen=True)
class EditionFollowUp:
    edition_id: int
    slug: str
    title: dict[str, str]
    year: int
    round_name: dict[str, str]
    method: str
    criteria: tuple[tuple[str, dict[str, str]], ...]
    kpis: tuple[tuple[str, dict[str, str]], ...]
    finalists: tuple[FinalistFollowUp, ...]


@dataclass(frozen=True)
class MeasureRow:
    """One of the jury's scores (the total or a criterion) against each outcome."""

    code: str
    label: dict[str, str]
    on_time: Correlation
    growth: Correlation


@dataclass(frozen=True)
class CorrelationSet:
    finalists: int
    rows: tuple[MeasureRow, ...]
    kpis: tuple[tuple[dict[str, str], Correlation], ...]  # the total against each KPI's growth

    @property
    def headline(self) -> MeasureRow:
        return self.rows[0]


@dataclass(frozen=True)
class ValidityReport:
    edition: EditionFollowUp | None
    current: CorrelationSet | None
    pooled: CorrelationSet | None
    pooled_editions: tuple[tuple[dict[str, str], int, int], ...]  # (title, year, finalists) of each pooled edition
    shared_with_sponsors: bool
    points: dict[str, tuple[tuple[float, float], ...]] = field(default_factory=dict)


# -- gathering --------------------------------------------------------------------------------------------


async def _selection_round(edition_id: int) -> dict[str, Any] | None:
    """The round whose published decisions made the finalists (the one that made most, if several did)."""
    decisions = await Decision.select(Decision.round).where(
        Decision.round.edition == edition_id, Decision.outcome == FINALIST, Decision.published_at.is_not_null())
    if not decisions:
        return None
    counts: dict[int, int] = {}
    for d in decisions:
        counts[d["round"]] = counts.get(d["round"], 0) + 1
    round_id = max(sorted(counts), key=lambda r: counts[r])
    return await Round.select(
        Round.id, Round.code, Round.name, Round.kind, Round.workflow, Round.rubric, Round.rubric_name,
        Round.normalisation, Round.settings, Round.advancement, Round.edition, Round.edition.slug,
        Round.edition.enabled_plugins,
    ).output(load_json=True).where(Round.id == round_id).first()


def _delivered_on_time(line, zone: ZoneInfo) -> bool:
    if line.status == "planned" or line.submitted_at is None or line.due_on is None:
        return False
    return line.submitted_at.astimezone(zone).date() <= line.due_on


async def _follow_up(application_id: int, edition_id: int, zone: ZoneInfo, today: date
                     ) -> tuple[float | None, int, float | None, dict[str, float]]:
    marks = []
    for line in await milestones_of(application_id, edition_id):
        if line.due_on is None:
            continue
        delivered = line.status != "planned"
        marks.append((line.due_on < today or delivered, _delivered_on_time(line, zone)))
    growth: dict[str, float] = {}
    for kpi in await kpis_of(application_id, edition_id):
        if not kpi.values:
            continue
        first = kpi.baseline if kpi.baseline is not None else kpi.values[0].value
        if kpi.baseline is None and len(kpi.values) < 2:
            continue
        growth[kpi.code] = relative_growth(first, kpi.values[-1].value)
    mean_growth = sum(growth.values()) / len(growth) if growth else None
    return on_time_share(marks), sum(due for due, _on_time in marks), mean_growth, growth


async def gather_edition(edition: dict[str, Any], *, now: datetime | None = None) -> EditionFollowUp | None:
    """An edition's finalists with their scores and follow-up; None if no round has made finalists yet."""
    round_row = await _selection_round(edition["id"])
    if round_row is None:
        return None
    workflow = active_registry().workflows(enabled=round_row["edition.enabled_plugins"] or []).get(
        round_row["workflow"] or "rubric")
    if workflow is None or not workflow.computes_results:
        return None
    data, _entries = await gather_round(round_row)
    # Only each finalist's calibrated score is read, never its interval: no bootstrap.
    point = replace(data, settings={**data.settings, "replicates": 0})
    results = await anyio.to_thread.run_sync(workflow.compute, point)
    scores = {row.entry: row.score for row in results.rows}
    sums: dict[int, dict[str, list[float]]] = {}
    for review in data.reviews:
        if review.status != SUBMITTED_REVIEW:
            continue
        for code, value in review.values.items():
            if value is not None:
                sums.setdefault(review.entry, {}).setdefault(code, []).append(float(value))
    criteria = tuple((c.code, c.label) for c in data.rubric.criteria) if data.rubric else ()
    zone = ZoneInfo(edition["time_zone"])
    today = (now or datetime.now(UTC)).astimezone(zone).date()
    finalists = await Application.select(Application.id, Application.entity_name, Application.title).where(
        Application.edition == edition["id"], Application.status.is_in(list(ON_PATH))).order_by(Application.id)
    kpis = await KpiDefinition.select(KpiDefinition.code, KpiDefinition.name).output(load_json=True).where(
        KpiDefinition.edition == edition["id"]).order_by(KpiDefinition.position).order_by(KpiDefinition.id)
    lines = []
    for app in finalists:
        on_time, due, growth, per_kpi = await _follow_up(app["id"], edition["id"], zone, today)
        lines.append(FinalistFollowUp(
            application_id=app["id"], label=app["entity_name"] or app["title"] or f"#{app['id']}",
            total=scores.get(app["id"]),
            criteria={code: sum(v) / len(v) for code, v in sums.get(app["id"], {}).items()},
            on_time=on_time, milestones_due=due, growth=growth, kpi_growth=per_kpi))
    return EditionFollowUp(edition_id=edition["id"], slug=edition["slug"], title=edition["title"] or {},
                           year=edition["year"], round_name=round_row["name"] or {}, method=results.method,
                           criteria=criteria, kpis=tuple((k["code"], k["name"] or {}) for k in kpis),
                           finalists=tuple(sorted(lines, key=lambda f: (f.total is None, -(f.total or 0)))))


# -- statistics -------------------------------------------------------------------------------------------


def _pairs(finalists, score: Callable[[FinalistFollowUp], float | None],
           outcome: Callable[[FinalistFollowUp], float | None]) -> tuple[list[float], list[float]]:
    xs, ys = [], []
    for f in finalists:
        x, y = score(f), outcome(f)
        if x is not None and y is not None:
            xs.append(x)
            ys.append(y)
    return xs, ys


def _correlations(finalists: list[FinalistFollowUp], measures: list[tuple[str, dict[str, str]]],
                  kpis: tuple[tuple[str, dict[str, str]], ...]) -> CorrelationSet:
    """Every score against every outcome, each with its own fixed seed so the page reads the same every time."""
    rows = []
    for index, (code, label) in enumerate(measures):
        cells = [rank_correlation(*_pairs(finalists, lambda f, c=code: f.score(c),
                                          lambda f, o=outcome: getattr(f, o)), seed=index * 10 + k)
                 for k, outcome in enumerate(OUTCOMES)]
        rows.append(MeasureRow(code=code, label=label, on_time=cells[0], growth=cells[1]))
    per_kpi = tuple((name, rank_correlation(*_pairs(finalists, lambda f: f.total,
                                                    lambda f, k=code: f.kpi_growth.get(k)), seed=500 + i))
                    for i, (code, name) in enumerate(kpis))
    return CorrelationSet(finalists=len(finalists), rows=tuple(rows), kpis=per_kpi)


def _standardised(edition: EditionFollowUp, codes: list[str]) -> list[FinalistFollowUp]:
    """Scores as z-scores within the edition, so that editions with another scale or a harsher jury pool fairly."""
    out = list(edition.finalists)
    for code in codes:
        present = [(i, f.score(code)) for i, f in enumerate(out) if f.score(code) is not None]
        for (i, _value), z in zip(present, standardise([v for _i, v in present]), strict=True):
            f = out[i]
            out[i] = FinalistFollowUp(
                application_id=f.application_id, label=f.label,
                total=z if code == TOTAL else f.total,
                criteria={**f.criteria, code: z} if code != TOTAL else f.criteria,
                on_time=f.on_time, milestones_due=f.milestones_due, growth=f.growth, kpi_growth=f.kpi_growth)
    return out


def compute_report(current: EditionFollowUp | None, earlier: list[EditionFollowUp], *,
                   shared: bool) -> ValidityReport:
    """The correlations of one edition and, with earlier editions of the programme, of all of them pooled."""
    if current is None:
        return ValidityReport(edition=None, current=None, pooled=None, pooled_editions=(),
                              shared_with_sponsors=shared)
    measures = [(TOTAL, {}), *current.criteria]
    this = _correlations(list(current.finalists), measures, current.kpis)
    points = {outcome: tuple((f.total, getattr(f, outcome)) for f in current.finalists
                             if f.total is not None and getattr(f, outcome) is not None) for outcome in OUTCOMES}
    followed = [e for e in earlier if any(f.on_time is not None or f.growth is not None for f in e.finalists)]
    pooled = None
    if followed:
        everyone = [current, *followed]
        shared_codes = [c for c, _label in current.criteria if all(any(c == code for code, _l in e.criteria)
                                                                     for e in followed)]
        pooled_measures = [(TOTAL, {}), *((c, lbl) for c, lbl in current.criteria if c in shared_codes)]
        pool = [f for e in everyone for f in _standardised(e, [TOTAL, *shared_codes])]
        kpis = tuple((c, n) for c, n in current.kpis if all(any(c == k for k, _n in e.kpis) for e in followed))
        pooled = _correlations(pool, pooled_measures, kpis)
    return ValidityReport(
        edition=current, current=this, pooled=pooled,
        pooled_editions=tuple((e.title, e.year, len(e.finalists)) for e in ([current, *followed] if pooled else [])),
        shared_with_sponsors=shared, points=points)


async def _report(edition: dict[str, Any], now: datetime | None) -> ValidityReport:
    current = await gather_edition(edition, now=now)
    earlier_rows = await Edition.select(Edition.id, Edition.slug, Edition.title, Edition.year,
                                        Edition.time_zone).output(load_json=True).where(
        Edition.programme == edition["programme"], Edition.year < edition["year"]).order_by(Edition.year)
    earlier = [e for e in [await gather_edition(row, now=now) for row in earlier_rows] if e is not None]
    shared = bool((edition["settings"] or {}).get(SPONSOR_SETTING))
    return await anyio.to_thread.run_sync(lambda: compute_report(current, earlier, shared=shared))


async def _edition(edition_slug: str) -> dict[str, Any]:
    base = await edition_row(edition_slug)
    extra = await Edition.select(Edition.programme, Edition.year).where(Edition.id == base["id"]).first()
    return {**base, **extra}


# -- services ---------------------------------------------------------------------------------------------


async def validity_for_organiser(*, actor: SessionUser, edition_slug: str,
                                 now: datetime | None = None) -> ValidityReport:
    """The organiser's view: every finalist's figures and the correlations."""
    await edition_for_organiser(actor, edition_slug)
    return await _report(await _edition(edition_slug), now)


async def validity_for_sponsor(*, actor: SessionUser, edition_slug: str,
                               now: datetime | None = None) -> ValidityReport:
    """A sponsor of the edition sees the correlations once an organiser shared them; otherwise "not found"."""
    if not actor.has_role("sponsor", edition_slug):
        raise MentoringNotFound(edition_slug)
    edition = await _edition(edition_slug)
    if not (edition["settings"] or {}).get(SPONSOR_SETTING):
        raise MentoringNotFound(edition_slug)
    return await _report(edition, now)


async def share_with_sponsors(*, actor: SessionUser, edition_slug: str, shared: bool) -> None:
    """The organiser lets the edition's sponsors see the page, or stops them; audited."""
    async with db.write_transaction():
        edition = await edition_for_organiser(actor, edition_slug)
        settings = dict(edition["settings"] or {})
        if bool(settings.get(SPONSOR_SETTING)) == shared:
            return
        settings[SPONSOR_SETTING] = shared
        await Edition.update({Edition.settings: settings}).where(Edition.id == edition["id"])
        await audit.record("validity.shared" if shared else "validity.withdrawn", actor_id=actor.id,
                           edition_id=edition["id"], subject_type="edition", subject_id=edition["id"])


async def sponsors_may_see(edition_slug: str) -> bool:
    """Whether the edition's organisers shared the page with its sponsors (for a link on the sponsor's home)."""
    row = await Edition.select(Edition.settings).output(load_json=True).where(Edition.slug == edition_slug).first()
    return bool(row and (row["settings"] or {}).get(SPONSOR_SETTING))
