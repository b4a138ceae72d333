"""Shared fixtures: a real database per test on SQLite and on PostgreSQL, the real app over HTTP.

PostgreSQL runs when GIURIA_TEST_POSTGRES_URL names a server (a throw-away database is created
on it); without it those runs skip with a line saying how to enable them, unless
GIURIA_REQUIRE_POSTGRES=1 (CI), where a missing server fails the run.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
from litestar.testing import TestClient

from core.platform import db
from core.platform.settings import Settings
from core.platform.tables import ALL_TABLES

POSTGRES_URL = os.environ.get("GIURIA_TEST_POSTGRES_URL", "")
REQUIRE_POSTGRES = os.environ.get("GIURIA_REQUIRE_POSTGRES") == "1"
POSTGRES_HINT = ("PostgreSQL tests skipped: set GIURIA_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/test "
                 "to run them (a temporary database is created on that server)")
TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789abcdef"


def run(awaitable):
    """Run core code (or a Piccolo query) from a sync test on a loop of its own; no pool, so no loop affinity."""

    async def wait():
        try:
            return await awaitable
        finally:
            await db.close_pool()

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(wait())
    # A loop already runs in this thread (Playwright's sync API keeps one): run beside it.
    with ThreadPoolExecutor(max_workers=1) as executor:
        return executor.submit(asyncio.run, wait()).result()


def _database_url(base: str, name: str) -> str:
    parts = urlsplit(base)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


async def _admin(statement: str) -> None:
    connection = await asyncpg.connect(POSTGRES_URL)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """One migrated SQLite file; each test gets a copy, which is much faster than migrating."""
    directory = tmp_path_factory.mktemp("sqlite-template")
    settings = Settings(env="test", data_dir=directory, secret_key=TEST_SECRET)
    db.configure(settings)
    run(db.migrate())
    # Tests copy the file alone: fold the write-ahead log into it first.
    with contextlib.closing(sqlite3.connect(settings.sqlite_path)) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return settings.sqlite_path


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    if not POSTGRES_URL:
        if REQUIRE_POSTGRES:
            pytest.fail("GIURIA_REQUIRE_POSTGRES=1 but GIURIA_TEST_POSTGRES_URL is not set")
        pytest.skip(POSTGRES_HINT)
    name = f"giuria_test_{uuid.uuid4().hex[:10]}"
    try:
        # Not run(): no engine is configured yet when the PostgreSQL runs come first (pytest -k postgres).
        asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    except (OSError, asyncpg.PostgresError) as error:
        if REQUIRE_POSTGRES:
            pytest.fail(f"cannot reach PostgreSQL at {POSTGRES_URL}: {error}")
        pytest.skip(f"{POSTGRES_HINT} (server not reachable: {error})")
    url = _database_url(POSTGRES_URL, name)
    db.configure(Settings(env="test", database_url=url, secret_key=TEST_SECRET, db_pool_size=0))
    run(db.migrate())
    yield url
    run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


TRUNCATE = "TRUNCATE {} RESTART IDENTITY CASCADE".format(", ".join(t._meta.tablename for t in ALL_TABLES))


@pytest.fixture(params=["sqlite", "postgres"])
def settings(request, tmp_path) -> Settings:
    """Settings for one test on one engine, with an empty, migrated database of its own."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    if request.param == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        shutil.copyfile(template, data_dir / "giuria.sqlite3")
        url = ""
    else:
        url = request.getfixturevalue("postgres_database")
    test_settings = Settings(env="test", data_dir=data_dir, database_url=url, secret_key=TEST_SECRET,
                             db_pool_size=0, login_attempts_per_account=3, login_attempts_per_ip=10,
                             # Tests deliver mail when they choose to (mail.deliver_due), not in the background.
                             mail_interval_seconds=0, job_interval_seconds=0)
    db.configure(test_settings)
    if url:
        run(db.engine().run_ddl(TRUNCATE))
    return test_settings


@pytest.fixture
def app(settings):
    from web.app import create_app

    return create_app(settings)


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://testserver.local") as test_client:
        yield test_client


CSRF_FIELD = re.compile(r'name="_csrf_token" value="([^"]+)"')


def csrf_token(client: TestClient, path: str) -> str:
    """Open a page as a browser would and take the CSRF token from its form."""
    response = client.get(path)
    match = CSRF_FIELD.search(response.text)
    assert match, f"no CSRF field on {path}"
    return match.group(1)


def sign_in(client: TestClient, email: str, password: str, *, next_path: str = "/me"):
    token = csrf_token(client, "/login")
    return client.post("/login", data={"email": email, "password": password, "next": next_path,
                                       "_csrf_token": token}, follow_redirects=False)
