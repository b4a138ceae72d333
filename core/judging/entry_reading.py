"""An entry's answers as a juror reads them: every question's label and its answer in words, worked out once.

The review page and the pairwise comparison print what this gives without deciding anything: a choice is shown by
its label in the reader's language, a yes/no question by the word, a table by its columns and cells. The caller has
already removed what a blind round hides.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.editions.schema import QuestionSpec, SectionSpec
from core.platform.i18n import gettext as _
from core.platform.i18n import pick

UNANSWERED = "—"

# The rows and sections are built for one page (a review page builds some thirty): plain slotted dataclasses, as a
# frozen one costs a `__setattr__` call per field.


@dataclass(slots=True)
class AnswerRow:
    """One question and its answer; a table answer has `columns` and `cells`, a long text is set in a paragraph."""

    label: str
    text: str = UNANSWERED
    long: bool = False
    columns: tuple[str, ...] = ()
    cells: tuple[tuple[str, ...], ...] = ()


@dataclass(slots=True)
class AnswerSection:
    title: str
    rows: tuple[AnswerRow, ...]


def answer_sections(sections: list[SectionSpec], answers: dict[str, Any]) -> list[AnswerSection]:
    """The sections that have questions, each with its questions' answers in words (files are listed apart)."""
    return [AnswerSection(title=pick(spec.title),
                          rows=tuple(_row(q, answers.get(q.code)) for q in spec.questions if q.type != "file"))
            for spec in sections if spec.questions]


def file_labels(sections: list[SectionSpec]) -> dict[str, str]:
    """Each question's label in the reader's language by its code, to name the entry's files."""
    return {q.code: pick(q.label) for spec in sections for q in spec.questions if q.type == "file"}


def _row(question: QuestionSpec, value: Any) -> AnswerRow:
    label = pick(question.label)
    if value is None or value == "" or value == []:
        return AnswerRow(label=label)
    kind = question.type
    if kind == "table":
        codes = [column.code for column in question.columns]
        rows = value if isinstance(value, list) else []
        return AnswerRow(label=label, text="", columns=tuple(pick(column.label) for column in question.columns),
                         cells=tuple(tuple(_cell(row, code) for code in codes) for row in rows))
    return AnswerRow(label=label, text=_text(question, value), long=kind == "long_text")


def _cell(row: Any, code: str) -> str:
    value = row.get(code, "") if isinstance(row, dict) else ""
    return "" if value is None else str(value)


def _text(question: QuestionSpec, value: Any) -> str:
    kind = question.type
    if kind == "yes_no":
        return _("Yes") if value else _("No")
    if kind == "single_choice":
        return "".join(pick(choice.label) for choice in question.choices if choice.code == value)
    if kind == "multiple_choice":
        chosen = value if isinstance(value, list | tuple | set) else [value]
        return ", ".join(pick(choice.label) for choice in question.choices if choice.code in chosen)
    return str(value)
