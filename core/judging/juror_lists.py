"""A juror's assignments in one edition, for software that scores through the API.

The entry itself is read and scored through `reviews` (`review_page`, `save_review`), which fence the juror to
their own assignments and apply blind rounds; this module adds the edition's fence a token limited to one
edition needs, since an assignment id alone does not say which edition it is in.
"""

from __future__ import annotations

from core.judging.reviews import (
    AssignmentLine,
    AssignmentNotFound,
    SaveOutcome,
    juror_dashboard,
    review_page,
    save_review,
)
from core.judging.sheet_merge import ReviewInput
from core.platform.identity import SessionUser
from core.platform.tables import Assignment


async def juror_assignments(*, juror: SessionUser, edition_slug: str) -> list[AssignmentLine]:
    """The juror's entries in the edition's rounds that are open to them, as their jury page lists them."""
    return [line for progress in await juror_dashboard(juror=juror)
            if progress.edition_slug == edition_slug for line in progress.lines]


async def require_in_edition(*, juror: SessionUser, assignment_id: int, edition_slug: str) -> None:
    """AssignmentNotFound unless the assignment is the juror's own, in a round of this edition."""
    found = await Assignment.exists().where(
        Assignment.id == assignment_id, Assignment.juror == juror.id,
        Assignment.round.edition.slug == edition_slug)
    if not found:
        raise AssignmentNotFound(assignment_id)


async def save_scores(*, juror: SessionUser, assignment_id: int, edition_slug: str, values: dict[str, float | None],
                      comments: dict[str, str], overall_comment: str | None, feedback_to_applicant: str | None,
                      confidence: int | None, submit: bool) -> SaveOutcome:
    """Save a whole score sheet sent by another program, as if typed into the form over what is stored now.

    The criteria sent replace what is stored; those not sent are left as they are. The same checks as the
    scoring page apply (the round open, the conflict cleared, values on the scale, all criteria to submit).
    """
    await require_in_edition(juror=juror, assignment_id=assignment_id, edition_slug=edition_slug)
    page = await review_page(juror=juror, assignment_id=assignment_id)
    originals = {code: "" if value is None else repr(value) for code, value in page.values.items()}
    data = ReviewInput(
        values={code: "" if value is None else repr(value) for code, value in values.items()},
        comments=dict(comments), original_values=originals, original_comments=dict(page.comments),
        overall_comment=overall_comment, feedback_to_applicant=feedback_to_applicant,
        confidence=None if confidence is None else str(confidence), version=page.version)
    return await save_review(juror=juror, assignment_id=assignment_id, data=data, submit=submit)
