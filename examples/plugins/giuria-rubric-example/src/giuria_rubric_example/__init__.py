"""Fondazione Aurora's environmental rubric for Giuria, and a small report for its sponsor users.

Giuria finds this module through the entry point in pyproject.toml and calls the hooks below.
Hooks are pure: they receive and return plain data and do no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.hookspecs import hookimpl
from core.plugin_api import Anchor, ChartSpec, Criterion, ReportDefinition, ReportOutput, Rubric

__version__ = "1.0.0"


def _anchors(low: tuple[str, str], high: tuple[str, str]) -> tuple[Anchor, ...]:
    """Labels for the ends and the middle of a 1–5 scale, in Italian and English."""
    return (
        Anchor(1, {"it": low[0], "en": low[1]}),
        Anchor(3, {"it": "Adeguato", "en": "Adequate"}),
        Anchor(5, {"it": high[0], "en": high[1]}),
    )


AURORA_GREEN = Rubric(
    name="aurora-green",
    label={"it": "Aurora – impatto ambientale", "en": "Aurora – environmental impact"},
    description={"it": "Tre criteri su scala 1–5; l'impatto ambientale pesa più di tutto.",
                 "en": "Three criteria on a 1–5 scale; environmental impact weighs most."},
    criteria=(
        Criterion(code="ENV", weight=60, min=1, max=5, step=1, threshold=3,
                  label={"it": "Impatto ambientale misurabile", "en": "Measurable environmental impact"},
                  guidance={"it": "Emissioni evitate, rifiuti ridotti, suolo recuperato: con quali numeri?",
                            "en": "Emissions avoided, waste reduced, land restored: with which numbers?"},
                  anchors=_anchors(("Nessuno", "None"), ("Ampio e misurato", "Broad and measured"))),
        Criterion(code="SOC", weight=30, min=1, max=5, step=1,
                  label={"it": "Benefici per la comunità locale", "en": "Benefits for the local community"},
                  anchors=_anchors(("Nessuno", "None"), ("Rilevanti", "Significant"))),
        Criterion(code="FEA", weight=10, min=1, max=5, step=1,
                  label={"it": "Fattibilità", "en": "Feasibility"},
                  anchors=_anchors(("Poco credibile", "Hardly credible"), ("Solida", "Solid"))),
    ),
)


@hookimpl
def giuria_rubrics() -> list[Rubric]:
    return [AURORA_GREEN]


def build_green_summary(snapshot: Mapping[str, Any]) -> ReportOutput:
    """How many entries run for each of the sponsor's prizes, and how many won: counts only, no names."""
    sponsor = snapshot.get("sponsor") or {}
    language = snapshot.get("language", "it")
    rows = [{"prize": prize["name"].get(language) or prize["name"].get("it", prize["code"]),
             "in_running": len(prize.get("shortlist", ())), "winners": len(prize.get("winners", ()))}
            for prize in sponsor.get("prizes", ())]
    return ReportOutput(
        title={"it": "Aurora: sintesi dei premi", "en": "Aurora: prize summary"},
        tables={"prizes": rows},
        labels={"prizes": {"it": "Premi", "en": "Prizes"}, "prize": {"it": "Premio", "en": "Prize"},
                "in_running": {"it": "In gara", "en": "In the running"},
                "winners": {"it": "Vincitrici", "en": "Winners"}},
        charts=(ChartSpec(kind="bar", title={"it": "In gara e vincitrici", "en": "In the running and winners"},
                          data={"categories": [r["prize"] for r in rows],
                                "series": {"in_running": [r["in_running"] for r in rows],
                                           "winners": [r["winners"] for r in rows]}}),) if rows else (),
    )


@hookimpl
def giuria_reports() -> list[ReportDefinition]:
    return [ReportDefinition(
        name="aurora-summary", label={"it": "Aurora: sintesi dei premi", "en": "Aurora: prize summary"},
        audience="sponsor", formats=("html", "csv", "xlsx", "pdf"), build=build_green_summary)]
