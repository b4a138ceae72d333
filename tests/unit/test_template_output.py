"""Templates compiled with `EscapedTextCodeGenerator` write what Jinja's own code generator writes, byte for byte:
values escaped, Markup kept, macros, `{% set %}` and filter blocks, `{% autoescape false %}`, includes and the
app's own templates."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from jinja2 import DictLoader, TemplateError
from jinja2.compiler import CodeGenerator
from markupsafe import Markup

from core.platform import i18n
from web.template_output import escaped_text
from web.templating import TEMPLATE_DIR, build_environment


class Html:
    def __html__(self) -> str:
        return "<em>own html</em>"


class Text:
    def __str__(self) -> str:
        return "<text & 'quotes'>"


SOURCES = {
    "values": "{{ s }}|{{ n }}|{{ f }}|{{ none }}|{{ m }}|{{ h }}|{{ t }}|{{ missing }}|{{ s ~ n }}|{{ s | safe }}",
    "macro": '{% macro box(x) %}<b title="{{ x }}">{{ x }}</b>{% endmacro %}{{ box(s) }}{{ box(m) }}'
             '{% set boxed = box(s) %}{{ boxed }}|{{ boxed | length }}',
    "call": '{% macro wrap() %}<div>{{ caller() }}</div>{% endmacro %}{% call wrap() %}{{ s }}{% endcall %}',
    "set block": "{% set block %}<p>{{ s }}</p>{% endset %}{{ block }}{{ block | upper }}",
    "filter block": "{% filter upper %}{{ s }}<i>{{ m }}</i>{% endfilter %}",
    "unescaped": "{% autoescape false %}{{ s }}{{ m }}{% endautoescape %}{{ s }}",
    "volatile": "{% autoescape flag %}{{ s }}{% endautoescape %}",
    "loop": "{% for x in items %}{{ loop.index }}:{{ x }}{% if not loop.last %},{% endif %}{% endfor %}",
    "include": '{% set s = "<inner>" %}{% include "values" %}',
    "translated": '{{ _("Preview {file} (opens in a new tab)").format(file=s) }}|{{ _("Sign in") }}'
                  '{% for x in items %}{{ _("Download {file}").format(file=x) }}'
                  '{{ ngettext("one", "{n} many", loop.index).format(n=loop.index) }}'
                  '{{ pgettext("month", "May") }}{% endfor %}',
    "trans block": "{% trans %}Sign in{% endtrans %}|{% trans who=s %}Hello {{ who }}{% endtrans %}",
    "reassigned": '{% set _ = shout %}{{ _("Sign in") }}{{ _("Download {file}").format(file=s) }}',
}
CONTEXT = {"s": "<script>alert('x') & \"y\"</script>", "n": 3, "f": 2.5, "none": None,
           "m": Markup("<strong>kept</strong>"), "h": Html(), "t": Text(), "items": ["<a>", Markup("<b>"), 1],
           "flag": True, "shout": lambda text: Markup("<b>{}</b>").format(text)}


def environments():
    ours = build_environment(auto_reload=False)
    jinja_own = build_environment(auto_reload=False)
    jinja_own.code_generator_class = CodeGenerator
    return ours, jinja_own


@pytest.mark.parametrize("language", i18n.LANGUAGES)
@pytest.mark.parametrize("name", SOURCES)
def test_a_template_writes_what_jinja_own_code_writes(name, language):
    ours, jinja_own = environments()
    ours.loader = jinja_own.loader = DictLoader(SOURCES)
    with i18n.language(language):
        written = ours.get_template(name).render(CONTEXT)
        assert written == jinja_own.get_template(name).render(CONTEXT)


def test_values_are_escaped():
    ours, _ = environments()
    ours.loader = DictLoader(SOURCES)
    written = ours.get_template("values").render(CONTEXT)
    assert written.startswith("&lt;script&gt;alert(&#39;x&#39;) &amp; &#34;y&#34;&lt;/script&gt;|3|2.5|None|"
                              "<strong>kept</strong>|<em>own html</em>|&lt;text &amp; &#39;quotes&#39;&gt;||")


def test_the_generated_code_uses_the_plain_escape_and_calls_translations_directly():
    ours, jinja_own = environments()
    assert "escaped_text(" in ours.compile(SOURCES["values"], raw=True)
    assert "escaped_text(" not in jinja_own.compile(SOURCES["values"], raw=True)
    compiled = ours.compile(SOURCES["translated"], raw=True)
    assert "direct_gettext(context.eval_ctx, 'Sign in')" in compiled
    assert "direct_gettext(context.eval_ctx, 'Download {file}').format(*(), file=" in compiled
    assert "direct_ngettext(context.eval_ctx, 'one', '{n} many'" in compiled


@pytest.mark.parametrize("value", ["<&>\"'", "", "plain", 7, 0.5, None, Markup("<i>"), Html(), Text()])
def test_escaped_text_is_escape_as_a_plain_string(value):
    from markupsafe import escape

    written = escaped_text(value)
    assert written == str(escape(value))
    assert type(written) is str or hasattr(value, "__html__")


def test_every_app_template_renders_the_same_with_an_empty_context():
    """Each template of the app, rendered with nothing in its context (what it can render of itself), gives the same
    text or fails the same way with either code generator."""
    ours, jinja_own = environments()
    rendered = 0
    for path in sorted(TEMPLATE_DIR.rglob("*.html")):
        name = path.relative_to(TEMPLATE_DIR).as_posix()
        outcome = []
        for environment in (ours, jinja_own):
            try:
                outcome.append(environment.get_template(name).render(
                    {"csrf_input": Markup("<input>"), "request": SimpleNamespace(scope={"path": "/"})}))
            except (TemplateError, TypeError, AttributeError, KeyError, ValueError) as error:
                outcome.append(type(error).__name__)
        assert outcome[0] == outcome[1], name
        rendered += not outcome[0].endswith("Error")
    assert rendered > 20


def test_a_template_sees_the_environment_globals_under_its_own():
    ours, _ = environments()
    ours.globals["shared"] = "environment"
    template = ours.from_string("{{ shared }}|{{ own }}|{{ languages | length }}", globals={"own": "template"})
    assert template.render() == "environment|template|2"
    assert ours.from_string("{{ shared }}", globals={"shared": "template's own"}).render() == "template&#39;s own"
    assert "own" not in ours.globals  # a template's globals stay its own
