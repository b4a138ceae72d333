"""Rubrics as data: convert a rubric to and from the plain mappings files and the database hold.

The same shape is used by rubric plugins, competition files and the frozen copy a round keeps,
so a rubric survives a round trip through YAML or the database unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scoring.rubric import Anchor, Criterion, Rubric, rubric_problems

__all__ = ["rubric_from_mapping", "rubric_problems", "rubric_to_mapping"]


def _label(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if isinstance(value, str):
        return {"it": value, "en": value}
    return {str(k): str(v) for k, v in dict(value).items()}


def rubric_from_mapping(data: Mapping[str, Any], *, name: str | None = None) -> Rubric:
    """Build a Rubric from a plain mapping (YAML or JSON); raises KeyError/TypeError/ValueError on bad shape."""
    criteria = []
    for item in data["criteria"]:
        anchors = tuple(
            Anchor(value=float(a["value"]), label=_label(a.get("label")))
            for a in item.get("anchors") or ()
        )
        threshold = item.get("threshold")
        criteria.append(Criterion(
            code=str(item["code"]),
            label=_label(item.get("label", item["code"])),
            weight=float(item.get("weight", 1)),
            min=float(item.get("min", 1)),
            max=float(item.get("max", 5)),
            step=float(item.get("step", 1)),
            anchors=anchors,
            guidance=_label(item.get("guidance")),
            threshold=None if threshold is None else float(threshold),
            counted=bool(item.get("counted", True)),
            required=bool(item.get("required", True)),
        ))
    return Rubric(
        name=str(name if name is not None else data.get("name", "")),
        label=_label(data.get("label", name or data.get("name", ""))),
        criteria=tuple(criteria),
        description=_label(data.get("description")),
    )


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def rubric_to_mapping(rubric: Rubric) -> dict[str, Any]:
    """The plain mapping rubric_from_mapping reads back to an equal Rubric."""
    criteria = []
    for c in rubric.criteria:
        item: dict[str, Any] = {
            "code": c.code, "label": dict(c.label), "weight": _number(c.weight),
            "min": _number(c.min), "max": _number(c.max), "step": _number(c.step),
        }
        if c.guidance:
            item["guidance"] = dict(c.guidance)
        if c.threshold is not None:
            item["threshold"] = _number(c.threshold)
        if not c.counted:
            item["counted"] = False
        if not c.required:
            item["required"] = False
        if c.anchors:
            item["anchors"] = [{"value": _number(a.value), "label": dict(a.label)} for a in c.anchors]
        criteria.append(item)
    data: dict[str, Any] = {"name": rubric.name, "label": dict(rubric.label), "criteria": criteria}
    if rubric.description:
        data["description"] = dict(rubric.description)
    return data
