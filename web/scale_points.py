"""The row of points of a short whole-number scale on the juror's review page, written in one call.

Written by a template loop, a five-criterion rubric's 25 points were some 150 printed values and attributes, a
fifth of the page's render; here each point is one string with its two values escaped. The HTML is the loop's
(tests/unit/test_scale_points.py renders both and compares).
"""

from __future__ import annotations

from markupsafe import Markup, escape

from core.judging.review_sheet import CriterionField

POINT = ('<label class="scale-point"><input type="radio" name="score.{code}" value="{value}"{checked}{disabled}>\n'
         '          <span class="value">{value}</span>{anchor}</label>')
BETWEEN_POINTS = "\n        "  # the points' indentation in the page


def scale_points(criterion: CriterionField, disabled: str = "") -> Markup:
    """The criterion's radio points, the juror's chosen one checked; `disabled` is " disabled" on a closed form."""
    code, disabled = escape(criterion.code), escape(disabled)
    return Markup(BETWEEN_POINTS.join(  # noqa: S704 - every value in it is escaped here
        POINT.format(code=code, value=point.value, checked=" checked" if point.value == criterion.checked else "",
                     disabled=disabled,
                     anchor="" if point.anchor is None else f' <span class="anchor">{escape(point.anchor)}</span>')
        for point in criterion.points))
