"""The name of every code of an edition (tracks, areas, prizes, rounds, criteria, timeline), in the reader's language.

Pages and mails show a code through these names, so a code an organiser typed in the competition file
("NORD", "P-NORD", "IMP", "call_open") reaches people as its label in their language. One query builds
them for an edition; the language is chosen when a name is read, so one build serves both languages.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from core.editions.rubrics import rubric_from_mapping
from core.platform.db import decode_json
from core.platform.i18n import pick
from core.platform.tables import Edition, Round
from core.plugins import active_registry

KINDS = ("track", "area", "prize", "round", "criterion", "timeline")

_NAMES_SQL = """
SELECT 'track' AS kind, code, name AS label, position FROM track WHERE edition = {}
UNION ALL SELECT 'area', code, name, position FROM area WHERE edition = {}
UNION ALL SELECT 'prize', code, name, position FROM prize WHERE edition = {}
UNION ALL SELECT 'timeline', code, label, position FROM timeline_entry WHERE edition = {}
"""


@dataclass(frozen=True)
class EditionNames:
    """Translated labels by kind and code; a code without a label reads as itself, never as nothing."""

    labels: Mapping[str, Mapping[str, Mapping[str, str]]] = field(default_factory=dict)

    def label(self, kind: str, code: str | None, language: str | None = None) -> str:
        if code is None or code == "":
            return ""
        return pick(self.labels.get(kind, {}).get(code), language) or str(code)

    def labels_of(self, kind: str, codes, language: str | None = None) -> list[str]:
        return [self.label(kind, code, language) for code in codes or ()]

    def track(self, code: str | None) -> str:
        return self.label("track", code)

    def area(self, code: str | None) -> str:
        return self.label("area", code)

    def prize(self, code: str | None) -> str:
        return self.label("prize", code)

    def criterion(self, code: str | None) -> str:
        return self.label("criterion", code)

    def round(self, code: str | None) -> str:
        return self.label("round", code)


NO_NAMES = EditionNames()


def _criteria_labels(round_rows: list[dict[str, Any]], enabled: list[str]) -> dict[str, dict[str, str]]:
    """Criteria of every round's rubric: the frozen copy once scoring started, else the plugin's current one."""
    labels: dict[str, dict[str, str]] = {}
    registry = active_registry()
    for row in round_rows:
        frozen = row["rubric"] or {}
        if frozen.get("criteria"):
            rubric = rubric_from_mapping(frozen, name=frozen.get("name") or row["rubric_name"] or row["code"])
        elif row["rubric_name"]:
            rubric = registry.find_rubric(row["rubric_name"], enabled=enabled)
        else:
            rubric = None
        for criterion in rubric.criteria if rubric else ():
            labels.setdefault(criterion.code, dict(criterion.label))
    return labels


async def edition_names(edition_id: int, *, enabled_plugins: list[str] | None = None) -> EditionNames:
    """Every code of the edition with its label, read in one query plus the rounds' rubrics."""
    rows = await Round.raw(_NAMES_SQL, edition_id, edition_id, edition_id, edition_id)
    labels: dict[str, dict[str, dict[str, str]]] = {kind: {} for kind in KINDS}
    for row in sorted((decode_json(r, "label") for r in rows), key=lambda r: (r["kind"], r["position"] or 0)):
        labels[row["kind"]][row["code"]] = row["label"] or {}
    round_rows = await Round.select(Round.code, Round.name, Round.rubric, Round.rubric_name).output(
        load_json=True).where(Round.edition == edition_id).order_by(Round.position)
    for row in round_rows:
        labels["round"][row["code"]] = row["name"] or {}
    if enabled_plugins is None:
        edition = await Edition.select(Edition.enabled_plugins).output(load_json=True).where(
            Edition.id == edition_id).first()
        enabled_plugins = edition["enabled_plugins"] if edition else []
    labels["criterion"] = _criteria_labels(round_rows, enabled_plugins or [])
    return EditionNames(labels=labels)
