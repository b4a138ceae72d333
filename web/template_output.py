"""Templates that write each autoescaped value as escaped text, without making a `Markup` of every one.

Jinja wraps every `{{ value }}` of an autoescaped template in markupsafe's `escape`, which returns a `Markup`: two
Python calls and a new string object per value, although the page joins its pieces into one plain string at once.
The juror's review page writes some 370 values, the applicant's form section some 275: the Markup objects were a
third of their render time. Where a template's output must stay Markup (a macro's result, a `{% set %}` block,
a filter block) Jinja wraps the joined text itself, so what reaches the reader is unchanged, byte for byte
(tests/unit/test_template_output.py renders the same sources with Jinja's own code generator and compares).

The translation callables (`_`, `gettext`, `ngettext`, `pgettext`) are called directly with the evaluation
context, where Jinja sends every call through `Context.call`, which works out how to call its callable each time:
a page calls `_` forty times.

`code_generator_class` is Jinja's documented hook for changing the Python a template compiles to.
"""

from __future__ import annotations

from typing import Any

from jinja2 import nodes, pass_eval_context
from jinja2.compiler import CodeGenerator, Frame
from markupsafe import escape

try:  # the C escaping that `markupsafe.escape` itself calls, without its Markup
    from markupsafe._speedups import _escape_inner
except ImportError:  # pragma: no cover - markupsafe without its C speedups (or laid out otherwise): its public escape

    def _escape_inner(text: str) -> str:
        return str(escape(text))


def _alias(name: str) -> str:
    return "direct_" + ("gettext" if name == "_" else name)


def escaped_text(value: Any) -> str:
    """What `str(markupsafe.escape(value))` gives, built as a plain string."""
    if type(value) is str:
        return _escape_inner(value)
    if hasattr(value, "__html__"):
        return value.__html__()
    return _escape_inner(str(value))


# Globals called directly when they are functions taking the evaluation context (web.templating's translations).
DIRECT_CALLS = ("_", "gettext", "ngettext", "pgettext")
# The mark `pass_eval_context` leaves on a function, read off one (Jinja keeps its kinds private).
EVAL_CONTEXT_MARK = pass_eval_context(lambda eval_ctx: None).jinja_pass_arg


class EscapedTextCodeGenerator(CodeGenerator):
    """Jinja's code generator, with `escaped_text` instead of `escape` around each value a template writes out, and
    the translation callables called directly."""

    def _direct_calls(self) -> dict[str, Any]:
        """The DIRECT_CALLS names whose global is a plain function taking the evaluation context, by name."""
        found = {}
        for name in DIRECT_CALLS:
            function = self.environment.globals.get(name)
            if (getattr(function, "jinja_pass_arg", None) is EVAL_CONTEXT_MARK
                    and getattr(function, "__module__", None) and "." not in getattr(function, "__qualname__", ".")):
                found[name] = function
        return found

    def visit_Template(self, node: nodes.Template, frame: Frame | None = None) -> None:
        self.writeline(f"from {__name__} import escaped_text")
        for alias, function in {_alias(name): function for name, function in self._direct_calls().items()}.items():
            self.writeline(f"from {function.__module__} import {function.__name__} as {alias}")
        super().visit_Template(node, frame)

    def visit_Call(self, node: nodes.Call, frame: Frame, forward_caller: bool = False) -> None:
        translated = self._translation_call(node)
        if translated is None and isinstance(node.node, nodes.Getattr) and node.node.attr == "format":
            translated = self._translation_call(node.node.node)  # `_("… {x} …").format(x=…)`
        if translated is None or forward_caller or self.environment.is_async or self.environment.sandboxed:
            super().visit_Call(node, frame, forward_caller=forward_caller)
            return
        # Direct only while the name holds that function (a template could assign another): otherwise as Jinja.
        alias = _alias(translated.node.name)
        self.write(f"({alias}(context.eval_ctx")
        self.signature(translated, frame)
        self.write(")")
        if translated is not node:  # the translation's own `.format`: Translation's or Markup's, a plain method
            self.write(".format(*()")  # `signature` writes each argument after a comma
            self.signature(node, frame)
            self.write(")")
        self.write(" if ")
        self.visit(translated.node, frame)
        self.write(f" is {alias} else ")
        super().visit_Call(node, frame)
        self.write(")")

    def _translation_call(self, node: nodes.Node) -> nodes.Call | None:
        """`node` if it calls a translation callable by its name with plain arguments, else None."""
        if (isinstance(node, nodes.Call) and isinstance(node.node, nodes.Name)
                and node.node.name in self._direct_calls() and node.dyn_args is None and node.dyn_kwargs is None):
            return node
        return None

    def _output_child_pre(self, node: nodes.Expr, frame: Frame, finalize: Any) -> None:
        if frame.eval_ctx.volatile or not frame.eval_ctx.autoescape:
            super()._output_child_pre(node, frame, finalize)
            return
        self.write("escaped_text(")
        if finalize.src is not None:
            self.write(finalize.src)
