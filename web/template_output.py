"""Templates that write each autoescaped value as escaped text, without making a `Markup` of every one.

Jinja wraps every `{{ value }}` of an autoescaped template in markupsafe's `escape`, which returns a `Markup`: two
Python calls and a new string object per value, although the page joins its pieces into one plain string at once.
The juror's review page writes some 370 values, the applicant's form section some 275: the Markup objects were a
third of their render time. Where a template's output must stay Markup (a macro's result, a `{% set %}` block,
a filter block) Jinja wraps the joined text itself, so what reaches the reader is unchanged, byte for byte
(tests/unit/test_template_output.py renders the same sources with Jinja's own code generator and compares).

`code_generator_class` is Jinja's documented hook for changing the Python a template compiles to.
"""

from __future__ import annotations

from typing import Any

from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame

try:  # the C escaping that `markupsafe.escape` itself calls, without its Markup
    from markupsafe._speedups import _escape_inner
except ImportError:  # pragma: no cover - markupsafe without its C speedups
    from markupsafe._native import _escape_inner


def escaped_text(value: Any) -> str:
    """What `str(markupsafe.escape(value))` gives, built as a plain string."""
    if type(value) is str:
        return _escape_inner(value)
    if hasattr(value, "__html__"):
        return value.__html__()
    return _escape_inner(str(value))


class EscapedTextCodeGenerator(CodeGenerator):
    """Jinja's code generator, with `escaped_text` instead of `escape` around each value a template writes out."""

    def visit_Template(self, node: nodes.Template, frame: Frame | None = None) -> None:
        self.writeline(f"from {__name__} import escaped_text")
        super().visit_Template(node, frame)

    def _output_child_pre(self, node: nodes.Expr, frame: Frame, finalize: Any) -> None:
        if frame.eval_ctx.volatile or not frame.eval_ctx.autoescape:
            super()._output_child_pre(node, frame, finalize)
            return
        self.write("escaped_text(")
        if finalize.src is not None:
            self.write(finalize.src)
