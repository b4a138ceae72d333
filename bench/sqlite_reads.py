"""SQLite reads and the event loop: request rate of simple pages, and the loop's stall during a slow read.

Runs the app in-process (httpx over ASGI, one event loop, no server) on a fresh SQLite file holding
the example competition, and prints: requests/s for the public landing page and the edition page,
one at a time and 16 at a time, with the CPU time each takes; then the longest gap of a coroutine
that sleeps 10 ms in a loop while a recursive CTE counts to a few million outside any transaction.

    python bench/sqlite_reads.py [--requests 400] [--count 3000000]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.editions.competitions import import_competition_text
from core.platform import db
from core.platform.settings import Settings
from core.platform.tables import Edition

# A plain SELECT (the shape of every read the app makes) whose one row takes seconds to compute.
SLOW_COUNT = ("SELECT (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {}) "
              "SELECT count(*) FROM n) AS c")


async def rate(client: httpx.AsyncClient, path: str, requests: int, concurrency: int) -> tuple[float, float]:
    """Requests per second, and CPU milliseconds per request (steadier than the rate on a busy machine)."""
    gate = asyncio.Semaphore(concurrency)

    async def one() -> None:
        async with gate:
            response = await client.get(path)
            assert response.status_code == 200, (path, response.status_code)

    await one()  # warm the templates and the connections
    started, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(one() for _ in range(requests)))
    return requests / (time.perf_counter() - started), (time.process_time() - cpu) * 1000 / requests


async def longest_stall(count: int) -> tuple[float, float]:
    """The longest gap between ticks of a 10 ms sleeper while the slow read runs, and the read's duration."""
    gaps: list[float] = []
    done = asyncio.Event()

    async def ticker() -> None:
        last = time.perf_counter()
        while not done.is_set():
            await asyncio.sleep(0.01)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    task = asyncio.create_task(ticker())
    await asyncio.sleep(0.05)
    started = time.perf_counter()
    rows = await Edition.raw(SLOW_COUNT.format(count))
    took = time.perf_counter() - started
    assert rows[0]["c"] == count
    done.set()
    await task
    return max(gaps), took


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--count", type=int, default=3_000_000)
    args = parser.parse_args()
    logging.getLogger("httpx").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory() as directory:
        settings = Settings(env="test", data_dir=Path(directory), secret_key="bench-" * 8,
                            mail_interval_seconds=0, job_interval_seconds=0)
        db.configure(settings)
        await db.migrate()
        await import_competition_text((ROOT / "examples" / "welfare-che-impresa.yaml").read_text(encoding="utf-8"))
        from web.app import create_app

        app = create_app(settings)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench.local") as client:
            for path in ("/", "/c/welfare-comunita-2026"):
                for concurrency in (1, 16):
                    per_second, cpu_ms = await rate(client, path, args.requests, concurrency)
                    print(f"{path:28} {concurrency:2} at a time: {per_second:7.0f} requests/s, "
                          f"{cpu_ms:5.2f} ms CPU per request")
        gap, took = await longest_stall(args.count)
        print(f"slow read ({args.count:,} rows counted) took {took * 1000:.0f} ms; "
              f"longest gap of a 10 ms ticker meanwhile: {gap * 1000:.0f} ms")
        await db.close_pool()


if __name__ == "__main__":
    asyncio.run(main())
