"""The application form, the eligibility rules and the declarations and consents, changed with forms.

Like the other set-up forms (`setup_forms`), each change edits one part of the edition's spec, which is read
back with the file's rules and applied by `competitions.update_competition`: that refuses removing a question
submitted applications answered, or changing its kind (`form_answers`), and audits the change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import msgspec

from core.editions import competitions
from core.editions.access import edition_for_organiser
from core.editions.form_answers import answered_questions
from core.editions.schema import (
    ChoiceSpec,
    CompetitionSpec,
    EligibilitySpec,
    QuestionSpec,
    SectionSpec,
    StatementSpec,
)
from core.editions.setup import SetupRefused
from core.editions.setup_forms import _change, _name_fields, _next_code, _require, _texts, _whole
from core.platform.files_content import KINDS
from core.platform.i18n import gettext as _
from core.platform.identity import SessionUser

__all__ = [
    "FILE_KINDS", "QUESTION_KINDS", "STATEMENT_LISTS", "FormParts", "add_question", "add_section", "add_statement",
    "edit_eligibility", "edit_question", "edit_section", "edit_statement", "form_parts", "move_question",
    "move_section", "remove_question", "remove_section", "remove_statement",
]


def N_(message: str) -> str:
    return message


# The kinds of question a form can add, with what people see; a table's columns are set in the edition's file.
QUESTION_KINDS = {
    "short_text": N_("Short text"), "long_text": N_("Long text"), "number": N_("Number"), "date": N_("Date"),
    "single_choice": N_("One choice from a list"), "multiple_choice": N_("Several choices from a list"),
    "yes_no": N_("Yes or no"), "region": N_("Italian region"), "email": N_("Email address"),
    "url": N_("Web address"), "file": N_("File to attach"),
}
TABLE_KIND = N_("Table (its columns are set in the edition's file)")
CHOICE_KINDS = ("single_choice", "multiple_choice")
TEXT_KINDS = ("short_text", "long_text")
FILE_KINDS = tuple(KINDS)
STATEMENT_LISTS = ("declarations", "consents")
MAX_CHOICES = 100
LEGAL_FORM_QUESTION = "legal_form"


@dataclass(frozen=True)
class FormParts:
    """What the form page lists: sections with their questions, the rules, the statements, and which questions
    submitted applications answered (those keep their kind and cannot be removed)."""

    sections: tuple[SectionSpec, ...]
    eligibility: EligibilitySpec
    declarations: tuple[StatementSpec, ...]
    consents: tuple[StatementSpec, ...]
    legal_forms: tuple[ChoiceSpec, ...]  # the choices of the form's legal-form question, for the rules
    answered: frozenset[str]


async def form_parts(*, actor: SessionUser, edition_slug: str) -> FormParts:
    edition = await edition_for_organiser(actor=actor, edition_slug=edition_slug)
    spec = await competitions.export_competition(edition_slug)
    legal = next((q for s in spec.application_form for q in s.questions if q.code == LEGAL_FORM_QUESTION), None)
    return FormParts(sections=tuple(spec.application_form), eligibility=spec.eligibility,
                     declarations=tuple(spec.declarations), consents=tuple(spec.consents),
                     legal_forms=tuple(legal.choices) if legal else (),
                     answered=frozenset(await answered_questions(edition.id)))


def _form_field(path: str) -> str:
    """A problem the file's rules or the update found, on the question form's field it concerns."""
    last = path.rsplit(".", 1)[-1]
    return {"type": "kind", "choices": "choices_it", "accept": "accept", "max_length": "max_length",
            "min": "min", "max": "max"}.get(last, "_form")


def _replace_sections(spec: CompetitionSpec, sections: list[SectionSpec]) -> CompetitionSpec:
    return msgspec.structs.replace(spec, application_form=sections)


def _moved(items: list, index: int, direction: str) -> list:
    """The list with item `index` moved one place up or down (unchanged at either end)."""
    target = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down"):
        raise SetupRefused({"_form": _("Choose to move up or down.")})
    if not 0 <= target < len(items):
        return items
    items = list(items)
    items[index], items[target] = items[target], items[index]
    return items


def _section_index(spec: CompetitionSpec, code: str) -> int:
    index = next((i for i, s in enumerate(spec.application_form) if s.code == code), -1)
    _require(index >= 0, code)
    return index


# -- sections ---------------------------------------------------------------------------------------


def _section_fields(values: dict[str, str]) -> dict:
    errors: dict[str, str] = {}
    title = _name_fields(values.get("title_it", ""), values.get("title_en", ""), errors, prefix="title")
    help_text = _texts(values, "help", errors)
    if errors:
        raise SetupRefused(errors)
    return {"title": title, "help": help_text}


async def add_section(*, actor: SessionUser, edition_slug: str, values: dict[str, str]) -> str:
    """A new, empty section at the end of the form: its title and help in both languages."""
    fields = _section_fields(values)
    code = ""

    def change(spec: CompetitionSpec) -> CompetitionSpec:
        nonlocal code
        code = _next_code("S", {s.code for s in spec.application_form})
        return _replace_sections(spec, [*spec.application_form, SectionSpec(code=code, questions=[], **fields)])
    await _change(actor, edition_slug, change)
    return code


async def edit_section(*, actor: SessionUser, edition_slug: str, code: str, values: dict[str, str]) -> None:
    fields = _section_fields(values)

    def change(spec: CompetitionSpec) -> CompetitionSpec:
        _section_index(spec, code)
        return _replace_sections(spec, [msgspec.structs.replace(s, **fields) if s.code == code else s
                                        for s in spec.application_form])
    await _change(actor, edition_slug, change)


async def remove_section(*, actor: SessionUser, edition_slug: str, code: str) -> None:
    """A section with its questions; refused when submitted applications answered one of them."""
    def change(spec: CompetitionSpec) -> CompetitionSpec:
        _section_index(spec, code)
        return _replace_sections(spec, [s for s in spec.application_form if s.code != code])
    await _change(actor, edition_slug, change)


async def move_section(*, actor: SessionUser, edition_slug: str, code: str, direction: str) -> None:
    def change(spec: CompetitionSpec) -> CompetitionSpec:
        return _replace_sections(spec, _moved(spec.application_form, _section_index(spec, code), direction))
    await _change(actor, edition_slug, change)


# -- questions --------------------------------------------------------------------------------------


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _choices(values: dict[str, str], current: list[ChoiceSpec], errors: dict[str, str]) -> list[ChoiceSpec]:
    """Choices typed one per line in each language; a choice keeps its code while its Italian label stays,
    so the answers already given keep their meaning."""
    italian, english = _lines(values.get("choices_it", "")), _lines(values.get("choices_en", ""))
    if not italian:
        errors["choices_it"] = _("Give the choices, one per line.")
        return []
    if len(italian) > MAX_CHOICES:
        errors["choices_it"] = _("At most {count} choices.").format(count=MAX_CHOICES)
        return []
    if english and len(english) != len(italian):
        errors["choices_en"] = _("Give as many choices in English as in Italian, in the same order.")
        return []
    if len(set(italian)) != len(italian):
        errors["choices_it"] = _("Each choice must differ from the others.")
        return []
    codes = {label_text: c.code for c in current for label_text in (competitions.label(c.label).get("it"),)}
    taken = {c.code for c in current}
    choices = []
    for index, text in enumerate(italian):
        code = codes.get(text) or _next_code("c", taken)
        taken.add(code)
        choices.append(ChoiceSpec(code=code, label={"it": text, "en": english[index] if english else text}))
    return choices


def _number(raw: str, name: str, errors: dict[str, str]) -> float | None:
    raw = raw.strip().replace(",", ".")
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        errors[name] = _("Give a number, such as 10.")
        return None
    return int(value) if value.is_integer() else value


def _question_fields(values: dict[str, str], accept: list[str], current: QuestionSpec | None) -> dict:
    """The question form's fields: label and help in both languages, kind, required, and the limits its kind has
    (length of a text, range of a number, choices, file kinds and size). A table keeps its columns."""
    errors: dict[str, str] = {}
    label = _name_fields(values.get("label_it", ""), values.get("label_en", ""), errors, prefix="label")
    help_text = _texts(values, "help", errors)
    kind = values.get("kind", "")
    if kind not in QUESTION_KINDS and not (current is not None and kind == current.type == "table"):
        errors["kind"] = _("Choose a kind of question from the list.")
    fields: dict = {"label": label, "help": help_text, "type": kind, "required": values.get("required") == "1",
                    "identifying": values.get("identifying") == "1", "max_length": None, "min": None, "max": None,
                    "choices": [], "accept": [], "max_mb": None}
    if kind in TEXT_KINDS:
        fields["max_length"] = _whole(values.get("max_length", ""), 1, 100_000, "max_length", errors)
    if kind == "number":
        fields["min"] = _number(values.get("min", ""), "min", errors)
        fields["max"] = _number(values.get("max", ""), "max", errors)
        if fields["min"] is not None and fields["max"] is not None and fields["max"] < fields["min"]:
            errors["max"] = _("The largest value must not be below the smallest.")
    if kind in CHOICE_KINDS:
        fields["choices"] = _choices(values, current.choices if current else [], errors)
    if kind == "file":
        fields["accept"] = [k for k in dict.fromkeys(accept) if k]
        if not fields["accept"]:
            errors["accept"] = _("Choose at least one kind of file.")
        elif any(k not in FILE_KINDS for k in fields["accept"]):
            errors["accept"] = _("Choose kinds of file from the list.")
        fields["max_mb"] = _number(values.get("max_mb", ""), "max_mb", errors)
        if fields["max_mb"] is not None and not 0 < fields["max_mb"] <= 100:
            errors["max_mb"] = _("Give a size in MB from 1 to 100.")
    if errors:
        raise SetupRefused(errors)
    return fields


def _with_question(spec: CompetitionSpec, section: str, edit: Callable[[list[QuestionSpec]], list[QuestionSpec]]
                   ) -> CompetitionSpec:
    index = _section_index(spec, section)
    sections = list(spec.application_form)
    sections[index] = msgspec.structs.replace(sections[index], questions=edit(list(sections[index].questions)))
    return _replace_sections(spec, sections)


def _question_index(questions: list[QuestionSpec], code: str) -> int:
    index = next((i for i, q in enumerate(questions) if q.code == code), -1)
    _require(index >= 0, code)
    return index


async def add_question(*, actor: SessionUser, edition_slug: str, section: str, values: dict[str, str],
                       accept: list[str]) -> str:
    """A question at the end of a section; its code is new across the whole form."""
    fields = _question_fields(values, accept, None)
    code = ""

    def change(spec: CompetitionSpec) -> CompetitionSpec:
        nonlocal code
        code = _next_code("q", {q.code for s in spec.application_form for q in s.questions})
        return _with_question(spec, section, lambda questions: [*questions, QuestionSpec(code=code, **fields)])
    await _change(actor, edition_slug, change, _form_field)
    return code


async def edit_question(*, actor: SessionUser, edition_slug: str, section: str, code: str,
                        values: dict[str, str], accept: list[str]) -> None:
    """A question's wording, kind, required flag and limits; what the form does not show (a table's columns,
    its rows) stays. Once submitted applications answered it, its kind stays."""
    def change(spec: CompetitionSpec) -> CompetitionSpec:
        def edit(questions: list[QuestionSpec]) -> list[QuestionSpec]:
            index = _question_index(questions, code)
            current = questions[index]
            fields = _question_fields(values, accept, current)
            if fields["type"] == "table":
                fields.update(max_length=current.max_length, min=current.min, max=current.max)
            else:  # a table turned into another kind leaves its columns behind
                fields.update(columns=[], min_rows=None, max_rows=None)
            questions[index] = msgspec.structs.replace(current, **fields)
            return questions
        return _with_question(spec, section, edit)
    await _change(actor, edition_slug, change, _form_field)


async def remove_question(*, actor: SessionUser, edition_slug: str, section: str, code: str) -> None:
    def change(spec: CompetitionSpec) -> CompetitionSpec:
        def edit(questions: list[QuestionSpec]) -> list[QuestionSpec]:
            return [q for q in questions if q.code != code] if _question_index(questions, code) >= 0 else questions
        return _with_question(spec, section, edit)
    await _change(actor, edition_slug, change)


async def move_question(*, actor: SessionUser, edition_slug: str, section: str, code: str, direction: str) -> None:
    def change(spec: CompetitionSpec) -> CompetitionSpec:
        return _with_question(spec, section, lambda questions: _moved(
            questions, _question_index(questions, code), direction))
    await _change(actor, edition_slug, change)


# -- eligibility ------------------------------------------------------------------------------------


async def edit_eligibility(*, actor: SessionUser, edition_slug: str, values: dict[str, str],
                           legal_forms: list[str]) -> None:
    """The rules a submission is checked against: admitted legal forms (none chosen: all), the entity's
    greatest age, entities yet to be incorporated, the team's age, mandatory training, the bank's credit check.
    The registered office's country stays as the file sets it."""
    errors: dict[str, str] = {}
    training = _texts(values, "training", errors)
    rules = {
        "max_entity_age_years": _whole(values.get("max_entity_age_years", ""), 1, 100, "max_entity_age_years",
                                       errors),
        "incorporation_deadline_months": _whole(values.get("incorporation_deadline_months", ""), 1, 60,
                                                "incorporation_deadline_months", errors),
        "team_majority_under_age": _whole(values.get("team_majority_under_age", ""), 14, 120,
                                          "team_majority_under_age", errors),
        "allow_to_be_incorporated": values.get("allow_to_be_incorporated") == "1",
        "loan_requires_credit_check": values.get("loan_requires_credit_check") == "1",
        "required_training": training or None,
    }
    if errors:
        raise SetupRefused(errors)

    def change(spec: CompetitionSpec) -> CompetitionSpec:
        offered = {c.code for s in spec.application_form for q in s.questions if q.code == LEGAL_FORM_QUESTION
                   for c in q.choices}
        chosen = [f for f in dict.fromkeys(legal_forms) if f]
        if any(f not in offered for f in chosen):
            raise SetupRefused({"legal_forms": _("Choose legal forms from the list.")})
        return msgspec.structs.replace(spec, eligibility=msgspec.structs.replace(
            spec.eligibility, legal_forms=chosen, **rules))
    await _change(actor, edition_slug, change)


# -- declarations and consents ----------------------------------------------------------------------


def _statement_list(spec: CompetitionSpec, which: str) -> list[StatementSpec]:
    _require(which in STATEMENT_LISTS, which)
    return list(getattr(spec, which))


def _statement_fields(values: dict[str, str]) -> dict:
    errors: dict[str, str] = {}
    text = _name_fields(values.get("text_it", ""), values.get("text_en", ""), errors, prefix="text")
    version = values.get("version", "").strip() or "1.0"
    if len(version) > 40:
        errors["version"] = _("Give a version such as 1.0 (at most 40 characters).")
    if errors:
        raise SetupRefused(errors)
    return {"text": text, "version": version}


async def add_statement(*, actor: SessionUser, edition_slug: str, which: str, values: dict[str, str]) -> str:
    """A declaration (every applicant must sign it) or a consent (each applicant may give it)."""
    fields = _statement_fields(values)
    code = ""

    def change(spec: CompetitionSpec) -> CompetitionSpec:
        nonlocal code
        statements = _statement_list(spec, which)
        code = _next_code("d" if which == "declarations" else "c", {s.code for s in statements})
        return msgspec.structs.replace(spec, **{which: [*statements, StatementSpec(code=code, **fields)]})
    await _change(actor, edition_slug, change)
    return code


async def edit_statement(*, actor: SessionUser, edition_slug: str, which: str, code: str,
                         values: dict[str, str]) -> None:
    fields = _statement_fields(values)

    def change(spec: CompetitionSpec) -> CompetitionSpec:
        statements = _statement_list(spec, which)
        _require(any(s.code == code for s in statements), code)
        return msgspec.structs.replace(spec, **{which: [msgspec.structs.replace(s, **fields) if s.code == code
                                                        else s for s in statements]})
    await _change(actor, edition_slug, change)


async def remove_statement(*, actor: SessionUser, edition_slug: str, which: str, code: str) -> None:
    """A statement leaves the edition; what applicants already signed stays on their applications."""
    def change(spec: CompetitionSpec) -> CompetitionSpec:
        statements = _statement_list(spec, which)
        _require(any(s.code == code for s in statements), code)
        return msgspec.structs.replace(spec, **{which: [s for s in statements if s.code != code]})
    await _change(actor, edition_slug, change)
