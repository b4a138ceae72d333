"""Sponsor reports: the plain snapshot report plugins build from, and the formats Giuria renders them in.

The snapshot holds only what a sponsor may see. Counts are per stage with no names; a sponsor's
prizes carry the entries in the running only once the organisers published the round that put
them there (a Decision with `published_at`), winners only once their award is confirmed, and an
applicant's contacts, entity name and team names only where they gave the share-with-sponsors
consent and did not withdraw it. Juror identities and comments never enter the snapshot.

Access checks live in core.sponsors.portal; everything here takes ids that were already checked.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from core.applications import lifecycle
from core.applications.demographics import gender_code
from core.platform import i18n
from core.platform.documents.tabular import Sheet, SheetChart, to_csv, to_xlsx
from core.platform.i18n import gettext as _
from core.platform.i18n import pick
from core.platform.tables import (
    Application,
    Area,
    Award,
    ConsentRecord,
    Decision,
    Edition,
    KpiDefinition,
    KpiValue,
    MentoringSession,
    Milestone,
    MilestoneSubmission,
    Prize,
    Round,
    TeamMember,
    Track,
)
from core.plugin_api import CHART_KINDS, ChartSpec, ReportOutput
from core.plugins import active_registry
from core.results.awards import NOT_GIVEN_STATUSES
from core.results.fairness import edition_fairness
from core.results.rounds import gather_round

if TYPE_CHECKING:
    from core.platform.documents.charts import Chart

SHARE_CONSENT = "share_with_sponsors"
STAGES = ("applications", "admissible", "finalists", "winners")
# A proposed award is the organisers' draft; these never reach a sponsor either.
HIDDEN_AWARD_STATUSES = NOT_GIVEN_STATUSES
HELD_SESSIONS = ("held", "done", "completed")
HIDDEN_CELL = "—"  # a suppressed cell, in every format: never a number


class ReportProblem(ValueError):
    """A report plugin failed or returned something unusable; it has been disabled."""


# -- the snapshot -----------------------------------------------------------------------------------


def entry_label(application_id: int, title: str) -> str:
    return f"#{application_id} {title}".strip()


async def consenting(application_ids: Iterable[int]) -> set[int]:
    """Applications whose applicant agreed to share contacts with sponsors and has not withdrawn it."""
    ids = list(set(application_ids))
    if not ids:
        return set()
    rows = await ConsentRecord.select(ConsentRecord.application).where(
        ConsentRecord.application.is_in(ids), ConsentRecord.code == SHARE_CONSENT,
        ConsentRecord.kind == "consent", ConsentRecord.withdrawn_at.is_null())
    return {r["application"] for r in rows}


async def _published_decisions(edition_id: int) -> list[dict[str, Any]]:
    return await Decision.select(Decision.application, Decision.outcome, Decision.round, Decision.round.kind,
                                 Decision.round.position).where(
        Decision.round.edition == edition_id, Decision.published_at.is_not_null())


async def _visible_awards(edition_id: int) -> list[dict[str, Any]]:
    return await Award.select(Award.id, Award.prize, Award.application, Award.status).where(
        Award.prize.edition == edition_id, Award.status.not_in(list(HIDDEN_AWARD_STATUSES)))


async def funnel_entries(edition_id: int) -> tuple[list[dict[str, Any]], dict[str, dict[str, dict[str, str]]]]:
    """One row per submitted application with its stages reached (from published decisions) and team make-up."""
    applications = await Application.select(
        Application.id, Application.legal_form, Application.answers, Application.track.code,
        Application.area.code).output(load_json=True).where(
            Application.edition == edition_id, Application.submitted_at.is_not_null(),
                                     Application.status.not_in(list(lifecycle.NOT_ENTERED)))
    ids = [a["id"] for a in applications]
    decisions = await _published_decisions(edition_id)
    awards = await _visible_awards(edition_id)
    team = await TeamMember.select(TeamMember.application, TeamMember.gender, TeamMember.age_band).where(
        TeamMember.application.is_in(ids)) if ids else []
    admissible, finalists, winners = set(), set(), {a["application"] for a in awards}
    for d in decisions:
        if d["outcome"] != lifecycle.NOT_ADMISSIBLE:
            admissible.add(d["application"])
        if d["outcome"] in lifecycle.FINALIST_OUTCOMES or (d["outcome"] == lifecycle.ADVANCED
                                                           and d["round.kind"] != "admissibility"):
            finalists.add(d["application"])
        if d["outcome"] == lifecycle.WINNER:
            winners.add(d["application"])
    members: dict[int, list[dict[str, str]]] = {}
    for m in team:
        members.setdefault(m["application"], []).append({"gender": gender_code(m["gender"]), "age_band": m["age_band"]})
    entries = []
    for a in applications:
        values = (a["answers"] or {}).get("values", {})
        entries.append({
            "track": a["track.code"] or "", "area": a["area.code"] or "",
            "legal_form": a["legal_form"] or values.get("legal_form") or "",
            "admissible": a["id"] in admissible or a["id"] in finalists or a["id"] in winners,
            "finalists": a["id"] in finalists or a["id"] in winners, "winners": a["id"] in winners,
            "team": members.get(a["id"], []),
        })
    edition = await Edition.select(Edition.application_form).output(load_json=True).where(
        Edition.id == edition_id).first()
    legal_forms = {}
    for section in edition["application_form"] or []:
        for question in section.get("questions", []):
            if question.get("code") == "legal_form":
                legal_forms = {c["code"]: c.get("label", {}) for c in question.get("choices", [])}
    tracks = await Track.select(Track.code, Track.name).output(load_json=True).where(Track.edition == edition_id)
    areas = await Area.select(Area.code, Area.name).output(load_json=True).where(Area.edition == edition_id)
    labels = {"track": {t["code"]: t["name"] or {} for t in tracks},
              "area": {a["code"]: a["name"] or {} for a in areas},
              "legal_form": legal_forms}
    return entries, labels


async def post_award_progress(*, application_ids: Sequence[int], edition_id: int) -> dict[int, dict[str, Any]]:
    """Milestones delivered, KPI values over time and mentoring sessions held, per application.

    Counts and statuses only: mentors' notes and the session agendas stay with the mentoring pages.
    """
    ids = list(application_ids)
    if not ids:
        return {}
    milestones = await Milestone.select(Milestone.id, Milestone.code, Milestone.name, Milestone.due_on).output(
        load_json=True).where(Milestone.edition == edition_id).order_by(Milestone.due_on)
    submissions = await MilestoneSubmission.select(
        MilestoneSubmission.milestone, MilestoneSubmission.application, MilestoneSubmission.status).where(
        MilestoneSubmission.application.is_in(ids))
    kpis = await KpiDefinition.select(KpiDefinition.id, KpiDefinition.code, KpiDefinition.name,
                                      KpiDefinition.unit).output(load_json=True).where(
                                          KpiDefinition.edition == edition_id)
    values = await KpiValue.select(KpiValue.application, KpiValue.kpi, KpiValue.kind, KpiValue.value,
                                   KpiValue.period_end, KpiValue.reported_at).where(
        KpiValue.application.is_in(ids)).order_by(KpiValue.period_end).order_by(KpiValue.reported_at)
    sessions = await MentoringSession.select(MentoringSession.match.application, MentoringSession.status).where(
        MentoringSession.match.application.is_in(ids))
    status_of = {(s["application"], s["milestone"]): s["status"] for s in submissions}
    progress: dict[int, dict[str, Any]] = {}
    for application_id in ids:
        kpi_rows = []
        for kpi in kpis:
            mine = [v for v in values if v["application"] == application_id and v["kpi"] == kpi["id"]]
            if not mine:
                continue
            reported = [v for v in mine if v["kind"] not in ("baseline", "target")]
            baseline = next((v["value"] for v in mine if v["kind"] == "baseline"), None)
            target = next((v["value"] for v in reversed(mine) if v["kind"] == "target"), None)
            series = [((v["period_end"] or v["reported_at"]).isoformat()[:10], v["value"]) for v in reported]
            if baseline is not None:
                series.insert(0, ("baseline", baseline))
            kpi_rows.append({"code": kpi["code"], "name": kpi["name"] or {}, "unit": kpi["unit"],
                             "baseline": baseline, "target": target,
                             "latest": reported[-1]["value"] if reported else None, "series": series})
        progress[application_id] = {
            "milestones": [{"code": m["code"], "name": m["name"] or {},
                            "due_on": m["due_on"].isoformat() if m["due_on"] else None,
                            "status": status_of.get((application_id, m["id"]), "planned")} for m in milestones],
            "kpis": kpi_rows,
            "sessions_held": sum(1 for s in sessions if s["match.application"] == application_id
                                 and s["status"] in HELD_SESSIONS),
        }
    return progress


async def _personal(application_ids: set[int], consented: set[int]) -> dict[int, dict[str, Any]]:
    """Entity name, contact and team names of applications whose applicants consented; nothing for the rest."""
    allowed = list(application_ids & consented)
    if not allowed:
        return {}
    rows = await Application.select(Application.id, Application.entity_name, Application.answers).output(
        load_json=True).where(Application.id.is_in(allowed))
    team = await TeamMember.select(TeamMember.application, TeamMember.full_name).where(
        TeamMember.application.is_in(allowed)).order_by(TeamMember.position)
    found = {}
    for row in rows:
        values = (row["answers"] or {}).get("values", {})
        found[row["id"]] = {"entity_name": row["entity_name"], "contact_email": str(values.get("contact_email", "")),
                            "team": [m["full_name"] for m in team if m["application"] == row["id"]]}
    return found


async def _round_scores(round_id: int) -> tuple[dict[int, Any], str]:
    """The round's results by entry, from its workflow (scores and intervals, never who gave them)."""
    round_row = await Round.select(
        Round.id, Round.code, Round.kind, Round.workflow, Round.rubric, Round.rubric_name, Round.normalisation,
        Round.settings, Round.advancement, Round.edition, Round.edition.slug, Round.edition.enabled_plugins,
    ).output(load_json=True).where(Round.id == round_id).first()
    workflow = active_registry().workflows(enabled=round_row["edition.enabled_plugins"] or []).get(
        round_row["workflow"] or "rubric")
    if workflow is None or not workflow.computes_results:
        return {}, ""
    data, _entries = await gather_round(round_row)
    if not data.reviews:
        return {}, ""
    results = workflow.compute(data)
    return {row.entry: row for row in results.rows}, results.method


def _finite(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else round(float(value), 3)


async def sponsor_prizes(*, edition_id: int, organisation_id: int, language: str) -> list[dict[str, Any]]:
    """The organisation's prizes with the entries in the running (once published), winners and their progress."""
    prizes = await Prize.select(Prize.id, Prize.code, Prize.name, Prize.kind, Prize.amount_eur, Prize.target,
                                Prize.quantity).output(load_json=True).where(
        Prize.edition == edition_id, Prize.sponsor.organisation == organisation_id).order_by(Prize.position)
    if not prizes:
        return []
    stage_round, in_running = _stage(await _published_decisions(edition_id))
    awards = [a for a in await _visible_awards(edition_id) if a["prize"] in {p["id"] for p in prizes}]
    ids = in_running | {a["application"] for a in awards}
    applications = {a["id"]: a for a in await Application.select(
        Application.id, Application.title, Application.track.code, Application.track.name, Application.area.code,
        Application.area.name).output(load_json=True).where(Application.id.is_in(list(ids)))} if ids else {}
    scores, _method = await _round_scores(stage_round) if stage_round is not None else ({}, "")
    personal = await _personal(ids, await consenting(ids))
    progress = await post_award_progress(application_ids=sorted({a["application"] for a in awards}),
                                         edition_id=edition_id)

    def describe(application_id: int) -> dict[str, Any]:
        a = applications[application_id]
        return {"id": application_id, "label": entry_label(application_id, a["title"]),
                "track_code": a["track.code"] or "", "area_code": a["area.code"] or "",
                "track": pick(a["track.name"] or {}, language),
                "area": pick(a["area.name"] or {}, language), **personal.get(application_id, {})}

    result = []
    for prize in prizes:
        target = prize["target"] or {}
        shortlist = [_with_score(entry, scores.get(entry["id"]))
                     for entry in map(describe, sorted(in_running)) if _targeted(entry, target)]
        shortlist.sort(key=lambda r: (r["score"] is None, -(r["score"] or 0), r["id"]))
        winners = [{**describe(a["application"]), "award_status": a["status"], **progress.get(a["application"], {})}
                   for a in awards if a["prize"] == prize["id"]]
        result.append({
            "code": prize["code"], "name": prize["name"] or {}, "kind": prize["kind"],
            "amount_eur": None if prize["amount_eur"] is None else float(prize["amount_eur"]),
            "target": target, "places": target.get("rank"), "published": stage_round is not None,
            "shortlist": shortlist, "winners": winners,
        })
    return result


def _stage(decisions: list[dict[str, Any]]) -> tuple[int | None, set[int]]:
    """The latest round whose published decisions put entries in the running for prizes, and those entries."""
    running = [d for d in decisions if d["outcome"] in lifecycle.IN_RUNNING]
    if not running:
        return None, set()
    stage_round = max(running, key=lambda d: d["round.position"])["round"]
    return stage_round, {d["application"] for d in running if d["round"] == stage_round}


def _targeted(entry: dict[str, Any], target: Mapping[str, Any]) -> bool:
    """Whether the entry competes for a prize aimed at a track or an area (any entry, for a prize aimed at neither)."""
    return not ((target.get("track") and entry["track_code"] != target["track"])
                or (target.get("area") and entry["area_code"] != target["area"]))


def _with_score(entry: dict[str, Any], row: Any) -> dict[str, Any]:
    """The entry with its score, interval and ranks in the stage round (all None when it has none)."""
    if row is None:
        return {**entry, "score": None, "low": None, "high": None, "rank": None, "rank_low": None, "rank_high": None}
    return {**entry, "score": _finite(row.score), "low": _finite(row.low), "high": _finite(row.high),
            "rank": row.rank, "rank_low": row.rank_low, "rank_high": row.rank_high}


async def build_snapshot(*, edition_id: int, organisation_id: int | None, organisation_name: str,
                         language: str, needs: Iterable[str] = ()) -> dict[str, Any]:
    """Everything a sponsor's reports may use, as plain data (see docs/plugins.md, "The report snapshot")."""
    edition = await Edition.select(Edition.slug, Edition.title, Edition.status).output(load_json=True).where(
        Edition.id == edition_id).first()
    entries, labels = await funnel_entries(edition_id)
    snapshot: dict[str, Any] = {
        "edition": {"slug": edition["slug"], "title": edition["title"] or {},
                    "status": edition["status"]},
        "language": language,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "stages": list(STAGES),
        "applications": entries,
        "labels": labels,
        "sponsor": None,
    }
    if "fairness" in needs:
        with i18n.language(language):
            audit = await edition_fairness(edition_id, edition["slug"], published_only=True)
        snapshot["fairness"] = audit.as_data()
    if organisation_id is not None:
        snapshot["sponsor"] = {"organisation": organisation_name,
                               "prizes": await sponsor_prizes(edition_id=edition_id, organisation_id=organisation_id,
                                                              language=language)}
    return snapshot


def run_report(name: str, snapshot: Mapping[str, Any], *, enabled: Iterable[str]) -> ReportOutput:
    """Build report `name`; a plugin that raises or returns junk is disabled and ReportProblem raised."""
    registry = active_registry()
    offer = registry.report_offers(enabled=enabled).get(name)
    if offer is None:
        raise LookupError(name)
    try:
        output = offer.report.build(snapshot)
    except Exception as error:
        registry.disable(offer.plugin, f"report {name} raised {type(error).__name__}: {error}")
        raise ReportProblem(registry.infos[offer.plugin].error) from error
    problems = output_problems(output)
    if problems:
        registry.disable(offer.plugin, f"report {name}: " + "; ".join(problems))
        raise ReportProblem(registry.infos[offer.plugin].error)
    return output


def output_problems(output: Any) -> list[str]:
    if not isinstance(output, ReportOutput):
        return [f"build must return a ReportOutput, got {type(output).__name__}"]
    problems = []
    for key, rows in output.tables.items():
        if not isinstance(rows, list) or not all(isinstance(r, Mapping) for r in rows):
            problems.append(f"table {key!r} must be a list of mappings")
    for chart in output.charts:
        if not isinstance(chart, ChartSpec) or chart.kind not in CHART_KINDS:
            problems.append(f"charts must be ChartSpec of kind {', '.join(CHART_KINDS)}")
    return problems


# -- the formats ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RenderedTable:
    key: str
    title: str
    columns: list[str]
    rows: list[list[Any]]


def _label(output: ReportOutput, key: str, language: str) -> str:
    label = output.labels.get(key)
    return pick(label, language) if label is not None else key


def tables_of(output: ReportOutput, language: str) -> list[RenderedTable]:
    """Tables with translated titles and headers; the key column keeps "total" translated too."""
    rendered = []
    for key, rows in output.tables.items():
        columns = list(rows[0].keys()) if rows else []
        body = [[_label(output, "total", language) if value == "total" else value for value in
                 (row.get(c) for c in columns)] for row in rows]
        rendered.append(RenderedTable(key=key, title=_label(output, key, language),
                                      columns=[_label(output, c, language) for c in columns], rows=body))
    return rendered


def _hidden_note(*values: Iterable[Any]) -> str:
    if any(v is None for group in values for v in group):
        return _("— hidden: a group too small to show (see the notes under the tables).")
    return ""


def draw(chart: ChartSpec, language: str) -> Chart:
    """The chart in one piece (a page scrolls); numbers in `language`, hidden cells drawn as —."""
    from core.platform.documents import charts as chart_kit  # matplotlib: only where a chart is drawn

    with i18n.language(language):
        title = pick(chart.title, language)
        data = chart.data
        if chart.kind == "funnel":
            counts = list(data["counts"])
            return chart_kit.funnel_chart(title=title, stages=list(data["stages"]), counts=counts,
                                          hidden_note=_hidden_note(counts))
        if chart.kind == "bar":
            series = {k: list(v) for k, v in data["series"].items()}
            return chart_kit.bar_chart(title=title, categories=list(data["categories"]), series=series,
                                       hidden_note=_hidden_note(*series.values()))
        if chart.kind == "interval":
            return chart_kit.interval_chart(title=title, labels=list(data["labels"]), scores=list(data["scores"]),
                                            lows=list(data["lows"]), highs=list(data["highs"]),
                                            cut_after=data.get("cut_after"), value_label=_("Score"))
        return chart_kit.line_chart(title=title, x_labels=list(data["x_labels"]),
                                    series={k: list(v) for k, v in data["series"].items()},
                                    targets=dict(data.get("targets") or {}))


def draw_pages(chart: ChartSpec, language: str) -> list[Chart]:
    """The chart for paper: a long interval chart in pages that each fit a sheet."""
    from core.platform.documents import charts as chart_kit

    if chart.kind != "interval":
        return [draw(chart, language)]
    with i18n.language(language):
        data = chart.data
        return chart_kit.interval_charts(title=pick(chart.title, language), labels=list(data["labels"]),
                                         scores=list(data["scores"]), lows=list(data["lows"]),
                                         highs=list(data["highs"]), cut_after=data.get("cut_after"),
                                         value_label=_("Score"))


def sheet_chart(chart: ChartSpec, language: str) -> SheetChart | None:
    """The chart as the spreadsheet program draws it (an interval chart has no such form: None)."""
    title, data = pick(chart.title, language), chart.data
    with i18n.language(language):
        if chart.kind == "funnel":
            counts = list(data["counts"])
            return SheetChart(kind="barh", title=title, categories=list(data["stages"]),
                              series={title: counts}, note=_xlsx_hidden_note(counts))
        if chart.kind == "bar":
            series = {k: list(v) for k, v in data["series"].items()}
            return SheetChart(kind="barh" if len(data["categories"]) > 5 else "bar", title=title,
                              categories=list(data["categories"]), series=series,
                              note=_xlsx_hidden_note(*series.values()))
        if chart.kind == "line":
            return SheetChart(kind="line", title=title, categories=list(data["x_labels"]),
                              series={k: list(v) for k, v in data["series"].items()})
    return None


def _xlsx_hidden_note(*values: Iterable[Any]) -> str:
    if any(v is None for group in values for v in group):
        return _("Blank cells are hidden (—): groups too small to show; the chart leaves them out.")
    return ""


@dataclass(frozen=True)
class PageChart:
    title: str
    data_uri: str


def page_charts(output: ReportOutput, language: str) -> list[PageChart]:
    """SVG charts as data URIs for <img>: the page's CSP forbids inline styles, an image keeps its own."""
    charts = []
    for chart in output.charts:
        svg = draw(chart, language).svg()
        charts.append(PageChart(title=pick(chart.title, language),
                                data_uri="data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()))
    return charts


def _cell_text(value: Any) -> str:
    """A cell as the reader writes it: "—" for a hidden one, decimals in their language ("4,25")."""
    if value is None:
        return HIDDEN_CELL
    if isinstance(value, float):
        return i18n.format_decimal(value, 0 if value.is_integer() else 2)
    return str(value)


def _shown(value: Any) -> Any:
    """A cell of a CSV or XLSX table: a hidden one is "—", text that no program reads as a number."""
    return HIDDEN_CELL if value is None else value


def report_pdf(output: ReportOutput, *, language: str, subtitle: str, footer: str) -> bytes:
    from core.platform.documents.pdf import PdfDocument  # fpdf and matplotlib's fonts: only for a PDF

    document = PdfDocument(title=pick(output.title, language), subtitle=subtitle, footer=footer, language=language)
    for chart in output.charts:
        for page in draw_pages(chart, language):
            document.chart(page, width=160)
    with i18n.language(language):
        for table in tables_of(output, language):
            if not table.rows:
                continue
            document.heading(table.title)
            document.table(columns=table.columns, rows=[[_cell_text(v) for v in row] for row in table.rows])
    for note in output.notes:
        document.paragraph(pick(note, language), size=8, italic=True)
    return document.output()


def report_xlsx(output: ReportOutput, *, language: str) -> bytes:
    """A sheet per table, hidden cells as "—", and a last sheet with the charts drawn by the spreadsheet."""
    charts = [c for c in (sheet_chart(chart, language) for chart in output.charts) if c is not None]
    with i18n.language(language):
        charts_title = _("Charts")
    return to_xlsx([Sheet(title=t.title or t.key, columns=t.columns, rows=[[_shown(v) for v in row] for row in t.rows])
                    for t in tables_of(output, language)], charts=charts, charts_title=charts_title)


def report_csv(output: ReportOutput, *, language: str) -> bytes:
    """All tables in one file, each under a line with its title, separated by an empty line."""
    rows: list[list[Any]] = []
    for index, table in enumerate(tables_of(output, language)):
        if index:
            rows.append([])
        rows.append([table.title])
        rows.append(table.columns)
        rows.extend([_shown(v) for v in row] for row in table.rows)
    title = pick(output.title, language)
    return to_csv(Sheet(title=title, columns=[title], rows=rows))
