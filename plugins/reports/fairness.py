"""The fairness report a sponsor can be given: advancement and award rates by group, with the four-fifths flag.

Shipped with Giuria but off until an edition's organisers enable it (the edition's plugins page): then the
sponsors of that edition find it among their reports. It reads the snapshot's `fairness` part, which core
builds from published decisions and given awards only, with small groups already hidden (None).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from babel.numbers import format_decimal, format_percent

from core.hookspecs import hookimpl
from core.plugin_api import ReportDefinition, ReportOutput
from scoring.disclosure import MIN_CELL

FLAGS = {"below": {"it": "sotto i quattro quinti", "en": "below four-fifths"},
         "possible": {"it": "forse sotto i quattro quinti", "en": "possibly below four-fifths"}}
LABELS: dict[str, dict[str, str]] = {
    "group": {"it": "Gruppo", "en": "Group"},
    "entries": {"it": "Candidature", "en": "Entries"},
    "ratio": {"it": "rapporto", "en": "ratio"},
    "total": {"it": "Tutte", "en": "Everyone"},
}
NOTES = (
    {"it": "Per ogni gruppo: la quota di candidature che ha raggiunto la fase o vinto, con l'intervallo al 95% "
           "(Wilson), e il rapporto fra quella quota e quella di tutte (intervallo di Katz). Sotto la regola dei "
           "quattro quinti un rapporto inferiore a 0,8 merita attenzione: «sotto» quando tutto l'intervallo è "
           "sotto 0,8, «forse sotto» quando lo è solo il valore.",
     "en": "For each group: the share of entries that reached the stage or won, with its 95% interval (Wilson), "
           "and that share divided by everyone's (Katz interval). Under the four-fifths rule a ratio under 0.8 "
           "deserves a look: \"below\" when the whole interval is under 0.8, \"possibly below\" when only the "
           "ratio is."},
    {"it": f"Le celle nascoste (—) sono gruppi con meno di {MIN_CELL} candidature, o conteggi che li "
           "rivelerebbero. Contano solo esiti pubblicati e premi assegnati.",
     "en": f"Hidden cells (—) are groups of fewer than {MIN_CELL} entries, or counts that would give them away. "
           "Only published outcomes and given awards count."},
)


def _pick(label: Mapping[str, str] | None, language: str) -> str:
    if not label:
        return ""
    return label.get(language) or label.get("it") or next(iter(label.values()), "")


def _rate(cell: Mapping[str, Any], language: str) -> str | None:
    if cell.get("rate") is None:
        return None
    return "{} ({}–{})".format(*(format_percent(cell[k], locale=language) for k in ("rate", "low", "high")))


def _ratio(cell: Mapping[str, Any], language: str) -> str | None:
    if cell.get("ratio") is None:
        return None
    return "{} ({}–{})".format(*(format_decimal(round(cell[k], 2), format="0.00", locale=language)
                                 for k in ("ratio", "ratio_low", "ratio_high")))


def build_fairness(snapshot: Mapping[str, Any]) -> ReportOutput:
    """The whole edition's table per group (reached the final, won an award), then each round's advancement.

    Each rate is written with its 95% interval; each ratio with its interval and, where it is under 0.8, the flag.
    """
    language = snapshot.get("language", "it")
    audit = snapshot.get("fairness") or {}
    tables: dict[str, list[dict[str, Any]]] = {}
    labels: dict[str, dict[str, str]] = dict(LABELS)
    for s_index, scope in enumerate(audit.get("scopes", ())):
        measures = [(code, name) for code, name in scope["measures"] if code in ("decided", "finalist", "award")]
        positions = {code: i for i, (code, _name) in enumerate(scope["measures"])}
        for code, name in measures:
            labels[f"{code}_rate"] = {language: name}
            labels[f"{code}_ratio"] = {language: f"{name}: {_pick(LABELS['ratio'], language)}"}
        for table in scope["tables"]:
            key = f"s{s_index}_{table['dimension']}"
            labels[key] = {language: f"{scope['title']} – {table['title']}"}
            rows = []
            for row in [*table["rows"], {**scope["overall"], "label": "total"}]:
                line: dict[str, Any] = {"group": row["label"], "entries": row["n"]}
                for code, _name in measures:
                    cell = row["cells"][positions[code]]
                    line[f"{code}_rate"] = _rate(cell, language)
                    ratio = _ratio(cell, language)
                    flag = _pick(FLAGS.get(cell.get("flag", "")), language)
                    line[f"{code}_ratio"] = ("" if row["label"] == "total" else
                                             ratio if ratio is None or not flag else f"{ratio}: {flag}")
                rows.append(line)
            tables[key] = rows
    return ReportOutput(
        title={"it": "Equità della selezione", "en": "Fairness of the selection"},
        tables=tables,
        figures={"flagged": float(sum(1 for s in audit.get("scopes", ()) for t in s["tables"] for r in t["rows"]
                                      for c in r["cells"] if c.get("flag") == "below"))},
        labels=labels,
        notes=NOTES,
    )


@hookimpl
def giuria_reports() -> list[ReportDefinition]:
    return [ReportDefinition(
        name="fairness",
        label={"it": "Equità della selezione: quote per gruppo e regola dei quattro quinti",
               "en": "Fairness of the selection: rates by group and the four-fifths rule"},
        description={"it": "Ammissione, finale e premi per ambito, area, forma giuridica, genere ed età dei team, "
                           "prime candidature e ritorni; gruppi piccoli nascosti.",
                     "en": "Admission, final and awards by track, area, legal form, team gender and age, "
                           "first-time and returning applicants; small groups hidden."},
        audience="sponsor",
        formats=("html", "pdf", "csv", "xlsx"),
        build=build_fairness,
        needs=("fairness",),
    )]
