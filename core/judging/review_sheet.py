"""The scoring form's criteria as the juror's page shows them, worked out once per page in the service.

The review template only prints these: the criterion's name, guidance and anchors in the reader's language, the
note under its name (its weight as a share of the counted total, its minimum), whether the scale is a row of points
and which point is checked, and the values written back into the form (as the form sent them after a refused save,
else as stored). The `%g` texts are the form's own values, the same in every language.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.judging.sheet_merge import ReviewInput
from core.platform.i18n import format_number, pick
from core.platform.i18n import gettext as _
from scoring.rubric import Criterion, Rubric

# A scale this short with whole steps is shown as a row of points rather than a number box.
MOST_POINTS = 10

# Built for one page: plain slotted dataclasses, as a frozen one costs a `__setattr__` call per field.


@dataclass(slots=True)
class ScalePoint:
    value: int
    checked: bool
    anchor: str | None  # the anchor's words in the reader's language


@dataclass(slots=True)
class AnchorLine:
    """A number box's anchor: the value as the reader writes numbers, and its words."""

    value: str
    label: str


@dataclass(slots=True)
class CriterionField:
    """One criterion of the form with everything its fieldset prints."""

    code: str
    name: str  # in the reader's language, as every text below
    guidance: str
    note: str  # "weight 25%; minimum 3", or that it is not counted
    range_label: str  # the number box's label: "Score from 0 to 10"
    data_weight: float
    low_text: str
    high_text: str
    step_text: str
    points: tuple[ScalePoint, ...]  # empty when the scale is a number box
    anchors: tuple[AnchorLine, ...]
    value_text: str  # the number box's value
    stored_text: str  # what the form opened with (orig.score.X), for the three-way merge of a save
    comment: str
    stored_comment: str


def _as_float(text: object) -> float:
    """A sent value as a number the way the template's `float` filter read it: 0.0 when it is none."""
    try:
        return float(text)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0.0


def _note(criterion: Criterion, weight_sum: float) -> str:
    if criterion.counted:
        share = int(round(criterion.weight / weight_sum * 100, 0)) if weight_sum else 0
        note = f"{_('weight')} {share}%"
    else:
        note = _("not counted in the total")
    if criterion.threshold is not None:
        note += "; " + _("minimum {value}").format(value=format_number(criterion.threshold))
    return note


def _field(criterion: Criterion, weight_sum: float, stored: float | None, shown: object, stored_comment: str,
           comment: str) -> CriterionField:
    given = shown is not None and shown != ""
    integral = criterion.step == 1 and (criterion.max - criterion.min) <= MOST_POINTS
    anchors = {anchor.value: pick(anchor.label) for anchor in criterion.anchors}
    points = tuple(ScalePoint(value=v, checked=given and _as_float(shown) == v, anchor=anchors.get(v))
                   for v in range(int(criterion.min), int(criterion.max) + 1)) if integral else ()
    return CriterionField(
        code=criterion.code, name=pick(criterion.label), guidance=pick(criterion.guidance),
        note=_note(criterion, weight_sum),
        range_label=_("Score from {low} to {high}").format(low=format_number(criterion.min),
                                                           high=format_number(criterion.max)),
        data_weight=criterion.weight if criterion.counted else 0,
        low_text=f"{criterion.min:g}", high_text=f"{criterion.max:g}",
        step_text=f"{criterion.step:g}" if criterion.step else "any", points=points,
        anchors=() if integral else tuple(AnchorLine(value=format_number(a.value), label=pick(a.label))
                                           for a in criterion.anchors),
        value_text=f"{_as_float(shown):g}" if given else "", stored_text=f"{stored:g}" if stored is not None else "",
        comment=comment, stored_comment=stored_comment)


def criterion_fields(rubric: Rubric, *, values: dict[str, float | None], comments: dict[str, str],
                     typed: ReviewInput | None = None) -> list[CriterionField]:
    """The rubric's criteria with the juror's stored values, or what they typed when a save was refused."""
    weight_sum = sum(c.weight for c in rubric.criteria if c.counted)
    typed_values = typed.values if typed else {}
    typed_comments = typed.comments if typed else {}
    return [_field(c, weight_sum, values.get(c.code),
                   typed_values[c.code] if c.code in typed_values else values.get(c.code),
                   comments.get(c.code, ""),
                   typed_comments[c.code] if c.code in typed_comments else comments.get(c.code, ""))
            for c in rubric.criteria]
