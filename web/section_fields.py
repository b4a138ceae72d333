"""A section of the application form as its page shows it: each question with what the template would otherwise
work out for it at every render (its label and help in the reader's language, its value, error and ARIA attributes,
its character counter, its table's rows and columns), so the page's loop only writes them out.

Plain slotted dataclasses, built for one render: a frozen one costs a `__setattr__` call per field to build."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from core.applications.submission import ApplicationView
from core.editions.schema import QuestionSpec, SectionSpec
from core.platform import i18n
from web.templating import field_aria, translation

# The rows a table shows when its question sets no maximum.
TABLE_ROWS_MOST = 50


@dataclass(slots=True)
class TableColumn:
    code: str
    label: str
    required: bool
    numeric: bool


@dataclass(slots=True)
class QuestionField:
    """One question of the section with its answer; `value` is what is stored or was typed, `error` why it is not
    accepted."""

    question: QuestionSpec
    code: str
    type: str
    label: str
    help: str
    required: bool
    value: Any
    error: str | None
    attachment: dict[str, Any] | None
    aria: Markup
    counter: str = ""  # "12 of 1000 characters" under a long text with a limit
    columns: tuple[TableColumn, ...] = ()
    rows: tuple[dict[str, Any], ...] = ()  # a table's rows as shown: the stored ones, then empty ones
    max_rows: int = TABLE_ROWS_MOST


def _table(question: QuestionSpec, value: Any, rows_wanted: int) -> tuple[tuple[dict[str, Any], ...], int]:
    """The rows a table question shows: its stored rows and two empty ones, more when "Add a row" asked, within its
    minimum and maximum."""
    stored = value or []
    most = question.max_rows or TABLE_ROWS_MOST
    shown = max(min(max(len(stored) + 2, rows_wanted), most), question.min_rows or 1)
    return tuple(stored[index] if index < len(stored) else {} for index in range(shown)), most


def section_fields(view: ApplicationView, section: SectionSpec, *, errors: dict[str, str],
                   typed: dict[str, Any], rows_wanted: dict[str, int]) -> list[QuestionField]:
    """The section's questions as the page writes them, in the reader's language."""
    fields = []
    counter = translation("{count} of {limit} characters")
    for question in section.questions:
        code = question.code
        value = typed[code] if code in typed else (
            view.invalid[code] if code in view.invalid else view.values.get(code))
        error = errors.get(code)
        extra: dict[str, Any] = {}
        if question.type == "long_text" and question.max_length:
            extra["counter"] = counter.format(count=len(value or ""), limit=question.max_length)
        elif question.type == "table":
            extra["rows"], extra["max_rows"] = _table(question, value, rows_wanted.get(code, 0))
            extra["columns"] = tuple(TableColumn(code=column.code, label=i18n.pick(column.label),
                                                 required=column.required, numeric=column.type == "number")
                                     for column in question.columns)
        fields.append(QuestionField(
            question=question, code=code, type=question.type, label=i18n.pick(question.label),
            help=i18n.pick(question.help), required=question.required or code in view.required_by_rule,
            value=value, error=error, attachment=view.attachments.get(code), aria=field_aria(question, error),
            **extra))
    return fields
