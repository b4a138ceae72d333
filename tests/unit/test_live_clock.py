"""The live final's clock and running-order moves, computed from stored columns only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.live.clock import Clock, MoveRefused, allowed_moves, apply_move, format_clock, moved

NOW = datetime(2026, 9, 17, 18, 0, tzinfo=UTC)


def clock(status="waiting", started=None, paused=None) -> Clock:
    return Clock(status=status, pitch_seconds=300, qa_seconds=600, phase_started_at=started, paused_remaining=paused)


def test_a_running_pitch_counts_down_from_its_stored_start_and_goes_below_zero_over_time():
    running = clock("pitch", started=NOW - timedelta(seconds=70))
    assert running.remaining(NOW) == 230
    assert running.ends_at() == NOW + timedelta(seconds=230)
    assert running.remaining(NOW + timedelta(seconds=240)) == -10
    assert clock("qa", started=NOW).remaining(NOW) == 600
    assert clock("waiting").remaining(NOW) is None and clock("done").ends_at() is None


def test_pause_keeps_the_seconds_left_and_resume_continues_from_them():
    running = clock("pitch", started=NOW - timedelta(seconds=100))
    paused = apply_move(running, "pause", NOW)
    assert (paused.status, paused.phase_started_at, paused.paused_remaining) == ("pitch", None, 200)
    stopped = clock("pitch", paused=200)
    assert stopped.remaining(NOW + timedelta(hours=1)) == 200 and stopped.ends_at() is None
    later = NOW + timedelta(minutes=5)
    resumed = apply_move(stopped, "resume", later)
    after = clock("pitch", started=resumed.phase_started_at)
    assert resumed.paused_remaining is None and after.remaining(later) == 200
    assert after.ends_at() == later + timedelta(seconds=200)


def test_moves_follow_the_phases_and_refuse_the_rest():
    assert apply_move(clock(), "start", NOW).status == "pitch"
    assert apply_move(clock("pitch", started=NOW), "qa", NOW).status == "qa"
    assert apply_move(clock("qa", started=NOW), "end", NOW).status == "done"
    for status, action in (("waiting", "pause"), ("waiting", "qa"), ("qa", "qa"), ("done", "start"),
                           ("absent", "start"), ("pitch", "resume"), ("done", "end")):
        with pytest.raises(MoveRefused):
            apply_move(clock(status, started=NOW), action, NOW)
    assert allowed_moves(clock()) == ("start",)
    assert allowed_moves(clock("pitch", started=NOW)) == ("pause", "qa", "end")
    assert allowed_moves(clock("qa", paused=30)) == ("resume", "end")
    assert allowed_moves(clock("done")) == () and allowed_moves(clock("absent")) == ()


def test_a_slot_moves_one_place_and_stays_put_at_either_end():
    assert moved([1, 2, 3], 3, "up") == [1, 3, 2]
    assert moved([1, 2, 3], 1, "down") == [2, 1, 3]
    assert moved([1, 2, 3], 1, "up") == [1, 2, 3]
    assert moved([1, 2, 3], 3, "down") == [1, 2, 3]
    assert moved([1, 2, 3], 9, "up") == [1, 2, 3] and moved([1, 2], 1, "sideways") == [1, 2]


def test_the_countdown_prints_minutes_and_seconds():
    assert format_clock(245) == "4:05" and format_clock(-12) == "-0:12" and format_clock(0) == "0:00"
    assert format_clock(None) == ""


def test_a_phone_offers_every_step_of_a_scale_and_a_number_box_past_forty_one():
    from core.live.phone_scores import scale_points
    from scoring.rubric import Criterion

    assert scale_points(Criterion(code="A", label={}, min=1, max=3, step=0.5)) == [1, 1.5, 2, 2.5, 3]
    assert scale_points(Criterion(code="B", label={}, min=0, max=100, step=1)) == []
