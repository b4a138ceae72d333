"""Rubric sheets: what a juror scores, on which scale, and how criteria weigh in the total.

Plain frozen dataclasses so that plugins, core and the command line share one shape.
Labels are dicts keyed by language code ("it", "en").
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Anchor:
    """A labelled point of a criterion's scale, shown to jurors beside the input."""

    value: float
    label: dict[str, str]


@dataclass(frozen=True)
class Criterion:
    """One scored aspect of an entry; `counted=False` criteria are shown but left out of the total."""

    code: str
    label: dict[str, str]
    weight: float = 1.0
    min: float = 1.0
    max: float = 5.0
    step: float = 1.0
    anchors: tuple[Anchor, ...] = ()
    guidance: dict[str, str] = field(default_factory=dict)
    threshold: float | None = None
    counted: bool = True
    required: bool = True


@dataclass(frozen=True)
class Rubric:
    """A named set of criteria that a round scores with; contributed by rubric plugins."""

    name: str
    label: dict[str, str]
    criteria: tuple[Criterion, ...]
    description: dict[str, str] = field(default_factory=dict)

    def criterion(self, code: str) -> Criterion | None:
        return next((c for c in self.criteria if c.code == code), None)
