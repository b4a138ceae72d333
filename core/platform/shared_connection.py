"""PostgreSQL: the statements of one unit of work (a request) share one pooled connection.

Piccolo borrows a pool connection for every statement and gives it back at once: a page of a dozen statements
went through the pool a dozen times, each time paying asyncpg's acquire and release in Python. Inside
`one_connection()` the first statement takes a connection and the later ones (and write transactions) run on
it; it goes back to the pool when the unit closes it, or when the block ends, whatever happens in between.

A statement that finds the shared connection busy (another task of the same unit is in a statement or a
transaction on it) or already closed (a response streaming after its start) borrows its own connection for
itself, as Piccolo always did: the shared connection is never used by two at once, and never held past close.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
from collections.abc import AsyncIterator
from typing import Any

from piccolo.engine.postgres import PostgresEngine, PostgresTransaction

# The unit of work in progress in this task (None: every statement borrows its own connection).
_shared: contextvars.ContextVar[SharedConnection | None] = contextvars.ContextVar("giuria_shared_connection",
                                                                                  default=None)


class SharedConnection:
    """One connection lent to a unit's statements one at a time: taken at the first, given back at close."""

    __slots__ = ("_busy", "_closed", "_connection", "_engine", "_pool", "_turn")

    def __init__(self, engine: SharedConnectionEngine) -> None:
        self._engine = engine
        self._pool = engine.pool
        self._connection = None
        self._busy = False
        self._closed = False
        self._turn: asyncio.Semaphore | None = None  # whose turn it holds (see `SharedConnectionEngine.turns`)

    async def take(self):
        """The connection, reserved for the caller until `give_back`; None if busy or closed (borrow another)."""
        if self._busy or self._closed:
            return None
        self._busy = True
        try:
            if self._connection is not None and self._connection.is_closed():  # dropped by the server
                await self._release()
            if self._connection is None:
                self._engine.acquired += 1
                self._connection = await self._acquire()
        except BaseException:
            self._busy = False
            raise
        return self._connection

    async def give_back(self) -> None:
        self._busy = False
        if self._closed:
            await self._release()

    async def close(self) -> None:
        """No statement takes the connection any more; it goes back to the pool now, or when its user is done."""
        self._closed = True
        if not self._busy:
            await self._release()

    async def _acquire(self):
        if self._pool is None:
            return await self._engine.get_new_connection()
        turns = self._engine.turns
        if turns is None:
            return await self._pool.acquire()
        await turns.acquire()
        self._turn = turns
        try:
            return await self._pool.acquire()
        except BaseException:
            self._hand_back_turn()
            raise

    def _hand_back_turn(self) -> None:
        turn, self._turn = self._turn, None
        if turn is not None:
            turn.release()

    async def _release(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                # Shielded: a request cancelled (the client went away) still returns its connection. asyncpg's
                # `Pool.release` shields its own work (nothing before it can be cancelled): a second shield would
                # cost every request another task.
                await (self._pool.release(connection) if self._pool else asyncio.shield(connection.close()))
            finally:
                self._hand_back_turn()


@contextlib.asynccontextmanager
async def one_connection(engine) -> AsyncIterator[SharedConnection | None]:
    """Run the block's statements on one connection (None: SQLite, or already inside a unit).

    Without a pool (tests, a CLI) the connection is opened for the unit and closed at its end.
    """
    if not isinstance(engine, SharedConnectionEngine) or _shared.get() is not None:
        yield None
        return
    shared = SharedConnection(engine)
    token = _shared.set(shared)
    try:
        yield shared
    finally:
        _shared.reset(token)
        await shared.close()


def begin_for_task(engine) -> None:
    """The rest of this task's statements share one connection (a CLI command's run), until `release_current`.
    Nothing on SQLite, or inside a unit already."""
    if isinstance(engine, SharedConnectionEngine) and _shared.get() is None:
        _shared.set(SharedConnection(engine))


async def release_current() -> None:
    """The unit's statements are over: its connection goes back to the pool now (a later statement of the unit
    borrows one of its own). Nothing when no unit is in progress."""
    shared = _shared.get()
    if shared is not None:
        await shared.close()


class SharedConnectionTransaction(PostgresTransaction):
    """Piccolo's transaction, on the unit's shared connection when it is free (given back, not released, after)."""

    __slots__ = ("_lent",)

    async def get_connection(self):
        shared = _shared.get()
        self._lent = shared if shared is not None and (connection := await shared.take()) is not None else None
        if self._lent is not None:
            return connection
        self.engine.acquired += 1
        return await super().get_connection()

    async def __aenter__(self):
        if self._parent is not None:
            return self._parent
        self.connection = await self.get_connection()
        try:
            self.transaction = self.connection.transaction()
            await self.begin()
        except BaseException:
            await self._hand_back()
            raise
        self.context = self.engine.current_transaction.set(self)
        return self

    async def _hand_back(self) -> None:
        """After a failed BEGIN: the unit's connection goes back to the unit (asyncpg rolls back whatever BEGIN
        left when the pool takes it back); a borrowed one goes back to the pool at once, which Piccolo's own
        transaction forgets, keeping it out of the pool for good."""
        if self._lent is not None:
            await self._lent.give_back()
        elif self.engine.pool is not None:
            await self.engine.pool.release(self.connection)
        else:
            await self.connection.close()

    async def __aexit__(self, exception_type, exception, traceback) -> bool:
        if self._parent is not None or self._lent is None:
            return await super().__aexit__(exception_type, exception, traceback)
        try:
            if exception is not None:
                if not self._rolled_back:
                    await self.rollback()
            elif not self._committed and not self._rolled_back:
                await self.commit()
        finally:
            self.engine.current_transaction.reset(self.context)
            await self._lent.give_back()
        return exception is None


class SharedConnectionEngine(PostgresEngine):
    """Piccolo's PostgreSQL engine, running statements on the unit's shared connection when one is open.

    `acquired` counts the connections it took (from the pool, or opened without one): the tests read it.
    `turns`, once the pool starts, lets units wait for a pool connection in the order they asked: asyncpg's own
    queue lets a newcomer take a connection that a waiting unit was woken for, and under 32 requests on a pool of
    ten the unlucky ones waited again and again (the review page's p99 was four times its median).
    """

    __slots__ = ("acquired", "turns")

    def __init__(self, *args, **kwargs) -> None:
        self.acquired = 0  # before Piccolo's start-up, whose version check runs a statement
        self.turns: asyncio.Semaphore | None = None
        super().__init__(*args, **kwargs)

    async def start_connection_pool(self, **kwargs) -> None:
        started = self.pool is None
        await super().start_connection_pool(**kwargs)
        if started:
            self.turns = asyncio.Semaphore(kwargs.get("max_size", 10))

    async def close_connection_pool(self) -> None:
        self.turns = None
        await super().close_connection_pool()

    async def _run_shared_or(self, borrow, query: str, args: Any):
        """Run on the unit's shared connection if there is one free; else `borrow` a connection for it alone."""
        shared = _shared.get()
        connection = await shared.take() if shared is not None else None
        if connection is None:
            self.acquired += 1
            return await borrow(query, args)
        try:
            return await connection.fetch(query, *(args or ()))
        finally:
            await shared.give_back()

    async def read(self, query: str, args: Any) -> list[dict[str, Any]]:
        """A compiled SELECT outside a transaction, as dicts, on the unit's connection (or one borrowed for it)."""
        run = self._run_in_pool if self.pool is not None else self._run_in_new_connection
        return [dict(row) for row in await run(query, args)]

    async def _run_in_pool(self, query: str, args: Any = None):
        return await self._run_shared_or(super()._run_in_pool, query, args)

    async def _run_in_new_connection(self, query: str, args: Any = None):
        return await self._run_shared_or(super()._run_in_new_connection, query, args)

    def transaction(self, allow_nested: bool = True) -> SharedConnectionTransaction:
        return SharedConnectionTransaction(engine=self, allow_nested=allow_nested)
