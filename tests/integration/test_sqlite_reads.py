"""SQLite reads outside a transaction never stall the event loop: a long one moves to a reader thread.

These are about the SQLite engine alone, so they run on SQLite only (PostgreSQL's driver never blocks the loop).
"""

from __future__ import annotations

import asyncio
import itertools
import shutil
import time

import pytest

from core.platform import db
from core.platform.settings import Settings
from core.platform.tables import Edition, Programme
from tests.conftest import TEST_SECRET, run

# One row that takes the engine a second or so to compute: the shape of a large report's aggregate.
SLOW_COUNT = ("SELECT (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {count}) "
              "SELECT count(*) FROM n) AS c")
MANY_ROWS = ("SELECT i FROM (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {count}) "
             "SELECT i FROM n) ORDER BY i")


@pytest.fixture
def sqlite_settings(sqlite_template, tmp_path) -> Settings:
    shutil.copyfile(sqlite_template, tmp_path / "giuria.sqlite3")
    settings = Settings(env="test", data_dir=tmp_path, secret_key=TEST_SECRET)
    db.configure(settings)
    return settings


def test_the_loop_keeps_ticking_while_a_slow_read_runs(sqlite_settings):
    count = 3_000_000

    async def scenario():
        ticks: list[float] = []

        async def ticker() -> None:
            while True:
                await asyncio.sleep(0.01)
                ticks.append(time.perf_counter())

        task = asyncio.create_task(ticker())
        await asyncio.sleep(0.05)
        started = time.perf_counter()
        rows = await Edition.raw(SLOW_COUNT.format(count=count))
        finished = time.perf_counter()
        task.cancel()
        return rows, started, finished, ticks

    rows, started, finished, ticks = run(scenario())
    assert rows == [{"c": count}]
    took = finished - started
    assert took > 0.2, "the read must be slow for this test to show anything"
    moments = [started, *(t for t in ticks if started < t < finished), finished]
    longest_gap = max(later - earlier for earlier, later in itertools.pairwise(moments))
    # On the loop's thread the read would give one gap as long as itself and no tick at all.
    assert len(moments) - 2 >= 5, (len(moments) - 2, took)
    assert longest_gap < took / 2, (longest_gap, took)


def test_a_read_stopped_on_the_loop_and_run_again_in_a_reader_thread_returns_every_row_once(sqlite_settings):
    count = 200_000

    async def scenario():
        started = time.perf_counter()
        rows = await Edition.raw(MANY_ROWS.format(count=count))
        return rows, time.perf_counter() - started

    rows, took = run(scenario())
    assert took > 10 * db.READ_SECONDS_ON_LOOP, "the read must outlast its time on the loop"
    assert rows == [{"i": i} for i in range(1, count + 1)]


def test_a_read_right_after_a_write_transaction_sees_what_it_committed(sqlite_settings):
    async def scenario():
        async with db.write_transaction():
            await Programme.insert(Programme(slug="welfare"))  # the write under test, not a set-up
        return await Programme.select(Programme.slug)

    assert run(scenario()) == [{"slug": "welfare"}]


def test_a_cancelled_slow_read_gives_its_reader_thread_back(sqlite_settings):
    endless = SLOW_COUNT.format(count=10**9)  # minutes of work unless interrupted

    async def scenario() -> list:
        reads = [asyncio.create_task(Edition.raw(endless).run()) for _ in range(db.READER_THREADS)]
        await asyncio.sleep(0.3)  # every reader thread is now busy with one of them
        for read in reads:
            read.cancel()
        outcomes = await asyncio.gather(*reads, return_exceptions=True)
        assert all(isinstance(outcome, asyncio.CancelledError) for outcome in outcomes)
        # Were they still running, this read would wait minutes for a thread.
        return await asyncio.wait_for(Edition.raw(SLOW_COUNT.format(count=200_000)), timeout=20)

    assert run(scenario()) == [{"c": 200_000}]
