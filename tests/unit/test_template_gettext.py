"""The templates' one-call `_`, `ngettext` and `pgettext` write what Jinja's own newstyle callables write: escaped,
%-formatted, `.format()` escaping its values, in both languages."""

from __future__ import annotations

import pytest
from jinja2 import DictLoader, Environment
from markupsafe import Markup

from core.platform import i18n
from web.templating import Translation, build_environment

TEMPLATES = {
    "plain": '{{ _("Sign in") }}|{{ gettext("Skip to content") }}',
    "format": '{{ _("Section {number} of {total}").format(number=n, total="<2>") }}',
    "format markup": '{{ _("Preview {file} (opens in a new tab)").format(file=html) }}',
    "percent": '{{ _("100%% sure") }}|{{ _("%(who)s wrote", who=user) }}',
    "plural": '{{ ngettext("One answer needs attention; the others were saved.",'
              ' "{count} answers need attention; the others were saved.", n).format(count=n) }}',
    "context": '{{ pgettext("month", "May") }}',
    "unescaped": '{% autoescape false %}{{ _("Section {number} of {total}").format(number=n, total="<2>") }}'
                 '{% endautoescape %}',
}
CONTEXT = {"n": 3, "html": Markup("<b>deck</b>"), "user": "<script>"}


def jinja_own() -> Environment:
    environment = Environment(loader=DictLoader(TEMPLATES), autoescape=True, extensions=["jinja2.ext.i18n"])
    environment.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True, pgettext=i18n.pgettext,
                                          npgettext=i18n.npgettext)
    return environment


@pytest.mark.parametrize("language", i18n.LANGUAGES)
@pytest.mark.parametrize("name", TEMPLATES)
def test_the_one_call_gettext_writes_what_jinja_writes(name, language):
    ours = build_environment(auto_reload=False)
    ours.loader = DictLoader(TEMPLATES)
    with i18n.language(language):
        assert ours.get_template(name).render(CONTEXT) == jinja_own().get_template(name).render(CONTEXT)


@pytest.mark.parametrize(("text", "values"), [
    ("{count} of {limit} characters", {"count": 3, "limit": 10}),
    ("a <b>{x}</b> {{kept}} {y}", {"x": "<i>", "y": Markup("<i>ok</i>")}),
    ("{n:.2f} points", {"n": 3.14159}),
    ("{x!r}", {"x": "<"}),
    ("no field", {}),
])
def test_a_translation_formats_as_markup_does(text, values):
    assert Translation(text).format(**values) == Markup(text).format(**values)  # noqa: S704 - the test texts
