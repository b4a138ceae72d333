"""An application's statuses, the moves between them, and what each status allows.

Draft -> submitted -> (withdrawn) -> admissible / not admissible -> in round N -> advanced /
not advanced -> finalist -> winner / not winner. A reopened application goes back to draft.
Services change a status only through `transition`; pages ask the `can_*` flags instead of
restating these rules.
"""

from __future__ import annotations

from core.platform.errors import Refused
from core.platform.i18n import gettext as _

DRAFT = "draft"
SUBMITTED = "submitted"
WITHDRAWN = "withdrawn"
ADMISSIBLE = "admissible"
NOT_ADMISSIBLE = "not_admissible"
IN_ROUND = "in_round"
ADVANCED = "advanced"
NOT_ADVANCED = "not_advanced"
FINALIST = "finalist"
WINNER = "winner"
NOT_WINNER = "not_winner"

STATUSES = (DRAFT, SUBMITTED, WITHDRAWN, ADMISSIBLE, NOT_ADMISSIBLE, IN_ROUND, ADVANCED, NOT_ADVANCED, FINALIST,
            WINNER, NOT_WINNER)

# The admissibility check works on these; an organiser may reopen them (no jury has judged them yet).
IN_CHECK = (SUBMITTED, ADMISSIBLE, NOT_ADMISSIBLE)
ADMISSIBILITY_OUTCOMES = (ADMISSIBLE, NOT_ADMISSIBLE)
# What a published decision of a judged round may make an application.
ROUND_OUTCOMES = (ADVANCED, NOT_ADVANCED, FINALIST, WINNER, NOT_WINNER)
# Outcomes that put an entry in the running for the prizes of its round's stage.
IN_RUNNING = (ADVANCED, FINALIST, WINNER, NOT_WINNER)
# On the mentoring path and in the final: finalists, then the winners and the others, followed for a year.
FINALIST_OUTCOMES = (FINALIST, WINNER, NOT_WINNER)
# Never entered the competition: a draft nobody submitted, or one its applicant took back.
NOT_ENTERED = (DRAFT, WITHDRAWN)

IN_PLAY = {"admissibility": IN_CHECK, "final_pitch": FINALIST_OUTCOMES}
DEFAULT_IN_PLAY = (IN_ROUND, ADVANCED, NOT_ADVANCED, FINALIST, WINNER, NOT_WINNER)

TRANSITIONS: dict[str, frozenset[str]] = {
    DRAFT: frozenset({SUBMITTED, WITHDRAWN}),
    # Round outcomes too: an admissibility round's decisions may also be staged and published as advancement.
    SUBMITTED: frozenset({WITHDRAWN, DRAFT, *ADMISSIBILITY_OUTCOMES, *ROUND_OUTCOMES}),
    # The applicant may start again from their withdrawn answers while the call is open (`can_start_again`).
    WITHDRAWN: frozenset({DRAFT}),
    # Admissibility may be changed (and a published decision re-publishes it) until the next round.
    ADMISSIBLE: frozenset({DRAFT, *ADMISSIBILITY_OUTCOMES, IN_ROUND, *ROUND_OUTCOMES}),
    NOT_ADMISSIBLE: frozenset({DRAFT, *ADMISSIBILITY_OUTCOMES, IN_ROUND, *ROUND_OUTCOMES}),
    # A judged round's published decision moves an entry to any outcome, whichever round comes next.
    **{status: frozenset(ROUND_OUTCOMES) for status in (IN_ROUND, *ROUND_OUTCOMES)},
    # Undoing a passage takes an entry back out of its first judged round (or of the next, for an advanced one).
    IN_ROUND: frozenset({*ROUND_OUTCOMES, ADMISSIBLE}),
    # An advanced entry is moved into the next judged round by the organiser.
    ADVANCED: frozenset({*ROUND_OUTCOMES, IN_ROUND}),
}


class IllegalTransition(Refused):
    """The application's status does not allow this change; nothing was changed."""

    def __init__(self, current: str, target: str) -> None:
        self.current, self.target = current, target
        super().__init__(_("An application's current state does not allow this change; reload the page and check it."))


def allows(current: str, target: str) -> bool:
    """Whether an application in `current` may move to `target`."""
    return target in TRANSITIONS.get(current, frozenset())


def transition(current: str, target: str) -> str:
    """`target`, once the move from `current` is checked; IllegalTransition when the table forbids it."""
    if not allows(current, target):
        raise IllegalTransition(current, target)
    return target


def can_edit(status: str) -> bool:
    """The applicant may change answers and files (the deadline is checked when they save)."""
    return status == DRAFT


def can_submit(status: str, *, deadline_open: bool) -> bool:
    """A draft, while the call (or the applicant's extension) is open."""
    return allows(status, SUBMITTED) and deadline_open


def can_withdraw(status: str, *, deadline_open: bool) -> bool:
    """Before the deadline only: afterwards the jury's work depends on the field staying fixed."""
    return allows(status, WITHDRAWN) and deadline_open


def can_reopen(status: str) -> bool:
    """An organiser may send it back to draft: submitted, and no jury has judged it yet."""
    return allows(status, DRAFT) and status != WITHDRAWN


def can_start_again(status: str, *, deadline_open: bool) -> bool:
    """An applicant who withdrew may go back to their draft while the call is open; its receipt is not reused."""
    return status == WITHDRAWN and allows(status, DRAFT) and deadline_open


def was_submitted(status: str) -> bool:
    """Submitted at some point and not taken back to draft: it has rounds to follow."""
    return status != DRAFT


def entered(status: str) -> bool:
    """Counts as an entry of the edition (for duplicates, statistics and the register)."""
    return status not in NOT_ENTERED
