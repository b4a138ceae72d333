"""Mail templates rendered in the recipient's language: a subject, a plain-text body and, optionally, HTML.

A template `<name>` is the files `core/messaging/mail_templates/<name>.subject.txt`, `<name>.txt` and, when the
mail is better with a table or a button, `<name>.html`. Text is rendered without escaping and HTML
with it, so a name such as "Rossi & <Figli>" reads right in both.
"""

from __future__ import annotations

import logging
import math
import re
import string
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache, wraps
from pathlib import Path
from typing import Any

from babel.numbers import format_decimal
from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
    UndefinedError,
    nodes,
    pass_eval_context,
)
from jinja2.nodes import EvalContext
from jinja2.runtime import Context, LoopContext, markup_join, str_join
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError
from jinja2.visitor import NodeTransformer

from core.platform import i18n
from core.platform.i18n import gettext as _

MAIL_TEMPLATE_DIR = Path(__file__).resolve().parent / "mail_templates"
TEMPLATE_NAME = re.compile(r"[a-z0-9_]+(/[a-z0-9_]+)*")
SUBJECT_LENGTH = 300  # OutgoingMail.subject

log = logging.getLogger("giuria.mail")


class MailTemplateError(ValueError):
    """A mail template is missing, or the context it was given cannot make a correct mail."""


@dataclass(frozen=True)
class RenderedMail:
    language: str
    subject: str
    text: str
    html: str


def _environment(*, html: bool) -> Environment:
    environment = Environment(
        loader=FileSystemLoader(str(MAIL_TEMPLATE_DIR)),
        autoescape=html,  # noqa: S701 - the text environment renders plain text, never HTML
        # A missing variable is a bug in the caller: better an error at enqueue than "Hello ," in a mailbox.
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True, pgettext=i18n.pgettext,
                                          npgettext=i18n.npgettext)
    environment.globals["current_language"] = i18n.current_language
    # Numbers, money and dates in the recipient's language, as pages print them.
    environment.filters.update(money=i18n.format_money, day=i18n.format_day, moment=i18n.format_moment,
                               decimal=i18n.format_decimal, number=i18n.format_number, percent=i18n.format_percent)
    return environment


@cache
def _environments() -> tuple[Environment, Environment]:
    return _environment(html=False), _environment(html=True)


@dataclass(frozen=True)
class MailOverride:
    """An edition's own wording of a mail in one language; an empty HTML body means a text-only mail."""

    subject: str
    body_text: str
    body_html: str = ""


# An override renders within these bounds, or is refused: a mail is a few kilobytes of text, and rendering it
# must never hold a worker. Every value built while rendering is bounded too, so that no single operation
# ('a' * 10**8, "%999999999d", a doubling in a loop) allocates beyond them.
MAX_SOURCE_CHARS = 20_000
MAX_RENDERED_CHARS = 100_000
MAX_STEPS = 100_000  # loop rounds, calls, filters and tests in one rendering
MAX_SECONDS = 1.0
MAX_RANGE = 10_000
MAX_INT_BITS = 4_096
_PERCENT_FIELD = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(\*|\d+)?(?:\.(\*|\d+))?")
_WIDTH_METHODS = frozenset({"ljust", "rjust", "center", "zfill", "expandtabs"})
_WIDTH_FILTERS = frozenset({"center", "indent", "wordwrap", "truncate", "batch", "slice", "tojson"})


class TemplateTooCostly(SecurityError):
    """An override whose rendering would exceed MAX_RENDERED_CHARS, MAX_STEPS or MAX_SECONDS."""


def _too_long() -> TemplateTooCostly:
    limit = format_decimal(MAX_RENDERED_CHARS, locale=i18n.babel_locale(i18n.current_language()))
    return TemplateTooCostly(_("The mail would be longer than {limit} characters: remove the repetition.").format(
        limit=limit))


def _too_slow() -> TemplateTooCostly:
    return TemplateTooCostly(_("The mail takes too long to write: its loops or repetitions are too large."))


class _Budget:
    """What one rendering may still spend; charged by every loop round, call, filter and test."""

    __slots__ = ("deadline", "steps")

    def __init__(self) -> None:
        self.steps = 0
        self.deadline = time.monotonic() + MAX_SECONDS

    def charge(self) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS or time.monotonic() > self.deadline:
            raise _too_slow()


_budget: ContextVar[_Budget | None] = ContextVar("giuria_mail_budget", default=None)


def _charge() -> None:
    budget = _budget.get()
    if budget is not None:  # None while Jinja folds constants at compile time
        budget.charge()


def _bounded(value: Any) -> Any:
    """`value`, unless it is larger than anything a mail needs."""
    if isinstance(value, str | bytes | list | tuple | dict | set | frozenset) and len(value) > MAX_RENDERED_CHARS:
        raise _too_long()
    if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
        raise _too_long()
    return value


def _length(value: Any) -> int:
    return len(value) if isinstance(value, str | list | tuple) else len(str(value))


def _check_numbers(numbers: Any) -> None:
    """Widths, precisions and counts taken from a template: none may ask for more than a mail holds."""
    if any(isinstance(n, int) and not isinstance(n, bool) and abs(n) > MAX_RENDERED_CHARS for n in numbers):
        raise _too_long()


def _check_percent_format(text: str, args: Any) -> None:
    """`"%999999999d" % 1` allocates a gigabyte in one step: widths and precisions are read before formatting."""
    stars = False
    for width, precision in _PERCENT_FIELD.findall(text):
        for number in (width, precision):
            if number == "*":
                stars = True
            elif number:
                _check_numbers([int(number)])
    if stars:
        _check_numbers(args if isinstance(args, tuple) else [args])


def _check_brace_format(text: str, args: Any, kwargs: dict) -> None:
    """The same for `"{:>999999999}".format(1)`; a width given as an argument ({:{w}}) is checked too."""
    try:
        fields = list(string.Formatter().parse(text))
    except ValueError:
        return  # the formatter itself will refuse it
    for _literal, _name, spec, _conversion in fields:
        if not spec:
            continue
        _check_numbers([int(number) for number in re.findall(r"\d+", spec)])
        if "{" in spec:
            _check_numbers([*args, *kwargs.values()])


class _Rewrite(NodeTransformer):
    """Routes every loop and every `~` through the budget, before Jinja compiles the template."""

    def visit_For(self, node: nodes.For) -> nodes.Node:
        self.generic_visit(node)
        node.iter = nodes.Filter(node.iter, "_giuria_each", [], [], None, None, lineno=node.lineno)
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        self.generic_visit(node)
        return nodes.Filter(nodes.List(node.nodes, lineno=node.lineno), "_giuria_concat", [], [], None, None,
                            lineno=node.lineno)


def _each(iterable: Any) -> Iterator[Any]:
    for item in iterable:
        _charge()
        yield item


@pass_eval_context
def _concat(eval_context: EvalContext, parts: list) -> str:
    if sum(_length(part) for part in parts) > MAX_RENDERED_CHARS:
        raise _too_long()
    return markup_join(parts) if eval_context.autoescape else str_join(parts)


def _bounded_range(*args: int) -> range:
    numbers = range(*args)
    if len(numbers) > MAX_RANGE:
        raise _too_slow()
    return numbers


def _check_join(separator: Any, items: list) -> None:
    if _length(separator) * len(items) + sum(_length(item) for item in items) > MAX_RENDERED_CHARS:
        raise _too_long()


def _bounded_filter(name: str, function: Callable) -> Callable:
    """A filter that spends the budget, reads width-like arguments before running and bounds what it returns."""
    offset = 1 if getattr(function, "jinja_pass_arg", None) else 0

    @wraps(function)
    def bounded(*args: Any, **kwargs: Any) -> Any:
        _charge()
        value, options = (args[offset] if len(args) > offset else None), args[offset + 1:]
        if name in _WIDTH_FILTERS:
            _check_numbers([*options, *kwargs.values()])
        elif name == "format" and isinstance(value, str):
            _check_percent_format(value, tuple(options) or tuple(kwargs.values()))
        elif name == "join" and value is not None and not isinstance(value, str):
            value = list(value)
            _check_join(options[0] if options else kwargs.get("d", ""), value)
            args = (*args[:offset], value, *options)
        elif name == "replace" and isinstance(value, str) and len(options) >= 2:
            if value.count(str(options[0]) or " ") * _length(options[1]) > MAX_RENDERED_CHARS:
                raise _too_long()
        return _bounded(function(*args, **kwargs))

    return bounded


class BoundedSandbox(ImmutableSandboxedEnvironment):
    """The sandbox for organisers' wording: no mutation, no attribute tricks, and bounded size and time."""

    intercepted_binops = frozenset({"*", "**", "%", "+"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.globals["range"] = _bounded_range
        self.globals.pop("lipsum", None)
        self.filters = {name: _bounded_filter(name, function) for name, function in self.filters.items()}
        self.filters["_giuria_each"] = _each
        self.filters["_giuria_concat"] = _concat

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        return _Rewrite().visit(super()._parse(source, name, filename))

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        _charge()
        if operator == "*":
            count, sequence = (left, right) if isinstance(left, int) else (right, left)
            if isinstance(count, int) and isinstance(sequence, str | list | tuple) and \
                    len(sequence) * count > MAX_RENDERED_CHARS:
                raise _too_long()
        elif operator == "**":
            if isinstance(left, int) and isinstance(right, int) and abs(left) > 1 and \
                    right * math.log2(abs(left)) > MAX_INT_BITS:
                raise _too_long()
        elif operator == "%" and isinstance(left, str):
            _check_percent_format(left, right)
        elif operator == "+" and isinstance(left, str | list | tuple) and isinstance(right, str | list | tuple):
            if len(left) + len(right) > MAX_RENDERED_CHARS:
                raise _too_long()
        return _bounded(super().call_binop(context, operator, left, right))

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        _charge()
        method = getattr(__obj, "__wrapped__", __obj)
        owner, name = getattr(method, "__self__", None), getattr(method, "__name__", "")
        if isinstance(owner, str):
            if name in _WIDTH_METHODS:
                _check_numbers([*args, *kwargs.values()])
            elif name in ("format", "format_map"):
                _check_brace_format(owner, args, kwargs)
            elif name == "join" and args and not isinstance(args[0], str):
                args = (list(args[0]), *args[1:])
                _check_join(owner, args[0])
            elif name == "replace" and len(args) >= 2:
                if owner.count(str(args[0]) or " ") * _length(args[1]) > MAX_RENDERED_CHARS:
                    raise _too_long()
        if isinstance(__obj, LoopContext) and args:  # a recursive loop's next level iterates within the budget
            args = (_each(args[0]), *args[1:])
        return _bounded(super().call(__context, __obj, *args, **kwargs))

    def call_test(self, name: str, value: Any, args: Any = None, kwargs: Any = None, context: Any = None,
                  eval_ctx: Any = None) -> Any:
        _charge()
        return super().call_test(name, value, args, kwargs, context, eval_ctx)


@cache
def _sandboxes() -> tuple[BoundedSandbox, BoundedSandbox]:
    """Organisers write overrides: they run sandboxed (no attribute tricks, no files) and HTML is escaped."""
    options = {"undefined": StrictUndefined, "trim_blocks": True, "lstrip_blocks": True,
               "keep_trailing_newline": True}
    # The first renders plain text (subject, text body), never HTML.
    return BoundedSandbox(autoescape=False, **options), BoundedSandbox(autoescape=True, **options)


def _render_bounded(environment: BoundedSandbox, source: str, context: dict) -> str:
    """Render within the budget, stopping as soon as the output passes MAX_RENDERED_CHARS."""
    token = _budget.set(_Budget())
    try:
        template = environment.from_string(source)
        chunks, length = [], 0
        for chunk in template.generate(context):
            length += len(chunk)
            if length > MAX_RENDERED_CHARS:
                raise _too_long()
            chunks.append(chunk)
        return "".join(chunks)
    finally:
        _budget.reset(token)


class OverrideError(MailTemplateError):
    """An override that does not render; `part` is subject, body_text or body_html, `line` where it failed."""

    def __init__(self, part: str, message: str, line: int | None = None) -> None:
        self.part, self.message, self.line = part, message, line
        super().__init__(f"{part}: line {line}: {message}" if line else f"{part}: {message}")


def render_override(override: MailOverride, context: dict) -> tuple[str, str, str]:
    """Subject, text and HTML of an override, rendered in the sandbox; OverrideError names the part and line."""
    text_environment, html_environment = _sandboxes()
    rendered = []
    for part, source, environment in (("subject", override.subject, text_environment),
                                      ("body_text", override.body_text, text_environment),
                                      ("body_html", override.body_html, html_environment)):
        if part == "body_html" and not source.strip():
            rendered.append("")
            continue
        if len(source) > MAX_SOURCE_CHARS:
            limit = format_decimal(MAX_SOURCE_CHARS, locale=i18n.babel_locale(i18n.current_language()))
            raise OverrideError(part, _("The text is longer than {limit} characters.").format(limit=limit))
        try:
            rendered.append(_render_bounded(environment, source, context))
        except TemplateError as error:
            raise OverrideError(part, getattr(error, "message", None) or str(error),
                                getattr(error, "lineno", None)) from None
        except Exception as error:  # a call that fails inside (a bad filter argument, say) is the same fault
            raise OverrideError(part, f"{type(error).__name__}: {error}") from None
    return rendered[0], rendered[1], rendered[2]


def _check_links(context: dict) -> None:
    """Links must be absolute (built on settings.base_url): a relative link in a mailbox leads nowhere."""
    for key, value in context.items():
        if (key == "link" or key.endswith("_link")) and not re.match(r"https?://[^/\s]+", str(value)):
            raise MailTemplateError(f"context[{key!r}] must be an absolute http(s) URL, got {value!r}")


def mail_language(language: str) -> str:
    """The language a mail is written in: `language` if the platform has it, else the default."""
    with i18n.language(language):
        return i18n.current_language()


def render_mail(*, template: str, language: str, context: dict, override: MailOverride | None = None
                ) -> RenderedMail:
    """Render the subject and bodies of `template` in `language` (an unknown language falls back to the default).

    An edition's `override` is used when given; should it fail to render, the file template is used and
    the fault logged, so a wording mistake never stops the change that sends the mail.
    """
    if not TEMPLATE_NAME.fullmatch(template):
        raise MailTemplateError(f"not a mail template name: {template!r}")
    _check_links(context)
    text_environment, html_environment = _environments()
    with i18n.language(language):
        effective_language = i18n.current_language()
        if override is not None:
            try:
                subject, text, html = render_override(override, context)
            except OverrideError as error:
                log.warning("the override of mail template %r (%s) does not render, using the file: %s",
                            template, effective_language, error)
            else:
                return _finish(effective_language, subject, text, html)
        for required in (f"{template}.subject.txt", f"{template}.txt"):
            if not (MAIL_TEMPLATE_DIR / required).is_file():
                raise MailTemplateError(f"mail template {template!r} lacks {required}")
        try:
            subject = text_environment.get_template(f"{template}.subject.txt").render(context)
            text = text_environment.get_template(f"{template}.txt").render(context)
            html = ""
            if (MAIL_TEMPLATE_DIR / f"{template}.html").is_file():
                html = html_environment.get_template(f"{template}.html").render(context)
        except UndefinedError as error:
            raise MailTemplateError(f"mail template {template!r}: {error}") from None
    return _finish(effective_language, subject, text, html)


def _finish(effective_language: str, subject: str, text: str, html: str) -> RenderedMail:
    # One line, whatever the template or the data: a newline in a header would start a new header.
    subject = " ".join(subject.split())
    if len(subject) > SUBJECT_LENGTH:
        subject = subject[: SUBJECT_LENGTH - 1] + "…"
    return RenderedMail(language=effective_language, subject=subject, text=text.strip() + "\n",
                        html=html.strip() + "\n" if html.strip() else "")


def absolute_url(base_url: str, path: str) -> str:
    """A link for a mail: `path` on the platform's public address (settings.base_url)."""
    return base_url.rstrip("/") + "/" + path.lstrip("/")
