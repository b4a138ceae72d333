"""A PostgreSQL connection goes back to the pool without asyncpg's reset query (one round trip per statement
saved), yet never with a transaction left open. Giuria keeps no session state for the reset to undo.

A request's statements share one connection, taken at its first and back in the pool once its response starts,
whatever happened in between."""

from __future__ import annotations

import asyncio
import dataclasses

import asyncpg
import pytest
from litestar.testing import TestClient

from core.platform import db
from core.platform.tables import Organisation
from tests.conftest import run
from tests.factories import SLUG, example_edition


async def _scenario(settings) -> None:
    await db.start_pool(dataclasses.replace(settings, db_pool_size=1))
    try:
        pool = db.engine().pool
        async with pool.acquire() as connection:
            await connection.execute("SET application_name = 'giuria-pool-test'")
            transaction = connection.transaction()
            await transaction.start()
            await connection.execute("CREATE TABLE left_open (x integer)")
            # released with the transaction still open (a bug elsewhere, a cancelled request)
        async with pool.acquire() as connection:
            assert await connection.fetchval("SHOW application_name") == "giuria-pool-test"  # not reset
            assert not connection.is_in_transaction()
            assert await connection.fetchval("SELECT to_regclass('left_open')") is None  # rolled back
        # Piccolo's statements through the pool, inside and outside a transaction, see each other's work (the
        # write itself is what is tested, so it is not a factory's)
        async with db.write_transaction():
            await Organisation.insert(Organisation(name="Pooled", kind="other"))
        assert await Organisation.count().where(Organisation.name == "Pooled") == 1
    finally:
        await db.close_pool()


@pytest.fixture
def postgres(settings):
    """The test's settings, on PostgreSQL only: SQLite has no connection pool."""
    if settings.database_engine != "postgres":
        pytest.skip("only PostgreSQL has a connection pool")
    return settings


def test_a_pooled_connection_is_released_without_a_reset_but_never_inside_a_transaction(postgres):
    run(_scenario(postgres))


async def _backend() -> int:
    return (await db.engine().run_ddl("SELECT pg_backend_pid() AS pid"))[0]["pid"]


def _all_idle(pool) -> bool:
    return pool.get_idle_size() == pool.get_size()


async def _units(settings) -> None:
    await db.start_pool(dataclasses.replace(settings, db_pool_size=2))
    try:
        engine, pool = db.engine(), db.engine().pool
        taken = engine.acquired
        async with db.one_connection():
            first = await _backend()
            await Organisation.insert(Organisation(name="Shared", kind="other"))  # the write itself is tested
            async with db.write_transaction():
                in_transaction = await _backend()
                async with db.write_transaction():  # nested: part of the outer one, on the same connection
                    nested = await _backend()
                    await Organisation.insert(Organisation(name="Nested", kind="other"))  # tested as well
            assert await Organisation.count().where(Organisation.name.is_in(["Shared", "Nested"])) == 2
            assert {in_transaction, nested, await _backend()} == {first}
        assert engine.acquired == taken + 1
        assert _all_idle(pool)

        with pytest.raises(ZeroDivisionError):  # an error in the unit: its transaction undone, its connection back
            async with db.one_connection():
                async with db.write_transaction():
                    await Organisation.insert(Organisation(name="Undone", kind="other"))  # to be undone
                    raise ZeroDivisionError
        assert _all_idle(pool)
        assert await Organisation.count().where(Organisation.name == "Undone") == 0

        async with db.one_connection():  # a statement the database refuses leaves the connection usable
            first = await _backend()
            with pytest.raises(asyncpg.DataError):
                await db.engine().run_ddl("SELECT 1 / 0")
            assert await _backend() == first

        async with db.one_connection():  # two statements at once: the second borrows a connection of its own
            assert len(set(await asyncio.gather(_backend(), _backend()))) == 2
        assert _all_idle(pool)

        async with db.one_connection() as shared:  # closed early (a response streams): no connection held
            await _backend()
            await shared.close()
            assert _all_idle(pool)
            taken = engine.acquired
            await _backend()
            assert engine.acquired == taken + 1 and _all_idle(pool)
    finally:
        await db.close_pool()


def test_the_statements_of_a_unit_share_one_connection_given_back_at_its_end_even_on_errors(postgres):
    run(_units(postgres))


def test_a_request_takes_one_pooled_connection_and_gives_it_back_even_when_it_fails(postgres):
    example_edition()
    from web.app import create_app

    app = create_app(dataclasses.replace(postgres, db_pool_size=3))
    with TestClient(app, base_url="http://testserver.local") as client:
        engine = db.engine()
        for path, status in ((f"/c/{SLUG}", 200), ("/c/no-such-call", 404), (f"/c/{SLUG}", 200)):
            taken = engine.acquired
            assert client.get(path, headers={"accept-language": "en"}).status_code == status
            assert engine.acquired == taken + 1, path
            assert _all_idle(engine.pool), path




async def _turns(settings, *, fair: bool) -> tuple[list[str], list[str]]:
    """A holds the pool's one connection while B and C wait for it; as A gives it back, E asks, its first step
    scheduled just before B's wake-up (as a request whose socket was read in the same pass of the loop would be).
    Returns the order in which they asked for a connection and the order in which they got one."""
    await db.start_pool(dataclasses.replace(settings, db_pool_size=1))
    pool = db.engine().pool
    async with pool.acquire():  # the connection is open before the units come
        pass
    if not fair:
        db.engine().turns = None  # asyncpg's own queue only, to show that the test can tell
    asked: list[str] = []
    got: list[str] = []
    holding, let_go = asyncio.Event(), asyncio.Event()
    newcomer: list[asyncio.Future] = []

    async def unit(name: str) -> None:
        asked.append(name)
        async with db.one_connection():
            await _backend()
            got.append(name)
            if name == "A":
                holding.set()
                await let_go.wait()

    # The race itself, made certain: when A's connection goes back into asyncpg's queue, E starts right then.
    queue = pool._queue
    put_back = queue.put_nowait

    def put_nowait(holder) -> None:
        if let_go.is_set() and not newcomer:
            newcomer.append(asyncio.ensure_future(unit("E")))
        put_back(holder)

    queue.put_nowait = put_nowait
    try:
        first = asyncio.ensure_future(unit("A"))
        await holding.wait()
        waiting = [asyncio.ensure_future(unit(name)) for name in ("B", "C")]
        await asyncio.sleep(0.05)  # B and C wait for the connection
        let_go.set()
        await asyncio.wait_for(asyncio.gather(first, *waiting), timeout=10)
        await asyncio.wait_for(asyncio.gather(*newcomer), timeout=10)
        assert _all_idle(pool)
    finally:
        queue.put_nowait = put_back
        await db.close_pool()
    return asked, got


def test_requests_get_a_connection_in_the_order_they_asked(postgres):
    asked, got = run(_turns(postgres, fair=True))
    assert asked == ["A", "B", "C", "E"] and got == asked


def test_a_page_renders_after_its_connection_is_back_in_the_pool(postgres, monkeypatch):
    """The handler has done the request's database work: the page renders with the connection already returned."""
    example_edition()
    from litestar.response import Template

    from web.app import create_app

    seen: list[bool] = []
    render = Template.to_asgi_response

    def watched(self, *args, **kwargs):
        seen.append(_all_idle(db.engine().pool))
        return render(self, *args, **kwargs)

    monkeypatch.setattr(Template, "to_asgi_response", watched)
    with TestClient(create_app(dataclasses.replace(postgres, db_pool_size=2)),
                    base_url="http://testserver.local") as client:
        assert client.get(f"/c/{SLUG}", headers={"accept-language": "en"}).status_code == 200
        assert _all_idle(db.engine().pool)
    assert seen == [True]


async def _cancelled_units(settings) -> None:
    """Units cancelled at every step of their life (asking, in a statement, giving the connection back)."""
    await db.start_pool(dataclasses.replace(settings, db_pool_size=2))
    pool = db.engine().pool
    try:
        async def unit() -> None:
            async with db.one_connection():
                await _backend()
                await _backend()

        for steps in range(12):
            tasks = [asyncio.ensure_future(unit()) for _ in range(4)]
            for _ in range(steps):
                await asyncio.sleep(0)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        await asyncio.sleep(0.05)  # a release under way when its task was cancelled finishes
        assert _all_idle(pool)
        async with db.one_connection():  # and the pool still lends both connections
            assert await asyncio.wait_for(asyncio.gather(_backend(), _backend()), timeout=5)
    finally:
        await db.close_pool()


def test_a_cancelled_request_still_gives_its_connection_back(postgres):
    run(_cancelled_units(postgres))
