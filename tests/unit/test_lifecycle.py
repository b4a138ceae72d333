"""The application lifecycle: the transition table and what each status allows."""

import pytest

from core.applications import lifecycle
from core.applications.lifecycle import (
    ADMISSIBLE,
    ADVANCED,
    DRAFT,
    FINALIST,
    IN_ROUND,
    NOT_ADMISSIBLE,
    NOT_ADVANCED,
    NOT_WINNER,
    STATUSES,
    SUBMITTED,
    WINNER,
    WITHDRAWN,
    IllegalTransition,
)


def test_every_status_has_a_row_in_the_table_and_moves_only_to_known_statuses():
    assert set(lifecycle.TRANSITIONS) == set(STATUSES)
    assert all(targets <= set(STATUSES) for targets in lifecycle.TRANSITIONS.values())


def test_the_moves_the_services_make_are_allowed():
    assert lifecycle.transition(DRAFT, SUBMITTED) == SUBMITTED
    assert lifecycle.transition(DRAFT, WITHDRAWN) == WITHDRAWN
    assert lifecycle.transition(SUBMITTED, WITHDRAWN) == WITHDRAWN
    assert lifecycle.transition(SUBMITTED, NOT_ADMISSIBLE) == NOT_ADMISSIBLE
    assert lifecycle.transition(NOT_ADMISSIBLE, ADMISSIBLE) == ADMISSIBLE
    assert lifecycle.transition(ADMISSIBLE, DRAFT) == DRAFT
    assert lifecycle.transition(IN_ROUND, ADVANCED) == ADVANCED
    assert lifecycle.transition(ADVANCED, FINALIST) == FINALIST
    assert lifecycle.transition(FINALIST, WINNER) == WINNER
    assert lifecycle.transition(FINALIST, NOT_WINNER) == NOT_WINNER


@pytest.mark.parametrize(("current", "target"), [
    (DRAFT, ADMISSIBLE), (DRAFT, ADVANCED), (DRAFT, DRAFT), (SUBMITTED, SUBMITTED), (WITHDRAWN, SUBMITTED),
    (IN_ROUND, DRAFT), (ADVANCED, WITHDRAWN), (WINNER, DRAFT), (FINALIST, ADMISSIBLE),
    (IN_ROUND, SUBMITTED), ("unknown", DRAFT),
])
def test_an_illegal_move_is_refused_with_both_statuses(current, target):
    with pytest.raises(IllegalTransition) as refused:
        lifecycle.transition(current, target)
    assert (refused.value.current, refused.value.target) == (current, target)
    assert refused.value.message


def test_a_withdrawn_application_can_only_start_again_as_a_draft():
    assert lifecycle.TRANSITIONS[WITHDRAWN] == frozenset({DRAFT})


def test_only_a_draft_is_edited_and_submitted_and_only_before_the_deadline():
    assert [s for s in STATUSES if lifecycle.can_edit(s)] == [DRAFT]
    assert [s for s in STATUSES if lifecycle.can_submit(s, deadline_open=True)] == [DRAFT]
    assert not any(lifecycle.can_submit(s, deadline_open=False) for s in STATUSES)


def test_withdrawal_is_for_drafts_and_submitted_applications_before_the_deadline():
    assert [s for s in STATUSES if lifecycle.can_withdraw(s, deadline_open=True)] == [DRAFT, SUBMITTED]
    assert not any(lifecycle.can_withdraw(s, deadline_open=False) for s in STATUSES)


def test_reopening_is_for_applications_no_jury_has_judged():
    assert [s for s in STATUSES if lifecycle.can_reopen(s)] == [SUBMITTED, ADMISSIBLE, NOT_ADMISSIBLE]
    assert lifecycle.IN_CHECK == (SUBMITTED, ADMISSIBLE, NOT_ADMISSIBLE)


def test_what_counts_as_an_entry_and_what_has_rounds_to_follow():
    assert [s for s in STATUSES if not lifecycle.entered(s)] == [DRAFT, WITHDRAWN]
    assert [s for s in STATUSES if not lifecycle.was_submitted(s)] == [DRAFT]


def test_a_published_round_decision_can_reach_every_round_outcome_from_every_judged_status():
    judged = (SUBMITTED, ADMISSIBLE, NOT_ADMISSIBLE, IN_ROUND, ADVANCED, NOT_ADVANCED, FINALIST, WINNER, NOT_WINNER)
    assert all(lifecycle.allows(current, outcome) for current in judged for outcome in lifecycle.ROUND_OUTCOMES)


def test_the_statuses_a_round_works_on_by_its_kind():
    assert lifecycle.IN_PLAY["admissibility"] == (SUBMITTED, ADMISSIBLE, NOT_ADMISSIBLE)
    assert lifecycle.IN_PLAY["final_pitch"] == (FINALIST, WINNER, NOT_WINNER)
    assert lifecycle.DEFAULT_IN_PLAY == (IN_ROUND, ADVANCED, NOT_ADVANCED, FINALIST, WINNER, NOT_WINNER)
