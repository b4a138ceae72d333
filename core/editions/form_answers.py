"""Which questions of an edition's form submitted applications answered: those stay, with their kind.

A submitted application is a record its applicant signed; removing a question it answered, or changing the
question's kind, would leave answers nobody can read back as asked. The edition's file and its set-up forms
both go through `update_competition`, which asks this module.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from core.editions.schema import CompetitionSpec
from core.platform.tables import Application, Attachment, Edition
from core.platform.yaml_source import Problem


def _answered(answers: Any) -> set[str]:
    answers = answers or {}
    values = answers.get("values") if "values" in answers or "invalid" in answers else answers
    return {code for code, value in (values or {}).items() if value not in (None, "", [], {})}


async def answered_questions(edition_id: int) -> set[str]:
    """Codes of the questions at least one submitted application of the edition answered (files included)."""
    rows = await Application.select(Application.answers).output(load_json=True).where(
        Application.edition == edition_id, Application.submitted_at.is_not_null())
    codes: set[str] = set()
    for row in rows:
        codes |= _answered(row["answers"])
    files = await Attachment.select(Attachment.field).where(
        Attachment.application.edition == edition_id, Attachment.application.submitted_at.is_not_null())
    return codes | {row["field"] for row in files}


async def answered_question_refusals(spec: CompetitionSpec, *, edition_id: int,
                                     problem: Callable[[str, str], Problem]) -> list[Problem]:
    """An answered question may change its wording, but not leave the form or change its kind."""
    row = await Edition.select(Edition.application_form).output(load_json=True).where(
        Edition.id == edition_id).first()
    current = {q["code"]: q.get("type", "") for s in (row or {}).get("application_form") or []
               for q in s.get("questions", [])}
    if not current:
        return []
    answered = await answered_questions(edition_id) & set(current)
    if not answered:
        return []
    problems: list[Problem] = []
    kept: set[str] = set()
    for s_index, section in enumerate(spec.application_form):
        for q_index, question in enumerate(section.questions):
            kept.add(question.code)
            if question.code in answered and question.type != current[question.code]:
                problems.append(problem(f"$.application_form[{s_index}].questions[{q_index}].type",
                                        f"submitted applications answered question {question.code!r}: "
                                        "its type cannot change"))
    problems += [problem("$.application_form", f"submitted applications answered question {code!r}: "
                                               "it cannot be removed") for code in sorted(answered - kept)]
    return problems
