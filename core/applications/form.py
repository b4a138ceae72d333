"""The application form as the competition defines it: parse a section, validate it, measure progress.

Drafts may be incomplete, so types and limits are checked on every save while "required" is
checked only on submission. An invalid answer is kept as typed (in `invalid`) so that nothing a
person wrote is lost, and it blocks submission until corrected.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit

import msgspec

from core.editions.geography import REGIONS
from core.editions.schema import QuestionSpec, SectionSpec
from core.platform.i18n import gettext as _

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
DEFAULT_SHORT_TEXT = 300
DEFAULT_LONG_TEXT = 5000
# Questions whose answers also live in columns, because ranking, areas and reports query them.
COLUMN_QUESTIONS = ("entity_name", "legal_form", "tax_code", "founded_on", "region", "title")

FormInput = Mapping[str, Sequence[str]]


@dataclass
class SectionOutcome:
    """What a section save produced: clean values, what was typed but is invalid, and why."""

    values: dict[str, Any] = field(default_factory=dict)
    cleared: set[str] = field(default_factory=set)
    invalid: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class SectionProgress:
    code: str
    required: int
    answered: int
    has_errors: bool

    @property
    def complete(self) -> bool:
        return self.answered >= self.required and not self.has_errors


def sections_of(form: Any) -> list[SectionSpec]:
    return msgspec.convert(form, list[SectionSpec]) if not _is_specs(form) else list(form)


def stored_form(stored: Any) -> list[SectionSpec]:
    """An edition's form as the database holds it (JSON text, or already decoded), as specs.

    The text is parsed once per distinct content and kept by that content, so a worker never serves a stale
    form (an edited form is another key) and no worker depends on another's memory.
    """
    if isinstance(stored, str):
        return list(_parsed_form(stored))
    return sections_of(stored)


@functools.lru_cache(maxsize=64)
def _parsed_form(text: str) -> tuple[SectionSpec, ...]:
    return tuple(sections_of(json.loads(text)))


def _is_specs(form: Any) -> bool:
    return bool(form) and isinstance(form[0], SectionSpec)


def section(form: Any, code: str) -> SectionSpec | None:
    return next((s for s in sections_of(form) if s.code == code), None)


def _first(data: FormInput, name: str) -> str:
    values = data.get(name) or ()
    return str(values[0]).replace("\r\n", "\n").strip() if values else ""


def _number(raw: str) -> float | int:
    text = raw.replace(" ", "").replace("\u00a0", "")
    if "," in text and "." in text:
        text = text.replace(".", "").replace(",", ".")  # Italian thousands: 1.234,5
    else:
        text = text.replace(",", ".")
    value = float(text)
    return int(value) if value.is_integer() and "." not in text else value


def _date(raw: str) -> str:
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(raw, pattern).date().isoformat()
        except ValueError:
            continue
    raise ValueError(raw)


def _url(raw: str) -> str:
    candidate = raw if "://" in raw else f"https://{raw}"
    parts = urlsplit(candidate)
    if parts.scheme not in ("http", "https") or "." not in parts.netloc or " " in candidate:
        raise ValueError(raw)
    return candidate


def _check_scalar(question: QuestionSpec | Any, raw: str, kind: str) -> tuple[Any, str | None]:
    """(clean value, error message) for one non-empty scalar input."""
    if kind in ("short_text", "long_text"):
        limit = question.max_length or (DEFAULT_LONG_TEXT if kind == "long_text" else DEFAULT_SHORT_TEXT)
        if len(raw) > limit:
            return raw, _("At most {limit} characters; this has {count}.").format(limit=limit, count=len(raw))
        return raw, None
    if kind == "number":
        try:
            value = _number(raw)
        except ValueError:
            return raw, _("Enter a number, such as 12 or 3,5.")
        minimum, maximum = getattr(question, "min", None), getattr(question, "max", None)
        if minimum is not None and value < minimum:
            return raw, _("The smallest value accepted is {value}.").format(value=f"{minimum:g}")
        if maximum is not None and value > maximum:
            return raw, _("The largest value accepted is {value}.").format(value=f"{maximum:g}")
        return value, None
    if kind == "date":
        try:
            value = _date(raw)
        except ValueError:
            return raw, _("Enter a date such as 2024-03-31 or 31/03/2024.")
        if date.fromisoformat(value) > date.today():
            return raw, _("The date cannot be in the future.")
        return value, None
    if kind == "single_choice":
        codes = {choice.code for choice in question.choices}
        return (raw, None) if raw in codes else (raw, _("Choose one of the options."))
    if kind == "region":
        return (raw, None) if raw in REGIONS else (raw, _("Choose a region from the list."))
    if kind == "url":
        try:
            return _url(raw), None
        except ValueError:
            return raw, _("Enter a web address, such as https://example.org.")
    if kind == "email":
        if EMAIL.match(raw):
            return raw.lower(), None
        return raw, _("Enter an email address, such as name@example.org.")
    if kind == "yes_no":
        return (raw == "yes", None) if raw in ("yes", "no") else (raw, _("Answer yes or no."))
    return raw, None


def _table(question: QuestionSpec, data: FormInput) -> tuple[list[dict[str, Any]], list[dict[str, Any]], str | None]:
    """Rows typed into a table question: (clean rows, raw rows, first error)."""
    prefix = f"{question.code}."
    indices = sorted({int(name.split(".")[1]) for name in data if name.startswith(prefix)
                      and name.count(".") == 2 and name.split(".")[1].isdigit()})
    clean_rows, raw_rows, error = [], [], None
    for index in indices:
        raw_row = {col.code: _first(data, f"{prefix}{index}.{col.code}") for col in question.columns}
        if not any(raw_row.values()):
            continue
        raw_rows.append(raw_row)
        clean_row: dict[str, Any] = {}
        for col in question.columns:
            value = raw_row[col.code]
            if not value:
                if col.required and error is None:
                    error = _("Row {row}: fill in “{column}”.").format(row=len(raw_rows), column=_label(col.label))
                continue
            clean, problem = _check_scalar(col, value, col.type)
            if problem and error is None:
                error = _("Row {row}: {problem}").format(row=len(raw_rows), problem=problem)
            clean_row[col.code] = clean
        clean_rows.append(clean_row)
    if question.max_rows is not None and len(raw_rows) > question.max_rows and error is None:
        error = _("At most {count} rows.").format(count=question.max_rows)
    return clean_rows, raw_rows, error


def _label(label: Any) -> str:
    from core.platform.i18n import pick

    return pick(label)


def parse_section(spec: SectionSpec, data: FormInput) -> SectionOutcome:
    """Validate what was sent for one section; file questions are handled by uploads, not here."""
    outcome = SectionOutcome()
    for question in spec.questions:
        code, kind = question.code, question.type
        if kind == "file":
            continue
        if kind == "table":
            rows, raw_rows, error = _table(question, data)
            if error:
                outcome.invalid[code], outcome.errors[code] = raw_rows, error
            elif rows:
                outcome.values[code] = rows
            else:
                outcome.cleared.add(code)
            continue
        if kind == "multiple_choice":
            chosen = [str(v) for v in data.get(code) or () if str(v)]
            codes = {choice.code for choice in question.choices}
            if any(value not in codes for value in chosen):
                outcome.invalid[code], outcome.errors[code] = chosen, _("Choose among the options shown.")
            elif chosen:
                outcome.values[code] = chosen
            else:
                outcome.cleared.add(code)
            continue
        raw = _first(data, code)
        if not raw:
            outcome.cleared.add(code)
            continue
        value, error = _check_scalar(question, raw, kind)
        if error:
            outcome.invalid[code], outcome.errors[code] = raw, error
        else:
            outcome.values[code] = value
    return outcome


TO_BE_INCORPORATED = "da_costituire"
ANY_ANSWER = object()


def rule_requirements(rules: Mapping[str, Any] | None, values: Mapping[str, Any]) -> dict[str, Any]:
    """Questions the call's eligibility rules make required, given the answers so far.

    These are the rules that would otherwise refuse a submission out of sight of the form: an entity's
    age needs its date of incorporation (unless it is yet to be incorporated), mandatory training needs
    a "yes". Each maps to the answer it needs (`ANY_ANSWER` for any).
    """
    rules = rules or {}
    needed: dict[str, Any] = {}
    if rules.get("max_entity_age_years") and values.get("legal_form") != TO_BE_INCORPORATED:
        needed["founded_on"] = ANY_ANSWER
    if rules.get("required_training"):
        needed["training_completed"] = True
    return needed


def _unanswered(spec: SectionSpec, values: Mapping[str, Any], attachments: set[str],
                by_rule: Mapping[str, Any]) -> Iterator[tuple[QuestionSpec, str]]:
    """Each required question of a section still unanswered, with what it lacks: "yes" (the rule's answer),
    "file", "answer" or "rows"."""
    for question in spec.questions:
        if question.code in by_rule and by_rule[question.code] is not ANY_ANSWER:
            if values.get(question.code) != by_rule[question.code]:
                yield question, "yes"
            continue
        if not (question.required or question.code in by_rule):
            continue
        if question.type == "file":
            if question.code not in attachments:
                yield question, "file"
            continue
        value = values.get(question.code)
        if value in (None, "", [], {}):
            yield question, "answer"
        elif question.type == "table" and question.min_rows and len(value) < question.min_rows:
            yield question, "rows"


def _lacking(question: QuestionSpec, lack: str) -> str:
    if lack == "yes":
        return _("The call requires this answer to be yes.")
    if lack == "file":
        return _("Attach this file.")
    if lack == "rows":
        return _("At least {count} rows.").format(count=question.min_rows)
    return _("This answer is required.")


def missing_required(spec: SectionSpec, values: Mapping[str, Any], attachments: set[str],
                     by_rule: Mapping[str, Any] | None = None) -> dict[str, str]:
    """Required questions still unanswered in a section, with the message to show beside each."""
    return {question.code: _lacking(question, lack)
            for question, lack in _unanswered(spec, values, attachments, by_rule or {})}


def progress(sections: list[SectionSpec], values: Mapping[str, Any], invalid: Mapping[str, Any],
             attachments: set[str], by_rule: Mapping[str, Any] | None = None) -> list[SectionProgress]:
    """Each section's required questions and how many are answered; counted, not worded (every page shows it)."""
    by_rule = by_rule or {}
    result = []
    for spec in sections:
        required = sum(1 for q in spec.questions if q.required or q.code in by_rule)
        missing = sum(1 for _unanswered_question in _unanswered(spec, values, attachments, by_rule))
        result.append(SectionProgress(
            code=spec.code, required=required, answered=required - missing,
            has_errors=any(q.code in invalid for q in spec.questions),
        ))
    return result


def as_form_input(spec: SectionSpec, answers: Mapping[str, Any]) -> dict[str, list[str]]:
    """Stored answers back in the shape a browser sends, to re-check kept invalid input or refill a form."""
    data: dict[str, list[str]] = {}
    for question in spec.questions:
        if question.code not in answers:
            continue
        value = answers[question.code]
        if question.type == "table":
            for index, row in enumerate(value or []):
                for column in question.columns:
                    data[f"{question.code}.{index}.{column.code}"] = [str(row.get(column.code, ""))]
        elif question.type == "multiple_choice":
            data[question.code] = [str(v) for v in value or []]
        elif question.type == "yes_no" and isinstance(value, bool):
            data[question.code] = ["yes" if value else "no"]
        else:
            data[question.code] = [str(value)]
    return data


def stored_errors(spec: SectionSpec, invalid: Mapping[str, Any]) -> dict[str, str]:
    """The messages for answers kept as typed but invalid, so a later visit shows why."""
    kept = {code: value for code, value in invalid.items() if any(q.code == code for q in spec.questions)}
    return parse_section(spec, as_form_input(spec, kept)).errors if kept else {}
