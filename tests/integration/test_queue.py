"""The queue that mail, webhook deliveries and jobs share, on both engines: claims, leases, retries, the loop."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from datetime import UTC, datetime, timedelta

from core.messaging import jobs, mail, queue
from core.messaging.mail import OUTBOX, enqueue_mail
from core.platform.tables import Job, OutgoingMail
from core.results import exports  # noqa: F401 (registers the "export" job kind)
from tests.conftest import run

log = logging.getLogger("giuria.test_queue")


def queue_mails(count: int) -> list[int]:
    async def queue_all() -> list[int]:
        return [await enqueue_mail(to=f"person{n}@example.org", template="account/verify", language="en",
                                   context={"name": f"Person {n}", "link": "http://127.0.0.1:8000/verify"})
                for n in range(count)]

    return run(queue_all())


def mail_row(mail_id: int) -> dict:
    return run(OutgoingMail.select().where(OutgoingMail.id == mail_id).first())


def attempts() -> dict[int, int]:
    return {r["id"]: r["attempts"] for r in run(OutgoingMail.select(OutgoingMail.id, OutgoingMail.attempts))}


async def drain(found: list[int], *, limit: int) -> None:
    """One claimer: take rows `limit` at a time until there are none left."""
    while rows := await OUTBOX.claim(limit=limit, now=datetime.now(UTC)):
        found.extend(row["id"] for row in rows)
        await asyncio.sleep(0)  # let the others in between claims


def test_claimers_on_threads_of_their_own_never_take_the_same_row(settings):
    ids = queue_mails(40)
    claimed: list[list[int]] = [[] for _ in range(4)]
    start = threading.Barrier(4)

    def claimer(found: list[int]) -> None:
        start.wait()
        run(drain(found, limit=3))  # a loop and connections of its own, as another worker would have

    threads = [threading.Thread(target=claimer, args=(found,)) for found in claimed]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    every = [mail_id for found in claimed for mail_id in found]
    assert sorted(every) == sorted(ids)  # each row taken once, none missed
    # A row taken twice would have counted two attempts.
    assert set(attempts().values()) == {1}


def test_claimers_on_one_event_loop_never_take_the_same_row(settings):
    ids = queue_mails(30)
    claimed: list[list[int]] = [[] for _ in range(5)]

    async def five_claimers() -> None:
        await asyncio.gather(*(drain(found, limit=2) for found in claimed))

    run(five_claimers())

    every = [mail_id for found in claimed for mail_id in found]
    assert sorted(every) == sorted(ids)
    assert set(attempts().values()) == {1}


def test_a_lease_that_ran_out_lets_another_claim_take_the_row_and_the_first_cannot_record(settings):
    [mail_id] = queue_mails(1)
    start = datetime.now(UTC)
    [first] = run(OUTBOX.claim(limit=10, now=start))
    assert first["attempts"] == 1
    assert mail_row(mail_id)["next_attempt_at"] == start + mail.LEASE
    # Leased: nobody else gets it until the lease ends.
    assert run(OUTBOX.claim(limit=10, now=start + mail.LEASE - timedelta(seconds=1))) == []
    [second] = run(OUTBOX.claim(limit=10, now=start + mail.LEASE))
    assert (second["id"], second["attempts"]) == (mail_id, 2)

    assert run(OUTBOX.settle(first, {OutgoingMail.status: "sent"})) is False
    assert mail_row(mail_id)["status"] == "queued"
    assert run(OUTBOX.settle(second, {OutgoingMail.status: "sent"})) is True
    assert mail_row(mail_id)["status"] == "sent"


def test_released_rows_are_due_at_once_without_an_attempt_counted(settings):
    ids = queue_mails(3)
    now = datetime.now(UTC)
    rows = run(OUTBOX.claim(limit=10, now=now))
    assert [r["id"] for r in rows] == sorted(ids)
    run(OUTBOX.release(rows[1:], now=now))
    assert attempts() == {ids[0]: 1, ids[1]: 0, ids[2]: 0}
    assert [r["id"] for r in run(OUTBOX.claim(limit=10, now=now))] == ids[1:]


def test_failed_attempts_wait_with_backoff_then_the_row_fails(settings, caplog):
    small = queue.Outbox.of(OutgoingMail, lease=timedelta(minutes=1), max_attempts=3, log=log, label="mail",
                            backoff=queue.Backoff(first_seconds=10, factor=2, max_seconds=15))
    assert [small.backoff.delay(n).total_seconds() for n in (1, 2, 3, 4)] == [10, 15, 15, 15]
    [mail_id, refused] = queue_mails(2)
    moment = datetime.now(UTC)
    rows = run(small.claim(limit=10, now=moment))
    assert run(small.retry_or_give_up(rows[0], error="421 try later", now=moment, what="verify")) == queue.RETRIED
    assert run(small.retry_or_give_up(rows[1], error="550 no such user", now=moment, what="verify",
                                      permanent=True)) == queue.FAILED
    row = mail_row(mail_id)
    assert (row["status"], row["attempts"], row["last_error"]) == ("queued", 1, "421 try later")
    assert row["next_attempt_at"] == moment + timedelta(seconds=10)
    assert (mail_row(refused)["status"], mail_row(refused)["attempts"]) == ("failed", 1)

    assert run(small.claim(limit=10, now=moment + timedelta(seconds=9))) == []
    moment += timedelta(seconds=10)
    [row] = run(small.claim(limit=10, now=moment))
    assert run(small.retry_or_give_up(row, error="421 try later", now=moment, what="verify")) == queue.RETRIED
    assert mail_row(mail_id)["next_attempt_at"] == moment + timedelta(seconds=15)
    moment += timedelta(seconds=15)
    [row] = run(small.claim(limit=10, now=moment))
    with caplog.at_level(logging.WARNING, logger=log.name):
        assert run(small.retry_or_give_up(row, error="421 try later", now=moment, what="verify")) == queue.FAILED
    assert f"mail {mail_id} (verify), attempt 3: 421 try later (giving up)" in caplog.text
    assert (mail_row(mail_id)["status"], mail_row(mail_id)["attempts"]) == ("failed", 3)
    assert run(small.claim(limit=10, now=moment + timedelta(days=1))) == []


def test_a_job_whose_worker_stopped_beating_is_claimed_again_and_the_old_run_cannot_record(settings):
    job = run(jobs.enqueue_job(kind="export", edition_id=None, params={"probe": 1}, created_by=None))
    start = datetime.now(UTC)
    first = run(jobs.claim_next(now=start))
    assert (first["id"], first["status"], first["attempts"]) == (job.id, "running", 1)
    assert run(jobs.claim_next(now=start)) is None
    assert run(jobs.claim_next(now=start + jobs.LEASE - timedelta(seconds=1))) is None
    second = run(jobs.claim_next(now=start + jobs.LEASE + timedelta(seconds=1)))
    assert (second["id"], second["attempts"]) == (job.id, 2)

    assert run(jobs.JOBS.settle(first, {Job.status: "done"})) is False
    assert run(jobs.JOBS.settle(second, {Job.status: "done"})) is True
    assert run(Job.select(Job.status).where(Job.id == job.id).first())["status"] == "done"


def test_two_job_workers_racing_for_one_job_one_gets_it(settings):
    job = run(jobs.enqueue_job(kind="export", edition_id=None, params={"probe": 2}, created_by=None))
    found: list[dict | None] = []
    start = threading.Barrier(2)

    def worker() -> None:
        start.wait()
        found.append(run(jobs.claim_next()))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted((row or {}).get("id", 0) for row in found) == [0, job.id]
    assert run(Job.select(Job.attempts).first())["attempts"] == 1


def test_the_loop_goes_on_after_a_failed_pass_runs_again_after_a_full_one_and_wakes_when_nudged(caplog):
    interval = 60.0  # far longer than the test: every pass after the first is a re-run or a wake-up

    async def scenario() -> list[float]:
        stop = asyncio.Event()
        wakers = queue.Wakers()
        calls: list[float] = []
        called = asyncio.Event()

        async def work() -> bool:
            calls.append(time.monotonic())
            called.set()
            if len(calls) == 1:
                raise RuntimeError("database hiccup")
            if len(calls) == 4:
                stop.set()
            return len(calls) == 2  # the second pass was full: run again at once

        async def until(count: int) -> None:
            while len(calls) < count:
                called.clear()
                await called.wait()

        loop = asyncio.create_task(queue.run_loop(work, stop=stop, interval=interval, log=log, name="test loop",
                                                  wakers=wakers))
        await asyncio.wait_for(until(1), 5)
        wakers.wake()
        await asyncio.wait_for(until(3), 5)
        await asyncio.sleep(0.2)
        assert len(calls) == 3  # not full: it waits for the interval or a nudge
        wakers.wake()
        await asyncio.wait_for(loop, 5)
        return calls

    with caplog.at_level(logging.ERROR, logger=log.name):
        calls = asyncio.run(scenario())
    assert len(calls) == 4
    assert calls[-1] - calls[0] < 10
    assert "the test loop's pass failed; trying again in 60.0 seconds" in caplog.text
    assert "RuntimeError: database hiccup" in caplog.text


def test_the_loop_stops_promptly_while_it_waits():
    async def scenario() -> float:
        stop = asyncio.Event()
        passes: list[int] = []

        async def work() -> bool:
            passes.append(1)
            return False

        loop = asyncio.create_task(queue.run_loop(work, stop=stop, interval=60, log=log, name="idle loop"))
        await asyncio.sleep(0.1)
        started = time.monotonic()
        stop.set()
        await asyncio.wait_for(loop, 5)
        assert passes == [1]
        return time.monotonic() - started

    assert asyncio.run(scenario()) < 2
