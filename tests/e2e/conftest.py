"""A live Giuria server with demo data, and Debian's Chromium driven by Playwright.

Without a Chromium the browser tests skip with a message, unless GIURIA_REQUIRE_BROWSER=1 (CI).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

REQUIRE_BROWSER = os.environ.get("GIURIA_REQUIRE_BROWSER") == "1"
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-dev-shm-usage",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _chromium() -> str | None:
    configured = os.environ.get("GIURIA_CHROMIUM")
    if configured:
        return configured
    return next((path for path in CHROMIUM_CANDIDATES if os.path.exists(path)), shutil.which("chromium"))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class LiveServer:
    url: str
    data_dir: Path
    database_url: str = ""  # "" on SQLite (the data dir's file)

    @property
    def env(self) -> dict[str, str]:
        """What a command run beside the server needs to reach its database."""
        env = {"GIURIA_DATA_DIR": str(self.data_dir), "GIURIA_SECRET_KEY": SECRET}
        if self.database_url:
            env["GIURIA_DATABASE_URL"] = self.database_url
        return env

    def rows(self, sql: str, *params) -> list[tuple]:
        """Rows of a plain SQL query on the server's database, written with `?` placeholders for both engines."""
        if not self.database_url:
            import sqlite3

            with sqlite3.connect(self.data_dir / "giuria.sqlite3") as database:
                return database.execute(sql, params).fetchall()
        import asyncpg

        numbered = sql
        for number in range(1, len(params) + 1):
            numbered = numbered.replace("?", f"${number}", 1)

        async def fetch() -> list[tuple]:
            connection = await asyncpg.connect(self.database_url)
            try:
                return [tuple(row) for row in await connection.fetch(numbered, *params)]
            finally:
                await connection.close()

        return run_apart(fetch())


SECRET = "e2e-secret-" + "k" * 40


def run_apart(awaitable):
    """Run a coroutine to its end on a thread of its own: Playwright's sync API keeps a loop running in this one."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as executor:
        return executor.submit(asyncio.run, awaitable).result()


def serve(data_dir: Path, env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    """`giuria serve` on a free port with `env`, once /healthz answers: the process and its address."""
    port = _free_port()
    log = (data_dir / "server.log").open("wb")  # a file, not a pipe: a full pipe would stall the server
    server = subprocess.Popen(
        [sys.executable, "-m", "core", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=log, stderr=subprocess.STDOUT)
    log.close()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90  # a loaded CI machine starts slowly
    while True:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:  # noqa: S310 - our own server
                if response.status == 200:
                    return server, url
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                pytest.fail(f"the server did not start:\n{(data_dir / 'server.log').read_text(errors='replace')}")
            time.sleep(0.2)


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def demo_server(request, tmp_path_factory) -> Iterator[LiveServer]:
    """`giuria demo` data served by `giuria serve`, on SQLite (the shared live server) and on PostgreSQL."""
    if request.param == "sqlite":
        yield request.getfixturevalue("live_server")
        return
    with throwaway_postgres() as server_url:
        data_dir = tmp_path_factory.mktemp("live-postgres")
        env = {**os.environ, "GIURIA_DATA_DIR": str(data_dir), "GIURIA_SECRET_KEY": SECRET,
               "GIURIA_MAIL_INTERVAL_SECONDS": "1", "GIURIA_DATABASE_URL": server_url}
        env.pop("GIURIA_BASE_URL", None)
        env.pop("GIURIA_REDIS_URL", None)
        prepared = subprocess.run([sys.executable, "-m", "core", "demo", "--no-serve"], env=env, capture_output=True,
                                  text=True, timeout=300)
        assert prepared.returncode == 0, prepared.stderr
        server, url = serve(data_dir, env)
        yield LiveServer(url=url, data_dir=data_dir, database_url=server_url)
        server.terminate()
        server.wait(timeout=10)


@contextmanager
def throwaway_postgres() -> Iterator[str]:
    """The URL of a new PostgreSQL database on the test server, dropped afterwards (skips without a server)."""
    import uuid

    import asyncpg

    from tests.conftest import POSTGRES_HINT, POSTGRES_URL, REQUIRE_POSTGRES, _database_url

    if not POSTGRES_URL:
        if REQUIRE_POSTGRES:
            pytest.fail("GIURIA_REQUIRE_POSTGRES=1 but GIURIA_TEST_POSTGRES_URL is not set")
        pytest.skip(POSTGRES_HINT)
    name = f"giuria_e2e_{uuid.uuid4().hex[:10]}"

    async def admin(statement: str) -> None:
        connection = await asyncpg.connect(POSTGRES_URL)
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    run_apart(admin(f'CREATE DATABASE "{name}"'))
    try:
        yield _database_url(POSTGRES_URL, name)
    finally:
        run_apart(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> Iterator[LiveServer]:
    """`giuria demo` data on SQLite, served by `giuria serve` on a free port (no GIURIA_BASE_URL, as on a laptop)."""
    data_dir = tmp_path_factory.mktemp("live")
    env = {**os.environ, "GIURIA_DATA_DIR": str(data_dir), "GIURIA_SECRET_KEY": SECRET,
           "GIURIA_MAIL_INTERVAL_SECONDS": "1"}
    env.pop("GIURIA_DATABASE_URL", None)
    env.pop("GIURIA_BASE_URL", None)
    prepared = subprocess.run([sys.executable, "-m", "core", "demo", "--no-serve"], env=env, capture_output=True,
                              text=True, timeout=120)
    assert prepared.returncode == 0, prepared.stderr
    port = _free_port()
    log = (data_dir / "server.log").open("wb")  # a file, not a pipe: a full pipe would stall the server
    server = subprocess.Popen(
        [sys.executable, "-m", "core", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90  # a loaded CI machine starts slowly
    while True:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:  # noqa: S310 - our own server
                if response.status == 200:
                    break
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                pytest.fail(f"the server did not start:\n{(data_dir / 'server.log').read_text(errors='replace')}")
            time.sleep(0.2)
    yield LiveServer(url=url, data_dir=data_dir)
    server.terminate()
    server.wait(timeout=10)
    log.close()


@pytest.fixture(scope="module")
def browser():
    path = _chromium()
    if path is None:
        message = "browser tests skipped: no Chromium found (apt-get install chromium, or set GIURIA_CHROMIUM)"
        if REQUIRE_BROWSER:
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API refuses to start inside a running asyncio loop; tests here have none.
    asyncio.set_event_loop(None)
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_FLAGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser, tmp_path):
    context = browser.new_context(locale="it-IT", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    page.screenshot(path=str(tmp_path / "last.png"), full_page=True)
    context.close()
