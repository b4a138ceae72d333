"""The eligibility rules calls like Welfare, che impresa! publish: legal form, age of the entity, team age, training."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from core.hookspecs import hookimpl
from core.platform.i18n import gettext as _
from core.plugin_api import ApplicationSnapshot

TO_BE_INCORPORATED = "da_costituire"


def _years_between(start: date, end: date) -> float:
    return (end - start).days / 365.25


@hookimpl(trylast=True)
def giuria_eligibility_problems(application: ApplicationSnapshot, rules: Mapping[str, Any]) -> list[str]:
    problems: list[str] = []
    legal_forms = rules.get("legal_forms") or []
    to_be_incorporated = application.to_be_incorporated or application.legal_form == TO_BE_INCORPORATED
    if to_be_incorporated:
        if not rules.get("allow_to_be_incorporated", True):
            problems.append(_("This call does not accept entities that are yet to be incorporated."))
    elif legal_forms and application.legal_form not in legal_forms:
        problems.append(_("The legal form of the entity is not among those this call admits."))
    max_age = rules.get("max_entity_age_years")
    if max_age and not to_be_incorporated:
        if application.founded_on is None:
            problems.append(_("Give the date of incorporation, or state that the entity is yet to be incorporated."))
        else:
            reference = application.deadline.date() if application.deadline else date.today()
            if _years_between(application.founded_on, reference) > max_age:
                problems.append(_("The entity was incorporated more than {years} years before the deadline.")
                                .format(years=max_age))
    under = rules.get("team_majority_under_age")
    if under:
        ages = [member.get("age") for member in application.team if isinstance(member.get("age"), int | float)]
        if not ages or sum(1 for age in ages if age < under) * 2 <= len(ages):
            problems.append(_("Most members of the team must be under {age}.").format(age=under))
    if rules.get("required_training") and application.answers.get("training_completed") is not True:
        problems.append(_("The mandatory training must be completed before applying."))
    return problems
