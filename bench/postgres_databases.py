"""Throw-away PostgreSQL databases for the benches, on the server GIURIA_BENCH_POSTGRES_URL names."""

from __future__ import annotations

import os
import uuid
from urllib.parse import urlsplit, urlunsplit

ADMIN_URL = os.environ.get("GIURIA_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


async def make_postgres_database(prefix: str) -> str:
    """A new empty database named `<prefix>_<random>`; its URL."""
    import asyncpg

    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    connection = await asyncpg.connect(ADMIN_URL)
    await connection.execute(f'CREATE DATABASE "{name}"')
    await connection.close()
    parts = urlsplit(ADMIN_URL)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", "", ""))


async def drop_postgres_database(url: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(ADMIN_URL)
    await connection.execute(f'DROP DATABASE IF EXISTS "{urlsplit(url).path.lstrip("/")}" WITH (FORCE)')
    await connection.close()
