"""Wake-ups across workers: one listening connection per worker turns another worker's publish into a local wake-up.

On PostgreSQL the worker LISTENs on the `giuria_live` channel (publish NOTIFYs inside its transaction, so the
wake-up leaves at commit); with GIURIA_REDIS_URL it subscribes to the Redis channel of the same name instead; on
SQLite there is one writer process to wake, in-process. A dropped connection is reopened after a short wait, and
every listener is woken then, since a wake-up may have been missed: listeners read the database, never the message.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading
from collections.abc import AsyncIterator

from core.live import stream
from core.live.events import CHANNEL, send_to_other_workers_with, wake_all_listeners, wake_listeners
from core.platform.settings import Settings

log = logging.getLogger("giuria.live")

RECONNECT_SECONDS = 1.0

# This worker's Redis client for publishing (a connection pool, rebuilt on demand), and its pending sends.
_redis_client = None
_sends: set[asyncio.Task] = set()


def _round_of(message: str | bytes) -> int | None:
    text = message.decode() if isinstance(message, bytes) else str(message)
    return int(text) if text.isdigit() else None


def send_redis(round_id: int) -> None:
    """Publish `round_id` on the Redis channel, in the background (called after the change committed)."""
    if _redis_client is None:
        return
    task = asyncio.get_running_loop().create_task(_redis_client.publish(CHANNEL, str(round_id)))
    _sends.add(task)
    task.add_done_callback(_sent)


def _sent(task: asyncio.Task) -> None:
    _sends.discard(task)
    if not task.cancelled() and task.exception() is not None:
        log.warning("a live wake-up could not be sent to Redis: %s", task.exception())


async def _listen_postgres(url: str, stop: asyncio.Event, ready: asyncio.Event) -> None:
    import asyncpg

    while not stop.is_set():
        connection = None
        try:
            connection = await asyncpg.connect(url)
            lost = asyncio.Event()
            connection.add_termination_listener(lambda _connection, lost=lost: lost.set())
            await connection.add_listener(CHANNEL, lambda _c, _pid, _channel, payload: _wake(payload))
            ready.set()
            wake_all_listeners()  # anything published while this worker was not listening
            stopping = asyncio.ensure_future(stop.wait())
            dropped = asyncio.ensure_future(lost.wait())
            await asyncio.wait({stopping, dropped}, return_when=asyncio.FIRST_COMPLETED)
            stopping.cancel()
            dropped.cancel()
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
            log.warning("live listener lost PostgreSQL (%s); retrying", error)
        finally:
            if connection is not None and not connection.is_closed():
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(connection.close(), 2)
        if not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), RECONNECT_SECONDS)


async def _listen_redis(client, stop: asyncio.Event, ready: asyncio.Event) -> None:
    from redis.exceptions import RedisError

    while not stop.is_set():
        pubsub = client.pubsub()
        try:
            await pubsub.subscribe(CHANNEL)
            ready.set()
            wake_all_listeners()
            while not stop.is_set():
                message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
                if message and message.get("type") == "message":
                    _wake(message["data"])
        except (OSError, RedisError) as error:
            log.warning("live listener lost Redis (%s); retrying", error)
        finally:
            with contextlib.suppress(Exception):
                await pubsub.aclose()
        if not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), RECONNECT_SECONDS)


def _wake(payload: str | bytes) -> None:
    round_id = _round_of(payload)
    if round_id is not None:
        wake_listeners(round_id)


def _end_streams_on_exit_signals() -> dict:
    """When the server is told to stop, end the open event streams first, so they close cleanly.

    The server waits for open responses before it shuts the app down, and a stream would otherwise run on until
    it is cut. Chained in front of the server's own handlers (restored afterwards); only the main thread may.
    """
    if threading.current_thread() is not threading.main_thread():
        return {}
    loop = asyncio.get_running_loop()
    previous = {}
    for number in (signal.SIGTERM, signal.SIGINT):
        handler = signal.getsignal(number)
        if not callable(handler):
            continue

        def chained(signum, frame, handler=handler):
            loop.call_soon_threadsafe(stream.stop_streams)
            handler(signum, frame)

        previous[number] = handler
        signal.signal(number, chained)
    return previous


@contextlib.asynccontextmanager
async def listening(settings: Settings, *, ready_within: float = 5.0) -> AsyncIterator[None]:
    """Keep this worker's one listening connection open while the app runs (nothing to do on SQLite)."""
    global _redis_client
    stream.streams_allowed()
    stop = asyncio.Event()
    ready = asyncio.Event()
    task: asyncio.Task | None = None
    client = None
    if settings.redis_url:
        import redis.asyncio as redis

        client = redis.from_url(settings.redis_url)
        _redis_client = client
        send_to_other_workers_with(send_redis)
        task = asyncio.create_task(_listen_redis(client, stop, ready), name="giuria-live-redis")
    elif settings.database_engine == "postgres":
        task = asyncio.create_task(_listen_postgres(settings.database_url, stop, ready), name="giuria-live-listen")
    if task is not None:
        # Serve even if the server is away: the listeners' own polling covers the gap until it is back.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(ready.wait(), ready_within)
    chained = _end_streams_on_exit_signals()
    try:
        yield
    finally:
        for number, handler in chained.items():
            with contextlib.suppress(ValueError):
                signal.signal(number, handler)
        stream.stop_streams()
        stop.set()
        if task is not None:
            try:
                await asyncio.wait_for(task, 5)
            except TimeoutError:
                task.cancel()
        if client is not None:
            for pending in list(_sends):
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(pending, 1)
            _redis_client = None
            send_to_other_workers_with(None)
            with contextlib.suppress(Exception):
                await client.aclose()
