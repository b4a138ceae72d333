"""The Jinja2 environment: autoescaped, translated, with filters for labels, dates and money."""

from __future__ import annotations

import string
from collections.abc import MutableMapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, pass_eval_context, select_autoescape
from jinja2.nodes import EvalContext
from markupsafe import Markup, escape

from core.editions.geography import REGIONS
from core.editions.names import NO_NAMES, EditionNames
from core.platform import i18n
from core.platform.files_content import previewable
from web import labels
from web.scale_points import scale_points
from web.template_output import EscapedTextCodeGenerator

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"


def anchors_by_value(criterion) -> dict[float, dict[str, str]]:
    """A criterion's anchor labels by scale value, so a scale of ten points looks each up once."""
    return {anchor.value: anchor.label for anchor in criterion.anchors}


def question_labels(sections) -> dict[str, dict[str, str]]:
    """Every question's label by its code, across a form's sections."""
    return {q.code: q.label for section in sections for q in section.questions}


def field_aria(question, error: str | None) -> Markup:
    """A form question's `aria-describedby` (its help, its error) and `aria-invalid`, built once per question instead
    of by a template macro at each of its inputs."""
    ids = [f"{kind}-{question.code}" for kind, present in (("help", question.help), ("error", error)) if present]
    described = Markup(' aria-describedby="{}"').format(" ".join(ids)) if ids else Markup()
    return described + Markup(' aria-invalid="true"') if error else described


def _names_of(source) -> EditionNames:
    return source if isinstance(source, EditionNames) else getattr(source, "names", None) or NO_NAMES


def code_label(code: str | None, kind: str, source) -> str:
    """`{{ row.track | code_label("track", edition) }}`: a code's name in the reader's language.

    `source` is the edition of the page (anything with `names`) or its `EditionNames`.
    """
    return _names_of(source).label(kind, code)


def code_labels(codes, kind: str, source) -> list[str]:
    """`{{ juror.tracks | code_labels("track", edition) | join(", ") }}`."""
    return _names_of(source).labels_of(kind, codes)


def code_counts(counts, kind: str, source) -> str:
    """`{"SUD": 3}` as "Sud e Isole 3": a number per code, each code by its name."""
    names = _names_of(source)
    return ", ".join(f"{names.label(kind, code)} {count}" for code, count in counts.items())


def unit_label(unit: str | None) -> str:
    """An indicator's unit in the reader's language when it is a usual one ("FTE" is "ETP" in Italian)."""
    return i18n.gettext(labels.UNIT[unit]) if unit in labels.UNIT else (unit or "")


# Jinja's own newstyle `_` reaches the catalog through three template calls per message, the page's dearest
# overhead; these do the same in one. A message is a template's literal or a fixed label, so few are kept.
TRANSLATIONS_KEPT = 4096


@lru_cache(maxsize=TRANSLATIONS_KEPT)
def _plain_fields(text: str) -> tuple[tuple[str, str | None], ...] | None:
    """A message's parts, (literal text, field name or None), when its every field is a plain `{name}`."""
    parts = []
    for literal, name, spec, conversion in string.Formatter().parse(text):
        if name is not None and (not name.isidentifier() or spec or conversion):
            return None
        parts.append((literal, name))
    return tuple(parts)


def _escaped_field(value) -> str:
    """A `{name}` field's value as Markup's formatter writes it: its own HTML, else escaped."""
    if hasattr(value, "__html_format__"):
        return str(escape(value.__html_format__("")))
    if hasattr(value, "__html__"):
        return str(escape(value.__html__()))
    return str(escape(format(value, "")))


class Translation(Markup):
    """A translated message in a template. `.format(name=…)` gives what Markup's gives, the message parsed once
    instead of at every call (Markup's formatter is plain Python, and a form page formats a message per field)."""

    __slots__ = ()

    def format(self, *args, **kwargs) -> Markup:
        parts = None if args else _plain_fields(str(self))
        if parts is None:
            return super().format(*args, **kwargs)
        return Markup("".join(literal if name is None else literal + _escaped_field(kwargs[name])  # noqa: S704
                              for literal, name in parts))


@lru_cache(maxsize=TRANSLATIONS_KEPT)
def _escaped_translation(language: str, message: str) -> Translation:
    return Translation(i18n.catalog(language).gettext(message))


def _formatted(text: str, variables: dict) -> str:
    """As Jinja's newstyle gettext: always a %-format string ("%%" is "%"); a text without "%" is itself."""
    return text % variables if variables or "%" in text else text


def translation(message: str) -> Translation:
    """`message` in the reader's language as an autoescaped template's `_` gives it."""
    return _escaped_translation(i18n.current_language(), message)


@pass_eval_context
def template_gettext(eval_ctx: EvalContext, message: str, /, **variables) -> str:
    """`_("…")` and `gettext("…")` in a template: Jinja's newstyle gettext (escaped, %-formatted), in one call."""
    if eval_ctx.autoescape:
        return _formatted(translation(message), variables)
    return _formatted(i18n.gettext(message), variables)


@pass_eval_context
def template_ngettext(eval_ctx: EvalContext, singular: str, plural: str, count: int, /, **variables) -> str:
    variables.setdefault("num", count)
    text = i18n.ngettext(singular, plural, count)
    return (Translation(text) if eval_ctx.autoescape else text) % variables


@pass_eval_context
def template_pgettext(eval_ctx: EvalContext, context: str, message: str, /, **variables) -> str:
    variables.setdefault("context", context)
    text = i18n.pgettext(context, message)
    return (Translation(text) if eval_ctx.autoescape else text) % variables


class PageEnvironment(Environment):
    """Jinja's environment, each template's globals a plain dict taken when the template loads.

    Jinja gives a template a ChainMap over the environment's globals, and every render copies it into the page's
    context: through a ChainMap, a Python-level lookup per global (this app has some fifty) on every page. The
    globals are all set before the first template loads, as Jinja asks ("avoid modifying any globals after a
    template is loaded"), so a copy taken then is the same map."""

    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        return {**self.globals, **(d or {})}


def build_environment(extra_template_dirs: list[Path] | None = None, *, auto_reload: bool = True) -> Environment:
    """The app's environment; without `auto_reload` templates are not re-checked on disk at every render."""
    loaders = [FileSystemLoader(str(path)) for path in extra_template_dirs or ()]
    loaders.append(FileSystemLoader(str(TEMPLATE_DIR)))
    environment = PageEnvironment(
        loader=ChoiceLoader(loaders),
        autoescape=select_autoescape(default=True, default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=auto_reload,
    )
    environment.code_generator_class = EscapedTextCodeGenerator
    environment.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True, pgettext=i18n.pgettext,
                                          npgettext=i18n.npgettext)
    environment.globals.update(_=template_gettext, gettext=template_gettext, ngettext=template_ngettext,
                               pgettext=template_pgettext)
    environment.filters.update(t=i18n.pick, moment=i18n.format_moment, day=i18n.format_day,
                               money=i18n.format_money, code_label=code_label, code_labels=code_labels,
                               code_counts=code_counts, decimal=i18n.format_decimal, number=i18n.format_number,
                               percent=i18n.format_percent, unit=unit_label,
                               signed=lambda value, digits=2: i18n.format_decimal(value, digits, signed=True))
    environment.globals.update(
        current_language=i18n.current_language,
        language_names=i18n.LANGUAGE_NAMES,
        languages=i18n.LANGUAGES,
        status_labels=labels.EDITION_STATUS,
        role_labels=labels.ROLE,
        partner_roles=labels.PARTNER_ROLE,
        round_kinds=labels.ROUND_KIND,
        prize_kinds=labels.PRIZE_KIND,
        organisation_kinds=labels.ORGANISATION_KIND,
        prize_scopes=labels.PRIZE_SCOPE,
        application_status=labels.APPLICATION_STATUS,
        decision_outcomes=labels.DECISION_OUTCOME,
        review_states=labels.REVIEW_STATE,
        conflict_kinds=labels.CONFLICT_KIND,
        conflict_rules=labels.CONFLICT_RULE,
        side_constraints=labels.SIDE_CONSTRAINT,
        assignment_origins=labels.ASSIGNMENT_ORIGIN,
        slot_statuses=labels.SLOT_STATUS,
        regions=REGIONS,
        anchors_by_value=anchors_by_value,
        question_labels=question_labels,
        field_aria=field_aria,
        scale_points=scale_points,
        previewable=previewable,
        mentoring_labels=labels.MENTORING,
        delivery_statuses=labels.WEBHOOK_DELIVERY_STATUS,
        mail_kinds=labels.MAIL_KIND,
        glossary=labels.GLOSSARY,
    )
    return environment
