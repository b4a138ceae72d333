"""The live event stream over real servers: catching up from Last-Event-ID, and an event published through one
worker process reaching a page connected to another (PostgreSQL LISTEN/NOTIFY, or Redis pub/sub), within a second.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import queue
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from core.live import fanout, room, stream
from core.live.events import publish
from core.platform import db
from tests.conftest import TEST_SECRET, run
from tests.factories import account, application, example_edition, live_final, put_on_stage

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def served(settings, *, redis_url: str = "") -> Iterator[str]:
    """The app in a worker process of its own (uvicorn), on the test's database."""
    port = _free_port()
    env = {**os.environ, "GIURIA_ENV": "test", "GIURIA_DATA_DIR": str(settings.data_dir),
           "GIURIA_DATABASE_URL": settings.database_url, "GIURIA_SECRET_KEY": TEST_SECRET,
           "GIURIA_MAIL_INTERVAL_SECONDS": "0", "GIURIA_JOB_INTERVAL_SECONDS": "0", "GIURIA_DB_POOL_SIZE": "4",
           "GIURIA_REDIS_URL": redis_url, "GIURIA_BASE_URL": f"http://127.0.0.1:{port}"}
    log = (settings.data_dir / f"server-{port}.log").open("wb")
    server = subprocess.Popen([sys.executable, "-m", "uvicorn", "--factory", "web.app:create_app_from_env",
                               "--host", "127.0.0.1", "--port", str(port), "--timeout-graceful-shutdown", "3"],
                              cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:  # noqa: S310 - our own server
                if response.status == 200:
                    break
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                pytest.fail((settings.data_dir / f"server-{port}.log").read_text(errors="replace"))
            time.sleep(0.1)
    try:
        yield url
    finally:
        server.terminate()
        server.wait(timeout=15)
        log.close()


class EventReader:
    """An SSE client in a thread: each event as (id, kind, payload, time received), in a queue."""

    def __init__(self, url: str, headers: dict[str, str] | None = None) -> None:
        self.events: queue.Queue = queue.Queue()
        self.status: int | None = None
        self.comments: list[str] = []
        self.ended_cleanly = threading.Event()
        self._stop = threading.Event()
        self._opened = threading.Event()
        self._thread = threading.Thread(target=self._read, args=(url, headers or {}), daemon=True)
        self._thread.start()
        assert self._opened.wait(10), "the stream did not open"

    def _read(self, url: str, headers: dict[str, str]) -> None:
        with httpx.Client(timeout=httpx.Timeout(30, read=30)) as client, \
                client.stream("GET", url, headers=headers) as response:
            self.status = response.status_code
            self._opened.set()
            event: dict = {}
            for line in response.iter_lines():
                if self._stop.is_set():
                    return
                if line.startswith(":"):
                    self.comments.append(line)
                elif line.startswith("id:"):
                    event["id"] = int(line[3:].strip())
                elif line.startswith("event:"):
                    event["kind"] = line[6:].strip()
                elif line.startswith("data:"):
                    event["data"] = json.loads(line[5:].strip())
                elif line == "" and "kind" in event:
                    self.events.put((event["id"], event["kind"], event.get("data"), time.monotonic()))
                    event = {}
            self.ended_cleanly.set()  # the server ended the stream with its last chunk, not by a cut

    def next(self, timeout: float = 10.0) -> tuple:
        return self.events.get(timeout=timeout)

    def close(self) -> None:
        self._stop.set()


def seed_live_round() -> tuple[int, list[int]]:
    edition = example_edition()
    apps = [application(edition, owner=account(f"f{n}@applicant.example"), entity_name=f"Finalist {n}",
                        status="finalist") for n in range(2)]
    slots = live_final(edition.rounds["R3"], apps)
    put_on_stage(edition.rounds["R3"], slots[0])
    return edition.rounds["R3"], slots


def publish_now(round_id: int, kind: str, payload: dict) -> None:
    async def write() -> None:
        async with db.write_transaction():
            await publish(round_id=round_id, kind=kind, payload=payload)

    run(write())


def vote_through(url: str, settings, round_id: int, slot: int, value: int) -> float:
    """A phone votes through the server at `url`; returns when the vote was answered."""
    path = f"{url}/vote/{round_id}/{room.vote_token(settings, round_id)}"
    with httpx.Client() as phone:
        page = phone.get(path)
        token = page.text.split('name="_csrf_token" value="', 1)[1].split('"', 1)[0]
        sent = time.monotonic()
        answer = phone.post(path, data={"slot": str(slot), "value": str(value), "_csrf_token": token})
    assert answer.status_code == 200, answer.text
    return sent


def test_a_page_catches_up_from_its_last_event_and_then_follows(settings):
    round_id, slots = seed_live_round()
    for n in range(3):
        publish_now(round_id, "slot.started", {"slot": slots[0], "n": n})
    with served(settings) as url:
        assert httpx.get(f"{url}/live/{round_id + 99}/events").status_code == 404
        reader = EventReader(f"{url}/live/{round_id}/events", headers={"last-event-id": "1"})
        assert reader.status == 200
        assert [reader.next()[:3] for _ in range(2)] == [
            (2, "slot.started", {"slot": slots[0], "n": 1}), (3, "slot.started", {"slot": slots[0], "n": 2})]
        assert reader.comments[0] == ": giuria live"
        by_query = EventReader(f"{url}/live/{round_id}/events?after=2")
        assert by_query.next()[:2] == (3, "slot.started")
        # a page just loaded shows the day as it is: it is not replayed what came before, only what comes next
        fresh = EventReader(f"{url}/live/{round_id}/events")
        time.sleep(0.3)
        sent = vote_through(url, settings, round_id, slots[0], 4)
        for stream in (reader, by_query, fresh):
            event = stream.next()
            assert event[:3] == (4, "vote.counted", {"slot": slots[0]})
            assert event[3] - sent < 1.0
        by_query.close()
        fresh.close()
    # the server was told to stop: the open stream ended properly (the browser then reconnects elsewhere)
    assert reader.ended_cleanly.wait(5)


def test_pages_caught_up_on_one_worker_share_one_read_of_each_new_event(settings, monkeypatch):
    """Three hundred phones at a venue follow one round: a new event costs the worker one read, not one per page."""
    round_id, slots = seed_live_round()
    reads: list[int] = []
    real_read = stream.events_after

    async def counted_read(**question):
        reads.append(question["after_id"])
        return await real_read(**question)

    monkeypatch.setattr(stream, "events_after", counted_read)

    async def follow() -> list:
        stream.streams_allowed()  # as a worker's start does (an app of an earlier test may have shut down)
        pages = [stream.round_stream(round_id=round_id, after_id=0, keep_alive=30) for _ in range(40)]
        first = [asyncio.ensure_future(anext(page)) for page in pages]
        await asyncio.sleep(0.3)  # every page has read the empty log and waits for a wake-up
        async with db.write_transaction():
            await publish(round_id=round_id, kind="slot.started", payload={"slot": slots[0]})
        try:
            return await asyncio.wait_for(asyncio.gather(*first), 5)
        finally:
            for page in pages:
                await page.aclose()

    received = run(follow())
    assert [(event.kind, event.payload) for event in received] == [("slot.started", {"slot": slots[0]})] * 40
    assert reads == [0, 0], reads  # the empty log once, then the new event once, for all forty pages


def _other_worker_case(settings, redis_url: str = "") -> None:
    round_id, slots = seed_live_round()
    with served(settings, redis_url=redis_url) as first, served(settings, redis_url=redis_url) as second:
        reader = EventReader(f"{second}/live/{round_id}/events")
        time.sleep(0.3)  # the stream has read the (empty) log and waits
        delays = []
        for value in (3, 4, 5):
            sent = vote_through(first, settings, round_id, slots[0], value)
            event = reader.next(timeout=5)
            assert event[1] == "vote.counted"
            delays.append(event[3] - sent)
        reader.close()
    # well under the streams' own polling interval (5 s): the wake-up crossed between the processes
    assert max(delays) < 1.0, delays


def test_an_event_published_by_one_worker_reaches_a_page_of_another_through_postgresql(settings):
    if not settings.database_url:
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's; SQLite runs one writer and wakes in-process")
    _other_worker_case(settings)


@pytest.fixture
def redis_server(tmp_path) -> Iterator[str]:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed")
    port = _free_port()
    server = subprocess.Popen([binary, "--port", str(port), "--save", "", "--appendonly", "no",
                               "--dir", str(tmp_path)], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                server.kill()
                pytest.fail("redis-server did not start")
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    server.terminate()
    server.wait(timeout=10)


def test_an_event_published_by_one_worker_reaches_a_page_of_another_through_redis(settings, redis_server):
    _other_worker_case(settings, redis_server)


async def _stream_holds_no_connection(settings, round_id: int) -> None:
    from web.app import create_app

    pooled = dataclasses.replace(settings, db_pool_size=2)
    app = create_app(pooled)
    async with fanout.listening(pooled):  # with the pool, what the app's lifespan does
        await db.start_pool(pooled)
        try:
            await _stream_then_check_the_pool(app, round_id)
        finally:
            await db.close_pool()


async def _stream_then_check_the_pool(app, round_id: int) -> None:
    sent: asyncio.Queue = asyncio.Queue()
    disconnected = asyncio.Event()

    async def receive() -> dict:
        await disconnected.wait()
        return {"type": "http.disconnect"}

    path = f"/live/{round_id}/events"
    scope = {"type": "http", "http_version": "1.1", "method": "GET", "scheme": "http", "path": path,
             "raw_path": path.encode(), "query_string": b"after=0", "root_path": "",
             "headers": [(b"host", b"testserver.local")], "client": ("127.0.0.1", 5000), "server": ("testserver", 80)}
    serving = asyncio.create_task(app(scope, receive, sent.put))
    try:
        start = await asyncio.wait_for(sent.get(), 10)
        assert start["type"] == "http.response.start" and start["status"] == 200
        for _ in range(3):  # the opening comment and the events caught up from the log: the stream is streaming
            assert (await asyncio.wait_for(sent.get(), 10))["type"] == "http.response.body"
        pool = db.engine().pool
        assert pool.get_idle_size() == pool.get_size()  # the request's connection went back as the stream began
    finally:
        disconnected.set()
        await asyncio.wait_for(serving, 10)


def test_an_open_stream_holds_no_pooled_connection(settings):
    if settings.database_engine != "postgres":
        pytest.skip("only PostgreSQL has a connection pool")
    round_id, slots = seed_live_round()
    for n in range(2):
        publish_now(round_id, "slot.started", {"slot": slots[0], "n": n})
    run(_stream_holds_no_connection(settings, round_id))
