"""Rubric sheets: what a juror scores, on which scale, and how criteria weigh in the total.

Plain frozen dataclasses so that plugins, core and the command line share one shape.
Labels are dicts keyed by language code ("it", "en").
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np


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


# A float step such as 0.5 must accept 3.5 even when it arrives as 3.4999999999.
STEP_TOLERANCE = 1e-6

Sheet = Mapping[str, float | None]
"""One juror's answers for one entry: criterion code → value, None where left blank."""


@dataclass(frozen=True)
class SheetError:
    """Why one criterion of a sheet was refused, in words an organiser can act on."""

    criterion: str
    reason: str

    def __str__(self) -> str:
        return f"{self.criterion}: {self.reason}"


def value_error(criterion: Criterion, value: float) -> str | None:
    """Why `value` is not a valid answer for `criterion`, or None if it is."""
    if not math.isfinite(value):
        return "not a finite number"
    if value < criterion.min - STEP_TOLERANCE or value > criterion.max + STEP_TOLERANCE:
        return f"{value:g} is off the scale {criterion.min:g}–{criterion.max:g}"
    if criterion.step > 0:
        steps = (value - criterion.min) / criterion.step
        if abs(steps - round(steps)) > STEP_TOLERANCE * max(1.0, abs(steps)):
            return f"{value:g} is not on a step of {criterion.step:g} from {criterion.min:g}"
    return None


def validate_sheet(rubric: Rubric, sheet: Sheet) -> list[SheetError]:
    """Every problem of a sheet at once, in rubric order then unknown codes, so a form can mark each field."""
    errors = []
    for criterion in rubric.criteria:
        value = sheet.get(criterion.code)
        if value is None:
            if criterion.required:
                errors.append(SheetError(criterion.code, "missing a required score"))
            continue
        reason = value_error(criterion, float(value))
        if reason:
            errors.append(SheetError(criterion.code, reason))
    known = {c.code for c in rubric.criteria}
    errors.extend(SheetError(code, "unknown criterion") for code in sheet if code not in known)
    return errors


def weighted_total(rubric: Rubric, sheet: Sheet) -> float | None:
    """Weighted mean of the counted criteria the juror answered; stays on the criteria's own scale.

    Weights are normalised over the counted criteria present, so a blank optional criterion
    neither drags the total down nor inflates it. None when no counted criterion was answered.
    """
    weight_sum = value_sum = 0.0
    for criterion in rubric.criteria:
        value = sheet.get(criterion.code)
        if criterion.counted and value is not None and criterion.weight > 0:
            weight_sum += criterion.weight
            value_sum += criterion.weight * float(value)
    return value_sum / weight_sum if weight_sum else None


def below_thresholds(rubric: Rubric, sheet: Sheet) -> list[str]:
    """Codes of criteria where this sheet scores under the criterion's threshold."""
    return [
        c.code
        for c in rubric.criteria
        if c.threshold is not None and sheet.get(c.code) is not None and float(sheet[c.code]) < c.threshold
    ]


def total_range(rubric: Rubric) -> tuple[float, float]:
    """Lowest and highest possible weighted total, used to put calibrated scores back on the scale."""
    counted = [c for c in rubric.criteria if c.counted and c.weight > 0]
    if not counted:
        raise ValueError(f"rubric {rubric.name!r} has no counted criterion with a positive weight")
    weight = sum(c.weight for c in counted)
    return (sum(c.weight * c.min for c in counted) / weight, sum(c.weight * c.max for c in counted) / weight)


def weight_shares(rubric: Rubric) -> dict[str, float]:
    """Each counted criterion's share of the total (weights over their sum): what `weighted_total` uses."""
    counted = [c for c in rubric.criteria if c.counted and c.weight > 0]
    total = sum(c.weight for c in counted)
    return {c.code: c.weight / total for c in counted} if total else {}


def weight_remarks(rubric: Rubric) -> tuple[str | None, list[str]]:
    """How the counted weights were normalised (None when they sum to 100, or one criterion counts), and likely typos.

    Weights are relative: 3 and 1 mean 75% and 25%. A rubric is usually written in percent,
    though, so when the weights do not sum to 100 (or to 1) a weight that would make them do
    so if it had one digit more or less (150 among 30, 20, 20, 15), or that outweighs all the
    others together while being at least five times their median, is named as a likely typo.
    """
    counted = [c for c in rubric.criteria if c.counted and c.weight > 0]
    total = sum(c.weight for c in counted)
    if len(counted) < 2 or math.isclose(total, 100):
        return None, []
    shares = ", ".join(f"{c.code} {c.weight:g} ({100 * c.weight / total:.1f}%)" for c in counted)
    note = f"the weights of the counted criteria sum to {total:g}, not 100; each counts as its share: {shares}"
    if math.isclose(total, 1):
        return note, []
    warnings = []
    for c in counted:
        others = [o.weight for o in counted if o is not c]
        if not others:
            continue
        for factor in (10, 0.1):
            if math.isclose(total - c.weight + c.weight / factor, 100):
                warnings.append(
                    f"weight {c.weight:g} of {c.code} looks like a typo: "
                    f"with {c.weight / factor:g} the weights would sum to 100"
                )
                break
        else:
            median = float(np.median(others))
            if c.weight > sum(others) and c.weight >= 5 * median:
                warnings.append(
                    f"weight {c.weight:g} of {c.code} is {c.weight / median:.1f}× the median of the others "
                    f"({median:g}) and outweighs them all together: a typo?"
                )
    return note, warnings


def rubric_problems(rubric: Rubric) -> list[str]:
    """Inconsistencies in a rubric definition itself (bad scale, duplicate codes, negative weights).

    A step of 0 means a continuous scale. Plugins and competition files are both checked with this.
    """
    problems = []
    if not rubric.name:
        problems.append("the rubric has no name")
    if not rubric.criteria:
        problems.append("the rubric has no criteria")
    seen: set[str] = set()
    for c in rubric.criteria:
        if not c.code:
            problems.append("a criterion has no code")
        if c.code in seen:
            problems.append(f"{c.code}: duplicate criterion code")
        seen.add(c.code)
        if not all(math.isfinite(x) for x in (c.min, c.max, c.step)):
            problems.append(f"{c.code}: min, max and step must be finite numbers")
            continue
        if not c.max > c.min:
            problems.append(f"{c.code}: max {c.max:g} must be above min {c.min:g}")
        if c.step < 0:
            problems.append(f"{c.code}: step {c.step:g} must not be negative")
        if c.weight < 0 or not math.isfinite(c.weight):
            problems.append(f"{c.code}: weight {c.weight:g} must be a non-negative number")
        if c.threshold is not None and not c.min <= c.threshold <= c.max:
            problems.append(f"{c.code}: threshold {c.threshold:g} lies off the scale")
        problems.extend(f"{c.code}: anchor {a.value:g} lies off the scale" for a in c.anchors
                        if not c.min <= a.value <= c.max)
    if rubric.criteria and not any(c.counted and c.weight > 0 for c in rubric.criteria):
        problems.append("no counted criterion with a positive weight")
    return problems


def weighted_totals(rubric: Rubric, codes: Sequence[str], values: np.ndarray) -> np.ndarray:
    """`weighted_total` for many sheets at once: `values` is sheets × criteria in `codes` order, NaN blank."""
    weight = np.array(
        [
            c.weight if (c := rubric.criterion(code)) is not None and c.counted and c.weight > 0 else 0.0
            for code in codes
        ]
    )
    given = ~np.isnan(values)
    weight_sum = given @ weight
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(given, values, 0.0) @ weight / np.where(weight_sum > 0, weight_sum, np.nan)
