"""Reports every sponsor and organiser gets: the funnel of the call, with small cells suppressed."""

from collections import Counter
from collections.abc import Mapping
from typing import Any

from core.hookspecs import hookimpl
from core.plugin_api import ReportDefinition, ReportOutput

# Groups smaller than this are hidden so that no applicant can be singled out.
MIN_CELL = 5
STAGES = ("applications", "admissible", "finalists", "winners")


def _suppressed(count: int) -> int | None:
    return count if count >= MIN_CELL else None


def build_funnel(snapshot: Mapping[str, Any]) -> ReportOutput:
    """Counts per stage, overall and by track and area; cells under MIN_CELL become None."""
    entries = snapshot.get("applications", [])
    tables: dict[str, list[dict[str, Any]]] = {}
    for dimension in ("track", "area"):
        counters = {stage: Counter() for stage in STAGES}
        for entry in entries:
            for stage in STAGES:
                if entry.get(stage, stage == "applications"):
                    counters[stage][entry.get(dimension) or "—"] += 1
        groups = sorted(counters["applications"])
        tables[f"by_{dimension}"] = [
            {dimension: group, **{stage: _suppressed(counters[stage][group]) for stage in STAGES}}
            for group in groups
        ]
    totals = {stage: sum(1 for e in entries if e.get(stage, stage == "applications")) for stage in STAGES}
    return ReportOutput(
        title={"it": "Imbuto della call", "en": "Call funnel"},
        tables=tables,
        figures={stage: float(value) for stage, value in totals.items()},
    )


@hookimpl(trylast=True)
def giuria_reports() -> list[ReportDefinition]:
    return [
        ReportDefinition(
            name="funnel",
            label={"it": "Imbuto: candidature, ammesse, finaliste, vincitrici",
                   "en": "Funnel: applications, admissible, finalists, winners"},
            audience="sponsor",
            formats=("html", "csv"),
            build=build_funnel,
        )
    ]
