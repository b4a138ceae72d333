"""The review page's row of scale points, written in one call, is the HTML the template's loop wrote: values and
anchors escaped, the juror's point checked, every point disabled on a closed form."""

from __future__ import annotations

import pytest
from jinja2 import DictLoader

from core.judging.review_sheet import criterion_fields
from core.platform import i18n
from scoring.rubric import Anchor, Criterion, Rubric
from web.templating import build_environment

# The loop the review page had, with the page's whitespace settings.
LOOP = """      <div class="scale">
        {% for p in c.points %}
        <label class="scale-point"><input type="radio" name="score.{{ c.code }}" value="{{ p.value }}"\
{% if p.value == c.checked %} checked{% endif %}{{ disabled }}>
          <span class="value">{{ p.value }}</span>{% if p.anchor is not none %} <span class="anchor">\
{{ p.anchor }}</span>{% endif %}</label>
        {% endfor %}
      </div>
"""
CALL = """      <div class="scale">
        {{ scale_points(c, disabled) }}
      </div>
"""
RUBRIC = Rubric(name="r", label={"en": "R"}, criteria=(
    Criterion(code="IMP", label={"en": "Impact"}, anchors=(Anchor(1, {"en": "<b>weak</b> & \"thin\""}),
                                                          Anchor(5, {"en": "top"}))),
    Criterion(code="A&B", label={"en": "Odd code"}, min=0, max=3),
))


@pytest.mark.parametrize("disabled", ["", " disabled"])
@pytest.mark.parametrize("values", [{}, {"IMP": 4.0, "A&B": 0.0}, {"IMP": 1.0}])
def test_the_call_writes_what_the_loop_wrote(values, disabled):
    environment = build_environment(auto_reload=False)
    environment.loader = DictLoader({"loop": LOOP, "call": CALL})
    with i18n.language("en"):
        for field in criterion_fields(RUBRIC, values=values, comments={}):
            context = {"c": field, "disabled": disabled}
            written = environment.get_template("call").render(context)
            assert written == environment.get_template("loop").render(context)
            assert written.count(" checked") == (field.code in values)
            assert written.count(" disabled>") == (len(field.points) if disabled else 0)
    assert "&lt;b&gt;weak&lt;/b&gt; &amp; &#34;thin&#34;" in environment.get_template("call").render(
        {"c": criterion_fields(RUBRIC, values={}, comments={})[0], "disabled": ""})
