"""A juror's score sheet, merged three ways: what the form started from, what it sent, what is stored now.

Two tabs saving one review never lose a criterion: a save changes only what the person changed,
and a criterion changed both here and elsewhere keeps the stored value and is reported as a
conflict. Pure: no database, no clock.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from core.platform.i18n import gettext as _
from scoring.rubric import Criterion, Rubric, value_error


@dataclass
class ReviewInput:
    """What the scoring form sent: values and comments per criterion, and what the form started from."""

    values: dict[str, str] = field(default_factory=dict)
    comments: dict[str, str] = field(default_factory=dict)
    original_values: dict[str, str] = field(default_factory=dict)
    original_comments: dict[str, str] = field(default_factory=dict)
    overall_comment: str | None = None
    feedback_to_applicant: str | None = None
    confidence: str | None = None
    version: int | None = None


@dataclass(frozen=True)
class SheetMerge:
    """The sheet to store, the refused values (message by criterion) and the criteria changed elsewhere."""

    values: dict[str, float | None]
    comments: dict[str, str]
    errors: dict[str, str]
    conflicts: dict[str, float | None]

    def changed(self, stored_values: Mapping[str, float | None], stored_comments: Mapping[str, str]) -> list[str]:
        """Criteria whose value or comment differs from what is stored."""
        return [code for code in set(self.values) | set(self.comments)
                if self.values.get(code) != stored_values.get(code)
                or self.comments.get(code, "") != stored_comments.get(code, "")]


def parse_value(raw: str) -> float | None:
    """A score as typed (a decimal comma is fine); blank is None, anything else not a finite number a ValueError."""
    text = raw.strip().replace(",", ".")
    if not text:
        return None
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(raw)
    return value


def scale_message(criterion: Criterion | None, reason: str) -> str:
    """What to tell the juror about a value outside the criterion's scale."""
    if criterion is None:
        return reason
    if "missing" in reason:
        return _("Give a score from {low} to {high}.").format(low=f"{criterion.min:g}", high=f"{criterion.max:g}")
    if criterion.step > 0:
        return _("Give a score from {low} to {high} in steps of {step}.").format(
            low=f"{criterion.min:g}", high=f"{criterion.max:g}", step=f"{criterion.step:g}")
    return _("Give a score from {low} to {high}.").format(low=f"{criterion.min:g}", high=f"{criterion.max:g}")


def merge_sheet(rubric: Rubric, *, stored_values: Mapping[str, float | None], stored_comments: Mapping[str, str],
                sent: ReviewInput) -> SheetMerge:
    """Apply what the form changed to what is stored, criterion by criterion, in the rubric's order.

    A criterion whose value is refused or in conflict keeps its stored value and comment.
    """
    merged = SheetMerge(values=dict(stored_values), comments=dict(stored_comments), errors={}, conflicts={})
    for criterion in rubric.criteria:
        code = criterion.code
        if code in sent.values and not _merge_value(merged, criterion, stored_values, sent):
            continue
        if code in sent.comments:
            _merge_comment(merged, code, stored_values, stored_comments, sent)
    return merged


def _merge_value(merged: SheetMerge, criterion: Criterion, stored: Mapping[str, float | None],
                 sent: ReviewInput) -> bool:
    """Merge one criterion's value; False when it was refused or in conflict (its comment is then left alone)."""
    code = criterion.code
    try:
        new = parse_value(sent.values[code])
    except ValueError:
        merged.errors[code] = _("Enter a number.")
        return False
    try:
        original = parse_value(sent.original_values.get(code, ""))
    except ValueError:
        original = None
    if new == original and code in stored:
        return True  # not changed in this form: whatever is stored stands
    if code in stored and stored[code] != original and stored[code] != new:
        merged.conflicts[code] = stored[code]  # changed here and elsewhere: keep theirs, say so
        return False
    if new is not None and (problem := value_error(criterion, new)):
        merged.errors[code] = scale_message(criterion, problem)
        return False
    merged.values[code] = new
    return True


def _merge_comment(merged: SheetMerge, code: str, stored_values: Mapping[str, float | None],
                   stored_comments: Mapping[str, str], sent: ReviewInput) -> None:
    new_comment = sent.comments[code].strip()
    original_comment = sent.original_comments.get(code, "").strip()
    if new_comment == original_comment:
        return
    if stored_comments.get(code, "") not in (original_comment, new_comment):
        merged.conflicts.setdefault(code, stored_values.get(code))
    else:
        merged.comments[code] = new_comment
