"""A PostgreSQL connection goes back to the pool without asyncpg's reset query (one round trip per statement
saved), yet never with a transaction left open. Giuria keeps no session state for the reset to undo."""

from __future__ import annotations

import dataclasses

import pytest

from core.platform import db
from core.platform.tables import Organisation
from tests.conftest import run


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


def test_a_pooled_connection_is_released_without_a_reset_but_never_inside_a_transaction(settings):
    if settings.database_engine != "postgres":
        pytest.skip("only PostgreSQL has a connection pool")
    run(_scenario(settings))
