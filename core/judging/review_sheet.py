"""The scoring form's criteria as the juror's page shows them, worked out once per page in the service.

The review template only prints these: the criterion's name, guidance and anchors in the reader's language, the
note under its name (its weight as a share of the counted total, its minimum), whether the scale is a row of points
and which point is checked, and the values written back into the form (as the form sent them after a refused save,
else as stored). The `%g` texts are the form's own values, the same in every language.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.judging.sheet_merge import ReviewInput
from core.platform.i18n import current_language, format_number, pick
from core.platform.i18n import gettext as _
from scoring.rubric import Criterion, Rubric

# A scale this short with whole steps is shown as a row of points rather than a number box.
MOST_POINTS = 10

@dataclass(frozen=True, slots=True)
class ScalePoint:
    value: int
    anchor: str | None  # the anchor's words in the reader's language


@dataclass(frozen=True, slots=True)
class AnchorLine:
    """A number box's anchor: the value as the reader writes numbers, and its words."""

    value: str
    label: str


@dataclass(frozen=True, slots=True)
class CriterionWording:
    """What a criterion's fieldset prints that is the same on every page of the rubric in one language."""

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


@dataclass(slots=True)
class CriterionField:
    """One criterion of the form with everything its fieldset prints: its wording's texts and the juror's values
    (built for one page: a plain slotted dataclass, as a frozen one costs a `__setattr__` call per field)."""

    code: str
    name: str
    guidance: str
    note: str
    range_label: str
    data_weight: float
    low_text: str
    high_text: str
    step_text: str
    points: tuple[ScalePoint, ...]
    anchors: tuple[AnchorLine, ...]
    checked: float | None  # the point shown as chosen, if any
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


def _wording(criterion: Criterion, weight_sum: float) -> CriterionWording:
    integral = criterion.step == 1 and (criterion.max - criterion.min) <= MOST_POINTS
    anchors = {anchor.value: pick(anchor.label) for anchor in criterion.anchors}
    return CriterionWording(
        code=criterion.code, name=pick(criterion.label), guidance=pick(criterion.guidance),
        note=_note(criterion, weight_sum),
        range_label=_("Score from {low} to {high}").format(low=format_number(criterion.min),
                                                           high=format_number(criterion.max)),
        data_weight=criterion.weight if criterion.counted else 0,
        low_text=f"{criterion.min:g}", high_text=f"{criterion.max:g}",
        step_text=f"{criterion.step:g}" if criterion.step else "any",
        points=tuple(ScalePoint(value=v, anchor=anchors.get(v))
                     for v in range(int(criterion.min), int(criterion.max) + 1)) if integral else (),
        anchors=() if integral else tuple(AnchorLine(value=format_number(a.value), label=pick(a.label))
                                           for a in criterion.anchors))


# Wordings by (rubric, language): a round's rubric is one object for as long as it is in use (its frozen text is
# parsed once, a plugin's offers are kept), so every page of it finds its words worked out. The rubric is kept
# with them, so its id cannot name another while they are here.
WORDINGS_KEPT = 64
_wordings_kept: dict[tuple[int, str], tuple[Rubric, tuple[CriterionWording, ...]]] = {}


def rubric_wordings(rubric: Rubric) -> tuple[CriterionWording, ...]:
    """The rubric's criteria in the reader's language, worked out once per rubric and language."""
    key = (id(rubric), current_language())
    kept = _wordings_kept.get(key)
    if kept is not None and kept[0] is rubric:
        return kept[1]
    weight_sum = sum(c.weight for c in rubric.criteria if c.counted)
    wordings = tuple(_wording(c, weight_sum) for c in rubric.criteria)
    if len(_wordings_kept) >= WORDINGS_KEPT:
        _wordings_kept.clear()
    _wordings_kept[key] = (rubric, wordings)
    return wordings


def _field(wording: CriterionWording, stored: float | None, shown: object, stored_comment: str,
           comment: str) -> CriterionField:
    given = shown is not None and shown != ""
    return CriterionField(
        code=wording.code, name=wording.name, guidance=wording.guidance, note=wording.note,
        range_label=wording.range_label, data_weight=wording.data_weight, low_text=wording.low_text,
        high_text=wording.high_text, step_text=wording.step_text, points=wording.points, anchors=wording.anchors,
        checked=_as_float(shown) if given and wording.points else None,
        value_text=f"{_as_float(shown):g}" if given else "", stored_text=f"{stored:g}" if stored is not None else "",
        comment=comment, stored_comment=stored_comment)


def criterion_fields(rubric: Rubric, *, values: dict[str, float | None], comments: dict[str, str],
                     typed: ReviewInput | None = None) -> list[CriterionField]:
    """The rubric's criteria with the juror's stored values, or what they typed when a save was refused."""
    typed_values = typed.values if typed else {}
    typed_comments = typed.comments if typed else {}
    return [_field(w, values.get(w.code), typed_values[w.code] if w.code in typed_values else values.get(w.code),
                   comments.get(w.code, ""),
                   typed_comments[w.code] if w.code in typed_comments else comments.get(w.code, ""))
            for w in rubric_wordings(rubric)]
