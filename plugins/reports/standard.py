"""Reports every sponsor and organiser gets: the funnel of the call and each sponsor's prize report.

Both build from the plain snapshot core hands over (see docs/plugins.md). The funnel never shows a
group of fewer than MIN_CELL: such cells are hidden, and so is a second cell of the same column
whenever one hidden cell could otherwise be worked out from the total and the cells shown.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from babel.numbers import format_decimal

from core.applications.demographics import AGE_BANDS, GENDERS
from core.hookspecs import hookimpl
from core.plugin_api import ChartSpec, ReportDefinition, ReportOutput
from scoring.disclosure import MIN_CELL, suppress_column

STAGES = ("applications", "admissible", "finalists", "winners")
# Dimensions of an application, and dimensions of its team members (counted as people).
ENTRY_DIMENSIONS = ("track", "area", "legal_form")
PERSON_DIMENSIONS = ("gender", "age_band")
UNKNOWN = "—"

LABELS: dict[str, dict[str, str]] = {
    "applications": {"it": "Candidature", "en": "Applications"},
    "admissible": {"it": "Ammesse", "en": "Admissible"},
    "finalists": {"it": "Finaliste", "en": "Finalists"},
    "winners": {"it": "Vincitrici", "en": "Winners"},
    "track": {"it": "Ambito", "en": "Track"},
    "area": {"it": "Area", "en": "Area"},
    "legal_form": {"it": "Forma giuridica", "en": "Legal form"},
    "gender": {"it": "Genere", "en": "Gender"},
    "age_band": {"it": "Fascia d'età", "en": "Age band"},
    "total": {"it": "Totale", "en": "Total"},
    "by_track": {"it": "Per ambito", "en": "By track"},
    "by_area": {"it": "Per area geografica", "en": "By area"},
    "by_legal_form": {"it": "Per forma giuridica", "en": "By legal form"},
    "by_gender": {"it": "Componenti dei team per genere", "en": "Team members by gender"},
    "by_age_band": {"it": "Componenti dei team per fascia d'età", "en": "Team members by age band"},
    "overall": {"it": "Imbuto complessivo", "en": "Overall funnel"},
}
MILESTONE_STATUS = {"planned": {"it": "previsto", "en": "planned"},
                    "submitted": {"it": "consegnato", "en": "delivered"},
                    "approved": {"it": "approvato", "en": "approved"},
                    "needs_rework": {"it": "da rivedere", "en": "needs rework"}}
SUPPRESSION_NOTE = {
    "it": f"Le celle nascoste (—) sono gruppi con meno di {MIN_CELL} unità, oppure una seconda cella "
          "nascosta perché la prima non si possa ricavare dal totale.",
    "en": f"Hidden cells (—) are groups of fewer than {MIN_CELL}, or a second cell hidden so that the first "
          "cannot be worked out from the total.",
}


def _pick(label: Mapping[str, str] | None, language: str) -> str:
    if not label:
        return ""
    return label.get(language) or label.get("it") or next(iter(label.values()), "")


def funnel_table(groups: Mapping[str, Mapping[str, int]], totals: Mapping[str, int], dimension: str
                 ) -> list[dict[str, Any]]:
    """Rows per group plus a total row; `groups[group][stage]` are raw counts, suppressed here column by column."""
    names = sorted(groups, key=lambda g: (g == UNKNOWN, g))
    columns: dict[str, dict[str, int | None]] = {}
    total_row: dict[str, Any] = {dimension: "total"}
    for stage in STAGES:
        columns[stage], total_row[stage] = suppress_column({g: groups[g].get(stage, 0) for g in names},
                                                           totals[stage])
    rows = [{dimension: g, **{stage: columns[stage][g] for stage in STAGES}} for g in names]
    rows.append(total_row)
    return rows


def build_funnel(snapshot: Mapping[str, Any]) -> ReportOutput:
    """Counts per stage, overall and by track, area, legal form; team members by gender and age band."""
    language = snapshot.get("language", "it")
    entries: Sequence[Mapping[str, Any]] = snapshot.get("applications", [])
    names: Mapping[str, Mapping[str, Mapping[str, str]]] = snapshot.get("labels", {})

    def reached(entry: Mapping[str, Any], stage: str) -> bool:
        return stage == "applications" or bool(entry.get(stage))

    def group_name(dimension: str, code: str) -> str:
        if not code:
            return UNKNOWN
        known = {**GENDERS, **AGE_BANDS} if dimension in PERSON_DIMENSIONS else names.get(dimension, {})
        return _pick(known.get(code), language) or code

    tables: dict[str, list[dict[str, Any]]] = {}
    totals = {stage: sum(reached(e, stage) for e in entries) for stage in STAGES}
    tables["overall"] = funnel_table({}, totals, "group")
    for dimension in ENTRY_DIMENSIONS:
        counts: dict[str, Counter] = {}
        for entry in entries:
            group = group_name(dimension, entry.get(dimension) or "")
            counts.setdefault(group, Counter()).update(s for s in STAGES if reached(entry, s))
        tables[f"by_{dimension}"] = funnel_table(counts, totals, dimension)
    for dimension in PERSON_DIMENSIONS:
        counts = {}
        people = Counter()
        for entry in entries:
            for member in entry.get("team", ()):
                group = group_name(dimension, member.get(dimension) or "")
                stages = [s for s in STAGES if reached(entry, s)]
                counts.setdefault(group, Counter()).update(stages)
                people.update(stages)
        tables[f"by_{dimension}"] = funnel_table(counts, {s: people[s] for s in STAGES}, dimension)

    stage_names = [_pick(LABELS[s], language) for s in STAGES]
    overall = tables["overall"][-1]
    charts = [ChartSpec(kind="funnel", title=LABELS["overall"],
                        data={"stages": stage_names, "counts": [overall[s] for s in STAGES]})]
    for dimension in ("track", "area"):
        rows = [r for r in tables[f"by_{dimension}"] if r[dimension] != "total"]
        charts.append(ChartSpec(kind="bar", title=LABELS[f"by_{dimension}"], data={
            "categories": [r[dimension] + ("" if all(r[s] is not None for s in STAGES) else " *") for r in rows],
            "series": {_pick(LABELS[s], language): [r[s] for r in rows]
                       for s in ("applications", "finalists")},
        }))
    return ReportOutput(
        title={"it": "Imbuto della call", "en": "Call funnel"},
        tables=tables,
        figures={s: float(overall[s]) for s in STAGES if overall[s] is not None},
        charts=tuple(charts),
        labels={**LABELS, "group": {"it": "", "en": ""}},
        notes=(SUPPRESSION_NOTE, {"it": "* gruppo con almeno una cella nascosta (nel grafico: —, senza barra).",
                                  "en": "* group with at least one hidden cell (in the charts: —, no bar)."}),
    )


PRIZE_LABELS: dict[str, dict[str, str]] = {
    "entry": {"it": "Candidatura", "en": "Entry"},
    "track": {"it": "Ambito", "en": "Track"},
    "area": {"it": "Area", "en": "Area"},
    "rank": {"it": "Posizione", "en": "Rank"},
    "rank_range": {"it": "Intervallo di posizione", "en": "Rank range"},
    "score": {"it": "Punteggio", "en": "Score"},
    "interval": {"it": "Intervallo al 90%", "en": "90% interval"},
    "entity": {"it": "Ente", "en": "Entity"},
    "contact": {"it": "Contatto", "en": "Contact"},
    "team": {"it": "Team", "en": "Team"},
    "prize": {"it": "Premio", "en": "Prize"},
    "status": {"it": "Stato", "en": "Status"},
    "milestone": {"it": "Tappa", "en": "Milestone"},
    "due_on": {"it": "Scadenza", "en": "Due"},
    "kpi": {"it": "Indicatore", "en": "Indicator"},
    "baseline": {"it": "Valore iniziale", "en": "Baseline"},
    "target": {"it": "Obiettivo", "en": "Target"},
    "latest": {"it": "Ultimo valore", "en": "Latest"},
    "unit": {"it": "Unità", "en": "Unit"},
    "sessions": {"it": "Incontri di mentoring svolti", "en": "Mentoring sessions held"},
    "shortlist": {"it": "In gara", "en": "Shortlist"},
    "winners": {"it": "Vincitrici", "en": "Winners"},
    "milestones": {"it": "Tappe dopo il premio", "en": "Milestones after the award"},
    "kpis": {"it": "Indicatori d'impatto", "en": "Impact indicators"},
}


def _number(value: Any, language: str = "en") -> str:
    """At most two decimals, written as the reader writes them ("3,25" in Italian)."""
    return "" if value is None else format_decimal(value, format="#,##0.##", locale=language)


def _prize_shortlist(prize: Mapping[str, Any], language: str, tables: dict[str, list[dict[str, Any]]],
                     charts: list[ChartSpec], notes: list[dict[str, str]]) -> None:
    """A prize's entries in the running: their rows, their scores with intervals, a note until publication."""
    prize_name = _pick(prize.get("name"), language)
    shortlist = prize.get("shortlist", ())
    for row in shortlist:
        tables["shortlist"].append({
            "prize": prize_name, "entry": row["label"], "track": row.get("track", ""),
            "area": row.get("area", ""), "rank": row.get("rank"),
            "rank_range": "" if row.get("rank_low") is None else f"{row['rank_low']}–{row['rank_high']}",
            "score": row.get("score"),
            "interval": "" if row.get("low") is None else
            f"{_number(row['low'], language)}–{_number(row['high'], language)}",
            "entity": row.get("entity_name", ""), "contact": row.get("contact_email", ""),
        })
    scored = [r for r in shortlist if r.get("score") is not None]
    if scored:
        charts.append(ChartSpec(kind="interval", title={
            lang: f"{_pick(prize.get('name'), lang)} – {_pick(PRIZE_LABELS['shortlist'], lang)}"
            for lang in ("it", "en")}, data={
            "labels": [r["label"] for r in scored], "scores": [r["score"] for r in scored],
            "lows": [r["low"] if r.get("low") is not None else r["score"] for r in scored],
            "highs": [r["high"] if r.get("high") is not None else r["score"] for r in scored],
            "cut_after": prize.get("places") or None}))
    if not prize.get("published"):
        notes.append({lang: f"{_pick(prize.get('name'), lang)}: " + (
            "le candidature in gara saranno visibili dopo la pubblicazione degli esiti." if lang == "it" else
            "the entries in the running show once the organisers publish the results.")
            for lang in ("it", "en")})


def _prize_winner(prize_name: str, winner: Mapping[str, Any], language: str,
                  tables: dict[str, list[dict[str, Any]]], charts: list[ChartSpec]) -> None:
    """A winner's row, its milestones, and its indicators with a chart of each one's series."""
    tables["winners"].append({"prize": prize_name, "entry": winner["label"],
                              "track": winner.get("track", ""), "area": winner.get("area", ""),
                              "entity": winner.get("entity_name", ""),
                              "contact": winner.get("contact_email", ""),
                              "team": ", ".join(winner.get("team", ())),
                              "sessions": winner.get("sessions_held", 0)})
    for milestone in winner.get("milestones", ()):
        tables["milestones"].append({"entry": winner["label"], "milestone": _pick(milestone["name"], language),
                                     "due_on": milestone.get("due_on") or "",
                                     "status": _pick(MILESTONE_STATUS.get(milestone.get("status", "")),
                                                     language) or milestone.get("status", "")})
    for kpi in winner.get("kpis", ()):
        tables["kpis"].append({"entry": winner["label"], "kpi": _pick(kpi["name"], language),
                               "unit": kpi.get("unit", ""), "baseline": kpi.get("baseline"),
                               "target": kpi.get("target"), "latest": kpi.get("latest")})
        series = kpi.get("series") or ()
        if series:
            charts.append(ChartSpec(kind="line", title={
                lang: f"{winner['label']} – {_pick(kpi['name'], lang)}" for lang in ("it", "en")}, data={
                "x_labels": [period for period, _ in series],
                "series": {_pick(kpi["name"], language): [value for _, value in series]},
                "targets": {} if kpi.get("target") is None else {_pick(kpi["name"], language): kpi["target"]},
            }))


def build_prize(snapshot: Mapping[str, Any]) -> ReportOutput:
    """One sponsor's prizes: the entries in the running with scores and intervals, the winners, their progress."""
    language = snapshot.get("language", "it")
    sponsor = snapshot.get("sponsor") or {}
    tables: dict[str, list[dict[str, Any]]] = {"shortlist": [], "winners": [], "milestones": [], "kpis": []}
    charts: list[ChartSpec] = []
    notes: list[dict[str, str]] = []
    for prize in sponsor.get("prizes", ()):
        _prize_shortlist(prize, language, tables, charts, notes)
        for winner in prize.get("winners", ()):
            _prize_winner(_pick(prize.get("name"), language), winner, language, tables, charts)
    return ReportOutput(
        title={"it": f"Rapporto sui premi – {sponsor.get('organisation', '')}",
               "en": f"Prize report – {sponsor.get('organisation', '')}"},
        tables=tables,
        figures={"prizes": float(len(sponsor.get("prizes", ()))), "in_running": float(len(tables["shortlist"])),
                 "winners": float(len(tables["winners"]))},
        charts=tuple(charts),
        labels=PRIZE_LABELS,
        notes=tuple(notes),
    )


@hookimpl(trylast=True)
def giuria_reports() -> list[ReportDefinition]:
    return [
        ReportDefinition(
            name="funnel",
            label={"it": "Imbuto: candidature, ammesse, finaliste, vincitrici",
                   "en": "Funnel: applications, admissible, finalists, winners"},
            description={"it": "Per ambito, area, forma giuridica, genere ed età dei team; gruppi piccoli nascosti.",
                         "en": "By track, area, legal form, gender and age of teams; small groups hidden."},
            audience="sponsor",
            formats=("html", "pdf", "csv", "xlsx"),
            build=build_funnel,
        ),
        ReportDefinition(
            name="prize",
            label={"it": "I premi dello sponsor: in gara, vincitrici, risultati", "en":
                   "The sponsor's prizes: in the running, winners, progress"},
            description={"it": "Punteggi con incertezza, vincitrici, tappe e indicatori dopo il premio.",
                         "en": "Scores with uncertainty, winners, milestones and indicators after the award."},
            audience="sponsor",
            formats=("html", "pdf", "csv", "xlsx"),
            build=build_prize,
        ),
    ]
